#!/bin/sh
# state.sh: the --state database across runs: pending awards and `cbrc vest`
# (never twice), refunds before and after vesting, `cbrc state`, retention
# (--ledger-days), a second run on a held file refused, a run killed
# with SIGKILL halfway leaving the state as it was, and a cache written out
# and emptied mid-run (statedb_spill) changing nothing.
. "$(dirname "$0")/lib.sh"
cd "$tmp" || exit 1
cat >ret.cbr <<'EOF'
offer "back-after-return" {
    vest after 30 days
    when amount >= 10 then cashback 10%
}
offer "now" {
    limit 2 per user
    when amount >= 10 then cashback 1.00
}
EOF
h='tid,kind,original_tid,user_id,amount,currency,timestamp'
printf '%s\n' "$h" 'p1,,,ann,40.00,USD,2026-03-01T10:00:00Z' 'p2,,,bob,20.00,USD,2026-03-02T10:00:00Z' \
    'p3,,,ann,50.00,USD,2026-03-03T10:00:00Z' >day1.csv
expect_status "day 1: a new state" 0 run ret.cbr --input day1.csv --state st.db
check "day 1: pending awards say when they vest" contains "$out" \
    '{"tid":"p1","offer":"back-after-return","cashback":"4.00","currency":"USD","event":"award","status":"pending","vests":"2026-03-31"'
check "day 1: six awards" test "$(printf '%s\n' "$out" | grep -c '"event":"award"')" = 6

expect_status "cbrc state" 0 state st.db
check "... counts the counters and records" contains "$out" "counters: 2 (limits, budgets and tallies)
ledger: 3 records, 3 with pending awards"
check "... the pending cashback" contains "$out" "pending: 11.00 USD in 3 awards"
check "... and when the next one vests" contains "$out" "next vesting: 2026-03-31T00:00:00Z"
expect_status "cbrc state --dump" 0 state st.db --dump
check "... lists a record with its awards" contains "$out" "purchase p1 user ann amount 40.00 USD refunded 0.00 at 2026-03-01T10:00:00Z
  award back-after-return granted 4.00 worth 4.00 pending until 2026-03-31"

# Day 2: p2 refunded in full before it vests, p3 in part.
printf '%s\n' "$h" 'r2,refund,p2,,20.00,USD,2026-03-10T10:00:00Z' 'r3,refund,p3,,10.00,USD,2026-03-10T11:00:00Z' >day2.csv
expect_status "day 2: refunds before vesting" 0 run ret.cbr --input day2.csv --state st.db
check "... reverse the pending awards" test "$out" = "$(printf '%s\n' \
    '{"tid":"r2","offer":"back-after-return","cashback":"-2.00","currency":"USD","event":"reversal","original_tid":"p2","award_id":"p2/back-after-return","user_id":"bob","campaign":null}' \
    '{"tid":"r2","offer":"now","cashback":"-1.00","currency":"USD","event":"reversal","original_tid":"p2","award_id":"p2/now","user_id":"bob","campaign":null}' \
    '{"tid":"r3","offer":"back-after-return","cashback":"-1.00","currency":"USD","event":"reversal","original_tid":"p3","award_id":"p3/back-after-return","user_id":"ann","campaign":null}' \
    '{"tid":"r3","offer":"now","cashback":"-0.20","currency":"USD","event":"reversal","original_tid":"p3","award_id":"p3/now","user_id":"ann","campaign":null}')"

# --summary counts the ledger, and the counts add up.
{ cat day1.csv; tail -n +2 day2.csv; tail -n +2 day1.csv; } >both.csv
expect_status "--summary of purchases, refunds and duplicates" 3 run ret.cbr --input both.csv --summary
check "... records read are evaluated plus rejected" contains "$err" "records: 8 read = 5 evaluated + 3 rejected"
check "... the rejects by reason" contains "$err" "rejected: 3 duplicate"
check "... purchases and refunds" contains "$err" "ledger: 3 purchases + 2 refunds evaluated, 3 duplicates rejected"
check "... awards paid now, pending and reversed" contains "$err" \
    "awards: 3 paid now (3.00 USD) + 3 pending (11.00 USD); 4 reversals (-4.20 USD)"
expect_status "--summary-format=json" 3 run ret.cbr --input both.csv --summary-format=json
check "... the same counts" contains "$err" \
    '"purchases":3,"refunds":2,"duplicates":3,"paid_now":3,"pending":3,"reversals":4,"cashback_paid_now":{"USD":"3.00"},"cashback_pending":{"USD":"11.00"},"cashback_reversed":{"USD":"-4.20"}'

# explain on a refund says what it reverses, and writes nothing.
cp st.db st.before
expect_status "explain a refund with --state" 0 explain ret.cbr --state st.db --tx \
    '{"tid":"r9","kind":"refund","original_tid":"p1","amount":"10.00","currency":"USD","timestamp":"2026-03-11T00:00:00Z"}'
check "... names the purchase" contains "$out" "transaction r9 (--tx): a refund of purchase p1"
check "... each award it takes back" contains "$out" "back-after-return: takes back 1.00 USD of award p1/back-after-return
now: takes back 0.25 USD of award p1/now"
check "... and the ledger after it" contains "$out" "purchase p1 user ann amount 40.00 USD refunded 10.00 at 2026-03-01T10:00:00Z"
check "... without writing the state" cmp -s st.db st.before
expect_status "explain a refund past the purchase" 0 explain ret.cbr --state st.db --tx \
    '{"tid":"r9","kind":"refund","original_tid":"p3","amount":"45.00","currency":"USD","timestamp":"2026-03-11T00:00:00Z"}'
check "... says why it is refused" contains "$out" "refused, reversing nothing: refund past the purchase's amount: p3 was 50.00 USD, 10.00 refunded before, this refund 45.00"
expect_status "explain a refund of a purchase not in the ledger" 0 explain ret.cbr --state st.db --tx \
    '{"tid":"r9","kind":"refund","original_tid":"zz","amount":"5.00","currency":"USD","timestamp":"2026-03-11T00:00:00Z"}'
check "... says it reverses nothing" contains "$out" "reverses nothing: the ledger does not hold purchase zz"
expect_status "explain a refund in its file, from the purchases before it" 0 explain ret.cbr --input day2.csv --tid r3
check "... without a state the purchase is not seen" contains "$out" "the ledger does not hold purchase p3"
cat day1.csv >with-refund.csv
tail -n +2 day2.csv >>with-refund.csv
expect_status "explain a refund after its purchase in one file" 0 explain ret.cbr --input with-refund.csv --tid r3 --json
check "... as JSON" contains "$out" '{"tid":"r3","source":"with-refund.csv:6","refund_of":"p3","reversals":[{"offer":"back-after-return","cashback":"-1.00","currency":"USD","award_id":"p3/back-after-return"},{"offer":"now","cashback":"-0.20","currency":"USD","award_id":"p3/now"}],"refused":null,"ledger_after":"purchase p3'

expect_status "vest before anything is due" 0 vest --state st.db --at 2026-03-30T23:59:59Z
check "... pays nothing" test -z "$out"
expect_status "vest when p1 and p3 are due" 0 vest --state st.db --at 2026-04-02T00:00:00-04:00
check "... pays what each is worth then, not the refunded one" test "$out" = "$(printf '%s\n' \
    '{"tid":"p1","offer":"back-after-return","cashback":"4.00","currency":"USD","event":"vest","award_id":"p1/back-after-return","user_id":"ann","campaign":null}' \
    '{"tid":"p3","offer":"back-after-return","cashback":"4.00","currency":"USD","event":"vest","award_id":"p3/back-after-return","user_id":"ann","campaign":null}')"
expect_status "vest again, later" 0 vest --state st.db --at 2027-01-01T00:00:00Z
check "... pays nothing twice" test -z "$out"
expect_status "cbrc state after vesting" 0 state st.db
check "... nothing is pending" contains "$out" "pending: nothing"

# A refund after vesting reverses the vested award.
printf '%s\n' "$h" 'r1,refund,p1,,40.00,USD,2026-04-05T10:00:00Z' >day3.csv
expect_status "day 3: a refund after vesting" 0 run ret.cbr --input day3.csv --state st.db
check "... reverses the paid award and the other" test "$(printf '%s\n' "$out" | core_awards)" = "$(printf '%s\n' \
    '{"tid":"r1","offer":"back-after-return","cashback":"-4.00","currency":"USD","event":"reversal","original_tid":"p1","award_id":"p1/back-after-return","user_id":"ann","campaign":null}' \
    '{"tid":"r1","offer":"now","cashback":"-1.00","currency":"USD","event":"reversal","original_tid":"p1","award_id":"p1/now","user_id":"ann","campaign":null}')"
expect_status "day 3 again: each record is a duplicate" 3 run ret.cbr --input day3.csv --state st.db
check "... named" contains "$err" "day3.csv:2: error: duplicate transaction r1: already in the ledger"

# Usage.
expect_status "vest without a state file" 2 vest --state missing.db --at 2026-04-01T00:00:00Z
check "... says so" contains "$err" "missing.db: no such state"
check "... and makes none" test ! -e missing.db
expect_status "vest --at that is not an instant" 2 vest --state st.db --at 2026-04-01
check "... says what it needs" contains "$err" "vest: --at 2026-04-01:"
expect_status "cbrc state of a missing file" 2 state missing.db

# Retention: with --ledger-days 1 a record with nothing pending older than a
# day before the newest is dropped, and its tid is then not a duplicate.
cat >plain.cbr <<'EOF'
offer "plain" {
    when amount >= 10 then cashback 1.00
}
EOF
printf '%s\n' "$h" 'q1,,,ann,40.00,USD,2026-03-01T10:00:00Z' >q1.csv
printf '%s\n' "$h" 'q2,,,ann,40.00,USD,2026-03-05T10:00:00Z' >q2.csv
run_cbrc run plain.cbr --input q1.csv --state keep.db
expect_status "a later day with --ledger-days 1" 0 run plain.cbr --input q2.csv --state keep.db --ledger-days 1
expect_status "cbrc state" 0 state keep.db
check "... the old record is dropped" contains "$out" "ledger: 1 records, 0 with pending awards"
check "... and the retention kept in the file" contains "$out" "kept 1 days after the newest"
expect_status "the dropped tid again" 0 run plain.cbr --input q1.csv --state keep.db
check "... is not recognised" test "$core" = '{"tid":"q1","offer":"plain","cashback":"1.00","currency":"USD"}'
expect_status "--ledger-days 0 is refused" 2 run plain.cbr --input q1.csv --state keep.db --ledger-days 0

# A second run on a file another holds is refused at once.
if python3 -c 'import sqlite3' 2>/dev/null; then
    python3 - "$CBRC" <<'EOF' >held.out 2>&1
import sqlite3, subprocess, sys
db = sqlite3.connect("keep.db", isolation_level=None)
db.execute("BEGIN IMMEDIATE")
p = subprocess.run([sys.argv[1], "run", "plain.cbr", "--input", "q2.csv", "--state", "keep.db"],
                   capture_output=True, text=True)
db.execute("ROLLBACK")
print(p.returncode)
print(p.stderr)
EOF
    check "a run on a state another run holds is refused, status 2" test "$(head -1 held.out)" = 2
    check "... saying why" contains "$(cat held.out)" "keep.db: opening the state: database is locked"
    # A damaged ledger record stops the run that needs it, saying so.
    python3 -c 'import sqlite3; db = sqlite3.connect("keep.db"); db.execute("UPDATE ledger SET data = x'"'"'00112233'"'"'"); db.commit()'
    printf '%s\n' "$h" 'x1,refund,q2,,5.00,USD,2026-03-06T10:00:00Z' >damaged.csv
    cp keep.db keep.before
    expect_status "a refund of a purchase whose record is damaged stops the run" 2 run plain.cbr --input damaged.csv --state keep.db
    check "... naming the damage" contains "$err" "whose ledger record in the store is damaged"
    check "... and the state is left as it was" cmp -s keep.db keep.before
fi

# Pots: a budget or money limit written without a currency is one pot
# across currencies (units of 10^-4).  A state an older cbrc kept per
# currency (a text state, or a database from before pots) is converted
# once: each currency's counter added into the pot, the same as if the run
# had counted pots all along.
cat >pot.cbr <<'RULES'
offer "o" {
    budget 10.00
    limit 6.00 per user per month
    when amount >= 1 then cashback 50%
}
offer "p" {
    budget 5.00 USD
    when amount >= 1 then cashback 10%
}
RULES
printf 'tid,user_id,amount,currency,timestamp\na1,u1,4.00,USD,2026-03-02T10:00:00Z\na2,u1,4.00,EUR,2026-03-02T11:00:00Z\na3,u2,2000,JPY,2026-03-02T11:00:00Z\n' >pot1.csv
printf 'tid,user_id,amount,currency,timestamp\nb1,u3,20.00,EUR,2026-03-02T12:00:00Z\nb2,u1,20.00,USD,2026-03-02T12:00:00Z\n' >pot2.csv
run_cbrc run pot.cbr --input pot1.csv --state pot.db
check "a pot takes every currency: 2.00 USD, 2.00 EUR and 6 JPY of one budget of 10.00" test \
    "$(counters pot.db)" = "$(printf 'a|o|u1|m2026-03-01|*\t40000\na|o|u2|m2026-03-01|*\t60000\nb|o|*\t100000\nb|p|USD\t40')"
run_cbrc run pot.cbr --input pot2.csv --state pot.db
check "... and once it is spent, no currency earns from it" test "$out" = \
'{"tid":"b2","offer":"p","cashback":"2.00","currency":"USD","event":"award","award_id":"b2/p","user_id":"u1","campaign":null}'
# The same first day as an older cbrc kept it: per currency, in minor units.
printf 'a|o|u1|m2026-03-01|EUR\t200\na|o|u1|m2026-03-01|USD\t200\na|o|u2|m2026-03-01|JPY\t6\nb|o|EUR\t200\nb|o|JPY\t6\nb|o|USD\t200\nb|p|USD\t40\n' >pot-old.st
run_cbrc run pot.cbr --input pot2.csv --state pot-old.st
check "an older text state kept per currency: its counters go into the pots, with a message" contains "$err" \
    "pot-old.st: 6 counters of limits and budgets written without a currency, kept per currency by an older cbrc, are now one pot each across currencies"
check "... and the day after pays what it pays after a day counted in pots" test "$out" = \
'{"tid":"b2","offer":"p","cashback":"2.00","currency":"USD","event":"award","award_id":"b2/p","user_id":"u1","campaign":null}'
check "... leaving the same counters" test "$(counters pot-old.st)" = "$(counters pot.db)"
run_cbrc run pot.cbr --input pot2.csv --state pot-old.st
check "... converted once" test -z "$(printf '%s' "$err" | grep 'one pot each')"
if python3 -c 'import sqlite3' 2>/dev/null; then
    # A database of the first day from before pots: per-currency counters
    # and no mark that it holds pots.
    run_cbrc run pot.cbr --input pot1.csv --state pot-v1.db
    python3 - <<'PY'
import sqlite3
db = sqlite3.connect("pot-v1.db")
db.execute("DELETE FROM counters")
old = [("a|o|u1|m2026-03-01|EUR", 200), ("a|o|u1|m2026-03-01|USD", 200), ("a|o|u2|m2026-03-01|JPY", 6),
       ("b|o|EUR", 200), ("b|o|JPY", 6), ("b|o|USD", 200), ("b|p|USD", 40)]
db.executemany("INSERT INTO counters(key, value) VALUES (CAST(? AS BLOB), ?)", old)
db.execute("DELETE FROM meta WHERE name = 'pots'")
db.commit()
PY
    run_cbrc explain pot.cbr --input pot2.csv --tid b1 --state pot-v1.db
    check "explain reads an older database's counters as pots, changing nothing" contains "$out" "spent the offer's budget of 10.00"
    run_cbrc run pot.cbr --input pot2.csv --state pot-v1.db
    check "a database from before pots is converted like a text state" test "$(counters pot-v1.db)" = "$(counters pot.db)"
fi

# Copies of purchases the ledger holds, among new purchases, in a program
# with tallies: refused before the tallies count (so the new purchases'
# visits are what they would be without the copies), each reported.
cat >visits.cbr <<'RULES'
tally visits = count per user per month
offer "third" { when visits == 3 then cashback 5.00 }
RULES
printf 'tid,user_id,amount,currency,timestamp\nv1,u1,20.00,USD,2026-03-01T10:00:00Z\nv2,u1,20.00,USD,2026-03-02T10:00:00Z\n' >visits1.csv
printf 'tid,user_id,amount,currency,timestamp\nv1,u1,20.00,USD,2026-03-01T10:00:00Z\nv3,u1,20.00,USD,2026-03-03T10:00:00Z\nv2,u1,20.00,USD,2026-03-02T10:00:00Z\nv4,u1,20.00,USD,2026-03-04T10:00:00Z\n' >visits2.csv
printf 'tid,user_id,amount,currency,timestamp\nv3,u1,20.00,USD,2026-03-03T10:00:00Z\nv4,u1,20.00,USD,2026-03-04T10:00:00Z\n' >visits2-new.csv
run_cbrc run visits.cbr --input visits1.csv --state visits.db
cp visits.db visits-new.db
expect_status "copies among new purchases, with tallies" 3 run visits.cbr --input visits2.csv --state visits.db
check "... the copies are refused" test "$(printf '%s\n' "$err" | grep -c 'duplicate transaction v[12]')" -eq 2
check "... and the new purchases earn what they earn without them (the third visit is v3)" test "$core" = \
'{"tid":"v3","offer":"third","cashback":"5.00","currency":"USD"}'
run_cbrc run visits.cbr --input visits2-new.csv --state visits-new.db
check "... the same counters as without the copies" test "$(counters visits.db)" = "$(counters visits-new.db)"

# SIGKILL halfway: the state is as it was, and the next run gives what it
# would have given had the killed one never started.  The run reads a pipe
# that is kept open, so it is surely in the middle when it is killed: it
# has written awards and waits for more input.
awk -v h="$h" 'BEGIN { print h; for (i = 0; i < 20000; i++)
    printf "k%d,,,u%d,20.00,USD,2026-03-%02dT10:00:00Z\n", i, i % 5000, 1 + i % 28 }' >big.csv
run_cbrc run ret.cbr --input q2.csv --state kill.db
"$CBRC" state kill.db --dump >kill.before
mkfifo in.fifo
"$CBRC" run ret.cbr --input - --format csv --state kill.db <in.fifo >killed.out 2>/dev/null &
pid=$!
exec 3>in.fifo
cat big.csv >&3
i=0
while [ ! -s killed.out ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
running=no
kill -0 $pid 2>/dev/null && running=yes
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
exec 3>&-
check "the run had paid awards and was still going when killed" test -s killed.out -a $running = yes
check "after SIGKILL the state is as it was" test "$("$CBRC" state kill.db --dump)" = "$(cat kill.before)"
"$CBRC" run ret.cbr --input big.csv --state kill.db --output big.out 2>/dev/null
"$CBRC" run ret.cbr --input q2.csv --state fresh.db >/dev/null 2>&1
"$CBRC" run ret.cbr --input big.csv --state fresh.db --output fresh.out 2>/dev/null
check "... and the run after it pays what an undisturbed one does" cmp -s big.out fresh.out
check "... leaving the same state" test "$("$CBRC" state kill.db --dump)" = "$("$CBRC" state fresh.db --dump)"
# A cache past its bound is written into the run's transaction and emptied
# (CBRC_STATE_CACHE_MB=0: after every batch).  Counters, tallies, budgets,
# duplicates and refunds read back from SQLite give the same run.
cat >spill.cbr <<'EOF'
tally spend = sum amount per user per month
campaign "c" { budget 30.00 USD }
offer "capped" {
    campaign "c"
    limit 3 per user
    when amount >= 5 then cashback 10%
}
offer "big-spender" { when spend >= 100 then cashback 1.00 }
offer "later" { vest after 10 days when amount >= 20 then cashback 2% }
EOF
{
    echo "$h"
    i=0
    while [ $i -lt 400 ]; do
        echo "s$i,,,u$((i % 7)),$((5 + i % 40)).00,USD,2026-03-$((1 + i % 28))T10:00:00Z"
        # copies of earlier purchases, and refunds of them, batches later
        [ $((i % 23)) -eq 22 ] && echo "s$((i - 20)),,,u$(((i - 20) % 7)),9.00,USD,2026-03-28T10:00:00Z"
        [ $((i % 31)) -eq 30 ] && echo "r$i,refund,s$((i - 25)),,3.00,USD,2026-03-28T11:00:00Z"
        i=$((i + 1))
    done
} >spill.csv
"$CBRC" run spill.cbr --input spill.csv --batch 16 --state whole.db --output whole.out --rejects whole.rej 2>whole.err
CBRC_STATE_CACHE_MB=0 "$CBRC" run spill.cbr --input spill.csv --batch 16 --state spilled.db --output spilled.out \
    --rejects spilled.rej 2>spilled.err
check "a cache emptied after every batch: the same awards" cmp -s whole.out spilled.out
check "... of a run with reversals, duplicates and many awards" test \
    "$(grep -c '"event":"reversal"' whole.out)" -gt 0 -a "$(grep -c duplicate whole.err)" -gt 0 -a \
    "$(wc -l <whole.out)" -gt 100
check "... the same rejects" cmp -s whole.rej spilled.rej
check "... the same state" test "$("$CBRC" state spilled.db --dump)" = "$("$CBRC" state whole.db --dump)"
CBRC_STATE_CACHE_MB=0 "$CBRC" run spill.cbr --input spill.csv --batch 16 --state spilled.db --output again.out 2>/dev/null
check "... and a second run on it finds every purchase that earned a duplicate" test ! -s again.out
finish
