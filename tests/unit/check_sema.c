/* check_sema.c: the resolver and the type checker (compiler/sema.c,
 * types.c, suggest.c) through the public API, with the checked program read
 * back through sema.h.  Each diagnostic code of sema.c and types.c is
 * exercised with its line and column.  Language reference: sections 3-8
 * (types, fields, declarations, campaigns, offers, clauses), 13-15
 * (operators, functions, tests), 17 (warnings), 18 (limits). */
#include "config.h"
#include <stdint.h>
#include "tests/unit/unit.h"
#include "compiler/compint.h"
#include "compiler/sema.h"
#include "compiler/semaint.h"
#include <sys/stat.h>
#include <unistd.h>
#include "stdlib/date.h"

#define NOHINT ((const char *)-1)

/* src has exactly one error, with code at line:col; its hint is `hint`
 * (NULL: not checked; NOHINT: none) and its message contains msg (if any). */
static void expect_error(const char *src, const char *code, unsigned line, unsigned col,
                         const char *hint, const char *msg)
{
    cbr_compiler *c = unit_compile(src);
    ck_assert_one_error(c, code, line, col);
    const cbr_diagnostic *d = unit_only_error(c);
    if (hint == NOHINT)
        ck_assert_msg(d->hint == NULL, "unexpected hint \"%s\"", d->hint);
    else if (hint)
        ck_assert_msg(d->hint && strcmp(d->hint, hint) == 0, "hint \"%s\", expected \"%s\"",
                      d->hint ? d->hint : "(none)", hint);
    if (msg)
        ck_assert_msg(strstr(d->message, msg) != NULL, "message \"%s\" lacks \"%s\"", d->message, msg);
    cbr_compiler_free(c);
}

/* src has no errors and a warning with code at line:col (hint as above). */
static void expect_warning(const char *src, const char *code, unsigned line, unsigned col,
                           const char *hint, const char *msg)
{
    cbr_compiler *c = unit_compile(src);
    ck_assert_no_errors(c);
    ck_assert_warning(c, code, line, col);
    const cbr_diagnostic *d = unit_find(c, CBR_WARNING, code, line, col);
    if (hint == NOHINT)
        ck_assert_msg(d->hint == NULL, "unexpected hint \"%s\"", d->hint);
    else if (hint)
        ck_assert_msg(d->hint && strcmp(d->hint, hint) == 0, "hint \"%s\", expected \"%s\"",
                      d->hint ? d->hint : "(none)", hint);
    if (msg)
        ck_assert_msg(strstr(d->message, msg) != NULL, "message \"%s\" lacks \"%s\"", d->message, msg);
    cbr_compiler_free(c);
}

#define ERR(name, src, code, line, col, hint, msg)                                          \
    START_TEST(name) { expect_error(src, code, line, col, hint, msg); }                     \
    END_TEST
#define WARN(name, src, code, line, col, hint, msg)                                         \
    START_TEST(name) { expect_warning(src, code, line, col, hint, msg); }                   \
    END_TEST

#define CB " then cashback 1%\n"
#define OFFER(attrs) "offer \"o\" { " attrs " when true then cashback 1% }\n"

/* ---- names (4, 5; did you mean) ---- */

ERR(unknown_name_suggests_channel, "when channl == \"online\"" CB, "unknown-name", 1, 6,
    "did you mean `channel`?", "unknown name `channl`")
ERR(unknown_weekday_suggests_FRI, "when weekday == FRIDAY" CB, "unknown-name", 1, 17,
    "did you mean `FRI`?", NULL)
ERR(unknown_name_suggests_merchant_from_prefix, "when merch == \"x\"" CB, "unknown-name", 1, 6,
    "did you mean `merchant`?", NULL)
ERR(unknown_name_far_from_everything_has_no_hint, "when zqxwvy == 1" CB, "unknown-name", 1, 6, NOHINT, NULL)
ERR(unknown_function_suggests_lower, "when lowr(merchant) == \"x\"" CB, "unknown-function", 1, 6,
    "did you mean `lower`?", "unknown function `lowr`")
ERR(declared_names_are_suggested, "field user_tier: string\nwhen user_teir == \"gold\"" CB, "unknown-name", 2, 6,
    "did you mean `user_tier`?", NULL)
ERR(function_used_as_a_value, "when lower == \"x\"" CB, "not-a-value", 1, 6, NULL, "is a function")
ERR(type_used_as_a_value, "when string == \"x\"" CB, "not-a-value", 1, 6, NULL, "is a type")
ERR(extern_used_as_a_value, "extern fn f() -> int\nwhen f == 1" CB, "not-a-value", 2, 6, NULL, "is a function")
ERR(field_called_as_a_function, "when merchant(1) == \"x\"" CB, "not-a-function", 1, 6, NULL,
    "`merchant` is not a function")

/* ---- declarations (5) ---- */

ERR(standard_field_cannot_be_declared, "field amount: money\n", "redeclared", 1, 7, NULL,
    "`amount` is a standard field")
ERR(derived_field_cannot_be_declared, "let hour = 1\n", "redeclared", 1, 5, NULL, "`hour` is a derived field")
ERR(weekday_cannot_be_declared, "let FRI = 5\n", "redeclared", 1, 5, NULL, "weekday name")
ERR(builtin_function_cannot_be_declared, "extern fn lower(string) -> string\n", "redeclared", 1, 11, NULL,
    "built-in function")
ERR(type_name_cannot_be_declared, "field string: int\n", "redeclared", 1, 7, NULL, "type name")
ERR(duplicate_let, "let a = 1\nlet a = 2\n", "duplicate-name", 2, 5, "the first is at t.cbr:1:5",
    "duplicate declaration of `a`")
ERR(let_clashes_with_field, "field a: int\nlet a = 1\n", "duplicate-name", 2, 5, "the first is at t.cbr:1:7", NULL)
ERR(field_redeclared_with_another_type, "field a: int\nfield a: string\n", "field-type-conflict", 2, 10,
    "the first declaration is at t.cbr:1:7", "it is int")
ERR(field_of_type_money_is_refused, "field x: money\n", "bad-type", 1, 10, NOHINT, "found `money`")
ERR(field_of_type_weekday_is_refused, "field x: weekday\n", "bad-type", 1, 10, NOHINT, NULL)
ERR(field_type_misspelt, "field x: strng\n", "bad-type", 1, 10, "did you mean `string`?", NULL)
ERR(extern_parameter_type_misspelt, "extern fn f(strng) -> int\n", "bad-type", 1, 13, "did you mean `string`?",
    "unknown type `strng`")
ERR(extern_return_type_unknown, "extern fn f(int) -> dec\n", "bad-type", 1, 21, NULL, "unknown type `dec`")
ERR(extern_with_17_parameters,
    "extern fn f(int, int, int, int, int, int, int, int, int, int, int, int, int, int, int, int, int) -> int\n",
    "limit-params", 1, 11, NULL, "at most 16")

START_TEST(extern_with_16_parameters_is_fine)
{
    cbr_compiler *c = unit_compile(
        "extern fn f(int, int, int, int, int, int, int, int, int, int, int, int, int, int, int, int) -> bool\n"
        "when f(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)" CB);
    ck_assert_clean(c);
    ck_assert_uint_eq(cbrsema_get(c)->externs[0].nparams, 16);
    cbr_compiler_free(c);
}
END_TEST

ERR(let_cycle_of_two, "let a = b\nlet b = a\nwhen a" CB, "let-cycle", 1, 5, NULL,
    "`a` is defined in terms of itself")
ERR(let_defined_by_itself, "let x = 1\nlet a = a and true\n", "let-cycle", 2, 5, NULL, NULL)

START_TEST(long_let_chain_hits_the_depth_limit)
{
    /* l0 = l1, l1 = l2, ... l299 = true: checking l0 nests 300 lets. */
    char *src = malloc(300 * 32);
    ck_assert_ptr_nonnull(src);
    char *p = src;
    for (int k = 0; k < 299; k++)
        p += sprintf(p, "let l%d = l%d\n", k, k + 1);
    sprintf(p, "let l299 = true\n");
    cbr_compiler *c = unit_compile(src);
    free(src);
    ck_assert_one_error(c, "limit-expr-depth", 257, 5);
    cbr_compiler_free(c);
}
END_TEST

/* ---- types of expressions (3, 13, 14) ---- */

/* The type of `let e = TEXT` after the check, which must succeed. */
static cbrtype type_of(const char *text, const cbrexpr **out, cbr_compiler **cc)
{
    char src[1024];
    snprintf(src, sizeof src, "field tier: string\nlet e = %s\n", text);
    cbr_compiler *c = unit_compile(src);
    ck_assert_no_errors(c);
    const cbrsema *m = cbrsema_get(c);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(m->nlets, 1);
    const cbrexpr *e = m->lets[0].item->u.let_expr;
    ck_assert_int_eq(m->lets[0].type, e->type);
    cbrtype t = e->type;
    if (out)
        *out = e;
    if (cc)
        *cc = c;
    else
        cbr_compiler_free(c); /* e goes with it */
    return t;
}

#define ck_assert_type(text_, t_)                                                           \
    do {                                                                                    \
        cbrtype got_ = type_of(text_, NULL, NULL);                                          \
        ck_assert_msg(got_ == (t_), "`%s` is %s, expected %s", (text_), cbrtype_name(got_),  \
                      cbrtype_name(t_));                                                    \
    } while (0)

START_TEST(arithmetic_result_types)
{
    ck_assert_type("amount * 1.5", T_MONEY);
    ck_assert_type("1.5 * amount", T_MONEY);
    ck_assert_type("hour * 60 + minute", T_INT);
    ck_assert_type("7 / 2", T_DECIMAL);
    ck_assert_type("mcc + 0.5", T_DECIMAL);
    ck_assert_type("amount + 1", T_MONEY);
    ck_assert_type("amount - amount", T_MONEY);
    ck_assert_type("amount / 3", T_MONEY);
    ck_assert_type("amount / amount", T_DECIMAL);
    ck_assert_type("amount * 10%", T_MONEY);
    ck_assert_type("10%", T_DECIMAL);
    ck_assert_type("-amount", T_MONEY);
}
END_TEST

START_TEST(function_result_types)
{
    ck_assert_type("lower(merchant)", T_STRING);
    ck_assert_type("casefold(tier)", T_STRING);
    ck_assert_type("len(merchant)", T_INT);
    ck_assert_type("contains(merchant, \"x\")", T_BOOL);
    ck_assert_type("min(amount, 100)", T_MONEY);
    ck_assert_type("max(1, 2.5)", T_DECIMAL);
    ck_assert_type("min(1, 2, 3)", T_INT);
    ck_assert_type("min(date, 2026-01-01)", T_DATE);
    ck_assert_type("abs(-2.5)", T_DECIMAL);
    ck_assert_type("round(12.345, 1)", T_DECIMAL);
    ck_assert_type("floor(amount)", T_MONEY);
    ck_assert_type("exists(tier)", T_BOOL);
}
END_TEST

START_TEST(other_expression_types)
{
    ck_assert_type("weekday", T_WEEKDAY);
    ck_assert_type("FRI", T_WEEKDAY);
    ck_assert_type("date", T_DATE);
    ck_assert_type("timestamp", T_INSTANT);
    ck_assert_type("tier", T_STRING);
    ck_assert_type("[1, 2.5]", T_DECIMAL | T_LIST);
    ck_assert_type("[1, 2]", T_INT | T_LIST);
    ck_assert_type("[\"a\"]", T_STRING | T_LIST);
    ck_assert_type("[SAT, SUN]", T_WEEKDAY | T_LIST);
    ck_assert_type("[]", T_NOTHING | T_LIST);
    ck_assert_type("merchant ~= \"x\"", T_BOOL);
    ck_assert_type("weekday between MON and FRI", T_BOOL);
}
END_TEST

START_TEST(type_names)
{
    ck_assert_str_eq(cbrtype_name(T_INT), "int");
    ck_assert_str_eq(cbrtype_name(T_MONEY), "money");
    ck_assert_str_eq(cbrtype_name(T_STRING | T_LIST), "list of string");
    ck_assert_str_eq(cbrtype_name(T_NOTHING | T_LIST), "empty list");
    ck_assert_int_eq(cbrsema_type_named("string", 6), T_STRING);
    ck_assert_int_eq(cbrsema_type_named("weekday", 7), T_WEEKDAY);
    ck_assert_int_eq(cbrsema_type_named("strin", 5), T_ERROR);
    ck_assert_int_eq(cbrsema_type_named("stringy", 6), T_STRING); /* n bytes */
    ck_assert_int_eq(cbrsema_type_named("nothing", 7), T_ERROR);
}
END_TEST

/* ---- constant folding ---- */

START_TEST(constants_are_folded_exactly)
{
    const cbrexpr *e;
    cbr_compiler *c;
    ck_assert_int_eq(type_of("2 * 3 + 1", &e, &c), T_INT);
    ck_assert(e->is_const);
    ck_assert_int_eq(e->value.u.i, 7);
    cbr_compiler_free(c);
    ck_assert_int_eq(type_of("0.1 + 0.2", &e, &c), T_DECIMAL);
    ck_assert(e->is_const);
    ck_assert_int_eq(cbrdec_cmp(e->value.u.d, (cbrdec){3, 1}), 0);
    cbr_compiler_free(c);
    ck_assert_int_eq(type_of("10 USD + 5", &e, &c), T_MONEY);
    ck_assert(e->is_const);
    ck_assert_int_eq(e->value.u.m.amount.m, 15);
    ck_assert_str_eq(e->value.u.m.cur, "USD");
    cbr_compiler_free(c);
    ck_assert_int_eq(type_of("1 + 1 == 2", &e, &c), T_BOOL);
    ck_assert(e->is_const);
    ck_assert(e->value.u.b);
    cbr_compiler_free(c);
    ck_assert_int_eq(type_of("not (3 between 1 and 2)", &e, &c), T_BOOL);
    ck_assert(e->is_const);
    ck_assert(e->value.u.b);
    cbr_compiler_free(c);
    ck_assert_int_eq(type_of("FRI in [SAT, SUN]", &e, &c), T_BOOL);
    ck_assert(e->is_const);
    ck_assert(!e->value.u.b);
    cbr_compiler_free(c);
    /* A division is left to run time (it may not be exact). */
    ck_assert_int_eq(type_of("7 / 2", &e, &c), T_DECIMAL);
    ck_assert(!e->is_const);
    cbr_compiler_free(c);
    /* Fields are not constants. */
    ck_assert_int_eq(type_of("amount > 1", &e, &c), T_BOOL);
    ck_assert(!e->is_const);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(false_decides_and_true_decides_or_next_to_unknown)
{
    const cbrexpr *e;
    cbr_compiler *c;
    type_of("amount > 1 and false", &e, &c);
    ck_assert(e->is_const && !e->value.u.b);
    cbr_compiler_free(c);
    type_of("amount > 1 or true", &e, &c);
    ck_assert(e->is_const && e->value.u.b);
    cbr_compiler_free(c);
    type_of("amount > 1 and true", &e, &c);
    ck_assert(!e->is_const);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(folded_condition_makes_the_next_clause_unreachable)
{
    /* 17: a clause after an always-true one is never reached. */
    cbr_compiler *c = unit_compile("offer \"o\" {\n"
                                   "    when 1 + 1 == 2 then cashback 1%\n"
                                   "    when amount > 5 then cashback 2%\n"
                                   "}\n");
    ck_assert_no_errors(c);
    ck_assert_msg(cbr_compiler_warning_count(c) == 1, "got:\n%s", unit_dump(c));
    ck_assert_warning(c, "unreachable-clause", 3, 5);
    const cbr_diagnostic *d = unit_find(c, CBR_WARNING, "unreachable-clause", 3, 5);
    ck_assert_str_eq(d->hint, "the clause at t.cbr:2:5 has a condition that is always true");
    const cbroffer *o = &cbrsema_get(c)->offers[0];
    ck_assert_uint_eq(o->nclauses, 2);
    ck_assert(!o->clauses[0]->unreachable);
    ck_assert(o->clauses[1]->unreachable);
    cbr_compiler_free(c);
}
END_TEST

WARN(or_true_makes_the_next_clause_unreachable,
     "offer \"o\" {\n when amount > 0 or true then cashback 1%\n when amount > 100 then cashback 5%\n}\n",
     "unreachable-clause", 3, 2, NULL, NULL)
WARN(and_false_is_always_false, "when merchant == \"X\" and false" CB, "always-false", 1, 6, NOHINT, NULL)
WARN(reversed_between_bounds, "when amount between 100 and 10" CB, "between-reversed", 1, 13, NULL,
     "`between 100 and 10` is always false")
WARN(duplicate_list_element, "when mcc in [5411, 5422, 5411]" CB, "duplicate-list-item", 1, 26, NULL,
     "5411 appears twice")
WARN(duplicate_list_element_across_number_types, "when amount in [1, 1.00]" CB, "duplicate-list-item", 1, 20,
     NULL, NULL)
WARN(empty_list_is_always_false, "when mcc in []" CB, "empty-list", 1, 13, NULL, "always false")
WARN(empty_list_with_not_in_is_always_true, "when mcc not in []" CB, "empty-list", 1, 17, NULL, "always true")
WARN(percent_reward_over_100, "when true then cashback 150%\n", "percent-over-100", 1, 16, NULL, "150%")
WARN(zero_percent_reward, "when true then cashback 0%\n", "zero-reward", 1, 16, NULL, NULL)
WARN(zero_fixed_reward, "when true then cashback 0.00\n", "zero-reward", 1, 16, NULL, NULL)

/* ---- type errors (13, 14) ---- */

ERR(condition_must_be_bool, "when amount" CB, "type", 1, 6, NULL, "must be true or false (bool), found money")
ERR(not_needs_a_condition, "when not merchant" CB, "type", 1, 10, NULL, "`not` needs a condition")
ERR(and_needs_conditions, "when merchant and true" CB, "type", 1, 6, NULL, "both sides of `and`")
ERR(or_needs_conditions, "when true or mcc" CB, "type", 1, 14, NULL, "both sides of `or`")
ERR(minus_needs_a_number, "when -merchant == 1" CB, "type", 1, 7, NULL, "unary `-` needs a number")
ERR(arithmetic_on_strings, "when merchant + 1 > 0" CB, "type", 1, 6, NOHINT, "`+` needs numbers")
ERR(arithmetic_on_quoted_number_hints, "when \"5\" + 1 > 0" CB, "type", 1, 6,
    "numbers are written without quotes", NULL)
ERR(money_times_money, "when amount * amount > 0" CB, "type", 1, 13, NULL, "money cannot be multiplied by money")
ERR(number_divided_by_money, "when 100 / amount > 0" CB, "type", 1, 10, NULL,
    "a number cannot be divided by money")
ERR(adding_different_currencies, "when 10 USD + 5 EUR > amount" CB, "currency-mismatch", 1, 13, NULL,
    "cannot combine USD with EUR")
ERR(comparing_different_currencies, "when 10 USD < 5 EUR" CB, "currency-mismatch", 1, 13, NULL, NULL)
ERR(between_bounds_in_different_currencies, "when amount between 1 USD and 5 EUR" CB, "currency-mismatch",
    1, 31, NULL, NULL)
ERR(comparing_a_list, "when [1] == 1" CB, "type", 1, 6, NULL, "cannot use `==` on a list")
ERR(fuzzy_equality_needs_strings, "when mcc ~= \"x\"" CB, "type", 1, 6, NULL, "`~=` compares strings")
ERR(quoted_date_hints, "when date >= \"2026-01-01\"" CB, "type", 1, 14,
    "write the date without quotes: 2026-01-01", "cannot compare date with string")
ERR(quoted_number_hints, "when amount > \"15\"" CB, "type", 1, 15, "write the number without quotes: 15", NULL)
ERR(date_against_instant_hints, "when date < 2026-03-13T10:00Z" CB, "type", 1, 13,
    "compare `timestamp` with an instant, or `date` with a date such as 2026-03-13", NULL)
ERR(instant_against_date_hints, "when timestamp < 2026-01-01" CB, "type", 1, 18, NULL, "cannot compare instant with date")
/* Regression test for a fixed bug: compare_error() takes the "string literal"
 * branch first, which only knows dates and numbers, so the weekday hint in
 * the later `else if` never fires for `weekday == "FRI"`, the case it was
 * written for. */
ERR(quoted_weekday_hints, "when weekday == \"FRI\"" CB, "type", 1, 17,
    "weekdays are written MON TUE WED THU FRI SAT SUN, without quotes", NULL)
ERR(strings_are_not_ordered, "when merchant < \"x\"" CB, "type", 1, 15, NULL, "`<` needs ordered values")
ERR(bools_are_not_ordered, "when true < false" CB, "type", 1, 11, NULL, NULL)
ERR(in_needs_a_list, "when mcc in 5" CB, "type", 1, 13, NULL, "needs a list on its right")
ERR(in_needs_a_single_value_on_the_left, "when [1] in [1]" CB, "type", 1, 6, NULL, "must be a single value")
ERR(in_with_quoted_weekdays_hints, "when weekday in [\"SAT\"]" CB, "type", 1, 17,
    "weekdays are written MON TUE WED THU FRI SAT SUN, without quotes", "cannot look for weekday")
ERR(between_needs_ordered_values, "when merchant between \"a\" and \"z\"" CB, "type", 1, 6, NULL,
    "`between` needs ordered values")
ERR(between_bounds_must_match, "when amount between \"a\" and \"z\"" CB, "type", 1, 21, NULL,
    "cannot compare money with string in `between`")
ERR(list_of_lists, "when mcc in [[1]]" CB, "type", 1, 14, NULL, "a list cannot hold lists")
ERR(list_elements_must_be_constants, "when merchant in [merchant]" CB, "list-not-const", 1, 19, NULL, NULL)
ERR(list_elements_share_one_type, "when mcc in [1, \"a\"]" CB, "type", 1, 17, NULL,
    "this one is string, the first is int")
/* Regression test for a fixed bug: check_neg() computes -INT64_MIN before it
 * tests for it (types.c: `ok = v.u.i != INT64_MIN; v.u.i = -v.u.i;`), which
 * is undefined behaviour; UBSan stops the sanitizer build here. */
ERR(negating_the_smallest_integer_overflows, "let x = -(-9223372036854775807 - 1)\n", "overflow", 1, 9, NULL,
    "out of range")

/* ---- functions (14) ---- */

ERR(extern_called_with_wrong_count, "extern fn f(int) -> bool\nwhen f(1, 2)" CB, "arity", 2, 6, NULL,
    "`f` takes 1 argument, given 2")
ERR(extern_argument_of_wrong_type, "extern fn f(int) -> bool\nwhen f(\"x\")" CB, "type", 2, 8, NULL,
    "argument 1 of `f` must be int, found string")
ERR(exists_needs_one_field_name, "when exists(1)" CB, "arity", 1, 6, NULL, "exists() takes one field name")
ERR(exists_of_a_weekday, "when exists(FRI)" CB, "type", 1, 13, NULL, "`FRI` is not a field")
ERR(builtin_called_without_arguments, "when lower() == \"\"" CB, "arity", 1, 6, NULL,
    "wrong number of arguments to lower(string) -> string: given 0")
ERR(builtin_called_with_too_few, "when contains(merchant)" CB, "arity", 1, 6, NULL, NULL)
ERR(min_of_a_string, "when min(merchant, 1) > 0" CB, "type", 1, 10, NULL, "min() takes numbers")
ERR(min_of_mixed_kinds, "when min(1, date) > 0" CB, "type", 1, 13, NULL, NULL)
ERR(abs_of_a_string, "when abs(\"x\") > 0" CB, "type", 1, 10, NULL, "abs() takes a number")
ERR(round_digits_out_of_range, "when round(amount, 19) > 0" CB, "type", 1, 20, NULL,
    "the digits of round() must be a whole number from 0 to 18")
ERR(round_digits_not_constant, "when round(amount, hour) > 0" CB, "type", 1, 20, NULL, NULL)
ERR(lower_of_a_number, "when lower(mcc) == \"\"" CB, "type", 1, 12, NULL, "lower() needs string, found int")

START_TEST(extern_decimal_parameter_accepts_int)
{
    cbr_compiler *c = unit_compile("extern fn risk(string, decimal) -> decimal\n"
                                   "when risk(user_id, 1) < 0.5" CB);
    ck_assert_clean(c);
    const cbrsema *m = cbrsema_get(c);
    ck_assert_uint_eq(m->nexterns, 1);
    ck_assert_int_eq(m->externs[0].params[0], T_STRING);
    ck_assert_int_eq(m->externs[0].params[1], T_DECIMAL);
    ck_assert_int_eq(m->externs[0].ret, T_DECIMAL);
    cbr_compiler_free(c);
}
END_TEST

/* ---- literals checked by the checker (2, 3, 9) ---- */

ERR(currency_code_of_four_letters, "when amount > 10 EURO" CB, "unknown-currency", 1, 18, NOHINT,
    "three capital letters")
ERR(unknown_currency_code, "when amount > 10 XYZ" CB, "unknown-currency", 1, 18, NOHINT, "unknown currency code `XYZ`")
ERR(lowercase_currency_code_hints, "when amount > 10 usd" CB, "unknown-currency", 1, 18,
    "currency codes are written in capitals: `USD`", NULL)
ERR(amount_with_too_many_decimal_places, "when amount > 1.001 USD" CB, "currency-digits", 1, 15, NULL,
    "amount 1.001 has more decimal places than USD allows (2)")
ERR(reward_with_too_many_decimal_places, "when true then cashback 1.5 JPY\n", "currency-digits", 1, 25, NULL,
    "the reward 1.5 has more decimal places than JPY allows (0)")
ERR(percent_with_too_many_digits, "when amount * 0.00000000000000001% > 0" CB, "bad-number", 1, 15, NULL, NULL)

START_TEST(trailing_zeros_do_not_count_as_decimal_places)
{
    cbr_compiler *c = unit_compile("when amount > 1.000 USD and amount < 5.0 JPY then cashback 2.000 BHD\n");
    ck_assert_no_errors(c);
    cbr_compiler_free(c);
}
END_TEST

/* ---- more limits, budgets per period, no partial, days_between ---- */

ERR(total_limit_per_user, OFFER("limit 3 total per user"), "bad-limit", 1, 31,
    "to cap both, write two limits: `limit 1 per user` and `limit 3 total`", "cannot be `per user`")
ERR(total_limit_period_misspelt, OFFER("limit 3 total per weak"), "bad-limit", 1, 31, "did you mean `week`?",
    "`per day`, `per week`, `per month` or `per year`")
ERR(total_limit_of_money, OFFER("limit 5.00 total per month"), "bad-limit", 1, 19,
    "write `budget 5.00 per month`", "money across all customers is a budget")
ERR(total_limit_of_zero, OFFER("limit 0 total"), "not-positive", 1, 19, NULL, "at least 1")
ERR(limit_says_whom_it_counts, OFFER("limit 3"), "bad-limit", 1, 19, NOHINT, "`per user` (each customer) or `total`")
ERR(limit_total_misspelt, OFFER("limit 3 totla"), "bad-limit", 1, 21, "did you mean `total`?", NULL)
ERR(per_user_limit_of_a_period_hints_total, OFFER("limit 3 per day"), "bad-limit", 1, 25,
    "a limit across all customers is written `limit 3 total per day`", "write `per user`")
ERR(budget_period_misspelt, OFFER("budget 9.00 per dya"), "bad-budget", 1, 29, "did you mean `day`?",
    "a budget's period")
ERR(budget_per_user, OFFER("budget 9.00 per user"), "bad-budget", 1, 29,
    "for each customer, write a limit: `limit 9.00 per user`", "cannot be `per user`")
ERR(campaign_budget_period_misspelt, "campaign \"c\" { budget 9.00 per yer }\n", "bad-budget", 1, 32,
    "did you mean `year`?", NULL)
ERR(campaign_unknown_time_zone, "campaign \"c\" { budget 9.00 per day timezone \"Mars/Olympus\" }\n",
    "unknown-timezone", 1, 36, NULL, "unknown time zone \"Mars/Olympus\"")
ERR(no_partial_misspelt, OFFER("budget 9.00 no parcial"), "bad-attribute", 1, 28, "did you mean `partial`?",
    "expected `no partial`, found `no parcial`")
ERR(no_partial_twice, OFFER("budget 9.00 no partial no partial"), "duplicate-attribute", 1, 36, NULL,
    "gives `no partial` twice")
ERR(no_partial_in_a_campaign, "campaign \"c\" { no partial }\n", "bad-attribute", 1, 16, NULL,
    "`no partial` is not a campaign attribute")
WARN(no_partial_without_money_counters, OFFER("limit 2 per user no partial"), "no-partial-unused", 1, 30, NULL,
     "changes nothing here")
WARN(campaign_zone_without_paced_budget, "campaign \"c\" { budget 9.00 timezone \"Asia/Tokyo\" }\n",
     "unused-timezone", 1, 28, NULL, "no budget per period")
ERR(days_between_of_an_instant, "when days_between(timestamp, date) > 1" CB, "type", 1, 19,
    "`date` is the transaction's local date; an instant is not a date", "days_between() needs date, found instant")
ERR(days_between_of_a_string, "when days_between(date, \"2026-01-01\") > 1" CB, "type", 1, 25, NOHINT,
    "found string")
ERR(days_between_of_three, "when days_between(date, date, date) > 1" CB, "arity", 1, 6, NULL,
    "days_between(date, date) -> int")

/* What the checker leaves for code generation. */
START_TEST(more_limits_in_the_model)
{
    cbr_compiler *c = unit_compile("campaign \"c\" { budget 100.00 per week timezone \"Asia/Tokyo\" }\n"
                                   "offer \"o\" { campaign \"c\" limit 1000 total limit 3 total per day\n"
                                   "  limit 1 per user per year budget 10.00 per month no partial\n"
                                   "  when days_between(2026-03-01, 2026-04-01) == 31 then cashback 1% }\n");
    ck_assert_clean(c);
    const cbrsema *m = cbrsema_get(c);
    ck_assert_str_eq(m->campaigns[0].timezone.s, "Asia/Tokyo");
    ck_assert_int_eq(m->campaigns[0].budget_period, PER_WEEK);
    const cbroffer *o = &m->offers[0];
    ck_assert_uint_eq(o->nlimits, 3);
    ck_assert(o->limits[0].total && o->limits[0].is_count);
    ck_assert_int_eq(o->limits[0].count, 1000);
    ck_assert_int_eq(o->limits[0].period, PER_NONE);
    ck_assert(o->limits[1].total);
    ck_assert_int_eq(o->limits[1].period, PER_DAY);
    ck_assert(!o->limits[2].total && o->limits[2].is_count);
    ck_assert_int_eq(o->limits[2].period, PER_YEAR);
    ck_assert(o->has_budget);
    ck_assert_int_eq(o->budget_period, PER_MONTH);
    ck_assert(o->no_partial);
    /* A constant days_between is folded: the clause always holds. */
    const cbrexpr *cond = o->clauses[0]->cond;
    ck_assert(cond->is_const && cond->value.u.b);
    cbr_compiler_free(c);
}
END_TEST

/* ---- offers and campaigns (6, 7, 11) ---- */

ERR(unknown_time_zone, OFFER("timezone \"Mars/Olympus\""), "unknown-timezone", 1, 13,
    "time zones are IANA names such as \"America/New_York\" or \"UTC\"", "unknown time zone \"Mars/Olympus\"")
ERR(unknown_campaign_suggests_the_close_one,
    "campaign \"new-year\" { }\noffer \"o\" { campaign \"new-yeer\" when true then cashback 1% }\n",
    "unknown-campaign", 2, 13, "did you mean `new-year`?", NULL)
ERR(unknown_rounding_mode, OFFER("rounding half_up"), "bad-rounding", 1, 22, "did you mean `half-up`?", NULL)
ERR(limit_per_someone_else, OFFER("limit 1 per customer"), "bad-limit", 1, 25, NULL, "write `per user`")
ERR(limit_period_misspelt, OFFER("limit 1 per user per mnth"), "bad-limit", 1, 34, "did you mean `month`?", NULL)
ERR(limit_of_zero_awards, OFFER("limit 0 per user"), "not-positive", 1, 19, NULL, "at least 1")
ERR(money_limit_of_zero, OFFER("limit 0.00 per user"), "not-positive", 1, 19, NULL, NULL)
ERR(budget_of_zero, OFFER("budget 0.00"), "not-positive", 1, 20, NULL, "a budget must be more than zero")
ERR(cap_of_zero, "when amount > 1 then cashback 10% up to 0\n", "not-positive", 1, 41, NULL, "the cap")
ERR(limit_in_an_unknown_currency, OFFER("limit 5.00 XXX per user"), "unknown-currency", 1, 24, NULL, NULL)
ERR(valid_ends_before_it_starts, OFFER("valid 2026-12-31 to 2026-01-01"), "valid-reversed", 1, 33, NULL, NULL)
ERR(attribute_given_twice, OFFER("priority 1 priority 2"), "duplicate-attribute", 1, 24,
    "the first is at t.cbr:1:13", "offer `o` gives `priority` twice")
ERR(attribute_after_a_clause, "offer \"o\" { when true then cashback 1% priority 2 }\n", "attribute-after-clause",
    1, 40, NULL, "move `priority` up")
ERR(offer_without_clause, "offer \"o\" { title \"x\" }\n", "no-clause", 1, 7, NULL, "has no `when` clause")
ERR(empty_offer_id, "offer \"\" { when true then cashback 1% }\n", "empty-id", 1, 7, NULL, NULL)
ERR(empty_campaign_id, "campaign \"\" { }\n", "empty-id", 1, 10, NULL, NULL)
ERR(empty_exclusive_group, OFFER("exclusive \"\""), "empty-id", 1, 13, NULL, NULL)
ERR(duplicate_offer_id, "offer \"o\" { when true then cashback 1% }\noffer \"o\" { when true then cashback 2% }\n",
    "duplicate-offer", 2, 7, "the first is at t.cbr:1:7", "duplicate offer id `o`")
ERR(duplicate_campaign_id, "campaign \"c\" { }\ncampaign \"c\" { }\n", "duplicate-campaign", 2, 10,
    "the first is at t.cbr:1:10", NULL)
ERR(clause_in_a_campaign, "campaign \"c\" { when true then cashback 1% }\n", "clause-in-campaign", 1, 16, NULL, NULL)
ERR(offer_attribute_in_a_campaign, "campaign \"c\" { priority 1 }\n", "bad-attribute", 1, 16, NULL,
    "`priority` is not a campaign attribute")
ERR(campaign_attribute_given_twice, "campaign \"c\" { title \"a\" title \"b\" }\n", "duplicate-attribute", 1, 26,
    NULL, "campaign `c` gives `title` twice")
ERR(two_bare_rules_on_one_line_share_an_id, "when true then cashback 1% when true then cashback 2%\n",
    "duplicate-offer", 1, 28, NULL, "`t:1`")

WARN(offer_window_beyond_its_campaign,
     "campaign \"c\" { valid 2026-12-26 to 2027-01-15 }\n"
     "offer \"o\" { campaign \"c\" valid 2026-12-01 to 2027-01-31 when true then cashback 1% }\n",
     "window-beyond-campaign", 2, 26, NULL, "only the overlap applies")
WARN(offer_window_outside_its_campaign,
     "campaign \"c\" { valid 2026-12-26 to 2027-01-15 }\n"
     "offer \"o\" { campaign \"c\" valid 2026-06-01 to 2026-06-30 when true then cashback 1% }\n",
     "window-outside-campaign", 2, 26, NULL, "never awards")

START_TEST(offer_window_inside_its_campaign_is_quiet)
{
    cbr_compiler *c = unit_compile("campaign \"c\" { valid 2026-12-26 to 2027-01-15 }\n"
                                   "offer \"o\" { campaign \"c\" valid 2026-12-26 to 2027-01-15 "
                                   "when true then cashback 1% }\n");
    ck_assert_clean(c);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(checked_offer_model)
{
    cbr_compiler *c = unit_compile("campaign \"spring\" { budget 1000.00 USD valid 2026-03-01 to 2026-05-31 }\n"
                                   "offer \"o\" {\n"
                                   "    title \"T\"\n"
                                   "    campaign \"spring\"\n"
                                   "    timezone \"Asia/Kolkata\"\n"
                                   "    priority -5\n"
                                   "    exclusive \"g\"\n"
                                   "    limit 2 per user per week\n"
                                   "    limit 25.00 per user\n"
                                   "    budget 50 USD\n"
                                   "    rounding half-even\n"
                                   "    when amount > 10 then cashback 5%\n"
                                   "    when amount > 1 then cashback 1.00\n"
                                   "}\n");
    ck_assert_clean(c);
    const cbrsema *m = cbrsema_get(c);
    ck_assert_uint_eq(m->ncampaigns, 1);
    ck_assert_str_eq(m->campaigns[0].id.s, "spring");
    ck_assert(m->campaigns[0].has_budget);
    ck_assert_int_eq(m->campaigns[0].budget.value.m, 100000);
    ck_assert_str_eq(m->campaigns[0].budget.cur, "USD");
    ck_assert(m->campaigns[0].has_valid);
    ck_assert_int_eq(m->campaigns[0].valid_from, cbrdate_from_civil(2026, 3, 1));
    ck_assert_int_eq(m->campaigns[0].valid_to, cbrdate_from_civil(2026, 5, 31));
    ck_assert_uint_eq(m->noffers, 1);
    const cbroffer *o = &m->offers[0];
    ck_assert_str_eq(o->id.s, "o");
    ck_assert(!o->bare);
    ck_assert_str_eq(o->title.s, "T");
    ck_assert_int_eq(o->campaign, 0);
    ck_assert_str_eq(o->timezone.s, "Asia/Kolkata");
    ck_assert_int_eq(o->priority, -5);
    ck_assert_str_eq(o->exclusive.s, "g");
    ck_assert_int_eq(o->rounding, CBR_ROUND_HALF_EVEN);
    ck_assert_uint_eq(o->nlimits, 2);
    ck_assert(o->limits[0].is_count);
    ck_assert_int_eq(o->limits[0].count, 2);
    ck_assert_int_eq(o->limits[0].period, PER_WEEK);
    ck_assert(!o->limits[1].is_count);
    ck_assert_int_eq(o->limits[1].amount.value.m, 2500);
    ck_assert_int_eq(o->limits[1].period, PER_NONE);
    ck_assert(o->has_budget);
    ck_assert_int_eq(o->budget.value.m, 50);
    ck_assert_str_eq(o->budget.cur, "USD");
    ck_assert(!o->has_valid);
    ck_assert_uint_eq(o->nclauses, 2);
    ck_assert_int_eq(o->clauses[0]->reward.kind, R_PERCENT);
    ck_assert_int_eq(o->clauses[1]->reward.kind, R_FIXED);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(offer_defaults)
{
    cbr_compiler *c = unit_compile("offer \"o\" { when true then cashback 1% }\n");
    ck_assert_clean(c);
    const cbroffer *o = &cbrsema_get(c)->offers[0];
    ck_assert_int_eq(o->campaign, -1);
    ck_assert_int_eq(o->priority, 0);
    ck_assert_int_eq(o->rounding, CBR_ROUND_DOWN);
    ck_assert_uint_eq(o->nlimits, 0);
    ck_assert(!o->has_budget);
    ck_assert(!o->has_valid);
    ck_assert_ptr_null(o->timezone.s);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(rounding_modes_map_to_the_decimal_modes)
{
    static const struct { const char *w; cbrround r; } t[] = {
        {"down", CBR_ROUND_DOWN}, {"up", CBR_ROUND_UP}, {"half-up", CBR_ROUND_HALF_UP},
        {"half-even", CBR_ROUND_HALF_EVEN},
    };
    for (int k = 0; k < 4; k++) {
        char src[200];
        snprintf(src, sizeof src, "offer \"o\" { rounding %s when true then cashback 1%% }\n", t[k].w);
        cbr_compiler *c = unit_compile(src);
        ck_assert_clean(c);
        ck_assert_int_eq(cbrsema_get(c)->offers[0].rounding, t[k].r);
        cbr_compiler_free(c);
    }
}
END_TEST

/* ---- tests (15) ---- */

#define RULE "when true then cashback 1%\n"
#define TX "tid: \"1\", amount: 10.00, currency: \"USD\", timestamp: 2026-01-01T00:00Z"

ERR(duplicate_test_name, "test \"t\" { given { " TX " } expect no cashback }\ntest \"t\" { given { " TX
    " } expect no cashback }\n", "duplicate-test", 2, 6, "the first is at t.cbr:1:6", NULL)
WARN(test_without_steps, "test \"t\" { }\n", "empty-test", 1, 6, NULL, "has no steps")
ERR(expect_before_given, RULE "test \"t\" { expect no cashback }\n", "expect-before-given", 2, 12, NULL, NULL)
ERR(expect_from_an_unknown_offer, RULE "test \"t\" {\n    given { " TX " }\n    expect cashback 0.10 from \"t:2\"\n}\n",
    "unknown-offer", 4, 31, "did you mean `t:1`?", "unknown offer \"t:2\"")
ERR(given_key_twice, RULE "test \"t\" { given { " TX ", tid: \"2\" } expect no cashback }\n", "duplicate-key", 2,
    92, NULL, "`tid` is given twice")
ERR(given_unknown_field, RULE "test \"t\" { given { " TX ", amout: 1 } expect no cashback }\n", "unknown-field",
    2, 92, "did you mean `amount`?", NULL)
ERR(given_derived_field, RULE "test \"t\" { given { " TX ", hour: 3 } expect no cashback }\n", "derived-field",
    2, 92, NULL, "give the timestamp instead")
ERR(given_value_not_constant, RULE "test \"t\" { given { " TX ", merchant: country } expect no cashback }\n",
    "not-const", 2, 102, NULL, NULL)
ERR(given_value_of_the_wrong_type, RULE "test \"t\" { given { " TX ", mcc: \"x\" } expect no cashback }\n", "type",
    2, 97, NULL, "field `mcc` is int, given string")
ERR(given_without_required_fields, RULE "test \"t\" { given { tid: \"1\" } expect no cashback }\n",
    "missing-field", 2, 12, NULL, "no `amount`")
ERR(given_currency_in_lower_case, RULE "test \"t\" { given { tid: \"1\", amount: 1, currency: \"usd\", "
    "timestamp: 2026-01-01T00:00Z } expect no cashback }\n", "unknown-currency", 2, 51,
    "currency codes are written in capitals: `USD`", NULL)

START_TEST(given_accepts_int_for_money_and_negative_numbers)
{
    cbr_compiler *c = unit_compile("field score: decimal\n" RULE
                                   "test \"t\" { given { tid: \"1\", amount: 4527, currency: \"JPY\", "
                                   "timestamp: 2026-01-01T00:00Z, score: -3, mcc: 5411 } "
                                   "expect cashback 45 from \"t:2\" }\n");
    ck_assert_clean(c);
    ck_assert_uint_eq(cbrsema_get(c)->ntests, 1);
    cbr_compiler_free(c);
}
END_TEST

/* ---- whole programs ---- */

START_TEST(offer_in_one_file_names_a_campaign_of_another)
{
    const char *names[] = {"a.cbr", "b.cbr"};
    const char *srcs[] = {"campaign \"spring\" { budget 100.00 }\n",
                          "offer \"o\" { campaign \"spring\" when true then cashback 1% }\n"};
    cbr_compiler *c = unit_compile_many(names, srcs, 2);
    ck_assert_clean(c);
    ck_assert_int_eq(cbrsema_get(c)->offers[0].campaign, 0);
    cbr_compiler_free(c);
    /* The order of the files does not matter. */
    const char *names2[] = {"b.cbr", "a.cbr"};
    const char *srcs2[] = {srcs[1], srcs[0]};
    c = unit_compile_many(names2, srcs2, 2);
    ck_assert_clean(c);
    cbr_compiler_free(c);
}
END_TEST

/* ---- best-of groups ---- */

ERR(best_misspelt, OFFER("exclusive \"g\" bets"), "bad-attribute", 1, 27, "did you mean `best`?",
    "expected `best` or nothing after the group of `exclusive \"g\"`, found `bets`")
ERR(best_far_word_has_no_hint, OFFER("exclusive \"g\" zqxwv"), "bad-attribute", 1, 27, NOHINT, NULL)

/* The misspelt word is the one error: the group is not also mixed. */
START_TEST(best_misspelt_in_a_best_group_is_one_error)
{
    cbr_compiler *c = unit_compile("offer \"a\" { exclusive \"g\" best when true then cashback 1% }\n"
                                   "offer \"b\" { exclusive \"g\" bst when true then cashback 2% }\n");
    ck_assert_one_error(c, "bad-attribute", 2, 27);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(best_is_kept_per_offer)
{
    cbr_compiler *c = unit_compile("offer \"a\" { exclusive \"g\" best when true then cashback 1% }\n"
                                   "offer \"b\" { exclusive \"g\" best when true then cashback 2% }\n"
                                   "offer \"c\" { exclusive \"h\" when true then cashback 3% }\n");
    ck_assert_clean(c);
    const cbrsema *m = cbrsema_get(c);
    ck_assert(m->offers[0].best && m->offers[1].best && !m->offers[2].best);
    ck_assert_str_eq(m->offers[1].exclusive.s, "g");
    cbr_compiler_free(c);
}
END_TEST

/* A group best-of in one file and not in another: one error, at the offer
 * that disagrees with the group's first, naming both and where the first is. */
START_TEST(best_mixed_across_files)
{
    const char *names[] = {"a.cbr", "b.cbr"};
    const char *srcs[] = {"offer \"a\" { exclusive \"g\" when true then cashback 1% }\n",
                          "offer \"b\" { exclusive \"g\" best when true then cashback 2% }\n"
                          "offer \"c\" { exclusive \"g\" best when true then cashback 3% }\n"};
    cbr_compiler *c = unit_compile_many(names, srcs, 2);
    ck_assert_one_error(c, "best-mixed", 1, 13);
    const cbr_diagnostic *d = unit_only_error(c);
    ck_assert_str_eq(d->file, "b.cbr");
    ck_assert_str_eq(d->message, "exclusive group \"g\" is best-of on offer `b` but not on offer `a`: "
                                 "all of its offers say `best`, or none do");
    ck_assert_str_eq(d->hint, "offer `a` says `exclusive \"g\"` at a.cbr:1:13");
    cbr_compiler_free(c);
}
END_TEST

START_TEST(same_field_in_two_files_is_one_field)
{
    const char *names[] = {"a.cbr", "b.cbr"};
    const char *srcs[] = {"field tier: string\nwhen tier == \"gold\" then cashback 1%\n",
                          "field tier: string\nwhen tier == \"silver\" then cashback 1%\n"};
    cbr_compiler *c = unit_compile_many(names, srcs, 2);
    ck_assert_clean(c);
    cbr_program_info info = {.size = sizeof info};
    ck_assert_int_eq(cbr_compiler_info(c, &info, NULL), CBR_OK);
    ck_assert_uint_eq(info.fields, 1);
    ck_assert_uint_eq(info.offers, 2);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(same_field_with_different_types_in_two_files)
{
    const char *names[] = {"a.cbr", "b.cbr"};
    const char *srcs[] = {"field tier: string\n", "\nfield tier: int\n"};
    cbr_compiler *c = unit_compile_many(names, srcs, 2);
    ck_assert_one_error(c, "field-type-conflict", 2, 13);
    const cbr_diagnostic *d = unit_only_error(c);
    ck_assert_str_eq(d->file, "b.cbr");
    ck_assert_str_eq(d->hint, "the first declaration is at a.cbr:1:7");
    cbr_compiler_free(c);
}
END_TEST

START_TEST(duplicate_offer_across_files)
{
    const char *names[] = {"a.cbr", "b.cbr"};
    const char *srcs[] = {"offer \"o\" { when true then cashback 1% }\n",
                          "offer \"o\" { when true then cashback 1% }\n"};
    cbr_compiler *c = unit_compile_many(names, srcs, 2);
    ck_assert_one_error(c, "duplicate-offer", 1, 7);
    ck_assert_str_eq(unit_only_error(c)->file, "b.cbr");
    ck_assert_str_eq(unit_only_error(c)->hint, "the first is at a.cbr:1:7");
    cbr_compiler_free(c);
}
END_TEST

START_TEST(bare_rule_id_is_file_stem_and_line)
{
    cbr_compiler *c = unit_compile_named_cfg(NULL, "dir/friday.cbr",
                                             "# Friday rules\n\n"
                                             "when weekday == FRI then cashback 10%\n"
                                             "offer \"named\" { when true then cashback 1% }\n"
                                             "  when amount > 100 then cashback 5%\n");
    ck_assert_clean(c);
    const cbrsema *m = cbrsema_get(c);
    ck_assert_uint_eq(m->noffers, 3);
    ck_assert_str_eq(m->offers[0].id.s, "friday:3");
    ck_assert(m->offers[0].bare);
    ck_assert_uint_eq(m->offers[0].nclauses, 1);
    ck_assert_str_eq(m->offers[1].id.s, "named");
    ck_assert(!m->offers[1].bare);
    ck_assert_str_eq(m->offers[2].id.s, "friday:5");
    cbr_compiler_free(c);
}
END_TEST

START_TEST(bare_rule_stems_of_unusual_names)
{
    static const struct { const char *name, *id; } t[] = {
        {"friday", "friday:1"}, {"/abs/path/x.y.cbr", "x.y:1"}, {"rules/.hidden", ".hidden:1"},
        {"a.b/c", "c:1"}, {"weekend.CBR", "weekend:1"},
    };
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        cbr_compiler *c = unit_compile_named_cfg(NULL, t[k].name, "when true then cashback 1%\n");
        ck_assert_no_errors(c);
        ck_assert_str_eq(cbrsema_get(c)->offers[0].id.s, t[k].id);
        cbr_compiler_free(c);
    }
}
END_TEST

START_TEST(program_info_counts)
{
    cbr_compiler *c = unit_compile("field tier: string\n"
                                   "field signup: date\n"
                                   "let gold = tier == \"gold\"\n"
                                   "let big = amount >= 500\n"
                                   "let vip = gold and big\n"
                                   "extern fn risk(string) -> decimal\n"
                                   "campaign \"c\" { budget 10.00 }\n"
                                   "offer \"o\" {\n"
                                   "    campaign \"c\"\n"
                                   "    when vip then cashback 5%\n"
                                   "    when gold then cashback 2%\n"
                                   "    when risk(user_id) < 0.5 then cashback 1%\n"
                                   "}\n"
                                   "when big then cashback 1.00\n"
                                   "test \"t1\" { given { " TX " } expect cashback 1.00 from \"t:14\" }\n"
                                   "test \"t2\" { given { " TX " } expect no cashback }\n");
    ck_assert_clean(c);
    cbr_program_info info = {.size = sizeof info};
    ck_assert_int_eq(cbr_compiler_info(c, &info, NULL), CBR_OK);
    ck_assert_uint_eq(info.offers, 2);
    ck_assert_uint_eq(info.campaigns, 1);
    ck_assert_uint_eq(info.fields, 2);
    ck_assert_uint_eq(info.lets, 3);
    ck_assert_uint_eq(info.externs, 1);
    ck_assert_uint_eq(info.tests, 2);
    ck_assert_uint_eq(info.clauses, 4);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(sema_model_absent_before_the_check)
{
    cbr_compiler *c = t_compiler_new(NULL);
    ck_assert_ptr_null(cbrsema_get(c));
    ck_assert_ptr_null(cbrsema_get(NULL));
    cbr_compiler_free(c);
}
END_TEST

START_TEST(standard_fields_have_fixed_indexes)
{
    cbr_compiler *c = unit_compile("field tier: string\n");
    const cbrsema *m = cbrsema_get(c);
    ck_assert_uint_eq(m->nfields, FIELD_FIRST_DECLARED + 1);
    ck_assert_str_eq(m->fields[FIELD_AMOUNT].name, "amount");
    ck_assert_int_eq(m->fields[FIELD_AMOUNT].type, T_MONEY);
    ck_assert_int_eq(m->fields[FIELD_AMOUNT].origin, FIELD_STANDARD);
    ck_assert_str_eq(m->fields[FIELD_TIMESTAMP].name, "timestamp");
    ck_assert_str_eq(m->fields[FIELD_WEEKDAY].name, "weekday");
    ck_assert_int_eq(m->fields[FIELD_WEEKDAY].origin, FIELD_DERIVED);
    ck_assert_str_eq(m->fields[FIELD_YEAR].name, "year");
    ck_assert_str_eq(m->fields[FIELD_FIRST_DECLARED].name, "tier");
    ck_assert_int_eq(m->fields[FIELD_FIRST_DECLARED].origin, FIELD_DECLARED);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(names_resolve_to_their_symbols)
{
    cbr_compiler *c = unit_compile("field tier: string\nlet g = tier == \"gold\"\n"
                                   "when g and weekday == FRI and mcc > 1 then cashback 1%\n");
    ck_assert_clean(c);
    const cbrexpr *cond = cbrsema_get(c)->offers[0].clauses[0]->cond;
    ck_assert_int_eq(cond->kind, E_AND);
    const cbrexpr *g = cond->u.list.items[0];
    ck_assert_int_eq(g->sym, SYM_LET);
    ck_assert_uint_eq(g->sym_index, 0);
    const cbrexpr *fri = cond->u.list.items[1]->u.kids.b;
    ck_assert_int_eq(fri->sym, SYM_WEEKDAY);
    ck_assert_uint_eq(fri->sym_index, 5);
    ck_assert(fri->is_const);
    const cbrexpr *mcc = cond->u.list.items[2]->u.kids.a;
    ck_assert_int_eq(mcc->sym, SYM_FIELD);
    ck_assert_uint_eq(mcc->sym_index, FIELD_MCC);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(independent_errors_are_all_reported)
{
    cbr_compiler *c = unit_compile("offer \"a\" { when channl == \"x\" then cashback 1% }\n"
                                   "offer \"b\" { when amount > \"1\" then cashback 1% }\n"
                                   "offer \"c\" { timezone \"Nowhere\" when true then cashback 1% }\n");
    ck_assert_uint_eq(cbr_compiler_error_count(c), 3);
    ck_assert_error_at(c, "unknown-name", 1, 18);
    ck_assert_error_at(c, "type", 2, 27);
    ck_assert_error_at(c, "unknown-timezone", 3, 13);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(an_error_does_not_cascade)
{
    /* channl is unknown: the comparison and the `and` stay quiet. */
    cbr_compiler *c = unit_compile("when channl == \"x\" and not (channl in [1]) and channl + 1 > 0 then cashback 1%\n");
    ck_assert_uint_eq(cbr_compiler_error_count(c), 3);
    ck_assert_uint_eq(unit_count(c, CBR_ERROR, "unknown-name"), 3);
    cbr_compiler_free(c);
}
END_TEST

/* Whether s is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static bool utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, n, cp;
        if (c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            n = 1, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 2, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 3, cp = c & 0x07;
        else
            return false;
        for (unsigned k = 1; k <= n; k++) {
            if ((p[k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += n + 1;
    }
    return true;
}

/* Regression test for a fixed bug: cbr.h promises UTF-8 strings, but messages
 * are cut by bytes: cbrtc_const_text() keeps the first 40 bytes of a string
 * constant (duplicate-list-item, between-reversed), and diag.c formats every
 * message into 1024 bytes (unknown campaign, unknown offer, time zone...),
 * both of which can split a character. */
START_TEST(messages_stay_valid_utf8_when_cut)
{
    char src[4096];
    char name[1300] = "";
    for (int k = 0; k < 600; k++)
        strcat(name, "\xC3\xA9");
    /* "a" and 20 é: 41 bytes, cut at 40 inside the last é. */
    const char *s41 = "a\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                      "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9";
    snprintf(src, sizeof src, "when merchant in [\"%s\", \"%s\"] then cashback 1%%\n"
                              "offer \"o\" { campaign \"%s\" when true then cashback 1%% }\n", s41, s41, name);
    cbr_compiler *c = unit_compile(src);
    ck_assert_uint_eq(cbr_compiler_diagnostic_count(c), 2);
    for (size_t i = 0; i < cbr_compiler_diagnostic_count(c); i++) {
        const cbr_diagnostic *d = cbr_compiler_diagnostic(c, i);
        ck_assert_msg(utf8_ok(d->message), "[%s] message is not valid UTF-8", d->code);
    }
    cbr_compiler_free(c);
}
END_TEST

/* ---- limits (18) ---- */

START_TEST(offer_limit_from_config)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_offers = 2;
    cbr_compiler *c = unit_compile_cfg(&cfg, "offer \"a\" { when true then cashback 1% }\n"
                                             "when true then cashback 2%\n"
                                             "offer \"c\" { when true then cashback 3% }\n");
    ck_assert_one_error(c, "limit-offers", 3, 1);
    ck_assert_only_message(c, "more than 2 offers in one program");
    ck_assert_uint_eq(cbrsema_get(c)->noffers, 2);
    cbr_compiler_free(c);
}
END_TEST

/* Regression test for a fixed bug: every offer past max_offers gets its own
 * limit-offers error (the "report once" branch in sema.c declare() is dead
 * code, since noffers never passes the limit); the other limits report once. */
START_TEST(offer_limit_is_reported_once)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_offers = 1;
    cbr_compiler *c = unit_compile_cfg(&cfg, "when true then cashback 1%\n"
                                             "when true then cashback 2%\n"
                                             "when true then cashback 3%\n"
                                             "when true then cashback 4%\n");
    ck_assert_one_error(c, "limit-offers", 2, 1);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(clause_limit_within)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_clauses = 2;
    cbr_compiler *c = unit_compile_cfg(&cfg, "offer \"o\" {\n"
                                             "    when amount > 2 then cashback 2%\n"
                                             "    when amount > 1 then cashback 1%\n"
                                             "}\n");
    ck_assert_clean(c);
    cbr_compiler_free(c);
}
END_TEST

/* Regression test for a fixed bug: check_offer counts the clause it drops
 * (o->nclauses++ past the stored clauses), so check_clauses reads one
 * pointer past the array and the check crashes. */
START_TEST(clause_limit_is_one_error)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_clauses = 2;
    cbr_compiler *c = unit_compile_cfg(&cfg, "offer \"o\" {\n"
                                             "    when amount > 3 then cashback 3%\n"
                                             "    when amount > 2 then cashback 2%\n"
                                             "    when amount > 1 then cashback 1%\n"
                                             "    when amount > 0 then cashback 1.00\n"
                                             "}\n");
    ck_assert_one_error(c, "limit-clauses", 4, 5);
    ck_assert_only_message(c, "offer `o` has more than 2 clauses");
    cbr_compiler_free(c);
}
END_TEST

/* ---- sharper diagnostics ---- */

ERR(unquoted_string_after_a_string_field, "when currency == USD" CB, "unquoted-string", 1, 18,
    "did you mean \"USD\"?", "strings are written in quotes")
ERR(unquoted_string_in_a_list, "field tier: string\nwhen tier in [\"silver\", gold]" CB, "unquoted-string", 2,
    25, "did you mean \"gold\"?", NULL)
ERR(unknown_word_on_the_left_is_an_unknown_name, "when chanel == \"pos\"" CB, "unknown-name", 1, 6,
    "did you mean `channel`?", NULL)
ERR(misspelt_field_on_the_right_is_an_unknown_name, "when merchant == channl" CB, "unknown-name", 1, 18,
    "did you mean `channel`?", NULL)
ERR(unknown_word_against_a_number_is_an_unknown_name, "when amount == lots" CB, "unknown-name", 1, 16, NOHINT,
    NULL)
ERR(money_literal_currency_suggested, "when amount >= 10 UDS" CB, "unknown-currency", 1, 19, "did you mean `USD`?",
    NULL)
ERR(cap_on_a_fixed_reward, "when true then cashback 1.00 up to 5.00\n", "cap-on-fixed", 1, 30,
    "the cap 5.00 could never apply to a fixed 1.00; write `cashback 1.00`", "a fixed reward takes no cap")
ERR(cap_below_a_fixed_reward_has_no_hint, "when true then cashback 9.00 up to 5.00\n", "cap-on-fixed", 1, 30, NOHINT,
    NULL)
WARN(currency_text_not_iso, "when currency == \"UDS\"" CB, "unknown-currency", 1, 18, "did you mean \"USD\"?",
     "\"UDS\" is not an ISO 4217 currency code")
WARN(currency_text_lowercase, "when currency != \"usd\"" CB, "unknown-currency", 1, 18, "did you mean \"USD\"?",
     NULL)
WARN(currency_text_far_from_every_code, "when currency == \"dollars\"" CB, "unknown-currency", 1, 18, NOHINT, NULL)
WARN(contradiction_of_bounds, "when amount >= 15 and amount < 10" CB, "contradiction", 1, 23, NOHINT,
     "`amount < 10` can never hold together with `amount >= 15`")
WARN(contradiction_of_hours, "when hour > 20 and hour < 6" CB, "contradiction", 1, 20, NOHINT, NULL)
WARN(contradiction_of_equalities, "when mcc == 1 and mcc == 2" CB, "contradiction", 1, 19, NOHINT, NULL)
WARN(contradiction_with_between, "when amount between 1 and 5 and amount > 5.00" CB, "contradiction", 1, 33,
     NOHINT, NULL)
WARN(contradiction_constant_on_the_left, "when 10 > amount and amount > 20" CB, "contradiction", 1, 22, NOHINT, NULL)
WARN(contradiction_of_strings, "when merchant == \"A\" and channel == \"pos\" and merchant == \"B\"" CB,
     "contradiction", 1, 47, NOHINT, "`merchant == \"B\"` can never hold together with `merchant == \"A\"`")
WARN(unused_let, "let big = amount >= 500\nlet vip = big\nlet small = amount < 5\nwhen vip" CB, "unused-let", 3,
     5, NOHINT, "let `small` is never used")

/* Conditions that can hold, or that cbr cannot decide exactly, stay quiet. */
START_TEST(satisfiable_conditions_are_not_contradictions)
{
    static const char *const quiet[] = {
        "when amount >= 10 and amount <= 10" CB,          /* exactly 10 */
        "when hour > 6 and hour < 20" CB,
        "when mcc == 1 and mcc == 1" CB,
        "when mcc == 1 and mcc != 2" CB,
        "when amount >= 15 USD and amount < 10" CB,       /* the currency of one is unstated */
        "when amount >= 15 USD and amount < 10 EUR" CB,
        "when amount > 5 and mcc < 5" CB,                  /* two fields */
        "when amount >= 15 or amount < 10" CB,
        "when merchant == \"caf\\u{E9}\" and merchant == \"cafe\\u{301}\"" CB, /* equal once NFC */
        "when not (amount >= 15) and amount < 10" CB,
        "when mcc > 5.5 and mcc < 6" CB,                  /* no int, but cbr stays exact over numbers */
    };
    for (size_t i = 0; i < sizeof quiet / sizeof quiet[0]; i++) {
        cbr_compiler *c = unit_compile(quiet[i]);
        ck_assert_no_errors(c);
        ck_assert_no_code(c, "contradiction");
        cbr_compiler_free(c);
    }
}
END_TEST

/* A let named by a condition or by a used let is used; a program of lets
 * alone (a shared file checked on its own) is not warned about. */
START_TEST(used_lets_and_let_only_programs_are_quiet)
{
    cbr_compiler *c = unit_compile("let big = amount >= 500\nlet vip = big\nwhen vip" CB);
    ck_assert_clean(c);
    cbr_compiler_free(c);
    c = unit_compile("let big = amount >= 500\nlet small = amount < 5\n");
    ck_assert_clean(c);
    cbr_compiler_free(c);
}
END_TEST

/* ---- suggestions ---- */

START_TEST(edit_distance)
{
    ck_assert_uint_eq(cbrsema_distance("channl", 6, "channel", 7, 3), 1);
    ck_assert_uint_eq(cbrsema_distance("abc", 3, "ABC", 3, 3), 0); /* case-insensitive */
    ck_assert_uint_eq(cbrsema_distance("teh", 3, "the", 3, 3), 1); /* transposition */
    ck_assert_uint_eq(cbrsema_distance("kitten", 6, "sitting", 7, 5), 3);
    ck_assert_uint_eq(cbrsema_distance("", 0, "abc", 3, 5), 3);
    /* Past max it stops: any value above max. */
    ck_assert_uint_gt(cbrsema_distance("abcdef", 6, "uvwxyz", 6, 2), 2);
    ck_assert_uint_gt(cbrsema_distance("a", 1, "abcdef", 6, 2), 2);
}
END_TEST

/* Zone names: a typo, a case-only difference, a city without its region,
 * ties to the shorter name, and nothing when no zone is close. */
START_TEST(zone_candidates)
{
    static const char *const zones[] = {"America/New_York", "America/Indiana/Indianapolis",
                                        "America/Indianapolis", "Europe/London", "Asia/Kolkata", "UTC"};
    const size_t n = sizeof zones / sizeof zones[0];
#define PICK(name) cbrsuggest_zone_pick(name, strlen(name), zones, n)
    ck_assert_str_eq(PICK("America/New_Yrok"), "America/New_York");
    ck_assert_str_eq(PICK("america/new_york"), "America/New_York");
    ck_assert_str_eq(PICK("AMERICA/NEW_YORK"), "America/New_York");
    ck_assert_str_eq(PICK("New_York"), "America/New_York");
    ck_assert_str_eq(PICK("london"), "Europe/London");
    ck_assert_ptr_null(PICK("Asia/Calcutta")); /* a renamed zone is no typo */
    ck_assert_str_eq(PICK("Indianapolis"), "America/Indianapolis");
    ck_assert_str_eq(PICK("utc"), "UTC");
    ck_assert_ptr_null(PICK("Mars/Olympus"));
    ck_assert_ptr_null(PICK("Europe/Paris"));
    ck_assert_ptr_null(PICK("EST"));
    ck_assert_ptr_null(cbrsuggest_zone_pick("UTC", 3, zones, n)); /* itself is no suggestion */
#undef PICK
}
END_TEST

/* The zone names come from the configured zoneinfo directory, read when an
 * unknown zone is reported; only TZif files are suggested. */
START_TEST(zone_suggestions_come_from_the_zoneinfo_directory)
{
    char dir[] = "/tmp/cbr-zones-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/Pacific", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    static const char *const files[] = {"Pacific/Auckland", "Pacific/Aucklandx", "README"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        fputs(i == 0 ? "TZif2" : "text", f); /* only the first is a zone */
        fclose(f);
    }
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.zoneinfo_dir = dir;
    cbr_compiler *c = unit_compile_cfg(&cfg, OFFER("timezone \"pacific/auckland\""));
    ck_assert_one_error(c, "unknown-timezone", 1, 13);
    ck_assert_str_eq(unit_only_error(c)->hint, "did you mean \"Pacific/Auckland\"?");
    cbr_compiler_free(c);
    /* The closest name is a text file: no suggestion, the general hint. */
    c = unit_compile_cfg(&cfg, OFFER("timezone \"Pacific/Aucklandxy\""));
    ck_assert_one_error(c, "unknown-timezone", 1, 13);
    ck_assert_str_eq(unit_only_error(c)->hint, "time zones are IANA names such as \"America/New_York\" or \"UTC\"");
    cbr_compiler_free(c);
    for (int i = 2; i >= 0; i--) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/Pacific", dir);
    rmdir(path);
    rmdir(dir);
}
END_TEST

/* Currency codes: a swap, a case-only difference, one letter off when that
 * is the only code so near, and nothing for far or ambiguous codes. */
START_TEST(currency_candidates)
{
    ck_assert_str_eq(cbrsuggest_currency("UDS", 3), "USD");
    ck_assert_str_eq(cbrsuggest_currency("usd", 3), "USD");
    ck_assert_str_eq(cbrsuggest_currency("Eur", 3), "EUR");
    ck_assert_str_eq(cbrsuggest_currency("EUU", 3), "EUR");   /* EUR is the one code a letter away */
    ck_assert_str_eq(cbrsuggest_currency("USDD", 4), "USD");
    ck_assert_ptr_null(cbrsuggest_currency("QQQ", 3));
    ck_assert_ptr_null(cbrsuggest_currency("XXX", 3));
    ck_assert_ptr_null(cbrsuggest_currency("AAD", 3));        /* AED, AUD: a guess */
    ck_assert_ptr_null(cbrsuggest_currency("DOLLAR", 6));
}
END_TEST

/* A program of n declarations made by decl (one line each, numbered from
 * 1) and one offer; malloc'ed. */
static char *many_decls(unsigned n, const char *decl)
{
    size_t cap = (size_t)n * (strlen(decl) + 12) + 64, len = 0;
    char *src = malloc(cap);
    ck_assert_ptr_nonnull(src);
    for (unsigned i = 1; i <= n; i++)
        len += (size_t)snprintf(src + len, cap - len, decl, i);
    snprintf(src + len, cap - len, "offer \"o\" { when amount > 1 then cashback 1%% }\n");
    return src;
}

/* At the limit the program is made and passes the verifier (the checker's
 * limit and vm/program.h's agree); one more is refused where it is declared. */
static void ck_table_limit(unsigned max, const char *decl, const char *code, const char *msg)
{
    char *src = many_decls(max, decl);
    cbr_compiler *c = unit_compile(src);
    ck_assert_no_errors(c);
    cbr_program *p = NULL;
    cbr_error err;
    ck_assert_msg(cbr_compiler_program(c, &p, &err) == CBR_OK, "%s", err.message);
    cbr_program_free(p);
    cbr_compiler_free(c);
    free(src);

    src = many_decls(max + 1, decl);
    c = unit_compile(src);
    ck_assert_one_error(c, code, max + 1, strchr(decl, '%') - decl);
    ck_assert_only_message(c, msg);
    cbr_compiler_free(c);
    free(src);
}

START_TEST(field_limit)
{
    ck_table_limit(CBRSEMA_MAX_FIELDS, "field f%u: int\n", "limit-fields",
                   "more than 99984 fields declared in one program");
}
END_TEST

START_TEST(extern_limit)
{
    ck_table_limit(CBRSEMA_MAX_EXTERNS, "extern fn f%u() -> int\n", "limit-externs",
                   "more than 65536 extern functions in one program");
}
END_TEST

static Suite *sema_suite(void)
{
    Suite *s = suite_create("sema");
    UNIT_TCASE(s, "names", unknown_name_suggests_channel, unknown_weekday_suggests_FRI,
               unknown_name_suggests_merchant_from_prefix, unknown_name_far_from_everything_has_no_hint,
               unknown_function_suggests_lower, declared_names_are_suggested, function_used_as_a_value,
               type_used_as_a_value, extern_used_as_a_value, field_called_as_a_function,
               names_resolve_to_their_symbols);
    UNIT_TCASE(s, "declarations", standard_field_cannot_be_declared, derived_field_cannot_be_declared,
               weekday_cannot_be_declared, builtin_function_cannot_be_declared, type_name_cannot_be_declared,
               duplicate_let, let_clashes_with_field, field_redeclared_with_another_type,
               field_of_type_money_is_refused, field_of_type_weekday_is_refused, field_type_misspelt,
               extern_parameter_type_misspelt, extern_return_type_unknown, extern_with_17_parameters,
               extern_with_16_parameters_is_fine, let_cycle_of_two, let_defined_by_itself,
               long_let_chain_hits_the_depth_limit, standard_fields_have_fixed_indexes);
    UNIT_TCASE(s, "types", arithmetic_result_types, function_result_types, other_expression_types, type_names);
    UNIT_TCASE(s, "folding", constants_are_folded_exactly, false_decides_and_true_decides_or_next_to_unknown,
               folded_condition_makes_the_next_clause_unreachable);
    UNIT_TCASE(s, "warnings", or_true_makes_the_next_clause_unreachable, and_false_is_always_false,
               reversed_between_bounds, duplicate_list_element, duplicate_list_element_across_number_types,
               empty_list_is_always_false, empty_list_with_not_in_is_always_true, percent_reward_over_100,
               zero_percent_reward, zero_fixed_reward, offer_window_beyond_its_campaign,
               offer_window_outside_its_campaign, offer_window_inside_its_campaign_is_quiet);
    UNIT_TCASE(s, "type-errors", condition_must_be_bool, not_needs_a_condition, and_needs_conditions,
               or_needs_conditions, minus_needs_a_number, arithmetic_on_strings,
               arithmetic_on_quoted_number_hints, money_times_money, number_divided_by_money,
               adding_different_currencies, comparing_different_currencies,
               between_bounds_in_different_currencies, comparing_a_list, fuzzy_equality_needs_strings,
               quoted_date_hints, quoted_number_hints, date_against_instant_hints, instant_against_date_hints,
               quoted_weekday_hints, strings_are_not_ordered, bools_are_not_ordered, in_needs_a_list,
               in_needs_a_single_value_on_the_left, in_with_quoted_weekdays_hints,
               between_needs_ordered_values, between_bounds_must_match, list_of_lists,
               list_elements_must_be_constants, list_elements_share_one_type,
               negating_the_smallest_integer_overflows, an_error_does_not_cascade);
    UNIT_TCASE(s, "functions", extern_called_with_wrong_count, extern_argument_of_wrong_type,
               exists_needs_one_field_name, exists_of_a_weekday, builtin_called_without_arguments,
               builtin_called_with_too_few, min_of_a_string, min_of_mixed_kinds, abs_of_a_string,
               round_digits_out_of_range, round_digits_not_constant, lower_of_a_number,
               extern_decimal_parameter_accepts_int);
    UNIT_TCASE(s, "literals", currency_code_of_four_letters, unknown_currency_code, lowercase_currency_code_hints,
               amount_with_too_many_decimal_places, reward_with_too_many_decimal_places,
               percent_with_too_many_digits, trailing_zeros_do_not_count_as_decimal_places);
    UNIT_TCASE(s, "offers", unknown_time_zone, unknown_campaign_suggests_the_close_one, unknown_rounding_mode,
               limit_per_someone_else, limit_period_misspelt, limit_of_zero_awards, money_limit_of_zero,
               budget_of_zero, cap_of_zero, limit_in_an_unknown_currency, valid_ends_before_it_starts,
               attribute_given_twice, attribute_after_a_clause, offer_without_clause, empty_offer_id,
               empty_campaign_id, empty_exclusive_group, duplicate_offer_id, duplicate_campaign_id,
               clause_in_a_campaign, offer_attribute_in_a_campaign, campaign_attribute_given_twice,
               two_bare_rules_on_one_line_share_an_id, checked_offer_model, offer_defaults,
               rounding_modes_map_to_the_decimal_modes);
    UNIT_TCASE(s, "more-limits", total_limit_per_user, total_limit_period_misspelt, total_limit_of_money,
               total_limit_of_zero, limit_says_whom_it_counts, limit_total_misspelt,
               per_user_limit_of_a_period_hints_total, budget_period_misspelt, budget_per_user,
               campaign_budget_period_misspelt, campaign_unknown_time_zone, no_partial_misspelt, no_partial_twice,
               no_partial_in_a_campaign, no_partial_without_money_counters, campaign_zone_without_paced_budget,
               days_between_of_an_instant, days_between_of_a_string, days_between_of_three,
               more_limits_in_the_model);
    UNIT_TCASE(s, "tests", duplicate_test_name, test_without_steps, expect_before_given,
               expect_from_an_unknown_offer, given_key_twice, given_unknown_field, given_derived_field,
               given_value_not_constant, given_value_of_the_wrong_type, given_without_required_fields,
               given_currency_in_lower_case, given_accepts_int_for_money_and_negative_numbers);
    UNIT_TCASE(s, "best-of", best_misspelt, best_far_word_has_no_hint, best_misspelt_in_a_best_group_is_one_error,
               best_is_kept_per_offer, best_mixed_across_files);
    UNIT_TCASE(s, "program", offer_in_one_file_names_a_campaign_of_another, same_field_in_two_files_is_one_field,
               same_field_with_different_types_in_two_files, duplicate_offer_across_files,
               bare_rule_id_is_file_stem_and_line, bare_rule_stems_of_unusual_names, program_info_counts,
               sema_model_absent_before_the_check, independent_errors_are_all_reported,
               messages_stay_valid_utf8_when_cut);
    UNIT_TCASE(s, "limits", offer_limit_from_config, offer_limit_is_reported_once, clause_limit_within,
               clause_limit_is_one_error, field_limit, extern_limit);
    UNIT_TCASE(s, "suggest", edit_distance, zone_candidates, zone_suggestions_come_from_the_zoneinfo_directory,
               currency_candidates);
    UNIT_TCASE(s, "sharper", unquoted_string_after_a_string_field, unquoted_string_in_a_list,
               unknown_word_on_the_left_is_an_unknown_name, misspelt_field_on_the_right_is_an_unknown_name,
               unknown_word_against_a_number_is_an_unknown_name, money_literal_currency_suggested,
               cap_on_a_fixed_reward, cap_below_a_fixed_reward_has_no_hint, currency_text_not_iso,
               currency_text_lowercase, currency_text_far_from_every_code, contradiction_of_bounds,
               contradiction_of_hours, contradiction_of_equalities, contradiction_with_between,
               contradiction_constant_on_the_left, contradiction_of_strings, unused_let,
               satisfiable_conditions_are_not_contradictions, used_lets_and_let_only_programs_are_quiet);
    return s;
}

UNIT_MAIN(sema_suite)
