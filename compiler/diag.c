/* diag.c: recording diagnostics and turning byte offsets into line:column.
 * Positions are kept as byte offsets while compiling (cheap, exact) and are
 * converted only once, when the check ends (jq's locfile does the same). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compiler/compint.h"
#include "stdlib/text.h"
#include "stdlib/textbuf.h"
#include "vm/program.h"

static cbrdiag *add(cbr_compiler *c, cbr_severity sev, cbrloc loc, const char *code,
                    const char *fmt, va_list ap)
{
    if (sev == CBR_ERROR && (c->too_many || c->nerr >= c->cfg.limits.max_errors)) {
        c->too_many = true;
        c->last_dropped = true;
        return NULL;
    }
    c->last_dropped = false;
    if (c->ndiag == c->diagcap) {
        size_t nc = c->diagcap ? c->diagcap * 2 : 16;
        cbrdiag *d = c->cfg.alloc(c->cfg.alloc_ud, c->diags, nc * sizeof *d);
        if (!d) {
            cbrcomp_oom(c);
            return NULL;
        }
        c->diags = d;
        c->diagcap = nc;
    }
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t len = strlen(buf), bad;
    /* A message cut at the buffer's end must not end inside a character. */
    if (!cbrtext_valid(buf, len, &bad) && bad + 4 >= len)
        buf[bad] = '\0';
    char *msg = cbrcomp_strdup(c, buf, strlen(buf));
    if (!msg)
        return NULL;
    cbrdiag *d = &c->diags[c->ndiag];
    memset(d, 0, sizeof *d);
    d->pub.severity = sev;
    d->pub.message = msg;
    d->pub.code = code;
    d->loc = loc;
    d->seq = (uint32_t)c->ndiag++;
    if (sev == CBR_ERROR)
        c->nerr++;
    else if (sev == CBR_WARNING)
        c->nwarn++;
    return d;
}

void cbrdiag_error(cbr_compiler *c, cbrloc loc, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(c, CBR_ERROR, loc, code, fmt, ap);
    va_end(ap);
}

void cbrdiag_warning(cbr_compiler *c, cbrloc loc, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(c, CBR_WARNING, loc, code, fmt, ap);
    va_end(ap);
}

void cbrdiag_hint(cbr_compiler *c, const char *fmt, ...)
{
    if (c->ndiag == 0 || c->last_dropped)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    c->diags[c->ndiag - 1].pub.hint = cbrcomp_strdup(c, buf, strlen(buf));
}

static bool build_lines(cbr_compiler *c, cbrsource *s)
{
    if (s->lines)
        return true;
    uint32_t n = 1;
    for (uint32_t i = 0; i < s->len; i++)
        n += s->text[i] == '\n';
    s->lines = cbrcomp_alloc(c, (size_t)n * sizeof *s->lines);
    if (!s->lines)
        return false;
    uint32_t k = 0;
    s->lines[k++] = 0;
    for (uint32_t i = 0; i < s->len; i++)
        if (s->text[i] == '\n')
            s->lines[k++] = i + 1;
    s->nlines = n;
    return true;
}

/* Index of the line holding byte offset off. */
static uint32_t line_of(const cbrsource *s, uint32_t off)
{
    uint32_t lo = 0, hi = s->nlines;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->lines[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

void cbrdiag_linecol(cbr_compiler *c, uint32_t file, uint32_t off, unsigned *line, unsigned *col)
{
    cbrsource *s = &c->src[file];
    if (off > s->len)
        off = s->len;
    if (!build_lines(c, s)) {
        *line = *col = 1;
        return;
    }
    uint32_t l = line_of(s, off);
    uint32_t start = s->lines[l];
    /* A byte order mark opens the text but is no column of line 1. */
    if (l == 0 && s->len >= 3 && memcmp(s->text, "\xEF\xBB\xBF", 3) == 0 && off >= 3)
        start = 3;
    *line = l + 1;
    *col = (unsigned)cbrtext_codepoints(s->text + start, off - start) + 1;
}

static int cmp_diag(const void *a, const void *b)
{
    const cbrdiag *x = a, *y = b;
    if (x->loc.file != y->loc.file)
        return x->loc.file < y->loc.file ? -1 : 1;
    if (x->loc.start != y->loc.start)
        return x->loc.start < y->loc.start ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void cbrdiag_finish(cbr_compiler *c)
{
    if (c->ndiag > 1)
        qsort(c->diags, c->ndiag, sizeof *c->diags, cmp_diag);
    for (size_t i = 0; i < c->ndiag; i++) {
        cbrdiag *d = &c->diags[i];
        cbrsource *s = &c->src[d->loc.file];
        d->pub.file = s->name;
        cbrdiag_linecol(c, d->loc.file, d->loc.start, &d->pub.line, &d->pub.column);
        uint32_t end = d->loc.end > d->loc.start ? d->loc.end : d->loc.start;
        cbrdiag_linecol(c, d->loc.file, end, &d->pub.end_line, &d->pub.end_column);
        d->pub.source_line = "";
        if (s->lines && d->pub.line <= s->nlines) {
            uint32_t a = s->lines[d->pub.line - 1], b = a;
            if (a == 0 && s->len >= 3 && memcmp(s->text, "\xEF\xBB\xBF", 3) == 0)
                a = b = 3;
            while (b < s->len && s->text[b] != '\n')
                b++;
            if (b > a && s->text[b - 1] == '\r')
                b--;
            char *t = cbrcomp_strdup(c, s->text + a, b - a);
            if (t) {
                cbrtext_printable(t, b - a);
                d->pub.source_line = t;
            }
        }
    }
}

/* ---- formatting (public) ---- */

static const char *sev_name(cbr_severity s)
{
    return s == CBR_ERROR ? "error" : s == CBR_WARNING ? "warning" : "note";
}

/* Byte offset of code point `col` (1-based) in line. */
static size_t byte_at_col(const char *line, size_t len, unsigned col)
{
    size_t i = 0;
    for (unsigned k = 1; k < col && i < len; k++)
        i = cbrtext_next(line, len, i);
    return i;
}

cbr_status cbr_diagnostic_format(const cbr_config *cfg, const cbr_diagnostic *d, char **out,
                                 size_t *outlen, cbr_error *err)
{
    if (!d || !out)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_diagnostic_format: no diagnostic or no place for the text");
    *out = NULL;
    cbr_config c;
    cbrx_config_copy(cfg, &c);
    cbrtb b = {0};
    cbrtb_puts(&b, d->file ? d->file : "<input>");
    cbrtb_printf(&b, ":%u:%u: %s: ", d->line, d->column, sev_name(d->severity));
    cbrtb_puts(&b, d->message);
    cbrtb_puts(&b, "\n");
    const char *line = d->source_line ? d->source_line : "";
    size_t len = strlen(line);
    if (d->line > 0 && (len > 0 || d->column > 1)) {
        /* A very long line is shown as a window around the column. */
        enum { WINDOW = 160, BEFORE = 60 };
        size_t at = byte_at_col(line, len, d->column);
        size_t from = 0, to = len;
        if (len > WINDOW) {
            from = at > BEFORE ? at - BEFORE : 0;
            while (from > 0 && ((unsigned char)line[from] & 0xC0) == 0x80)
                from--;
            to = from + WINDOW < len ? from + WINDOW : len;
            while (to < len && ((unsigned char)line[to] & 0xC0) == 0x80)
                to++;
        }
        const char *pre = from > 0 ? "..." : "", *post = to < len ? "..." : "";
        char gutter[16];
        int gw = snprintf(gutter, sizeof gutter, "%u", d->line);
        cbrtb_printf(&b, " %s | %s", gutter, pre);
        cbrtb_put(&b, line + from, to - from);
        cbrtb_printf(&b, "%s\n", post);
        cbrtb_printf(&b, " %*s | %s", gw, "", from > 0 ? "   " : "");
        /* Copy tabs so the caret lines up; everything else becomes spaces. */
        for (size_t i = from; i < at;) {
            size_t j = cbrtext_next(line, len, i);
            if (j > at)
                j = at;
            if (line[i] == '\t')
                cbrtb_puts(&b, "\t");
            else
                for (size_t w = cbrtext_width(line + i, j - i); w > 0; w--)
                    cbrtb_puts(&b, " ");
            i = j;
        }
        cbrtb_puts(&b, "^");
        if (d->end_line == d->line && d->end_column > d->column + 1) {
            size_t e = byte_at_col(line, len, d->end_column);
            if (e > to)
                e = to;
            size_t w = e > at ? cbrtext_width(line + at, e - at) : 0;
            for (size_t k = 1; k < w; k++)
                cbrtb_puts(&b, "~");
        }
        cbrtb_puts(&b, "\n");
    }
    if (d->hint) {
        cbrtb_puts(&b, " = help: ");
        cbrtb_puts(&b, d->hint);
        cbrtb_puts(&b, "\n");
    }
    char *t = b.oom ? NULL : cbrx_buf_copy(c.alloc, c.alloc_ud, b.p, b.n);
    size_t n = b.n;
    cbrtb_free(&b);
    if (!t)
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory formatting a diagnostic");
    *out = t;
    if (outlen)
        *outlen = n;
    return CBR_OK;
}
