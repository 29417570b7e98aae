/* check_pool.c: the job queue of `cbrc run --jobs` (hosts/pool.c) and the
 * library calls it relies on.  Jobs all run, a pool of one thread runs them
 * in the order they came, a stopped pool has finished what was queued, and
 * batches evaluated on the pool's threads and settled in order on one
 * store award what cbr_eval awards on one context.  cbr_context_latest
 * tells which of several contexts knows the current period of a paced
 * budget.  Run under ThreadSanitizer too (scripts/test.sh). */
#include <stdbool.h>
#include <stdint.h>
#include <cbr.h>
#include "hosts/pool.h"
#include "tests/unit/unit.h"
#include "tests/unit/run_rows.h"

/* ---- helpers ---- */

/* A row in USD (run_rows.h's add_row). */
static void add(cbr_batch *b, const cbr_program *p, const char *tid, const char *user, const char *amount,
                const char *ts)
{
    char row[256];
    int n = snprintf(row, sizeof row, "tid=%s;user_id=%s;amount=%s;currency=USD;timestamp=%s", tid, user, amount, ts);
    ck_assert(n > 0 && (size_t)n < sizeof row);
    add_row(b, p, row, (size_t)n);
}

static size_t offer(const cbr_program *p, const char *id)
{
    for (size_t i = 0; i < cbr_program_offer_count(p); i++)
        if (!strcmp(cbr_program_offer_id(p, i), id))
            return i;
    ck_abort_msg("no offer %s", id);
    return 0;
}

/* Awards as "row offer amount" lines. */
typedef struct lines {
    char text[65536];
    size_t n;
} lines;

static void line_of(void *ud, const cbr_award *a)
{
    lines *l = ud;
    char amount[32];
    cbr_award_amount(a, amount, sizeof amount);
    int w = snprintf(l->text + l->n, sizeof l->text - l->n, "%zu %s %s\n", a->row, a->offer_id, amount);
    ck_assert(w > 0 && (size_t)w < sizeof l->text - l->n);
    l->n += (size_t)w;
}

/* ---- the queue ---- */

typedef struct counted {
    hjob job;
    int *order;                 /* where it writes its number, in turn */
    int *next;
    int me;
} counted;

static void count(hjob *j)
{
    counted *c = j->ud;
    c->order[(*c->next)++] = c->me;
}

START_TEST(one_thread_runs_jobs_in_the_order_they_came)
{
    hpool *pool = hpool_start(1);
    ck_assert_ptr_nonnull(pool);
    enum { N = 200 };
    static counted c[N];
    int order[N], next = 0;
    for (int i = 0; i < N; i++) {
        c[i] = (counted){.job = {.fn = count}, .order = order, .next = &next, .me = i};
        c[i].job.ud = &c[i];
        hpool_submit(pool, &c[i].job);
    }
    hpool_wait(pool, &c[N - 1].job);
    ck_assert_int_eq(next, N);
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(order[i], i);
    hpool_stop(pool);
}
END_TEST

static void add_one(hjob *j)
{
    __atomic_fetch_add((int *)j->ud, 1, __ATOMIC_RELAXED);
}

START_TEST(stopping_finishes_what_is_queued)
{
    hpool *pool = hpool_start(3);
    ck_assert_ptr_nonnull(pool);
    enum { N = 500 };
    static hjob jobs[N];
    int done = 0;
    for (int i = 0; i < N; i++) {
        jobs[i] = (hjob){.fn = add_one, .ud = &done};
        hpool_submit(pool, &jobs[i]);
    }
    hpool_stop(pool);
    ck_assert_int_eq(done, N);
    for (int i = 0; i < N; i++)
        ck_assert(jobs[i].done);
}
END_TEST

/* ---- evaluating on the pool, settling in order ---- */

static const char *const ten_percent =
    "offer \"ten\" { limit 3.00 per user per day\n"
    "  when amount >= 5 then cashback 10% }\n"
    "offer \"flat\" { budget 20.00 when amount >= 50 then cashback 2.00 }\n";

/* Batch k of rows: users u0..u4, amounts that cross both offers' limits. */
static void fill(cbr_batch *b, const cbr_program *p, int k, int rows)
{
    for (int i = 0; i < rows; i++) {
        char tid[32], user[16], amount[16], ts[32];
        int n = k * rows + i;
        snprintf(tid, sizeof tid, "t%d", n);
        snprintf(user, sizeof user, "u%d", n % 5);
        snprintf(amount, sizeof amount, "%d.50", 3 + n * 7 % 90);
        snprintf(ts, sizeof ts, "2026-03-%02dT%02d:00:00Z", 1 + n / 24 % 28, n % 24);
        add(b, p, tid, user, amount, ts);
    }
}

START_TEST(batches_evaluated_on_threads_award_what_one_context_does)
{
    enum { BATCHES = 12, ROWS = 9, SLOTS = 4 };
    cbr_program *p = prog_from_source(ten_percent);
    /* One context, cbr_eval batch after batch. */
    lines want = {0};
    cbr_context *one = t_context_new(p, ROWS);
    cbr_batch *b = t_batch_new(p, ROWS);
    for (int k = 0; k < BATCHES; k++) {
        cbr_batch_clear(b);
        fill(b, p, k, ROWS);
        ck_assert_int_eq(cbr_eval(one, b, line_of, &want, NULL), CBR_OK);
    }
    /* Four contexts over the first one's store, evaluated by two threads,
     * settled in order here. */
    lines got = {0};
    hpool *pool = hpool_start(2);
    ck_assert_ptr_nonnull(pool);
    hjob jobs[SLOTS];
    for (int s = 0; s < SLOTS; s++) {
        jobs[s] = (hjob){.fn = hpool_evaluate, .ctx = t_context_new(p, ROWS), .b = t_batch_new(p, ROWS)};
        ck_assert_ptr_nonnull(jobs[s].ctx);
        if (s > 0) {
            cbr_store own = cbr_state_store(cbr_context_state(jobs[0].ctx));
            ck_assert_int_eq(cbr_context_set_store(jobs[s].ctx, &own, NULL), CBR_OK);
        }
    }
    for (int k = 0; k < BATCHES + SLOTS; k++) {
        hjob *j = &jobs[k % SLOTS];
        if (k >= SLOTS) { /* the batch this slot held, SLOTS batches ago */
            hpool_wait(pool, j);
            ck_assert_int_eq(j->st, CBR_OK);
            ck_assert_int_eq(cbr_settle(j->ctx, line_of, &got, NULL), CBR_OK);
        }
        if (k < BATCHES) {
            cbr_batch_clear(j->b);
            fill(j->b, p, k, ROWS);
            hpool_submit(pool, j);
        }
    }
    hpool_stop(pool);
    ck_assert_uint_gt(want.n, 0);
    ck_assert_str_eq(got.text, want.text);
    /* The budget was spent in one store: what is left is the same. */
    int64_t left_one, left;
    ck_assert_int_eq(cbr_context_budget_left(one, offer(p, "flat"), 0, "USD", &left_one, NULL, NULL, NULL), CBR_OK);
    ck_assert_int_eq(cbr_context_budget_left(jobs[0].ctx, offer(p, "flat"), 0, "USD", &left, NULL, NULL, NULL), CBR_OK);
    ck_assert_int_eq(left, left_one);
    for (int s = 0; s < SLOTS; s++) {
        cbr_context_free(jobs[s].ctx);
        cbr_batch_free(jobs[s].b);
    }
    cbr_context_free(one);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

/* ---- cbr_context_latest ---- */

START_TEST(latest_is_the_latest_timestamp_a_context_settled)
{
    cbr_program *p = prog_from_source("offer \"pot\" { budget 5.00 per day when amount >= 1 then cashback 1.00 }\n");
    cbr_context *a = t_context_new(p, 4), *c = t_context_new(p, 4);
    cbr_store own = cbr_state_store(cbr_context_state(a));
    ck_assert_int_eq(cbr_context_set_store(c, &own, NULL), CBR_OK);
    cbr_batch *b = t_batch_new(p, 4);
    int64_t t = 0;
    ck_assert_int_eq(cbr_context_latest(a, &t), 0);
    ck_assert_int_eq(cbr_context_latest(NULL, &t), 0);
    /* The latest in time, not the last in input order. */
    add(b, p, "t1", "u1", "2.00", "2026-03-02T10:00:00Z");
    add(b, p, "t2", "u1", "2.00", "2026-03-01T10:00:00Z");
    ck_assert_int_eq(cbr_eval(a, b, NULL, NULL, NULL), CBR_OK);
    ck_assert_int_eq(cbr_context_latest(a, &t), 1);
    ck_assert_int_eq(t, 1772445600); /* 2026-03-02T10:00:00Z */
    ck_assert_int_eq(cbr_context_latest(c, &t), 0);
    /* c settles the next day: its period is the current one, a's is not. */
    cbr_batch_clear(b);
    add(b, p, "t3", "u2", "2.00", "2026-03-03T10:00:00Z");
    add(b, p, "t4", "u2", "2.00", "2026-03-03T09:00:00Z");
    ck_assert_int_eq(cbr_eval(c, b, NULL, NULL, NULL), CBR_OK);
    ck_assert_int_eq(cbr_context_latest(c, &t), 1);
    ck_assert_int_eq(t, 1772532000);
    int64_t left_a, left_c;
    ck_assert_int_eq(cbr_context_budget_left(a, 0, 0, "USD", &left_a, NULL, NULL, NULL), CBR_OK);
    ck_assert_int_eq(cbr_context_budget_left(c, 0, 0, "USD", &left_c, NULL, NULL, NULL), CBR_OK);
    ck_assert_int_eq(left_a, 400); /* 2026-03-02: t1 */
    ck_assert_int_eq(left_c, 300); /* 2026-03-03: t3 and t4 */
    cbr_batch_free(b);
    cbr_context_free(a);
    cbr_context_free(c);
    cbr_program_free(p);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("pool");
    TCase *q = tcase_create("queue");
    tcase_add_test(q, one_thread_runs_jobs_in_the_order_they_came);
    tcase_add_test(q, stopping_finishes_what_is_queued);
    suite_add_tcase(s, q);
    TCase *e = tcase_create("evaluate");
    tcase_add_test(e, batches_evaluated_on_threads_award_what_one_context_does);
    tcase_add_test(e, latest_is_the_latest_timestamp_a_context_settled);
    suite_add_tcase(s, e);
    return s;
}

UNIT_MAIN(make_suite)
