# pg.sh: a PostgreSQL server of its own for the fleet tests of cbr-stream
# (sourced by tests/stream/fleet.sh and budget.sh, not run).
#
# pg_start makes a cluster in a temporary directory that listens on a Unix
# socket there and nowhere else (never the cluster a package may have
# created), and exports what the harness needs:
#   CBR_TEST_PG      the libpq URI of its database `postgres`, user cbr
#   CBR_TEST_PG_CTL  a command line that restarts it (an outage: `pg_ctl
#                    restart -m fast` ends every session at once)
# The server refuses to run as root, and CI is root: there it runs as
# nobody.  pg_stop is the trap of every exit path; a test that runs the
# harness must not `exec` it, or the trap would never run.

pg_start() {
    pg_bindir=$(pg_config --bindir 2>/dev/null)
    [ -x "$pg_bindir/initdb" ] || pg_bindir=/usr/lib/postgresql/15/bin
    for pg_prog in initdb pg_ctl postgres; do
        if [ ! -x "$pg_bindir/$pg_prog" ]; then
            # Not a skip: without the server the fleet goes untested, and
            # scripts/setup.sh installs it (the TAP driver reports 77 as an
            # error, which is what it is).
            echo "$0: the PostgreSQL server is not installed ($pg_bindir/$pg_prog is missing);" \
                "scripts/setup.sh installs postgresql-15" >&2
            exit 77
        fi
    done
    # Under /tmp unless told otherwise: the socket's path must stay short
    # (107 bytes) and reachable for nobody.
    pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/cbr-pg.XXXXXX") || exit 1
    trap pg_stop EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    if [ "$(id -u)" = 0 ]; then
        chown nobody "$pg_dir"
        pg_as="runuser -u nobody --"
    else
        pg_as=""
    fi
    # In the directory itself: nobody may not be allowed into ours.
    pg_ctl_cmd="cd '$pg_dir' && $pg_as '$pg_bindir/pg_ctl' -D '$pg_dir/data' -l '$pg_dir/log' -w -t 60"
    pg_opts="-k $pg_dir -c listen_addresses=''"
    # C locale: the tests compare keys in byte order, whatever the machine's.
    if ! (cd "$pg_dir" && $pg_as "$pg_bindir/initdb" -D "$pg_dir/data" -A trust -U cbr -E UTF8 --no-locale \
        >"$pg_dir/initdb.log" 2>&1); then
        sed 's/^/# initdb: /' "$pg_dir/initdb.log"
        exit 1
    fi
    if ! sh -c "$pg_ctl_cmd -o \"$pg_opts\" start" >/dev/null; then
        sed 's/^/# postgres: /' "$pg_dir/log"
        exit 1
    fi
    CBR_TEST_PG="postgresql:///postgres?host=$pg_dir&user=cbr"
    CBR_TEST_PG_CTL="$pg_ctl_cmd -m fast -o \"$pg_opts\" restart >/dev/null"
    export CBR_TEST_PG CBR_TEST_PG_CTL
}

pg_stop() {
    pg_rc=$?
    if [ -n "${pg_dir:-}" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
        sh -c "$pg_ctl_cmd -m fast stop" >/dev/null 2>&1 ||
            sh -c "$pg_ctl_cmd -m immediate stop" >/dev/null 2>&1
    fi
    # The server's own account of a failed run, as TAP diagnostics.
    if [ "$pg_rc" != 0 ] && [ -f "${pg_dir:-}/log" ]; then
        tail -n 30 "$pg_dir/log" | sed 's/^/# postgres: /'
    fi
    [ -n "${pg_dir:-}" ] && rm -rf "$pg_dir"
    pg_dir=""
}
