#!/bin/sh
# fleet.sh: three cbr-stream instances on one PostgreSQL state (a server of
# the test's own, pg.sh), twelve partitions: instances killed and restarted,
# one stopped and started again, PostgreSQL restarted mid-run, a zombie
# frozen past its session whose late work must be kept out, and an owner
# whose partitions the database gave to another, whose commit must be
# refused; in the end every award once with cbrc's amount and the counters
# equal to cbrc's.
# CBR_STREAM_SEED=N replays a run (the seed is printed first).
# The work is done by stream-harness (fleet.c); it prints TAP.  Not exec'd:
# the server is stopped by pg.sh's trap when the harness is done.
. "$(dirname "$0")/pg.sh"
pg_start
"${CBR_STREAM_HARNESS:?run through make check}" fleet
