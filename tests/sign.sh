#!/bin/sh
# sign.sh: signed bundles end to end: `cbrc keygen`, `compile --sign`,
# `--trusted-key` on run, explain and disasm, and cbr-stream refusing a
# bundle no trusted key signed, at start and on reload.  Bundles are damaged
# with python3 (a flipped byte, a cut trailer, a forged checksum), so that
# each refusal is shown to come from the check that names it.
. "$(dirname "$0")/lib.sh"
d="$CBR_SRCDIR/tests/run-inputs"
cd "$tmp" || exit 1

# bytes FILE OUT OP...: a damaged copy of FILE.  Ops: flip:N (N < 0 counts
# from the end), cut:N (drop the last N bytes), seal (rewrite the header's
# FNV-1a 64 checksum over the bundle the header describes, as cbrx_seal does).
bytes() {
    python3 - "$@" <<'EOF'
import sys
src, dst, ops = sys.argv[1], sys.argv[2], sys.argv[3:]
b = bytearray(open(src, 'rb').read())
def fnv(data, h=14695981039346656037):
    for x in data:
        h = ((h ^ x) * 1099511628211) & 0xffffffffffffffff
    return h
for op in ops:
    name, _, arg = op.partition(':')
    if name == 'flip':
        b[int(arg)] ^= 0x10
    elif name == 'cut':
        del b[len(b) - int(arg):]
    elif name == 'seal':
        total = int.from_bytes(b[16:24], 'little')
        b[24:32] = fnv(b[32:total], fnv(b[0:24])).to_bytes(8, 'little')
open(dst, 'wb').write(b)
EOF
}

# ---- keygen ----
expect_status "keygen writes a key pair" 0 keygen -o a
id_a=$(printf '%s\n' "$out" | sed -n 's/^key \([0-9a-f]*\): .*/\1/p')
check "keygen prints the 16-digit key id" test ${#id_a} -eq 16
check "the secret key has mode 0600" test "$(stat -c %a a.key)" = 600
check "the public key has mode 0644" test "$(stat -c %a a.pub)" = 644
check "a.pub is one line: cbr-ed25519-public and 64 hex digits" \
    grep -qxE 'cbr-ed25519-public [0-9a-f]{64}' a.pub
check "a.key is one line: cbr-ed25519-secret and 128 hex digits" \
    grep -qxE 'cbr-ed25519-secret [0-9a-f]{128}' a.key
cp a.key a.key.before
expect_status "keygen never overwrites a key" 2 keygen -o a
check "the refusal names the file" contains "$err" "a.pub exists; keygen never overwrites a key"
check "the old secret key is untouched" cmp -s a.key a.key.before
expect_status "keygen without -o" 2 keygen
expect_status "another key pair" 0 keygen -o b
id_b=$(printf '%s\n' "$out" | sed -n 's/^key \([0-9a-f]*\): .*/\1/p')
check "the two key ids differ" test "$id_a" != "$id_b"

# ---- compile --sign ----
expect_status "compile --sign" 0 compile "$d/rules.cbr" --sign a.key -o signed.cbrx
expect_status "compile unsigned" 0 compile "$d/rules.cbr" -o plain.cbrx
expect_status "compile --sign b" 0 compile "$d/rules.cbr" --sign b.key -o other.cbrx
check "a signature is an 88-byte trailer" test $(($(stat -c %s signed.cbrx) - $(stat -c %s plain.cbrx))) -eq 88
expect_status "compile --sign with a public key" 2 compile "$d/rules.cbr" --sign a.pub -o x.cbrx
check "the key file and its kind are named" contains "$err" "a.pub:1: this is a public key; expected a secret key"
check "nothing is written with a bad key" test ! -e x.cbrx
expect_status "compile --sign with a missing key file" 2 compile "$d/rules.cbr" --sign nope.key -o x.cbrx

# ---- the program hash ----
run_cbrc disasm "$d/rules.cbr"
src_hash=$(printf '%s\n' "$out" | sed -n '1s/^; cbr bundle \([0-9a-f]*\):.*/\1/p')
check "the program hash is 64 hex digits (SHA-256)" test ${#src_hash} -eq 64
run_cbrc disasm signed.cbrx
check "the signed bundle has the source's hash" contains "$(printf '%s\n' "$out" | head -n 1)" "$src_hash"
check "disasm names the signer, unchecked without a key" test "$(printf '%s\n' "$out" | sed -n 2p)" = \
    "; signed by key $id_a (not checked: no --trusted-key given)"
expect_status "disasm --trusted-key" 0 disasm signed.cbrx --trusted-key a.pub
check "disasm says the signature verifies" test "$(printf '%s\n' "$out" | sed -n 2p)" = \
    "; signed by key $id_a (trusted; the signature verifies)"
run_cbrc disasm plain.cbrx
check "disasm says an unsigned bundle is not signed" test "$(printf '%s\n' "$out" | sed -n 2p)" = "; not signed"
check "the unsigned bundle has the same hash" contains "$(printf '%s\n' "$out" | head -n 1)" "$src_hash"

# ---- trust ----
expect_status "run a signed bundle with its key" 3 run signed.cbrx --trusted-key a.pub --input "$d/tx.csv"
check "it awards what the sources award" test "$core" = "$(cat "$d/expected.jsonl")"
expect_status "run with --trusted-key=FILE and several keys" 3 run signed.cbrx --trusted-key=b.pub \
    --trusted-key a.pub --input "$d/tx.csv"
expect_status "explain a signed bundle with its key" 0 explain signed.cbrx --trusted-key a.pub \
    --input "$d/tx.csv" --tid t1
expect_status "a bundle signed by another key is refused" 2 run other.cbrx --trusted-key a.pub --input "$d/tx.csv"
check "the refusal names the signer's key id" contains "$err" \
    "other.cbrx: refused: bundle is signed by key $id_b, which is not trusted"
expect_status "explain refuses it too" 2 explain other.cbrx --trusted-key a.pub --input "$d/tx.csv" --tid t1
expect_status "disasm refuses it too" 2 disasm other.cbrx --trusted-key a.pub
expect_status "an unsigned bundle is refused when a key is required" 2 run plain.cbrx --trusted-key a.pub \
    --input "$d/tx.csv"
check "the refusal says a signature is required" contains "$err" \
    "bundle is not signed; a trusted key is required"
expect_status "an unsigned bundle loads when no key is required" 3 run plain.cbrx --input "$d/tx.csv"
expect_status "a signed bundle loads when no key is required" 3 run signed.cbrx --input "$d/tx.csv"
expect_status "--trusted-key refuses .cbr sources" 2 run "$d/rules.cbr" --trusted-key a.pub --input "$d/tx.csv"
check "sources are named as unsigned" contains "$err" "--trusted-key needs a signed .cbrx bundle"
expect_status "--trusted-key with a secret key file" 2 run signed.cbrx --trusted-key a.key --input "$d/tx.csv"
check "a secret key is not taken for a public one" contains "$err" "a.key:1: this is a secret key"
head -c 50 a.pub > short.pub
expect_status "a malformed key file" 2 disasm signed.cbrx --trusted-key short.pub
check "the error names the file and the line" contains "$err" \
    "short.pub:1: expected 64 hex digits after \`cbr-ed25519-public\`, found 31 characters"
expect_status "--trusted-key without a file" 2 disasm signed.cbrx --trusted-key
expect_status "check takes no --trusted-key" 2 check "$d/rules.cbr" --trusted-key a.pub

# ---- damage ----
size=$(stat -c %s signed.cbrx)
body=$((size - 88))
bytes signed.cbrx code.cbrx flip:$((body - 7))
expect_status "a flipped byte in the code is refused with a key" 2 disasm code.cbrx --trusted-key a.pub
check "... by the signature" contains "$err" \
    "bundle signature does not verify: the bundle was changed after signing"
expect_status "and without a key" 2 disasm code.cbrx
check "... by the checksum" contains "$err" "bundle checksum mismatch"
bytes signed.cbrx sealed.cbrx flip:$((body - 7)) seal
expect_status "a flipped byte with a forged checksum is refused with a key" 2 disasm sealed.cbrx --trusted-key a.pub
check "... only the signature can tell" contains "$err" "bundle signature does not verify"
bytes signed.cbrx sig.cbrx flip:$((body + 40))
expect_status "a flipped byte in the signature is refused with a key" 2 disasm sig.cbrx --trusted-key a.pub
check "... it does not verify" contains "$err" "bundle signature does not verify"
expect_status "and without a key" 2 disasm sig.cbrx
check "... by the signature's checksum" contains "$err" "signature checksum mismatch: the file is corrupt"
bytes signed.cbrx id.cbrx flip:$((body + 9))
expect_status "a flipped byte in the key id is refused with a key" 2 disasm id.cbrx --trusted-key a.pub
expect_status "and without a key" 2 disasm id.cbrx
# The whole trailer cut off leaves a consistent unsigned bundle (the header's
# length and checksum never counted the trailer): only the requirement of
# a signature can refuse it.
bytes signed.cbrx stripped.cbrx cut:88 seal
check "a stripped bundle is the unsigned one, byte for byte" cmp -s stripped.cbrx plain.cbrx
expect_status "a stripped signature is refused when a key is required" 2 disasm stripped.cbrx --trusted-key a.pub
check "... as not signed" contains "$err" "bundle is not signed; a trusted key is required"
expect_status "a stripped signature loads when no key is required" 0 disasm stripped.cbrx
bytes signed.cbrx cut.cbrx cut:1
expect_status "a trailer cut short is refused" 2 disasm cut.cbrx
check "... as a truncated signature" contains "$err" "truncated signature: 87 bytes after the bundle"

# ---- cbr-stream ----
if [ -z "${CBR_STREAM:-}" ] || [ ! -x "$CBR_STREAM" ]; then
    ok "cbr-stream # SKIP cbr-stream is not built"
    finish
fi
# stream ARGS...: runs cbr-stream against a port where no broker listens;
# every refusal below comes before it would connect.
stream() {
    timeout 30 "$CBR_STREAM" --brokers 127.0.0.1:9 --state "$tmp/stream.db" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    err=$(cat "$tmp/err")
}
stream --bundle other.cbrx --trusted-key a.pub
check "cbr-stream refuses a bundle signed by another key at start (status 2)" test "$rc" -eq 2
check "... naming the key" contains "$err" "other.cbrx: bundle is signed by key $id_b, which is not trusted"
stream --bundle plain.cbrx --trusted-key a.pub
check "cbr-stream refuses an unsigned bundle when a key is required" test "$rc" -eq 2
stream --bundle sealed.cbrx --trusted-key a.pub
check "cbr-stream refuses a changed signed bundle" test "$rc" -eq 2
stream --bundle signed.cbrx --trusted-key short.pub
check "cbr-stream refuses a malformed key file (status 2)" test "$rc" -eq 2
check "... naming the file and line" contains "$err" "--trusted-key: short.pub:1: expected 64 hex digits"
stream --bundle "$d/rules.cbr" --trusted-key a.pub
check "cbr-stream refuses .cbr sources (status 2)" test "$rc" -eq 2
check "... saying how to compile them" contains "$err" "cbr-stream runs compiled bundles: cbrc compile"
printf 'trusted-key = %s\n' "$tmp/a.pub" > stream.conf
stream --config stream.conf --bundle other.cbrx
check "trusted-key in the config file is applied" test "$rc" -eq 2
check "... and refuses the other key's bundle" contains "$err" "which is not trusted"
printf 'trusted-key = %s\n' "$tmp/b.pub" > stream.conf
stream --config stream.conf --bundle signed.cbrx --trusted-key a.pub --batch-size 0
check "flags replace the config file's keys (the run got as far as --batch-size)" \
    contains "$err" "--batch-size takes a number"
printf 'trusted-key = %s\n' "$tmp/short.pub" > stream.conf
stream --config stream.conf --bundle signed.cbrx
check "a malformed key in the config file names FILE:LINE" contains "$err" \
    "stream.conf:1: trusted-key: $tmp/short.pub:1:"

# Hot reload: the running bundle stays when the new one is signed by
# another key.  librdkafka connects in the background, so the host runs
# (and reloads) without a broker.
cp signed.cbrx live.cbrx
timeout 60 "$CBR_STREAM" --brokers 127.0.0.1:9 --state "$tmp/reload.db" --bundle live.cbrx \
    --trusted-key a.pub --flush-timeout-ms 200 2>"$tmp/reload.err" &
pid=$!
wait_for() {
    i=0
    while [ $i -lt 100 ] && ! grep -q "$1" "$tmp/reload.err"; do sleep 0.1; i=$((i + 1)); done
    grep -q "$1" "$tmp/reload.err"
}
check "cbr-stream runs the trusted bundle" wait_for "signed by trusted key $id_a"
cp other.cbrx next.cbrx && mv next.cbrx live.cbrx && kill -HUP $pid
check "a reloaded bundle of another key is refused" wait_for "live.cbrx: bundle is signed by key $id_b, which is not trusted"
check "... and the old one keeps running" wait_for "refused; still running bundle $src_hash"
kill -TERM $pid
wait $pid
check "cbr-stream then stops cleanly" test $? -eq 0
finish
