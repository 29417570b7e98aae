/* check_stream_shared.c: a fleet's leased counters (hosts/stream/shared.c)
 * and the reservations of ledger.c that use them.
 *
 * The leases here are kept by a pool in memory that follows the rules
 * stream.h gives stream_store_lease and stream_store_spend (the real one
 * is PostgreSQL's, store_pg.c, tested end to end by tests/stream/fleet.sh
 * and budget.sh): what is spent plus every lease's room stays within the
 * maximum, a slice is max(need, min(slice, avail / 4)), and spending more
 * than a lease holds, or from a lease that is gone, is refused. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hosts/stream/store_int.h"
#include "tests/unit/unit.h"

enum { OWNERS = 3 };


/* One shared counter, three owners. */
typedef struct pool {
    stream_store base;
    int64_t used, room[OWNERS];
    bool gone[OWNERS];          /* the owner's lease expired */
    int leases, spends;
} pool;

static int who(const char *owner) { return owner[0] - 'a'; }

static int p_lease(stream_store *s, const char *key, size_t len, int64_t max, int64_t need, int64_t slice,
                   const char *owner, long seconds, int64_t *granted, int64_t *claims)
{
    (void)key, (void)len, (void)seconds;
    pool *p = (pool *)s;
    int o = who(owner);
    p->leases++;
    if (p->gone[o]) {
        p->room[o] = 0;
        p->gone[o] = false;
    }
    int64_t others = 0;
    for (int i = 0; i < OWNERS; i++)
        others += i == o ? 0 : p->room[i];
    int64_t avail = max - p->used - others - p->room[o], g = 0;
    if (avail > 0) {
        g = slice < avail / 4 ? slice : avail / 4;
        g = g > need ? g : need;
        g = g < avail ? g : avail;
    }
    p->room[o] += g;
    *granted = g;
    *claims = p->used + others;
    return 0;
}

static int p_spend(stream_store *s, const char *key, size_t len, int64_t delta, const char *owner, long seconds)
{
    (void)key, (void)len, (void)seconds;
    pool *p = (pool *)s;
    int o = who(owner);
    p->spends++;
    if (delta > 0) {
        if (p->gone[o] || p->room[o] < delta)
            return -4;
        p->room[o] -= delta;
    }
    p->used += delta;
    return 0;
}

static int p_peek(stream_store *s, const char *key, size_t len, const char *owner, int64_t *claims)
{
    (void)key, (void)len;
    pool *p = (pool *)s;
    *claims = p->used;
    for (int i = 0; i < OWNERS; i++)
        *claims += i == who(owner) ? 0 : p->room[i];
    return 0;
}

static int p_release(stream_store *s, const char *owner)
{
    ((pool *)s)->room[who(owner)] = 0;
    return 0;
}

static const stream_store_ops pool_ops = {.lease = p_lease, .spend = p_spend, .peek = p_peek,
                                     .release = p_release};

#define KEY "c|spring|USD"

/* One reservation of delta under max, as the VM makes it. */
static bool reserve(stream_shared *s, int64_t delta, int64_t max, int64_t *value)
{
    bool fits;
    ck_assert_int_eq(stream_shared_check(s, KEY, strlen(KEY), delta, max, value, &fits), CBR_OK);
    if (fits)
        stream_shared_take(s, KEY, strlen(KEY), delta);
    return fits;
}

static void commit(stream_shared *s)
{
    ck_assert_int_eq(stream_shared_write(s), 0);
    stream_shared_committed(s);
}

START_TEST(budgets_and_totals_are_shared_and_limits_and_tallies_are_per_user)
{
    ck_assert(stream_key_shared("c|spring|USD", 12));
    ck_assert(stream_key_shared("b|offer|2026-03|*", 17));
    ck_assert(stream_key_shared("t|first|-", 9));
    ck_assert(!stream_key_shared("n|offer|u1|-", 12));
    ck_assert(!stream_key_shared("a|offer|u1|-|USD", 16));
    ck_assert(!stream_key_shared("k|visits|u1|-", 13));
    ck_assert(!stream_key_shared("s|spend|u1|-|USD", 16));
}
END_TEST

/* A key never leased reads 0; the first reservation leases a slice (5% of
 * 10000 is 500, more than a quarter of what is there is not), spends from
 * it locally and writes the spending once, at the commit. */
START_TEST(a_slice_is_leased_once_and_spent_locally_until_the_commit)
{
    pool p = {.base = {.ops = &pool_ops, .shared = true}};
    stream_shared *s = stream_shared_new(&p.base, "a", 5, 30);
    int64_t v;
    ck_assert_int_eq(stream_shared_get(s, KEY, strlen(KEY), &v), CBR_OK);
    ck_assert_int_eq(v, 0);
    ck_assert(reserve(s, 100, 10000, &v));
    ck_assert_int_eq(v, 0);
    ck_assert(reserve(s, 300, 10000, &v));
    ck_assert_int_eq(v, 100);
    ck_assert_int_eq(p.leases, 1);
    ck_assert_int_eq(p.room[0], 500);
    ck_assert_int_eq(stream_shared_each(s, NULL, NULL), 1);
    commit(s);
    ck_assert_int_eq(p.used, 400);
    ck_assert_int_eq(p.room[0], 100);
    ck_assert_int_eq(stream_shared_get(s, KEY, strlen(KEY), &v), CBR_OK);
    ck_assert_int_eq(v, 400);
    /* More than the room left: a second lease, at least what is needed. */
    ck_assert(reserve(s, 700, 10000, &v));
    ck_assert_int_eq(p.leases, 2);
    commit(s);
    ck_assert_int_eq(p.used, 1100);
    stream_shared_free(s);
}
END_TEST

/* Three owners spend one budget in turns, far past it: never more than
 * it in all, and at the end each refusal reports the value that leaves
 * exactly its own room, so that a row decided again asks for no more. */
START_TEST(three_owners_never_spend_past_the_budget_and_strand_little)
{
    pool p = {.base = {.ops = &pool_ops, .shared = true}};
    const char *names[OWNERS] = {"a", "b", "c"};
    stream_shared *s[OWNERS];
    for (int i = 0; i < OWNERS; i++)
        s[i] = stream_shared_new(&p.base, names[i], 5, 30);
    int64_t granted = 0, max = 4000;
    unsigned seed = 7;
    for (int round = 0; round < 400; round++) {
        int o = round % OWNERS;
        seed = seed * 1103515245u + 12345u;
        int64_t want = 1 + (int64_t)(seed >> 16) % 90, v;
        if (reserve(s[o], want, max, &v)) {
            granted += want;
        } else {
            ck_assert_int_ge(v, 0);
            ck_assert_int_le(v, max);
            /* The row decided again asks for the room the value leaves. */
            int64_t left = max - v;
            if (left > 0) {
                ck_assert(reserve(s[o], left, max, &v));
                granted += left;
            }
        }
        if (round % 5 == 4)
            commit(s[o]);
        ck_assert_int_le(p.used + p.room[0] + p.room[1] + p.room[2], max);
    }
    for (int i = 0; i < OWNERS; i++)
        commit(s[i]);
    ck_assert_int_le(granted, max);
    ck_assert_int_eq(p.used, granted);
    /* Near the end the slices shrink: little is stranded in the leases. */
    ck_assert_int_ge(granted, max - 100);
    for (int i = 0; i < OWNERS; i++) {
        ck_assert_int_eq(stream_shared_release(s[i]), 0);
        stream_shared_free(s[i]);
    }
    ck_assert_int_eq(p.room[0] + p.room[1] + p.room[2], 0);
}
END_TEST

/* A lease that expired under a batch: its spending is refused (-4), and
 * forgetting what was known makes the next reservation lease afresh. */
START_TEST(a_lost_lease_refuses_the_spending_and_is_leased_afresh)
{
    pool p = {.base = {.ops = &pool_ops, .shared = true}};
    stream_shared *s = stream_shared_new(&p.base, "a", 5, 30);
    int64_t v;
    ck_assert(reserve(s, 100, 10000, &v));
    p.gone[0] = true;
    ck_assert_int_eq(stream_shared_write(s), -4);
    ck_assert_int_eq(p.used, 0);
    stream_shared_forget(s);
    ck_assert(reserve(s, 100, 10000, &v));
    ck_assert_int_eq(v, 0);
    commit(s);
    ck_assert_int_eq(p.used, 100);
    stream_shared_free(s);
}
END_TEST

/* A refund gives its room back to the pool, not to the lease; a batch
 * evaluated again spends nothing of what its first try took. */
START_TEST(a_refund_goes_back_to_the_pool_and_an_abandoned_batch_spends_nothing)
{
    pool p = {.base = {.ops = &pool_ops, .shared = true}};
    stream_shared *s = stream_shared_new(&p.base, "a", 5, 30);
    int64_t v;
    ck_assert(reserve(s, 200, 10000, &v));
    commit(s);
    ck_assert(reserve(s, -50, 10000, &v));
    ck_assert_int_eq(v, 200);
    commit(s);
    ck_assert_int_eq(p.used, 150);
    ck_assert_int_eq(p.room[0], 300);
    ck_assert(reserve(s, 100, 10000, &v));
    stream_shared_abandon(s);
    commit(s);
    ck_assert_int_eq(p.used, 150);
    stream_shared_free(s);
}
END_TEST

/* The refund of a purchase another instance awarded: this one never
 * leased the budget, and still reads what was spent (the VM gives back no
 * more than a counter holds), so the room goes back. */
START_TEST(a_refund_on_another_instance_sees_what_was_spent)
{
    pool p = {.base = {.ops = &pool_ops, .shared = true}};
    stream_shared *a = stream_shared_new(&p.base, "a", 5, 30), *b = stream_shared_new(&p.base, "b", 5, 30);
    int64_t v;
    ck_assert(reserve(a, 200, 10000, &v));
    commit(a);
    ck_assert_int_eq(stream_shared_get(b, KEY, strlen(KEY), &v), CBR_OK);
    ck_assert_int_eq(v, 200 + p.room[0]);
    ck_assert(reserve(b, -200, 10000, &v));
    commit(b);
    ck_assert_int_eq(p.used, 0);
    ck_assert_int_eq(p.leases, 1);
    stream_shared_free(a);
    stream_shared_free(b);
}
END_TEST

/* Through ledger.c: one reservation holds a per-user limit and a shared
 * budget together; when the budget cannot have it, the per-user counter
 * is not changed either. */
START_TEST(a_reservation_holds_per_user_and_shared_counters_together_or_neither)
{
    pool p = {.base = {.ops = &pool_ops, .shared = true}};
    stream_shared *s = stream_shared_new(&p.base, "a", 5, 30);
    stream_ledger *l = stream_ledger_new(&p.base, s);
    ck_assert_ptr_nonnull(l);
    stream_ledger_loaded(l);
    cbr_store cs = stream_ledger_store(l);
    cbr_reservation items[2] = {{"n|offer|u1|-", 12, 1, 3, 0}, {KEY, strlen(KEY), 600, 1000, 0}};
    int granted;
    ck_assert_int_eq(cs.reserve(cs.ud, items, 2, &granted), CBR_OK);
    ck_assert_int_eq(granted, 1);
    items[1].delta = 500; /* 600 of 1000 taken: 400 are left */
    ck_assert_int_eq(cs.reserve(cs.ud, items, 2, &granted), CBR_OK);
    ck_assert_int_eq(granted, 0);
    ck_assert_int_eq(items[0].value, 1);
    ck_assert_int_eq(items[1].value, 600);
    int64_t v;
    ck_assert_int_eq(cs.get(cs.ud, "n|offer|u1|-", 12, &v), CBR_OK);
    ck_assert_int_eq(v, 1);
    items[1].delta = 400;
    ck_assert_int_eq(cs.reserve(cs.ud, items, 2, &granted), CBR_OK);
    ck_assert_int_eq(granted, 1);
    ck_assert_int_eq(cs.get(cs.ud, KEY, strlen(KEY), &v), CBR_OK);
    ck_assert_int_eq(v, 1000);
    stream_ledger_free(l);
    stream_shared_free(s);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("stream_shared");
    TCase *t = tcase_create("leases");
    tcase_add_test(t, budgets_and_totals_are_shared_and_limits_and_tallies_are_per_user);
    tcase_add_test(t, a_slice_is_leased_once_and_spent_locally_until_the_commit);
    tcase_add_test(t, three_owners_never_spend_past_the_budget_and_strand_little);
    tcase_add_test(t, a_lost_lease_refuses_the_spending_and_is_leased_afresh);
    tcase_add_test(t, a_refund_goes_back_to_the_pool_and_an_abandoned_batch_spends_nothing);
    tcase_add_test(t, a_refund_on_another_instance_sees_what_was_spent);
    tcase_add_test(t, a_reservation_holds_per_user_and_shared_counters_together_or_neither);
    suite_add_tcase(s, t);
    return s;
}

UNIT_MAIN(make_suite)
