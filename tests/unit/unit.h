/* unit.h: helpers shared by the Check suites in tests/unit.
 *
 * Only the public API (cbr.h) and Check are used here, so every suite may
 * include it, check_api included.  The helpers compile a source string,
 * describe a compiler's diagnostics for failure messages, and assert on
 * them: no errors, exactly one error with a code at line:col, a warning with
 * a code.  UNIT_MAIN(make_suite) ends each file.
 *
 * The assertion macros are macros (not functions) so that a failure is
 * reported at the line of the test that made it. */
#ifndef CBR_TESTS_UNIT_H
#define CBR_TESTS_UNIT_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cbr.h>

/* ---- making handles ---- */

/* The constructors as expressions, for tests that only need the handle:
 * NULL when the call fails (a test of the failure asserts on it). */
static inline cbr_batch *t_batch_new(const cbr_program *p, size_t capacity)
{
    cbr_batch *b;
    return cbr_batch_new(p, capacity, &b, NULL) == CBR_OK ? b : NULL;
}

static inline cbr_context *t_context_new(const cbr_program *p, size_t capacity)
{
    cbr_context *ctx;
    return cbr_context_new(p, capacity, &ctx, NULL) == CBR_OK ? ctx : NULL;
}

static inline cbr_compiler *t_compiler_new(const cbr_config *cfg)
{
    cbr_compiler *c;
    return cbr_compiler_new(cfg, &c, NULL) == CBR_OK ? c : NULL;
}

static inline cbr_coverage *t_coverage_new(const cbr_program *p)
{
    cbr_coverage *cov;
    return cbr_coverage_new(p, &cov, NULL) == CBR_OK ? cov : NULL;
}

static inline cbr_externs *t_externs_new(void)
{
    cbr_externs *x;
    return cbr_externs_new(NULL, &x, NULL) == CBR_OK ? x : NULL;
}

static inline cbr_state *t_state_new(void)
{
    cbr_state *st;
    return cbr_state_new(NULL, &st, NULL) == CBR_OK ? st : NULL;
}

/* ---- compiling ---- */

/* Compiles src (NUL-terminated) as the one source `name` with cfg (NULL for
 * the defaults) and returns the checked compiler; the caller frees it. */
static inline cbr_compiler *unit_compile_named_cfg(const cbr_config *cfg, const char *name,
                                                   const char *src)
{
    cbr_compiler *c;
    cbr_error err;
    ck_assert_int_eq(cbr_compiler_new(cfg, &c, &err), CBR_OK);
    ck_assert_int_eq(cbr_compiler_add_source(c, name, src, strlen(src), &err), CBR_OK);
    cbr_status st = cbr_compiler_check(c, &err);
    ck_assert_msg(st == CBR_OK || st == CBR_ERR_COMPILE, "cbr_compiler_check returned %d (%s): %s",
                  (int)st, cbr_status_text(st), err.message);
    return c;
}

/* Compiles src as "t.cbr" with the default configuration. */
static inline cbr_compiler *unit_compile(const char *src)
{
    return unit_compile_named_cfg(NULL, "t.cbr", src);
}

static inline cbr_compiler *unit_compile_cfg(const cbr_config *cfg, const char *src)
{
    return unit_compile_named_cfg(cfg, "t.cbr", src);
}

/* Compiles n sources together as one program (names[i], srcs[i]). */
static inline cbr_compiler *unit_compile_many(const char *const *names, const char *const *srcs,
                                              size_t n)
{
    cbr_compiler *c;
    cbr_error err;
    ck_assert_int_eq(cbr_compiler_new(NULL, &c, &err), CBR_OK);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(cbr_compiler_add_source(c, names[i], srcs[i], strlen(srcs[i]), &err), CBR_OK);
    cbr_status st = cbr_compiler_check(c, &err);
    ck_assert_msg(st == CBR_OK || st == CBR_ERR_COMPILE, "cbr_compiler_check returned %d: %s",
                  (int)st, err.message);
    return c;
}

/* ---- describing diagnostics ---- */

static inline const char *unit_sev(cbr_severity s)
{
    return s == CBR_ERROR ? "error" : s == CBR_WARNING ? "warning" : "note";
}

/* All diagnostics of c, one a line: "t.cbr:3:7: error [code]: message (hint)".
 * The text lives in a static buffer until the next call. */
static inline const char *unit_dump(const cbr_compiler *c)
{
    static char buf[8192];
    size_t k = 0, n = cbr_compiler_diagnostic_count(c);
    buf[0] = '\0';
    if (n == 0)
        snprintf(buf, sizeof buf, "  (no diagnostics)\n");
    for (size_t i = 0; i < n && k < sizeof buf - 1; i++) {
        const cbr_diagnostic *d = cbr_compiler_diagnostic(c, i);
        int w = snprintf(buf + k, sizeof buf - k, "  %s:%u:%u: %s [%s]: %s%s%s%s\n",
                         d->file ? d->file : "?", d->line, d->column, unit_sev(d->severity),
                         d->code ? d->code : "?", d->message ? d->message : "?",
                         d->hint ? " (hint: " : "", d->hint ? d->hint : "", d->hint ? ")" : "");
        if (w < 0)
            break;
        k += (size_t)w;
    }
    return buf;
}

/* The first diagnostic of severity sev whose code is `code` (any code when
 * NULL), at line:col when line is not 0; NULL when there is none. */
static inline const cbr_diagnostic *unit_find(const cbr_compiler *c, cbr_severity sev,
                                              const char *code, unsigned line, unsigned col)
{
    for (size_t i = 0; i < cbr_compiler_diagnostic_count(c); i++) {
        const cbr_diagnostic *d = cbr_compiler_diagnostic(c, i);
        if (d->severity != sev)
            continue;
        if (code && (!d->code || strcmp(d->code, code) != 0))
            continue;
        if (line && (d->line != line || d->column != col))
            continue;
        return d;
    }
    return NULL;
}

/* How many diagnostics of severity sev carry `code` (any code when NULL). */
static inline unsigned unit_count(const cbr_compiler *c, cbr_severity sev, const char *code)
{
    unsigned k = 0;
    for (size_t i = 0; i < cbr_compiler_diagnostic_count(c); i++) {
        const cbr_diagnostic *d = cbr_compiler_diagnostic(c, i);
        if (d->severity == sev && (!code || (d->code && strcmp(d->code, code) == 0)))
            k++;
    }
    return k;
}

/* The one error of c, or NULL when it has zero or several. */
static inline const cbr_diagnostic *unit_only_error(const cbr_compiler *c)
{
    if (cbr_compiler_error_count(c) != 1 || unit_count(c, CBR_ERROR, NULL) != 1)
        return NULL;
    return unit_find(c, CBR_ERROR, NULL, 0, 0);
}

/* ---- assertions ---- */

/* No errors (warnings allowed). */
#define ck_assert_no_errors(c)                                                              \
    ck_assert_msg(cbr_compiler_error_count(c) == 0, "expected no errors, got:\n%s", unit_dump(c))

/* No diagnostics at all. */
#define ck_assert_clean(c)                                                                  \
    ck_assert_msg(cbr_compiler_diagnostic_count(c) == 0, "expected no diagnostics, got:\n%s", \
                  unit_dump(c))

/* Exactly one error, with code `code_` at line_:col_ (warnings allowed). */
#define ck_assert_one_error(c, code_, line_, col_)                                          \
    do {                                                                                    \
        const cbr_diagnostic *d1_ = unit_only_error(c);                                     \
        ck_assert_msg(d1_ != NULL, "expected exactly one error [%s] at %u:%u, got:\n%s",     \
                      (code_), (unsigned)(line_), (unsigned)(col_), unit_dump(c));          \
        ck_assert_msg(d1_->code && strcmp(d1_->code, (code_)) == 0 &&                       \
                          d1_->line == (unsigned)(line_) && d1_->column == (unsigned)(col_), \
                      "expected the error [%s] at %u:%u, got:\n%s", (code_),                \
                      (unsigned)(line_), (unsigned)(col_), unit_dump(c));                   \
    } while (0)

/* Some error with code `code_` at line_:col_ (others allowed). */
#define ck_assert_error_at(c, code_, line_, col_)                                           \
    ck_assert_msg(unit_find(c, CBR_ERROR, (code_), (line_), (col_)) != NULL,                 \
                  "expected an error [%s] at %u:%u, got:\n%s", (code_), (unsigned)(line_),   \
                  (unsigned)(col_), unit_dump(c))

/* Some warning with code `code_`, at line_:col_ unless line_ is 0. */
#define ck_assert_warning(c, code_, line_, col_)                                            \
    ck_assert_msg(unit_find(c, CBR_WARNING, (code_), (line_), (col_)) != NULL,               \
                  "expected a warning [%s] at %u:%u, got:\n%s", (code_), (unsigned)(line_),  \
                  (unsigned)(col_), unit_dump(c))

/* No diagnostic (of any severity) with code `code_`. */
#define ck_assert_no_code(c, code_)                                                         \
    ck_assert_msg(unit_count(c, CBR_ERROR, (code_)) + unit_count(c, CBR_WARNING, (code_)) == 0, \
                  "expected no [%s], got:\n%s", (code_), unit_dump(c))

/* The message of the one error of c equals msg_. */
#define ck_assert_only_message(c, msg_)                                                     \
    do {                                                                                    \
        const cbr_diagnostic *dm_ = unit_only_error(c);                                     \
        ck_assert_msg(dm_ != NULL, "expected exactly one error, got:\n%s", unit_dump(c));    \
        ck_assert_str_eq(dm_->message, (msg_));                                             \
    } while (0)

/* ---- building suites ---- */

/* A test case named `name` added to suite s, holding the given tests. */
#define UNIT_TCASE(s, name, ...)                                                            \
    do {                                                                                    \
        TCase *tc_ = tcase_create(name);                                                    \
        const TTest *const tests_[] = {__VA_ARGS__};                                        \
        for (size_t i_ = 0; i_ < sizeof tests_ / sizeof tests_[0]; i_++)                    \
            tcase_add_test(tc_, tests_[i_]);                                                \
        suite_add_tcase(s, tc_);                                                            \
    } while (0)

/* main(): runs the suite that make_suite() builds, with the environment's
 * settings (CK_FORK, CK_RUN_CASE, CK_TAP_LOG_FILE_NAME, ...); the exit
 * status is 1 when a test failed. */
#define UNIT_MAIN(make_suite)                                                               \
    int main(void)                                                                          \
    {                                                                                       \
        SRunner *sr_ = srunner_create(make_suite());                                        \
        srunner_run_all(sr_, CK_ENV);                                                       \
        int failed_ = srunner_ntests_failed(sr_);                                           \
        srunner_free(sr_);                                                                  \
        return failed_ != 0 ? EXIT_FAILURE : EXIT_SUCCESS;                                  \
    }

#endif
