/* metrics.c: cbr-stream's /metrics endpoint, Prometheus text format 0.0.4.
 *
 * libmicrohttpd serves it from its own thread; the main loop updates the
 * figures under one mutex, once per batch (and once per award for the
 * cashback sums), so the lock is never held long on either side.  Counters
 * start at zero with each process, as Prometheus expects of counters. */
#include "config.h"
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hosts/stream/stream.h"
#include "stdlib/textbuf.h"

/* Batch latency buckets, in seconds. */
static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define NBOUNDS (sizeof bounds / sizeof *bounds)

typedef struct cashback {
    cbr_event event;      /* granted, reversed or vested */
    char campaign[128];   /* "" for offers outside any campaign */
    char currency[4];
    int exponent;
    int64_t total;        /* minor units */
} cashback;

struct stream_metrics {
    pthread_mutex_t mu;
    struct MHD_Daemon *d;
    uint64_t records, rejected, batches, reloads_ok, reloads_refused;
    uint64_t events[3];   /* by cbr_event: awards, reversals, vests */
    uint64_t buckets[NBOUNDS + 1];
    double seconds_sum;
    cashback *cash;
    size_t ncash, capcash;
    int64_t *lag;         /* per partition of the input topic, -1 unassigned */
    size_t nlag;
    char topic[256];
    int64_t outbox;
    uint64_t delivered, failed;
    char bundle[80];       /* a program hash: 64 hex digits */
    /* a fleet's */
    bool fleet;
    size_t leases_held;
    char *lease_lines;     /* cbr_stream_lease_room lines, rendered by stream_metrics_leases */
    bool store_down;
    uint64_t outages;
};

stream_metrics *stream_metrics_new(void)
{
    stream_metrics *m = calloc(1, sizeof *m);
    if (m)
        pthread_mutex_init(&m->mu, NULL);
    return m;
}

void stream_metrics_free(stream_metrics *m)
{
    if (!m)
        return;
    if (m->d)
        MHD_stop_daemon(m->d);
    pthread_mutex_destroy(&m->mu);
    free(m->cash);
    free(m->lag);
    free(m->lease_lines);
    free(m);
}

void stream_metrics_batch(stream_metrics *m, uint64_t records, uint64_t rejected, double seconds)
{
    pthread_mutex_lock(&m->mu);
    m->records += records;
    m->rejected += rejected;
    m->batches++;
    m->seconds_sum += seconds;
    size_t i = 0;
    while (i < NBOUNDS && seconds > bounds[i])
        i++;
    m->buckets[i]++;
    pthread_mutex_unlock(&m->mu);
}

void stream_metrics_event(stream_metrics *m, cbr_event event, const char *campaign, const char *currency,
                          int exponent, int64_t amount)
{
    const char *c = campaign ? campaign : "";
    if (event > CBR_EVENT_VEST)
        return;
    pthread_mutex_lock(&m->mu);
    m->events[event]++;
    size_t i;
    for (i = 0; i < m->ncash; i++)
        if (m->cash[i].event == event && !strcmp(m->cash[i].campaign, c) && !strcmp(m->cash[i].currency, currency))
            break;
    if (i == m->ncash && strlen(c) < sizeof m->cash->campaign) {
        if (m->ncash == m->capcash) {
            size_t nc = m->capcash ? m->capcash * 2 : 16;
            cashback *q = realloc(m->cash, nc * sizeof *q);
            if (!q) {
                pthread_mutex_unlock(&m->mu);
                return;
            }
            m->cash = q;
            m->capcash = nc;
        }
        cashback *k = &m->cash[m->ncash++];
        memset(k, 0, sizeof *k);
        k->event = event;
        strcpy(k->campaign, c);
        snprintf(k->currency, sizeof k->currency, "%s", currency);
        k->exponent = exponent;
    }
    if (i < m->ncash)
        m->cash[i].total += event == CBR_EVENT_REVERSAL ? -amount : amount; /* counters only grow */
    pthread_mutex_unlock(&m->mu);
}

void stream_metrics_lag(stream_metrics *m, const char *topic, int32_t partition, int64_t lag)
{
    pthread_mutex_lock(&m->mu);
    snprintf(m->topic, sizeof m->topic, "%s", topic);
    if ((size_t)partition >= m->nlag) {
        size_t n = (size_t)partition + 1;
        int64_t *q = realloc(m->lag, n * sizeof *q);
        if (q) {
            for (size_t i = m->nlag; i < n; i++)
                q[i] = -1;
            m->lag = q;
            m->nlag = n;
        }
    }
    if ((size_t)partition < m->nlag)
        m->lag[partition] = lag;
    pthread_mutex_unlock(&m->mu);
}

void stream_metrics_forget_partitions(stream_metrics *m)
{
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->nlag; i++)
        m->lag[i] = -1;
    pthread_mutex_unlock(&m->mu);
}

void stream_metrics_outbox(stream_metrics *m, int64_t pending, uint64_t delivered, uint64_t failed)
{
    pthread_mutex_lock(&m->mu);
    if (pending >= 0)
        m->outbox = pending;
    m->delivered = delivered;
    m->failed = failed;
    pthread_mutex_unlock(&m->mu);
}

void stream_metrics_bundle(stream_metrics *m, const char *hash, bool reload_ok)
{
    pthread_mutex_lock(&m->mu);
    if (hash)
        snprintf(m->bundle, sizeof m->bundle, "%s", hash);
    if (reload_ok)
        m->reloads_ok++;
    else
        m->reloads_refused++;
    pthread_mutex_unlock(&m->mu);
}

/* A label value: backslash, quote and newline escaped. */
static void add_label_n(cbrtb *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\\' || s[i] == '"' || s[i] == '\n')
            cbrtb_puts(t, s[i] == '\\' ? "\\\\" : s[i] == '"' ? "\\\"" : "\\n");
        else
            cbrtb_put(t, s + i, 1);
}

static void add_label(cbrtb *t, const char *s) { add_label_n(t, s, strlen(s)); }

static void lease_line(void *ud, const char *key, size_t n, int64_t room)
{
    cbrtb *t = ud;
    cbrtb_puts(t, "cbr_stream_lease_room{key=\"");
    add_label_n(t, key, n);
    cbrtb_printf(t, "\"} %lld\n", (long long)room);
}

void stream_metrics_leases(stream_metrics *m, const stream_shared *s)
{
    if (!s)
        return;
    cbrtb t = {0};
    size_t held = stream_shared_each(s, lease_line, &t);
    pthread_mutex_lock(&m->mu);
    m->fleet = true;
    m->leases_held = held;
    free(m->lease_lines);
    m->lease_lines = t.oom ? NULL : t.p;
    pthread_mutex_unlock(&m->mu);
    if (t.oom)
        cbrtb_free(&t);
}

void stream_metrics_store(stream_metrics *m, bool up)
{
    pthread_mutex_lock(&m->mu);
    if (!up && !m->store_down)
        m->outages++;
    m->store_down = !up;
    pthread_mutex_unlock(&m->mu);
}

static void metric(cbrtb *t, const char *name, const char *type, const char *help)
{
    cbrtb_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The exposition, built under the lock; malloc'ed. */
static char *render(stream_metrics *m, size_t *len)
{
    cbrtb t = {0};
    pthread_mutex_lock(&m->mu);
    metric(&t, "cbr_stream_records_total", "counter", "Messages read from the input topic.");
    cbrtb_printf(&t, "cbr_stream_records_total %llu\n", (unsigned long long)m->records);
    metric(&t, "cbr_stream_rejected_total", "counter", "Messages that could not be read, sent to the rejects topic.");
    cbrtb_printf(&t, "cbr_stream_rejected_total %llu\n", (unsigned long long)m->rejected);
    static const char *const names[] = {"awards", "reversals", "vests"};
    static const char *const helps[][2] = {
        {"Awards granted (pending ones included).", "Cashback granted, per campaign and currency."},
        {"Reversals: refunds taking back part or all of an award.", "Cashback taken back, per campaign and currency."},
        {"Pending awards vested (paid).", "Cashback vested, per campaign and currency."}};
    static const char *const cash_names[] = {"cashback", "reversed", "vested"};
    for (int e = 0; e < 3; e++) {
        char name[64];
        snprintf(name, sizeof name, "cbr_stream_%s_total", names[e]);
        metric(&t, name, "counter", helps[e][0]);
        cbrtb_printf(&t, "%s %llu\n", name, (unsigned long long)m->events[e]);
        snprintf(name, sizeof name, "cbr_stream_%s_total", cash_names[e]);
        metric(&t, name, "counter", helps[e][1]);
        for (size_t i = 0; i < m->ncash; i++) {
            const cashback *c = &m->cash[i];
            if (c->event != (cbr_event)e)
                continue;
            int64_t v = c->total, unit = 1;
            for (int k = 0; k < c->exponent; k++)
                unit *= 10;
            cbrtb_printf(&t, "%s{campaign=\"", name);
            add_label(&t, c->campaign);
            cbrtb_printf(&t, "\",currency=\"%s\"} %s%lld", c->currency, v < 0 ? "-" : "",
                         (long long)(llabs(v) / unit));
            if (c->exponent > 0)
                cbrtb_printf(&t, ".%0*lld", c->exponent, (long long)(llabs(v) % unit));
            cbrtb_printf(&t, "\n");
        }
    }
    metric(&t, "cbr_stream_consumer_lag", "gauge", "Messages of an assigned partition not yet evaluated.");
    for (size_t i = 0; i < m->nlag; i++)
        if (m->lag[i] >= 0) {
            cbrtb_printf(&t, "cbr_stream_consumer_lag{topic=\"");
            add_label(&t, m->topic);
            cbrtb_printf(&t, "\",partition=\"%zu\"} %lld\n", i, (long long)m->lag[i]);
        }
    metric(&t, "cbr_stream_batch_seconds", "histogram", "Time from a batch's first message to its commit.");
    uint64_t cum = 0;
    for (size_t i = 0; i < NBOUNDS; i++) {
        cum += m->buckets[i];
        cbrtb_printf(&t, "cbr_stream_batch_seconds_bucket{le=\"%g\"} %llu\n", bounds[i], (unsigned long long)cum);
    }
    cum += m->buckets[NBOUNDS];
    cbrtb_printf(&t, "cbr_stream_batch_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
    cbrtb_printf(&t, "cbr_stream_batch_seconds_sum %.6f\ncbr_stream_batch_seconds_count %llu\n", m->seconds_sum,
        (unsigned long long)m->batches);
    metric(&t, "cbr_stream_outbox_messages", "gauge", "Awards and rejects Kafka has not acknowledged yet.");
    cbrtb_printf(&t, "cbr_stream_outbox_messages %lld\n", (long long)m->outbox);
    metric(&t, "cbr_stream_delivered_total", "counter", "Outbox messages acknowledged by Kafka.");
    cbrtb_printf(&t, "cbr_stream_delivered_total %llu\n", (unsigned long long)m->delivered);
    metric(&t, "cbr_stream_delivery_failures_total", "counter", "Deliveries that failed and were retried.");
    cbrtb_printf(&t, "cbr_stream_delivery_failures_total %llu\n", (unsigned long long)m->failed);
    metric(&t, "cbr_stream_reloads_total", "counter", "Bundle loads, by result.");
    cbrtb_printf(&t, "cbr_stream_reloads_total{result=\"ok\"} %llu\n", (unsigned long long)m->reloads_ok);
    cbrtb_printf(&t, "cbr_stream_reloads_total{result=\"refused\"} %llu\n", (unsigned long long)m->reloads_refused);
    metric(&t, "cbr_stream_bundle_info", "gauge", "The hash of the running bundle.");
    cbrtb_printf(&t, "cbr_stream_bundle_info{hash=\"%s\"} 1\n", m->bundle);
    metric(&t, "cbr_stream_store_up", "gauge", "1 while the state database answers, 0 during an outage.");
    cbrtb_printf(&t, "cbr_stream_store_up %d\n", m->store_down ? 0 : 1);
    metric(&t, "cbr_stream_store_outages_total", "counter", "Times the state database stopped answering.");
    cbrtb_printf(&t, "cbr_stream_store_outages_total %llu\n", (unsigned long long)m->outages);
    if (m->fleet) {
        metric(&t, "cbr_stream_leases_held", "gauge", "Shared budgets and totals this instance holds room of.");
        cbrtb_printf(&t, "cbr_stream_leases_held %zu\n", m->leases_held);
        metric(&t, "cbr_stream_lease_room", "gauge",
               "Room left of this instance's lease, in the counter's units (minor units; 1/10000 of a unit for "
               "a budget across currencies; awards for a total).");
        if (m->lease_lines)
            cbrtb_puts(&t, m->lease_lines);
    }
    pthread_mutex_unlock(&m->mu);
    if (t.oom) {
        cbrtb_free(&t);
        return NULL;
    }
    *len = t.n;
    return t.p;
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                             const char *version, const char *upload, size_t *upload_len, void **state)
{
    stream_metrics *m = cls;
    struct MHD_Response *r;
    unsigned status = MHD_HTTP_OK;
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        static const char no[] = "only GET\n";
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        r = MHD_create_response_from_buffer(sizeof no - 1, (void *)no, MHD_RESPMEM_PERSISTENT);
    } else if (strcmp(url, "/metrics")) {
        static const char nf[] = "not found: the metrics are at /metrics\n";
        status = MHD_HTTP_NOT_FOUND;
        r = MHD_create_response_from_buffer(sizeof nf - 1, (void *)nf, MHD_RESPMEM_PERSISTENT);
    } else {
        size_t n;
        char *body = render(m, &n);
        if (!body)
            return MHD_NO;
        r = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
        if (r)
            MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        else
            free(body);
    }
    if (!r)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

int stream_metrics_serve(stream_metrics *m, const char *addr)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || !colon[1]) {
        fprintf(stderr, STREAM_PROG ": --metrics %s: expected HOST:PORT\n", addr);
        return -1;
    }
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
    int e = getaddrinfo(host, colon + 1, &hints, &ai);
    if (e) {
        fprintf(stderr, STREAM_PROG ": --metrics %s: %s\n", addr, gai_strerror(e));
        return -1;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    m->d = MHD_start_daemon(flags, 0, NULL, NULL, serve, m, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                            MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!m->d) {
        fprintf(stderr, STREAM_PROG ": --metrics %s: cannot listen there\n", addr);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, STREAM_PROG ": metrics at http://%s:%u/metrics\n", host, di ? di->port : 0);
    return 0;
}
