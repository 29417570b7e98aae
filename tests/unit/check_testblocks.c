/* check_testblocks.c: cbr_compiler_run_tests, the engine of `cbrc test`. */
#include "unit.h"

static const char src[] =
    "offer \"o\" {\n"
    "    limit 1 per user\n"
    "    when amount >= 10 then cashback 10%\n"
    "}\n"
    "test \"pass\" {\n"
    "    given { tid: \"t1\", user_id: \"u\", amount: 20.00, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z }\n"
    "    expect cashback 2.00 from \"o\"\n"
    "    expect cashback 2 from \"o\"\n"
    "    given { tid: \"t2\", user_id: \"u\", amount: 20.00, currency: \"USD\", timestamp: 2026-03-13T11:00:00Z }\n"
    "    expect no cashback\n"
    "}\n"
    "test \"wrong currency\" {\n"
    "    given { tid: \"t3\", user_id: \"u\", amount: 1000, currency: \"JPY\", timestamp: 2026-03-13T10:00:00Z }\n"
    "    expect cashback 100 USD from \"o\"\n"
    "}\n"
    "test \"jpy\" {\n"
    "    given { tid: \"t4\", user_id: \"u\", amount: 1005, currency: \"JPY\", timestamp: 2026-03-13T10:00:00Z }\n"
    "    expect cashback 100 JPY from \"o\"\n"
    "}\n";

typedef struct seen {
    cbr_test_result r[8];
    char msgs[8][256];
    char whys[8][320];
    int n;
} seen;

static void collect(void *ud, const cbr_test_result *r)
{
    seen *s = ud;
    if (s->n < 8) {
        s->r[s->n] = *r;
        if (r->message) {
            snprintf(s->msgs[s->n], sizeof s->msgs[s->n], "%s", r->message);
            s->r[s->n].message = s->msgs[s->n];
        }
        if (r->why) {
            snprintf(s->whys[s->n], sizeof s->whys[s->n], "%s", r->why);
            s->r[s->n].why = s->whys[s->n];
        }
        s->n++;
    }
}

START_TEST(results_come_in_source_order_with_their_step)
{
    cbr_compiler *c = unit_compile(src);
    cbr_program *p = NULL;
    cbr_error err;
    ck_assert_int_eq(cbr_compiler_program(c, &p, &err), CBR_OK);
    seen s = {.n = 0};
    unsigned passed = 9, failed = 9;
    ck_assert_int_eq(cbr_compiler_run_tests(c, p, collect, &s, &passed, &failed, &err), CBR_OK);
    ck_assert_uint_eq(passed, 2);
    ck_assert_uint_eq(failed, 1);
    ck_assert_int_eq(s.n, 3);
    ck_assert_str_eq(s.r[0].test, "pass");
    ck_assert_int_eq(s.r[0].passed, 1);
    ck_assert_uint_eq(s.r[0].step, 0);
    ck_assert_ptr_null(s.r[0].message);
    /* A fixed reward in another currency than the expectation. */
    ck_assert_str_eq(s.r[1].test, "wrong currency");
    ck_assert_int_eq(s.r[1].passed, 0);
    ck_assert_uint_eq(s.r[1].step, 1); /* its only step: the given and its expect */
    ck_assert_str_eq(s.r[1].file, "t.cbr");
    ck_assert_uint_eq(s.r[1].line, 14);
    ck_assert_uint_eq(s.r[1].column, 5);
    ck_assert_str_eq(s.r[1].message, "expected cashback 100 USD from \"o\", got 100 JPY from \"o\"");
    /* 10% of 1005 JPY is 100.5, rounded down to 100. */
    ck_assert_int_eq(s.r[2].passed, 1);
    cbr_program_free(p);
    cbr_compiler_free(c);
}
END_TEST

/* language.md section 15: a step is a `given` and the `expect`s after it;
 * steps count from 1, and a failure points at the expect that failed. */
static const char steps_src[] =
    "offer \"o\" {\n"
    "    limit 1 per user\n"
    "    when amount >= 10 then cashback 10%\n"
    "}\n"
    "offer \"p\" { when amount >= 10 then cashback 1.00 }\n"
    "test \"first step\" {\n"
    "    given { tid: \"a1\", user_id: \"u\", amount: 20.00, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z }\n"
    "    expect cashback 3.00 from \"o\"\n"
    "}\n"
    "test \"later step\" {\n"
    "    given { tid: \"b1\", user_id: \"u\", amount: 20.00, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z }\n"
    "    expect cashback 2.00 from \"o\"\n"
    "    given { tid: \"b2\", user_id: \"u\", amount: 30.00, currency: \"USD\", timestamp: 2026-03-13T11:00:00Z }\n"
    "    expect cashback 1.00 from \"p\"\n"
    "    given { tid: \"b3\", user_id: \"u\", amount: 40.00, currency: \"USD\", timestamp: 2026-03-13T12:00:00Z }\n"
    "    expect cashback 4.00 from \"o\"\n"
    "}\n"
    "test \"multi-expect step\" {\n"
    "    given { tid: \"c1\", user_id: \"u\", amount: 20.00, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z }\n"
    "    expect cashback 2.00 from \"o\"\n"
    "    expect cashback 1.00 from \"p\"\n"
    "    given { tid: \"c2\", user_id: \"u\", amount: 20.00, currency: \"USD\", timestamp: 2026-03-13T11:00:00Z }\n"
    "    expect cashback 1.00 from \"p\"\n"
    "    expect cashback 2.00 from \"o\"\n"
    "    expect no cashback\n"
    "}\n";

START_TEST(steps_count_givens_from_one)
{
    cbr_compiler *c = unit_compile(steps_src);
    cbr_program *p = NULL;
    cbr_error err;
    ck_assert_int_eq(cbr_compiler_program(c, &p, &err), CBR_OK);
    seen s = {.n = 0};
    unsigned passed = 9, failed = 9;
    ck_assert_int_eq(cbr_compiler_run_tests(c, p, collect, &s, &passed, &failed, &err), CBR_OK);
    ck_assert_uint_eq(passed, 0);
    ck_assert_uint_eq(failed, 3);
    ck_assert_int_eq(s.n, 3);
    /* A one-step test fails at step 1, at its expect. */
    ck_assert_str_eq(s.r[0].test, "first step");
    ck_assert_uint_eq(s.r[0].step, 1);
    ck_assert_uint_eq(s.r[0].line, 8);
    ck_assert_str_eq(s.r[0].message, "expected cashback 3.00 from \"o\", got 2.00 USD from \"o\", 1.00 USD from \"p\"");
    /* The third given is step 3: the limit of o was used by step 1. */
    ck_assert_str_eq(s.r[1].test, "later step");
    ck_assert_uint_eq(s.r[1].step, 3);
    ck_assert_uint_eq(s.r[1].line, 16);
    ck_assert_str_eq(s.r[1].message, "expected cashback 4.00 from \"o\", got 1.00 USD from \"p\"");
    /* Step 2 has three expects; its second fails, and is step 2 still. */
    ck_assert_str_eq(s.r[2].test, "multi-expect step");
    ck_assert_uint_eq(s.r[2].step, 2);
    ck_assert_uint_eq(s.r[2].line, 24);
    ck_assert_uint_eq(s.r[2].column, 5);
    cbr_program_free(p);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(each_test_starts_from_empty_state)
{
    /* "pass" used the user's one award; "jpy" still gets its own. */
    cbr_compiler *c = unit_compile(src);
    cbr_program *p = NULL;
    ck_assert_int_eq(cbr_compiler_program(c, &p, NULL), CBR_OK);
    unsigned passed, failed;
    ck_assert_int_eq(cbr_compiler_run_tests(c, p, NULL, NULL, &passed, &failed, NULL), CBR_OK);
    ck_assert_uint_eq(passed, 2);
    ck_assert_uint_eq(failed, 1);
    cbr_program_free(p);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(a_declared_date_field_is_given_as_text)
{
    cbr_compiler *c = unit_compile(
        "field born: date\n"
        "when amount > 0 then cashback 1%\n"
        "test \"x\" {\n"
        "    given { tid: \"t\", amount: 10.00, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z, born: 2000-01-01 }\n"
        "    expect no cashback\n"
        "}\n");
    cbr_program *p = NULL;
    ck_assert_int_eq(cbr_compiler_program(c, &p, NULL), CBR_OK);
    seen s = {.n = 0};
    unsigned passed, failed;
    ck_assert_int_eq(cbr_compiler_run_tests(c, p, collect, &s, &passed, &failed, NULL), CBR_OK);
    ck_assert_uint_eq(failed, 1);
    ck_assert_str_eq(s.msgs[0], "expected no cashback, got 0.10 USD from \"t:2\"");
    cbr_program_free(p);
    cbr_compiler_free(c);
}
END_TEST

/* language.md, tests inside rule files: `expect no cashback from "o"` is
 * about offer o alone; other offers may award. */
static const char none_from_src[] =
    "offer \"big\" {\n"
    "    when amount >= 15 then cashback 1.00\n"
    "}\n"
    "offer \"any\" {\n"
    "    limit 1 per user per day\n"
    "    when amount > 0 then cashback 10%\n"
    "}\n"
    "test \"others may award\" {\n"
    "    given { tid: \"t1\", user_id: \"u\", amount: 10.00, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z }\n"
    "    expect no cashback from \"big\"\n"
    "    expect cashback 1.00 from \"any\"\n"
    "}\n"
    "test \"the named offer awarded\" {\n"
    "    given { tid: \"t2\", user_id: \"u\", amount: 20.00, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z }\n"
    "    expect no cashback from \"big\"\n"
    "}\n"
    "test \"condition false\" {\n"
    "    given { tid: \"t3\", user_id: \"u\", amount: 10.00, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z }\n"
    "    expect cashback 1.00 from \"big\"\n"
    "}\n"
    "test \"limit used by an earlier step\" {\n"
    "    given { tid: \"t4\", user_id: \"u\", amount: 10.00, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z }\n"
    "    expect cashback 1.00 from \"any\"\n"
    "    given { tid: \"t5\", user_id: \"u\", amount: 20.00, currency: \"USD\", timestamp: 2026-03-13T11:00:00Z }\n"
    "    expect cashback 2.00 from \"any\"\n"
    "}\n"
    "test \"nothing at all\" {\n"
    "    given { tid: \"t6\", user_id: \"u\", amount: 20.00, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z }\n"
    "    expect no cashback\n"
    "}\n";

START_TEST(expect_no_cashback_from_one_offer)
{
    cbr_compiler *c = unit_compile(none_from_src);
    cbr_program *p = NULL;
    ck_assert_int_eq(cbr_compiler_program(c, &p, NULL), CBR_OK);
    seen s = {.n = 0};
    unsigned passed, failed;
    ck_assert_int_eq(cbr_compiler_run_tests(c, p, collect, &s, &passed, &failed, NULL), CBR_OK);
    ck_assert_int_eq(s.n, 5);
    ck_assert_uint_eq(passed, 1);
    ck_assert_int_eq(s.r[0].passed, 1);
    ck_assert_ptr_null(s.r[0].why);
    ck_assert_int_eq(s.r[1].passed, 0);
    ck_assert_uint_eq(s.r[1].line, 15);
    ck_assert_str_eq(s.r[1].message, "expected no cashback from \"big\", got 2.00 USD from \"any\", 1.00 USD from \"big\"");
    ck_assert_str_eq(s.r[1].why, "awarded 1.00 USD: clause 1 (line 2) pays 1.00 USD");
    cbr_program_free(p);
    cbr_compiler_free(c);
}
END_TEST

/* A failed expect about one offer carries the explainer's verdict for the
 * transaction of its step, against the state the earlier steps left. */
START_TEST(a_failing_step_says_why)
{
    cbr_compiler *c = unit_compile(none_from_src);
    cbr_program *p = NULL;
    ck_assert_int_eq(cbr_compiler_program(c, &p, NULL), CBR_OK);
    seen s = {.n = 0};
    ck_assert_int_eq(cbr_compiler_run_tests(c, p, collect, &s, NULL, NULL, NULL), CBR_OK);
    ck_assert_int_eq(s.n, 5);
    ck_assert_str_eq(s.r[2].message, "expected cashback 1.00 from \"big\", got 1.00 USD from \"any\"");
    ck_assert_str_eq(s.r[2].why, "not awarded: `amount >= 15` was false: amount was 10.00 USD");
    ck_assert_uint_eq(s.r[3].step, 2);
    ck_assert_str_eq(s.r[3].why, "not awarded (2.00 USD earned): reached limit 1 per user per day: 1 of 1 used");
    /* `expect no cashback` names no offer: nothing to explain. */
    ck_assert_int_eq(s.r[4].passed, 0);
    ck_assert_ptr_null(s.r[4].why);
    cbr_program_free(p);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(misuse_is_refused)
{
    cbr_error err;
    unsigned passed = 7, failed = 7;
    ck_assert_int_eq(cbr_compiler_run_tests(NULL, NULL, NULL, NULL, &passed, &failed, &err), CBR_ERR_ARG);
    ck_assert_uint_eq(passed, 0);
    cbr_compiler *ok = unit_compile("when amount > 0 then cashback 1%\n");
    cbr_program *p = NULL;
    ck_assert_int_eq(cbr_compiler_program(ok, &p, NULL), CBR_OK);
    cbr_compiler *unchecked = t_compiler_new(NULL);
    ck_assert_int_eq(cbr_compiler_run_tests(unchecked, p, NULL, NULL, NULL, NULL, &err), CBR_ERR_STATE);
    cbr_compiler *broken = unit_compile("when amount > then cashback 1%\n");
    ck_assert_int_eq(cbr_compiler_run_tests(broken, p, NULL, NULL, NULL, NULL, &err), CBR_ERR_STATE);
    ck_assert_int_eq(cbr_compiler_run_tests(ok, p, NULL, NULL, &passed, &failed, &err), CBR_OK);
    ck_assert_uint_eq(passed + failed, 0);
    cbr_compiler_free(broken);
    cbr_compiler_free(unchecked);
    cbr_program_free(p);
    cbr_compiler_free(ok);
}
END_TEST

/* A test's steps share the tallies as they share limits: the second step
 * reads the purchase of the first; a new test starts from none. */
START_TEST(tallies_carry_from_step_to_step)
{
    cbr_compiler *c = unit_compile(
        "tally visits = count per user\n"
        "offer \"second\" { when visits == 2 then cashback 1.00 }\n"
        "test \"two steps\" {\n"
        "    given { tid: \"t1\", user_id: \"u\", amount: 5.00, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z }\n"
        "    expect no cashback\n"
        "    given { tid: \"t2\", user_id: \"u\", amount: 5.00, currency: \"USD\", timestamp: 2026-03-13T11:00:00Z }\n"
        "    expect cashback 1.00 from \"second\"\n"
        "}\n"
        "test \"a fresh start\" {\n"
        "    given { tid: \"t3\", user_id: \"u\", amount: 5.00, currency: \"USD\", timestamp: 2026-03-13T12:00:00Z }\n"
        "    expect cashback 1.00 from \"second\"\n"
        "}\n");
    ck_assert_no_errors(c);
    cbr_program *p = NULL;
    ck_assert_int_eq(cbr_compiler_program(c, &p, NULL), CBR_OK);
    seen s = {.n = 0};
    unsigned passed, failed;
    ck_assert_int_eq(cbr_compiler_run_tests(c, p, collect, &s, &passed, &failed, NULL), CBR_OK);
    ck_assert_uint_eq(passed, 1);
    ck_assert_uint_eq(failed, 1);
    ck_assert_int_eq(s.n, 2);
    ck_assert_str_eq(s.msgs[0], "");
    ck_assert_msg(strstr(s.msgs[1], "expected cashback 1.00 from \"second\""), "%s", s.msgs[1]);
    cbr_program_free(p);
    cbr_compiler_free(c);
}
END_TEST

/* Runs the tests of src; each result's message (or "") in s. */
static void run_all(const char *src_, seen *s, unsigned *passed, unsigned *failed)
{
    cbr_compiler *c = unit_compile(src_);
    ck_assert_msg(cbr_compiler_error_count(c) == 0, "%s", unit_dump(c));
    cbr_program *p = NULL;
    ck_assert_int_eq(cbr_compiler_program(c, &p, NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_run_tests(c, p, collect, s, passed, failed, NULL), CBR_OK);
    cbr_program_free(p);
    cbr_compiler_free(c);
}

#define GIVEN_U1 "    given { tid: \"t\", user_id: \"u1\", amount: 100.00, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z }\n"

START_TEST(a_test_starts_from_what_came_before)
{
    seen s = {.n = 0};
    unsigned passed, failed;
    run_all("campaign \"spring\" { budget 500.00 USD }\n"
            "campaign \"pot\" { budget 500.00 per month }\n"
            "tally visits = count per user per month\n"
            "tally spend = sum amount per user\n"
            "offer \"cap\" { campaign \"spring\" limit 50.00 per user per month limit 3 per user\n"
            "    when amount >= 10.00 then cashback 10% }\n"
            "offer \"third\" { when visits >= 3 then cashback 1.00 }\n"
            "offer \"big\" { when spend >= 300.00 then cashback 2.00 }\n"
            "offer \"potted\" { campaign \"pot\" when amount >= 50.00 then cashback 20.00 }\n"
            "test \"near the monthly cap\" {\n"
            "    already earned 45.00 from \"cap\" { user_id: \"u1\", currency: \"USD\", timestamp: 2026-03-02T10:00:00Z }\n"
            GIVEN_U1
            "    expect cashback 5.00 from \"cap\"\n"
            "}\n"
            "test \"last month does not count\" {\n"
            "    already earned 45.00 USD from \"cap\" { user_id: \"u1\", timestamp: 2026-02-27T10:00:00Z }\n"
            GIVEN_U1
            "    expect cashback 10.00 from \"cap\"\n"
            "}\n"
            "test \"three awards already: the count limit is reached\" {\n"
            "    already earned 1.00 USD from \"cap\" { user_id: \"u1\", timestamp: 2026-01-02T10:00:00Z }\n"
            "    already earned 1.00 USD from \"cap\" { user_id: \"u1\", timestamp: 2026-01-03T10:00:00Z }\n"
            "    already earned 1.00 USD from \"cap\" { user_id: \"u1\", timestamp: 2026-01-04T10:00:00Z }\n"
            GIVEN_U1
            "    expect no cashback from \"cap\"\n"
            "}\n"
            "test \"a budget nearly spent\" {\n"
            "    already spent 495.00 USD from campaign \"spring\" { timestamp: 2026-03-01T00:00:00Z }\n"
            GIVEN_U1
            "    expect cashback 5.00 from \"cap\"\n"
            "}\n"
            "test \"a pot spent in another currency, this month\" {\n"
            "    already spent 485.00 EUR from campaign \"pot\" { timestamp: 2026-03-01T00:00:00Z }\n"
            GIVEN_U1
            "    expect cashback 15.00 from \"potted\"\n"
            "}\n"
            "test \"tallies counted before\" {\n"
            "    already counted 2 in visits { user_id: \"u1\", timestamp: 2026-03-02T10:00:00Z }\n"
            "    already counted 250.00 USD in spend { user_id: \"u1\", timestamp: 2026-01-02T10:00:00Z }\n"
            GIVEN_U1
            "    expect cashback 1.00 from \"third\"\n"
            "    expect cashback 2.00 from \"big\"\n"
            "}\n"
            "test \"another customer is not counted\" {\n"
            "    already counted 2 in visits { user_id: \"u2\", timestamp: 2026-03-02T10:00:00Z }\n"
            GIVEN_U1
            "    expect no cashback from \"third\"\n"
            "}\n",
            &s, &passed, &failed);
    for (int i = 0; i < s.n; i++)
        ck_assert_msg(s.r[i].passed, "%s: %s", s.r[i].test, s.msgs[i]);
    ck_assert_uint_eq(passed, 7);
    ck_assert_uint_eq(failed, 0);
}
END_TEST

static const char stub_src[] =
    "extern fn tier(string) -> string\n"
    "extern fn rate(string, int) -> decimal\n"
    "offer \"gold\" { when tier(user_id) == \"gold\" then cashback amount * rate(merchant, mcc) }\n";

START_TEST(stubs_stand_in_for_extern_functions)
{
    seen s = {.n = 0};
    unsigned passed, failed;
    char src_[4096];
    snprintf(src_, sizeof src_, "%s%s", stub_src,
             "test \"by arguments, then for any\" {\n"
             "    stub tier(\"u1\") = \"gold\"\n"
             "    stub tier = \"silver\"\n"
             "    stub rate(\"m\", 5411) = 0.05\n"
             "    stub rate = 0.01\n"
             "    given { tid: \"a\", user_id: \"u1\", amount: 10.00, currency: \"USD\", merchant: \"m\", mcc: 5411,\n"
             "            timestamp: 2026-03-13T10:00:00Z }\n"
             "    expect cashback 0.50 from \"gold\"\n"
             "    given { tid: \"b\", user_id: \"u1\", amount: 10.00, currency: \"USD\", merchant: \"n\", mcc: 5411,\n"
             "            timestamp: 2026-03-13T10:00:00Z }\n"
             "    expect cashback 0.10 from \"gold\"\n"
             "    given { tid: \"c\", user_id: \"u2\", amount: 10.00, currency: \"USD\", merchant: \"m\", mcc: 5411,\n"
             "            timestamp: 2026-03-13T10:00:00Z }\n"
             "    expect no cashback\n"
             "}\n"
             "test \"a call no stub answers\" {\n"
             "    stub tier(\"u1\") = \"gold\"\n"
             "    given { tid: \"a\", user_id: \"u7\", amount: 10.00, currency: \"USD\", merchant: \"m\", mcc: 5411,\n"
             "            timestamp: 2026-03-13T10:00:00Z }\n"
             "    expect no cashback\n"
             "}\n");
    run_all(src_, &s, &passed, &failed);
    ck_assert_uint_eq(passed, 1);
    ck_assert_uint_eq(failed, 1);
    ck_assert_msg(s.r[0].passed, "%s", s.msgs[0]);
    ck_assert_str_eq(s.msgs[1], "extern fn tier(\"u7\") has no stub in this test: add `stub tier(...) = VALUE`");
}
END_TEST

START_TEST(already_and_stub_are_checked)
{
    char src_[4096];
    snprintf(src_, sizeof src_, "%s%s", stub_src,
             "tally visits = count per user\n"
             "test \"t\" {\n"
             "    alredy earned 1.00 USD from \"gold\" { user_id: \"u1\", timestamp: 2026-03-13T10:00:00Z }\n"
             "    already earnd 1.00 USD from \"gold\" { user_id: \"u1\", timestamp: 2026-03-13T10:00:00Z }\n"
             "    already earned 1.00 from \"gold\" { user_id: \"u1\", timestamp: 2026-03-13T10:00:00Z }\n"
             "    already counted 1.5 in visits { user_id: \"u1\", timestamp: 2026-03-13T10:00:00Z }\n"
             "    already counted 2 in visits { timestamp: 2026-03-13T10:00:00Z }\n"
             "    stub tire = \"x\"\n"
             "    stub rate(\"m\") = 0.05\n"
             "    stub tier = true\n"
             "    given { tid: \"a\", user_id: \"u1\", amount: 10.00, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z }\n"
             "    already counted 2 in visits { user_id: \"u1\", timestamp: 2026-03-13T10:00:00Z }\n"
             "}\n");
    cbr_compiler *c = unit_compile(src_);
    ck_assert_error_at(c, "unknown-step", 6, 5);
    ck_assert_error_at(c, "already-verb", 7, 13);
    ck_assert_error_at(c, "already-currency", 8, 20);
    ck_assert_error_at(c, "already-count", 9, 21);
    ck_assert_error_at(c, "missing-field", 10, 33);
    ck_assert_error_at(c, "unknown-extern", 11, 10);
    ck_assert_error_at(c, "stub-args", 12, 10);
    ck_assert_error_at(c, "type", 13, 17);
    ck_assert_error_at(c, "already-after-given", 15, 5);
    ck_assert_uint_eq(cbr_compiler_error_count(c), 9);
    cbr_compiler_free(c);
}
END_TEST

static Suite *testblocks_suite(void)
{
    Suite *s = suite_create("testblocks");
    UNIT_TCASE(s, "run", results_come_in_source_order_with_their_step, each_test_starts_from_empty_state,
               a_declared_date_field_is_given_as_text, misuse_is_refused);
    UNIT_TCASE(s, "s15_steps", steps_count_givens_from_one, expect_no_cashback_from_one_offer,
               a_failing_step_says_why, tallies_carry_from_step_to_step);
    UNIT_TCASE(s, "s15_before", a_test_starts_from_what_came_before, stubs_stand_in_for_extern_functions,
               already_and_stub_are_checked);
    return s;
}

UNIT_MAIN(testblocks_suite)
