/* vest.c: cbr-stream's vesting timer.
 *
 * Every --vest-every seconds, between batches, the records with an award
 * due at or before the clock are read from the store's ledger (by its
 * index on the due moment, a chunk at a time so memory stays small after a
 * long stop), vested with cbr_ledger_vest, and written back in one
 * transaction with their vest events in the outbox; Kafka sees the events
 * after the commit, as it does a batch's.  A crash before the commit vests
 * nothing; after it, the outbox sends the events: each is paid once. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hosts/stream/stream.h"

enum { CHUNK = 512 };

typedef struct due_rec {
    char *key, *data;
    size_t n, len;
    int64_t due, at;
    char *vested;            /* the record after, from cbr_ledger_vest */
    size_t vlen;
} due_rec;

typedef struct due_list {
    due_rec v[CHUNK];
    size_t n;
} due_list;

static int take(void *ud, const char *key, size_t n, const void *data, size_t len, int64_t at)
{
    due_list *l = ud;
    due_rec *r = &l->v[l->n];
    *r = (due_rec){.key = stream_dup(key, n), .n = n, .data = stream_dup(data, len), .len = len, .at = at};
    l->n++;
    return r->key && r->data ? 0 : -1;
}

static void drop(due_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].key);
        free(l->v[i].data);
        cbr_free(l->v[i].vested);
    }
    l->n = 0;
}

/* A vest event's timestamp is the moment it vested (UTC). */
static void on_vest(void *ud, const cbr_award *a)
{
    stream_event_ud *v = ud;
    char when[32];
    time_t t = (time_t)a->vests_at;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(when, sizeof when, "%.10s", a->vests);
    if (stream_event_add(v->h, a, a->tid, when, NULL) != 0)
        v->oom = true;
}

static void clear_out(stream_host *h)
{
    for (size_t i = 0; i < h->nout; i++)
        stream_msg_clear(&h->out[i]);
    h->nout = 0;
}

/* The records after vesting, in the transaction of their events. */
static int write_vested(stream_host *h, void *ud)
{
    const due_list *l = ud;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < l->n; i++)
        if (l->v[i].vested)
            rc = stream_store_put_record(h->store, l->v[i].key, l->v[i].n, l->v[i].vested, l->v[i].vlen,
                                         l->v[i].due, l->v[i].at);
    return rc;
}

/* One chunk; *more when it was full (there may be more due). */
static int vest_chunk(stream_host *h, int64_t now, due_list *l, bool *more)
{
    *more = false;
    if (stream_store_each_due(h->store, now, CHUNK, take, l) != 0) {
        fprintf(stderr, STREAM_PROG ": out of memory reading the pending awards\n");
        return -1;
    }
    if (l->n == 0)
        return 0;
    stream_event_ud vu = {h, false};
    for (size_t i = 0; i < l->n; i++) {
        due_rec *r = &l->v[i];
        cbr_error err;
        if (cbr_ledger_vest(NULL, r->data, r->len, now, on_vest, &vu, &r->vested, &r->vlen, &r->due, &err) !=
            CBR_OK) {
            fprintf(stderr, STREAM_PROG ": %s: the ledger record %.*s cannot be vested: %s\n", h->cfg->state,
                    (int)r->n, r->key, err.message);
            return -1;
        }
    }
    if (vu.oom) {
        fprintf(stderr, STREAM_PROG ": out of memory vesting\n");
        return -1;
    }
    if (stream_commit_out(h, write_vested, l) != 0)
        return -1;
    if (h->nout)
        fprintf(stderr, STREAM_PROG ": vested %zu awards of %zu ledger records\n", h->nout, l->n);
    stream_events_committed(h);
    *more = l->n == CHUNK;
    return 0;
}

int stream_vest_due(stream_host *h)
{
    if (h->fatal)
        return -1;
    int64_t now = (int64_t)time(NULL);
    due_list *l = calloc(1, sizeof *l);
    bool more = l != NULL;
    int rc = l ? 0 : -1;
    while (rc == 0 && more && !stream_stop) {
        rc = vest_chunk(h, now, l, &more);
        clear_out(h);
        drop(l);
    }
    free(l);
    if (rc != 0) {
        fprintf(stderr, STREAM_PROG ": pending awards could not be vested; stopping\n");
        h->fatal = true;
        stream_stop = 1;
    }
    return rc;
}

int stream_vest_maybe(stream_host *h)
{
    if (h->cfg->vest_every_s <= 0 || stream_now_ms() < h->next_vest_ms)
        return 0;
    h->next_vest_ms = stream_now_ms() + h->cfg->vest_every_s * 1000;
    return stream_vest_due(h);
}
