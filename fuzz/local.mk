# fuzz/local.mk: `make fuzz` (included from Makefile.am).
#
# Builds the libFuzzer targets of fuzz/ with clang (FUZZ_CC, found by
# configure) and runs each one for FUZZ_TIME seconds, failing on the first
# crash, sanitizer report, leak or broken invariant:
#
#     make fuzz                        # every target, 60 s each
#     make fuzz FUZZ_TIME=600 FUZZ_TARGETS='bundle diff'
#     make fuzz-build                  # only build fuzz/fuzz_NAME
#
# The library is compiled again here, from the same sources, by clang with
# coverage and sanitizers (fuzz/obj/, fuzz/libcbr-fuzz.a): never from the
# objects of the normal build, whose compiler may be gcc.  Each run keeps
# what it finds in fuzz/run/NAME/ (its corpus, seeded from fuzz/corpus/NAME,
# the sources of rules-examples/ and tests/, and bundles cbrc compiles from
# them) and a crashing input as fuzz/crash/NAME-*.

FUZZ_TIME = 60
FUZZ_TARGETS = compile bundle csv jsonl diff index
FUZZ_FLAGS = -max_len=4096 -timeout=20 -rss_limit_mb=2048
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -std=gnu11 \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_CPPFLAGS = $(DEFS) -I. -I$(srcdir) $(AM_CPPFLAGS) $(YAJL_CFLAGS) $(FFI_CFLAGS) $(SODIUM_CFLAGS)
FUZZ_LINK_LIBS = $(CSV_LIBS) $(YAJL_LIBS) $(FFI_LIBS) $(SODIUM_LIBS) $(LIBS)
FUZZ_BINS = fuzz/fuzz_compile fuzz/fuzz_bundle fuzz/fuzz_csv fuzz/fuzz_jsonl fuzz/fuzz_diff fuzz/fuzz_index

# Every C source of libcbr_rt and libcbr_core (.re and .y as the .c made from them), the
# input readers and the fixed batch; every header they may include.
FUZZ_SRCS = $(libcbr_rt_la_SOURCES) $(libcbr_core_la_SOURCES) hosts/input.c hosts/input_csv.c hosts/input_jsonl.c fuzz/fuzz_batch.c
FUZZ_HDRS = include/cbr.h compiler/parser.h hosts/input.h hosts/input_int.h hosts/json.h fuzz/fuzz.h fuzz/fuzz_input.h \
	compiler/arena.h compiler/ast.h compiler/build.h compiler/codegen.h compiler/compint.h compiler/lexer.h \
	compiler/sema.h compiler/semaint.h stdlib/alloc.h stdlib/currency.h stdlib/currency_table.h \
	stdlib/date.h stdlib/decimal.h stdlib/text.h stdlib/tz.h vm/opcodes.h \
	vm/program.h vm/strpool.h vm/vmint.h

fuzz-check-cc:
	@if test -z '$(FUZZ_CC)'; then \
	  echo 'make fuzz: no clang that links -fsanitize=fuzzer was found by configure.' >&2; \
	  echo 'Install clang and libFuzzer (Debian: apt-get install clang libclang-rt-14-dev)' >&2; \
	  echo 'and run configure again, or name one: ./configure FUZZ_CC=clang-14' >&2; \
	  exit 1; \
	fi

# Any header newer than this stamp makes every object out of date.
fuzz/headers.stamp: $(FUZZ_HDRS) config.h
	@$(MKDIR_P) fuzz && touch $@

fuzz/libcbr-fuzz.a: $(FUZZ_SRCS) compiler/lexer.c compiler/parser.c fuzz/headers.stamp
	@$(MAKE) $(AM_MAKEFLAGS) fuzz-check-cc
	@$(MKDIR_P) fuzz/obj; \
	for s in $(FUZZ_SRCS); do \
	  case $$s in *.re|*.y) s=`echo $$s | sed 's/\.[a-z]*$$/.c/'` ;; *.c) ;; *) continue ;; esac; \
	  o=fuzz/obj/`echo $$s | sed 's|/|_|g; s|\.c$$|.o|'`; \
	  if test -f $$s; then src=$$s; else src=$(srcdir)/$$s; fi; \
	  if test $$o -nt $$src && test $$o -nt fuzz/headers.stamp; then continue; fi; \
	  echo "  FUZZCC   $$o"; \
	  $(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -c $$src -o $$o || exit 1; \
	done; \
	rm -f $@ && $(AR) cr $@ fuzz/obj/*.o && $(RANLIB) $@

FUZZ_LINK = $(AM_V_GEN)$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@
fuzz/fuzz_compile: fuzz/fuzz_compile.c fuzz/libcbr-fuzz.a
	$(FUZZ_LINK) $(srcdir)/fuzz/fuzz_compile.c fuzz/libcbr-fuzz.a $(FUZZ_LINK_LIBS)
fuzz/fuzz_bundle: fuzz/fuzz_bundle.c fuzz/libcbr-fuzz.a
	$(FUZZ_LINK) $(srcdir)/fuzz/fuzz_bundle.c fuzz/libcbr-fuzz.a $(FUZZ_LINK_LIBS)
fuzz/fuzz_csv: fuzz/fuzz_csv.c fuzz/libcbr-fuzz.a
	$(FUZZ_LINK) $(srcdir)/fuzz/fuzz_csv.c fuzz/libcbr-fuzz.a $(FUZZ_LINK_LIBS)
fuzz/fuzz_jsonl: fuzz/fuzz_jsonl.c fuzz/libcbr-fuzz.a
	$(FUZZ_LINK) $(srcdir)/fuzz/fuzz_jsonl.c fuzz/libcbr-fuzz.a $(FUZZ_LINK_LIBS)
fuzz/fuzz_diff: fuzz/fuzz_diff.c fuzz/libcbr-fuzz.a
	$(FUZZ_LINK) $(srcdir)/fuzz/fuzz_diff.c fuzz/libcbr-fuzz.a $(FUZZ_LINK_LIBS)
fuzz/fuzz_index: fuzz/fuzz_index.c fuzz/libcbr-fuzz.a
	$(FUZZ_LINK) $(srcdir)/fuzz/fuzz_index.c fuzz/libcbr-fuzz.a $(FUZZ_LINK_LIBS)

fuzz-build: fuzz-check-cc
	@$(MAKE) $(AM_MAKEFLAGS) $(FUZZ_BINS)

# Seeds: the committed corpus of each target, plus rule sources for the
# compiler targets and their bundles (made by this build's cbrc) for the
# bundle target.  Dictionaries: fuzz/NAME.dict, or the language's for the
# compiler targets.
fuzz-seeds: cbrc$(EXEEXT)
	@for t in $(FUZZ_TARGETS); do $(MKDIR_P) fuzz/run/$$t fuzz/crash || exit 1; \
	  if test -d $(srcdir)/fuzz/corpus/$$t; then cp -f $(srcdir)/fuzz/corpus/$$t/* fuzz/run/$$t/ 2>/dev/null; fi; \
	done; \
	for f in $(srcdir)/rules-examples/*.cbr $(srcdir)/tests/run-inputs/*.cbr $(srcdir)/tests/cli-inputs/*.cbr \
	         $(srcdir)/tests/errors/*.cbr; do \
	  b=`basename $$f .cbr`; \
	  for t in compile diff; do case " $(FUZZ_TARGETS) " in *" $$t "*) cp -f $$f fuzz/run/$$t/src-$$b;; esac; done; \
	  case " $(FUZZ_TARGETS) " in *" bundle "*) \
	    ./cbrc$(EXEEXT) compile $$f -o fuzz/run/bundle/bundle-$$b.cbrx >/dev/null 2>&1 || \
	      rm -f fuzz/run/bundle/bundle-$$b.cbrx;; esac; \
	done; \
	for t in csv jsonl; do case " $(FUZZ_TARGETS) " in *" $$t "*) \
	  for f in $(srcdir)/rules-examples/transactions.csv $(srcdir)/tests/run-inputs/tx.* \
	           $(srcdir)/tests/run-inputs/expected.jsonl $(srcdir)/rules-examples/transactions.expected.jsonl; do \
	    { printf '\0'; cat $$f; } > fuzz/run/$$t/file-`basename $$f`; done;; esac; done

fuzz: fuzz-build fuzz-seeds
	@for t in $(FUZZ_TARGETS); do \
	  case $$t in compile|diff) d=-dict=$(srcdir)/fuzz/cbr.dict;; index) d=;; *) d=-dict=$(srcdir)/fuzz/$$t.dict;; esac; \
	  echo "fuzz_$$t: $(FUZZ_TIME) s, corpus fuzz/run/$$t, log fuzz/run/$$t.log"; \
	  fuzz/fuzz_$$t $(FUZZ_FLAGS) -max_total_time=$(FUZZ_TIME) $$d -print_final_stats=1 \
	    -artifact_prefix=fuzz/crash/$$t- fuzz/run/$$t >fuzz/run/$$t.log 2>&1; rc=$$?; \
	  grep -E '^#[0-9]+[[:space:]]+DONE' fuzz/run/$$t.log | tail -n 1; \
	  if test $$rc -ne 0; then \
	    echo "fuzz_$$t FAILED (exit $$rc); the end of fuzz/run/$$t.log:" >&2; \
	    tail -n 40 fuzz/run/$$t.log >&2; \
	    ls fuzz/crash/$$t-* 2>/dev/null >&2; exit 1; \
	  fi; \
	done

.PHONY: fuzz fuzz-build fuzz-seeds fuzz-check-cc

CLEANFILES += $(FUZZ_BINS) fuzz/libcbr-fuzz.a fuzz/headers.stamp

clean-local: fuzz-clean
fuzz-clean:
	-rm -rf fuzz/obj fuzz/run fuzz/crash
.PHONY: fuzz-clean

# ---- make check: the targets without libFuzzer ----
# Each target is also linked with fuzz/replay.c by the build's own compiler
# (gcc, or ASan and UBSan with --enable-sanitizers) and run over the inputs
# of past crashes (tests/fuzz/NAME/) and the seeds (fuzz/corpus/NAME/).
FUZZ_REPLAY_LDADD = libcbr_core.la $(FFI_LIBS) $(SODIUM_LIBS)
check_PROGRAMS += fuzz/replay_compile fuzz/replay_bundle fuzz/replay_csv fuzz/replay_jsonl \
	fuzz/replay_diff fuzz/replay_index
fuzz_replay_compile_SOURCES = fuzz/replay.c fuzz/fuzz_compile.c
fuzz_replay_compile_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"compile"'
fuzz_replay_compile_LDADD = $(FUZZ_REPLAY_LDADD)
fuzz_replay_bundle_SOURCES = fuzz/replay.c fuzz/fuzz_bundle.c fuzz/fuzz_batch.c fuzz/fuzz.h
fuzz_replay_bundle_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"bundle"'
fuzz_replay_bundle_LDADD = $(FUZZ_REPLAY_LDADD)
fuzz_replay_diff_SOURCES = fuzz/replay.c fuzz/fuzz_diff.c fuzz/fuzz_batch.c fuzz/fuzz.h
fuzz_replay_diff_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"diff"'
fuzz_replay_diff_LDADD = $(FUZZ_REPLAY_LDADD)
fuzz_replay_index_SOURCES = fuzz/replay.c fuzz/fuzz_index.c fuzz/fuzz_batch.c fuzz/fuzz.h
fuzz_replay_index_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"index"'
fuzz_replay_index_LDADD = $(FUZZ_REPLAY_LDADD)
fuzz_replay_csv_SOURCES = fuzz/replay.c fuzz/fuzz_csv.c fuzz/fuzz_batch.c fuzz/fuzz.h \
	fuzz/fuzz_input.h hosts/input.c hosts/input_csv.c hosts/input_jsonl.c hosts/input_int.h hosts/input.h
fuzz_replay_csv_CPPFLAGS = $(AM_CPPFLAGS) $(YAJL_CFLAGS) -DFUZZ_NAME='"csv"'
fuzz_replay_csv_LDADD = $(FUZZ_REPLAY_LDADD) $(CSV_LIBS) $(YAJL_LIBS)
fuzz_replay_jsonl_SOURCES = fuzz/replay.c fuzz/fuzz_jsonl.c fuzz/fuzz_batch.c fuzz/fuzz.h \
	fuzz/fuzz_input.h hosts/input.c hosts/input_csv.c hosts/input_jsonl.c hosts/input_int.h hosts/input.h
fuzz_replay_jsonl_CPPFLAGS = $(AM_CPPFLAGS) $(YAJL_CFLAGS) -DFUZZ_NAME='"jsonl"'
fuzz_replay_jsonl_LDADD = $(FUZZ_REPLAY_LDADD) $(CSV_LIBS) $(YAJL_LIBS)
# fuzz/ is listed file by file: the directory's name is also the phony
# target `fuzz`, which distdir would otherwise run as a prerequisite.
# (The targets' sources ship as the replay programs' sources.)
EXTRA_DIST += tests/fuzz fuzz/corpus fuzz/README.md fuzz/local.mk fuzz/cbr.dict fuzz/bundle.dict \
	fuzz/csv.dict fuzz/jsonl.dict
