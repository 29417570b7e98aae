/* check_lexer.c: the re2c scanner (compiler/lexer.re) through its internal
 * API: token kinds, decoded values, byte locations, and lexical errors as
 * diagnostics.  Language reference: section 2 (lexical structure). */
#include "config.h"
#include <stdint.h>
#include "tests/unit/unit.h"
#include "compiler/compint.h"
#include "compiler/lexer.h"
#include "compiler/parser.h"

enum { MAXTOK = 512 };

typedef struct tok {
    int kind;
    CBR_YYSTYPE v;
    cbrloc loc;
} tok;

/* The tokens of the last lex() call, up to and including YYEOF. */
static struct {
    cbr_compiler *c;
    tok t[MAXTOK];
    int n;
} L;

/* Lexes src[0..len) with cfg (NULL for the defaults) to the end of file. */
static int lex_cfg(const cbr_config *cfg, const char *src, size_t len)
{
    L.c = t_compiler_new(cfg);
    ck_assert_ptr_nonnull(L.c);
    ck_assert_int_eq(cbr_compiler_add_source(L.c, "t.cbr", src, len, NULL), CBR_OK);
    cbr_lexer lx;
    cbrlex_init(&lx, L.c, 0);
    L.n = 0;
    for (;;) {
        ck_assert_msg(L.n < MAXTOK, "the lexer does not reach the end of file");
        tok *t = &L.t[L.n++];
        memset(t, 0, sizeof *t);
        t->kind = cbr_yylex(&t->v, &t->loc, &lx);
        if (t->kind == TK_YYEOF)
            break;
    }
    cbrlex_free(&lx);
    return L.n;
}

static int lex(const char *src)
{
    return lex_cfg(NULL, src, strlen(src));
}

static void lex_done(void)
{
    cbr_compiler_free(L.c);
    L.c = NULL;
}

/* The kinds of all tokens, as a comparable string of numbers. */
static void assert_kinds(const int *kinds, int n)
{
    ck_assert_msg(L.n == n + 1, "%d tokens, expected %d (+ end of file)", L.n - 1, n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(L.t[i].kind == kinds[i], "token %d is %d, expected %d", i, L.t[i].kind, kinds[i]);
    ck_assert_int_eq(L.t[n].kind, TK_YYEOF);
}
#define KINDS(...)                                                                          \
    assert_kinds((const int[]){__VA_ARGS__}, (int)(sizeof((const int[]){__VA_ARGS__}) / sizeof(int)))

#define ck_assert_loc(t_, start_, end_)                                                     \
    ck_assert_msg((t_).loc.start == (start_) && (t_).loc.end == (end_) && (t_).loc.file == 0, \
                  "location %u..%u, expected %u..%u", (t_).loc.start, (t_).loc.end,         \
                  (unsigned)(start_), (unsigned)(end_))

/* The recorded diagnostics (before sorting: in the order reported). */
static size_t ndiag(void)
{
    return L.c->ndiag;
}

/* Diagnostic i: its code, byte range and line:col (computed from the offset). */
#define ck_assert_lexdiag(i_, code_, start_, end_, line_, col_)                             \
    do {                                                                                    \
        ck_assert_msg((size_t)(i_) < L.c->ndiag, "no diagnostic %d (%zu recorded)", (int)(i_), \
                      L.c->ndiag);                                                          \
        const cbrdiag *dg_ = &L.c->diags[i_];                                               \
        ck_assert_str_eq(dg_->pub.code, (code_));                                           \
        ck_assert_int_eq(dg_->pub.severity, CBR_ERROR);                                     \
        ck_assert_msg(dg_->loc.start == (start_) && dg_->loc.end == (end_),                 \
                      "diagnostic at %u..%u, expected %u..%u (%s)", dg_->loc.start,         \
                      dg_->loc.end, (unsigned)(start_), (unsigned)(end_), dg_->pub.message); \
        unsigned ln_, co_;                                                                  \
        cbrdiag_linecol(L.c, 0, dg_->loc.start, &ln_, &co_);                                \
        ck_assert_msg(ln_ == (line_) && co_ == (col_), "diagnostic at %u:%u, expected %u:%u", \
                      ln_, co_, (unsigned)(line_), (unsigned)(col_));                       \
    } while (0)

static const char *diag_msg(size_t i)
{
    return L.c->diags[i].pub.message;
}

/* ---- keywords and identifiers (2: identifiers, reserved words) ---- */

START_TEST(every_reserved_word_is_a_keyword)
{
    static const struct { const char *w; int k; } kw[] = {
        {"when", TK_WHEN}, {"then", TK_THEN}, {"and", TK_AND}, {"or", TK_OR}, {"not", TK_NOT},
        {"in", TK_IN}, {"between", TK_BETWEEN}, {"cashback", TK_CASHBACK}, {"up", TK_UP},
        {"to", TK_TO}, {"valid", TK_VALID}, {"offer", TK_OFFER}, {"campaign", TK_CAMPAIGN},
        {"field", TK_FIELD}, {"let", TK_LET}, {"extern", TK_EXTERN}, {"fn", TK_FN},
        {"test", TK_TEST}, {"given", TK_GIVEN}, {"expect", TK_EXPECT}, {"from", TK_FROM},
        {"no", TK_NO}, {"true", TK_TRUE}, {"false", TK_FALSE}, {"title", TK_TITLE},
        {"timezone", TK_TIMEZONE}, {"priority", TK_PRIORITY}, {"exclusive", TK_EXCLUSIVE},
        {"limit", TK_LIMIT}, {"per", TK_PER}, {"budget", TK_BUDGET}, {"rounding", TK_ROUNDING},
    };
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++) {
        lex(kw[i].w);
        ck_assert_msg(L.n == 2 && L.t[0].kind == kw[i].k, "`%s` lexed as %d", kw[i].w, L.t[0].kind);
        ck_assert_loc(L.t[0], 0, strlen(kw[i].w));
        ck_assert_uint_eq(ndiag(), 0);
        lex_done();
    }
}
END_TEST

START_TEST(words_that_contain_keywords_are_identifiers)
{
    const char *ids[] = {"whenever", "When", "WHEN", "when_", "_when", "notin", "int", "andy",
                         "user", "day", "month", "half", "string", "_tmp2", "x1", "fn2", "to_"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        lex(ids[i]);
        ck_assert_msg(L.n == 2 && L.t[0].kind == TK_IDENT, "`%s` lexed as %d", ids[i], L.t[0].kind);
        ck_assert_str_eq(L.t[0].v.str.s, ids[i]);
        ck_assert_uint_eq(L.t[0].v.str.n, strlen(ids[i]));
        lex_done();
    }
}
END_TEST

START_TEST(identifier_stops_at_non_identifier_characters)
{
    lex("user_tier.x-y");
    /* `.` is not a token of its own: it is reported, the rest lexes on. */
    ck_assert_int_eq(L.t[0].kind, TK_IDENT);
    ck_assert_str_eq(L.t[0].v.str.s, "user_tier");
    ck_assert_loc(L.t[0], 0, 9);
    ck_assert_int_eq(L.t[1].kind, TK_CBR_YYerror);
    ck_assert_int_eq(L.t[2].kind, TK_IDENT);
    ck_assert_str_eq(L.t[2].v.str.s, "x");
    ck_assert_int_eq(L.t[3].kind, TK_MINUS);
    ck_assert_int_eq(L.t[4].kind, TK_IDENT);
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "unexpected-char", 9, 10, 1, 10);
    ck_assert_str_eq(diag_msg(0), "unexpected character `.`");
    lex_done();
}
END_TEST

/* ---- numbers (2: numbers, percents) ---- */

START_TEST(integers)
{
    lex("15 5411 0 1_000 9223372036854775807");
    KINDS(TK_INT, TK_INT, TK_INT, TK_INT, TK_INT);
    ck_assert_int_eq(L.t[0].v.lit.type, T_INT);
    ck_assert_int_eq(L.t[0].v.lit.u.i, 15);
    ck_assert_int_eq(L.t[1].v.lit.u.i, 5411);
    ck_assert_int_eq(L.t[2].v.lit.u.i, 0);
    ck_assert_int_eq(L.t[3].v.lit.u.i, 1000);
    ck_assert_loc(L.t[3], 10, 15);
    ck_assert_int_eq(L.t[4].v.lit.u.i, INT64_MAX);
    ck_assert(!L.t[0].v.lit.is_percent);
    ck_assert_uint_eq(ndiag(), 0);
    lex_done();
}
END_TEST

START_TEST(negative_number_is_unary_minus)
{
    lex("-5");
    KINDS(TK_MINUS, TK_INT);
    ck_assert_int_eq(L.t[1].v.lit.u.i, 5);
    lex_done();
}
END_TEST

START_TEST(decimals_keep_their_scale)
{
    lex("15.00 0.5 1_000.50 0.000000000000000001");
    KINDS(TK_DECIMAL, TK_DECIMAL, TK_DECIMAL, TK_DECIMAL);
    ck_assert_int_eq(L.t[0].v.lit.type, T_DECIMAL);
    ck_assert_int_eq(L.t[0].v.lit.u.d.m, 1500);
    ck_assert_uint_eq(L.t[0].v.lit.u.d.scale, 2);
    ck_assert_int_eq(L.t[1].v.lit.u.d.m, 5);
    ck_assert_uint_eq(L.t[1].v.lit.u.d.scale, 1);
    ck_assert_int_eq(L.t[2].v.lit.u.d.m, 100050);
    ck_assert_uint_eq(L.t[2].v.lit.u.d.scale, 2);
    ck_assert_loc(L.t[2], 10, 18);
    ck_assert_int_eq(L.t[3].v.lit.u.d.m, 1);
    ck_assert_uint_eq(L.t[3].v.lit.u.d.scale, 18);
    ck_assert_uint_eq(ndiag(), 0);
    lex_done();
}
END_TEST

START_TEST(percents_are_flagged_decimals)
{
    lex("10% 2.5% 1_000%");
    KINDS(TK_PERCENT, TK_PERCENT, TK_PERCENT);
    ck_assert_int_eq(L.t[0].v.lit.type, T_DECIMAL);
    ck_assert(L.t[0].v.lit.is_percent);
    ck_assert_int_eq(L.t[0].v.lit.u.d.m, 10); /* the rate as written: 10, not 0.10 */
    ck_assert_uint_eq(L.t[0].v.lit.u.d.scale, 0);
    ck_assert_loc(L.t[0], 0, 3);
    ck_assert(L.t[1].v.lit.is_percent);
    ck_assert_int_eq(L.t[1].v.lit.u.d.m, 25);
    ck_assert_uint_eq(L.t[1].v.lit.u.d.scale, 1);
    ck_assert_int_eq(L.t[2].v.lit.u.d.m, 1000);
    ck_assert_uint_eq(ndiag(), 0);
    lex_done();
}
END_TEST

START_TEST(double_percent_is_a_percent_then_a_percent_sign)
{
    lex("5%%");
    KINDS(TK_PERCENT, TK_PCT);
    ck_assert_loc(L.t[1], 2, 3);
    lex_done();
}
END_TEST

START_TEST(integer_too_large_is_reported)
{
    lex("x 9223372036854775808");
    KINDS(TK_IDENT, TK_CBR_YYerror); /* the parser does not report it again */
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "bad-number", 2, 21, 1, 3);
    ck_assert_str_eq(diag_msg(0), "integer is too large (the maximum is 9223372036854775807)");
    lex_done();
}
END_TEST

START_TEST(decimal_with_too_many_digits_is_reported)
{
    lex("0.1234567890123456789");
    KINDS(TK_CBR_YYerror);
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "bad-number", 0, 21, 1, 1);
    ck_assert_str_eq(diag_msg(0), "number has too many digits: cbr keeps at most 18");
    lex_done();
}
END_TEST

START_TEST(bad_underscores_and_points_in_numbers)
{
    /* 1__000: `1_` is the error, then `_000` is an identifier. */
    lex("1__000");
    ck_assert_int_eq(L.t[0].kind, TK_CBR_YYerror);
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "bad-number", 0, 2, 1, 1);
    ck_assert_str_eq(diag_msg(0), "`_` in a number must stand between two digits");
    lex_done();

    lex("x 1_");
    ck_assert_int_eq(L.t[1].kind, TK_CBR_YYerror);
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "bad-number", 2, 4, 1, 3);
    lex_done();

    lex("1_.5");
    ck_assert_int_eq(L.t[0].kind, TK_CBR_YYerror);
    ck_assert_lexdiag(0, "bad-number", 0, 2, 1, 1);
    lex_done();

    lex("15. ");
    KINDS(TK_CBR_YYerror);
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "bad-number", 0, 3, 1, 1);
    ck_assert_str_eq(diag_msg(0), "a decimal point must be followed by digits");
    lex_done();

    /* `_1` is an identifier, not a number. */
    lex("_1");
    KINDS(TK_IDENT);
    ck_assert_uint_eq(ndiag(), 0);
    lex_done();
}
END_TEST

/* Regression test for a fixed bug: the `digits "_"` rule only catches a
 * trailing underscore before the point; after it, `1.5_` lexes as the
 * decimal 1.5 and the identifier `_`, which the parser takes for a currency
 * code ("a currency code has three capital letters").  2: `1_` is not a
 * number; neither is `1.5_`. */
START_TEST(trailing_underscore_after_the_point_is_a_bad_number)
{
    lex("x 1.5_ y");
    ck_assert_msg(ndiag() == 1, "%zu diagnostics for `1.5_`", ndiag());
    ck_assert_lexdiag(0, "bad-number", 2, 6, 1, 3);
    ck_assert_int_eq(L.t[1].kind, TK_CBR_YYerror);
    lex_done();
}
END_TEST

START_TEST(number_followed_by_currency_code)
{
    lex("100.00 USD 5000 JPY");
    KINDS(TK_DECIMAL, TK_IDENT, TK_INT, TK_IDENT);
    ck_assert_str_eq(L.t[1].v.str.s, "USD");
    ck_assert_loc(L.t[1], 7, 10);
    ck_assert_str_eq(L.t[3].v.str.s, "JPY");
    lex_done();
}
END_TEST

/* ---- dates and instants (2: dates, instants) ---- */

START_TEST(dates_are_day_numbers)
{
    lex("2026-03-13 1970-01-01 2024-02-29");
    KINDS(TK_DATE, TK_DATE, TK_DATE);
    ck_assert_int_eq(L.t[0].v.lit.type, T_DATE);
    ck_assert_int_eq(L.t[0].v.lit.u.date, 20525);
    ck_assert_loc(L.t[0], 0, 10);
    ck_assert_int_eq(L.t[1].v.lit.u.date, 0);
    ck_assert_int_eq(L.t[2].v.lit.u.date, 19782);
    ck_assert_uint_eq(ndiag(), 0);
    lex_done();
}
END_TEST

START_TEST(impossible_dates_are_reported_at_the_date)
{
    lex("valid 2026-02-30 to 2026-13-01");
    KINDS(TK_VALID, TK_CBR_YYerror, TK_TO, TK_CBR_YYerror);
    ck_assert_uint_eq(ndiag(), 2);
    ck_assert_lexdiag(0, "bad-date", 6, 16, 1, 7);
    ck_assert_lexdiag(1, "bad-date", 20, 30, 1, 21);
    ck_assert_str_eq(diag_msg(0), "no such calendar date");
    lex_done();
}
END_TEST

START_TEST(date_with_one_digit_month_is_arithmetic)
{
    lex("2026-3-13");
    KINDS(TK_INT, TK_MINUS, TK_INT, TK_MINUS, TK_INT);
    ck_assert_uint_eq(ndiag(), 0);
    lex_done();
}
END_TEST

START_TEST(instants_are_utc_seconds)
{
    lex("2026-03-13T10:00:00Z 2026-03-13T10:00Z 2026-03-13T15:30:00+05:30 2027-01-13T06:08:00-04:00");
    KINDS(TK_INSTANT, TK_INSTANT, TK_INSTANT, TK_INSTANT);
    ck_assert_int_eq(L.t[0].v.lit.type, T_INSTANT);
    ck_assert_int_eq(L.t[0].v.lit.u.inst.secs, 1773396000LL);
    ck_assert_int_eq(L.t[0].v.lit.u.inst.offset_min, 0);
    ck_assert_loc(L.t[0], 0, 20);
    ck_assert_int_eq(L.t[1].v.lit.u.inst.secs, 1773396000LL);
    ck_assert_int_eq(L.t[2].v.lit.u.inst.secs, 1773396000LL);
    ck_assert_int_eq(L.t[2].v.lit.u.inst.offset_min, 330);
    ck_assert_int_eq(L.t[3].v.lit.u.inst.secs, 1799834880LL); /* 2027-01-13T10:08:00Z */
    ck_assert_int_eq(L.t[3].v.lit.u.inst.offset_min, -240);
    ck_assert_uint_eq(ndiag(), 0);
    lex_done();
}
END_TEST

START_TEST(instant_with_fraction_drops_it)
{
    lex("2026-03-13T10:00:00.750Z");
    KINDS(TK_INSTANT);
    ck_assert_int_eq(L.t[0].v.lit.u.inst.secs, 1773396000LL);
    ck_assert_loc(L.t[0], 0, 24);
    lex_done();
}
END_TEST

START_TEST(instant_without_offset_is_an_error)
{
    lex("when timestamp >= 2026-03-13T10:00:00 then");
    KINDS(TK_WHEN, TK_IDENT, TK_GE, TK_CBR_YYerror, TK_THEN);
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "bad-instant", 18, 37, 1, 19);
    ck_assert_str_eq(diag_msg(0), "bad instant: an instant needs Z or an offset such as +05:30");
    lex_done();
}
END_TEST

START_TEST(instant_errors_bad_hour_offset_and_date)
{
    lex("2026-03-13T24:00Z\n2026-03-13T10:00:00+19:00\n2026-02-30T10:00Z");
    KINDS(TK_CBR_YYerror, TK_CBR_YYerror, TK_CBR_YYerror);
    ck_assert_uint_eq(ndiag(), 3);
    ck_assert_lexdiag(0, "bad-instant", 0, 17, 1, 1);
    ck_assert_ptr_nonnull(strstr(diag_msg(0), "out of range"));
    ck_assert_lexdiag(1, "bad-instant", 18, 43, 2, 1);
    ck_assert_ptr_nonnull(strstr(diag_msg(1), "-18:00 and +18:00"));
    ck_assert_lexdiag(2, "bad-instant", 44, 61, 3, 1);
    ck_assert_ptr_nonnull(strstr(diag_msg(2), "no such calendar day"));
    lex_done();
}
END_TEST

/* ---- strings (2: strings) ---- */

START_TEST(plain_string)
{
    lex("title \"Merchant X\"");
    KINDS(TK_TITLE, TK_STRING);
    ck_assert_str_eq(L.t[1].v.str.s, "Merchant X");
    ck_assert_uint_eq(L.t[1].v.str.n, 10);
    ck_assert_loc(L.t[1], 6, 18);
    lex_done();
}
END_TEST

START_TEST(empty_string)
{
    lex("\"\"");
    KINDS(TK_STRING);
    ck_assert_ptr_nonnull(L.t[0].v.str.s);
    ck_assert_str_eq(L.t[0].v.str.s, "");
    ck_assert_uint_eq(L.t[0].v.str.n, 0);
    lex_done();
}
END_TEST

START_TEST(string_escapes_are_decoded)
{
    lex("\"Joe's \\\"Best\\\"\" \"C:\\\\Shop\" \"a\\nb\\tc\" \"Caf\\u{E9}\" \"\\u{1F600}\" \"\\u{10FFFF}\"");
    KINDS(TK_STRING, TK_STRING, TK_STRING, TK_STRING, TK_STRING, TK_STRING);
    ck_assert_str_eq(L.t[0].v.str.s, "Joe's \"Best\"");
    ck_assert_str_eq(L.t[1].v.str.s, "C:\\Shop");
    ck_assert_str_eq(L.t[2].v.str.s, "a\nb\tc");
    ck_assert_str_eq(L.t[3].v.str.s, "Caf\xC3\xA9");
    ck_assert_uint_eq(L.t[3].v.str.n, 5);
    ck_assert_str_eq(L.t[4].v.str.s, "\xF0\x9F\x98\x80");
    ck_assert_uint_eq(L.t[4].v.str.n, 4);
    ck_assert_str_eq(L.t[5].v.str.s, "\xF4\x8F\xBF\xBF");
    ck_assert_uint_eq(ndiag(), 0);
    lex_done();
}
END_TEST

START_TEST(string_keeps_utf8_and_hash)
{
    lex("\"Café #1\" # comment");
    KINDS(TK_STRING);
    ck_assert_str_eq(L.t[0].v.str.s, "Café #1");
    ck_assert_uint_eq(L.t[0].v.str.n, 8);
    lex_done();
}
END_TEST

START_TEST(unicode_escape_lowercase_and_short)
{
    lex("\"\\u{e9}\\u{41}\\u{000041}\"");
    KINDS(TK_STRING);
    ck_assert_str_eq(L.t[0].v.str.s, "\xC3\xA9" "AA");
    lex_done();
}
END_TEST

START_TEST(bad_escapes_are_reported_at_the_backslash)
{
    static const struct { const char *src; unsigned start, end; const char *msg_part; } t[] = {
        {"\"ab\\qc\"", 3, 5, "unknown escape"},
        {"\"\\u{D800}\"", 1, 9, "surrogate"},
        {"\"x\\u{110000}\"", 2, 12, "10FFFF"},
        {"\"\\u{0}\"", 1, 6, "NUL"},
        {"\"\\u41\"", 1, 3, "\\u{HEX}"},
        {"\"\\u{}\"", 1, 3, "\\u{HEX}"},
        {"\"\\u{1234567}\"", 1, 3, "1 to 6 hex digits"},
        {"\"\\'\"", 1, 3, "unknown escape"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        lex(t[i].src);
        ck_assert_msg(L.n == 2 && L.t[0].kind == TK_CBR_YYerror, "%s: %d tokens, first %d", t[i].src,
                      L.n, L.t[0].kind);
        ck_assert_msg(ndiag() == 1, "%s: %zu diagnostics", t[i].src, ndiag());
        ck_assert_lexdiag(0, "bad-escape", t[i].start, t[i].end, 1, t[i].start + 1);
        ck_assert_msg(strstr(diag_msg(0), t[i].msg_part) != NULL, "%s: message \"%s\"", t[i].src,
                      diag_msg(0));
        lex_done();
    }
}
END_TEST

START_TEST(two_bad_escapes_in_one_string_are_both_reported)
{
    lex("\"\\q\\z\" when");
    KINDS(TK_CBR_YYerror, TK_WHEN);
    ck_assert_uint_eq(ndiag(), 2);
    ck_assert_lexdiag(0, "bad-escape", 1, 3, 1, 2);
    ck_assert_lexdiag(1, "bad-escape", 3, 5, 1, 4);
    lex_done();
}
END_TEST

START_TEST(unterminated_string_at_end_of_line)
{
    lex("title \"abc\nwhen");
    KINDS(TK_TITLE, TK_CBR_YYerror, TK_WHEN);
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "unterminated-string", 6, 7, 1, 7);
    ck_assert_str_eq(diag_msg(0), "string is not closed before the end of the line");
    ck_assert_loc(L.t[2], 11, 15);
    lex_done();
}
END_TEST

START_TEST(unterminated_string_at_end_of_file)
{
    lex("x \"abc");
    KINDS(TK_IDENT, TK_CBR_YYerror);
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "unterminated-string", 2, 3, 1, 3);
    lex_done();
}
END_TEST

START_TEST(string_length_limit)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_string_bytes = 4;
    const char *ok = "\"abcd\" \"\\u{E9}\\u{E9}\"";
    lex_cfg(&cfg, ok, strlen(ok));
    KINDS(TK_STRING, TK_STRING);
    ck_assert_uint_eq(ndiag(), 0);
    lex_done();
    const char *bad = "x \"abcde\" y";
    lex_cfg(&cfg, bad, strlen(bad));
    KINDS(TK_IDENT, TK_CBR_YYerror, TK_IDENT);
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "limit-string-length", 2, 9, 1, 3);
    ck_assert_ptr_nonnull(strstr(diag_msg(0), "4 bytes"));
    lex_done();
}
END_TEST

/* ---- punctuation ---- */

START_TEST(operators_and_punctuation)
{
    lex("== != <= >= ~= -> < > + - * / % ( ) [ ] { } , : =");
    KINDS(TK_EQ, TK_NE, TK_LE, TK_GE, TK_FEQ, TK_ARROW, TK_LT, TK_GT, TK_PLUS, TK_MINUS, TK_STAR,
          TK_SLASH, TK_PCT, TK_LPAREN, TK_RPAREN, TK_LBRACK, TK_RBRACK, TK_LBRACE, TK_RBRACE,
          TK_COMMA, TK_COLON, TK_ASSIGN);
    ck_assert_loc(L.t[0], 0, 2);
    ck_assert_loc(L.t[5], 15, 17);
    ck_assert_loc(L.t[21], 48, 49);
    ck_assert_uint_eq(ndiag(), 0);
    lex_done();
}
END_TEST

START_TEST(operators_without_spaces)
{
    lex("a>=b<c==-1");
    KINDS(TK_IDENT, TK_GE, TK_IDENT, TK_LT, TK_IDENT, TK_EQ, TK_MINUS, TK_INT);
    lex_done();
}
END_TEST

START_TEST(c_style_operators_get_a_suggestion)
{
    static const struct { const char *src, *msg; unsigned len; } t[] = {
        {"a && b", "unexpected `&&`; write `and`", 2},
        {"a || b", "unexpected `||`; write `or`", 2},
        {"a ! b", "unexpected `!`; write `not` (or `!=`)", 1},
        {"a @ b", "unexpected character `@`", 1},
        {"a ; b", "unexpected character `;`", 1},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        lex(t[i].src);
        ck_assert_int_eq(L.t[1].kind, TK_CBR_YYerror);
        ck_assert_uint_ge(ndiag(), 1);
        ck_assert_lexdiag(0, "unexpected-char", 2, 2 + t[i].len, 1, 3);
        ck_assert_str_eq(diag_msg(0), t[i].msg);
        lex_done();
    }
}
END_TEST

START_TEST(single_quotes_are_reported_with_the_double_quoted_form)
{
    lex("a 'Merchant X' c");
    KINDS(TK_IDENT, TK_CBR_YYerror, TK_IDENT);
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "single-quotes", 2, 14, 1, 3);
    ck_assert_str_eq(diag_msg(0), "strings are written in double quotes: \"Merchant X\"");
    lex_done();
    /* A lone quote, closed nowhere on its line. */
    lex("a 'b\nc");
    KINDS(TK_IDENT, TK_CBR_YYerror, TK_IDENT, TK_IDENT);
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "single-quotes", 2, 3, 1, 3);
    ck_assert_str_eq(diag_msg(0), "strings are written in double quotes: \"...\"");
    lex_done();
}
END_TEST

START_TEST(non_ascii_character_outside_a_string)
{
    lex("a \xC3\xA9 b"); /* é */
    KINDS(TK_IDENT, TK_CBR_YYerror, TK_IDENT);
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "unexpected-char", 2, 4, 1, 3);
    ck_assert_str_eq(diag_msg(0), "unexpected character `\xC3\xA9`");
    ck_assert_loc(L.t[2], 5, 6);
    lex_done();
}
END_TEST

/* ---- comments, line ends, BOM, NUL (2: source text, comments) ---- */

START_TEST(comments_run_to_the_end_of_the_line)
{
    lex("# a comment with \"quotes\" and when\nwhen # then\nthen#x");
    KINDS(TK_WHEN, TK_THEN);
    ck_assert_loc(L.t[0], 35, 39);
    ck_assert_loc(L.t[1], 47, 51);
    ck_assert_uint_eq(ndiag(), 0);
    lex_done();
}
END_TEST

START_TEST(comment_at_end_of_file_without_newline)
{
    lex("when # the end");
    KINDS(TK_WHEN);
    ck_assert_loc(L.t[1], 14, 14); /* end of file at the very end */
    lex_done();
}
END_TEST

START_TEST(crlf_line_ends)
{
    lex("when\r\nthen\r\n  cashback\r\n");
    KINDS(TK_WHEN, TK_THEN, TK_CASHBACK);
    ck_assert_loc(L.t[1], 6, 10);
    ck_assert_loc(L.t[2], 14, 22);
    unsigned line, col;
    cbrdiag_linecol(L.c, 0, L.t[2].loc.start, &line, &col);
    ck_assert_uint_eq(line, 3);
    ck_assert_uint_eq(col, 3);
    lex_done();
}
END_TEST

START_TEST(byte_order_mark_is_skipped)
{
    lex("\xEF\xBB\xBFwhen");
    KINDS(TK_WHEN);
    ck_assert_loc(L.t[0], 3, 7);
    ck_assert_uint_eq(ndiag(), 0);
    lex_done();
    /* Only at the very start. */
    lex("when \xEF\xBB\xBF");
    ck_assert_int_eq(L.t[1].kind, TK_CBR_YYerror);
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_str_eq(L.c->diags[0].pub.code, "unexpected-char");
    lex_done();
}
END_TEST

START_TEST(nul_byte_is_an_error_not_the_end)
{
    lex_cfg(NULL, "when\0then", 9);
    KINDS(TK_WHEN, TK_CBR_YYerror, TK_THEN);
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "nul-byte", 4, 5, 1, 5);
    ck_assert_str_eq(diag_msg(0), "NUL byte in source text");
    ck_assert_loc(L.t[2], 5, 9);
    lex_done();
}
END_TEST

START_TEST(nul_byte_in_a_comment_ends_the_comment)
{
    lex_cfg(NULL, "# x\0y\nwhen", 10);
    KINDS(TK_CBR_YYerror, TK_IDENT, TK_WHEN);
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "nul-byte", 3, 4, 1, 4);
    lex_done();
}
END_TEST

START_TEST(invalid_utf8_is_reported_at_its_byte)
{
    lex("when \xFF then");
    KINDS(TK_WHEN, TK_CBR_YYerror, TK_THEN);
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "invalid-utf8", 5, 6, 1, 6);
    ck_assert_str_eq(diag_msg(0), "invalid UTF-8 byte 0xFF in source text");
    lex_done();
}
END_TEST

START_TEST(overlong_and_out_of_range_encodings_are_invalid)
{
    const char *bad[] = {"x \xC0\xAF", "x \xF4\x90\x80\x80", "x \xE2\x82", "x \x80", "x \xF8\x88\x80\x80\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lex(bad[i]);
        ck_assert_int_eq(L.t[1].kind, TK_CBR_YYerror);
        ck_assert_uint_ge(ndiag(), 1);
        ck_assert_str_eq(L.c->diags[0].pub.code, "invalid-utf8");
        ck_assert_uint_eq(L.c->diags[0].loc.start, 2);
        lex_done();
    }
}
END_TEST

/* Regression test for a fixed bug: re2c's UTF-8 mode accepts the encoded
 * surrogates U+D800..U+DFFF (ED A0..BF xx) as characters, so in a string
 * literal they pass silently into the string's value (invalid UTF-8 that
 * libunistring later refuses), and outside a string they are reported as an
 * "unexpected character" whose message itself is invalid UTF-8.  Comments
 * (checked by libunistring) do catch them. */
START_TEST(encoded_surrogates_are_invalid_utf8)
{
    lex("\"a\xED\xA0\x80\"");
    ck_assert_msg(ndiag() >= 1, "a surrogate inside a string literal is accepted");
    ck_assert_lexdiag(0, "invalid-utf8", 2, 3, 1, 3);
    ck_assert_int_eq(L.t[0].kind, TK_CBR_YYerror);
    lex_done();
    lex("x \xED\xB0\x80");
    ck_assert_int_eq(L.t[1].kind, TK_CBR_YYerror);
    ck_assert_uint_ge(ndiag(), 1);
    ck_assert_str_eq(L.c->diags[0].pub.code, "invalid-utf8");
    ck_assert_uint_eq(L.c->diags[0].loc.start, 2);
    lex_done();
}
END_TEST

/* Regression test for a fixed bug: text.h says an invalid byte counts as one code
 * point, but u8_mbsnlen takes F4 90 80 as one character, so the columns of
 * the invalid bytes after it are wrong: the four bytes of F4 90 80 80 (past
 * U+10FFFF) are reported at columns 3, 4, 4, 4 instead of 3, 4, 5, 6. */
START_TEST(each_invalid_byte_counts_one_column)
{
    cbr_compiler *c = unit_compile("x \xF4\x90\x80\x80\n");
    ck_assert_uint_eq(unit_count(c, CBR_ERROR, "invalid-utf8"), 4);
    ck_assert_error_at(c, "invalid-utf8", 1, 3);
    ck_assert_error_at(c, "invalid-utf8", 1, 4);
    ck_assert_error_at(c, "invalid-utf8", 1, 5);
    ck_assert_error_at(c, "invalid-utf8", 1, 6);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(invalid_utf8_in_a_string_and_in_a_comment)
{
    lex("\"a\xFF" "b\" # c\xFE\nwhen");
    KINDS(TK_CBR_YYerror, TK_WHEN);
    ck_assert_uint_eq(ndiag(), 2);
    ck_assert_lexdiag(0, "invalid-utf8", 2, 3, 1, 3);
    ck_assert_str_eq(diag_msg(0), "invalid UTF-8 byte in a string");
    ck_assert_lexdiag(1, "invalid-utf8", 9, 10, 1, 10);
    ck_assert_str_eq(diag_msg(1), "invalid UTF-8 in a comment");
    lex_done();
}
END_TEST

/* ---- columns count characters ---- */

START_TEST(columns_count_code_points_not_bytes)
{
    /* "é" takes two bytes but one column; the `@` is byte 5, column 5. */
    lex("\"\xC3\xA9\" @");
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "unexpected-char", 5, 6, 1, 5);
    lex_done();
    /* A CJK character is one column too (width is the formatter's business). */
    lex("\"\xE4\xB8\xAD\xE6\x96\x87\" @");
    ck_assert_lexdiag(0, "unexpected-char", 9, 10, 1, 6);
    lex_done();
    /* A tab is one column. */
    lex("\t\t@");
    ck_assert_lexdiag(0, "unexpected-char", 2, 3, 1, 3);
    lex_done();
}
END_TEST

START_TEST(lexical_error_through_the_check_has_line_and_column)
{
    cbr_compiler *c = unit_compile("offer \"o\" {\n"
                                   "    when merchant == \"X\" && amount > 1 then cashback 1%\n"
                                   "}\n");
    /* One error: the parser does not report the lexer's error again. */
    ck_assert_one_error(c, "unexpected-char", 2, 26);
    cbr_compiler_free(c);
    c = unit_compile("when merchant == \"Caf\xC3\xA9\" and \xFF then cashback 1%\n");
    ck_assert_one_error(c, "invalid-utf8", 1, 29);
    cbr_compiler_free(c);
}
END_TEST

/* Regression test for a fixed bug: a byte order mark is skipped by the lexer but
 * still counted as a column, so every column of line 1 is one too far. */
START_TEST(byte_order_mark_does_not_shift_columns)
{
    cbr_compiler *c = unit_compile("\xEF\xBB\xBFwhen amount >= >= 15 then cashback 1%\n");
    ck_assert_one_error(c, "syntax", 1, 16);
    cbr_compiler_free(c);
}
END_TEST

/* ---- limits enforced by the lexer ---- */

START_TEST(nesting_limit_reported_once_at_the_first_bracket_too_many)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_nesting = 3;
    const char *src = "(([x]))((((y))))";
    lex_cfg(&cfg, src, strlen(src));
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "limit-nesting", 10, 11, 1, 11);
    ck_assert_str_eq(diag_msg(0), "more than 3 parentheses and brackets are open here");
    lex_done();
}
END_TEST

START_TEST(unbalanced_closing_brackets_do_not_underflow)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_nesting = 2;
    const char *src = ")))]]](()";
    lex_cfg(&cfg, src, strlen(src));
    ck_assert_uint_eq(ndiag(), 0);
    lex_done();
}
END_TEST

START_TEST(line_length_limit)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_line_bytes = 10;
    const char *src = "a b c d e\nwhen amount\nx";
    lex_cfg(&cfg, src, strlen(src));
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "limit-line-length", 10, 10, 2, 1);
    ck_assert_str_eq(diag_msg(0), "line is 11 bytes long, over the limit of 10");
    lex_done();
    /* The last line, without a newline, is measured too. */
    src = "x\nwhen amount";
    lex_cfg(&cfg, src, strlen(src));
    ck_assert_uint_eq(ndiag(), 1);
    ck_assert_lexdiag(0, "limit-line-length", 2, 2, 2, 1);
    lex_done();
}
END_TEST

static Suite *lexer_suite(void)
{
    Suite *s = suite_create("lexer");
    UNIT_TCASE(s, "words", every_reserved_word_is_a_keyword, words_that_contain_keywords_are_identifiers,
               identifier_stops_at_non_identifier_characters);
    UNIT_TCASE(s, "numbers", integers, negative_number_is_unary_minus, decimals_keep_their_scale,
               percents_are_flagged_decimals, double_percent_is_a_percent_then_a_percent_sign,
               integer_too_large_is_reported, decimal_with_too_many_digits_is_reported,
               bad_underscores_and_points_in_numbers, trailing_underscore_after_the_point_is_a_bad_number,
               number_followed_by_currency_code);
    UNIT_TCASE(s, "dates", dates_are_day_numbers, impossible_dates_are_reported_at_the_date,
               date_with_one_digit_month_is_arithmetic, instants_are_utc_seconds,
               instant_with_fraction_drops_it, instant_without_offset_is_an_error,
               instant_errors_bad_hour_offset_and_date);
    UNIT_TCASE(s, "strings", plain_string, empty_string, string_escapes_are_decoded,
               string_keeps_utf8_and_hash, unicode_escape_lowercase_and_short,
               bad_escapes_are_reported_at_the_backslash, two_bad_escapes_in_one_string_are_both_reported,
               unterminated_string_at_end_of_line, unterminated_string_at_end_of_file,
               string_length_limit);
    UNIT_TCASE(s, "punctuation", operators_and_punctuation, operators_without_spaces,
               c_style_operators_get_a_suggestion, single_quotes_are_reported_with_the_double_quoted_form,
               non_ascii_character_outside_a_string);
    UNIT_TCASE(s, "source-text", comments_run_to_the_end_of_the_line, comment_at_end_of_file_without_newline,
               crlf_line_ends, byte_order_mark_is_skipped, nul_byte_is_an_error_not_the_end,
               nul_byte_in_a_comment_ends_the_comment, invalid_utf8_is_reported_at_its_byte,
               overlong_and_out_of_range_encodings_are_invalid, encoded_surrogates_are_invalid_utf8,
               each_invalid_byte_counts_one_column, invalid_utf8_in_a_string_and_in_a_comment);
    UNIT_TCASE(s, "positions", columns_count_code_points_not_bytes,
               lexical_error_through_the_check_has_line_and_column, byte_order_mark_does_not_shift_columns);
    UNIT_TCASE(s, "limits", nesting_limit_reported_once_at_the_first_bracket_too_many,
               unbalanced_closing_brackets_do_not_underflow, line_length_limit);
    return s;
}

UNIT_MAIN(lexer_suite)
