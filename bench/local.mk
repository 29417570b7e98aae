# bench/local.mk: `make bench` (included from Makefile.am).
#
# Built only by `make bench`, never by `make` or `make check`: both programs
# are EXTRA_PROGRAMS.  cbr-bench-gen writes each offer set into the build
# directory twice, as cbr source (bench/offers_N.cbr, for reading) and as the
# plain-C baseline (bench/baseline_N.c, which also carries the same source as
# a string); cbr-bench links the baselines with libcbr.la, checks that both
# sides grant the same awards and prints the table of doc/performance.md.
#
#     make bench                       # seed 20260302, 100k transactions
#     make bench BENCH_SEED=7          # another workload (offers regenerate)
#     make bench BENCH_FLAGS='--tx 20000 --min-time 0.2 --only 1000'
#
# This file is included before other fragments: it defines EXTRA_PROGRAMS
# with `=`, so later ones must add to it with `+=`.

BENCH_SEED = 20260302
BENCH_FLAGS =

EXTRA_PROGRAMS = bench/cbr-bench-gen bench/cbr-bench bench/cbr-bench-tx bench/cbr-bench-state bench/cbr-bench-tally \
	bench/cbr-bench-tables bench/cbr-bench-lines

bench_cbr_bench_lines_SOURCES = bench/lines.c

bench_cbr_bench_gen_SOURCES = bench/gen.c bench/workload.c bench/workload.h
bench_cbr_bench_gen_LDADD = -lm

bench_cbr_bench_tx_SOURCES = bench/txgen.c bench/workload.c bench/workload.h
bench_cbr_bench_tx_LDADD = -lm

BENCH_BASELINES = bench/baseline_1.c bench/baseline_10.c bench/baseline_100.c bench/baseline_1000.c
bench_cbr_bench_SOURCES = bench/bench.c bench/workload.c bench/workload.h
nodist_bench_cbr_bench_SOURCES = $(BENCH_BASELINES)
# -O2 for the baseline whatever CFLAGS say first (CFLAGS still come last).
bench_cbr_bench_CFLAGS = $(AM_CFLAGS) -O2
bench_cbr_bench_LDADD = libcbr.la -lm

# The seed is a prerequisite of the generated files: the stamp changes only
# when BENCH_SEED does, so the offer sets are rewritten only then.
bench/seed.stamp: bench-force
	@$(MKDIR_P) bench; echo '$(BENCH_SEED)' > $@-t; \
	if cmp -s $@-t $@; then rm -f $@-t; else mv -f $@-t $@; fi

BENCH_GEN = $(AM_V_GEN)$(MKDIR_P) bench && bench/cbr-bench-gen$(EXEEXT)
bench/baseline_1.c: bench/cbr-bench-gen$(EXEEXT) bench/seed.stamp
	$(BENCH_GEN) 1 1 $(BENCH_SEED) bench/offers_1.cbr $@-t && mv -f $@-t $@
bench/baseline_10.c: bench/cbr-bench-gen$(EXEEXT) bench/seed.stamp
	$(BENCH_GEN) 10 10 $(BENCH_SEED) bench/offers_10.cbr $@-t && mv -f $@-t $@
bench/baseline_100.c: bench/cbr-bench-gen$(EXEEXT) bench/seed.stamp
	$(BENCH_GEN) 100 100 $(BENCH_SEED) bench/offers_100.cbr $@-t && mv -f $@-t $@
bench/baseline_1000.c: bench/cbr-bench-gen$(EXEEXT) bench/seed.stamp
	$(BENCH_GEN) 1000 1000 $(BENCH_SEED) bench/offers_1000.cbr $@-t && mv -f $@-t $@

bench: bench/cbr-bench$(EXEEXT)
	bench/cbr-bench$(EXEEXT) --seed $(BENCH_SEED) $(BENCH_FLAGS)

# `make bench-state`: heap bytes and time per customer of the in-memory
# limit state against the design it replaced, in the same process.
BENCH_STATE_CUSTOMERS = 1000000
bench_cbr_bench_state_SOURCES = bench/state_bench.c
bench_cbr_bench_state_CFLAGS = $(AM_CFLAGS) -O2
bench_cbr_bench_state_LDADD = libcbr.la
bench-state: bench/cbr-bench-state$(EXEEXT)
	bench/cbr-bench-state$(EXEEXT) $(BENCH_STATE_CUSTOMERS)

# `make bench-tally`: state bytes per customer of two tallies, and the time
# per purchase of reading and counting them.
bench_cbr_bench_tally_SOURCES = bench/tally_bench.c
bench_cbr_bench_tally_CFLAGS = $(AM_CFLAGS) -O2
bench_cbr_bench_tally_LDADD = libcbr.la
bench-tally: bench/cbr-bench-tally$(EXEEXT)
	bench/cbr-bench-tally$(EXEEXT) $(BENCH_STATE_CUSTOMERS)

# `make bench-tables`: the workload of `make bench` against offers that read
# a 5,000-row merchant table and two tallies, timed against the same offers
# in plain C (hash tables for the rates and the per-user counters), then
# the cost of one table lookup and one tally read against a field compare.
bench_cbr_bench_tables_SOURCES = bench/tables_bench.c bench/workload.c bench/workload.h
bench_cbr_bench_tables_CFLAGS = $(AM_CFLAGS) -O2
bench_cbr_bench_tables_LDADD = libcbr.la -lm
bench-tables: bench/cbr-bench-tables$(EXEEXT)
	bench/cbr-bench-tables$(EXEEXT) --seed $(BENCH_SEED) $(BENCH_FLAGS)

# `make bench-run`: cbrc run itself over a generated file (5 million
# transactions by default), first against the 1-offer set (reading, parsing
# and writing dominate) then against the 100-offer set with --summary; GNU
# time reports the wall time and the peak resident memory of each, and the
# last line the ratio of the two speeds.  The file is written once per count
# and seed, in the build directory.
BENCH_RUN_TX = 5000000
bench/tx_$(BENCH_RUN_TX).csv: bench/cbr-bench-tx$(EXEEXT) bench/seed.stamp
	$(AM_V_GEN)bench/cbr-bench-tx$(EXEEXT) $(BENCH_RUN_TX) $(BENCH_SEED) > $@-t && mv -f $@-t $@

bench-run: cbrc$(EXEEXT) bench/cbr-bench-lines$(EXEEXT) bench/baseline_1.c bench/baseline_100.c bench/tx_$(BENCH_RUN_TX).csv
	@if test -x /usr/bin/time; then TIME='/usr/bin/time -f "  wall %e s, peak RSS %M KiB"'; else TIME=; fi; \
	set -- `bench/cbr-bench-lines$(EXEEXT) bench/tx_$(BENCH_RUN_TX).csv`; lines_s=$$2; \
	echo "memchr line count: $$1 lines in $$lines_s s (best of 3)"; \
	printf 'field tier: string\n' > bench/none.cbr; \
	best=; for i in 1 2 3; do \
	    start=$$(date +%s.%N); \
	    ./cbrc$(EXEEXT) run bench/none.cbr --input bench/tx_$(BENCH_RUN_TX).csv --output /dev/null || exit 1; \
	    end=$$(date +%s.%N); \
	    best=$$(awk -v s=$$start -v e=$$end -v b="$$best" 'BEGIN { t = e - s; print (b == "" || t < b) ? t : b }'); \
	done; \
	awk -v n=$(BENCH_RUN_TX) -v t=$$best -v l=$$lines_s 'BEGIN { printf "ingest alone (rules of no offer): %.3f s, %.0f records/s, %.1f times the line count\n", t, n / t, t / l }'; \
	for n in 1 100; do \
	    echo "cbrc run: $(BENCH_RUN_TX) transactions, $$n offer(s), seed $(BENCH_SEED)"; \
	    start=$$(date +%s.%N); \
	    eval $$TIME ./cbrc$(EXEEXT) run bench/offers_$$n.cbr --input bench/tx_$(BENCH_RUN_TX).csv \
	        --output /dev/null --summary-output bench/run-summary-$$n.txt || exit 1; \
	    end=$$(date +%s.%N); \
	    rate=$$(awk -v n=$(BENCH_RUN_TX) -v s=$$start -v e=$$end 'BEGIN { printf "%.0f", n / (e - s) }'); \
	    echo "  $$rate records/s"; eval rate_$$n=$$rate; \
	    sed -n 2p bench/run-summary-$$n.txt; \
	done; \
	awk -v a=$$rate_100 -v b=$$rate_1 'BEGIN { printf "100 offers / 1 offer: %.2f of the speed\n", a / b }'

# `make bench-jobs`: cbrc run over the same file against the 1,000-offer
# set with each --jobs of BENCH_JOBS, and the speed of each against the
# first in the same run; GNU time reports wall time and peak memory.  The
# award lines go to /dev/null (17 a transaction: 2.7 GB a million); each
# run's summary (awards and cashback per offer) is compared with the
# first's, tests/jobs.sh compares every byte.
BENCH_JOBS = 1 2
bench-jobs: cbrc$(EXEEXT) bench/baseline_1000.c bench/tx_$(BENCH_RUN_TX).csv
	@if test -x /usr/bin/time; then TIME='/usr/bin/time -f "  wall %e s, peak RSS %M KiB"'; else TIME=; fi; \
	base=; first=; for j in $(BENCH_JOBS); do \
	    echo "cbrc run --jobs $$j: $(BENCH_RUN_TX) transactions, 1000 offers, seed $(BENCH_SEED)"; \
	    start=$$(date +%s.%N); \
	    eval $$TIME ./cbrc$(EXEEXT) run bench/offers_1000.cbr --input bench/tx_$(BENCH_RUN_TX).csv \
	        --jobs $$j --output /dev/null --summary-output bench/jobs-$$j.txt || exit 1; \
	    end=$$(date +%s.%N); \
	    rate=$$(awk -v n=$(BENCH_RUN_TX) -v s=$$start -v e=$$end 'BEGIN { printf "%.0f", n / (e - s) }'); \
	    test -n "$$base" || { base=$$rate; first=$$j; }; \
	    awk -v r=$$rate -v b=$$base -v f=$$first 'BEGIN { printf "  %d records/s, %.2f times --jobs %s\n", r, r / b, f }'; \
	    cmp -s bench/jobs-$$first.txt bench/jobs-$$j.txt || { echo "  the summary differs from --jobs $$first's"; exit 1; }; \
	done; rm -f bench/jobs-*.txt

.PHONY: bench bench-force bench-run bench-jobs bench-state bench-tally bench-tables

EXTRA_DIST += bench/README.md bench/local.mk bench/table-scale.sh bench/state-scale.sh
CLEANFILES += bench/cbr-bench-gen$(EXEEXT) bench/cbr-bench$(EXEEXT) bench/cbr-bench-tables$(EXEEXT) $(BENCH_BASELINES) \
	bench/offers_1.cbr bench/offers_10.cbr bench/offers_100.cbr bench/offers_1000.cbr \
	bench/seed.stamp bench/seed.stamp-t bench/cbr-bench-tx$(EXEEXT) bench/cbr-bench-lines$(EXEEXT) bench/none.cbr bench/run-summary-1.txt bench/run-summary-100.txt \
	bench/tx_$(BENCH_RUN_TX).csv
