/* check_externs.c: host functions for `extern fn`, end to end through cbr.h.
 * The host here registers real functions: a customer-status lookup (string
 * -> string), a risk score (string -> decimal, as exact text), a loyalty
 * check (string, int -> bool) and a days-since (date -> int); rules call
 * them like built-ins.  The suite also pins the refusals: an unregistered
 * function, a signature that differs, a program made without a registry. */
#include "unit.h"

static int status_calls;

static const char *customer_status(const char *user)
{
    status_calls++;
    if (!strcmp(user, "u1"))
        return "GOLD";
    if (!strcmp(user, "u2"))
        return "silver";
    return NULL; /* unknown customer: missing */
}

static const char *risk_score(const char *user) { return !strcmp(user, "u1") ? "0.125" : "0.9"; }
static int loyal(const char *user, int64_t years) { return user[0] == 'u' && years >= 2; }
static int64_t days_since_epoch(int64_t days) { return days; }
static const char *bad_decimal(const char *user) { (void)user; return "not a number"; }

/* A long text of its own for each user: results like these fill the
 * batch's string storage many times over during one evaluation. */
static const char *long_tag(const char *user)
{
    static char buf[512];
    int k = snprintf(buf, sizeof buf, "tag-%s-", user);
    for (size_t i = (size_t)k; i < 400; i++)
        buf[i] = (char)('a' + (i + (size_t)k) % 26);
    buf[400] = '\0';
    return buf;
}

static const char rules[] =
    "extern fn customer_status(string) -> string\n"
    "extern fn risk_score(string) -> decimal\n"
    "extern fn loyal(string, int) -> bool\n"
    "field years: int\n"
    "offer \"gold\" { when customer_status(user_id) ~= \"gold\" then cashback 10% }\n"
    "offer \"low-risk\" { when risk_score(user_id) < 0.5 then cashback 1.00 }\n"
    "offer \"loyal\" { when loyal(user_id, years) then cashback 0.25 }\n";

static cbr_externs *registry(void)
{
    cbr_externs *x = t_externs_new();
    ck_assert_ptr_nonnull(x);
    cbr_error err;
    const cbr_type s1[] = {CBR_T_STRING}, s_i[] = {CBR_T_STRING, CBR_T_INT};
    ck_assert_int_eq(cbr_externs_add(x, "customer_status", (cbr_native_fn)customer_status, CBR_T_STRING, s1, 1, &err), CBR_OK);
    ck_assert_int_eq(cbr_externs_add(x, "risk_score", (cbr_native_fn)risk_score, CBR_T_DECIMAL, s1, 1, &err), CBR_OK);
    ck_assert_int_eq(cbr_externs_add(x, "loyal", (cbr_native_fn)loyal, CBR_T_BOOL, s_i, 2, &err), CBR_OK);
    return x;
}

static cbr_program *program(const cbr_externs *x, const char *src, cbr_status want, cbr_error *err)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.externs = x;
    cbr_compiler *c = unit_compile_cfg(&cfg, src);
    cbr_program *p = NULL;
    ck_assert_int_eq(cbr_compiler_program(c, &p, err), want);
    cbr_compiler_free(c);
    return p;
}

/* Awards of rows "user,years" (years may be empty) as "tid offer amount". */
static void awards(cbr_program *p, const char *const *rows, size_t n, char *out, size_t cap)
{
    cbr_batch *b = t_batch_new(p, 0);
    cbr_context *ctx = t_context_new(p, 0);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(ctx);
    int fu = cbr_program_field(p, "user_id", 7), fy = cbr_program_field(p, "years", 5);
    for (size_t i = 0; i < n; i++) {
        char tid[8];
        snprintf(tid, sizeof tid, "t%zu", i + 1);
        ck_assert_int_eq(cbr_batch_begin_row(b, NULL), CBR_OK);
        cbr_batch_set(b, 0, tid, strlen(tid), NULL);
        cbr_batch_set(b, 2, "20.00", 5, NULL);
        cbr_batch_set(b, 3, "USD", 3, NULL);
        cbr_batch_set(b, 8, "2026-03-13T15:00:00Z", 20, NULL);
        const char *comma = strchr(rows[i], ',');
        cbr_batch_set(b, (size_t)fu, rows[i], (size_t)(comma - rows[i]), NULL);
        if (comma[1])
            cbr_batch_set(b, (size_t)fy, comma + 1, strlen(comma + 1), NULL);
        ck_assert_int_eq(cbr_batch_end_row(b, NULL, NULL), CBR_OK);
    }
    cbr_error err;
    ck_assert_msg(cbr_eval(ctx, b, NULL, NULL, &err) == CBR_OK, "%s", err.message);
    size_t na;
    const cbr_award *a = cbr_context_awards(ctx, &na);
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < na; i++) {
        char amt[32];
        cbr_award_amount(&a[i], amt, sizeof amt);
        k += (size_t)snprintf(out + k, cap - k, "%s %s %s\n", cbr_batch_string(b, a[i].row, 0, NULL),
                              a[i].offer_id, amt);
    }
    cbr_context_free(ctx);
    cbr_batch_free(b);
}

START_TEST(rules_call_host_functions)
{
    cbr_externs *x = registry();
    cbr_error err;
    cbr_program *p = program(x, rules, CBR_OK, &err);
    ck_assert_int_eq(cbr_program_runnable(p, &err), CBR_OK);
    const char *rows[] = {"u1,3", "u2,1", "u3,", "x9,5"};
    char out[512];
    status_calls = 0;
    awards(p, rows, 4, out, sizeof out);
    /* In id byte order ("low-risk" < "loyal": w < y).  u1: GOLD ~= gold,
     * risk 0.125, loyal; u2: silver, risky, 1 year;
     * u3: unknown status, risky, years missing (loyal is not called);
     * x9: not a u-customer. */
    ck_assert_str_eq(out, "t1 gold 2.00\nt1 low-risk 1.00\nt1 loyal 0.25\n");
    ck_assert_int_eq(status_calls, 4);
    cbr_program_free(p);
    cbr_externs_free(x);
}
END_TEST

START_TEST(a_missing_argument_is_never_passed)
{
    cbr_externs *x = registry();
    cbr_error err;
    cbr_program *p = program(x, rules, CBR_OK, &err);
    const char *rows[] = {"u1,"};
    char out[256];
    awards(p, rows, 1, out, sizeof out);
    ck_assert_str_eq(out, "t1 gold 2.00\nt1 low-risk 1.00\n"); /* no years: loyal() unknown */
    cbr_program_free(p);
    cbr_externs_free(x);
}
END_TEST

START_TEST(bundles_link_on_load)
{
    cbr_externs *x = registry();
    cbr_error err;
    cbr_program *p = program(NULL, rules, CBR_OK, &err); /* compiled without the host, like cbrc */
    ck_assert_int_eq(cbr_program_runnable(p, &err), CBR_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(err.message, "extern fn customer_status"));
    void *data;
    size_t len;
    ck_assert_int_eq(cbr_program_save(p, &data, &len, &err), CBR_OK);
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.externs = x;
    cbr_program *q = NULL;
    ck_assert_msg(cbr_program_load(&cfg, data, len, &q, &err) == CBR_OK, "%s", err.message);
    ck_assert_int_eq(cbr_program_runnable(q, &err), CBR_OK);
    const char *rows[] = {"u1,2"};
    char out[256];
    awards(q, rows, 1, out, sizeof out);
    ck_assert_str_eq(out, "t1 gold 2.00\nt1 low-risk 1.00\nt1 loyal 0.25\n");
    /* Evaluating the unlinked program is refused, not crashed. */
    cbr_batch *b = t_batch_new(p, 0);
    cbr_context *ctx = t_context_new(p, 0);
    ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, &err), CBR_ERR_STATE);
    cbr_context_free(ctx);
    cbr_batch_free(b);
    cbr_free(data);
    cbr_program_free(q);
    cbr_program_free(p);
    cbr_externs_free(x);
}
END_TEST

/* cbr_batch_string's text stays valid while externs return strings that
 * are added to the batch (under AddressSanitizer, a heap-use-after-free
 * when the batch's strings moved). */
START_TEST(string_results_leave_batch_strings_in_place)
{
    cbr_externs *x = t_externs_new();
    cbr_error err;
    const cbr_type s1[] = {CBR_T_STRING};
    ck_assert_int_eq(cbr_externs_add(x, "tag", (cbr_native_fn)long_tag, CBR_T_STRING, s1, 1, &err), CBR_OK);
    cbr_program *p = program(x, "extern fn tag(string) -> string\n"
                                "offer \"t\" { when starts_with(tag(user_id), \"tag-u0-\") then cashback 1.00 }\n",
                             CBR_OK, &err);
    cbr_batch *b = t_batch_new(p, 1024);
    cbr_context *ctx = t_context_new(p, 1024);
    int fu = cbr_program_field(p, "user_id", 7);
    for (size_t i = 0; i < 1024; i++) {
        char tid[16], user[16];
        snprintf(tid, sizeof tid, "t%zu", i);
        snprintf(user, sizeof user, "u%zu", i);
        ck_assert_int_eq(cbr_batch_begin_row(b, NULL), CBR_OK);
        cbr_batch_set(b, 0, tid, strlen(tid), NULL);
        cbr_batch_set(b, 2, "20.00", 5, NULL);
        cbr_batch_set(b, 3, "USD", 3, NULL);
        cbr_batch_set(b, 8, "2026-03-13T15:00:00Z", 20, NULL);
        cbr_batch_set(b, (size_t)fu, user, strlen(user), NULL);
        ck_assert_int_eq(cbr_batch_end_row(b, NULL, NULL), CBR_OK);
    }
    const char *user = cbr_batch_string(b, 0, (size_t)fu, NULL);
    const char *tid = cbr_batch_string(b, 1023, 0, NULL);
    ck_assert_str_eq(user, "u0");
    ck_assert_msg(cbr_eval(ctx, b, NULL, NULL, &err) == CBR_OK, "%s", err.message);
    size_t na;
    const cbr_award *a = cbr_context_awards(ctx, &na);
    ck_assert_uint_eq(na, 1);
    ck_assert_uint_eq(a[0].row, 0);
    ck_assert_str_eq(user, "u0");
    ck_assert_str_eq(tid, "t1023");
    ck_assert_ptr_eq(cbr_batch_string(b, 0, (size_t)fu, NULL), user);
    cbr_context_free(ctx);
    cbr_batch_free(b);
    cbr_program_free(p);
    cbr_externs_free(x);
}
END_TEST

START_TEST(an_unregistered_function_is_refused_by_name)
{
    cbr_externs *x = t_externs_new();
    cbr_error err;
    ck_assert_ptr_null(program(x, rules, CBR_ERR_ARG, &err));
    ck_assert_int_eq(err.status, CBR_ERR_ARG);
    ck_assert_str_eq(err.message, "extern fn customer_status(string) -> string is not registered by the host");
    cbr_externs_free(x);
}
END_TEST

START_TEST(a_different_signature_is_refused)
{
    cbr_externs *x = t_externs_new();
    cbr_error err;
    const cbr_type i1[] = {CBR_T_INT};
    ck_assert_int_eq(cbr_externs_add(x, "customer_status", (cbr_native_fn)days_since_epoch, CBR_T_INT, i1, 1, &err), CBR_OK);
    const char *src = "extern fn customer_status(string) -> string\n"
                      "when customer_status(merchant) == \"x\" then cashback 1%\n";
    const char *want = "extern fn customer_status is declared (string) -> string, "
                       "but the host registered (int) -> int";
    /* A bad argument from the host, not a call in the wrong state. */
    ck_assert_ptr_null(program(x, src, CBR_ERR_ARG, &err));
    ck_assert_int_eq(err.status, CBR_ERR_ARG);
    ck_assert_str_eq(err.message, want);
    /* The same when a bundle is loaded with that registry. */
    cbr_program *p = program(NULL, src, CBR_OK, &err);
    void *data;
    size_t len;
    ck_assert_int_eq(cbr_program_save(p, &data, &len, &err), CBR_OK);
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.externs = x;
    cbr_program *q = NULL;
    ck_assert_int_eq(cbr_program_load(&cfg, data, len, &q, &err), CBR_ERR_ARG);
    ck_assert_ptr_null(q);
    ck_assert_int_eq(err.status, CBR_ERR_ARG);
    ck_assert_str_eq(err.message, want);
    /* Without a registry the program is made and is not runnable: a state. */
    ck_assert_int_eq(cbr_program_runnable(p, &err), CBR_ERR_STATE);
    cbr_free(data);
    cbr_program_free(p);
    cbr_externs_free(x);
}
END_TEST

START_TEST(registration_is_checked)
{
    cbr_externs *x = t_externs_new();
    cbr_error err;
    const cbr_type s1[] = {CBR_T_STRING}, bad[] = {(cbr_type)42};
    cbr_type many[17];
    for (int i = 0; i < 17; i++)
        many[i] = CBR_T_INT;
    ck_assert_int_eq(cbr_externs_add(x, "f", (cbr_native_fn)risk_score, CBR_T_DECIMAL, s1, 1, &err), CBR_OK);
    ck_assert_int_eq(cbr_externs_add(x, "f", (cbr_native_fn)risk_score, CBR_T_DECIMAL, s1, 1, &err), CBR_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(err.message, "already registered"));
    ck_assert_int_eq(cbr_externs_add(x, "g", (cbr_native_fn)risk_score, CBR_T_DECIMAL, bad, 1, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_externs_add(x, "h", (cbr_native_fn)risk_score, (cbr_type)0, s1, 1, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_externs_add(x, "m", (cbr_native_fn)risk_score, CBR_T_INT, many, 17, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_externs_add(x, "", (cbr_native_fn)risk_score, CBR_T_INT, s1, 1, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_externs_add(x, "n", NULL, CBR_T_INT, s1, 1, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_externs_add(NULL, "n", (cbr_native_fn)risk_score, CBR_T_INT, s1, 1, &err), CBR_ERR_ARG);
    cbr_externs_free(x);
    cbr_externs_free(NULL);
}
END_TEST

START_TEST(a_bad_result_is_missing)
{
    cbr_externs *x = t_externs_new();
    cbr_error err;
    const cbr_type s1[] = {CBR_T_STRING};
    ck_assert_int_eq(cbr_externs_add(x, "risk_score", (cbr_native_fn)bad_decimal, CBR_T_DECIMAL, s1, 1, &err), CBR_OK);
    cbr_program *p = program(x, "extern fn risk_score(string) -> decimal\n"
                                "offer \"a\" { when risk_score(user_id) < 0.5 then cashback 1.00 }\n"
                                "offer \"b\" { when not (risk_score(user_id) < 0.5) then cashback 2.00 }\n",
                             CBR_OK, &err);
    const char *rows[] = {"u1,"};
    char out[256];
    awards(p, rows, 1, out, sizeof out);
    ck_assert_str_eq(out, ""); /* "not a number" is no value: unknown both ways */
    cbr_program_free(p);
    cbr_externs_free(x);
}
END_TEST

static Suite *externs_suite(void)
{
    Suite *s = suite_create("externs");
    UNIT_TCASE(s, "calls", rules_call_host_functions, a_missing_argument_is_never_passed,
               a_bad_result_is_missing, bundles_link_on_load, string_results_leave_batch_strings_in_place);
    UNIT_TCASE(s, "refusals", an_unregistered_function_is_refused_by_name, a_different_signature_is_refused,
               registration_is_checked);
    return s;
}

UNIT_MAIN(externs_suite)
