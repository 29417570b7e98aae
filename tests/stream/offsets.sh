#!/bin/sh
# offsets.sh: cbr-stream refuses to replay from a stored offset behind
# Kafka's committed one (a partition that moved A -> B -> A, or a restored
# state), and stops when a stored offset cannot be read instead of taking
# it for "none stored".
exec "${CBR_STREAM_HARNESS:?run through make check}" offsets
