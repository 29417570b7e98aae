/* awards_of.h: the awards of rows against rules as one text, through the
 * public interface, in batches of any size (check_vm.c, check_tables.c):
 * AWARDS(src, row, ...) compiles src, runs each row ("tid=t1;amount=...")
 * and returns "t1 offer 2.00 USD" lines, kept until the next call. */
#ifndef CBR_TESTS_AWARDS_OF_H
#define CBR_TESTS_AWARDS_OF_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cbr.h>
#include "tests/unit/unit.h"

#if defined(__GNUC__)
#define AWARDS_OF_UNUSED __attribute__((unused))
#else
#define AWARDS_OF_UNUSED
#endif

typedef struct strbuf {
    char *p;
    size_t n, cap;
} strbuf;

AWARDS_OF_UNUSED static void sb_add(strbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
AWARDS_OF_UNUSED static void sb_add(strbuf *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    ck_assert_int_ge(k, 0);
    if (s->n + (size_t)k + 1 > s->cap) {
        size_t nc = s->cap ? s->cap : 256;
        while (nc < s->n + (size_t)k + 1)
            nc *= 2;
        s->p = realloc(s->p, nc);
        ck_assert_ptr_nonnull(s->p);
        s->cap = nc;
    }
    va_start(ap, fmt);
    vsnprintf(s->p + s->n, s->cap - s->n, fmt, ap);
    va_end(ap);
    s->n += (size_t)k;
}

/* Ensures the buffer holds a string, even when nothing was added. */
AWARDS_OF_UNUSED static char *sb_take(strbuf *s)
{
    sb_add(s, "%s", "");
    return s->p;
}

/* Compiles src as "t.cbr" and generates its program; fails the test on errors. */
AWARDS_OF_UNUSED static cbr_program *compile_ok(const char *src)
{
    cbr_compiler *c = unit_compile(src);
    ck_assert_msg(cbr_compiler_error_count(c) == 0, "the rules do not compile:\n%s", unit_dump(c));
    cbr_program *p = NULL;
    cbr_error err = {0};
    cbr_status st = cbr_compiler_program(c, &p, &err);
    ck_assert_msg(st == CBR_OK && p != NULL, "cbr_compiler_program: %d %s", (int)st, err.message);
    cbr_compiler_free(c);
    return p;
}

/* The program saved to a bundle and loaded back. */
AWARDS_OF_UNUSED static cbr_program *reload(const cbr_program *p)
{
    void *data = NULL;
    size_t len = 0;
    cbr_error err = {0};
    ck_assert_int_eq(cbr_program_save(p, &data, &len, &err), CBR_OK);
    ck_assert_ptr_nonnull(data);
    cbr_program *q = NULL;
    cbr_status st = cbr_program_load(NULL, data, len, &q, &err);
    cbr_free(data);
    ck_assert_msg(st == CBR_OK && q != NULL, "cbr_program_load: %d %s", (int)st, err.message);
    ck_assert_str_eq(cbr_program_hash(q), cbr_program_hash(p));
    return q;
}

/* Adds one row written "name=value;name=value": sets each field from its
 * text and ends the row.  *set_st (when not NULL) gets the first failing
 * cbr_batch_set status.  Returns what begin or end returned. */
AWARDS_OF_UNUSED static cbr_status fill_row(cbr_batch *b, const cbr_program *p, const char *row, cbr_status *set_st,
                           cbr_error *err)
{
    if (set_st)
        *set_st = CBR_OK;
    cbr_status st = cbr_batch_begin_row(b, err);
    if (st != CBR_OK)
        return st;
    const char *s = row;
    while (*s) {
        const char *end = strchr(s, ';');
        if (!end)
            end = s + strlen(s);
        const char *eq = memchr(s, '=', (size_t)(end - s));
        ck_assert_msg(eq != NULL, "bad test row: %s", row);
        int f = cbr_program_field(p, s, (size_t)(eq - s));
        ck_assert_msg(f >= 0, "no field `%.*s` in the program", (int)(eq - s), s);
        cbr_error e2;
        cbr_status st2 = cbr_batch_set(b, (size_t)f, eq + 1, (size_t)(end - eq - 1), &e2);
        if (st2 != CBR_OK && set_st && *set_st == CBR_OK)
            *set_st = st2;
        s = *end ? end + 1 : end;
    }
    return cbr_batch_end_row(b, NULL, err);
}

/* One award as "TID OFFER AMOUNT CUR\n". */
AWARDS_OF_UNUSED static void fmt_award(strbuf *out, const cbr_batch *b, int tid, const cbr_award *a)
{
    size_t n = 0;
    const char *t = cbr_batch_string(b, a->row, (size_t)tid, &n);
    ck_assert_ptr_nonnull(t);
    char amt[32];
    cbr_award_amount(a, amt, sizeof amt);
    sb_add(out, "%.*s %s %s %.3s\n", (int)n, t, a->offer_id, amt, a->currency);
}

typedef struct collect {
    strbuf sb;
    const cbr_batch *b;
    int tid;
} collect;

AWARDS_OF_UNUSED static void on_award(void *ud, const cbr_award *a)
{
    collect *k = ud;
    fmt_award(&k->sb, k->b, k->tid, a);
}

/* Evaluates the rows in batches of `chunk` rows (0: one batch), reusing one
 * batch and one context; returns the awards (malloc'ed).  The awards given
 * to the callback and those kept in the context must agree. */
AWARDS_OF_UNUSED static char *eval_rows(const cbr_program *p, const char *const *rows, size_t n, size_t chunk)
{
    size_t cap = chunk ? chunk : (n ? n : 1);
    cbr_batch *b = t_batch_new(p, cap);
    cbr_context *ctx = t_context_new(p, cap);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(ctx);
    int tid = cbr_program_field(p, "tid", 3);
    ck_assert_int_ge(tid, 0);
    strbuf out = {0};
    size_t i = 0;
    do {
        cbr_batch_clear(b);
        ck_assert_uint_eq(cbr_batch_rows(b), 0);
        for (; i < n && cbr_batch_rows(b) < cap; i++) {
            cbr_error err = {0};
            cbr_status st = fill_row(b, p, rows[i], NULL, &err);
            ck_assert_msg(st == CBR_OK, "row %zu (%s) refused: %d %s", i, rows[i], (int)st, err.message);
        }
        collect k = {{0}, b, tid};
        cbr_error err = {0};
        cbr_status st = cbr_eval(ctx, b, on_award, &k, &err);
        ck_assert_msg(st == CBR_OK, "cbr_eval: %d %s", (int)st, err.message);
        size_t na = 0;
        const cbr_award *aw = cbr_context_awards(ctx, &na);
        strbuf kept = {0};
        for (size_t j = 0; j < na; j++) {
            ck_assert_str_eq(aw[j].offer_id, cbr_program_offer_id(p, aw[j].offer));
            ck_assert_uint_lt(aw[j].row, cbr_batch_rows(b));
            fmt_award(&kept, b, tid, &aw[j]);
        }
        ck_assert_str_eq(sb_take(&k.sb), sb_take(&kept));
        sb_add(&out, "%s", kept.p);
        free(k.sb.p);
        free(kept.p);
    } while (i < n);
    cbr_context_free(ctx);
    cbr_batch_free(b);
    return sb_take(&out);
}

/* The awards of src on rows (NULL-terminated), as "TID OFFER AMOUNT CUR\n"
 * lines.  The compiled program, the bundle loaded back and row-by-row
 * evaluation must agree.  The text lives until the next call. */
AWARDS_OF_UNUSED static const char *awards_of(const char *src, const char *const rows[])
{
    static char *last;
    size_t n = 0;
    while (rows[n])
        n++;
    cbr_program *p = compile_ok(src);
    cbr_program *q = reload(p);
    char *a = eval_rows(p, rows, n, 0);
    char *b = eval_rows(q, rows, n, 0);
    char *c = eval_rows(p, rows, n, 1);
    ck_assert_msg(strcmp(a, b) == 0, "the loaded bundle gives other awards:\ncompiled:\n%sloaded:\n%s", a, b);
    ck_assert_msg(strcmp(a, c) == 0, "row by row gives other awards:\none batch:\n%srow by row:\n%s", a, c);
    free(b);
    free(c);
    cbr_program_free(q);
    cbr_program_free(p);
    free(last);
    last = a;
    return a;
}

#define AWARDS(src, ...) awards_of((src), (const char *const[]){__VA_ARGS__, NULL})

#endif
