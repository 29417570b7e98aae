/* budget.c: a shared budget and a total limit that three cbr-stream
 * instances spend together, never past their end (tests/stream/budget.sh).
 *
 * budget.cbr has a campaign budget of 40.00 USD and an offer limited to 25
 * awards in total; each run sends several times what they allow, in waves,
 * once all three instances hold partitions, so that they contend for the
 * last of both through their leases.  Checked in each run: what the awards
 * read back add up to, and the counters in PostgreSQL (alone, and with the
 * room leased out, sampled while the fleet runs), never pass the budget or
 * the limit; the counters equal the awards (nothing counted twice); most of
 * the budget is spent, and the leases are back after the stop.
 *
 * Runs reuse the cluster and the server: each has its own topics, group
 * and an emptied schema.  Run k uses seed + k (CBR_STREAM_SEED=seed+k
 * replays it as run 0); CBR_STREAM_RUNS sets how many (20). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tests/stream/harness.h"

/* budget.cbr's numbers, and the keys cbrc's state names them by. */
#define BUDGET_CENTS 4000
#define BUDGET_KEY "c|flash|USD"
#define LIMIT_TOTAL 25
#define LIMIT_KEY "t|first-25|-"
#define BUNDLE "budget.cbrx"

/* 200 purchases of 10.00..89.99 want about 190.00 from the campaign and
 * some 65 awards of first-25; in waves of 25, the budget lasts two. */
#define WAVES 8
#define PER_WAVE 25
#define USERS 60

typedef struct watch {
    int64_t used[2], held[2];   /* the highest seen: counter; counter + room leased */
    size_t samples;
} watch;

static const char *const keys[2] = {BUDGET_KEY, LIMIT_KEY};

static void purchases(harness *h, int run)
{
    static const char *const merchants[] = {"Cafe", "GroceryMart", "FuelCo"};
    for (size_t i = 0; i < h->ntx; i++) {
        free(h->tx[i].json);
        free(h->tx[i].key);
    }
    free(h->tx);
    h->ntx = WAVES * PER_WAVE;
    h->tx = calloc(h->ntx, sizeof *h->tx);
    for (size_t i = 0; i < h->ntx; i++) {
        unsigned user = (unsigned)(h_rand(h) % USERS), cents = 1000 + (unsigned)(h_rand(h) % 8000);
        time_t ts = (time_t)1772409600 + (time_t)(i * 60); /* 2026-03-02, a minute apart */
        char when[32];
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&ts));
        h_tx *t = &h->tx[i];
        t->phase = (int)(i / PER_WAVE);
        if (asprintf(&t->key, "u%02u", user) < 0 ||
            asprintf(&t->json,
                     "{\"tid\":\"b%02d-%04zu\",\"user_id\":\"%s\",\"amount\":\"%u.%02u\",\"currency\":\"USD\","
                     "\"merchant\":\"%s\",\"timestamp\":\"%s\"}",
                     run, i, t->key, cents / 100, cents % 100, merchants[h_rand(h) % 3], when) < 0)
            abort();
    }
}

static void sample(harness *h, watch *w)
{
    for (int k = 0; k < 2; k++) {
        const char *p[] = {keys[k]};
        int64_t used = h_pg_int(h->pg, "SELECT value FROM cbr_counters WHERE key = $1", p, 1);
        /* one statement, one snapshot: what is spent and what is leased */
        int64_t held = h_pg_int(h->pg,
                                "SELECT coalesce((SELECT value FROM cbr_counters WHERE key = $1), 0) + "
                                "coalesce((SELECT sum(room) FROM cbr_leases WHERE key = $1 AND expires > now()), 0)",
                                p, 1);
        if (used > w->used[k])
            w->used[k] = used;
        if (held > w->held[k])
            w->held[k] = held;
    }
    w->samples++;
}

/* Every instance holds partitions of the run's topic, and together all. */
static bool spread(harness *h)
{
    char as[64], rv[64];
    snprintf(as, sizeof as, "assigned %s/", h->topic);
    snprintf(rv, sizeof rv, "revoked %s/", h->topic);
    size_t all = 0;
    for (int i = 0; i < H_INSTANCES; i++) {
        size_t held = h_inst_log_count(h, i, as) - h_inst_log_count(h, i, rv);
        if (held == 0)
            return false;
        all += held;
    }
    return all == (size_t)h->nparts;
}

static int64_t cents(const char *s)
{
    char *end;
    int64_t units = strtoll(s, &end, 10), c = 0;
    if (*end == '.')
        c = strtoll(end + 1, NULL, 10);
    return units * 100 + c;
}

typedef struct spent {
    int64_t campaign;           /* cents of the campaign's awards, each award id once */
    int64_t limited;            /* first-25's awards */
    size_t copies, conflicts, read;
} spent;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the run's awards topic to its end: what was awarded, by award id. */
static int read_awards(harness *h, int nparts, spent *s)
{
    static const char *const kv[][2] = {{"group.id", "harness-budget"}, {"enable.auto.commit", "false"}};
    rd_kafka_t *c = h_client(h, RD_KAFKA_CONSUMER, kv, 2);
    if (!c)
        return -1;
    char **ids = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (int p = 0; p < nparts && rc == 0; p++) {
        int64_t lo, hi, at;
        if (rd_kafka_query_watermark_offsets(c, h->awards_topic, p, &lo, &hi, 10000)) {
            rc = -1;
            break;
        }
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, h->awards_topic, p)->offset = lo;
        rd_kafka_assign(c, l);
        rd_kafka_topic_partition_list_destroy(l);
        at = lo;
        for (int64_t deadline = h_now_ms() + 30000; at < hi && h_now_ms() < deadline;) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 200);
            if (!m)
                continue;
            char id[160], cash[32], offer[64], campaign[64] = "";
            if (!m->err && m->partition == p) {
                at = m->offset + 1;
                s->read++;
                if (!m->payload || !h_json_get(m->payload, m->len, "award_id", id, sizeof id) ||
                    !h_json_get(m->payload, m->len, "cashback", cash, sizeof cash) ||
                    !h_json_get(m->payload, m->len, "offer", offer, sizeof offer)) {
                    h_diag("an award that cannot be read: %.*s", (int)m->len, (const char *)m->payload);
                    s->conflicts++;
                } else {
                    h_json_get(m->payload, m->len, "campaign", campaign, sizeof campaign);
                    if (n == cap) {
                        cap = cap ? cap * 2 : 256;
                        ids = realloc(ids, cap * sizeof *ids);
                    }
                    /* award id, then what it counts in and how much */
                    if (asprintf(&ids[n], "%s\t%s\t%s", id, !strcmp(campaign, "flash") ? "c" : offer, cash) < 0)
                        abort();
                    n++;
                }
            }
            rd_kafka_message_destroy(m);
        }
        if (at < hi) {
            h_diag("read %s/%d only to %lld of %lld", h->awards_topic, p, (long long)at, (long long)hi);
            rc = -1;
        }
    }
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    /* Sorted, copies of one award id sit together: counted once, and a
     * copy with another amount is a conflict. */
    qsort(ids, n, sizeof *ids, cmp_str);
    for (size_t i = 0; i < n; i++) {
        size_t idlen = strcspn(ids[i], "\t");
        if (i > 0 && !strncmp(ids[i], ids[i - 1], idlen) && ids[i - 1][idlen] == '\t') {
            if (strcmp(ids[i], ids[i - 1]))
                s->conflicts++;
            else
                s->copies++;
            continue;
        }
        const char *what = ids[i] + idlen + 1, *cash = strchr(what, '\t') + 1;
        if (!strncmp(what, "c\t", 2))
            s->campaign += cents(cash);
        else if (!strncmp(what, "first-25\t", 9))
            s->limited++;
    }
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    return rc;
}

static int one_run(harness *h, int run, uint64_t seed)
{
    char topic[32], awards[32], rejects[32], group[32], log[16];
    snprintf(topic, sizeof topic, "budget-%02d.tx", run);
    snprintf(awards, sizeof awards, "budget-%02d.awards", run);
    snprintf(rejects, sizeof rejects, "budget-%02d.rejects", run);
    snprintf(group, sizeof group, "budget-%02d", run);
    snprintf(log, sizeof log, "run%02d", run);
    h->topic = topic;
    h->awards_topic = awards;
    h->rejects_topic = rejects;
    h->group = group;
    h->inst_log = log;
    rd_kafka_mock_topic_create(h->mc, topic, h->nparts, 3);
    rd_kafka_mock_topic_create(h->mc, awards, 2, 3);
    rd_kafka_mock_topic_create(h->mc, rejects, 1, 3);
    h->seed = seed;
    purchases(h, run);
    /* A fresh database for each run: none of the last run's counters. */
    if (!h_pg_exec(h->pg, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        return -1;
    for (int i = 0; i < H_INSTANCES; i++)
        if (h_inst_start(h, i, BUNDLE, NULL))
            return -1;
    int64_t deadline = h_now_ms() + 30000;
    while (!spread(h) && h_now_ms() < deadline)
        h_pump(h, 100);
    if (!spread(h)) {
        h_diag("run %d: the three instances did not share the %d partitions within 30 s", run, h->nparts);
        return -1;
    }
    watch w = {.used = {-1, -1}, .held = {-1, -1}};
    for (int wave = 0; wave < WAVES; wave++) {
        if (h_produce_phase(h, wave))
            return -1;
        for (int64_t until = h_now_ms() + 150; h_now_ms() < until;)
            sample(h, &w);
    }
    const char *tp[] = {topic};
    int64_t produced = (int64_t)h->ntx, evaluated = -1;
    for (deadline = h_now_ms() + 60000; evaluated != produced && h_now_ms() < deadline;) {
        sample(h, &w);
        evaluated = h_pg_int(h->pg, "SELECT sum(next) FROM cbr_partitions WHERE topic = $1", tp, 1);
    }
    /* Which instances awarded from the campaign: the budget was shared. */
    int awarding = 0;
    for (int i = 0; i < H_INSTANCES; i++)
        awarding += h_inst_metric(h, i, "cbr_stream_cashback_total{campaign=\"flash\",currency=\"USD\"}") > 0;
    int unclean = h_inst_stop_all(h, 60000);
    sample(h, &w);
    spent s = {0};
    int rc = read_awards(h, 2, &s);
    const char *bk[] = {BUDGET_KEY}, *lk[] = {LIMIT_KEY};
    int64_t used = h_pg_int(h->pg, "SELECT value FROM cbr_counters WHERE key = $1", bk, 1);
    int64_t count = h_pg_int(h->pg, "SELECT value FROM cbr_counters WHERE key = $1", lk, 1);
    int64_t leased = h_pg_int(h->pg, "SELECT coalesce(sum(room), 0) FROM cbr_leases WHERE expires > now()", NULL, 0);
    h_diag("run %d: seed %llu; %zu records evaluated of %lld, %zu awards read (%zu copies), %d instances awarded "
           "from the campaign, %zu samples",
           run, (unsigned long long)seed, (size_t)evaluated, (long long)produced, s.read, s.copies, awarding,
           w.samples);
    if (rc || evaluated != produced || unclean)
        return -1;
    h_ok(h,
         s.campaign <= BUDGET_CENTS && used <= BUDGET_CENTS && w.used[0] <= BUDGET_CENTS &&
             w.held[0] <= BUDGET_CENTS,
         "run %d: the campaign's awards sum to %lld.%02lld, never past 40.00; its counter %lld at the end, at most "
         "%lld seen, %lld with the room leased out",
         run, (long long)(s.campaign / 100), (long long)(s.campaign % 100), (long long)used, (long long)w.used[0],
         (long long)w.held[0]);
    h_ok(h, s.limited <= LIMIT_TOTAL && count <= LIMIT_TOTAL && w.used[1] <= LIMIT_TOTAL && w.held[1] <= LIMIT_TOTAL,
         "run %d: first-25 awards %lld of at most 25; its counter %lld, at most %lld seen, %lld with the room leased "
         "out", run, (long long)s.limited, (long long)count, (long long)w.used[1], (long long)w.held[1]);
    h_ok(h, used == s.campaign && count == s.limited && s.conflicts == 0,
         "run %d: the counters equal the awards read back (none counted twice or lost; %zu copies differ)", run,
         s.conflicts);
    h_ok(h, s.campaign * 10 >= BUDGET_CENTS * 9 && awarding >= 2 && leased == 0,
         "run %d: %lld.%02lld of the 40.00 is spent by %d instances (at least 90%% by two), and no room is leased "
         "after the stop (%lld)",
         run, (long long)(s.campaign / 100), (long long)(s.campaign % 100), awarding, (long long)leased);
    return 0;
}

int h_scenario_budget(harness *h)
{
    static const char *const rules[] = {"budget.cbr"};
    h->pg = getenv("CBR_TEST_PG");
    if (!h->pg) {
        fprintf(stderr, "harness: the budget test needs CBR_TEST_PG (tests/stream/pg.sh sets it)\n");
        return -1;
    }
    const char *r = getenv("CBR_STREAM_RUNS");
    int runs = r ? atoi(r) : 20;
    uint64_t seed = h->seed;
    if (h_compile(h, BUNDLE, rules, 1, h->hash1, sizeof h->hash1))
        return -1;
    int64_t t0 = h_now_ms();
    for (int k = 0; k < runs; k++) {
        int64_t t = h_now_ms();
        if (one_run(h, k, seed + (uint64_t)k))
            return -1;
        h_diag("run %d took %lld ms", k, (long long)(h_now_ms() - t));
    }
    h_diag("%d runs in %lld ms", runs, (long long)(h_now_ms() - t0));
    return 0;
}
