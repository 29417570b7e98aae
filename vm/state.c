/* state.c: the in-memory store of limit and budget counters (cbr_state).
 *
 * A counter key is text (`n|OFFER|USER|PERIOD`), but text per counter is
 * what made a million customers cost 200 bytes each.  So a key is split at
 * its second and third unescaped `|` into three parts, each interned once:
 * the kind and id (`n|OFFER`, shared by every customer of an offer), the
 * user (shared by that customer's counters) and the rest (the period and
 * currency, shared by everyone in the period).  A counter is then three
 * 32-bit atom ids and its value: 24 bytes in an open-addressing table.  Key
 * text is rebuilt only for snapshots, which stay plain sorted text so that
 * an operator can read, diff and, if a day must be replayed, edit them. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "include/cbr.h"
#include "vm/program.h"

#define NPARTS 3

typedef struct atom {
    uint32_t off, len, hash;
} atom;

typedef struct slot {
    int64_t value;
    uint32_t part[NPARTS]; /* atom ids, 0 = absent; part[0] == 0: empty slot */
} slot;

struct cbr_state {
    slot *slots;
    size_t cap, count;      /* cap a power of two, at most 3/4 full */
    atom *atoms;            /* atom id i is atoms[i - 1] */
    uint32_t natoms, capatoms;
    uint32_t *atab;         /* atom ids by hash, 0 = empty; at most 1/2 full */
    uint32_t capatab;
    char *bytes;            /* atom text */
    size_t nbytes, capbytes;
};

/* A key cut into its parts (offsets into the key). */
typedef struct parts {
    uint32_t n;
    size_t off[NPARTS], len[NPARTS];
} parts;

static void split(const char *key, size_t n, parts *p)
{
    size_t start = 0, seps = 0;
    p->n = 0;
    for (size_t i = 0; i < n && p->n < NPARTS - 1; i++) {
        if (key[i] == '\\') {
            i++; /* an escaped character is never a separator */
            continue;
        }
        if (key[i] != '|')
            continue;
        /* The first separator stays inside part 0 (kind|id). */
        if (++seps == 1)
            continue;
        p->off[p->n] = start;
        p->len[p->n++] = i - start;
        start = i + 1;
    }
    p->off[p->n] = start;
    p->len[p->n++] = n - start;
}

static inline uint32_t mix(const uint32_t part[NPARTS])
{
    uint64_t h = part[0] * 0x9e3779b97f4a7c15u;
    h ^= (h >> 29) + part[1] * 0xbf58476d1ce4e5b9u;
    h ^= (h >> 31) + part[2] * 0x94d049bb133111ebu;
    return (uint32_t)(h ^ (h >> 32));
}

cbr_state *cbr_state_new(void)
{
    cbr_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->cap = 1024;
    st->capatab = 1024;
    st->slots = calloc(st->cap, sizeof *st->slots);
    st->atab = calloc(st->capatab, sizeof *st->atab);
    if (!st->slots || !st->atab) {
        cbr_state_free(st);
        return NULL;
    }
    return st;
}

void cbr_state_free(cbr_state *st)
{
    if (!st)
        return;
    free(st->slots);
    free(st->atoms);
    free(st->atab);
    free(st->bytes);
    free(st);
}

size_t cbr_state_count(const cbr_state *st) { return st ? st->count : 0; }

size_t cbr_state_memory(const cbr_state *st)
{
    if (!st)
        return 0;
    return sizeof *st + st->cap * sizeof *st->slots + st->capatoms * sizeof *st->atoms +
           st->capatab * sizeof *st->atab + st->capbytes;
}

/* ---- atoms ---- */

static const char *atom_text(const cbr_state *st, uint32_t id, uint32_t *len)
{
    const atom *a = &st->atoms[id - 1];
    *len = a->len;
    return st->bytes + a->off;
}

/* The id of s[0..n), 0 when it was never interned. */
static uint32_t atom_find(const cbr_state *st, const char *s, size_t n, uint32_t h)
{
    for (uint32_t i = h & (st->capatab - 1);; i = (i + 1) & (st->capatab - 1)) {
        uint32_t id = st->atab[i];
        if (!id)
            return 0;
        const atom *a = &st->atoms[id - 1];
        if (a->hash == h && a->len == n && !memcmp(st->bytes + a->off, s, n))
            return id;
    }
}

static bool atab_grow(cbr_state *st)
{
    uint32_t nc = st->capatab * 2;
    uint32_t *t = calloc(nc, sizeof *t);
    if (!t)
        return false;
    for (uint32_t id = 1; id <= st->natoms; id++) {
        uint32_t i = st->atoms[id - 1].hash & (nc - 1);
        while (t[i])
            i = (i + 1) & (nc - 1);
        t[i] = id;
    }
    free(st->atab);
    st->atab = t;
    st->capatab = nc;
    return true;
}

/* The id of s[0..n), interned when new; 0 when memory or ids run out. */
static uint32_t atom_intern(cbr_state *st, const char *s, size_t n)
{
    uint32_t h = cbrx_hash32(s, n);
    uint32_t id = atom_find(st, s, n, h);
    if (id)
        return id;
    if (n > UINT32_MAX || st->nbytes + n > UINT32_MAX || st->natoms >= UINT32_MAX / 4)
        return 0;
    if ((st->natoms + 1) * 2 > st->capatab && !atab_grow(st))
        return 0;
    if (st->natoms == st->capatoms) {
        uint32_t nc = st->capatoms ? st->capatoms * 2 : 256;
        atom *a = realloc(st->atoms, nc * sizeof *a);
        if (!a)
            return 0;
        st->atoms = a;
        st->capatoms = nc;
    }
    if (st->nbytes + n > st->capbytes) {
        size_t nc = (st->capbytes + n) * 2 + 4096;
        char *b = realloc(st->bytes, nc);
        if (!b)
            return 0;
        st->bytes = b;
        st->capbytes = nc;
    }
    memcpy(st->bytes + st->nbytes, s, n);
    st->atoms[st->natoms++] = (atom){(uint32_t)st->nbytes, (uint32_t)n, h};
    st->nbytes += n;
    uint32_t i = h & (st->capatab - 1);
    while (st->atab[i])
        i = (i + 1) & (st->capatab - 1);
    st->atab[i] = st->natoms;
    return st->natoms;
}

/* The atom ids of key; false when a part was never interned (and intern is
 * off) or memory ran out. */
static bool key_parts(cbr_state *st, const char *key, size_t n, bool intern, uint32_t out[NPARTS])
{
    parts p;
    split(key, n, &p);
    memset(out, 0, NPARTS * sizeof *out);
    for (uint32_t i = 0; i < p.n; i++) {
        const char *s = key + p.off[i];
        out[i] = intern ? atom_intern(st, s, p.len[i]) : atom_find(st, s, p.len[i], cbrx_hash32(s, p.len[i]));
        if (!out[i])
            return false;
    }
    return true;
}

/* ---- counters ---- */

static slot *find(const cbr_state *st, const uint32_t part[NPARTS])
{
    for (size_t i = mix(part) & (st->cap - 1);; i = (i + 1) & (st->cap - 1)) {
        slot *s = &st->slots[i];
        if (!s->part[0] || !memcmp(s->part, part, sizeof s->part))
            return s;
    }
}

static bool grow(cbr_state *st)
{
    size_t nc = st->cap * 2;
    slot *t = calloc(nc, sizeof *t);
    if (!t)
        return false;
    for (size_t i = 0; i < st->cap; i++) {
        slot *s = &st->slots[i];
        if (!s->part[0])
            continue;
        size_t j = mix(s->part) & (nc - 1);
        while (t[j].part[0])
            j = (j + 1) & (nc - 1);
        t[j] = *s;
    }
    free(st->slots);
    st->slots = t;
    st->cap = nc;
    return true;
}

/* Room for k more counters without growing on the way. */
static bool reserve_room(cbr_state *st, size_t k)
{
    while ((st->count + k) * 4 > st->cap * 3)
        if (!grow(st))
            return false;
    return true;
}

/* The value under key (0 when absent). */
static int64_t value_of(const cbr_state *st, const char *key, size_t n)
{
    uint32_t part[NPARTS];
    if (!key_parts((cbr_state *)st, key, n, false, part))
        return 0;
    slot *s = find(st, part);
    return s->part[0] ? s->value : 0;
}

static cbr_status state_get(void *ud, const char *key, size_t n, int64_t *value)
{
    *value = value_of(ud, key, n);
    return CBR_OK;
}

/* Whether value + delta stays within max (and within 64 bits). */
static bool fits(int64_t value, int64_t delta, int64_t max)
{
    __int128 v = (__int128)value + delta;
    if (v > INT64_MAX || v < INT64_MIN)
        return false;
    return delta <= 0 || v <= max;
}

static cbr_status state_reserve(void *ud, cbr_reservation *items, size_t n, int *granted)
{
    cbr_state *st = ud;
    *granted = 0;
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        items[i].value = value_of(st, items[i].key, items[i].len);
        ok = ok && fits(items[i].value, items[i].delta, items[i].max);
    }
    if (!ok)
        return CBR_OK;
    /* Everything that can fail happens before the first counter changes. */
    if (!reserve_room(st, n))
        return CBR_ERR_NOMEM;
    slot *at[16], **where = n <= 16 ? at : malloc(n * sizeof *where);
    if (!where)
        return CBR_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        uint32_t part[NPARTS];
        if (!key_parts(st, items[i].key, items[i].len, true, part)) {
            if (where != at)
                free(where);
            return CBR_ERR_NOMEM; /* only unused atoms were added */
        }
        slot *s = find(st, part);
        if (!s->part[0]) {
            memcpy(s->part, part, sizeof part);
            s->value = 0;
            st->count++;
        }
        where[i] = s;
    }
    for (size_t i = 0; i < n; i++)
        where[i]->value += items[i].delta;
    if (where != at)
        free(where);
    *granted = 1;
    return CBR_OK;
}

cbr_store cbr_state_store(cbr_state *st)
{
    cbr_store s = {sizeof s, st, state_get, state_reserve};
    return s;
}

/* ---- snapshots ---- */

/* Appends the text of the key of s to out (room is the caller's). */
static size_t key_text(const cbr_state *st, const slot *s, char *out)
{
    size_t n = 0;
    for (int i = 0; i < NPARTS && s->part[i]; i++) {
        uint32_t len;
        const char *t = atom_text(st, s->part[i], &len);
        if (i)
            out[n++] = '|';
        memcpy(out + n, t, len);
        n += len;
    }
    return n;
}

typedef struct entry {
    const char *key;
    size_t len;
    int64_t value;
} entry;

static int by_key(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

cbr_status cbr_state_save(const cbr_state *st, char **data, size_t *len)
{
    if (!st || !data || !len)
        return CBR_ERR_ARG;
    size_t keybytes = 0;
    for (size_t i = 0; i < st->cap; i++)
        for (int k = 0; k < NPARTS && st->slots[i].part[k]; k++)
            keybytes += st->atoms[st->slots[i].part[k] - 1].len + 1;
    entry *order = malloc((st->count + 1) * sizeof *order);
    char *keys = malloc(keybytes + 1);
    char *out = malloc(keybytes + st->count * 22 + 1);
    if (!order || !keys || !out) {
        free(order);
        free(keys);
        free(out);
        return CBR_ERR_NOMEM;
    }
    size_t n = 0, at = 0;
    for (size_t i = 0; i < st->cap; i++)
        if (st->slots[i].part[0]) {
            size_t kl = key_text(st, &st->slots[i], keys + at);
            order[n++] = (entry){keys + at, kl, st->slots[i].value};
            at += kl;
        }
    qsort(order, n, sizeof *order, by_key);
    char *p = out;
    for (size_t i = 0; i < n; i++) {
        /* Keys are written by length: text is never cut at a byte. */
        memcpy(p, order[i].key, order[i].len);
        p += order[i].len;
        p += sprintf(p, "\t%lld\n", (long long)order[i].value);
    }
    *p = '\0';
    free(order);
    free(keys);
    *data = out;
    *len = (size_t)(p - out);
    return CBR_OK;
}

/* One line: a key without tabs, newlines or NULs, a tab, a whole number. */
static const char *parse_line(const char *s, size_t n, size_t *klen, int64_t *value)
{
    const char *tab = memchr(s, '\t', n);
    if (!tab || tab == s)
        return "expected KEY<TAB>NUMBER";
    *klen = (size_t)(tab - s);
    if (memchr(s, '\0', *klen))
        return "the key holds a NUL character";
    const char *v = tab + 1, *end = s + n;
    if (v < end && *v == '-')
        return "a counter cannot be negative";
    if (v == end)
        return "expected KEY<TAB>NUMBER";
    uint64_t x = 0;
    for (; v < end; v++) {
        if (*v < '0' || *v > '9')
            return "expected KEY<TAB>NUMBER";
        if (x > ((uint64_t)INT64_MAX - (uint64_t)(*v - '0')) / 10)
            return "the value is larger than 9223372036854775807";
        x = x * 10 + (uint64_t)(*v - '0');
    }
    *value = (int64_t)x;
    return NULL;
}

/* Adds every line of the snapshot to st; on failure st may hold part of it
 * (the caller loads into a copy). */
static cbr_status load_into(cbr_state *st, const char *data, size_t len, cbr_error *err)
{
    size_t line = 1;
    for (size_t i = 0; i < len; line++) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (data + i)) : len - i;
        size_t klen;
        int64_t v;
        if (n > 0) {
            const char *why = parse_line(data + i, n, &klen, &v);
            if (why)
                return cbrx_fail(err, CBR_ERR_RECORD, "line %zu: %s", line, why), CBR_ERR_RECORD;
            cbr_reservation r = {data + i, klen, v, INT64_MAX, 0};
            int granted;
            cbr_status s = state_reserve(st, &r, 1, &granted);
            if (s != CBR_OK)
                return cbrx_fail(err, s, "line %zu: %s", line, cbr_status_text(s)), s;
            if (!granted)
                return cbrx_fail(err, CBR_ERR_LIMIT, "line %zu: the counter would pass 9223372036854775807",
                                 line), CBR_ERR_LIMIT;
        }
        i += n + 1;
    }
    return CBR_OK;
}

/* A copy of st that shares nothing with it. */
static cbr_state *clone(const cbr_state *st)
{
    cbr_state *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    *c = *st;
    c->slots = malloc(st->cap * sizeof *c->slots);
    c->atab = malloc(st->capatab * sizeof *c->atab);
    c->atoms = st->capatoms ? malloc(st->capatoms * sizeof *c->atoms) : NULL;
    c->bytes = st->capbytes ? malloc(st->capbytes) : NULL;
    if (!c->slots || !c->atab || (st->capatoms && !c->atoms) || (st->capbytes && !c->bytes)) {
        cbr_state_free(c);
        return NULL;
    }
    memcpy(c->slots, st->slots, st->cap * sizeof *c->slots);
    memcpy(c->atab, st->atab, st->capatab * sizeof *c->atab);
    if (st->natoms)
        memcpy(c->atoms, st->atoms, st->natoms * sizeof *c->atoms);
    if (st->nbytes)
        memcpy(c->bytes, st->bytes, st->nbytes);
    return c;
}

cbr_status cbr_state_load(cbr_state *st, const char *data, size_t len, cbr_error *err)
{
    if (!st || (!data && len))
        return cbrx_fail(err, CBR_ERR_ARG, "no state"), CBR_ERR_ARG;
    /* Load into a copy and keep it only when every line went in, so that a
     * bad snapshot, an overflow or a failed allocation changes nothing. */
    cbr_state *t = st->count ? clone(st) : cbr_state_new();
    if (!t)
        return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory loading the state"), CBR_ERR_NOMEM;
    cbr_status s = load_into(t, data, len, err);
    if (s == CBR_OK) {
        cbr_state old = *st;
        *st = *t;
        *t = old;
    }
    cbr_state_free(t);
    return s;
}
