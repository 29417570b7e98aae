/* events.c: the messages of cashback_events, one writer for awards,
 * reversals (consume.c) and vests (vest.c). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "hosts/json.h"
#include "hosts/stream/stream.h"

stream_msg *stream_out_new(stream_host *h)
{
    if (h->nout == h->capout) {
        size_t nc = h->capout ? h->capout * 2 : 256;
        stream_msg *q = realloc(h->out, nc * sizeof *q);
        if (!q)
            return NULL;
        h->out = q;
        h->capout = nc;
    }
    stream_msg *m = &h->out[h->nout++];
    memset(m, 0, sizeof *m);
    return m;
}

int stream_event_add(stream_host *h, const cbr_award *a, const char *tid, const char *timestamp,
                     const char *bundle)
{
    char amount[32], cur[4];
    cbr_award_amount(a, amount, sizeof amount);
    memcpy(cur, a->currency, 3);
    cur[3] = '\0';
    cbrtb b = {0};
    /* The award id is deterministic, so a downstream consumer can drop the
     * copies a crash between Kafka's ack and our delete may produce; a
     * reversal and a vest carry the id of the award they change. */
    cbrtb_puts(&b, "{\"award_id\":");
    size_t idn = cbr_award_id(a, NULL, 0);
    char *id = malloc(idn + 1);
    if (id)
        cbr_award_id(a, id, idn + 1);
    hjson_buf(&b, id);
    free(id);
    b.oom |= !id;
    static const char *const events[] = {"award", "reversal", "vest"};
    cbrtb_printf(&b, ",\"event\":\"%s\"", events[a->event <= CBR_EVENT_VEST ? a->event : 0]);
    if (a->event == CBR_EVENT_AWARD && a->pending)
        cbrtb_printf(&b, ",\"status\":\"pending\",\"vests\":\"%.10s\"", a->vests);
    if (a->event == CBR_EVENT_REVERSAL) {
        cbrtb_puts(&b, ",\"original_tid\":");
        hjson_buf(&b, a->tid);
    }
    cbrtb_puts(&b, ",\"tid\":");
    hjson_buf(&b, tid);
    cbrtb_puts(&b, ",\"user_id\":");
    hjson_buf(&b, a->user_id); /* a reversal's and a vest's are the purchase's */
    cbrtb_puts(&b, ",\"offer\":");
    hjson_buf(&b, a->offer_id);
    cbrtb_puts(&b, ",\"campaign\":");
    hjson_buf(&b, a->campaign_id);
    cbrtb_puts(&b, ",\"cashback\":");
    hjson_buf(&b, amount);
    cbrtb_puts(&b, ",\"currency\":");
    hjson_buf(&b, cur);
    cbrtb_puts(&b, ",\"timestamp\":");
    hjson_buf(&b, timestamp);
    if (bundle) {
        cbrtb_puts(&b, ",\"bundle\":");
        hjson_buf(&b, bundle);
    }
    cbrtb_puts(&b, "}");
    stream_msg *m = b.oom ? NULL : stream_out_new(h);
    if (!m) {
        cbrtb_free(&b);
        return -1;
    }
    m->kind = STREAM_AWARD;
    m->event = a->event;
    m->value = b.p;
    m->valuelen = b.n;
    if (a->user_id) {
        m->key = strdup(a->user_id);
        m->keylen = strlen(a->user_id);
        if (!m->key)
            return -1;
    }
    /* A copy: a vest's strings point into a record gone after the call. */
    if (a->campaign_id && !(m->campaign = strdup(a->campaign_id)))
        return -1;
    memcpy(m->currency, cur, sizeof m->currency);
    m->exponent = a->exponent;
    m->cashback = a->cashback;
    return 0;
}

void stream_events_committed(stream_host *h)
{
    for (size_t i = 0; i < h->nout; i++)
        if (h->out[i].kind == STREAM_AWARD)
            stream_metrics_event(h->metrics, h->out[i].event, h->out[i].campaign, h->out[i].currency,
                                 h->out[i].exponent, h->out[i].cashback);
    stream_outbox_send(h, h->out, h->nout);
}

int stream_commit_out(stream_host *h, int (*write)(stream_host *h, void *ud), void *ud)
{
    if (stream_store_begin(h->store) != 0)
        return -1;
    int rc = stream_store_outbox_delete(h->store, h->acked, h->nacked) || write(h, ud);
    for (size_t i = 0; rc == 0 && i < h->nout; i++)
        rc = stream_store_outbox_add(h->store, &h->out[i]);
    if (rc == 0)
        rc = stream_store_commit(h->store);
    if (rc != 0) {
        stream_store_rollback(h->store);
        return -1;
    }
    h->nacked = 0;
    return 0;
}
