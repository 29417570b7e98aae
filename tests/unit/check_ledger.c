/* check_ledger.c: the award ledger through the public interface: refunds
 * and what they reverse and give back, duplicates, award ids, and records
 * that are not the library's. */
#include "config.h"
#include <stdbool.h>
#include <stdint.h>
#include <cbr.h>
#include "tests/unit/unit.h"
#include "tests/unit/run_rows.h"

/* A store over a cbr_state that keeps a copy of the last record put. */
typedef struct spy {
    cbr_state *st;
    cbr_store inner;
    unsigned char last[4096];
    size_t nlast;
    int64_t due;
    unsigned puts;
} spy;

static cbr_status spy_get(void *ud, const char *k, size_t n, int64_t *v)
{
    spy *s = ud;
    return s->inner.get(s->inner.ud, k, n, v);
}

static cbr_status spy_reserve(void *ud, cbr_reservation *items, size_t n, int *granted)
{
    spy *s = ud;
    return s->inner.reserve(s->inner.ud, items, n, granted);
}

static cbr_status spy_rget(void *ud, const char *k, size_t n, const void **data, size_t *len)
{
    spy *s = ud;
    return s->inner.record_get(s->inner.ud, k, n, data, len);
}

static cbr_status spy_rput(void *ud, const char *k, size_t n, const void *data, size_t len, int64_t due, int64_t at)
{
    spy *s = ud;
    ck_assert_uint_le(len, sizeof s->last);
    memcpy(s->last, data, len);
    s->nlast = len;
    s->due = due;
    s->puts++;
    return s->inner.record_put(s->inner.ud, k, n, data, len, due, at);
}

/* One line per event, "award t1 o 2.00", "reversal r1 o -1.00 of t1",
 * kept with its row; a refused row's line is "refused r2: why". */
typedef struct events {
    struct { size_t row; char line[256]; } ev[64];
    size_t n;
} events;

static void on_event(void *ud, const cbr_award *a)
{
    events *e = ud;
    char amount[32];
    ck_assert_uint_lt(e->n, 64);
    cbr_award_amount(a, amount, sizeof amount);
    e->ev[e->n].row = a->row;
    if (a->event == CBR_EVENT_REVERSAL)
        snprintf(e->ev[e->n].line, sizeof e->ev[0].line, "reversal %s %s %s of %s\n", a->event_tid, a->offer_id,
                 amount, a->tid);
    else
        snprintf(e->ev[e->n].line, sizeof e->ev[0].line, "award %s %s %s%s%s\n", a->tid, a->offer_id, amount,
                 a->pending ? " pending " : "", a->pending ? a->vests : "");
    e->n++;
}

/* Runs rows (one a line, `k=v;...`) in batches of `per` rows (0: one
 * batch) with ctx, and returns the events and refusals as text, in row
 * order. */
static char *run_in(cbr_context *ctx, const cbr_program *p, const char *rows, size_t per)
{
    sbuf out = {0};
    cbr_batch *b = t_batch_new(p, 0);
    const char *s = rows;
    while (*s) {
        cbr_batch_clear(b);
        size_t k = 0;
        while (*s && (per == 0 || k < per)) {
            const char *nl = strchr(s, '\n');
            size_t n = nl ? (size_t)(nl - s) : strlen(s);
            add_row(b, p, s, n);
            k++;
            s += n + (nl != NULL);
        }
        events e = {.n = 0};
        cbr_error err = {0};
        ck_assert_msg(cbr_eval(ctx, b, on_event, &e, &err) == CBR_OK, "cbr_eval: %s", err.message);
        for (size_t r = 0; r < cbr_batch_rows(b); r++) {
            for (size_t i = 0; i < e.n; i++)
                if (e.ev[i].row == r)
                    sb_add(&out, e.ev[i].line, strlen(e.ev[i].line));
            const char *why = cbr_context_refused(ctx, r);
            if (why)
                sb_printf(&out, "refused %s: %s\n", cbr_batch_string(b, r, 0, NULL), why);
        }
    }
    cbr_batch_free(b);
    return sb_take(&out);
}

/* The rows against src from source and from its bundle, in one batch, in
 * batches of one row and of two: the same text every way. */
#define CHECK_LEDGER(src, rows, want) check_ledger_at(__LINE__, src, rows, want)
static void check_ledger_at(int line, const char *src, const char *rows, const char *want)
{
    cbr_program *ps = prog_from_source(src);
    cbr_program *pb = prog_reload(ps);
    for (int m = 0; m < 6; m++) {
        const cbr_program *p = m & 1 ? pb : ps;
        cbr_context *ctx = t_context_new(p, 0);
        char *got = run_in(ctx, p, rows, (size_t)(m / 2));
        int same = strcmp(got, want) == 0;
        char msg[4096];
        snprintf(msg, sizeof msg, "line %d, %s, batches of %d:\n--- got\n%s--- want\n%s", line,
                 m & 1 ? "bundle" : "source", m / 2, got, want);
        free(got);
        cbr_context_free(ctx);
        ck_assert_msg(same, "%s", msg);
    }
    cbr_program_free(ps);
    cbr_program_free(pb);
}

#define TXU(tid, user, amount, ts) "tid=" tid ";user_id=" user ";amount=" amount ";currency=USD;timestamp=" ts "\n"
#define REFUND(tid, orig, amount, ts) \
    "tid=" tid ";kind=refund;original_tid=" orig ";amount=" amount ";currency=USD;timestamp=" ts "\n"

START_TEST(partial_refunds_sum_to_the_whole)
{
    /* 10% of 100.00 is 10.00; refunds of 30, 30 and 40 take back 3, 3 and
     * 4: the award is worth 10.00 x (100 - R) / 100 each time.  A refund
     * past the amount is refused and changes nothing. */
    CHECK_LEDGER("offer \"o\" { when amount > 0 then cashback 10% }\n",
                 TXU("t1", "u1", "100.00", "2026-03-01T10:00:00Z")
                 REFUND("r1", "t1", "30.00", "2026-03-02T10:00:00Z")
                 REFUND("r2", "t1", "30.00", "2026-03-03T10:00:00Z")
                 REFUND("r3", "t1", "40.01", "2026-03-04T10:00:00Z")
                 REFUND("r4", "t1", "40.00", "2026-03-04T11:00:00Z")
                 REFUND("r5", "t1", "0.01", "2026-03-05T10:00:00Z"),
                 "award t1 o 10.00\n"
                 "reversal r1 o -3.00 of t1\n"
                 "reversal r2 o -3.00 of t1\n"
                 "refused r3: refund past the purchase's amount: t1 was 100.00 USD, 60.00 refunded before, this refund 40.01\n"
                 "reversal r4 o -4.00 of t1\n"
                 "refused r5: refund past the purchase's amount: t1 was 100.00 USD, 100.00 refunded before, this refund 0.01\n");
}
END_TEST

START_TEST(what_an_award_is_worth_is_rounded_toward_zero)
{
    /* 10% of 33.33 is 3.33.  After 10.00 of it is refunded it is worth
     * 3.33 x 23.33 / 33.33 = 2.3309..., so 2.33: 1.00 is reversed; after
     * 23.32 more, 3.33 x 0.01 / 33.33 = 0.000999: worth 0.00, 2.33 more. */
    CHECK_LEDGER("offer \"o\" { when amount > 0 then cashback 10% }\n",
                 TXU("t1", "u1", "33.33", "2026-03-01T10:00:00Z")
                 REFUND("r1", "t1", "10.00", "2026-03-02T10:00:00Z")
                 REFUND("r2", "t1", "23.32", "2026-03-03T10:00:00Z")
                 REFUND("r3", "t1", "0.01", "2026-03-04T10:00:00Z"),
                 "award t1 o 3.33\n"
                 "reversal r1 o -1.00 of t1\n"
                 "reversal r2 o -2.33 of t1\n");
}
END_TEST

START_TEST(a_refund_gives_back_the_room_of_the_purchase_period)
{
    /* February's 5.00 is spent by t1; a refund in March gives February's
     * room back, so t3 (February) earns again, while March's own room was
     * never touched (t2 earns in March before the refund). */
    CHECK_LEDGER("offer \"o\" { limit 5.00 per user per month when amount > 0 then cashback 10% }\n",
                 TXU("t1", "u1", "50.00", "2026-02-20T10:00:00Z")
                 TXU("t2", "u1", "30.00", "2026-03-02T10:00:00Z")
                 REFUND("r1", "t1", "50.00", "2026-03-03T10:00:00Z")
                 TXU("t3", "u1", "40.00", "2026-02-21T10:00:00Z")
                 TXU("t4", "u1", "40.00", "2026-03-04T10:00:00Z"),
                 "award t1 o 5.00\n"
                 "award t2 o 3.00\n"
                 "reversal r1 o -5.00 of t1\n"
                 "award t3 o 4.00\n"
                 "award t4 o 2.00\n");
}
END_TEST

START_TEST(a_count_comes_back_once_the_award_is_worth_nothing)
{
    CHECK_LEDGER("offer \"o\" { limit 1 per user when amount > 0 then cashback 1.00 }\n",
                 TXU("t1", "u1", "50.00", "2026-03-01T10:00:00Z")
                 REFUND("r1", "t1", "10.00", "2026-03-02T10:00:00Z")
                 TXU("t2", "u1", "50.00", "2026-03-03T10:00:00Z")
                 REFUND("r2", "t1", "40.00", "2026-03-04T10:00:00Z")
                 TXU("t3", "u1", "50.00", "2026-03-05T10:00:00Z"),
                 "award t1 o 1.00\n"
                 "reversal r1 o -0.20 of t1\n"
                 "reversal r2 o -0.80 of t1\n"
                 "award t3 o 1.00\n");
}
END_TEST

START_TEST(budgets_shared_by_offers_are_given_back_once_each)
{
    /* Two offers of one campaign count in its budget; a full refund gives
     * the budget back what both took. */
    CHECK_LEDGER("campaign \"c\" { budget 3.00 }\n"
                 "offer \"a\" { campaign \"c\" when amount > 0 then cashback 1.00 }\n"
                 "offer \"b\" { campaign \"c\" when amount > 0 then cashback 1.00 }\n",
                 TXU("t1", "u1", "10.00", "2026-03-01T10:00:00Z")
                 TXU("t2", "u2", "10.00", "2026-03-01T11:00:00Z")
                 REFUND("r1", "t1", "10.00", "2026-03-02T10:00:00Z")
                 TXU("t3", "u3", "10.00", "2026-03-03T10:00:00Z"),
                 "award t1 a 1.00\naward t1 b 1.00\n"
                 "award t2 a 1.00\n"
                 "reversal r1 a -1.00 of t1\nreversal r1 b -1.00 of t1\n"
                 "award t3 a 1.00\naward t3 b 1.00\n");
}
END_TEST

START_TEST(tallies_lose_what_was_refunded)
{
    /* visits counts t1 and t2; t1 refunded in full leaves one visit, so t3
     * is the second, not the third.  spent loses the refunded amount. */
    CHECK_LEDGER("tally visits = count per user\n"
                 "tally spent = sum amount per user\n"
                 "offer \"third\" { when visits == 3 then cashback 5.00 }\n"
                 "offer \"big\" { when spent >= 100 then cashback 1.00 }\n",
                 TXU("t1", "u1", "60.00", "2026-03-01T10:00:00Z")
                 TXU("t2", "u1", "30.00", "2026-03-02T10:00:00Z")
                 REFUND("r1", "t1", "60.00", "2026-03-03T10:00:00Z")
                 TXU("t3", "u1", "50.00", "2026-03-04T10:00:00Z")
                 TXU("t4", "u1", "20.00", "2026-03-05T10:00:00Z"),
                 "award t4 big 1.00\naward t4 third 5.00\n");
}
END_TEST

START_TEST(duplicates_are_refused_and_count_nowhere)
{
    CHECK_LEDGER("tally visits = count per user\n"
                 "offer \"o\" { limit 3 per user when amount > 0 then cashback 1.00 }\n"
                 "offer \"second\" { when visits == 2 then cashback 2.00 }\n",
                 TXU("t1", "u1", "10.00", "2026-03-01T10:00:00Z")
                 TXU("t1", "u1", "10.00", "2026-03-01T10:00:00Z")
                 TXU("t2", "u1", "10.00", "2026-03-02T10:00:00Z")
                 REFUND("r1", "t2", "5.00", "2026-03-03T10:00:00Z")
                 REFUND("r1", "t2", "5.00", "2026-03-03T10:00:00Z")
                 "tid=r2;kind=refund;original_tid=t2;amount=1.00;currency=EUR;timestamp=2026-03-03T11:00:00Z\n"
                 REFUND("r3", "nope", "5.00", "2026-03-03T12:00:00Z")
                 TXU("t3", "u1", "10.00", "2026-03-04T10:00:00Z"),
                 "award t1 o 1.00\n"
                 "refused t1: duplicate transaction t1: already in the ledger\n"
                 "award t2 o 1.00\naward t2 second 2.00\n"
                 "reversal r1 o -0.50 of t2\nreversal r1 second -1.00 of t2\n"
                 "refused r1: duplicate transaction r1: already in the ledger\n"
                 "refused r2: refund in another currency than its purchase: t2 was in USD, the refund is in EUR\n"
                 "award t3 o 1.00\n");
}
END_TEST

START_TEST(award_ids_never_collide)
{
    cbr_award a = {0}, b = {0};
    a.tid = "t1/x", a.offer_id = "y";
    b.tid = "t1", b.offer_id = "x/y";
    char x[64], y[64];
    ck_assert_uint_eq(cbr_award_id(&a, x, sizeof x), strlen("t1\\/x/y"));
    ck_assert_str_eq(x, "t1\\/x/y");
    cbr_award_id(&b, y, sizeof y);
    ck_assert_str_eq(y, "t1/x\\/y");
    a.tid = "a\\", a.offer_id = "b";
    cbr_award_id(&a, x, sizeof x);
    ck_assert_str_eq(x, "a\\\\/b");
    /* Too small a buffer: cut, terminated, the whole length returned. */
    ck_assert_uint_eq(cbr_award_id(&b, y, 4), 7);
    ck_assert_str_eq(y, "t1/");
    ck_assert_uint_eq(cbr_award_id(&b, NULL, 0), 7);
}
END_TEST

START_TEST(a_record_that_is_not_the_librarys_is_refused)
{
    cbr_program *p = prog_from_source("offer \"o\" { limit 2 per user when amount > 0 then cashback 10% }\n");
    cbr_context *ctx = t_context_new(p, 0);
    spy s = {0};
    s.st = t_state_new();
    s.inner = cbr_state_store(s.st);
    cbr_store store = {.size = sizeof store, .ud = &s, .get = spy_get, .reserve = spy_reserve,
                       .record_get = spy_rget, .record_put = spy_rput};
    ck_assert_int_eq(cbr_context_set_store(ctx, &store, NULL), CBR_OK);
    char *got = run_in(ctx, p, TXU("t1", "u1", "10.00", "2026-03-01T10:00:00Z"), 0);
    ck_assert_str_eq(got, "award t1 o 1.00\n");
    free(got);
    ck_assert_uint_eq(s.puts, 1);
    ck_assert(s.due == INT64_MAX); /* nothing pending */
    char *text = NULL;
    ck_assert_int_eq(cbr_ledger_text(NULL, s.last, s.nlast, &text, NULL, NULL), CBR_OK);
    ck_assert_str_eq(text, "purchase t1 user u1 amount 10.00 USD refunded 0.00 at 2026-03-01T10:00:00Z\n"
                           "  award o granted 1.00 worth 1.00\n"
                           "    counted in n|o|u1|- (count)\n");
    cbr_free(text);
    /* Nothing pending: vesting changes nothing. */
    char *out = (char *)1;
    size_t n;
    int64_t due;
    ck_assert_int_eq(cbr_ledger_vest(NULL, s.last, s.nlast, INT64_MAX, NULL, NULL, &out, &n, &due, NULL), CBR_OK);
    ck_assert_ptr_null(out);
    /* Every cut and every changed byte of the record: refused or read, never a crash. */
    unsigned char copy[4096];
    for (size_t cut = 0; cut < s.nlast; cut++) {
        cbr_error err;
        ck_assert_int_eq(cbr_ledger_text(NULL, s.last, cut, &text, NULL, &err), CBR_ERR_STATE);
        ck_assert_int_eq(cbr_ledger_vest(NULL, s.last, cut, 0, NULL, NULL, &out, &n, &due, NULL), CBR_ERR_STATE);
    }
    for (size_t i = 0; i < s.nlast; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, s.last, s.nlast);
            copy[i] ^= (unsigned char)(1u << bit);
            cbr_status st = cbr_ledger_text(NULL, copy, s.nlast, &text, NULL, NULL);
            ck_assert(st == CBR_OK || st == CBR_ERR_STATE);
            if (st == CBR_OK)
                cbr_free(text);
        }
    cbr_context_free(ctx);
    cbr_state_free(s.st);
    cbr_program_free(p);
}
END_TEST

START_TEST(a_refund_record_makes_the_refund_a_duplicate_across_contexts)
{
    /* The ledger lives in the store: a second context over the same state
     * (tomorrow's run) sees what the first recorded. */
    cbr_program *p = prog_from_source("offer \"o\" { when amount > 0 then cashback 10% }\n");
    cbr_state *st = t_state_new();
    cbr_store store = cbr_state_store(st);
    cbr_context *c1 = t_context_new(p, 0), *c2 = t_context_new(p, 0);
    ck_assert_int_eq(cbr_context_set_store(c1, &store, NULL), CBR_OK);
    ck_assert_int_eq(cbr_context_set_store(c2, &store, NULL), CBR_OK);
    char *got = run_in(c1, p, TXU("t1", "u1", "10.00", "2026-03-01T10:00:00Z") REFUND("r1", "t1", "5.00", "2026-03-02T10:00:00Z"), 0);
    ck_assert_str_eq(got, "award t1 o 1.00\nreversal r1 o -0.50 of t1\n");
    free(got);
    got = run_in(c2, p, TXU("t1", "u1", "10.00", "2026-03-01T10:00:00Z") REFUND("r1", "t1", "5.00", "2026-03-02T10:00:00Z")
                        REFUND("r2", "t1", "5.00", "2026-03-03T10:00:00Z"), 0);
    ck_assert_str_eq(got, "refused t1: duplicate transaction t1: already in the ledger\n"
                          "refused r1: duplicate transaction r1: already in the ledger\n"
                          "reversal r2 o -0.50 of t1\n");
    free(got);
    cbr_context_free(c1);
    cbr_context_free(c2);
    cbr_state_free(st);
    cbr_program_free(p);
}
END_TEST

START_TEST(records_refuse_a_bad_kind_or_refund)
{
    cbr_program *p = prog_from_source("offer \"o\" { when amount > 0 then cashback 10% }\n");
    cbr_batch *b = t_batch_new(p, 0);
    cbr_error err;
    struct { const char *row, *why; } bad[] = {
        {"tid=x;kind=return;amount=1.00;currency=USD;timestamp=2026-03-01T10:00:00Z",
         "field `kind`: `return` is not a record kind (purchase or refund)"},
        {"tid=x;kind=refund;amount=1.00;currency=USD;timestamp=2026-03-01T10:00:00Z",
         "a refund needs `original_tid`: the tid of the purchase it refunds"},
        {"tid=x;kind=refund;original_tid=t1;amount=0.00;currency=USD;timestamp=2026-03-01T10:00:00Z",
         "field `amount`: a refund's amount is the amount refunded, above zero"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
        const char *s = bad[i].row;
        cbr_status st = CBR_OK;
        while (*s) {
            const char *semi = strchr(s, ';');
            size_t n = semi ? (size_t)(semi - s) : strlen(s);
            const char *eq = memchr(s, '=', n);
            int f = cbr_program_field(p, s, (size_t)(eq - s));
            ck_assert_int_ge(f, 0);
            cbr_status one = cbr_batch_set(b, (size_t)f, eq + 1, n - (size_t)(eq - s) - 1, &err);
            if (one != CBR_OK)
                st = one;
            s += n + (semi != NULL);
        }
        st = cbr_batch_end_row(b, NULL, &err);
        ck_assert_int_eq(st, CBR_ERR_RECORD);
        ck_assert_str_eq(err.message, bad[i].why);
    }
    ck_assert_uint_eq(cbr_batch_rows(b), 0);
    /* kind and original_tid are known to every program. */
    ck_assert_int_eq(cbr_program_field(p, "kind", 4), CBR_FIELD_KIND);
    ck_assert_int_eq(cbr_program_field(p, "original_tid", 12), CBR_FIELD_ORIGINAL_TID);
    ck_assert(cbr_program_field_is_input(p, CBR_FIELD_KIND));
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

START_TEST(ledger_keys_escape_the_tid_as_counter_keys_do)
{
    char buf[32];
    size_t n = cbr_ledger_key("t|1\\\t", 5, buf, sizeof buf);
    ck_assert_uint_eq(n, 10);
    ck_assert_mem_eq(buf, "l|t\\|1\\\\\\t", 10);
    ck_assert_uint_eq(cbr_ledger_key("t|1\\\t", 5, NULL, 0), 10); /* the length alone */
    ck_assert_uint_eq(cbr_ledger_key("t1", 2, buf, 3), 4);        /* cut at cap */
    ck_assert_mem_eq(buf, "l|t", 3);
}
END_TEST

static cbr_status find_user(void *ud, const char *key, size_t len, int64_t value)
{
    (void)value;
    const char *want = ud;
    for (size_t i = 0; i + strlen(want) <= len; i++)
        if (!memcmp(key + i, want, strlen(want)))
            return CBR_ERR_ARG; /* found: stop */
    return CBR_OK;
}

START_TEST(key_parts_are_escaped_as_the_vm_escapes_them)
{
    char buf[32];
    ck_assert_uint_eq(cbr_key_escape("a|b\\c\td\n", 8, buf, sizeof buf), 12);
    ck_assert_mem_eq(buf, "a\\|b\\\\c\\td\\n", 12);
    ck_assert_uint_eq(cbr_key_escape("plain", 5, buf, sizeof buf), 5);
    ck_assert_uint_eq(cbr_key_escape("||", 2, NULL, 0), 4); /* the length alone */
    ck_assert_uint_eq(cbr_key_escape("||", 2, buf, 3), 4);  /* cut at cap */
    ck_assert_mem_eq(buf, "\\|\\", 3);
    /* A per-user counter of a user id with separators in it holds the id
     * exactly as cbr_key_escape writes it. */
    cbr_program *p = prog_from_source("offer \"o\" { limit 5.00 per user when amount >= 1 then cashback 1.00 }\n");
    cbr_context *ctx = t_context_new(p, 4);
    cbr_batch *b = t_batch_new(p, 4);
    cbr_state_track_changes(cbr_context_state(ctx), 1);
    static const char row[] = "tid=t1;user_id=u|1\\x;amount=10.00;currency=USD;timestamp=2026-03-02T10:00:00Z";
    add_row(b, p, row, strlen(row));
    ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, NULL), CBR_OK);
    size_t n = cbr_key_escape("u|1\\x", 5, buf, sizeof buf);
    buf[n] = '\0';
    ck_assert_int_eq(cbr_state_each_change(cbr_context_state(ctx), find_user, buf, NULL), CBR_ERR_ARG);
    cbr_batch_free(b);
    cbr_context_free(ctx);
    cbr_program_free(p);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("ledger");
    TCase *t = tcase_create("refunds");
    tcase_add_test(t, partial_refunds_sum_to_the_whole);
    tcase_add_test(t, what_an_award_is_worth_is_rounded_toward_zero);
    tcase_add_test(t, a_refund_gives_back_the_room_of_the_purchase_period);
    tcase_add_test(t, a_count_comes_back_once_the_award_is_worth_nothing);
    tcase_add_test(t, budgets_shared_by_offers_are_given_back_once_each);
    tcase_add_test(t, tallies_lose_what_was_refunded);
    suite_add_tcase(s, t);
    t = tcase_create("duplicates");
    tcase_add_test(t, duplicates_are_refused_and_count_nowhere);
    tcase_add_test(t, a_refund_record_makes_the_refund_a_duplicate_across_contexts);
    tcase_add_test(t, records_refuse_a_bad_kind_or_refund);
    suite_add_tcase(s, t);
    t = tcase_create("records");
    tcase_add_test(t, award_ids_never_collide);
    tcase_add_test(t, ledger_keys_escape_the_tid_as_counter_keys_do);
    tcase_add_test(t, key_parts_are_escaped_as_the_vm_escapes_them);
    tcase_add_test(t, a_record_that_is_not_the_librarys_is_refused);
    suite_add_tcase(s, t);
    return s;
}

UNIT_MAIN(make_suite)
