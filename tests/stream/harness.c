/* harness.c: the machinery of the cbr-stream tests: the mock cluster, the
 * records, cbrc's answer, the cbr-stream process and the comparison.
 *
 *     stream-harness e2e|faults|offsets|fleet|budget
 *
 * reads CBR_STREAM, CBRC and CBR_SRCDIR from the environment (make check
 * sets them), CBR_STREAM_SEED to replay a run, and for fleet and budget
 * CBR_TEST_PG and CBR_TEST_PG_CTL (tests/stream/pg.sh); prints TAP. */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tests/stream/harness.h"

/* ---- TAP ---- */

void h_ok(harness *h, bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s %d - ", ok ? "ok" : "not ok", ++h->tap);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
    if (!ok)
        h->failed++;
}

void h_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
}

int h_done(harness *h)
{
    printf("1..%d\n", h->tap);
    return h->failed ? 1 : 0;
}

int64_t h_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* splitmix64 */
uint64_t h_rand(harness *h)
{
    uint64_t z = (h->seed += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* ---- set-up ---- */

static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    /* The faults make the clients complain by design; only errors matter. */
    if ((level <= 3 && !getenv("CBR_STREAM_QUIET")) || getenv("CBR_HARNESS_DEBUG"))
        fprintf(stderr, "harness: %s: %s\n", fac, buf);
}

static int produce_errors;

static void on_produced(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    if (m->err) {
        fprintf(stderr, "harness: producing a transaction: %s\n", rd_kafka_err2str(m->err));
        produce_errors++;
    }
}

rd_kafka_t *h_client(harness *h, rd_kafka_type_t type, const char *const kv[][2], size_t n)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    if (type == RD_KAFKA_PRODUCER)
        rd_kafka_conf_set_dr_msg_cb(conf, on_produced);
    if (h->bootstraps && rd_kafka_conf_set(conf, "bootstrap.servers", h->bootstraps, err, sizeof err))
        goto fail;
    for (size_t i = 0; i < n; i++)
        if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], err, sizeof err))
            goto fail;
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
    if (!rk)
        fprintf(stderr, "harness: rd_kafka_new: %s\n", err);
    return rk;
fail:
    fprintf(stderr, "harness: config: %s\n", err);
    rd_kafka_conf_destroy(conf);
    return NULL;
}

int h_free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) || getsockname(s, (struct sockaddr *)&a, &len)) {
        if (s >= 0)
            close(s);
        return -1;
    }
    close(s);
    return ntohs(a.sin_port);
}

int h_init(harness *h, const char *name)
{
    return h_init_parts(h, name, 4);
}

int h_init_parts(harness *h, const char *name, int nparts)
{
    memset(h, 0, sizeof *h);
    h->nparts = nparts;
    for (int i = 0; i < H_INSTANCES; i++)
        h->inst_status[i] = -1;
    h->stream_bin = getenv("CBR_STREAM");
    h->cbrc = getenv("CBRC");
    h->srcdir = getenv("CBR_SRCDIR");
    if (!h->stream_bin || !h->cbrc || !h->srcdir) {
        fprintf(stderr, "harness: set CBR_STREAM, CBRC and CBR_SRCDIR (make check does)\n");
        return -1;
    }
    const char *s = getenv("CBR_STREAM_SEED");
    h->seed = s ? strtoull(s, NULL, 10) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
    h_diag("%s: seed %llu (CBR_STREAM_SEED=%llu replays it)", name, (unsigned long long)h->seed,
           (unsigned long long)h->seed);
    const char *tmp = getenv("TMPDIR");
    snprintf(h->work, sizeof h->work, "%s/cbr-stream-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    if (!mkdtemp(h->work)) {
        fprintf(stderr, "harness: mkdtemp %s: %s\n", h->work, strerror(errno));
        return -1;
    }
    h_diag("work directory %s", h->work);
    h->owner = h_client(h, RD_KAFKA_PRODUCER, NULL, 0);
    if (!h->owner)
        return -1;
    h->mc = rd_kafka_mock_cluster_new(h->owner, 3);
    if (!h->mc) {
        fprintf(stderr, "harness: cannot create the mock cluster\n");
        return -1;
    }
    h->bootstraps = rd_kafka_mock_cluster_bootstraps(h->mc);
    h_diag("mock cluster at %s", h->bootstraps);
    rd_kafka_mock_topic_create(h->mc, "transactions", nparts, 3);
    rd_kafka_mock_topic_create(h->mc, "cashback_events", 4, 3);
    rd_kafka_mock_topic_create(h->mc, "transactions.rejected", 1, 3);
    static const char *const ckv[][2] = {{"group.id", "harness-reader"}, {"enable.auto.commit", "false"},
                                         {"auto.offset.reset", "earliest"}};
    h->reader = h_client(h, RD_KAFKA_CONSUMER, ckv, 3);
    if (!h->reader)
        return -1;
    /* The reader assigns (no group join: that takes 3 s in the mock). */
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(5);
    for (int p = 0; p < 4; p++)
        rd_kafka_topic_partition_list_add(l, "cashback_events", p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_topic_partition_list_add(l, "transactions.rejected", 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(h->reader, l);
    rd_kafka_topic_partition_list_destroy(l);
    h->metrics_port = h_free_port();
    return 0;
}

void h_fini(harness *h)
{
    for (size_t i = 0; i < h->nheld; i++)
        rd_kafka_message_destroy(h->held[i]);
    free(h->held);
    if (h->pid > 0) {
        kill(h->pid, SIGKILL);
        waitpid(h->pid, NULL, 0);
    }
    for (int i = 0; i < H_INSTANCES; i++)
        if (h->inst[i] > 0) {
            kill(h->inst[i], SIGKILL);  /* a stopped one too */
            waitpid(h->inst[i], NULL, 0);
        }
    h_intruder_leave(h);
    if (h->reader) {
        rd_kafka_consumer_close(h->reader);
        rd_kafka_destroy(h->reader);
    }
    if (h->mc)
        rd_kafka_mock_cluster_destroy(h->mc);
    if (h->owner)
        rd_kafka_destroy(h->owner);
    for (size_t i = 0; i < h->ntx; i++) {
        free(h->tx[i].json);
        free(h->tx[i].key);
    }
    free(h->tx);
    for (size_t i = 0; i < h->nawards; i++) {
        free(h->awards[i].id);
        free(h->awards[i].amount);
    }
    for (size_t i = 0; i < h->nrejects; i++)
        free(h->rejects[i].id);
    free(h->awards);
    free(h->rejects);
    /* The work directory stays when something failed, for the log. */
    if (!h->failed && !getenv("CBR_STREAM_KEEP")) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->work);
        if (system(cmd) != 0)
            fprintf(stderr, "harness: could not remove %s\n", h->work);
    } else {
        h_diag("kept %s (cbr-stream's log is stream.log, a fleet's %s-N.log)", h->work,
               h->inst_log ? h->inst_log : "stream");
    }
}

/* ---- the records ---- */

static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    if (vasprintf(&s, f, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

/* A record scheduled for a later slot: a refund of a purchase, or a copy
 * of it (a producer's retry upstream). */
typedef struct later {
    size_t slot;
    char *json, *key;
} later;

static time_t slot_time(harness *h)
{
    /* 2026-03-02 plus up to 70 days */
    return (time_t)1772409600 + (time_t)(h_rand(h) % (70u * 86400));
}

static void iso(time_t ts, char *out, size_t n)
{
    struct tm tm;
    gmtime_r(&ts, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Refunds and copies of purchase `tid` (amount in cents, at ts), put in
 * the schedule for slots after i: one refund in full, one in part, two
 * parts that sum to the whole, one past the amount or in another currency
 * (refused, when the ledger holds the purchase), or a copy of the record. */
static size_t schedule(harness *h, later *q, size_t nq, size_t i, const char *tid, const char *key,
                       const char *json, unsigned cents, const char *cur, time_t ts)
{
    unsigned what = (unsigned)(h_rand(h) % 6);
    unsigned parts[2] = {cents, 0};
    int nparts = 1;
    const char *rcur = cur;
    switch (what) {
    case 0: break;                                             /* in full */
    case 1: parts[0] = cents / 2 ? cents / 2 : 1; break;       /* in part */
    case 2: parts[0] = cents / 3 ? cents / 3 : 1;              /* two parts, the whole */
        parts[1] = cents - parts[0];
        nparts = parts[1] ? 2 : 1;
        break;
    case 3: parts[0] = cents + 100; break;                     /* past the amount */
    case 4: rcur = strcmp(cur, "USD") ? "USD" : "EUR"; break;  /* another currency */
    case 5: /* a copy */
        q[nq++] = (later){.slot = i + 3 + (size_t)(h_rand(h) % 120), .json = fmt("%s", json), .key = fmt("%s", key)};
        return nq;
    }
    size_t at = i;
    for (int k = 0; k < nparts; k++) {
        char when[32];
        iso(ts + 3600 * (time_t)(1 + k + h_rand(h) % 48), when, sizeof when);
        at += 3 + (size_t)(h_rand(h) % 120);
        q[nq++] = (later){.slot = at,
                          .json = fmt("{\"tid\":\"r%s-%d\",\"kind\":\"refund\",\"original_tid\":\"%s\",\"user_id\":\"%s\","
                                      "\"amount\":\"%u.%02u\",\"currency\":\"%s\",\"timestamp\":\"%s\"}",
                                      tid + 1, k, tid, key, parts[k] / 100, parts[k] % 100, rcur, when),
                          .key = fmt("%s", key)};
    }
    return nq;
}

void h_make_tx(harness *h, size_t n, int nphases)
{
    static const char *const merchants[] = {"Cafe", "GroceryMart", "BookBarn", "FuelCo", "Corner Shop"};
    static const int mccs[] = {5814, 5411, 5942, 5541, 5422};
    h->tx = calloc(n, sizeof *h->tx);
    h->ntx = n;
    later *q = calloc(n, sizeof *q);
    size_t nq = 0;
    for (size_t i = 0; i < n; i++) {
        h_tx *t = &h->tx[i];
        t->phase = (int)(i * (size_t)nphases / n);
        /* A scheduled refund or copy due now takes the slot. */
        size_t due = nq;
        for (size_t k = 0; k < nq; k++)
            if (q[k].slot <= i && (due == nq || q[k].slot < q[due].slot))
                due = k;
        if (due < nq) {
            t->json = q[due].json;
            t->key = q[due].key;
            q[due] = q[--nq];
            continue;
        }
        unsigned user = (unsigned)(h_rand(h) % 37);
        unsigned m = (unsigned)(h_rand(h) % 5);
        unsigned cents = 100 + (unsigned)(h_rand(h) % 30000);
        time_t ts = slot_time(h);
        char when[32], tid[32];
        iso(ts, when, sizeof when);
        snprintf(tid, sizeof tid, "t%05zu", i);
        const char *cur = h_rand(h) % 10 == 0 ? "EUR" : "USD";
        const char *channel = h_rand(h) % 3 == 0 ? "online" : "pos";
        t->key = fmt("u%02u", user);
        unsigned kind = i % 53 == 7 ? (unsigned)(h_rand(h) % 5) + 1 : 0;
        /* One purchase in seven comes back (refunded or repeated) while
         * the schedule has room for it. */
        bool back = kind == 0 && h_rand(h) % 7 == 0 && nq + 2 < n;
        switch (kind) {
        case 0:
            /* A purchase that will be refunded gets a window that outlasts
             * the test: its award is still pending at the refund, however
             * the vesting timer falls, as in cbrc's answer. */
            t->json = fmt("{\"tid\":\"%s\",\"user_id\":\"%s\",\"amount\":\"%u.%02u\",\"currency\":\"%s\","
                          "\"merchant\":\"%s\",\"mcc\":%d,\"channel\":\"%s\",\"return_days\":%d,\"timestamp\":\"%s\"}",
                          tid, t->key, cents / 100, cents % 100, cur, merchants[m], mccs[m], channel,
                          back ? 3650 : 7, when);
            if (back)
                nq = schedule(h, q, nq, i, tid, t->key, t->json, cents, cur, ts);
            break;
        case 1: /* not JSON */
            t->json = fmt("tid=t%05zu user=%s amount=%u", i, t->key, cents);
            break;
        case 2: /* an amount that is no number */
            t->json = fmt("{\"tid\":\"t%05zu\",\"user_id\":\"%s\",\"amount\":\"12,5O\",\"currency\":\"USD\","
                          "\"timestamp\":\"%s\"}", i, t->key, when);
            break;
        case 3: /* no timestamp */
            t->json = fmt("{\"tid\":\"t%05zu\",\"user_id\":\"%s\",\"amount\":\"10.00\",\"currency\":\"USD\"}", i,
                          t->key);
            break;
        case 4: /* an array, not an object */
            t->json = fmt("[\"t%05zu\", \"%s\", 10]", i, t->key);
            break;
        case 5: /* no value at all (a tombstone); a key of its own tells it apart */
            t->json = NULL;
            free(t->key);
            t->key = fmt("tombstone-%zu", i);
            break;
        }
        t->bad = kind != 0;
    }
    /* What the schedule still holds did not fit before the end. */
    for (size_t k = 0; k < nq; k++) {
        free(q[k].json);
        free(q[k].key);
    }
    free(q);
}

/* Each phase has a producer of its own, made after the faults before it
 * are over: the input log must hold each record once, whatever the faults
 * do to cbr-stream, or the answer would not be one. */
int h_produce_phase(harness *h, int phase)
{
    size_t n = 0;
    produce_errors = 0;
    /* Produce errors injected for cbr-stream that it has not met yet would
     * meet this producer instead (and a _TRANSPORT retry can leave a copy
     * in the mock's log). */
    rd_kafka_mock_clear_request_errors(h->mc, 0 /* Produce */);
    const char *debug = getenv("CBR_HARNESS_DEBUG");
    const char *const pkv[][2] = {{"enable.idempotence", "true"}, {"linger.ms", "5"}, {"debug", debug ? debug : ""}};
    h->producer = h_client(h, RD_KAFKA_PRODUCER, pkv, debug ? 3 : 2);
    if (!h->producer)
        return -1;
    for (size_t i = 0; i < h->ntx; i++) {
        h_tx *t = &h->tx[i];
        if (t->phase != phase)
            continue;
        rd_kafka_resp_err_t e;
        while ((e = rd_kafka_producev(h->producer, RD_KAFKA_V_TOPIC(h->topic ? h->topic : "transactions"),
                                      RD_KAFKA_V_KEY(t->key, strlen(t->key)),
                                      RD_KAFKA_V_VALUE(t->json, t->json ? strlen(t->json) : 0),
                                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                      RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(h->producer, 10);
        if (e) {
            fprintf(stderr, "harness: produce: %s\n", rd_kafka_err2str(e));
            rd_kafka_destroy(h->producer);
            h->producer = NULL;
            return -1;
        }
        n++;
    }
    /* Flushing while reading what cbr-stream produces, so that the reader
     * keeps up; a broker just back up may take a reconnect backoff. */
    int64_t deadline = h_now_ms() + 90000, t0 = h_now_ms();
    rd_kafka_resp_err_t e;
    while ((e = rd_kafka_flush(h->producer, 100)) == RD_KAFKA_RESP_ERR__TIMED_OUT && h_now_ms() < deadline)
        h_pump(h, 100);
    if (h_now_ms() - t0 > 5000)
        h_diag("phase %d took %lld ms to flush", phase, (long long)(h_now_ms() - t0));
    rd_kafka_destroy(h->producer);
    h->producer = NULL;
    if (e || produce_errors) {
        fprintf(stderr, "harness: flushing transactions: %s, %d failed\n", rd_kafka_err2str(e), produce_errors);
        return -1;
    }
    h_diag("produced phase %d: %zu messages", phase, n);
    return 0;
}

/* ---- cbrc ---- */

static int sh(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int h_compile(harness *h, const char *out, const char *const *sources, size_t n, char *hash, size_t hashlen)
{
    char cmd[2048];
    int k = snprintf(cmd, sizeof cmd, "'%s' compile", h->cbrc);
    for (size_t i = 0; i < n; i++)
        k += snprintf(cmd + k, sizeof cmd - (size_t)k, " '%s/tests/stream/%s'", h->srcdir, sources[i]);
    snprintf(cmd + k, sizeof cmd - (size_t)k, " -o '%s/%s'", h->work, out);
    if (sh(cmd) != 0) {
        fprintf(stderr, "harness: %s failed\n", cmd);
        return -1;
    }
    snprintf(cmd, sizeof cmd, "'%s' disasm '%s/%s'", h->cbrc, h->work, out);
    FILE *p = popen(cmd, "r");
    char line[512] = "";
    if (!p || !fgets(line, sizeof line, p) || sscanf(line, "; cbr bundle %64[0-9a-f]:", hash) != 1) {
        fprintf(stderr, "harness: no hash in `%s`: %s\n", cmd, line);
        if (p)
            pclose(p);
        return -1;
    }
    pclose(p);
    (void)hashlen;
    return 0;
}

static int cmp_expect(const void *a, const void *b)
{
    return strcmp(((const h_expect *)a)->id, ((const h_expect *)b)->id);
}

/* The text of "key":"value" in a flat JSON object (our own awards and
 * cbrc's output: no escaped quotes in the values the tests use). */
bool h_json_get(const char *s, size_t n, const char *key, char *out, size_t outn)
{
    char pat[64];
    int k = snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *end = s + n;
    for (const char *p = s; p + k <= end; p++) {
        if (memcmp(p, pat, (size_t)k))
            continue;
        const char *v = p + k, *q = v;
        while (q < end && *q != '"')
            q++;
        if (q == end || (size_t)(q - v) >= outn)
            return false;
        memcpy(out, v, (size_t)(q - v));
        out[q - v] = '\0';
        return true;
    }
    return false;
}

/* Whether the record with this value was produced under another user's
 * key: cbr-stream rejects it before evaluating, so cbrc must not see it. */
static bool is_miskeyed(const harness *h, const void *v, size_t n)
{
    for (size_t i = 0; i < h->ntx; i++)
        if (h->tx[i].miskeyed && strlen(h->tx[i].json) == n && !memcmp(h->tx[i].json, v, n))
            return true;
    return false;
}

int h_answer(harness *h, const char *bundle)
{
    /* The input topic, partition by partition, as cbrc's input. */
    static const char *const kv[][2] = {{"group.id", "harness-answer"}, {"enable.auto.commit", "false"}};
    rd_kafka_t *c = h_client(h, RD_KAFKA_CONSUMER, kv, 2);
    char path[512];
    snprintf(path, sizeof path, "%s/input.jsonl", h->work);
    FILE *f = fopen(path, "w");
    if (!c || !f)
        return -1;
    size_t tombstones = 0, miskeyed = 0;
    for (int p = 0; p < h->nparts; p++) {
        int64_t lo, hi;
        if (rd_kafka_query_watermark_offsets(c, "transactions", p, &lo, &hi, 10000)) {
            fprintf(stderr, "harness: watermarks of transactions/%d\n", p);
            return -1;
        }
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, "transactions", p)->offset = lo;
        rd_kafka_assign(c, l);
        rd_kafka_topic_partition_list_destroy(l);
        int64_t at = lo;
        int64_t deadline = h_now_ms() + 30000;
        while (at < hi && h_now_ms() < deadline) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 200);
            if (!m)
                continue;
            if (!m->err && m->partition == p) {
                if (!m->payload || !m->len)
                    tombstones++;
                else if (is_miskeyed(h, m->payload, m->len))
                    miskeyed++;
                else
                    fprintf(f, "%.*s\n", (int)m->len, (const char *)m->payload);
                at = m->offset + 1;
            }
            rd_kafka_message_destroy(m);
        }
        if (at < hi) {
            fprintf(stderr, "harness: read transactions/%d only to %lld of %lld\n", p, (long long)at,
                    (long long)hi);
            return -1;
        }
    }
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    fclose(f);
    /* The harness's own check: the log holds each produced record once. */
    char cmd[8192]; /* the command below names the work directory eleven times */
    snprintf(cmd, sizeof cmd, "test $(wc -l < '%s/input.jsonl') -eq %zu", h->work, h->ntx - tombstones - miskeyed);
    if (sh(cmd) != 0) {
        fprintf(stderr, "harness: the mock's input log does not hold each produced record once; no answer\n");
        return -1;
    }
    /* The run, then the vesting job at the end of it: every award, reversal
     * and vest event cbr-stream must produce, one line each. */
    snprintf(cmd, sizeof cmd,
             "'%s' run '%s/%s' --input '%s/input.jsonl' --output '%s/expected.jsonl' --rejects '%s/rejects.jsonl'"
             " --state '%s/expected-state.db' 2>'%s/cbrc.err'; s=$?;"
             " '%s' vest --state '%s/expected-state.db' >>'%s/expected.jsonl' 2>>'%s/cbrc.err' || s=2;"
             " '%s' state '%s/expected-state.db' --dump >'%s/expected-state.txt' || s=2; exit $s",
             h->cbrc, h->work, bundle, h->work, h->work, h->work, h->work, h->work, h->cbrc, h->work, h->work,
             h->work, h->cbrc, h->work, h->work);
    int st = sh(cmd);
    if (st != 0 && st != 3) {
        fprintf(stderr, "harness: `%s` exited %d\n", cmd, st);
        return -1;
    }
    snprintf(path, sizeof path, "%s/expected.jsonl", h->work);
    f = fopen(path, "r");
    if (!f)
        return -1;
    char line[4096];
    size_t cap = 0, events[3] = {0};
    while (fgets(line, sizeof line, f)) {
        char tid[128], award[256], cash[64], cur[8], event[16];
        size_t n = strlen(line);
        if (!h_json_get(line, n, "tid", tid, sizeof tid) || !h_json_get(line, n, "award_id", award, sizeof award) ||
            !h_json_get(line, n, "cashback", cash, sizeof cash) || !h_json_get(line, n, "currency", cur, sizeof cur) ||
            !h_json_get(line, n, "event", event, sizeof event)) {
            fprintf(stderr, "harness: cannot read cbrc's award %s", line);
            fclose(f);
            return -1;
        }
        if (h->nawards == cap) {
            cap = cap ? cap * 2 : 1024;
            h->awards = realloc(h->awards, cap * sizeof *h->awards);
        }
        h->awards[h->nawards++] = (h_expect){.id = fmt("%s|%s|%s", award, event, tid),
                                             .amount = fmt("%s %s", cash, cur)};
        events[!strcmp(event, "reversal") ? 1 : !strcmp(event, "vest") ? 2 : 0]++;
    }
    fclose(f);
    qsort(h->awards, h->nawards, sizeof *h->awards, cmp_expect);
    h->naward_events = events[0];
    /* The rejects: what the harness made bad, byte for byte, and what cbrc
     * refused while settling (copies of purchases, bad refunds), each
     * known by the key it was produced with. */
    size_t bad_in_file = 0;
    for (size_t i = 0; i < h->ntx; i++)
        if (h->tx[i].bad) {
            h->rejects = realloc(h->rejects, (h->nrejects + 1) * sizeof *h->rejects);
            h->rejects[h->nrejects++] = (h_expect){.id = fmt("%s|%s", h->tx[i].key, h->tx[i].json ? h->tx[i].json : "")};
            bad_in_file += h->tx[i].json != NULL && !h->tx[i].miskeyed;
        }
    snprintf(path, sizeof path, "%s/rejects.jsonl", h->work);
    f = fopen(path, "r");
    size_t in_file = 0, refused = 0;
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        in_file++;
        const h_tx *t = NULL;
        for (size_t i = 0; i < h->ntx && !t; i++)
            if (h->tx[i].json && !strcmp(h->tx[i].json, line))
                t = &h->tx[i];
        if (!t) {
            fprintf(stderr, "harness: cbrc rejected a record the harness did not produce: %s\n", line);
            fclose(f);
            return -1;
        }
        if (t->bad)
            continue;
        refused++;
        h->rejects = realloc(h->rejects, (h->nrejects + 1) * sizeof *h->rejects);
        h->rejects[h->nrejects++] = (h_expect){.id = fmt("%s|%s", t->key, line)};
    }
    if (f)
        fclose(f);
    qsort(h->rejects, h->nrejects, sizeof *h->rejects, cmp_expect);
    h_ok(h, in_file == bad_in_file + refused && tombstones + miskeyed == h->nrejects - bad_in_file - refused,
         "cbrc run rejects the %zu bad records of its input (and the %zu tombstones and %zu records under "
         "another user's key never reach it)", bad_in_file, tombstones, miskeyed);
    h_ok(h, refused > 0 && events[1] > 0 && events[2] > 0,
         "the records hold duplicates and bad refunds (%zu refused), refunds (%zu reversals) and pending awards "
         "that vest (%zu)", refused, events[1], events[2]);
    h_diag("the answer: %zu events (%zu awards, %zu reversals, %zu vests) over %zu records, %zu rejects",
           h->nawards, events[0], events[1], events[2], h->ntx, h->nrejects);
    h->answered = true;
    return h->nawards > 0 ? 0 : -1;
}

/* ---- cbr-stream ---- */

pid_t h_spawn(harness *h, const char *bundle, const char *state, const char *log, int port,
              const char *const *extra)
{
    char bpath[512], lpath[512], metrics[64];
    snprintf(bpath, sizeof bpath, "%s/%s", h->work, bundle);
    snprintf(lpath, sizeof lpath, "%s/%s", h->work, log);
    snprintf(metrics, sizeof metrics, "127.0.0.1:%d", port);
    /* Half the settings come from a config file, as an operator's would.
     * A fleet starts instances while others read it: written aside and
     * renamed into place, so that none reads half a file. */
    char conf[512], tmp[520];
    snprintf(conf, sizeof conf, "%s/stream.conf", h->work);
    snprintf(tmp, sizeof tmp, "%s.tmp", conf);
    FILE *cf = fopen(tmp, "w");
    if (!cf)
        return -1;
    fprintf(cf, "# cbr-stream settings for the test\nbrokers = %s\ngroup = %s\nbatch-size = 64\n"
                "# a killed member must leave the group quickly\nkafka.session.timeout.ms = 6000\n"
                "consumer.heartbeat.interval.ms = 500\n", h->bootstraps, h->group ? h->group : "cbr-test");
    if (fclose(cf) != 0 || rename(tmp, conf) != 0)
        return -1;
    const char *argv[48] = {h->stream_bin, "--config", conf, "--bundle", bpath, "--state", state,
                            "--wait-ms", "50", "--metrics", metrics, "--reload-check-ms", "100", "--vest-every", "1",
                            "-X", "consumer.topic.metadata.refresh.interval.ms=2000"};
    size_t n = 17;
    const char *const topics[][2] = {{"--topic", h->topic}, {"--awards-topic", h->awards_topic},
                                     {"--rejects-topic", h->rejects_topic}};
    for (size_t i = 0; i < 3; i++)
        if (topics[i][1]) {
            argv[n++] = topics[i][0];
            argv[n++] = topics[i][1];
        }
    for (size_t i = 0; extra && extra[i]; i++) {
        if (n + 2 > sizeof argv / sizeof *argv) {
            fprintf(stderr, "harness: too many arguments for cbr-stream\n");
            return -1;
        }
        argv[n++] = extra[i];
    }
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(lpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(h->stream_bin, (char *const *)argv);
        fprintf(stderr, "harness: exec %s: %s\n", h->stream_bin, strerror(errno));
        _exit(127);
    }
    return pid;
}

int h_start(harness *h, const char *bundle)
{
    char state[512];
    snprintf(state, sizeof state, "%s/state.db", h->work);
    pid_t pid = h_spawn(h, bundle, state, "stream.log", h->metrics_port, NULL);
    if (pid < 0)
        return -1;
    h->pid = pid;
    h->starts++;
    return 0;
}

int h_kill(harness *h, int sig)
{
    return h->pid > 0 ? kill(h->pid, sig) : -1;
}

int h_wait(harness *h, int timeout_ms)
{
    int64_t deadline = h_now_ms() + timeout_ms;
    while (h->pid > 0) {
        int st;
        pid_t r = waitpid(h->pid, &st, WNOHANG);
        if (r == h->pid) {
            h->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        if (h_now_ms() > deadline)
            return -1;
        h_pump(h, 50);
    }
    return -1;
}

/* ---- what cbr-stream produced ---- */

static h_expect *find(h_expect *v, size_t n, const char *id)
{
    h_expect key = {.id = (char *)id};
    return bsearch(&key, v, n, sizeof *v, cmp_expect);
}

static void got_award(harness *h, const rd_kafka_message_t *m)
{
    char award[256], event[16], tid[128], id[420], cash[64], cur[8], bundle[80] = "", amount[80];
    const char *s = m->payload;
    if (!s || !h_json_get(s, m->len, "award_id", award, sizeof award) ||
        !h_json_get(s, m->len, "event", event, sizeof event) || !h_json_get(s, m->len, "tid", tid, sizeof tid) ||
        !h_json_get(s, m->len, "cashback", cash, sizeof cash) || !h_json_get(s, m->len, "currency", cur, sizeof cur) ||
        (!h_json_get(s, m->len, "bundle", bundle, sizeof bundle) && strcmp(event, "vest"))) {
        h_diag("unreadable award: %.*s", (int)m->len, s ? s : "");
        h->unexpected++;
        return;
    }
    snprintf(id, sizeof id, "%s|%s|%s", award, event, tid);
    snprintf(amount, sizeof amount, "%s %s", cash, cur);
    h_expect *e = find(h->awards, h->nawards, id);
    if (!e) {
        if (h->unexpected++ < 5)
            h_diag("an event the answer does not hold: %.*s", (int)m->len, s);
        return;
    }
    if (strcmp(e->amount, amount)) {
        if (h->conflicts++ < 5)
            h_diag("event %s: %s, the answer says %s", id, amount, e->amount);
        return;
    }
    if (e->seen++ == 0) {
        h->awards_seen++;
        snprintf(e->bundle, sizeof e->bundle, "%s", bundle);
    } else {
        h->copies++;
    }
}

static void got_reject(harness *h, const rd_kafka_message_t *m)
{
    /* A reject is known by its key and value, both as produced. */
    char *v = fmt("%.*s|%.*s", (int)m->key_len, m->key ? (const char *)m->key : "", (int)m->len,
                  m->payload ? (const char *)m->payload : "");
    h_expect *e = find(h->rejects, h->nrejects, v);
    rd_kafka_headers_t *hdrs = NULL;
    const void *reason = NULL;
    size_t rlen = 0;
    if (rd_kafka_message_headers(m, &hdrs) || rd_kafka_header_get_last(hdrs, "cbr-reason", &reason, &rlen) ||
        rlen == 0)
        h->rejects_without_reason++;
    if (!e) {
        if (h->bad_rejects++ < 5)
            h_diag("rejected but not bad: %s", v);
    } else if (e->seen++ == 0) {
        h->rejects_seen++;
        snprintf(e->reason, sizeof e->reason, "%.*s", (int)rlen, reason ? (const char *)reason : "");
        if (h->rejects_seen <= 3)
            h_diag("rejected `%.40s`: %.*s", v, (int)rlen, (const char *)reason);
    }
    free(v);
}

h_expect *h_find_reject(harness *h, const char *key, const char *json)
{
    char *id = fmt("%s|%s", key, json ? json : "");
    h_expect *e = id ? find(h->rejects, h->nrejects, id) : NULL;
    free(id);
    return e;
}

static void got(harness *h, rd_kafka_message_t *m)
{
    if (!strcmp(rd_kafka_topic_name(m->rkt), "cashback_events"))
        got_award(h, m);
    else
        got_reject(h, m);
    rd_kafka_message_destroy(m);
}

/* Until the answer is known (all phases produced), what arrives is held. */
void h_pump(harness *h, int ms)
{
    int64_t deadline = h_now_ms() + ms;
    if (h->answered && h->nheld) {
        for (size_t i = 0; i < h->nheld; i++)
            got(h, h->held[i]);
        h->nheld = 0;
    }
    do {
        if (h->intruder) {
            rd_kafka_message_t *x = rd_kafka_consumer_poll(h->intruder, 0);
            if (x)
                rd_kafka_message_destroy(x);
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(h->reader, 20);
        if (!m)
            continue;
        if (m->err) {
            rd_kafka_message_destroy(m);
        } else if (h->answered) {
            got(h, m);
        } else {
            if (h->nheld == h->capheld) {
                h->capheld = h->capheld ? h->capheld * 2 : 1024;
                h->held = realloc(h->held, h->capheld * sizeof *h->held);
            }
            h->held[h->nheld++] = m;
        }
    } while (h_now_ms() < deadline);
}

void h_pump_random(harness *h, int lo, int hi)
{
    h_pump(h, lo + (int)(h_rand(h) % (uint64_t)(hi - lo + 1)));
}

bool h_complete(const harness *h)
{
    return h->nawards > 0 && h->awards_seen == h->nawards && h->rejects_seen == h->nrejects;
}

bool h_pump_until_complete(harness *h, int timeout_ms)
{
    int64_t deadline = h_now_ms() + timeout_ms;
    while (!h_complete(h) && h_now_ms() < deadline)
        h_pump(h, 100);
    return h_complete(h);
}

int h_intruder_join(harness *h)
{
    static const char *const kv[][2] = {{"group.id", "cbr-test"}, {"enable.auto.commit", "false"},
                                        {"auto.offset.reset", "earliest"}};
    h->intruder = h_client(h, RD_KAFKA_CONSUMER, kv, 3);
    if (!h->intruder)
        return -1;
    rd_kafka_poll_set_consumer(h->intruder);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "transactions", RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(h->intruder, l);
    rd_kafka_topic_partition_list_destroy(l);
    return e ? -1 : 0;
}

void h_intruder_leave(harness *h)
{
    if (!h->intruder)
        return;
    rd_kafka_t *x = h->intruder;
    h->intruder = NULL;
    rd_kafka_consumer_close(x);
    rd_kafka_destroy(x);
}

size_t h_log_count(harness *h, const char *text)
{
    return h_file_count(h, "stream.log", text);
}

size_t h_file_count(harness *h, const char *file, const char *text)
{
    char path[512], line[4096];
    snprintf(path, sizeof path, "%s/%s", h->work, file);
    FILE *f = fopen(path, "r");
    size_t n = 0;
    while (f && fgets(line, sizeof line, f))
        n += strstr(line, text) != NULL;
    if (f)
        fclose(f);
    return n;
}

/* ---- /metrics ---- */

char *h_metrics_text(harness *h)
{
    return h_metrics_text_at(h->metrics_port);
}

char *h_metrics_text_at(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (s < 0)
        return NULL;
    if (connect(s, (struct sockaddr *)&a, sizeof a)) {
        close(s);
        return NULL;
    }
    static const char req[] = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if (write(s, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
        close(s);
        return NULL;
    }
    size_t n = 0, cap = 65536;
    char *buf = malloc(cap);
    ssize_t k;
    while (buf && (k = read(s, buf + n, cap - n - 1)) > 0) {
        n += (size_t)k;
        if (n + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    close(s);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    char *body = strstr(buf, "\r\n\r\n");
    if (!body || strncmp(buf, "HTTP/1.", 7) || !strstr(buf, " 200 ")) {
        free(buf);
        return NULL;
    }
    memmove(buf, body + 4, strlen(body + 4) + 1);
    return buf;
}

double h_metric(harness *h, const char *name)
{
    return h_metric_at(h->metrics_port, name);
}

double h_metric_at(int port, const char *name)
{
    char *t = h_metrics_text_at(port);
    double v = -1;
    size_t n = strlen(name);
    for (char *line = t; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (!strncmp(line, name, n) && (line[n] == ' ' || line[n] == '{')) {
            char *sp = strrchr(line, ' ');
            if (sp)
                v = strtod(sp + 1, NULL);
            break;
        }
        line = nl ? nl + 1 : NULL;
    }
    free(t);
    return v;
}

/* ---- the end ---- */

void h_check_awards(harness *h)
{
    h_ok(h, h->awards_seen == h->nawards, "every award, reversal and vest of the answer arrived (%zu of %zu)",
         h->awards_seen, h->nawards);
    h_ok(h, h->unexpected == 0, "no event the answer does not hold (%zu)", h->unexpected);
    h_ok(h, h->conflicts == 0, "every copy of an event has the answer's amount (%zu differ)", h->conflicts);
    h_ok(h, h->rejects_seen == h->nrejects && h->bad_rejects == 0,
         "every bad record, duplicate and bad refund, and only those, is in transactions.rejected "
         "(%zu of %zu, %zu wrong)", h->rejects_seen,
         h->nrejects, h->bad_rejects);
    h_ok(h, h->rejects_without_reason == 0, "every reject carries its reason (%zu without)",
         h->rejects_without_reason);
    h_diag("%zu copies of events already seen (allowed: acknowledged but not yet deleted at a crash)",
           h->copies);
}

/* The `KEY\tVALUE\n` lines of non-zero counters of `cbrc state --dump`
 * (its ledger lines hold no tab). */
static char *read_state_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *out = NULL;
    size_t n = 0;
    FILE *o = open_memstream(&out, &n);
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char *tab = strrchr(line, '\t');
        if (tab && strtoll(tab + 1, NULL, 10) != 0)
            fputs(line, o);
    }
    fclose(f);
    fclose(o);
    return out;
}

/* Every ledger record of the database at path, as `KEY<TAB>hex bytes` lines
 * sorted by key: cbrc's state and cbr-stream's store keep the same table. */
static char *ledger_text(const char *path, size_t *count)
{
    sqlite3 *db;
    char *out = NULL;
    size_t n = 0;
    *count = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_stmt *st;
    FILE *o = open_memstream(&out, &n);
    if (sqlite3_prepare_v2(db, "SELECT key, data FROM ledger ORDER BY key", -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            fprintf(o, "%.*s\t", sqlite3_column_bytes(st, 0), (const char *)sqlite3_column_blob(st, 0));
            const unsigned char *d = sqlite3_column_blob(st, 1);
            for (int i = 0; i < sqlite3_column_bytes(st, 1); i++)
                fprintf(o, "%02x", d[i]);
            fputc('\n', o);
            ++*count;
        }
        sqlite3_finalize(st);
    }
    fclose(o);
    sqlite3_close(db);
    return out;
}

char *h_expected_counters(harness *h)
{
    char path[512];
    snprintf(path, sizeof path, "%s/expected-state.txt", h->work);
    return read_state_file(path);
}

char *h_expected_ledger(harness *h, size_t *count)
{
    char path[512];
    snprintf(path, sizeof path, "%s/expected-state.db", h->work);
    return ledger_text(path, count);
}

void h_show_diff(const char *what, const char *want, const char *got)
{
    if (!want || !got || !strcmp(want, got))
        return;
    const char *a = want, *b = got;
    while (*a && *a == *b)
        a++, b++;
    while (a > want && a[-1] != '\n')
        a--, b--;
    h_diag("%s differ at: want `%.*s`, got `%.*s`", what, (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
}

int64_t h_produced(harness *h)
{
    int64_t sum = 0;
    for (int p = 0; p < h->nparts; p++) {
        int64_t lo, hi;
        if (rd_kafka_query_watermark_offsets(h->reader, h->topic ? h->topic : "transactions", p, &lo, &hi, 10000))
            return -1;
        sum += hi;
    }
    return sum;
}

void h_check_store(harness *h)
{
    char path[512];
    char *want = h_expected_counters(h);
    snprintf(path, sizeof path, "%s/state.db", h->work);
    sqlite3 *db;
    char *got = NULL;
    size_t n = 0;
    int64_t outbox = -1;
    bool offsets_ok = true;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        FILE *o = open_memstream(&got, &n);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, "SELECT key, value FROM state WHERE value != 0 ORDER BY key", -1, &st, NULL) ==
            SQLITE_OK) {
            while (sqlite3_step(st) == SQLITE_ROW)
                fprintf(o, "%s\t%lld\n", sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 1));
            sqlite3_finalize(st);
        }
        fclose(o);
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM outbox", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            outbox = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        for (int p = 0; p < h->nparts; p++) {
            int64_t lo, hi, next = -1;
            rd_kafka_query_watermark_offsets(h->reader, "transactions", p, &lo, &hi, 10000);
            if (sqlite3_prepare_v2(db, "SELECT next FROM offsets WHERE topic = 'transactions' AND part = ?1", -1,
                                   &st, NULL) == SQLITE_OK) {
                sqlite3_bind_int(st, 1, p);
                if (sqlite3_step(st) == SQLITE_ROW)
                    next = sqlite3_column_int64(st, 0);
                sqlite3_finalize(st);
            }
            if (next != hi) {
                offsets_ok = false;
                h_diag("transactions/%d: stored offset %lld, end of the log %lld", p, (long long)next, (long long)hi);
            }
        }
        sqlite3_close(db);
    }
    bool same = want && got && !strcmp(want, got);
    h_show_diff("counters", want, got);
    size_t lines = 0;
    for (const char *p = want; p && *p; p++)
        lines += *p == '\n';
    h_ok(h, same, "the limit and budget counters in the store equal cbrc's (%zu counters, none counted twice)",
         lines);
    size_t nwant, ngot;
    char *lwant = h_expected_ledger(h, &nwant);
    char *lgot = ledger_text(path, &ngot);
    h_ok(h, lwant && lgot && nwant > 0 && !strcmp(lwant, lgot),
         "the award ledger in the store equals cbrc's after its vesting job (%zu records, %zu in the store)", nwant,
         ngot);
    h_show_diff("ledgers", lwant, lgot);
    free(lwant);
    free(lgot);
    h_ok(h, outbox == 0, "the outbox is empty after the stop (%lld rows)", (long long)outbox);
    h_ok(h, offsets_ok, "the stored offsets are at the end of every partition");
    free(want);
    free(got);
}

/* Each scenario and the partitions of its input topic: a fleet's twelve
 * give three instances several each to lose and take over. */
static const struct {
    const char *name;
    int (*run)(harness *h);
    int nparts;
} scenarios[] = {
    {"e2e", h_scenario_e2e, 4},       {"faults", h_scenario_faults, 4}, {"offsets", h_scenario_offsets, 4},
    {"fleet", h_scenario_fleet, 12},  {"budget", h_scenario_budget, 6},
};

int main(int argc, char **argv)
{
    size_t k = 0, n = sizeof scenarios / sizeof *scenarios;
    while (argc == 2 && k < n && strcmp(argv[1], scenarios[k].name))
        k++;
    if (argc != 2 || k == n) {
        fprintf(stderr, "usage: stream-harness e2e|faults|offsets|fleet|budget\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    harness h;
    if (h_init_parts(&h, argv[1], scenarios[k].nparts) != 0) {
        printf("Bail out! the harness could not start\n");
        h_fini(&h);
        return 1;
    }
    int rc = scenarios[k].run(&h);
    if (rc != 0)
        h_ok(&h, false, "the scenario ran to its end");
    rc = h_done(&h);
    h_fini(&h);
    return rc;
}
