/* fleet.c: three cbr-stream instances on one PostgreSQL state
 * (tests/stream/fleet.sh).
 *
 * Seven phases of transactions (purchases, refunds, copies, bad records and
 * a few under another user's key) over twelve partitions, while the fleet
 * is hurt: instances killed with SIGKILL at random points and restarted,
 * one stopped with SIGTERM and started again (a rebalance while running),
 * PostgreSQL restarted in the middle of a phase, and a zombie: an
 * instance frozen with SIGSTOP, holding records it has not committed,
 * longer than its session lasts, while the others take its partitions
 * and evaluate them; thawed, its late work must be kept out; and a split
 * brain: an instance Kafka still counts as an owner while the database
 * has moved its partitions' epochs on, whose commit must be refused.
 * In the end every award exists once with cbrc's amount and the counters,
 * per user and shared, equal cbrc's: nothing lost, nothing counted twice. */
#include "config.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/stream/harness.h"

#define BUNDLE "rules.cbrx"

/* The zombie's batch window: what it fetched is still uncommitted when it
 * is frozen, and the window is over when it is thawed (the first thing it
 * does then is to evaluate and commit).  The margin allows for start-up
 * time. */
#define ZOMBIE_WAIT_MS 20000
#define SLOW_MARGIN_MS 2500

static int pick(harness *h)
{
    return (int)(h_rand(h) % H_INSTANCES);
}

static size_t all_logs(harness *h, const char *text)
{
    size_t n = 0;
    for (int i = 0; i < H_INSTANCES; i++)
        n += h_inst_log_count(h, i, text);
    return n;
}

static int kill_and_restart(harness *h, int i)
{
    h_inst_kill(h, i, SIGKILL);
    int st = h_inst_wait(h, i, 10000);
    h_diag("killed fleet-%d (start %u, status %d), restarting", i, h->inst_starts[i], st);
    return h_inst_start(h, i, BUNDLE, NULL);
}

/* Up to n purchases that nothing refers back to (no refund, no copy) go
 * out under another user's key: the partition of that key holds the other
 * user's counters, so cbr-stream must reject them unevaluated.  Picked
 * across the phases. */
static size_t miskey(harness *h, size_t n)
{
    size_t done = 0;
    for (size_t i = 10; i < h->ntx && done < n; i += 100 + h_rand(h) % 400) {
        h_tx *t = &h->tx[i];
        char tid[32], ref[64];
        if (t->bad || strstr(t->json, "\"kind\":\"refund\"") || sscanf(t->json, "{\"tid\":\"%31[^\"]\"", tid) != 1)
            continue;
        snprintf(ref, sizeof ref, "\"original_tid\":\"%s\"", tid);
        bool referred = false;
        for (size_t k = 0; k < h->ntx && !referred; k++)
            referred = k != i && h->tx[k].json && (strstr(h->tx[k].json, ref) || !strcmp(h->tx[k].json, t->json));
        char *key = NULL;
        if (referred || asprintf(&key, "u%02d", (atoi(t->key + 1) + 1) % 37) < 0)
            continue;
        free(t->key);
        t->key = key;
        t->bad = t->miskeyed = true;
        done++;
    }
    return done;
}

/* The records of phase 0 .. upto. */
static size_t upto(const harness *h, int phase)
{
    size_t n = 0;
    for (size_t i = 0; i < h->ntx; i++)
        n += h->tx[i].phase <= phase;
    return n;
}

/* Whether instance i holds a lease on the shared budget of rules.cbr's
 * campaign "spring" by /metrics and by cbr_leases; *gauges counts the
 * instances that report cbr_stream_leases_held at all. */
static int holds_lease(harness *h, int i, int *gauges)
{
    char *t = h_metrics_text_at(h->inst_port[i]);
    double held = h_inst_metric(h, i, "cbr_stream_leases_held");
    *gauges += held >= 0;
    char owner[32];
    snprintf(owner, sizeof owner, "fleet-%d", i);
    const char *params[] = {owner};
    int yes = held >= 1 && t && strstr(t, "cbr_stream_lease_room{key=\"c|spring|") &&
              h_pg_int(h->pg, "SELECT count(*) FROM cbr_leases WHERE owner = $1 AND key LIKE 'c|spring|%'", params,
                       1) >= 1;
    free(t);
    return yes;
}

/* /metrics and cbr_leases agree that the fleet holds leases on "spring".
 * A lease is taken by the first award that spends the budget and given
 * back at the next revocation, so it is looked for while a phase is
 * evaluated, by the running instances, until a little after the fleet
 * has caught up. */
static void check_leases(harness *h)
{
    int holders = 0, gauges = 0, running = 0;
    for (int64_t deadline = h_now_ms() + 30000, done = 0; holders == 0 && h_now_ms() < deadline;) {
        holders = gauges = running = 0;
        for (int i = 0; i < H_INSTANCES; i++)
            if (h_inst_running(h, i)) {
                running++;
                holders += holds_lease(h, i, &gauges);
            }
        const char *topic[] = {"transactions"};
        if (holders == 0 && !done &&
            h_pg_int(h->pg, "SELECT sum(next) FROM cbr_partitions WHERE topic = $1", topic, 1) == h_produced(h) &&
            (done = h_now_ms() + 2000) < deadline)
            deadline = done;
        if (holders == 0)
            h_pump(h, 100);
    }
    h_ok(h, gauges == running && holders > 0,
         "every running instance reports cbr_stream_leases_held (%d of %d), and %d hold a lease on the campaign's "
         "budget in /metrics (cbr_stream_lease_room) and in cbr_leases while the fleet evaluates",
         gauges, running, holders);
}

/* Phase 3 with PostgreSQL restarted under the fleet, from a child so that
 * the outage falls while the phase is produced and evaluated. */
static int outage(harness *h, const char *ctl)
{
    size_t down0 = all_logs(h, "PostgreSQL unavailable"), back0 = all_logs(h, "PostgreSQL is back");
    unsigned delay_ms = (unsigned)(h_rand(h) % 400);
    fflush(NULL);
    pid_t child = fork();
    if (child < 0)
        return -1;
    if (child == 0) {
        /* Only what is safe after fork in a threaded process: a sleep and
         * an exec (the clients' threads may hold malloc's lock). */
        usleep(delay_ms * 1000);
        execl("/bin/sh", "sh", "-c", ctl, (char *)NULL);
        _exit(127);
    }
    int produced = h_produce_phase(h, 3), st = -1;
    for (int64_t deadline = h_now_ms() + 60000; h_now_ms() < deadline; h_pump(h, 50)) {
        int s;
        if (waitpid(child, &s, WNOHANG) == child) {
            st = WIFEXITED(s) ? WEXITSTATUS(s) : -1;
            break;
        }
    }
    if (produced != 0)
        return -1;
    h_ok(h, st == 0, "PostgreSQL restarts (pg_ctl restart -m fast) %u ms into phase 3 (status %d)", delay_ms, st);
    h_ok(h, h_pg_caught_up(h, 90000), "the fleet evaluates phase 3 across the restart");
    size_t down = all_logs(h, "PostgreSQL unavailable") - down0, back = all_logs(h, "PostgreSQL is back") - back0;
    h_ok(h, down > 0 && back > 0, "saying `PostgreSQL unavailable` (%zu times) and `PostgreSQL is back` (%zu)", down,
         back);
    return 0;
}

/* The partitions of the input topic cbr_partitions says owner holds, and
 * how many of their records it has not committed. */
static int64_t owned(harness *h, const char *owner, int64_t *behind)
{
    const char *params[] = {owner};
    int64_t n = h_pg_int(h->pg, "SELECT count(*) FROM cbr_partitions WHERE topic = 'transactions' AND owner = $1",
                         params, 1);
    *behind = 0;
    for (int p = 0; p < h->nparts; p++) {
        char part[16];
        snprintf(part, sizeof part, "%d", p);
        const char *pp[] = {owner, part};
        int64_t next = h_pg_int(h->pg,
                                "SELECT coalesce((SELECT next FROM cbr_partitions WHERE topic = 'transactions' "
                                "AND owner = $1 AND part = $2), -1)",
                                pp, 2);
        int64_t lo, hi;
        if (next >= 0 && !rd_kafka_query_watermark_offsets(h->reader, "transactions", p, &lo, &hi, 10000))
            *behind += hi - next;
    }
    return n;
}

/* Waits until the group has been still for SETTLE_MS: no instance has
 * logged an assignment or a revocation in that time.  A restart is a
 * leave and a join, each a rebalance, and a slow machine spreads them
 * out; what follows must not be undone by one of them. */
#define SETTLE_MS 4000
static void settle(harness *h)
{
    size_t seen = 0;
    int64_t still = h_now_ms();
    for (int64_t deadline = still + 60000; h_now_ms() < deadline && h_now_ms() - still < SETTLE_MS;) {
        size_t n = all_logs(h, "assigned transactions/") + all_logs(h, "revoked transactions/");
        if (n != seen)
            seen = n, still = h_now_ms();
        h_pump(h, 200);
    }
}

/* Restarts instance i with batch windows of wait_ms and no size limit, so
 * that what it fetches stays uncommitted until a window ends, and waits
 * until it is assigned partitions and the group is still.  *t0: when it
 * was started. */
static int restart_slow(harness *h, int i, int wait_ms, int64_t *t0)
{
    char ms[16];
    snprintf(ms, sizeof ms, "%d", wait_ms);
    const char *const slow[] = {"--wait-ms", ms, "--batch-size", "100000", NULL};
    h_inst_kill(h, i, SIGTERM);
    int st = h_inst_wait(h, i, 60000);
    size_t assigned = h_inst_log_count(h, i, "assigned transactions/");
    settle(h);
    *t0 = h_now_ms();
    if (st != 0 || h_inst_start(h, i, BUNDLE, slow))
        return -1;
    for (int64_t deadline = h_now_ms() + 40000;
         h_inst_log_count(h, i, "assigned transactions/") == assigned && h_now_ms() < deadline;)
        h_pump(h, 200);
    settle(h);
    return 0;
}

/* restart_slow, then waits until a window has ended with room before the
 * next.  *end: when the next window ends. */
static int start_slow(harness *h, int i, int wait_ms, int64_t *end)
{
    int64_t t0;
    if (restart_slow(h, i, wait_ms, &t0))
        return -1;
    /* Its windows end near t0 + k * wait_ms; return after one has ended,
     * with room to act before the next. */
    *end = t0 + wait_ms;
    for (int k = 0; k < 10; k++) {
        if (*end - h_now_ms() >= 2 * SLOW_MARGIN_MS)
            return 0;
        h_pump(h, (int)(*end + SLOW_MARGIN_MS - h_now_ms() > 0 ? *end + SLOW_MARGIN_MS - h_now_ms() : 0));
        *end += wait_ms;
    }
    h_diag("fleet-%d: no batch window of %d ms with room to act in it", i, wait_ms);
    return -1;
}

/* Phase 4 with a zombie: instance z, restarted with long batch windows,
 * fetches its share and is frozen before its window ends; thawed after the
 * others took its partitions on and the window is over.  Thawed, it either
 * commits first and is refused (`fenced`, status 1) or its Kafka client
 * first finds its session over and drops what it fetched (`partitions
 * lost`): which comes first is a race inside the client, and both keep
 * its late work out of the store (the counters tell, at the end). */
static int zombie(harness *h)
{
    int z = pick(h);
    char owner[32];
    snprintf(owner, sizeof owner, "fleet-%d", z);
    int64_t end;
    if (start_slow(h, z, ZOMBIE_WAIT_MS, &end) || h_produce_phase(h, 4))
        return -1;
    h_pump(h, 1000);
    h_inst_kill(h, z, SIGSTOP);
    int64_t frozen = h_now_ms();
    int64_t behind;
    int64_t parts = owned(h, owner, &behind);
    h_diag("froze fleet-%d %lld ms before its batch window ends", z, (long long)(end - frozen));
    h_ok(h, frozen < end - SLOW_MARGIN_MS && parts > 0 && behind > 0,
         "fleet-%d is frozen holding %lld records of its %lld partitions it has not committed", z, (long long)behind,
         (long long)parts);
    /* Frozen past its session: the group drops it, the others take its
     * partitions (a new epoch each) and evaluate what it held. */
    bool taken = false;
    for (int64_t deadline = h_now_ms() + 60000; !taken && h_now_ms() < deadline;) {
        h_pump(h, 500);
        taken = owned(h, owner, &behind) == 0;
    }
    bool caught = taken && h_pg_caught_up(h, 60000);
    h_ok(h, taken && caught, "while fleet-%d is frozen the others take its partitions and evaluate phase 4", z);
    if (h_now_ms() < end + SLOW_MARGIN_MS)
        h_pump(h, (int)(end + SLOW_MARGIN_MS - h_now_ms()));
    size_t fenced = h_inst_log_count(h, z, "fenced"), lost = h_inst_log_count(h, z, "partitions lost");
    h_diag("thawing fleet-%d after %lld ms", z, (long long)(h_now_ms() - frozen));
    h_inst_kill(h, z, SIGCONT);
    int st = -1;
    size_t said = 0, dropped = 0;
    for (int64_t deadline = h_now_ms() + 30000; h_now_ms() < deadline && !said && !dropped && st < 0;) {
        st = h_inst_wait(h, z, 200);
        said = h_inst_log_count(h, z, "fenced") - fenced;
        dropped = h_inst_log_count(h, z, "partitions lost") - lost;
    }
    h_ok(h, said > 0 || dropped > 0,
         "thawed, its late work is kept out: its log says `fenced` (%zu lines, status %d) or `partitions lost` "
         "(%zu lines)",
         said, st, dropped);
    if (st < 0) { /* still running: back to ordinary batches */
        h_inst_kill(h, z, SIGTERM);
        h_inst_wait(h, z, 60000);
    }
    if (h_inst_start(h, z, BUNDLE, NULL))
        return -1;
    h_ok(h, h_pg_caught_up(h, 90000), "and the fleet has phase 4 evaluated once (the counters tell, at the end)");
    return 0;
}

/* Phase 5 with a split brain: Kafka's group still counts instance s as
 * the owner of its partitions, but the database has given them to
 * another (their epochs moved on, as a new owner's take moves them).  Its
 * commit must be refused, every time: it stops, and the records it
 * fetched are evaluated by the partitions' next owners.  Its batch window
 * is longer than the test; the commit is the one SIGTERM makes of what
 * it holds. */
static int split_brain(harness *h)
{
    int s = pick(h);
    char owner[32];
    snprintf(owner, sizeof owner, "fleet-%d", s);
    int64_t t0;
    if (restart_slow(h, s, 600000, &t0) || h_produce_phase(h, 5))
        return -1;
    h_pump(h, 3000);
    int64_t behind;
    owned(h, owner, &behind);
    const char *params[] = {owner};
    int64_t moved = h_pg_int(h->pg,
                             "WITH m AS (UPDATE cbr_partitions SET epoch = epoch + 1, owner = 'elsewhere' "
                             "WHERE topic = 'transactions' AND owner = $1 RETURNING 1) SELECT count(*) FROM m",
                             params, 1);
    h_ok(h, moved > 0 && behind > 0,
         "the database gives fleet-%d's %lld partitions to another while it holds %lld records of them", s,
         (long long)moved, (long long)behind);
    size_t fenced = h_inst_log_count(h, s, "fenced");
    h_inst_kill(h, s, SIGTERM);
    int st = h_inst_wait(h, s, 60000);
    size_t said = h_inst_log_count(h, s, "fenced") - fenced;
    h_ok(h, said > 0 && st == 1, "stopped, its commit is refused: its log says `fenced` (%zu lines), status %d",
         said, st);
    if (h_inst_start(h, s, BUNDLE, NULL))
        return -1;
    h_ok(h, h_pg_caught_up(h, 90000), "and the others evaluate phase 5 in its place");
    return 0;
}

int h_scenario_fleet(harness *h)
{
    static const char *const rules[] = {"rules.cbr"};
    h->pg = getenv("CBR_TEST_PG");
    const char *ctl = getenv("CBR_TEST_PG_CTL");
    if (!h->pg || !ctl) {
        fprintf(stderr, "harness: the fleet needs CBR_TEST_PG and CBR_TEST_PG_CTL (tests/stream/pg.sh sets them)\n");
        return -1;
    }
    h_make_tx(h, 4200, 7);
    size_t nmiskeyed = miskey(h, 6);
    if (nmiskeyed == 0 || h_compile(h, BUNDLE, rules, 1, h->hash1, sizeof h->hash1))
        return -1;

    /* Phases 0 and 1: three instances join; one is killed while they join
     * or read, another later. */
    if (h_produce_phase(h, 0))
        return -1;
    for (int i = 0; i < H_INSTANCES; i++)
        if (h_inst_start(h, i, BUNDLE, NULL))
            return -1;
    h_pump_random(h, 2000, 6000);
    if (kill_and_restart(h, pick(h)) || h_produce_phase(h, 1))
        return -1;
    h_pump_random(h, 200, 4000);
    if (kill_and_restart(h, pick(h)))
        return -1;
    h_ok(h, h_pg_caught_up(h, 90000), "after two kills the fleet has evaluated phases 0 and 1 (%zu records)",
         upto(h, 1));

    /* Phase 2: one instance stops cleanly, the others take its partitions
     * and go on; started again, it gets some back. */
    int r = pick(h);
    h_inst_kill(h, r, SIGTERM);
    int st = h_inst_wait(h, r, 60000);
    h_ok(h, st == 0, "fleet-%d stops cleanly on SIGTERM (status %d)", r, st);
    if (h_produce_phase(h, 2))
        return -1;
    check_leases(h);
    h_pump_random(h, 500, 2000);
    size_t assigned = h_inst_log_count(h, r, "assigned transactions/");
    if (h_inst_start(h, r, BUNDLE, NULL))
        return -1;
    for (int64_t deadline = h_now_ms() + 40000;
         h_inst_log_count(h, r, "assigned transactions/") == assigned && h_now_ms() < deadline;)
        h_pump(h, 200);
    h_ok(h, h_inst_log_count(h, r, "assigned transactions/") > assigned,
         "started again, fleet-%d is assigned partitions in the rebalance", r);
    h_ok(h, h_pg_caught_up(h, 90000), "the fleet has evaluated phase 2 (%zu records in all)", upto(h, 2));

    if (outage(h, ctl) || zombie(h) || split_brain(h))
        return -1;

    /* Phase 6: a last kill while it is read, then the answer. */
    if (h_produce_phase(h, 6))
        return -1;
    h_pump_random(h, 100, 1500);
    if (kill_and_restart(h, pick(h)) || h_answer(h, BUNDLE))
        return -1;
    unsigned starts = 0;
    for (int i = 0; i < H_INSTANCES; i++)
        starts += h->inst_starts[i];
    h_ok(h, h_pump_until_complete(h, 120000), "all awards and rejects arrive after %u starts of %d instances", starts,
         H_INSTANCES);
    h_ok(h, h_pg_caught_up(h, 30000), "the fleet has evaluated every record");
    int unclean = h_inst_stop_all(h, 60000);
    h_ok(h, unclean == 0, "SIGTERM stops every instance cleanly (%d did not)", unclean);
    h_pump(h, 1500);
    h_check_awards(h);
    size_t said = 0;
    for (size_t i = 0; i < h->ntx; i++) {
        h_expect *e = h->tx[i].miskeyed ? h_find_reject(h, h->tx[i].key, h->tx[i].json) : NULL;
        said += e && e->seen && strstr(e->reason, "is not its user_id");
    }
    h_ok(h, said == nmiskeyed, "each record under another user's key is rejected as such (%zu of %zu)", said,
         nmiskeyed);
    h_check_pg(h);
    return 0;
}
