/* fmt.c: the source formatter behind cbr_format and `cbrc fmt`.
 * It parses a source (no name or type checks: a file may use what another
 * file declares), then prints the AST in the canonical layout of
 * doc/language.md ("Formatting").  Every token's text is copied from the
 * source, so literals keep their spelling, and the comments the lexer
 * recorded with their offsets are put back before the token they preceded or
 * at the end of the line they ended.  The result is parsed again and compared
 * token by token, comment by comment and bare rule by bare rule with the
 * input before it is returned: a mistake here can refuse a file, never change
 * a program. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compiler/compint.h"
#include "vm/program.h"
#include "compiler/parser.h"

/* Lines are filled up to this many columns (characters) before breaking. */
#define WIDTH 100u
/* Aligned neighbours differ in width by at most this much; a wider one
 * starts a new aligned group rather than push the others far right. */
#define SPREAD 20u
/* The width of a stretch laid out without breaking long lines (see program). */
#define UNBOUNDED (1u << 30)
/* Indentation of a block's contents and of continuation lines. */
#define STEP 4u

typedef struct fline {
    size_t off, len;     /* the code part, in the output buffer */
    unsigned width;      /* its columns */
    uint32_t com, comlen; /* a trailing comment (source offset); comlen 0: none */
} fline;

typedef struct spanent {
    const cbrexpr *e;
    uint32_t s, t;       /* first and last token, the expression's own parentheses included */
    uint32_t k;          /* how many pairs of those parentheses */
} spanent;

typedef struct fmt {
    cbr_compiler *c;
    const char *src;
    uint32_t srclen;
    const cbrlexspan *tok, *com;
    uint32_t ntok, ncom;
    uint32_t *match;     /* the matching bracket of each ( ) [ ] token */
    spanent *spans;      /* expression -> token span, open addressing */
    size_t nspan, spancap;
    uint32_t ti, ci;     /* next token and next comment to print */

    char *buf;           /* the code of every line */
    size_t len, cap;
    fline *lines;
    size_t nlines, linecap;
    size_t cur;          /* where the current line starts in buf */
    unsigned col;        /* columns on the current line */
    unsigned pend;       /* indentation of the current line, written with its first text */
    uint32_t ccom, ccomlen; /* trailing comment of the current line */
    size_t last_tok_line;   /* the line that holds the last token printed */
    uint32_t last_end;   /* source offset after the last token or comment printed */
    bool space;          /* a space goes before the next token */
    bool must_break;     /* a trailing comment closed the line */
    unsigned cont;       /* indentation of a line that a comment forces */
    int flat;            /* > 0: inside something known to fit on its line */
    unsigned width;      /* WIDTH, or UNBOUNDED while a bare rule needs the room */
    bool no_blank;       /* blank lines are left out while a bare rule needs the room */

    bool measuring;      /* only add up widths */
    unsigned mw;
    bool mfirst;

    bool oom, bad;       /* out of memory; tokens not where the tree says */
} fmt;

/* ---- memory ---- */

static void *grow(fmt *f, void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t nc = *cap ? *cap : 64;
    while (nc < need)
        nc *= 2;
    void *q = f->c->cfg.alloc(f->c->cfg.alloc_ud, p, nc * size);
    if (!q) {
        f->oom = true;
        return NULL;
    }
    *cap = nc;
    return q;
}

static void release(fmt *f, void *p)
{
    if (p)
        f->c->cfg.alloc(f->c->cfg.alloc_ud, p, 0);
}

/* ---- the source ---- */

static unsigned columns(const char *s, size_t n)
{
    unsigned w = 0;
    for (size_t i = 0; i < n; i++)
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    return w;
}

static unsigned tok_width(const fmt *f, uint32_t i)
{
    return columns(f->src + f->tok[i].start, f->tok[i].end - f->tok[i].start);
}

/* Whether the source has an empty line between offsets a and b (only
 * whitespace and comments lie between two tokens). */
static bool has_blank(const fmt *f, uint32_t a, uint32_t b)
{
    bool seen_nl = false, content = false;
    for (uint32_t p = a; p < b; p++) {
        char ch = f->src[p];
        if (ch == '\n') {
            if (seen_nl && !content)
                return true;
            seen_nl = true;
            content = false;
        } else if (ch != ' ' && ch != '\t' && ch != '\r') {
            content = true;
        }
    }
    return false;
}

static bool has_newline(const fmt *f, uint32_t a, uint32_t b)
{
    return a < b && memchr(f->src + a, '\n', b - a) != NULL;
}

/* The token that starts (ends) at byte off. */
static uint32_t tok_at(fmt *f, uint32_t off, bool by_end)
{
    uint32_t lo = 0, hi = f->ntok;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint32_t v = by_end ? f->tok[mid].end : f->tok[mid].start;
        if (v < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= f->ntok || (by_end ? f->tok[lo].end : f->tok[lo].start) != off) {
        f->bad = true;
        return f->ntok ? f->ntok - 1 : 0;
    }
    return lo;
}

/* Whether a comment lies between tokens s and t. */
static bool comment_within(const fmt *f, uint32_t s, uint32_t t)
{
    uint32_t a = f->tok[s].end, b = f->tok[t].start;
    uint32_t lo = 0, hi = f->ncom;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->com[mid].start < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->ncom && f->com[lo].start < b;
}

/* A comment's text without the spaces or carriage return before its line's end. */
static uint32_t comment_len(const fmt *f, uint32_t k)
{
    uint32_t a = f->com[k].start, b = f->com[k].end;
    while (b > a && (f->src[b - 1] == ' ' || f->src[b - 1] == '\t' || f->src[b - 1] == '\r'))
        b--;
    return b - a;
}

/* ---- token spans of expressions ---- */

static size_t span_hash(const cbrexpr *e, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)e * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 20) & (cap - 1);
}

static spanent *span_find(fmt *f, const cbrexpr *e)
{
    if (!f->spancap)
        return NULL;
    for (size_t i = span_hash(e, f->spancap);; i = (i + 1) & (f->spancap - 1)) {
        if (f->spans[i].e == e)
            return &f->spans[i];
        if (!f->spans[i].e)
            return NULL;
    }
}

static void span_add(fmt *f, const spanent *ent)
{
    if ((f->nspan + 1) * 2 > f->spancap) {
        size_t nc = f->spancap ? f->spancap * 2 : 256;
        spanent *ns = f->c->cfg.alloc(f->c->cfg.alloc_ud, NULL, nc * sizeof *ns);
        if (!ns) {
            f->oom = true;
            return;
        }
        memset(ns, 0, nc * sizeof *ns);
        for (size_t i = 0; i < f->spancap; i++)
            if (f->spans[i].e) {
                size_t j = span_hash(f->spans[i].e, nc);
                while (ns[j].e)
                    j = (j + 1) & (nc - 1);
                ns[j] = f->spans[i];
            }
        release(f, f->spans);
        f->spans = ns;
        f->spancap = nc;
    }
    size_t j = span_hash(ent->e, f->spancap);
    while (f->spans[j].e)
        j = (j + 1) & (f->spancap - 1);
    f->spans[j] = *ent;
    f->nspan++;
}

/* The tokens of e, with its own parentheses: the AST keeps one `paren` flag
 * and locations without them, so the pairs around e are found by matching
 * brackets (a `(` after a name opens a call, not a group). */
static spanent espan(fmt *f, const cbrexpr *e)
{
    spanent *hit = span_find(f, e);
    if (hit)
        return *hit;
    spanent r = {e, 0, 0, 0}, x;
    switch (e->kind) {
    case E_LIT: case E_NAME: case E_CALL: case E_LIST: case E_INDEX:
        r.s = tok_at(f, e->loc.start, false);
        r.t = tok_at(f, e->loc.end, true);
        break;
    case E_NOT: case E_NEG:
        r.s = tok_at(f, e->loc.start, false);
        r.t = espan(f, e->u.kids.a).t;
        break;
    case E_AND: case E_OR:
        if (e->u.list.n == 0) {
            f->bad = true;
            return r;
        }
        r.s = espan(f, e->u.list.items[0]).s;
        r.t = espan(f, e->u.list.items[e->u.list.n - 1]).t;
        break;
    case E_BIN: case E_IN:
        r.s = espan(f, e->u.kids.a).s;
        r.t = espan(f, e->u.kids.b).t;
        break;
    case E_BETWEEN:
        x = espan(f, e->u.kids.a);
        r.s = x.s;
        r.t = espan(f, e->u.kids.c).t;
        break;
    }
    while (e->paren && r.s > 0 && r.t + 1 < f->ntok && f->tok[r.s - 1].kind == TK_LPAREN &&
           f->match[r.s - 1] == r.t + 1 && !(r.s >= 2 && f->tok[r.s - 2].kind == TK_IDENT)) {
        r.s--;
        r.t++;
        r.k++;
    }
    span_add(f, &r);
    return r;
}

/* ---- output ---- */

static bool line_has_text(const fmt *f) { return f->len > f->cur; }

static void put(fmt *f, const char *s, size_t n)
{
    if (f->measuring) {
        f->mw += columns(s, n);
        return;
    }
    size_t ind = line_has_text(f) ? 0 : f->pend;
    char *b = grow(f, f->buf, &f->cap, f->len + ind + n + 1, 1);
    if (!b)
        return;
    f->buf = b;
    if (!line_has_text(f)) {
        memset(b + f->len, ' ', ind);
        f->len += ind;
        f->col = (unsigned)ind;
    }
    memcpy(b + f->len, s, n);
    f->len += n;
    f->col += columns(s, n);
}

static void push_line(fmt *f, bool empty)
{
    fline *l = grow(f, f->lines, &f->linecap, f->nlines + 1, sizeof *l);
    if (!l)
        return;
    f->lines = l;
    if (empty)
        l[f->nlines++] = (fline){f->len, 0, 0, 0, 0};
    else
        l[f->nlines++] = (fline){f->cur, f->len - f->cur, f->col, f->ccom, f->ccomlen};
    f->cur = f->len;
    f->col = 0;
    f->ccom = f->ccomlen = 0;
}

/* Ends the current line if it holds anything; the next starts at ind. */
static void nl(fmt *f, unsigned ind)
{
    if (f->measuring)
        return;
    if (line_has_text(f) || f->ccomlen)
        push_line(f, false);
    f->pend = ind;
    f->must_break = false;
}

static void blank(fmt *f)
{
    if (f->no_blank)
        return;
    nl(f, f->pend);
    if (f->nlines && f->lines[f->nlines - 1].len + f->lines[f->nlines - 1].comlen != 0)
        push_line(f, true);
}

/* The column the next token starts at. */
static unsigned next_col(const fmt *f)
{
    if (f->must_break)
        return f->cont;
    if (!line_has_text(f))
        return f->pend;
    return f->col + (f->space ? 1u : 0u);
}

/* ---- comments ---- */

static bool trailing_in_source(const fmt *f, uint32_t k)
{
    return f->ti > 0 && !has_newline(f, f->tok[f->ti - 1].end, f->com[k].start);
}

static void own_line_comment(fmt *f, uint32_t k)
{
    unsigned ind = line_has_text(f) || f->must_break ? f->cont : f->pend;
    nl(f, ind);
    put(f, f->src + f->com[k].start, comment_len(f, k));
    nl(f, ind);
    f->last_end = f->com[k].end;
}

/* Puts comment k at the end of the line that holds the token before it. */
static void trailing_comment(fmt *f, uint32_t k)
{
    if (line_has_text(f) && !f->ccomlen) {
        f->ccom = f->com[k].start;
        f->ccomlen = comment_len(f, k);
        f->must_break = true;
    } else if (!line_has_text(f) && f->last_tok_line < f->nlines &&
               !f->lines[f->last_tok_line].comlen) {
        f->lines[f->last_tok_line].com = f->com[k].start;
        f->lines[f->last_tok_line].comlen = comment_len(f, k);
    } else {
        own_line_comment(f, k);
        return;
    }
    f->last_end = f->com[k].end;
}

/* Prints the comments that come before source offset upto. */
static void flush(fmt *f, uint32_t upto)
{
    for (; f->ci < f->ncom && f->com[f->ci].start < upto; f->ci++) {
        if (trailing_in_source(f, f->ci))
            trailing_comment(f, f->ci);
        else
            own_line_comment(f, f->ci);
    }
}

/* Prints the comment that ends the source line of the last token, if any. */
static void flush_trailing(fmt *f)
{
    uint32_t upto = f->ti < f->ntok ? f->tok[f->ti].start : f->srclen;
    if (f->ci < f->ncom && f->com[f->ci].start < upto && trailing_in_source(f, f->ci))
        trailing_comment(f, f->ci++);
}

/* ---- tokens ---- */

/* Prints the next token, which must be of `kind` (0: any), after the
 * comments before it. */
static void tok(fmt *f, int kind)
{
    if (f->ti >= f->ntok || (kind && f->tok[f->ti].kind != kind)) {
        f->bad = true;
        return;
    }
    const cbrlexspan *t = &f->tok[f->ti];
    if (f->measuring) {
        f->mw += (f->space && !f->mfirst ? 1u : 0u) + tok_width(f, f->ti);
        f->mfirst = false;
        f->space = false;
        f->ti++;
        return;
    }
    flush(f, t->start);
    if (f->must_break)
        nl(f, f->cont);
    if (line_has_text(f) && f->space)
        put(f, " ", 1);
    put(f, f->src + t->start, t->end - t->start);
    f->space = false;
    f->last_tok_line = f->nlines;
    f->last_end = t->end;
    f->ti++;
}

static void sp(fmt *f) { f->space = true; }

/* Passes over a token that the layout leaves out (a trailing comma). */
static void skip_tok(fmt *f)
{
    if (!f->measuring)
        flush(f, f->tok[f->ti].start);
    f->ti++;
}

/* Prints the tokens that start before offset end, a space between each. */
static void words(fmt *f, uint32_t end)
{
    while (f->ti < f->ntok && f->tok[f->ti].start < end) {
        tok(f, 0);
        sp(f);
    }
    f->space = false;
}

/* ---- expressions ---- */

static void expr(fmt *f, const cbrexpr *e, unsigned ind, unsigned reserve);

/* The width of e printed on one line. */
static unsigned measure(fmt *f, const cbrexpr *e)
{
    spanent sp_ = espan(f, e);
    uint32_t ti = f->ti;
    bool space = f->space;
    f->ti = sp_.s;
    f->measuring = true;
    f->mw = 0;
    f->mfirst = true;
    f->space = false;
    expr(f, e, 0, 0);
    f->measuring = false;
    f->ti = ti;
    f->space = space;
    return f->mw;
}

/* Whether e fits on the current line with `reserve` columns after it, and
 * holds no comment (a comment ends its line, so it cannot be flat). */
static bool fits(fmt *f, const cbrexpr *e, unsigned reserve)
{
    spanent s = espan(f, e);
    if (comment_within(f, s.s, s.t))
        return false;
    return next_col(f) + measure(f, e) + reserve <= f->width;
}

/* Elements of a list or arguments of a call: on one line, or filling lines
 * with the continuation under the first element. */
static void elements(fmt *f, cbrexpr *const *items, uint32_t n, int close, bool flat,
                     unsigned reserve)
{
    unsigned al = f->col;
    for (uint32_t i = 0; i < n; i++) {
        bool last = i + 1 == n;
        unsigned after = 1 + (last ? reserve : 0);
        if (i) {
            tok(f, TK_COMMA);
            if (!flat && f->col + 1 + measure(f, items[i]) + after > f->width)
                nl(f, al);
            else
                sp(f);
        }
        f->cont = al;
        expr(f, items[i], al, after);
    }
    if (f->ti < f->ntok && f->tok[f->ti].kind == TK_COMMA && close == TK_RBRACK)
        skip_tok(f);
}

static int binop_token(cbrbinop op)
{
    switch (op) {
    case OP_ADD: return TK_PLUS;
    case OP_SUB: return TK_MINUS;
    case OP_MUL: return TK_STAR;
    case OP_DIV: return TK_SLASH;
    case OP_EQ: return TK_EQ;
    case OP_NE: return TK_NE;
    case OP_LT: return TK_LT;
    case OP_LE: return TK_LE;
    case OP_GT: return TK_GT;
    case OP_GE: return TK_GE;
    case OP_FEQ: return TK_FEQ;
    }
    return 0;
}

/* Prints e from the cursor.  ind is where e's own continuation lines start
 * if it must break; reserve counts the columns that must follow it on its
 * line (closing brackets, a comma). */
static void expr(fmt *f, const cbrexpr *e, unsigned ind, unsigned reserve)
{
    spanent s = espan(f, e);
    if (f->bad || f->oom)
        return;
    unsigned saved_cont = f->cont;
    f->cont = ind;
    bool sum = e->kind == E_BIN && (e->op == OP_ADD || e->op == OP_SUB);
    bool breakable = e->kind == E_AND || e->kind == E_OR || e->kind == E_LIST || e->kind == E_CALL || sum;
    bool flat = f->measuring || f->flat > 0 || (breakable && fits(f, e, reserve));
    if (flat)
        f->flat++;
    for (uint32_t i = 0; i < s.k; i++)
        tok(f, TK_LPAREN);
    unsigned r = reserve + s.k;
    switch (e->kind) {
    case E_LIT:
    case E_NAME:
        words(f, e->loc.end);
        break;
    case E_CALL:
        tok(f, TK_IDENT);
        tok(f, TK_LPAREN);
        elements(f, e->args.items, e->args.n, TK_RPAREN, flat, r);
        tok(f, TK_RPAREN);
        break;
    case E_LIST:
        tok(f, TK_LBRACK);
        elements(f, e->u.list.items, e->u.list.n, TK_RBRACK, flat, r);
        tok(f, TK_RBRACK);
        break;
    case E_INDEX:
        tok(f, TK_IDENT);
        tok(f, TK_LBRACK);
        expr(f, e->u.kids.b, ind, r + 1);
        tok(f, TK_RBRACK);
        break;
    case E_NOT:
        tok(f, TK_NOT);
        sp(f);
        expr(f, e->u.kids.a, ind, r);
        break;
    case E_NEG:
        tok(f, TK_MINUS);
        expr(f, e->u.kids.a, ind, r);
        break;
    case E_AND:
    case E_OR: {
        /* A chain that does not fit puts each operand on a line of its own,
         * the operator first; operands that break go one step further in. */
        int op = e->kind == E_AND ? TK_AND : TK_OR;
        for (uint32_t i = 0; i < e->u.list.n; i++) {
            if (i) {
                if (flat)
                    sp(f);
                else
                    nl(f, ind);
                f->cont = ind;
                tok(f, op);
                sp(f);
            }
            expr(f, e->u.list.items[i], ind + STEP, i + 1 == e->u.list.n ? r : 0);
        }
        break;
    }
    case E_BIN:
        /* A sum that does not fit breaks before its last `+` or `-`, the
         * operator first, as a chain of `and` does (a tiered reward). */
        expr(f, e->u.kids.a, ind, 0);
        if (sum && !flat && s.k == 0) {
            nl(f, ind);
            f->cont = ind;
        } else {
            sp(f);
        }
        tok(f, binop_token(e->op));
        sp(f);
        expr(f, e->u.kids.b, ind, r);
        break;
    case E_IN:
        expr(f, e->u.kids.a, ind, 0);
        sp(f);
        if (e->negated) {
            tok(f, TK_NOT);
            sp(f);
        }
        tok(f, TK_IN);
        sp(f);
        expr(f, e->u.kids.b, ind, r);
        break;
    case E_BETWEEN:
        expr(f, e->u.kids.a, ind, 0);
        sp(f);
        tok(f, TK_BETWEEN);
        sp(f);
        expr(f, e->u.kids.b, ind, 0);
        sp(f);
        tok(f, TK_AND);
        sp(f);
        expr(f, e->u.kids.c, ind, r);
        break;
    }
    f->cont = ind;
    for (uint32_t i = 0; i < s.k; i++)
        tok(f, TK_RPAREN);
    if (flat)
        f->flat--;
    f->cont = saved_cont;
}

/* ---- statements ---- */

/* Starts a statement whose first token is next, at indentation ind: ends
 * the line before, then prints the comments before the statement on lines
 * of their own, keeping one blank line where the source has one or more
 * (none at the top of a block).  A bare rule must stay on its source line
 * (`line`, 0 for any statement else), since its offer id is that line:
 * blank lines are added before it to keep it there, and false is returned
 * when the lines above have grown past it. */
static bool begin_stmt(fmt *f, unsigned ind, bool top, unsigned line)
{
    flush_trailing(f);
    nl(f, ind);
    f->cont = ind + STEP;
    uint32_t at = f->ti < f->ntok ? f->tok[f->ti].start : f->srclen;
    uint32_t first_c = f->ci, end_c = f->ci;
    while (end_c < f->ncom && f->com[end_c].start < at)
        end_c++;
    /* Where the blank lines go: gap k is before comment first_c + k, the
     * last gap before the token.  Lines added for a bare rule join the last
     * blank line, so comments stay next to what they were next to. */
    size_t lines = 0;
    uint32_t p = f->last_end, pad_gap = 0;
    bool any = !top;
    for (uint32_t k = first_c; k <= end_c; k++) {
        uint32_t next = k < end_c ? f->com[k].start : at;
        if (any && !f->no_blank && has_blank(f, p, next)) {
            lines++;
            pad_gap = k - first_c;
        }
        if (k < end_c) {
            lines++;
            p = f->com[k].end;
        }
        any = true;
    }
    unsigned extra = 0;
    if (line) {
        size_t landing = f->nlines + 1 + lines;
        if (landing > line)
            return false;
        extra = (unsigned)(line - landing);
    }
    any = !top;
    for (uint32_t k = first_c; k <= end_c; k++) {
        uint32_t next = k < end_c ? f->com[k].start : at;
        if (any && has_blank(f, f->last_end, next))
            blank(f);
        if (k - first_c == pad_gap)
            for (; extra; extra--)
                push_line(f, true);
        any = true;
        if (k < end_c)
            own_line_comment(f, f->ci++);
    }
    return true;
}

/* Prints the comments left before a block's `}` (or the end of the file)
 * at indentation ind, keeping blank lines between them. */
static void end_block(fmt *f, unsigned ind, bool empty)
{
    flush_trailing(f);
    uint32_t at = f->ti < f->ntok ? f->tok[f->ti].start : f->srclen;
    bool any = !empty;
    nl(f, ind);
    for (; f->ci < f->ncom && f->com[f->ci].start < at; f->ci++) {
        if (any && has_blank(f, f->last_end, f->com[f->ci].start))
            blank(f);
        any = true;
        own_line_comment(f, f->ci);
    }
}

/* A reward: `cashback VALUE [up to CAP]`, an expression part laid out as
 * any expression (`min(amount, 50.00)`), a literal as written. */
static void reward(fmt *f, const cbrreward *r, unsigned ind)
{
    tok(f, TK_CASHBACK);
    sp(f);
    if (r->expr)
        expr(f, r->expr, ind, 0);
    else
        words(f, r->has_cap ? r->cap_loc.start : r->loc.end);
    if (!r->has_cap)
        return;
    sp(f);
    tok(f, TK_UP);
    sp(f);
    tok(f, TK_TO);
    sp(f);
    if (r->cap)
        expr(f, r->cap, ind, 0);
    else
        words(f, r->loc.end);
}

/* Its width on one line. */
static unsigned reward_width(fmt *f, const cbrreward *r)
{
    uint32_t ti = f->ti;
    bool space = f->space;
    f->ti = tok_at(f, r->loc.start, false);
    f->measuring = true;
    f->mw = 0;
    f->mfirst = true;
    f->space = false;
    reward(f, r, 0);
    f->measuring = false;
    f->ti = ti;
    f->space = space;
    return f->mw;
}

/* A clause measured for the one-line layout: the width of its condition
 * and of the whole line, or !one when it cannot be on one line. */
typedef struct clause_shape {
    bool one;
    unsigned cond_w, tail_w; /* tail: " then REWARD" */
} clause_shape;

static clause_shape shape_of(fmt *f, const cbrclause *cl, unsigned ind)
{
    clause_shape sh = {false, 0, 0};
    uint32_t w = tok_at(f, cl->loc.start, false), last = tok_at(f, cl->reward.loc.end, true);
    if (f->bad || comment_within(f, w, last))
        return sh;
    sh.cond_w = measure(f, cl->cond);
    sh.tail_w = 1 + 5 + reward_width(f, &cl->reward);
    sh.one = ind + 5 + sh.cond_w + sh.tail_w <= f->width;
    return sh;
}

/* `when COND then REWARD` on one line, `then` at column then_col when
 * clauses are aligned (0: not); or `when COND` and `then REWARD` on the
 * next line, one step in. */
static void clause(fmt *f, const cbrclause *cl, unsigned ind, bool one, unsigned then_col)
{
    tok(f, TK_WHEN);
    sp(f);
    if (one) {
        f->flat++;
        expr(f, cl->cond, ind + STEP, 0);
        while (then_col && f->col + 1 < then_col)
            put(f, " ", 1);
        f->flat--;
    } else {
        expr(f, cl->cond, ind + STEP, 0);
        nl(f, ind + STEP);
    }
    f->cont = ind + STEP;
    sp(f);
    tok(f, TK_THEN);
    sp(f);
    reward(f, &cl->reward, ind + 2 * STEP);
}

/* The `then` column of a run of clauses, first..n (stopping at a blank line,
 * an attribute or a clause that cannot be on one line): aligned when every
 * clause of the run still fits so; 0 otherwise.  *end gets the run's end. */
typedef const cbrclause *(*clause_at_fn)(const void *list, uint32_t i, cbrloc *loc);

static unsigned clause_run(fmt *f, const void *list, uint32_t first, uint32_t n, unsigned ind,
                           clause_at_fn at, uint32_t *end)
{
    unsigned maxw = 0, minw = UINT32_MAX, count = 0;
    cbrloc prev = {0, 0, 0};
    uint32_t i = first;
    for (; i < n; i++) {
        cbrloc loc;
        const cbrclause *cl = at(list, i, &loc);
        if (!cl || (i > first && has_blank(f, prev.end, loc.start)))
            break;
        clause_shape sh = shape_of(f, cl, ind);
        unsigned lo = sh.cond_w < minw ? sh.cond_w : minw, hi = sh.cond_w > maxw ? sh.cond_w : maxw;
        if (!sh.one || (count && hi - lo > SPREAD))
            break;
        minw = lo;
        maxw = hi;
        count++;
        prev = loc;
    }
    *end = i > first ? i : first + 1;
    if (count < 2 || f->width != WIDTH)
        return 0;
    /* The widest condition may meet the longest reward: check them all. */
    for (uint32_t j = first; j < i; j++) {
        cbrloc loc;
        clause_shape sh = shape_of(f, at(list, j, &loc), ind);
        if (ind + 5 + maxw + sh.tail_w > WIDTH)
            return 0;
    }
    return ind + 5 + maxw + 1;
}

static const cbrclause *attr_clause(const void *list, uint32_t i, cbrloc *loc)
{
    const cbrattr *a = &((const cbrattrs *)list)->items[i];
    *loc = a->loc;
    return a->kind == A_CLAUSE ? &a->u.clause : NULL;
}

static void attribute(fmt *f, const cbrattr *a)
{
    tok(f, 0);
    sp(f);
    if (a->kind == A_ROUNDING || a->kind == A_PRIORITY) {
        /* `half-up` is one word in three tokens; `-5` is one number. */
        while (f->ti < f->ntok && f->tok[f->ti].start < a->loc.end) {
            bool minus = f->tok[f->ti].kind == TK_MINUS;
            if (minus && a->kind == A_ROUNDING)
                f->space = false;
            tok(f, 0);
            f->space = false;
        }
        return;
    }
    if (a->kind == A_VEST) {
        /* `vest after`, then the days as any expression is laid out. */
        tok(f, 0);
        sp(f);
        bool group = f->ti < f->ntok && f->tok[f->ti].kind == TK_LPAREN;
        if (group) {
            tok(f, TK_LPAREN);
            f->space = false;
        }
        expr(f, a->u.vest.e, 0, 0);
        if (group) {
            f->space = false;
            tok(f, TK_RPAREN);
        }
        sp(f);
    }
    words(f, a->loc.end);
}

static void block(fmt *f, const cbrattrs *list, unsigned ind)
{
    sp(f);
    tok(f, TK_LBRACE);
    uint32_t close = f->ti;
    if (list->n == 0 && close < f->ntok &&
        !(f->ci < f->ncom && f->com[f->ci].start < f->tok[close].start)) {
        tok(f, TK_RBRACE);
        return;
    }
    uint32_t run_end = 0;
    unsigned then_col = 0;
    for (uint32_t i = 0; i < list->n && !f->bad; i++) {
        const cbrattr *a = &list->items[i];
        begin_stmt(f, ind + STEP, i == 0, 0);
        if (a->kind != A_CLAUSE) {
            attribute(f, a);
            continue;
        }
        if (i >= run_end)
            then_col = clause_run(f, list, i, list->n, ind + STEP, attr_clause, &run_end);
        clause(f, &a->u.clause, ind + STEP, shape_of(f, &a->u.clause, ind + STEP).one,
               then_col);
    }
    end_block(f, ind + STEP, list->n == 0);
    nl(f, ind);
    tok(f, TK_RBRACE);
}

/* given { k: v, ... }: fields fill lines, continuing under the first; a
 * line break the author put after a comma is kept, so fields can be grouped. */
static void fields(fmt *f, const cbrstep *st)
{
    tok(f, TK_LBRACE);
    if (st->nkv == 0) {
        tok(f, TK_RBRACE);
        return;
    }
    sp(f);
    unsigned al = next_col(f);
    for (uint32_t i = 0; i < st->nkv && !f->bad; i++) {
        const cbrgiven_kv *kv = &st->kvs[i];
        bool last = i + 1 == st->nkv;
        unsigned after = last ? 2 : 1;
        if (i) {
            tok(f, TK_COMMA);
            uint32_t key = tok_at(f, kv->key_loc.start, false);
            unsigned w = tok_width(f, key) + 2 + measure(f, kv->value) + after;
            if (has_newline(f, f->tok[f->ti - 1].end, f->tok[key].start) ||
                f->col + 1 + w > f->width)
                nl(f, al);
            else
                sp(f);
        }
        f->cont = al;
        tok(f, TK_IDENT);
        tok(f, TK_COLON);
        sp(f);
        expr(f, kv->value, al, after);
    }
    f->cont = al;
    sp(f);
    tok(f, TK_RBRACE);
}

static void given(fmt *f, const cbrstep *st)
{
    tok(f, TK_GIVEN);
    sp(f);
    fields(f, st);
}

/* already VERB AMOUNT from "X" { k: v, ... }: its words, then its fields
 * laid out as a given's. */
static void already(fmt *f, const cbrstep *st)
{
    words(f, st->block_loc.start);
    sp(f);
    fields(f, st);
}

/* stub NAME(ARGS) = VALUE */
static void stub(fmt *f, const cbrstep *st, unsigned ind)
{
    tok(f, TK_IDENT);
    sp(f);
    expr(f, st->call, ind, 0);
    sp(f);
    tok(f, TK_ASSIGN);
    sp(f);
    expr(f, st->value, ind, 0);
}

static void test_block(fmt *f, const cbrsteps *steps, unsigned ind)
{
    sp(f);
    tok(f, TK_LBRACE);
    uint32_t close = f->ti;
    if (steps->n == 0 && close < f->ntok &&
        !(f->ci < f->ncom && f->com[f->ci].start < f->tok[close].start)) {
        tok(f, TK_RBRACE);
        return;
    }
    for (uint32_t i = 0; i < steps->n && !f->bad; i++) {
        const cbrstep *st = &steps->items[i];
        begin_stmt(f, ind + STEP, i == 0, 0);
        if (st->kind == STEP_GIVEN)
            given(f, st);
        else if (st->kind == STEP_STUB)
            stub(f, st, ind + STEP);
        else if (st->kind >= STEP_ALREADY_EARNED)
            already(f, st);
        else
            words(f, st->loc.end);
    }
    end_block(f, ind + STEP, steps->n == 0);
    nl(f, ind);
    tok(f, TK_RBRACE);
}

/* ---- top-level items ---- */

typedef struct items_view {
    cbritem **v;
    uint32_t n;
} items_view;

static const cbrclause *item_clause(const void *list, uint32_t i, cbrloc *loc)
{
    const items_view *iv = list;
    *loc = iv->v[i]->loc;
    return iv->v[i]->kind == I_RULE ? &iv->v[i]->u.rule : NULL;
}

/* A let on one line: `let NAME = EXPR` with no comment inside; its width
 * without the name, or 0 when it cannot be on one line. */
static unsigned let_tail(fmt *f, const cbritem *it, unsigned *name_w)
{
    uint32_t first = tok_at(f, it->loc.start, false), last = tok_at(f, it->loc.end, true);
    *name_w = columns(it->name.s, it->name.n);
    if (f->bad || comment_within(f, first, last))
        return 0;
    unsigned w = 4 + 3 + measure(f, it->u.let_expr);
    return w + *name_w <= f->width ? w : 0;
}

/* The name column of a run of lets like the clause runs: `=` aligned when
 * every let of the run still fits on one line so. */
static unsigned let_run(fmt *f, const items_view *iv, uint32_t first, uint32_t *end)
{
    unsigned maxname = 0, minname = UINT32_MAX, count = 0;
    uint32_t i = first;
    for (; i < iv->n; i++) {
        const cbritem *it = iv->v[i];
        unsigned nw;
        if (it->kind != I_LET || (i > first && has_blank(f, iv->v[i - 1]->loc.end, it->loc.start)))
            break;
        if (!let_tail(f, it, &nw))
            break;
        unsigned lo = nw < minname ? nw : minname, hi = nw > maxname ? nw : maxname;
        if (count && hi - lo > SPREAD)
            break;
        minname = lo;
        maxname = hi;
        count++;
    }
    *end = i > first ? i : first + 1;
    if (f->width != WIDTH)
        return 0;
    for (uint32_t j = first; j < i; j++) {
        unsigned nw;
        if (let_tail(f, iv->v[j], &nw) + maxname > WIDTH)
            return 0;
    }
    return count >= 2 ? maxname : 0;
}

/* An inline table's entries: on the declaration's line when they fit,
 * else one entry a line, indented, the bracket closing at the margin. */
static void table_entries(fmt *f, const cbrtabledecl *t)
{
    int open = t->is_set ? TK_LBRACK : TK_LBRACE, close = t->is_set ? TK_RBRACK : TK_RBRACE;
    unsigned w = f->col + 2;
    for (uint32_t i = 0; i < t->n; i++)
        w += measure(f, t->keys[i]) + (t->is_set ? 0 : 2 + measure(f, t->vals[i])) + (i ? 2 : 0);
    bool flat = w <= f->width;
    tok(f, open);
    for (uint32_t i = 0; i < t->n && !f->bad; i++) {
        if (i)
            tok(f, TK_COMMA);
        if (flat) {
            if (i)
                sp(f);
        } else {
            nl(f, STEP);
        }
        f->flat++;
        expr(f, t->keys[i], STEP, 0);
        if (!t->is_set) {
            tok(f, TK_COLON);
            sp(f);
            expr(f, t->vals[i], STEP, 0);
        }
        f->flat--;
    }
    if (f->ti < f->ntok && f->tok[f->ti].kind == TK_COMMA)
        skip_tok(f);
    if (!flat && t->n)
        nl(f, 0);
    tok(f, close);
}

/* A tally on one line, its parts in the order written (tokens are replayed
 * in source order); too long for a line, each optional part starts a line
 * of its own, indented. */
static void tally(fmt *f, const cbrtallydef *t, uint32_t end)
{
    unsigned width = 0;
    for (uint32_t i = f->ti; i < f->ntok && f->tok[i].start < end; i++)
        width += tok_width(f, i) + 1;
    bool split = width > WIDTH + 1;
    tok(f, TK_TALLY);
    sp(f);
    tok(f, TK_IDENT);
    sp(f);
    tok(f, TK_ASSIGN);
    sp(f);
    tok(f, TK_IDENT);
    if (t->what.s) {
        sp(f);
        tok(f, TK_IDENT);
    }
    sp(f);
    tok(f, TK_PER);
    sp(f);
    tok(f, TK_IDENT);
    /* The optional parts by position; a repeated one is a check error, and
     * the formatter refuses (f->bad) what it cannot replay. */
    uint32_t at[3] = {t->has_period ? t->period_loc.start : UINT32_MAX, t->cond ? t->where_loc.start : UINT32_MAX,
                      t->has_zone ? t->zone_loc.start : UINT32_MAX};
    if (t->nperiod > 1 || t->nzone > 1)
        f->bad = true;
    for (int k = 0; k < 3 && !f->bad; k++) {
        int next = -1;
        for (int j = 0; j < 3; j++)
            if (at[j] != UINT32_MAX && (next < 0 || at[j] < at[next]))
                next = j;
        if (next < 0)
            break;
        at[next] = UINT32_MAX;
        if (split)
            nl(f, STEP);
        else
            sp(f);
        if (next == 0) {
            tok(f, TK_PER);
            sp(f);
            tok(f, TK_IDENT);
        } else if (next == 1) {
            tok(f, TK_IDENT);
            sp(f);
            f->flat++;
            expr(f, t->cond, STEP, 0);
            f->flat--;
        } else {
            tok(f, TK_TIMEZONE);
            sp(f);
            tok(f, TK_STRING);
        }
    }
}

static void item(fmt *f, const cbritem *it, unsigned pad_name, unsigned then_col)
{
    switch (it->kind) {
    case I_TABLE:
        tok(f, TK_TABLE);
        sp(f);
        tok(f, TK_IDENT);
        tok(f, TK_COLON);
        sp(f);
        tok(f, TK_IDENT);
        if (!it->u.table.is_set) {
            sp(f);
            tok(f, TK_ARROW);
            sp(f);
            tok(f, TK_IDENT);
        }
        sp(f);
        if (it->u.table.from_file) {
            tok(f, TK_FROM);
            sp(f);
            tok(f, TK_STRING);
        } else {
            tok(f, TK_ASSIGN);
            sp(f);
            table_entries(f, &it->u.table);
        }
        break;
    case I_FIELD:
        tok(f, TK_FIELD);
        sp(f);
        tok(f, TK_IDENT);
        tok(f, TK_COLON);
        sp(f);
        tok(f, TK_IDENT);
        break;
    case I_LET: {
        tok(f, TK_LET);
        sp(f);
        tok(f, TK_IDENT);
        for (unsigned w = columns(it->name.s, it->name.n); w < pad_name; w++)
            put(f, " ", 1);
        sp(f);
        tok(f, TK_ASSIGN);
        sp(f);
        unsigned nw;
        bool one = let_tail(f, it, &nw) != 0;
        if (one)
            f->flat++;
        expr(f, it->u.let_expr, STEP, 0);
        if (one)
            f->flat--;
        break;
    }
    case I_EXTERN:
        tok(f, TK_EXTERN);
        sp(f);
        tok(f, TK_FN);
        sp(f);
        tok(f, TK_IDENT);
        tok(f, TK_LPAREN);
        for (uint32_t i = 0; i < it->u.ext.n; i++) {
            if (i) {
                tok(f, TK_COMMA);
                sp(f);
            }
            tok(f, TK_IDENT);
        }
        tok(f, TK_RPAREN);
        sp(f);
        tok(f, TK_ARROW);
        sp(f);
        tok(f, TK_IDENT);
        break;
    case I_CAMPAIGN:
    case I_OFFER:
        tok(f, it->kind == I_OFFER ? TK_OFFER : TK_CAMPAIGN);
        sp(f);
        tok(f, TK_STRING);
        block(f, &it->u.attrs, 0);
        break;
    case I_RULE:
        clause(f, &it->u.rule, 0, shape_of(f, &it->u.rule, 0).one, then_col);
        break;
    case I_TEST:
        tok(f, TK_TEST);
        sp(f);
        tok(f, TK_STRING);
        test_block(f, &it->u.test, 0);
        break;
    case I_TALLY:
        tally(f, &it->u.tally, it->loc.end);
        break;
    }
}

static void program(fmt *f, cbrsource *s)
{
    items_view iv = {NULL, 0};
    size_t cap = 0;
    for (cbritem *it = s->items; it; it = it->next) {
        cbritem **v = grow(f, iv.v, &cap, iv.n + 1, sizeof *v);
        if (!v) {
            release(f, iv.v);
            return;
        }
        iv.v = v;
        iv.v[iv.n++] = it;
    }
    /* A bare rule's offer id is its line, so each bare rule must land on its
     * source line.  The stretch before it (from the previous bare rule on)
     * is laid out canonically first; if that pushes the rule down, again
     * without blank lines, then also without breaking long lines; only if
     * the rule still cannot stay is the file refused.  Each try depends on
     * the tokens and comments only, so a second pass chooses the same. */
    struct {
        uint32_t i;
        bool placed;          /* the item's begin_stmt is done */
        int level;
        size_t len, cur, nlines, last_tok_line;
        unsigned col, pend, cont;
        uint32_t ccom, ccomlen, last_end, ti, ci;
        bool space, must_break;
        fline last_line;
        uint32_t let_end, rule_end;
        unsigned pad, then_col;
    } seg;
    uint32_t let_end = 0, rule_end = 0;
    unsigned pad = 0, then_col = 0;
    bool placed = false;
#define SAVE(i_, placed_)                                                                   \
    do {                                                                                    \
        seg.i = (i_), seg.placed = (placed_), seg.level = 0;                                \
        seg.len = f->len, seg.cur = f->cur, seg.nlines = f->nlines;                         \
        seg.last_tok_line = f->last_tok_line, seg.col = f->col, seg.pend = f->pend;         \
        seg.cont = f->cont, seg.ccom = f->ccom, seg.ccomlen = f->ccomlen;                   \
        seg.last_end = f->last_end, seg.ti = f->ti, seg.ci = f->ci, seg.space = f->space;   \
        seg.must_break = f->must_break;                                                     \
        if (f->last_tok_line < f->nlines)                                                   \
            seg.last_line = f->lines[f->last_tok_line];                                     \
        seg.let_end = let_end, seg.rule_end = rule_end, seg.pad = pad;                      \
        seg.then_col = then_col;                                                            \
        f->width = WIDTH, f->no_blank = false;                                              \
    } while (0)
    SAVE(0, false);
    for (uint32_t i = 0; i < iv.n && !f->bad && !f->oom;) {
        cbritem *it = iv.v[i];
        if (!placed) {
            unsigned line = 0, col;
            if (it->kind == I_RULE)
                cbrdiag_linecol(f->c, 0, it->loc.start, &line, &col);
            if (!begin_stmt(f, 0, i == 0, line)) {
                if (seg.level < 2) {
                    int level = seg.level + 1;
                    i = seg.i, placed = seg.placed;
                    f->len = seg.len, f->cur = seg.cur, f->nlines = seg.nlines;
                    f->last_tok_line = seg.last_tok_line, f->col = seg.col, f->pend = seg.pend;
                    f->cont = seg.cont, f->ccom = seg.ccom, f->ccomlen = seg.ccomlen;
                    f->last_end = seg.last_end, f->ti = seg.ti, f->ci = seg.ci;
                    f->space = seg.space, f->must_break = seg.must_break;
                    if (f->last_tok_line < f->nlines)
                        f->lines[f->last_tok_line] = seg.last_line;
                    let_end = seg.let_end, rule_end = seg.rule_end, pad = seg.pad;
                    then_col = seg.then_col;
                    seg.level = level;
                    f->no_blank = true;
                    f->width = level >= 2 ? UNBOUNDED : WIDTH;
                    continue;
                }
                cbrdiag_error(f->c, (cbrloc){0, it->loc.start, it->loc.start + 4}, "fmt-moves-rule",
                              "formatting would move this bare rule off line %u, which would "
                              "change its offer id `%s:%u`", line, s->stem, line);
                cbrdiag_hint(f->c, "put it in an offer that keeps the id: offer \"%s:%u\" { ... }",
                             s->stem, line);
                break;
            }
            if (it->kind == I_RULE)
                SAVE(i, true);
        }
        placed = false;
        if (it->kind == I_LET && i >= let_end)
            pad = let_run(f, &iv, i, &let_end);
        if (it->kind == I_RULE && i >= rule_end)
            then_col = clause_run(f, &iv, i, iv.n, 0, item_clause, &rule_end);
        item(f, it, it->kind == I_LET ? pad : 0, it->kind == I_RULE ? then_col : 0);
        i++;
    }
#undef SAVE
    f->width = WIDTH, f->no_blank = false;
    if (!f->c->nerr) {
        end_block(f, 0, iv.n == 0);
        nl(f, 0);
    }
    release(f, iv.v);
}

/* ---- assembling the text ---- */

/* The lines joined, each run of consecutive lines that end in comments
 * with the comments aligned two columns after the longest code. */
static char *assemble(fmt *f, size_t *out_len)
{
    size_t n = f->nlines;
    while (n && f->lines[n - 1].len == 0 && f->lines[n - 1].comlen == 0)
        n--;
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += f->lines[i].len + f->lines[i].comlen + WIDTH + 4;
    size_t maxrun = 0;
    for (size_t i = 0; i < n; i++)
        if (f->lines[i].comlen) {
            unsigned w = 0;
            size_t j = i;
            while (j < n && f->lines[j].comlen && f->lines[j].len) {
                w = f->lines[j].width > w ? f->lines[j].width : w;
                j++;
            }
            maxrun = w > maxrun ? w : maxrun;
        }
    total += n * (maxrun + 2);
    /* Handed to the caller of cbr_format, who releases it with cbr_free. */
    char *out = cbrx_buf_new(f->c->cfg.alloc, f->c->cfg.alloc_ud, total);
    if (!out) {
        f->oom = true;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        unsigned w = 0;
        while (j < n && f->lines[j].comlen && f->lines[j].len) {
            w = f->lines[j].width > w ? f->lines[j].width : w;
            j++;
        }
        if (j == i)
            j = i + 1;
        for (; i < j; i++) {
            const fline *l = &f->lines[i];
            size_t len = l->len;
            while (len && f->buf[l->off + len - 1] == ' ')
                len--;
            memcpy(out + k, f->buf + l->off, len);
            k += len;
            if (l->comlen) {
                unsigned pad = l->len ? w + 2 - columns(f->buf + l->off, len) : 0;
                memset(out + k, ' ', pad);
                k += pad;
                memcpy(out + k, f->src + l->com, l->comlen);
                k += l->comlen;
            }
            out[k++] = '\n';
        }
    }
    out[k] = '\0';
    *out_len = k;
    return out;
}

/* ---- checking the result ---- */

static bool trailing_comma(const cbrlexlog *g, unsigned i)
{
    return g->toks[i].kind == TK_COMMA && i + 1 < g->ntok &&
           (g->toks[i + 1].kind == TK_RBRACK || g->toks[i + 1].kind == TK_RBRACE); /* lists, inline tables */
}

/* Whether b (the output) has the tokens, comments and bare-rule lines of a
 * (the input), trailing commas in lists and inline tables aside. */
static bool same_program(cbr_compiler *a, cbr_compiler *b)
{
    const cbrlexlog *ga = a->lexlog, *gb = b->lexlog;
    const char *ta = a->src[0].text, *tb = b->src[0].text;
    unsigned i = 0, j = 0;
    for (;;) {
        while (i < ga->ntok && trailing_comma(ga, i))
            i++;
        while (j < gb->ntok && trailing_comma(gb, j))
            j++;
        if (i == ga->ntok || j == gb->ntok)
            break;
        const cbrlexspan *x = &ga->toks[i++], *y = &gb->toks[j++];
        if (x->kind != y->kind || x->end - x->start != y->end - y->start ||
            memcmp(ta + x->start, tb + y->start, x->end - x->start) != 0)
            return false;
    }
    if (i != ga->ntok || j != gb->ntok || ga->ncom != gb->ncom)
        return false;
    for (unsigned k = 0; k < ga->ncom; k++) {
        const cbrlexspan *x = &ga->comments[k], *y = &gb->comments[k];
        uint32_t lx = x->end - x->start, ly = y->end - y->start;
        while (lx && strchr(" \t\r", ta[x->start + lx - 1]))
            lx--;
        while (ly && strchr(" \t\r", tb[y->start + ly - 1]))
            ly--;
        if (lx != ly || memcmp(ta + x->start, tb + y->start, lx) != 0)
            return false;
    }
    const cbritem *p = a->src[0].items, *q = b->src[0].items;
    for (; p && q; p = p->next, q = q->next) {
        if (p->kind != q->kind)
            return false;
        if (p->kind == I_RULE) {
            unsigned l1, l2, col;
            cbrdiag_linecol(a, 0, p->loc.start, &l1, &col);
            cbrdiag_linecol(b, 0, q->loc.start, &l2, &col);
            if (l1 != l2)
                return false;
        }
    }
    return !p && !q;
}

/* ---- the entry point ---- */

/* A compiler holding name/text lexed and parsed with positions recorded;
 * NULL when memory runs out. */
static cbr_compiler *parse_logged(const cbr_config *cfg, const char *name, const char *text,
                                  size_t len)
{
    cbr_compiler *c;
    if (cbr_compiler_new(cfg, &c, NULL) != CBR_OK)
        return NULL;
    c->lexlog = cbrcomp_alloc(c, sizeof *c->lexlog);
    if (!c->lexlog || cbr_compiler_add_source(c, name, text, len, NULL) != CBR_OK) {
        cbr_compiler_free(c);
        return NULL;
    }
    c->checked = true;
    cbrcomp_parse(c);
    return c;
}

static bool brackets(fmt *f)
{
    size_t cap = 0;
    f->match = grow(f, NULL, &cap, f->ntok + 1, sizeof *f->match);
    uint32_t *stack = NULL;
    size_t scap = 0, depth = 0;
    stack = grow(f, NULL, &scap, f->ntok + 1, sizeof *stack);
    if (!f->match || !stack) {
        release(f, stack);
        return false;
    }
    for (uint32_t i = 0; i < f->ntok; i++) {
        int k = f->tok[i].kind;
        f->match[i] = UINT32_MAX;
        if (k == TK_LPAREN || k == TK_LBRACK) {
            stack[depth++] = i;
        } else if ((k == TK_RPAREN || k == TK_RBRACK) && depth) {
            uint32_t o = stack[--depth];
            f->match[o] = i;
            f->match[i] = o;
        }
    }
    release(f, stack);
    return true;
}

cbr_status cbr_format(const cbr_config *cfg, const char *name, const char *text, size_t len,
                      char **out, size_t *out_len, cbr_error *err)
{
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!name || (!text && len) || !out)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_format needs a name, a text and a place for the result");
    cbr_compiler *c = parse_logged(cfg, name, text ? text : "", len);
    if (!c)
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory");
    cbr_status st = CBR_OK;
    fmt f;
    memset(&f, 0, sizeof f);
    f.c = c;
    f.width = WIDTH;
    if (!c->oom && !c->nerr) {
        cbrsource *s = &c->src[0];
        f.src = s->text;
        f.srclen = s->len;
        f.tok = c->lexlog->toks;
        f.ntok = c->lexlog->ntok;
        f.com = c->lexlog->comments;
        f.ncom = c->lexlog->ncom;
        if (brackets(&f))
            program(&f, s);
    }
    if (c->oom || f.oom) {
        st = cbrx_status(err, CBR_ERR_NOMEM, "out of memory");
    } else if (c->nerr) {
        cbrdiag_finish(c);
        cbrcomp_deliver(c);
        st = cbrx_status(err, CBR_ERR_COMPILE, "%s: %u error%s", name, c->nerr, c->nerr == 1 ? "" : "s");
    } else if (f.bad) {
        st = cbrx_status(err, CBR_ERR_STATE, "%s: the formatter lost its place in the tokens; "
                     "the file was left as it is", name);
    } else {
        size_t n = 0;
        char *text_out = assemble(&f, &n);
        if (!text_out) {
            st = cbrx_status(err, CBR_ERR_NOMEM, "out of memory");
        } else {
            cbr_compiler *again = parse_logged(cfg, name, text_out, n);
            if (!again) {
                st = cbrx_status(err, CBR_ERR_NOMEM, "out of memory");
            } else if (again->oom) {
                st = cbrx_status(err, CBR_ERR_NOMEM, "out of memory");
            } else if (again->nerr || !same_program(c, again)) {
                st = cbrx_status(err, CBR_ERR_STATE, "%s: the formatted text would not be the same "
                             "program; the file was left as it is", name);
            }
            cbr_compiler_free(again);
            if (st == CBR_OK) {
                *out = text_out;
                if (out_len)
                    *out_len = n;
            } else {
                cbr_free(text_out);
            }
        }
    }
    release(&f, f.buf);
    release(&f, f.lines);
    release(&f, f.match);
    release(&f, f.spans);
    cbr_compiler_free(c);
    if (st == CBR_OK && err) {
        err->status = CBR_OK;
        err->message[0] = '\0';
    }
    return st;
}
