/* tables.c: `table` declarations, checked and loaded when the rules are
 * compiled, and the expressions that read them (T[k], k in T).
 *
 * A table's rows come from literals in the source or from a CSV file (RFC
 * 4180, a header row first) resolved from the directory of the .cbr file
 * that names it.  Either way they end up here as typed keys and values,
 * sorted by key, so that duplicates are found in one pass and a constant
 * key is found by bisection; code generation writes them into the program
 * and the VM hashes them.  Nothing is read at run time.  Errors in a file
 * are reported at the `from "FILE"` of the declaration, their message
 * naming FILE:LINE. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compiler/semaint.h"
#include "stdlib/date.h"
#include "stdlib/text.h"
#include "vm/program.h"

/* A table file larger than a bundle could never be carried by one. */
#define MAX_TABLE_FILE_BYTES CBRX_MAX_BUNDLE_BYTES

static cbr_compiler *C(cbrsema_ctx *s) { return s->c; }

bool cbrtab_declare(cbrsema_ctx *s, const cbritem *it)
{
    cbrsema *m = s->m;
    if (m->ntables >= CBRX_MAX_TABLES) {
        cbrdiag_error(C(s), it->name_loc, "limit-tables", "more than %u tables in one program", CBRX_MAX_TABLES);
        return true;
    }
    cbrtable *t = cbrarena_grow(&s->c->arena, m->tables, sizeof *m->tables, &s->tables_cap, m->ntables + 1);
    if (!t)
        return cbrcomp_oom(s->c), false;
    m->tables = t;
    t = &m->tables[m->ntables];
    memset(t, 0, sizeof *t);
    t->item = it;
    t->value = T_NOTHING;
    return cbrmap_put(s->c, &s->names, it->name.s, it->name.n, NAMEVAL(SYM_TABLE, m->ntables++));
}

/* ---- rows ---- */

typedef struct rows {
    cbrtable *t;
    uint32_t cap;
    uint32_t *lines;     /* the file's line, or the entry's number inline */
    bool settled;        /* the rows are in the arena (sort_rows) */
} rows;

static bool add_row(cbrsema_ctx *s, rows *r, cbrtabval k, cbrtabval v, uint32_t line)
{
    cbrtable *t = r->t;
    if (t->n == r->cap) {
        uint32_t cap = r->cap ? r->cap * 2 : 64;
        cbrtabval *nk = realloc(t->keys, (size_t)cap * sizeof *nk);
        if (nk)
            t->keys = nk;
        cbrtabval *nv = nk ? realloc(t->vals, (size_t)cap * sizeof *nv) : NULL;
        if (nv)
            t->vals = nv;
        uint32_t *nl = nv ? realloc(r->lines, (size_t)cap * sizeof *nl) : NULL;
        if (!nl)
            return cbrcomp_oom(s->c), false;
        r->lines = nl;
        r->cap = cap;
    }
    t->keys[t->n] = k;
    t->vals[t->n] = v;
    r->lines[t->n] = line;
    t->n++;
    return true;
}

/* Copies the rows out of the C heap (where they grew) into the arena, which
 * the checked model lives in. */
static bool settle(cbrsema_ctx *s, rows *r)
{
    cbrtable *t = r->t;
    if (r->settled) {
        free(r->lines);
        r->lines = NULL;
        return true;
    }
    cbrtabval *k = cbrcomp_alloc(s->c, ((size_t)t->n + 1) * sizeof *k);
    cbrtabval *v = t->value != T_NOTHING ? cbrcomp_alloc(s->c, ((size_t)t->n + 1) * sizeof *v) : NULL;
    bool ok = k && (v || t->value == T_NOTHING);
    if (ok && t->n) { /* an empty table has no rows to copy (and NULL arrays) */
        memcpy(k, t->keys, (size_t)t->n * sizeof *k);
        if (v)
            memcpy(v, t->vals, (size_t)t->n * sizeof *v);
    }
    free(t->keys);
    free(t->vals);
    free(r->lines);
    t->keys = ok ? k : NULL;
    t->vals = ok ? v : NULL;
    r->lines = NULL;
    if (!ok)
        t->n = 0;
    return ok || (cbrcomp_oom(s->c), false);
}

static int key_cmp(cbrtype kt, const cbrtabval *a, const cbrtabval *b)
{
    if (kt == T_INT)
        return (a->i > b->i) - (a->i < b->i);
    size_t n = a->s.n < b->s.n ? a->s.n : b->s.n;
    int c = memcmp(a->s.s, b->s.s, n);
    return c ? c : (a->s.n > b->s.n) - (a->s.n < b->s.n);
}

/* A row being sorted: its key and where it was (ties keep file order). */
typedef struct sortrow {
    cbrtabval k;
    uint32_t at;
} sortrow;

static int int_rows(const void *x, const void *y)
{
    const sortrow *a = x, *b = y;
    int c = key_cmp(T_INT, &a->k, &b->k);
    return c ? c : (a->at > b->at) - (a->at < b->at);
}

static int str_rows(const void *x, const void *y)
{
    const sortrow *a = x, *b = y;
    int c = key_cmp(T_STRING, &a->k, &b->k);
    return c ? c : (a->at > b->at) - (a->at < b->at);
}

static void key_text(const cbrtable *t, const cbrtabval *k, char *buf, size_t n)
{
    if (t->key == T_INT)
        snprintf(buf, n, "%lld", (long long)k->i);
    else
        snprintf(buf, n, "\"%.*s\"", k->s.n > 60 ? 60 : (int)k->s.n, k->s.s);
}

/* Sorts the rows by key and reports every duplicate, at the later row:
 * in a file as FILE:LINE, inline at the entry itself. */
static bool sort_rows(cbrsema_ctx *s, rows *r, const char *path, cbrloc at)
{
    cbrtable *t = r->t;
    sortrow *order = malloc(((size_t)t->n + 1) * sizeof *order);
    /* The sorted rows go straight into the arena the checked model lives in. */
    cbrtabval *k = cbrcomp_alloc(s->c, ((size_t)t->n + 1) * sizeof *k);
    cbrtabval *v = t->value != T_NOTHING ? cbrcomp_alloc(s->c, ((size_t)t->n + 1) * sizeof *v) : NULL;
    uint32_t *l = malloc(((size_t)t->n + 1) * sizeof *l);
    if (!order || !k || (!v && t->value != T_NOTHING) || !l) {
        free(order), free(l);
        return cbrcomp_oom(s->c), false;
    }
    bool sorted = true;
    for (uint32_t i = 0; i < t->n; i++) {
        order[i] = (sortrow){t->keys[i], i};
        if (i && sorted && key_cmp(t->key, &t->keys[i - 1], &t->keys[i]) > 0)
            sorted = false;
    }
    /* qsort has no context argument, hence one comparator per key type
     * (a static would race between compilers on two threads). */
    if (!sorted)
        qsort(order, t->n, sizeof *order, t->key == T_INT ? int_rows : str_rows);
    bool ok = true;
    for (uint32_t i = 0; i < t->n; i++) {
        k[i] = t->keys[order[i].at];
        if (v)
            v[i] = t->vals[order[i].at];
        l[i] = r->lines[order[i].at];
        if (i && key_cmp(t->key, &k[i - 1], &k[i]) == 0) {
            char txt[80];
            key_text(t, &k[i], txt, sizeof txt);
            if (path) {
                cbrdiag_error(C(s), at, "table-duplicate-key", "%s:%u: duplicate key %s in table `%s`", path, l[i],
                              txt, t->item->name.s);
                cbrdiag_hint(C(s), "the first is on line %u", l[i - 1]);
            } else {
                const cbrtabledecl *d = &t->item->u.table;
                unsigned line, col;
                cbrloc first = d->keys[l[i - 1]]->loc;
                cbrdiag_linecol(s->c, first.file, first.start, &line, &col);
                cbrdiag_error(C(s), d->keys[l[i]]->loc, "table-duplicate-key", "duplicate key %s in table `%s`", txt,
                              t->item->name.s);
                cbrdiag_hint(C(s), "the first is at line %u, column %u", line, col);
            }
            ok = false;
        }
    }
    free(order);
    free(t->keys);
    free(t->vals);
    free(r->lines);
    t->keys = k;
    t->vals = v;
    r->lines = l;
    r->settled = true;
    return ok;
}

/* ---- values from text (a CSV field) ---- */

static bool parse_int(const char *p, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = n > 0 && p[0] == '-';
    i = neg;
    if (i == n)
        return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        unsigned d = (unsigned)(p[i] - '0');
        if (v > (UINT64_C(9223372036854775808) - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (!neg && v > INT64_MAX)
        return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* The value of text p[0..n) as type t, in the arena for strings; NULL when
 * it is good, else why not. */
static const char *parse_text(cbrsema_ctx *s, cbrtype t, const char *p, size_t n, cbrtabval *out)
{
    memset(out, 0, sizeof *out);
    switch (t) {
    case T_INT:
        return parse_int(p, n, &out->i) ? NULL : "is not an int";
    case T_DECIMAL: {
        bool pct = n > 0 && p[n - 1] == '%';
        if (!cbrdec_parse(p, pct ? n - 1 : n, false, &out->d) || (pct && out->d.scale + 2 > CBRDEC_MAX_SCALE))
            return "is not a decimal (write 0.05 or 5%)";
        if (pct)
            out->d.scale += 2;
        return NULL;
    }
    case T_MONEY:
        if (!cbrdec_parse(p, n, false, &out->d))
            return memchr(p, ' ', n) ? "is not an amount: a table's money is in the transaction's currency, written without a code"
                                     : "is not an amount (write 5.00)";
        return NULL;
    case T_BOOL:
        if (n == 4 && !memcmp(p, "true", 4))
            out->i = 1;
        else if (!(n == 5 && !memcmp(p, "false", 5)))
            return "is not a bool (write true or false)";
        return NULL;
    case T_DATE: {
        int32_t d;
        if (!cbrdate_parse(p, n, &d))
            return "is not a date (write 2026-03-13)";
        out->i = d;
        return NULL;
    }
    case T_STRING: {
        if (!cbrtext_valid(p, n, NULL))
            return "is not valid UTF-8";
        cbrtext_buf b;
        char *c = NULL;
        if (cbrtext_nfc(p, n, &b))
            c = cbrcomp_strdup(s->c, b.p, b.n);
        out->s = (cbrstr){c, c ? (uint32_t)b.n : 0};
        cbrtext_buf_free(&b);
        if (!c)
            cbrcomp_oom(s->c);
        return NULL;
    }
    default:
        return "cannot be read";
    }
}

/* ---- the CSV file ---- */

/* The path of FILE as the .cbr file at `file` names it. */
static char *resolve(cbrsema_ctx *s, uint32_t file, cbrstr name)
{
    const char *src = s->c->src[file].name;
    const char *slash = strrchr(src, '/');
    size_t dir = name.n && name.s[0] == '/' ? 0 : slash ? (size_t)(slash - src) + 1 : 0;
    char *p = cbrcomp_alloc(s->c, dir + name.n + 1);
    if (!p)
        return NULL;
    memcpy(p, src, dir);
    memcpy(p + dir, name.s, name.n);
    p[dir + name.n] = '\0';
    return p;
}

static char *read_file(cbrsema_ctx *s, const char *path, cbrloc at, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cbrdiag_error(C(s), at, "table-file", "cannot open table file %s: %s", path, strerror(errno));
        if (errno == ENOENT)
            cbrdiag_hint(C(s), "a table file is found from the directory of the .cbr file that names it");
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap > MAX_TABLE_FILE_BYTES) {
                cbrdiag_error(C(s), at, "table-file", "table file %s is larger than %u bytes", path,
                              MAX_TABLE_FILE_BYTES);
                free(buf);
                fclose(f);
                return NULL;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    if (buf && ferror(f)) {
        cbrdiag_error(C(s), at, "table-file", "cannot read table file %s: %s", path, strerror(errno));
        free(buf);
        buf = NULL;
    } else if (!buf) {
        cbrcomp_oom(s->c);
    }
    fclose(f);
    *len = n;
    return buf;
}

/* One CSV record: its fields (unquoted into scratch), the line it starts on. */
typedef struct record {
    char *scratch;
    size_t cap;
    size_t start[3], len[3];
    unsigned nf;         /* fields seen (counting past 3) */
    bool bad_quote;
} record;

/* Reads the record at *at; false at the end of the text. */
static bool next_record(const char *b, size_t n, size_t *at, unsigned *line, record *r)
{
    size_t i = *at;
    if (i >= n)
        return false;
    if (r->cap < n - i + 1) {
        char *q = realloc(r->scratch, n - i + 1);
        if (!q)
            return false;
        r->scratch = q;
        r->cap = n - i + 1;
    }
    size_t w = 0;
    r->nf = 0;
    r->bad_quote = false;
    for (;;) {
        size_t fs = w;
        if (i < n && b[i] == '"') {
            i++;
            for (;;) {
                if (i >= n) {
                    r->bad_quote = true;
                    break;
                }
                if (b[i] == '"') {
                    if (i + 1 < n && b[i + 1] == '"') {
                        r->scratch[w++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (b[i] == '\n')
                    ++*line;
                r->scratch[w++] = b[i++];
            }
            if (i < n && b[i] != ',' && b[i] != '\n' && b[i] != '\r')
                r->bad_quote = true;
            while (i < n && b[i] != ',' && b[i] != '\n')
                i++;
        } else {
            while (i < n && b[i] != ',' && b[i] != '\n') {
                if (b[i] == '"')
                    r->bad_quote = true;
                r->scratch[w++] = b[i++];
            }
            if (w > fs && r->scratch[w - 1] == '\r' && (i >= n || b[i] == '\n'))
                w--;
        }
        if (r->nf < 3) {
            r->start[r->nf] = fs;
            r->len[r->nf] = w - fs;
        }
        r->nf++;
        if (i < n && b[i] == ',') {
            i++;
            continue;
        }
        if (i < n)
            i++; /* the newline */
        ++*line;
        break;
    }
    *at = i;
    return true;
}

static void load_file(cbrsema_ctx *s, cbrtable *t, rows *r)
{
    const cbrtabledecl *d = &t->item->u.table;
    cbrloc at = d->file_loc;
    const char *path = resolve(s, at.file, d->file);
    if (!path)
        return;
    t->path = path;
    size_t n;
    char *b = read_file(s, path, at, &n);
    if (!b)
        return;
    size_t i = 0;
    if (n >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3))
        i = 3;
    unsigned want = d->is_set ? 1 : 2, line = 1, errors = 0;
    record rec = {0};
    bool header = true;
    while (errors < 10) {
        unsigned first = line;
        if (!next_record(b, n, &i, &line, &rec))
            break;
        if (rec.nf == 1 && rec.len[0] == 0 && !rec.bad_quote)
            continue; /* a blank line */
        if (rec.bad_quote) {
            cbrdiag_error(C(s), at, "table-bad-value", "%s:%u: a quoted field is not closed, or has text after its closing quote",
                          path, first);
            errors++;
            continue;
        }
        if (rec.nf != want) {
            cbrdiag_error(C(s), at, "table-columns", "%s:%u: %u columns; table `%s` has %u (%s)", path, first,
                          rec.nf, t->item->name.s, want, d->is_set ? "the key" : "the key and the value");
            errors++;
            header = false;
            continue;
        }
        if (header) {
            header = false;
            continue;
        }
        if (t->n >= CBRX_MAX_TABLE_ROWS) {
            cbrdiag_error(C(s), at, "limit-table-rows", "%s:%u: table `%s` has more than %u rows", path, first,
                          t->item->name.s, CBRX_MAX_TABLE_ROWS);
            errors = 10;
            break;
        }
        cbrtabval k, v = {0};
        const char *why = parse_text(s, t->key, rec.scratch + rec.start[0], rec.len[0], &k);
        const char *what = "key";
        size_t col = 0;
        if (!why && !d->is_set) {
            why = parse_text(s, t->value, rec.scratch + rec.start[1], rec.len[1], &v);
            what = "value";
            col = 1;
        }
        if (why) {
            cbrdiag_error(C(s), at, "table-bad-value", "%s:%u: %s \"%.*s\" %s", path, first, what,
                          rec.len[col] > 60 ? 60 : (int)rec.len[col], rec.scratch + rec.start[col], why);
            errors++;
            continue;
        }
        if (s->c->oom || !add_row(s, r, k, v, first))
            break;
    }
    free(rec.scratch);
    free(b);
    if (errors == 0 && !s->c->oom && sort_rows(s, r, path, at))
        t->ok = true;
}

/* ---- inline entries ---- */

/* The value of a literal entry as type t; false after reporting why not. */
static bool entry_value(cbrsema_ctx *s, cbrtype t, cbrexpr *x, const char *what, cbrtabval *out)
{
    memset(out, 0, sizeof *out);
    cbrtype xt = cbrtc_expr(s, x);
    if (xt == T_ERROR)
        return false;
    bool literal = x->kind == E_LIT || (x->kind == E_NEG && x->u.kids.a->kind == E_LIT);
    if (!literal || !x->is_const) {
        cbrdiag_error(C(s), x->loc, "table-entry", "a table's %s is a literal, such as \"gold\", 5, 0.05 or 2026-03-13", what);
        return false;
    }
    const cbrval *v = &x->value;
    bool ok;
    switch (t) {
    case T_INT: ok = xt == T_INT; out->i = v->u.i; break;
    case T_DECIMAL: ok = xt == T_INT || xt == T_DECIMAL; out->d = cbrsema_const_dec(v); break;
    case T_MONEY:
        ok = xt == T_INT || xt == T_DECIMAL || (xt == T_MONEY && !v->u.m.cur[0]);
        if (xt == T_MONEY && v->u.m.cur[0]) {
            cbrdiag_error(C(s), x->loc, "table-entry",
                          "a table's money is in the transaction's currency: write the %s without `%s`", what,
                          v->u.m.cur);
            return false;
        }
        out->d = cbrsema_const_dec(v);
        break;
    case T_STRING: {
        ok = xt == T_STRING;
        if (!ok)
            break;
        cbrtext_buf b;
        char *c = NULL;
        if (cbrtext_nfc(v->u.s.s, v->u.s.n, &b))
            c = cbrcomp_strdup(s->c, b.p, b.n);
        out->s = (cbrstr){c, c ? (uint32_t)b.n : 0};
        cbrtext_buf_free(&b);
        if (!c)
            return cbrcomp_oom(s->c), false;
        break;
    }
    case T_BOOL: ok = xt == T_BOOL; out->i = v->u.b; break;
    case T_DATE: ok = xt == T_DATE; out->i = v->u.date; break;
    default: ok = false; break;
    }
    if (!ok)
        cbrdiag_error(C(s), x->loc, "table-entry", "this %s is %s, but the table's %ss are %s", what,
                      cbrtype_name(xt), what, cbrtype_name(t));
    return ok;
}

static void load_inline(cbrsema_ctx *s, cbrtable *t, rows *r)
{
    const cbrtabledecl *d = &t->item->u.table;
    bool ok = true;
    for (uint32_t i = 0; i < d->n; i++) {
        if (d->is_set != (d->vals[i] == NULL)) {
            cbrdiag_error(C(s), d->keys[i]->loc, "table-entry",
                          d->is_set ? "table `%s` is a set: list its keys in [...], without values"
                                    : "table `%s` has values: write its entries as {key: value, ...}",
                          t->item->name.s);
            return;
        }
        cbrtabval k, v = {0};
        bool good = entry_value(s, t->key, d->keys[i], "key", &k);
        if (good && !d->is_set)
            good = entry_value(s, t->value, d->vals[i], "value", &v);
        if (!good) {
            ok = false;
            continue;
        }
        if (!add_row(s, r, k, v, i))
            return;
    }
    if (ok && sort_rows(s, r, NULL, t->item->loc))
        t->ok = true;
}

/* Decimal and money values all at the largest scale written. */
static bool rescale(cbrsema_ctx *s, cbrtable *t)
{
    if (t->value != T_DECIMAL && t->value != T_MONEY)
        return true;
    unsigned sc = 0;
    for (uint32_t i = 0; i < t->n; i++)
        if (t->vals[i].d.scale > sc)
            sc = t->vals[i].d.scale;
    for (uint32_t i = 0; i < t->n; i++)
        if (!cbrdec_rescale(t->vals[i].d, sc, &t->vals[i].d)) {
            cbrdiag_error(C(s), t->item->name_loc, "table-bad-value",
                          "a value of table `%s` does not fit at %u decimal places", t->item->name.s, sc);
            return false;
        }
    t->scale = sc;
    return true;
}

static const char *const key_types[] = {"string", "int"};
static const char *const value_types[] = {"int", "decimal", "money", "string", "bool", "date"};

static void load_table(cbrsema_ctx *s, cbrtable *t, uint64_t *total)
{
    const cbrtabledecl *d = &t->item->u.table;
    t->key = cbrsema_type_named(d->key.name.s, d->key.name.n);
    bool ok = true;
    if (t->key != T_STRING && t->key != T_INT) {
        cbrdiag_error(C(s), d->key.loc, "bad-type", "a table's keys are string or int; found `%s`", d->key.name.s);
        if (t->key == T_ERROR)
            cbrsuggest(s->c, d->key.name.s, d->key.name.n, key_types, 2);
        ok = false;
    }
    if (!d->is_set) {
        t->value = cbrsema_type_named(d->value.name.s, d->value.name.n);
        if (t->value != T_INT && t->value != T_DECIMAL && t->value != T_MONEY && t->value != T_STRING &&
            t->value != T_BOOL && t->value != T_DATE) {
            cbrdiag_error(C(s), d->value.loc, "bad-type",
                          "a table's values are int, decimal, money, string, bool or date; found `%s`",
                          d->value.name.s);
            if (t->value == T_ERROR)
                cbrsuggest(s->c, d->value.name.s, d->value.name.n, value_types, 6);
            t->value = T_ERROR;
            ok = false;
        }
    }
    if (!ok) {
        t->key = T_ERROR;
        return;
    }
    rows r = {.t = t};
    if (d->from_file)
        load_file(s, t, &r);
    else
        load_inline(s, t, &r);
    if (t->ok && !rescale(s, t))
        t->ok = false;
    *total += t->n;
    if (t->ok && *total > CBRX_MAX_TABLE_ROWS) {
        cbrdiag_error(C(s), t->item->name_loc, "limit-table-rows", "the tables have more than %u rows together",
                      CBRX_MAX_TABLE_ROWS);
        t->ok = false;
    }
    if (!settle(s, &r))
        t->ok = false;
}

void cbrtab_load(cbrsema_ctx *s)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < s->m->ntables && !s->c->oom; i++)
        load_table(s, &s->m->tables[i], &total);
}

/* ---- expressions ---- */

int cbrtab_named(cbrsema_ctx *s, const cbrexpr *e)
{
    if (e->kind != E_NAME)
        return -1;
    int v = cbrmap_get(&s->names, e->u.name.s, e->u.name.n);
    return v >= 0 && NAMEKIND(v) == SYM_TABLE ? (int)NAMEIDX(v) : -1;
}

/* The row of a constant key, or -1. */
static int32_t find_const(const cbrtable *t, const cbrval *v)
{
    cbrtabval k;
    cbrtext_buf b;
    bool nfc = false;
    if (t->key == T_INT) {
        k.i = v->u.i;
    } else {
        if (!cbrtext_nfc(v->u.s.s, v->u.s.n, &b))
            return -1;
        nfc = true;
        k.s = (cbrstr){b.p, (uint32_t)b.n};
    }
    int32_t lo = 0, hi = (int32_t)t->n - 1, found = -1;
    while (lo <= hi) {
        int32_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(t->key, &t->keys[mid], &k);
        if (c == 0) {
            found = mid;
            break;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    if (nfc)
        cbrtext_buf_free(&b);
    return found;
}

/* Checks the key of T[k] or k in T against table t; false after an error. */
static bool check_key(cbrsema_ctx *s, const cbrtable *t, cbrexpr *key, cbrtype kt, const char *how)
{
    if (kt == T_ERROR || t->key == T_ERROR)
        return false;
    if (kt != t->key) {
        cbrdiag_error(C(s), key->loc, "table-key-type", "table `%s` has %s keys; %s %s", t->item->name.s,
                      cbrtype_name(t->key), how, cbrtype_name(kt));
        if (t->key == T_STRING && T_IS_NUM(kt))
            cbrdiag_hint(C(s), "string keys are written in quotes");
        else if (t->key == T_INT && (kt == T_DECIMAL || kt == T_MONEY))
            cbrdiag_hint(C(s), "an int key is a whole number: round() the key first");
        return false;
    }
    return true;
}

static void set_const(cbrexpr *e, const cbrtable *t, uint32_t row)
{
    memset(&e->value, 0, sizeof e->value);
    e->value.type = t->value;
    const cbrtabval *v = &t->vals[row];
    switch (t->value) {
    case T_INT: e->value.u.i = v->i; break;
    case T_DECIMAL: e->value.u.d = v->d; break;
    case T_MONEY: e->value.u.m.amount = v->d; break; /* cur "": the transaction's */
    case T_STRING: e->value.u.s = v->s; break;
    case T_BOOL: e->value.u.b = v->i != 0; break;
    case T_DATE: e->value.u.date = (int32_t)v->i; break;
    default: return;
    }
    e->is_const = true;
}

cbrtype cbrtab_check_index(cbrsema_ctx *s, cbrexpr *e)
{
    cbrexpr *name = e->u.kids.a, *key = e->u.kids.b;
    cbrtype kt = cbrtc_expr(s, key);
    int v = cbrmap_get(&s->names, name->u.name.s, name->u.name.n);
    if (v < 0) {
        cbrdiag_error(C(s), name->loc, "unknown-table", "unknown table `%s`", name->u.name.s);
        cbrsuggest_map(s->c, name->u.name.s, name->u.name.n, &s->names, SYM_TABLE);
        return e->type = T_ERROR;
    }
    if (NAMEKIND(v) != SYM_TABLE) {
        static const char *const what[] = {"", "a field", "a let", "a weekday", "a function", "a function", ""};
        unsigned k = NAMEKIND(v);
        cbrdiag_error(C(s), name->loc, "not-a-table", "`%s` is %s, not a table: only tables are looked up with [...]",
                      name->u.name.s, k < 7 ? what[k] : "not a table");
        return e->type = T_ERROR;
    }
    name->sym = SYM_TABLE;
    name->sym_index = NAMEIDX(v);
    e->sym = SYM_TABLE;
    e->sym_index = NAMEIDX(v);
    const cbrtable *t = &s->m->tables[e->sym_index];
    if (t->item->u.table.is_set) {
        cbrdiag_error(C(s), e->loc, "table-set-index", "table `%s` is a set: it has keys but no values to look up",
                      t->item->name.s);
        cbrdiag_hint(C(s), "test a key with `KEY in %s`", t->item->name.s);
        return e->type = T_ERROR;
    }
    if (!check_key(s, t, key, kt, "this key is") || t->value == T_ERROR)
        return e->type = T_ERROR;
    if (key->is_const && t->ok) {
        int32_t row = find_const(t, &key->value);
        if (row < 0) {
            char txt[80];
            cbrtc_const_text(&key->value, txt, sizeof txt);
            cbrdiag_warning(C(s), key->loc, "table-key-missing", "%s is not a key of table `%s`, so this is always unknown",
                            txt, t->item->name.s);
            e->warned = true;
        } else {
            set_const(e, t, (uint32_t)row);
        }
    }
    return e->type = t->value;
}

cbrtype cbrtab_check_in(cbrsema_ctx *s, cbrexpr *e, int table)
{
    cbrexpr *a = e->u.kids.a, *l = e->u.kids.b;
    cbrtype ta = cbrtc_expr(s, a);
    const cbrtable *t = &s->m->tables[table];
    l->sym = SYM_TABLE;
    l->sym_index = (uint32_t)table;
    l->type = T_ERROR;
    e->sym = SYM_TABLE;
    e->sym_index = (uint32_t)table;
    if (T_IS_LIST(ta)) {
        cbrdiag_error(C(s), a->loc, "type", "the left side of `%s` must be a single value, found %s",
                      e->negated ? "not in" : "in", cbrtype_name(ta));
        return e->type = T_ERROR;
    }
    if (!check_key(s, t, a, ta, "this is"))
        return e->type = T_ERROR;
    if (a->is_const && t->ok) {
        bool found = find_const(t, &a->value) >= 0;
        memset(&e->value, 0, sizeof e->value);
        e->value.type = T_BOOL;
        e->value.u.b = found != e->negated;
        e->is_const = true;
    }
    return e->type = T_BOOL;
}
