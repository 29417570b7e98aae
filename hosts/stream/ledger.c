/* ledger.c: the store cbr-stream evaluates against: counters and records.
 *
 * Counters (limits, budgets, tallies) are libcbr's own in-memory state
 * (cbr_state), loaded whole from SQLite at start (a fleet's: those of the
 * batch's users, per batch, and its shared ones leased, shared.c), with
 * change tracking on:
 * each reservation remembers the counters it changed, and store.c writes
 * exactly those inside the batch's transaction, next to the outbox and the
 * offsets, so the table on disk always matches the offsets it was counted
 * up to.  Reading a counter never touches SQLite.  The award ledger's
 * records are many more and read rarely (a duplicate, a refund): they stay
 * in SQLite and are read as a batch names them (records.c). */
#include "config.h"
#include <stdlib.h>
#include "hosts/stream/stream.h"

struct stream_ledger {
    cbr_state *st;
    cbr_store counters;          /* st's own store */
    stream_records *records;
    stream_shared *shared;       /* a fleet's leased counters; NULL for one instance */
    cbr_reservation *mine;       /* reserve's per-user items (a fleet's) */
    size_t capmine;
};

stream_ledger *stream_ledger_new(stream_store *store, stream_shared *shared)
{
    stream_ledger *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->shared = shared;
    if (cbr_state_new(NULL, &l->st, NULL) != CBR_OK || !(l->records = stream_records_new(store))) {
        stream_ledger_free(l);
        return NULL;
    }
    l->counters = cbr_state_store(l->st);
    return l;
}

/* A fleet's batch starts from the store: the counters of its users only
 * (another instance may have changed any other user's since). */
bool stream_ledger_reset(stream_ledger *l)
{
    cbr_state *st;
    if (cbr_state_new(NULL, &st, NULL) != CBR_OK)
        return false;
    cbr_state_free(l->st);
    l->st = st;
    l->counters = cbr_state_store(st);
    stream_records_clear(l->records);
    return true;
}

void stream_ledger_free(stream_ledger *l)
{
    if (!l)
        return;
    cbr_state_free(l->st);
    stream_records_free(l->records);
    free(l->mine);
    free(l);
}

size_t stream_ledger_count(const stream_ledger *l) { return cbr_state_count(l->st); }

/* Loading is not a change: what comes from the store is already there, so
 * tracking starts only when the load is over. */
bool stream_ledger_load(stream_ledger *l, const char *key, size_t len, int64_t value)
{
    cbr_reservation r = {key, len, value, INT64_MAX, 0};
    int granted = 0;
    return l->counters.reserve(l->counters.ud, &r, 1, &granted) == CBR_OK && granted;
}

void stream_ledger_loaded(stream_ledger *l) { cbr_state_track_changes(l->st, 1); }

static cbr_status get(void *ud, const char *key, size_t len, int64_t *v)
{
    stream_ledger *l = ud;
    if (l->shared && stream_key_shared(key, len))
        return stream_shared_get(l->shared, key, len, v);
    return l->counters.get(l->counters.ud, key, len, v);
}

/* A fleet's reservation: the shared items must fit their leases (leasing
 * more when they do not), then the per-user ones are reserved in memory
 * as one instance's are; only when both hold is the leased room taken. */
static cbr_status reserve_fleet(stream_ledger *l, cbr_reservation *items, size_t n, int *granted)
{
    *granted = 0;
    if (n > l->capmine) {
        cbr_reservation *m = realloc(l->mine, n * sizeof *m);
        if (!m)
            return CBR_ERR_NOMEM;
        l->mine = m;
        l->capmine = n;
    }
    bool fit = true;
    size_t nmine = 0;
    for (size_t i = 0; i < n; i++) {
        cbr_reservation *r = &items[i];
        if (!stream_key_shared(r->key, r->len)) {
            l->mine[nmine++] = *r;
            continue;
        }
        bool fits;
        cbr_status st = stream_shared_check(l->shared, r->key, r->len, r->delta, r->max, &r->value, &fits);
        if (st != CBR_OK)
            return st;
        fit &= fits;
    }
    int ok = 1;
    if (fit && nmine) {
        cbr_status st = l->counters.reserve(l->counters.ud, l->mine, nmine, &ok);
        if (st != CBR_OK)
            return st;
    } else {
        for (size_t i = 0; i < nmine; i++)
            if (l->counters.get(l->counters.ud, l->mine[i].key, l->mine[i].len, &l->mine[i].value) != CBR_OK)
                return CBR_ERR_IO;
    }
    for (size_t i = 0, k = 0; i < n; i++)
        if (!stream_key_shared(items[i].key, items[i].len))
            items[i].value = l->mine[k++].value;
    if (!fit || !ok)
        return CBR_OK;
    for (size_t i = 0; i < n; i++)
        if (stream_key_shared(items[i].key, items[i].len))
            stream_shared_take(l->shared, items[i].key, items[i].len, items[i].delta);
    *granted = 1;
    return CBR_OK;
}

static cbr_status reserve(void *ud, cbr_reservation *items, size_t n, int *granted)
{
    stream_ledger *l = ud;
    if (l->shared)
        return reserve_fleet(l, items, n, granted);
    return l->counters.reserve(l->counters.ud, items, n, granted);
}

static cbr_status record_get(void *ud, const char *key, size_t len, const void **data, size_t *n)
{
    return stream_records_get(((stream_ledger *)ud)->records, key, len, data, n);
}

static cbr_status record_put(void *ud, const char *key, size_t len, const void *data, size_t n, int64_t due,
                             int64_t at)
{
    return stream_records_put(((stream_ledger *)ud)->records, key, len, data, n, due, at);
}

stream_records *stream_ledger_records(stream_ledger *l) { return l->records; }

cbr_store stream_ledger_store(stream_ledger *l)
{
    return (cbr_store){.size = sizeof(cbr_store), .ud = l, .get = get, .reserve = reserve,
                       .record_get = record_get, .record_put = record_put};
}

typedef struct dirty_walk {
    int (*fn)(void *ud, const char *key, size_t len, int64_t v);
    void *ud;
    int rc;
} dirty_walk;

static cbr_status each_dirty(void *ud, const char *key, size_t len, int64_t v)
{
    dirty_walk *w = ud;
    w->rc = w->fn(w->ud, key, len, v);
    return w->rc ? CBR_ERR_IO : CBR_OK;
}

int stream_ledger_each_dirty(stream_ledger *l, int (*fn)(void *ud, const char *key, size_t len, int64_t v),
                             void *ud)
{
    dirty_walk w = {fn, ud, 0};
    cbr_status st = cbr_state_each_change(l->st, each_dirty, &w, NULL);
    return st == CBR_OK ? 0 : w.rc ? w.rc : -1;
}

int stream_ledger_write_records(stream_ledger *l) { return stream_records_write(l->records); }

void stream_ledger_clean(stream_ledger *l)
{
    cbr_state_forget_changes(l->st);
    stream_records_clear(l->records);
    if (l->shared)
        stream_shared_committed(l->shared);
}
