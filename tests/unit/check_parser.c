/* check_parser.c: the Bison grammar (compiler/parser.y) and the AST it builds
 * (compiler/ast.h, build.c), driven through the public API and inspected
 * through compint.h; syntax errors, recovery and the structural limits.
 * Language reference: sections 5-8 (items), 13 (operators), 15 (tests),
 * 16 (diagnostics), 18 (limits). */
#include "config.h"
#include <stdint.h>
#include "tests/unit/unit.h"
#include "compiler/compint.h"
#include "stdlib/date.h"

/* ---- helpers ---- */

/* Typed fields for expression tests: p q r are bool, i j k int. */
#define FIELDS                                                                              \
    "field p: bool\nfield q: bool\nfield r: bool\nfield i: int\nfield j: int\nfield k: int\n"

static cbr_compiler *C;

static void done(void)
{
    cbr_compiler_free(C);
    C = NULL;
}

static unsigned nsyntax(const cbr_compiler *c)
{
    return unit_count(c, CBR_ERROR, "syntax");
}

/* The n-th item (0-based) of source 0. */
static cbritem *item(unsigned n)
{
    cbritem *it = C->src[0].items;
    for (unsigned k = 0; it && k < n; k++)
        it = it->next;
    ck_assert_msg(it != NULL, "no item %u", n);
    return it;
}

static unsigned nitems(void)
{
    unsigned n = 0;
    for (cbritem *it = C->src[0].items; it; it = it->next)
        n++;
    return n;
}

/* Compiles FIELDS + "let e = TEXT" and returns e's expression; the text
 * must parse and check without errors. */
static cbrexpr *expr(const char *text)
{
    char src[2048];
    snprintf(src, sizeof src, FIELDS "let e = %s\n", text);
    C = unit_compile(src);
    ck_assert_no_errors(C);
    cbritem *it = item(6);
    ck_assert_int_eq(it->kind, I_LET);
    ck_assert_str_eq(it->name.s, "e");
    return it->u.let_expr;
}

/* An expression as an S-expression: "(or p (and q r))". */
static void sx(const cbrexpr *e, char *buf, size_t n);

static void sx_list(const char *head, cbrexpr *const *items, uint32_t count, char *buf, size_t n)
{
    strncat(buf, head, n - strlen(buf) - 1);
    for (uint32_t i = 0; i < count; i++) {
        strncat(buf, " ", n - strlen(buf) - 1);
        sx(items[i], buf, n);
    }
}

static void sx(const cbrexpr *e, char *buf, size_t n)
{
    size_t k = strlen(buf);
    char *o = buf + k;
    size_t m = n - k;
    char tmp[64];
    switch (e->kind) {
    case E_LIT:
        switch (e->value.type) {
        case T_INT: snprintf(o, m, "%lld", (long long)e->value.u.i); break;
        case T_DECIMAL: cbrdec_format(e->value.u.d, o, m); break;
        case T_MONEY:
            cbrdec_format(e->value.u.m.amount, tmp, sizeof tmp);
            snprintf(o, m, "%s%s", tmp, e->value.u.m.cur);
            break;
        case T_STRING: snprintf(o, m, "\"%s\"", e->value.u.s.s); break;
        case T_BOOL: snprintf(o, m, "%s", e->value.u.b ? "true" : "false"); break;
        case T_DATE: snprintf(o, m, "date:%d", (int)e->value.u.date); break;
        case T_INSTANT: snprintf(o, m, "inst:%lld", (long long)e->value.u.inst.secs); break;
        default: snprintf(o, m, "?lit"); break;
        }
        break;
    case E_NAME: snprintf(o, m, "%s", e->u.name.s); break;
    case E_LIST:
        snprintf(o, m, "[");
        for (uint32_t i = 0; i < e->u.list.n; i++) {
            if (i)
                strncat(buf, " ", n - strlen(buf) - 1);
            sx(e->u.list.items[i], buf, n);
        }
        strncat(buf, "]", n - strlen(buf) - 1);
        break;
    case E_CALL:
        snprintf(o, m, "(call %s", e->u.name.s);
        for (uint32_t i = 0; i < e->args.n; i++) {
            strncat(buf, " ", n - strlen(buf) - 1);
            sx(e->args.items[i], buf, n);
        }
        strncat(buf, ")", n - strlen(buf) - 1);
        break;
    case E_NOT:
    case E_NEG:
        snprintf(o, m, "(%s ", e->kind == E_NOT ? "not" : "neg");
        sx(e->u.kids.a, buf, n);
        strncat(buf, ")", n - strlen(buf) - 1);
        break;
    case E_AND:
    case E_OR:
        sx_list(e->kind == E_AND ? "(and" : "(or", e->u.list.items, e->u.list.n, buf, n);
        strncat(buf, ")", n - strlen(buf) - 1);
        break;
    case E_BIN:
        snprintf(o, m, "(%s ", cbrbinop_text(e->op));
        sx(e->u.kids.a, buf, n);
        strncat(buf, " ", n - strlen(buf) - 1);
        sx(e->u.kids.b, buf, n);
        strncat(buf, ")", n - strlen(buf) - 1);
        break;
    case E_IN:
        snprintf(o, m, "(%s ", e->negated ? "not-in" : "in");
        sx(e->u.kids.a, buf, n);
        strncat(buf, " ", n - strlen(buf) - 1);
        sx(e->u.kids.b, buf, n);
        strncat(buf, ")", n - strlen(buf) - 1);
        break;
    case E_BETWEEN:
        snprintf(o, m, "(between ");
        sx(e->u.kids.a, buf, n);
        strncat(buf, " ", n - strlen(buf) - 1);
        sx(e->u.kids.b, buf, n);
        strncat(buf, " ", n - strlen(buf) - 1);
        sx(e->u.kids.c, buf, n);
        strncat(buf, ")", n - strlen(buf) - 1);
        break;
    }
}

static const char *shape(const cbrexpr *e)
{
    static char buf[2048];
    buf[0] = '\0';
    sx(e, buf, sizeof buf);
    return buf;
}

/* TEXT parses to the S-expression SHAPE. */
#define ck_assert_shape(text_, shape_)                                                      \
    do {                                                                                    \
        const char *got_ = shape(expr(text_));                                              \
        ck_assert_msg(strcmp(got_, (shape_)) == 0, "`%s` parsed as %s, expected %s", (text_), \
                      got_, (shape_));                                                      \
        done();                                                                             \
    } while (0)

/* src has exactly one error, a syntax error with this message at line:col. */
#define ck_assert_syntax_error(src_, line_, col_, msg_)                                     \
    do {                                                                                    \
        C = unit_compile(src_);                                                             \
        ck_assert_one_error(C, "syntax", line_, col_);                                      \
        ck_assert_only_message(C, msg_);                                                    \
        done();                                                                             \
    } while (0)

/* ---- precedence (13: operators) ---- */

START_TEST(or_binds_looser_than_and)
{
    ck_assert_shape("p or q and r", "(or p (and q r))");
    ck_assert_shape("p and q or r", "(or (and p q) r)");
    ck_assert_shape("p and q or r and p", "(or (and p q) (and r p))");
}
END_TEST

START_TEST(and_or_chains_are_flattened)
{
    ck_assert_shape("p or q or r or p", "(or p q r p)");
    ck_assert_shape("p and q and r", "(and p q r)");
    /* Parentheses keep their own node. */
    ck_assert_shape("(p or q) or r", "(or (or p q) r)");
    ck_assert_shape("p or (q or r)", "(or p (or q r))");
    ck_assert_shape("(p and q) and (r and p)", "(and (and p q) (and r p))");
}
END_TEST

START_TEST(flattened_chain_spans_all_operands)
{
    cbrexpr *e = expr("p or q or r");
    ck_assert_int_eq(e->kind, E_OR);
    ck_assert_uint_eq(e->u.list.n, 3);
    uint32_t base = item(6)->u.let_expr->u.list.items[0]->loc.start;
    ck_assert_uint_eq(e->loc.start, base);
    ck_assert_uint_eq(e->loc.end, base + 11);
    /* The operator location is the first `or`. */
    ck_assert_uint_eq(e->op_loc.start, base + 2);
    ck_assert_uint_eq(e->op_loc.end, base + 4);
    done();
}
END_TEST

START_TEST(between_binds_tighter_than_and)
{
    /* 13: `x between 1 and 2 and y` means `(x between 1 and 2) and y`. */
    ck_assert_shape("i between 1 and 2 and p", "(and (between i 1 2) p)");
    ck_assert_shape("p and i between j and k", "(and p (between i j k))");
    ck_assert_shape("i between j + 1 and k * 2", "(between i (+ j 1) (* k 2))");
}
END_TEST

START_TEST(not_binds_looser_than_comparison)
{
    ck_assert_shape("not i == j", "(not (== i j))");
    ck_assert_shape("not p and q", "(and (not p) q)");
    ck_assert_shape("not not p", "(not (not p))");
    ck_assert_shape("not i in [1, 2]", "(not (in i [1 2]))");
}
END_TEST

START_TEST(arithmetic_precedence_and_left_associativity)
{
    ck_assert_shape("i + j * k == 0", "(== (+ i (* j k)) 0)");
    ck_assert_shape("i * j + k == 0", "(== (+ (* i j) k) 0)");
    ck_assert_shape("i - j - k == 0", "(== (- (- i j) k) 0)");
    ck_assert_shape("i / j / k == 0", "(== (/ (/ i j) k) 0)");
    ck_assert_shape("(i + j) * k == 0", "(== (* (+ i j) k) 0)");
    ck_assert_shape("i + j < j + k", "(< (+ i j) (+ j k))");
}
END_TEST

START_TEST(unary_minus_binds_tightest)
{
    ck_assert_shape("-i * j == 0", "(== (* (neg i) j) 0)");
    ck_assert_shape("-i + j == 0", "(== (+ (neg i) j) 0)");
    ck_assert_shape("i - -j == 0", "(== (- i (neg j)) 0)");
    ck_assert_shape("- -i == 0", "(== (neg (neg i)) 0)");
    ck_assert_shape("i * -j == 0", "(== (* i (neg j)) 0)");
}
END_TEST

START_TEST(every_comparison_operator)
{
    static const struct { const char *text; cbrbinop op; } t[] = {
        {"i == j", OP_EQ}, {"i != j", OP_NE}, {"i < j", OP_LT}, {"i <= j", OP_LE},
        {"i > j", OP_GT}, {"i >= j", OP_GE}, {"\"a\" ~= \"b\"", OP_FEQ},
    };
    for (size_t n = 0; n < sizeof t / sizeof t[0]; n++) {
        cbrexpr *e = expr(t[n].text);
        ck_assert_int_eq(e->kind, E_BIN);
        ck_assert_int_eq(e->op, t[n].op);
        done();
    }
}
END_TEST

START_TEST(comparisons_do_not_chain)
{
    /* 13: `a < b < c` is an error, reported where the second operator is. */
    static const struct { const char *src; unsigned col; } t[] = {
        {"when 1 < 2 < 3 then cashback 1%\n", 12},
        {"when 1 == 1 == true then cashback 1%\n", 13},
        {"when 10 < amount <= 100 then cashback 1%\n", 18},
        {"let x = \"a\" ~= \"b\" != true\n", 20},
    };
    for (size_t n = 0; n < sizeof t / sizeof t[0]; n++) {
        C = unit_compile(t[n].src);
        ck_assert_one_error(C, "chained-comparison", 1, t[n].col);
        ck_assert_only_message(C, "comparisons do not chain; join them with `and`, as in "
                                  "`10 < amount and amount < 100`");
        done();
    }
    /* `in` does not chain either. */
    ck_assert_syntax_error("when 1 in [1] in [[1]] then cashback 1%\n", 1, 15,
                           "expected `then` after the condition, found `in`");
}
END_TEST

START_TEST(membership_and_lists)
{
    ck_assert_shape("i in [1, 2, 3]", "(in i [1 2 3])");
    ck_assert_shape("i not in [1]", "(not-in i [1])");
    ck_assert_shape("i in [1, 2,]", "(in i [1 2])"); /* a trailing comma */
    ck_assert_shape("i + 1 in [2, 3]", "(in (+ i 1) [2 3])");
}
END_TEST

START_TEST(not_in_location_covers_both_words)
{
    cbrexpr *e = expr("i not  in [1]");
    ck_assert_int_eq(e->kind, E_IN);
    ck_assert(e->negated);
    uint32_t base = e->u.kids.a->loc.start;
    ck_assert_uint_eq(e->op_loc.start, base + 2);
    ck_assert_uint_eq(e->op_loc.end, base + 9);
    done();
}
END_TEST

START_TEST(empty_list_literal)
{
    C = unit_compile(FIELDS "let e = [] \n");
    cbrexpr *e = item(6)->u.let_expr;
    ck_assert_int_eq(e->kind, E_LIST);
    ck_assert_uint_eq(e->u.list.n, 0);
    ck_assert_uint_eq(e->loc.end - e->loc.start, 2);
    done();
}
END_TEST

START_TEST(function_calls)
{
    ck_assert_shape("lower(\"A\") == \"a\"", "(== (call lower \"A\") \"a\")");
    ck_assert_shape("min(i, j, 3) > 0", "(> (call min i j 3) 0)");
    ck_assert_shape("starts_with(lower(\"AB\"), \"a\")", "(call starts_with (call lower \"AB\") \"a\")");
}
END_TEST

START_TEST(call_without_arguments)
{
    C = unit_compile("let e = f()\n");
    cbrexpr *e = item(0)->u.let_expr;
    ck_assert_int_eq(e->kind, E_CALL);
    ck_assert_str_eq(e->u.name.s, "f");
    ck_assert_uint_eq(e->args.n, 0);
    ck_assert_uint_eq(nsyntax(C), 0);
    ck_assert_one_error(C, "unknown-function", 1, 9);
    done();
}
END_TEST

/* ---- literals ---- */

START_TEST(money_literals)
{
    cbrexpr *e = expr("100.00 USD");
    ck_assert_int_eq(e->kind, E_LIT);
    ck_assert_int_eq(e->value.type, T_MONEY);
    ck_assert_int_eq(e->value.u.m.amount.m, 10000);
    ck_assert_uint_eq(e->value.u.m.amount.scale, 2);
    ck_assert_str_eq(e->value.u.m.cur, "USD");
    ck_assert_uint_eq(e->loc.end - e->loc.start, 10); /* the number and the code */
    ck_assert_uint_eq(e->op_loc.start - e->loc.start, 7); /* the code */
    done();
    e = expr("5000 JPY");
    ck_assert_int_eq(e->value.type, T_MONEY);
    ck_assert_int_eq(e->value.u.m.amount.m, 5000);
    ck_assert_uint_eq(e->value.u.m.amount.scale, 0);
    ck_assert_str_eq(e->value.u.m.cur, "JPY");
    done();
    ck_assert_shape("1.250 BHD", "1.250BHD");
}
END_TEST

START_TEST(scalar_literals)
{
    ck_assert_shape("15", "15");
    ck_assert_shape("15.00", "15.00");
    ck_assert_shape("\"Merchant X\"", "\"Merchant X\"");
    ck_assert_shape("true", "true");
    ck_assert_shape("false", "false");
    ck_assert_shape("2026-03-13", "date:20525");
    ck_assert_shape("2026-03-13T10:00:00Z", "inst:1773396000");
    /* 3: a percent in an expression is a decimal, 10% being 0.10. */
    ck_assert_shape("10%", "0.10");
    ck_assert_shape("2.5%", "0.025");
}
END_TEST

START_TEST(negative_literal_is_negation)
{
    ck_assert_shape("-5", "(neg 5)");
    cbrexpr *e = expr("-5");
    ck_assert(e->is_const);
    ck_assert_int_eq(e->value.u.i, -5);
    done();
}
END_TEST

START_TEST(expression_locations)
{
    C = unit_compile("let e = 1 + 23\n");
    cbrexpr *e = item(0)->u.let_expr;
    ck_assert_int_eq(e->kind, E_BIN);
    ck_assert_uint_eq(e->loc.start, 8);
    ck_assert_uint_eq(e->loc.end, 14);
    ck_assert_uint_eq(e->op_loc.start, 10);
    ck_assert_uint_eq(e->op_loc.end, 11);
    ck_assert_uint_eq(e->u.kids.a->loc.start, 8);
    ck_assert_uint_eq(e->u.kids.a->loc.end, 9);
    ck_assert_uint_eq(e->u.kids.b->loc.start, 12);
    ck_assert_uint_eq(e->u.kids.b->loc.end, 14);
    ck_assert(!e->paren);
    done();
    C = unit_compile("let e = (1 + 23)\n");
    e = item(0)->u.let_expr;
    ck_assert(e->paren);
    ck_assert_uint_eq(e->op_loc.start, 11);
    done();
}
END_TEST

/* ---- items (5-8, 15) ---- */

START_TEST(declarations)
{
    C = unit_compile("field user_tier: string\n"
                     "let premium = user_tier in [\"gold\", \"platinum\"]\n"
                     "extern fn risk_score(string, int) -> decimal\n"
                     "extern fn coin() -> bool\n");
    ck_assert_no_errors(C);
    ck_assert_uint_eq(nitems(), 4);
    cbritem *f = item(0);
    ck_assert_int_eq(f->kind, I_FIELD);
    ck_assert_str_eq(f->name.s, "user_tier");
    ck_assert_uint_eq(f->name_loc.start, 6);
    ck_assert_uint_eq(f->name_loc.end, 15);
    ck_assert_str_eq(f->u.field_type.name.s, "string");
    ck_assert_uint_eq(f->u.field_type.loc.start, 17);
    ck_assert_uint_eq(f->loc.start, 0);
    ck_assert_uint_eq(f->loc.end, 23);
    cbritem *l = item(1);
    ck_assert_int_eq(l->kind, I_LET);
    ck_assert_str_eq(l->name.s, "premium");
    ck_assert_int_eq(l->u.let_expr->kind, E_IN);
    cbritem *x = item(2);
    ck_assert_int_eq(x->kind, I_EXTERN);
    ck_assert_str_eq(x->name.s, "risk_score");
    ck_assert_uint_eq(x->u.ext.n, 2);
    ck_assert_str_eq(x->u.ext.params[0].name.s, "string");
    ck_assert_str_eq(x->u.ext.params[1].name.s, "int");
    ck_assert_str_eq(x->u.ext.ret.name.s, "decimal");
    cbritem *y = item(3);
    ck_assert_int_eq(y->kind, I_EXTERN);
    ck_assert_str_eq(y->name.s, "coin");
    ck_assert_uint_eq(y->u.ext.n, 0);
    ck_assert_str_eq(y->u.ext.ret.name.s, "bool");
    ck_assert_ptr_null(y->next);
    done();
}
END_TEST

START_TEST(offer_with_every_attribute)
{
    C = unit_compile("campaign \"spring\" { valid 2026-01-01 to 2026-12-31 }\n"
                     "offer \"friday-merchant-x\" {\n"
                     "    title \"10% back\"\n"
                     "    campaign \"spring\"\n"
                     "    valid 2026-03-01 to 2026-03-31\n"
                     "    timezone \"America/New_York\"\n"
                     "    priority -5\n"
                     "    exclusive \"merchant-x\"\n"
                     "    limit 1 per user per day\n"
                     "    limit 50.00 USD per user per month\n"
                     "    budget 5000.00\n"
                     "    rounding half-up\n"
                     "    when merchant == \"Merchant X\" then cashback 10% up to 20.00\n"
                     "    when true then cashback 1.00\n"
                     "}\n");
    ck_assert_no_errors(C);
    cbritem *o = item(1);
    ck_assert_int_eq(o->kind, I_OFFER);
    ck_assert_str_eq(o->name.s, "friday-merchant-x");
    const cbrattrs *as = &o->u.attrs;
    ck_assert(!as->broken);
    ck_assert_uint_eq(as->n, 12);
    static const cbrattr_kind kinds[] = {A_TITLE, A_CAMPAIGN, A_VALID, A_TIMEZONE, A_PRIORITY,
                                         A_EXCLUSIVE, A_LIMIT, A_LIMIT, A_BUDGET, A_ROUNDING,
                                         A_CLAUSE, A_CLAUSE};
    for (unsigned n = 0; n < 12; n++)
        ck_assert_msg(as->items[n].kind == kinds[n], "attribute %u is %d, expected %d", n,
                      (int)as->items[n].kind, (int)kinds[n]);
    ck_assert_str_eq(as->items[0].u.str.s, "10% back");
    ck_assert_str_eq(as->items[1].u.str.s, "spring");
    ck_assert_int_eq(as->items[2].u.valid.from, cbrdate_from_civil(2026, 3, 1));
    ck_assert_int_eq(as->items[2].u.valid.to, cbrdate_from_civil(2026, 3, 31));
    ck_assert_str_eq(as->items[3].u.str.s, "America/New_York");
    ck_assert_int_eq(as->items[4].u.priority.v, -5);
    ck_assert_str_eq(as->items[5].u.str.s, "merchant-x");
    /* limit 1 per user per day */
    const cbrattr *l1 = &as->items[6];
    ck_assert_int_eq(l1->u.limit.amount.value.m, 1);
    ck_assert(!l1->u.limit.amount.has_point);
    ck_assert_str_eq(l1->u.limit.amount.cur, "");
    ck_assert_str_eq(l1->u.limit.who.s, "user");
    ck_assert(l1->u.limit.has_period);
    ck_assert_str_eq(l1->u.limit.period.s, "day");
    /* limit 50.00 USD per user per month */
    const cbrattr *l2 = &as->items[7];
    ck_assert_int_eq(l2->u.limit.amount.value.m, 5000);
    ck_assert_uint_eq(l2->u.limit.amount.value.scale, 2);
    ck_assert(l2->u.limit.amount.has_point);
    ck_assert_str_eq(l2->u.limit.amount.cur, "USD");
    ck_assert_str_eq(l2->u.limit.period.s, "month");
    ck_assert_int_eq(as->items[8].u.budget.amount.value.m, 500000);
    ck_assert_str_eq(as->items[8].u.budget.amount.cur, "");
    ck_assert_str_eq(as->items[9].u.rounding.mode.s, "half-up");
    const cbrclause *c1 = &as->items[10].u.clause;
    ck_assert_int_eq(c1->cond->kind, E_BIN);
    ck_assert_int_eq(c1->reward.kind, R_PERCENT);
    ck_assert_int_eq(c1->reward.percent.m, 10);
    ck_assert(c1->reward.has_cap);
    ck_assert_int_eq(c1->reward.amount.value.m, 2000);
    ck_assert_uint_eq(c1->reward.amount.value.scale, 2);
    const cbrclause *c2 = &as->items[11].u.clause;
    ck_assert_int_eq(c2->reward.kind, R_FIXED);
    ck_assert(!c2->reward.has_cap);
    ck_assert_int_eq(c2->reward.amount.value.m, 100);
    /* The keyword location of an attribute, and the clause's span. */
    unsigned line, col;
    cbrdiag_linecol(C, 0, as->items[4].kw_loc.start, &line, &col);
    ck_assert_uint_eq(line, 7);
    ck_assert_uint_eq(col, 5);
    cbrdiag_linecol(C, 0, c1->loc.start, &line, &col);
    ck_assert_uint_eq(line, 13);
    ck_assert_uint_eq(col, 5);
    cbrdiag_linecol(C, 0, c1->loc.end, &line, &col);
    ck_assert_uint_eq(line, 13);
    ck_assert_uint_eq(col, 64);
    done();
}
END_TEST

START_TEST(rounding_modes_as_written)
{
    static const char *const modes[] = {"down", "up", "half-up", "half-even"};
    for (int n = 0; n < 4; n++) {
        char src[200];
        snprintf(src, sizeof src, "offer \"o\" { rounding %s when true then cashback 1%% }\n", modes[n]);
        C = unit_compile(src);
        ck_assert_no_errors(C);
        const cbrattr *a = &item(0)->u.attrs.items[0];
        ck_assert_int_eq(a->kind, A_ROUNDING);
        ck_assert_str_eq(a->u.rounding.mode.s, modes[n]);
        done();
    }
}
END_TEST

START_TEST(campaign_item)
{
    C = unit_compile("campaign \"new-year-2027\" {\n"
                     "    title \"New Year\"\n"
                     "    budget 100000.00 USD\n"
                     "    valid 2026-12-26 to 2027-01-15\n"
                     "}\n");
    ck_assert_no_errors(C);
    cbritem *it = item(0);
    ck_assert_int_eq(it->kind, I_CAMPAIGN);
    ck_assert_str_eq(it->name.s, "new-year-2027");
    ck_assert_uint_eq(it->name_loc.start, 9);
    ck_assert_uint_eq(it->u.attrs.n, 3);
    ck_assert_int_eq(it->u.attrs.items[1].kind, A_BUDGET);
    ck_assert_int_eq(it->u.attrs.items[1].u.budget.amount.value.m, 10000000);
    ck_assert_str_eq(it->u.attrs.items[1].u.budget.amount.cur, "USD");
    ck_assert_int_eq(it->u.attrs.items[2].u.valid.from, 20813);
    done();
}
END_TEST

START_TEST(bare_rule_item)
{
    C = unit_compile("\n  when amount >= 15 and merchant == \"X\" and weekday == FRI then cashback 10%\n");
    ck_assert_no_errors(C);
    ck_assert_uint_eq(nitems(), 1);
    cbritem *it = item(0);
    ck_assert_int_eq(it->kind, I_RULE);
    ck_assert_uint_eq(it->loc.start, 3);
    ck_assert_int_eq(it->u.rule.cond->kind, E_AND);
    ck_assert_uint_eq(it->u.rule.cond->u.list.n, 3);
    ck_assert_int_eq(it->u.rule.reward.kind, R_PERCENT);
    ck_assert_int_eq(it->u.rule.reward.percent.m, 10);
    done();
}
END_TEST

START_TEST(test_block_steps)
{
    C = unit_compile("when amount >= 100 then cashback 20.00\n"
                     "test \"first\" {\n"
                     "    given { tid: \"t1\", amount: 120.00, currency: \"USD\",\n"
                     "            timestamp: 2026-12-28T12:00:00Z, mcc: -5 }\n"
                     "    expect cashback 20.00 from \"t:1\"\n"
                     "    given { tid: \"t2\", amount: 1, currency: \"USD\", timestamp: 2026-12-28T12:00:00Z }\n"
                     "    expect no cashback\n"
                     "    expect no cashback from \"t:1\"\n"
                     "}\n");
    ck_assert_no_errors(C);
    cbritem *t = item(1);
    ck_assert_int_eq(t->kind, I_TEST);
    ck_assert_str_eq(t->name.s, "first");
    const cbrsteps *st = &t->u.test;
    ck_assert_uint_eq(st->n, 5);
    ck_assert_int_eq(st->items[0].kind, STEP_GIVEN);
    ck_assert_uint_eq(st->items[0].nkv, 5);
    ck_assert_str_eq(st->items[0].kvs[0].key.s, "tid");
    ck_assert_str_eq(st->items[0].kvs[0].value->value.u.s.s, "t1");
    ck_assert_str_eq(st->items[0].kvs[3].key.s, "timestamp");
    ck_assert_int_eq(st->items[0].kvs[3].value->value.u.inst.secs, 1798459200LL);
    ck_assert_int_eq(st->items[0].kvs[4].value->kind, E_NEG);
    ck_assert_int_eq(st->items[1].kind, STEP_EXPECT_CASHBACK);
    ck_assert_int_eq(st->items[1].amount.value.m, 2000);
    ck_assert_str_eq(st->items[1].offer.s, "t:1");
    ck_assert_int_eq(st->items[2].kind, STEP_GIVEN);
    ck_assert_uint_eq(st->items[2].nkv, 4);
    ck_assert_int_eq(st->items[3].kind, STEP_EXPECT_NONE);
    ck_assert_int_eq(st->items[4].kind, STEP_EXPECT_NONE_FROM);
    ck_assert_str_eq(st->items[4].offer.s, "t:1");
    done();
}
END_TEST

START_TEST(items_keep_source_order)
{
    C = unit_compile("let a = 1\n"
                     "when true then cashback 1%\n"
                     "field f: int\n"
                     "offer \"o\" { when true then cashback 1% }\n"
                     "campaign \"c\" { }\n"
                     "test \"t\" { }\n"
                     "extern fn g() -> int\n");
    static const cbritem_kind k[] = {I_LET, I_RULE, I_FIELD, I_OFFER, I_CAMPAIGN, I_TEST, I_EXTERN};
    ck_assert_uint_eq(nitems(), 7);
    for (unsigned n = 0; n < 7; n++)
        ck_assert_int_eq(item(n)->kind, k[n]);
    ck_assert_ptr_eq(C->src[0].last, item(6));
    done();
}
END_TEST

START_TEST(empty_source_has_no_items)
{
    C = unit_compile("  # nothing here\n\n");
    ck_assert_clean(C);
    ck_assert_ptr_null(C->src[0].items);
    done();
}
END_TEST

/* ---- syntax errors (16) ---- */

START_TEST(missing_then)
{
    ck_assert_syntax_error("when amount > 1 cashback 10%\n", 1, 17,
                           "expected `then` after the condition, found `cashback`");
}
END_TEST

START_TEST(up_without_to)
{
    ck_assert_syntax_error("offer \"o\" {\n    when amount > 1 then cashback 10% up 20.00\n}\n", 2, 42,
                           "expected `to`, found `20.00`");
}
END_TEST

START_TEST(valid_without_to)
{
    ck_assert_syntax_error("offer \"o\" { valid 2026-01-01 2026-02-01 when true then cashback 1% }\n", 1, 30,
                           "expected `to`, found `2026-02-01`");
}
END_TEST

START_TEST(missing_condition)
{
    ck_assert_syntax_error("when then cashback 1%\n", 1, 6, "expected an expression, found `then`");
}
END_TEST

START_TEST(doubled_operator)
{
    ck_assert_syntax_error("when amount >= >= 15 then cashback 10%\n", 1, 16,
                           "expected an expression, found `>=`");
}
END_TEST

START_TEST(doubled_percent_sign)
{
    ck_assert_syntax_error("offer \"o\" { when amount > 1 then cashback 5%% }\n", 1, 45,
                           "expected `when`, `up`, `}`, an offer attribute or an operator, found `%`");
}
END_TEST

/* `=` where a comparison fits says `==` was meant, in a clause or a let. */
START_TEST(single_equals_in_a_condition)
{
    static const struct { const char *src; unsigned col; } cases[] = {
        {"when currency = \"USD\" then cashback 1%\n", 15},
        {"let usd = currency = \"USD\"\n", 20},
        {"when amount > 1 and mcc = 5411 then cashback 1%\n", 25},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        C = unit_compile(cases[i].src);
        ck_assert_one_error(C, "assign-in-condition", 1, cases[i].col);
        ck_assert_only_message(C, "`=` does not compare; a condition tests equality with `==`");
        ck_assert_str_eq(unit_only_error(C)->hint, "did you mean `==`?");
        done();
    }
}
END_TEST

/* `10 %`: one error over the number and the sign, from the lexer. */
START_TEST(percent_after_a_space)
{
    static const struct { const char *src; unsigned col, end; const char *hint; } cases[] = {
        {"when amount > 1 then cashback 10 %\n", 31, 35, "write `10%`"},
        {"when amount > 1 then cashback 2.5\t%\n", 31, 36, "write `2.5%`"},
        {"when amount * 10 % > 1 then cashback 1%\n", 15, 19, "write `10%`"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        C = unit_compile(cases[i].src);
        ck_assert_one_error(C, "percent-space", 1, cases[i].col);
        const cbr_diagnostic *d = unit_only_error(C);
        ck_assert_uint_eq(d->end_column, cases[i].end);
        ck_assert_str_eq(d->hint, cases[i].hint);
        done();
    }
}
END_TEST

START_TEST(unclosed_offer_at_end_of_file)
{
    ck_assert_syntax_error("offer \"o\" {", 1, 12,
                           "expected `when`, `}` or an offer attribute, found end of file");
    ck_assert_syntax_error("let x =\n", 2, 1, "expected an expression, found end of file");
}
END_TEST

START_TEST(missing_colon_and_unquoted_id)
{
    ck_assert_syntax_error("field x string\n", 1, 9, "expected `:`, found `string`");
    ck_assert_syntax_error("offer o { }\n", 1, 7, "expected a string, found `o`");
}
END_TEST

/* Regression test for a fixed bug: after `offer o {`, recovery resumes at
 * the `when` inside the braces, which becomes a phantom bare rule (offer
 * "t:1"), and the closing `}` is reported as a second, dependent error. */
START_TEST(unquoted_offer_id_is_one_error)
{
    C = unit_compile("offer o { when true then cashback 1% }\n");
    ck_assert_one_error(C, "syntax", 1, 7);
    done();
}
END_TEST

START_TEST(cap_without_amount)
{
    ck_assert_syntax_error("when amount > 1 then cashback 5% up to\n", 2, 1,
                           "expected the cap after `up to`: an amount or a money expression, as in "
                           "`up to 5.00`; found end of file");
}
END_TEST

/* After a bare `cashback` the message says what a reward is, with
 * examples, rather than only "an expression". */
START_TEST(reward_without_value_names_percent_or_amount)
{
    C = unit_compile("offer \"o\" { when amount > 1 then cashback }\n");
    ck_assert_one_error(C, "syntax", 1, 43);
    const cbr_diagnostic *d = unit_only_error(C);
    ck_assert_msg(strstr(d->message, "after `cashback`") && strstr(d->message, "percent") &&
                      strstr(d->message, "amount * 2%"),
                  "message: %s", d->message);
    done();
}
END_TEST

START_TEST(long_found_token_is_shortened_on_a_character_boundary)
{
    ck_assert_syntax_error("when amount > 1 \"abcdefghijklmnopqrstuvwxyz0123456789\" then cashback 1%\n", 1, 17,
                           "expected `then` after the condition, found `\"abcdefghijklmnopqrstuvw...`");
    /* 24 bytes would cut the 12th é in half: 11 are kept. */
    ck_assert_syntax_error("when amount > 1 \"\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                           "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\" then cashback 1%\n",
                           1, 17,
                           "expected `then` after the condition, found `\"\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                           "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9...`");
}
END_TEST

START_TEST(lexical_error_is_not_reported_again_by_the_parser)
{
    C = unit_compile("when amount > 1 && merchant == \"x\" then cashback 1%\n");
    ck_assert_one_error(C, "unexpected-char", 1, 17);
    done();
}
END_TEST

/* ---- recovery ---- */

START_TEST(three_offers_three_independent_errors)
{
    C = unit_compile("offer \"a\" {\n"
                     "    when amount > 1 cashback 1%\n"
                     "}\n"
                     "offer \"b\" {\n"
                     "    when amount > > 1 then cashback 1%\n"
                     "}\n"
                     "offer \"c\" {\n"
                     "    valid 2026-01-01 2026-02-01\n"
                     "    when true then cashback 1%\n"
                     "}\n"
                     "offer \"d\" {\n"
                     "    when true then cashback 1%\n"
                     "}\n");
    ck_assert_msg(cbr_compiler_error_count(C) == 3, "expected 3 errors, got:\n%s", unit_dump(C));
    ck_assert_error_at(C, "syntax", 2, 21);
    ck_assert_error_at(C, "syntax", 5, 19);
    ck_assert_error_at(C, "syntax", 8, 22);
    /* Every offer is still an item; the broken ones are marked. */
    ck_assert_uint_eq(nitems(), 4);
    ck_assert(item(0)->u.attrs.broken);
    ck_assert(item(1)->u.attrs.broken);
    ck_assert(item(2)->u.attrs.broken);
    ck_assert(!item(3)->u.attrs.broken);
    ck_assert_uint_eq(item(3)->u.attrs.n, 1);
    done();
}
END_TEST

START_TEST(errors_in_bare_rules_and_declarations_recover)
{
    C = unit_compile("when amount > then cashback 1%\n"
                     "when merchant == \"a\" then cashback 1%\n"
                     "field x string\n"
                     "let y = (1 + 2\n"
                     "when true then cashback 2%\n");
    ck_assert_msg(nsyntax(C) == 3, "expected 3 syntax errors, got:\n%s", unit_dump(C));
    ck_assert_error_at(C, "syntax", 1, 15);
    ck_assert_error_at(C, "syntax", 3, 9);
    ck_assert_error_at(C, "syntax", 5, 1);
    /* The good rule in between survives. */
    bool found = false;
    for (cbritem *it = C->src[0].items; it; it = it->next)
        if (it->kind == I_RULE && it->u.rule.cond->kind == E_BIN &&
            it->u.rule.cond->u.kids.b->kind == E_LIT && it->u.rule.cond->u.kids.b->value.type == T_STRING)
            found = true;
    ck_assert(found);
    done();
}
END_TEST

START_TEST(errors_in_test_steps_recover)
{
    C = unit_compile("when true then cashback 1%\n"
                     "test \"t\" {\n"
                     "    given { tid: \"1\", amount: 1, currency: \"USD\", timestamp: 2026-01-01T00:00Z }\n"
                     "    expect cashback from \"t:1\"\n"
                     "    given { tid: \"2\", amount: 1, currency: \"USD\", timestamp: 2026-01-01T00:00Z }\n"
                     "    expect no cashback\n"
                     "}\n");
    ck_assert_one_error(C, "syntax", 4, 21);
    ck_assert_uint_eq(item(1)->u.test.n, 3);
    done();
}
END_TEST

/* Regression test for a fixed bug: a syntax error inside a `given` drops the
 * broken key/value pair, and the checker then also reports the required
 * field as missing: one mistake, two errors. */
START_TEST(syntax_error_in_given_is_reported_once)
{
    C = unit_compile("when true then cashback 1%\n"
                     "test \"t\" {\n"
                     "    given { tid \"1\", amount: 1, currency: \"USD\", timestamp: 2026-01-01T00:00Z }\n"
                     "    expect no cashback\n"
                     "}\n");
    ck_assert_one_error(C, "syntax", 3, 17);
    done();
}
END_TEST

/* ---- limits (18) ---- */

static char *repeat_around(const char *head, const char *unit, size_t n, const char *mid,
                           const char *unit2, size_t n2, const char *tail)
{
    size_t len = strlen(head) + strlen(unit) * n + strlen(mid) + strlen(unit2) * n2 + strlen(tail) + 1;
    char *s = malloc(len);
    ck_assert_ptr_nonnull(s);
    char *p = s;
    p += sprintf(p, "%s", head);
    for (size_t k = 0; k < n; k++)
        p += sprintf(p, "%s", unit);
    p += sprintf(p, "%s", mid);
    for (size_t k = 0; k < n2; k++)
        p += sprintf(p, "%s", unit2);
    sprintf(p, "%s", tail);
    return s;
}

START_TEST(sixty_four_open_parentheses_are_fine)
{
    char *src = repeat_around("let e = ", "(", 64, "1", ")", 64, "\n");
    C = unit_compile(src);
    free(src);
    ck_assert_clean(C);
    done();
}
END_TEST

START_TEST(sixty_five_open_parentheses_hit_the_nesting_limit)
{
    char *src = repeat_around("let e = ", "(", 65, "1", ")", 65, "\n");
    C = unit_compile(src);
    free(src);
    ck_assert_one_error(C, "limit-nesting", 1, 73);
    ck_assert_only_message(C, "more than 64 parentheses and brackets are open here");
    done();
}
END_TEST

START_TEST(nesting_counts_brackets_too)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_nesting = 2;
    C = unit_compile_cfg(&cfg, "let e = 1 in [(2)]\nlet f = 1 in [((2))]\n");
    ck_assert_one_error(C, "limit-nesting", 2, 16);
    done();
}
END_TEST

START_TEST(expression_depth_limit_on_unary_chain)
{
    /* 257 minus signs: the outermost node is 257 deep. */
    char *src = repeat_around("let e = ", "-", 257, "1", "", 0, "\n");
    C = unit_compile(src);
    free(src);
    ck_assert_one_error(C, "limit-expr-depth", 1, 9);
    ck_assert_only_message(C, "expression is nested more than 256 levels deep");
    done();
    /* 300: reported once, where the tree first grows past the limit. */
    src = repeat_around("let e = ", "-", 300, "1", "", 0, "\n");
    C = unit_compile(src);
    free(src);
    ck_assert_one_error(C, "limit-expr-depth", 1, 9 + 300 - 257);
    done();
    /* 256 is within the limit. */
    src = repeat_around("let e = ", "-", 256, "1", "", 0, "\n");
    C = unit_compile(src);
    free(src);
    ck_assert_clean(C);
    done();
}
END_TEST

START_TEST(expression_depth_limit_from_config)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_expr_depth = 3;
    C = unit_compile_cfg(&cfg, "let a = 1 + 2 + 3 + 4\nlet b = 1 + 2 + 3 + 4 + 5\n");
    ck_assert_one_error(C, "limit-expr-depth", 2, 9);
    done();
}
END_TEST

START_TEST(long_left_associative_chain_does_not_exhaust_the_stack)
{
    /* The parser keeps `1 + 1 + ...` on a short stack, but the tree is as
     * deep as the chain is long: the checker must not walk it recursively. */
    char *src = repeat_around("let e = 1", "\n+ 1", 500000, "", "", 0, "\n");
    C = unit_compile(src);
    free(src);
    ck_assert_one_error(C, "limit-expr-depth", 1, 9);
    done();
}
END_TEST

START_TEST(parser_stack_exhaustion_is_a_nesting_error)
{
    /* 20000 unary minus signs overflow Bison's stack (YYMAXDEPTH). */
    char *src = repeat_around("let e = ", "-", 20000, "1", "", 0, "\n");
    cbr_compiler *c = t_compiler_new(NULL);
    ck_assert_int_eq(cbr_compiler_add_source(c, "t.cbr", src, strlen(src), NULL), CBR_OK);
    free(src);
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_ERR_COMPILE);
    C = c;
    ck_assert_msg(unit_count(c, CBR_ERROR, "limit-nesting") == 1, "got:\n%s", unit_dump(c));
    done();
}
END_TEST

START_TEST(list_within_the_item_limit)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_list_items = 3;
    C = unit_compile_cfg(&cfg, "let e = [1, 2, 3]\n");
    ck_assert_clean(C);
    ck_assert_uint_eq(item(0)->u.let_expr->u.list.n, 3);
    done();
}
END_TEST

/* Regression test for a fixed bug: cbrbuild_list_add counts the element it drops
 * (list->u.list.n++ past the stored items), so the checker walks one slot
 * past the list's last element and crashes on a NULL (or stale) pointer. */
START_TEST(list_longer_than_the_limit_is_one_error)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_list_items = 3;
    C = unit_compile_cfg(&cfg, "let e = [1, 2, 3, 4, 5]\n");
    ck_assert_one_error(C, "limit-list-items", 1, 19);
    ck_assert_only_message(C, "a list may hold at most 3 elements");
    done();
}
END_TEST

/* The same with the default limit of 10,000: hostile input, not a test setup. */
START_TEST(list_of_10001_elements_with_default_limits)
{
    char *src = repeat_around("let e = [0", ", 1", 10000, "]", "", 0, "\n");
    C = unit_compile(src);
    free(src);
    ck_assert_one_error(C, "limit-list-items", 1, 30010);
    done();
}
END_TEST

static Suite *parser_suite(void)
{
    Suite *s = suite_create("parser");
    UNIT_TCASE(s, "precedence", or_binds_looser_than_and, and_or_chains_are_flattened,
               flattened_chain_spans_all_operands, between_binds_tighter_than_and,
               not_binds_looser_than_comparison, arithmetic_precedence_and_left_associativity,
               unary_minus_binds_tightest, every_comparison_operator, comparisons_do_not_chain,
               membership_and_lists, not_in_location_covers_both_words, empty_list_literal,
               function_calls, call_without_arguments);
    UNIT_TCASE(s, "literals", money_literals, scalar_literals, negative_literal_is_negation,
               expression_locations);
    UNIT_TCASE(s, "items", declarations, offer_with_every_attribute, rounding_modes_as_written,
               campaign_item, bare_rule_item, test_block_steps, items_keep_source_order,
               empty_source_has_no_items);
    UNIT_TCASE(s, "syntax-errors", missing_then, up_without_to, valid_without_to, missing_condition,
               doubled_operator, doubled_percent_sign, single_equals_in_a_condition, percent_after_a_space,
               unclosed_offer_at_end_of_file,
               missing_colon_and_unquoted_id, unquoted_offer_id_is_one_error, cap_without_amount,
               reward_without_value_names_percent_or_amount,
               long_found_token_is_shortened_on_a_character_boundary,
               lexical_error_is_not_reported_again_by_the_parser);
    UNIT_TCASE(s, "recovery", three_offers_three_independent_errors,
               errors_in_bare_rules_and_declarations_recover, errors_in_test_steps_recover,
               syntax_error_in_given_is_reported_once);
    TCase *lim = tcase_create("limits");
    tcase_set_timeout(lim, 120);
    tcase_add_test(lim, sixty_four_open_parentheses_are_fine);
    tcase_add_test(lim, sixty_five_open_parentheses_hit_the_nesting_limit);
    tcase_add_test(lim, nesting_counts_brackets_too);
    tcase_add_test(lim, expression_depth_limit_on_unary_chain);
    tcase_add_test(lim, expression_depth_limit_from_config);
    tcase_add_test(lim, long_left_associative_chain_does_not_exhaust_the_stack);
    tcase_add_test(lim, parser_stack_exhaustion_is_a_nesting_error);
    tcase_add_test(lim, list_within_the_item_limit);
    tcase_add_test(lim, list_longer_than_the_limit_is_one_error);
    tcase_add_test(lim, list_of_10001_elements_with_default_limits);
    suite_add_tcase(s, lim);
    return s;
}

UNIT_MAIN(parser_suite)
