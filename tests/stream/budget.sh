#!/bin/sh
# budget.sh: three cbr-stream instances on one PostgreSQL state spend a
# shared campaign budget of 40.00 and a limit of 25 awards in total
# (budget.cbr) that the transactions want several times over, in 20 seeded
# runs: never past either, the counters equal the awards, most of the
# budget spent.  CBR_STREAM_SEED=N replays (run k is seed N+k),
# CBR_STREAM_RUNS=K runs K of them.  The work is done by stream-harness
# (budget.c); it prints TAP.  Not exec'd: pg.sh's trap stops the server.
. "$(dirname "$0")/pg.sh"
pg_start
"${CBR_STREAM_HARNESS:?run through make check}" budget
