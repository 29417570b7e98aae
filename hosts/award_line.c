/* award_line.c: the JSON line of an award (award_line.h). */
#include "config.h"
#include <stdlib.h>
#include "hosts/award_line.h"
#include "hosts/json.h"

static const char *const event_names[] = {"award", "reversal", "vest"};

void haward_line(cbrtb *b, const cbr_award *a)
{
    char amount[32], id[1024];
    cbr_award_amount(a, amount, sizeof amount);
    /* A reversal's line is the refund's; an award's and a vest's the purchase's. */
    const char *tid = a->event == CBR_EVENT_REVERSAL && a->event_tid ? a->event_tid : a->tid;
    cbrtb_puts(b, "{\"tid\":");
    hjson_buf(b, tid ? tid : "");
    cbrtb_puts(b, ",\"offer\":");
    hjson_buf(b, a->offer_id);
    cbrtb_printf(b, ",\"cashback\":\"%s\",\"currency\":\"%.3s\",\"event\":\"%s\"", amount, a->currency,
                 event_names[a->event <= CBR_EVENT_VEST ? a->event : 0]);
    if (a->event == CBR_EVENT_AWARD && a->pending)
        cbrtb_printf(b, ",\"status\":\"pending\",\"vests\":\"%.10s\"", a->vests);
    if (a->event == CBR_EVENT_REVERSAL) {
        cbrtb_puts(b, ",\"original_tid\":");
        hjson_buf(b, a->tid ? a->tid : "");
    }
    /* An id longer than the buffer is written whole from one made for it. */
    size_t n = cbr_award_id(a, id, sizeof id);
    char *p = n < sizeof id ? id : malloc(n + 1);
    if (!p) {
        b->oom = true;
        return;
    }
    if (p != id)
        cbr_award_id(a, p, n + 1);
    cbrtb_puts(b, ",\"award_id\":");
    hjson_buf(b, p);
    if (p != id)
        free(p);
    cbrtb_puts(b, ",\"user_id\":");
    hjson_buf(b, a->user_id);
    cbrtb_puts(b, ",\"campaign\":");
    hjson_buf(b, a->campaign_id);
    cbrtb_puts(b, "}\n");
}
