/* ledger.c: the limit and budget counters cbr-stream evaluates against.
 *
 * libcbr's own in-memory state (cbr_state), loaded whole from SQLite at
 * start, with change tracking on: each reservation remembers the counters
 * it changed, and store.c writes exactly those inside the batch's
 * transaction, next to the outbox and the offsets, so the table on disk
 * always matches the offsets it was counted up to.  Reads never touch
 * SQLite. */
#include "config.h"
#include <stdlib.h>
#include "hosts/stream/stream.h"

struct stream_ledger {
    cbr_state *st;
};

stream_ledger *stream_ledger_new(void)
{
    stream_ledger *l = calloc(1, sizeof *l);
    if (l && cbr_state_new(NULL, &l->st, NULL) != CBR_OK) {
        free(l);
        return NULL;
    }
    return l;
}

void stream_ledger_free(stream_ledger *l)
{
    if (!l)
        return;
    cbr_state_free(l->st);
    free(l);
}

size_t stream_ledger_count(const stream_ledger *l) { return cbr_state_count(l->st); }

/* Loading is not a change: what comes from the store is already there, so
 * tracking starts only when the load is over. */
bool stream_ledger_load(stream_ledger *l, const char *key, size_t len, int64_t value)
{
    cbr_store s = cbr_state_store(l->st);
    cbr_reservation r = {key, len, value, INT64_MAX, 0};
    int granted = 0;
    return s.reserve(s.ud, &r, 1, &granted) == CBR_OK && granted;
}

void stream_ledger_loaded(stream_ledger *l) { cbr_state_track_changes(l->st, 1); }

/* Counters only: the award ledger's records would stay in memory for the
 * life of the process (they are not written to SQLite yet), so cbr-stream
 * keeps none: a refund reverses nothing and a duplicate is not refused
 * here (doc/stream.md). */
cbr_store stream_ledger_store(stream_ledger *l)
{
    cbr_store s = cbr_state_store(l->st);
    s.record_get = NULL;
    s.record_put = NULL;
    return s;
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

void stream_ledger_clean(stream_ledger *l) { cbr_state_forget_changes(l->st); }
