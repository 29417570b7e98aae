# bench/local.mk: `make bench` (included from Makefile.am).
