/* statedb.c: the SQLite state of `cbrc run --state` (statedb.h).
 *
 * Schema (version 1, PRAGMA user_version):
 *     counters(key BLOB PRIMARY KEY, value INTEGER)        limits, budgets, tallies
 *     ledger(key BLOB PRIMARY KEY, data BLOB, due INTEGER, at INTEGER)
 *     meta(name TEXT PRIMARY KEY, value)                    ledger_days
 * `due` is a record's earliest pending vesting moment (INT64_MAX: none),
 * indexed, so that `cbrc vest` reads only what is due; `at` the timestamp
 * of the record that made it, for retention.
 *
 * The run's cache is a cbr_state: a counter or record is read from SQLite
 * the first time the run names it and kept there; what the run changes is
 * known from the state's change tracking (counters) and a list of records
 * put.  The whole run is one transaction, BEGIN IMMEDIATE at open, so a
 * second run on the same file is refused at once instead of losing the
 * first one's updates, and nothing reaches the file before the commit.
 * A cache grown past its bound is written into that transaction and
 * emptied (statedb_spill); SQLite keeps the pages, in its own bounded
 * cache and the file's journal. */
#include "config.h"
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hosts/cbrc.h"
#include "hosts/json.h"
#include "hosts/statedb.h"
#include "hosts/strmap.h"

#define SCHEMA_VERSION 1

/* A set of keys seen by the run: key -> value (a record's `at`). */
typedef struct kent {
    hsmap_key k;
    int64_t v;
    int64_t due;                /* records put: the due moment given with them */
} kent;

/* A record changed by vesting: its due moment is read from it at commit. */
#define DUE_UNKNOWN INT64_MIN

enum { Q_GET_COUNTER, Q_GET_RECORD, Q_PUT_COUNTER, Q_PUT_RECORD, Q_COUNT };

struct statedb {
    sqlite3 *db;
    char *path;
    statedb_mode mode;
    sqlite3_stmt *q[Q_COUNT];
    cbr_state *cache;
    cbr_store inner, store;
    hsmap counters_seen, records_seen;  /* of kent */
    hsmap dirty;                /* records put: key -> at */
    long ledger_days;
    bool days_given;
    bool failed;                /* a read failed: the run cannot be committed */
    bool empty;                 /* read-only and never written: no tables */
};

static const char *const sql[Q_COUNT] = {
    [Q_GET_COUNTER] = "SELECT value FROM counters WHERE key = ?1",
    [Q_GET_RECORD] = "SELECT data, at FROM ledger WHERE key = ?1",
    [Q_PUT_COUNTER] = "INSERT INTO counters(key, value) VALUES (?1, ?2) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [Q_PUT_RECORD] = "INSERT INTO ledger(key, data, due, at) VALUES (?1, ?2, ?3, ?4) "
                     "ON CONFLICT(key) DO UPDATE SET data = excluded.data, due = excluded.due, at = excluded.at",
};

static void db_error(const statedb *s, const char *what)
{
    fprintf(stderr, "%s: %s: %s: %s\n", cbrc_prog, s->path, what, sqlite3_errmsg(s->db));
}

static bool exec(statedb *s, const char *text, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, text, NULL, NULL, &msg) == SQLITE_OK)
        return true;
    fprintf(stderr, "%s: %s: %s: %s\n", cbrc_prog, s->path, what, msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return false;
}

/* ---- the key sets ---- */

/* The entry of key, added with v when absent; NULL when memory runs out. */
static kent *kadd(hsmap *k, const char *key, size_t n, int64_t v, bool *added)
{
    kent *e = hsmap_get(k, key, n, added);
    if (e && *added)
        e->v = v;
    return e;
}

static bool khas(const hsmap *k, const char *key, size_t n) { return hsmap_find(k, key, n) != NULL; }

static void kinit(statedb *s)
{
    hsmap_init(&s->counters_seen, sizeof(kent), 1024);
    hsmap_init(&s->records_seen, sizeof(kent), 1024);
    hsmap_init(&s->dirty, sizeof(kent), 1024);
}

static void kfree(statedb *s)
{
    hsmap_clear(&s->counters_seen);
    hsmap_clear(&s->records_seen);
    hsmap_clear(&s->dirty);
}

/* ---- the store ---- */

/* Looks key up with statement q: SQLITE_ROW (its columns readable until
 * the next reset), SQLITE_DONE, or 0 with the error printed and the run
 * marked as not to be committed. */
static int lookup(statedb *s, sqlite3_stmt *q, const char *key, size_t n, const char *what)
{
    sqlite3_reset(q);
    sqlite3_bind_blob(q, 1, key, (int)n, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return rc;
    db_error(s, what);
    s->failed = true;
    return 0;
}

/* Reads a counter from SQLite into the cache the first time it is named. */
static cbr_status load_counter(statedb *s, const char *key, size_t n)
{
    if (s->empty || khas(&s->counters_seen, key, n))
        return CBR_OK;
    sqlite3_stmt *q = s->q[Q_GET_COUNTER];
    int rc = lookup(s, q, key, n, "reading a counter");
    if (!rc)
        return CBR_ERR_IO;
    if (rc == SQLITE_ROW) {
        /* Loading is not a change: tracking is off while it goes in. */
        cbr_reservation r = {key, n, sqlite3_column_int64(q, 0), INT64_MAX, 0};
        int granted = 0;
        cbr_state_track_changes(s->cache, 0);
        cbr_status st = s->inner.reserve(s->inner.ud, &r, 1, &granted);
        cbr_state_track_changes(s->cache, 1);
        if (st != CBR_OK)
            return st;
    }
    sqlite3_reset(q);
    bool added;
    return kadd(&s->counters_seen, key, n, 0, &added) ? CBR_OK : CBR_ERR_NOMEM;
}

static cbr_status db_get(void *ud, const char *key, size_t n, int64_t *v)
{
    statedb *s = ud;
    cbr_status st = load_counter(s, key, n);
    return st != CBR_OK ? st : s->inner.get(s->inner.ud, key, n, v);
}

static cbr_status db_reserve(void *ud, cbr_reservation *items, size_t n, int *granted)
{
    statedb *s = ud;
    for (size_t i = 0; i < n; i++) {
        cbr_status st = load_counter(s, items[i].key, items[i].len);
        if (st != CBR_OK)
            return st;
    }
    return s->inner.reserve(s->inner.ud, items, n, granted);
}

static cbr_status db_record_get(void *ud, const char *key, size_t n, const void **data, size_t *len)
{
    statedb *s = ud;
    if (!s->empty && !khas(&s->records_seen, key, n)) {
        sqlite3_stmt *q = s->q[Q_GET_RECORD];
        int rc = lookup(s, q, key, n, "reading the ledger");
        if (!rc)
            return CBR_ERR_IO;
        if (rc == SQLITE_ROW) {
            cbr_status st = s->inner.record_put(s->inner.ud, key, n, sqlite3_column_blob(q, 0),
                                                (size_t)sqlite3_column_bytes(q, 0), INT64_MAX,
                                                sqlite3_column_int64(q, 1));
            if (st != CBR_OK)
                return st;
        }
        sqlite3_reset(q);
        bool added;
        if (!kadd(&s->records_seen, key, n, 0, &added))
            return CBR_ERR_NOMEM;
    }
    return s->inner.record_get(s->inner.ud, key, n, data, len);
}

static cbr_status db_record_put(void *ud, const char *key, size_t n, const void *data, size_t len, int64_t due,
                                int64_t at)
{
    statedb *s = ud;
    bool added;
    kent *e = kadd(&s->dirty, key, n, at, &added);
    if (!e || !kadd(&s->records_seen, key, n, 0, &added))
        return CBR_ERR_NOMEM;
    e->v = at;
    e->due = due;
    return s->inner.record_put(s->inner.ud, key, n, data, len, due, at);
}

/* ---- opening ---- */

static bool is_sqlite(const char *path, bool *exists, bool *empty)
{
    FILE *f = fopen(path, "rb");
    *exists = f != NULL;
    *empty = false;
    if (!f)
        return false;
    char head[16];
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    *empty = n == 0;
    return n == 16 && !memcmp(head, "SQLite format 3", 16);
}

/* pots: the counters will be kept as pots (statedb_migrate_pots) from the
 * start; not for a state converted from an older cbrc's text. */
static bool create_schema(statedb *s, bool pots)
{
    if (pots && !exec(s, "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value);"
                         "INSERT OR IGNORE INTO meta(name, value) VALUES ('pots', 1);",
                      "creating the state"))
        return false;
    return exec(s, "CREATE TABLE IF NOT EXISTS counters(key BLOB PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
                   "CREATE TABLE IF NOT EXISTS ledger(key BLOB PRIMARY KEY, data BLOB NOT NULL,"
                   " due INTEGER NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;"
                   "CREATE INDEX IF NOT EXISTS ledger_due ON ledger(due);"
                   "CREATE INDEX IF NOT EXISTS ledger_at ON ledger(at);"
                   "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value);"
                   "PRAGMA user_version = 1;",
                "creating the state");
}

static int user_version(statedb *s)
{
    sqlite3_stmt *q;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return v;
}

static long meta_days(statedb *s)
{
    sqlite3_stmt *q;
    long v = STATEDB_DEFAULT_LEDGER_DAYS;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE name = 'ledger_days'", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* An older cbrc's text snapshot at path becomes a database there, the text
 * kept as path.txt.  false with the error printed, nothing changed. */
static bool convert_text(const char *path)
{
    size_t n;
    char *text = (char *)cbrc_read_file(path, &n);
    if (!text) {
        fprintf(stderr, "%s: %s: %s\n", cbrc_prog, path, strerror(errno));
        return false;
    }
    cbr_state *st = NULL;
    cbr_error err;
    bool ok = cbr_state_new(NULL, &st, &err) == CBR_OK;
    if (ok && cbr_state_load(st, text, n, &err) != CBR_OK) {
        unsigned long line;
        int at = 0;
        if (sscanf(err.message, "line %lu: %n", &line, &at) == 1 && at > 0)
            fprintf(stderr, "%s:%lu: error: %s\n", path, line, err.message + at);
        else
            fprintf(stderr, "%s: error: %s\n", path, err.message);
        ok = false;
    }
    free(text);
    char *merged = NULL;
    size_t mlen = 0;
    if (ok && cbr_state_save(st, &merged, &mlen, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s: %s\n", cbrc_prog, path, err.message);
        ok = false;
    }
    cbr_state_free(st);
    if (!ok) {
        cbr_free(merged);
        return false;
    }
    size_t pl = strlen(path);
    char *txt = malloc(pl + 5), *tmp = malloc(pl + 5);
    struct stat sb;
    if (!txt || !tmp) {
        free(txt), free(tmp), cbr_free(merged);
        return false;
    }
    snprintf(txt, pl + 5, "%s.txt", path);
    snprintf(tmp, pl + 5, "%s.new", path);
    if (stat(txt, &sb) == 0) {
        fprintf(stderr, "%s: %s: is a text state of an older cbrc, and %s exists: move one of them away\n",
                cbrc_prog, path, txt);
        free(txt), free(tmp), cbr_free(merged);
        return false;
    }
    /* The database is made beside, then the text moved away and the
     * database moved in: at every moment one of the two is at path. */
    remove(tmp);
    sqlite3 *db = NULL;
    ok = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK;
    statedb s = {.db = db, .path = tmp};
    ok = ok && exec(&s, "BEGIN", "converting the state") && create_schema(&s, false);
    sqlite3_stmt *q = NULL;
    ok = ok && sqlite3_prepare_v2(db, sql[Q_PUT_COUNTER], -1, &q, NULL) == SQLITE_OK;
    for (char *line = merged; ok && line && *line;) {
        char *nl = strchr(line, '\n'), *tab = memchr(line, '\t', nl ? (size_t)(nl - line) : strlen(line));
        if (!tab)
            break;
        sqlite3_reset(q);
        sqlite3_bind_blob(q, 1, line, (int)(tab - line), SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, strtoll(tab + 1, NULL, 10));
        ok = sqlite3_step(q) == SQLITE_DONE;
        line = nl ? nl + 1 : NULL;
    }
    sqlite3_finalize(q);
    ok = ok && exec(&s, "COMMIT", "converting the state");
    if (!ok && db)
        db_error(&s, "converting the state");
    sqlite3_close(db);
    cbr_free(merged);
    if (ok && (rename(path, txt) != 0 || rename(tmp, path) != 0)) {
        fprintf(stderr, "%s: %s: %s\n", cbrc_prog, path, strerror(errno));
        ok = false;
    }
    if (ok)
        fprintf(stderr, "%s: %s: converted the text state of an older cbrc to a database (the text is kept as %s)\n",
                cbrc_prog, path, txt);
    else
        remove(tmp);
    free(txt);
    free(tmp);
    return ok;
}

statedb *statedb_open(const char *path, statedb_mode mode)
{
    bool exists, empty;
    bool db = is_sqlite(path, &exists, &empty);
    if (!exists && mode != STATEDB_RUN) {
        fprintf(stderr, "%s: %s: no such state (a run with --state makes it)\n", cbrc_prog, path);
        return NULL;
    }
    if (exists && !db && !empty && mode == STATEDB_READ) {
        /* Explain never writes: an old snapshot is read, not converted. */
        fprintf(stderr, "%s: %s: is a text state of an older cbrc; a run with --state converts it\n", cbrc_prog, path);
        return NULL;
    }
    if (exists && !db && !empty && !convert_text(path))
        return NULL;
    statedb *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        fprintf(stderr, "%s: out of memory\n", cbrc_prog);
        return NULL;
    }
    s->mode = mode;
    kinit(s);
    int flags = mode == STATEDB_READ ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    bool ok = sqlite3_open_v2(path, &s->db, flags, NULL) == SQLITE_OK;
    if (!ok)
        db_error(s, "opening the state");
    /* A run reads pages of a large file at random (a counter or record
     * per key it names): a cache of 256 MiB and the file mapped keep them
     * from being read twice. */
    if (ok)
        ok = exec(s, "PRAGMA cache_size = -262144; PRAGMA mmap_size = 4294967296", "opening the state");
    /* Another run holding the file: refused now, not after the work. */
    if (ok && !exec(s, mode == STATEDB_READ ? "BEGIN" : "BEGIN IMMEDIATE", "opening the state"))
        ok = false;
    int v = ok ? user_version(s) : -1;
    if (ok && v == 0 && mode != STATEDB_READ)
        ok = create_schema(s, true);
    else if (ok && v == 0)
        s->empty = true;
    else if (ok && v != SCHEMA_VERSION) {
        fprintf(stderr, "%s: %s: a state of schema version %d, from a newer cbrc (this one reads version %d)\n",
                cbrc_prog, path, v, SCHEMA_VERSION);
        ok = false;
    }
    for (int i = 0; ok && !s->empty && i < Q_COUNT; i++)
        if (sqlite3_prepare_v2(s->db, sql[i], -1, &s->q[i], NULL) != SQLITE_OK) {
            db_error(s, "reading the state");
            ok = false;
        }
    cbr_error err;
    if (ok && cbr_state_new(NULL, &s->cache, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s\n", cbrc_prog, err.message);
        ok = false;
    }
    if (!ok) {
        statedb_close(s);
        return NULL;
    }
    s->ledger_days = meta_days(s);
    cbr_state_track_changes(s->cache, 1);
    s->inner = cbr_state_store(s->cache);
    s->store = (cbr_store){.size = sizeof s->store, .ud = s, .get = db_get, .reserve = db_reserve,
                           .record_get = db_record_get, .record_put = db_record_put};
    return s;
}

const cbr_store *statedb_store(statedb *db) { return &db->store; }

void statedb_set_ledger_days(statedb *db, long days)
{
    db->ledger_days = days;
    db->days_given = true;
}

void statedb_close(statedb *s)
{
    if (!s)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    if (s->db)
        sqlite3_close(s->db); /* an open transaction is rolled back */
    cbr_state_free(s->cache);
    kfree(s);
    free(s->path);
    free(s);
}

/* ---- pots ---- */

static bool has_meta(statedb *s, const char *name)
{
    sqlite3_stmt *q;
    bool yes = false;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM meta WHERE name = ?1", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        yes = sqlite3_step(q) == SQLITE_ROW;
    }
    sqlite3_finalize(q);
    return yes;
}

/* Adds v to the cached counter key (read from the file first, so that a
 * pot some other counter already fed adds up), as a load: not a change. */
static bool cache_add(statedb *s, const char *key, size_t n, int64_t v)
{
    if (load_counter(s, key, n) != CBR_OK)
        return false;
    cbr_reservation r = {key, n, v, INT64_MAX, 0};
    int granted = 0;
    cbr_state_track_changes(s->cache, 0);
    cbr_status st = s->inner.reserve(s->inner.ud, &r, 1, &granted);
    cbr_state_track_changes(s->cache, 1);
    return st == CBR_OK && granted;
}

bool statedb_migrate_pots(statedb *s, const cbr_program *p)
{
    if (s->empty || has_meta(s, "pots"))
        return true;
    /* A state kept before pots: each currency's counter of a limit or
     * budget written without one goes into its pot (cbr.h). */
    sqlite3_stmt *q;
    /* Keys are blobs, and a blob never compares equal to text: the bounds
     * are blobs too (kinds a, b and c: money counters). */
    static const char scan[] =
        "SELECT key, value FROM counters WHERE key >= CAST('a|' AS BLOB) AND key < CAST('d' AS BLOB)";
    if (sqlite3_prepare_v2(s->db, scan, -1, &q, NULL) != SQLITE_OK) {
        db_error(s, "reading the counters");
        return false;
    }
    bool ok = true;
    size_t moved = 0;
    sqlite3_stmt *del = NULL;
    if (s->mode != STATEDB_READ &&
        sqlite3_prepare_v2(s->db, "DELETE FROM counters WHERE key = ?1", -1, &del, NULL) != SQLITE_OK) {
        db_error(s, "converting the counters");
        ok = false;
    }
    char *keys = NULL;          /* old keys, NUL-separated, deleted after the scan */
    size_t nkeys = 0, capkeys = 0;
    int rc = SQLITE_DONE;
    while (ok && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *key = sqlite3_column_blob(q, 0);
        size_t n = (size_t)sqlite3_column_bytes(q, 0), pn;
        int64_t pv;
        char pot[1024];
        if (cbr_program_pot_key(p, key, n, sqlite3_column_int64(q, 1), pot, sizeof pot, &pn, &pv) != 1)
            continue;
        /* The pot in the cache, as a change, so that the commit writes it
         * (only read: in the cache alone). */
        ok = load_counter(s, pot, pn) == CBR_OK;
        if (ok) {
            cbr_reservation r = {pot, pn, pv, INT64_MAX, 0};
            int granted = 0;
            ok = (s->mode == STATEDB_READ ? cache_add(s, pot, pn, pv)
                                          : s->inner.reserve(s->inner.ud, &r, 1, &granted) == CBR_OK && granted);
        }
        if (ok && s->mode != STATEDB_READ) {
            if (nkeys + n + 1 > capkeys) {
                capkeys = (nkeys + n + 1) * 2;
                char *k2 = realloc(keys, capkeys);
                ok = k2 != NULL;
                keys = k2 ? k2 : keys;
            }
            if (ok) {
                memcpy(keys + nkeys, key, n);
                keys[nkeys + n] = '\0';
                nkeys += n + 1;
            }
        }
        moved++;
    }
    if (ok && rc != SQLITE_DONE) {
        db_error(s, "reading the counters");
        ok = false;
    }
    sqlite3_finalize(q);
    /* Older keys hold no NUL (cbr.h), so the list splits back cleanly. */
    for (size_t at = 0; ok && at < nkeys; at += strlen(keys + at) + 1) {
        sqlite3_reset(del);
        sqlite3_bind_blob(del, 1, keys + at, (int)strlen(keys + at), SQLITE_STATIC);
        if (sqlite3_step(del) != SQLITE_DONE) {
            db_error(s, "converting the counters");
            ok = false;
        }
    }
    sqlite3_finalize(del);
    free(keys);
    if (ok && s->mode != STATEDB_READ)
        ok = exec(s, "INSERT INTO meta(name, value) VALUES ('pots', 1)", "converting the counters");
    if (!ok) {
        s->failed = true;
        return false;
    }
    if (moved && s->mode != STATEDB_READ)
        fprintf(stderr,
                "%s: %s: %zu counters of limits and budgets written without a currency, kept per currency by an "
                "older cbrc, are now one pot each across currencies\n",
                cbrc_prog, s->path, moved);
    return true;
}

/* ---- committing ---- */

/* A counter to write: its key copied out of the state's buffer. */
typedef struct cput {
    char *key;
    size_t n;
    int64_t v;
} cput;

typedef struct put_walk {
    cput *v;
    size_t n, cap;
    bool oom;
} put_walk;

static cbr_status take_counter(void *ud, const char *key, size_t n, int64_t v)
{
    put_walk *w = ud;
    if (w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 1024;
        cput *q = realloc(w->v, nc * sizeof *q);
        if (!q)
            return CBR_ERR_NOMEM;
        w->v = q;
        w->cap = nc;
    }
    char *k = malloc(n ? n : 1);
    if (!k)
        return CBR_ERR_NOMEM;
    memcpy(k, key, n);
    w->v[w->n++] = (cput){k, n, v};
    return CBR_OK;
}

static int keycmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

static int cmp_cput(const void *a, const void *b)
{
    const cput *x = a, *y = b;
    return keycmp(x->key, x->n, y->key, y->n);
}

static int cmp_kent(const void *a, const void *b)
{
    const kent *x = *(const kent *const *)a, *y = *(const kent *const *)b;
    return keycmp(x->k.key, x->k.n, y->k.key, y->k.n);
}

/* Writes the changed counters in key order: inserted in order, each lands
 * next to the last in the B-tree, on pages already in the cache. */
static bool write_counters(statedb *s)
{
    put_walk w = {0};
    bool ok = cbr_state_each_change(s->cache, take_counter, &w, NULL) == CBR_OK;
    if (!ok)
        fprintf(stderr, "%s: %s: out of memory saving the state\n", cbrc_prog, s->path);
    if (w.n > 1)
        qsort(w.v, w.n, sizeof *w.v, cmp_cput);
    sqlite3_stmt *q = s->q[Q_PUT_COUNTER];
    for (size_t i = 0; ok && i < w.n; i++) {
        sqlite3_reset(q);
        sqlite3_bind_blob(q, 1, w.v[i].key, (int)w.v[i].n, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, w.v[i].v);
        if (sqlite3_step(q) != SQLITE_DONE) {
            db_error(s, "writing the counters");
            ok = false;
        }
    }
    sqlite3_reset(q);
    for (size_t i = 0; i < w.n; i++)
        free(w.v[i].key);
    free(w.v);
    return ok;
}

/* The records put, in key order likewise. */
static bool write_records(statedb *s)
{
    kent **v = s->dirty.n ? malloc(s->dirty.n * sizeof *v) : NULL;
    size_t n = 0;
    if (s->dirty.n && !v) {
        fprintf(stderr, "%s: %s: out of memory saving the state\n", cbrc_prog, s->path);
        return false;
    }
    for (size_t i = 0; i < s->dirty.cap; i++) {
        kent *e = hsmap_slot(&s->dirty, i);
        if (e->k.key)
            v[n++] = e;
    }
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_kent);
    sqlite3_stmt *q = s->q[Q_PUT_RECORD];
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        const kent *e = v[i];
        const void *data;
        size_t len;
        if (s->inner.record_get(s->inner.ud, e->k.key, e->k.n, &data, &len) != CBR_OK || !data)
            continue;
        int64_t due = e->due;
        if (due == DUE_UNKNOWN) {
            /* Nothing vests before the dawn of time: this only reads its due. */
            char *out = NULL;
            size_t on;
            due = INT64_MAX;
            cbr_ledger_vest(NULL, data, len, INT64_MIN, NULL, NULL, &out, &on, &due, NULL);
        }
        sqlite3_reset(q);
        sqlite3_bind_blob(q, 1, e->k.key, (int)e->k.n, SQLITE_STATIC);
        sqlite3_bind_blob(q, 2, data, (int)len, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, due);
        sqlite3_bind_int64(q, 4, e->v);
        if (sqlite3_step(q) != SQLITE_DONE) {
            db_error(s, "writing the ledger");
            ok = false;
        }
    }
    sqlite3_reset(q);
    free(v);
    return ok;
}

bool statedb_spill(statedb *s, size_t max_bytes)
{
    if (s->failed || s->mode == STATEDB_READ)
        return !s->failed;
    /* The key sets are the cache's too: each entry costs its key again. */
    size_t bytes = cbr_state_memory(s->cache) +
                   (s->counters_seen.cap + s->records_seen.cap + s->dirty.cap) * sizeof(kent);
    if (bytes <= max_bytes)
        return true;
    if (!write_counters(s) || !write_records(s)) {
        s->failed = true;
        return false;
    }
    cbr_state *fresh;
    cbr_error err;
    if (cbr_state_new(NULL, &fresh, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s\n", cbrc_prog, err.message);
        s->failed = true;
        return false;
    }
    cbr_state_free(s->cache);
    s->cache = fresh;
    cbr_state_track_changes(s->cache, 1);
    s->inner = cbr_state_store(s->cache);
    kfree(s);
    return true;
}

bool statedb_commit(statedb *s)
{
    if (s->failed || s->mode == STATEDB_READ)
        return false;
    if (!write_counters(s) || !write_records(s))
        return false;
    /* Retention: a record with nothing pending, older than the window
     * before the newest one, can be refunded or repeated no more. */
    char prune[400];
    snprintf(prune, sizeof prune,
             "DELETE FROM ledger INDEXED BY ledger_at WHERE at < (SELECT max(at) FROM ledger) - %lld AND due = %lld;"
             "INSERT INTO meta(name, value) VALUES ('ledger_days', %ld)"
             " ON CONFLICT(name) DO UPDATE SET value = excluded.value;",
             (long long)s->ledger_days * 86400, (long long)INT64_MAX, s->ledger_days);
    if (!exec(s, prune, "pruning the ledger"))
        return false;
    return exec(s, "COMMIT", "saving the state");
}

/* ---- vesting ---- */

bool statedb_vest(statedb *s, int64_t at, cbr_vest_fn fn, void *ud)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "SELECT key, data, at FROM ledger WHERE due <= ?1", -1, &q, NULL) != SQLITE_OK) {
        db_error(s, "reading the ledger");
        return false;
    }
    sqlite3_bind_int64(q, 1, at);
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *key = sqlite3_column_blob(q, 0);
        size_t n = (size_t)sqlite3_column_bytes(q, 0);
        bool added;
        kent *e = kadd(&s->dirty, key, n, sqlite3_column_int64(q, 2), &added);
        if (e)
            e->due = DUE_UNKNOWN; /* vesting changes it: read at commit */
        ok = e && kadd(&s->records_seen, key, n, 0, &added) &&
             s->inner.record_put(s->inner.ud, key, n, sqlite3_column_blob(q, 1), (size_t)sqlite3_column_bytes(q, 1),
                                 at, e->v) == CBR_OK;
    }
    if (ok && rc != SQLITE_DONE) {
        db_error(s, "reading the ledger");
        ok = false;
    }
    sqlite3_finalize(q);
    cbr_error err;
    if (ok && cbr_state_vest(s->cache, at, fn, ud, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s: %s\n", cbrc_prog, s->path, err.message);
        ok = false;
    }
    return ok;
}

/* ---- what it holds ---- */

static int64_t count_of(statedb *s, const char *text)
{
    sqlite3_stmt *q;
    int64_t v = -1;
    if (sqlite3_prepare_v2(s->db, text, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

bool statedb_info_of(statedb *s, statedb_info *out)
{
    if (s->empty) {
        *out = (statedb_info){0, 0, 0, INT64_MAX, s->ledger_days};
        return true;
    }
    out->counters = (uint64_t)count_of(s, "SELECT count(*) FROM counters");
    out->records = (uint64_t)count_of(s, "SELECT count(*) FROM ledger");
    char text[128];
    snprintf(text, sizeof text, "SELECT count(*) FROM ledger WHERE due < %lld", (long long)INT64_MAX);
    out->pending = (uint64_t)count_of(s, text);
    out->earliest_due = count_of(s, "SELECT coalesce(min(due), 9223372036854775807) FROM ledger");
    out->ledger_days = s->ledger_days;
    return true;
}

bool statedb_each_counter(statedb *s, void (*fn)(void *ud, const char *key, size_t n, int64_t v), void *ud)
{
    if (s->empty)
        return true;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "SELECT key, value FROM counters ORDER BY key", -1, &q, NULL) != SQLITE_OK)
        return false;
    while (sqlite3_step(q) == SQLITE_ROW)
        fn(ud, sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0), sqlite3_column_int64(q, 1));
    sqlite3_finalize(q);
    return true;
}

bool statedb_each_record(statedb *s, void (*fn)(void *ud, const char *key, size_t n, const void *data, size_t len),
                         void *ud)
{
    if (s->empty)
        return true;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "SELECT key, data FROM ledger ORDER BY key", -1, &q, NULL) != SQLITE_OK)
        return false;
    while (sqlite3_step(q) == SQLITE_ROW)
        fn(ud, sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0), sqlite3_column_blob(q, 1),
           (size_t)sqlite3_column_bytes(q, 1));
    sqlite3_finalize(q);
    return true;
}

typedef struct pend_walk {
    void (*fn)(void *ud, const cbr_award *a);
    void *ud;
} pend_walk;

static void pend_one(void *ud, const char *key, size_t n, const void *data, size_t len)
{
    (void)key, (void)n;
    pend_walk *w = ud;
    char *out = NULL;
    size_t on;
    int64_t due;
    /* Vesting a copy at the end of time tells each pending award. */
    if (cbr_ledger_vest(NULL, data, len, INT64_MAX, w->fn, w->ud, &out, &on, &due, NULL) == CBR_OK)
        cbr_free(out);
}

bool statedb_each_pending(statedb *s, void (*fn)(void *ud, const cbr_award *a), void *ud)
{
    if (s->empty)
        return true;
    pend_walk w = {fn, ud};
    sqlite3_stmt *q;
    char text[128];
    snprintf(text, sizeof text, "SELECT key, data FROM ledger WHERE due < %lld", (long long)INT64_MAX);
    if (sqlite3_prepare_v2(s->db, text, -1, &q, NULL) != SQLITE_OK)
        return false;
    while (sqlite3_step(q) == SQLITE_ROW)
        pend_one(&w, NULL, 0, sqlite3_column_blob(q, 1), (size_t)sqlite3_column_bytes(q, 1));
    sqlite3_finalize(q);
    return true;
}
