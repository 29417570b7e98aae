#!/bin/sh
# strings.sh: a NUL character (U+0000) in an input string makes its record
# unreadable, in every reader: a NUL byte in a CSV cell, "\u0000" in JSON
# Lines.  The record is reported as FILE:LINE: error naming the field and
# the NUL, set aside (--rejects), and the others are evaluated; a limit per
# user and day then holds across two runs with --state, its counters keeping
# their period.  Rules cannot hold a NUL at all: the lexer refuses \u{0}, in
# offers and in a test's `given` alike.
. "$(dirname "$0")/lib.sh"
d="$CBR_SRCDIR/tests/strings-inputs"

# The CSV is written here: a NUL byte is easier to read in printf than in a
# file kept in git.  Records: t1 eve<NUL>x, t2 eve, t3 bob with a merchant
# ending in NUL, t4 bob: only t2 and t4 can be read, and each earns the day's
# one award of its user.
h='tid,user_id,amount,currency,merchant,timestamp'
printf '%s\nt1,eve\000x,20.00,USD,,2026-03-13T12:00:00Z\nt2,eve,20.00,USD,,2026-03-13T13:00:00Z\n' "$h" >"$tmp/tx.csv"
printf 't3,bob,20.00,USD,"Shop\000",2026-03-13T14:00:00Z\nt4,bob,20.00,USD,,2026-03-13T15:00:00Z\n' >>"$tmp/tx.csv"
cp "$d/tx.jsonl" "$tmp/tx.jsonl"
awards='{"tid":"t2","offer":"once","cashback":"1.00","currency":"USD"}
{"tid":"t4","offer":"once","cashback":"1.00","currency":"USD"}'
state=$(printf 'n|once|bob|d2026-03-13\t1\nn|once|eve|d2026-03-13\t1')

for fmt in csv jsonl; do
    if [ $fmt = csv ]; then l1=2 l3=4; else l1=1 l3=3; fi
    expect_status "$fmt: records with a NUL are rejected, status 3" 3 run "$d/once.cbr" --input "$tmp/tx.$fmt" \
        --rejects "$tmp/rejects.$fmt" --state "$tmp/state.$fmt"
    check "$fmt: a NUL in user_id is named at its line" contains "$err" \
        "tx.$fmt:$l1: error: field \`user_id\`: the text holds a NUL character (U+0000) at byte 4"
    check "$fmt: a NUL in merchant is named at its line" contains "$err" \
        "tx.$fmt:$l3: error: field \`merchant\`: the text holds a NUL character (U+0000) at byte 5"
    check "$fmt: two records rejected, no other error" test "$(printf '%s\n' "$err" | grep -c error:)" = 2
    check "$fmt: the other records are evaluated" test "$core" = "$awards"
    check "$fmt: the state keeps one counter per user, with its day" test "$(counters "$tmp/state.$fmt")" = "$state"
    # The next run: the same purchases under new tids.
    sed '1!s/^t/s/; s/"tid":"t/"tid":"s/' "$tmp/tx.$fmt" >"$tmp/next.$fmt"
    expect_status "$fmt: the second run with --state" 3 run "$d/once.cbr" --input "$tmp/next.$fmt" \
        --state "$tmp/state.$fmt"
    check "$fmt: the second run finds the day's award used" test -z "$out"
    check "$fmt: the counters are unchanged" test "$(counters "$tmp/state.$fmt")" = "$state"
done

# --rejects holds the records as read, the NUL byte or escape included.
{ printf '%s\n' "$h"; printf 't1,eve\000x,20.00,USD,,2026-03-13T12:00:00Z\nt3,bob,20.00,USD,"Shop\000",2026-03-13T14:00:00Z\n'; } >"$tmp/want.csv"
check "csv: --rejects keeps the two records, NUL bytes and all" cmp -s "$tmp/rejects.csv" "$tmp/want.csv"
sed -n '1p;3p' "$d/tx.jsonl" >"$tmp/want.jsonl"
check "jsonl: --rejects keeps the two records as written" cmp -s "$tmp/rejects.jsonl" "$tmp/want.jsonl"

# Without the NUL the same user is one user: eve's second purchase that day
# earns nothing.
printf '%s\nt1,evex,20.00,USD,,2026-03-13T12:00:00Z\nt2,evex,20.00,USD,,2026-03-13T13:00:00Z\n' "$h" >"$tmp/plain.csv"
expect_status "without the NUL the records are read" 0 run "$d/once.cbr" --input "$tmp/plain.csv"
check "and the limit holds" test "$core" = '{"tid":"t1","offer":"once","cashback":"1.00","currency":"USD"}'

# A key holding a NUL names no field: the record is refused, not run
# without the user it meant; a CSV column so named stops the file.
printf '%s\n' '{"tid":"t9","user_id\u0000":"eve","amount":"20.00","currency":"USD","timestamp":"2026-03-13T12:00:00Z"}' \
    '{"tid":"t10","user_id":"eve","amount":"20.00","currency":"USD","timestamp":"2026-03-13T12:00:00Z"}' >"$tmp/key.jsonl"
expect_status "jsonl: a key with a NUL rejects its record, status 3" 3 run "$d/once.cbr" --input "$tmp/key.jsonl"
check "... naming the key" contains "$err" 'key.jsonl:1: error: key `user_id`: a key holds a NUL character (U+0000)'
check "... and the next record is evaluated" test "$core" = '{"tid":"t10","offer":"once","cashback":"1.00","currency":"USD"}'
printf 'tid,user_id\000,amount,currency,timestamp\nt1,eve,20.00,USD,2026-03-13T12:00:00Z\n' >"$tmp/key.csv"
expect_status "csv: a header column with a NUL is a header error, status 2" 2 run "$d/once.cbr" --input "$tmp/key.csv"
check "... naming the column" contains "$err" "key.csv:1: error: column 2 of the header holds a NUL character (U+0000)"

expect_status "a test block cannot give a NUL" 1 test "$d/given.cbr"
check "the lexer names it" contains "$err" 'given.cbr:4:37: error: \u{0} (NUL) is not allowed in a string'

finish
