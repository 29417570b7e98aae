/* stream_bench.c: cbr-bench-stream, the benchmark of `make bench-stream`
 * and `make bench-fleet`.
 *
 *     cbr-bench-stream CBR-STREAM BUNDLE SEED [TX [RATE]]
 *     cbr-bench-stream --fleet PG-URI CBR-STREAM BUNDLE SEED [TX]
 *
 * Hosts librdkafka's mock cluster (3 brokers, 4 partitions), runs one
 * cbr-stream process against it with BUNDLE (the 100 offers of `make
 * bench`), and measures two things:
 *   1. sustained throughput: TX seeded transactions (bench/workload.c) are
 *      in the topic before cbr-stream starts; the rate is records over the
 *      time from the first evaluated batch to the last, read from /metrics;
 *   2. produce-to-award latency: TX/4 more, produced at RATE per second,
 *      each award timed from its transaction's produce call to its arrival
 *      on cashback_events; p50 and p99 over the awards.
 * With --fleet it measures sustained throughput only, three times over a
 * backlog of TX on a topic of its own: one instance on SQLite (the
 * baseline), one on the PostgreSQL database PG-URI, and three in one group
 * on it; it prints each and its ratio to the baseline, and what a ledger
 * record costs in PostgreSQL.  Everything runs on this machine: the mock
 * brokers, the producer, the reader, PostgreSQL and every cbr-stream
 * share its cores. */
#include "config.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench/workload.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void quiet(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
}

static rd_kafka_t *client(rd_kafka_type_t type, const char *bs, const char *const kv[][2], size_t n)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, quiet);
    if (bs)
        rd_kafka_conf_set(conf, "bootstrap.servers", bs, err, sizeof err);
    for (size_t i = 0; i < n; i++)
        if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], err, sizeof err)) {
            fprintf(stderr, "cbr-bench-stream: %s: %s\n", kv[i][0], err);
            exit(2);
        }
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "cbr-bench-stream: %s\n", err);
        exit(2);
    }
    return rk;
}

/* The JSON message of transaction i. */
static size_t tx_json(const struct bench_tx *tx, size_t i, char *out, size_t cap)
{
    size_t n = 0;
    out[n++] = '{';
    for (int f = 0; f < BENCH_NFIELDS; f++) {
        char v[64];
        int len = bench_tx_text(tx, i, f, v, sizeof v);
        if (len < 0)
            continue;
        n += (size_t)snprintf(out + n, cap - n, "%s\"%s\":\"", n > 1 ? "," : "", bench_field_names[f]);
        for (int k = 0; k < len && n + 8 < cap; k++) {
            if (v[k] == '"' || v[k] == '\\')
                out[n++] = '\\';
            out[n++] = v[k];
        }
        out[n++] = '"';
    }
    out[n++] = '}';
    out[n] = '\0';
    return n;
}

static void produce_to(rd_kafka_t *p, const char *topic, const struct bench_tx *tx, size_t i)
{
    char buf[1024], user[32];
    size_t n = tx_json(tx, i, buf, sizeof buf);
    int ul = bench_tx_text(tx, i, BENCH_F_USER, user, sizeof user);
    while (rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(user, (size_t)ul),
                             RD_KAFKA_V_VALUE(buf, n), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(p, 10);
}

static void produce(rd_kafka_t *p, const struct bench_tx *tx, size_t i)
{
    produce_to(p, "transactions", tx, i);
}

static int port_free(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &len);
    close(s);
    return ntohs(a.sin_port);
}

/* cbr_stream_records_total from /metrics, -1 when it cannot be read. */
static double records(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a)) {
        if (s >= 0)
            close(s);
        return -1;
    }
    static const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
    static char buf[1 << 16];
    size_t n = 0;
    ssize_t k;
    if (write(s, req, sizeof req - 1) < 0) {
        close(s);
        return -1;
    }
    while (n + 1 < sizeof buf && (k = read(s, buf + n, sizeof buf - n - 1)) > 0)
        n += (size_t)k;
    close(s);
    buf[n] = '\0';
    char *p = strstr(buf, "\ncbr_stream_records_total ");
    return p ? strtod(p + 26, NULL) : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A fleet's run: n instances of bin in group `topic` reading topic, on
 * state, logging to dir/TOPIC-I.log; the transactions/s over the backlog
 * of ntx already in the topic, from the first evaluated batch to the
 * last, or -1. */
static double backlog(const char *bin, const char *bundle, const char *conf, const char *dir, const char *topic,
                      const char *state, int n, size_t ntx)
{
    pid_t pid[8];
    int port[8];
    for (int k = 0; k < n; k++) {
        char logp[256], metrics[64], inst[32];
        snprintf(logp, sizeof logp, "%s/%s-%d.log", dir, topic, k);
        snprintf(inst, sizeof inst, "bench-%d", k);
        port[k] = port_free();
        snprintf(metrics, sizeof metrics, "127.0.0.1:%d", port[k]);
        if ((pid[k] = fork()) == 0) {
            int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fd, 2);
            execl(bin, bin, "--config", conf, "--bundle", bundle, "--state", state, "--metrics", metrics, "--topic",
                  topic, "--group", topic, "--instance", inst, (char *)NULL);
            _exit(127);
        }
    }
    double t_first = 0, t_last = 0, first = 0, deadline = now() + 600;
    while (now() < deadline && t_last == 0) {
        double sum = 0;
        for (int k = 0; k < n; k++) {
            double r = records(port[k]);
            sum += r > 0 ? r : 0;
        }
        double t = now();
        if (sum > 0 && t_first == 0) {
            t_first = t;
            first = sum;
        }
        if (sum >= (double)ntx)
            t_last = t;
        usleep(2000);
    }
    for (int k = 0; k < n; k++)
        kill(pid[k], SIGTERM);
    for (int k = 0; k < n; k++)
        waitpid(pid[k], NULL, 0);
    if (t_last == 0) {
        fprintf(stderr, "cbr-bench-stream: %s: the backlog was not evaluated; see the logs in %s\n", topic, dir);
        return -1;
    }
    return ((double)ntx - first) / (t_last - t_first);
}

static void pg_quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* The first number the query answers on the database pg, or -1. */
static double pg_number(const char *pg, const char *sql)
{
    PGconn *c = PQconnectdb(pg);
    PQsetNoticeProcessor(c, pg_quiet, NULL); /* DROP ... CASCADE lists what it dropped */
    PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
    double v = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) ? strtod(PQgetvalue(r, 0, 0), NULL) : -1;
    if (v < 0)
        fprintf(stderr, "cbr-bench-stream: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return v;
}

static int fleet(const char *pg, const char *bin, const char *bundle, uint64_t seed, size_t ntx)
{
    /* The mock keeps 5 MiB per partition; every run has its own topic. */
    if (ntx < 1000 || ntx > 60000) {
        fprintf(stderr, "cbr-bench-stream: TX from 1000 to 60000 (the mock keeps 5 MiB per partition)\n");
        return 2;
    }
    if (bench_vocab_init(seed) != 0)
        return 1;
    struct bench_tx *tx = calloc(ntx, sizeof *tx);
    bench_make_tx(seed, tx, ntx);
    rd_kafka_t *owner = client(RD_KAFKA_PRODUCER, NULL, NULL, 0);
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(owner, 3);
    const char *bs = rd_kafka_mock_cluster_bootstraps(mc);
    rd_kafka_mock_topic_create(mc, "cashback_events", 4, 3);
    rd_kafka_mock_topic_create(mc, "transactions.rejected", 1, 3);
    static const char *const pkv[][2] = {{"enable.idempotence", "true"}, {"linger.ms", "5"}};
    rd_kafka_t *p = client(RD_KAFKA_PRODUCER, bs, pkv, 2);
    /* Its tables in a schema of their own, cbr_bench, emptied before each
     * run: nothing else of the database is touched. */
    char pgb[1024];
    snprintf(pgb, sizeof pgb, "%s%soptions=-csearch_path%%3Dcbr_bench", pg, strchr(pg, '?') ? "&" : "?");
    char dir[] = "/tmp/cbr-bench-fleet-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char conf[64], db[64];
    snprintf(conf, sizeof conf, "%s/stream.conf", dir);
    snprintf(db, sizeof db, "%s/state.db", dir);
    FILE *cf = fopen(conf, "w");
    fprintf(cf, "brokers = %s\nbatch-size = 1000\nwait-ms = 20\nconsumer.fetch.wait.max.ms = 10\n", bs);
    fclose(cf);
    static const struct {
        const char *topic, *what;
        int n, pg;
    } runs[] = {{"tx-sqlite", "one instance on SQLite", 1, 0},
                {"tx-pg-1", "one instance on PostgreSQL", 1, 1},
                {"tx-pg-3", "three instances on PostgreSQL", 3, 1}};
    double tps[3], per_record = -1;
    for (int r = 0; r < 3; r++) {
        rd_kafka_mock_topic_create(mc, runs[r].topic, 4, 3);
        for (size_t i = 0; i < ntx; i++)
            produce_to(p, runs[r].topic, tx, i);
        rd_kafka_flush(p, 60000);
        /* Each PostgreSQL run starts from an empty schema of its own. */
        if (runs[r].pg && pg_number(pgb, "DROP SCHEMA IF EXISTS cbr_bench CASCADE; CREATE SCHEMA cbr_bench; "
                                         "SELECT 0") < 0)
            return 1;
        if ((tps[r] = backlog(bin, bundle, conf, dir, runs[r].topic, runs[r].pg ? pgb : db, runs[r].n, ntx)) < 0)
            return 1;
        /* The ledger's cost: its table, indexes and TOAST over its rows. */
        if (r == 1)
            per_record = pg_number(pgb, "SELECT pg_total_relation_size('cbr_ledger')::float8 / "
                                       "greatest(count(*), 1) FROM cbr_ledger");
    }
    printf("cbr-stream over a backlog of %zu transactions, mock cluster (3 brokers, 4 partitions), 100 offers, "
           "seed %llu\n",
           ntx, (unsigned long long)seed);
    for (int r = 0; r < 3; r++)
        printf("  %-31s %7.0f transactions/s  %.2fx\n", runs[r].what, tps[r], tps[r] / tps[0]);
    printf("  a ledger record in PostgreSQL: %.0f bytes with its indexes\n", per_record);
    pg_number(pgb, "DROP SCHEMA cbr_bench CASCADE; SELECT 0");
    rd_kafka_destroy(p);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(owner);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    free(tx);
    bench_vocab_free();
    return system(cmd) != 0;
}

int main(int argc, char **argv)
{
    if (argc >= 6 && !strcmp(argv[1], "--fleet"))
        return fleet(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 10),
                     argc > 6 ? strtoul(argv[6], NULL, 10) : 40000);
    if (argc < 4) {
        fprintf(stderr, "usage: cbr-bench-stream CBR-STREAM BUNDLE SEED [TX [RATE]]\n");
        return 2;
    }
    const char *bin = argv[1], *bundle = argv[2];
    uint64_t seed = strtoull(argv[3], NULL, 10);
    size_t ntx = argc > 4 ? strtoul(argv[4], NULL, 10) : 60000;
    double rate = argc > 5 ? strtod(argv[5], NULL) : 2000;
    size_t nlat = ntx / 4;
    /* The mock keeps 5 MiB per partition: about 80,000 of these messages
     * over 4 partitions.  Stay well under it. */
    if (ntx + nlat > 75000 || ntx < 1000) {
        fprintf(stderr, "cbr-bench-stream: TX from 1000 to 60000 (the mock keeps 5 MiB per partition)\n");
        return 2;
    }
    if (bench_vocab_init(seed) != 0)
        return 1;
    struct bench_tx *tx = calloc(ntx + nlat, sizeof *tx);
    bench_make_tx(seed, tx, ntx + nlat);

    rd_kafka_t *owner = client(RD_KAFKA_PRODUCER, NULL, NULL, 0);
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(owner, 3);
    const char *bs = rd_kafka_mock_cluster_bootstraps(mc);
    rd_kafka_mock_topic_create(mc, "transactions", 4, 3);
    rd_kafka_mock_topic_create(mc, "cashback_events", 4, 3);
    rd_kafka_mock_topic_create(mc, "transactions.rejected", 1, 3);
    static const char *const pkv[][2] = {{"enable.idempotence", "true"}, {"linger.ms", "5"}};
    rd_kafka_t *p = client(RD_KAFKA_PRODUCER, bs, pkv, 2);

    /* 1. throughput over a backlog */
    for (size_t i = 0; i < ntx; i++)
        produce(p, tx, i);
    rd_kafka_flush(p, 60000);

    char state[] = "/tmp/cbr-bench-stream-XXXXXX";
    if (!mkdtemp(state))
        return 1;
    char db[64], logp[64], metrics[64], conf[64];
    snprintf(db, sizeof db, "%s/state.db", state);
    snprintf(logp, sizeof logp, "%s/stream.log", state);
    snprintf(conf, sizeof conf, "%s/stream.conf", state);
    int port = port_free();
    snprintf(metrics, sizeof metrics, "127.0.0.1:%d", port);
    FILE *cf = fopen(conf, "w");
    /* fetch.wait.max.ms: the mock holds a fetch that finds nothing new for
     * the whole wait (500 ms by default), which latency would measure. */
    fprintf(cf, "brokers = %s\nbatch-size = 1000\nwait-ms = 20\nconsumer.fetch.wait.max.ms = 10\n", bs);
    fclose(cf);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 2);
        execl(bin, bin, "--config", conf, "--bundle", bundle, "--state", db, "--metrics", metrics, (char *)NULL);
        _exit(127);
    }
    double t_first = 0, t_last = 0, last = 0, deadline = now() + 600;
    while (now() < deadline) {
        double r = records(port);
        double t = now();
        if (r > 0 && t_first == 0) {
            t_first = t;
            last = r;   /* the first batch counts as the start, not as work done */
        }
        if (r >= (double)ntx) {
            t_last = t;
            break;
        }
        usleep(2000);
    }
    double first_batch = last;
    if (t_last == 0) {
        fprintf(stderr, "cbr-bench-stream: cbr-stream did not finish the backlog; see %s\n", logp);
        kill(pid, SIGKILL);
        return 1;
    }
    double tps = ((double)ntx - first_batch) / (t_last - t_first);

    /* 2. latency at a steady rate */
    static const char *const ckv[][2] = {{"group.id", "bench-reader"}, {"enable.auto.commit", "false"},
                                         {"fetch.wait.max.ms", "5"}};
    rd_kafka_t *c = client(RD_KAFKA_CONSUMER, bs, ckv, 3);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
    for (int k = 0; k < 4; k++)
        rd_kafka_topic_partition_list_add(l, "cashback_events", k)->offset = RD_KAFKA_OFFSET_END;
    rd_kafka_assign(c, l);
    rd_kafka_topic_partition_list_destroy(l);
    usleep(500000);
    double *sent = calloc(ntx + nlat, sizeof *sent), *lat = calloc(nlat * 8 + 16, sizeof *lat);
    unsigned char *seen = calloc(ntx + nlat, 1);
    size_t nl = 0;
    double t0 = now();
    size_t next = ntx;
    deadline = t0 + (double)nlat / rate + 30;
    while (now() < deadline) {
        double t = now();
        while (next < ntx + nlat && (double)(next - ntx) < (t - t0) * rate) {
            sent[next] = now();
            produce(p, tx, next++);
        }
        rd_kafka_poll(p, 0);
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 1);
        if (m) {
            const char *v = m->payload, *q = m->err || !v ? NULL : strstr(v, "\"tid\":\"t");
            if (q) {
                size_t i = strtoul(q + 8, NULL, 10);
                if (i >= ntx && i < ntx + nlat && sent[i] > 0 && !seen[i]) {
                    seen[i] = 1;
                    lat[nl++] = now() - sent[i];
                }
            }
            rd_kafka_message_destroy(m);
        }
        if (next == ntx + nlat && records(port) >= (double)(ntx + nlat) && now() - sent[next - 1] > 2)
            break;
    }
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    qsort(lat, nl, sizeof *lat, cmp_double);
    double p50 = nl ? lat[nl / 2] : 0, p99 = nl ? lat[(size_t)((double)nl * 0.99)] : 0;
    printf("cbr-stream through the mock cluster (3 brokers, 4 partitions), 100 offers, seed %llu\n",
           (unsigned long long)seed);
    printf("  sustained: %zu transactions in %.2f s = %.0f transactions/s (one instance, batches of up to 1000)\n",
           ntx - (size_t)first_batch, t_last - t_first, tps);
    printf("  latency:   %zu transactions at %.0f/s, %zu awards timed: produce-to-award p50 %.1f ms, p99 %.1f ms\n",
           nlat, rate, nl, p50 * 1e3, p99 * 1e3);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    rd_kafka_destroy(p);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(owner);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", state);
    if (system(cmd) != 0)
        return 1;
    free(tx);
    free(sent);
    free(lat);
    free(seen);
    bench_vocab_free();
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 && nl > 0 ? 0 : 1;
}
