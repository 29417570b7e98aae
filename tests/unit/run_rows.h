/* run_rows.h: running rows against rules through the public interface
 * (cbr.h) only, the four ways a scenario must agree: from source and from a
 * bundle round trip, with all rows in one batch and with each row in a
 * batch of its own.  Awards come back as text ("t1 offer 2.00 USD", " cut"
 * when a limit reduced it), the limit state as its snapshot.  Shared by the
 * suites of settling (check_limits.c, check_rewards.c, check_best.c). */
#ifndef CBR_TESTS_RUN_ROWS_H
#define CBR_TESTS_RUN_ROWS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <cbr.h>
#include "tests/unit/unit.h"

#if defined(__GNUC__)
#define RUN_ROWS_UNUSED __attribute__((unused))
#else
#define RUN_ROWS_UNUSED
#endif

/* ---- a growable text buffer ---- */

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

RUN_ROWS_UNUSED static void sb_add(sbuf *b, const char *s, size_t n)
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

RUN_ROWS_UNUSED static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
RUN_ROWS_UNUSED static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    ck_assert(w >= 0 && (size_t)w < sizeof tmp);
    sb_add(b, tmp, (size_t)w);
}

/* The text so far, never NULL; the caller frees it. */
RUN_ROWS_UNUSED static char *sb_take(sbuf *b)
{
    if (!b->p)
        sb_add(b, "", 0);
    char *p = b->p;
    b->p = NULL;
    b->n = b->cap = 0;
    return p;
}

/* ---- programs ---- */

RUN_ROWS_UNUSED static cbr_program *prog_from_source(const char *src)
{
    cbr_compiler *c = unit_compile(src);
    ck_assert_msg(cbr_compiler_error_count(c) == 0, "the source does not compile:\n%s", unit_dump(c));
    cbr_program *p = NULL;
    cbr_error err = {0};
    cbr_status st = cbr_compiler_program(c, &p, &err);
    ck_assert_msg(st == CBR_OK && p, "cbr_compiler_program: %s", err.message);
    cbr_compiler_free(c);
    return p;
}

/* The program saved as a bundle and loaded back. */
RUN_ROWS_UNUSED static cbr_program *prog_reload(const cbr_program *p)
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

/* ---- rows and awards as text ---- */

/* Adds one row written "tid=t1;user_id=u1;amount=20.00;...": each name is a
 * field of p, each value its text as in an input file. */
RUN_ROWS_UNUSED static void add_row(cbr_batch *b, const cbr_program *p, const char *row, size_t len)
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

/* "t1 offer 2.00 USD" and " cut" when a limit or budget reduced it. */
RUN_ROWS_UNUSED static void award_line(sbuf *out, const cbr_batch *b, const cbr_program *p, const cbr_award *a)
{
    char amount[32];
    size_t tlen = 0;
    int tid = cbr_program_field(p, "tid", 3);
    ck_assert_int_eq(tid, 0);
    const char *t = cbr_batch_string(b, a->row, (size_t)tid, &tlen);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_lt(cbr_award_amount(a, amount, sizeof amount), sizeof amount);
    ck_assert_str_eq(a->offer_id, cbr_program_offer_id(p, a->offer));
    sb_printf(out, "%.*s %s %s %s%s\n", (int)tlen, t, a->offer_id, amount, a->currency,
              a->cut ? " cut" : "");
}

typedef struct collect {
    sbuf *out;
    const cbr_batch *b;
    const cbr_program *p;
} collect;

RUN_ROWS_UNUSED static void on_award(void *ud, const cbr_award *a)
{
    collect *c = ud;
    award_line(c->out, c->b, c->p, a);
}

/* Evaluates the batch and appends its awards to out; the awards given to
 * the callback must be those cbr_context_awards keeps. */
RUN_ROWS_UNUSED static void eval_into(sbuf *out, cbr_context *ctx, cbr_batch *b, const cbr_program *p)
{
    sbuf cb = {0}, kept = {0};
    collect c = {&cb, b, p};
    cbr_error err = {0};
    cbr_status st = cbr_eval(ctx, b, on_award, &c, &err);
    ck_assert_msg(st == CBR_OK, "cbr_eval: %s", err.message);
    size_t n = 0;
    const cbr_award *a = cbr_context_awards(ctx, &n);
    for (size_t i = 0; i < n; i++)
        award_line(&kept, b, p, &a[i]);
    char *x = sb_take(&cb), *y = sb_take(&kept);
    if (strcmp(x, y) != 0)
        sb_printf(out, "MISMATCH between the callback and cbr_context_awards\n");
    sb_add(out, x, strlen(x));
    free(x);
    free(y);
}

/* Evaluates rows (one a line) with ctx: all in one batch, or each in a batch
 * of its own (one batch, cleared between rows).  Returns the awards as text. */
RUN_ROWS_UNUSED static char *run_rows(cbr_context *ctx, const cbr_program *p, const char *rows, bool split)
{
    sbuf out = {0};
    cbr_batch *b = t_batch_new(p, 0);
    ck_assert_ptr_nonnull(b);
    for (const char *s = rows; *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (n > 0) {
            if (split)
                cbr_batch_clear(b);
            add_row(b, p, s, n);
            if (split)
                eval_into(&out, ctx, b, p);
        }
        s += n + (nl != NULL);
    }
    if (!split)
        eval_into(&out, ctx, b, p);
    cbr_batch_free(b);
    return sb_take(&out);
}

/* The snapshot of a state as a NUL-terminated string; the caller frees it.
 * (cbr_state_save gives bytes and a length.) */
RUN_ROWS_UNUSED static char *state_text(const cbr_state *st)
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
    ck_assert_uint_eq(strlen(s), len);
    return s;
}

static const char *const mode_name[] = {"from source", "from a bundle",
                                        "from source, a batch per row",
                                        "from a bundle, a batch per row"};

/* Runs rows against src in the four ways and checks the awards, and the
 * limit state afterwards unless want_state is NULL.  Everything is freed
 * before the one assertion, so a failing test leaks nothing. */
RUN_ROWS_UNUSED static void check_run_at(int line, const char *src, const char *rows, const char *want,
                         const char *want_state)
{
    static char msg[8192];
    bool ok = true;
    cbr_program *ps = prog_from_source(src);
    cbr_program *pb = prog_reload(ps);
    for (int m = 0; m < 4 && ok; m++) {
        const cbr_program *p = (m & 1) ? pb : ps;
        cbr_context *ctx = t_context_new(p, 0);
        ck_assert_ptr_nonnull(ctx);
        char *got = run_rows(ctx, p, rows, m >= 2);
        char *state = state_text(cbr_context_state(ctx));
        if (strcmp(got, want) != 0) {
            ok = false;
            snprintf(msg, sizeof msg, "line %d, %s: awards\n--- expected\n%s--- got\n%s", line,
                     mode_name[m], want, got);
        } else if (want_state && strcmp(state, want_state) != 0) {
            ok = false;
            snprintf(msg, sizeof msg, "line %d, %s: state\n--- expected\n%s--- got\n%s", line,
                     mode_name[m], want_state, state);
        }
        free(got);
        free(state);
        cbr_context_free(ctx);
    }
    cbr_program_free(pb);
    cbr_program_free(ps);
    ck_assert_msg(ok, "%s", msg);
}

#define CHECK_RUN(src, rows, want, want_state) check_run_at(__LINE__, (src), (rows), (want), (want_state))

#endif
