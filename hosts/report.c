/* report.c: the HTML report of a run (see report.h).
 *
 * Everything on the page comes from the summary: the same numbers as
 * `--summary-format=json`, each marked with a data-k attribute naming what
 * it is (offer/ID/awards, rejected/REASON, ...) so that a test reads them
 * back from the rendered page.  The charts are SVG drawn here: awards per
 * day, cashback per day against each budget (a burn-down: what was spent
 * against what may be, per period for a paced budget), and each offer's
 * share of the cashback.  Amounts are printed exactly; only the charts'
 * coordinates are floating point. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hosts/cbrc.h"
#include "hosts/feed.h"
#include "hosts/report.h"
#include "hosts/summary_int.h"
#include "stdlib/date.h"

/* Burn-down charts drawn at most; the tables list every offer. */
#define MAX_CHARTS 200

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++)
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
}

/* A number with thousands separators, for people; data-v holds it bare. */
static void num(FILE *f, const char *key, uint64_t v)
{
    char out[32];
    fputs("<span data-k=\"", f);
    esc(f, key);
    fprintf(f, "\" data-v=\"%llu\">%s</span>", (unsigned long long)v, cbrc_grouped(v, out));
}

static void text_k(FILE *f, const char *key, const char *text)
{
    fputs("<span data-k=\"", f);
    esc(f, key);
    fputs("\">", f);
    esc(f, text);
    fputs("</span>", f);
}

static void date_text(int32_t day, char out[11])
{
    int y;
    unsigned m, d;
    cbrdate_to_civil(day, &y, &m, &d);
    snprintf(out, 11, "%04d-%02u-%02u", y, m, d);
}

static double major(int64_t minor, int e)
{
    return (double)minor / pow(10, e);
}

/* ---- charts ---- */

enum { W = 720, H = 180, PAD_L = 64, PAD_B = 28, PAD_T = 12 };

static void axis_dates(FILE *f, int32_t first, int32_t last)
{
    char a[11], b[11];
    date_text(first, a);
    date_text(last, b);
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"ax\">%s</text>", PAD_L, H - 8, a);
    if (last != first)
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"ax\" text-anchor=\"end\">%s</text>", W - 4, H - 8, b);
}

static void axis_max(FILE *f, const char *label)
{
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"ax\" text-anchor=\"end\">", PAD_L - 6, PAD_T + 10);
    esc(f, label);
    fprintf(f, "</text><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"base\"/>", PAD_L, H - PAD_B, W,
            H - PAD_B);
}

/* Awards per day over every offer: one bar a day. */
static void chart_awards(FILE *f, const cbrc_summary *s)
{
    int32_t first = INT32_MAX, last = INT32_MIN;
    for (size_t o = 0; o < s->noffers; o++)
        for (size_t i = 0; i < s->offers[o].ndays; i++) {
            int32_t d = s->offers[o].days[i].day;
            first = d < first ? d : first;
            last = d > last ? d : last;
        }
    if (first > last) {
        fputs("<p class=\"none\">No awards.</p>", f);
        return;
    }
    size_t span = (size_t)((int64_t)last - first + 1);
    if (span > 3660) { /* ten years of days is as far as one chart goes */
        fputs("<p class=\"none\">The awards span more than ten years; the tables have them.</p>", f);
        return;
    }
    uint64_t *per = calloc(span, sizeof *per), top = 0;
    if (!per)
        return;
    for (size_t o = 0; o < s->noffers; o++)
        for (size_t i = 0; i < s->offers[o].ndays; i++)
            per[s->offers[o].days[i].day - first] += s->offers[o].days[i].awards;
    for (size_t i = 0; i < span; i++)
        top = per[i] > top ? per[i] : top;
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"awards per day\">", W, H);
    double bw = (double)(W - PAD_L) / (double)span;
    for (size_t i = 0; i < span; i++) {
        if (!per[i])
            continue;
        double h = (double)(H - PAD_B - PAD_T) * (double)per[i] / (double)top;
        char d[11];
        date_text(first + (int32_t)i, d);
        fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%s: %llu awards</title></rect>",
                PAD_L + bw * (double)i, H - PAD_B - h, bw > 2 ? bw - 1 : bw, h, d, (unsigned long long)per[i]);
    }
    char label[32];
    snprintf(label, sizeof label, "%llu", (unsigned long long)top);
    axis_max(f, label);
    axis_dates(f, first, last);
    fputs("</svg>", f);
    free(per);
}

/* The first local date of the period holding day. */
static int32_t period_of(const char *per, int32_t day)
{
    return !strcmp(per, "day") ? day : !strcmp(per, "week") ? cbrdate_week_start(day)
         : !strcmp(per, "month") ? cbrdate_month_start(day) : !strcmp(per, "year") ? cbrdate_year_start(day)
         : INT32_MIN;
}

/* A budget's burn-down: the cashback spent so far against the budget, in
 * the budget's currency (a pot: the first currency paid from it), summed
 * from the start of the run, or of each period for a paced budget. */
static void chart_budget(FILE *f, const cbrc_summary *s, cbr_context *ctx, const tally *t, int of_campaign)
{
    char amount[40], bcur[4];
    if (!cbr_program_offer_budget(s->p, t->offer, of_campaign, amount, bcur) || t->ncash == 0)
        return;
    size_t ci = 0;
    while (bcur[0] && ci < t->ncash && strcmp(t->cash[ci].cur, bcur))
        ci++;
    if (ci == t->ncash || t->ndays == 0)
        return;
    int64_t left, total;
    int e;
    if (cbr_context_budget_left(ctx, t->offer, of_campaign, t->cash[ci].cur, &left, &total, &e, NULL) != CBR_OK)
        return;
    const char *per = "";
    char start[11];
    cbr_context_budget_period(ctx, t->offer, of_campaign, &per, start, NULL);
    int32_t first = t->days[0].day, last = t->days[t->ndays - 1].day;
    size_t span = (size_t)((int64_t)last - first + 1);
    if (span > 3660)
        return;
    /* Cumulative spend at the end of each day, restarting each period. */
    double *cum = calloc(span, sizeof *cum), top = major(total, e);
    if (!cum)
        return;
    for (size_t i = 0; i < t->ndays; i++)
        if (t->days[i].cur == ci)
            cum[t->days[i].day - first] += major(t->days[i].minor, e);
    double run = 0;
    for (size_t i = 0; i < span; i++) {
        int32_t d = first + (int32_t)i;
        if (per[0] && i > 0 && period_of(per, d) != period_of(per, d - 1))
            run = 0;
        run += cum[i];
        cum[i] = run;
        top = run > top ? run : top;
    }
    if (top <= 0)
        top = 1;
    double bw = (double)(W - PAD_L) / (double)span;
    double yb = H - PAD_B - (double)(H - PAD_B - PAD_T) * major(total, e) / top;
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"budget burn-down\">", W, H);
    fputs("<polyline class=\"spent\" points=\"", f);
    for (size_t i = 0; i < span; i++) {
        double y = H - PAD_B - (double)(H - PAD_B - PAD_T) * cum[i] / top;
        fprintf(f, "%.1f,%.1f %.1f,%.1f ", PAD_L + bw * (double)i, y, PAD_L + bw * (double)(i + 1), y);
    }
    fprintf(f, "\"/><line class=\"budget\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", PAD_L, yb, W, yb);
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"ax\" text-anchor=\"end\">budget %s %s%s%s</text>", W - 4, yb - 4,
            amount, t->cash[ci].cur, per[0] ? " per " : "", per);
    char label[64];
    snprintf(label, sizeof label, "%.2f", top);
    axis_max(f, label);
    axis_dates(f, first, last);
    fputs("</svg>", f);
    free(cum);
}

/* ---- tables ---- */

/* Each currency's cashback over all offers: what an offer's share is of. */
static void currency_totals(const cbrc_summary *s, money *tot, size_t *ntot, size_t cap)
{
    *ntot = 0;
    for (size_t o = 0; o < s->noffers; o++)
        for (size_t i = 0; i < s->offers[o].ncash; i++) {
            const money *m = &s->offers[o].cash[i];
            size_t k = 0;
            while (k < *ntot && strcmp(tot[k].cur, m->cur))
                k++;
            if (k == *ntot) {
                if (k == cap)
                    continue;
                tot[k] = (money){.exponent = m->exponent};
                memcpy(tot[k].cur, m->cur, 4);
                (*ntot)++;
            }
            if (__builtin_add_overflow(tot[k].minor, m->minor, &tot[k].minor))
                tot[k].overflow = true;
        }
}

static void rows(FILE *f, const cbrc_summary *s, cbr_context *ctx, const tally *ts, size_t n, int of_campaign,
                 const money *tot, size_t ntot)
{
    const char *kind = of_campaign ? "campaign" : "offer";
    fprintf(f, "<table><thead><tr><th>%s</th>%s<th>awards</th><th>customers</th><th>cashback</th>%s"
               "<th>budget left</th></tr></thead><tbody>",
            kind, of_campaign ? "" : "<th>campaign</th>", of_campaign ? "" : "<th>share</th>");
    for (size_t i = 0; i < n; i++) {
        const tally *t = &ts[i];
        char key[600], cash[256], budget[256];
        fputs("<tr><td class=\"id\">", f);
        esc(f, t->id);
        fputs("</td>", f);
        if (!of_campaign) {
            fputs("<td>", f);
            esc(f, t->campaign ? t->campaign : "");
            fputs("</td>", f);
        }
        bool est;
        uint64_t reach = cbrc_summary_reach(t, &est);
        snprintf(key, sizeof key, "%s/%s/awards", kind, t->id);
        fputs("<td class=\"n\">", f);
        num(f, key, t->awards);
        snprintf(key, sizeof key, "%s/%s/customers", kind, t->id);
        fputs("</td><td class=\"n\">", f);
        fputs(est ? "~" : "", f);
        num(f, key, reach);
        cbrc_summary_cash_text(t, cash, sizeof cash);
        snprintf(key, sizeof key, "%s/%s/cashback", kind, t->id);
        fputs("</td><td class=\"n\">", f);
        text_k(f, key, cash);
        fputs("</td>", f);
        if (!of_campaign) {
            /* The share of the first currency the offer paid in. */
            double share = 0;
            for (size_t k = 0; t->ncash && k < ntot; k++)
                if (!strcmp(tot[k].cur, t->cash[0].cur) && tot[k].minor > 0)
                    share = (double)t->cash[0].minor / (double)tot[k].minor;
            fprintf(f, "<td class=\"share\"><svg viewBox=\"0 0 100 10\" class=\"sharebar\"><rect x=\"0\" y=\"1\" "
                       "width=\"%.1f\" height=\"8\"/></svg> %.1f%%%s%s</td>",
                    100 * share, 100 * share, t->ncash ? " of " : "", t->ncash ? t->cash[0].cur : "");
        }
        cbrc_summary_budget_text(s, ctx, t, of_campaign, budget, sizeof budget);
        snprintf(key, sizeof key, "%s/%s/budget_left", kind, t->id);
        fputs("<td>", f);
        text_k(f, key, budget);
        fputs("</td></tr>", f);
    }
    fputs("</tbody></table>", f);
}

static void burn_downs(FILE *f, const cbrc_summary *s, cbr_context *ctx)
{
    size_t drawn = 0, more = 0;
    char amount[40], cur[4];
    for (int of_campaign = 1; of_campaign >= 0; of_campaign--) {
        const tally *ts = of_campaign ? s->campaigns : s->offers;
        size_t n = of_campaign ? s->ncampaigns : s->noffers;
        for (size_t i = 0; i < n; i++) {
            if (!cbr_program_offer_budget(s->p, ts[i].offer, of_campaign, amount, cur) || !ts[i].ndays)
                continue;
            if (drawn == MAX_CHARTS) {
                more++;
                continue;
            }
            fprintf(f, "<figure><figcaption>%s <b>", of_campaign ? "campaign" : "offer");
            esc(f, ts[i].id);
            fputs("</b></figcaption>", f);
            chart_budget(f, s, ctx, &ts[i], of_campaign);
            fputs("</figure>", f);
            drawn++;
        }
    }
    if (!drawn)
        fputs("<p class=\"none\">No budget was paid from.</p>", f);
    if (more)
        fprintf(f, "<p class=\"none\">%zu more budgets are in the tables.</p>", more);
}

static const char style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#1d2430;background:#fff}"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #dfe4ea}"
    ".meta{color:#5b6573}.meta code{font-size:12px}"
    ".cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}"
    ".card{background:#f3f6fa;border-radius:8px;padding:10px 16px;min-width:120px}"
    ".card .l{color:#5b6573;font-size:12px}.card .v{font-size:22px;font-weight:600}"
    "table{border-collapse:collapse;width:100%}th,td{padding:4px 8px;border-bottom:1px solid #e6e9ee;text-align:left}"
    "th{font-size:12px;color:#5b6573;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "td.id{font-family:ui-monospace,monospace}.sharebar{width:80px;height:10px;background:#eef1f5}"
    ".sharebar rect{fill:#2f6fdf}.chart{width:100%;height:auto;background:#fafbfc}"
    ".bar{fill:#2f6fdf}.spent{fill:none;stroke:#2f6fdf;stroke-width:2}"
    ".budget{stroke:#d2452f;stroke-width:1.5;stroke-dasharray:6 4}.base{stroke:#9aa3af}"
    ".ax{font-size:11px;fill:#5b6573}figure{margin:12px 0}figcaption{margin-bottom:4px}.none{color:#5b6573}";

void cbrc_report_write(FILE *f, cbrc_summary *s, cbr_context *ctx, const cbrc_counts *n,
                       const cbrc_report_info *info)
{
    uint64_t awards = 0;
    for (size_t i = 0; i < s->noffers; i++)
        awards += s->offers[i].awards;
    char when[40] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);

    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width\"><title>Cashback report: ", f);
    esc(f, info->input);
    fprintf(f, "</title><style>%s</style></head><body>\n<h1>Cashback report</h1><p class=\"meta\">input ", style);
    text_k(f, "input", info->input);
    if (info->input_size > 0) {
        fputs(" (", f);
        num(f, "input_size", (uint64_t)info->input_size);
        fputs(" bytes)", f);
    }
    fputs(" · rules ", f);
    for (int i = 0; i < info->nrules; i++) {
        const char *slash = strrchr(info->rules[i], '/');
        fputs(i ? ", <span title=\"" : "<span title=\"", f);
        esc(f, info->rules[i]);
        fputs("\">", f);
        esc(f, slash ? slash + 1 : info->rules[i]);
        fputs("</span>", f);
    }
    fputs(" · bundle <code data-k=\"bundle\">", f);
    esc(f, info->bundle);
    fprintf(f, "</code> · made %s</p>\n<div class=\"cards\">", when);
    static const char *const labels[] = {"records read", "evaluated", "rejected", "earned cashback", "awards"};
    static const char *const keys[] = {"records", "evaluated", "rejected", "earning", "awards"};
    const uint64_t vals[] = {n->records, n->evaluated, n->rejected, n->earning, awards};
    for (int i = 0; i < 5; i++) {
        fprintf(f, "<div class=\"card\"><div class=\"l\">%s</div><div class=\"v\">", labels[i]);
        num(f, keys[i], vals[i]);
        fputs("</div></div>", f);
    }
    const tally *ledger[] = {&s->paid, &s->pending, &s->reversed};
    static const char *const lkeys[] = {"cashback_paid_now", "cashback_pending", "cashback_reversed"};
    static const char *const llabels[] = {"cashback paid now", "pending", "reversed"};
    for (int i = 0; i < 3; i++) {
        if (i && !ledger[i]->awards)
            continue;
        char cash[256];
        cbrc_summary_cash_text(ledger[i], cash, sizeof cash);
        fprintf(f, "<div class=\"card\"><div class=\"l\">%s</div><div class=\"v\">", llabels[i]);
        text_k(f, lkeys[i], cash);
        fputs("</div></div>", f);
    }
    fputs("</div>\n<h2>Awards per day</h2>", f);
    chart_awards(f, s);
    fputs("\n<h2>Budgets</h2>", f);
    burn_downs(f, s, ctx);
    money tot[64];
    size_t ntot;
    currency_totals(s, tot, &ntot, sizeof tot / sizeof tot[0]);
    if (s->ncampaigns) {
        fputs("\n<h2>Campaigns</h2>", f);
        rows(f, s, ctx, s->campaigns, s->ncampaigns, 1, tot, ntot);
    }
    fputs("\n<h2>Offers</h2>", f);
    rows(f, s, ctx, s->offers, s->noffers, 0, tot, ntot);
    fputs("\n<h2>Rejected records</h2>", f);
    if (!n->nreasons) {
        fputs("<p class=\"none\">None.</p>", f);
    } else {
        fputs("<table><thead><tr><th>reason</th><th>records</th><th></th></tr></thead><tbody>", f);
        for (size_t i = 0; i < n->nreasons; i++) {
            char key[96];
            snprintf(key, sizeof key, "rejected/%s", n->reasons[i].name);
            fputs("<tr><td>", f);
            esc(f, n->reasons[i].name);
            fputs("</td><td class=\"n\">", f);
            num(f, key, n->reasons[i].count);
            fprintf(f, "</td><td><svg viewBox=\"0 0 100 10\" class=\"sharebar\"><rect x=\"0\" y=\"1\" width=\"%.1f\" "
                       "height=\"8\"/></svg></td></tr>",
                    n->rejected ? 100.0 * (double)n->reasons[i].count / (double)n->rejected : 0);
        }
        fputs("</tbody></table>", f);
    }
    fputs("\n</body></html>\n", f);
}

bool cbrc_report_save(const char *path, cbrc_summary *s, cbr_context *ctx, const cbrc_counts *n,
                      const cbrc_report_info *info)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        fprintf(stderr, "%s: --report: %s\n", cbrc_prog, strerror(errno));
        return false;
    }
    cbrc_report_write(f, s, ctx, n, info);
    bool ok = fclose(f) == 0 && buf;
    if (!ok)
        fprintf(stderr, "%s: --report: out of memory writing the page\n", cbrc_prog);
    else if (!(ok = cbrc_write_atomically(path, buf, len)))
        fprintf(stderr, "%s: %s: %s\n", cbrc_prog, path, strerror(errno));
    free(buf);
    return ok;
}
