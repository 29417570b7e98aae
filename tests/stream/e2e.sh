#!/bin/sh
# e2e.sh: cbr-stream end to end against librdkafka's mock cluster: awards
# equal `cbrc run` over the same records, rejects with reasons, a hostile
# bundle refused on reload, a good one swapped in, /metrics, SIGTERM.
# The work is done by stream-harness (harness.c, scenarios.c); it prints TAP.
exec "${CBR_STREAM_HARNESS:?run through make check}" e2e
