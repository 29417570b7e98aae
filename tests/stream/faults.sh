#!/bin/sh
# faults.sh: cbr-stream killed with SIGKILL at random points and restarted,
# request errors injected and a broker taken down, against librdkafka's mock
# cluster: no award lost, none with another amount, no counter counted twice.
# CBR_STREAM_SEED=N replays a run (the seed is printed first).
exec "${CBR_STREAM_HARNESS:?run through make check}" faults
