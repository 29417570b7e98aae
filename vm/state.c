/* state.c: the in-memory store of limit and budget counters (cbr_state).
 *
 * A counter key is text (`n|OFFER|USER|PERIOD`), but a text per counter is
 * what made a million customers cost 200 bytes each.  So a key is cut at
 * its second and third unescaped `|` into three parts: the head (kind and
 * id, `n|OFFER`), the user, and the tail (period and currency).  A key with
 * no user part (`t|OFFER|PERIOD` of `limit N total`, `b|OFFER|PERIOD|CUR`
 * of a budget per period) is cut the same way, so its middle part is a
 * period or a currency: the parts are only text here, and whatever they
 * hold, key_text puts them back as they came.  Each part
 * is interned once as an atom, and the pair (head, tail), of which a
 * program has only a handful, is interned as a shape.  A counter is then
 * (user atom, shape, value): a 16-byte slot in an open-addressing table,
 * and each customer's id is held once however many counters it has.  Key
 * text is rebuilt only for snapshots, which stay plain sorted text so that
 * an operator can read, diff and, if a day must be replayed, edit them. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "include/cbr.h"
#include "stdlib/alloc.h"
#include "vm/program.h"
#include "vm/state_records.h"

typedef struct atom {
    uint32_t off, len;      /* in bytes */
} atom;

typedef struct shape {
    uint32_t head, tail;    /* atom ids; tail 0 when the key has no third part */
} shape;

typedef struct slot {
    uint32_t user;          /* atom id of the second part, 0 when none */
    uint32_t shape;         /* shape id (and CHANGED); 0: an empty slot */
    int64_t value;
} slot;

struct cbr_state {
    cbr_alloc_fn alloc;     /* every block of the state, the state itself included */
    void *ud;
    slot *slots;
    size_t cap, count;      /* cap a power of two, at most 3/4 full */
    atom *atoms;            /* atom id i is atoms[i - 1] */
    uint32_t natoms, capatoms;
    uint32_t *atab;         /* atom ids by hash, 0 = empty; at most 3/4 full */
    uint32_t capatab;
    char *bytes;            /* atom text */
    size_t nbytes, capbytes;
    shape *shapes;          /* shape id i is shapes[i - 1] */
    uint32_t nshapes, capshapes;
    uint32_t *stab;         /* shape ids by hash */
    uint32_t capstab;
    bool tracking;          /* cbr_state_track_changes */
    struct change { uint32_t user, shape; } *changes; /* counters changed, each once */
    size_t nchanges, capchanges;
    cbrx_records *records;  /* the ledger (state_records.c), made on its first record */
};

static void *zalloc(cbr_alloc_fn alloc, void *ud, size_t n)
{
    void *p = alloc(ud, NULL, n ? n : 1);
    if (p)
        memset(p, 0, n);
    return p;
}

static void *sa(const cbr_state *st, size_t n) { return st->alloc(st->ud, NULL, n ? n : 1); }

static void sf(const cbr_state *st, void *p)
{
    cbr_alloc_fn alloc = st->alloc; /* st itself may be what goes */
    void *ud = st->ud;
    if (p)
        alloc(ud, p, 0);
}

/* A slot's shape word: the shape id, and the top bit while the counter is
 * on the list of changes. */
#define CHANGED 0x80000000u
#define SHAPE_ID(w) ((w) & ~CHANGED)

/* A key cut into at most three parts (offsets into the key). */
typedef struct parts {
    uint32_t n;
    size_t off[3], len[3];
} parts;

static void split(const char *key, size_t n, parts *p)
{
    size_t start = 0, seps = 0;
    p->n = 0;
    for (size_t i = 0; i < n && p->n < 2; i++) {
        if (key[i] == '\\') {
            i++; /* an escaped character is never a separator */
            continue;
        }
        if (key[i] != '|')
            continue;
        /* The first separator stays inside the head (kind|id). */
        if (++seps == 1)
            continue;
        p->off[p->n] = start;
        p->len[p->n++] = i - start;
        start = i + 1;
    }
    p->off[p->n] = start;
    p->len[p->n++] = n - start;
}

/* MurmurHash3's 64-bit finaliser: ids are small consecutive numbers, and
 * linear probing needs all of their bits spread over the low ones. */
static inline uint64_t fmix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdu;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53u;
    x ^= x >> 33;
    return x;
}

static inline uint32_t pair_hash(uint32_t a, uint32_t b) { return (uint32_t)fmix((uint64_t)a << 32 | b); }

cbr_status cbr_state_new(const cbr_config *cfg, cbr_state **out, cbr_error *err)
{
    if (!out)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_state_new: no place for the state");
    cbr_config c;
    cbrx_config_copy(cfg, &c);
    *out = cbrx_state_new(c.alloc, c.alloc_ud);
    return *out ? CBR_OK : cbrx_status(err, CBR_ERR_NOMEM, "out of memory making a state");
}

cbr_state *cbrx_state_new(cbr_alloc_fn alloc, void *ud)
{
    if (!alloc)
        alloc = cbr_default_alloc;
    cbr_state *st = zalloc(alloc, ud, sizeof *st);
    if (!st)
        return NULL;
    st->alloc = alloc;
    st->ud = ud;
    st->cap = 1024;
    st->capatab = 1024;
    st->capstab = 64;
    st->slots = zalloc(st->alloc, st->ud, (size_t)(st->cap) * sizeof *st->slots);
    st->atab = zalloc(st->alloc, st->ud, (size_t)(st->capatab) * sizeof *st->atab);
    st->stab = zalloc(st->alloc, st->ud, (size_t)(st->capstab) * sizeof *st->stab);
    if (!st->slots || !st->atab || !st->stab) {
        cbr_state_free(st);
        return NULL;
    }
    return st;
}

void cbr_state_free(cbr_state *st)
{
    if (!st)
        return;
    sf(st, st->slots);
    sf(st, st->atoms);
    sf(st, st->atab);
    sf(st, st->bytes);
    sf(st, st->shapes);
    sf(st, st->stab);
    sf(st, st->changes);
    cbrx_records_free(st->records, st->alloc, st->ud);
    sf(st, st);
}

size_t cbr_state_count(const cbr_state *st) { return st ? st->count : 0; }

size_t cbr_state_memory(const cbr_state *st)
{
    if (!st)
        return 0;
    return sizeof *st + st->cap * sizeof *st->slots + st->capatoms * sizeof *st->atoms +
           st->capatab * sizeof *st->atab + st->capbytes + st->capshapes * sizeof *st->shapes +
           st->capstab * sizeof *st->stab + st->capchanges * sizeof *st->changes +
           cbrx_records_memory(st->records);
}

/* Grows an array of n elements of size sz to hold one more, by half. */
static bool more(const cbr_state *st, void **a, uint32_t *cap, uint32_t n, size_t sz)
{
    if (n < *cap)
        return true;
    if (*cap > UINT32_MAX / 2)
        return false;
    uint32_t nc = *cap ? *cap + *cap / 2 : 256;
    void *q = st->alloc(st->ud, *a, (size_t)nc * sz);
    if (!q)
        return false;
    *a = q;
    *cap = nc;
    return true;
}

/* ---- atoms: the interned parts ---- */

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
        if (a->len == n && !memcmp(st->bytes + a->off, s, n))
            return id;
    }
}

static bool atab_grow(cbr_state *st)
{
    uint32_t nc = st->capatab * 2;
    uint32_t *t = zalloc(st->alloc, st->ud, (size_t)(nc) * sizeof *t);
    if (!t)
        return false;
    for (uint32_t id = 1; id <= st->natoms; id++) {
        const atom *a = &st->atoms[id - 1];
        uint32_t i = cbrhash_fnv32(st->bytes + a->off, a->len) & (nc - 1);
        while (t[i])
            i = (i + 1) & (nc - 1);
        t[i] = id;
    }
    sf(st, st->atab);
    st->atab = t;
    st->capatab = nc;
    return true;
}

/* The id of s[0..n), interned when new; 0 when memory or ids run out. */
static uint32_t atom_intern(cbr_state *st, const char *s, size_t n)
{
    uint32_t h = cbrhash_fnv32(s, n);
    uint32_t id = atom_find(st, s, n, h);
    if (id)
        return id;
    if (n > UINT32_MAX || st->nbytes + n > UINT32_MAX || st->natoms >= UINT32_MAX / 4)
        return 0;
    if (((size_t)st->natoms + 1) * 4 > (size_t)st->capatab * 3) {
        if (!atab_grow(st))
            return 0;
    }
    if (!more(st, (void **)&st->atoms, &st->capatoms, st->natoms, sizeof *st->atoms))
        return 0;
    if (st->nbytes + n > st->capbytes) {
        size_t nc = st->capbytes + st->capbytes / 2 + n + 4096;
        char *b = st->alloc(st->ud, st->bytes, nc);
        if (!b)
            return 0;
        st->bytes = b;
        st->capbytes = nc;
    }
    memcpy(st->bytes + st->nbytes, s, n);
    st->atoms[st->natoms++] = (atom){(uint32_t)st->nbytes, (uint32_t)n};
    st->nbytes += n;
    uint32_t i = h & (st->capatab - 1);
    while (st->atab[i])
        i = (i + 1) & (st->capatab - 1);
    st->atab[i] = st->natoms;
    return st->natoms;
}

/* ---- shapes: the interned (head, tail) pairs ---- */

static uint32_t shape_find(const cbr_state *st, uint32_t head, uint32_t tail)
{
    for (uint32_t i = pair_hash(head, tail) & (st->capstab - 1);; i = (i + 1) & (st->capstab - 1)) {
        uint32_t id = st->stab[i];
        if (!id || (st->shapes[id - 1].head == head && st->shapes[id - 1].tail == tail))
            return id;
    }
}

static uint32_t shape_intern(cbr_state *st, uint32_t head, uint32_t tail)
{
    uint32_t id = shape_find(st, head, tail);
    if (id)
        return id;
    if (((size_t)st->nshapes + 1) * 4 > (size_t)st->capstab * 3) {
        uint32_t nc = st->capstab * 2;
        uint32_t *t = nc ? zalloc(st->alloc, st->ud, (size_t)(nc) * sizeof *t) : NULL;
        if (!t)
            return 0;
        for (uint32_t k = 1; k <= st->nshapes; k++) {
            uint32_t i = pair_hash(st->shapes[k - 1].head, st->shapes[k - 1].tail) & (nc - 1);
            while (t[i])
                i = (i + 1) & (nc - 1);
            t[i] = k;
        }
        sf(st, st->stab);
        st->stab = t;
        st->capstab = nc;
    }
    if (st->nshapes >= CHANGED - 1 ||
        !more(st, (void **)&st->shapes, &st->capshapes, st->nshapes, sizeof *st->shapes))
        return 0;
    st->shapes[st->nshapes++] = (shape){head, tail};
    uint32_t i = pair_hash(head, tail) & (st->capstab - 1);
    while (st->stab[i])
        i = (i + 1) & (st->capstab - 1);
    st->stab[i] = st->nshapes;
    return st->nshapes;
}

/* The (user, shape) of key; false when a part was never interned (and
 * intern is off) or memory ran out. */
static bool key_ids(cbr_state *st, const char *key, size_t n, bool intern, uint32_t *user, uint32_t *shp)
{
    parts p;
    split(key, n, &p);
    uint32_t id[3] = {0, 0, 0};
    for (uint32_t i = 0; i < p.n; i++) {
        const char *s = key + p.off[i];
        id[i] = intern ? atom_intern(st, s, p.len[i]) : atom_find(st, s, p.len[i], cbrhash_fnv32(s, p.len[i]));
        if (!id[i])
            return false;
    }
    *user = id[1];
    *shp = intern ? shape_intern(st, id[0], id[2]) : shape_find(st, id[0], id[2]);
    return *shp != 0;
}

/* ---- counters ---- */

static slot *find(const cbr_state *st, uint32_t user, uint32_t shp)
{
    for (size_t i = pair_hash(user, shp) & (st->cap - 1);; i = (i + 1) & (st->cap - 1)) {
        slot *s = &st->slots[i];
        if (!s->shape || (s->user == user && SHAPE_ID(s->shape) == shp))
            return s;
    }
}

static bool grow(cbr_state *st)
{
    size_t nc = st->cap * 2;
    slot *t = zalloc(st->alloc, st->ud, (size_t)(nc) * sizeof *t);
    if (!t)
        return false;
    for (size_t i = 0; i < st->cap; i++) {
        slot *s = &st->slots[i];
        if (!s->shape)
            continue;
        size_t j = pair_hash(s->user, SHAPE_ID(s->shape)) & (nc - 1);
        while (t[j].shape)
            j = (j + 1) & (nc - 1);
        t[j] = *s;
    }
    sf(st, st->slots);
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
    uint32_t user, shp;
    if (!key_ids((cbr_state *)st, key, n, false, &user, &shp))
        return 0;
    slot *s = find(st, user, shp);
    return s->shape ? s->value : 0;
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
    /* Growing the table and interning parts change no counter, so they
     * come first: afterwards nothing can fail, and each key is looked up
     * once here (settling read the row's counters just before). */
    if (!reserve_room(st, n))
        return CBR_ERR_NOMEM;
    slot *at[16], **where = n <= 16 ? at : sa(st, n * sizeof *where);
    uint32_t ut[16], stt[16], *user = n <= 16 ? ut : sa(st, n * sizeof *user),
                              *shp = n <= 16 ? stt : sa(st, n * sizeof *shp);
    cbr_status rc = where && user && shp ? CBR_OK : CBR_ERR_NOMEM;
    bool ok = true;
    for (size_t i = 0; rc == CBR_OK && i < n; i++) {
        if (!key_ids(st, items[i].key, items[i].len, true, &user[i], &shp[i])) {
            rc = CBR_ERR_NOMEM; /* only unused atoms were added */
            break;
        }
        where[i] = find(st, user[i], shp[i]);
        items[i].value = where[i]->shape ? where[i]->value : 0;
        ok = ok && fits(items[i].value, items[i].delta, items[i].max);
    }
    if (rc == CBR_OK && ok && st->tracking && st->nchanges + n > st->capchanges) {
        size_t nc = (st->nchanges + n) * 2 + 64;
        struct change *q = st->alloc(st->ud, st->changes, nc * sizeof *q);
        if (q) {
            st->changes = q;
            st->capchanges = nc;
        } else {
            rc = CBR_ERR_NOMEM;
        }
    }
    if (rc == CBR_OK && ok) {
        for (size_t i = 0; i < n; i++) {
            slot *s = where[i];
            if (SHAPE_ID(s->shape) != shp[i] || s->user != user[i]) {
                /* New: another new key of this call may have taken the
                 * empty slot found for it. */
                s = find(st, user[i], shp[i]);
                if (!s->shape) {
                    *s = (slot){user[i], shp[i], 0};
                    st->count++;
                }
            }
            s->value += items[i].delta;
            if (st->tracking && !(s->shape & CHANGED)) {
                s->shape |= CHANGED;
                st->changes[st->nchanges++] = (struct change){s->user, shp[i]};
            }
        }
        *granted = 1;
    }
    if (where != at)
        sf(st, where);
    if (user != ut)
        sf(st, user);
    if (shp != stt)
        sf(st, shp);
    return rc;
}

static cbr_status state_record_get(void *ud, const char *key, size_t len, const void **data, size_t *n)
{
    const cbr_state *st = ud;
    return cbrx_records_get(st->records, key, len, data, n);
}

static cbr_status state_record_put(void *ud, const char *key, size_t len, const void *data, size_t n,
                                   int64_t due, int64_t at)
{
    cbr_state *st = ud;
    return cbrx_records_put(&st->records, st->alloc, st->ud, key, len, data, n, due, at);
}

cbr_store cbr_state_store(cbr_state *st)
{
    cbr_store s = {.size = sizeof s, .ud = st, .get = state_get, .reserve = state_reserve,
                   .record_get = state_record_get, .record_put = state_record_put};
    return s;
}

cbr_status cbr_state_vest(cbr_state *st, int64_t at, cbr_vest_fn fn, void *ud, cbr_error *err)
{
    if (!st)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_state_vest: no state");
    return cbrx_records_vest(st->records, st->alloc, st->ud, at, fn, ud, err);
}

/* ---- change tracking ---- */

void cbr_state_track_changes(cbr_state *st, int on)
{
    if (st)
        st->tracking = on != 0;
}

static size_t key_text(const cbr_state *st, const slot *s, char *out);

cbr_status cbr_state_each_change(const cbr_state *st, cbr_change_fn fn, void *ud, cbr_error *err)
{
    if (!st || !fn)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_state_each_change: no state or no function");
    char small[256], *buf = small;
    size_t cap = sizeof small;
    cbr_status rc = CBR_OK;
    for (size_t i = 0; rc == CBR_OK && i < st->nchanges; i++) {
        const slot *s = find(st, st->changes[i].user, st->changes[i].shape);
        size_t n = key_text(st, s, NULL);
        if (n > cap) {
            char *b = sa(st, n);
            if (!b) {
                rc = cbrx_status(err, CBR_ERR_NOMEM, "out of memory writing a changed counter's key");
                break;
            }
            if (buf != small)
                sf(st, buf);
            buf = b;
            cap = n;
        }
        key_text(st, s, buf);
        rc = fn(ud, buf, n, s->value);
        if (rc != CBR_OK)
            cbrx_status(err, rc, "stopped at counter %.*s", (int)(n < 200 ? n : 200), buf);
    }
    if (buf != small)
        sf(st, buf);
    return rc;
}

void cbr_state_forget_changes(cbr_state *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->nchanges; i++)
        find(st, st->changes[i].user, st->changes[i].shape)->shape &= ~CHANGED;
    st->nchanges = 0;
}

/* ---- snapshots ---- */

/* The length of the key of s; with out, its text too (room is the caller's). */
static size_t key_text(const cbr_state *st, const slot *s, char *out)
{
    const shape *sh = &st->shapes[SHAPE_ID(s->shape) - 1];
    uint32_t id[3] = {sh->head, s->user, sh->tail};
    size_t n = 0;
    for (int i = 0; i < 3 && id[i]; i++) {
        uint32_t len;
        const char *t = atom_text(st, id[i], &len);
        if (i && out)
            out[n] = '|';
        n += i > 0;
        if (out)
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

cbr_status cbr_state_save(const cbr_state *st, char **data, size_t *len, cbr_error *err)
{
    if (!st || !data || !len)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_state_save: no state or no place for the snapshot");
    size_t keybytes = 0;
    for (size_t i = 0; i < st->cap; i++)
        if (st->slots[i].shape)
            keybytes += key_text(st, &st->slots[i], NULL);
    entry *order = sa(st, (st->count + 1) * sizeof *order);
    char *keys = sa(st, keybytes + 1);
    char *out = cbrx_buf_new(st->alloc, st->ud, keybytes + st->count * 22 + 1);
    if (!order || !keys || !out) {
        sf(st, order);
        sf(st, keys);
        cbr_free(out);
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory writing the state's %zu counters", st->count);
    }
    size_t n = 0, at = 0;
    for (size_t i = 0; i < st->cap; i++)
        if (st->slots[i].shape) {
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
    sf(st, order);
    sf(st, keys);
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

static void *dup(const cbr_state *st, const void *p, size_t n)
{
    void *q = n ? sa(st, n) : NULL;
    if (q)
        memcpy(q, p, n);
    return q;
}

/* A copy of st that shares nothing with it. */
static cbr_state *clone(const cbr_state *st)
{
    cbr_state *c = zalloc(st->alloc, st->ud, sizeof *c);
    if (!c)
        return NULL;
    *c = *st;
    c->records = NULL; /* the ledger is not in snapshots: it stays with st */
    c->slots = dup(st, st->slots, st->cap * sizeof *c->slots);
    c->atab = dup(st, st->atab, st->capatab * sizeof *c->atab);
    c->stab = dup(st, st->stab, st->capstab * sizeof *c->stab);
    c->atoms = dup(st, st->atoms, st->capatoms * sizeof *c->atoms);
    c->shapes = dup(st, st->shapes, st->capshapes * sizeof *c->shapes);
    c->bytes = dup(st, st->bytes, st->capbytes);
    c->changes = dup(st, st->changes, st->capchanges * sizeof *c->changes);
    if (!c->slots || !c->atab || !c->stab || (st->capatoms && !c->atoms) || (st->capshapes && !c->shapes) ||
        (st->capbytes && !c->bytes) ||
        (st->capchanges && !c->changes)) {
        cbr_state_free(c);
        return NULL;
    }
    return c;
}

cbr_status cbr_state_load(cbr_state *st, const char *data, size_t len, cbr_error *err)
{
    if (!st || (!data && len))
        return cbrx_fail(err, CBR_ERR_ARG, "no state"), CBR_ERR_ARG;
    /* Load into a copy and keep it only when every line went in, so that a
     * bad snapshot, an overflow or a failed allocation changes nothing. */
    cbr_state *t = st->count || st->nchanges ? clone(st) : cbrx_state_new(st->alloc, st->ud);
    if (!t)
        return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory loading the state"), CBR_ERR_NOMEM;
    t->tracking = st->tracking; /* what a load adds is a change like any other */
    cbr_status s = load_into(t, data, len, err);
    if (s == CBR_OK) {
        cbr_state old = *st;
        *st = *t;
        *t = old;
        st->records = old.records;
        t->records = NULL;
    }
    cbr_state_free(t);
    return s;
}
