# doc/examples/local.mk: the embedding example (included from Makefile.am).
# tests/embed.sh builds doc/examples/embed.c as an embedder would, with
# `cc $(pkg-config --cflags --libs cbr)`, against the library of this build
# tree rather than an installed one.  Two things make that work:
#
#  - cbr-uninstalled.pc, made here from the configured cbr.pc with libdir
#    and includedir pointed into the build and source trees.  pkg-config
#    prefers NAME-uninstalled.pc over NAME.pc when both are on its path, so
#    the test only puts the build directory first on PKG_CONFIG_PATH.  Every
#    other line (Requires.private, Libs.private, Version) stays cbr.pc's.
#
#  - the compiler and flags of this build, in the test's environment: a
#    program linked with a sanitized libcbr must itself be built with
#    -fsanitize (the library needs the ASan/UBSan runtime loaded first), so
#    the test adds $(SAN_CFLAGS) and $(SAN_LDFLAGS), which are empty unless
#    configure ran with --enable-sanitizers.

EXTRA_DIST += doc/examples/embed.c doc/examples/parallel.c doc/examples/runbundle.c doc/examples/rules.cbr doc/examples/tx.tsv \
	doc/examples/expected.txt doc/embedding.md

check_DATA = cbr-uninstalled.pc cbr-runtime-uninstalled.pc
CLEANFILES += cbr-uninstalled.pc cbr-uninstalled.pc.tmp cbr-runtime-uninstalled.pc cbr-runtime-uninstalled.pc.tmp

cbr-uninstalled.pc: cbr.pc
	$(AM_V_GEN){ echo '# $@: cbr.pc for the uninstalled libcbr of this build tree,'; \
	  echo '# made by doc/examples/local.mk; see doc/embedding.md.'; \
	  sed -e 's|^libdir=.*|libdir=$(abs_top_builddir)/.libs|' \
	      -e 's|^includedir=.*|includedir=$(abs_top_srcdir)/include|' cbr.pc; } >$@.tmp && \
	mv $@.tmp $@

cbr-runtime-uninstalled.pc: cbr-runtime.pc
	$(AM_V_GEN){ echo '# $@: cbr-runtime.pc for the uninstalled libcbr-runtime of this'; \
	  echo '# build tree, made by doc/examples/local.mk; see doc/embedding.md.'; \
	  sed -e 's|^libdir=.*|libdir=$(abs_top_builddir)/.libs|' \
	      -e 's|^includedir=.*|includedir=$(abs_top_srcdir)/include|' cbr-runtime.pc; } >$@.tmp && \
	mv $@.tmp $@

AM_TESTS_ENVIRONMENT += \
	CBR_CC='$(CC)'; export CBR_CC; \
	CBR_SAN_CFLAGS='$(SAN_CFLAGS)'; export CBR_SAN_CFLAGS; \
	CBR_SAN_LDFLAGS='$(SAN_LDFLAGS)'; export CBR_SAN_LDFLAGS; \
	PKG_CONFIG='$(PKG_CONFIG)'; export PKG_CONFIG;
