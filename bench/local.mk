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

EXTRA_PROGRAMS = bench/cbr-bench-gen bench/cbr-bench

bench_cbr_bench_gen_SOURCES = bench/gen.c bench/workload.c bench/workload.h
bench_cbr_bench_gen_LDADD = -lm

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

.PHONY: bench bench-force

EXTRA_DIST += bench/README.md bench/local.mk
CLEANFILES += bench/cbr-bench-gen$(EXEEXT) bench/cbr-bench$(EXEEXT) $(BENCH_BASELINES) \
	bench/offers_1.cbr bench/offers_10.cbr bench/offers_100.cbr bench/offers_1000.cbr \
	bench/seed.stamp bench/seed.stamp-t
