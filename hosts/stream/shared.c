/* shared.c: a fleet's budgets and totals, spent through leases.
 *
 * A campaign or offer budget and a `limit N total` are counters every
 * instance of a fleet spends (keys b|, c| and t|).  Reading and locking
 * one row of PostgreSQL per award would serialize the fleet on it, so each
 * instance holds a lease: room reserved for it alone in one short
 * transaction of its own (stream_store_lease), spent locally without a
 * round trip, and written as spent in the batch's transaction
 * (stream_store_spend), which refuses to spend room the lease no longer
 * has.  The database keeps what was spent plus every lease's room within
 * the maximum, so no instance, however it fails, can spend past it; a dead
 * instance's room comes back when its lease expires.
 *
 * Per key this instance knows:
 *   claims  what is spent or leased by the others, as of the last lease
 *           (plus what this instance has committed since)
 *   room    its lease's room, as the database holds it
 *   spent   what the batch in hand has taken of that room (uncommitted)
 *   back    what the batch's refunds give back (uncommitted; to the pool)
 * A counter's value as evaluation sees it is claims + spent: the room the
 * others hold is as good as spent.  A key is read from the database the
 * first time it is named; the first reservation leases, and when it
 * cannot have what evaluation counted on it refuses with the value as it
 * is, and the row is decided again (include/cbr.h: reserve's contract). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hosts/json.h"
#include "hosts/strmap.h"
#include "hosts/stream/stream.h"

typedef struct lease {
    hsmap_key k;
    int64_t max;           /* the bound the last reservation named */
    int64_t claims, room, spent, back;
    bool dry;              /* this batch found no room left in the pool */
    bool known;            /* claims come from the database */
} lease;

struct stream_shared {
    stream_store *store;
    const char *owner;
    int slice_pct;
    long seconds;
    hsmap leases;          /* of lease */
    int64_t renewed_ms;
};

bool stream_key_shared(const char *key, size_t n)
{
    /* Per user: n| a| (limits), k| s| (tallies).  Anything else is shared:
     * a kind this build does not know is safest leased. */
    return !(n >= 2 && key[1] == '|' && strchr("nask", key[0]));
}

stream_shared *stream_shared_new(stream_store *store, const char *owner, int slice_pct, long seconds)
{
    stream_shared *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->store = store;
    s->owner = owner;
    s->slice_pct = slice_pct;
    s->seconds = seconds;
    s->renewed_ms = stream_now_ms();
    hsmap_init(&s->leases, sizeof(lease), 64);
    return s;
}

void stream_shared_forget(stream_shared *s)
{
    hsmap_clear(&s->leases);
}

void stream_shared_free(stream_shared *s)
{
    if (!s)
        return;
    stream_shared_forget(s);
    free(s);
}

/* The key's entry, made when absent; NULL when memory runs out. */
static lease *entry(stream_shared *s, const char *key, size_t n)
{
    bool added;
    lease *e = hsmap_get(&s->leases, key, n, &added);
    if (e && added)
        e->max = INT64_MAX;
    return e;
}

/* Slot i of the table, for going through it. */
static lease *at(const stream_shared *s, size_t i) { return hsmap_slot(&s->leases, i); }

static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    return __builtin_add_overflow(a, b, &r) ? (b > 0 ? INT64_MAX : INT64_MIN) : r;
}

/* e's entry made, its claims read once: a refund must see what was spent
 * to give it back (the VM never gives back more than a counter holds). */
static lease *known(stream_shared *s, const char *key, size_t n)
{
    lease *e = entry(s, key, n);
    if (e && !e->known) {
        int64_t claims;
        if (stream_store_peek(s->store, key, n, s->owner, &claims) != 0)
            return NULL;
        e->claims = claims;
        e->known = true;
    }
    return e;
}

cbr_status stream_shared_get(stream_shared *s, const char *key, size_t n, int64_t *v)
{
    lease *e = known(s, key, n);
    if (!e)
        return CBR_ERR_IO;
    *v = sat_add(e->claims, e->spent);
    return CBR_OK;
}

/* More room for e: at least need, a slice when the pool has it. */
static cbr_status lease_more(stream_shared *s, lease *e, int64_t need)
{
    int64_t slice = e->max / 100 * s->slice_pct + e->max % 100 * s->slice_pct / 100;
    if (slice < 1)
        slice = 1;
    int64_t granted = 0, claims = 0;
    if (stream_store_lease(s->store, e->k.key, e->k.n, e->max, need, slice, s->owner, s->seconds, &granted, &claims))
        return CBR_ERR_IO;
    e->room = sat_add(e->room, granted);
    e->claims = claims;
    e->known = true;
    /* Nothing left for anyone: asking again within the batch is a round
     * trip that can only say no. */
    e->dry = sat_add(claims, e->room) >= e->max;
    return CBR_OK;
}

cbr_status stream_shared_check(stream_shared *s, const char *key, size_t n, int64_t delta, int64_t max,
                               int64_t *value, bool *fits)
{
    lease *e = known(s, key, n);
    if (!e)
        return CBR_ERR_IO;
    *value = sat_add(e->claims, e->spent);
    *fits = true;
    if (delta <= 0)
        return CBR_OK;
    if (max != e->max) {
        /* A new bound (the rules were reloaded): what was known of the pool
         * under the old one says nothing of the new one. */
        e->max = max;
        e->dry = false;
    }
    int64_t left = e->room - e->spent;
    if (delta > left && !e->dry) {
        cbr_status st = lease_more(s, e, delta - left);
        if (st != CBR_OK)
            return st;
        left = e->room - e->spent;
        *value = sat_add(e->claims, e->spent);
    }
    if (delta > left) {
        /* The value that leaves exactly this lease's room, so that the row
         * decided again asks for no more than it can have. */
        *fits = false;
        *value = max - (left > 0 ? left : 0);
        e->claims = *value - e->spent;
    }
    return CBR_OK;
}

void stream_shared_take(stream_shared *s, const char *key, size_t n, int64_t delta)
{
    lease *e = hsmap_find(&s->leases, key, n); /* stream_shared_check made it */
    if (delta > 0)
        e->spent += delta;
    else
        e->back += delta;
}

static int cmp_lease(const void *a, const void *b)
{
    const lease *x = *(const lease *const *)a, *y = *(const lease *const *)b;
    int c = memcmp(x->k.key, y->k.key, x->k.n < y->k.n ? x->k.n : y->k.n);
    return c ? c : (x->k.n > y->k.n) - (x->k.n < y->k.n);
}

int stream_shared_write(stream_shared *s)
{
    /* In key order: two instances' batches then lock the rows they share
     * in the same order, and never wait for each other in a circle. */
    const lease **v = s->leases.n ? malloc(s->leases.n * sizeof *v) : NULL;
    size_t n = 0;
    if (s->leases.n && !v) {
        fprintf(stderr, STREAM_PROG ": out of memory writing the shared counters\n");
        return -1;
    }
    for (size_t i = 0; i < s->leases.cap; i++) {
        const lease *e = at(s, i);
        if (e->k.key && (e->spent || e->back))
            v[n++] = e;
    }
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_lease);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const lease *e = v[i];
        rc = e->spent ? stream_store_spend(s->store, e->k.key, e->k.n, e->spent, s->owner, s->seconds) : 0;
        if (rc == 0 && e->back)
            rc = stream_store_spend(s->store, e->k.key, e->k.n, e->back, s->owner, s->seconds);
    }
    free(v);
    return rc;
}

void stream_shared_committed(stream_shared *s)
{
    for (size_t i = 0; i < s->leases.cap; i++) {
        lease *e = at(s, i);
        if (!e->k.key)
            continue;
        e->claims = sat_add(e->claims, sat_add(e->spent, e->back));
        e->room -= e->spent;
        e->spent = e->back = 0;
        e->dry = false;
    }
}

void stream_shared_abandon(stream_shared *s)
{
    for (size_t i = 0; i < s->leases.cap; i++) {
        lease *e = at(s, i);
        e->spent = e->back = 0;
        e->dry = false;
    }
}

int stream_shared_release(stream_shared *s)
{
    stream_shared_forget(s);
    return stream_store_release(s->store, s->owner);
}

int stream_shared_renew(stream_shared *s)
{
    /* A third of the lease time: two renewals may fail before it expires. */
    int64_t now = stream_now_ms();
    if (now - s->renewed_ms < s->seconds * 1000 / 3)
        return 0;
    s->renewed_ms = now;
    return s->leases.n ? stream_store_renew(s->store, s->owner, s->seconds) : 0;
}

size_t stream_shared_each(const stream_shared *s, void (*fn)(void *ud, const char *key, size_t n, int64_t room),
                          void *ud)
{
    size_t held = 0;
    for (size_t i = 0; i < s->leases.cap; i++) {
        const lease *e = at(s, i);
        if (e->k.key && e->room > 0) {
            held++;
            if (fn)
                fn(ud, e->k.key, e->k.n, e->room - e->spent);
        }
    }
    return held;
}
