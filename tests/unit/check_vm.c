/* check_vm.c: the batch VM end to end, through cbr.h only: source ->
 * program -> batch -> cbr_eval -> awards.  Every case runs three ways and
 * must give the same awards: from the compiled program in one batch, from
 * the program saved to a bundle and loaded back, and row by row in batches
 * of one.  Expected values are worked out by hand from doc/language.md
 * (two generated cases derive them from the section 12 truth table and the
 * section 10 order, coded here); tcase names give its sections (3 types, 4 fields, 7 offers, 8 clauses,
 * 9 rounding, 10 priority, 12 missing values, 13 operators, 14 functions). */
#include <stdint.h>
#include <cbr.h>
#include "tests/unit/unit.h"
#include "tests/unit/awards_of.h"

/* ---- helpers ---- */


/* Friday 2026-03-13 15:00 UTC. */
#define FRI_TS "2026-03-13T15:00:00Z"
/* A USD transaction on FRI_TS with extra fields (";name=value..."). */
#define TX(tid, amount, extra) "tid=" tid ";amount=" amount ";currency=USD;timestamp=" FRI_TS extra
/* A transaction in currency cur. */
#define TXC(tid, amount, cur) "tid=" tid ";amount=" amount ";currency=" cur ";timestamp=" FRI_TS
/* A USD transaction of 10.00 at instant ts. */
#define TXT(tid, ts) "tid=" tid ";amount=10.00;currency=USD;timestamp=" ts

/* ---- numbers and comparisons (3, 13) ---- */

START_TEST(compare_money_with_int_and_decimal_across_scales)
{
    const char *src = "offer \"ge\" { when amount >= 15 then cashback 1.00 }\n"
                      "offer \"eq\" { when amount == 15.0 then cashback 2.00 }\n"
                      "offer \"lt\" { when amount < 15.001 then cashback 3.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "14.99", ""), TX("t2", "15", ""), TX("t3", "15.00", ""),
                            TX("t4", "15.01", ""), TXC("t5", "15", "JPY")),
                     "t1 lt 3.00 USD\n"
                     "t2 eq 2.00 USD\nt2 ge 1.00 USD\nt2 lt 3.00 USD\n"
                     "t3 eq 2.00 USD\nt3 ge 1.00 USD\nt3 lt 3.00 USD\n"
                     "t4 ge 1.00 USD\n"
                     "t5 eq 2 JPY\nt5 ge 1 JPY\nt5 lt 3 JPY\n");
}
END_TEST

START_TEST(compare_int_field_with_int_and_decimal)
{
    const char *src = "offer \"a\" { when mcc == 5411 then cashback 1.00 }\n"
                      "offer \"b\" { when mcc == 5411.00 then cashback 1.00 }\n"
                      "offer \"c\" { when mcc > 5410.5 then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "20", ";mcc=5411"), TX("t2", "20", ";mcc=5410"), TX("t3", "20", ""),
                            TX("t4", "20", ";mcc=5412")),
                     "t1 a 1.00 USD\nt1 b 1.00 USD\nt1 c 1.00 USD\n"
                     "t4 c 1.00 USD\n");
}
END_TEST

START_TEST(money_arithmetic_with_numbers)
{
    const char *src = "offer \"mul\" { when amount * 1.5 >= 15.00 then cashback 1.00 }\n"
                      "offer \"div\" { when amount / 3 >= 10.00 then cashback 1.00 }\n"
                      "offer \"add\" { when amount + 5 == 15.50 then cashback 1.00 }\n"
                      "offer \"sub\" { when amount - 0.01 < 10 then cashback 1.00 }\n"
                      "offer \"pct\" { when amount * 10% >= 1.00 then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "10.00", ""), TX("t2", "9.99", ""), TX("t3", "30.00", ""),
                            TX("t4", "10.50", ""), TX("t5", "29.99", "")),
                     "t1 mul 1.00 USD\nt1 pct 1.00 USD\nt1 sub 1.00 USD\n"
                     "t2 sub 1.00 USD\n"
                     "t3 div 1.00 USD\nt3 mul 1.00 USD\nt3 pct 1.00 USD\n"
                     "t4 add 1.00 USD\nt4 mul 1.00 USD\nt4 pct 1.00 USD\n"
                     "t5 mul 1.00 USD\nt5 pct 1.00 USD\n");
}
END_TEST

START_TEST(int_divided_by_int_is_decimal)
{
    const char *src = "offer \"half\" { when mcc / 2 == 2705.5 then cashback 1.00 }\n"
                      "offer \"third\" { when mcc / 3 > 1803.666 and mcc / 3 < 1803.667 then cashback 1.00 }\n"
                      "offer \"whole\" { when mcc / 2 == 2705 then cashback 1.00 }\n"
                      "offer \"lit\" { when 7 / 2 == 3.5 then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "20", ";mcc=5411"), TX("t2", "20", ";mcc=5410")),
                     "t1 half 1.00 USD\nt1 lit 1.00 USD\nt1 third 1.00 USD\n"
                     "t2 lit 1.00 USD\nt2 whole 1.00 USD\n");
}
END_TEST

START_TEST(min_max_abs)
{
    const char *src = "field d: decimal\n"
                      "offer \"min\" { when min(amount, 100) * 2% >= 1.00 then cashback 1.00 }\n"
                      "offer \"max\" { when max(mcc, 5000) == 5411 then cashback 1.00 }\n"
                      "offer \"abs\" { when abs(d) == 2.5 then cashback 1.00 }\n"
                      "offer \"min3\" { when min(d, 3, 2.75) == 2.75 then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "50.00", ";mcc=5411;d=-2.5"), TX("t2", "49.99", ";mcc=4000;d=2.5"),
                            TX("t3", "500.00", ";d=2.9"), TX("t4", "10", "")),
                     "t1 abs 1.00 USD\nt1 max 1.00 USD\nt1 min 1.00 USD\n"
                     "t2 abs 1.00 USD\n"
                     "t3 min 1.00 USD\nt3 min3 1.00 USD\n");
}
END_TEST

START_TEST(round_floor_ceil_on_decimals)
{
    /* Each row says which function to apply to x and the result it expects
     * in y; a row is awarded when the function gives y. */
    const char *src = "field x: decimal\nfield y: decimal\nfield op: string\n"
                      "offer \"ok\" {\n"
                      "  when op == \"round\" and round(x) == y then cashback 1.00\n"
                      "  when op == \"round1\" and round(x, 1) == y then cashback 1.00\n"
                      "  when op == \"floor\" and floor(x) == y then cashback 1.00\n"
                      "  when op == \"floor1\" and floor(x, 1) == y then cashback 1.00\n"
                      "  when op == \"ceil\" and ceil(x) == y then cashback 1.00\n"
                      "  when op == \"ceil1\" and ceil(x, 1) == y then cashback 1.00\n"
                      "}\n";
    ck_assert_str_eq(AWARDS(src, TX("r1", "20", ";op=round;x=2.5;y=3"), TX("r2", "20", ";op=round;x=-2.5;y=-3"),
                            TX("r3", "20", ";op=round;x=2.4;y=2"), TX("r4", "20", ";op=round;x=2.5;y=2"),
                            TX("r5", "20", ";op=round1;x=12.345;y=12.3"),
                            TX("r6", "20", ";op=round1;x=12.35;y=12.4"),
                            TX("r7", "20", ";op=round1;x=-12.35;y=-12.4"),
                            TX("r8", "20", ";op=floor;x=-2.5;y=-3"), TX("r9", "20", ";op=floor;x=2.7;y=2"),
                            TX("r10", "20", ";op=floor;x=-2.5;y=-2"), TX("r11", "20", ";op=ceil;x=-2.5;y=-2"),
                            TX("r12", "20", ";op=ceil;x=2.1;y=3"), TX("r13", "20", ";op=ceil;x=-2.5;y=-3"),
                            TX("r14", "20", ";op=floor1;x=-1.25;y=-1.3"),
                            TX("r15", "20", ";op=ceil1;x=-1.25;y=-1.2"), TX("r16", "20", ";op=round;y=0"),
                            TX("r17", "20", ";op=round;x=0.5;y=1"), TX("r18", "20", ";op=round;x=-0.5;y=-1")),
                     "r1 ok 1.00 USD\nr2 ok 1.00 USD\nr3 ok 1.00 USD\nr5 ok 1.00 USD\nr6 ok 1.00 USD\n"
                     "r7 ok 1.00 USD\nr8 ok 1.00 USD\nr9 ok 1.00 USD\nr11 ok 1.00 USD\nr12 ok 1.00 USD\n"
                     "r14 ok 1.00 USD\nr15 ok 1.00 USD\nr17 ok 1.00 USD\nr18 ok 1.00 USD\n");
}
END_TEST

START_TEST(round_floor_ceil_on_money_and_int_quotients)
{
    const char *src = "offer \"r\" { when round(amount) == 100 then cashback 1.00 }\n"
                      "offer \"f\" { when floor(amount) == 99 then cashback 1.00 }\n"
                      "offer \"c\" { when ceil(mcc / 2) == 2706 then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "99.50", ";mcc=5411"), TX("t2", "99.49", ";mcc=5410"),
                            TX("t3", "100.49", "")),
                     "t1 c 1.00 USD\nt1 f 1.00 USD\nt1 r 1.00 USD\n"
                     "t2 f 1.00 USD\n"
                     "t3 r 1.00 USD\n");
}
END_TEST

START_TEST(declared_bool_date_instant_decimal_fields)
{
    const char *src = "field vip: bool\nfield signup: date\nfield seen: instant\nfield rate: decimal\n"
                      "offer \"vip\" { when vip then cashback 1.00 }\n"
                      "offer \"notvip\" { when not vip then cashback 1.00 }\n"
                      "offer \"new\" { when signup >= 2026-03-01 then cashback 1.00 }\n"
                      "offer \"seen\" { when seen < timestamp then cashback 1.00 }\n"
                      "offer \"rate\" { when rate >= 0.5 then cashback 1.00 }\n"
                      "offer \"ratemul\" { when amount * rate >= 10 then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src,
                            TX("t1", "20.00", ";vip=true;signup=2026-03-05;seen=2026-03-13T14:59:59Z;rate=0.50"),
                            TX("t2", "20.00", ";vip=false;signup=2026-02-28;seen=2026-03-13T15:00:00+00:00;rate=0.499"),
                            TX("t3", "20.00", "")),
                     "t1 new 1.00 USD\nt1 rate 1.00 USD\nt1 ratemul 1.00 USD\nt1 seen 1.00 USD\nt1 vip 1.00 USD\n"
                     "t2 notvip 1.00 USD\n");
}
END_TEST

START_TEST(bare_rule_of_the_contract)
{
    /* The bare rule on line 3 of t.cbr is the offer t:3 (1). */
    const char *src = "# the smallest program\n\n"
                      "when amount >= 15 and merchant == \"X\" and weekday == FRI then cashback 10%\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "20.00", ";merchant=X"), TX("t2", "15", ";merchant=X"),
                            TX("t3", "14.99", ";merchant=X"), TX("t4", "20.00", ";merchant=Y"),
                            "tid=t5;amount=20.00;currency=USD;merchant=X;timestamp=2026-03-14T15:00:00Z"),
                     "t1 t:3 2.00 USD\nt2 t:3 1.50 USD\n");
}
END_TEST

/* ---- lists, between, not (13) ---- */

START_TEST(in_and_not_in_lists)
{
    const char *src = "offer \"in\" { when merchant in [\"Acme\", \"Bolt\"] then cashback 1.00 }\n"
                      "offer \"notin\" { when merchant not in [\"Acme\", \"Bolt\"] then cashback 1.00 }\n"
                      "offer \"mcc\" { when mcc in [5411, 5422] then cashback 1.00 }\n"
                      "offer \"mccnot\" { when mcc not in [5411, 5422] then cashback 1.00 }\n"
                      "offer \"wd\" { when weekday in [SAT, SUN] then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "20", ";merchant=Acme;mcc=5422"), TX("t2", "20", ";merchant=Cole;mcc=5412"),
                            TX("t3", "20", ""),
                            "tid=t4;amount=20;currency=USD;timestamp=2026-03-14T12:00:00Z;merchant=acme;mcc=5411"),
                     "t1 in 1.00 USD\nt1 mcc 1.00 USD\n"
                     "t2 mccnot 1.00 USD\nt2 notin 1.00 USD\n"
                     "t4 mcc 1.00 USD\nt4 notin 1.00 USD\nt4 wd 1.00 USD\n");
}
END_TEST

START_TEST(between_is_inclusive_and_not_reverses_it)
{
    const char *src = "offer \"b\" { when amount between 10 and 50 then cashback 1.00 }\n"
                      "offer \"nb\" { when not (amount between 10 and 50) then cashback 1.00 }\n"
                      "offer \"wd\" { when weekday between MON and FRI then cashback 1.00 }\n"
                      "offer \"d\" { when date between 2026-03-13 and 2026-03-14 then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, "tid=t1;amount=10.00;currency=USD;timestamp=2026-03-13T12:00:00Z",
                            "tid=t2;amount=50.00;currency=USD;timestamp=2026-03-14T12:00:00Z",
                            "tid=t3;amount=9.99;currency=USD;timestamp=2026-03-15T12:00:00Z",
                            "tid=t4;amount=50.01;currency=USD;timestamp=2026-03-16T12:00:00Z"),
                     "t1 b 1.00 USD\nt1 d 1.00 USD\nt1 wd 1.00 USD\n"
                     "t2 b 1.00 USD\nt2 d 1.00 USD\n"
                     "t3 nb 1.00 USD\n"
                     "t4 nb 1.00 USD\nt4 wd 1.00 USD\n");
}
END_TEST

START_TEST(not_and_or_precedence)
{
    /* not binds looser than ==, tighter than and; and tighter than or. */
    const char *src = "offer \"n1\" { when not merchant == \"A\" then cashback 1.00 }\n"
                      "offer \"n2\" { when not merchant == \"A\" and amount > 10 then cashback 1.00 }\n"
                      "offer \"n3\" { when not (merchant == \"A\" and amount > 10) then cashback 1.00 }\n"
                      "offer \"p\" { when merchant == \"A\" or merchant == \"B\" and amount > 100 then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "20", ";merchant=A"), TX("t2", "20", ";merchant=B"),
                            TX("t3", "5", ";merchant=A"), TX("t4", "200", ";merchant=B")),
                     "t1 p 1.00 USD\n"
                     "t2 n1 1.00 USD\nt2 n2 1.00 USD\nt2 n3 1.00 USD\n"
                     "t3 n3 1.00 USD\nt3 p 1.00 USD\n"
                     "t4 n1 1.00 USD\nt4 n2 1.00 USD\nt4 n3 1.00 USD\nt4 p 1.00 USD\n");
}
END_TEST

START_TEST(weekday_order)
{
    const char *src = "offer \"we\" { when weekday >= SAT then cashback 1.00 }\n"
                      "offer \"early\" { when weekday < WED then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TXT("fri", "2026-03-13T12:00:00Z"), TXT("sat", "2026-03-14T12:00:00Z"),
                            TXT("sun", "2026-03-15T12:00:00Z"), TXT("mon", "2026-03-16T12:00:00Z"),
                            TXT("tue", "2026-03-17T12:00:00Z"), TXT("wed", "2026-03-18T12:00:00Z")),
                     "sat we 1.00 USD\nsun we 1.00 USD\nmon early 1.00 USD\ntue early 1.00 USD\n");
}
END_TEST

/* ---- missing values (12) ---- */

START_TEST(comparisons_with_a_missing_field_are_unknown)
{
    const char *src = "field tier: string\n"
                      "offer \"eq\" { when tier == \"gold\" then cashback 1.00 }\n"
                      "offer \"ne\" { when tier != \"gold\" then cashback 1.00 }\n"
                      "offer \"not-eq\" { when not (tier == \"gold\") then cashback 1.00 }\n"
                      "offer \"in\" { when tier in [\"gold\", \"platinum\"] then cashback 1.00 }\n"
                      "offer \"not-in\" { when tier not in [\"basic\"] then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "20", ""), TX("t2", "20", ";tier=gold"), TX("t3", "20", ";tier=basic")),
                     "t2 eq 1.00 USD\nt2 in 1.00 USD\nt2 not-in 1.00 USD\n"
                     "t3 ne 1.00 USD\nt3 not-eq 1.00 USD\n");
}
END_TEST

START_TEST(exists_is_never_unknown)
{
    const char *src = "field tier: string\n"
                      "offer \"has\" { when exists(tier) then cashback 1.00 }\n"
                      "offer \"hasnt\" { when not exists(tier) then cashback 1.00 }\n"
                      "offer \"nonbasic\" { when not exists(tier) or tier != \"basic\" then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "20", ""), TX("t2", "20", ";tier=basic"), TX("t3", "20", ";tier=gold")),
                     "t1 hasnt 1.00 USD\nt1 nonbasic 1.00 USD\n"
                     "t2 has 1.00 USD\n"
                     "t3 has 1.00 USD\nt3 nonbasic 1.00 USD\n");
}
END_TEST

START_TEST(and_or_not_with_unknown)
{
    const char *src =
        "field tier: string\n"
        "offer \"u-or-t\" { when tier == \"gold\" or amount > 0 then cashback 1.00 }\n"
        "offer \"u-or-f\" { when tier == \"gold\" or amount < 0 then cashback 1.00 }\n"
        "offer \"u-and-t\" { when tier == \"gold\" and amount > 0 then cashback 1.00 }\n"
        "offer \"not-u-and-f\" { when not (tier == \"gold\" and amount < 0) then cashback 1.00 }\n"
        "offer \"not-u-or-f\" { when not (tier == \"gold\" or amount < 0) then cashback 1.00 }\n"
        "offer \"not-u-or-t\" { when not (tier == \"gold\" or amount > 0) then cashback 1.00 }\n"
        "offer \"f-and-u\" { when not (amount < 0 and tier == \"gold\") then cashback 1.00 }\n"
        "offer \"t-or-u\" { when amount > 0 or tier == \"gold\" then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "10", ""), TX("t2", "10", ";tier=gold"), TX("t3", "10", ";tier=basic")),
                     /* unknown or true = true; not (unknown and false) = true */
                     "t1 f-and-u 1.00 USD\nt1 not-u-and-f 1.00 USD\nt1 t-or-u 1.00 USD\nt1 u-or-t 1.00 USD\n"
                     "t2 f-and-u 1.00 USD\nt2 not-u-and-f 1.00 USD\nt2 t-or-u 1.00 USD\nt2 u-and-t 1.00 USD\n"
                     "t2 u-or-f 1.00 USD\nt2 u-or-t 1.00 USD\n"
                     "t3 f-and-u 1.00 USD\nt3 not-u-and-f 1.00 USD\nt3 not-u-or-f 1.00 USD\nt3 t-or-u 1.00 USD\n"
                     "t3 u-or-t 1.00 USD\n");
}
END_TEST

START_TEST(unknown_through_nested_not_bool_equality_and_lets)
{
    const char *src = "field tier: string\n"
                      "let premium = tier in [\"gold\", \"platinum\"]\n"
                      "offer \"nn\" { when not (not (tier == \"gold\")) then cashback 1.00 }\n"
                      "offer \"eqf\" { when (tier == \"gold\") == false then cashback 1.00 }\n"
                      "offer \"let\" { when not premium then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "20", ""), TX("t2", "20", ";tier=basic"), TX("t3", "20", ";tier=gold")),
                     "t2 eqf 1.00 USD\nt2 let 1.00 USD\n"
                     "t3 nn 1.00 USD\n");
}
END_TEST

START_TEST(division_by_zero_is_unknown)
{
    const char *src = "field n: int\n"
                      "offer \"div\" { when amount / n > 1 then cashback 1.00 }\n"
                      "offer \"ndiv\" { when not (amount / n > 1) then cashback 1.00 }\n"
                      "offer \"idiv\" { when mcc / n >= 0 then cashback 1.00 }\n"
                      "offer \"exists-n\" { when exists(n) and n == 0 then cashback 1.00 }\n"
                      "offer \"or\" { when amount / n > 1 or amount > 5 then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "10", ";n=0;mcc=5411"), TX("t2", "10", ";n=2;mcc=5411"),
                            TX("t3", "10", ";mcc=5411")),
                     "t1 exists-n 1.00 USD\nt1 or 1.00 USD\n"
                     "t2 div 1.00 USD\nt2 idiv 1.00 USD\nt2 or 1.00 USD\n"
                     "t3 or 1.00 USD\n");
}
END_TEST

START_TEST(arithmetic_and_functions_on_missing_values_are_unknown)
{
    const char *src = "field tier: string\nfield d: decimal\n"
                      "offer \"add\" { when mcc + 1 > 0 then cashback 1.00 }\n"
                      "offer \"nadd\" { when not (mcc + 1 > 0) then cashback 1.00 }\n"
                      "offer \"len\" { when len(tier) >= 0 then cashback 1.00 }\n"
                      "offer \"nlen\" { when not (len(tier) > 100) then cashback 1.00 }\n"
                      "offer \"up\" { when upper(tier) == \"GOLD\" then cashback 1.00 }\n"
                      "offer \"nup\" { when not (upper(tier) == \"GOLD\") then cashback 1.00 }\n"
                      "offer \"min\" { when min(d, 1) < 100 then cashback 1.00 }\n"
                      "offer \"round\" { when not (round(d) == 7) then cashback 1.00 }\n"
                      "offer \"sw\" { when not starts_with(tier, \"g\") then cashback 1.00 }\n"
                      "offer \"bt\" { when not (mcc between 1 and 2) then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "20", ""), TX("t2", "20", ";tier=gold;mcc=5411;d=7.2")),
                     "t2 add 1.00 USD\nt2 bt 1.00 USD\nt2 len 1.00 USD\nt2 min 1.00 USD\nt2 nlen 1.00 USD\n"
                     "t2 up 1.00 USD\n");
}
END_TEST

/* ---- clauses and rewards (8) ---- */

START_TEST(first_clause_that_holds_decides)
{
    const char *src = "offer \"tiered\" {\n"
                      "  when amount >= 500 then cashback 5%\n"
                      "  when amount >= 100 then cashback 3%\n"
                      "  when amount >= 15 then cashback 1.00\n"
                      "}\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "600.00", ""), TX("t2", "500", ""), TX("t3", "150.00", ""),
                            TX("t4", "100", ""), TX("t5", "20", ""), TX("t6", "14.99", "")),
                     "t1 tiered 30.00 USD\nt2 tiered 25.00 USD\nt3 tiered 4.50 USD\nt4 tiered 3.00 USD\n"
                     "t5 tiered 1.00 USD\n");
}
END_TEST

START_TEST(zero_reward_is_no_award_and_stops_the_offer)
{
    const char *src = "offer \"z\" {\n"
                      "  when amount > 0 then cashback 10%\n"
                      "  when amount > 0 then cashback 1.00\n"
                      "}\n"
                      "offer \"zu\" {\n"
                      "  rounding up\n"
                      "  when amount > 0 then cashback 10%\n"
                      "  when amount > 0 then cashback 1.00\n"
                      "}\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "0.05", ""), TX("t2", "0.10", ""), TX("t3", "0.09", ""),
                            TXC("t4", "9", "JPY"), TXC("t5", "10", "JPY")),
                     "t1 zu 0.01 USD\n"
                     "t2 z 0.01 USD\nt2 zu 0.01 USD\n"
                     "t3 zu 0.01 USD\n"
                     "t4 zu 1 JPY\n"
                     "t5 z 1 JPY\nt5 zu 1 JPY\n");
}
END_TEST

START_TEST(amount_of_zero_or_less_never_awards)
{
    const char *src = "offer \"any\" { when true then cashback 1.00 }\n"
                      "offer \"neg\" { when amount < 0 then cashback 2.00 }\n"
                      "offer \"zero\" { when amount == 0 then cashback 2.00 }\n"
                      "offer \"pct\" { when amount <= 0 then cashback 10% }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "0.00", ""), TX("t2", "-5.00", ""), TX("t3", "0.01", ""),
                            TXC("t4", "0", "JPY")),
                     "t3 any 1.00 USD\n");
}
END_TEST

START_TEST(fixed_and_percent_rewards_in_the_currency_digits)
{
    const char *src = "offer \"fix\" { when true then cashback 5.00 }\n"
                      "offer \"pct\" { when true then cashback 2% }\n";
    ck_assert_str_eq(AWARDS(src, TXC("t1", "12.34", "USD"), TXC("t2", "4527", "JPY"), TXC("t3", "12.345", "BHD"),
                            TXC("t4", "1.00", "EUR"), TXC("t5", "1000000.00", "USD")),
                     "t1 fix 5.00 USD\nt1 pct 0.24 USD\n"
                     "t2 fix 5 JPY\nt2 pct 90 JPY\n"
                     "t3 fix 5.000 BHD\nt3 pct 0.246 BHD\n"
                     "t4 fix 5.00 EUR\nt4 pct 0.02 EUR\n"
                     "t5 fix 5.00 USD\nt5 pct 20000.00 USD\n");
}
END_TEST

START_TEST(reward_or_cap_with_a_currency_pays_only_in_it)
{
    const char *src = "offer \"usd-fix\" { when true then cashback 5.00 USD }\n"
                      "offer \"usd-cap\" { when true then cashback 10% up to 20.00 USD }\n"
                      "offer \"jpy-fix\" { when true then cashback 100 JPY }\n";
    ck_assert_str_eq(AWARDS(src, TXC("t1", "300.00", "USD"), TXC("t2", "300.00", "EUR"), TXC("t3", "3000", "JPY")),
                     "t1 usd-cap 20.00 USD\nt1 usd-fix 5.00 USD\n"
                     "t3 jpy-fix 100 JPY\n");
}
END_TEST

START_TEST(cap_applies_after_rounding)
{
    const char *src = "offer \"cap\" { when true then cashback 10% up to 20.00 }\n"
                      "offer \"capup\" { rounding up when currency == \"USD\" then cashback 10% up to 19.99 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "300.00", ""), TX("t2", "150.00", ""), TX("t3", "199.95", ""),
                            TXC("t4", "3000", "JPY"), TXC("t5", "150", "JPY")),
                     "t1 cap 20.00 USD\nt1 capup 19.99 USD\n"
                     "t2 cap 15.00 USD\nt2 capup 15.00 USD\n"
                     "t3 cap 19.99 USD\nt3 capup 19.99 USD\n"
                     "t4 cap 20 JPY\n"
                     "t5 cap 15 JPY\n");
}
END_TEST

/* ---- rounding (9): the table of the reference ---- */

START_TEST(rounding_modes_on_the_reference_table)
{
#define MODE_OFFER(id, mode)                                                                 \
    "offer \"" id "\" {\n" mode                                                              \
    "  when currency == \"USD\" and amount == 1.00 then cashback 2.5%\n"                     \
    "  when currency == \"USD\" and amount == 33.30 then cashback 5%\n"                      \
    "  when currency == \"USD\" and amount == 10.10 then cashback 7.5%\n"                    \
    "  when currency == \"JPY\" then cashback 10%\n"                                         \
    "  when currency == \"BHD\" then cashback 1.5%\n"                                        \
    "}\n"
    const char *src = MODE_OFFER("down", "") MODE_OFFER("up", "rounding up\n")
        MODE_OFFER("half-up", "rounding half-up\n") MODE_OFFER("half-even", "rounding half-even\n");
#undef MODE_OFFER
    ck_assert_str_eq(AWARDS(src, TXC("t1", "1.00", "USD"), TXC("t2", "33.30", "USD"), TXC("t3", "10.10", "USD"),
                            TXC("t4", "25", "JPY"), TXC("t5", "1.001", "BHD")),
                     "t1 down 0.02 USD\nt1 half-even 0.02 USD\nt1 half-up 0.03 USD\nt1 up 0.03 USD\n"
                     "t2 down 1.66 USD\nt2 half-even 1.66 USD\nt2 half-up 1.67 USD\nt2 up 1.67 USD\n"
                     "t3 down 0.75 USD\nt3 half-even 0.76 USD\nt3 half-up 0.76 USD\nt3 up 0.76 USD\n"
                     "t4 down 2 JPY\nt4 half-even 2 JPY\nt4 half-up 3 JPY\nt4 up 3 JPY\n"
                     "t5 down 0.015 BHD\nt5 half-even 0.015 BHD\nt5 half-up 0.015 BHD\nt5 up 0.016 BHD\n");
}
END_TEST

START_TEST(half_even_rounds_odd_ties_up)
{
    /* 2.5% of 1.40 is 0.035: the even neighbour is 0.04. */
    const char *src = "offer \"he\" { rounding half-even when true then cashback 2.5% }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "1.40", ""), TX("t2", "1.00", ""), TXC("t3", "35", "JPY")),
                     "t1 he 0.04 USD\nt2 he 0.02 USD\nt3 he 1 JPY\n");
}
END_TEST

/* ---- derived fields and time zones (4, 7) ---- */

START_TEST(weekday_in_the_offer_time_zone)
{
    const char *src = "offer \"ny\" { timezone \"America/New_York\" when weekday == FRI then cashback 1.00 }\n"
                      "offer \"utc\" { when weekday == SAT then cashback 1.00 }\n";
    /* 2026-03-14T02:00Z is Saturday in UTC, Friday 22:00 EDT in New York. */
    ck_assert_str_eq(AWARDS(src, TXT("t1", "2026-03-14T02:00:00Z"), TXT("t2", "2026-03-14T05:00:00Z"),
                            TXT("t3", "2026-03-13T15:00:00Z")),
                     "t1 ny 1.00 USD\nt1 utc 1.00 USD\n"
                     "t2 utc 1.00 USD\n"
                     "t3 ny 1.00 USD\n");
}
END_TEST

START_TEST(hour_minute_date_day_month_year_in_a_zone)
{
    const char *src = "offer \"h\" { timezone \"Asia/Kolkata\" when hour == 1 and minute == 30 then cashback 1.00 }\n"
                      "offer \"d\" { timezone \"Asia/Kolkata\" when date == 2027-01-01 then cashback 1.00 }\n"
                      "offer \"dmy\" { timezone \"Asia/Kolkata\"\n"
                      "  when day == 1 and month == 1 and year == 2027 then cashback 1.00 }\n"
                      "offer \"wd\" { timezone \"Asia/Kolkata\" when weekday == FRI then cashback 1.00 }\n"
                      "offer \"utc\" { when year == 2026 and month == 12 and day == 31 and hour == 20\n"
                      "  and minute == 0 and date == 2026-12-31 and weekday == THU then cashback 1.00 }\n";
    /* 2026-12-31T20:00Z is 2027-01-01 01:30 (a Friday) in Kolkata. */
    ck_assert_str_eq(AWARDS(src, TXT("t1", "2026-12-31T20:00:00Z"), TXT("t2", "2026-12-31T18:00:00Z")),
                     "t1 d 1.00 USD\nt1 dmy 1.00 USD\nt1 h 1.00 USD\nt1 utc 1.00 USD\nt1 wd 1.00 USD\n");
}
END_TEST

START_TEST(valid_window_in_the_local_date)
{
    const char *src = "offer \"ny\" { timezone \"America/New_York\" valid 2026-03-01 to 2026-03-31\n"
                      "  when true then cashback 1.00 }\n"
                      "offer \"utc\" { valid 2026-03-01 to 2026-03-31 when true then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TXT("t1", "2026-03-01T04:59:59Z"), TXT("t2", "2026-03-01T05:00:00Z"),
                            TXT("t3", "2026-04-01T03:59:59Z"), TXT("t4", "2026-04-01T04:00:00Z"),
                            TXT("t5", "2026-02-28T23:00:00Z")),
                     "t1 utc 1.00 USD\n"
                     "t2 ny 1.00 USD\nt2 utc 1.00 USD\n"
                     "t3 ny 1.00 USD\n");
}
END_TEST

START_TEST(campaign_window_in_each_offer_zone)
{
    const char *src = "campaign \"c\" { valid 2026-03-14 to 2026-03-20 }\n"
                      "offer \"ny\" { campaign \"c\" timezone \"America/New_York\" when true then cashback 1.00 }\n"
                      "offer \"utc\" { campaign \"c\" when true then cashback 1.00 }\n"
                      "offer \"narrow\" { campaign \"c\" valid 2026-03-10 to 2026-03-14 when true then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TXT("t1", "2026-03-14T02:00:00Z"), TXT("t2", "2026-03-15T12:00:00Z"),
                            TXT("t3", "2026-03-21T02:00:00Z"), TXT("t4", "2026-03-12T12:00:00Z")),
                     "t1 narrow 1.00 USD\nt1 utc 1.00 USD\n"
                     "t2 ny 1.00 USD\nt2 utc 1.00 USD\n"
                     "t3 ny 1.00 USD\n");
}
END_TEST

START_TEST(daylight_saving_transitions)
{
    const char *src = "offer \"h1\" { timezone \"America/New_York\" when hour == 1 and minute == 59 then cashback 1.00 }\n"
                      "offer \"h2\" { timezone \"America/New_York\" when hour == 2 then cashback 1.00 }\n"
                      "offer \"h3\" { timezone \"America/New_York\" when hour == 3 and minute == 0 then cashback 1.00 }\n"
                      "offer \"fall\" { timezone \"America/New_York\"\n"
                      "  when date == 2026-11-01 and hour == 1 and minute == 30 then cashback 1.00 }\n";
    /* 2026-03-08: 06:59Z is 01:59 EST, 07:00Z is 03:00 EDT; there is no 02:xx.
     * 2026-11-01: 05:30Z and 06:30Z are both 01:30 (EDT, then EST). */
    ck_assert_str_eq(AWARDS(src, TXT("t1", "2026-03-08T06:59:00Z"), TXT("t2", "2026-03-08T07:00:00Z"),
                            TXT("t3", "2026-03-08T07:30:00Z"), TXT("t4", "2026-11-01T05:30:00Z"),
                            TXT("t5", "2026-11-01T06:30:00Z"), TXT("t6", "2026-11-01T07:30:00Z")),
                     "t1 h1 1.00 USD\nt2 h3 1.00 USD\nt4 fall 1.00 USD\nt5 fall 1.00 USD\nt6 h2 1.00 USD\n");
}
END_TEST

START_TEST(timestamp_with_an_offset)
{
    const char *src = "offer \"sat\" { when weekday == SAT and hour == 3 then cashback 1.00 }\n"
                      "offer \"ts\" { when timestamp == 2026-03-14T03:00:00Z then cashback 1.00 }\n"
                      "offer \"ts-before\" { when timestamp < 2026-03-14T08:30+05:30 then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TXT("t1", "2026-03-13T22:00:00-05:00"), TXT("t2", "2026-03-14T08:29:59+05:30")),
                     "t1 sat 1.00 USD\nt1 ts 1.00 USD\n"
                     "t2 ts-before 1.00 USD\n");
}
END_TEST

/* ---- strings (13, 14) ---- */

START_TEST(string_equality_compares_nfc)
{
    const char *src = "offer \"pre\" { when merchant == \"Caf\\u{E9}\" then cashback 1.00 }\n"
                      "offer \"dec\" { when merchant == \"Cafe\\u{301}\" then cashback 1.00 }\n"
                      "offer \"len\" { when len(merchant) == 4 then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "20", ";merchant=Cafe\xCC\x81"), TX("t2", "20", ";merchant=Caf\xC3\xA9"),
                            TX("t3", "20", ";merchant=Cafe")),
                     "t1 dec 1.00 USD\nt1 len 1.00 USD\nt1 pre 1.00 USD\n"
                     "t2 dec 1.00 USD\nt2 len 1.00 USD\nt2 pre 1.00 USD\n"
                     "t3 len 1.00 USD\n");
}
END_TEST

START_TEST(tilde_equal_ignores_case_and_compatibility)
{
    const char *src = "offer \"cafe\" { when merchant ~= \"caf\xC3\xA9\" then cashback 1.00 }\n"
                      "offer \"eq\" { when merchant == \"caf\xC3\xA9\" then cashback 1.00 }\n"
                      "offer \"strasse\" { when merchant ~= \"STRASSE\" then cashback 1.00 }\n"
                      "offer \"m\" { when merchant ~= \"merchant\" then cashback 1.00 }\n"
                      "offer \"i\" { when merchant ~= \"i\" then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "20", ";merchant=CAF\xC3\x89"), TX("t2", "20", ";merchant=stra\xC3\x9F" "e"),
                            TX("t3", "20", ";merchant=\xEF\xBC\xAD\xEF\xBC\xA5\xEF\xBC\xB2\xEF\xBC\xA3\xEF\xBC\xA8"
                                           "\xEF\xBC\xA1\xEF\xBC\xAE\xEF\xBC\xB4"),
                            TX("t4", "20", ";merchant=\xC4\xB0"), TX("t5", "20", ";merchant=I"),
                            TX("t6", "20", ";merchant=caf\xC3\xA9"), TX("t7", "20", ";merchant=CAFE\xCC\x81")),
                     "t1 cafe 1.00 USD\n"
                     "t2 strasse 1.00 USD\n"
                     "t3 m 1.00 USD\n"
                     "t5 i 1.00 USD\n"
                     "t6 cafe 1.00 USD\nt6 eq 1.00 USD\n"
                     "t7 cafe 1.00 USD\n");
}
END_TEST

START_TEST(string_functions)
{
    const char *src = "offer \"sw\" { when starts_with(lower(merchant), \"acme\") then cashback 1.00 }\n"
                      "offer \"ew\" { when ends_with(merchant, \"Market\") then cashback 1.00 }\n"
                      "offer \"ct\" { when contains(merchant, \"e M\") then cashback 1.00 }\n"
                      "offer \"len\" { when len(merchant) == 11 then cashback 1.00 }\n"
                      "offer \"up\" { when upper(merchant) == \"ACME MARKET\" then cashback 1.00 }\n"
                      "offer \"lo\" { when lower(merchant) == \"\xC3\xA0" "b\" then cashback 1.00 }\n"
                      "offer \"cs\" { when merchant == \"acme market\" then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "20", ";merchant=Acme Market"), TX("t2", "20", ";merchant=ACME"),
                            TX("t3", "20", ";merchant=\xC3\x80" "B"), TX("t4", "20", ";merchant=acme market")),
                     "t1 ct 1.00 USD\nt1 ew 1.00 USD\nt1 len 1.00 USD\nt1 sw 1.00 USD\nt1 up 1.00 USD\n"
                     "t2 sw 1.00 USD\n"
                     "t3 lo 1.00 USD\n"
                     "t4 cs 1.00 USD\nt4 len 1.00 USD\nt4 sw 1.00 USD\nt4 up 1.00 USD\n");
}
END_TEST

START_TEST(batch_string_gives_the_nfc_form)
{
    cbr_program *p = compile_ok("field tier: string\nwhen true then cashback 1.00\n");
    cbr_batch *b = t_batch_new(p, 4);
    cbr_error err;
    ck_assert_int_eq(fill_row(b, p, TX("t1", "20", ";merchant=Cafe\xCC\x81"), NULL, &err), CBR_OK);
    int merchant = cbr_program_field(p, "merchant", 8), tier = cbr_program_field(p, "tier", 4);
    int amount = cbr_program_field(p, "amount", 6), weekday = cbr_program_field(p, "weekday", 7);
    ck_assert_int_ge(merchant, 0);
    ck_assert_int_ge(tier, 0);
    size_t n = 99;
    const char *s = cbr_batch_string(b, 0, (size_t)merchant, &n);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(n, 5);
    ck_assert_str_eq(s, "Caf\xC3\xA9");
    ck_assert_ptr_null(cbr_batch_string(b, 0, (size_t)tier, &n));    /* missing */
    ck_assert_ptr_null(cbr_batch_string(b, 0, (size_t)amount, &n));  /* not a string */
    ck_assert_ptr_null(cbr_batch_string(b, 1, (size_t)merchant, &n)); /* no such row */
    ck_assert_ptr_null(cbr_batch_string(b, 0, 100000, &n));
    ck_assert_ptr_null(cbr_batch_string(NULL, 0, (size_t)merchant, &n));
    ck_assert_int_ge(weekday, 0);
    ck_assert(!cbr_program_field_is_input(p, (size_t)weekday));
    ck_assert(cbr_program_field_is_input(p, (size_t)merchant));
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

/* ---- priority and exclusive groups (10) ---- */

START_TEST(awards_in_priority_then_id_byte_order)
{
    const char *src = "offer \"a-1\" { when true then cashback 3.00 }\n"
                      "offer \"B-2\" { when true then cashback 2.00 }\n"
                      "offer \"z\" { priority 5 when true then cashback 1.00 }\n"
                      "offer \"neg\" { priority -5 when true then cashback 4.00 }\n"
                      "offer \"Z\" { priority 5 when amount > 100 then cashback 5.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "50", ""), TX("t2", "150", "")),
                     "t1 z 1.00 USD\nt1 B-2 2.00 USD\nt1 a-1 3.00 USD\nt1 neg 4.00 USD\n"
                     "t2 Z 5.00 USD\nt2 z 1.00 USD\nt2 B-2 2.00 USD\nt2 a-1 3.00 USD\nt2 neg 4.00 USD\n");
    cbr_program *p = compile_ok(src);
    const char *order[] = {"Z", "z", "B-2", "a-1", "neg"};
    ck_assert_uint_eq(cbr_program_offer_count(p), 5);
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(cbr_program_offer_id(p, i), order[i]);
    cbr_program_free(p);
}
END_TEST

START_TEST(exclusive_group_gives_one_award_to_its_first_candidate)
{
    const char *src = "offer \"hi\" { priority 10 exclusive \"g\" when merchant == \"X\" then cashback 5% }\n"
                      "offer \"lo\" { exclusive \"g\" when true then cashback 1.00 }\n"
                      "offer \"free\" { when true then cashback 0.50 }\n"
                      "offer \"other\" { exclusive \"h\" when true then cashback 0.25 }\n";
    /* t3: hi's 5% of 0.10 rounds to 0.00, so hi is no candidate and lo awards. */
    ck_assert_str_eq(AWARDS(src, TX("t1", "100.00", ";merchant=X"), TX("t2", "100.00", ";merchant=Y"),
                            TX("t3", "0.10", ";merchant=X")),
                     "t1 hi 5.00 USD\nt1 free 0.50 USD\nt1 other 0.25 USD\n"
                     "t2 free 0.50 USD\nt2 lo 1.00 USD\nt2 other 0.25 USD\n"
                     "t3 free 0.50 USD\nt3 lo 1.00 USD\nt3 other 0.25 USD\n");
}
END_TEST

START_TEST(exclusive_groups_at_equal_priority_follow_id_bytes)
{
    const char *src = "offer \"a\" { exclusive \"g\" when true then cashback 1.00 }\n"
                      "offer \"B\" { exclusive \"g\" when true then cashback 2.00 }\n"
                      "offer \"c\" { exclusive \"g2\" when true then cashback 3.00 }\n"
                      "offer \"D\" { exclusive \"g2\" when amount > 100 then cashback 4.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "50", ""), TX("t2", "150", "")),
                     "t1 B 2.00 USD\nt1 c 3.00 USD\n"
                     "t2 B 2.00 USD\nt2 D 4.00 USD\n");
}
END_TEST

START_TEST(award_fields)
{
    const char *src = "campaign \"spring\" { valid 2026-03-01 to 2026-05-31 }\n"
                      "offer \"o\" { campaign \"spring\" priority 1\n"
                      "  when amount > 1000 then cashback 1%\n"
                      "  when amount > 10 then cashback 2.5% }\n"
                      "offer \"p\" { when true then cashback 1.25 }\n";
    cbr_program *p = compile_ok(src);
    cbr_batch *b = t_batch_new(p, 0);
    cbr_context *ctx = t_context_new(p, 0);
    ck_assert_uint_eq(cbr_batch_capacity(b), 1024);
    cbr_error err;
    ck_assert_int_eq(fill_row(b, p, TXC("t0", "5", "USD"), NULL, &err), CBR_OK);
    ck_assert_int_eq(fill_row(b, p, TXC("t1", "50", "BHD"), NULL, &err), CBR_OK);
    ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, &err), CBR_OK);
    size_t n = 0;
    const cbr_award *a = cbr_context_awards(ctx, &n);
    ck_assert_uint_eq(n, 3);
    /* t0: p only; t1: o (clause 1, 2.5% of 50 BHD = 1.250), then p. */
    ck_assert_uint_eq(a[0].row, 0);
    ck_assert_str_eq(a[0].offer_id, "p");
    ck_assert_ptr_null(a[0].campaign_id);
    ck_assert_int_eq(a[0].cashback, 125);
    ck_assert_int_eq(a[0].exponent, 2);
    ck_assert_str_eq(a[0].currency, "USD");
    ck_assert_uint_eq(a[0].clause, 0);
    ck_assert_uint_eq(a[1].row, 1);
    ck_assert_str_eq(a[1].offer_id, "o");
    ck_assert_uint_eq(a[1].offer, 0);
    ck_assert_str_eq(cbr_program_offer_id(p, a[1].offer), "o");
    ck_assert_ptr_nonnull(a[1].campaign_id);
    ck_assert_str_eq(a[1].campaign_id, "spring");
    ck_assert_str_eq(cbr_program_offer_campaign(p, 0), "spring");
    ck_assert_ptr_null(cbr_program_offer_campaign(p, 1));
    ck_assert_int_eq(a[1].cashback, 1250);
    ck_assert_int_eq(a[1].exponent, 3);
    ck_assert_str_eq(a[1].currency, "BHD");
    ck_assert_uint_eq(a[1].clause, 1);
    char buf[32];
    ck_assert_uint_eq(cbr_award_amount(&a[1], buf, sizeof buf), 5);
    ck_assert_str_eq(buf, "1.250");
    ck_assert_str_eq(a[2].offer_id, "p");
    ck_assert_int_eq(a[2].cashback, 1250);
    ck_assert_int_eq(a[2].exponent, 3);
    /* The awards are kept until the next evaluation, which replaces them. */
    cbr_batch_clear(b);
    ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, &err), CBR_OK);
    cbr_context_awards(ctx, &n);
    ck_assert_uint_eq(n, 0);
    cbr_context_free(ctx);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

/* ---- bad rows (batch API) ---- */

START_TEST(bad_rows_are_refused_with_the_field_named)
{
    static const struct {
        const char *row, *field;
        int bad_value; /* cbr_batch_set itself refuses the value */
    } cases[] = {
        {"tid=b1;amount=12.x;currency=USD;timestamp=" FRI_TS, "`amount`", 1},
        {"tid=b2;amount=;currency=USD;timestamp=" FRI_TS, "`amount`", 1},
        {"tid=b3;amount=2.001;currency=USD;timestamp=" FRI_TS, "`amount`", 0},
        {"tid=b4;amount=100.5;currency=JPY;timestamp=" FRI_TS, "`amount`", 0},
        {"tid=b5;amount=1.0001;currency=BHD;timestamp=" FRI_TS, "`amount`", 0},
        {"tid=b6;amount=10;currency=XYZ;timestamp=" FRI_TS, "`currency`", 0},
        {"amount=10;currency=USD;timestamp=" FRI_TS, "`tid`", 0},
        {"tid=b8;currency=USD;timestamp=" FRI_TS, "`amount`", 0},
        {"tid=b9;amount=10;timestamp=" FRI_TS, "`currency`", 0},
        {"tid=b10;amount=10;currency=USD", "`timestamp`", 0},
        {"tid=b11;amount=10;currency=USD;timestamp=2026-03-13T10:00:00", "`timestamp`", 1},
        {"tid=b12;amount=10;currency=USD;timestamp=2026-02-30T10:00:00Z", "`timestamp`", 1},
        {"tid=b13;amount=10;currency=USD;timestamp=yesterday", "`timestamp`", 1},
        {"tid=b14;amount=10;currency=USD;timestamp=" FRI_TS ";merchant=\xFF" "abc", "`merchant`", 1},
        {"tid=b15;amount=10;currency=USD;timestamp=" FRI_TS ";merchant=Caf\xC3", "`merchant`", 1},
        {"tid=b16;amount=10;currency=USD;timestamp=" FRI_TS ";mcc=abc", "`mcc`", 1},
        {"tid=b17;amount=10;currency=USD;timestamp=" FRI_TS ";mcc=54.11", "`mcc`", 1},
        {"tid=b18;amount=10;currency=USD;timestamp=" FRI_TS ";vip=yes", "`vip`", 1},
        {"tid=b19;amount=10;currency=USD;timestamp=" FRI_TS ";signup=2026-13-01", "`signup`", 1},
        {"tid=b20;amount=10;currency=USD;timestamp=" FRI_TS ";rate=1.2.3", "`rate`", 1},
        {"tid=b21;amount=10;currency=USD;timestamp=" FRI_TS ";tier=\xED\xA0\x80", "`tier`", 1},
    };
    cbr_program *p = compile_ok("field vip: bool\nfield signup: date\nfield rate: decimal\nfield tier: string\n"
                                "offer \"o\" { when true then cashback 1.00 }\n");
    cbr_batch *b = t_batch_new(p, 4);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cbr_error err;
        memset(&err, 0, sizeof err);
        cbr_status set_st;
        cbr_status st = fill_row(b, p, cases[i].row, &set_st, &err);
        ck_assert_msg(st == CBR_ERR_RECORD, "case %zu (%s): end_row gave %d", i, cases[i].row, (int)st);
        ck_assert_int_eq(err.status, CBR_ERR_RECORD);
        ck_assert_msg(strstr(err.message, cases[i].field) != NULL, "case %zu: message \"%s\" does not name %s", i,
                      err.message, cases[i].field);
        if (cases[i].bad_value)
            ck_assert_msg(set_st == CBR_ERR_RECORD, "case %zu: cbr_batch_set gave %d", i, (int)set_st);
        ck_assert_uint_eq(cbr_batch_rows(b), 0);
    }
    /* The batch stays usable: a good row is row 0. */
    cbr_error err;
    size_t row = 99;
    ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
    ck_assert_int_eq(cbr_batch_set(b, (size_t)cbr_program_field(p, "tid", 3), "ok", 2, &err), CBR_OK);
    ck_assert_int_eq(cbr_batch_set(b, (size_t)cbr_program_field(p, "amount", 6), "2.00", 4, &err), CBR_OK);
    ck_assert_int_eq(cbr_batch_set(b, (size_t)cbr_program_field(p, "currency", 8), "USD", 3, &err), CBR_OK);
    ck_assert_int_eq(cbr_batch_set(b, (size_t)cbr_program_field(p, "timestamp", 9), FRI_TS, strlen(FRI_TS), &err),
                     CBR_OK);
    ck_assert_int_eq(cbr_batch_end_row(b, &row, &err), CBR_OK);
    ck_assert_uint_eq(row, 0);
    ck_assert_uint_eq(cbr_batch_rows(b), 1);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

START_TEST(rows_after_a_bad_row_evaluate)
{
    cbr_program *p = compile_ok("offer \"o\" { when amount >= 10 then cashback 10% }\n");
    cbr_batch *b = t_batch_new(p, 8);
    cbr_context *ctx = t_context_new(p, 8);
    const char *rows[] = {
        TX("t1", "10.00", ""),
        TX("bad1", "1.001", ""),
        TX("t2", "20.00", ""),
        TX("bad2", "20.00", ";mcc=x"),
        "tid=bad3;amount=10;currency=USD",
        TX("t3", "30.00", ""),
    };
    for (size_t i = 0; i < 6; i++) {
        cbr_error err;
        cbr_status st = fill_row(b, p, rows[i], NULL, &err);
        ck_assert_int_eq(st, strncmp(rows[i], "tid=bad", 7) == 0 ? CBR_ERR_RECORD : CBR_OK);
    }
    ck_assert_uint_eq(cbr_batch_rows(b), 3);
    collect k = {{0}, b, cbr_program_field(p, "tid", 3)};
    cbr_error err;
    ck_assert_int_eq(cbr_eval(ctx, b, on_award, &k, &err), CBR_OK);
    ck_assert_str_eq(sb_take(&k.sb), "t1 o 1.00 USD\nt2 o 2.00 USD\nt3 o 3.00 USD\n");
    free(k.sb.p);
    cbr_context_free(ctx);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

/* ---- API misuse ---- */

START_TEST(null_handles_give_errors)
{
    cbr_error err;
    ck_assert_ptr_null(t_batch_new(NULL, 0));
    ck_assert_ptr_null(t_context_new(NULL, 0));
    cbr_batch_free(NULL);
    cbr_batch_clear(NULL);
    cbr_context_free(NULL);
    cbr_program_free(NULL);
    ck_assert_uint_eq(cbr_batch_rows(NULL), 0);
    ck_assert_uint_eq(cbr_batch_capacity(NULL), 0);
    ck_assert_int_eq(cbr_batch_begin_row(NULL, &err), CBR_ERR_ARG);
    ck_assert_int_eq(err.status, CBR_ERR_ARG);
    ck_assert_int_ne(cbr_batch_set(NULL, 0, "x", 1, &err), CBR_OK);
    ck_assert_int_ne(cbr_batch_end_row(NULL, NULL, &err), CBR_OK);
    ck_assert_int_eq(cbr_eval(NULL, NULL, NULL, NULL, &err), CBR_ERR_ARG);
    size_t n = 7;
    ck_assert_ptr_null(cbr_context_awards(NULL, &n));
    ck_assert_uint_eq(n, 0);
    cbr_program *p = NULL;
    ck_assert_int_eq(cbr_compiler_program(NULL, &p, &err), CBR_ERR_ARG);
    ck_assert_ptr_null(p);
    void *data = NULL;
    size_t len = 0;
    ck_assert_int_eq(cbr_program_save(NULL, &data, &len, &err), CBR_ERR_ARG);
    ck_assert_int_ne(cbr_program_load(NULL, NULL, 10, &p, &err), CBR_OK);
    ck_assert_ptr_null(p);
    ck_assert_uint_eq(cbr_program_offer_count(NULL), 0);
    ck_assert_uint_eq(cbr_program_field_count(NULL), 0);
    ck_assert_int_eq(cbr_program_field(NULL, "tid", 3), -1);

    p = compile_ok("when true then cashback 1.00\n");
    cbr_batch *b = t_batch_new(p, 2);
    cbr_context *ctx = t_context_new(p, 2);
    ck_assert_int_eq(cbr_eval(ctx, NULL, NULL, NULL, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_eval(NULL, b, NULL, NULL, &err), CBR_ERR_ARG);
    /* err may be NULL everywhere. */
    ck_assert_int_eq(cbr_eval(ctx, NULL, NULL, NULL, NULL), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_batch_end_row(b, NULL, NULL), CBR_ERR_STATE);
    ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, NULL), CBR_OK);
    ck_assert_int_eq(cbr_program_field(p, "nope", 4), -1);
    ck_assert_int_eq(cbr_program_field(p, "tidx", 3), cbr_program_field(p, "tid", 3));
    cbr_context_free(ctx);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

START_TEST(set_outside_a_row_and_end_without_begin)
{
    cbr_program *p = compile_ok("when true then cashback 1.00\n");
    cbr_batch *b = t_batch_new(p, 2);
    cbr_error err;
    size_t tid = (size_t)cbr_program_field(p, "tid", 3);
    ck_assert_int_eq(cbr_batch_set(b, tid, "x", 1, &err), CBR_ERR_STATE);
    ck_assert_int_eq(err.status, CBR_ERR_STATE);
    ck_assert_uint_gt(strlen(err.message), 0);
    ck_assert_int_eq(cbr_batch_end_row(b, NULL, &err), CBR_ERR_STATE);
    /* After a row ends, setting is outside a row again. */
    ck_assert_int_eq(fill_row(b, p, TX("t1", "1", ""), NULL, &err), CBR_OK);
    ck_assert_int_eq(cbr_batch_set(b, tid, "x", 1, &err), CBR_ERR_STATE);
    ck_assert_int_eq(cbr_batch_end_row(b, NULL, &err), CBR_ERR_STATE);
    ck_assert_uint_eq(cbr_batch_rows(b), 1);
    /* And after a clear. */
    ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
    cbr_batch_clear(b);
    ck_assert_int_eq(cbr_batch_set(b, tid, "x", 1, &err), CBR_ERR_STATE);
    ck_assert_uint_eq(cbr_batch_rows(b), 0);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

START_TEST(set_of_a_derived_or_unknown_field_is_refused)
{
    cbr_program *p = compile_ok("when weekday == FRI then cashback 1.00\n");
    cbr_batch *b = t_batch_new(p, 2);
    cbr_error err;
    ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
    const char *derived[] = {"weekday", "hour", "minute", "date", "day", "month", "year"};
    for (size_t i = 0; i < 7; i++) {
        int f = cbr_program_field(p, derived[i], strlen(derived[i]));
        ck_assert_int_ge(f, 0);
        ck_assert(!cbr_program_field_is_input(p, (size_t)f));
        ck_assert_msg(cbr_batch_set(b, (size_t)f, "1", 1, &err) == CBR_ERR_ARG, "set of %s", derived[i]);
    }
    ck_assert_int_eq(cbr_batch_set(b, cbr_program_field_count(p), "1", 1, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_batch_set(b, (size_t)-1, "1", 1, &err), CBR_ERR_ARG);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

START_TEST(eval_of_a_batch_from_another_program)
{
    const char *src = "when true then cashback 1.00\n";
    cbr_program *p = compile_ok(src), *q = reload(p);
    cbr_batch *b = t_batch_new(q, 2);
    cbr_context *ctx = t_context_new(p, 2);
    cbr_error err;
    ck_assert_int_eq(fill_row(b, q, TX("t1", "10", ""), NULL, &err), CBR_OK);
    ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, &err), CBR_ERR_ARG);
    ck_assert_int_eq(err.status, CBR_ERR_ARG);
    size_t n = 9;
    cbr_context_awards(ctx, &n);
    ck_assert_uint_eq(n, 0);
    cbr_context_free(ctx);
    cbr_batch_free(b);
    cbr_program_free(q);
    cbr_program_free(p);
}
END_TEST

START_TEST(a_full_batch_is_a_limit_error)
{
    cbr_program *p = compile_ok("when true then cashback 1.00\n");
    cbr_batch *b = t_batch_new(p, 2);
    cbr_context *ctx = t_context_new(p, 2);
    ck_assert_uint_eq(cbr_batch_capacity(b), 2);
    cbr_error err;
    ck_assert_int_eq(fill_row(b, p, TX("t1", "10", ""), NULL, &err), CBR_OK);
    ck_assert_int_eq(fill_row(b, p, TX("t2", "10", ""), NULL, &err), CBR_OK);
    ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_ERR_LIMIT);
    ck_assert_int_eq(err.status, CBR_ERR_LIMIT);
    ck_assert_uint_eq(cbr_batch_rows(b), 2);
    collect k = {{0}, b, cbr_program_field(p, "tid", 3)};
    ck_assert_int_eq(cbr_eval(ctx, b, on_award, &k, &err), CBR_OK);
    ck_assert_str_eq(sb_take(&k.sb), "t1 t:1 1.00 USD\nt2 t:1 1.00 USD\n");
    free(k.sb.p);
    cbr_batch_clear(b);
    ck_assert_int_eq(fill_row(b, p, TX("t3", "10", ""), NULL, &err), CBR_OK);
    ck_assert_uint_eq(cbr_batch_rows(b), 1);
    cbr_context_free(ctx);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

START_TEST(a_batch_larger_than_the_context_is_refused)
{
    cbr_program *p = compile_ok("when true then cashback 1.00\n");
    cbr_batch *b = t_batch_new(p, 4);
    cbr_context *ctx = t_context_new(p, 2);
    cbr_error err;
    const char *tids[] = {TX("t1", "10", ""), TX("t2", "10", ""), TX("t3", "10", "")};
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(fill_row(b, p, tids[i], NULL, &err), CBR_OK);
    ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, &err), CBR_ERR_LIMIT);
    size_t n = 9;
    cbr_context_awards(ctx, &n);
    ck_assert_uint_eq(n, 0);
    /* A batch of larger capacity is fine while its rows fit the context. */
    cbr_batch_clear(b);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(fill_row(b, p, tids[i], NULL, &err), CBR_OK);
    ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, &err), CBR_OK);
    cbr_context_awards(ctx, &n);
    ck_assert_uint_eq(n, 2);
    cbr_context_free(ctx);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

START_TEST(program_before_check_or_with_errors)
{
    cbr_error err;
    cbr_program *p = NULL;
    cbr_compiler *c = t_compiler_new(NULL);
    const char *good = "when true then cashback 1.00\n";
    ck_assert_int_eq(cbr_compiler_add_source(c, "t.cbr", good, strlen(good), NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_program(c, &p, &err), CBR_ERR_STATE);
    ck_assert_int_eq(err.status, CBR_ERR_STATE);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_program(c, NULL, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_compiler_program(c, &p, &err), CBR_OK);
    ck_assert_ptr_nonnull(p);
    cbr_compiler_free(c);
    cbr_program_free(p);
    p = NULL;

    c = unit_compile("when amount > > 1 then cashback 1%\n");
    ck_assert_uint_gt(cbr_compiler_error_count(c), 0);
    ck_assert_int_eq(cbr_compiler_program(c, &p, &err), CBR_ERR_COMPILE);
    ck_assert_int_eq(err.status, CBR_ERR_COMPILE);
    ck_assert_ptr_null(p);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(damaged_bundles_are_refused)
{
    cbr_program *p = compile_ok("field tier: string\noffer \"o\" { when tier == \"gold\" then cashback 5% }\n");
    void *data = NULL;
    size_t len = 0;
    cbr_error err;
    ck_assert_int_eq(cbr_program_save(p, &data, &len, &err), CBR_OK);
    cbr_program *q = NULL;
    ck_assert_int_eq(cbr_program_load(NULL, data, len / 2, &q, &err), CBR_ERR_BUNDLE);
    ck_assert_ptr_null(q);
    ck_assert_int_eq(cbr_program_load(NULL, data, 0, &q, &err), CBR_ERR_BUNDLE);
    ck_assert_int_eq(cbr_program_load(NULL, "not a bundle at all", 19, &q, &err), CBR_ERR_BUNDLE);
    ck_assert_int_eq(err.status, CBR_ERR_BUNDLE);
    ck_assert_ptr_null(q);
    cbr_free(data);
    cbr_program_free(p);
}
END_TEST

/* ---- batches reused ---- */

static const char *const mixed_rules =
    "field tier: string\n"
    "let gold = tier in [\"gold\", \"platinum\"]\n"
    "offer \"ny-fri\" { timezone \"America/New_York\" priority 5 exclusive \"g\"\n"
    "  when weekday == FRI and hour >= 18 then cashback 5% up to 3.00\n"
    "  when weekday == FRI then cashback 2% }\n"
    "offer \"gold\" { exclusive \"g\" when gold and amount >= 20 then cashback 3% }\n"
    "offer \"shop\" { rounding half-even when lower(merchant) ~= \"shop \xC3\xA9t\xC3\xA9\" then cashback 2.5% }\n"
    "offer \"kolkata\" { timezone \"Asia/Kolkata\" when hour < 6 and not (tier == \"basic\") then cashback 0.50 }\n"
    "offer \"big\" { priority -1 when amount / mcc > 0.01 or contains(merchant, \"9\") then cashback 1.00 }\n";

/* n varied rows, malloc'ed. */
static char **mixed_rows(size_t n)
{
    static const char *const cur[] = {"USD", "JPY", "BHD", "EUR"};
    static const char *const amt[] = {"12.34", "4527", "1.001", "250.00", "19.99", "7", "0.05", "100"};
    static const char *const tier[] = {"", ";tier=gold", ";tier=basic", ";tier=platinum", ";tier=silver"};
    static const char *const merch[] = {"Shop \xC3\x89t\xC3\xA9", "SHOP ETE\xCC\x81", "Corner", "Shop 9", "Kiosk"};
    char **rows = malloc(n * sizeof *rows);
    ck_assert_ptr_nonnull(rows);
    for (size_t i = 0; i < n; i++) {
        char buf[256];
        const char *c = cur[i % 4];
        const char *a = amt[(i * 3) % 8];
        /* Amounts that do not fit the currency become whole numbers. */
        if ((strcmp(c, "JPY") == 0 && strchr(a, '.')) || (strcmp(c, "BHD") != 0 && strcmp(a, "1.001") == 0))
            a = "300";
        snprintf(buf, sizeof buf, "tid=r%zu;amount=%s;currency=%s;timestamp=2026-03-%02zuT%02zu:%02zu:00Z;merchant=%s%s%s",
                 i, a, c, 10 + i % 7, (i * 5) % 24, (i * 7) % 60, merch[i % 5], tier[i % 5],
                 i % 3 ? ";mcc=5411" : ";mcc=0");
        rows[i] = strdup(buf);
        ck_assert_ptr_nonnull(rows[i]);
    }
    return rows;
}

static void free_rows(char **rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(rows[i]);
    free(rows);
}

START_TEST(several_batches_give_the_awards_of_one)
{
    size_t n = 150;
    char **rows = mixed_rows(n);
    cbr_program *p = compile_ok(mixed_rules);
    cbr_program *q = reload(p);
    char *one = eval_rows(p, (const char *const *)rows, n, 0);
    ck_assert_uint_gt(strlen(one), 1000); /* the rules do award */
    const size_t chunks[] = {1, 2, 7, 64, 149};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        char *many = eval_rows(p, (const char *const *)rows, n, chunks[i]);
        ck_assert_msg(strcmp(one, many) == 0, "batches of %zu differ:\none:\n%s\nmany:\n%s", chunks[i], one, many);
        free(many);
        many = eval_rows(q, (const char *const *)rows, n, chunks[i]);
        ck_assert_msg(strcmp(one, many) == 0, "bundle, batches of %zu differ", chunks[i]);
        free(many);
    }
    free(one);
    cbr_program_free(q);
    cbr_program_free(p);
    free_rows(rows, n);
}
END_TEST

START_TEST(mixed_rows_award_as_worked_out)
{
    /* A few rows of mixed_rules worked out by hand. */
    const char *rows[] = {
        /* Fri 19:00 EDT (23:00Z); 5% of 80.00 = 4.00, capped at 3.00; gold
         * (same group) has no tier; Kolkata 04:30 Sat, tier missing: unknown;
         * 80.00 / 10000 < 0.01: no big. */
        "tid=a;amount=80.00;currency=USD;timestamp=2026-03-13T23:00:00Z;merchant=Corner;mcc=10000",
        /* Thu 20:00 in New York; gold 3% of 40.00 = 1.20; Kolkata 05:30 and
         * gold: 0.50; shop: 2.5% of 40.00 = 1.00; 40.00 / 5411 < 0.01. */
        "tid=b;amount=40.00;currency=USD;timestamp=2026-03-13T00:00:00Z;merchant=SHOP \xC3\x89T\xC3\x89;"
        "tier=gold;mcc=5411",
        /* mcc 0: division by zero is unknown, but contains 9 holds: big. */
        "tid=c;amount=1.00;currency=EUR;timestamp=2026-03-12T12:00:00Z;merchant=Shop 9;mcc=0",
        /* Kolkata 00:30 on the 13th, tier silver: 0.500 BHD; ny-fri: it is
         * Thu 15:00 in New York. 2.5% of 10.010 = 0.25025 -> 0.250 (half-even). */
        "tid=d;amount=10.010;currency=BHD;timestamp=2026-03-12T19:00:00Z;merchant=shop \xC3\xA9t\xC3\xA9;"
        "tier=silver;mcc=100000",
        NULL,
    };
    ck_assert_str_eq(awards_of(mixed_rules, rows),
                     "a ny-fri 3.00 USD\n"
                     "b gold 1.20 USD\nb kolkata 0.50 USD\nb shop 1.00 USD\n"
                     "c big 1.00 EUR\n"
                     "d kolkata 0.500 BHD\nd shop 0.250 BHD\n");
}
END_TEST

START_TEST(string_constants_stay_equal_after_clear)
{
    /* The first batch interns thousands of new strings and folded forms;
     * after clearing, constants and their folded forms must still match. */
    const char *src = "offer \"eq\" { when merchant == \"Acme\" then cashback 1.00 }\n"
                      "offer \"fold\" { when merchant ~= \"Caf\xC3\xA9\" then cashback 1.00 }\n"
                      "offer \"low\" { when lower(merchant) == \"acme\" then cashback 1.00 }\n"
                      "offer \"up\" { when upper(merchant) == \"CAF\xC3\x89\" then cashback 1.00 }\n";
    size_t n1 = 5000, n = n1 + 6;
    char **rows = malloc(n * sizeof *rows);
    ck_assert_ptr_nonnull(rows);
    char buf[128];
    for (size_t i = 0; i < n1; i++) {
        snprintf(buf, sizeof buf, TX("x%zu", "10", ";merchant=Merchant number %zu"), i, i * 7919);
        rows[i] = strdup(buf);
    }
    const char *tail[] = {TX("a1", "10", ";merchant=CAF\xC3\x89"), TX("a2", "10", ";merchant=zzz"),
                          TX("a3", "10", ";merchant=caf\xC3\xA9"), TX("a4", "10", ";merchant=ACME"),
                          TX("a5", "10", ";merchant=Acme"), TX("a6", "10", ";merchant=Cafe\xCC\x81")};
    for (size_t i = 0; i < 6; i++)
        rows[n1 + i] = strdup(tail[i]);
    /* A row near the end of the first batch folds too. */
    free(rows[n1 - 2]);
    rows[n1 - 2] = strdup(TX("x-cafe", "10", ";merchant=CAFE\xCC\x81"));
    const char *want = "x-cafe fold 1.00 USD\nx-cafe up 1.00 USD\n"
                       "a1 fold 1.00 USD\na1 up 1.00 USD\n"
                       "a3 fold 1.00 USD\na3 up 1.00 USD\n"
                       "a4 low 1.00 USD\n"
                       "a5 eq 1.00 USD\na5 low 1.00 USD\n"
                       "a6 fold 1.00 USD\na6 up 1.00 USD\n";
    cbr_program *p = compile_ok(src);
    char *one = eval_rows(p, (const char *const *)rows, n, 0);
    ck_assert_str_eq(one, want);
    char *two = eval_rows(p, (const char *const *)rows, n, n1);
    ck_assert_str_eq(two, want);
    char *three = eval_rows(p, (const char *const *)rows, n, 3);
    ck_assert_str_eq(three, want);
    free(one);
    free(two);
    free(three);
    cbr_program_free(p);
    free_rows(rows, n);
}
END_TEST

START_TEST(same_batch_evaluated_twice)
{
    cbr_program *p = compile_ok("offer \"o\" { when lower(merchant) == \"x\" then cashback 10% }\n");
    cbr_batch *b = t_batch_new(p, 4);
    cbr_context *ctx = t_context_new(p, 4);
    cbr_error err;
    ck_assert_int_eq(fill_row(b, p, TX("t1", "10.00", ";merchant=X"), NULL, &err), CBR_OK);
    ck_assert_int_eq(fill_row(b, p, TX("t2", "20.00", ";merchant=Y"), NULL, &err), CBR_OK);
    /* Again against a fresh store: the context's caches of the batch give
     * the same awards.  Again against the first store: the ledger holds t1,
     * so the row is a duplicate. */
    cbr_state *fresh = t_state_new();
    cbr_store fs = cbr_state_store(fresh);
    for (int i = 0; i < 3; i++) {
        if (i == 1)
            ck_assert_int_eq(cbr_context_set_store(ctx, &fs, &err), CBR_OK);
        if (i == 2)
            ck_assert_int_eq(cbr_context_set_store(ctx, NULL, &err), CBR_OK);
        collect k = {{0}, b, cbr_program_field(p, "tid", 3)};
        ck_assert_int_eq(cbr_eval(ctx, b, on_award, &k, &err), CBR_OK);
        char *got = sb_take(&k.sb);
        ck_assert_str_eq(got, i < 2 ? "t1 o 1.00 USD\n" : "");
        if (i < 2)
            ck_assert_ptr_null(cbr_context_refused(ctx, 0));
        else
            ck_assert_str_eq(cbr_context_refused(ctx, 0), "duplicate transaction t1: already in the ledger");
        free(k.sb.p);
    }
    cbr_state_free(fresh);
    cbr_context_free(ctx);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

/* ---- more: clauses with unknown, a three-valued model, lists, shared strings ---- */

START_TEST(unknown_clause_passes_to_the_next)
{
    /* A clause holds only when true; unknown tries the next clause (8, 12). */
    const char *src = "field tier: string\n"
                      "offer \"o\" {\n"
                      "  when tier == \"gold\" or amount > 100 then cashback 5.00\n"
                      "  when not (tier == \"gold\") then cashback 2.00\n"
                      "  when amount > 0 then cashback 1.00\n"
                      "}\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "10", ""), TX("t2", "200", ""), TX("t3", "10", ";tier=basic"),
                            TX("t4", "10", ";tier=gold")),
                     "t1 o 1.00 USD\nt2 o 5.00 USD\nt3 o 2.00 USD\nt4 o 5.00 USD\n");
}
END_TEST

/* The and/or/not table of section 12: 0 false, 1 true, 2 unknown. */
static int k_and(int a, int b) { return a == 0 || b == 0 ? 0 : a == 1 && b == 1 ? 1 : 2; }
static int k_or(int a, int b) { return a == 1 || b == 1 ? 1 : a == 0 && b == 0 ? 0 : 2; }
static int k_not(int a) { return a == 2 ? 2 : !a; }
static int k_eq(int a, int b) { return a == 2 || b == 2 ? 2 : a == b; }
static int k_ne(int a, int b) { return a == 2 || b == 2 ? 2 : a != b; }

static int k_formula(int f, int x, int y, int z)
{
    switch (f) {
    case 0: return k_and(x, y);
    case 1: return k_or(x, y);
    case 2: return k_not(x);
    case 3: return k_or(k_not(k_and(x, y)), z);
    case 4: return k_and(x, k_or(y, k_not(z)));
    case 5: return k_and(k_not(k_or(x, y)), k_not(z));
    case 6: return k_and(k_or(x, y), k_or(y, z));
    case 7: return k_not(k_and(k_not(x), k_or(y, z)));
    case 8: return k_eq(x, y);
    case 9: return k_ne(x, k_and(y, z));
    default: return k_or(k_and(x != 2, k_not(x)), k_and(y != 2, y)); /* exists() is never unknown */
    }
}

static const char *const k_src[] = {
    "x and y", "x or y", "not x", "not (x and y) or z", "x and (y or not z)", "not (x or y) and not z",
    "(x or y) and (y or z)", "not (not x and (y or z))", "x == y", "x != (y and z)",
    "exists(x) and not x or exists(y) and y",
};

START_TEST(three_valued_logic_on_every_combination)
{
    /* Eleven conditions on three bool fields, each true, false or missing;
     * "chain" tries conditions 3, 4 and 6 in turn, then pays 4.00. */
    strbuf src = {0}, want = {0};
    sb_add(&src, "field x: bool\nfield y: bool\nfield z: bool\n");
    for (int f = 0; f < 11; f++)
        sb_add(&src, "offer \"f%02d\" { when %s then cashback 1.00 }\n", f, k_src[f]);
    sb_add(&src, "offer \"chain\" {\n  when %s then cashback 1.00\n  when %s then cashback 2.00\n"
                 "  when %s then cashback 3.00\n  when amount > 0 then cashback 4.00\n}\n",
           k_src[3], k_src[4], k_src[6]);
    static const char *const val[] = {"false", "true", ""};
    static const char name[] = "ftu";
    char *rows[28];
    for (int i = 0; i < 27; i++) {
        int x = i / 9, y = i / 3 % 3, z = i % 3;
        char buf[200];
        snprintf(buf, sizeof buf, TX("%c%c%c", "10", "%s%s%s%s%s%s"), name[x], name[y], name[z],
                 x < 2 ? ";x=" : "", val[x], y < 2 ? ";y=" : "", val[y], z < 2 ? ";z=" : "", val[z]);
        rows[i] = strdup(buf);
        int chain = k_formula(3, x, y, z) == 1 ? 1 : k_formula(4, x, y, z) == 1 ? 2 : k_formula(6, x, y, z) == 1 ? 3 : 4;
        sb_add(&want, "%c%c%c chain %d.00 USD\n", name[x], name[y], name[z], chain);
        for (int f = 0; f < 11; f++)
            if (k_formula(f, x, y, z) == 1)
                sb_add(&want, "%c%c%c f%02d 1.00 USD\n", name[x], name[y], name[z], f);
    }
    rows[27] = NULL;
    ck_assert_str_eq(awards_of(src.p, (const char *const *)rows), want.p);
    for (int i = 0; i < 27; i++)
        free(rows[i]);
    free(src.p);
    free(want.p);
}
END_TEST

START_TEST(lists_and_between_across_scales_and_types)
{
    const char *src = "field rate: decimal\n"
                      "offer \"amt\" { when amount in [10, 20.5, 30.25] then cashback 1.00 }\n"
                      "offer \"amtnot\" { when amount not in [10, 20.5] then cashback 1.00 }\n"
                      "offer \"rate\" { when rate in [0.5, 1, 2.125] then cashback 1.00 }\n"
                      "offer \"names\" { when merchant in [\"zeta\", \"alpha\", \"Mike\", \"beta\", \"Zulu\", \"echo\",\n"
                      "  \"Caf\\u{E9}\"] then cashback 1.00 }\n"
                      "offer \"date\" { when date in [2026-03-14, 2026-03-13] then cashback 1.00 }\n"
                      "offer \"btw\" { when amount between 10 and 20.5 and mcc between 5000.5 and 5411 then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "10.00", ";rate=0.50;merchant=zeta;mcc=5411"),
                            TX("t2", "20.50", ";rate=1;merchant=Zulu;mcc=5000"),
                            TX("t3", "30.25", ";rate=2.125;merchant=Cafe\xCC\x81;mcc=5001"),
                            "tid=t4;amount=20.00;currency=USD;timestamp=2026-03-15T12:00:00Z;rate=2.12;merchant=ZETA",
                            TXC("t5", "10", "JPY") ";merchant=echo;mcc=5411"),
                     "t1 amt 1.00 USD\nt1 btw 1.00 USD\nt1 date 1.00 USD\nt1 names 1.00 USD\nt1 rate 1.00 USD\n"
                     "t2 amt 1.00 USD\nt2 date 1.00 USD\nt2 names 1.00 USD\nt2 rate 1.00 USD\n"
                     "t3 amt 1.00 USD\nt3 amtnot 1.00 USD\nt3 date 1.00 USD\nt3 names 1.00 USD\nt3 rate 1.00 USD\n"
                     "t4 amtnot 1.00 USD\n"
                     "t5 amt 1 JPY\nt5 btw 1 JPY\nt5 date 1 JPY\nt5 names 1 JPY\n");
}
END_TEST

START_TEST(constants_equal_to_offer_campaign_and_group_names)
{
    /* The same text as an offer id, campaign id, group, title and constant. */
    const char *src = "field tier: string\n"
                      "campaign \"gold\" { valid 2026-01-01 to 2026-12-31 }\n"
                      "offer \"Acme\" { title \"X\" campaign \"gold\" exclusive \"tier\"\n"
                      "  when merchant == \"Acme\" then cashback 1.00 }\n"
                      "offer \"X\" { when merchant == \"X\" or tier == \"gold\" then cashback 2.00 }\n"
                      "offer \"t\" { when tier in [\"tier\", \"Acme\", \"gold\"] and merchant != \"t\" then cashback 3.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("r1", "10", ";merchant=Acme"), TX("r2", "10", ";merchant=X;tier=gold"),
                            TX("r3", "10", ";merchant=t;tier=tier"), TX("r4", "10", ";merchant=USD;tier=Acme")),
                     "r1 Acme 1.00 USD\n"
                     "r2 X 2.00 USD\nr2 t 3.00 USD\n"
                     "r4 t 3.00 USD\n");
}
END_TEST

START_TEST(instants_before_1970_after_2037_and_with_fractions)
{
    const char *src = "offer \"old\" { when date == 1969-12-31 and hour == 23 and minute == 30 and weekday == WED\n"
                      "  then cashback 1.00 }\n"
                      "offer \"ny2100\" { timezone \"America/New_York\" when year == 2100 and hour == 12 then cashback 1.00 }\n"
                      "offer \"frac\" { when date == 2026-03-13 and hour == 23 and minute == 59 then cashback 1.00 }\n";
    /* 2100: EDT in July, EST in January (the zone's rule beyond its table). */
    ck_assert_str_eq(AWARDS(src, TXT("o1", "1969-12-31T23:30:00Z"), TXT("n1", "2100-07-04T16:00:00Z"),
                            TXT("n2", "2100-01-04T17:00:00Z"), TXT("n3", "2100-01-04T16:00:00Z"),
                            TXT("f1", "2026-03-13T23:59:59.999Z")),
                     "o1 old 1.00 USD\nn1 ny2100 1.00 USD\nn2 ny2100 1.00 USD\nf1 frac 1.00 USD\n");
}
END_TEST

START_TEST(money_divided_by_money_and_large_percents)
{
    const char *src = "offer \"ratio\" { when amount / amount == 1 and (amount + amount) / amount == 2 then cashback 1.00 }\n"
                      "offer \"over\" { when true then cashback 150% }\n"
                      "offer \"dz\" { when amount / (amount - amount) > 0 then cashback 1.00 }\n"
                      "offer \"ndz\" { when not (amount / (amount - amount) > 0) then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "10.00", ""), TXC("t2", "7", "JPY")),
                     "t1 over 15.00 USD\nt1 ratio 1.00 USD\n"
                     "t2 over 10 JPY\nt2 ratio 1 JPY\n");
}
END_TEST

START_TEST(string_predicates_on_nfc_inputs)
{
    const char *src = "offer \"c\" { when contains(merchant, \"\\u{E9}\") then cashback 1.00 }\n"
                      "offer \"ew\" { when ends_with(merchant, \"caf\\u{E9}\") then cashback 1.00 }\n"
                      "offer \"len1\" { when len(merchant) == 1 then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("m1", "10", ";merchant=Cafe\xCC\x81"), TX("m2", "10", ";merchant=e\xCC\x81"),
                            TX("m3", "10", ";merchant=le cafe\xCC\x81"), TX("m4", "10", ";merchant=\xF0\x9F\x91\x8D")),
                     "m1 c 1.00 USD\n"
                     "m2 c 1.00 USD\nm2 len1 1.00 USD\n"
                     "m3 c 1.00 USD\nm3 ew 1.00 USD\n"
                     "m4 len1 1.00 USD\n");
}
END_TEST

START_TEST(one_context_evaluates_two_batches_in_turn)
{
    /* Two batches filled the same way, one context: the derived fields of
     * one batch must not be taken for the other's. */
    cbr_program *p = compile_ok("offer \"sat\" { when weekday == SAT then cashback 1.00 }\n"
                                "offer \"ny\" { timezone \"America/New_York\" when hour == 10 then cashback 2.00 }\n");
    cbr_batch *b1 = t_batch_new(p, 4), *b2 = t_batch_new(p, 4);
    cbr_context *ctx = t_context_new(p, 4);
    cbr_error err;
    ck_assert_int_eq(fill_row(b1, p, TXT("fri", "2026-03-13T14:00:00Z"), NULL, &err), CBR_OK);
    ck_assert_int_eq(fill_row(b2, p, TXT("sat", "2026-03-14T12:00:00Z"), NULL, &err), CBR_OK);
    int tid = cbr_program_field(p, "tid", 3);
    const struct {
        cbr_batch *b;
        const char *want;
    } steps[] = {{b1, "fri ny 2.00 USD\n"}, {b2, "sat sat 1.00 USD\n"}, {b1, "fri ny 2.00 USD\n"}};
    /* b1's transaction comes twice: a store without a ledger (0.4's size)
     * evaluates it again instead of refusing it as a duplicate. */
    cbr_store s = cbr_state_store(cbr_context_state(ctx));
    s.size = offsetof(cbr_store, record_get);
    ck_assert_int_eq(cbr_context_set_store(ctx, &s, &err), CBR_OK);
    for (size_t i = 0; i < 3; i++) {
        collect k = {{0}, steps[i].b, tid};
        ck_assert_int_eq(cbr_eval(ctx, steps[i].b, on_award, &k, &err), CBR_OK);
        ck_assert_msg(strcmp(sb_take(&k.sb), steps[i].want) == 0, "step %zu: got \"%s\", want \"%s\"", i, k.sb.p,
                      steps[i].want);
        free(k.sb.p);
    }
    cbr_context_free(ctx);
    cbr_batch_free(b2);
    cbr_batch_free(b1);
    cbr_program_free(p);
}
END_TEST

START_TEST(unary_minus_and_the_reference_examples)
{
    const char *src = "offer \"neg\" { when -amount <= -10 and -(mcc) == -5411 then cashback 1.00 }\n"
                      "offer \"early\" { when (hour * 60) + minute < 570 then cashback 2% }\n"
                      "offer \"min\" { when min(amount, 100) * 2% >= 1.00 then cashback 1.00 }\n"
                      "offer \"abs\" { when abs(amount - 20) == 5 then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TXT("t1", "2026-03-13T09:29:00Z") ";mcc=5411", TXT("t2", "2026-03-13T09:30:00Z"),
                            "tid=t3;amount=15.00;currency=USD;timestamp=2026-03-13T12:00:00Z",
                            "tid=t4;amount=25;currency=USD;timestamp=2026-03-13T12:00:00Z;mcc=5411",
                            "tid=t5;amount=9.99;currency=USD;timestamp=2026-03-13T12:00:00Z;mcc=5411"),
                     "t1 early 0.20 USD\nt1 neg 1.00 USD\n"
                     "t3 abs 1.00 USD\n"
                     "t4 abs 1.00 USD\nt4 neg 1.00 USD\n");
}
END_TEST

START_TEST(zones_with_odd_offsets)
{
    const char *src = "offer \"ktm\" { timezone \"Asia/Kathmandu\" when hour == 5 and minute == 45 then cashback 1.00 }\n"
                      "offer \"lhi\" { timezone \"Australia/Lord_Howe\" when hour == 11 and minute == 0 then cashback 1.00 }\n"
                      "offer \"lon\" { timezone \"Europe/London\" when hour == 0 and date == 2026-07-01 then cashback 1.00 }\n";
    /* Kathmandu +05:45; Lord Howe +11:00 in its summer, +10:30 in winter;
     * London +01:00 in July (t2 is 01:30 there). */
    ck_assert_str_eq(AWARDS(src, TXT("t1", "2026-03-13T00:00:00Z"), TXT("t2", "2026-07-01T00:30:00Z"),
                            TXT("t3", "2026-06-30T23:00:00Z")),
                     "t1 ktm 1.00 USD\nt1 lhi 1.00 USD\n"
                     "t2 lhi 1.00 USD\n"
                     "t3 lon 1.00 USD\n");
}
END_TEST

START_TEST(large_amounts_stay_exact)
{
    const char *src = "offer \"pct\" { rounding half-up when amount > 1 then cashback 10% }\n"
                      "offer \"cmp\" { when amount == 900000000000000.01 then cashback 0.01 }\n";
    ck_assert_str_eq(AWARDS(src, TX("t1", "900000000000000.01", ""), TXC("t2", "900000000000000", "JPY"),
                            TXC("t3", "900000000000000.005", "BHD")),
                     "t1 cmp 0.01 USD\nt1 pct 90000000000000.00 USD\n"
                     "t2 pct 90000000000000 JPY\n"
                     "t3 pct 90000000000000.001 BHD\n");
}
END_TEST

/* Offers o00..o39: priority (i * 7) % 5 - 2, in group g(i % 3) when i % 4 == 0,
 * paying i.00 (i >= 1) when amount >= i.  The expected awards follow the
 * order of section 10, worked out here. */
static int prio_of(int i) { return (i * 7) % 5 - 2; }

static int offer_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    if (prio_of(x) != prio_of(y))
        return prio_of(y) - prio_of(x);
    return x - y; /* "oNN" ids sort as their numbers */
}

START_TEST(many_offers_many_rows_follow_priority_and_groups)
{
    enum { NOFF = 40, NROWS = 120 };
    strbuf src = {0}, want = {0};
    for (int i = 0; i < NOFF; i++) {
        sb_add(&src, "offer \"o%02d\" { priority %d", i, prio_of(i));
        if (i % 4 == 0)
            sb_add(&src, " exclusive \"g%d\"", i % 3);
        sb_add(&src, " when amount >= %d then cashback %d.00 }\n", i, i ? i : 1);
    }
    int order[NOFF];
    for (int i = 0; i < NOFF; i++)
        order[i] = i;
    qsort(order, NOFF, sizeof order[0], offer_cmp);
    char *rows[NROWS + 1];
    for (int r = 0; r < NROWS; r++) {
        int amount = (r * 13) % 45;
        char buf[160];
        snprintf(buf, sizeof buf, TX("r%d", "%d.00", ""), r, amount);
        rows[r] = strdup(buf);
        int taken[3] = {0, 0, 0};
        for (int k = 0; k < NOFF; k++) {
            int i = order[k];
            if (amount < i || amount <= 0)
                continue;
            if (i % 4 == 0) {
                if (taken[i % 3])
                    continue;
                taken[i % 3] = 1;
            }
            sb_add(&want, "r%d o%02d %d.00 USD\n", r, i, i ? i : 1);
        }
    }
    rows[NROWS] = NULL;
    ck_assert_str_eq(awards_of(src.p, (const char *const *)rows), want.p);
    cbr_program *p = compile_ok(src.p);
    char *chunked = eval_rows(p, (const char *const *)rows, NROWS, 17);
    ck_assert_str_eq(chunked, want.p);
    free(chunked);
    cbr_program_free(p);
    for (int r = 0; r < NROWS; r++)
        free(rows[r]);
    free(src.p);
    free(want.p);
}
END_TEST

START_TEST(null_batch_is_an_arg_error_in_set_and_end_row)
{
    /* cbr.h: CBR_ERR_ARG is "a NULL handle"; CBR_ERR_STATE is for a handle
     * in the wrong state.  begin_row already answers CBR_ERR_ARG. */
    cbr_error err;
    ck_assert_int_eq(cbr_batch_begin_row(NULL, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_batch_set(NULL, 0, "x", 1, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_batch_end_row(NULL, NULL, &err), CBR_ERR_ARG);
}
END_TEST

START_TEST(empty_program_and_empty_batch)
{
    cbr_program *p = compile_ok("field tier: string\nlet gold = tier == \"gold\"\n");
    ck_assert_uint_eq(cbr_program_offer_count(p), 0);
    cbr_program *q = reload(p);
    char *a = eval_rows(q, (const char *const[]){TX("t1", "10", ";tier=gold")}, 1, 0);
    ck_assert_str_eq(a, "");
    free(a);
    cbr_program_free(q);
    cbr_program_free(p);
    p = compile_ok("when true then cashback 1.00\n");
    a = eval_rows(p, NULL, 0, 0);
    ck_assert_str_eq(a, "");
    free(a);
    cbr_program_free(p);
}
END_TEST

START_TEST(string_fields_compared_with_each_other)
{
    const char *src = "offer \"eq\" { when merchant == channel then cashback 1.00 }\n"
                      "offer \"fold\" { when merchant ~= channel then cashback 1.00 }\n"
                      "offer \"ct\" { when contains(merchant, channel) then cashback 1.00 }\n"
                      "offer \"sw\" { when starts_with(merchant, channel) then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TX("s1", "10", ";merchant=Caf\xC3\xA9;channel=Cafe\xCC\x81"),
                            TX("s2", "10", ";merchant=STRASSE 5;channel=stra\xC3\x9F" "e"),
                            TX("s3", "10", ";merchant=online shop;channel=online"), TX("s4", "10", ";merchant=x"),
                            TX("s5", "10", ";merchant=\xEF\xBC\xA1\xEF\xBC\xA2;channel=ab")),
                     "s1 ct 1.00 USD\ns1 eq 1.00 USD\ns1 fold 1.00 USD\ns1 sw 1.00 USD\n"
                     "s3 ct 1.00 USD\ns3 sw 1.00 USD\n"
                     "s5 fold 1.00 USD\n");
}
END_TEST

START_TEST(foreign_money_literal_and_overflow_are_unknown)
{
    /* doc/semantics.md section 4: a money literal in another currency than
     * the transaction's, and a result too large for 64 bits, are unknown. */
    const char *src = "offer \"usd\" { when amount >= 15 USD then cashback 1.00 }\n"
                      "offer \"nusd\" { when not (amount >= 15 USD) then cashback 1.00 }\n"
                      "offer \"ovf\" { when amount * 1000000000000000 > 0 then cashback 1.00 }\n"
                      "offer \"novf\" { when not (amount * 1000000000000000 > 0) then cashback 1.00 }\n";
    ck_assert_str_eq(AWARDS(src, TXC("e1", "20.00", "EUR"), TXC("u1", "20.00", "USD"), TXC("u2", "10", "USD"),
                            TXC("u3", "0.01", "USD")),
                     "u1 usd 1.00 USD\n"
                     "u2 nusd 1.00 USD\n"
                     "u3 nusd 1.00 USD\nu3 ovf 1.00 USD\n");
}
END_TEST

/* Limits: a batch or a context holds at most 1 Mi rows (CBRX_MAX_BATCH_ROWS
 * in vm/program.h), and a string value is refused past max_string_bytes. */
START_TEST(batch_and_context_capacity_limit)
{
    cbr_program *p = compile_ok("when amount > 1 then cashback 1%\n");
    ck_assert_ptr_null(t_batch_new(p, (1u << 20) + 1));
    ck_assert_ptr_null(t_context_new(p, (1u << 20) + 1));
    ck_assert_ptr_null(t_batch_new(p, SIZE_MAX));
    cbr_batch *b = t_batch_new(p, 1);
    ck_assert_ptr_nonnull(b);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

START_TEST(string_value_over_the_limit_is_refused)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_string_bytes = 4;
    cbr_compiler *c = unit_compile_cfg(&cfg, "when merchant == \"X\" then cashback 1%\n");
    ck_assert_uint_eq(cbr_compiler_error_count(c), 0);
    cbr_program *p = NULL;
    cbr_error err = {0};
    ck_assert_int_eq(cbr_compiler_program(c, &p, &err), CBR_OK);
    cbr_compiler_free(c);
    int f = cbr_program_field(p, "merchant", 8);
    ck_assert_int_ge(f, 0);
    cbr_batch *b = t_batch_new(p, 2);
    ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
    ck_assert_int_eq(cbr_batch_set(b, (size_t)f, "abcd", 4, &err), CBR_OK);
    ck_assert_int_eq(cbr_batch_set(b, (size_t)f, "abcde", 5, &err), CBR_ERR_RECORD);
    ck_assert_str_eq(err.message, "field `merchant`: the value is longer than 4 bytes");
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

static Suite *vm_suite(void)
{
    Suite *s = suite_create("vm");
    UNIT_TCASE(s, "3-13-numbers", compare_money_with_int_and_decimal_across_scales,
               compare_int_field_with_int_and_decimal, money_arithmetic_with_numbers, int_divided_by_int_is_decimal,
               declared_bool_date_instant_decimal_fields, bare_rule_of_the_contract);
    UNIT_TCASE(s, "14-numeric-functions", min_max_abs, round_floor_ceil_on_decimals,
               round_floor_ceil_on_money_and_int_quotients);
    UNIT_TCASE(s, "13-lists-between-not", in_and_not_in_lists, between_is_inclusive_and_not_reverses_it,
               not_and_or_precedence, weekday_order);
    UNIT_TCASE(s, "12-missing-values", comparisons_with_a_missing_field_are_unknown, exists_is_never_unknown,
               and_or_not_with_unknown, unknown_through_nested_not_bool_equality_and_lets,
               division_by_zero_is_unknown, arithmetic_and_functions_on_missing_values_are_unknown,
               foreign_money_literal_and_overflow_are_unknown);
    UNIT_TCASE(s, "8-clauses-rewards", first_clause_that_holds_decides, zero_reward_is_no_award_and_stops_the_offer,
               amount_of_zero_or_less_never_awards, fixed_and_percent_rewards_in_the_currency_digits,
               reward_or_cap_with_a_currency_pays_only_in_it, cap_applies_after_rounding);
    UNIT_TCASE(s, "9-rounding", rounding_modes_on_the_reference_table, half_even_rounds_odd_ties_up);
    UNIT_TCASE(s, "4-7-time-zones", weekday_in_the_offer_time_zone, hour_minute_date_day_month_year_in_a_zone,
               valid_window_in_the_local_date, campaign_window_in_each_offer_zone, daylight_saving_transitions,
               timestamp_with_an_offset);
    UNIT_TCASE(s, "13-14-strings", string_equality_compares_nfc, tilde_equal_ignores_case_and_compatibility,
               string_functions, string_fields_compared_with_each_other, batch_string_gives_the_nfc_form);
    UNIT_TCASE(s, "10-priority-exclusive", awards_in_priority_then_id_byte_order,
               exclusive_group_gives_one_award_to_its_first_candidate,
               exclusive_groups_at_equal_priority_follow_id_bytes, award_fields);
    UNIT_TCASE(s, "bad-rows", bad_rows_are_refused_with_the_field_named, rows_after_a_bad_row_evaluate);
    UNIT_TCASE(s, "api-misuse", null_handles_give_errors, null_batch_is_an_arg_error_in_set_and_end_row,
               empty_program_and_empty_batch, set_outside_a_row_and_end_without_begin,
               set_of_a_derived_or_unknown_field_is_refused, eval_of_a_batch_from_another_program,
               a_full_batch_is_a_limit_error, a_batch_larger_than_the_context_is_refused,
               program_before_check_or_with_errors, damaged_bundles_are_refused);
    UNIT_TCASE(s, "8-12-logic-more", unknown_clause_passes_to_the_next, three_valued_logic_on_every_combination,
               lists_and_between_across_scales_and_types, constants_equal_to_offer_campaign_and_group_names,
               instants_before_1970_after_2037_and_with_fractions, money_divided_by_money_and_large_percents,
               string_predicates_on_nfc_inputs, unary_minus_and_the_reference_examples, zones_with_odd_offsets,
               large_amounts_stay_exact, many_offers_many_rows_follow_priority_and_groups);
    UNIT_TCASE(s, "batches", several_batches_give_the_awards_of_one, one_context_evaluates_two_batches_in_turn,
               mixed_rows_award_as_worked_out,
               string_constants_stay_equal_after_clear, same_batch_evaluated_twice);
    UNIT_TCASE(s, "limits", batch_and_context_capacity_limit, string_value_over_the_limit_is_refused);
    return s;
}

UNIT_MAIN(vm_suite)
