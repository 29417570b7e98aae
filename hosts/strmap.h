/* strmap.h: a table from byte-string keys to entries of the caller's type,
 * open addressing with linear probing (strmap.c), for the key sets of the
 * --state database (statedb.c), the ledger records and the leases of the
 * stream host (stream/records.c, stream/shared.c).
 *
 * An entry is a struct whose first member is an hsmap_key; the table owns
 * the key's copy and the array, the caller what else an entry points to.
 * Entries move when the table grows: a pointer to one is good until the
 * next hsmap_get. */
#ifndef CBR_HOSTS_STRMAP_H
#define CBR_HOSTS_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hsmap_key {
    char *key;                  /* NULL: an empty slot */
    size_t n;
    uint64_t hash;
} hsmap_key;

typedef struct hsmap {
    unsigned char *e;           /* cap entries of size bytes */
    size_t size, n, cap, first;
} hsmap;

/* An empty table of entries of `size` bytes (the hsmap_key first), with
 * room for `first` (a power of two) once the first key is added. */
void hsmap_init(hsmap *m, size_t size, size_t first);
/* The entry of key, or NULL when there is none. */
void *hsmap_find(const hsmap *m, const char *key, size_t n);
/* The entry of key, added with the rest of it zero when absent (*added
 * says which, when not NULL); NULL when memory runs out. */
void *hsmap_get(hsmap *m, const char *key, size_t n, bool *added);
/* Slot i < m->cap, for going through the table: its key is NULL when the
 * slot is empty. */
static inline void *hsmap_slot(const hsmap *m, size_t i) { return m->e + i * m->size; }
/* Frees the keys and the array, and empties m (size and first stay). */
void hsmap_clear(hsmap *m);

#endif
