/* main.c: cbr-stream, the Kafka host of libcbr (doc/stream.md).
 *
 * Start-up order matters: the store is opened, the rules loaded, the
 * counters loaded (ledger records are read as batches name them), the
 * outbox left by the last run is handed to the producer before the
 * consumer joins the group, so that a restart first finishes what the last
 * run committed.  A fleet's state (PostgreSQL) is read per batch instead,
 * and its outbox per partition as each is assigned.  Between batches, pending awards vest on a timer (vest.c).  SIGTERM and SIGINT stop after the
 * batch in hand (commit, flush, leave the group); SIGHUP reloads the rules.
 * Exit status: 0 after a clean stop, 1 when the store, Kafka or the rules
 * failed, 2 for usage errors and a bundle refused at start. */
#include "config.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hosts/stream/stream.h"

volatile sig_atomic_t stream_stop, stream_hup;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        stream_hup = 1;
    else
        stream_stop = 1;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int run(stream_host *h)
{
    char msg[256];
    if (!(h->store = stream_store_open(h->cfg->state)))
        return 1;
    if (stream_store_shared(h->store) &&
        !(h->shared = stream_shared_new(h->store, h->cfg->instance, (int)h->cfg->lease_slice,
                                        h->cfg->lease_seconds))) {
        fprintf(stderr, STREAM_PROG ": out of memory\n");
        return 1;
    }
    if (!(h->ledger = stream_ledger_new(h->store, h->shared)) || !(h->metrics = stream_metrics_new())) {
        fprintf(stderr, STREAM_PROG ": out of memory\n");
        return 1;
    }
    h->cstore = stream_ledger_store(h->ledger);
    /* The rules before the counters: a database of an older cbr-stream is
     * converted with them (pots), and nothing is evaluated until both are in. */
    int brc = stream_bundle_load(h);
    if (brc != 0)
        return brc == -2 ? 2 : 1; /* a refused bundle is status 2, as in cbrc */
    if (stream_store_migrate_pots(h->store, h->prog) != 0 || stream_store_load_ledger(h->store, h->ledger) != 0)
        return 1;
    if (h->shared)
        fprintf(stderr, STREAM_PROG ": %s: a fleet's state, as instance %s; %lld ledger records\n",
                stream_store_where(h->store), h->cfg->instance, (long long)stream_store_record_count(h->store));
    else
        fprintf(stderr, STREAM_PROG ": %s: %zu counters, %lld ledger records\n", h->cfg->state,
                stream_ledger_count(h->ledger), (long long)stream_store_record_count(h->store));
    h->next_reload_check_ms = stream_now_ms() + h->cfg->reload_check_ms;
    if (!(h->reader = cbrin_open(NULL, CBRIN_JSONL, NULL, msg, sizeof msg))) {
        fprintf(stderr, STREAM_PROG ": %s\n", msg);
        return 1;
    }
    if (h->cfg->metrics && stream_metrics_serve(h->metrics, h->cfg->metrics) != 0)
        return 1;
    /* A fleet's outbox is sent partition by partition, by whoever is
     * assigned each (consume.c). */
    if (stream_producer_start(h) != 0 || (!h->shared && stream_outbox_resend_all(h) != 0))
        return 1;
    stream_metrics_store(h->metrics, true);
    stream_metrics_leases(h->metrics, h->shared);
    if (stream_consumer_start(h) != 0)
        return 1;
    fprintf(stderr, STREAM_PROG ": consuming %s as group %s from %s\n", h->cfg->topic, h->cfg->group,
            h->cfg->brokers);
    while (!stream_stop) {
        stream_bundle_maybe_reload(h);
        if (stream_consume_once(h) != 0 || stream_vest_maybe(h) != 0)
            break;
        /* A renewal that fails only shortens the leases: spending refuses
         * what expired (shared.c), and the next renewal tries again. */
        if (h->shared && stream_shared_renew(h->shared) != 0 && stream_store_lost(h->store))
            stream_store_wait(h);
        stream_outbox_poll(h, 0);
        /* An idle stream still deletes what Kafka acknowledged. */
        if (h->nacked >= (size_t)h->cfg->batch_size || (h->nacked && h->npending == 0))
            stream_outbox_commit_acks(h);
        char err[512];
        rd_kafka_resp_err_t fe = rd_kafka_fatal_error(h->producer, err, sizeof err);
        if (fe) {
            /* An idempotent producer that hit a fatal error cannot go on;
             * the outbox keeps every message for the next start. */
            fprintf(stderr, STREAM_PROG ": producer: fatal error: %s\n", err);
            h->fatal = true;
            break;
        }
    }
    fprintf(stderr, STREAM_PROG ": stopping\n");
    return h->fatal ? 1 : 0;
}

int main(int argc, char **argv)
{
    stream_config cfg;
    int rc = stream_config_parse(&cfg, argc, argv);
    if (rc != 0) {
        stream_config_free(&cfg);
        return rc == 1 ? 0 : 2;
    }
    catch_signals();
    stream_host h = {.cfg = &cfg};
    rc = run(&h);
    /* The stop: the consumer's close finishes and commits the last batch
     * (on_rebalance), then the producer gets flush_timeout_ms to deliver. */
    stream_consumer_close(&h);
    if (h.producer && !h.fatal) {
        stream_outbox_flush(&h, (int)cfg.flush_timeout_ms);
        if (stream_outbox_commit_acks(&h) != 0)
            rc = 1;
    }
    if (h.shared && stream_shared_release(h.shared) != 0)
        fprintf(stderr, STREAM_PROG ": the leases could not be given back; they expire in %ld s\n",
                cfg.lease_seconds);
    stream_shared_free(h.shared);
    stream_producer_close(&h);
    stream_bundle_free(&h);
    cbrin_close(h.reader);
    for (size_t i = 0; i < h.nout; i++)
        stream_msg_clear(&h.out[i]);
    free(h.out);
    free(h.acked);
    free(h.retry);
    free(h.parts);
    stream_ledger_free(h.ledger);
    stream_store_close(h.store);
    stream_metrics_free(h.metrics);
    stream_config_free(&cfg);
    if (h.fatal)
        rc = 1;
    return rc;
}
