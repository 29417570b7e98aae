/* state.c: the in-memory store of limit and budget counters (cbr_state).
 *
 * An open-addressing hash table from key text to a 64-bit value.  Keys are
 * copied once, when first added; lookups on the hot path copy nothing.  The
 * snapshot is plain sorted text so that an operator can read, diff and, if a
 * day must be replayed, edit it. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "include/cbr.h"
#include "vm/program.h"

typedef struct slot {
    char *key;          /* NULL: empty */
    uint32_t len, hash;
    int64_t value;
} slot;

struct cbr_state {
    slot *slots;
    size_t cap, count;
};

cbr_state *cbr_state_new(void)
{
    cbr_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->cap = 1024;
    st->slots = calloc(st->cap, sizeof *st->slots);
    if (!st->slots) {
        free(st);
        return NULL;
    }
    return st;
}

void cbr_state_free(cbr_state *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->cap; i++)
        free(st->slots[i].key);
    free(st->slots);
    free(st);
}

size_t cbr_state_count(const cbr_state *st) { return st ? st->count : 0; }

static slot *find(const cbr_state *st, const char *key, size_t n, uint32_t h)
{
    for (size_t i = h & (st->cap - 1);; i = (i + 1) & (st->cap - 1)) {
        slot *s = &st->slots[i];
        if (!s->key || (s->hash == h && s->len == n && !memcmp(s->key, key, n)))
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
        if (!s->key)
            continue;
        size_t j = s->hash & (nc - 1);
        while (t[j].key)
            j = (j + 1) & (nc - 1);
        t[j] = *s;
    }
    free(st->slots);
    st->slots = t;
    st->cap = nc;
    return true;
}

static cbr_status state_get(void *ud, const char *key, size_t n, int64_t *value)
{
    cbr_state *st = ud;
    slot *s = find(st, key, n, cbrx_hash32(key, n));
    *value = s->key ? s->value : 0;
    return CBR_OK;
}

static cbr_status state_add(void *ud, const char *key, size_t n, int64_t delta)
{
    cbr_state *st = ud;
    if (n > UINT32_MAX)
        return CBR_ERR_LIMIT;
    if ((st->count + 1) * 2 > st->cap && !grow(st))
        return CBR_ERR_NOMEM;
    uint32_t h = cbrx_hash32(key, n);
    slot *s = find(st, key, n, h);
    if (!s->key) {
        s->key = malloc(n + 1);
        if (!s->key)
            return CBR_ERR_NOMEM;
        memcpy(s->key, key, n);
        s->key[n] = '\0';
        s->len = (uint32_t)n;
        s->hash = h;
        s->value = 0;
        st->count++;
    }
    if (__builtin_add_overflow(s->value, delta, &s->value))
        return CBR_ERR_LIMIT;
    return CBR_OK;
}

cbr_store cbr_state_store(cbr_state *st)
{
    cbr_store s = {st, state_get, state_add};
    return s;
}

static int by_key(const void *a, const void *b)
{
    const slot *x = *(const slot *const *)a, *y = *(const slot *const *)b;
    int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

cbr_status cbr_state_save(const cbr_state *st, char **data, size_t *len)
{
    if (!st || !data || !len)
        return CBR_ERR_ARG;
    const slot **order = malloc((st->count + 1) * sizeof *order);
    size_t n = 0, bytes = 1;
    if (!order)
        return CBR_ERR_NOMEM;
    for (size_t i = 0; i < st->cap; i++)
        if (st->slots[i].key) {
            order[n++] = &st->slots[i];
            bytes += st->slots[i].len + 24;
        }
    qsort(order, n, sizeof *order, by_key);
    char *out = malloc(bytes), *p = out;
    if (!out) {
        free(order);
        return CBR_ERR_NOMEM;
    }
    *p = '\0';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s\t%lld\n", order[i]->key, (long long)order[i]->value);
    free(order);
    *data = out;
    *len = (size_t)(p - out);
    return CBR_OK;
}

/* One line: a key without tabs or newlines, a tab, a whole number. */
static bool parse_line(const char *s, size_t n, size_t *klen, int64_t *value)
{
    const char *tab = memchr(s, '\t', n);
    if (!tab || tab == s)
        return false;
    *klen = (size_t)(tab - s);
    const char *v = tab + 1, *end = s + n;
    bool neg = v < end && *v == '-';
    v += neg;
    if (v == end)
        return false;
    uint64_t x = 0;
    for (; v < end; v++) {
        if (*v < '0' || *v > '9' || x > (uint64_t)INT64_MAX / 10)
            return false;
        x = x * 10 + (uint64_t)(*v - '0');
    }
    if (x > (uint64_t)INT64_MAX)
        return false;
    *value = neg ? -(int64_t)x : (int64_t)x;
    return true;
}

cbr_status cbr_state_load(cbr_state *st, const char *data, size_t len, cbr_error *err)
{
    if (!st || (!data && len))
        return cbrx_fail(err, CBR_ERR_ARG, "no state"), CBR_ERR_ARG;
    /* Check every line first, so a bad snapshot changes nothing. */
    for (int pass = 0; pass < 2; pass++) {
        size_t line = 1;
        for (size_t i = 0; i < len; line++) {
            const char *nl = memchr(data + i, '\n', len - i);
            size_t n = nl ? (size_t)(nl - (data + i)) : len - i;
            size_t klen;
            int64_t v;
            if (n > 0 && !parse_line(data + i, n, &klen, &v))
                return cbrx_fail(err, CBR_ERR_RECORD, "line %zu: expected KEY<TAB>NUMBER", line),
                       CBR_ERR_RECORD;
            if (pass == 1 && n > 0) {
                cbr_status s = state_add(st, data + i, klen, v);
                if (s != CBR_OK)
                    return cbrx_fail(err, s, "line %zu: %s", line, cbr_status_text(s)), s;
            }
            i += n + 1;
        }
    }
    return CBR_OK;
}
