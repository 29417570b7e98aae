/* scenarios.c: what the cbr-stream tests do to it (tests/stream/).
 *
 * e2e: transactions in three phases; between them a hostile bundle is
 *      refused on SIGHUP while processing goes on, then a good one is picked
 *      up from the file's change alone; every award must name the bundle
 *      that granted it.  Checks /metrics, SIGTERM's clean stop and the store.
 * faults: four phases with cbr-stream killed (SIGKILL) at random points and
 *      restarted, request errors injected on Produce, Fetch and OffsetCommit,
 *      a broker taken down and brought back, and a second group member
 *      taking partitions away for a while.  The answer must be the
 *      same, no award missing, none with another amount, and the counters
 *      equal to cbrc's: nothing counted twice. */
#include "config.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/stream/harness.h"

/* Mock ApiKeys (rdkafka_protocol.h is not installed). */
enum { API_PRODUCE = 0, API_FETCH = 1, API_OFFSET_COMMIT = 8 };

/* Copies work/from to work/to through a temporary file and a rename, as a
 * deployment would; damage > 0 flips the byte at that offset first. */
static int place(harness *h, const char *from, const char *to, long damage)
{
    char a[512], b[512], t[520];
    snprintf(a, sizeof a, "%s/%s", h->work, from);
    snprintf(b, sizeof b, "%s/%s", h->work, to);
    snprintf(t, sizeof t, "%s.tmp", b);
    FILE *in = fopen(a, "rb"), *out = fopen(t, "wb");
    if (!in || !out) {
        if (in)
            fclose(in);
        if (out)
            fclose(out);
        return -1;
    }
    int c;
    long at = 0;
    while ((c = getc(in)) != EOF) {
        if (damage > 0 && at == damage)
            c ^= 0x5a;
        putc(c, out);
        at++;
    }
    fclose(in);
    if (fclose(out) != 0 || (damage > 0 && damage >= at))
        return -1;
    return rename(t, b);
}

static size_t count_phases(const harness *h, int upto)
{
    size_t n = 0;
    for (size_t i = 0; i < h->ntx; i++)
        n += h->tx[i].phase <= upto;
    return n;
}

/* Pumps until the metric reaches at least v; false at the deadline. */
static bool await_metric(harness *h, const char *name, double v, int timeout_ms)
{
    int64_t deadline = h_now_ms() + timeout_ms;
    while (h_now_ms() < deadline) {
        if (h_metric(h, name) >= v)
            return true;
        h_pump(h, 200);
    }
    return false;
}

static bool running(harness *h)
{
    return h->pid > 0 && waitpid(h->pid, NULL, WNOHANG) == 0;
}

static bool metrics_has(harness *h, const char *text)
{
    char *t = h_metrics_text(h);
    bool yes = t && strstr(t, text);
    free(t);
    return yes;
}

/* The phase the record with this tid was produced in (-1: none). */
static int phase_of(const harness *h, const char *tid)
{
    char pat[160];
    snprintf(pat, sizeof pat, "{\"tid\":\"%s\",", tid);
    for (size_t i = 0; i < h->ntx; i++)
        if (h->tx[i].json && !strncmp(h->tx[i].json, pat, strlen(pat)))
            return h->tx[i].phase;
    return -1;
}

int h_scenario_e2e(harness *h)
{
    static const char *const one[] = {"rules.cbr"}, *const two[] = {"rules.cbr", "extra-offer.cbr"};
    h_make_tx(h, 2400, 3);
    if (h_compile(h, "good1.cbrx", one, 1, h->hash1, sizeof h->hash1) ||
        h_compile(h, "good2.cbrx", two, 2, h->hash2, sizeof h->hash2) || place(h, "good1.cbrx", "live.cbrx", 0))
        return -1;
    h_ok(h, strcmp(h->hash1, h->hash2) != 0, "the two bundles differ (%s, %s)", h->hash1, h->hash2);
    /* Usage errors name where they are. */
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "printf 'brokers = x\\nbatch-size = lots\\n' > '%s/bad.conf' && "
             "'%s' --config '%s/bad.conf' --bundle b --state s 2>'%s/bad.err'; test $? -eq 2 && "
             "grep -q 'bad.conf:2: batch-size takes a number' '%s/bad.err' && "
             "'%s' --bundle b --state s -X no.such.property=1 2>'%s/bad.err'; test $? -eq 2 && "
             "grep -q 'no.such.property' '%s/bad.err'",
             h->work, h->stream_bin, h->work, h->work, h->work, h->stream_bin, h->work, h->work);
    h_ok(h, system(cmd) == 0, "a bad config line is refused with FILE:LINE, an unknown -X property by name");
    if (h_produce_phase(h, 0) || h_start(h, "live.cbrx"))
        return -1;
    size_t n0 = count_phases(h, 0), n1 = count_phases(h, 1);
    h_ok(h, await_metric(h, "cbr_stream_records_total", (double)n0, 60000),
         "cbr-stream joins the group and reads the first %zu records", n0);
    h_ok(h, h_log_count(h, "resuming at Kafka's committed offset\n") > 0 && h_log_count(h, "offset0") == 0,
         "a partition the store has no offset for resumes at Kafka's committed offset, said as such");

    /* A hostile bundle: one byte changed in the middle, then SIGHUP. */
    if (place(h, "good1.cbrx", "live.cbrx", 200))
        return -1;
    h_kill(h, SIGHUP);
    h_ok(h, await_metric(h, "cbr_stream_reloads_total{result=\"refused\"}", 1, 20000),
         "a damaged bundle is refused on SIGHUP");
    char info[160];
    snprintf(info, sizeof info, "cbr_stream_bundle_info{hash=\"%s\"} 1", h->hash1);
    h_ok(h, running(h) && metrics_has(h, info), "cbr-stream goes on with the bundle it had");
    if (h_produce_phase(h, 1))
        return -1;
    h_ok(h, await_metric(h, "cbr_stream_records_total", (double)n1, 60000),
         "records after the refused reload are evaluated (%zu)", n1);

    /* A good bundle, noticed by its change on disk alone. */
    if (place(h, "good2.cbrx", "live.cbrx", 0))
        return -1;
    snprintf(info, sizeof info, "cbr_stream_bundle_info{hash=\"%s\"} 1", h->hash2);
    bool swapped = false;
    for (int64_t deadline = h_now_ms() + 20000; !swapped && h_now_ms() < deadline; h_pump(h, 100))
        swapped = metrics_has(h, info);
    h_ok(h, swapped, "a changed bundle file is verified and swapped in without a signal");
    if (h_produce_phase(h, 2) || h_answer(h, "good1.cbrx"))
        return -1;
    h_ok(h, h_pump_until_complete(h, 90000), "all awards and rejects arrive");

    /* /metrics, before the stop takes it away: one process, so exact. */
    char *text = h_metrics_text(h);
    h_ok(h, text != NULL, "GET /metrics answers");
    double recs = h_metric(h, "cbr_stream_records_total"), rej = h_metric(h, "cbr_stream_rejected_total");
    double aw = h_metric(h, "cbr_stream_awards_total");
    h_ok(h, recs == (double)h->ntx && rej == (double)h->nrejects && aw == (double)h->naward_events,
         "metrics count records %.0f of %zu, rejected %.0f of %zu, awards %.0f of %zu", recs, h->ntx, rej,
         h->nrejects, aw, h->naward_events);
    h_ok(h, text && strstr(text, "cbr_stream_cashback_total{campaign=\"spring\",currency=\"USD\"} ") &&
                strstr(text, "cbr_stream_batch_seconds_bucket{le=\"+Inf\"} ") &&
                strstr(text, "cbr_stream_consumer_lag{topic=\"transactions\",partition=\"0\"} 0"),
         "metrics hold cashback per campaign, batch latency and consumer lag");
    free(text);

    h_kill(h, SIGTERM);
    int st = h_wait(h, 60000);
    h_ok(h, st == 0, "SIGTERM stops cbr-stream cleanly (status %d)", st);
    h_pump(h, 1500);
    h_check_awards(h);

    /* Awards and reversals name the bundle that decided them: records of
     * phases 0 and 1 the first, phase 2 the second (a vest names none). */
    size_t wrong = 0;
    for (size_t i = 0; i < h->nawards; i++) {
        const char *tid = strrchr(h->awards[i].id, '|') + 1;
        if (strstr(h->awards[i].id, "|vest|"))
            continue;
        int phase = phase_of(h, tid);
        const char *want = phase == 2 ? h->hash2 : h->hash1;
        if (h->awards[i].seen && strcmp(h->awards[i].bundle, want) && wrong++ < 3)
            h_diag("award %s names bundle %s, not %s", h->awards[i].id, h->awards[i].bundle, want);
    }
    h_ok(h, wrong == 0, "every award and reversal names the bundle that decided it (%zu do not)", wrong);
    h_check_store(h);
    return 0;
}

static int kill_and_restart(harness *h)
{
    h_kill(h, SIGKILL);
    int st = h_wait(h, 10000);
    h_diag("killed cbr-stream (start %u, status %d), restarting", h->starts, st);
    return h_start(h, "live.cbrx");
}

int h_scenario_faults(harness *h)
{
    static const char *const one[] = {"rules.cbr"};
    h_make_tx(h, 3000, 4);
    if (h_compile(h, "good1.cbrx", one, 1, h->hash1, sizeof h->hash1) || place(h, "good1.cbrx", "live.cbrx", 0))
        return -1;
    if (h_produce_phase(h, 0) || h_start(h, "live.cbrx"))
        return -1;
    /* Killed while it joins, reads or commits: anywhere in 2..6 s. */
    h_pump_random(h, 2000, 6000);
    if (kill_and_restart(h))
        return -1;

    if (h_produce_phase(h, 1))
        return -1;
    /* After the phase is in: the next Produce requests are cbr-stream's. */
    rd_kafka_mock_push_request_errors(h->mc, API_PRODUCE, 6, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT,
                                      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT);
    h_diag("injected 6 Produce errors");
    h_pump_random(h, 3000, 8000);
    if (kill_and_restart(h))
        return -1;

    rd_kafka_mock_push_request_errors(h->mc, API_FETCH, 4, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                      RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                      RD_KAFKA_RESP_ERR__TRANSPORT);
    rd_kafka_mock_push_request_errors(h->mc, API_OFFSET_COMMIT, 3, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                      RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
                                      RD_KAFKA_RESP_ERR__TRANSPORT);
    h_diag("injected 4 Fetch and 3 OffsetCommit errors");
    /* The phase goes in before the broker bounce: a producer caught by the
     * bounce can leave copies in the mock's log (it does not deduplicate
     * as a broker would), and the input must hold each record once. */
    if (h_produce_phase(h, 2))
        return -1;
    h_pump_random(h, 500, 2000);
    rd_kafka_mock_broker_set_down(h->mc, 2);
    h_diag("broker 2 down");
    h_pump_random(h, 1500, 3000);
    rd_kafka_mock_broker_set_up(h->mc, 2);
    h_diag("broker 2 up");
    h_pump_random(h, 500, 4000);
    size_t assigned = h_log_count(h, "assigned transactions/");
    if (kill_and_restart(h))
        return -1;

    /* A rebalance while it runs: once the restarted cbr-stream holds its
     * partitions, a second member joins and takes some (reading without
     * committing), then leaves; cbr-stream must finish its batch on
     * revocation and resume from its stored offsets when they come back. */
    for (int64_t deadline = h_now_ms() + 30000;
         h_log_count(h, "assigned transactions/") == assigned && h_now_ms() < deadline;)
        h_pump(h, 200);
    size_t revoked = h_log_count(h, "revoked transactions/");
    if (h_intruder_join(h))
        return -1;
    for (int64_t deadline = h_now_ms() + 30000;
         h_log_count(h, "revoked transactions/") == revoked && h_now_ms() < deadline;)
        h_pump(h, 200);
    h_ok(h, h_log_count(h, "revoked transactions/") > revoked, "a second group member takes partitions from cbr-stream");
    assigned = h_log_count(h, "assigned transactions/");
    if (h_produce_phase(h, 3))
        return -1;
    h_pump(h, 2000);
    h_intruder_leave(h);
    for (int64_t deadline = h_now_ms() + 30000;
         h_log_count(h, "assigned transactions/") < assigned + 4 && h_now_ms() < deadline;)
        h_pump(h, 200);
    h_ok(h, h_log_count(h, "assigned transactions/") >= assigned + 4,
         "when it leaves, cbr-stream is assigned every partition again");
    /* The last kill lands soon after the rebalance, or while catching up. */
    h_pump_random(h, 200, 3000);
    if (kill_and_restart(h))
        return -1;
    if (h_answer(h, "good1.cbrx"))
        return -1;
    h_ok(h, h_pump_until_complete(h, 120000), "all awards and rejects arrive after %u starts", h->starts);
    h_kill(h, SIGTERM);
    int st = h_wait(h, 60000);
    h_ok(h, st == 0, "SIGTERM stops cbr-stream cleanly (status %d)", st);
    h_pump(h, 1500);
    h_check_awards(h);
    h_check_store(h);
    return 0;
}
