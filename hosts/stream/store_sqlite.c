/* store_sqlite.c: cbr-stream's embedded store for one instance, one SQLite
 * database in WAL mode (store.c picks it for a --state that is a path).
 *
 * Four tables that only ever change together, in one transaction per batch:
 *   state(key, value)              the limit, budget and tally counters (ledger.c)
 *   ledger(key, data, due, at)     the award ledger's records (records.c), as
 *                                  `cbrc run --state` keeps them (hosts/statedb.c):
 *                                  due the earliest pending vesting moment
 *                                  (INT64_MAX: none), at the record's timestamp
 *   outbox(id, kind, key, value, reason, source)
 *                                  awards and rejects Kafka has not acknowledged
 *   offsets(topic, part, next)     the next input offset to evaluate
 * synchronous=FULL: a commit is on disk before Kafka hears of the batch, so
 * even a power cut (not only a killed process) cannot lose what was sent. */
#include "config.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hosts/stream/store_int.h"

enum { Q_PUT_STATE, Q_PUT_OFFSET, Q_GET_OFFSET, Q_ADD_OUT, Q_DEL_OUT, Q_GET_OUT, Q_GET_RECORD, Q_PUT_RECORD,
       Q_DUE, Q_COUNT };

static const char *const sql[Q_COUNT] = {
    [Q_PUT_STATE] = "INSERT INTO state(key, value) VALUES(?1, ?2) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [Q_PUT_OFFSET] = "INSERT INTO offsets(topic, part, next) VALUES(?1, ?2, ?3) "
                     "ON CONFLICT(topic, part) DO UPDATE SET next = excluded.next",
    [Q_GET_OFFSET] = "SELECT next FROM offsets WHERE topic = ?1 AND part = ?2",
    [Q_ADD_OUT] = "INSERT INTO outbox(kind, key, value, reason, source) VALUES(?1, ?2, ?3, ?4, ?5)",
    [Q_DEL_OUT] = "DELETE FROM outbox WHERE id = ?1",
    [Q_GET_OUT] = "SELECT id, kind, key, value, reason, source FROM outbox WHERE id = ?1",
    [Q_GET_RECORD] = "SELECT data FROM ledger WHERE key = ?1",
    [Q_PUT_RECORD] = "INSERT INTO ledger(key, data, due, at) VALUES (?1, ?2, ?3, ?4) "
                     "ON CONFLICT(key) DO UPDATE SET data = excluded.data, due = excluded.due, at = excluded.at",
    [Q_DUE] = "SELECT key, data, at FROM ledger WHERE due <= ?1 ORDER BY due, key LIMIT ?2",
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS state(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS outbox(id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL,"
    " key BLOB, value BLOB NOT NULL, reason TEXT, source TEXT);"
    "CREATE TABLE IF NOT EXISTS offsets(topic TEXT NOT NULL, part INTEGER NOT NULL,"
    " next INTEGER NOT NULL, PRIMARY KEY(topic, part)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS ledger(key BLOB PRIMARY KEY, data BLOB NOT NULL,"
    " due INTEGER NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS ledger_due ON ledger(due);"
    "CREATE INDEX IF NOT EXISTS ledger_at ON ledger(at);"
    "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value);";

typedef struct sq_store {
    stream_store base;
    sqlite3 *db;
    char *path;
    sqlite3_stmt *q[Q_COUNT];
} sq_store;

static int fail(sq_store *s, const char *what)
{
    fprintf(stderr, STREAM_PROG ": %s: %s: %s\n", s->path, what, sqlite3_errmsg(s->db));
    return -1;
}

static int exec(sq_store *s, const char *what, const char *text)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, text, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, STREAM_PROG ": %s: %s: %s\n", s->path, what, msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static void sq_close(stream_store *ss);

stream_store *stream_sqlite_open(const char *path)
{
    sq_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        fprintf(stderr, STREAM_PROG ": %s: out of memory\n", path);
        free(s);
        return NULL;
    }
    s->base.ops = &stream_sqlite_ops;
    s->base.where = s->path;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        fail(s, "cannot open the state database");
        sq_close(&s->base);
        return NULL;
    }
    /* Another process holding the write lock (a second instance on the same
     * file, a backup) makes us wait rather than fail a batch. */
    sqlite3_busy_timeout(s->db, 10000);
    if (exec(s, "setting WAL mode", "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")) {
        sq_close(&s->base);
        return NULL;
    }
    /* A new database keeps pots from the start (stream_store_migrate_pots). */
    sqlite3_stmt *q;
    bool fresh = sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master WHERE name = 'state'", -1, &q, NULL) ==
                     SQLITE_OK && sqlite3_step(q) == SQLITE_DONE;
    sqlite3_finalize(q);
    if (exec(s, "creating the tables", schema) ||
        (fresh && exec(s, "creating the tables", "INSERT OR IGNORE INTO meta(name, value) VALUES ('pots', 1)"))) {
        sq_close(&s->base);
        return NULL;
    }
    for (int i = 0; i < Q_COUNT; i++)
        if (sqlite3_prepare_v2(s->db, sql[i], -1, &s->q[i], NULL) != SQLITE_OK) {
            fail(s, sql[i]);
            sq_close(&s->base);
            return NULL;
        }
    return &s->base;
}

static void sq_close(stream_store *ss)
{
    sq_store *s = (sq_store *)ss;
    if (!s)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

static int sq_load_ledger(stream_store *ss, stream_ledger *l)
{
    sq_store *s = (sq_store *)ss;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT key, value FROM state", -1, &st, NULL) != SQLITE_OK)
        return fail(s, "reading the counters");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        if (!stream_ledger_load(l, k, n, sqlite3_column_int64(st, 1))) {
            sqlite3_finalize(st);
            fprintf(stderr, STREAM_PROG ": %s: out of memory loading the counters\n", s->path);
            return -1;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(s, "reading the counters");
    stream_ledger_loaded(l);
    return 0;
}

static int64_t sq_offset(stream_store *ss, const char *topic, int32_t partition)
{
    sq_store *s = (sq_store *)ss;
    sqlite3_stmt *q = s->q[Q_GET_OFFSET];
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, topic, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, partition);
    int64_t next = -1;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        next = sqlite3_column_int64(q, 0);
        if (next < 0) {
            fprintf(stderr, STREAM_PROG ": %s: the stored offset of %s/%d is negative (%lld)\n", s->path, topic,
                    partition, (long long)next);
            next = -2;
        }
    } else if (rc != SQLITE_DONE) {
        fail(s, "reading an offset");
        next = -2;
    }
    sqlite3_reset(q);
    return next;
}

/* One instance owns every partition: the epoch stays 0. */
static int64_t sq_take(stream_store *ss, const char *topic, int32_t partition, const char *owner, int64_t *epoch)
{
    (void)owner;
    (void)epoch;
    return sq_offset(ss, topic, partition);
}

/* The row under the cursor into m (its strings malloc'ed); false when memory runs out. */
static bool row_to_msg(sqlite3_stmt *st, stream_msg *m)
{
    memset(m, 0, sizeof *m);
    m->part = -1;
    m->id = sqlite3_column_int64(st, 0);
    m->kind = sqlite3_column_int(st, 1);
    if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
        m->keylen = (size_t)sqlite3_column_bytes(st, 2);
        m->key = stream_dup(sqlite3_column_blob(st, 2), m->keylen);
        if (!m->key)
            return false;
    }
    m->valuelen = (size_t)sqlite3_column_bytes(st, 3);
    m->value = stream_dup(sqlite3_column_blob(st, 3), m->valuelen);
    if (sqlite3_column_type(st, 4) != SQLITE_NULL)
        m->reason = stream_dup(sqlite3_column_text(st, 4), (size_t)sqlite3_column_bytes(st, 4));
    if (sqlite3_column_type(st, 5) != SQLITE_NULL)
        m->source = stream_dup(sqlite3_column_text(st, 5), (size_t)sqlite3_column_bytes(st, 5));
    return m->value != NULL;
}

/* One instance sends every row: partition is ignored. */
static int sq_each_outbox(stream_store *ss, int32_t partition, int (*fn)(void *ud, stream_msg *m), void *ud)
{
    (void)partition;
    sq_store *s = (sq_store *)ss;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id, kind, key, value, reason, source FROM outbox ORDER BY id", -1,
                           &st, NULL) != SQLITE_OK)
        return fail(s, "reading the outbox");
    int rc, ret = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        stream_msg m;
        if (!row_to_msg(st, &m)) {
            stream_msg_clear(&m);
            fprintf(stderr, STREAM_PROG ": %s: out of memory reading the outbox\n", s->path);
            ret = -1;
            break;
        }
        ret = fn(ud, &m);
        stream_msg_clear(&m);
        if (ret)
            break;
    }
    if (!ret && rc != SQLITE_DONE)
        ret = fail(s, "reading the outbox");
    sqlite3_finalize(st);
    return ret;
}

static int sq_outbox_get(stream_store *ss, int64_t id, stream_msg *m)
{
    sq_store *s = (sq_store *)ss;
    sqlite3_stmt *q = s->q[Q_GET_OUT];
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q), ret;
    if (rc == SQLITE_ROW)
        ret = row_to_msg(q, m) ? 1 : -1;
    else
        ret = rc == SQLITE_DONE ? 0 : fail(s, "reading an outbox row");
    sqlite3_reset(q);
    return ret;
}

static int64_t count_of(sq_store *s, const char *text)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_prepare_v2(s->db, text, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static int64_t sq_outbox_count(stream_store *ss) {
    sq_store *s = (sq_store *)ss; return count_of(s, "SELECT count(*) FROM outbox"); }

static int64_t sq_record_count(stream_store *ss) {
    sq_store *s = (sq_store *)ss; return count_of(s, "SELECT count(*) FROM ledger"); }

static int sq_begin(stream_store *ss)
{
    sq_store *s = (sq_store *)ss;
    /* IMMEDIATE: take the write lock now, not at the first write, so a busy
     * database shows up here rather than halfway through a batch. */
    return exec(s, "beginning a transaction", "BEGIN IMMEDIATE");
}

static int sq_commit(stream_store *ss)
{
    sq_store *s = (sq_store *)ss;
    return exec(s, "committing a batch", "COMMIT");
}

static void sq_rollback(stream_store *ss)
{
    sq_store *s = (sq_store *)ss;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int sq_put_counter(stream_store *ss, const char *key, size_t len, int64_t v)
{
    sq_store *s = (sq_store *)ss;
    sqlite3_stmt *q = s->q[Q_PUT_STATE];
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, key, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, v);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : fail(s, "writing a counter");
}

static int sq_put_offset(stream_store *ss, const char *topic, int32_t partition, int64_t next)
{
    sq_store *s = (sq_store *)ss;
    sqlite3_stmt *q = s->q[Q_PUT_OFFSET];
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, topic, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, partition);
    sqlite3_bind_int64(q, 3, next);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : fail(s, "writing an offset");
}

static int sq_outbox_add(stream_store *ss, stream_msg *m)
{
    sq_store *s = (sq_store *)ss;
    sqlite3_stmt *q = s->q[Q_ADD_OUT];
    sqlite3_reset(q);
    sqlite3_bind_int(q, 1, m->kind);
    if (m->key)
        sqlite3_bind_blob(q, 2, m->key, (int)m->keylen, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 2);
    sqlite3_bind_blob(q, 3, m->value ? m->value : "", (int)m->valuelen, SQLITE_STATIC);
    if (m->reason)
        sqlite3_bind_text(q, 4, m->reason, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 4);
    if (m->source)
        sqlite3_bind_text(q, 5, m->source, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 5);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc != SQLITE_DONE)
        return fail(s, "adding to the outbox");
    m->id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

static int sq_outbox_delete(stream_store *ss, const int64_t *ids, size_t n)
{
    sq_store *s = (sq_store *)ss;
    sqlite3_stmt *q = s->q[Q_DEL_OUT];
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, ids[i]);
        if (sqlite3_step(q) != SQLITE_DONE) {
            sqlite3_reset(q);
            return fail(s, "deleting from the outbox");
        }
    }
    sqlite3_reset(q);
    return 0;
}

/* ---- the award ledger's records (records.c, vest.c) ---- */

static int sq_get_record(stream_store *ss, const char *key, size_t n, char **data, size_t *len, int32_t *part)
{
    (void)part;
    sq_store *s = (sq_store *)ss;
    sqlite3_stmt *q = s->q[Q_GET_RECORD];
    sqlite3_reset(q);
    sqlite3_bind_blob(q, 1, key, (int)n, SQLITE_STATIC);
    int rc = sqlite3_step(q), ret;
    if (rc == SQLITE_ROW) {
        /* A copy, and the statement reset at once: a statement left
         * stepping would hold a read transaction open on the file. */
        *len = (size_t)sqlite3_column_bytes(q, 0);
        *data = stream_dup(sqlite3_column_blob(q, 0), *len);
        ret = *data ? 1 : -1;
        if (!*data)
            fprintf(stderr, STREAM_PROG ": %s: out of memory reading the ledger\n", s->path);
    } else {
        ret = rc == SQLITE_DONE ? 0 : fail(s, "reading the ledger");
    }
    sqlite3_reset(q);
    return ret;
}

static int sq_put_record(stream_store *ss, const char *key, size_t n, const void *data, size_t len, int64_t due,
                         int64_t at, int32_t part)
{
    (void)part;
    sq_store *s = (sq_store *)ss;
    sqlite3_stmt *q = s->q[Q_PUT_RECORD];
    sqlite3_reset(q);
    sqlite3_bind_blob(q, 1, key, (int)n, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, data, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, due);
    sqlite3_bind_int64(q, 4, at);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : fail(s, "writing the ledger");
}

static int sq_each_due(stream_store *ss, int64_t at, int limit, const int32_t *parts, size_t nparts,
                       stream_due_fn fn, void *ud)
{
    (void)parts;
    (void)nparts;
    sq_store *s = (sq_store *)ss;
    sqlite3_stmt *q = s->q[Q_DUE];
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, at);
    sqlite3_bind_int(q, 2, limit);
    int rc, ret = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if ((ret = fn(ud, sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0), sqlite3_column_blob(q, 1),
                      (size_t)sqlite3_column_bytes(q, 1), sqlite3_column_int64(q, 2), -1)) != 0)
            break;
    if (!ret && rc != SQLITE_DONE)
        ret = fail(s, "reading the pending awards");
    sqlite3_reset(q);
    return ret;
}

static int sq_prune(stream_store *ss, long days)
{
    sq_store *s = (sq_store *)ss;
    /* As `cbrc run --state` does: a record with nothing pending, older
     * than the window before the newest one, can be refunded or repeated
     * no more.  The index on `at` makes it cheap when nothing is that old. */
    char text[320];
    snprintf(text, sizeof text,
             "DELETE FROM ledger INDEXED BY ledger_at WHERE at < (SELECT max(at) FROM ledger) - %lld AND due = %lld",
             (long long)days * 86400, (long long)INT64_MAX);
    return exec(s, "pruning the ledger", text);
}

static int sq_migrate_pots(stream_store *ss, const cbr_program *p)
{
    sq_store *s = (sq_store *)ss;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM meta WHERE name = 'pots'", -1, &q, NULL) != SQLITE_OK)
        return fail(s, "reading the state");
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    q = NULL;
    if (rc == SQLITE_ROW)
        return 0;
    if (rc != SQLITE_DONE)
        return fail(s, "reading the state");
    /* A database kept before pots: each currency's counter of a limit or
     * budget written without one goes into its pot (cbr.h), in one
     * transaction with the mark that it was done. */
    sqlite3_stmt *add = NULL, *del = NULL;
    int ret = sq_begin(ss);
    if (!ret && (sqlite3_prepare_v2(s->db, "SELECT key, value FROM state WHERE key >= 'a|' AND key < 'd'", -1, &q,
                                    NULL) != SQLITE_OK ||
                 sqlite3_prepare_v2(s->db, "INSERT INTO state(key, value) VALUES(?1, ?2) "
                                           "ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
                                    -1, &add, NULL) != SQLITE_OK ||
                 sqlite3_prepare_v2(s->db, "DELETE FROM state WHERE key = ?1", -1, &del, NULL) != SQLITE_OK))
        ret = fail(s, "converting the counters");
    /* The keys are collected first: the table changes under the scan. */
    typedef struct move { char *old, *pot; size_t oldn, potn; int64_t v; } move;
    move *mv = NULL;
    size_t n = 0, cap = 0;
    while (!ret && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(q, 0);
        size_t kn = (size_t)sqlite3_column_bytes(q, 0), pn;
        char buf[1024];
        int64_t pv;
        if (cbr_program_pot_key(p, key, kn, sqlite3_column_int64(q, 1), buf, sizeof buf, &pn, &pv) != 1)
            continue;
        move *m2 = n == cap ? realloc(mv, (cap = cap ? cap * 2 : 64) * sizeof *mv) : mv;
        mv = m2 ? m2 : mv;
        if (m2)
            mv[n] = (move){stream_dup(key, kn), stream_dup(buf, pn), kn, pn, pv};
        if (!m2 || !mv[n].old || !mv[n].pot) {
            if (m2)
                free(mv[n].old), free(mv[n].pot);
            fprintf(stderr, STREAM_PROG ": %s: out of memory converting the counters\n", s->path);
            ret = -1;
            break;
        }
        n++;
    }
    if (!ret && rc != SQLITE_DONE)
        ret = fail(s, "converting the counters");
    for (size_t i = 0; !ret && i < n; i++) {
        sqlite3_reset(add);
        sqlite3_bind_text(add, 1, mv[i].pot, (int)mv[i].potn, SQLITE_STATIC);
        sqlite3_bind_int64(add, 2, mv[i].v);
        sqlite3_reset(del);
        sqlite3_bind_text(del, 1, mv[i].old, (int)mv[i].oldn, SQLITE_STATIC);
        if (sqlite3_step(add) != SQLITE_DONE || sqlite3_step(del) != SQLITE_DONE)
            ret = fail(s, "converting the counters");
    }
    sqlite3_finalize(q);
    sqlite3_finalize(add);
    sqlite3_finalize(del);
    for (size_t i = 0; i < n; i++)
        free(mv[i].old), free(mv[i].pot);
    free(mv);
    if (!ret)
        ret = exec(s, "converting the counters", "INSERT INTO meta(name, value) VALUES ('pots', 1)");
    if (!ret)
        ret = sq_commit(ss);
    if (ret) {
        sq_rollback(ss);
        return -1;
    }
    if (n)
        fprintf(stderr, STREAM_PROG ": %s: %zu counters of limits and budgets written without a currency, kept per "
                        "currency by an older cbr-stream, are now one pot each across currencies\n", s->path, n);
    return 0;
}

const stream_store_ops stream_sqlite_ops = {
    .close = sq_close, .load_ledger = sq_load_ledger, .take = sq_take, .offset = sq_offset, .each_outbox = sq_each_outbox,
    .outbox_get = sq_outbox_get, .outbox_count = sq_outbox_count, .begin = sq_begin, .commit = sq_commit,
    .rollback = sq_rollback, .put_counter = sq_put_counter, .put_offset = sq_put_offset,
    .outbox_add = sq_outbox_add, .outbox_delete = sq_outbox_delete, .get_record = sq_get_record,
    .put_record = sq_put_record, .each_due = sq_each_due, .prune = sq_prune, .record_count = sq_record_count,
    .migrate_pots = sq_migrate_pots,
};
