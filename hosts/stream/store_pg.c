/* store_pg.c: cbr-stream's store for a fleet, one PostgreSQL database the
 * instances of a consumer group share (store.c picks it for a --state that
 * is a postgresql:// URI).
 *
 * The tables, in the schema cbr_meta names the version of:
 *   cbr_counters(key, usr, value)  per-user counters (usr their user part,
 *                                  read per batch by user) and shared ones
 *                                  (usr NULL, value what the fleet spent)
 *   cbr_leases(key, owner, room, expires)
 *                                  each instance's unspent room in a shared
 *                                  counter, until it expires (shared.c)
 *   cbr_partitions(topic, part, epoch, owner, next)
 *                                  who took each input partition last, how
 *                                  many times it was taken, the next offset
 *   cbr_ledger(key, data, due, at, part), cbr_outbox(id, part, kind, ...)
 *                                  as store_sqlite.c's, with the input
 *                                  partition they belong to
 * Main choice: fencing by epoch.  Each take counts one more; a batch's
 * transaction locks its partitions' rows and checks it still holds their
 * epochs, so an instance that lost a partition while it stood still (a
 * pause longer than its session) cannot commit for it after the next owner
 * began. */
#include "config.h"
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hosts/stream/store_int.h"

/* migrations[v] takes a database from schema v to v + 1. */
static const char *const migrations[] = {
    /* 1: the tables.  A new database keeps pots from the start
     * (stream_store_migrate_pots). */
    "CREATE TABLE IF NOT EXISTS cbr_counters(key text COLLATE \"C\" PRIMARY KEY, usr text COLLATE \"C\","
    " value bigint NOT NULL);"
    "CREATE INDEX IF NOT EXISTS cbr_counters_usr ON cbr_counters(usr);"
    "CREATE TABLE IF NOT EXISTS cbr_leases(key text COLLATE \"C\" NOT NULL, owner text NOT NULL,"
    " room bigint NOT NULL, expires timestamptz NOT NULL, PRIMARY KEY(key, owner));"
    "CREATE TABLE IF NOT EXISTS cbr_partitions(topic text NOT NULL, part integer NOT NULL, epoch bigint NOT NULL,"
    " owner text, next bigint, PRIMARY KEY(topic, part));"
    "CREATE TABLE IF NOT EXISTS cbr_ledger(key bytea PRIMARY KEY, data bytea NOT NULL, due bigint NOT NULL,"
    " at bigint NOT NULL, part integer NOT NULL);"
    "CREATE INDEX IF NOT EXISTS cbr_ledger_due ON cbr_ledger(part, due);"
    "CREATE INDEX IF NOT EXISTS cbr_ledger_at ON cbr_ledger(at);"
    "CREATE TABLE IF NOT EXISTS cbr_outbox(id bigserial PRIMARY KEY, part integer NOT NULL, kind integer NOT NULL,"
    " key bytea, value bytea NOT NULL, reason text, source text);"
    "CREATE INDEX IF NOT EXISTS cbr_outbox_part ON cbr_outbox(part, id);"
    "INSERT INTO cbr_meta(name, value) VALUES ('pots', '1') ON CONFLICT DO NOTHING",
};
#define SCHEMA ((long)(sizeof migrations / sizeof *migrations))

/* Every statement is prepared once per session; every result comes back in
 * binary (bytea as it is, integers big-endian: num). */
enum { Q_PUT_COUNTER, Q_LOAD_USERS, Q_TAKE, Q_OFFSET, Q_FENCE, Q_PUT_OFFSET, Q_OUT_ALL, Q_OUT_PART, Q_OUT_GET, Q_OUT_COUNT,
       Q_OUT_ADD, Q_OUT_DEL, Q_GET_RECORD, Q_GET_RECORDS, Q_PUT_RECORD, Q_DUE, Q_PRUNE, Q_RECORD_COUNT, Q_POTS, Q_LEASE_ROW,
       Q_LEASE_LOCK, Q_LEASE_EXPIRE, Q_LEASE_SUMS, Q_LEASE_PUT, Q_SPEND_ROOM, Q_SPEND_VALUE, Q_RELEASE, Q_RENEW, Q_PEEK,
       Q_COUNT };

#define OUT_ROW "SELECT id, part, kind, key, value, reason, source FROM cbr_outbox "
#define LATER(n) "now() + $" #n "::float8 * interval '1 second'"
enum { OUT_CHUNK = 256 };

static const struct {
    const char *name, *sql;
} stmt[Q_COUNT] = {
    [Q_PUT_COUNTER] = {"cbr_put_counter", "INSERT INTO cbr_counters(key, usr, value) VALUES ($1::text, $2::text, "
                                          "$3::bigint) ON CONFLICT (key) DO UPDATE SET value = excluded.value"},
    [Q_LOAD_USERS] = {"cbr_load_users", "SELECT key, value FROM cbr_counters WHERE usr = ANY($1::text[])"},
    [Q_TAKE] = {"cbr_take", "INSERT INTO cbr_partitions(topic, part, epoch, owner, next) VALUES ($1, $2, 1, $3, NULL) "
                            "ON CONFLICT (topic, part) DO UPDATE SET epoch = cbr_partitions.epoch + 1, "
                            "owner = excluded.owner RETURNING epoch, next"},
    [Q_OFFSET] = {"cbr_offset", "SELECT next FROM cbr_partitions WHERE topic = $1 AND part = $2"},
    [Q_FENCE] = {"cbr_fence", "SELECT part, epoch, owner FROM cbr_partitions WHERE topic = $1 "
                              "AND part = ANY($2::int[]) ORDER BY part FOR UPDATE"},
    [Q_PUT_OFFSET] = {"cbr_put_offset", "INSERT INTO cbr_partitions(topic, part, epoch, owner, next) "
                                        "VALUES ($1, $2, 0, NULL, $3) "
                                        "ON CONFLICT (topic, part) DO UPDATE SET next = excluded.next"},
    [Q_OUT_ALL] = {"cbr_out_all", OUT_ROW "WHERE id > $1 ORDER BY id LIMIT $2"},
    [Q_OUT_PART] = {"cbr_out_part", OUT_ROW "WHERE part = $3 AND id > $1 ORDER BY id LIMIT $2"},
    [Q_OUT_GET] = {"cbr_out_get", OUT_ROW "WHERE id = $1"},
    [Q_OUT_COUNT] = {"cbr_out_count", "SELECT count(*) FROM cbr_outbox"},
    [Q_OUT_ADD] = {"cbr_out_add", "INSERT INTO cbr_outbox(part, kind, key, value, reason, source) "
                                  "VALUES ($1, $2, $3::bytea, $4::bytea, $5, $6) RETURNING id"},
    [Q_OUT_DEL] = {"cbr_out_del", "DELETE FROM cbr_outbox WHERE id = ANY($1::bigint[])"},
    [Q_GET_RECORD] = {"cbr_get_record", "SELECT data, part FROM cbr_ledger WHERE key = $1::bytea"},
    /* The keys come as hex text: an array of bytea literals would need two
     * levels of escaping. */
    [Q_GET_RECORDS] = {"cbr_get_records", "SELECT key, data, part FROM cbr_ledger WHERE key = ANY "
                                          "(ARRAY(SELECT decode(x, 'hex') FROM unnest($1::text[]) AS x))"},
    [Q_PUT_RECORD] = {"cbr_put_record", "INSERT INTO cbr_ledger(key, data, due, at, part) "
                                        "VALUES ($1::bytea, $2::bytea, $3, $4, $5) ON CONFLICT (key) DO UPDATE "
                                        "SET data = excluded.data, due = excluded.due, at = excluded.at, "
                                        "part = excluded.part"},
    [Q_DUE] = {"cbr_due", "SELECT key, data, at, part FROM cbr_ledger WHERE part = ANY($3::int[]) AND due <= $1 "
                          "ORDER BY due, key LIMIT $2"},
    [Q_PRUNE] = {"cbr_prune", "DELETE FROM cbr_ledger WHERE at < (SELECT max(at) FROM cbr_ledger) - $1::bigint "
                              "AND due = 9223372036854775807"},
    [Q_RECORD_COUNT] = {"cbr_record_count", "SELECT count(*) FROM cbr_ledger"},
    [Q_POTS] = {"cbr_pots", "SELECT 1 FROM cbr_meta WHERE name = 'pots'"},
    [Q_LEASE_ROW] = {"cbr_lease_row", "INSERT INTO cbr_counters(key, usr, value) VALUES ($1::text, NULL, 0) "
                                      "ON CONFLICT DO NOTHING"},
    [Q_LEASE_LOCK] = {"cbr_lease_lock", "SELECT value FROM cbr_counters WHERE key = $1::text FOR UPDATE"},
    [Q_LEASE_EXPIRE] = {"cbr_lease_expire", "DELETE FROM cbr_leases WHERE key = $1::text AND expires <= now()"},
    [Q_LEASE_SUMS] = {"cbr_lease_sums", "SELECT coalesce(sum(room) FILTER (WHERE owner <> $2), 0)::bigint, "
                                        "coalesce(sum(room) FILTER (WHERE owner = $2), 0)::bigint, "
                                        "count(*) FILTER (WHERE owner = $2) FROM cbr_leases WHERE key = $1::text"},
    [Q_LEASE_PUT] = {"cbr_lease_put", "INSERT INTO cbr_leases(key, owner, room, expires) "
                                      "VALUES ($1::text, $2, $3, " LATER(4) ") ON CONFLICT (key, owner) "
                                      "DO UPDATE SET room = excluded.room, expires = excluded.expires"},
    [Q_SPEND_ROOM] = {"cbr_spend_room", "UPDATE cbr_leases SET room = room - $3, expires = " LATER(4) " "
                                        "WHERE key = $1::text AND owner = $2 AND expires > now() AND room >= $3"},
    [Q_SPEND_VALUE] = {"cbr_spend_value", "INSERT INTO cbr_counters(key, usr, value) VALUES ($1::text, NULL, $2) "
                                          "ON CONFLICT (key) DO UPDATE SET value = cbr_counters.value + "
                                          "excluded.value"},
    [Q_PEEK] = {"cbr_peek", "SELECT (coalesce((SELECT value FROM cbr_counters WHERE key = $1::text), 0) + "
                            "coalesce((SELECT sum(room) FROM cbr_leases WHERE key = $1::text AND owner <> $2 "
                            "AND expires > now()), 0))::bigint"},
    [Q_RELEASE] = {"cbr_release", "DELETE FROM cbr_leases WHERE owner = $1"},
    [Q_RENEW] = {"cbr_renew", "UPDATE cbr_leases SET expires = " LATER(2) " WHERE owner = $1 AND expires > now()"},
};

/* A batch's writes go out in libpq's pipeline mode: sent without waiting
 * for each answer, the answers read before the next statement that needs
 * one (a read, the commit).  A batch of 1,000 rows is a few round trips,
 * not a few thousand.  QUEUE_MAX bounds the answers outstanding, so that
 * neither side's socket buffer fills while the other waits. */
#define QUEUE_MAX 256

typedef struct pg_store {
    stream_store base;
    PGconn *conn;
    bool batch;                     /* in a batch's transaction (pg_begin) */
    int queued;                     /* statements sent, answers not read */
    const char *what[QUEUE_MAX];    /* each one's description, for errors */
    int64_t *id[QUEUE_MAX];         /* where its RETURNING id goes, or NULL */
} pg_store;

/* A statement's parameters: text, or bytes sent as they are (binary). */
typedef struct args {
    int n;
    const char *v[6];
    int len[6], fmt[6];
    char num[6][24];
} args;

static void a_int(args *a, int64_t v)
{
    snprintf(a->num[a->n], sizeof a->num[0], "%lld", (long long)v);
    a->v[a->n] = a->num[a->n];
    a->len[a->n] = 0;
    a->fmt[a->n++] = 0;
}

/* NULL is SQL's NULL. */
static void a_str(args *a, const char *text)
{
    a->v[a->n] = text;
    a->len[a->n] = 0;
    a->fmt[a->n++] = 0;
}

/* text or bytea with a length (the binary form of both is the bytes); NULL
 * is SQL's NULL. */
static void a_bytes(args *a, const void *p, size_t n)
{
    a->v[a->n] = p;
    a->len[a->n] = (int)n;
    a->fmt[a->n++] = 1;
}

/* The failures worth trying again on a new session: the connection's, the
 * server going down, and a transaction that lost a deadlock or a
 * serialization conflict. */
static bool transient(const char *state)
{
    return state && (!strncmp(state, "08", 2) || !strcmp(state, "40001") || !strcmp(state, "40P01") ||
                     !strcmp(state, "57P01") || !strcmp(state, "57P02") || !strcmp(state, "57P03"));
}

/* libpq's messages end in a newline; ours add their own.  With one_line,
 * only the first: what follows a lost connection's is a guess at why. */
static int trimmed(const char *msg, bool one_line)
{
    size_t n = one_line ? strcspn(msg, "\n") : strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    return (int)n;
}

static int drain(pg_store *s);
static int64_t num(const PGresult *r, int row, int col);
static void pg_rollback(stream_store *ss);

static int fail(pg_store *s, const char *what, const PGresult *r)
{
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg && r && *PQresultErrorMessage(r))
        msg = PQresultErrorMessage(r);
    if (!msg)
        msg = PQerrorMessage(s->conn);
    int n = trimmed(msg, true);
    if (!n)
        n = trimmed(msg = "no answer from the server", true);
    s->base.lost = PQstatus(s->conn) != CONNECTION_OK || transient(r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL);
    fprintf(stderr, STREAM_PROG ": %s: %s: %.*s\n", s->base.where, what, n, msg);
    return -1;
}

/* A statement without parameters, its result ignored. */
static int exec(pg_store *s, const char *what, const char *sql)
{
    if (drain(s) != 0)
        return -1;
    PGresult *r = PQexec(s->conn, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : fail(s, what, r);
    PQclear(r);
    return rc;
}

/* Reads the answers of the statements queued, in order, and leaves
 * pipeline mode: 0, or -1 after printing the first failure (the
 * statements after it were not run: PGRES_PIPELINE_ABORTED). */
static int drain(pg_store *s)
{
    if (PQpipelineStatus(s->conn) == PQ_PIPELINE_OFF)
        return 0;
    int rc = 0;
    bool synced = PQpipelineSync(s->conn) == 1;
    if (!synced)
        rc = fail(s, s->queued ? s->what[0] : "sending a batch", NULL);
    for (int i = 0; rc == 0 && i < s->queued; i++) {
        PGresult *r = PQgetResult(s->conn);
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
            if (s->id[i])
                *s->id[i] = PQntuples(r) ? num(r, 0, 0) : -1;
        } else {
            rc = fail(s, s->what[i], r);
        }
        PQclear(r);
        if (r)
            PQclear(PQgetResult(s->conn)); /* the NULL that ends each statement's answers */
    }
    /* Whatever is left, to the Sync: aborted statements, the Sync itself.
     * Two NULLs in a row: nothing more is coming (a connection gone). */
    for (int nulls = 0; synced && nulls < 2 && PQstatus(s->conn) == CONNECTION_OK;) {
        PGresult *r = PQgetResult(s->conn);
        bool sync = r && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        nulls = r ? 0 : nulls + 1;
        PQclear(r);
        if (sync)
            break;
    }
    s->queued = 0;
    if (!PQexitPipelineMode(s->conn) && rc == 0)
        rc = fail(s, "ending a pipeline", NULL);
    return rc;
}

/* In a batch's transaction, q is sent and its answer read by the next
 * drain (its RETURNING id to *id); elsewhere it runs at once. */
static int queue(pg_store *s, int q, const args *a, const char *what, int64_t *id)
{
    if (s->queued == QUEUE_MAX && drain(s) != 0)
        return -1;
    if (PQpipelineStatus(s->conn) == PQ_PIPELINE_OFF && !PQenterPipelineMode(s->conn))
        return fail(s, what, NULL);
    if (!PQsendQueryPrepared(s->conn, stmt[q].name, a->n, a->v, a->len, a->fmt, 1)) {
        fail(s, what, NULL);
        drain(s);
        return -1;
    }
    s->what[s->queued] = what;
    s->id[s->queued++] = id;
    return 0;
}

/* The prepared statement q's result, or NULL after printing why. */
static PGresult *run(pg_store *s, int q, const args *a, const char *what)
{
    if (drain(s) != 0)
        return NULL;
    PGresult *r = PQexecPrepared(s->conn, stmt[q].name, a->n, a->v, a->len, a->fmt, 1);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    fail(s, what, r);
    PQclear(r);
    return NULL;
}

/* For a statement whose result says only whether it worked; in a batch,
 * queued. */
static int run_only(pg_store *s, int q, const args *a, const char *what)
{
    if (s->batch)
        return queue(s, q, a, what, NULL);
    PGresult *r = run(s, q, a, what);
    PQclear(r);
    return r ? 0 : -1;
}

/* A binary integer of any width the schema has (int4, int8); NULL is 0. */
static int64_t num(const PGresult *r, int row, int col)
{
    const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
    int n = PQgetlength(r, row, col);
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | (uint64_t)p[i];
    return n == 4 ? (int64_t)(int32_t)(uint32_t)v : (int64_t)v;
}

static size_t len_at(const PGresult *r, int row, int col) { return (size_t)PQgetlength(r, row, col); }

/* A copy of the value (stream_dup), or NULL for SQL's NULL; *ok false when
 * memory ran out. */
static char *dup_at(const PGresult *r, int row, int col, size_t *n, bool *ok)
{
    *n = 0;
    if (PQgetisnull(r, row, col))
        return NULL;
    *n = len_at(r, row, col);
    char *c = stream_dup(PQgetvalue(r, row, col), *n);
    *ok = *ok && c;
    return c;
}

/* An array literal of integers ("{1,2,3}"), malloc'ed; from v32 or v64. */
static char *int_array(const int32_t *v32, const int64_t *v64, size_t n)
{
    char *lit = malloc(n * 21 + 3), *p = lit;
    if (!lit)
        return NULL;
    *p++ = '{';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%lld", i ? "," : "", v32 ? (long long)v32[i] : (long long)v64[i]);
    strcpy(p, "}");
    return lit;
}

/* The URI without its password (user:secret@, a password= parameter). */
static char *redact(const char *uri)
{
    char *w = malloc(strlen(uri) + 1), *o = w;
    if (!w)
        return NULL;
    const char *p = strstr(uri, "://");
    if (p) {
        p += 3;
        memcpy(o, uri, (size_t)(p - uri));
        o += p - uri;
        /* libpq's reading: the user part ends at an @ before any / */
        const char *at = p + strcspn(p, "@/");
        const char *colon = *at == '@' ? memchr(p, ':', (size_t)(at - p)) : NULL;
        if (colon) {
            memcpy(o, p, (size_t)(colon - p));
            o += colon - p;
            p = at;
        }
    } else {
        p = uri;
    }
    const char *q = strchr(p, '?');
    size_t head = q ? (size_t)(q - p) : strlen(p);
    memcpy(o, p, head);
    o += head;
    for (char sep = '?'; q && *q;) {
        q++;
        size_t n = strcspn(q, "&");
        if (strncmp(q, "password=", 9)) {
            *o++ = sep;
            memcpy(o, q, n);
            o += n;
            sep = '&';
        }
        q += n;
    }
    *o = '\0';
    return w;
}

/* The notices this code provokes are all expected ones (a table that is
 * there already): they would only clutter the log. */
static void quiet(void *arg, const PGresult *r)
{
    (void)arg;
    (void)r;
}

static bool prepare(pg_store *s, bool loud)
{
    for (int i = 0; i < Q_COUNT; i++) {
        PGresult *r = PQprepare(s->conn, stmt[i].name, stmt[i].sql, 0, NULL);
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok && loud)
            fail(s, stmt[i].sql, r);
        PQclear(r);
        if (!ok)
            return false;
    }
    return true;
}

/* Creates or brings up to date the schema, in one transaction under a lock
 * of cbr-stream's own: instances of a fleet started together would
 * otherwise race to create the same tables (IF NOT EXISTS does not guard
 * against a concurrent CREATE). */
static int migrate(pg_store *s)
{
    const char *what = "creating the tables";
    /* Any fixed number does: this one is "cbrstrea" in ASCII, which no
     * other application is likely to lock. */
    if (exec(s, what, "BEGIN; SELECT pg_advisory_xact_lock(7161412197672969569);"
                      "CREATE TABLE IF NOT EXISTS cbr_meta(name text PRIMARY KEY, value text NOT NULL)"))
        return -1;
    PGresult *r = PQexec(s->conn, "SELECT value FROM cbr_meta WHERE name = 'schema'");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fail(s, what, r);
        PQclear(r);
        return -1;
    }
    long v = 0;
    if (PQntuples(r)) {
        char *end;
        v = strtol(PQgetvalue(r, 0, 0), &end, 10);
        if (*end || end == PQgetvalue(r, 0, 0) || v < 0) {
            fprintf(stderr, STREAM_PROG ": %s: the database's schema version (%s) is not a number\n", s->base.where,
                    PQgetvalue(r, 0, 0));
            v = -1;
        }
    }
    PQclear(r);
    if (v < 0)
        return -1;
    if (v > SCHEMA) {
        fprintf(stderr, STREAM_PROG ": %s: the database's schema is version %ld, newer than this cbr-stream knows "
                        "(%ld)\n", s->base.where, v, SCHEMA);
        return -1;
    }
    for (long i = v; i < SCHEMA; i++)
        if (exec(s, what, migrations[i]))
            return -1;
    char mark[128];
    snprintf(mark, sizeof mark, "INSERT INTO cbr_meta(name, value) VALUES ('schema', '%ld') "
                                "ON CONFLICT (name) DO UPDATE SET value = excluded.value", SCHEMA);
    if (v < SCHEMA && exec(s, what, mark))
        return -1;
    return exec(s, what, "COMMIT");
}

static void pg_close(stream_store *ss);

stream_store *stream_pg_open(const char *conninfo)
{
    pg_store *s = calloc(1, sizeof *s);
    if (!s || !(s->base.where = redact(conninfo))) {
        fprintf(stderr, STREAM_PROG ": out of memory opening the state database\n");
        free(s);
        return NULL;
    }
    s->base.ops = &stream_pg_ops;
    s->base.shared = true;
    s->conn = PQconnectdb(conninfo);
    if (PQstatus(s->conn) != CONNECTION_OK) {
        const char *msg = s->conn ? PQerrorMessage(s->conn) : "out of memory";
        fprintf(stderr, STREAM_PROG ": %s: cannot connect to PostgreSQL: %.*s\n", s->base.where, trimmed(msg, false),
                msg);
        pg_close(&s->base);
        return NULL;
    }
    PQsetNoticeReceiver(s->conn, quiet, NULL);
    /* A migration that failed ends with the session, rolled back. */
    if (migrate(s) || !prepare(s, true)) {
        pg_close(&s->base);
        return NULL;
    }
    return &s->base;
}

static void pg_close(stream_store *ss)
{
    pg_store *s = (pg_store *)ss;
    if (!s)
        return;
    PQfinish(s->conn);
    free(s->base.where);
    free(s);
}

static bool pg_reconnect(stream_store *ss)
{
    pg_store *s = (pg_store *)ss;
    PQreset(s->conn);
    s->batch = false;
    s->queued = 0;
    if (PQstatus(s->conn) != CONNECTION_OK || !prepare(s, false))
        return false;
    s->base.lost = false;
    return true;
}

/* A fleet's counters come per batch (load_users) and through leases. */
static int pg_load_ledger(stream_store *ss, stream_ledger *l)
{
    (void)ss;
    stream_ledger_loaded(l);
    return 0;
}

static int pg_load_users(stream_store *ss, stream_ledger *l, const stream_key *users, size_t n)
{
    pg_store *s = (pg_store *)ss;
    if (!n)
        return 0;
    /* A text[] literal: each user quoted, with " and \ escaped, holds any
     * bytes but NUL. */
    size_t cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += users[i].n * 2 + 3;
    char *lit = malloc(cap), *o = lit;
    if (!lit) {
        fprintf(stderr, STREAM_PROG ": %s: out of memory loading the counters\n", s->base.where);
        return -1;
    }
    *o++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *o++ = ',';
        *o++ = '"';
        for (size_t j = 0; j < users[i].n; j++) {
            if (users[i].p[j] == '"' || users[i].p[j] == '\\')
                *o++ = '\\';
            *o++ = users[i].p[j];
        }
        *o++ = '"';
    }
    strcpy(o, "}");
    args a = {0};
    a_str(&a, lit);
    PGresult *r = run(s, Q_LOAD_USERS, &a, "reading the counters");
    free(lit);
    if (!r)
        return -1;
    int rc = 0;
    for (int i = 0; i < PQntuples(r); i++)
        if (!stream_ledger_load(l, PQgetvalue(r, i, 0), len_at(r, i, 0), num(r, i, 1))) {
            fprintf(stderr, STREAM_PROG ": %s: out of memory loading the counters\n", s->base.where);
            rc = -1;
            break;
        }
    PQclear(r);
    return rc;
}

static int64_t pg_take(stream_store *ss, const char *topic, int32_t partition, const char *owner, int64_t *epoch)
{
    pg_store *s = (pg_store *)ss;
    args a = {0};
    a_str(&a, topic);
    a_int(&a, partition);
    a_str(&a, owner);
    PGresult *r = run(s, Q_TAKE, &a, "taking a partition");
    if (!r)
        return -2;
    *epoch = num(r, 0, 0);
    int64_t next = PQgetisnull(r, 0, 1) ? -1 : num(r, 0, 1);
    PQclear(r);
    if (next < -1) {
        fprintf(stderr, STREAM_PROG ": %s: the stored offset of %s/%d is negative (%lld)\n", s->base.where, topic,
                partition, (long long)next);
        return -2;
    }
    return next;
}

static int64_t pg_offset(stream_store *ss, const char *topic, int32_t partition)
{
    pg_store *s = (pg_store *)ss;
    args a = {0};
    a_str(&a, topic);
    a_int(&a, partition);
    PGresult *r = run(s, Q_OFFSET, &a, "reading an offset");
    if (!r)
        return -2;
    int64_t next = PQntuples(r) == 0 || PQgetisnull(r, 0, 0) ? -1 : num(r, 0, 0);
    PQclear(r);
    return next < -1 ? -2 : next;
}

static int pg_fence(stream_store *ss, const char *topic, const int32_t *parts, const int64_t *epochs, size_t n)
{
    pg_store *s = (pg_store *)ss;
    if (!n)
        return 0;
    char *list = int_array(parts, NULL, n);
    if (!list) {
        fprintf(stderr, STREAM_PROG ": %s: out of memory fencing the partitions\n", s->base.where);
        return -1;
    }
    args a = {0};
    a_str(&a, topic);
    a_str(&a, list);
    PGresult *r = run(s, Q_FENCE, &a, "fencing the partitions");
    free(list);
    if (!r)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        int row = 0;
        while (row < PQntuples(r) && num(r, row, 0) != parts[i])
            row++;
        bool found = row < PQntuples(r);
        int64_t held = found ? num(r, row, 1) : 0;
        if (found && held == epochs[i])
            continue;
        const char *owner = found && !PQgetisnull(r, row, 2) ? PQgetvalue(r, row, 2) : "no one";
        fprintf(stderr, STREAM_PROG ": %s: fenced: %s/%d was taken by %s (epoch %lld, this instance holds epoch %lld); "
                        "this instance may commit for it no more\n",
                s->base.where, topic, parts[i], owner, (long long)held, (long long)epochs[i]);
        rc = -3;
    }
    PQclear(r);
    if (rc)
        s->base.lost = false;
    return rc;
}

static int pg_put_offset(stream_store *ss, const char *topic, int32_t partition, int64_t next)
{
    pg_store *s = (pg_store *)ss;
    args a = {0};
    a_str(&a, topic);
    a_int(&a, partition);
    a_int(&a, next);
    return run_only(s, Q_PUT_OFFSET, &a, "writing an offset");
}

/* Row i into m (its strings malloc'ed); false when memory runs out. */
static bool row_to_msg(const PGresult *r, int i, stream_msg *m)
{
    memset(m, 0, sizeof *m);
    m->id = num(r, i, 0);
    m->part = (int32_t)num(r, i, 1);
    m->kind = (int)num(r, i, 2);
    bool ok = true;
    size_t n;
    m->key = dup_at(r, i, 3, &m->keylen, &ok);
    m->value = dup_at(r, i, 4, &m->valuelen, &ok);
    m->reason = dup_at(r, i, 5, &n, &ok);
    m->source = dup_at(r, i, 6, &n, &ok);
    return ok && m->value;
}

static int pg_each_outbox(stream_store *ss, int32_t partition, int (*fn)(void *ud, stream_msg *m), void *ud)
{
    pg_store *s = (pg_store *)ss;
    /* A chunk at a time, after the last id seen: an outbox grown during an
     * outage need not fit in memory, and fn may use the store meanwhile. */
    int64_t after = INT64_MIN;
    for (int got = OUT_CHUNK; got == OUT_CHUNK;) {
        args a = {0};
        a_int(&a, after);
        a_int(&a, OUT_CHUNK);
        if (partition != -1)
            a_int(&a, partition);
        PGresult *r = run(s, partition == -1 ? Q_OUT_ALL : Q_OUT_PART, &a, "reading the outbox");
        if (!r)
            return -1;
        got = PQntuples(r);
        for (int i = 0; i < got; i++) {
            stream_msg m;
            int ret = -1;
            if (row_to_msg(r, i, &m))
                ret = fn(ud, &m);
            else
                fprintf(stderr, STREAM_PROG ": %s: out of memory reading the outbox\n", s->base.where);
            after = m.id;
            stream_msg_clear(&m);
            if (ret) {
                PQclear(r);
                return ret;
            }
        }
        PQclear(r);
    }
    return 0;
}

static int pg_outbox_get(stream_store *ss, int64_t id, stream_msg *m)
{
    pg_store *s = (pg_store *)ss;
    args a = {0};
    a_int(&a, id);
    PGresult *r = run(s, Q_OUT_GET, &a, "reading an outbox row");
    if (!r)
        return -1;
    int ret = PQntuples(r) ? 1 : 0;
    if (ret && !row_to_msg(r, 0, m)) {
        fprintf(stderr, STREAM_PROG ": %s: out of memory reading the outbox\n", s->base.where);
        ret = -1;
    }
    PQclear(r);
    return ret;
}

static int64_t count_of(pg_store *s, int q, const char *what)
{
    args a = {0};
    PGresult *r = run(s, q, &a, what);
    int64_t n = r ? num(r, 0, 0) : -1;
    PQclear(r);
    return n;
}

static int64_t pg_outbox_count(stream_store *ss) {
    return count_of((pg_store *)ss, Q_OUT_COUNT, "counting the outbox"); }

static int64_t pg_record_count(stream_store *ss) {
    return count_of((pg_store *)ss, Q_RECORD_COUNT, "counting the ledger"); }

static int pg_begin(stream_store *ss)
{
    pg_store *s = (pg_store *)ss;
    int rc = exec(s, "beginning a transaction", "BEGIN ISOLATION LEVEL READ COMMITTED");
    s->batch = rc == 0;
    return rc;
}

static int commit(pg_store *s, const char *what)
{
    s->batch = false;
    if (drain(s) != 0) {
        pg_rollback(&s->base);
        return -1;
    }
    PGresult *r = PQexec(s->conn, "COMMIT");
    int rc = 0;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        rc = fail(s, what, r);
    } else if (strcmp(PQcmdStatus(r), "COMMIT")) {
        /* A transaction an error ended answers COMMIT with ROLLBACK, which
         * libpq does not count as a failure. */
        fprintf(stderr, STREAM_PROG ": %s: %s: the transaction was rolled back\n", s->base.where, what);
        s->base.lost = false;
        rc = -1;
    }
    PQclear(r);
    return rc;
}

static int pg_commit(stream_store *ss) { return commit((pg_store *)ss, "committing a batch"); }

static void pg_rollback(stream_store *ss)
{
    pg_store *s = (pg_store *)ss;
    s->batch = false;
    drain(s);
    PGTransactionStatusType t = PQtransactionStatus(s->conn);
    if (t == PQTRANS_INTRANS || t == PQTRANS_INERROR)
        PQclear(PQexec(s->conn, "ROLLBACK"));
}

/* The user part of a per-user counter key (n|OFFER|USER|..., likewise a|,
 * k|, s|), still escaped; NULL for a shared one. */
static const char *user_of(const char *key, size_t len, size_t *n)
{
    if (len < 2 || key[1] != '|' || !memchr("nask", key[0], 4))
        return NULL;
    const char *start = NULL;
    for (size_t i = 2; i < len; i++) {
        if (key[i] == '\\')
            i++;
        else if (key[i] == '|' && !start)
            start = key + i + 1;
        else if (key[i] == '|') {
            *n = (size_t)(key + i - start);
            return start;
        }
    }
    *n = start ? (size_t)(key + len - start) : 0;
    return start;
}

static int pg_put_counter(stream_store *ss, const char *key, size_t len, int64_t v)
{
    pg_store *s = (pg_store *)ss;
    size_t un = 0;
    const char *usr = user_of(key, len, &un);
    args a = {0};
    a_bytes(&a, key, len);
    a_bytes(&a, usr, un);
    a_int(&a, v);
    return run_only(s, Q_PUT_COUNTER, &a, "writing a counter");
}

static int pg_outbox_add(stream_store *ss, stream_msg *m)
{
    pg_store *s = (pg_store *)ss;
    args a = {0};
    a_int(&a, m->part);
    a_int(&a, m->kind);
    a_bytes(&a, m->key, m->keylen);
    a_bytes(&a, m->value ? m->value : "", m->valuelen);
    a_str(&a, m->reason);
    a_str(&a, m->source);
    /* In a batch, its id is known at the commit, which is when it is used. */
    if (s->batch)
        return queue(s, Q_OUT_ADD, &a, "adding to the outbox", &m->id);
    PGresult *r = run(s, Q_OUT_ADD, &a, "adding to the outbox");
    if (!r)
        return -1;
    m->id = num(r, 0, 0);
    PQclear(r);
    return 0;
}

static int pg_outbox_delete(stream_store *ss, const int64_t *ids, size_t n)
{
    pg_store *s = (pg_store *)ss;
    char *list = int_array(NULL, ids, n);
    if (!list) {
        fprintf(stderr, STREAM_PROG ": %s: out of memory deleting from the outbox\n", s->base.where);
        return -1;
    }
    args a = {0};
    a_str(&a, list);
    int rc = run_only(s, Q_OUT_DEL, &a, "deleting from the outbox");
    free(list);
    return rc;
}

/* ---- the award ledger's records (records.c, vest.c) ---- */

static int pg_get_record(stream_store *ss, const char *key, size_t n, char **data, size_t *len, int32_t *part)
{
    pg_store *s = (pg_store *)ss;
    args a = {0};
    a_bytes(&a, key, n);
    PGresult *r = run(s, Q_GET_RECORD, &a, "reading the ledger");
    if (!r)
        return -1;
    int ret = 0;
    if (PQntuples(r)) {
        *len = len_at(r, 0, 0);
        *data = stream_dup(PQgetvalue(r, 0, 0), *len);
        *part = (int32_t)num(r, 0, 1);
        ret = *data ? 1 : -1;
        if (!*data)
            fprintf(stderr, STREAM_PROG ": %s: out of memory reading the ledger\n", s->base.where);
    }
    PQclear(r);
    return ret;
}

static int pg_get_records(stream_store *ss, const stream_key *keys, size_t n, stream_record_fn fn, void *ud)
{
    pg_store *s = (pg_store *)ss;
    size_t size = 3;
    for (size_t i = 0; i < n; i++)
        size += 2 * keys[i].n + 1;
    char *lit = malloc(size), *o = lit;
    if (!lit) {
        fprintf(stderr, STREAM_PROG ": %s: out of memory reading the ledger\n", s->base.where);
        return -1;
    }
    static const char hex[] = "0123456789abcdef";
    *o++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *o++ = ',';
        for (size_t j = 0; j < keys[i].n; j++) {
            unsigned char c = (unsigned char)keys[i].p[j];
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    strcpy(o, "}");
    args a = {0};
    a_str(&a, lit);
    PGresult *r = run(s, Q_GET_RECORDS, &a, "reading the ledger");
    free(lit);
    if (!r)
        return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++)
        rc = fn(ud, PQgetvalue(r, i, 0), len_at(r, i, 0), PQgetvalue(r, i, 1), len_at(r, i, 1),
                (int32_t)num(r, i, 2));
    PQclear(r);
    return rc;
}

static int pg_put_record(stream_store *ss, const char *key, size_t n, const void *data, size_t len, int64_t due,
                         int64_t at, int32_t part)
{
    pg_store *s = (pg_store *)ss;
    args a = {0};
    a_bytes(&a, key, n);
    a_bytes(&a, data ? data : "", len);
    a_int(&a, due);
    a_int(&a, at);
    a_int(&a, part);
    return run_only(s, Q_PUT_RECORD, &a, "writing the ledger");
}

static int pg_each_due(stream_store *ss, int64_t at, int limit, const int32_t *parts, size_t nparts,
                       stream_due_fn fn, void *ud)
{
    pg_store *s = (pg_store *)ss;
    if (!nparts)
        return 0;
    char *list = int_array(parts, NULL, nparts);
    if (!list) {
        fprintf(stderr, STREAM_PROG ": %s: out of memory reading the pending awards\n", s->base.where);
        return -1;
    }
    args a = {0};
    a_int(&a, at);
    a_int(&a, limit);
    a_str(&a, list);
    PGresult *r = run(s, Q_DUE, &a, "reading the pending awards");
    free(list);
    if (!r)
        return -1;
    int ret = 0;
    for (int i = 0; !ret && i < PQntuples(r); i++)
        ret = fn(ud, PQgetvalue(r, i, 0), len_at(r, i, 0), PQgetvalue(r, i, 1), len_at(r, i, 1), num(r, i, 2),
                 (int32_t)num(r, i, 3));
    PQclear(r);
    return ret;
}

static int pg_prune(stream_store *ss, long days)
{
    pg_store *s = (pg_store *)ss;
    /* As `cbrc run --state` does (store_sqlite.c). */
    int64_t window;
    if (__builtin_mul_overflow((int64_t)days, (int64_t)86400, &window))
        window = days < 0 ? INT64_MIN : INT64_MAX;
    args a = {0};
    a_int(&a, window);
    return run_only(s, Q_PRUNE, &a, "pruning the ledger");
}

/* Every database this store makes keeps pots from the start: one without
 * the mark was not made by cbr-stream, and its counters are not known to
 * be in pots. */
static int pg_migrate_pots(stream_store *ss, const cbr_program *p)
{
    (void)p;
    pg_store *s = (pg_store *)ss;
    args a = {0};
    PGresult *r = run(s, Q_POTS, &a, "reading the state");
    if (!r)
        return -1;
    int found = PQntuples(r);
    PQclear(r);
    if (found)
        return 0;
    fprintf(stderr, STREAM_PROG ": %s: the database has no mark that its counters are kept in pots "
                    "(cbr_meta 'pots'); it was not made by this cbr-stream\n", s->base.where);
    return -1;
}

/* ---- a fleet's leases on shared counters (shared.c) ---- */

static int lease_in(pg_store *s, const char *key, size_t len, int64_t max, int64_t need, int64_t slice,
                    const char *owner, long seconds, int64_t *granted, int64_t *claims)
{
    const char *what = "leasing a shared counter";
    args k = {0};
    a_bytes(&k, key, len);
    /* The counter's row, locked, orders every lease on the key. */
    if (run_only(s, Q_LEASE_ROW, &k, what))
        return -1;
    PGresult *r = run(s, Q_LEASE_LOCK, &k, what);
    if (!r)
        return -1;
    int64_t value = num(r, 0, 0);
    PQclear(r);
    /* A crashed instance's room goes back to the pool. */
    if (run_only(s, Q_LEASE_EXPIRE, &k, what))
        return -1;
    args ko = {0};
    a_bytes(&ko, key, len);
    a_str(&ko, owner);
    if (!(r = run(s, Q_LEASE_SUMS, &ko, what)))
        return -1;
    int64_t others = num(r, 0, 0), mine = num(r, 0, 1);
    bool held = num(r, 0, 2) > 0;
    PQclear(r);
    int64_t avail, grant = 0;
    if (__builtin_sub_overflow(max, value, &avail) || __builtin_sub_overflow(avail, others, &avail) ||
        __builtin_sub_overflow(avail, mine, &avail))
        avail = 0;
    if (avail > 0) {
        grant = slice < avail / 4 ? slice : avail / 4;
        grant = grant < need ? need : grant;
        grant = grant > avail ? avail : grant;
    }
    if (grant > 0 || held) {
        /* mine + grant is at most max - value - others, which fit */
        a_int(&ko, mine + grant);
        a_int(&ko, seconds);
        if (run_only(s, Q_LEASE_PUT, &ko, what))
            return -1;
    }
    if (commit(s, what))
        return -1;
    *granted = grant;
    if (__builtin_add_overflow(value, others, claims))
        *claims = others > 0 ? INT64_MAX : INT64_MIN;
    return 0;
}

static int pg_lease(stream_store *ss, const char *key, size_t len, int64_t max, int64_t need, int64_t slice,
                    const char *owner, long seconds, int64_t *granted, int64_t *claims)
{
    pg_store *s = (pg_store *)ss;
    if (pg_begin(ss))
        return -1;
    if (lease_in(s, key, len, max, need, slice, owner, seconds, granted, claims)) {
        pg_rollback(ss);
        return -1;
    }
    return 0;
}

static int pg_spend(stream_store *ss, const char *key, size_t len, int64_t delta, const char *owner, long seconds)
{
    pg_store *s = (pg_store *)ss;
    const char *what = "spending a lease";
    /* The counter's row first, as a lease takes it (lease_in): two
     * instances never wait for each other's rows in a circle. */
    args a = {0};
    a_bytes(&a, key, len);
    a_int(&a, delta);
    if (run_only(s, Q_SPEND_VALUE, &a, what) != 0)
        return -1;
    if (delta <= 0)
        return 0; /* a refund gives its room straight back to the pool */
    args b = {0};
    a_bytes(&b, key, len);
    a_str(&b, owner);
    a_int(&b, delta);
    a_int(&b, seconds);
    PGresult *r = run(s, Q_SPEND_ROOM, &b, what);
    if (!r)
        return -1;
    bool gone = !strcmp(PQcmdTuples(r), "0");
    PQclear(r);
    if (gone) {
        fprintf(stderr, STREAM_PROG ": %s: the lease of %s on %.*s is gone (it expired and went back to the "
                        "pool)\n", s->base.where, owner, (int)len, key);
        s->base.lost = false;
        return -4;
    }
    return 0;
}

static int pg_peek(stream_store *ss, const char *key, size_t len, const char *owner, int64_t *claims)
{
    pg_store *s = (pg_store *)ss;
    args a = {0};
    a_bytes(&a, key, len);
    a_str(&a, owner);
    PGresult *r = run(s, Q_PEEK, &a, "reading a shared counter");
    if (!r)
        return -1;
    *claims = num(r, 0, 0);
    PQclear(r);
    return 0;
}

static int pg_release(stream_store *ss, const char *owner)
{
    args a = {0};
    a_str(&a, owner);
    return run_only((pg_store *)ss, Q_RELEASE, &a, "releasing the leases");
}

static int pg_renew(stream_store *ss, const char *owner, long seconds)
{
    args a = {0};
    a_str(&a, owner);
    a_int(&a, seconds);
    return run_only((pg_store *)ss, Q_RENEW, &a, "renewing the leases");
}

const stream_store_ops stream_pg_ops = {
    .close = pg_close, .load_ledger = pg_load_ledger, .load_users = pg_load_users, .take = pg_take, .offset = pg_offset,
    .fence = pg_fence, .each_outbox = pg_each_outbox, .outbox_get = pg_outbox_get, .outbox_count = pg_outbox_count,
    .begin = pg_begin, .commit = pg_commit, .rollback = pg_rollback, .put_counter = pg_put_counter,
    .put_offset = pg_put_offset, .outbox_add = pg_outbox_add, .outbox_delete = pg_outbox_delete,
    .get_record = pg_get_record, .get_records = pg_get_records, .put_record = pg_put_record, .each_due = pg_each_due, .prune = pg_prune,
    .record_count = pg_record_count, .migrate_pots = pg_migrate_pots, .lease = pg_lease, .spend = pg_spend,
    .peek = pg_peek, .release = pg_release, .renew = pg_renew, .reconnect = pg_reconnect,
};
