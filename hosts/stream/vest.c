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
    int32_t part;            /* the input partition of its purchase */
    char *vested;            /* the record after, from cbr_ledger_vest */
    size_t vlen;
} due_rec;

typedef struct due_list {
    due_rec v[CHUNK];
    size_t n;
    /* a fleet's: the partitions this instance owns, and their epochs */
    int32_t *parts;
    int64_t *epochs;
    size_t nparts;
} due_list;

static int take(void *ud, const char *key, size_t n, const void *data, size_t len, int64_t at, int32_t part)
{
    due_list *l = ud;
    due_rec *r = &l->v[l->n];
    *r = (due_rec){.key = stream_dup(key, n), .n = n, .data = stream_dup(data, len), .len = len, .at = at,
                   .part = part};
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
    /* A fleet's vesting is its partitions' owner's: another instance that
     * took one since may be vesting its records too. */
    int rc = stream_store_shared(h->store)
                 ? stream_store_fence(h->store, h->cfg->topic, l->parts, l->epochs, l->nparts) : 0;
    for (size_t i = 0; rc == 0 && i < l->n; i++)
        if (l->v[i].vested)
            rc = stream_store_put_record(h->store, l->v[i].key, l->v[i].n, l->v[i].vested, l->v[i].vlen,
                                         l->v[i].due, l->v[i].at, l->v[i].part);
    if (rc < -1)
        h->store_rc = rc;
    return rc;
}

/* One chunk; *more when it was full (there may be more due). */
static int vest_chunk(stream_host *h, int64_t now, due_list *l, bool *more)
{
    *more = false;
    if (stream_store_each_due(h->store, now, CHUNK, l->parts, l->nparts, take, l) != 0) {
        fprintf(stderr, STREAM_PROG ": the pending awards could not be read\n");
        return -1;
    }
    if (l->n == 0)
        return 0;
    stream_event_ud vu = {h, false};
    for (size_t i = 0; i < l->n; i++) {
        due_rec *r = &l->v[i];
        cbr_error err;
        size_t nout = h->nout;
        if (cbr_ledger_vest(NULL, r->data, r->len, now, on_vest, &vu, &r->vested, &r->vlen, &r->due, &err) !=
            CBR_OK) {
            fprintf(stderr, STREAM_PROG ": %s: the ledger record %.*s cannot be vested: %s\n",
                    stream_store_where(h->store), (int)r->n, r->key, err.message);
            return -1;
        }
        for (size_t k = nout; k < h->nout; k++)
            h->out[k].part = r->part;
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

/* The partitions a fleet's instance vests for: those it owns now. */
static bool owned(stream_host *h, due_list *l)
{
    size_t n = h->nparts ? h->nparts : 1;
    if (!(l->parts = malloc(n * sizeof *l->parts)) || !(l->epochs = malloc(n * sizeof *l->epochs)))
        return false;
    for (size_t i = 0; i < h->nparts; i++)
        if (h->parts[i].assigned) {
            l->parts[l->nparts] = (int32_t)i;
            l->epochs[l->nparts++] = h->parts[i].epoch;
        }
    return true;
}

int stream_vest_due(stream_host *h)
{
    if (h->fatal)
        return -1;
    int64_t now = (int64_t)time(NULL);
    due_list *l = calloc(1, sizeof *l);
    bool more = l && owned(h, l);
    int rc = more ? 0 : -1;
    h->store_rc = 0;
    while (rc == 0 && more && !stream_stop) {
        rc = vest_chunk(h, now, l, &more);
        clear_out(h);
        drop(l);
    }
    if (l) {
        free(l->parts);
        free(l->epochs);
    }
    free(l);
    /* A fleet's database away: nothing of the chunk was stored, and the
     * next round vests it once the database answers again. */
    if (rc != 0 && h->store_rc != -3 && stream_store_shared(h->store) && stream_store_lost(h->store))
        return stream_store_wait(h) ? 0 : -1;
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
