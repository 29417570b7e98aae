/* pgstore.c: what the harness reads of a fleet's PostgreSQL state
 * (tests/stream/fleet.c, budget.c), through libpq.
 *
 * Every call opens a connection of its own and closes it: the scenarios
 * restart the server under the fleet, and a harness that kept one would
 * have to recover from that as cbr-stream does. */
#include "config.h"
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/stream/harness.h"

/* DROP ... CASCADE and the like say what they did; the tests need not. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *open_pg(const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "harness: connecting to %s: %s", conninfo, PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    return c;
}

/* sql with text parameters; binary: results as bytes (bytea columns). */
static PGresult *query(PGconn *c, const char *sql, const char *const *params, int n, int binary)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, binary);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "harness: %s: %s", sql, PQerrorMessage(c));
        PQclear(r);
        return NULL;
    }
    return r;
}

int64_t h_pg_int(const char *conninfo, const char *sql, const char *const *params, int nparams)
{
    PGconn *c = open_pg(conninfo);
    PGresult *r = c ? query(c, sql, params, nparams, 0) : NULL;
    int64_t v = -1;
    if (r && PQntuples(r) > 0 && PQnfields(r) > 0)
        v = PQgetisnull(r, 0, 0) ? 0 : strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    else if (r)
        fprintf(stderr, "harness: %s: no row\n", sql);
    PQclear(r);
    PQfinish(c);
    return v;
}

bool h_pg_exec(const char *conninfo, const char *sql)
{
    PGconn *c = open_pg(conninfo);
    if (!c)
        return false;
    /* PQexec, not PQexecParams: it takes several statements at once. */
    PGresult *r = PQexec(c, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "harness: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok;
}

bool h_pg_caught_up(harness *h, int timeout_ms)
{
    const char *topic[] = {h->topic ? h->topic : "transactions"};
    int64_t want = -1, got = -1;
    for (int64_t deadline = h_now_ms() + timeout_ms; h_now_ms() < deadline; h_pump(h, 200)) {
        want = h_produced(h);
        got = h_pg_int(h->pg, "SELECT sum(next) FROM cbr_partitions WHERE topic = $1", topic, 1);
        if (want > 0 && got == want)
            return true;
    }
    h_diag("the fleet's stored offsets sum to %lld of the %lld records produced", (long long)got, (long long)want);
    return false;
}

/* The rows of r as `COLUMN0<TAB>COLUMN1\n` lines; hex: column 1 in hex. */
static char *lines(PGresult *r, bool hex)
{
    char *out = NULL;
    size_t n = 0;
    FILE *o = open_memstream(&out, &n);
    for (int i = 0; i < PQntuples(r); i++) {
        fprintf(o, "%.*s\t", PQgetlength(r, i, 0), PQgetvalue(r, i, 0));
        if (hex) {
            const unsigned char *d = (const unsigned char *)PQgetvalue(r, i, 1);
            for (int k = 0; k < PQgetlength(r, i, 1); k++)
                fprintf(o, "%02x", d[k]);
        } else {
            fputs(PQgetvalue(r, i, 1), o);
        }
        fputc('\n', o);
    }
    fclose(o);
    return out;
}

void h_check_pg(harness *h)
{
    char *want = h_expected_counters(h), *got = NULL, *lgot = NULL;
    size_t nwant = 0, ngot = 0;
    char *lwant = h_expected_ledger(h, &nwant);
    int64_t outbox = -1;
    PGconn *c = open_pg(h->pg);
    bool offsets_ok = c != NULL;
    /* Keys in byte order, as cbrc's dump has them, whatever the
     * database's collation. */
    PGresult *r = c ? query(c, "SELECT key, value FROM cbr_counters WHERE value <> 0 ORDER BY key COLLATE \"C\"",
                            NULL, 0, 0)
                    : NULL;
    if (r)
        got = lines(r, false);
    PQclear(r);
    /* bytea keys and records, as bytes: bytea sorts as SQLite's blobs do */
    r = c ? query(c, "SELECT key, data FROM cbr_ledger ORDER BY key", NULL, 0, 1) : NULL;
    if (r) {
        lgot = lines(r, true);
        ngot = (size_t)PQntuples(r);
    }
    PQclear(r);
    r = c ? query(c, "SELECT count(*) FROM cbr_outbox", NULL, 0, 0) : NULL;
    if (r && PQntuples(r) == 1)
        outbox = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    for (int p = 0; c && p < h->nparts; p++) {
        int64_t lo, hi = -2, next = -1;
        const char *topic = h->topic ? h->topic : "transactions";
        rd_kafka_query_watermark_offsets(h->reader, topic, p, &lo, &hi, 10000);
        char part[16];
        snprintf(part, sizeof part, "%d", p);
        const char *params[] = {topic, part};
        r = query(c, "SELECT next FROM cbr_partitions WHERE topic = $1 AND part = $2", params, 2, 0);
        if (r && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
            next = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        /* An empty log (a partition no key hashed to) has nothing to
         * store: no offset is its end. */
        if (next == -1 && hi == 0)
            next = 0;
        if (next != hi) {
            offsets_ok = false;
            h_diag("%s/%d: stored next offset %lld, end of the log %lld", topic, p, (long long)next, (long long)hi);
        }
    }
    PQfinish(c);
    size_t count = 0;
    for (const char *p = want; p && *p; p++)
        count += *p == '\n';
    h_show_diff("counters", want, got);
    h_ok(h, want && got && !strcmp(want, got),
         "cbr_counters equals cbrc's counters, per user and shared (%zu counters, none counted twice)", count);
    h_show_diff("ledgers", lwant, lgot);
    h_ok(h, lwant && lgot && nwant > 0 && !strcmp(lwant, lgot),
         "cbr_ledger equals cbrc's ledger after its vesting job (%zu records, %zu in the database)", nwant, ngot);
    h_ok(h, outbox == 0, "cbr_outbox is empty after the stop (%lld rows)", (long long)outbox);
    h_ok(h, offsets_ok, "every partition's next offset in cbr_partitions is at the end of its log");
    free(want);
    free(got);
    free(lwant);
    free(lgot);
}
