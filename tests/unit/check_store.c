/* check_store.c: the limit and budget store contract (cbr.h, "limit and
 * budget state") and the in-memory state behind it (vm/state.c), through
 * the public interface only.  A row is settled all or nothing whatever call
 * of the store fails; two threads sharing one store never overspend a
 * budget; a snapshot loads whole or not at all; room is computed without
 * overflow for any value a store holds. */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <cbr.h>
#include "tests/unit/unit.h"

/* ---- helpers ---- */

static cbr_program *prog(const char *src)
{
    cbr_compiler *c = unit_compile(src);
    ck_assert_msg(cbr_compiler_error_count(c) == 0, "the source does not compile:\n%s", unit_dump(c));
    cbr_program *p = NULL;
    cbr_error err = {0};
    ck_assert_int_eq(cbr_compiler_program(c, &p, &err), CBR_OK);
    cbr_compiler_free(c);
    return p;
}

/* Adds "tid;user;amount;timestamp" rows (user "-" for none) in USD. */
static void add(cbr_batch *b, const cbr_program *p, const char *tid, const char *user, const char *amount,
                const char *ts)
{
    cbr_error err = {0};
    ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
    const char *names[] = {"tid", "user_id", "amount", "currency", "timestamp"};
    const char *vals[] = {tid, user, amount, "USD", ts};
    for (int i = 0; i < 5; i++) {
        if (i == 1 && !strcmp(user, "-"))
            continue;
        int f = cbr_program_field(p, names[i], strlen(names[i]));
        ck_assert_int_ge(f, 0);
        ck_assert_int_eq(cbr_batch_set(b, (size_t)f, vals[i], strlen(vals[i]), &err), CBR_OK);
    }
    size_t r;
    ck_assert_msg(cbr_batch_end_row(b, &r, &err) == CBR_OK, "%s", err.message);
}

static char *snapshot(const cbr_state *st)
{
    char *data = NULL;
    size_t len = 0;
    ck_assert_int_eq(cbr_state_save(st, &data, &len, NULL), CBR_OK);
    ck_assert_uint_eq(strlen(data), len);
    char *s = strdup(data); /* the callers free() it */
    ck_assert_ptr_nonnull(s);
    cbr_free(data);
    return s;
}

/* Awards as "tid offer amount" lines. */
typedef struct lines {
    char text[8192];
    size_t n;
    const cbr_batch *b;
    const cbr_program *p;
} lines;

static void on_award(void *ud, const cbr_award *a)
{
    lines *l = ud;
    char amount[32];
    cbr_award_amount(a, amount, sizeof amount);
    size_t tl;
    const char *tid = cbr_batch_string(l->b, a->row, (size_t)cbr_program_field(l->p, "tid", 3), &tl);
    int w = snprintf(l->text + l->n, sizeof l->text - l->n, "%.*s %s %s\n", (int)tl, tid, a->offer_id, amount);
    ck_assert(w > 0 && (size_t)w < sizeof l->text - l->n);
    l->n += (size_t)w;
}

/* ---- a store that fails at its k-th call ---- */

typedef struct failing {
    cbr_state *st;
    cbr_store inner;
    unsigned calls, fail_at; /* fail_at 0: never */
} failing;

static cbr_status f_get(void *ud, const char *key, size_t len, int64_t *value)
{
    failing *f = ud;
    if (++f->calls == f->fail_at)
        return CBR_ERR_IO;
    return f->inner.get(f->inner.ud, key, len, value);
}

static cbr_status f_reserve(void *ud, cbr_reservation *items, size_t n, int *granted)
{
    failing *f = ud;
    if (++f->calls == f->fail_at)
        return CBR_ERR_IO;
    return f->inner.reserve(f->inner.ud, items, n, granted);
}

/* Two offers of one campaign with a budget, per-user count and money
 * limits, and an exclusive group: rows whose settling touches several
 * counters, some shared by offers, some cut, some dropped. */
static const char *const shared_src =
    "campaign \"c\" { budget 7.00 }\n"
    "offer \"a\" { campaign \"c\" limit 2 per user per day exclusive \"g\"\n"
    "             when amount > 0 then cashback 10% }\n"
    "offer \"b\" { campaign \"c\" limit 3.00 per user exclusive \"g\"\n"
    "             when amount > 0 then cashback 1.50 }\n"
    "offer \"free\" { budget 1.00 when amount > 0 then cashback 0.30 }\n";

#define NROWS 8
static const char *const rows[NROWS][4] = {
    {"t1", "u1", "20.00", "2026-03-13T10:00:00Z"}, {"t2", "u1", "15.00", "2026-03-13T11:00:00Z"},
    {"t3", "-", "30.00", "2026-03-13T12:00:00Z"},  {"t4", "u2", "12.00", "2026-03-13T13:00:00Z"},
    {"t5", "u1", "9.00", "2026-03-13T14:00:00Z"},  {"t6", "u2", "40.00", "2026-03-14T10:00:00Z"},
    {"t7", "u3", "25.00", "2026-03-14T11:00:00Z"}, {"t8", "u1", "5.00", "2026-03-14T12:00:00Z"},
};

static void fill(cbr_batch *b, const cbr_program *p, size_t from, size_t to)
{
    cbr_batch_clear(b);
    for (size_t i = from; i < to; i++)
        add(b, p, rows[i][0], rows[i][1], rows[i][2], rows[i][3]);
}

/* The awards and snapshot of rows [0, upto) evaluated in one go. */
static void reference(const cbr_program *p, size_t upto, char *awards, size_t cap, char **snap)
{
    cbr_context *ctx = t_context_new(p, 0);
    cbr_batch *b = t_batch_new(p, 0);
    lines l = {.b = b, .p = p};
    fill(b, p, 0, upto);
    cbr_error err;
    ck_assert_int_eq(cbr_eval(ctx, b, on_award, &l, &err), CBR_OK);
    ck_assert_uint_eq(cbr_context_settled(ctx), upto);
    snprintf(awards, cap, "%s", l.text);
    *snap = snapshot(cbr_context_state(ctx));
    cbr_batch_free(b);
    cbr_context_free(ctx);
}

/* issue 13, defect 4: a store that fails at its first, second, ... call.
 * Each time the rows before the failing one are settled exactly as an
 * evaluation of those rows alone settles them (same awards delivered, same
 * counters), the failing row left nothing behind, and evaluating the rest
 * afterwards ends where an uninterrupted run ends. */
static void failing_at_any_call(const char *src, const char *must_award)
{
    cbr_program *p = prog(src);
    char want_all[8192], *want_snap;
    reference(p, NROWS, want_all, sizeof want_all, &want_snap);
    ck_assert_ptr_nonnull(strstr(want_all, must_award)); /* the scenario exercises both offers */
    unsigned failures = 0;
    for (unsigned k = 1;; k++) {
        failing f = {.st = t_state_new(), .fail_at = k};
        f.inner = cbr_state_store(f.st);
        cbr_store s = {.size = sizeof s, .ud = &f, .get = f_get, .reserve = f_reserve};
        cbr_context *ctx = t_context_new(p, 0);
        ck_assert_int_eq(cbr_context_set_store(ctx, &s, NULL), CBR_OK);
        cbr_batch *b = t_batch_new(p, 0);
        lines got = {.b = b, .p = p};
        fill(b, p, 0, NROWS);
        cbr_error err = {0};
        cbr_status st = cbr_eval(ctx, b, on_award, &got, &err);
        if (st == CBR_OK) {
            ck_assert_uint_gt(k, 3);
            ck_assert_str_eq(got.text, want_all);
            char *snap = snapshot(f.st);
            ck_assert_str_eq(snap, want_snap);
            free(snap);
            cbr_batch_free(b);
            cbr_context_free(ctx);
            cbr_state_free(f.st);
            break;
        }
        failures++;
        ck_assert_int_eq(st, CBR_ERR_IO);
        ck_assert_int_eq(err.status, CBR_ERR_IO);
        size_t settled = cbr_context_settled(ctx);
        ck_assert_uint_lt(settled, NROWS);
        char want[8192], *want_part;
        reference(p, settled, want, sizeof want, &want_part);
        ck_assert_msg(!strcmp(got.text, want), "failing at call %u, %zu rows settled: awards\n%s\nwant\n%s", k,
                      settled, got.text, want);
        char *snap = snapshot(f.st);
        ck_assert_msg(!strcmp(snap, want_part), "failing at call %u: state\n%s\nwant\n%s", k, snap, want_part);
        free(snap);
        free(want_part);
        /* The host retries from the first row not settled. */
        f.fail_at = 0;
        lines rest = {.b = b, .p = p};
        memcpy(rest.text, got.text, got.n + 1);
        rest.n = got.n;
        fill(b, p, settled, NROWS);
        ck_assert_int_eq(cbr_eval(ctx, b, on_award, &rest, &err), CBR_OK);
        ck_assert_str_eq(rest.text, want_all);
        snap = snapshot(f.st);
        ck_assert_str_eq(snap, want_snap);
        free(snap);
        cbr_batch_free(b);
        cbr_context_free(ctx);
        cbr_state_free(f.st);
    }
    ck_assert_uint_gt(failures, 3);
    free(want_snap);
    cbr_program_free(p);
}

START_TEST(a_store_failing_at_any_call_settles_whole_rows)
{
    failing_at_any_call(shared_src, " b 1.50\n");
}
END_TEST

/* The same with tallies: a failing get while evaluating reads them leaves
 * everything as it was (no row settled), and a failing reserve keeps a
 * row's tally deltas out of the store with its awards. */
START_TEST(a_store_failing_at_any_call_counts_whole_rows_in_tallies)
{
    failing_at_any_call("tally visits = count per user per day\n"
                        "tally spend = sum amount per user where amount > 10\n"
                        "offer \"a\" { limit 2 per user when visits <= 2 then cashback 10% }\n"
                        "offer \"b\" { when spend >= 30.00 then cashback 1.00 }\n",
                        " b 1.00\n");
}
END_TEST

/* ---- two threads, one store, one budget ---- */

typedef struct locked {
    pthread_mutex_t mu;
    cbr_state *st;
    cbr_store inner;
    unsigned refused;
} locked;

static cbr_status l_get(void *ud, const char *key, size_t len, int64_t *value)
{
    locked *l = ud;
    pthread_mutex_lock(&l->mu);
    cbr_status s = l->inner.get(l->inner.ud, key, len, value);
    pthread_mutex_unlock(&l->mu);
    sched_yield(); /* let the other thread spend between our read and our reservation */
    return s;
}

static cbr_status l_reserve(void *ud, cbr_reservation *items, size_t n, int *granted)
{
    locked *l = ud;
    pthread_mutex_lock(&l->mu);
    cbr_status s = l->inner.reserve(l->inner.ud, items, n, granted);
    if (s == CBR_OK && !*granted)
        l->refused++;
    pthread_mutex_unlock(&l->mu);
    return s;
}

typedef struct worker {
    const cbr_program *p;
    cbr_store *store;
    int id;
    int64_t paid;
    size_t awards;
    cbr_status st;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    cbr_context *ctx = t_context_new(w->p, 64);
    cbr_batch *b = t_batch_new(w->p, 64);
    w->st = cbr_context_set_store(ctx, w->store, NULL);
    for (int round = 0; round < 40 && w->st == CBR_OK; round++) {
        cbr_batch_clear(b);
        for (int i = 0; i < 16; i++) {
            char tid[32], user[16];
            snprintf(tid, sizeof tid, "w%d-%d-%d", w->id, round, i);
            snprintf(user, sizeof user, "u%d", i % 5);
            cbr_error err;
            if (cbr_batch_begin_row(b, &err) != CBR_OK)
                return NULL;
            const char *names[] = {"tid", "user_id", "amount", "currency", "timestamp"};
            const char *vals[] = {tid, user, "13.00", "USD", "2026-03-13T10:00:00Z"};
            for (int k = 0; k < 5; k++)
                cbr_batch_set(b, (size_t)cbr_program_field(w->p, names[k], strlen(names[k])), vals[k],
                              strlen(vals[k]), &err);
            size_t r;
            cbr_batch_end_row(b, &r, &err);
        }
        cbr_error err;
        w->st = cbr_eval(ctx, b, NULL, NULL, &err);
        size_t n;
        const cbr_award *a = cbr_context_awards(ctx, &n);
        for (size_t i = 0; i < n; i++) {
            w->paid += a[i].cashback;
            w->awards++;
        }
    }
    cbr_batch_free(b);
    cbr_context_free(ctx);
    return NULL;
}

/* The architecture issue's store contract: with two threads evaluating
 * against one shared store, the campaign budget is spent exactly, never
 * past its total, and what the threads were awarded is what the store
 * counted. */
START_TEST(two_threads_sharing_a_store_never_overspend)
{
    cbr_program *p = prog("campaign \"c\" { budget 100.00 }\n"
                          "offer \"a\" { campaign \"c\" when amount > 0 then cashback 10% }\n"
                          "offer \"b\" { campaign \"c\" limit 4.00 per user when amount > 0 then cashback 0.70 }\n");
    for (int run = 0; run < 5; run++) {
        locked l = {.st = t_state_new()};
        pthread_mutex_init(&l.mu, NULL);
        l.inner = cbr_state_store(l.st);
        cbr_store s = {.size = sizeof s, .ud = &l, .get = l_get, .reserve = l_reserve};
        worker w[2] = {{p, &s, 0, 0, 0, CBR_OK}, {p, &s, 1, 0, 0, CBR_OK}};
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
            ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        ck_assert_int_eq(w[0].st, CBR_OK);
        ck_assert_int_eq(w[1].st, CBR_OK);
        int64_t spent = 0;
        ck_assert_int_eq(l.inner.get(l.inner.ud, "c|c|*", 5, &spent), CBR_OK);
        ck_assert_int_eq(spent, 1000000); /* 100.00 in a pot's units of 10^-4 */
        ck_assert_int_eq(w[0].paid + w[1].paid, 10000);
        /* Per-user limits held across threads too: 5 users, 4.00 each. */
        int64_t per_user = 0;
        ck_assert_int_eq(l.inner.get(l.inner.ud, "a|b|u0|-|*", 10, &per_user), CBR_OK);
        ck_assert_int_gt(per_user, 0);
        ck_assert_int_le(per_user, 40000);
        pthread_mutex_destroy(&l.mu);
        cbr_state_free(l.st);
    }
    cbr_program_free(p);
}
END_TEST

/* ---- reservations on the in-memory state ---- */

START_TEST(reserve_is_all_or_nothing)
{
    cbr_state *st = t_state_new();
    cbr_store s = cbr_state_store(st);
    ck_assert_uint_eq(s.size, sizeof s);
    int granted = -1;
    cbr_reservation r[2] = {{"b|o|USD", 7, 300, 1000, -1}, {"n|o|u1|-", 8, 1, 2, -1}};
    ck_assert_int_eq(s.reserve(s.ud, r, 2, &granted), CBR_OK);
    ck_assert_int_eq(granted, 1);
    ck_assert_int_eq(r[0].value, 0);
    ck_assert_int_eq(r[1].value, 0);
    /* The second counter would pass its maximum: the first is not touched. */
    r[0].delta = 100;
    r[1].max = 1;
    ck_assert_int_eq(s.reserve(s.ud, r, 2, &granted), CBR_OK);
    ck_assert_int_eq(granted, 0);
    ck_assert_int_eq(r[0].value, 300);
    ck_assert_int_eq(r[1].value, 1);
    int64_t v;
    s.get(s.ud, "b|o|USD", 7, &v);
    ck_assert_int_eq(v, 300);
    /* Giving room back is always granted. */
    r[0].delta = -300;
    r[1].delta = -1;
    ck_assert_int_eq(s.reserve(s.ud, r, 2, &granted), CBR_OK);
    ck_assert_int_eq(granted, 1);
    s.get(s.ud, "b|o|USD", 7, &v);
    ck_assert_int_eq(v, 0);
    /* A sum past 64 bits is refused, not wrapped. */
    cbr_reservation big = {"x", 1, INT64_MAX, INT64_MAX, 0};
    ck_assert_int_eq(s.reserve(s.ud, &big, 1, &granted), CBR_OK);
    ck_assert_int_eq(granted, 1);
    big.delta = 1;
    ck_assert_int_eq(s.reserve(s.ud, &big, 1, &granted), CBR_OK);
    ck_assert_int_eq(granted, 0);
    s.get(s.ud, "x", 1, &v);
    ck_assert_int_eq(v, INT64_MAX);
    cbr_state_free(st);
}
END_TEST

START_TEST(a_store_of_an_older_size_is_refused)
{
    cbr_program *p = prog("offer \"o\" { when amount > 0 then cashback 1.00 }\n");
    cbr_context *ctx = t_context_new(p, 0);
    cbr_state *st = t_state_new();
    cbr_store s = cbr_state_store(st);
    /* Before 0.4's get and reserve: refused.  0.4's, without the ledger's
     * record functions: taken, and it keeps no ledger (a tid seen twice
     * earns twice). */
    s.size = offsetof(cbr_store, record_get) - 1;
    ck_assert_int_eq(cbr_context_set_store(ctx, &s, NULL), CBR_ERR_ARG);
    s.size = offsetof(cbr_store, record_get);
    ck_assert_int_eq(cbr_context_set_store(ctx, &s, NULL), CBR_OK);
    cbr_batch *b = t_batch_new(p, 0);
    for (int i = 0; i < 2; i++) {
        cbr_error err;
        ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
        const char *kv[][2] = {{"tid", "t1"}, {"amount", "5.00"}, {"currency", "USD"}, {"timestamp", "2026-03-13T10:00:00Z"}};
        for (int k = 0; k < 4; k++)
            ck_assert_int_eq(cbr_batch_set(b, (size_t)cbr_program_field(p, kv[k][0], strlen(kv[k][0])), kv[k][1],
                                           strlen(kv[k][1]), &err), CBR_OK);
        ck_assert_int_eq(cbr_batch_end_row(b, NULL, &err), CBR_OK);
    }
    ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, NULL), CBR_OK);
    size_t na;
    cbr_context_awards(ctx, &na);
    ck_assert_uint_eq(na, 2);
    cbr_batch_free(b);
    s.size = sizeof s;
    s.size = sizeof s;
    s.reserve = NULL;
    ck_assert_int_eq(cbr_context_set_store(ctx, &s, NULL), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_context_set_store(ctx, NULL, NULL), CBR_OK);
    cbr_state_free(st);
    cbr_context_free(ctx);
    cbr_program_free(p);
}
END_TEST

/* ---- snapshots (issue 13, defect 3) ---- */

static void load_refused(cbr_state *st, const char *text, cbr_status want, const char *msg)
{
    char *before = snapshot(st);
    size_t n = cbr_state_count(st);
    cbr_error err = {0};
    ck_assert_int_eq(cbr_state_load(st, text, strlen(text), &err), want);
    ck_assert_msg(strstr(err.message, msg), "message `%s`, want `%s`", err.message, msg);
    char *after = snapshot(st);
    ck_assert_str_eq(after, before);
    ck_assert_uint_eq(cbr_state_count(st), n);
    free(before);
    free(after);
}

START_TEST(state_load_is_all_or_nothing)
{
    cbr_state *st = t_state_new();
    cbr_error err;
    ck_assert_int_eq(cbr_state_load(st, "a|o|u1|-|USD\t5\n", 15, &err), CBR_OK);
    /* A bad line after good ones keeps none of them. */
    load_refused(st, "b|o|USD\t10\nn|o|u2|-\t1\nno tab here\n", CBR_ERR_RECORD, "line 3");
    load_refused(st, "a|o|u1|-|USD\t7\nx\t1.5\n", CBR_ERR_RECORD, "line 2");
    /* The same into an empty state. */
    cbr_state *empty = t_state_new();
    load_refused(empty, "b|o|USD\t10\nbad\n", CBR_ERR_RECORD, "line 2");
    ck_assert_uint_eq(cbr_state_count(empty), 0);
    cbr_state_free(empty);
    cbr_state_free(st);
}
END_TEST

START_TEST(state_load_refuses_overflow_without_wrapping)
{
    cbr_state *st = t_state_new();
    load_refused(st, "b|y\t9223372036854775807\nb|y\t1\n", CBR_ERR_LIMIT, "line 2");
    ck_assert_uint_eq(cbr_state_count(st), 0);
    cbr_error err;
    ck_assert_int_eq(cbr_state_load(st, "b|y\t9223372036854775807\n", 24, &err), CBR_OK);
    load_refused(st, "b|y\t1\n", CBR_ERR_LIMIT, "line 1");
    int64_t v;
    cbr_store s = cbr_state_store(st);
    s.get(s.ud, "b|y", 3, &v);
    ck_assert_int_eq(v, INT64_MAX);
    load_refused(st, "b|z\t9223372036854775808\n", CBR_ERR_RECORD, "line 1");
    cbr_state_free(st);
}
END_TEST

START_TEST(state_load_refuses_negative_counters_and_nul)
{
    cbr_state *st = t_state_new();
    load_refused(st, "c|c|USD\t-99999\n", CBR_ERR_RECORD, "negative");
    const char nul[] = "n|once|eve\0x|d2026-03-13\t1\n";
    char *before = snapshot(st);
    cbr_error err = {0};
    ck_assert_int_eq(cbr_state_load(st, nul, sizeof nul - 1, &err), CBR_ERR_RECORD);
    ck_assert_ptr_nonnull(strstr(err.message, "NUL"));
    char *after = snapshot(st);
    ck_assert_str_eq(after, before);
    free(before);
    free(after);
    cbr_state_free(st);
}
END_TEST

/* Keys of every shape the splitting into parts must keep apart. */
START_TEST(state_keys_of_any_shape_round_trip)
{
    const char *text = "\\|a|b|c\t9\n"
                       "a|o|u\\|1|m2026-03-01|USD\t250\n"
                       "b|o|USD\t100\n"
                       "n|o|u1|d2026-03-13\t1\n"
                       "n|o|u1|d2026-03-13|\t2\n"
                       "x\t1\n"
                       "x|\t2\n"
                       "x|y\t3\n"
                       "x|y|\t4\n"
                       "x|y||\t5\n"
                       "x|y||z|w\t6\n";
    cbr_state *st = t_state_new();
    cbr_error err;
    ck_assert_int_eq(cbr_state_load(st, text, strlen(text), &err), CBR_OK);
    ck_assert_uint_eq(cbr_state_count(st), 11);
    char *snap = snapshot(st);
    ck_assert_str_eq(snap, text);
    free(snap);
    cbr_store s = cbr_state_store(st);
    int64_t v;
    s.get(s.ud, "x|y|", 4, &v);
    ck_assert_int_eq(v, 4);
    s.get(s.ud, "x|y|z", 5, &v);
    ck_assert_int_eq(v, 0);
    cbr_state_free(st);
}
END_TEST

/* Counters of all customers (`limit N total`) have no user part, budgets
 * per period carry theirs (a campaign's in its own zone), and both round
 * trip through a snapshot: a second context that loads it goes on where
 * the first stopped, as `cbrc run --state` does across runs. */
START_TEST(total_and_paced_counters_round_trip)
{
    cbr_program *p = prog("campaign \"c\" { budget 3.00 per week timezone \"Asia/Tokyo\" }\n"
                          "offer \"o\" { limit 2 total per day budget 3.00 per day\n"
                          "             when amount > 0 then cashback 2.00 }\n"
                          "offer \"p\" { campaign \"c\" when amount > 0 then cashback 1.00 }\n");
    cbr_context *ctx = t_context_new(p, 0);
    cbr_batch *b = t_batch_new(p, 0);
    const char *per = NULL;
    char start[11];
    int64_t left = -1, total = -1;
    /* Nothing settled yet: all of a paced budget is left, in no period. */
    ck_assert_int_eq(cbr_context_budget_left(ctx, 0, 0, "USD", &left, &total, NULL, NULL), CBR_OK);
    ck_assert_int_eq(left, 300);
    ck_assert_int_eq(cbr_context_budget_period(ctx, 0, 0, &per, start, NULL), CBR_OK);
    ck_assert_str_eq(per, "day");
    ck_assert_str_eq(start, "");
    add(b, p, "t1", "u1", "10.00", "2026-03-13T10:00:00Z");
    add(b, p, "t2", "u2", "10.00", "2026-03-13T11:00:00Z"); /* the day's budget cuts o */
    add(b, p, "t3", "u3", "10.00", "2026-03-13T12:00:00Z"); /* two awards today: o is done */
    add(b, p, "t4", "u1", "10.00", "2026-03-14T10:00:00Z"); /* a new day; c's week is spent */
    lines l = {.b = b, .p = p};
    cbr_error err;
    ck_assert_int_eq(cbr_eval(ctx, b, on_award, &l, &err), CBR_OK);
    ck_assert_str_eq(l.text, "t1 o 2.00\nt1 p 1.00\nt2 o 1.00\nt2 p 1.00\nt3 p 1.00\nt4 o 2.00\n");
    char *snap = snapshot(cbr_context_state(ctx));
    ck_assert_str_eq(snap, "b|o|d2026-03-13|*\t30000\n"
                           "b|o|d2026-03-14|*\t20000\n"
                           "c|c|w2026-03-09|*\t30000\n"
                           "t|o|d2026-03-13\t2\n"
                           "t|o|d2026-03-14\t1\n");
    /* The current period is the latest timestamp's: 2026-03-14. */
    ck_assert_int_eq(cbr_context_budget_left(ctx, 0, 0, "USD", &left, &total, NULL, NULL), CBR_OK);
    ck_assert_int_eq(left, 100);
    ck_assert_int_eq(total, 300);
    ck_assert_int_eq(cbr_context_budget_period(ctx, 0, 0, &per, start, NULL), CBR_OK);
    ck_assert_str_eq(start, "2026-03-14");
    ck_assert_int_eq(cbr_context_budget_left(ctx, 1, 1, "USD", &left, NULL, NULL, NULL), CBR_OK);
    ck_assert_int_eq(left, 0);
    ck_assert_int_eq(cbr_context_budget_period(ctx, 1, 1, &per, start, NULL), CBR_OK);
    ck_assert_str_eq(per, "week");
    ck_assert_str_eq(start, "2026-03-09");
    ck_assert_int_eq(cbr_context_budget_period(ctx, 1, 0, &per, start, NULL), CBR_ERR_ARG); /* p has no budget */

    /* The next run: the same counters, whatever the order of the rows. */
    cbr_context *next = t_context_new(p, 0);
    ck_assert_int_eq(cbr_state_load(cbr_context_state(next), snap, strlen(snap), &err), CBR_OK);
    char *again = snapshot(cbr_context_state(next));
    ck_assert_str_eq(again, snap);
    cbr_batch_clear(b);
    add(b, p, "t5", "u4", "10.00", "2026-03-14T12:00:00Z"); /* o: one more today, cut to the budget */
    add(b, p, "t6", "u5", "10.00", "2026-03-13T13:00:00Z"); /* back on the 13th: o is done there */
    add(b, p, "t7", "u6", "10.00", "2026-03-15T15:00:00Z"); /* Monday the 16th in Tokyo: a new week */
    lines m = {.b = b, .p = p};
    ck_assert_int_eq(cbr_eval(next, b, on_award, &m, &err), CBR_OK);
    ck_assert_str_eq(m.text, "t5 o 1.00\nt7 o 2.00\nt7 p 1.00\n");
    /* The latest in time, not the last in input order. */
    ck_assert_int_eq(cbr_context_budget_period(next, 1, 1, &per, start, NULL), CBR_OK);
    ck_assert_str_eq(start, "2026-03-16");
    ck_assert_int_eq(cbr_context_budget_left(next, 1, 1, "USD", &left, NULL, NULL, NULL), CBR_OK);
    ck_assert_int_eq(left, 200);
    free(again);
    free(snap);
    cbr_batch_free(b);
    cbr_context_free(next);
    cbr_context_free(ctx);
    cbr_program_free(p);
}
END_TEST

/* A host's store may hold any value: room is never more than the budget
 * and never overflows (a negative "used" once made a budget unlimited). */
START_TEST(room_never_exceeds_the_budget)
{
    cbr_program *p = prog("offer \"o\" { budget 10.00 when amount > 0 then cashback 50% }\n");
    cbr_context *ctx = t_context_new(p, 0);
    cbr_state *st = cbr_context_state(ctx);
    cbr_store s = cbr_state_store(st);
    /* The in-memory state refuses negative counters; a host store can hold one. */
    int granted;
    cbr_reservation r = {"b|o|USD", 7, -99999, INT64_MAX, 0};
    ck_assert_int_eq(s.reserve(s.ud, &r, 1, &granted), CBR_OK);
    int64_t left = 0, total = 0;
    ck_assert_int_eq(cbr_context_budget_left(ctx, 0, 0, "USD", &left, &total, NULL, NULL), CBR_OK);
    ck_assert_int_eq(total, 1000);
    ck_assert_int_eq(left, 1000);
    cbr_batch *b = t_batch_new(p, 0);
    add(b, p, "t1", "u1", "100.00", "2026-03-13T10:00:00Z");
    lines l = {.b = b, .p = p};
    cbr_error err;
    ck_assert_int_eq(cbr_eval(ctx, b, on_award, &l, &err), CBR_OK);
    ck_assert_str_eq(l.text, "t1 o 10.00\n");
    /* Used far past the total: no room, and no negative room either. */
    r.delta = INT64_MAX;
    ck_assert_int_eq(s.reserve(s.ud, &r, 1, &granted), CBR_OK);
    ck_assert_int_eq(cbr_context_budget_left(ctx, 0, 0, "USD", &left, &total, NULL, NULL), CBR_OK);
    ck_assert_int_eq(left, 0);
    cbr_batch_free(b);
    cbr_context_free(ctx);
    cbr_program_free(p);
}
END_TEST

/* ---- change tracking (what cbr-stream writes through) ---- */

typedef struct seen {
    char text[1024];
    size_t n;
} seen;

static cbr_status note_change(void *ud, const char *key, size_t len, int64_t value)
{
    seen *s = ud;
    s->n += (size_t)snprintf(s->text + s->n, sizeof s->text - s->n, "%.*s=%lld;", (int)len, key, (long long)value);
    return CBR_OK;
}

static cbr_status stop_at_first(void *ud, const char *key, size_t len, int64_t value) { return CBR_ERR_IO; }

struct tally {
    unsigned n;
    int64_t budget;
};

static cbr_status count_change(void *ud, const char *key, size_t len, int64_t value)
{
    struct tally *t = ud;
    t->n++;
    if (len == 7 && !memcmp(key, "b|o|USD", 7))
        t->budget = value;
    return CBR_OK;
}

START_TEST(changes_are_listed_once_until_forgotten)
{
    cbr_state *st = t_state_new();
    cbr_store s = cbr_state_store(st);
    int granted;
    cbr_reservation before = {"b|o|USD", 7, 100, INT64_MAX, 0};
    ck_assert_int_eq(s.reserve(s.ud, &before, 1, &granted), CBR_OK); /* not tracked yet */
    cbr_state_track_changes(st, 1);
    seen none = {0};
    ck_assert_int_eq(cbr_state_each_change(st, note_change, &none, NULL), 0);
    ck_assert_str_eq(none.text, "");
    cbr_reservation r[2] = {{"b|o|USD", 7, 50, INT64_MAX, 0}, {"n|o|u1|d2026-03-13", 18, 1, 3, 0}};
    ck_assert_int_eq(s.reserve(s.ud, r, 2, &granted), CBR_OK);
    ck_assert_int_eq(s.reserve(s.ud, r, 2, &granted), CBR_OK); /* the same counters again: listed once */
    /* A refused reservation changes nothing and lists nothing. */
    cbr_reservation over = {"a|o|u2|-|USD", 12, 10, 5, 0};
    ck_assert_int_eq(s.reserve(s.ud, &over, 1, &granted), CBR_OK);
    ck_assert_int_eq(granted, 0);
    seen got = {0};
    ck_assert_int_eq(cbr_state_each_change(st, note_change, &got, NULL), 0);
    ck_assert_msg(!strcmp(got.text, "b|o|USD=200;n|o|u1|d2026-03-13=2;") ||
                      !strcmp(got.text, "n|o|u1|d2026-03-13=2;b|o|USD=200;"),
                  "changes: %s", got.text);
    cbr_error err;
    ck_assert_int_eq(cbr_state_each_change(st, stop_at_first, NULL, &err), CBR_ERR_IO);
    ck_assert_int_eq(err.status, CBR_ERR_IO);
    ck_assert_msg(strstr(err.message, "stopped at counter ") == err.message, "%s", err.message);
    cbr_state_forget_changes(st);
    seen after = {0};
    cbr_state_each_change(st, note_change, &after, NULL);
    ck_assert_str_eq(after.text, "");
    /* Forgotten counters are listed again when they change again, also
     * after the table has grown under them. */
    for (int i = 0; i < 3000; i++) {
        char k[32];
        int n = snprintf(k, sizeof k, "n|o|u%d|-", i);
        cbr_reservation one = {k, (size_t)n, 1, 1, 0};
        ck_assert_int_eq(s.reserve(s.ud, &one, 1, &granted), CBR_OK);
    }
    ck_assert_int_eq(s.reserve(s.ud, r, 1, &granted), CBR_OK);
    struct tally t = {0, 0};
    ck_assert_int_eq(cbr_state_each_change(st, count_change, &t, NULL), 0);
    ck_assert_uint_eq(t.n, 3001);
    ck_assert_int_eq(t.budget, 250);
    cbr_state_free(st);
}
END_TEST

/* ---- the configured allocator ---- */

typedef struct counting {
    long live, calls;
} counting;

static void *count_alloc(void *ud, void *ptr, size_t size)
{
    counting *c = ud;
    c->calls++;
    if (size == 0) {
        if (ptr)
            c->live--;
        free(ptr);
        return NULL;
    }
    void *q = realloc(ptr, size);
    if (q && !ptr)
        c->live++;
    return q;
}

/* A state takes every block from its allocator and gives every one back;
 * a context's own state uses its program's, like the rest of the context. */
START_TEST(the_state_uses_the_configured_allocator)
{
    counting c = {0, 0};
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.alloc = count_alloc;
    cfg.alloc_ud = &c;
    cbr_compiler *comp = t_compiler_new(&cfg);
    const char *src = "offer \"o\" { limit 1 per user per day when amount > 0 then cashback 1.00 }\n";
    ck_assert_int_eq(cbr_compiler_add_source(comp, "t.cbr", src, strlen(src), NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_check(comp, NULL), CBR_OK);
    cbr_program *p = NULL;
    cbr_error err;
    ck_assert_int_eq(cbr_compiler_program(comp, &p, &err), CBR_OK);
    cbr_compiler_free(comp);
    cbr_context *ctx = t_context_new(p, 0);
    cbr_batch *b = t_batch_new(p, 0);
    for (int i = 0; i < 3000; i++) {
        char user[16];
        snprintf(user, sizeof user, "u%d", i);
        char tid[16];
        snprintf(tid, sizeof tid, "t%d", i);
        add(b, p, tid, user, "5.00", "2026-03-13T10:00:00Z");
        if (cbr_batch_rows(b) == cbr_batch_capacity(b)) {
            ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, &err), CBR_OK);
            cbr_batch_clear(b);
        }
    }
    ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, &err), CBR_OK);
    ck_assert_uint_eq(cbr_state_count(cbr_context_state(ctx)), 3000);
    cbr_batch_free(b);
    cbr_context_free(ctx);
    cbr_program_free(p);
    ck_assert_int_eq(c.live, 0);

    counting d = {0, 0};
    cbr_config scfg;
    cbr_config_init(&scfg);
    scfg.alloc = count_alloc;
    scfg.alloc_ud = &d;
    cbr_state *st;
    ck_assert_int_eq(cbr_state_new(&scfg, &st, NULL), CBR_OK);
    cbr_store s = cbr_state_store(st);
    cbr_reservation r = {"b|o|USD", 7, 1, 10, 0};
    int granted;
    ck_assert_int_eq(s.reserve(s.ud, &r, 1, &granted), CBR_OK);
    ck_assert_int_gt(d.live, 0);
    cbr_state_free(st);
    ck_assert_int_eq(d.live, 0);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("store");
    UNIT_TCASE(s, "contract", a_store_failing_at_any_call_settles_whole_rows,
               a_store_failing_at_any_call_counts_whole_rows_in_tallies,
               two_threads_sharing_a_store_never_overspend, reserve_is_all_or_nothing,
               a_store_of_an_older_size_is_refused, room_never_exceeds_the_budget);
    UNIT_TCASE(s, "snapshot", state_load_is_all_or_nothing, state_load_refuses_overflow_without_wrapping,
               state_load_refuses_negative_counters_and_nul, state_keys_of_any_shape_round_trip,
               total_and_paced_counters_round_trip,
               changes_are_listed_once_until_forgotten, the_state_uses_the_configured_allocator);
    return s;
}

UNIT_MAIN(make_suite)
