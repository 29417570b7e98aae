/* outbox.c: cbr-stream's producer side.  Awards and rejects reach Kafka
 * only from the outbox, and leave the outbox only when Kafka acknowledges.
 *
 * The producer is idempotent (enable.idempotence), so its own retries never
 * write a message twice; each message carries its outbox row id as opaque,
 * and the delivery report either queues the id for deletion (in the next
 * batch's transaction) or for a re-send from the stored row.  What a crash
 * can still repeat is a message acknowledged but not yet deleted: it goes
 * out again at the next start with the same award id and amount. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hosts/stream/stream.h"

static bool push(int64_t **v, size_t *n, size_t *cap, int64_t id)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 1024;
        int64_t *q = realloc(*v, nc * sizeof *q);
        if (!q)
            return false;
        *v = q;
        *cap = nc;
    }
    (*v)[(*n)++] = id;
    return true;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    stream_host *h = opaque;
    int64_t id = (int64_t)(intptr_t)m->_private;
    h->inflight--;
    bool ok;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        h->delivered++;
        ok = push(&h->acked, &h->nacked, &h->capacked, id);
    } else {
        h->failed++;
        fprintf(stderr, STREAM_PROG ": delivering outbox row %lld to %s: %s; it stays in the outbox\n",
                (long long)id, rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
        ok = push(&h->retry, &h->nretry, &h->capretry, id);
        /* A failure that comes back at once (a message too large, a topic
         * refused) must not turn into a busy loop: wait a second. */
        h->retry_after_ms = stream_now_ms() + 1000;
    }
    if (!ok)
        /* Losing track of an id only delays it: the row stays in the outbox
         * and is sent again at the next start. */
        fprintf(stderr, STREAM_PROG ": out of memory noting the delivery of row %lld\n", (long long)id);
}

int stream_producer_start(stream_host *h)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *kv[][2] = {
        {"bootstrap.servers", h->cfg->brokers},
        {"enable.idempotence", "true"},
        /* a batch's awards leave together; a few ms of linger fills requests */
        {"linger.ms", "5"},
        {"client.id", "cbr-stream"},
    };
    for (size_t i = 0; i < sizeof kv / sizeof *kv; i++)
        if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, STREAM_PROG ": producer %s: %s\n", kv[i][0], err);
            rd_kafka_conf_destroy(conf);
            return -1;
        }
    if (stream_apply_props(h->cfg, conf, 2) != 0) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, h);
    h->producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!h->producer) {
        fprintf(stderr, STREAM_PROG ": creating the producer: %s\n", err);
        return -1;
    }
    return 0;
}

/* Hands one message to librdkafka, waiting while its queue is full. */
static void send_one(stream_host *h, const stream_msg *m)
{
    const char *topic = m->kind == STREAM_AWARD ? h->cfg->awards_topic : h->cfg->rejects_topic;
    for (;;) {
        rd_kafka_resp_err_t e;
        if (m->kind == STREAM_REJECT)
            e = rd_kafka_producev(h->producer, RD_KAFKA_V_TOPIC(topic),
                                  RD_KAFKA_V_KEY(m->key, m->key ? m->keylen : 0),
                                  RD_KAFKA_V_VALUE(m->value, m->valuelen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_HEADER("cbr-reason", m->reason ? m->reason : "", -1),
                                  RD_KAFKA_V_HEADER("cbr-source", m->source ? m->source : "", -1),
                                  RD_KAFKA_V_OPAQUE((void *)(intptr_t)m->id), RD_KAFKA_V_END);
        else
            e = rd_kafka_producev(h->producer, RD_KAFKA_V_TOPIC(topic),
                                  RD_KAFKA_V_KEY(m->key, m->key ? m->keylen : 0),
                                  RD_KAFKA_V_VALUE(m->value, m->valuelen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_OPAQUE((void *)(intptr_t)m->id), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
            h->inflight++;
            return;
        }
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            fprintf(stderr, STREAM_PROG ": producing outbox row %lld to %s: %s; it stays in the outbox\n",
                    (long long)m->id, topic, rd_kafka_err2str(e));
            return;
        }
        rd_kafka_poll(h->producer, 100);
    }
}

void stream_outbox_send(stream_host *h, stream_msg *msgs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        send_one(h, &msgs[i]);
    rd_kafka_poll(h->producer, 0);
}

void stream_outbox_poll(stream_host *h, int timeout_ms)
{
    rd_kafka_poll(h->producer, timeout_ms);
    if (h->nretry == 0 || stream_now_ms() < h->retry_after_ms)
        return;
    /* Failed deliveries go again from their stored rows.  The ids are
     * taken first: sending may report new failures into h->retry. */
    int64_t *ids = h->retry;
    size_t n = h->nretry;
    h->retry = NULL;
    h->nretry = h->capretry = 0;
    for (size_t i = 0; i < n; i++) {
        stream_msg m;
        int k = stream_store_outbox_get(h->store, ids[i], &m);
        if (k == 1)
            send_one(h, &m);
        if (k >= 0)
            stream_msg_clear(&m);
        /* The store did not answer (a fleet's database is down): the row
         * is still there, and is tried again later. */
        else if (!push(&h->retry, &h->nretry, &h->capretry, ids[i]))
            fprintf(stderr, STREAM_PROG ": out of memory; outbox row %lld is sent at the next start\n",
                    (long long)ids[i]);
        else
            h->retry_after_ms = stream_now_ms() + 1000;
    }
    free(ids);
    int64_t pending = stream_store_outbox_count(h->store);
    stream_metrics_outbox(h->metrics, pending, h->delivered, h->failed);
}

static int resend(void *ud, stream_msg *m)
{
    send_one(ud, m);
    return 0;
}

int stream_outbox_resend_all(stream_host *h)
{
    int64_t n = stream_store_outbox_count(h->store);
    if (n > 0)
        fprintf(stderr, STREAM_PROG ": %lld messages left in the outbox by the last run; sending them\n",
                (long long)n);
    return stream_store_each_outbox(h->store, -1, resend, h);
}

int stream_outbox_resend_part(stream_host *h, int32_t partition)
{
    return stream_store_each_outbox(h->store, partition, resend, h);
}

int stream_outbox_commit_acks(stream_host *h)
{
    if (h->nacked == 0 || h->fatal)
        return 0;
    if (stream_store_begin(h->store) != 0)
        return -1;
    if (stream_store_outbox_delete(h->store, h->acked, h->nacked) != 0 || stream_store_commit(h->store) != 0) {
        stream_store_rollback(h->store);
        return -1;
    }
    h->nacked = 0;
    stream_metrics_outbox(h->metrics, stream_store_outbox_count(h->store), h->delivered, h->failed);
    return 0;
}

void stream_outbox_flush(stream_host *h, int timeout_ms)
{
    int64_t deadline = stream_now_ms() + timeout_ms;
    while ((h->inflight > 0 || h->nretry > 0) && stream_now_ms() < deadline)
        stream_outbox_poll(h, 100);
    if (h->inflight > 0 || h->nretry > 0)
        fprintf(stderr, STREAM_PROG ": %llu messages not acknowledged after %d ms; they stay in the outbox "
                "for the next start\n", (unsigned long long)(h->inflight + h->nretry), timeout_ms);
}

void stream_producer_close(stream_host *h)
{
    if (!h->producer)
        return;
    rd_kafka_destroy(h->producer);
    h->producer = NULL;
}
