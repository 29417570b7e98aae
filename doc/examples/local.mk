# doc/examples/local.mk: the embedding example (included from Makefile.am).
