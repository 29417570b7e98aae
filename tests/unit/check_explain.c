/* check_explain.c: cbr_explain, coverage and budgets left, through the
 * public interface (cbr.h) only, linked the way a host links libcbr.
 * Every explained scenario runs from source and from a bundle round trip
 * (the conditions as written travel in bundles), with the context's own
 * state and with a host store, and must give the same explanations each
 * time; each run also checks that explaining counts nothing and that its
 * awards are those cbr_eval gives.  Language reference: section 7 (offers,
 * valid windows), 8 (clauses and rewards), 9 (rounding), 10 (exclusive
 * groups), 11 (limits and budgets), 12 (missing values), 13 (operators);
 * cbr.h (explain, coverage, budgets left). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <cbr.h>
#include "tests/unit/unit.h"

/* ---- a growable text buffer ---- */

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t nc = (b->n + n + 1) * 2;
        char *q = realloc(b->p, nc);
        ck_assert_ptr_nonnull(q);
        b->p = q;
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    ck_assert(w >= 0 && (size_t)w < sizeof tmp);
    sb_add(b, tmp, (size_t)w);
}

/* The text so far, never NULL; the caller frees it. */
static char *sb_take(sbuf *b)
{
    if (!b->p)
        sb_add(b, "", 0);
    char *p = b->p;
    b->p = NULL;
    b->n = b->cap = 0;
    return p;
}

/* ---- programs ---- */

static cbr_program *prog_from_compiler(cbr_compiler *c)
{
    ck_assert_msg(cbr_compiler_error_count(c) == 0, "the source does not compile:\n%s", unit_dump(c));
    cbr_program *p = NULL;
    cbr_error err = {0};
    cbr_status st = cbr_compiler_program(c, &p, &err);
    ck_assert_msg(st == CBR_OK && p, "cbr_compiler_program: %s", err.message);
    return p;
}

static cbr_program *prog_from_source(const char *src)
{
    cbr_compiler *c = unit_compile(src);
    cbr_program *p = prog_from_compiler(c);
    cbr_compiler_free(c);
    return p;
}

/* The program saved as a bundle and loaded back. */
static cbr_program *prog_reload(const cbr_program *p)
{
    void *data = NULL;
    size_t len = 0;
    cbr_error err = {0};
    ck_assert_int_eq(cbr_program_save(p, &data, &len, &err), CBR_OK);
    cbr_program *q = NULL;
    cbr_status st = cbr_program_load(NULL, data, len, &q, &err);
    cbr_free(data);
    ck_assert_msg(st == CBR_OK && q, "cbr_program_load: %s", err.message);
    ck_assert_str_eq(cbr_program_hash(q), cbr_program_hash(p));
    return q;
}

/* ---- rows, awards and state as text ---- */

/* Adds one row written "tid=t1;user_id=u1;amount=20.00;...": each name is a
 * field of p, each value its text as in an input file. */
static void add_row(cbr_batch *b, const cbr_program *p, const char *row, size_t len)
{
    cbr_error err = {0};
    ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
    const char *s = row, *end = row + len;
    while (s < end) {
        const char *semi = memchr(s, ';', (size_t)(end - s));
        if (!semi)
            semi = end;
        const char *eq = memchr(s, '=', (size_t)(semi - s));
        ck_assert_msg(eq != NULL, "no `=` in `%.*s`", (int)(semi - s), s);
        int f = cbr_program_field(p, s, (size_t)(eq - s));
        ck_assert_msg(f >= 0, "no field `%.*s`", (int)(eq - s), s);
        cbr_status st = cbr_batch_set(b, (size_t)f, eq + 1, (size_t)(semi - eq - 1), &err);
        ck_assert_msg(st == CBR_OK, "`%.*s`: %s", (int)(semi - s), s, err.message);
        s = semi + 1;
    }
    size_t r;
    cbr_status st = cbr_batch_end_row(b, &r, &err);
    ck_assert_msg(st == CBR_OK, "row `%.*s` refused: %s", (int)len, row, err.message);
}

/* A batch of p holding rows (one a line). */
static cbr_batch *batch_of(const cbr_program *p, const char *rows)
{
    cbr_batch *b = t_batch_new(p, 0);
    ck_assert_ptr_nonnull(b);
    for (const char *s = rows; *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (n > 0)
            add_row(b, p, s, n);
        s += n + (nl != NULL);
    }
    return b;
}

/* The awards cbr_context_awards keeps: "o 2.00 USD clause 0" and " cut". */
static char *awards_text(const cbr_context *ctx)
{
    sbuf out = {0};
    size_t n = 0;
    const cbr_award *a = cbr_context_awards(ctx, &n);
    for (size_t i = 0; i < n; i++) {
        char amount[32];
        ck_assert_uint_lt(cbr_award_amount(&a[i], amount, sizeof amount), sizeof amount);
        sb_printf(&out, "row %zu %s %s %s clause %u%s\n", a[i].row, a[i].offer_id, amount,
                  a[i].currency, a[i].clause, a[i].cut ? " cut" : "");
    }
    return sb_take(&out);
}

/* Evaluates rows (one a line; none when empty) with ctx in one batch. */
static void eval_rows(cbr_context *ctx, const cbr_program *p, const char *rows)
{
    if (!*rows)
        return;
    cbr_batch *b = batch_of(p, rows);
    cbr_error err = {0};
    cbr_status st = cbr_eval(ctx, b, NULL, NULL, &err);
    cbr_batch_free(b);
    ck_assert_msg(st == CBR_OK, "cbr_eval: %s", err.message);
}

/* The snapshot of a state as a NUL-terminated string; the caller frees it. */
static char *state_text(const cbr_state *st)
{
    char *data = NULL;
    size_t len = 0;
    ck_assert_int_eq(cbr_state_save(st, &data, &len, NULL), CBR_OK);
    ck_assert_ptr_nonnull(data);
    char *s = malloc(len + 1);
    ck_assert_ptr_nonnull(s);
    memcpy(s, data, len);
    s[len] = '\0';
    cbr_free(data);
    return s;
}

/* ---- a host store: an in-memory state behind a vtable that counts calls ---- */

typedef struct host {
    cbr_state *st;
    cbr_store inner, store;
    unsigned gets, adds;
} host;

static cbr_status host_get(void *ud, const char *key, size_t len, int64_t *value)
{
    host *h = ud;
    h->gets++;
    return h->inner.get(h->inner.ud, key, len, value);
}

static cbr_status host_reserve(void *ud, cbr_reservation *items, size_t n, int *granted)
{
    host *h = ud;
    h->adds++;
    return h->inner.reserve(h->inner.ud, items, n, granted);
}

static void host_init(host *h)
{
    memset(h, 0, sizeof *h);
    h->st = t_state_new();
    ck_assert_ptr_nonnull(h->st);
    h->inner = cbr_state_store(h->st);
    h->store = (cbr_store){.size = sizeof h->store, .ud = h, .get = host_get, .reserve = host_reserve};
}

/* ---- explanations as text ---- */

static const char *verdict_name(cbr_verdict v)
{
    switch (v) {
    case CBR_AWARDED: return "awarded";
    case CBR_AWARDED_CUT: return "awarded cut";
    case CBR_NO_MATCH: return "no match";
    case CBR_NO_CASHBACK: return "no cashback";
    case CBR_LIMIT_REACHED: return "limit reached";
    case CBR_BUDGET_SPENT: return "budget spent";
    case CBR_CAMPAIGN_BUDGET_SPENT: return "campaign budget spent";
    case CBR_NO_USER: return "no user";
    case CBR_EXCLUDED: return "excluded";
    case CBR_NO_PARTIAL: return "no partial";
    }
    return "?";
}

typedef struct explained {
    const cbr_program *p;
    const cbr_context *ctx;
    sbuf out;
    size_t calls;
} explained;

static bool same_str(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

/* Writes one explanation in three parts:
 *     o: awarded, clause 0 (line 2), 200 of 200, exp 2 USD, down, UTC
 *       awarded 2.00 USD: clause 1 (line 2) pays 10% of 20.00 USD, rounded down
 *       failed: clause 0 at t.cbr:2:10 `weekday == FRI`: weekday was THU (in UTC)
 * and a line starting with BAD for anything that contradicts cbr.h: the
 * offer out of order, ids that are not the program's, failed conditions
 * outside CBR_NO_MATCH, an award that is not the one the verdict names. */
static void on_explain(void *ud, const cbr_explanation *e)
{
    explained *x = ud;
    sbuf *o = &x->out;
    if (e->offer != x->calls)
        sb_printf(o, "BAD offer %zu, expected %zu\n", e->offer, x->calls);
    x->calls++;
    if (!same_str(e->offer_id, cbr_program_offer_id(x->p, e->offer)) ||
        !same_str(e->campaign_id, cbr_program_offer_campaign(x->p, e->offer)))
        sb_printf(o, "BAD ids of offer %zu\n", e->offer);
    bool awarded = e->verdict == CBR_AWARDED || e->verdict == CBR_AWARDED_CUT;
    if ((e->verdict == CBR_NO_MATCH) != (e->nfailed > 0) || (e->nfailed > 0) != (e->failed != NULL))
        sb_printf(o, "BAD %zu failed conditions with verdict %s\n", e->nfailed, verdict_name(e->verdict));
    if ((e->verdict == CBR_NO_MATCH) != (e->clause < 0))
        sb_printf(o, "BAD clause %d with verdict %s\n", e->clause, verdict_name(e->verdict));
    if (!awarded && e->cashback != 0)
        sb_printf(o, "BAD cashback %lld with verdict %s\n", (long long)e->cashback,
                  verdict_name(e->verdict));
    /* The award of this offer, if any, must be what the verdict says. */
    size_t n = 0, found = 0;
    const cbr_award *a = cbr_context_awards(x->ctx, &n);
    for (size_t i = 0; i < n; i++) {
        if (a[i].offer != e->offer)
            continue;
        found++;
        if (!awarded || a[i].cashback != e->cashback || (int)a[i].clause != e->clause ||
            a[i].cut != (e->verdict == CBR_AWARDED_CUT) || a[i].exponent != e->exponent ||
            strcmp(a[i].currency, e->currency) != 0)
            sb_printf(o, "BAD award %lld clause %u cut %d for verdict %s\n", (long long)a[i].cashback,
                      a[i].clause, a[i].cut, verdict_name(e->verdict));
    }
    if (found != (awarded ? 1u : 0u))
        sb_printf(o, "BAD %zu awards of an offer with verdict %s\n", found, verdict_name(e->verdict));

    sb_printf(o, "%s: %s, clause %d (line %u), %lld of %lld, exp %d %s, %s, %s\n", e->offer_id,
              verdict_name(e->verdict), e->clause, e->clause_line, (long long)e->cashback,
              (long long)e->earned, e->exponent, e->currency, e->rounding, e->time_zone);
    sb_printf(o, "  %s\n", e->reason);
    for (size_t i = 0; i < e->nfailed; i++) {
        const cbr_failed_condition *f = &e->failed[i];
        sb_printf(o, "  failed: clause %d at %s:%u:%u `%s`: %s\n", f->clause, f->file ? f->file : "-",
                  f->line, f->column, f->text, f->values);
    }
}

/* Explains row with ctx; returns the explanations as text and leaves the
 * awards in ctx. */
static char *explain_text(cbr_context *ctx, const cbr_program *p, cbr_batch *b)
{
    explained x = {.p = p, .ctx = ctx};
    cbr_error err = {0};
    cbr_status st = cbr_explain(ctx, b, on_explain, &x, &err);
    ck_assert_msg(st == CBR_OK, "cbr_explain: %s", err.message);
    if (x.calls != cbr_program_offer_count(p))
        sb_printf(&x.out, "BAD %zu calls for %zu offers\n", x.calls, cbr_program_offer_count(p));
    return sb_take(&x.out);
}

static const char *const mode_name[] = {"from source", "from a bundle", "from source, a host store",
                                        "from a bundle, a host store"};

/* Evaluates `before` (rows, one a line) and then explains `row` with src,
 * in the four ways, and checks:
 *   - the explanations are `want`;
 *   - explaining changed no counter and made no `add` call on the store;
 *   - the awards explain left are those cbr_eval then gives for the row;
 *   - a context that did not explain ends with the same awards and state.
 * Everything is freed before the one assertion. */
static void check_explain_at(int line, const char *src, const char *before, const char *row,
                             const char *want)
{
    static char msg[16384];
    bool ok = true;
    cbr_program *ps = prog_from_source(src);
    cbr_program *pb = prog_reload(ps);
    for (int m = 0; m < 4 && ok; m++) {
        const cbr_program *p = (m & 1) ? pb : ps;
        bool hosted = m >= 2;
        host h, h2;
        cbr_context *ctx = t_context_new(p, 0), *ctx2 = t_context_new(p, 0);
        ck_assert_ptr_nonnull(ctx);
        ck_assert_ptr_nonnull(ctx2);
        if (hosted) {
            host_init(&h);
            host_init(&h2);
            cbr_context_set_store(ctx, &h.store, NULL);
            cbr_context_set_store(ctx2, &h2.store, NULL);
        }
        const cbr_state *st = hosted ? h.st : cbr_context_state(ctx);
        const cbr_state *st2 = hosted ? h2.st : cbr_context_state(ctx2);
        eval_rows(ctx, p, before);
        eval_rows(ctx2, p, before);
        cbr_batch *b = batch_of(p, row);
        ck_assert_uint_eq(cbr_batch_rows(b), 1);

        char *state0 = state_text(st);
        unsigned adds0 = hosted ? h.adds : 0;
        char *got = explain_text(ctx, p, b);
        unsigned adds = hosted ? h.adds - adds0 : 0;
        char *explained_awards = awards_text(ctx);
        char *state1 = state_text(st);

        cbr_error err = {0};
        ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, &err), CBR_OK);
        char *eval_awards = awards_text(ctx);
        char *state2 = state_text(st);
        ck_assert_int_eq(cbr_eval(ctx2, b, NULL, NULL, &err), CBR_OK);
        char *plain_awards = awards_text(ctx2);
        char *plain_state = state_text(st2);

        if (strcmp(got, want) != 0)
            snprintf(msg, sizeof msg, "line %d, %s: explanations\n--- expected\n%s--- got\n%s", line,
                     mode_name[m], want, got);
        else if (adds != 0)
            snprintf(msg, sizeof msg, "line %d, %s: explain made %u add calls on the store", line,
                     mode_name[m], adds);
        else if (strcmp(state0, state1) != 0)
            snprintf(msg, sizeof msg, "line %d, %s: explain changed the state\n--- before\n%s--- after\n%s",
                     line, mode_name[m], state0, state1);
        else if (strcmp(explained_awards, eval_awards) != 0)
            snprintf(msg, sizeof msg, "line %d, %s: awards\n--- cbr_explain\n%s--- cbr_eval\n%s", line,
                     mode_name[m], explained_awards, eval_awards);
        else if (strcmp(eval_awards, plain_awards) != 0 || strcmp(state2, plain_state) != 0)
            snprintf(msg, sizeof msg,
                     "line %d, %s: after explain\n--- awards\n%s--- state\n%s"
                     "without explain\n--- awards\n%s--- state\n%s",
                     line, mode_name[m], eval_awards, state2, plain_awards, plain_state);
        else
            msg[0] = '\0';
        ok = msg[0] == '\0';
        free(got);
        free(explained_awards);
        free(eval_awards);
        free(plain_awards);
        free(state0);
        free(state1);
        free(state2);
        free(plain_state);
        cbr_batch_free(b);
        cbr_context_free(ctx);
        cbr_context_free(ctx2);
        if (hosted) {
            cbr_state_free(h.st);
            cbr_state_free(h2.st);
        }
    }
    cbr_program_free(pb);
    cbr_program_free(ps);
    ck_assert_msg(ok, "%s", msg);
}

#define CHECK_EXPLAIN(src, before, row, want) check_explain_at(__LINE__, (src), (before), (row), (want))

/* A row of u1 in USD; 2026-03-13 is a Friday. */
#define TX(tid, amount, more) \
    "tid=" tid ";user_id=u1;currency=USD;timestamp=2026-03-13T15:00:00Z;amount=" amount more "\n"

/* ---- CBR_AWARDED: §8 rewards, §9 rounding ---- */

/* 2.5% of 1.00 is 0.025: half-even keeps the even 0.02. */
START_TEST(awarded_percent_names_rate_amount_and_rounding)
{
    CHECK_EXPLAIN("offer \"o\" {\n"
                  "    rounding half-even\n"
                  "    when merchant == \"X\" then cashback 2.5%\n"
                  "}\n",
                  "", TX("t1", "1.00", ";merchant=X"),
                  "o: awarded, clause 0 (line 3), 2 of 2, exp 2 USD, half-even, UTC\n"
                  "  awarded 0.02 USD: clause 1 (line 3) pays 2.5% of 1.00 USD, rounded half-even\n");
}
END_TEST

/* The second clause holds: 10% of 300.00 is 30.00, capped at 20.00. */
START_TEST(awarded_by_a_later_clause_and_capped)
{
    CHECK_EXPLAIN("offer \"tiers\" {\n"
                  "    when amount >= 500 then cashback 5%\n"
                  "    when amount >= 100 then cashback 10% up to 20.00\n"
                  "    when amount >= 15 then cashback 1.00\n"
                  "}\n",
                  "", TX("t1", "300.00", ""),
                  "tiers: awarded, clause 1 (line 3), 2000 of 2000, exp 2 USD, down, UTC\n"
                  "  awarded 20.00 USD: clause 2 (line 3) pays 10% of 300.00 USD, rounded down, "
                  "capped at 20.00\n");
}
END_TEST

/* Under the cap, nothing says "capped"; a fixed reward names its amount. */
START_TEST(awarded_under_the_cap_and_fixed)
{
    CHECK_EXPLAIN("offer \"a\" { when amount >= 100 then cashback 10% up to 20.00 }\n"
                  "offer \"b\" {\n"
                  "    title \"fixed\"\n"
                  "    when merchant == \"X\"\n"
                  "        then cashback 5.00\n"
                  "}\n",
                  "", TX("t1", "150.00", ";merchant=X"),
                  "a: awarded, clause 0 (line 1), 1500 of 1500, exp 2 USD, down, UTC\n"
                  "  awarded 15.00 USD: clause 1 (line 1) pays 10% of 150.00 USD, rounded down\n"
                  "b: awarded, clause 0 (line 4), 500 of 500, exp 2 USD, down, UTC\n"
                  "  awarded 5.00 USD: clause 1 (line 4) pays 5.00 USD\n");
}
END_TEST

/* An offer in a campaign reports it; JPY has no minor digits. */
START_TEST(awarded_in_a_campaign_and_another_currency)
{
    CHECK_EXPLAIN("campaign \"c\" { title \"C\" }\n"
                  "offer \"o\" { campaign \"c\" rounding up when amount > 0 then cashback 3% }\n",
                  "",
                  "tid=t1;user_id=u1;currency=JPY;timestamp=2026-03-13T15:00:00Z;amount=1001\n",
                  "o: awarded, clause 0 (line 2), 31 of 31, exp 0 JPY, up, UTC\n"
                  "  awarded 31 JPY: clause 1 (line 2) pays 3% of 1001 JPY, rounded up\n");
}
END_TEST

/* ---- CBR_AWARDED_CUT: §11 ---- */

/* 4.00 of 5.00 used this month: 2.00 is cut to the 1.00 left. */
START_TEST(cut_by_a_money_limit)
{
    CHECK_EXPLAIN("offer \"o\" {\n"
                  "    limit 5.00 per user per month\n"
                  "    when amount > 0 then cashback 10%\n"
                  "}\n",
                  TX("t0", "40.00", ""), TX("t1", "20.00", ""),
                  "o: awarded cut, clause 0 (line 3), 100 of 200, exp 2 USD, down, UTC\n"
                  "  awarded 1.00 USD, cut from 2.00 USD by limit 5.00 per user per month: "
                  "4.00 USD of 5.00 USD used\n");
}
END_TEST

START_TEST(cut_by_the_offer_budget)
{
    CHECK_EXPLAIN("offer \"o\" { budget 10.00 when amount > 0 then cashback 10% }\n",
                  "tid=t0;user_id=u2;currency=USD;timestamp=2026-03-13T15:00:00Z;amount=90.00\n",
                  TX("t1", "20.00", ""),
                  "o: awarded cut, clause 0 (line 1), 100 of 200, exp 2 USD, down, UTC\n"
                  "  awarded 1.00 USD, cut from 2.00 USD by the offer's budget of 10.00: "
                  "9.00 USD of 10.00 USD used\n");
}
END_TEST

/* The campaign's budget is shared by its offers: "a" spent 2.50 of it. */
START_TEST(cut_by_the_campaign_budget)
{
    CHECK_EXPLAIN("campaign \"c\" { budget 3.00 USD }\n"
                  "offer \"a\" { campaign \"c\" when merchant == \"A\" then cashback 10% }\n"
                  "offer \"b\" { campaign \"c\" when merchant == \"B\" then cashback 10% }\n",
                  TX("t0", "25.00", ";merchant=A"), TX("t1", "20.00", ";merchant=B"),
                  "a: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `merchant == \"A\"` was false: merchant was \"B\"\n"
                  "  failed: clause 0 at t.cbr:2:31 `merchant == \"A\"`: merchant was \"B\"\n"
                  "b: awarded cut, clause 0 (line 3), 50 of 200, exp 2 USD, down, UTC\n"
                  "  awarded 0.50 USD, cut from 2.00 USD by the budget of campaign \"c\" of 3.00 USD: "
                  "2.50 USD of 3.00 USD used\n");
}
END_TEST

/* ---- CBR_NO_MATCH: the failed conditions as written ---- */

/* 2026-03-13T02:00Z is Friday in UTC but Thursday 22:00 in New York (EDT). */
START_TEST(no_match_weekday_in_the_offer_timezone)
{
    CHECK_EXPLAIN("offer \"fri\" {\n"
                  "    timezone \"America/New_York\"\n"
                  "    when weekday == FRI then cashback 1.00\n"
                  "}\n"
                  "offer \"utc\" { when weekday == FRI then cashback 1.00 }\n",
                  "", "tid=t1;user_id=u1;currency=USD;timestamp=2026-03-13T02:00:00Z;amount=20.00\n",
                  "fri: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, America/New_York\n"
                  "  not awarded: `weekday == FRI` was false: weekday was THU (in America/New_York)\n"
                  "  failed: clause 0 at t.cbr:3:10 `weekday == FRI`: weekday was THU (in America/New_York)\n"
                  "utc: awarded, clause 0 (line 5), 100 of 100, exp 2 USD, down, UTC\n"
                  "  awarded 1.00 USD: clause 1 (line 5) pays 1.00 USD\n");
}
END_TEST

/* One failed condition per clause, the first of each; a condition written
 * over several lines reads on one. */
START_TEST(no_match_one_failed_condition_per_clause)
{
    CHECK_EXPLAIN("field user_tier: string\n"
                  "offer \"m\" {\n"
                  "    when merchant == \"X\" and amount >= 15 then cashback 10%\n"
                  "    when merchant == \"Y\" and amount\n"
                  "             >=    100\n"
                  "        then cashback 1.00\n"
                  "    when user_tier == \"gold\" then cashback 2.00\n"
                  "}\n",
                  "", TX("t1", "12.50", ";merchant=Y"),
                  "m: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `merchant == \"X\"` was false: merchant was \"Y\" "
                  "(and 2 more clauses failed)\n"
                  "  failed: clause 0 at t.cbr:3:10 `merchant == \"X\"`: merchant was \"Y\"\n"
                  "  failed: clause 1 at t.cbr:4:30 `amount >= 100`: amount was 12.50 USD\n"
                  "  failed: clause 2 at t.cbr:7:10 `user_tier == \"gold\"`: user_tier was missing\n");
}
END_TEST

/* Two clauses, the second failing: "1 more clause". */
START_TEST(no_match_two_clauses)
{
    CHECK_EXPLAIN("offer \"m\" {\n"
                  "    when amount >= 100 then cashback 5%\n"
                  "    when mcc == 5411 then cashback 1%\n"
                  "}\n",
                  "", TX("t1", "12.5", ";mcc=5812"),
                  "m: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `amount >= 100` was false: amount was 12.50 USD "
                  "(and 1 more clause failed)\n"
                  "  failed: clause 0 at t.cbr:2:10 `amount >= 100`: amount was 12.50 USD\n"
                  "  failed: clause 1 at t.cbr:3:10 `mcc == 5411`: mcc was 5812\n");
}
END_TEST

/* Outside the offer's window nothing else is tried: one offer-wide failure. */
START_TEST(no_match_outside_the_valid_window)
{
    CHECK_EXPLAIN("offer \"o\" {\n"
                  "    valid 2026-01-01 to 2026-01-31\n"
                  "    when merchant == \"X\" then cashback 1.00\n"
                  "    when amount > 0 then cashback 2.00\n"
                  "}\n",
                  "", "tid=t1;user_id=u1;currency=USD;timestamp=2026-02-01T00:00:00Z;amount=20.00\n",
                  "o: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `valid 2026-01-01 to 2026-01-31` was false: date was 2026-02-01 (in UTC)\n"
                  "  failed: clause -1 at -:0:0 `valid 2026-01-01 to 2026-01-31`: "
                  "date was 2026-02-01 (in UTC)\n");
}
END_TEST

/* The campaign's window is read in the offer's time zone: 2026-12-26T03:00Z
 * is still 2026-12-25 in New York. */
START_TEST(no_match_outside_the_campaign_window)
{
    CHECK_EXPLAIN("campaign \"ny\" { valid 2026-12-26 to 2027-01-15 }\n"
                  "offer \"o\" {\n"
                  "    campaign \"ny\"\n"
                  "    timezone \"America/New_York\"\n"
                  "    when amount > 0 then cashback 1.00\n"
                  "}\n",
                  "", "tid=t1;user_id=u1;currency=USD;timestamp=2026-12-26T03:00:00Z;amount=20.00\n",
                  "o: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, America/New_York\n"
                  "  not awarded: `campaign \"ny\" valid 2026-12-26 to 2027-01-15` was false: "
                  "date was 2026-12-25 (in America/New_York)\n"
                  "  failed: clause -1 at -:0:0 `campaign \"ny\" valid 2026-12-26 to 2027-01-15`: "
                  "date was 2026-12-25 (in America/New_York)\n");
}
END_TEST

/* A budget, a campaign budget or a money limit written in a currency lets
 * only that currency earn. */
START_TEST(no_match_budget_in_another_currency)
{
    CHECK_EXPLAIN("campaign \"c\" { budget 100.00 GBP }\n"
                  "offer \"b\" { budget 100.00 EUR when amount > 0 then cashback 1.00 }\n"
                  "offer \"c\" { campaign \"c\" when amount > 0 then cashback 1.00 }\n"
                  "offer \"l\" { limit 5 EUR per user when amount > 0 then cashback 1.00 }\n",
                  "", TX("t1", "20.00", ""),
                  "b: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `currency == \"EUR\" (the offer's budget is in EUR)` was false: "
                  "currency was \"USD\"\n"
                  "  failed: clause -1 at -:0:0 `currency == \"EUR\" (the offer's budget is in EUR)`: "
                  "currency was \"USD\"\n"
                  "c: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `currency == \"GBP\" (the campaign's budget is in GBP)` was false: "
                  "currency was \"USD\"\n"
                  "  failed: clause -1 at -:0:0 `currency == \"GBP\" (the campaign's budget is in GBP)`: "
                  "currency was \"USD\"\n"
                  "l: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `currency == \"EUR\" (a limit is in EUR)` was false: "
                  "currency was \"USD\"\n"
                  "  failed: clause -1 at -:0:0 `currency == \"EUR\" (a limit is in EUR)`: "
                  "currency was \"USD\"\n");
}
END_TEST

/* §13: `not`, `or`, `in`, `not in`, `between` and `~=`, each as written,
 * with the values of every operand that failed. */
START_TEST(no_match_operators)
{
    CHECK_EXPLAIN("field user_tier: string\n"
                  "offer \"a-not\" { when not (merchant == \"X\") then cashback 1.00 }\n"
                  "offer \"b-or\" { when merchant == \"Y\" or mcc == 5411 then cashback 1.00 }\n"
                  "offer \"c-in\" { when mcc in [5411, 5422] then cashback 1.00 }\n"
                  "offer \"d-notin\" { when weekday not in [FRI, SAT] then cashback 1.00 }\n"
                  "offer \"e-between\" { when amount between 10 and 50 then cashback 1.00 }\n"
                  "offer \"f-fold\" { when user_tier ~= \"GOLD\" then cashback 1.00 }\n"
                  "offer \"g-exists\" { when exists(channel) then cashback 1.00 }\n"
                  "field signup: date\n"
                  "offer \"h-fields\" { when date > signup then cashback 1.00 }\n"
                  "offer \"i-tagged\" { when amount >= 15.00 EUR then cashback 1.00 }\n",
                  "", TX("t1", "60.00", ";merchant=X;mcc=5812;user_tier=Silver;signup=2026-04-01"),
                  "a-not: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `not (merchant == \"X\")` was false: merchant was \"X\"\n"
                  "  failed: clause 0 at t.cbr:2:22 `not (merchant == \"X\")`: merchant was \"X\"\n"
                  "b-or: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `merchant == \"Y\" or mcc == 5411` was false: "
                  "merchant was \"X\"; mcc was 5812\n"
                  "  failed: clause 0 at t.cbr:3:21 `merchant == \"Y\" or mcc == 5411`: "
                  "merchant was \"X\"; mcc was 5812\n"
                  "c-in: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `mcc in [5411, 5422]` was false: mcc was 5812\n"
                  "  failed: clause 0 at t.cbr:4:21 `mcc in [5411, 5422]`: mcc was 5812\n"
                  "d-notin: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `weekday not in [FRI, SAT]` was false: weekday was FRI (in UTC)\n"
                  "  failed: clause 0 at t.cbr:5:24 `weekday not in [FRI, SAT]`: weekday was FRI (in UTC)\n"
                  "e-between: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `amount between 10 and 50` was false: amount was 60.00 USD\n"
                  "  failed: clause 0 at t.cbr:6:26 `amount between 10 and 50`: amount was 60.00 USD\n"
                  "f-fold: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `user_tier ~= \"GOLD\"` was false: casefold(user_tier) was \"silver\"\n"
                  "  failed: clause 0 at t.cbr:7:23 `user_tier ~= \"GOLD\"`: "
                  "casefold(user_tier) was \"silver\"\n"
                  "g-exists: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `exists(channel)` was false: channel was missing\n"
                  "  failed: clause 0 at t.cbr:8:25 `exists(channel)`: channel was missing\n"
                  "h-fields: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `date > signup` was false: date was 2026-03-13 (in UTC), "
                  "signup was 2026-04-01\n"
                  "  failed: clause 0 at t.cbr:10:25 `date > signup`: "
                  "date was 2026-03-13 (in UTC), signup was 2026-04-01\n"
                  "i-tagged: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `amount >= 15.00 EUR` was false: amount was 60.00 USD, "
                  "the other side was in EUR, not in the transaction's currency\n"
                  "  failed: clause 0 at t.cbr:11:25 `amount >= 15.00 EUR`: "
                  "amount was 60.00 USD, the other side was in EUR, not in the transaction's currency\n");
}
END_TEST

/* Each value is said once: both filters of an `or` over one field saw the
 * same merchant, and `exists(signup)` and `signup >= ...` the same missing
 * signup; different values of one field are each said. */
START_TEST(no_match_a_value_is_said_once)
{
    CHECK_EXPLAIN("field signup: date\n"
                  "offer \"a-or\" { when merchant == \"A\" or merchant == \"B\" then cashback 1.00 }\n"
                  "offer \"b-nested\" {\n"
                  "    when signup >= 2026-09-01 or (exists(signup) and amount > 100) then cashback 1.00\n"
                  "}\n"
                  "offer \"c-fold\" { when merchant == \"A\" or merchant ~= \"b\" then cashback 1.00 }\n",
                  "", TX("t1", "20.00", ";merchant=C"),
                  "a-or: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `merchant == \"A\" or merchant == \"B\"` was false: merchant was \"C\"\n"
                  "  failed: clause 0 at t.cbr:2:21 `merchant == \"A\" or merchant == \"B\"`: "
                  "merchant was \"C\"\n"
                  "b-nested: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `signup >= 2026-09-01 or (exists(signup) and amount > 100)` was false: "
                  "signup was missing\n"
                  "  failed: clause 0 at t.cbr:4:10 "
                  "`signup >= 2026-09-01 or (exists(signup) and amount > 100)`: signup was missing\n"
                  "c-fold: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `merchant == \"A\" or merchant ~= \"b\"` was false: "
                  "merchant was \"C\"; casefold(merchant) was \"c\"\n"
                  "  failed: clause 0 at t.cbr:6:23 `merchant == \"A\" or merchant ~= \"b\"`: "
                  "merchant was \"C\"; casefold(merchant) was \"c\"\n");
}
END_TEST

/* A let used as a condition is named as written, with the values of the
 * field inside it; the `and` of a clause is split, that of a let is not. */
START_TEST(no_match_let_as_a_condition)
{
    CHECK_EXPLAIN("field user_tier: string\n"
                  "let premium = user_tier in [\"gold\", \"platinum\"]\n"
                  "let big = amount >= 100 and mcc == 5411\n"
                  "offer \"p\" { when amount > 0 and premium then cashback 1.00 }\n"
                  "offer \"q\" { when big then cashback 1.00 }\n",
                  "", TX("t1", "150.00", ";mcc=5812;user_tier=silver"),
                  "p: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `premium` was false: user_tier was \"silver\"\n"
                  "  failed: clause 0 at t.cbr:4:33 `premium`: user_tier was \"silver\"\n"
                  "q: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `big` was false: mcc was 5812\n"
                  "  failed: clause 0 at t.cbr:5:18 `big`: mcc was 5812\n");
}
END_TEST

/* ---- CBR_NO_CASHBACK: §8 "a reward of zero is no award" ---- */

START_TEST(no_cashback_amount_zero_or_negative)
{
    static const char src[] = "offer \"o\" {\n"
                              "    when merchant == \"X\" then cashback 10%\n"
                              "    when amount <= 0 then cashback 1.00\n"
                              "}\n";
    static const char want[] =
        "o: no cashback, clause 0 (line 2), 0 of 0, exp 2 USD, down, UTC\n"
        "  not awarded: clause 1 (line 2) held but earned nothing: the amount is not positive\n";
    CHECK_EXPLAIN(src, "", TX("t1", "0.00", ";merchant=X"), want);
    CHECK_EXPLAIN(src, "", TX("t1", "-5.00", ";merchant=X"), want);
}
END_TEST

/* 10% of 0.05 is 0.005: rounded down, nothing; and by first hit the second
 * clause is not tried. */
START_TEST(no_cashback_rounds_to_zero)
{
    CHECK_EXPLAIN("offer \"o\" {\n"
                  "    when merchant == \"X\" then cashback 10%\n"
                  "    when amount > 0 then cashback 1.00\n"
                  "}\n",
                  "", TX("t1", "0.05", ";merchant=X"),
                  "o: no cashback, clause 0 (line 2), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: clause 1 (line 2) held but earned nothing: the cashback rounds to zero\n");
}
END_TEST

START_TEST(no_cashback_reward_or_cap_in_another_currency)
{
    CHECK_EXPLAIN("offer \"cap\" { when amount > 0 then cashback 10% up to 5.00 EUR }\n"
                  "offer \"fixed\" { when amount > 0 then cashback 5.00 EUR }\n",
                  "", TX("t1", "20.00", ""),
                  "cap: no cashback, clause 0 (line 1), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: clause 1 (line 1) held but earned nothing: "
                  "its cap is in EUR, the transaction in USD\n"
                  "fixed: no cashback, clause 0 (line 2), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: clause 1 (line 2) held but earned nothing: "
                  "its reward is in EUR, the transaction in USD\n");
}
END_TEST

/* ---- held, but a limit, budget, user or group stopped it: §10, §11 ---- */

/* ---- limit N total, budgets per period, no partial, days_between ---- */

START_TEST(no_partial_names_what_was_left)
{
    CHECK_EXPLAIN("offer \"o\" { limit 3.00 per user no partial when amount > 0 then cashback 10% }\n",
                  TX("t0", "20.00", ""), TX("t1", "20.00", ""),
                  "o: no partial, clause 0 (line 1), 0 of 200, exp 2 USD, down, UTC\n"
                  "  not awarded (2.00 USD earned): the offer takes no partial awards, and 1.00 USD is all "
                  "that is left of limit 3.00 per user: 2.00 USD of 3.00 USD used\n");
}
END_TEST

/* The total counts another customer's award. */
START_TEST(total_limit_reached)
{
    CHECK_EXPLAIN("offer \"o\" { limit 1 total per year when amount > 0 then cashback 1.00 }\n",
                  "tid=t0;user_id=u2;currency=USD;timestamp=2026-01-01T00:00:00Z;amount=5.00\n",
                  TX("t1", "20.00", ""),
                  "o: limit reached, clause 0 (line 1), 0 of 100, exp 2 USD, down, UTC\n"
                  "  not awarded (1.00 USD earned): reached limit 1 total per year: 1 of 1 used\n");
}
END_TEST

START_TEST(paced_campaign_budget_spent)
{
    CHECK_EXPLAIN("campaign \"c\" { budget 1.00 per day }\n"
                  "offer \"o\" { campaign \"c\" when amount > 0 then cashback 1.00 }\n",
                  TX("t0", "5.00", ""), TX("t1", "20.00", ""),
                  "o: campaign budget spent, clause 0 (line 2), 0 of 100, exp 2 USD, down, UTC\n"
                  "  not awarded (1.00 USD earned): spent the budget of campaign \"c\" of 1.00 per day: "
                  "1.00 USD of 1.00 USD used\n");
}
END_TEST

START_TEST(no_match_days_between)
{
    CHECK_EXPLAIN("field signup: date\n"
                  "offer \"o\" { when days_between(signup, date) <= 30 then cashback 1.00 }\n",
                  "", TX("t1", "20.00", ";signup=2026-01-01"),
                  "o: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `days_between(signup, date) <= 30` was false: "
                  "days_between(signup, date) was 71\n"
                  "  failed: clause 0 at t.cbr:2:18 `days_between(signup, date) <= 30`: "
                  "days_between(signup, date) was 71\n");
}
END_TEST

START_TEST(limit_reached_names_the_count)
{
    CHECK_EXPLAIN("offer \"o\" {\n"
                  "    limit 2 per user per day\n"
                  "    when amount > 0 then cashback 1.00\n"
                  "}\n",
                  TX("t0", "5.00", "") TX("t1", "6.00", ""), TX("t2", "7.00", ""),
                  "o: limit reached, clause 0 (line 3), 0 of 100, exp 2 USD, down, UTC\n"
                  "  not awarded (1.00 USD earned): reached limit 2 per user per day: 2 of 2 used\n");
}
END_TEST

START_TEST(limit_reached_names_the_money_limit)
{
    CHECK_EXPLAIN("offer \"o\" { limit 3.00 per user when amount > 0 then cashback 10% }\n",
                  TX("t0", "30.00", ""), TX("t1", "20.00", ""),
                  "o: limit reached, clause 0 (line 1), 0 of 200, exp 2 USD, down, UTC\n"
                  "  not awarded (2.00 USD earned): reached limit 3.00 per user: "
                  "3.00 USD of 3.00 USD used\n");
}
END_TEST

START_TEST(budget_spent)
{
    CHECK_EXPLAIN("offer \"o\" { budget 10.00 USD when amount > 0 then cashback 10% }\n",
                  "tid=t0;user_id=u2;currency=USD;timestamp=2026-03-13T15:00:00Z;amount=100.00\n",
                  TX("t1", "20.00", ""),
                  "o: budget spent, clause 0 (line 1), 0 of 200, exp 2 USD, down, UTC\n"
                  "  not awarded (2.00 USD earned): spent the offer's budget of 10.00 USD: "
                  "10.00 USD of 10.00 USD used\n");
}
END_TEST

START_TEST(campaign_budget_spent)
{
    CHECK_EXPLAIN("campaign \"c\" { budget 1.00 }\n"
                  "offer \"o\" { campaign \"c\" budget 50.00 when amount > 0 then cashback 1.00 }\n",
                  TX("t0", "5.00", ""), TX("t1", "20.00", ""),
                  "o: campaign budget spent, clause 0 (line 2), 0 of 100, exp 2 USD, down, UTC\n"
                  "  not awarded (1.00 USD earned): spent the budget of campaign \"c\" of 1.00: "
                  "1.00 USD of 1.00 USD used\n");
}
END_TEST

/* A per-user limit cannot be kept without a user; an offer with only a
 * budget awards. */
START_TEST(no_user_for_a_per_user_limit)
{
    CHECK_EXPLAIN("offer \"bud\" { budget 100.00 when amount > 0 then cashback 1.00 }\n"
                  "offer \"lim\" { limit 1 per user when amount > 0 then cashback 1.00 }\n",
                  "", "tid=t1;currency=USD;timestamp=2026-03-13T15:00:00Z;amount=20.00\n",
                  "bud: awarded, clause 0 (line 1), 100 of 100, exp 2 USD, down, UTC\n"
                  "  awarded 1.00 USD: clause 1 (line 1) pays 1.00 USD\n"
                  "lim: no user, clause 0 (line 2), 0 of 100, exp 2 USD, down, UTC\n"
                  "  not awarded: the offer has per-user limits and the transaction has no user_id\n");
}
END_TEST

START_TEST(excluded_names_the_winner)
{
    CHECK_EXPLAIN("offer \"a\" { priority 1 exclusive \"g\" when amount > 0 then cashback 1.00 }\n"
                  "offer \"b\" { exclusive \"g\" when amount > 0 then cashback 2.00 }\n"
                  "offer \"c\" { exclusive \"g\" when merchant == \"Z\" then cashback 3.00 }\n",
                  "", TX("t1", "20.00", ""),
                  "a: awarded, clause 0 (line 1), 100 of 100, exp 2 USD, down, UTC\n"
                  "  awarded 1.00 USD: clause 1 (line 1) pays 1.00 USD\n"
                  "b: excluded, clause 0 (line 2), 0 of 200, exp 2 USD, down, UTC\n"
                  "  not awarded: offer \"a\" of the same exclusive group \"g\" awarded first\n"
                  "c: no match, clause -1 (line 0), 0 of 0, exp 2 USD, down, UTC\n"
                  "  not awarded: `merchant == \"Z\"` was false: merchant was missing\n"
                  "  failed: clause 0 at t.cbr:3:32 `merchant == \"Z\"`: merchant was missing\n");
}
END_TEST

/* When the group's first candidate has reached its limit, the next one
 * takes the group's turn. */
START_TEST(excluded_turn_passes_after_a_limit)
{
    CHECK_EXPLAIN("offer \"a\" { priority 1 exclusive \"g\" limit 1 per user\n"
                  "             when amount > 0 then cashback 1.00 }\n"
                  "offer \"b\" { exclusive \"g\" when amount > 0 then cashback 2.00 }\n",
                  TX("t0", "5.00", ""), TX("t1", "20.00", ""),
                  "a: limit reached, clause 0 (line 2), 0 of 100, exp 2 USD, down, UTC\n"
                  "  not awarded (1.00 USD earned): reached limit 1 per user: 1 of 1 used\n"
                  "b: awarded, clause 0 (line 3), 200 of 200, exp 2 USD, down, UTC\n"
                  "  awarded 2.00 USD: clause 1 (line 3) pays 2.00 USD\n");
}
END_TEST

/* ---- best-of groups ---- */

/* Every member of a best-of group is measured; each that would pay less
 * than the winner says so, and the winner's own explanation is as usual. */
START_TEST(best_of_loser_names_the_winner)
{
    CHECK_EXPLAIN("offer \"early-tier\" { priority 3 exclusive \"best-a\" best\n"
                  "    when amount >= 10 then cashback 12.5% up to 9.55 }\n"
                  "offer \"deal-back-41\" { priority 3 exclusive \"best-a\" best\n"
                  "    when amount >= 20 then cashback 10.00 }\n"
                  "offer \"weekend\" { exclusive \"best-a\" best limit 1 per user\n"
                  "    when amount >= 1 then cashback 8.15 }\n",
                  TX("t0", "5.00", ""), TX("t1", "200.00", ""),
                  "deal-back-41: awarded, clause 0 (line 4), 1000 of 1000, exp 2 USD, down, UTC\n"
                  "  awarded 10.00 USD: clause 1 (line 4) pays 10.00 USD\n"
                  "early-tier: excluded, clause 0 (line 2), 0 of 955, exp 2 USD, down, UTC\n"
                  "  not awarded: early-tier would pay 9.55 USD; deal-back-41 pays more (10.00 USD) in best-of group best-a\n"
                  "weekend: limit reached, clause 0 (line 6), 0 of 815, exp 2 USD, down, UTC\n"
                  "  not awarded (8.15 USD earned): reached limit 1 per user: 1 of 1 used\n");
}
END_TEST

/* A tie goes to the earlier in evaluation order, and the loser says so. */
START_TEST(best_of_tie_names_the_order)
{
    CHECK_EXPLAIN("offer \"b\" { exclusive \"g\" best when amount > 0 then cashback 2.00 }\n"
                  "offer \"a\" { exclusive \"g\" best when amount > 0 then cashback 2.00 }\n",
                  "", TX("t1", "20.00", ""),
                  "a: awarded, clause 0 (line 2), 200 of 200, exp 2 USD, down, UTC\n"
                  "  awarded 2.00 USD: clause 1 (line 2) pays 2.00 USD\n"
                  "b: excluded, clause 0 (line 1), 0 of 200, exp 2 USD, down, UTC\n"
                  "  not awarded: b would pay 2.00 USD; a pays as much (2.00 USD) and comes first in best-of group g\n");
}
END_TEST

/* ---- explain only reads the store ---- */

/* The scenarios above check the state and the `add` calls of one explain;
 * here a context explains every row before evaluating it, and must end as
 * one that only evaluates: the same awards row by row, the same state. */
START_TEST(explain_never_counts_over_many_rows)
{
    static const char src[] = "campaign \"c\" { budget 6.00 }\n"
                              "offer \"o\" {\n"
                              "    campaign \"c\"\n"
                              "    limit 2 per user per day\n"
                              "    limit 3.00 per user per month\n"
                              "    budget 5.00\n"
                              "    when amount > 0 then cashback 10%\n"
                              "}\n"
                              "offer \"p\" { campaign \"c\" exclusive \"g\" when amount > 0 then cashback 1.00 }\n";
    static const char *const rows[] = {
        TX("t1", "12.00", ""), TX("t2", "15.00", ""), TX("t3", "18.00", ""),
        "tid=t4;user_id=u2;currency=USD;timestamp=2026-03-14T15:00:00Z;amount=40.00\n",
        "tid=t5;user_id=u1;currency=USD;timestamp=2026-03-15T15:00:00Z;amount=40.00\n",
        "tid=t6;user_id=u3;currency=USD;timestamp=2026-03-15T15:00:00Z;amount=40.00\n",
    };
    cbr_program *ps = prog_from_source(src);
    cbr_program *pb = prog_reload(ps);
    for (int m = 0; m < 2; m++) {
        const cbr_program *p = m ? pb : ps;
        host h;
        host_init(&h);
        cbr_context *a = t_context_new(p, 0), *b = t_context_new(p, 0);
        cbr_context_set_store(a, &h.store, NULL);
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            cbr_batch *one = batch_of(p, rows[i]);
            char *before = state_text(h.st);
            unsigned adds = h.adds, gets = h.gets;
            char *x = explain_text(a, p, one);
            ck_assert_msg(strstr(x, "BAD") == NULL, "%s", x);
            ck_assert_uint_eq(h.adds, adds);
            ck_assert_uint_gt(h.gets, gets); /* it did read the store */
            char *after = state_text(h.st);
            ck_assert_str_eq(after, before);
            char *xa = awards_text(a);
            cbr_error err = {0};
            ck_assert_int_eq(cbr_eval(a, one, NULL, NULL, &err), CBR_OK);
            ck_assert_int_eq(cbr_eval(b, one, NULL, NULL, &err), CBR_OK);
            char *ea = awards_text(a), *eb = awards_text(b);
            ck_assert_str_eq(xa, ea);
            ck_assert_str_eq(ea, eb);
            free(x);
            free(xa);
            free(ea);
            free(eb);
            free(before);
            free(after);
            cbr_batch_free(one);
        }
        char *sa = state_text(h.st), *sb = state_text(cbr_context_state(b));
        ck_assert_str_eq(sa, sb);
        /* t1 and t2 award 1.20 and 1.50 from o and 1.00 each from p; t3
         * hits o's daily count (p takes the campaign to 5.70); t4's 4.00
         * is cut by the campaign's 0.30 left, which leaves nothing for t5
         * and t6. */
        ck_assert_str_eq(sa, "a|o|u1|m2026-03-01|*\t27000\n"
                             "a|o|u2|m2026-03-01|*\t3000\n"
                             "b|o|*\t30000\n"
                             "c|c|*\t60000\n"
                             "n|o|u1|d2026-03-13\t2\n"
                             "n|o|u2|d2026-03-14\t1\n");
        free(sa);
        free(sb);
        cbr_context_free(a);
        cbr_context_free(b);
        cbr_state_free(h.st);
    }
    cbr_program_free(pb);
    cbr_program_free(ps);
}
END_TEST

/* ---- arguments ---- */

static void never_called(void *ud, const cbr_explanation *e)
{
    (void)e;
    ++*(int *)ud;
}

START_TEST(explain_takes_one_row_and_a_callback)
{
    cbr_program *p = prog_from_source("offer \"o\" { when amount > 0 then cashback 1.00 }\n");
    cbr_program *q = prog_reload(p);
    cbr_context *ctx = t_context_new(p, 0);
    int calls = 0;
    cbr_error err = {0};
    cbr_batch *b = t_batch_new(p, 0);
    ck_assert_int_eq(cbr_explain(ctx, b, never_called, &calls, &err), CBR_ERR_ARG);
    ck_assert_int_eq(err.status, CBR_ERR_ARG);
    ck_assert_str_eq(err.message, "explain takes a batch of one transaction, not 0");
    cbr_batch_free(b);
    b = batch_of(p, TX("t1", "20.00", "") TX("t2", "20.00", ""));
    ck_assert_int_eq(cbr_explain(ctx, b, never_called, &calls, &err), CBR_ERR_ARG);
    ck_assert_str_eq(err.message, "explain takes a batch of one transaction, not 2");
    cbr_batch_free(b);
    b = batch_of(p, TX("t1", "20.00", ""));
    ck_assert_int_eq(cbr_explain(ctx, b, NULL, NULL, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_explain(NULL, b, never_called, &calls, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_explain(ctx, NULL, never_called, &calls, &err), CBR_ERR_ARG);
    /* A batch of another program (even the same rules, reloaded). */
    cbr_batch *other = batch_of(q, TX("t1", "20.00", ""));
    ck_assert_int_eq(cbr_explain(ctx, other, never_called, &calls, &err), CBR_ERR_ARG);
    ck_assert_int_eq(calls, 0);
    ck_assert_uint_eq(cbr_state_count(cbr_context_state(ctx)), 0);
    /* And with one row it works. */
    ck_assert_int_eq(cbr_explain(ctx, b, never_called, &calls, &err), CBR_OK);
    ck_assert_int_eq(calls, 1);
    cbr_batch_free(other);
    cbr_batch_free(b);
    cbr_context_free(ctx);
    cbr_program_free(q);
    cbr_program_free(p);
}
END_TEST

/* ---- coverage ---- */

/* Every item of cov, one a line:
 *     o -1 cond `valid ...` -:0:0 4/3      (reached/held)
 *     o 0 clause line 3 3/1 */
static char *coverage_text(const cbr_coverage *cov)
{
    sbuf out = {0};
    size_t n = cbr_coverage_count(cov);
    for (size_t i = 0; i < n; i++) {
        cbr_coverage_item it = {.size = sizeof it};
        ck_assert_int_eq(cbr_coverage_get(cov, i, &it, NULL), CBR_OK);
        if (it.is_clause)
            sb_printf(&out, "%s %d clause line %u %llu/%llu\n", it.offer_id, it.clause, it.line,
                      (unsigned long long)it.reached, (unsigned long long)it.held);
        else
            sb_printf(&out, "%s %d cond `%s` %s:%u:%u %llu/%llu\n", it.offer_id, it.clause, it.text,
                      it.file ? it.file : "-", it.line, it.column, (unsigned long long)it.reached,
                      (unsigned long long)it.held);
    }
    cbr_coverage_item it = {.size = sizeof it};
    cbr_error err;
    ck_assert_int_eq(cbr_coverage_get(cov, n, &it, &err), CBR_ERR_ARG);
    ck_assert_int_eq(err.status, CBR_ERR_ARG);
    return sb_take(&out);
}

static const char cov_src[] = "offer \"o\" {\n"
                              "    valid 2026-01-01 to 2026-12-31\n"
                              "    when merchant == \"X\" and amount >= 10 then cashback 10%\n"
                              "    when merchant == \"Y\" then cashback 1.00\n"
                              "}\n"
                              "offer \"p\" { when amount > 0 then cashback 1.00 }\n";

/* r1 pays clause 0; r2 fails `amount >= 10` and then `merchant == "Y"`;
 * r3 fails `merchant == "X"` and pays clause 1; r4 is outside the window. */
static const char cov_rows1[] = TX("r1", "20.00", ";merchant=X") TX("r2", "5.00", ";merchant=X");
static const char cov_rows2[] = TX("r3", "5.00", ";merchant=Y")
    "tid=r4;user_id=u1;currency=USD;timestamp=2027-02-01T15:00:00Z;amount=20.00;merchant=X\n";
static const char cov_want[] = "o -1 cond `valid 2026-01-01 to 2026-12-31` -:0:0 4/3\n"
                               "o 0 clause line 3 3/1\n"
                               "o 0 cond `merchant == \"X\"` t.cbr:3:10 3/2\n"
                               "o 0 cond `amount >= 10` t.cbr:3:30 2/1\n"
                               "o 1 clause line 4 2/1\n"
                               "o 1 cond `merchant == \"Y\"` t.cbr:4:10 2/1\n"
                               "p 0 clause line 6 4/4\n"
                               "p 0 cond `amount > 0` t.cbr:6:18 4/4\n";

START_TEST(coverage_counts_reached_and_held)
{
    cbr_program *ps = prog_from_source(cov_src);
    cbr_program *pb = prog_reload(ps);
    for (int m = 0; m < 2; m++) {
        const cbr_program *p = m ? pb : ps;
        cbr_coverage *cov = t_coverage_new(p);
        ck_assert_ptr_nonnull(cov);
        ck_assert_uint_eq(cbr_coverage_count(cov), 8);
        char *zero = coverage_text(cov);
        ck_assert_ptr_nonnull(strstr(zero, "o 0 clause line 3 0/0\n"));
        free(zero);
        cbr_context *ctx = t_context_new(p, 0);
        ck_assert_int_eq(cbr_context_set_coverage(ctx, cov, NULL), CBR_OK);
        eval_rows(ctx, p, cov_rows1);
        eval_rows(ctx, p, cov_rows2);
        char *got = coverage_text(cov);
        ck_assert_str_eq(got, cov_want);
        free(got);
        /* Detached, evaluations no longer count. */
        ck_assert_int_eq(cbr_context_set_coverage(ctx, NULL, NULL), CBR_OK);
        eval_rows(ctx, p, cov_rows1);
        got = coverage_text(cov);
        ck_assert_str_eq(got, cov_want);
        free(got);
        cbr_context_free(ctx);
        cbr_coverage_free(cov);
    }
    cbr_program_free(pb);
    cbr_program_free(ps);
}
END_TEST

/* Two contexts attached to one coverage: the counts are their sum. */
START_TEST(coverage_sums_its_contexts)
{
    cbr_program *ps = prog_from_source(cov_src);
    cbr_program *pb = prog_reload(ps);
    for (int m = 0; m < 2; m++) {
        const cbr_program *p = m ? pb : ps;
        cbr_coverage *cov = t_coverage_new(p);
        cbr_context *a = t_context_new(p, 0), *b = t_context_new(p, 0);
        ck_assert_int_eq(cbr_context_set_coverage(a, cov, NULL), CBR_OK);
        ck_assert_int_eq(cbr_context_set_coverage(b, cov, NULL), CBR_OK);
        eval_rows(a, p, cov_rows1);
        eval_rows(b, p, cov_rows2);
        char *got = coverage_text(cov);
        ck_assert_str_eq(got, cov_want);
        free(got);
        cbr_context_free(a);
        cbr_context_free(b);
        cbr_coverage_free(cov);
    }
    cbr_program_free(pb);
    cbr_program_free(ps);
}
END_TEST

/* Explaining a row on a context with a coverage attached leaves the
 * attachment in place and counts nothing into it: explain never counts. */
START_TEST(coverage_survives_explain)
{
    cbr_program *ps = prog_from_source(cov_src);
    cbr_program *pb = prog_reload(ps);
    for (int m = 0; m < 2; m++) {
        const cbr_program *p = m ? pb : ps;
        cbr_coverage *cov = t_coverage_new(p);
        cbr_context *ctx = t_context_new(p, 0);
        ck_assert_int_eq(cbr_context_set_coverage(ctx, cov, NULL), CBR_OK);
        eval_rows(ctx, p, cov_rows1);
        cbr_batch *one = batch_of(p, TX("r9", "50.00", ";merchant=X"));
        char *x = explain_text(ctx, p, one);
        ck_assert_ptr_nonnull(strstr(x, "o: awarded, clause 0 (line 3), 500 of 500"));
        free(x);
        cbr_batch_free(one);
        eval_rows(ctx, p, cov_rows2);
        char *got = coverage_text(cov);
        ck_assert_str_eq(got, cov_want);
        free(got);
        cbr_context_free(ctx);
        cbr_coverage_free(cov);
    }
    cbr_program_free(pb);
    cbr_program_free(ps);
}
END_TEST

START_TEST(coverage_of_another_program_is_refused)
{
    cbr_program *p = prog_from_source(cov_src);
    cbr_program *q = prog_reload(p);
    cbr_coverage *cq = t_coverage_new(q);
    cbr_context *ctx = t_context_new(p, 0);
    ck_assert_int_eq(cbr_context_set_coverage(ctx, cq, NULL), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_context_set_coverage(NULL, cq, NULL), CBR_ERR_ARG);
    /* Refused, so nothing is counted into it. */
    eval_rows(ctx, p, cov_rows1);
    char *got = coverage_text(cq);
    ck_assert_ptr_nonnull(strstr(got, "o 0 clause line 3 0/0\n"));
    ck_assert_ptr_null(t_coverage_new(NULL));
    ck_assert_uint_eq(cbr_coverage_count(NULL), 0);
    free(got);
    cbr_context_free(ctx);
    cbr_coverage_free(cq);
    cbr_program_free(q);
    cbr_program_free(p);
}
END_TEST

/* Test blocks that never reach the second clause and never see
 * `merchant == "X"` false. */
static const char tests_src[] =
    "offer \"o\" {\n"
    "    when merchant == \"X\" and amount >= 10 then cashback 10%\n"
    "    when merchant == \"Y\" then cashback 1.00\n"
    "}\n"
    "test \"x pays 10%\" {\n"
    "    given { tid: \"t1\", user_id: \"u1\", amount: 20.00, currency: \"USD\", merchant: \"X\",\n"
    "            timestamp: 2026-03-13T15:00:00Z }\n"
    "    expect cashback 2.00 from \"o\"\n"
    "    given { tid: \"t2\", user_id: \"u1\", amount: 5.00, currency: \"USD\", merchant: \"X\",\n"
    "            timestamp: 2026-03-13T15:00:00Z }\n"
    "    expect no cashback\n"
    "}\n"
    "test \"again\" {\n"
    "    given { tid: \"t3\", user_id: \"u1\", amount: 30.00, currency: \"USD\", merchant: \"X\",\n"
    "            timestamp: 2026-03-13T15:00:00Z }\n"
    "    expect cashback 3.00 from \"o\"\n"
    "}\n";

START_TEST(run_tests_covered_finds_what_no_test_exercised)
{
    cbr_compiler *c = unit_compile(tests_src);
    cbr_program *ps = prog_from_compiler(c);
    cbr_program *pb = prog_reload(ps);
    for (int m = 0; m < 2; m++) {
        const cbr_program *p = m ? pb : ps;
        cbr_coverage *cov = t_coverage_new(p);
        unsigned passed = 99, failed = 99;
        cbr_error err = {0};
        ck_assert_int_eq(cbr_compiler_run_tests_covered(c, p, cov, NULL, NULL, &passed, &failed, &err),
                         CBR_OK);
        ck_assert_uint_eq(passed, 2);
        ck_assert_uint_eq(failed, 0);
        char *got = coverage_text(cov);
        ck_assert_str_eq(got, "o 0 clause line 2 3/2\n"
                              "o 0 cond `merchant == \"X\"` t.cbr:2:10 3/3\n"
                              "o 0 cond `amount >= 10` t.cbr:2:30 3/2\n"
                              "o 1 clause line 3 1/0\n"
                              "o 1 cond `merchant == \"Y\"` t.cbr:3:10 1/0\n");
        free(got);
        /* A coverage of the other program is refused. */
        cbr_coverage *other = t_coverage_new(m ? ps : pb);
        ck_assert_int_eq(cbr_compiler_run_tests_covered(c, p, other, NULL, NULL, &passed, &failed, &err),
                         CBR_ERR_ARG);
        ck_assert_str_eq(err.message, "the coverage was made for another program");
        cbr_coverage_free(other);
        cbr_coverage_free(cov);
    }
    cbr_program_free(pb);
    cbr_program_free(ps);
    cbr_compiler_free(c);
}
END_TEST

/* ---- budgets: cbr_program_offer_budget, cbr_context_budget_left ---- */

START_TEST(offer_budget_as_written)
{
    cbr_program *ps = prog_from_source("campaign \"c\" { budget 1_000.50 USD }\n"
                                       "offer \"a\" { campaign \"c\" budget 500.00 when amount > 0 then cashback 1% }\n"
                                       "offer \"b\" { budget 20 EUR when amount > 0 then cashback 1% }\n"
                                       "offer \"n\" { when amount > 0 then cashback 1% }\n");
    cbr_program *pb = prog_reload(ps);
    for (int m = 0; m < 2; m++) {
        const cbr_program *p = m ? pb : ps;
        char amount[40], cur[4];
        ck_assert_str_eq(cbr_program_offer_id(p, 0), "a");
        ck_assert_int_eq(cbr_program_offer_budget(p, 0, 0, amount, cur), 1);
        ck_assert_str_eq(amount, "500.00");
        ck_assert_str_eq(cur, "");
        ck_assert_int_eq(cbr_program_offer_budget(p, 0, 1, amount, cur), 1);
        ck_assert_str_eq(amount, "1000.50");
        ck_assert_str_eq(cur, "USD");
        ck_assert_int_eq(cbr_program_offer_budget(p, 1, 0, amount, cur), 1);
        ck_assert_str_eq(amount, "20");
        ck_assert_str_eq(cur, "EUR");
        ck_assert_int_eq(cbr_program_offer_budget(p, 1, 1, amount, cur), 0);
        ck_assert_int_eq(cbr_program_offer_budget(p, 2, 0, amount, cur), 0);
        ck_assert_int_eq(cbr_program_offer_budget(p, 2, 1, amount, cur), 0);
        ck_assert_int_eq(cbr_program_offer_budget(p, 3, 0, amount, cur), 0);
        ck_assert_int_eq(cbr_program_offer_budget(NULL, 0, 0, amount, cur), 0);
        ck_assert_int_eq(cbr_program_offer_budget(p, 0, 0, NULL, NULL), 1);
    }
    cbr_program_free(pb);
    cbr_program_free(ps);
}
END_TEST

/* left/total/exponent of one budget, "ERR" when refused. */
static void budget_line(sbuf *out, cbr_context *ctx, size_t offer, int of_campaign, const char *cur)
{
    int64_t left = -1, total = -1;
    int e = -1;
    cbr_status st = cbr_context_budget_left(ctx, offer, of_campaign, cur, &left, &total, &e, NULL);
    if (st != CBR_OK)
        sb_printf(out, "%zu %d %s: %s\n", offer, of_campaign, cur, st == CBR_ERR_ARG ? "ERR_ARG" : "other");
    else
        sb_printf(out, "%zu %d %s: %lld of %lld, exp %d\n", offer, of_campaign, cur, (long long)left,
                  (long long)total, e);
}

static char *budgets_text(cbr_context *ctx)
{
    sbuf out = {0};
    budget_line(&out, ctx, 0, 0, "USD");
    budget_line(&out, ctx, 0, 0, "JPY");
    budget_line(&out, ctx, 0, 1, "USD");
    budget_line(&out, ctx, 0, 1, "EUR");
    budget_line(&out, ctx, 0, 1, "JPY");
    budget_line(&out, ctx, 1, 0, "EUR");
    budget_line(&out, ctx, 1, 0, "USD");
    budget_line(&out, ctx, 1, 1, "USD");
    budget_line(&out, ctx, 2, 0, "USD");
    budget_line(&out, ctx, 0, 0, "ZZZ");
    budget_line(&out, ctx, 3, 0, "USD");
    return sb_take(&out);
}

START_TEST(budget_left_before_and_after_awards)
{
    static const char src[] = "campaign \"c\" { budget 100.00 }\n"
                              "offer \"a\" { campaign \"c\" budget 50.00 when amount > 0 then cashback 10% }\n"
                              "offer \"b\" { budget 20 EUR when amount > 0 then cashback 1.00 }\n"
                              "offer \"n\" { when amount > 0 then cashback 1% }\n";
    cbr_program *ps = prog_from_source(src);
    cbr_program *pb = prog_reload(ps);
    for (int m = 0; m < 4; m++) {
        const cbr_program *p = (m & 1) ? pb : ps;
        cbr_context *ctx = t_context_new(p, 0);
        host h;
        if (m >= 2) {
            host_init(&h);
            cbr_context_set_store(ctx, &h.store, NULL);
        }
        char *got = budgets_text(ctx);
        ck_assert_str_eq(got, "0 0 USD: 5000 of 5000, exp 2\n"
                              "0 0 JPY: 50 of 50, exp 0\n"
                              "0 1 USD: 10000 of 10000, exp 2\n"
                              "0 1 EUR: 10000 of 10000, exp 2\n"
                              "0 1 JPY: 100 of 100, exp 0\n"
                              "1 0 EUR: 2000 of 2000, exp 2\n"
                              "1 0 USD: ERR_ARG\n"
                              "1 1 USD: ERR_ARG\n"
                              "2 0 USD: ERR_ARG\n"
                              "0 0 ZZZ: ERR_ARG\n"
                              "3 0 USD: ERR_ARG\n");
        free(got);
        /* Budgets without a currency are one pot for every currency: a
         * takes 12.00 USD (10% of 120.00), 0.50 EUR and 10 JPY, 22.50 in
         * all, from its budget and the campaign's, each read in the
         * currency asked for (whole minor units: 27.50 is 27 JPY); b, in
         * EUR only, 1.00 EUR. */
        eval_rows(ctx, p, TX("t1", "120.00", "")
                          "tid=t2;user_id=u1;currency=EUR;timestamp=2026-03-13T15:00:00Z;amount=5.00\n"
                          "tid=t3;user_id=u1;currency=JPY;timestamp=2026-03-13T15:00:00Z;amount=100\n");
        /* Explaining a transaction spends nothing. */
        cbr_batch *one = batch_of(p, TX("t4", "100.00", ""));
        char *x = explain_text(ctx, p, one);
        free(x);
        cbr_batch_free(one);
        got = budgets_text(ctx);
        ck_assert_str_eq(got, "0 0 USD: 2750 of 5000, exp 2\n"
                              "0 0 JPY: 27 of 50, exp 0\n"
                              "0 1 USD: 7750 of 10000, exp 2\n"
                              "0 1 EUR: 7750 of 10000, exp 2\n"
                              "0 1 JPY: 77 of 100, exp 0\n"
                              "1 0 EUR: 1900 of 2000, exp 2\n"
                              "1 0 USD: ERR_ARG\n"
                              "1 1 USD: ERR_ARG\n"
                              "2 0 USD: ERR_ARG\n"
                              "0 0 ZZZ: ERR_ARG\n"
                              "3 0 USD: ERR_ARG\n");
        free(got);
        /* total and exponent may be NULL; left may not. */
        int64_t left = 0;
        ck_assert_int_eq(cbr_context_budget_left(ctx, 0, 0, "USD", &left, NULL, NULL, NULL), CBR_OK);
        ck_assert_int_eq(left, 2750);
        ck_assert_int_eq(cbr_context_budget_left(ctx, 0, 0, "USD", NULL, NULL, NULL, NULL), CBR_ERR_ARG);
        ck_assert_int_eq(cbr_context_budget_left(ctx, 0, 0, NULL, &left, NULL, NULL, NULL), CBR_ERR_ARG);
        ck_assert_int_eq(cbr_context_budget_left(NULL, 0, 0, "USD", &left, NULL, NULL, NULL), CBR_ERR_ARG);
        cbr_context_free(ctx);
        if (m >= 2)
            cbr_state_free(h.st);
    }
    cbr_program_free(pb);
    cbr_program_free(ps);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("explain");
    UNIT_TCASE(s, "s8_awarded", awarded_percent_names_rate_amount_and_rounding,
               awarded_by_a_later_clause_and_capped, awarded_under_the_cap_and_fixed,
               awarded_in_a_campaign_and_another_currency);
    UNIT_TCASE(s, "s11_awarded_cut", cut_by_a_money_limit, cut_by_the_offer_budget,
               cut_by_the_campaign_budget);
    UNIT_TCASE(s, "s13_no_match", no_match_weekday_in_the_offer_timezone,
               no_match_one_failed_condition_per_clause, no_match_two_clauses,
               no_match_outside_the_valid_window, no_match_outside_the_campaign_window,
               no_match_budget_in_another_currency, no_match_operators, no_match_let_as_a_condition,
               no_match_a_value_is_said_once);
    UNIT_TCASE(s, "s8_no_cashback", no_cashback_amount_zero_or_negative, no_cashback_rounds_to_zero,
               no_cashback_reward_or_cap_in_another_currency);
    UNIT_TCASE(s, "s11_held_not_awarded", limit_reached_names_the_count,
               limit_reached_names_the_money_limit, budget_spent, campaign_budget_spent,
               no_user_for_a_per_user_limit, excluded_names_the_winner,
               excluded_turn_passes_after_a_limit);
    UNIT_TCASE(s, "more_limits", no_partial_names_what_was_left, total_limit_reached, paced_campaign_budget_spent,
               no_match_days_between);
    UNIT_TCASE(s, "best_of", best_of_loser_names_the_winner, best_of_tie_names_the_order);
    UNIT_TCASE(s, "explain_store", explain_never_counts_over_many_rows,
               explain_takes_one_row_and_a_callback);
    UNIT_TCASE(s, "coverage", coverage_counts_reached_and_held, coverage_sums_its_contexts,
               coverage_survives_explain,
               coverage_of_another_program_is_refused, run_tests_covered_finds_what_no_test_exercised);
    UNIT_TCASE(s, "s11_budget_left", offer_budget_as_written, budget_left_before_and_after_awards);
    return s;
}

UNIT_MAIN(make_suite)
