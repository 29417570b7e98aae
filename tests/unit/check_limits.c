/* check_limits.c: limits, budgets, time zones and exclusive groups, through
 * the public interface (cbr.h) only, linked the way a host links libcbr.
 * Each scenario runs from source and from a bundle round trip, with all
 * rows in one batch and with each row in its own batch of one context, and
 * must give the same awards and the same limit state every time.  Language
 * reference: section 4 (derived fields), 9 (rounding), 10 (priority and
 * exclusive groups), 11 (limits and budgets); cbr.h (stores and state). */
#include "tests/unit/run_rows.h"

/* A row of u1 in USD at the given instant. */
#define U1(tid, ts) "tid=" tid ";user_id=u1;amount=20.00;currency=USD;timestamp=" ts "\n"

/* ---- §11 limit N per user [per PERIOD] ---- */

START_TEST(limit_n_per_user_all_time)
{
    CHECK_RUN("offer \"o\" { limit 2 per user when amount > 0 then cashback 1.00 }\n",
              U1("t1", "2026-03-13T15:00:00Z") U1("t2", "2026-03-13T16:00:00Z")
              U1("t3", "2026-03-14T15:00:00Z") U1("t4", "2027-06-01T00:00:00Z"),
              "t1 o 1.00 USD\n"
              "t2 o 1.00 USD\n",
              "n|o|u1|-\t2\n");
}
END_TEST

START_TEST(limit_counters_are_per_user)
{
    CHECK_RUN("offer \"o\" { limit 1 per user when amount > 0 then cashback 1.00 }\n",
              "tid=t1;user_id=u1;amount=5.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n"
              "tid=t2;user_id=u2;amount=5.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n"
              "tid=t3;user_id=u1;amount=5.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n"
              "tid=t4;user_id=u2;amount=5.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n"
              "tid=t5;user_id=u3;amount=5.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n",
              "t1 o 1.00 USD\n"
              "t2 o 1.00 USD\n"
              "t5 o 1.00 USD\n",
              "n|o|u1|-\t1\n"
              "n|o|u2|-\t1\n"
              "n|o|u3|-\t1\n");
}
END_TEST

START_TEST(limit_per_day_is_the_calendar_day)
{
    CHECK_RUN("offer \"o\" { limit 1 per user per day when amount > 0 then cashback 1.00 }\n",
              U1("t1", "2026-03-13T00:00:00Z") U1("t2", "2026-03-13T23:59:59Z")
              U1("t3", "2026-03-14T00:00:00Z"),
              "t1 o 1.00 USD\n"
              "t3 o 1.00 USD\n",
              "n|o|u1|d2026-03-13\t1\n"
              "n|o|u1|d2026-03-14\t1\n");
}
END_TEST

/* 2026-03-14T03:59Z is still 23:59 on the 13th in New York (EDT, UTC-4). */
START_TEST(limit_per_day_in_the_offer_timezone)
{
    CHECK_RUN("offer \"ny\" { timezone \"America/New_York\" limit 1 per user per day\n"
              "             when amount > 0 then cashback 1.00 }\n"
              "offer \"utc\" { limit 1 per user per day when amount > 0 then cashback 1.00 }\n",
              U1("t1", "2026-03-13T15:00:00Z") U1("t2", "2026-03-14T03:59:00Z")
              U1("t3", "2026-03-14T04:00:00Z"),
              "t1 ny 1.00 USD\n"
              "t1 utc 1.00 USD\n"
              "t2 utc 1.00 USD\n"
              "t3 ny 1.00 USD\n",
              "n|ny|u1|d2026-03-13\t1\n"
              "n|ny|u1|d2026-03-14\t1\n"
              "n|utc|u1|d2026-03-13\t1\n"
              "n|utc|u1|d2026-03-14\t1\n");
}
END_TEST

/* 2026-03-09 and 2026-03-16 are Mondays; the Sunday between them closes the
 * first week. */
START_TEST(limit_per_week_is_the_iso_week)
{
    CHECK_RUN("offer \"o\" { limit 1 per user per week when amount > 0 then cashback 1.00 }\n",
              U1("t1", "2026-03-09T10:00:00Z") U1("t2", "2026-03-15T23:59:59Z")
              U1("t3", "2026-03-16T00:00:00Z") U1("t4", "2026-03-22T12:00:00Z"),
              "t1 o 1.00 USD\n"
              "t3 o 1.00 USD\n",
              "n|o|u1|w2026-03-09\t1\n"
              "n|o|u1|w2026-03-16\t1\n");
}
END_TEST

/* The week of Monday 2026-12-28 runs to Sunday 2027-01-03. */
START_TEST(limit_per_week_spans_the_year_end)
{
    CHECK_RUN("offer \"o\" { limit 1 per user per week when amount > 0 then cashback 1.00 }\n",
              U1("t1", "2026-12-27T12:00:00Z") U1("t2", "2026-12-28T00:00:00Z")
              U1("t3", "2027-01-03T23:00:00Z") U1("t4", "2027-01-04T00:00:00Z"),
              "t1 o 1.00 USD\n"
              "t2 o 1.00 USD\n"
              "t4 o 1.00 USD\n",
              "n|o|u1|w2026-12-21\t1\n"
              "n|o|u1|w2026-12-28\t1\n"
              "n|o|u1|w2027-01-04\t1\n");
}
END_TEST

/* 2026-03-16T03:00Z is Monday in UTC but still Sunday 23:00 in New York. */
START_TEST(limit_per_week_in_the_offer_timezone)
{
    CHECK_RUN("offer \"ny\" { timezone \"America/New_York\" limit 1 per user per week\n"
              "             when amount > 0 then cashback 1.00 }\n"
              "offer \"utc\" { limit 1 per user per week when amount > 0 then cashback 1.00 }\n",
              U1("t1", "2026-03-16T03:00:00Z") U1("t2", "2026-03-10T12:00:00Z")
              U1("t3", "2026-03-16T04:00:00Z"),
              "t1 ny 1.00 USD\n"
              "t1 utc 1.00 USD\n"
              "t2 utc 1.00 USD\n"
              "t3 ny 1.00 USD\n",
              "n|ny|u1|w2026-03-09\t1\n"
              "n|ny|u1|w2026-03-16\t1\n"
              "n|utc|u1|w2026-03-09\t1\n"
              "n|utc|u1|w2026-03-16\t1\n");
}
END_TEST

START_TEST(limit_per_month_is_the_calendar_month)
{
    CHECK_RUN("offer \"o\" { limit 1 per user per month when amount > 0 then cashback 1.00 }\n",
              U1("t1", "2026-01-31T23:59:59Z") U1("t2", "2026-01-01T00:00:00Z")
              U1("t3", "2026-02-01T00:00:00Z") U1("t4", "2026-02-28T12:00:00Z"),
              "t1 o 1.00 USD\n"
              "t3 o 1.00 USD\n",
              "n|o|u1|m2026-01-01\t1\n"
              "n|o|u1|m2026-02-01\t1\n");
}
END_TEST

/* 2026-02-01T03:00Z is 2026-01-31 22:00 in New York (EST, UTC-5). */
START_TEST(limit_per_month_in_the_offer_timezone)
{
    CHECK_RUN("offer \"ny\" { timezone \"America/New_York\" limit 1 per user per month\n"
              "             when amount > 0 then cashback 1.00 }\n"
              "offer \"utc\" { limit 1 per user per month when amount > 0 then cashback 1.00 }\n",
              U1("t1", "2026-02-01T03:00:00Z") U1("t2", "2026-01-15T12:00:00Z")
              U1("t3", "2026-02-01T05:00:00Z"),
              "t1 ny 1.00 USD\n"
              "t1 utc 1.00 USD\n"
              "t2 utc 1.00 USD\n"
              "t3 ny 1.00 USD\n",
              "n|ny|u1|m2026-01-01\t1\n"
              "n|ny|u1|m2026-02-01\t1\n"
              "n|utc|u1|m2026-01-01\t1\n"
              "n|utc|u1|m2026-02-01\t1\n");
}
END_TEST

/* A per-user limit cannot be kept without a user: such a row never earns
 * from the offer; offers without per-user limits (a budget is for everyone)
 * still award. */
START_TEST(no_user_id_never_earns_from_a_per_user_limit)
{
    CHECK_RUN("offer \"lim\"  { limit 1 per user when amount > 0 then cashback 1.00 }\n"
              "offer \"mon\"  { limit 5.00 per user per month when amount > 0 then cashback 1.00 }\n"
              "offer \"bud\"  { budget 100.00 when amount > 0 then cashback 1.00 }\n"
              "offer \"free\" { when amount > 0 then cashback 1.00 }\n",
              "tid=t1;amount=20.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n"
              "tid=t2;user_id=u1;amount=20.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n"
              "tid=t3;amount=20.00;currency=USD;timestamp=2026-03-14T15:00:00Z\n",
              "t1 bud 1.00 USD\n"
              "t1 free 1.00 USD\n"
              "t2 bud 1.00 USD\n"
              "t2 free 1.00 USD\n"
              "t2 lim 1.00 USD\n"
              "t2 mon 1.00 USD\n"
              "t3 bud 1.00 USD\n"
              "t3 free 1.00 USD\n",
              "a|mon|u1|m2026-03-01|*\t10000\n"
              "b|bud|*\t30000\n"
              "n|lim|u1|-\t1\n");
}
END_TEST

/* ---- programmes over time: limit N total, per year, budgets per period, no partial ---- */

/* "The first customers": one award each, three in all; a refused award
 * counts against neither limit. */
START_TEST(limit_n_total_across_customers)
{
    CHECK_RUN("offer \"o\" { limit 1 per user limit 3 total when amount > 0 then cashback 1.00 }\n",
              "tid=t1;user_id=u1;amount=5.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n"
              "tid=t2;user_id=u2;amount=5.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n"
              "tid=t3;user_id=u1;amount=5.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n"
              "tid=t4;user_id=u3;amount=5.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n"
              "tid=t5;user_id=u4;amount=5.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n",
              "t1 o 1.00 USD\n"
              "t2 o 1.00 USD\n"
              "t4 o 1.00 USD\n",
              "n|o|u1|-\t1\n"
              "n|o|u2|-\t1\n"
              "n|o|u3|-\t1\n"
              "t|o|-\t3\n");
}
END_TEST

/* 2026-03-14T03:30Z is still the 13th in New York; 04:00Z is the 14th. */
START_TEST(limit_total_per_day_in_the_offer_timezone)
{
    CHECK_RUN("offer \"ny\" { timezone \"America/New_York\" limit 2 total per day\n"
              "             when amount > 0 then cashback 1.00 }\n",
              "tid=t1;user_id=u1;amount=5.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n"
              "tid=t2;user_id=u2;amount=5.00;currency=USD;timestamp=2026-03-14T03:00:00Z\n"
              "tid=t3;user_id=u3;amount=5.00;currency=USD;timestamp=2026-03-14T03:30:00Z\n"
              "tid=t4;user_id=u1;amount=5.00;currency=USD;timestamp=2026-03-14T04:00:00Z\n",
              "t1 ny 1.00 USD\n"
              "t2 ny 1.00 USD\n"
              "t4 ny 1.00 USD\n",
              "t|ny|d2026-03-13\t2\n"
              "t|ny|d2026-03-14\t1\n");
}
END_TEST

/* A total limit keeps no per-customer count, so it needs no user_id; a
 * per-user limit beside it still does. */
START_TEST(limit_total_needs_no_user)
{
    CHECK_RUN("offer \"tot\" { limit 2 total when amount > 0 then cashback 1.00 }\n"
              "offer \"both\" { limit 1 per user limit 5 total when amount > 0 then cashback 1.00 }\n",
              "tid=t1;amount=5.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n"
              "tid=t2;user_id=u1;amount=5.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n"
              "tid=t3;amount=5.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n",
              "t1 tot 1.00 USD\n"
              "t2 both 1.00 USD\n"
              "t2 tot 1.00 USD\n",
              "n|both|u1|-\t1\n"
              "t|both|-\t1\n"
              "t|tot|-\t2\n");
}
END_TEST

/* `per year` is the calendar year: New Year's Day starts every counter
 * afresh, for counts, money limits and budgets alike. */
START_TEST(per_year_limits_and_budget)
{
    CHECK_RUN("offer \"o\" { limit 1 per user per year when amount > 0 then cashback 1.00 }\n"
              "offer \"m\" { limit 3.00 per user per year when amount > 0 then cashback 2.00 }\n"
              "offer \"b\" { budget 5.00 per year when amount > 0 then cashback 2.00 }\n",
              U1("t1", "2026-12-31T23:00:00Z") U1("t2", "2026-12-31T23:30:00Z")
              U1("t3", "2027-01-01T00:00:00Z")
              "tid=t4;user_id=u2;amount=20.00;currency=USD;timestamp=2027-06-01T12:00:00Z\n",
              "t1 b 2.00 USD\n"
              "t1 m 2.00 USD\n"
              "t1 o 1.00 USD\n"
              "t2 b 2.00 USD\n"
              "t2 m 1.00 USD cut\n"
              "t3 b 2.00 USD\n"
              "t3 m 2.00 USD\n"
              "t3 o 1.00 USD\n"
              "t4 b 2.00 USD\n"
              "t4 m 2.00 USD\n"
              "t4 o 1.00 USD\n",
              "a|m|u1|y2026-01-01|*\t30000\n"
              "a|m|u1|y2027-01-01|*\t20000\n"
              "a|m|u2|y2027-01-01|*\t20000\n"
              "b|b|y2026-01-01|*\t40000\n"
              "b|b|y2027-01-01|*\t40000\n"
              "n|o|u1|y2026-01-01\t1\n"
              "n|o|u1|y2027-01-01\t1\n"
              "n|o|u2|y2027-01-01\t1\n");
}
END_TEST

/* Daily pacing: 5.00 a day in Tokyo, where 15:00Z is already tomorrow. */
START_TEST(budget_per_day_starts_afresh)
{
    CHECK_RUN("offer \"pot\" { timezone \"Asia/Tokyo\" budget 5.00 per day\n"
              "              when amount > 0 then cashback 2.00 }\n",
              U1("t1", "2026-03-13T01:00:00Z") U1("t2", "2026-03-13T05:00:00Z")
              U1("t3", "2026-03-13T10:00:00Z") U1("t4", "2026-03-13T15:00:00Z"),
              "t1 pot 2.00 USD\n"
              "t2 pot 2.00 USD\n"
              "t3 pot 1.00 USD cut\n"
              "t4 pot 2.00 USD\n",
              "b|pot|d2026-03-13|*\t50000\n"
              "b|pot|d2026-03-14|*\t20000\n");
}
END_TEST

/* A campaign's budget per period falls in the campaign's zone, whatever
 * the zones of its offers. */
START_TEST(campaign_budget_per_period_in_its_zone)
{
    CHECK_RUN("campaign \"c\" { budget 3.00 per day timezone \"Asia/Tokyo\" }\n"
              "offer \"a\" { campaign \"c\" when amount > 0 then cashback 2.00 }\n"
              "offer \"n\" { campaign \"c\" timezone \"America/New_York\" when amount > 0 then cashback 2.00 }\n",
              U1("t1", "2026-03-13T01:00:00Z") U1("t2", "2026-03-13T14:00:00Z")
              U1("t3", "2026-03-13T15:00:00Z"),
              "t1 a 2.00 USD\n"
              "t1 n 1.00 USD cut\n"
              "t3 a 2.00 USD\n"
              "t3 n 1.00 USD cut\n",
              "c|c|d2026-03-13|*\t30000\n"
              "c|c|d2026-03-14|*\t30000\n");
}
END_TEST

/* `no partial`: what a limit would cut is dropped and counts nothing; an
 * award that fits the room left is paid whole. */
START_TEST(no_partial_drops_what_a_limit_would_cut)
{
    CHECK_RUN("offer \"whole\" { limit 5.00 per user no partial when amount > 0 then cashback 10% }\n"
              "offer \"part\" { limit 5.00 per user when amount > 0 then cashback 10% }\n",
              U1("t1", "2026-03-13T10:00:00Z") U1("t2", "2026-03-13T11:00:00Z")
              U1("t3", "2026-03-13T12:00:00Z")
              "tid=t4;user_id=u1;amount=10.00;currency=USD;timestamp=2026-03-13T13:00:00Z\n",
              "t1 part 2.00 USD\n"
              "t1 whole 2.00 USD\n"
              "t2 part 2.00 USD\n"
              "t2 whole 2.00 USD\n"
              "t3 part 1.00 USD cut\n"
              "t4 whole 1.00 USD\n",
              "a|part|u1|-|*\t50000\n"
              "a|whole|u1|-|*\t50000\n");
}
END_TEST

/* The same with a campaign's budget, where a dropped award counts against
 * no per-user limit either, and in an exclusive group, whose turn passes
 * to the next candidate. */
START_TEST(no_partial_with_budgets_and_groups)
{
    CHECK_RUN("campaign \"c\" { budget 3.00 }\n"
              "offer \"o\" { campaign \"c\" no partial limit 2 per user when amount > 0 then cashback 2.00 }\n"
              "offer \"big\" { priority 5 exclusive \"g\" no partial budget 3.00\n"
              "              when amount > 0 then cashback 2.00 }\n"
              "offer \"small\" { exclusive \"g\" when amount > 0 then cashback 0.50 }\n",
              U1("t1", "2026-03-13T10:00:00Z")
              "tid=t2;user_id=u2;amount=20.00;currency=USD;timestamp=2026-03-13T11:00:00Z\n"
              "tid=t3;user_id=u2;amount=20.00;currency=USD;timestamp=2026-03-13T12:00:00Z\n",
              "t1 big 2.00 USD\n"
              "t1 o 2.00 USD\n"
              "t2 small 0.50 USD\n"
              "t3 small 0.50 USD\n",
              "b|big|*\t20000\n"
              "c|c|*\t20000\n"
              "n|o|u1|-\t1\n");
}
END_TEST

/* ---- §11 limit AMOUNT per user ---- */

/* The example of §11: 40.00 earned of 50.00, a 20.00 reward is cut to
 * 10.00, the next one that month is dropped; April starts afresh. */
START_TEST(money_limit_cuts_to_the_room_left_then_drops)
{
    CHECK_RUN("offer \"o\" { limit 50.00 per user per month when amount > 0 then cashback 10% }\n",
              "tid=t1;user_id=u1;amount=400.00;currency=USD;timestamp=2026-03-05T12:00:00Z\n"
              "tid=t2;user_id=u1;amount=200.00;currency=USD;timestamp=2026-03-20T12:00:00Z\n"
              "tid=t3;user_id=u1;amount=100.00;currency=USD;timestamp=2026-03-31T12:00:00Z\n"
              "tid=t4;user_id=u1;amount=100.00;currency=USD;timestamp=2026-04-01T12:00:00Z\n",
              "t1 o 40.00 USD\n"
              "t2 o 10.00 USD cut\n"
              "t4 o 10.00 USD\n",
              "a|o|u1|m2026-03-01|*\t500000\n"
              "a|o|u1|m2026-04-01|*\t100000\n");
}
END_TEST

/* Day 1: 3.00, then 2.00 (cut by the 5.00 a day): two awards, so day 2 has
 * none left under `limit 2 per user`. */
START_TEST(a_cut_award_counts_as_one)
{
    CHECK_RUN("offer \"o\" { limit 2 per user limit 5.00 per user per day\n"
              "            when amount > 0 then cashback 3.00 }\n",
              U1("t1", "2026-03-13T10:00:00Z") U1("t2", "2026-03-13T11:00:00Z")
              U1("t3", "2026-03-14T10:00:00Z"),
              "t1 o 3.00 USD\n"
              "t2 o 2.00 USD cut\n",
              "a|o|u1|d2026-03-13|*\t50000\n"
              "n|o|u1|-\t2\n");
}
END_TEST

/* Day 1: 3.00, then nothing (3.00 a day used up): the dropped award does
 * not count, so day 2 still earns the second of `limit 2 per user`. */
START_TEST(a_dropped_award_does_not_count)
{
    CHECK_RUN("offer \"o\" { limit 2 per user limit 3.00 per user per day\n"
              "            when amount > 0 then cashback 3.00 }\n",
              U1("t1", "2026-03-13T10:00:00Z") U1("t2", "2026-03-13T11:00:00Z")
              U1("t3", "2026-03-14T10:00:00Z") U1("t4", "2026-03-15T10:00:00Z"),
              "t1 o 3.00 USD\n"
              "t3 o 3.00 USD\n",
              "a|o|u1|d2026-03-13|*\t30000\n"
              "a|o|u1|d2026-03-14|*\t30000\n"
              "n|o|u1|-\t2\n");
}
END_TEST

/* Day 1: 2.00, 2.00, then the count stops a third.  Day 2: 4.00, then 3.00
 * is cut to the 1.00 left of 5.00, then the count stops again. */
START_TEST(count_and_money_limits_both_apply)
{
    CHECK_RUN("offer \"o\" { limit 2 per user per day limit 5.00 per user per day\n"
              "            when amount > 0 then cashback 10% }\n",
              "tid=t1;user_id=u1;amount=20.00;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
              "tid=t2;user_id=u1;amount=20.00;currency=USD;timestamp=2026-03-13T11:00:00Z\n"
              "tid=t3;user_id=u1;amount=5.00;currency=USD;timestamp=2026-03-13T12:00:00Z\n"
              "tid=t4;user_id=u1;amount=40.00;currency=USD;timestamp=2026-03-14T10:00:00Z\n"
              "tid=t5;user_id=u1;amount=30.00;currency=USD;timestamp=2026-03-14T11:00:00Z\n"
              "tid=t6;user_id=u1;amount=10.00;currency=USD;timestamp=2026-03-14T12:00:00Z\n",
              "t1 o 2.00 USD\n"
              "t2 o 2.00 USD\n"
              "t4 o 4.00 USD\n"
              "t5 o 1.00 USD cut\n",
              "a|o|u1|d2026-03-13|*\t40000\n"
              "a|o|u1|d2026-03-14|*\t50000\n"
              "n|o|u1|d2026-03-13\t2\n"
              "n|o|u1|d2026-03-14\t2\n");
}
END_TEST

/* 19.25 and 10.00 per month count one counter, once: 6.00, then 4.00 (cut
 * by the smaller), then nothing.  Counted twice, t2 would be dropped. */
START_TEST(money_limits_of_one_period_share_a_counter)
{
    CHECK_RUN("offer \"o\" { limit 19.25 per user per month limit 10.00 per user per month\n"
              "            when amount > 0 then cashback 6.00 }\n",
              U1("t1", "2026-03-13T10:00:00Z") U1("t2", "2026-03-14T10:00:00Z")
              U1("t3", "2026-03-15T10:00:00Z")
              "tid=t4;user_id=u2;amount=20.00;currency=USD;timestamp=2026-03-15T10:00:00Z\n",
              "t1 o 6.00 USD\n"
              "t2 o 4.00 USD cut\n"
              "t4 o 6.00 USD\n",
              "a|o|u1|m2026-03-01|*\t100000\n"
              "a|o|u2|m2026-03-01|*\t60000\n");
}
END_TEST

/* ---- §11 budgets ---- */

START_TEST(offer_budget_is_shared_by_all_users)
{
    CHECK_RUN("offer \"o\" { budget 5.00 when amount > 0 then cashback 2.00 }\n",
              "tid=t1;user_id=u1;amount=20.00;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
              "tid=t2;user_id=u2;amount=20.00;currency=USD;timestamp=2026-03-13T11:00:00Z\n"
              "tid=t3;user_id=u3;amount=20.00;currency=USD;timestamp=2026-03-13T12:00:00Z\n"
              "tid=t4;user_id=u4;amount=20.00;currency=USD;timestamp=2026-03-13T13:00:00Z\n"
              "tid=t5;amount=20.00;currency=USD;timestamp=2026-03-13T14:00:00Z\n",
              "t1 o 2.00 USD\n"
              "t2 o 2.00 USD\n"
              "t3 o 1.00 USD cut\n",
              "b|o|*\t50000\n");
}
END_TEST

/* 9.00 for the campaign: t1 takes 3.00 + 2.00, t2 3.00 and the 1.00 left;
 * t3 gets nothing from the campaign, and the offer outside it is untouched. */
START_TEST(campaign_budget_runs_out_mid_batch)
{
    CHECK_RUN("campaign \"spring\" { budget 9.00 }\n"
              "offer \"a\" { campaign \"spring\" when amount > 0 then cashback 3.00 }\n"
              "offer \"b\" { campaign \"spring\" when amount > 0 then cashback 2.00 }\n"
              "offer \"x\" { when amount > 0 then cashback 0.10 }\n",
              "tid=t1;user_id=u1;amount=20.00;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
              "tid=t2;user_id=u2;amount=20.00;currency=USD;timestamp=2026-03-13T11:00:00Z\n"
              "tid=t3;user_id=u3;amount=20.00;currency=USD;timestamp=2026-03-13T12:00:00Z\n",
              "t1 a 3.00 USD\n"
              "t1 b 2.00 USD\n"
              "t1 x 0.10 USD\n"
              "t2 a 3.00 USD\n"
              "t2 b 1.00 USD cut\n"
              "t2 x 0.10 USD\n"
              "t3 x 0.10 USD\n",
              "c|spring|*\t90000\n");
}
END_TEST

/* The offer budget (4.00) and the campaign's (10.00): the smaller room
 * binds each award, and every award counts in both. */
START_TEST(offer_and_campaign_budgets_both_apply)
{
    CHECK_RUN("campaign \"c\" { budget 10.00 }\n"
              "offer \"o\" { campaign \"c\" budget 4.00 when amount > 0 then cashback 3.00 }\n"
              "offer \"p\" { campaign \"c\" when amount > 0 then cashback 3.00 }\n",
              U1("t1", "2026-03-13T10:00:00Z") U1("t2", "2026-03-13T11:00:00Z")
              U1("t3", "2026-03-13T12:00:00Z"),
              "t1 o 3.00 USD\n"
              "t1 p 3.00 USD\n"
              "t2 o 1.00 USD cut\n"
              "t2 p 3.00 USD\n",
              "b|o|*\t40000\n"
              "c|c|*\t100000\n");
}
END_TEST

/* `budget 5.00` without a code is one pot of 5.00 whatever the currency
 * (the contract: "at most AMOUNT of cashback from this offer in total"),
 * counted in units of 10^-4: 4.00 USD, then 1.00 EUR of the 4.00 a EUR
 * purchase would earn, then nothing in any currency. */
START_TEST(budget_without_a_code_is_one_pot_across_currencies)
{
    CHECK_RUN("offer \"o\" { budget 5.00 when amount > 0 then cashback 10% }\n",
              "tid=t1;user_id=u1;amount=40.00;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
              "tid=t2;user_id=u2;amount=40.00;currency=EUR;timestamp=2026-03-13T10:00:00Z\n"
              "tid=t3;user_id=u3;amount=20.00;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
              "tid=t4;user_id=u5;amount=1000;currency=JPY;timestamp=2026-03-13T10:00:00Z\n",
              "t1 o 4.00 USD\n"
              "t2 o 1.00 EUR cut\n",
              "b|o|*\t50000\n");
}
END_TEST

/* A pot across currencies of other exponents: 2 JPY is 2.00 of the pots,
 * 1.500 KWD is 1.50 (u1 at 3.50 of 4.00, the budget at 3.50 of 5.00), so
 * u2's 2.000 KWD is cut to the 1.500 the budget has left, and u2's USD
 * purchase finds it spent. */
START_TEST(a_pot_adds_currencies_of_every_exponent_exactly)
{
    CHECK_RUN("offer \"o\" { budget 5.00 limit 4.00 per user when amount > 0 then cashback 10% }\n",
              "tid=t1;user_id=u1;amount=20;currency=JPY;timestamp=2026-03-13T10:00:00Z\n"
              "tid=t2;user_id=u1;amount=15.000;currency=KWD;timestamp=2026-03-13T11:00:00Z\n"
              "tid=t3;user_id=u2;amount=20.000;currency=KWD;timestamp=2026-03-13T12:00:00Z\n"
              "tid=t4;user_id=u2;amount=20.00;currency=USD;timestamp=2026-03-13T13:00:00Z\n",
              "t1 o 2 JPY\n"
              "t2 o 1.500 KWD\n"
              "t3 o 1.500 KWD cut\n",
              "a|o|u1|-|*\t35000\n"
              "a|o|u2|-|*\t15000\n"
              "b|o|*\t50000\n");
}
END_TEST

/* A money limit or budget with a code lets only that currency earn; one
 * without a code is one pot for every currency (u1's 5.00 is spent in EUR). */
START_TEST(a_currency_code_lets_only_that_currency_earn)
{
    CHECK_RUN("campaign \"usd-only\" { budget 100.00 USD }\n"
              "offer \"camp\"  { campaign \"usd-only\" when amount > 0 then cashback 10% }\n"
              "offer \"lim\"   { limit 5.00 USD per user when amount > 0 then cashback 10% }\n"
              "offer \"bud\"   { budget 50.00 EUR when amount > 0 then cashback 10% }\n"
              "offer \"plain\" { limit 5.00 per user when amount > 0 then cashback 10% }\n",
              "tid=t1;user_id=u1;amount=50.00;currency=EUR;timestamp=2026-03-13T10:00:00Z\n"
              "tid=t2;user_id=u1;amount=50.00;currency=USD;timestamp=2026-03-13T11:00:00Z\n"
              "tid=t3;user_id=u1;amount=50.00;currency=GBP;timestamp=2026-03-13T12:00:00Z\n",
              "t1 bud 5.00 EUR\n"
              "t1 plain 5.00 EUR\n"
              "t2 camp 5.00 USD\n"
              "t2 lim 5.00 USD\n",
              "a|lim|u1|-|USD\t500\n"
              "a|plain|u1|-|*\t50000\n"
              "b|bud|EUR\t500\n"
              "c|usd-only|USD\t500\n");
}
END_TEST

/* ---- §10 priority and exclusive groups ---- */

/* Order: hi (priority 5), then B-2, a-1, free (priority 0, id bytes: 'B'
 * before 'a'), then lo (priority -1).  Group g goes to B-2; group h to hi,
 * or to lo when hi does not hold. */
START_TEST(exclusive_first_candidate_by_priority_then_id)
{
    const char *src = "offer \"a-1\"  { exclusive \"g\" when amount > 0 then cashback 2.00 }\n"
                      "offer \"B-2\"  { exclusive \"g\" when amount > 0 then cashback 1.00 }\n"
                      "offer \"hi\"   { priority 5 exclusive \"h\" when amount >= 10 then cashback 0.50 }\n"
                      "offer \"lo\"   { priority -1 exclusive \"h\" when amount > 0 then cashback 0.75 }\n"
                      "offer \"free\" { when amount > 0 then cashback 0.10 }\n";
    cbr_program *p = prog_from_source(src);
    const char *order[] = {"hi", "B-2", "a-1", "free", "lo"};
    ck_assert_uint_eq(cbr_program_offer_count(p), 5);
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(cbr_program_offer_id(p, i), order[i]);
    cbr_program_free(p);
    CHECK_RUN(src,
              "tid=t1;user_id=u1;amount=20.00;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
              "tid=t2;user_id=u1;amount=5.00;currency=USD;timestamp=2026-03-13T10:00:00Z\n",
              "t1 hi 0.50 USD\n"
              "t1 B-2 1.00 USD\n"
              "t1 free 0.10 USD\n"
              "t2 B-2 1.00 USD\n"
              "t2 free 0.10 USD\n"
              "t2 lo 0.75 USD\n",
              "");
}
END_TEST

/* The example of §10: after two weekend awards in a week the 1% offer of
 * the group awards; the offer outside the group is unaffected.
 * 2026-03-14 is a Saturday. */
START_TEST(exclusive_next_candidate_after_a_limit)
{
    CHECK_RUN("offer \"weekend-online-5\" {\n"
              "    priority 10\n"
              "    exclusive \"online\"\n"
              "    limit 2 per user per week\n"
              "    when channel == \"online\" and weekday in [SAT, SUN] then cashback 5%\n"
              "}\n"
              "offer \"online-everyday-1\" {\n"
              "    exclusive \"online\"\n"
              "    when channel == \"online\" then cashback 1%\n"
              "}\n"
              "offer \"other\" { when amount > 0 then cashback 0.01 }\n",
              "tid=t1;user_id=u1;amount=100.00;currency=USD;channel=online;timestamp=2026-03-14T12:00:00Z\n"
              "tid=t2;user_id=u1;amount=100.00;currency=USD;channel=online;timestamp=2026-03-15T12:00:00Z\n"
              "tid=t3;user_id=u1;amount=100.00;currency=USD;channel=online;timestamp=2026-03-15T13:00:00Z\n"
              "tid=t4;user_id=u1;amount=100.00;currency=USD;channel=online;timestamp=2026-03-16T12:00:00Z\n"
              "tid=t5;user_id=u1;amount=100.00;currency=USD;channel=online;timestamp=2026-03-21T12:00:00Z\n"
              "tid=t6;user_id=u1;amount=100.00;currency=USD;channel=pos;timestamp=2026-03-21T13:00:00Z\n",
              "t1 weekend-online-5 5.00 USD\n"
              "t1 other 0.01 USD\n"
              "t2 weekend-online-5 5.00 USD\n"
              "t2 other 0.01 USD\n"
              "t3 online-everyday-1 1.00 USD\n"
              "t3 other 0.01 USD\n"
              "t4 online-everyday-1 1.00 USD\n"
              "t4 other 0.01 USD\n"
              "t5 weekend-online-5 5.00 USD\n"
              "t5 other 0.01 USD\n"
              "t6 other 0.01 USD\n",
              "n|weekend-online-5|u1|w2026-03-09\t2\n"
              "n|weekend-online-5|u1|w2026-03-16\t1\n");
}
END_TEST

/* A cut award still awards something, so the group is taken; once the
 * money limit has no room, the next candidate gets the award. */
START_TEST(exclusive_cut_award_keeps_the_group)
{
    CHECK_RUN("offer \"first\"  { priority 1 exclusive \"g\" limit 3.00 per user\n"
              "                 when amount > 0 then cashback 2.00 }\n"
              "offer \"second\" { exclusive \"g\" when amount > 0 then cashback 1.00 }\n",
              U1("t1", "2026-03-13T10:00:00Z") U1("t2", "2026-03-13T11:00:00Z")
              U1("t3", "2026-03-13T12:00:00Z")
              "tid=t4;user_id=u2;amount=20.00;currency=USD;timestamp=2026-03-13T13:00:00Z\n",
              "t1 first 2.00 USD\n"
              "t2 first 1.00 USD cut\n"
              "t3 second 1.00 USD\n"
              "t4 first 2.00 USD\n",
              "a|first|u1|-|*\t30000\n"
              "a|first|u2|-|*\t20000\n");
}
END_TEST

/* Without a user the per-user offer awards nothing, so the group passes on. */
START_TEST(exclusive_without_a_user_passes_to_the_next)
{
    CHECK_RUN("offer \"first\"  { priority 1 exclusive \"g\" limit 1 per user\n"
              "                 when amount > 0 then cashback 2.00 }\n"
              "offer \"second\" { exclusive \"g\" when amount > 0 then cashback 1.00 }\n",
              "tid=t1;amount=20.00;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
              U1("t2", "2026-03-13T11:00:00Z") U1("t3", "2026-03-13T12:00:00Z"),
              "t1 second 1.00 USD\n"
              "t2 first 2.00 USD\n"
              "t3 second 1.00 USD\n",
              "n|first|u1|-\t1\n");
}
END_TEST

/* A candidate skipped because its group already has an award is not
 * counted: "second" still has its one award when "first" runs out. */
START_TEST(exclusive_skipped_candidate_is_not_counted)
{
    CHECK_RUN("offer \"first\"  { priority 1 exclusive \"g\" limit 2 per user\n"
              "                 when amount > 0 then cashback 2.00 }\n"
              "offer \"second\" { exclusive \"g\" limit 1 per user\n"
              "                 when amount > 0 then cashback 1.00 }\n",
              U1("t1", "2026-03-13T10:00:00Z") U1("t2", "2026-03-13T11:00:00Z")
              U1("t3", "2026-03-13T12:00:00Z") U1("t4", "2026-03-13T13:00:00Z"),
              "t1 first 2.00 USD\n"
              "t2 first 2.00 USD\n"
              "t3 second 1.00 USD\n",
              "n|first|u1|-\t2\n"
              "n|second|u1|-\t1\n");
}
END_TEST

/* ---- cbr_award fields ---- */

/* The award says which clause fired, its campaign, the amount in minor
 * units with the currency's exponent, and whether it was cut. */
START_TEST(award_fields_after_a_cut)
{
    cbr_program *p = prog_from_source("campaign \"c\" { budget 2.50 }\n"
                                      "offer \"o\" { campaign \"c\"\n"
                                      "    when amount > 100 then cashback 5.00\n"
                                      "    when amount > 0 then cashback 2.00 }\n");
    cbr_context *ctx = t_context_new(p, 0);
    cbr_batch *b = t_batch_new(p, 0);
    const char *r1 = "tid=t1;amount=50.00;currency=USD;timestamp=2026-03-13T10:00:00Z";
    const char *r2 = "tid=t2;amount=200.00;currency=USD;timestamp=2026-03-13T11:00:00Z";
    const char *r3 = "tid=t3;amount=200.00;currency=USD;timestamp=2026-03-13T12:00:00Z";
    add_row(b, p, r1, strlen(r1));
    add_row(b, p, r2, strlen(r2));
    add_row(b, p, r3, strlen(r3));
    cbr_error err = {0};
    ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, &err), CBR_OK);
    size_t n = 0;
    const cbr_award *a = cbr_context_awards(ctx, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(a[0].row, 0);
    ck_assert_uint_eq(a[0].offer, 0);
    ck_assert_str_eq(a[0].offer_id, "o");
    ck_assert_str_eq(a[0].campaign_id, "c");
    ck_assert_int_eq(a[0].cashback, 200);
    ck_assert_int_eq(a[0].exponent, 2);
    ck_assert_str_eq(a[0].currency, "USD");
    ck_assert_uint_eq(a[0].clause, 1);
    ck_assert_int_eq(a[0].cut, 0);
    ck_assert_uint_eq(a[1].row, 1);
    ck_assert_int_eq(a[1].cashback, 50);
    ck_assert_uint_eq(a[1].clause, 0);
    ck_assert_int_eq(a[1].cut, 1);
    cbr_batch_free(b);
    cbr_context_free(ctx);
    cbr_program_free(p);
}
END_TEST

/* ---- §9 rounding ---- */

/* The table of §9, one row a clause; mode NULL leaves the default. */
static void check_rounding(int line, const char *mode, const char *want)
{
    char src[1024];
    snprintf(src, sizeof src,
             "offer \"r\" {\n"
             "    %s%s\n"
             "    when tid == \"t1\" then cashback 2.5%%\n"
             "    when tid == \"t2\" then cashback 5%%\n"
             "    when tid == \"t3\" then cashback 7.5%%\n"
             "    when tid == \"t4\" then cashback 10%%\n"
             "    when tid == \"t5\" then cashback 1.5%%\n"
             "}\n",
             mode ? "rounding " : "", mode ? mode : "");
    check_run_at(line, src,
                 "tid=t1;amount=1.00;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
                 "tid=t2;amount=33.30;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
                 "tid=t3;amount=10.10;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
                 "tid=t4;amount=25;currency=JPY;timestamp=2026-03-13T10:00:00Z\n"
                 "tid=t5;amount=1.001;currency=BHD;timestamp=2026-03-13T10:00:00Z\n",
                 want, "");
}

START_TEST(rounding_default_is_down)
{
    check_rounding(__LINE__, NULL,
                   "t1 r 0.02 USD\nt2 r 1.66 USD\nt3 r 0.75 USD\nt4 r 2 JPY\nt5 r 0.015 BHD\n");
}
END_TEST

START_TEST(rounding_down)
{
    check_rounding(__LINE__, "down",
                   "t1 r 0.02 USD\nt2 r 1.66 USD\nt3 r 0.75 USD\nt4 r 2 JPY\nt5 r 0.015 BHD\n");
}
END_TEST

START_TEST(rounding_up)
{
    check_rounding(__LINE__, "up",
                   "t1 r 0.03 USD\nt2 r 1.67 USD\nt3 r 0.76 USD\nt4 r 3 JPY\nt5 r 0.016 BHD\n");
}
END_TEST

START_TEST(rounding_half_up)
{
    check_rounding(__LINE__, "half-up",
                   "t1 r 0.03 USD\nt2 r 1.67 USD\nt3 r 0.76 USD\nt4 r 3 JPY\nt5 r 0.015 BHD\n");
}
END_TEST

START_TEST(rounding_half_even)
{
    check_rounding(__LINE__, "half-even",
                   "t1 r 0.02 USD\nt2 r 1.66 USD\nt3 r 0.76 USD\nt4 r 2 JPY\nt5 r 0.015 BHD\n");
}
END_TEST

/* 10% of 0.05 is 0.005: 0.00 rounded down, no award, and by first hit the
 * second clause is not tried; rounded up it is 0.01.  Nothing is awarded
 * on an amount of zero, not even a fixed reward. */
START_TEST(rounding_to_zero_is_no_award)
{
    CHECK_RUN("offer \"z\"  { when amount > 0 then cashback 10%\n"
              "               when amount > 0 then cashback 1.00 }\n"
              "offer \"zu\" { rounding up when amount > 0 then cashback 10%\n"
              "               when amount > 0 then cashback 1.00 }\n"
              "offer \"fx\" { when amount >= 0 then cashback 1.00 }\n",
              "tid=t1;amount=0.05;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
              "tid=t2;amount=0.00;currency=USD;timestamp=2026-03-13T10:00:00Z\n",
              "t1 fx 1.00 USD\n"
              "t1 zu 0.01 USD\n",
              "");
}
END_TEST

/* The cap applies after rounding: 1.665 rounds up to 1.67, capped at 1.66;
 * 2.5 JPY rounds up to 3, capped at 2. */
START_TEST(caps_apply_after_rounding)
{
    CHECK_RUN("offer \"cap\" {\n"
              "    rounding up\n"
              "    when tid == \"t1\" then cashback 10% up to 20.00\n"
              "    when tid == \"t2\" then cashback 5% up to 1.66\n"
              "    when tid == \"t3\" then cashback 5% up to 2.00\n"
              "    when tid == \"t4\" then cashback 10% up to 2\n"
              "}\n",
              "tid=t1;amount=300.00;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
              "tid=t2;amount=33.30;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
              "tid=t3;amount=33.30;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
              "tid=t4;amount=25;currency=JPY;timestamp=2026-03-13T10:00:00Z\n",
              "t1 cap 20.00 USD\n"
              "t2 cap 1.66 USD\n"
              "t3 cap 1.67 USD\n"
              "t4 cap 2 JPY\n",
              "");
}
END_TEST

/* ---- §4 derived fields across daylight saving time ---- */

/* Two offers in zone: "date" pays M.DD for each listed local date (3.08 is
 * March 8), "hour" pays H.01 for local hour H. */
static void probe_src(char *buf, size_t cap, const char *zone, const char *const *dates)
{
    size_t k = 0;
    k += (size_t)snprintf(buf + k, cap - k, "offer \"date\" {\n    timezone \"%s\"\n", zone);
    for (size_t i = 0; dates[i]; i++)
        k += (size_t)snprintf(buf + k, cap - k, "    when date == %s then cashback %d.%.2s\n",
                              dates[i], atoi(dates[i] + 5), dates[i] + 8);
    k += (size_t)snprintf(buf + k, cap - k, "}\noffer \"hour\" {\n    timezone \"%s\"\n", zone);
    for (int h = 0; h < 24; h++)
        k += (size_t)snprintf(buf + k, cap - k, "    when hour == %d then cashback %d.01\n", h, h);
    k += (size_t)snprintf(buf + k, cap - k, "}\n");
    ck_assert_uint_lt(k, cap);
}

#define AT(tid, ts) "tid=" tid ";amount=1.00;currency=USD;timestamp=" ts "\n"

/* 2026-03-08: at 07:00Z New York goes from 01:59:59 EST to 03:00 EDT. */
START_TEST(dst_new_york_spring_forward)
{
    char src[4096];
    const char *dates[] = {"2026-03-07", "2026-03-08", "2026-03-09", NULL};
    probe_src(src, sizeof src, "America/New_York", dates);
    CHECK_RUN(src,
              AT("t1", "2026-03-08T04:59:00Z") AT("t2", "2026-03-08T05:00:00Z")
              AT("t3", "2026-03-08T06:59:00Z") AT("t4", "2026-03-08T07:00:00Z")
              AT("t5", "2026-03-09T03:59:00Z") AT("t6", "2026-03-09T04:00:00Z"),
              "t1 date 3.07 USD\nt1 hour 23.01 USD\n"
              "t2 date 3.08 USD\nt2 hour 0.01 USD\n"
              "t3 date 3.08 USD\nt3 hour 1.01 USD\n"
              "t4 date 3.08 USD\nt4 hour 3.01 USD\n"
              "t5 date 3.08 USD\nt5 hour 23.01 USD\n"
              "t6 date 3.09 USD\nt6 hour 0.01 USD\n",
              "");
}
END_TEST

/* 2026-11-01: at 06:00Z New York goes from 01:59:59 EDT back to 01:00 EST,
 * so 01:xx happens twice. */
START_TEST(dst_new_york_fall_back)
{
    char src[4096];
    const char *dates[] = {"2026-10-31", "2026-11-01", "2026-11-02", NULL};
    probe_src(src, sizeof src, "America/New_York", dates);
    CHECK_RUN(src,
              AT("t1", "2026-11-01T03:59:00Z") AT("t2", "2026-11-01T04:00:00Z")
              AT("t3", "2026-11-01T05:59:00Z") AT("t4", "2026-11-01T06:00:00Z")
              AT("t5", "2026-11-01T06:59:00Z") AT("t6", "2026-11-01T07:00:00Z")
              AT("t7", "2026-11-02T04:59:00Z") AT("t8", "2026-11-02T05:00:00Z"),
              "t1 date 10.31 USD\nt1 hour 23.01 USD\n"
              "t2 date 11.01 USD\nt2 hour 0.01 USD\n"
              "t3 date 11.01 USD\nt3 hour 1.01 USD\n"
              "t4 date 11.01 USD\nt4 hour 1.01 USD\n"
              "t5 date 11.01 USD\nt5 hour 1.01 USD\n"
              "t6 date 11.01 USD\nt6 hour 2.01 USD\n"
              "t7 date 11.01 USD\nt7 hour 23.01 USD\n"
              "t8 date 11.02 USD\nt8 hour 0.01 USD\n",
              "");
}
END_TEST

/* 2026-03-29: at 01:00Z London goes from 00:59:59 GMT to 02:00 BST. */
START_TEST(dst_london_spring_forward)
{
    char src[4096];
    const char *dates[] = {"2026-03-28", "2026-03-29", "2026-03-30", NULL};
    probe_src(src, sizeof src, "Europe/London", dates);
    CHECK_RUN(src,
              AT("t1", "2026-03-28T23:59:00Z") AT("t2", "2026-03-29T00:00:00Z")
              AT("t3", "2026-03-29T00:59:00Z") AT("t4", "2026-03-29T01:00:00Z")
              AT("t5", "2026-03-29T22:59:00Z") AT("t6", "2026-03-29T23:00:00Z"),
              "t1 date 3.28 USD\nt1 hour 23.01 USD\n"
              "t2 date 3.29 USD\nt2 hour 0.01 USD\n"
              "t3 date 3.29 USD\nt3 hour 0.01 USD\n"
              "t4 date 3.29 USD\nt4 hour 2.01 USD\n"
              "t5 date 3.29 USD\nt5 hour 23.01 USD\n"
              "t6 date 3.30 USD\nt6 hour 0.01 USD\n",
              "");
}
END_TEST

/* 2026-10-25: at 01:00Z London goes from 01:59:59 BST back to 01:00 GMT. */
START_TEST(dst_london_fall_back)
{
    char src[4096];
    const char *dates[] = {"2026-10-24", "2026-10-25", "2026-10-26", NULL};
    probe_src(src, sizeof src, "Europe/London", dates);
    CHECK_RUN(src,
              AT("t1", "2026-10-24T22:59:00Z") AT("t2", "2026-10-24T23:00:00Z")
              AT("t3", "2026-10-25T00:59:00Z") AT("t4", "2026-10-25T01:00:00Z")
              AT("t5", "2026-10-25T02:00:00Z") AT("t6", "2026-10-25T23:59:00Z")
              AT("t7", "2026-10-26T00:00:00Z"),
              "t1 date 10.24 USD\nt1 hour 23.01 USD\n"
              "t2 date 10.25 USD\nt2 hour 0.01 USD\n"
              "t3 date 10.25 USD\nt3 hour 1.01 USD\n"
              "t4 date 10.25 USD\nt4 hour 1.01 USD\n"
              "t5 date 10.25 USD\nt5 hour 2.01 USD\n"
              "t6 date 10.25 USD\nt6 hour 23.01 USD\n"
              "t7 date 10.26 USD\nt7 hour 0.01 USD\n",
              "");
}
END_TEST

/* Local midnight moves with the offset: in New York 04:00Z in summer,
 * 05:00Z in winter. */
START_TEST(per_day_limit_at_local_midnight_new_york)
{
    CHECK_RUN("offer \"o\" { timezone \"America/New_York\" limit 1 per user per day\n"
              "            when amount > 0 then cashback 1.00 }\n",
              U1("t1", "2026-03-08T04:59:00Z") U1("t2", "2026-03-08T05:00:00Z")
              U1("t3", "2026-03-09T03:59:00Z") U1("t4", "2026-03-09T04:00:00Z")
              U1("t5", "2026-11-01T03:59:00Z") U1("t6", "2026-11-01T04:00:00Z")
              U1("t7", "2026-11-02T04:59:00Z") U1("t8", "2026-11-02T05:00:00Z"),
              "t1 o 1.00 USD\n"
              "t2 o 1.00 USD\n"
              "t4 o 1.00 USD\n"
              "t5 o 1.00 USD\n"
              "t6 o 1.00 USD\n"
              "t8 o 1.00 USD\n",
              "n|o|u1|d2026-03-07\t1\n"
              "n|o|u1|d2026-03-08\t1\n"
              "n|o|u1|d2026-03-09\t1\n"
              "n|o|u1|d2026-10-31\t1\n"
              "n|o|u1|d2026-11-01\t1\n"
              "n|o|u1|d2026-11-02\t1\n");
}
END_TEST

/* In London, midnight is 00:00Z in winter and 23:00Z the day before in summer. */
START_TEST(per_day_limit_at_local_midnight_london)
{
    CHECK_RUN("offer \"o\" { timezone \"Europe/London\" limit 1 per user per day\n"
              "            when amount > 0 then cashback 1.00 }\n",
              U1("t1", "2026-03-28T23:59:00Z") U1("t2", "2026-03-29T00:00:00Z")
              U1("t3", "2026-03-29T22:59:00Z") U1("t4", "2026-03-29T23:00:00Z")
              U1("t5", "2026-10-24T23:00:00Z") U1("t6", "2026-10-25T23:59:00Z")
              U1("t7", "2026-10-24T22:59:00Z") U1("t8", "2026-10-26T00:00:00Z"),
              "t1 o 1.00 USD\n"
              "t2 o 1.00 USD\n"
              "t4 o 1.00 USD\n"
              "t5 o 1.00 USD\n"
              "t7 o 1.00 USD\n"
              "t8 o 1.00 USD\n",
              "n|o|u1|d2026-03-28\t1\n"
              "n|o|u1|d2026-03-29\t1\n"
              "n|o|u1|d2026-03-30\t1\n"
              "n|o|u1|d2026-10-24\t1\n"
              "n|o|u1|d2026-10-25\t1\n"
              "n|o|u1|d2026-10-26\t1\n");
}
END_TEST

/* `valid` reads the local date: 2026-03-08 in New York is 05:00Z to 03:59Z
 * the next day (the day has 23 hours). */
START_TEST(valid_window_is_the_local_date)
{
    CHECK_RUN("offer \"v\" { timezone \"America/New_York\" valid 2026-03-08 to 2026-03-08\n"
              "            when amount > 0 then cashback 1.00 }\n",
              AT("t1", "2026-03-08T04:59:00Z") AT("t2", "2026-03-08T05:00:00Z")
              AT("t3", "2026-03-09T03:59:00Z") AT("t4", "2026-03-09T04:00:00Z"),
              "t2 v 1.00 USD\n"
              "t3 v 1.00 USD\n",
              "");
}
END_TEST

/* ---- cbr.h: state, snapshots and stores ---- */

START_TEST(state_snapshot_is_sorted_key_value_lines)
{
    cbr_program *p = prog_from_source("campaign \"c\" { budget 50.00 }\n"
                                      "offer \"o\" { campaign \"c\" limit 1 per user per week\n"
                                      "            limit 5.00 per user per month budget 100.00\n"
                                      "            when amount > 0 then cashback 10% }\n");
    cbr_context *ctx = t_context_new(p, 0);
    ck_assert_uint_eq(cbr_state_count(cbr_context_state(ctx)), 0);
    char *empty = state_text(cbr_context_state(ctx));
    ck_assert_str_eq(empty, "");
    free(empty);
    char *got = run_rows(ctx, p,
                         "tid=t1;user_id=u1;amount=20.00;currency=USD;timestamp=2026-03-13T15:00:00Z\n"
                         "tid=t2;user_id=u2;amount=30.00;currency=EUR;timestamp=2026-03-13T15:00:00Z\n",
                         false);
    ck_assert_str_eq(got, "t1 o 2.00 USD\nt2 o 3.00 EUR\n");
    free(got);
    /* Amounts written without a currency are pots across currencies, in
     * units of 10^-4: the budgets hold 2.00 USD and 3.00 EUR together. */
    ck_assert_uint_eq(cbr_state_count(cbr_context_state(ctx)), 6);
    char *snap = state_text(cbr_context_state(ctx));
    ck_assert_str_eq(snap, "a|o|u1|m2026-03-01|*\t20000\n"
                           "a|o|u2|m2026-03-01|*\t30000\n"
                           "b|o|*\t50000\n"
                           "c|c|*\t50000\n"
                           "n|o|u1|w2026-03-09\t1\n"
                           "n|o|u2|w2026-03-09\t1\n");
    free(snap);
    ck_assert_int_eq(cbr_state_save(NULL, &snap, &(size_t){0}, NULL), CBR_ERR_ARG);
    cbr_context_free(ctx);
    cbr_program_free(p);
}
END_TEST

/* A snapshot loaded into a new context (of the bundle's program) carries on:
 * the one award of `limit 1 per user` used by u1 stays used. */
START_TEST(state_load_continues_the_limits)
{
    cbr_program *p =
        prog_from_source("offer \"o\" { limit 1 per user when amount > 0 then cashback 1.00 }\n");
    cbr_context *c1 = t_context_new(p, 0);
    char *got = run_rows(c1, p, U1("t1", "2026-03-13T10:00:00Z"), false);
    ck_assert_str_eq(got, "t1 o 1.00 USD\n");
    free(got);
    char *snap = state_text(cbr_context_state(c1));
    ck_assert_str_eq(snap, "n|o|u1|-\t1\n");
    cbr_context_free(c1);

    cbr_program *q = prog_reload(p);
    cbr_context *c2 = t_context_new(q, 0);
    cbr_error err = {0};
    ck_assert_int_eq(cbr_state_load(cbr_context_state(c2), snap, strlen(snap), &err), CBR_OK);
    ck_assert_uint_eq(cbr_state_count(cbr_context_state(c2)), 1);
    got = run_rows(c2, q,
                   U1("t2", "2026-03-14T10:00:00Z")
                   "tid=t3;user_id=u2;amount=20.00;currency=USD;timestamp=2026-03-14T11:00:00Z\n",
                   true);
    ck_assert_str_eq(got, "t3 o 1.00 USD\n");
    free(got);
    char *after = state_text(cbr_context_state(c2));
    ck_assert_str_eq(after, "n|o|u1|-\t1\nn|o|u2|-\t1\n");
    free(after);

    /* Loading adds to what the state holds: the same snapshot again makes 2. */
    ck_assert_int_eq(cbr_state_load(cbr_context_state(c2), snap, strlen(snap), &err), CBR_OK);
    after = state_text(cbr_context_state(c2));
    ck_assert_str_eq(after, "n|o|u1|-\t2\nn|o|u2|-\t1\n");
    free(after);
    free(snap);
    cbr_context_free(c2);
    cbr_program_free(q);
    cbr_program_free(p);
}
END_TEST

/* A malformed line is refused with its number, and nothing of that
 * snapshot is kept, not even its good lines before the bad one. */
START_TEST(state_load_refuses_a_malformed_line)
{
    static const struct {
        const char *text;
        const char *line;
    } bad[] = {
        {"b|o|USD\t5\nn|o|u2|-\t1\nno tab here\n", "line 3"},
        {"\t5\n", "line 1"},
        {"b|o|USD\t5\nn|o|u2|-\t\n", "line 2"},
        {"b|o|USD\t12x\n", "line 1"},
        {"b|o|USD\t5\nb|o|EUR\t1.5\nb|o|GBP\t3\n", "line 2"},
        {"b|o|USD\t99999999999999999999\n", "line 1"},
    };
    cbr_state *st = t_state_new();
    ck_assert_ptr_nonnull(st);
    cbr_error err = {0};
    const char *good = "n|o|u1|-\t1\n";
    ck_assert_int_eq(cbr_state_load(st, good, strlen(good), &err), CBR_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        cbr_status s = cbr_state_load(st, bad[i].text, strlen(bad[i].text), &err);
        ck_assert_msg(s != CBR_OK, "snapshot %zu was accepted", i);
        ck_assert_int_eq(err.status, s);
        ck_assert_msg(strstr(err.message, bad[i].line) != NULL, "snapshot %zu: `%s` does not say %s", i,
                      err.message, bad[i].line);
        ck_assert_uint_eq(cbr_state_count(st), 1);
        char *snap = state_text(st);
        ck_assert_str_eq(snap, good);
        free(snap);
    }
    cbr_state_free(st);
}
END_TEST

/* Ids and user ids with the key's separators, a tab or a newline can
 * neither break a snapshot line nor make two keys collide. */
START_TEST(state_keys_with_separators_round_trip)
{
    cbr_program *p =
        prog_from_source("offer \"o|x\" { limit 1 per user when amount > 0 then cashback 1.00 }\n");
    cbr_context *c1 = t_context_new(p, 0);
    char *got = run_rows(c1, p,
                         "tid=t1;user_id=a|b;amount=1.00;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
                         "tid=t2;user_id=a;amount=1.00;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
                         "tid=t3;user_id=a\tb;amount=1.00;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
                         "tid=t4;user_id=a\\|b;amount=1.00;currency=USD;timestamp=2026-03-13T10:00:00Z\n"
                         "tid=t5;user_id=a|b;amount=1.00;currency=USD;timestamp=2026-03-13T10:00:00Z\n",
                         false);
    ck_assert_str_eq(got, "t1 o|x 1.00 USD\nt2 o|x 1.00 USD\nt3 o|x 1.00 USD\nt4 o|x 1.00 USD\n");
    free(got);
    ck_assert_uint_eq(cbr_state_count(cbr_context_state(c1)), 4);
    char *snap = state_text(cbr_context_state(c1));
    size_t lines = 0, tabs = 0;
    for (const char *s = snap; *s; s++) {
        lines += *s == '\n';
        tabs += *s == '\t';
    }
    ck_assert_uint_eq(lines, 4);
    ck_assert_uint_eq(tabs, 4);

    cbr_context *c2 = t_context_new(p, 0);
    cbr_error err = {0};
    ck_assert_int_eq(cbr_state_load(cbr_context_state(c2), snap, strlen(snap), &err), CBR_OK);
    char *again = state_text(cbr_context_state(c2));
    ck_assert_str_eq(again, snap);
    free(again);
    got = run_rows(c2, p,
                   "tid=t6;user_id=a\tb;amount=1.00;currency=USD;timestamp=2026-03-14T10:00:00Z\n"
                   "tid=t7;user_id=a|b;amount=1.00;currency=USD;timestamp=2026-03-14T10:00:00Z\n"
                   "tid=t8;user_id=b;amount=1.00;currency=USD;timestamp=2026-03-14T10:00:00Z\n",
                   false);
    ck_assert_str_eq(got, "t8 o|x 1.00 USD\n");
    free(got);
    free(snap);
    cbr_context_free(c2);
    cbr_context_free(c1);
    cbr_program_free(p);
}
END_TEST

/* A host store: a few counters in an array, and every call written down. */
typedef struct rec_store {
    char keys[16][96];
    int64_t vals[16];
    int nkeys;
    char log[64][128];
    int nlog;
    cbr_status fail_get, fail_add;
} rec_store;

static int64_t *rec_slot(rec_store *s, const char *key, size_t len, bool create)
{
    for (int i = 0; i < s->nkeys; i++)
        if (strlen(s->keys[i]) == len && memcmp(s->keys[i], key, len) == 0)
            return &s->vals[i];
    if (!create || s->nkeys == 16 || len >= sizeof s->keys[0])
        return NULL;
    memcpy(s->keys[s->nkeys], key, len);
    s->keys[s->nkeys][len] = '\0';
    s->vals[s->nkeys] = 0;
    return &s->vals[s->nkeys++];
}

static cbr_status rec_get(void *ud, const char *key, size_t len, int64_t *value)
{
    rec_store *s = ud;
    if (s->nlog < 64)
        snprintf(s->log[s->nlog++], sizeof s->log[0], "get %.*s", (int)len, key);
    if (s->fail_get)
        return s->fail_get;
    int64_t *v = rec_slot(s, key, len, false);
    *value = v ? *v : 0;
    return CBR_OK;
}

/* Logs each counter it would add to as `add KEY DELTA`, then applies them
 * all, or none when one would pass its maximum. */
static cbr_status rec_reserve(void *ud, cbr_reservation *items, size_t n, int *granted)
{
    rec_store *s = ud;
    *granted = 0;
    for (size_t i = 0; i < n; i++)
        if (s->nlog < 64)
            snprintf(s->log[s->nlog++], sizeof s->log[0], "add %.*s %lld", (int)items[i].len, items[i].key,
                     (long long)items[i].delta);
    if (s->fail_add)
        return s->fail_add;
    for (size_t i = 0; i < n; i++) {
        int64_t *v = rec_slot(s, items[i].key, items[i].len, false);
        items[i].value = v ? *v : 0;
        if (items[i].delta > 0 && items[i].value + items[i].delta > items[i].max)
            return CBR_OK;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t *v = rec_slot(s, items[i].key, items[i].len, true);
        if (!v)
            return CBR_ERR_LIMIT;
        *v += items[i].delta;
    }
    *granted = 1;
    return CBR_OK;
}

static int by_text(const void *a, const void *b) { return strcmp(a, b); }

/* The calls so far, sorted, one a line; the log is emptied. */
static char *rec_calls(rec_store *s)
{
    sbuf out = {0};
    qsort(s->log, (size_t)s->nlog, sizeof s->log[0], by_text);
    for (int i = 0; i < s->nlog; i++)
        sb_printf(&out, "%s\n", s->log[i]);
    s->nlog = 0;
    return sb_take(&out);
}

static unsigned ncalls_award;
static void count_award(void *ud, const cbr_award *a) { ncalls_award++; }

START_TEST(host_store_is_what_evaluation_uses)
{
    cbr_program *p = prog_from_source("offer \"o\" { limit 1 per user per day budget 10.00\n"
                                      "            when amount > 0 then cashback 1.00 }\n"
                                      "offer \"free\" { when amount > 0 then cashback 0.10 }\n");
    cbr_context *ctx = t_context_new(p, 0);
    rec_store rs;
    memset(&rs, 0, sizeof rs);
    cbr_store store = {.size = sizeof store, .ud = &rs, .get = rec_get, .reserve = rec_reserve};
    cbr_context_set_store(ctx, &store, NULL);

    char *got = run_rows(ctx, p, U1("t1", "2026-03-13T15:00:00Z"), false);
    ck_assert_str_eq(got, "t1 free 0.10 USD\nt1 o 1.00 USD\n");
    free(got);
    char *calls = rec_calls(&rs);
    ck_assert_str_eq(calls, "add b|o|* 10000\n"
                            "add n|o|u1|d2026-03-13 1\n"
                            "get b|o|*\n"
                            "get n|o|u1|d2026-03-13\n");
    free(calls);
    ck_assert_uint_eq(cbr_state_count(cbr_context_state(ctx)), 0);

    /* The store says u1 has had the day's award: nothing is added. */
    got = run_rows(ctx, p, U1("t2", "2026-03-13T16:00:00Z"), false);
    ck_assert_str_eq(got, "t2 free 0.10 USD\n");
    free(got);
    calls = rec_calls(&rs);
    ck_assert_ptr_null(strstr(calls, "add "));
    ck_assert_ptr_nonnull(strstr(calls, "get n|o|u1|d2026-03-13\n"));
    free(calls);

    /* A count the host put in its store is honoured too. */
    *rec_slot(&rs, "n|o|u2|d2026-03-13", strlen("n|o|u2|d2026-03-13"), true) = 1;
    got = run_rows(ctx, p,
                   "tid=t3;user_id=u2;amount=20.00;currency=USD;timestamp=2026-03-13T17:00:00Z\n",
                   false);
    ck_assert_str_eq(got, "t3 free 0.10 USD\n");
    free(got);
    rs.nlog = 0;

    /* NULL gives the context its own (still empty) state back. */
    cbr_context_set_store(ctx, NULL, NULL);
    got = run_rows(ctx, p, U1("t4", "2026-03-13T18:00:00Z"), false);
    ck_assert_str_eq(got, "t4 free 0.10 USD\nt4 o 1.00 USD\n");
    free(got);
    ck_assert_int_eq(rs.nlog, 0);
    char *snap = state_text(cbr_context_state(ctx));
    ck_assert_str_eq(snap, "b|o|*\t10000\nn|o|u1|d2026-03-13\t1\n");
    free(snap);
    cbr_context_free(ctx);
    cbr_program_free(p);
}
END_TEST

/* Evaluates one u1 row with a store that fails: an error, no awards. */
static void check_store_failure(bool in_get)
{
    cbr_program *p = prog_from_source("offer \"o\" { limit 1 per user when amount > 0 then cashback 1.00 }\n"
                                      "offer \"free\" { when amount > 0 then cashback 0.10 }\n");
    cbr_context *ctx = t_context_new(p, 0);
    rec_store rs;
    memset(&rs, 0, sizeof rs);
    if (in_get)
        rs.fail_get = CBR_ERR_IO;
    else
        rs.fail_add = CBR_ERR_IO;
    cbr_store store = {.size = sizeof store, .ud = &rs, .get = rec_get, .reserve = rec_reserve};
    cbr_context_set_store(ctx, &store, NULL);
    cbr_batch *b = t_batch_new(p, 0);
    add_row(b, p, U1("t1", "2026-03-13T15:00:00Z"), strlen(U1("t1", "2026-03-13T15:00:00Z")) - 1);
    add_row(b, p, U1("t2", "2026-03-13T16:00:00Z"), strlen(U1("t2", "2026-03-13T16:00:00Z")) - 1);
    cbr_error err;
    memset(&err, 0, sizeof err);
    ncalls_award = 0;
    cbr_status st = cbr_eval(ctx, b, count_award, NULL, &err);
    ck_assert_int_ne(st, CBR_OK);
    ck_assert_int_eq(err.status, st);
    ck_assert_uint_gt(strlen(err.message), 0);
    ck_assert_uint_eq(ncalls_award, 0);
    size_t n = 99;
    cbr_context_awards(ctx, &n);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_gt(rs.nlog, 0);

    /* The context is still usable with its own state. */
    cbr_context_set_store(ctx, NULL, NULL);
    ck_assert_int_eq(cbr_eval(ctx, b, count_award, NULL, &err), CBR_OK);
    ck_assert_uint_eq(ncalls_award, 3);
    cbr_batch_free(b);
    cbr_context_free(ctx);
    cbr_program_free(p);
}

START_TEST(host_store_get_failure_fails_the_evaluation)
{
    check_store_failure(true);
}
END_TEST

START_TEST(host_store_add_failure_fails_the_evaluation)
{
    check_store_failure(false);
}
END_TEST

/* Each context keeps its own state; a state behind cbr_state_store may be
 * shared by contexts of one thread. */
START_TEST(contexts_keep_their_own_state)
{
    cbr_program *p =
        prog_from_source("offer \"o\" { limit 1 per user when amount > 0 then cashback 1.00 }\n");
    cbr_context *a = t_context_new(p, 0), *b = t_context_new(p, 0);
    char *x = run_rows(a, p, U1("t1", "2026-03-13T10:00:00Z") U1("t2", "2026-03-13T11:00:00Z"), false);
    char *y = run_rows(b, p, U1("t3", "2026-03-13T12:00:00Z"), false);
    ck_assert_str_eq(x, "t1 o 1.00 USD\n");
    ck_assert_str_eq(y, "t3 o 1.00 USD\n");
    free(x);
    free(y);

    cbr_state *shared = t_state_new();
    cbr_store s = cbr_state_store(shared);
    cbr_context_set_store(a, &s, NULL);
    cbr_context_set_store(b, &s, NULL);
    x = run_rows(a, p, U1("t4", "2026-03-14T10:00:00Z"), false);
    y = run_rows(b, p, U1("t5", "2026-03-14T11:00:00Z"), false);
    ck_assert_str_eq(x, "t4 o 1.00 USD\n");
    ck_assert_str_eq(y, "");
    free(x);
    free(y);
    ck_assert_uint_eq(cbr_state_count(shared), 1);
    cbr_context_free(a);
    cbr_context_free(b);
    cbr_state_free(shared);
    cbr_program_free(p);
}
END_TEST

/* What a host converting an older state is told of each counter key. */
static const char *pot_of(const cbr_program *p, const char *key, int64_t v)
{
    static char out[160];
    char buf[128];
    size_t n = 0;
    int64_t pv = 0;
    int rc = cbr_program_pot_key(p, key, strlen(key), v, buf, sizeof buf, &n, &pv);
    if (rc != 1)
        snprintf(out, sizeof out, "%d", rc);
    else
        snprintf(out, sizeof out, "%.*s %lld", (int)n, buf, (long long)pv);
    return out;
}

START_TEST(older_per_currency_counters_name_their_pot)
{
    cbr_program *p = prog_from_source("campaign \"c\" { budget 100.00 per day }\n"
                                      "campaign \"k\" { budget 50.00 USD }\n"
                                      "offer \"o|x\" { campaign \"c\" budget 10.00 limit 6.00 per user per month\n"
                                      "              when amount > 0 then cashback 10% }\n"
                                      "offer \"m\" { campaign \"k\" limit 5.00 per user per month limit 7.00 USD per user per month\n"
                                      "            limit 9.00 per user budget 5.00 EUR when amount > 0 then cashback 10% }\n");
    ck_assert_str_eq(pot_of(p, "b|o\\|x|USD", 200), "b|o\\|x|* 20000");
    ck_assert_str_eq(pot_of(p, "b|o\\|x|JPY", 6), "b|o\\|x|* 60000");
    ck_assert_str_eq(pot_of(p, "b|o\\|x|KWD", 1500), "b|o\\|x|* 15000");
    ck_assert_str_eq(pot_of(p, "a|o\\|x|u\\|1|m2026-03-01|EUR", 250), "a|o\\|x|u\\|1|m2026-03-01|* 25000");
    ck_assert_str_eq(pot_of(p, "c|c|d2026-03-02|USD", 40), "c|c|d2026-03-02|* 4000");
    /* Not pots: a currency was written, the period does not match, a pot
     * already, a count, an offer or campaign the program lacks, and a
     * money limit of a month that shared its counter with a USD one. */
    ck_assert_str_eq(pot_of(p, "c|k|USD", 40), "0");
    ck_assert_str_eq(pot_of(p, "b|m|EUR", 40), "0");
    ck_assert_str_eq(pot_of(p, "c|c|USD", 40), "0");
    ck_assert_str_eq(pot_of(p, "b|o\\|x|*", 40), "0");
    ck_assert_str_eq(pot_of(p, "n|o\\|x|u1|d2026-03-02", 1), "0");
    ck_assert_str_eq(pot_of(p, "b|gone|USD", 40), "0");
    ck_assert_str_eq(pot_of(p, "b|o|USD", 40), "0");
    ck_assert_str_eq(pot_of(p, "a|m|u1|m2026-03-01|USD", 40), "0");
    ck_assert_str_eq(pot_of(p, "a|m|u1|-|USD", 40), "a|m|u1|-|* 4000");
    ck_assert_str_eq(pot_of(p, "b|o\\|x|ZZZ", 40), "0");
    /* Too small a buffer, and a value past 64 bits in the pot's units. */
    char small[4];
    size_t n;
    int64_t v;
    ck_assert_int_eq(cbr_program_pot_key(p, "b|o\\|x|USD", 10, 1, small, sizeof small, &n, &v), -1);
    ck_assert_str_eq(pot_of(p, "b|o\\|x|JPY", INT64_MAX / 1000), "0");
    cbr_program_free(p);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("limits");
    UNIT_TCASE(s, "s11_limit_count", limit_n_per_user_all_time, limit_counters_are_per_user,
               limit_per_day_is_the_calendar_day, limit_per_day_in_the_offer_timezone,
               limit_per_week_is_the_iso_week, limit_per_week_spans_the_year_end,
               limit_per_week_in_the_offer_timezone, limit_per_month_is_the_calendar_month,
               limit_per_month_in_the_offer_timezone, no_user_id_never_earns_from_a_per_user_limit);
    UNIT_TCASE(s, "s11_limit_amount", money_limit_cuts_to_the_room_left_then_drops,
               a_cut_award_counts_as_one, a_dropped_award_does_not_count,
               count_and_money_limits_both_apply, money_limits_of_one_period_share_a_counter);
    UNIT_TCASE(s, "s11_budget", offer_budget_is_shared_by_all_users, campaign_budget_runs_out_mid_batch,
               offer_and_campaign_budgets_both_apply, budget_without_a_code_is_one_pot_across_currencies,
               a_pot_adds_currencies_of_every_exponent_exactly,
               a_currency_code_lets_only_that_currency_earn);
    UNIT_TCASE(s, "s10_exclusive", exclusive_first_candidate_by_priority_then_id,
               exclusive_next_candidate_after_a_limit, exclusive_cut_award_keeps_the_group,
               exclusive_without_a_user_passes_to_the_next,
               exclusive_skipped_candidate_is_not_counted);
    UNIT_TCASE(s, "more_limits", limit_n_total_across_customers, limit_total_per_day_in_the_offer_timezone,
               limit_total_needs_no_user, per_year_limits_and_budget, budget_per_day_starts_afresh,
               campaign_budget_per_period_in_its_zone, no_partial_drops_what_a_limit_would_cut,
               no_partial_with_budgets_and_groups);
    UNIT_TCASE(s, "award", award_fields_after_a_cut);
    UNIT_TCASE(s, "s9_rounding", rounding_default_is_down, rounding_down, rounding_up,
               rounding_half_up, rounding_half_even, rounding_to_zero_is_no_award,
               caps_apply_after_rounding);
    UNIT_TCASE(s, "s4_timezones", dst_new_york_spring_forward, dst_new_york_fall_back,
               dst_london_spring_forward, dst_london_fall_back, per_day_limit_at_local_midnight_new_york,
               per_day_limit_at_local_midnight_london, valid_window_is_the_local_date);
    UNIT_TCASE(s, "state", state_snapshot_is_sorted_key_value_lines, state_load_continues_the_limits,
               state_load_refuses_a_malformed_line, state_keys_with_separators_round_trip,
               host_store_is_what_evaluation_uses, host_store_get_failure_fails_the_evaluation,
               host_store_add_failure_fails_the_evaluation, contexts_keep_their_own_state,
               older_per_currency_counters_name_their_pot);
    return s;
}

UNIT_MAIN(make_suite)
