/* check_symbols.c: what the sources name and where (cbr_compiler_symbol,
 * cbr_compiler_reference), through cbr.h only. */
#include "unit.h"

/* The index of the symbol of this kind and name, or -1. */
static long sym_index(cbr_compiler *c, cbr_symbol_kind kind, const char *name)
{
    for (size_t i = 0; i < cbr_compiler_symbol_count(c); i++) {
        const cbr_symbol *s = cbr_compiler_symbol(c, i);
        if (s->kind == kind && strcmp(s->name, name) == 0)
            return (long)i;
    }
    return -1;
}

static const cbr_symbol *sym(cbr_compiler *c, cbr_symbol_kind kind, const char *name)
{
    long i = sym_index(c, kind, name);
    ck_assert_msg(i >= 0, "no symbol %s", name);
    return cbr_compiler_symbol(c, (size_t)i);
}

/* The references to symbol i, as "LINE:COL-ENDCOL" joined by spaces. */
static const char *refs_of(cbr_compiler *c, long i)
{
    static char buf[512];
    size_t n = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < cbr_compiler_reference_count(c); k++) {
        const cbr_reference *r = cbr_compiler_reference(c, k);
        if ((long)r->symbol != i)
            continue;
        ck_assert_uint_eq(r->at.line, r->at.end_line);
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%u:%u-%u", n ? " " : "", r->at.line, r->at.column,
                              r->at.end_column);
    }
    return buf;
}

static const char *program =
    "field tier: string\n"                                   /* 1 */
    "let big = amount >= 100.00\n"                           /* 2 */
    "tally visits = count per user per month\n"              /* 3 */
    "table rates: string -> decimal = {\"m1\": 0.05}\n"      /* 4 */
    "extern fn score(string, int) -> bool\n"                 /* 5 */
    "campaign \"spring\" { budget 100.00 USD }\n"            /* 6 */
    "offer \"o1\" {\n"                                       /* 7 */
    "  campaign \"spring\"\n"                                /* 8 */
    "  when big and tier == \"gold\" and weekday == FRI then cashback amount * rates[merchant]\n" /* 9 */
    "  when visits >= 3 and lower(merchant) == \"x\" then cashback 1.00\n" /* 10 */
    "}\n"                                                    /* 11 */
    "test \"t1\" {\n"                                        /* 12 */
    "  given { tid: \"a\", amount: 150.00, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z, merchant: \"m1\", tier: \"gold\" }\n"
    "  expect cashback 7.50 from \"o1\"\n"                   /* 14 */
    "}\n";

START_TEST(declarations_have_kinds_types_and_places)
{
    cbr_compiler *c = unit_compile(program);
    ck_assert_msg(cbr_compiler_error_count(c) == 0, "%s", unit_dump(c));
    const cbr_symbol *s = sym(c, CBR_SYMBOL_FIELD, "amount");
    ck_assert_str_eq(s->type, "money");
    ck_assert_str_eq(s->what, "standard field");
    ck_assert_ptr_null(s->name_at.file);

    s = sym(c, CBR_SYMBOL_FIELD, "tier");
    ck_assert_str_eq(s->what, "declared field");
    ck_assert_str_eq(s->name_at.file, "t.cbr");
    ck_assert_uint_eq(s->name_at.line, 1);
    ck_assert_uint_eq(s->name_at.column, 7);
    ck_assert_uint_eq(s->name_at.end_column, 11);

    s = sym(c, CBR_SYMBOL_LET, "big");
    ck_assert_str_eq(s->type, "bool");
    ck_assert_uint_eq(s->decl.line, 2);
    ck_assert_uint_eq(s->decl.column, 1);

    ck_assert_str_eq(sym(c, CBR_SYMBOL_TALLY, "visits")->type, "int");
    ck_assert_str_eq(sym(c, CBR_SYMBOL_TABLE, "rates")->type, "string -> decimal");
    ck_assert_str_eq(sym(c, CBR_SYMBOL_EXTERN, "score")->type, "score(string, int) -> bool");
    ck_assert_str_eq(sym(c, CBR_SYMBOL_FUNCTION, "lower")->type, "lower(string) -> string");
    ck_assert_str_eq(sym(c, CBR_SYMBOL_WEEKDAY, "FRI")->type, "weekday");

    s = sym(c, CBR_SYMBOL_OFFER, "o1");
    ck_assert_str_eq(s->campaign, "spring");
    ck_assert_uint_eq(s->decl.line, 7);
    ck_assert_uint_eq(s->decl.end_line, 11);
    ck_assert_uint_eq(sym(c, CBR_SYMBOL_CAMPAIGN, "spring")->name_at.line, 6);
    ck_assert_uint_eq(sym(c, CBR_SYMBOL_TEST, "t1")->name_at.line, 12);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(every_use_of_a_name_is_a_reference)
{
    cbr_compiler *c = unit_compile(program);
    ck_assert_str_eq(refs_of(c, sym_index(c, CBR_SYMBOL_LET, "big")), "9:8-11");
    ck_assert_str_eq(refs_of(c, sym_index(c, CBR_SYMBOL_FIELD, "tier")), "9:16-20 13:103-107");
    ck_assert_str_eq(refs_of(c, sym_index(c, CBR_SYMBOL_FIELD, "merchant")),
                     "9:79-87 10:30-38 13:87-95");
    ck_assert_str_eq(refs_of(c, sym_index(c, CBR_SYMBOL_TABLE, "rates")), "9:73-78");
    ck_assert_str_eq(refs_of(c, sym_index(c, CBR_SYMBOL_TALLY, "visits")), "10:8-14");
    ck_assert_str_eq(refs_of(c, sym_index(c, CBR_SYMBOL_FUNCTION, "lower")), "10:24-29");
    ck_assert_str_eq(refs_of(c, sym_index(c, CBR_SYMBOL_WEEKDAY, "FRI")), "9:46-49");
    ck_assert_str_eq(refs_of(c, sym_index(c, CBR_SYMBOL_CAMPAIGN, "spring")), "8:12-20");
    ck_assert_str_eq(refs_of(c, sym_index(c, CBR_SYMBOL_OFFER, "o1")), "14:29-33");
    cbr_compiler_free(c);
}
END_TEST

START_TEST(a_program_with_errors_still_names_what_it_can)
{
    cbr_compiler *c = unit_compile("let big = amount >= 100.00\n"
                                   "offer \"o\" { when big and tierr == \"x\" then cashback 5% }\n");
    ck_assert_uint_gt(cbr_compiler_error_count(c), 0);
    ck_assert_str_eq(refs_of(c, sym_index(c, CBR_SYMBOL_LET, "big")), "2:18-21");
    ck_assert_int_ge(sym_index(c, CBR_SYMBOL_OFFER, "o"), 0);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(files_compiled_together_point_at_each_other)
{
    const char *names[] = {"a.cbr", "b.cbr"};
    const char *srcs[] = {"let big = amount >= 100.00\n", "offer \"o\" { when big then cashback 5% }\n"};
    cbr_compiler *c = unit_compile_many(names, srcs, 2);
    ck_assert_no_errors(c);
    const cbr_symbol *s = sym(c, CBR_SYMBOL_LET, "big");
    ck_assert_str_eq(s->name_at.file, "a.cbr");
    long i = sym_index(c, CBR_SYMBOL_LET, "big");
    int found = 0;
    for (size_t k = 0; k < cbr_compiler_reference_count(c); k++) {
        const cbr_reference *r = cbr_compiler_reference(c, k);
        if ((long)r->symbol == i) {
            ck_assert_str_eq(r->at.file, "b.cbr");
            found++;
        }
    }
    ck_assert_int_eq(found, 1);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(nothing_before_the_check)
{
    cbr_compiler *c = t_compiler_new(NULL);
    ck_assert_int_eq(cbr_compiler_add_source(c, "t.cbr", "let a = 1\n", 10, NULL), CBR_OK);
    ck_assert_uint_eq(cbr_compiler_symbol_count(c), 0);
    ck_assert_ptr_null(cbr_compiler_symbol(c, 0));
    ck_assert_uint_eq(cbr_compiler_reference_count(c), 0);
    ck_assert_ptr_null(cbr_compiler_reference(c, 0));
    cbr_compiler_free(c);
    ck_assert_uint_eq(cbr_compiler_symbol_count(NULL), 0);
    ck_assert_ptr_null(cbr_compiler_reference(NULL, 0));
}
END_TEST

static Suite *symbols_suite(void)
{
    Suite *s = suite_create("symbols");
    UNIT_TCASE(s, "symbols", declarations_have_kinds_types_and_places, every_use_of_a_name_is_a_reference,
               a_program_with_errors_still_names_what_it_can, files_compiled_together_point_at_each_other,
               nothing_before_the_check);
    return s;
}

UNIT_MAIN(symbols_suite)
