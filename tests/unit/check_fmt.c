/* check_fmt.c: cbr_format, the formatter behind `cbrc fmt`, through cbr.h
 * only: the layout of every construct, comments in every position, long
 * lines, literals kept as written, idempotence, the same program before and
 * after, bare rules kept on their lines, and the refusal of broken text.
 * Language reference: section 19 (formatting). */
#include "unit.h"

/* ---- helpers ---- */

typedef struct diags {
    int n;
    char first[512];
    const char *code;
    unsigned line, column;
} diags;

static void collect(void *ud, const cbr_diagnostic *d)
{
    diags *g = ud;
    if (g->n++ == 0) {
        snprintf(g->first, sizeof g->first, "%s", d->message);
        g->code = d->code;
        g->line = d->line;
        g->column = d->column;
    }
}

/* Formats src as `name`; the status goes to *st, diagnostics to *g. */
static char *format_as(const char *name, const char *src, cbr_status *st, diags *g)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.on_diagnostic = collect;
    cfg.diagnostic_ud = g;
    char *out = (char *)"unset";
    size_t len = 12345;
    cbr_error err;
    *st = cbr_format(&cfg, name, src, strlen(src), &out, &len, &err);
    ck_assert_int_eq(err.status, *st);
    if (*st != CBR_OK) {
        ck_assert_ptr_null(out);
        ck_assert_uint_eq(len, 0);
        return NULL;
    }
    ck_assert_uint_eq(len, strlen(out));
    return out;
}

/* The formatted text of src, which must format; it is also checked to be a
 * fixed point (formatting it again changes nothing). */
static char *fmt_ok(const char *src)
{
    diags g = {0};
    cbr_status st;
    char *out = format_as("t.cbr", src, &st, &g);
    ck_assert_msg(st == CBR_OK, "cbr_format failed (%d): %s", (int)st, g.first);
    char *again = format_as("t.cbr", out, &st, &g);
    ck_assert_msg(st == CBR_OK, "formatting the output failed: %s", g.first);
    ck_assert_msg(strcmp(out, again) == 0, "not idempotent:\n--- once\n%s--- twice\n%s", out, again);
    cbr_free(again);
    return out;
}

#define ck_assert_fmt(src, want)                                                            \
    do {                                                                                    \
        char *got_ = fmt_ok(src);                                                           \
        ck_assert_msg(strcmp(got_, (want)) == 0, "formatted as:\n%s\nexpected:\n%s", got_,   \
                      (want));                                                              \
        cbr_free(got_);                                                                         \
    } while (0)

/* The disassembly of src compiled alone as `name`, without what names
 * source positions or source text (which formatting may move or respace):
 * clause lines, the `; condition` notes, and the hash over them. */
static char *program_listing(const char *name, const char *src)
{
    cbr_compiler *c = unit_compile_named_cfg(NULL, name, src);
    ck_assert_no_errors(c);
    cbr_program *p = NULL;
    cbr_error err;
    ck_assert_int_eq(cbr_compiler_program(c, &p, &err), CBR_OK);
    char *text;
    ck_assert_int_eq(cbr_program_disasm(p, &text, NULL, &err), CBR_OK);
    cbr_program_free(p);
    cbr_compiler_free(c);
    /* "; clause 3 (line 40): ..." -> "; clause 3: ..."; the first line holds the hash. */
    char *w = text, *r = strchr(text, '\n');
    r = r ? r + 1 : text + strlen(text);
    while (*r) {
        if (!strncmp(r, "  ; condition ", 14) && (r == text || r[-1] == '\n')) {
            while (*r && *r != '\n')
                r++;
            if (*r)
                r++;
            continue;
        }
        if (!strncmp(r, " (line ", 7)) {
            r += 7;
            while (*r >= '0' && *r <= '9')
                r++;
            if (*r == ')')
                r++;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
    return text;
}

static void ck_same_program(const char *name, const char *src)
{
    diags g = {0};
    cbr_status st;
    char *out = format_as(name, src, &st, &g);
    ck_assert_msg(st == CBR_OK, "cbr_format failed: %s", g.first);
    char *a = program_listing(name, src), *b = program_listing(name, out);
    ck_assert_msg(strcmp(a, b) == 0, "the program changed:\n%s\n--- became\n%s", a, b);
    cbr_free(a);
    cbr_free(b);
    cbr_free(out);
}

/* ---- layout of each construct (section 19) ---- */

START_TEST(declarations_are_spaced_one_way)
{
    ck_assert_fmt("field   user_tier :string\n"
                  "extern fn risk ( string,int )->decimal\n"
                  "extern fn now()->instant\n"
                  "let   premium=user_tier in [\"gold\",\"platinum\"]\n",
                  "field user_tier: string\n"
                  "extern fn risk(string, int) -> decimal\n"
                  "extern fn now() -> instant\n"
                  "let premium = user_tier in [\"gold\", \"platinum\"]\n");
}
END_TEST

START_TEST(blocks_hold_one_attribute_or_clause_a_line)
{
    ck_assert_fmt("campaign \"c\" { title \"T\" budget 1_000 USD valid 2026-01-01 to 2026-12-31 }\n"
                  "offer \"o\" { title \"t\" campaign \"c\" timezone \"Europe/London\" priority - 5\n"
                  "exclusive \"g\" limit 3 per user per week limit 50.00 EUR per user budget 10\n"
                  "rounding half - up when amount > 1 then cashback 10% up to 20.00 USD\n"
                  "when amount > 0 then cashback 1.00 }\n"
                  "offer \"r\" { rounding half-even when true then cashback 1% }\n"
                  "offer \"u\" { rounding up when true then cashback 1% }\n",
                  "campaign \"c\" {\n"
                  "    title \"T\"\n"
                  "    budget 1_000 USD\n"
                  "    valid 2026-01-01 to 2026-12-31\n"
                  "}\n"
                  "offer \"o\" {\n"
                  "    title \"t\"\n"
                  "    campaign \"c\"\n"
                  "    timezone \"Europe/London\"\n"
                  "    priority -5\n"
                  "    exclusive \"g\"\n"
                  "    limit 3 per user per week\n"
                  "    limit 50.00 EUR per user\n"
                  "    budget 10\n"
                  "    rounding half-up\n"
                  "    when amount > 1 then cashback 10% up to 20.00 USD\n"
                  "    when amount > 0 then cashback 1.00\n"
                  "}\n"
                  "offer \"r\" {\n"
                  "    rounding half-even\n"
                  "    when true then cashback 1%\n"
                  "}\n"
                  "offer \"u\" {\n"
                  "    rounding up\n"
                  "    when true then cashback 1%\n"
                  "}\n");
}
END_TEST

/* `best` stays on the line of its group, which is where it belongs. */
START_TEST(best_stays_with_its_group)
{
    ck_assert_fmt("offer \"o\" { priority 2 exclusive   \"g\"   best limit 3 per user when true then cashback 1% }\n",
                  "offer \"o\" {\n"
                  "    priority 2\n"
                  "    exclusive \"g\" best\n"
                  "    limit 3 per user\n"
                  "    when true then cashback 1%\n"
                  "}\n");
    ck_same_program("t.cbr", "offer \"a\" { exclusive \"g\" best when amount > 1 then cashback 1% }\n"
                             "offer \"b\" { exclusive \"g\" best when amount > 2 then cashback 2.00 }\n");
}
END_TEST

START_TEST(empty_blocks_close_on_their_line)
{
    ck_assert_fmt("campaign \"c\" {\n\n}\ntest \"t\" { }\n", "campaign \"c\" {}\ntest \"t\" {}\n");
}
END_TEST

START_TEST(tests_hold_one_step_a_line)
{
    ck_assert_fmt("test \"t\" { given { tid: \"a\" , amount: 1.50,currency: \"USD\", "
                  "timestamp: 2026-03-13T10:00:00Z } expect cashback 0.15 from \"o\" given {} "
                  "expect no cashback expect  no cashback\n  from \"o\" }\n",
                  "test \"t\" {\n"
                  "    given { tid: \"a\", amount: 1.50, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z }\n"
                  "    expect cashback 0.15 from \"o\"\n"
                  "    given {}\n"
                  "    expect no cashback\n"
                  "    expect no cashback from \"o\"\n"
                  "}\n");
}
END_TEST

START_TEST(expressions_are_spaced_one_way)
{
    ck_assert_fmt("let a=not(amount>1)and-amount*2+3/4-1<=5 or amount~=\"x\"\n"
                  "let b = mcc not   in[1,2,]and hour between 1and 3\n"
                  "let c = round( amount , 2 )==max(1,2,3)and exists(mcc)and f()\n"
                  "let d = ((amount)) >= (1) and [ ] == []\n",
                  "let a = not (amount > 1) and -amount * 2 + 3 / 4 - 1 <= 5 or amount ~= \"x\"\n"
                  "let b = mcc not in [1, 2] and hour between 1 and 3\n"
                  "let c = round(amount, 2) == max(1, 2, 3) and exists(mcc) and f()\n"
                  "let d = ((amount)) >= (1) and [] == []\n");
}
END_TEST

START_TEST(literals_keep_their_spelling)
{
    const char *src =
        "let a = amount >= 15.00 and amount < 1_000 and amount != 1_000.50 and amount > 100.00 USD\n"
        "let b = merchant in [\"Caf\\u{E9}\", \"Joe's \\\"Best\\\"\", \"C:\\\\Shop\", \"a\\tb\\n\", \"é\"]\n"
        "let c = timestamp >= 2026-03-13T10:00Z and timestamp < 2026-03-13T15:30:00+05:30\n"
        "let d = date == 2026-03-13 and weekday in [SAT, SUN] and true != false and amount * 2.5% > 0\n"
        "when amount >= 015 then cashback 10.50% up to 0020.0\n";
    ck_assert_fmt(src, src);
}
END_TEST

START_TEST(lets_and_clauses_in_a_row_are_aligned)
{
    ck_assert_fmt("let premium = user_tier in [\"gold\"]\n"
                  "let friday_at_x = weekday == FRI\n"
                  "\n"
                  "let lonely = true\n"
                  "offer \"o\" {\n"
                  "    when premium and friday_at_x then cashback 15%\n"
                  "    when friday_at_x then cashback 10%\n"
                  "\n"
                  "    when true then cashback 1%\n"
                  "}\n"
                  "when amount > 100 then cashback 5%\n"
                  "when amount > 5 then cashback 1%\n",
                  "let premium     = user_tier in [\"gold\"]\n"
                  "let friday_at_x = weekday == FRI\n"
                  "\n"
                  "let lonely = true\n"
                  "offer \"o\" {\n"
                  "    when premium and friday_at_x then cashback 15%\n"
                  "    when friday_at_x             then cashback 10%\n"
                  "\n"
                  "    when true then cashback 1%\n"
                  "}\n"
                  "when amount > 100 then cashback 5%\n"
                  "when amount > 5   then cashback 1%\n");
}
END_TEST

START_TEST(alignment_leaves_out_a_far_wider_neighbour)
{
    ck_assert_fmt("offer \"o\" {\n"
                  "    when mcc < 5 then cashback 1%\n"
                  "    when mcc > 5 and merchant == \"a very long merchant name\" then cashback 2%\n"
                  "    when mcc == 7 and merchant == \"another long merchant name\" then cashback 3%\n"
                  "}\n",
                  "offer \"o\" {\n"
                  "    when mcc < 5 then cashback 1%\n"
                  "    when mcc > 5 and merchant == \"a very long merchant name\"   then cashback 2%\n"
                  "    when mcc == 7 and merchant == \"another long merchant name\" then cashback 3%\n"
                  "}\n");
}
END_TEST

/* ---- blank lines ---- */

START_TEST(blank_lines_are_kept_one_at_most)
{
    ck_assert_fmt("\n\n\nfield a: int\n\n\n\nfield b: int\nfield c: int\n"
                  "offer \"o\" {\n\n    title \"t\"\n\n\n    when true then cashback 1%\n\n}\n\n\n",
                  "field a: int\n"
                  "\n"
                  "field b: int\n"
                  "field c: int\n"
                  "offer \"o\" {\n"
                  "    title \"t\"\n"
                  "\n"
                  "    when true then cashback 1%\n"
                  "}\n");
}
END_TEST

START_TEST(empty_and_comment_only_texts)
{
    ck_assert_fmt("", "");
    ck_assert_fmt("\n \n\t\n", "");
    ck_assert_fmt("\n# only a comment   \n\n\n# and another\n\n", "# only a comment\n\n# and another\n");
}
END_TEST

START_TEST(crlf_and_a_byte_order_mark)
{
    ck_assert_fmt("\xEF\xBB\xBF" "field a: int  # one\r\n\r\nfield b: int\r\n",
                  "field a: int  # one\n\nfield b: int\n");
}
END_TEST

/* ---- comments ---- */

START_TEST(comments_before_and_after_items)
{
    ck_assert_fmt("# file header\n"
                  "\n"
                  "# about a\n"
                  "field a: int   # trailing a\n"
                  "# about b\n"
                  "field b: int\n"
                  "# at the end\n",
                  "# file header\n"
                  "\n"
                  "# about a\n"
                  "field a: int  # trailing a\n"
                  "# about b\n"
                  "field b: int\n"
                  "# at the end\n");
}
END_TEST

START_TEST(comments_inside_blocks)
{
    ck_assert_fmt("offer \"o\" {   # after the brace\n"
                  "        # before the title\n"
                  "  title \"t\"     # after the title\n"
                  "  priority 2 # after the priority\n"
                  "\n"
                  "# before the clause\n"
                  "  when true then cashback 1%   # after the clause\n"
                  "  # before the brace\n"
                  "}  # after the block\n"
                  "offer \"p\" {\n"
                  "  # alone in a block\n"
                  "}\n",
                  "offer \"o\" {  # after the brace\n"
                  "    # before the title\n"
                  "    title \"t\"   # after the title\n"
                  "    priority 2  # after the priority\n"
                  "\n"
                  "    # before the clause\n"
                  "    when true then cashback 1%  # after the clause\n"
                  "    # before the brace\n"
                  "}  # after the block\n"
                  "offer \"p\" {\n"
                  "    # alone in a block\n"
                  "}\n");
}
END_TEST

START_TEST(comments_inside_expressions)
{
    ck_assert_fmt("when amount > 1 # big enough\n"
                  "  and merchant == \"X\"\n"
                  "  # and on Fridays\n"
                  "  and weekday == FRI then cashback 1%\n"
                  "let l = [1, # one\n"
                  "  2]\n"
                  "let m = amount # inside a comparison\n"
                  "  >= 15\n",
                  "when amount > 1  # big enough\n"
                  "    and merchant == \"X\"\n"
                  "    # and on Fridays\n"
                  "    and weekday == FRI\n"
                  "    then cashback 1%\n"
                  "let l = [1,  # one\n"
                  "         2]\n"
                  "let m = amount  # inside a comparison\n"
                  "    >= 15\n");
}
END_TEST

START_TEST(comments_inside_tests)
{
    ck_assert_fmt("test \"t\" {  # why\n"
                  "  # the first step\n"
                  "  given { tid: \"a\", # the id\n"
                  "    amount: 1, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z }\n"
                  "  expect no cashback  # nothing\n"
                  "}\n",
                  "test \"t\" {  # why\n"
                  "    # the first step\n"
                  "    given { tid: \"a\",  # the id\n"
                  "            amount: 1, currency: \"USD\", timestamp: 2026-03-13T10:00:00Z }\n"
                  "    expect no cashback  # nothing\n"
                  "}\n");
}
END_TEST

START_TEST(hashes_in_strings_are_not_comments)
{
    const char *src = "offer \"#1\" {\n    title \"Deal #1\"  # a real one\n    when merchant == \"#\" then cashback 1%\n}\n";
    ck_assert_fmt(src, src);
}
END_TEST

/* ---- long lines ---- */

START_TEST(a_long_clause_puts_then_on_the_next_line)
{
    ck_assert_fmt("offer \"o\" {\n"
                  "    when premium_customer and merchant == \"Merchant X\" and weekday == FRI and amount >= 15 then cashback 15% up to 30.00\n"
                  "}\n",
                  "offer \"o\" {\n"
                  "    when premium_customer and merchant == \"Merchant X\" and weekday == FRI and amount >= 15\n"
                  "        then cashback 15% up to 30.00\n"
                  "}\n");
}
END_TEST

START_TEST(a_long_chain_puts_each_operand_on_a_line)
{
    /* The bare rule comes first: lines added above it would move it. */
    ck_assert_fmt("when merchant == \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" and channel == \"online\" and "
                  "(country == \"GB\" or country == \"IE\" or country == \"FR\" or country == \"DE\" or "
                  "country == \"ES\" or country == \"PT\" or country == \"IT\") then cashback 1%\n"
                  "let chain = (merchant == \"aaaaaaaaaaaaaaa\" or merchant == \"bbbbbbbbbbbbbbbbbbbbb\") and "
                  "(channel == \"online\" or channel == \"pos\" or channel == \"moto\" or country == \"GB\")\n",
                  "when merchant == \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n"
                  "    and channel == \"online\"\n"
                  "    and (country == \"GB\"\n"
                  "        or country == \"IE\"\n"
                  "        or country == \"FR\"\n"
                  "        or country == \"DE\"\n"
                  "        or country == \"ES\"\n"
                  "        or country == \"PT\"\n"
                  "        or country == \"IT\")\n"
                  "    then cashback 1%\n"
                  "let chain = (merchant == \"aaaaaaaaaaaaaaa\" or merchant == \"bbbbbbbbbbbbbbbbbbbbb\")\n"
                  "    and (channel == \"online\" or channel == \"pos\" or channel == \"moto\" or country == \"GB\")\n");
}
END_TEST

START_TEST(a_long_list_fills_lines_under_its_first_element)
{
    ck_assert_fmt("let food = mcc in [5411, 5422, 5441, 5451, 5462, 5499, 5811, 5812, 5813, 5814, 5912, "
                  "5921, 5941, 5942, 5943, 5944, 5945,]\n",
                  "let food = mcc in [5411, 5422, 5441, 5451, 5462, 5499, 5811, 5812, 5813, 5814, 5912, 5921, 5941,\n"
                  "                   5942, 5943, 5944, 5945]\n");
}
END_TEST

START_TEST(given_fields_fill_lines_and_keep_the_authors_breaks)
{
    ck_assert_fmt("test \"t\" {\n"
                  "    given { tid: \"fx-1\", user_id: \"fx-u1\", amount: 20.00, currency: \"USD\",\n"
                  "        merchant: \"Merchant X\", timestamp: 2026-03-13T15:00:00Z }\n"
                  "    given { tid: \"fx-2\", user_id: \"fx-u2\", amount: 20.00, currency: \"USD\", merchant: "
                  "\"Merchant X\", user_tier: \"gold\", timestamp: 2026-03-13T15:00:00Z }\n"
                  "}\n",
                  "test \"t\" {\n"
                  "    given { tid: \"fx-1\", user_id: \"fx-u1\", amount: 20.00, currency: \"USD\",\n"
                  "            merchant: \"Merchant X\", timestamp: 2026-03-13T15:00:00Z }\n"
                  "    given { tid: \"fx-2\", user_id: \"fx-u2\", amount: 20.00, currency: \"USD\", merchant: \"Merchant X\",\n"
                  "            user_tier: \"gold\", timestamp: 2026-03-13T15:00:00Z }\n"
                  "}\n");
}
END_TEST

/* ---- bare rules: their ids are their lines ---- */

START_TEST(bare_rules_stay_on_their_lines)
{
    /* Blank lines before a bare rule are kept as needed to hold its line. */
    ck_assert_fmt("when amount > 1 then cashback 1%\n\n\n\nwhen amount > 2 then cashback 2%\n",
                  "when amount > 1 then cashback 1%\n\n\n\nwhen amount > 2 then cashback 2%\n");
    /* A long rule above another is left long rather than move it. */
    const char *two =
        "when mcc between 5722 and 5742 and timestamp > 2026-08-16T03:28:00+01:00 then cashback 5% up to 15.19\n"
        "when amount > 2 then cashback 2%\n";
    ck_assert_fmt(two, two);
    ck_same_program("rules.cbr", two);
}
END_TEST

START_TEST(a_bare_rule_that_would_move_is_refused)
{
    diags g = {0};
    cbr_status st;
    char *out = format_as("promo.cbr",
                          "offer \"o\" { when amount > 1 then cashback 1% }\n"
                          "when amount > 2 then cashback 2%\n",
                          &st, &g);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(st, CBR_ERR_COMPILE);
    ck_assert_int_eq(g.n, 1);
    ck_assert_str_eq(g.code, "fmt-moves-rule");
    ck_assert_uint_eq(g.line, 2);
    ck_assert_uint_eq(g.column, 1);
    ck_assert_msg(strstr(g.first, "`promo:2`") != NULL, "%s", g.first);
}
END_TEST

/* ---- the same program ---- */

START_TEST(the_formatted_text_is_the_same_program)
{
    ck_same_program("t.cbr",
                    "when amount > 1 then cashback 1%\n"
                    "field user_tier: string\n"
                    "let premium=user_tier in [\"gold\",\"platinum\",]\n"
                    "campaign \"c\" { budget 100 USD valid 2026-01-01 to 2026-12-31 }\n"
                    "offer \"o\" { campaign \"c\" priority -2 rounding half-up limit 2 per user per day\n"
                    "  when premium and ((amount)) * 2 >= 30 and not (mcc in [1, 2]) then cashback 15% up to 3.00\n"
                    "  when amount between 10 and 20 or merchant ~= \"CAF\\u{C9}\" then cashback 1.50 }\n");
}
END_TEST

/* ---- refusals ---- */

START_TEST(syntax_errors_are_reported_not_formatted)
{
    diags g = {0};
    cbr_status st;
    char *out = format_as("t.cbr", "offer \"o\" {\n    when amount >= >= 15 then cashback 10%\n}\n"
                                   "when amount > 1 then cashback 5%%\n",
                          &st, &g);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(st, CBR_ERR_COMPILE);
    ck_assert_int_eq(g.n, 2);
    ck_assert_str_eq(g.code, "syntax");
    ck_assert_uint_eq(g.line, 2);
    ck_assert_uint_eq(g.column, 20);
}
END_TEST

START_TEST(names_and_types_are_not_checked)
{
    /* Another file may declare them: fmt works on one file at a time. */
    ck_assert_fmt("when vip and amount > \"x\" then cashback 1%\n",
                  "when vip and amount > \"x\" then cashback 1%\n");
}
END_TEST

START_TEST(lexical_errors_are_reported)
{
    diags g = {0};
    cbr_status st;
    char *out = format_as("t.cbr", "let a = 2026-02-30\nlet b = \"open\n", &st, &g);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(st, CBR_ERR_COMPILE);
    ck_assert_str_eq(g.code, "bad-date");
    ck_assert_uint_eq(g.line, 1);
}
END_TEST

START_TEST(bad_arguments)
{
    char *out;
    cbr_error err;
    ck_assert_int_eq(cbr_format(NULL, NULL, "", 0, &out, NULL, &err), CBR_ERR_ARG);
    ck_assert_int_eq(err.status, CBR_ERR_ARG);
    ck_assert_int_eq(cbr_format(NULL, "t.cbr", NULL, 3, &out, NULL, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_format(NULL, "t.cbr", "", 0, NULL, NULL, &err), CBR_ERR_ARG);
    /* A NULL config and a NULL error are allowed. */
    ck_assert_int_eq(cbr_format(NULL, "t.cbr", "field a:int", 11, &out, NULL, NULL), CBR_OK);
    ck_assert_str_eq(out, "field a: int\n");
    cbr_free(out);
}
END_TEST

static Suite *fmt_suite(void)
{
    Suite *s = suite_create("fmt");
    UNIT_TCASE(s, "layout", declarations_are_spaced_one_way, blocks_hold_one_attribute_or_clause_a_line,
               best_stays_with_its_group,
               empty_blocks_close_on_their_line, tests_hold_one_step_a_line,
               expressions_are_spaced_one_way, literals_keep_their_spelling,
               lets_and_clauses_in_a_row_are_aligned, alignment_leaves_out_a_far_wider_neighbour);
    UNIT_TCASE(s, "blank lines", blank_lines_are_kept_one_at_most, empty_and_comment_only_texts,
               crlf_and_a_byte_order_mark);
    UNIT_TCASE(s, "comments", comments_before_and_after_items, comments_inside_blocks,
               comments_inside_expressions, comments_inside_tests, hashes_in_strings_are_not_comments);
    UNIT_TCASE(s, "long lines", a_long_clause_puts_then_on_the_next_line,
               a_long_chain_puts_each_operand_on_a_line, a_long_list_fills_lines_under_its_first_element,
               given_fields_fill_lines_and_keep_the_authors_breaks);
    UNIT_TCASE(s, "bare rules", bare_rules_stay_on_their_lines, a_bare_rule_that_would_move_is_refused);
    UNIT_TCASE(s, "semantics", the_formatted_text_is_the_same_program);
    UNIT_TCASE(s, "refusals", syntax_errors_are_reported_not_formatted, names_and_types_are_not_checked,
               lexical_errors_are_reported, bad_arguments);
    return s;
}

UNIT_MAIN(fmt_suite)
