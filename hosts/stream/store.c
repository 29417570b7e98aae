/* store.c: cbr-stream's state, whichever database holds it.
 *
 * --state names either a SQLite file (store_sqlite.c: one instance, the
 * embedded default) or a PostgreSQL database (store_pg.c: a fleet of
 * instances in one consumer group).  Both keep the same things, changed
 * together in one transaction per batch: the counters, the award ledger's
 * records, the outbox and the offsets.  This file only picks the backend
 * and passes each call on (store_int.h); what the calls mean is in
 * stream.h. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "hosts/stream/store_int.h"

static bool is_pg(const char *state)
{
    return !strncmp(state, "postgresql://", 13) || !strncmp(state, "postgres://", 11);
}

stream_store *stream_store_open(const char *state)
{
    return is_pg(state) ? stream_pg_open(state) : stream_sqlite_open(state);
}

void stream_store_close(stream_store *s)
{
    if (s)
        s->ops->close(s);
}

bool stream_store_shared(const stream_store *s) { return s->shared; }
bool stream_store_lost(const stream_store *s) { return s->lost; }
const char *stream_store_where(const stream_store *s) { return s->where; }

bool stream_store_reconnect(stream_store *s)
{
    if (!s->ops->reconnect)
        return false;
    bool ok = s->ops->reconnect(s);
    if (ok)
        s->lost = false;
    return ok;
}

int stream_store_load_ledger(stream_store *s, stream_ledger *l) { return s->ops->load_ledger(s, l); }

int stream_store_load_users(stream_store *s, stream_ledger *l, const stream_key *users, size_t n)
{
    return s->ops->load_users ? s->ops->load_users(s, l, users, n) : 0;
}

int64_t stream_store_take(stream_store *s, const char *topic, int32_t partition, const char *owner, int64_t *epoch)
{
    *epoch = 0;
    return s->ops->take(s, topic, partition, owner, epoch);
}

int64_t stream_store_offset(stream_store *s, const char *topic, int32_t partition)
{
    return s->ops->offset(s, topic, partition);
}

int stream_store_fence(stream_store *s, const char *topic, const int32_t *parts, const int64_t *epochs, size_t n)
{
    return s->ops->fence ? s->ops->fence(s, topic, parts, epochs, n) : 0;
}

int stream_store_each_outbox(stream_store *s, int32_t partition, int (*fn)(void *ud, stream_msg *m), void *ud)
{
    return s->ops->each_outbox(s, partition, fn, ud);
}

int stream_store_outbox_get(stream_store *s, int64_t id, stream_msg *m) { return s->ops->outbox_get(s, id, m); }
int64_t stream_store_outbox_count(stream_store *s) { return s->ops->outbox_count(s); }
int stream_store_begin(stream_store *s) { return s->ops->begin(s); }
int stream_store_commit(stream_store *s) { return s->ops->commit(s); }
void stream_store_rollback(stream_store *s) { s->ops->rollback(s); }

static int put_one(void *ud, const char *key, size_t len, int64_t v)
{
    stream_store *s = ud;
    return s->ops->put_counter(s, key, len, v);
}

int stream_store_put_ledger(stream_store *s, stream_ledger *l) { return stream_ledger_each_dirty(l, put_one, s); }

int stream_store_put_offset(stream_store *s, const char *topic, int32_t partition, int64_t next)
{
    return s->ops->put_offset(s, topic, partition, next);
}

int stream_store_outbox_add(stream_store *s, stream_msg *m) { return s->ops->outbox_add(s, m); }

int stream_store_outbox_delete(stream_store *s, const int64_t *ids, size_t n)
{
    return n ? s->ops->outbox_delete(s, ids, n) : 0;
}

int stream_store_get_record(stream_store *s, const char *key, size_t n, char **data, size_t *len, int32_t *part)
{
    *part = -1;
    return s->ops->get_record(s, key, n, data, len, part);
}

int stream_store_get_records(stream_store *s, const stream_key *keys, size_t n, stream_record_fn fn, void *ud)
{
    if (!n)
        return 0;
    if (s->ops->get_records)
        return s->ops->get_records(s, keys, n, fn, ud);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char *data = NULL;
        size_t len = 0;
        int32_t part = -1;
        int got = s->ops->get_record(s, keys[i].p, keys[i].n, &data, &len, &part);
        rc = got < 0 ? -1 : got == 1 ? fn(ud, keys[i].p, keys[i].n, data, len, part) : 0;
        free(data);
    }
    return rc;
}

int stream_store_put_record(stream_store *s, const char *key, size_t n, const void *data, size_t len, int64_t due,
                            int64_t at, int32_t part)
{
    return s->ops->put_record(s, key, n, data, len, due, at, part);
}

int stream_store_each_due(stream_store *s, int64_t at, int limit, const int32_t *parts, size_t nparts,
                          stream_due_fn fn, void *ud)
{
    return s->ops->each_due(s, at, limit, parts, nparts, fn, ud);
}

int stream_store_prune(stream_store *s, long days) { return s->ops->prune(s, days); }
int64_t stream_store_record_count(stream_store *s) { return s->ops->record_count(s); }
int stream_store_migrate_pots(stream_store *s, const cbr_program *p) { return s->ops->migrate_pots(s, p); }

int stream_store_lease(stream_store *s, const char *key, size_t len, int64_t max, int64_t need, int64_t slice,
                       const char *owner, long seconds, int64_t *granted, int64_t *claims)
{
    return s->ops->lease(s, key, len, max, need, slice, owner, seconds, granted, claims);
}

int stream_store_spend(stream_store *s, const char *key, size_t len, int64_t delta, const char *owner, long seconds)
{
    return s->ops->spend(s, key, len, delta, owner, seconds);
}

int stream_store_peek(stream_store *s, const char *key, size_t len, const char *owner, int64_t *claims)
{
    return s->ops->peek(s, key, len, owner, claims);
}

int stream_store_release(stream_store *s, const char *owner)
{
    return s->ops->release ? s->ops->release(s, owner) : 0;
}

int stream_store_renew(stream_store *s, const char *owner, long seconds)
{
    return s->ops->renew ? s->ops->renew(s, owner, seconds) : 0;
}

void stream_msg_clear(stream_msg *m)
{
    free(m->key);
    free(m->value);
    free(m->reason);
    free(m->source);
    free(m->campaign);
    memset(m, 0, sizeof *m);
    m->part = -1;
}

char *stream_dup(const void *p, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        if (n)
            memcpy(c, p, n);
        c[n] = '\0';
    }
    return c;
}
