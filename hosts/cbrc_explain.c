/* cbrc_explain.c: `cbrc explain`, why a transaction earned what it earned.
 *
 * The transaction is found in its input file by tid, and every record
 * before it is evaluated first, exactly as `cbrc run` would, so that the
 * limits and budgets it meets are the ones it met in the run (starting from
 * --state, like run).  The library's cbr_explain then evaluates it alone
 * and says, per offer, what became of it; nothing is counted or written. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hosts/cbrc.h"
#include "hosts/statedb.h"
#include "hosts/feed.h"

#define prog cbrc_prog

static const char *const verdict_names[] = {
    "awarded", "awarded_cut", "no_match", "no_cashback", "limit_reached", "budget_spent",
    "campaign_budget_spent", "no_user", "excluded", "no_partial"};

typedef struct explain {
    bool json;
    unsigned n, awarded;
    cbr_batch *one;
    cbr_store store;            /* the ledger's: the state's, or the context's own */
    unsigned reversals;
} explain;

static void text_offer(explain *x, const cbr_explanation *e)
{
    printf("%s%s%s%s: ", e->offer_id, e->campaign_id ? " (campaign " : "", e->campaign_id ? e->campaign_id : "",
           e->campaign_id ? ")" : "");
    if (e->verdict != CBR_NO_MATCH || e->nfailed == 0) {
        printf("%s\n", e->reason);
        return;
    }
    printf("not awarded\n");
    for (size_t i = 0; i < e->nfailed; i++) {
        const cbr_failed_condition *f = &e->failed[i];
        if (f->file)
            printf("    %s:%u:%u: ", f->file, f->line, f->column);
        else
            printf("    ");
        printf("`%s` was false: %s\n", f->text, f->values);
    }
}

static void json_offer(explain *x, const cbr_explanation *e)
{
    char amt[32];
    cbr_award a = {.cashback = e->cashback, .exponent = e->exponent};
    fputs(x->n ? ",{\"offer\":" : "{\"offer\":", stdout);
    cbrc_json_str(stdout, e->offer_id);
    fputs(",\"campaign\":", stdout);
    cbrc_json_str(stdout, e->campaign_id);
    printf(",\"verdict\":\"%s\"", verdict_names[e->verdict]);
    if (e->clause >= 0) {
        cbr_award_amount(&a, amt, sizeof amt);
        printf(",\"clause\":%d,\"line\":%u,\"cashback\":\"%s\"", e->clause + 1, e->clause_line, amt);
        a.cashback = e->earned;
        cbr_award_amount(&a, amt, sizeof amt);
        printf(",\"earned\":\"%s\",\"currency\":\"%.3s\",\"rounding\":\"%s\"", amt, e->currency, e->rounding);
    }
    fputs(",\"time_zone\":", stdout);
    cbrc_json_str(stdout, e->time_zone);
    fputs(",\"reason\":", stdout);
    cbrc_json_str(stdout, e->reason);
    fputs(",\"failed\":[", stdout);
    for (size_t i = 0; i < e->nfailed; i++) {
        const cbr_failed_condition *f = &e->failed[i];
        fputs(i ? ",{\"condition\":" : "{\"condition\":", stdout);
        cbrc_json_str(stdout, f->text);
        fputs(",\"file\":", stdout);
        cbrc_json_str(stdout, f->file);
        printf(",\"line\":%u,\"column\":%u,\"clause\":%d,\"values\":", f->line, f->column,
               f->clause >= 0 ? f->clause + 1 : 0);
        cbrc_json_str(stdout, f->values);
        fputc('}', stdout);
    }
    fputs("]}", stdout);
}

static void on_offer(void *ud, const cbr_explanation *e)
{
    explain *x = ud;
    if (x->json)
        json_offer(x, e);
    else
        text_offer(x, e);
    x->n++;
    x->awarded += e->verdict == CBR_AWARDED || e->verdict == CBR_AWARDED_CUT;
}

static void on_reversal(void *ud, const cbr_award *a)
{
    explain *x = ud;
    if (a->event != CBR_EVENT_REVERSAL)
        return;
    char amt[32], id[512];
    cbr_award_amount(a, amt, sizeof amt);
    cbr_award_id(a, id, sizeof id);
    if (x->json) {
        fputs(x->reversals ? ",{\"offer\":" : "{\"offer\":", stdout);
        cbrc_json_str(stdout, a->offer_id);
        printf(",\"cashback\":\"%s\",\"currency\":\"%.3s\",\"award_id\":", amt, a->currency);
        cbrc_json_str(stdout, id);
        fputc('}', stdout);
    } else {
        cbr_award back = *a;
        back.cashback = -a->cashback;
        cbr_award_amount(&back, amt, sizeof amt);
        printf("%s: takes back %s %.3s of award %s\n", a->offer_id, amt, a->currency, id);
    }
    x->reversals++;
}

/* The purchase's ledger record as text (cbr_ledger_text), or NULL. */
static char *record_text(explain *x, const char *tid, size_t n)
{
    char *key = malloc(2 * n + 2);
    const void *data = NULL;
    size_t len = 0;
    char *text = NULL;
    size_t tn;
    bool ok = key && x->store.record_get &&
              x->store.record_get(x->store.ud, key, cbr_ledger_key(tid, n, key, 2 * n + 2), &data, &len) == CBR_OK &&
              data && cbr_ledger_text(NULL, data, len, &text, &tn, NULL) == CBR_OK;
    free(key);
    return ok ? text : NULL;
}

/* A refund is not evaluated against the offers: it is settled against its
 * purchase's ledger record, here in the explain's own copy of the state
 * (nothing is written), and what it reversed is told. */
static int explain_refund(explain *x, cbr_context *ctx, const char *tid, const char *where)
{
    size_t on = 0;
    const char *orig = cbr_batch_string(x->one, 0, CBR_FIELD_ORIGINAL_TID, &on);
    if (x->json) {
        fputs("{\"tid\":", stdout);
        cbrc_json_str(stdout, tid);
        fputs(",\"source\":", stdout);
        cbrc_json_str(stdout, where);
        fputs(",\"refund_of\":", stdout);
        cbrc_json_str(stdout, orig);
        fputs(",\"reversals\":[", stdout);
    } else {
        printf("transaction %s (%s): a refund of purchase %s\n", tid, where, orig ? orig : "?");
    }
    cbr_error err;
    if (cbr_eval(ctx, x->one, on_reversal, x, &err) != CBR_OK) {
        fflush(stdout);
        fprintf(stderr, "%s: %s\n", prog, err.message);
        return EXIT_USAGE;
    }
    const char *refused = cbr_context_refused(ctx, 0);
    char *after = orig && !refused ? record_text(x, orig, on) : NULL;
    if (x->json) {
        fputs("],\"refused\":", stdout);
        cbrc_json_str(stdout, refused);
        fputs(",\"ledger_after\":", stdout);
        cbrc_json_str(stdout, after);
        fputs("}\n", stdout);
    } else if (refused) {
        printf("refused, reversing nothing: %s\n", refused);
    } else if (!after) {
        printf("reverses nothing: the ledger does not hold purchase %s (it changed nothing, or was not seen%s)\n",
               orig ? orig : "?", x->store.record_get ? "" : "; explain keeps no ledger");
    } else {
        if (!x->reversals)
            printf("reverses nothing: no award of %s is worth anything more to take back\n", orig);
        printf("each award of a purchase is worth what it was granted times the part of the purchase not "
               "refunded, rounded toward zero (none under `refund full`); the ledger after the refund:\n");
        for (const char *l = after; *l;) {
            const char *nl = strchr(l, '\n');
            int len = nl ? (int)(nl - l) : (int)strlen(l);
            printf("    %.*s\n", len, l);
            l += len + (nl != NULL);
        }
    }
    cbr_free(after);
    return 0;
}

/* Explains the one row of x->one; where says where it came from. */
static int explain_row(explain *x, cbr_context *ctx, const char *tid, const char *where)
{
    if (cbr_batch_refund(x->one, 0))
        return explain_refund(x, ctx, tid, where);
    cbr_error err;
    if (x->json) {
        fputs("{\"tid\":", stdout);
        cbrc_json_str(stdout, tid);
        fputs(",\"source\":", stdout);
        cbrc_json_str(stdout, where);
        fputs(",\"offers\":[", stdout);
    } else {
        printf("transaction %s (%s)\n", tid, where);
    }
    if (cbr_explain(ctx, x->one, on_offer, x, &err) != CBR_OK) {
        fflush(stdout);
        fprintf(stderr, "%s: %s\n", prog, err.message);
        return EXIT_USAGE;
    }
    if (x->json)
        fputs("]}\n", stdout);
    else
        printf("%u of %u offers awarded\n", x->awarded, x->n);
    return 0;
}

/* Evaluates the records of the file before the one with tid, then explains it. */
static int explain_in_file(explain *x, const cbr_program *p, cbr_context *ctx, FILE *in, const char *name,
                           cbrin_format fmt, const char *tid)
{
    cbrc_feed feed;
    if (!cbrc_feed_open(&feed, p, in, name, fmt))
        return EXIT_USAGE;
    cbr_batch *b;
    cbr_error err;
    if (cbr_batch_new(p, 1024, &b, &err) != CBR_OK) {
        cbrc_feed_close(&feed);
        fprintf(stderr, "%s: %s\n", prog, err.message);
        return EXIT_USAGE;
    }
    const cbrin_record *rec;
    int k, rc = -1;
    size_t tlen = strlen(tid);
    while (rc < 0 && (k = cbrc_feed_next(&feed, &rec)) == 1) {
        size_t n;
        const char *t = cbrc_feed_cell(rec, "tid", &n);
        bool target = t && n == tlen && !memcmp(t, tid, n);
        if (!target) {
            if (cbr_batch_rows(b) == cbr_batch_capacity(b)) {
                if (cbr_eval(ctx, b, NULL, NULL, &err) != CBR_OK) {
                    fprintf(stderr, "%s: %s\n", prog, err.message);
                    rc = EXIT_USAGE;
                    break;
                }
                cbr_batch_clear(b);
            }
            cbrc_feed_row(&feed, b, rec);
            continue;
        }
        /* What came before counts against limits and budgets first. */
        if (cbr_batch_rows(b) && cbr_eval(ctx, b, NULL, NULL, &err) != CBR_OK) {
            fprintf(stderr, "%s: %s\n", prog, err.message);
            rc = EXIT_USAGE;
            break;
        }
        cbr_batch_clear(x->one);
        char where[512];
        snprintf(where, sizeof where, "%s:%llu", name, (unsigned long long)rec->line);
        if (!cbrc_feed_row(&feed, x->one, rec))
            rc = EXIT_REJECTS; /* reported: the record cannot be read */
        else
            rc = explain_row(x, ctx, tid, where);
    }
    if (rc < 0) {
        if (k == 0)
            fprintf(stderr, "%s: %s: no transaction with tid \"%s\"\n", prog, name, tid);
        rc = EXIT_USAGE;
    }
    cbr_batch_free(b);
    cbrc_feed_close(&feed);
    return rc;
}

static int explain_json(explain *x, const cbr_program *p, cbr_context *ctx, const char *tx)
{
    cbrc_feed feed;
    if (!cbrc_feed_open(&feed, p, NULL, "--tx", CBRIN_JSONL))
        return EXIT_USAGE;
    const cbrin_record *rec;
    int rc;
    if (!cbrin_parse_json(feed.reader, tx, strlen(tx), &rec)) {
        fprintf(stderr, "%s: --tx: error: %s\n", prog, rec->error);
        rc = EXIT_REJECTS;
    } else {
        size_t n;
        const char *t = cbrc_feed_cell(rec, "tid", &n);
        char tid[256];
        snprintf(tid, sizeof tid, "%.*s", t ? (int)(n < 255 ? n : 255) : 0, t ? t : "");
        cbr_batch_clear(x->one);
        cbr_error err;
        if (cbr_batch_begin_row(x->one, &err) != CBR_OK) {
            fprintf(stderr, "%s: %s\n", prog, err.message);
            rc = EXIT_USAGE;
        } else {
            for (size_t i = 0; i < rec->ncells; i++) {
                int f = cbr_program_field(p, rec->cells[i].key, rec->cells[i].keylen);
                if (f >= 0 && cbr_program_field_is_input(p, (size_t)f) && !rec->cells[i].missing)
                    cbr_batch_set(x->one, (size_t)f, rec->cells[i].val, rec->cells[i].len, NULL);
            }
            if (cbr_batch_end_row(x->one, NULL, &err) != CBR_OK) {
                fprintf(stderr, "%s: --tx: error: %s\n", prog, err.message);
                rc = EXIT_REJECTS;
            } else {
                rc = explain_row(x, ctx, tid, "--tx");
            }
        }
    }
    cbrc_feed_close(&feed);
    return rc;
}

int cbrc_cmd_explain(int argc, char **argv)
{
    const char **rules = calloc((size_t)argc + 1, sizeof *rules);
    const char *input = NULL, *tid = NULL, *tx = NULL, *format = NULL, *state = NULL;
    int nrules = 0;
    explain x = {.json = false};
    if (!rules)
        return EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "--input") || !strcmp(a, "-i") ? &input
                          : !strcmp(a, "--tid") ? &tid
                          : !strcmp(a, "--tx") ? &tx
                          : !strcmp(a, "--format") ? &format
                          : !strcmp(a, "--state") ? &state : NULL;
        if (slot) {
            if (i + 1 == argc) {
                free(rules);
                return cbrc_usage_error("explain: %s needs a value", a);
            }
            *slot = argv[++i];
        } else if (!strcmp(a, "--json")) {
            x.json = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(cbrc_help_for("explain"), stdout);
            free(rules);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            free(rules);
            return cbrc_usage_error("explain: unknown option %s", a);
        } else {
            rules[nrules++] = a;
        }
    }
    int rc = 0;
    cbrin_format fmt = CBRIN_CSV;
    if (nrules == 0)
        rc = cbrc_usage_error("explain: %s", "no rule files given");
    else if (!tx && !(input && tid))
        rc = cbrc_usage_error("explain: %s", "say which transaction: --input FILE --tid TID, or --tx JSON");
    else if (tx && (input || tid))
        rc = cbrc_usage_error("explain: %s", "--tx cannot be combined with --input or --tid");
    else if (input)
        rc = cbrc_feed_format("explain", input, format, &fmt);
    cbr_program *p = NULL;
    if (rc == 0)
        p = cbrc_load_rules(rules, nrules, true, &rc);
    cbr_error why;
    if (p && cbr_program_runnable(p, &why) != CBR_OK) {
        fprintf(stderr, "%s: %s; cbrc cannot run such rules (see doc/embedding.md)\n", prog, why.message);
        rc = EXIT_USAGE;
    }
    cbr_context *ctx = NULL;
    FILE *in = NULL;
    if (p && rc == 0) {
        if (cbr_context_new(p, 1024, &ctx, &why) != CBR_OK || cbr_batch_new(p, 1, &x.one, &why) != CBR_OK) {
            fprintf(stderr, "%s: %s\n", prog, why.message);
            rc = EXIT_USAGE;
        }
    }
    statedb *db = NULL; /* only read: explain changes nothing */
    if (ctx && rc == 0 && state)
        rc = cbrc_load_state(p, ctx, state, true, &db);
    if (ctx && rc == 0)
        x.store = db ? *statedb_store(db) : cbr_state_store(cbr_context_state(ctx));
    if (ctx && rc == 0 && input) {
        in = !strcmp(input, "-") ? stdin : fopen(input, "rb");
        if (!in) {
            fprintf(stderr, "%s: %s: %s\n", prog, input, strerror(errno));
            rc = EXIT_USAGE;
        }
    }
    if (ctx && rc == 0)
        rc = tx ? explain_json(&x, p, ctx, tx) : explain_in_file(&x, p, ctx, in, input, fmt, tid);
    if (fflush(stdout) != 0 && rc == 0) {
        fprintf(stderr, "%s: writing: %s\n", prog, strerror(errno));
        rc = EXIT_USAGE;
    }
    if (in && in != stdin)
        fclose(in);
    cbr_batch_free(x.one);
    cbr_context_free(ctx);
    statedb_close(db);
    cbr_program_free(p);
    free(rules);
    return rc;
}
