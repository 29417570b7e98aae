/* strpool.h: the interned strings of one batch.
 *
 * Every string value in a batch is an id into its pool, so `==` on strings
 * is an integer compare.  Ids below `nbase` are the program's own strings
 * (the same index as in the program's string table), which is how a constant
 * like "Merchant X" in the code equals the merchant read from input without
 * looking at a byte; the rest are added by input and by string functions and
 * are dropped when the batch is cleared.  Input is interned in NFC, so equal
 * ids mean equal NFC text. */
#ifndef CBR_VM_STRPOOL_H
#define CBR_VM_STRPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vm/program.h"

/* Added strings are copied into chunks of this size that never move, so a
 * pointer to one (cbr_batch_string, an extern's argument) stays valid while
 * later rows and string functions add more; clearing reuses the chunks.  A
 * string that does not fit in a chunk gets an allocation of its own, freed
 * by the clear. */
#define CBRX_POOL_CHUNK (64u * 1024)

typedef struct cbrx_pool_entry {
    const char *s;          /* NUL-terminated: the program's bytes, a chunk or its own */
    uint32_t len;
    uint32_t hash;
    uint32_t fold;          /* id of the case-folded form, CBRX_NONE until asked */
} cbrx_pool_entry;

typedef struct cbrx_pool {
    const cbrx_program *prog;
    cbrx_pool_entry *e;
    uint32_t n, cap, nbase;
    char **chunks;          /* CBRX_POOL_CHUNK bytes each, kept across clears */
    uint32_t nchunks, capchunks, cur;  /* cur: the chunk being filled */
    size_t used;            /* bytes of chunks[cur] taken */
    char **own;             /* strings longer than a chunk, one allocation each */
    uint32_t nown, capown;
    uint32_t *base_tab, base_cap;  /* hash table of the program's strings (the program's own, shared) */
    uint32_t *tab, tab_cap;        /* hash table of the added strings */
    bool base_folds;
    bool shared_base;       /* base_tab is the program's (cbrx_pool_index) */        /* a program string's folded form is an added string */
} cbrx_pool;

bool cbrx_pool_init(cbrx_pool *p, const cbrx_program *prog);
/* Builds prog's shared string hash (prog->str_hash, str_tab); false when
 * memory runs out. */
bool cbrx_pool_index(cbrx_program *prog);
void cbrx_pool_free(cbrx_pool *p);
/* Forgets every added string: their ids and pointers are void after it. */
void cbrx_pool_clear(cbrx_pool *p);
/* The id of s[0..n) as given (callers normalise first); CBRX_NONE when
 * memory runs out. */
uint32_t cbrx_pool_intern(cbrx_pool *p, const char *s, size_t n);

/* The text of id, NUL-terminated; valid until the pool is cleared. */
static inline const char *cbrx_pool_str(const cbrx_pool *p, uint32_t id, uint32_t *len)
{
    const cbrx_pool_entry *e = &p->e[id];
    *len = e->len;
    return e->s;
}

/* Whether id names a string of the pool (values from a hostile program are
 * checked before they are used as indexes). */
static inline bool cbrx_pool_has(const cbrx_pool *p, int64_t id)
{
    return id >= 0 && (uint64_t)id < p->n;
}

#endif
