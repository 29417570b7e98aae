/* award_line.c: the JSON line of an award (award_line.h).
 *
 * A run writes one line per award, millions of them, so the line is
 * written straight into the buffer: its longest length is worked out
 * first (every string escaped at worst, six bytes a byte), the room taken
 * once, then each piece copied; strings by hjson_put (hosts/json.c). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "hosts/award_line.h"
#include "hosts/json.h"

static const char *const event_names[] = {"award", "reversal", "vest"};

static char *lit(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}
#define LIT(p, s) lit((p), (s), sizeof(s) - 1)

/* A JSON string, or null. */
static char *jstr(char *p, const char *s, size_t n)
{
    return s ? hjson_put(p, s, n) : LIT(p, "null");
}

static size_t len_of(const char *s) { return s ? strlen(s) : 0; }

void haward_line(cbrtb *b, const cbr_award *a)
{
    char amount[32], idbuf[1024];
    size_t na = cbr_award_amount(a, amount, sizeof amount);
    if (na >= sizeof amount)
        na = sizeof amount - 1;
    /* A reversal's line is the refund's; an award's and a vest's the purchase's. */
    const char *tid = a->event == CBR_EVENT_REVERSAL && a->event_tid ? a->event_tid : a->tid;
    if (!tid)
        tid = "";
    /* An id longer than the buffer is written whole from one made for it. */
    size_t nid = cbr_award_id(a, idbuf, sizeof idbuf);
    char *id = nid < sizeof idbuf ? idbuf : malloc(nid + 1);
    if (!id) {
        b->oom = true;
        return;
    }
    if (id != idbuf)
        cbr_award_id(a, id, nid + 1);
    const char *orig = a->tid ? a->tid : "";
    size_t ntid = strlen(tid), noffer = len_of(a->offer_id), nuser = len_of(a->user_id),
           ncamp = len_of(a->campaign_id), norig = a->event == CBR_EVENT_REVERSAL ? strlen(orig) : 0;
    size_t most = 256 + na + HJSON_ROOM(ntid) + HJSON_ROOM(noffer) + HJSON_ROOM(nid) + HJSON_ROOM(nuser) +
                  HJSON_ROOM(ncamp) + HJSON_ROOM(norig);
    char *p = cbrtb_reserve(b, most), *start = p;
    if (p) {
        p = LIT(p, "{\"tid\":");
        p = jstr(p, tid, ntid);
        p = LIT(p, ",\"offer\":");
        p = jstr(p, a->offer_id, noffer);
        p = LIT(p, ",\"cashback\":\"");
        p = lit(p, amount, na);
        p = LIT(p, "\",\"currency\":\"");
        p = lit(p, a->currency, strnlen(a->currency, 3));
        p = LIT(p, "\",\"event\":\"");
        const char *ev = event_names[a->event <= CBR_EVENT_VEST ? a->event : 0];
        p = lit(p, ev, strlen(ev));
        *p++ = '"';
        if (a->event == CBR_EVENT_AWARD && a->pending) {
            p = LIT(p, ",\"status\":\"pending\",\"vests\":\"");
            p = lit(p, a->vests, strnlen(a->vests, 10));
            *p++ = '"';
        }
        if (a->event == CBR_EVENT_REVERSAL) {
            p = LIT(p, ",\"original_tid\":");
            p = jstr(p, orig, norig);
        }
        p = LIT(p, ",\"award_id\":");
        p = jstr(p, id, nid);
        p = LIT(p, ",\"user_id\":");
        p = jstr(p, a->user_id, nuser);
        p = LIT(p, ",\"campaign\":");
        p = jstr(p, a->campaign_id, ncamp);
        p = LIT(p, "}\n");
        *p = '\0';
        b->n += (size_t)(p - start);
    }
    if (id != idbuf)
        free(id);
}
