#!/bin/sh
# setup.sh: from a fresh Debian machine to a built cbr.  Installs the Debian
# packages that are missing, bootstraps autotools, configures and builds in
# _build/, then checks the bundled examples with cbrc.
#   scripts/setup.sh               everything, ending with the examples
#   scripts/setup.sh --build-only  stop after the build (used by scripts/test.sh)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

run_examples=yes
[ "${1:-}" = "--build-only" ] && run_examples=no

# Build and test dependencies, all from Debian.
# clang and its runtime build the libFuzzer targets (make fuzz); valgrind runs
# scripts/valgrind.sh; neovim is the editor the language server is tested in;
# nodejs runs the VS Code extension's grammar test and packaging; chromium
# renders the HTML report in its test; postgresql-15 is the server the
# fleet tests of cbr-stream start (libpq-dev its client library).
packages="build-essential autoconf automake libtool pkgconf re2c bison check
libffi-dev libunistring-dev libsodium-dev libcsv-dev libyajl-dev tzdata python3
librdkafka-dev libsqlite3-dev libmicrohttpd-dev libpq-dev postgresql-15 clang libclang-rt-14-dev valgrind neovim
nodejs chromium"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
# Debian's npm, unless a Node.js that brings its own is there already.
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
    echo "setup: installing Debian packages:$missing"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi

# The VS Code extension's packages, from the npm registry: its language
# client, and the tokenizer and packager its test uses (tests/editors).
# Without them that test is skipped, so a failure here is only a warning.
ext=editors/vscode
if [ ! -f "$ext/node_modules/.package-lock.json" ] ||
    [ "$ext/package-lock.json" -nt "$ext/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in $ext"
    (cd "$ext" && npm ci --no-audit --no-fund --loglevel=error) ||
        echo "setup: warning: npm ci failed; the VS Code extension's test will be skipped" >&2
fi

jobs=$(nproc 2>/dev/null || echo 2)
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
    echo "setup: bootstrapping (autoreconf)"
    autoreconf -fi
fi
mkdir -p _build
cd _build
if [ ! -f Makefile ] || [ ../configure -nt config.status ]; then
    ../configure --enable-werror ${CBR_CONFIGURE_FLAGS:-}
fi
make -j"$jobs"

if [ "$run_examples" = yes ]; then
    echo "setup: cbrc check rules-examples/*.cbr"
    ./cbrc check ../rules-examples/*.cbr
    echo "setup: cbrc run rules-examples/*.cbr --input rules-examples/transactions.csv"
    # Its last record is unreadable on purpose: cbrc reports it and exits 3.
    status=0
    ./cbrc run ../rules-examples/*.cbr --input ../rules-examples/transactions.csv || status=$?
    if [ "$status" -ne 3 ]; then
        echo "setup: cbrc run exited $status, expected 3 (one rejected record)" >&2
        exit 1
    fi
    echo "setup: done; cbrc is _build/cbrc"
fi
