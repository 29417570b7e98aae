/* json.h: what the hosts share: the one JSON string writer of cbrc and
 * cbr-stream (json.c), writing to a FILE or to a text buffer
 * (stdlib/textbuf.h), and the one string hash of their tables. */
#ifndef CBR_HOSTS_JSON_H
#define CBR_HOSTS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "stdlib/hash.h"
#include "stdlib/textbuf.h"

/* FNV-1a, 64 bits (stdlib/hash.h): the hash of the hosts' tables (column
 * names, keys, customers of the summary). */
static inline uint64_t hfnv64(const char *s, size_t n) { return cbrhash_fnv64(s, n, CBRHASH_FNV64_START); }

/* Where JSON text goes: a buffer, a FILE, ... */
typedef void (*hjson_sink)(void *ud, const char *s, size_t n);

/* s[0..n) as a JSON string literal, quotes included: `"` `\` and control
 * characters escaped, the rest (valid UTF-8) as it is. */
void hjson_string(hjson_sink out, void *ud, const char *s, size_t n);
/* The same stored at p, which has room for HJSON_ROOM(n) bytes (every byte
 * escaped, at worst six); returns the end.  The one escaper: the others
 * and the award lines (award_line.c) are made with it. */
#define HJSON_ROOM(n) (6 * (n) + 2)
char *hjson_put(char *p, const char *s, size_t n);
/* The same into a buffer; NULL s is `null`. */
void hjson_buf(cbrtb *b, const char *s);
/* The same onto a FILE; NULL s is `null`. */
void hjson_file(FILE *f, const char *s, size_t n);

#endif
