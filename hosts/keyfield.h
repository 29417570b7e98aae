/* keyfield.h: the one cache from record keys (CSV columns, JSON keys) to
 * the fields of a program, for cbrc's feed and cbr-stream (keyfield.c).
 *
 * A fixed hashed table of at most HKEYS_MAX keys of at most HKEYS_KEY_LEN
 * bytes.  CSV columns and most JSON records repeat their keys; JSON whose
 * keys all differ would otherwise make it grow with the input, so at the
 * bound it is emptied and keys that keep coming back are cached again at
 * once.  40,000 JSON records with a key of their own took 3.8 s with the
 * list this replaced (each new key compared with every key seen). */
#ifndef CBR_HOSTS_KEYFIELD_H
#define CBR_HOSTS_KEYFIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "include/cbr.h"

#define HKEYS_MAX 2048
#define HKEYS_KEY_LEN 128

typedef struct hkey {
    uint64_t hash;
    char *key;                  /* NULL: an empty slot */
    size_t n;
    int field;
} hkey;

/* In front of the table: the field of the key at each of the first
 * places of a record, kept while the key there is the same bytes.  A CSV
 * column's name is, record after record, and so are a JSON producer's
 * keys, mostly: then a key costs a compare, not a hash and a probe. */
#define HKEYS_PLACES 64
#define HKEYS_PLACE_KEY 32

typedef struct hkeys {
    const cbr_program *p;
    hkey *slots;                /* 2 * HKEYS_MAX, open addressing */
    size_t n;                   /* keys held */
    uint64_t resets;            /* times the bound emptied it */
    struct { char key[HKEYS_PLACE_KEY]; size_t len; int field; } at[HKEYS_PLACES];
} hkeys;

/* What a lookup that was not in the cache found: an input field, no field
 * of that name, or a field computed from timestamp (which input never
 * sets).  A host reports the last two, once per key it sees afresh. */
typedef enum hkeys_found { HKEYS_CACHED, HKEYS_FIELD, HKEYS_UNKNOWN, HKEYS_DERIVED } hkeys_found;

/* false when memory runs out. */
bool hkeys_init(hkeys *k, const cbr_program *p);
void hkeys_free(hkeys *k);
/* The input field key[0..n) names, -1 for keys the rules do not read;
 * *found (may be NULL) says whether the program was asked and what it
 * said.  Out of memory only means the key is not cached. */
int hkeys_field(hkeys *k, const char *key, size_t n, hkeys_found *found);
/* The same for the key at place i of its record (0-based). */
int hkeys_field_at(hkeys *k, size_t i, const char *key, size_t n, hkeys_found *found);

#endif
