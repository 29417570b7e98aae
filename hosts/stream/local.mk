# hosts/stream/local.mk: cbr-stream, the Kafka host, and its tests
# (included from Makefile.am).
#
# Built only when configure found librdkafka, SQLite and libmicrohttpd
# (BUILD_STREAM).  The tests run against librdkafka's mock cluster: the
# harness (tests/stream/stream-harness) hosts the cluster on loopback and
# runs cbr-stream as a real separate process against it; the shell tests
# only pick its scenario.  The harness is an EXTRA_PROGRAMS that each test
# log depends on, so it is built by `make check` and never installed.
#
#     make check TESTS='tests/stream/e2e.sh tests/stream/faults.sh'

EXTRA_DIST += hosts/stream/README.md tests/stream/rules.cbr tests/stream/extra-offer.cbr

if BUILD_STREAM
bin_PROGRAMS += cbr-stream
cbr_stream_SOURCES = hosts/stream/main.c hosts/stream/stream.h hosts/stream/config.c \
	hosts/stream/ledger.c hosts/stream/records.c hosts/stream/store.c hosts/stream/store_sqlite.c hosts/strmap.c hosts/strmap.h \
	hosts/stream/store_pg.c hosts/stream/store_int.h hosts/stream/shared.c hosts/stream/outage.c hosts/stream/clock.c hosts/stream/bundle.c \
	hosts/stream/consume.c hosts/stream/events.c hosts/stream/vest.c hosts/stream/outbox.c hosts/stream/metrics.c \
	hosts/input.c hosts/input_csv.c hosts/input_jsonl.c hosts/input_int.h hosts/input.h hosts/json.c hosts/json.h hosts/keyfield.c hosts/keyfield.h stdlib/textbuf.c
cbr_stream_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(RDKAFKA_CFLAGS) $(SQLITE3_CFLAGS) $(PQ_CFLAGS) $(MHD_CFLAGS) -pthread
cbr_stream_LDADD = libcbr-runtime.la $(CSV_LIBS) $(YAJL_LIBS) $(RDKAFKA_LIBS) $(SQLITE3_LIBS) $(PQ_LIBS) $(MHD_LIBS) -lpthread

# The ledger records of a batch against a real SQLite file (Check).
check_PROGRAMS += tests/unit/check_stream_records
tests_unit_check_stream_records_SOURCES = tests/unit/check_stream_records.c tests/unit/unit.h \
	hosts/stream/records.c hosts/stream/ledger.c hosts/stream/store.c hosts/stream/store_sqlite.c \
	hosts/stream/store_pg.c hosts/stream/store_int.h hosts/stream/shared.c hosts/stream/clock.c hosts/stream/stream.h \
	hosts/strmap.c hosts/strmap.h
tests_unit_check_stream_records_CFLAGS = $(UNIT_CFLAGS) $(RDKAFKA_CFLAGS) $(SQLITE3_CFLAGS) $(PQ_CFLAGS)
tests_unit_check_stream_records_LDADD = $(UNIT_LDADD) $(SQLITE3_LIBS) $(PQ_LIBS)

# A fleet's leased counters against a pool in memory (Check).
check_PROGRAMS += tests/unit/check_stream_shared
tests_unit_check_stream_shared_SOURCES = tests/unit/check_stream_shared.c tests/unit/unit.h \
	hosts/stream/shared.c hosts/stream/clock.c hosts/stream/records.c hosts/stream/ledger.c hosts/stream/store.c \
	hosts/stream/store_sqlite.c hosts/stream/store_pg.c hosts/stream/store_int.h hosts/stream/stream.h \
	hosts/strmap.c hosts/strmap.h
tests_unit_check_stream_shared_CFLAGS = $(UNIT_CFLAGS) $(RDKAFKA_CFLAGS) $(SQLITE3_CFLAGS) $(PQ_CFLAGS)
tests_unit_check_stream_shared_LDADD = $(UNIT_LDADD) $(SQLITE3_LIBS) $(PQ_LIBS)

EXTRA_PROGRAMS += tests/stream/stream-harness
tests_stream_stream_harness_SOURCES = tests/stream/harness.c tests/stream/harness.h \
	tests/stream/scenarios.c tests/stream/offsets.c tests/stream/instances.c tests/stream/pgstore.c \
	tests/stream/fleet.c tests/stream/budget.c
tests_stream_stream_harness_CFLAGS = $(AM_CFLAGS) $(RDKAFKA_CFLAGS) $(SQLITE3_CFLAGS) $(PQ_CFLAGS) -pthread
tests_stream_stream_harness_LDADD = $(RDKAFKA_LIBS) $(SQLITE3_LIBS) $(PQ_LIBS) -lpthread
CLEANFILES += tests/stream/stream-harness$(EXEEXT)

# fleet.sh and budget.sh start a PostgreSQL server of their own
# (tests/stream/pg.sh, the postgresql-15 package of scripts/setup.sh).
STREAM_TESTS = tests/stream/e2e.sh tests/stream/faults.sh tests/stream/offsets.sh tests/stream/fleet.sh \
	tests/stream/budget.sh
TESTS += $(STREAM_TESTS)
tests/stream/e2e.log tests/stream/faults.log tests/stream/offsets.log: tests/stream/stream-harness$(EXEEXT) cbr-stream$(EXEEXT) cbrc$(EXEEXT)
tests/stream/fleet.log tests/stream/budget.log: tests/stream/stream-harness$(EXEEXT) cbr-stream$(EXEEXT) cbrc$(EXEEXT)
AM_TESTS_ENVIRONMENT += \
	CBR_STREAM='$(abs_top_builddir)/cbr-stream'; export CBR_STREAM; \
	CBR_STREAM_HARNESS='$(abs_top_builddir)/tests/stream/stream-harness'; export CBR_STREAM_HARNESS;

# make bench-stream: sustained transactions/s of one cbr-stream through the
# mock cluster with the 100 offers of `make bench`, and produce-to-award
# latency p50/p99 (doc/performance.md), then bench-fleet.
# BENCH_STREAM_FLAGS = TX RATE.
EXTRA_PROGRAMS += bench/cbr-bench-stream
bench_cbr_bench_stream_SOURCES = bench/stream_bench.c bench/workload.c bench/workload.h
bench_cbr_bench_stream_CFLAGS = $(AM_CFLAGS) $(RDKAFKA_CFLAGS) $(PQ_CFLAGS)
bench_cbr_bench_stream_LDADD = $(RDKAFKA_LIBS) $(PQ_LIBS) -lm
CLEANFILES += bench/cbr-bench-stream$(EXEEXT) bench/offers_100.cbrx
BENCH_STREAM_FLAGS = 40000 2000

bench/offers_100.cbrx: bench/baseline_100.c cbrc$(EXEEXT)
	$(AM_V_GEN)./cbrc$(EXEEXT) compile bench/offers_100.cbr -o $@

bench-stream: bench/cbr-bench-stream$(EXEEXT) cbr-stream$(EXEEXT) bench/offers_100.cbrx
	bench/cbr-bench-stream$(EXEEXT) $(abs_top_builddir)/cbr-stream$(EXEEXT) bench/offers_100.cbrx \
		$(BENCH_SEED) $(BENCH_STREAM_FLAGS)
	@$(MAKE) $(AM_MAKEFLAGS) bench-fleet

# make bench-fleet: the same backlog through one instance on SQLite, one
# on PostgreSQL and three on it, on a server of its own (tests/stream/pg.sh;
# BENCH_PG=URI uses that database instead, touching only schema cbr_bench).
BENCH_FLEET_TX = 40000
bench-fleet: bench/cbr-bench-stream$(EXEEXT) cbr-stream$(EXEEXT) bench/offers_100.cbrx
	@run() { bench/cbr-bench-stream$(EXEEXT) --fleet "$$1" $(abs_top_builddir)/cbr-stream$(EXEEXT) \
		bench/offers_100.cbrx $(BENCH_SEED) $(BENCH_FLEET_TX); }; \
	if [ -n "$(BENCH_PG)" ]; then run "$(BENCH_PG)"; \
	else . $(srcdir)/tests/stream/pg.sh && pg_start && run "$$CBR_TEST_PG"; fi
else
bench-stream bench-fleet:
	@echo "$@: cbr-stream is not built (configure did not find librdkafka, SQLite, libmicrohttpd and libpq)"; exit 1
endif
.PHONY: bench-stream bench-fleet
EXTRA_DIST += tests/stream/e2e.sh tests/stream/faults.sh tests/stream/offsets.sh tests/stream/fleet.sh \
	tests/stream/budget.sh tests/stream/pg.sh tests/stream/budget.cbr
