/* check_best.c: best-of exclusive groups (`exclusive "G" best`), end to
 * end: the group's one award goes to the largest award after limits, ties
 * to the evaluation order, measured against the row's state where the
 * group's first member comes up and granted there.  Each scenario runs from
 * source and from a bundle round trip, in one batch and a batch per row,
 * and must give the same awards and state each time.  Then the bundle: the
 * flag is carried, and the verifier refuses a group whose offers disagree
 * and the flag without a group.  Language reference: "Best-of groups". */
#include "config.h"
#include "tests/unit/run_rows.h"
#include "tests/unit/bundle_bytes.h"

/* A row of u1 in USD at the given instant. */
#define U1(tid, ts) "tid=" tid ";user_id=u1;amount=20.00;currency=USD;timestamp=" ts "\n"
#include "vm/program.h"

/* A row of u1 in USD with the given amount. */
#define R(tid, amount) "tid=" tid ";user_id=u1;amount=" amount ";currency=USD;timestamp=2026-03-13T15:00:00Z\n"

/* ---- choosing the winner ---- */

START_TEST(two_members_largest_wins)
{
    CHECK_RUN("offer \"a\" { exclusive \"g\" best when amount > 0 then cashback 10% }\n"
              "offer \"b\" { exclusive \"g\" best when amount > 0 then cashback 1.50 }\n",
              R("t1", "20.00") R("t2", "10.00") R("t3", "15.00"),
              "t1 a 2.00 USD\n"
              "t2 b 1.50 USD\n"
              "t3 a 1.50 USD\n", /* a tie: a comes first by id */
              "");
}
END_TEST

/* The group's award is printed where its first member comes up in priority
 * order, between the offers around it. */
START_TEST(three_members_granted_at_the_first)
{
    const char *src = "offer \"hi\" { priority 5 when amount > 0 then cashback 1.00 }\n"
                      "offer \"m1\" { priority 3 exclusive \"g\" best when amount > 0 then cashback 1% }\n"
                      "offer \"mid\" { priority 2 when amount > 0 then cashback 0.10 }\n"
                      "offer \"m2\" { priority 1 exclusive \"g\" best when amount > 0 then cashback 2.00 }\n"
                      "offer \"m3\" { exclusive \"g\" best when amount > 0 then cashback 3% }\n";
    CHECK_RUN(src, R("t1", "20.00") R("t2", "100.00") R("t3", "50.00"),
              "t1 hi 1.00 USD\n"
              "t1 m2 2.00 USD\n"
              "t1 mid 0.10 USD\n"
              "t2 hi 1.00 USD\n"
              "t2 m3 3.00 USD\n"
              "t2 mid 0.10 USD\n"
              "t3 hi 1.00 USD\n"
              "t3 m2 2.00 USD\n" /* m3 pays 1.50 */
              "t3 mid 0.10 USD\n",
              "");
}
END_TEST

START_TEST(ties_go_to_priority_then_id)
{
    CHECK_RUN("offer \"a\" { priority 1 exclusive \"g\" best when amount > 0 then cashback 1.00 }\n"
              "offer \"z\" { priority 2 exclusive \"g\" best when amount > 0 then cashback 1.00 }\n",
              R("t1", "20.00"), "t1 z 1.00 USD\n", "");
    CHECK_RUN("offer \"b\" { exclusive \"g\" best when amount > 0 then cashback 1.00 }\n"
              "offer \"a\" { exclusive \"g\" best when amount > 0 then cashback 1.00 }\n",
              R("t1", "20.00"), "t1 a 1.00 USD\n", "");
}
END_TEST

/* A member whose clause does not hold is no candidate: the group's first
 * member is then the first whose clause holds. */
START_TEST(only_members_whose_clause_holds)
{
    CHECK_RUN("offer \"a\" { priority 3 exclusive \"g\" best when amount > 100 then cashback 50.00 }\n"
              "offer \"x\" { priority 2 when amount > 0 then cashback 0.01 }\n"
              "offer \"b\" { priority 1 exclusive \"g\" best when amount > 0 then cashback 1.00 }\n",
              R("t1", "20.00") R("t2", "200.00"),
              "t1 x 0.01 USD\n"
              "t1 b 1.00 USD\n"
              "t2 a 50.00 USD\n"
              "t2 x 0.01 USD\n",
              "");
}
END_TEST

/* A best-of group and a first-hit group in one row: each its own way. */
START_TEST(best_and_first_hit_groups_side_by_side)
{
    CHECK_RUN("offer \"x1\" { priority 1 exclusive \"best\" best when amount > 0 then cashback 1.00 }\n"
              "offer \"x2\" { exclusive \"best\" best when amount > 0 then cashback 2.00 }\n"
              "offer \"y1\" { priority 1 exclusive \"first\" when amount > 0 then cashback 1.00 }\n"
              "offer \"y2\" { exclusive \"first\" when amount > 0 then cashback 5.00 }\n",
              R("t1", "20.00"),
              "t1 x2 2.00 USD\n"
              "t1 y1 1.00 USD\n",
              "");
}
END_TEST

/* ---- after limits ---- */

/* big's limit leaves it 1.00 from the second row on: small's 2.00 is
 * larger, and only the winner counts against its limits. */
START_TEST(a_member_cut_by_its_limit_loses_to_a_smaller_uncut_one)
{
    const char *src = "offer \"big\" { exclusive \"g\" best limit 6.00 per user when amount > 0 then cashback 5.00 }\n"
                      "offer \"small\" { exclusive \"g\" best limit 100.00 per user when amount > 0 then cashback 2.00 }\n";
    CHECK_RUN(src, R("t1", "20.00") R("t2", "20.00") R("t3", "20.00"),
              "t1 big 5.00 USD\n"
              "t2 small 2.00 USD\n"
              "t3 small 2.00 USD\n",
              "a|big|u1|-|*\t50000\n"
              "a|small|u1|-|*\t40000\n");
    /* Cut to 1.00, big still beats 0.50, and is granted cut. */
    CHECK_RUN("offer \"big\" { exclusive \"g\" best limit 6.00 per user when amount > 0 then cashback 5.00 }\n"
              "offer \"small\" { exclusive \"g\" best when amount > 0 then cashback 0.50 }\n",
              R("t1", "20.00") R("t2", "20.00") R("t3", "20.00"),
              "t1 big 5.00 USD\n"
              "t2 big 1.00 USD cut\n"
              "t3 small 0.50 USD\n",
              "a|big|u1|-|*\t60000\n");
}
END_TEST

START_TEST(a_member_dropped_by_its_budget_the_next_wins)
{
    CHECK_RUN("offer \"first\" { priority 1 exclusive \"g\" best budget 5.00 when amount > 0 then cashback 5.00 }\n"
              "offer \"second\" { exclusive \"g\" best when amount > 0 then cashback 1.00 }\n",
              R("t1", "20.00") R("t2", "20.00"),
              "t1 first 5.00 USD\n"
              "t2 second 1.00 USD\n",
              "b|first|*\t50000\n");
}
END_TEST

START_TEST(no_partial_measures_as_dropped)
{
    CHECK_RUN("offer \"np\" { exclusive \"g\" best limit 6.00 per user no partial\n"
              "              when amount > 0 then cashback 5.00 }\n"
              "offer \"other\" { exclusive \"g\" best when amount > 0 then cashback 0.50 }\n",
              R("t1", "20.00") R("t2", "20.00"),
              "t1 np 5.00 USD\n"
              "t2 other 0.50 USD\n",
              "a|np|u1|-|*\t50000\n");
}
END_TEST

/* No member awards anything: the group awards nothing, and counts nothing. */
START_TEST(no_member_awards)
{
    CHECK_RUN("offer \"a\" { exclusive \"g\" best limit 1 per user when amount > 0 then cashback 1.00 }\n"
              "offer \"b\" { exclusive \"g\" best budget 1.00 when amount > 0 then cashback 1.00 }\n",
              R("t1", "20.00") R("t2", "20.00") R("t3", "20.00")
              "tid=t4;amount=20.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n",
              "t1 a 1.00 USD\n"
              "t2 b 1.00 USD\n",
              "b|b|*\t10000\n"
              "n|a|u1|-\t1\n");
}
END_TEST

/* ---- the state as it stands at the first member ---- */

/* early's award, earlier in the row, leaves m1 2.00 of the campaign's 6.00:
 * m2's 2.50 is larger.  Without early, m1's 3.00 wins. */
START_TEST(an_earlier_award_of_the_row_reduces_a_member)
{
    CHECK_RUN("campaign \"c\" { budget 6.00 }\n"
              "offer \"early\" { campaign \"c\" priority 5 when amount > 0 then cashback 4.00 }\n"
              "offer \"m1\" { campaign \"c\" priority 1 exclusive \"g\" best when amount > 0 then cashback 3.00 }\n"
              "offer \"m2\" { exclusive \"g\" best when amount > 0 then cashback 2.50 }\n",
              R("t1", "20.00") R("t2", "20.00"),
              "t1 early 4.00 USD\n"
              "t1 m2 2.50 USD\n"
              "t2 early 2.00 USD cut\n"
              "t2 m2 2.50 USD\n",
              "c|c|*\t60000\n");
    CHECK_RUN("campaign \"c\" { budget 6.00 }\n"
              "offer \"m1\" { campaign \"c\" priority 1 exclusive \"g\" best when amount > 0 then cashback 3.00 }\n"
              "offer \"m2\" { exclusive \"g\" best when amount > 0 then cashback 2.50 }\n",
              R("t1", "20.00") R("t2", "20.00") R("t3", "20.00"),
              "t1 m1 3.00 USD\n"
              "t2 m1 3.00 USD\n"
              "t3 m2 2.50 USD\n",
              "c|c|*\t60000\n");
}
END_TEST

/* The winner counts at once: a later offer of the same campaign in the
 * row sees its award. */
START_TEST(the_winner_counts_for_later_offers_of_the_row)
{
    CHECK_RUN("campaign \"c\" { budget 5.00 }\n"
              "offer \"m1\" { campaign \"c\" priority 2 exclusive \"g\" best when amount > 0 then cashback 4.00 }\n"
              "offer \"m2\" { priority 2 exclusive \"g\" best when amount > 0 then cashback 1.00 }\n"
              "offer \"late\" { campaign \"c\" when amount > 0 then cashback 3.00 }\n",
              R("t1", "20.00"),
              "t1 m1 4.00 USD\n"
              "t1 late 1.00 USD cut\n",
              "c|c|*\t50000\n");
}
END_TEST

/* Two members of one campaign are each measured against the budget as it
 * stands, not after the other: 4.00 and 3.00 of 5.00, so a wins with 4.00. */
START_TEST(members_do_not_see_each_other)
{
    CHECK_RUN("campaign \"c\" { budget 5.00 }\n"
              "offer \"a\" { campaign \"c\" exclusive \"g\" best when amount > 0 then cashback 3.00 }\n"
              "offer \"b\" { campaign \"c\" exclusive \"g\" best when amount > 0 then cashback 4.00 }\n",
              R("t1", "20.00") R("t2", "20.00"),
              "t1 b 4.00 USD\n"
              "t2 a 1.00 USD cut\n", /* a tie at 1.00: a comes first by id */
              "c|c|*\t50000\n");
}
END_TEST

/* ---- a shared store that another writer spends from ---- */

typedef struct racing {
    cbr_store inner;
    unsigned reserves, refused;
} racing;

static cbr_status r_get(void *ud, const char *key, size_t len, int64_t *value)
{
    racing *r = ud;
    return r->inner.get(r->inner.ud, key, len, value);
}

/* Before the first reservation, another writer takes 4.00 of big's budget
 * (a pot: written without a currency, in units of 10^-4). */
static cbr_status r_reserve(void *ud, cbr_reservation *items, size_t n, int *granted)
{
    racing *r = ud;
    if (r->reserves++ == 0) {
        cbr_reservation other = {"b|big|*", 7, 40000, INT64_MAX, 0};
        int ok = 0;
        cbr_status s = r->inner.reserve(r->inner.ud, &other, 1, &ok);
        if (s != CBR_OK || !ok)
            return CBR_ERR_STATE;
    }
    cbr_status s = r->inner.reserve(r->inner.ud, items, n, granted);
    if (s == CBR_OK && !*granted)
        r->refused++;
    return s;
}

/* big won the row against the budget it read; its reservation is refused
 * because another writer spent meanwhile, and the row decided again gives
 * the group to small: big has only 1.00 left. */
START_TEST(a_refused_reservation_decides_the_group_again)
{
    cbr_program *p = prog_from_source(
        "offer \"big\" { exclusive \"g\" best budget 5.00 when amount > 0 then cashback 5.00 }\n"
        "offer \"small\" { exclusive \"g\" best when amount > 0 then cashback 2.00 }\n");
    cbr_state *st = t_state_new();
    ck_assert_ptr_nonnull(st);
    racing r = {cbr_state_store(st), 0, 0};
    cbr_store store = {.size = sizeof store, .ud = &r, .get = r_get, .reserve = r_reserve};
    cbr_context *ctx = t_context_new(p, 0);
    ck_assert_int_eq(cbr_context_set_store(ctx, &store, NULL), CBR_OK);
    char *got = run_rows(ctx, p, R("t1", "20.00"), false);
    ck_assert_str_eq(got, "t1 small 2.00 USD\n");
    ck_assert_uint_eq(r.refused, 1);
    char *state = state_text(st);
    ck_assert_str_eq(state, "b|big|*\t40000\n");
    free(state);
    free(got);
    cbr_context_free(ctx);
    cbr_state_free(st);
    cbr_program_free(p);
}
END_TEST

/* ---- the bundle ---- */

static const char BEST[] = "offer \"a\" { exclusive \"g\" best when amount > 0 then cashback 1.00 }\n"
                           "offer \"b\" { exclusive \"g\" best when amount > 0 then cashback 2.00 }\n"
                           "offer \"c\" { when amount > 0 then cashback 3.00 }\n";
static const char PLAIN[] = "offer \"a\" { exclusive \"g\" when amount > 0 then cashback 1.00 }\n"
                            "offer \"b\" { exclusive \"g\" when amount > 0 then cashback 2.00 }\n"
                            "offer \"c\" { when amount > 0 then cashback 3.00 }\n";

#define SETTLEMENT 14

/* A first-hit group keeps its 13 sections (its bytes and hash as before);
 * best-of needs the settlement section, which carries the flag, and the
 * disassembly shows it. */
START_TEST(the_flag_is_in_the_settlement_section)
{
    size_t n;
    uint8_t *d = bundle_of(PLAIN, &n);
    ck_assert_uint_eq(get32(d + 12), 13);
    free(d);
    d = bundle_of(BEST, &n);
    ck_assert_uint_eq(get32(d + 12), 14);
    size_t at = sec_off(d, SETTLEMENT);
    ck_assert_uint_eq(get32(d + at), 0);     /* no campaigns */
    ck_assert_uint_eq(get32(d + at + 4), 3); /* three offers: period, flags */
    ck_assert_uint_eq(d[at + 8 + 1], XO_BEST);
    ck_assert_uint_eq(d[at + 8 + 3], XO_BEST);
    ck_assert_uint_eq(d[at + 8 + 5], 0);
    cbr_program *p = NULL;
    cbr_error err;
    ck_assert_msg(cbr_program_load(NULL, d, n, &p, &err) == CBR_OK, "%s", err.message);
    char *text = NULL;
    ck_assert_int_eq(cbr_program_disasm(p, &text, NULL, &err), CBR_OK);
    ck_assert_ptr_nonnull(strstr(text, "offer 0 \"a\" priority 0 zone UTC rounding down exclusive \"g\" best\n"));
    ck_assert_ptr_null(strstr(text, "\"c\" priority 0 zone UTC rounding down best"));
    cbr_free(text);
    cbr_program_free(p);
    free(d);
}
END_TEST

/* Damaged flags, checksums resealed so that the verifier sees them. */
START_TEST(the_verifier_refuses_a_group_that_disagrees)
{
    size_t n;
    uint8_t *d = bundle_of(BEST, &n);
    size_t at = sec_off(d, SETTLEMENT) + 8;
    d[at + 3] = 0; /* b is no longer best-of */
    cbrx_seal(d, n);
    ck_refused(d, n, "offers 0 (\"a\") and 1 (\"b\") of exclusive group \"g\" disagree on best-of");
    d[at + 3] = XO_BEST;
    d[at + 5] = XO_BEST; /* c has no group */
    cbrx_seal(d, n);
    ck_refused(d, n, "offer 2 (\"c\"): best-of flag without an exclusive group");
    d[at + 5] = 0x08; /* a flag this cbr does not know */
    cbrx_seal(d, n);
    ck_refused(d, n, "offer 2 (\"c\"): unknown flags 0x8");
    d[at + 5] = 0;
    cbrx_seal(d, n);
    cbr_program *p = NULL;
    cbr_error err;
    ck_assert_msg(cbr_program_load(NULL, d, n, &p, &err) == CBR_OK, "%s", err.message);
    cbr_program_free(p);
    free(d);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("best");
    UNIT_TCASE(s, "winner", two_members_largest_wins, three_members_granted_at_the_first,
               ties_go_to_priority_then_id, only_members_whose_clause_holds,
               best_and_first_hit_groups_side_by_side);
    UNIT_TCASE(s, "limits", a_member_cut_by_its_limit_loses_to_a_smaller_uncut_one,
               a_member_dropped_by_its_budget_the_next_wins, no_partial_measures_as_dropped, no_member_awards);
    UNIT_TCASE(s, "state", an_earlier_award_of_the_row_reduces_a_member, the_winner_counts_for_later_offers_of_the_row,
               members_do_not_see_each_other, a_refused_reservation_decides_the_group_again);
    UNIT_TCASE(s, "bundle", the_flag_is_in_the_settlement_section, the_verifier_refuses_a_group_that_disagrees);
    return s;
}

UNIT_MAIN(make_suite)
