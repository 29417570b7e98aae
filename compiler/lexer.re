/* lexer.re: the re2c scanner for .cbr source (UTF-8).
 * The text ends in a NUL sentinel (the compiler stores it that way), so the
 * scanner needs no bounds checks; an embedded NUL is reported as an error.
 * Literal values (numbers, dates, instants, strings) are decoded and checked
 * here, so a bad literal is reported precisely, at its own position. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "compiler/lexer.h"
#include "compiler/parser.h"
#include "stdlib/date.h"
#include "stdlib/text.h"

/*!re2c
    re2c:api:style = free-form;
    re2c:define:YYCTYPE = "unsigned char";
    re2c:define:YYCURSOR = "lx->cur";
    re2c:define:YYMARKER = "lx->mar";
    re2c:define:YYCTXMARKER = "lx->ctx";
    re2c:yyfill:enable = 0;
    re2c:flags:utf-8 = 1;

    digit   = [0-9];
    digits  = digit+ ("_" digit+)*;
    ident   = [A-Za-z_][A-Za-z0-9_]*;
    date    = digit{4} "-" digit{2} "-" digit{2};
    clock   = digit{2} ":" digit{2} (":" digit{2} ("." digit+)?)?;
    offset  = [Zz] | [+-] digit{2} ":" digit{2};
    any     = [^\x00];
*/

void cbrlex_init(cbr_lexer *lx, cbr_compiler *cc, uint32_t file)
{
    memset(lx, 0, sizeof *lx);
    lx->cc = cc;
    lx->file = file;
    cbrsource *s = &cc->src[file];
    lx->base = (const unsigned char *)s->text;
    lx->cur = lx->base;
    lx->lim = lx->base + s->len;
    lx->line_start = lx->base;
    /* A UTF-8 byte order mark is allowed and skipped. */
    if (s->len >= 3 && memcmp(s->text, "\xEF\xBB\xBF", 3) == 0)
        lx->cur += 3;
}

void cbrlex_free(cbr_lexer *lx)
{
    if (lx->sbuf)
        lx->cc->cfg.alloc(lx->cc->cfg.alloc_ud, lx->sbuf, 0);
    lx->sbuf = NULL;
}

static cbrloc here(const cbr_lexer *lx, const unsigned char *a, const unsigned char *b)
{
    return (cbrloc){lx->file, (uint32_t)(a - lx->base), (uint32_t)(b - lx->base)};
}

static void lex_error(cbr_lexer *lx, const unsigned char *a, const unsigned char *b,
                      const char *code, const char *msg)
{
    cbrdiag_error(lx->cc, here(lx, a, b), code, "%s", msg);
}

static void end_line(cbr_lexer *lx, const unsigned char *nl)
{
    size_t len = (size_t)(nl - lx->line_start);
    if (len > lx->cc->cfg.limits.max_line_bytes)
        cbrdiag_error(lx->cc, here(lx, lx->line_start, lx->line_start), "limit-line-length",
                      "line is %zu bytes long, over the limit of %zu", len,
                      lx->cc->cfg.limits.max_line_bytes);
    lx->line_start = nl + 1;
}

/* Records where a token or comment is, for the formatter (cbrlexlog in
 * compint.h); called only when the compiler has a log. */
static void logspan(cbr_lexer *lx, bool comment, const unsigned char *a, const unsigned char *b,
                    int kind)
{
    cbrlexlog *g = lx->cc->lexlog;
    cbrlexspan **arr = comment ? &g->comments : &g->toks;
    unsigned *n = comment ? &g->ncom : &g->ntok, *cap = comment ? &g->comcap : &g->tokcap;
    void *p = cbrarena_grow(&lx->cc->arena, *arr, sizeof **arr, cap, *n + 1);
    if (!p) {
        cbrcomp_oom(lx->cc);
        return;
    }
    *arr = p;
    (*arr)[(*n)++] = (cbrlexspan){(uint32_t)(a - lx->base), (uint32_t)(b - lx->base), kind};
}

static bool sput(cbr_lexer *lx, const char *p, size_t n)
{
    if (lx->slen + n + 1 > lx->scap) {
        size_t nc = lx->scap ? lx->scap * 2 : 64;
        while (nc < lx->slen + n + 1)
            nc *= 2;
        char *q = lx->cc->cfg.alloc(lx->cc->cfg.alloc_ud, lx->sbuf, nc);
        if (!q) {
            cbrcomp_oom(lx->cc);
            return false;
        }
        lx->sbuf = q;
        lx->scap = nc;
    }
    memcpy(lx->sbuf + lx->slen, p, n);
    lx->slen += n;
    lx->sbuf[lx->slen] = '\0';
    return true;
}

/* Scans the rest of a string literal after its opening quote.  Returns
 * TK_STRING with the decoded text, or TK_CBR_YYerror after reporting. */
static int lex_string(cbr_lexer *lx, CBR_YYSTYPE *lval)
{
    const unsigned char *open = lx->tok;
    bool bad = false, too_long = false;
    lx->slen = 0;
    for (;;) {
        const unsigned char *s = lx->cur;
        /*!re2c
            ["] {
                if (bad)
                    return TK_CBR_YYerror;
                if (too_long) {
                    cbrdiag_error(lx->cc, here(lx, open, lx->cur), "limit-string-length",
                                  "string is longer than the limit of %zu bytes",
                                  lx->cc->cfg.limits.max_string_bytes);
                    return TK_CBR_YYerror;
                }
                size_t badat;
                if (!cbrtext_valid((const char *)open, (size_t)(lx->cur - open), &badat)) {
                    /* re2c's UTF-8 classes let encoded surrogates through;
                     * the escapes are ASCII, so the raw text shows the spot. */
                    lex_error(lx, open + badat, open + badat + 1, "invalid-utf8", "invalid UTF-8 byte in a string");
                    return TK_CBR_YYerror;
                }
                char *t = cbrcomp_strdup(lx->cc, lx->sbuf ? lx->sbuf : "", lx->slen);
                if (!t)
                    return TK_CBR_YYerror;
                lval->str.s = t;
                lval->str.n = (uint32_t)lx->slen;
                return TK_STRING;
            }
            "\\\"" { if (!sput(lx, "\"", 1)) return TK_CBR_YYerror; goto next; }
            "\\\\" { if (!sput(lx, "\\", 1)) return TK_CBR_YYerror; goto next; }
            "\\n"  { if (!sput(lx, "\n", 1)) return TK_CBR_YYerror; goto next; }
            "\\t"  { if (!sput(lx, "\t", 1)) return TK_CBR_YYerror; goto next; }
            "\\u{" [0-9A-Fa-f]{1,6} "}" {
                uint32_t cp = (uint32_t)strtoul((const char *)s + 3, NULL, 16);
                char enc[4];
                int k = cbrtext_encode(cp, enc);
                if (k == 0) {
                    lex_error(lx, s, lx->cur, "bad-escape",
                              "\\u{...} must name a Unicode scalar value (not a surrogate, at most 10FFFF)");
                    bad = true;
                } else if (cp == 0) {
                    lex_error(lx, s, lx->cur, "bad-escape", "\\u{0} (NUL) is not allowed in a string");
                    bad = true;
                } else if (!sput(lx, enc, (size_t)k)) {
                    return TK_CBR_YYerror;
                }
                goto next;
            }
            "\\u" {
                lex_error(lx, s, lx->cur, "bad-escape",
                          "a Unicode escape is written \\u{HEX} with 1 to 6 hex digits, e.g. \\u{E9}");
                bad = true;
                goto next;
            }
            "\\" any? {
                cbrdiag_error(lx->cc, here(lx, s, lx->cur), "bad-escape",
                              "unknown escape `%.*s` in a string; the escapes are \\\" \\\\ \\n \\t and \\u{HEX}",
                              (int)(lx->cur - s), (const char *)s);
                bad = true;
                goto next;
            }
            [\n] | [\x00] {
                lx->cur = s;
                cbrdiag_error(lx->cc, here(lx, open, open + 1), "unterminated-string",
                              "string is not closed before the end of the line");
                return TK_CBR_YYerror;
            }
            any {
                if (!sput(lx, (const char *)s, (size_t)(lx->cur - s)))
                    return TK_CBR_YYerror;
                goto next;
            }
            * {
                lex_error(lx, s, lx->cur, "invalid-utf8", "invalid UTF-8 byte in a string");
                bad = true;
                goto next;
            }
        */
    next:
        if (lx->slen > lx->cc->cfg.limits.max_string_bytes) {
            too_long = true;
            lx->slen = 0;
        }
    }
}

static int lex_number(cbr_lexer *lx, CBR_YYSTYPE *lval, bool percent)
{
    const char *s = (const char *)lx->tok;
    size_t n = (size_t)(lx->cur - lx->tok) - (percent ? 1 : 0);
    cbrdec d;
    memset(&lval->lit, 0, sizeof lval->lit);
    bool point = memchr(s, '.', n) != NULL;
    if (!cbrdec_parse(s, n, true, &d)) {
        lex_error(lx, lx->tok, lx->cur, "bad-number",
                  point ? "number has too many digits: cbr keeps at most 18"
                        : "integer is too large (the maximum is 9223372036854775807)");
        return TK_CBR_YYerror;
    }
    if (percent) {
        lval->lit.type = T_DECIMAL;
        lval->lit.is_percent = true;
        lval->lit.u.d = d;
        return TK_PERCENT;
    }
    if (!point) {
        lval->lit.type = T_INT;
        lval->lit.u.i = d.m;
        return TK_INT;
    }
    lval->lit.type = T_DECIMAL;
    lval->lit.u.d = d;
    return TK_DECIMAL;
}

static int lex_date(cbr_lexer *lx, CBR_YYSTYPE *lval)
{
    memset(&lval->lit, 0, sizeof lval->lit);
    lval->lit.type = T_DATE;
    if (!cbrdate_parse((const char *)lx->tok, (size_t)(lx->cur - lx->tok), &lval->lit.u.date)) {
        lex_error(lx, lx->tok, lx->cur, "bad-date", "no such calendar date");
        return TK_CBR_YYerror;
    }
    return TK_DATE;
}

static int lex_instant(cbr_lexer *lx, CBR_YYSTYPE *lval)
{
    memset(&lval->lit, 0, sizeof lval->lit);
    lval->lit.type = T_INSTANT;
    int off = 0;
    cbrinst_err e = cbrinst_parse((const char *)lx->tok, (size_t)(lx->cur - lx->tok),
                                  &lval->lit.u.inst.secs, &off);
    if (e != CBRINST_OK) {
        cbrdiag_error(lx->cc, here(lx, lx->tok, lx->cur), "bad-instant", "bad instant: %s",
                      cbrinst_errtext(e));
        return TK_CBR_YYerror;
    }
    lval->lit.u.inst.offset_min = off;
    return TK_INSTANT;
}

static int open_bracket(cbr_lexer *lx, int tok)
{
    if (++lx->depth > lx->cc->cfg.limits.max_nesting && !lx->depth_reported) {
        lx->depth_reported = true;
        cbrdiag_error(lx->cc, here(lx, lx->tok, lx->cur), "limit-nesting",
                      "more than %u parentheses and brackets are open here",
                      lx->cc->cfg.limits.max_nesting);
    }
    return tok;
}

static int close_bracket(cbr_lexer *lx, int tok)
{
    if (lx->depth)
        lx->depth--;
    return tok;
}

static int ident(cbr_lexer *lx, CBR_YYSTYPE *lval)
{
    size_t n = (size_t)(lx->cur - lx->tok);
    char *t = cbrcomp_strdup(lx->cc, (const char *)lx->tok, n);
    if (!t)
        return TK_CBR_YYerror;
    lval->str.s = t;
    lval->str.n = (uint32_t)n;
    return TK_IDENT;
}

static int scan(cbr_lexer *lx, CBR_YYSTYPE *lval)
{
    for (;;) {
        lx->tok = lx->cur;
        /*!re2c
            [ \t\r]+          { continue; }
            "\n"              { end_line(lx, lx->tok); continue; }
            "#" {
                /* Comments are skipped bytewise, then checked as UTF-8 once. */
                const unsigned char *e = lx->cur;
                while (e < lx->lim && *e != '\n' && *e != '\0')
                    e++;
                size_t bad;
                if (!cbrtext_valid((const char *)lx->cur, (size_t)(e - lx->cur), &bad))
                    lex_error(lx, lx->cur + bad, lx->cur + bad + 1, "invalid-utf8",
                              "invalid UTF-8 in a comment");
                if (lx->cc->lexlog)
                    logspan(lx, true, lx->tok, e, 0);
                lx->cur = e;
                continue;
            }
            [\x00] {
                if (lx->tok >= lx->lim) {
                    lx->cur = lx->tok;
                    end_line(lx, lx->lim);
                    return TK_YYEOF;
                }
                lex_error(lx, lx->tok, lx->cur, "nul-byte", "NUL byte in source text");
                return TK_CBR_YYerror;
            }

            "when"      { return TK_WHEN; }
            "then"      { return TK_THEN; }
            "and"       { return TK_AND; }
            "or"        { return TK_OR; }
            "not"       { return TK_NOT; }
            "in"        { return TK_IN; }
            "between"   { return TK_BETWEEN; }
            "cashback"  { return TK_CASHBACK; }
            "up"        { return TK_UP; }
            "to"        { return TK_TO; }
            "valid"     { return TK_VALID; }
            "offer"     { return TK_OFFER; }
            "campaign"  { return TK_CAMPAIGN; }
            "field"     { return TK_FIELD; }
            "let"       { return TK_LET; }
            "extern"    { return TK_EXTERN; }
            "fn"        { return TK_FN; }
            "test"      { return TK_TEST; }
            "given"     { return TK_GIVEN; }
            "expect"    { return TK_EXPECT; }
            "from"      { return TK_FROM; }
            "no"        { return TK_NO; }
            "true"      { return TK_TRUE; }
            "false"     { return TK_FALSE; }
            "title"     { return TK_TITLE; }
            "timezone"  { return TK_TIMEZONE; }
            "priority"  { return TK_PRIORITY; }
            "exclusive" { return TK_EXCLUSIVE; }
            "limit"     { return TK_LIMIT; }
            "per"       { return TK_PER; }
            "budget"    { return TK_BUDGET; }
            "rounding"  { return TK_ROUNDING; }
            "table"     { return TK_TABLE; }
            "tally"     { return TK_TALLY; }
            "refund"    { return TK_REFUND; }
            "vest"      { return TK_VEST; }
            ident       { return ident(lx, lval); }

            date [Tt] clock offset? { return lex_instant(lx, lval); }
            date                   { return lex_date(lx, lval); }
            digits ("." digits)? "%" { return lex_number(lx, lval, true); }
            digits ("." digits)?     { return lex_number(lx, lval, false); }
            digits "." {
                lex_error(lx, lx->tok, lx->cur, "bad-number", "a decimal point must be followed by digits");
                return TK_CBR_YYerror;
            }
            digits ("." digits)? "_" {
                lex_error(lx, lx->tok, lx->cur, "bad-number", "`_` in a number must stand between two digits");
                return TK_CBR_YYerror;
            }

            ["]   { return lex_string(lx, lval); }

            "=="  { return TK_EQ; }
            "!="  { return TK_NE; }
            "<="  { return TK_LE; }
            ">="  { return TK_GE; }
            "~="  { return TK_FEQ; }
            "->"  { return TK_ARROW; }
            "<"   { return TK_LT; }
            ">"   { return TK_GT; }
            "+"   { return TK_PLUS; }
            "-"   { return TK_MINUS; }
            "*"   { return TK_STAR; }
            "/"   { return TK_SLASH; }
            "%"   {
                /* `10 %`: a percent is one token, the sign right after the number. */
                if (lx->prev_kind == TK_INT || lx->prev_kind == TK_DECIMAL) {
                    const unsigned char *p = lx->prev_end;
                    while (p < lx->tok && (*p == ' ' || *p == '\t'))
                        p++;
                    if (p == lx->tok) {
                        cbrdiag_error(lx->cc, here(lx, lx->prev_start, lx->cur), "percent-space",
                                      "a percent is written without a space before `%%`");
                        cbrdiag_hint(lx->cc, "write `%.*s%%`", (int)(lx->prev_end - lx->prev_start),
                                     (const char *)lx->prev_start);
                        return TK_CBR_YYerror;
                    }
                }
                return TK_PCT;
            }
            "("   { return open_bracket(lx, TK_LPAREN); }
            ")"   { return close_bracket(lx, TK_RPAREN); }
            "["   { return open_bracket(lx, TK_LBRACK); }
            "]"   { return close_bracket(lx, TK_RBRACK); }
            "{"   { return TK_LBRACE; }
            "}"   { return TK_RBRACE; }
            ","   { return TK_COMMA; }
            ":"   { return TK_COLON; }
            "="   { return TK_ASSIGN; }

            "'" [^'\n\x00]* "'" {
                cbrdiag_error(lx->cc, here(lx, lx->tok, lx->cur), "single-quotes",
                              "strings are written in double quotes: \"%.*s\"",
                              (int)(lx->cur - lx->tok - 2), (const char *)lx->tok + 1);
                return TK_CBR_YYerror;
            }
            "'" {
                lex_error(lx, lx->tok, lx->cur, "single-quotes",
                          "strings are written in double quotes: \"...\"");
                return TK_CBR_YYerror;
            }
            "&&" { lex_error(lx, lx->tok, lx->cur, "unexpected-char", "unexpected `&&`; write `and`");
                   return TK_CBR_YYerror; }
            "||" { lex_error(lx, lx->tok, lx->cur, "unexpected-char", "unexpected `||`; write `or`");
                   return TK_CBR_YYerror; }
            "!"  { lex_error(lx, lx->tok, lx->cur, "unexpected-char", "unexpected `!`; write `not` (or `!=`)");
                   return TK_CBR_YYerror; }
            any {
                if (!cbrtext_valid((const char *)lx->tok, (size_t)(lx->cur - lx->tok), NULL)) {
                    lex_error(lx, lx->tok, lx->cur, "invalid-utf8", "invalid UTF-8 in source text");
                    return TK_CBR_YYerror;
                }
                cbrdiag_error(lx->cc, here(lx, lx->tok, lx->cur), "unexpected-char",
                              "unexpected character `%.*s`", (int)(lx->cur - lx->tok),
                              (const char *)lx->tok);
                return TK_CBR_YYerror;
            }
            * {
                cbrdiag_error(lx->cc, here(lx, lx->tok, lx->cur), "invalid-utf8",
                              "invalid UTF-8 byte 0x%02X in source text", *lx->tok);
                return TK_CBR_YYerror;
            }
        */
    }
}

int cbr_yylex(CBR_YYSTYPE *lval, cbrloc *lloc, cbr_lexer *lx)
{
    int t = scan(lx, lval);
    *lloc = here(lx, lx->tok, lx->cur);
    lx->prev_kind = t;
    lx->prev_start = lx->tok;
    lx->prev_end = lx->cur;
    if (lx->cc->lexlog && t != TK_YYEOF)
        logspan(lx, false, lx->tok, lx->cur, t);
    return t;
}
