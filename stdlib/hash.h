/* hash.h: FNV-1a, the one string hash of the tree.  32 bits for the hash
 * tables of the compiler and the VM (interned strings, batch pools, the
 * limit state), 64 bits for bundle checksums and the hosts' tables.
 * Header-only, so that the hosts share it without linking the library's
 * internals. */
#ifndef CBR_STDLIB_HASH_H
#define CBR_STDLIB_HASH_H

#include <stddef.h>
#include <stdint.h>

#define CBRHASH_FNV64_START 14695981039346656037ULL

static inline uint32_t cbrhash_fnv32(const void *data, size_t n)
{
    const unsigned char *s = data;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 16777619u;
    return h;
}

/* Continues from h (CBRHASH_FNV64_START to begin): any single changed
 * byte changes the result. */
static inline uint64_t cbrhash_fnv64(const void *data, size_t n, uint64_t h)
{
    const unsigned char *s = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}

#endif
