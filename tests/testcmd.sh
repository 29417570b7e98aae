#!/bin/sh
# testcmd.sh: `cbrc test` end to end on tests/testcmd-inputs: stubs and
# `already`, `expect no cashback from`, the `why` line of a failure and the
# --junit report.
. "$(dirname "$0")/lib.sh"
d="$CBR_SRCDIR/tests/testcmd-inputs"
wellformed() { python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' "$1" 2>"$tmp/xmlerr"; }
count() { grep -c -- "$2" "$1"; }

# ---- stubs and a state to start from ----
expect_status "rules with extern functions are tested with stubs" 1 test "$d/stubs.cbr"
check "a stubbed test passes, and the closing line counts both" test "$(printf '%s\n' "$out" | tail -1)" = "1 passed, 1 failed"
check "a call no stub answers fails its step, naming the call" contains "$out$err" \
    "stubs.cbr:26:5: error: test \"a merchant the test did not stub\" failed at step 1: extern fn rate(\"Elsewhere\") has no stub in this test"

# ---- expect no cashback from, and why ----
expect_status "passing tests" 0 test "$d/pass.cbr"
check "expect no cashback from passes when only that offer is silent" test "$out" = "1 passed, 0 failed"
expect_status "failing tests" 1 test "$d/fail.cbr"
check "the closing line counts them" test "$out" = "1 passed, 3 failed"
cat >"$tmp/want" <<EOT
$d/fail.cbr:14:5: error: test "a small <&"' purchase earns from big" failed at step 1: expected cashback 1.00 from "big", got 1.00 USD from "pct"
 = why: not awarded: \`amount >= 15\` was false: amount was 10.00 USD
$d/fail.cbr:27:5: error: test "the second purchase of the day" failed at step 2: expected cashback 2.00 from "pct", got 1.00 USD from "big"
 = why: not awarded (2.00 USD earned): reached limit 1 per user per day: 1 of 1 used
$d/fail.cbr:32:5: error: test "nothing from big for a large purchase" failed at step 1: expected no cashback from "big", got 1.00 USD from "big", 2.00 USD from "pct"
 = why: awarded 1.00 USD: clause 1 (line 4) pays 1.00 USD
EOT
printf '%s\n' "$err" >"$tmp/got"
if cmp -s "$tmp/want" "$tmp/got"; then ok "each failure says why, from the explainer"
else not_ok "each failure says why, from the explainer" "$(diff "$tmp/want" "$tmp/got")"; fi

# ---- --junit ----
expect_status "--junit with failures" 1 test --junit "$tmp/fail.xml" "$d/fail.cbr"
check "the terminal output is the same with --junit" test "$(cat "$tmp/err")" = "$(cat "$tmp/got")"
check "the report is well-formed XML, names with <&\"' included" wellformed "$tmp/fail.xml"
x=$(cat "$tmp/fail.xml")
check "testsuites counts tests, failures and errors" \
    contains "$x" '<testsuites name="cbrc test" tests="4" failures="3" errors="0" time="'
check "one testsuite per rule file" test "$(count "$tmp/fail.xml" '<testsuite ')" -eq 1
check "the testsuite is named by its file" contains "$x" "<testsuite name=\"$d/fail.cbr\" tests=\"4\" failures=\"3\""
check "one testcase per test" test "$(count "$tmp/fail.xml" '<testcase ')" -eq 4
check "a name is escaped" contains "$x" 'name="a small &lt;&amp;&quot;&apos; purchase earns from big" classname="'
check "testcases have a time" test "$(grep '<testcase ' "$tmp/fail.xml" | grep -c ' time="[0-9][0-9]*\.[0-9]*"')" -eq 4
check "one failure element per failed test" test "$(count "$tmp/fail.xml" '<failure ')" -eq 3
check "a failure's message says the step and what went wrong" \
    contains "$x" '<failure message="failed at step 2: expected cashback 2.00 from &quot;pct&quot;, got 1.00 USD from &quot;big&quot;"'
check "a failure's text is the terminal's, why line included" \
    contains "$x" ' = why: not awarded: `amount &gt;= 15` was false: amount was 10.00 USD'
python3 - "$tmp/fail.xml" "$tmp/got" >"$tmp/py" 2>&1 <<'EOT'
import sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
text = "".join(f.firstChild.data for f in doc.getElementsByTagName("failure"))
names = [t.getAttribute("name") for t in doc.getElementsByTagName("testcase")]
assert names[0] == "a small <&\"' purchase earns from big", names
assert text == open(sys.argv[2]).read(), (text, open(sys.argv[2]).read())
EOT
check "parsed back, names and failure texts are what was printed" test $? -eq 0 -a ! -s "$tmp/py"
expect_status "--junit with every test passing" 0 test "$d/pass.cbr" --junit "$tmp/pass.xml"
check "a passing report is well-formed" wellformed "$tmp/pass.xml"
check "a passing report has no failure" test "$(count "$tmp/pass.xml" '<failure')" -eq 0
check "a passing report counts its test" contains "$(cat "$tmp/pass.xml")" 'tests="1" failures="0" errors="0"'
expect_status "two files, two testsuites" 1 test --junit "$tmp/two.xml" "$d/pass.cbr" "$d/fail.cbr"
check "two files make two testsuites" test "$(count "$tmp/two.xml" '<testsuite ')" -eq 2
check "the two-file report is well-formed" wellformed "$tmp/two.xml"

# ---- --junit errors ----
expect_status "--junit into a missing folder" 2 test --junit "$tmp/no/such/r.xml" "$d/pass.cbr"
check "the error names the path and the reason" contains "$err" "cbrc: $tmp/no/such/r.xml: No such file or directory"
check "nothing is left behind" test ! -e "$tmp/no/such/r.xml"
expect_status "--junit without a value" 2 test "$d/pass.cbr" --junit
check "a missing value is named" contains "$err" "test: --junit needs a value"
expect_status "help mentions --junit" 0 test --help
check "help mentions --junit" contains "$out" "--junit FILE"
finish
