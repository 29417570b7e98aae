/* check_date.c: stdlib/date (the proleptic Gregorian calendar, dates and
 * instants as the language writes them) and stdlib/tz (zone lookup).
 * Language reference: section 2 (dates, instants), section 7 (timezone). */
#include "config.h"
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tests/unit/unit.h"
#include "stdlib/date.h"
#include "stdlib/tz.h"

static bool pdate(const char *s, int32_t *days)
{
    return cbrdate_parse(s, strlen(s), days);
}

static cbrinst_err pinst(const char *s, int64_t *secs, int *off)
{
    return cbrinst_parse(s, strlen(s), secs, off);
}

/* ---- civil calendar ---- */

START_TEST(epoch_is_day_zero)
{
    ck_assert_int_eq(cbrdate_from_civil(1970, 1, 1), 0);
    ck_assert_int_eq(cbrdate_from_civil(1969, 12, 31), -1);
    ck_assert_int_eq(cbrdate_from_civil(1970, 1, 2), 1);
    ck_assert_int_eq(cbrdate_from_civil(2026, 3, 13), 20525);
    ck_assert_int_eq(cbrdate_from_civil(2000, 2, 29), 11016);
    ck_assert_int_eq(cbrdate_from_civil(1900, 1, 1), -25567);
    ck_assert_int_eq(cbrdate_from_civil(1, 1, 1), -719162);
    ck_assert_int_eq(cbrdate_from_civil(9999, 12, 31), 2932896);
}
END_TEST

START_TEST(civil_round_trip_every_day_1900_to_2100)
{
    int32_t expect = cbrdate_from_civil(1900, 1, 1);
    unsigned wd = cbrdate_weekday(expect);
    ck_assert_uint_eq(wd, 1); /* 1900-01-01 was a Monday */
    unsigned ndays = 0;
    for (int y = 1900; y <= 2100; y++)
        for (unsigned m = 1; m <= 12; m++)
            for (unsigned d = 1; d <= 31; d++) {
                if (!cbrdate_valid(y, m, d))
                    continue;
                int32_t z = cbrdate_from_civil(y, m, d);
                ck_assert_msg(z == expect, "%04d-%02u-%02u is day %d, expected %d", y, m, d, z, expect);
                int yy;
                unsigned mm, dd;
                cbrdate_to_civil(z, &yy, &mm, &dd);
                ck_assert_msg(yy == y && mm == m && dd == d, "day %d -> %04d-%02u-%02u, expected %04d-%02u-%02u",
                              z, yy, mm, dd, y, m, d);
                ck_assert_msg(cbrdate_weekday(z) == wd, "weekday of %04d-%02u-%02u is %u, expected %u",
                              y, m, d, cbrdate_weekday(z), wd);
                wd = wd % 7 + 1;
                expect++;
                ndays++;
            }
    /* 201 years, 49 of them leap (1900 and 2100 are not). */
    ck_assert_uint_eq(ndays, 201 * 365 + 49);
    ck_assert_int_eq(expect - 1, cbrdate_from_civil(2100, 12, 31));
}
END_TEST

START_TEST(civil_round_trip_at_the_year_range_ends)
{
    const int32_t days[] = {-719162, -719161, 2932896, 2932895, -1, 0, 1, -146097, 146097};
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
        int y;
        unsigned m, d;
        cbrdate_to_civil(days[i], &y, &m, &d);
        ck_assert_msg(cbrdate_valid(y, m, d), "day %d -> %d-%u-%u", days[i], y, m, d);
        ck_assert_int_eq(cbrdate_from_civil(y, m, d), days[i]);
    }
    int y;
    unsigned m, d;
    cbrdate_to_civil(-719162, &y, &m, &d);
    ck_assert(y == 1 && m == 1 && d == 1);
    cbrdate_to_civil(2932896, &y, &m, &d);
    ck_assert(y == 9999 && m == 12 && d == 31);
}
END_TEST

START_TEST(known_weekdays)
{
    ck_assert_uint_eq(cbrdate_weekday(0), 4);                               /* 1970-01-01 THU */
    ck_assert_uint_eq(cbrdate_weekday(cbrdate_from_civil(2026, 3, 13)), 5); /* FRI */
    ck_assert_uint_eq(cbrdate_weekday(-1), 3);                              /* 1969-12-31 WED */
    ck_assert_uint_eq(cbrdate_weekday(-3), 1);                              /* 1969-12-29 MON */
    ck_assert_uint_eq(cbrdate_weekday(3), 7);                               /* 1970-01-04 SUN */
    ck_assert_uint_eq(cbrdate_weekday(cbrdate_from_civil(2026, 12, 28)), 1);
    ck_assert_uint_eq(cbrdate_weekday(cbrdate_from_civil(1, 1, 1)), 1);
    ck_assert_uint_eq(cbrdate_weekday(cbrdate_from_civil(9999, 12, 31)), 5);
}
END_TEST

START_TEST(leap_years)
{
    ck_assert(cbrdate_valid(2000, 2, 29));
    ck_assert(!cbrdate_valid(1900, 2, 29));
    ck_assert(cbrdate_valid(2024, 2, 29));
    ck_assert(!cbrdate_valid(2023, 2, 29));
    ck_assert(!cbrdate_valid(2100, 2, 29));
    ck_assert(cbrdate_valid(2400, 2, 29));
    ck_assert(!cbrdate_valid(2024, 2, 30));
    ck_assert(cbrdate_valid(4, 2, 29));
}
END_TEST

START_TEST(invalid_dates)
{
    ck_assert(!cbrdate_valid(2026, 4, 31));
    ck_assert(cbrdate_valid(2026, 4, 30));
    ck_assert(!cbrdate_valid(2026, 13, 1));
    ck_assert(!cbrdate_valid(2026, 0, 1));
    ck_assert(!cbrdate_valid(2026, 1, 0));
    ck_assert(!cbrdate_valid(2026, 1, 32));
    ck_assert(!cbrdate_valid(0, 1, 1));
    ck_assert(!cbrdate_valid(-1, 1, 1));
    ck_assert(cbrdate_valid(9999, 12, 31));
    ck_assert(!cbrdate_valid(10000, 1, 1));
}
END_TEST

START_TEST(date_format)
{
    char buf[11];
    cbrdate_format(0, buf);
    ck_assert_str_eq(buf, "1970-01-01");
    cbrdate_format(20525, buf);
    ck_assert_str_eq(buf, "2026-03-13");
    cbrdate_format(-719162, buf);
    ck_assert_str_eq(buf, "0001-01-01");
    cbrdate_format(2932896, buf);
    ck_assert_str_eq(buf, "9999-12-31");
}
END_TEST

/* ---- cbrdate_parse: YYYY-MM-DD exactly ---- */

START_TEST(date_parse_valid)
{
    int32_t d = 0;
    ck_assert(pdate("2026-03-13", &d));
    ck_assert_int_eq(d, 20525);
    ck_assert(pdate("1970-01-01", &d));
    ck_assert_int_eq(d, 0);
    ck_assert(pdate("0001-01-01", &d));
    ck_assert_int_eq(d, -719162);
    ck_assert(pdate("9999-12-31", &d));
    ck_assert_int_eq(d, 2932896);
    ck_assert(pdate("2024-02-29", &d));
}
END_TEST

START_TEST(date_parse_strict)
{
    int32_t d = 12345;
    const char *bad[] = {"2026-3-13", "2026-03-1", "26-03-13", "2026/03/13", "2026-03-13 ", " 2026-03-13",
                         "2026-03-13T", "20260313", "2026-02-30", "2026-13-01", "2026-00-10",
                         "2026-01-00", "0000-01-01", "1900-02-29", "2026-03-1a", "+026-03-13",
                         "2026--3-13", "", "2026-03-13Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!pdate(bad[i], &d), "\"%s\" parsed", bad[i]);
    ck_assert_int_eq(d, 12345);
    /* Exactly 10 bytes are read. */
    ck_assert(cbrdate_parse("2026-03-13xyz", 10, &d));
    ck_assert_int_eq(d, 20525);
    ck_assert(!cbrdate_parse("2026-03-13", 9, &d));
}
END_TEST

/* ---- cbrinst_parse ---- */

START_TEST(instant_utc)
{
    int64_t s = 0;
    int off = 99;
    ck_assert_int_eq(pinst("2026-03-13T10:00:00Z", &s, &off), CBRINST_OK);
    ck_assert_int_eq(s, 1773396000LL);
    ck_assert_int_eq(off, 0);
    ck_assert_int_eq(pinst("1970-01-01T00:00:00Z", &s, &off), CBRINST_OK);
    ck_assert_int_eq(s, 0);
    ck_assert_int_eq(pinst("1969-12-31T23:59:59Z", &s, &off), CBRINST_OK);
    ck_assert_int_eq(s, -1);
    ck_assert_int_eq(pinst("2026-03-13T10:00:00z", &s, &off), CBRINST_OK);
    ck_assert_int_eq(s, 1773396000LL);
    ck_assert_int_eq(pinst("2026-03-13t10:00:00Z", &s, &off), CBRINST_OK);
    ck_assert_int_eq(s, 1773396000LL);
}
END_TEST

START_TEST(instant_seconds_optional)
{
    int64_t a = 0, b = 1;
    int off;
    ck_assert_int_eq(pinst("2026-03-13T10:00Z", &a, &off), CBRINST_OK);
    ck_assert_int_eq(pinst("2026-03-13T10:00:00Z", &b, &off), CBRINST_OK);
    ck_assert_int_eq(a, b);
    ck_assert_int_eq(pinst("2026-03-13T10:00:59Z", &b, &off), CBRINST_OK);
    ck_assert_int_eq(b - a, 59);
    ck_assert_int_eq(pinst("2026-03-13T23:59+05:30", &a, &off), CBRINST_OK);
    ck_assert_int_eq(off, 330);
}
END_TEST

START_TEST(instant_offsets)
{
    int64_t a, b;
    int off;
    ck_assert_int_eq(pinst("2026-03-13T10:00:00+05:30", &a, &off), CBRINST_OK);
    ck_assert_int_eq(off, 330);
    ck_assert_int_eq(pinst("2026-03-13T04:30:00Z", &b, &off), CBRINST_OK);
    ck_assert_int_eq(a, b);
    ck_assert_int_eq(a, 1773376200LL);
    ck_assert_int_eq(pinst("2026-03-13T15:30:00+05:30", &a, &off), CBRINST_OK);
    ck_assert_int_eq(a, 1773396000LL);
    ck_assert_int_eq(pinst("2027-01-13T06:08:00-04:00", &a, &off), CBRINST_OK);
    ck_assert_int_eq(off, -240);
    ck_assert_int_eq(pinst("2027-01-13T10:08:00Z", &b, &off), CBRINST_OK);
    ck_assert_int_eq(a, b);
    /* An offset can move the instant to another UTC day. */
    ck_assert_int_eq(pinst("2026-01-01T00:30+01:00", &a, &off), CBRINST_OK);
    ck_assert_int_eq(pinst("2025-12-31T23:30Z", &b, &off), CBRINST_OK);
    ck_assert_int_eq(a, b);
    /* +00:00 and -00:00 are UTC. */
    ck_assert_int_eq(pinst("2026-03-13T10:00:00-00:00", &a, &off), CBRINST_OK);
    ck_assert_int_eq(off, 0);
    ck_assert_int_eq(a, 1773396000LL);
    /* The extremes of the offset range. */
    ck_assert_int_eq(pinst("2026-03-13T10:00+18:00", &a, &off), CBRINST_OK);
    ck_assert_int_eq(off, 18 * 60);
    ck_assert_int_eq(a, 1773396000LL - 18 * 3600);
    ck_assert_int_eq(pinst("2026-03-13T10:00-18:00", &a, &off), CBRINST_OK);
    ck_assert_int_eq(off, -18 * 60);
}
END_TEST

START_TEST(instant_fraction_dropped)
{
    int64_t a, b;
    int off;
    ck_assert_int_eq(pinst("2026-03-13T10:00:00.999Z", &a, &off), CBRINST_OK);
    ck_assert_int_eq(pinst("2026-03-13T10:00:00Z", &b, &off), CBRINST_OK);
    ck_assert_int_eq(a, b);
    ck_assert_int_eq(pinst("2026-03-13T10:00:07.5+01:00", &a, &off), CBRINST_OK);
    ck_assert_int_eq(a, 1773396000LL - 3600 + 7);
    ck_assert_int_eq(pinst("2026-03-13T10:00:00.123456789Z", &a, &off), CBRINST_OK);
    ck_assert_int_eq(a, b);
}
END_TEST

START_TEST(instant_errors)
{
    static const struct { const char *s; cbrinst_err e; } t[] = {
        {"2026-03-13T10:00:00", CBRINST_NO_OFFSET},
        {"2026-03-13T10:00", CBRINST_NO_OFFSET},
        {"2026-03-13T10:00:00.5", CBRINST_NO_OFFSET},
        {"2026-03-13T24:00:00Z", CBRINST_BAD_TIME},
        {"2026-03-13T25:00Z", CBRINST_BAD_TIME},
        {"2026-03-13T10:60Z", CBRINST_BAD_TIME},
        {"2026-03-13T10:00:60Z", CBRINST_BAD_TIME},
        {"2026-03-13T10:00:00+19:00", CBRINST_BAD_OFFSET},
        {"2026-03-13T10:00:00+18:01", CBRINST_BAD_OFFSET},
        {"2026-03-13T10:00:00-05:60", CBRINST_BAD_OFFSET},
        {"2026-02-30T10:00:00Z", CBRINST_BAD_DATE},
        {"2026-13-01T10:00Z", CBRINST_BAD_DATE},
        {"2026-03-13 10:00:00Z", CBRINST_SYNTAX},
        {"2026-03-13T1:00:00Z", CBRINST_SYNTAX},
        {"2026-03-13T10:00:0Z", CBRINST_SYNTAX},
        {"2026-03-13T10:00:00.Z", CBRINST_SYNTAX},
        {"2026-03-13T10:00:00+0530", CBRINST_SYNTAX},
        {"2026-03-13T10:00:00+5:30", CBRINST_SYNTAX},
        {"2026-03-13T10:00:00ZZ", CBRINST_SYNTAX},
        {"2026-03-13T10:00:00 Z", CBRINST_SYNTAX},
        {"2026-03-13T10:00:", CBRINST_SYNTAX},
        {"2026-03-13T10", CBRINST_SYNTAX},
        {"2026-03-13", CBRINST_SYNTAX},
        {"2026-3-13T10:00Z", CBRINST_SYNTAX},
        {"", CBRINST_SYNTAX},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int64_t s = 777;
        int off = 777;
        cbrinst_err e = pinst(t[i].s, &s, &off);
        ck_assert_msg(e == t[i].e, "\"%s\": error %d, expected %d", t[i].s, (int)e, (int)t[i].e);
        /* Nothing is written on failure. */
        ck_assert_int_eq(s, 777);
        ck_assert_int_eq(off, 777);
    }
}
END_TEST

START_TEST(instant_reads_only_n_bytes)
{
    int64_t s;
    int off;
    const char *text = "2026-03-13T10:00:00Zjunk";
    ck_assert_int_eq(cbrinst_parse(text, 20, &s, &off), CBRINST_OK);
    ck_assert_int_eq(s, 1773396000LL);
    ck_assert_int_eq(cbrinst_parse(text, 19, &s, &off), CBRINST_NO_OFFSET);
}
END_TEST

START_TEST(instant_error_texts)
{
    const char *seen[6] = {0};
    for (int e = CBRINST_OK; e <= CBRINST_BAD_OFFSET; e++) {
        const char *t = cbrinst_errtext((cbrinst_err)e);
        ck_assert_ptr_nonnull(t);
        ck_assert_uint_gt(strlen(t), 0);
        for (int k = 0; k < e; k++)
            ck_assert_str_ne(seen[k], t);
        seen[e] = t;
    }
    ck_assert_ptr_nonnull(strstr(cbrinst_errtext(CBRINST_NO_OFFSET), "offset"));
}
END_TEST

/* ---- tz (language reference 7: timezone) ---- */

START_TEST(tz_known_zones)
{
    unsetenv("TZDIR");
    ck_assert(cbrtz_exists(NULL, "America/New_York"));
    ck_assert(cbrtz_exists(NULL, "UTC"));
    ck_assert(cbrtz_exists(NULL, "Europe/London"));
    ck_assert(cbrtz_exists(NULL, "Asia/Kolkata"));
    ck_assert(cbrtz_exists(NULL, "Etc/GMT+5"));
}
END_TEST

START_TEST(tz_unknown_and_unsafe_names)
{
    unsetenv("TZDIR");
    ck_assert(!cbrtz_exists(NULL, "Nowhere/City"));
    ck_assert(!cbrtz_exists(NULL, "../etc/passwd"));
    ck_assert(!cbrtz_exists(NULL, "/etc/localtime"));
    ck_assert(!cbrtz_exists(NULL, "America/../UTC"));
    ck_assert(!cbrtz_exists(NULL, "America//New_York"));
    ck_assert(!cbrtz_exists(NULL, "America/New_York/"));
    ck_assert(!cbrtz_exists(NULL, ""));
    ck_assert(!cbrtz_exists(NULL, "America"));     /* a directory */
    ck_assert(!cbrtz_exists(NULL, "america/new_york"));
    ck_assert(!cbrtz_exists(NULL, "UTC "));
    ck_assert(!cbrtz_exists(NULL, "-UTC"));
    ck_assert(!cbrtz_exists(NULL, "zone.tab"));    /* '.' is not allowed in names */
    char longname[300];
    memset(longname, 'A', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    ck_assert(!cbrtz_exists(NULL, longname));
}
END_TEST

START_TEST(tz_dir_choice)
{
    unsetenv("TZDIR");
    ck_assert_str_eq(cbrtz_dir(NULL), "/usr/share/zoneinfo");
    ck_assert_str_eq(cbrtz_dir(""), "/usr/share/zoneinfo");
    ck_assert_str_eq(cbrtz_dir("/opt/zi"), "/opt/zi");
    setenv("TZDIR", "/env/zi", 1);
    ck_assert_str_eq(cbrtz_dir(NULL), "/env/zi");
    ck_assert_str_eq(cbrtz_dir("/opt/zi"), "/opt/zi");
    setenv("TZDIR", "", 1);
    ck_assert_str_eq(cbrtz_dir(NULL), "/usr/share/zoneinfo");
    unsetenv("TZDIR");
}
END_TEST

/* A private zoneinfo directory: a real TZif file, and a file that is not one. */
START_TEST(tz_checks_tzif_magic_in_given_dir)
{
    char dir[] = "/tmp/cbr-tz-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/Test", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/Test/Real", dir);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("TZif2\0\0\0", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/Test/Fake", dir);
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("hello world", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/Test/Short", dir);
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("TZ", f);
    fclose(f);

    bool real = cbrtz_exists(dir, "Test/Real");
    bool fake = cbrtz_exists(dir, "Test/Fake");
    bool shrt = cbrtz_exists(dir, "Test/Short");
    bool utc = cbrtz_exists(dir, "UTC"); /* not in this directory */
    setenv("TZDIR", dir, 1);
    bool via_env = cbrtz_exists(NULL, "Test/Real");
    unsetenv("TZDIR");

    const char *names[] = {"Test/Real", "Test/Fake", "Test/Short", "Test"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/Test", dir);
    rmdir(path);
    rmdir(dir);

    ck_assert(real);
    ck_assert(!fake);
    ck_assert(!shrt);
    ck_assert(!utc);
    ck_assert(via_env);
}
END_TEST

/* Limit periods (language reference, limits): days share a period exactly
 * when their period starts agree. */
static int32_t D(int y, unsigned m, unsigned d) { return cbrdate_from_civil(y, m, d); }

START_TEST(week_starts_on_monday)
{
    ck_assert_int_eq(cbrdate_week_start(D(2026, 3, 9)), D(2026, 3, 9));   /* a Monday */
    ck_assert_int_eq(cbrdate_week_start(D(2026, 3, 15)), D(2026, 3, 9));  /* its Sunday */
    ck_assert_int_eq(cbrdate_week_start(D(2026, 3, 16)), D(2026, 3, 16));
    ck_assert_int_eq(cbrdate_week_start(D(2026, 1, 1)), D(2025, 12, 29)); /* across a year */
    ck_assert_int_eq(cbrdate_week_start(D(1970, 1, 1)), D(1969, 12, 29)); /* before day 0 */
}
END_TEST

START_TEST(month_starts_on_the_first)
{
    ck_assert_int_eq(cbrdate_month_start(D(2026, 3, 31)), D(2026, 3, 1));
    ck_assert_int_eq(cbrdate_month_start(D(2024, 2, 29)), D(2024, 2, 1));
    ck_assert_int_eq(cbrdate_month_start(D(2026, 1, 1)), D(2026, 1, 1));
    ck_assert_int_ne(cbrdate_month_start(D(2026, 1, 31)), cbrdate_month_start(D(2026, 2, 1)));
}
END_TEST

/* `per year`: the calendar year, whatever the month and the leap day. */
START_TEST(year_starts_on_january_first)
{
    ck_assert_int_eq(cbrdate_year_start(D(2026, 12, 31)), D(2026, 1, 1));
    ck_assert_int_eq(cbrdate_year_start(D(2024, 2, 29)), D(2024, 1, 1));
    ck_assert_int_eq(cbrdate_year_start(D(2027, 1, 1)), D(2027, 1, 1));
    ck_assert_int_eq(cbrdate_year_start(D(1969, 7, 20)), D(1969, 1, 1)); /* before day 0 */
    ck_assert_int_ne(cbrdate_year_start(D(2026, 12, 31)), cbrdate_year_start(D(2027, 1, 1)));
}
END_TEST

START_TEST(iso_weeks_at_year_ends)
{
    int y;
    unsigned w;
    cbrdate_iso_week(D(2026, 1, 1), &y, &w); /* Thursday: week 1 of 2026 */
    ck_assert_int_eq(y, 2026);
    ck_assert_uint_eq(w, 1);
    cbrdate_iso_week(D(2027, 1, 1), &y, &w); /* Friday: still 2026-W53 */
    ck_assert_int_eq(y, 2026);
    ck_assert_uint_eq(w, 53);
    cbrdate_iso_week(D(2021, 1, 3), &y, &w); /* Sunday: 2020-W53 */
    ck_assert_int_eq(y, 2020);
    ck_assert_uint_eq(w, 53);
    cbrdate_iso_week(D(2024, 12, 30), &y, &w); /* Monday: 2025-W01 */
    ck_assert_int_eq(y, 2025);
    ck_assert_uint_eq(w, 1);
    cbrdate_iso_week(D(2026, 3, 13), &y, &w);
    ck_assert_int_eq(y, 2026);
    ck_assert_uint_eq(w, 11);
}
END_TEST

static Suite *date_suite(void)
{
    Suite *s = suite_create("date");
    UNIT_TCASE(s, "civil", epoch_is_day_zero, civil_round_trip_every_day_1900_to_2100,
               civil_round_trip_at_the_year_range_ends, known_weekdays, leap_years, invalid_dates,
               date_format);
    UNIT_TCASE(s, "date-parse", date_parse_valid, date_parse_strict);
    UNIT_TCASE(s, "instant-parse", instant_utc, instant_seconds_optional, instant_offsets,
               instant_fraction_dropped, instant_errors, instant_reads_only_n_bytes,
               instant_error_texts);
    UNIT_TCASE(s, "tz", tz_known_zones, tz_unknown_and_unsafe_names, tz_dir_choice,
               tz_checks_tzif_magic_in_given_dir);
    UNIT_TCASE(s, "periods", week_starts_on_monday, month_starts_on_the_first,
               year_starts_on_january_first, iso_weeks_at_year_ends);
    return s;
}

UNIT_MAIN(date_suite)
