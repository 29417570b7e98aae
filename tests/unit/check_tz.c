/* check_tz.c: stdlib/tz conversion of UTC instants to local civil time with
 * the system's TZif files (RFC 8536) and their footer TZ strings, and the
 * loader's robustness against truncated and corrupted files.
 * Language reference: section 7 (timezone). */
#include "config.h"
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tests/unit/unit.h"
#include "stdlib/date.h"
#include "stdlib/tz.h"

/* The system zoneinfo directory (NULL: $TZDIR or /usr/share/zoneinfo). */
#define ZDIR NULL

static int64_t utc(int y, unsigned mo, unsigned d, int h, int mi, int s)
{
    return (int64_t)cbrdate_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static cbrtz *load(const char *name)
{
    const char *err = NULL;
    cbrtz *z = cbrtz_load(ZDIR, name, NULL, NULL, &err);
    ck_assert_msg(z != NULL, "loading %s: %s", name, err ? err : "?");
    return z;
}

/* Asserts that instant t is local y-mo-d h:mi:s at offset off in zone z. */
#define ck_local(z, t, off, y, mo, d, h, mi, s)                                                 \
    do {                                                                                       \
        int32_t days_, sod_;                                                                   \
        int y_;                                                                                \
        unsigned m_, d_;                                                                       \
        ck_assert_int_eq(cbrtz_offset((z), (t)), (off));                                       \
        cbrtz_local((z), (t), &days_, &sod_);                                                  \
        cbrdate_to_civil(days_, &y_, &m_, &d_);                                                \
        ck_assert_msg(y_ == (y) && m_ == (unsigned)(mo) && d_ == (unsigned)(d) &&              \
                          sod_ == (h) * 3600 + (mi) * 60 + (s),                                \
                      "got %04d-%02u-%02u +%ds, expected %04d-%02u-%02u %02d:%02d:%02d", y_, m_, \
                      d_, sod_, (y), (unsigned)(mo), (unsigned)(d), (h), (mi), (s));           \
    } while (0)

/* ---- real zones ---- */

START_TEST(new_york_dst_starts)
{
    cbrtz *z = load("America/New_York");
    ck_local(z, utc(2026, 3, 8, 6, 59, 59), -5 * 3600, 2026, 3, 8, 1, 59, 59);
    ck_local(z, utc(2026, 3, 8, 7, 0, 0), -4 * 3600, 2026, 3, 8, 3, 0, 0);
    cbrtz_free(z);
}
END_TEST

START_TEST(new_york_dst_ends)
{
    cbrtz *z = load("America/New_York");
    ck_local(z, utc(2026, 11, 1, 5, 59, 59), -4 * 3600, 2026, 11, 1, 1, 59, 59);
    ck_local(z, utc(2026, 11, 1, 6, 0, 0), -5 * 3600, 2026, 11, 1, 1, 0, 0);
    cbrtz_free(z);
}
END_TEST

START_TEST(london_transitions)
{
    cbrtz *z = load("Europe/London");
    ck_local(z, utc(2026, 3, 29, 0, 59, 59), 0, 2026, 3, 29, 0, 59, 59);
    ck_local(z, utc(2026, 3, 29, 1, 0, 0), 3600, 2026, 3, 29, 2, 0, 0);
    ck_local(z, utc(2026, 10, 25, 0, 59, 59), 3600, 2026, 10, 25, 1, 59, 59);
    ck_local(z, utc(2026, 10, 25, 1, 0, 0), 0, 2026, 10, 25, 1, 0, 0);
    cbrtz_free(z);
}
END_TEST

START_TEST(half_and_quarter_hour_zones)
{
    cbrtz *k = load("Asia/Kolkata");
    cbrtz *n = load("Asia/Kathmandu");
    ck_local(k, utc(2026, 1, 15, 12, 0, 0), 19800, 2026, 1, 15, 17, 30, 0);
    ck_local(k, utc(2026, 7, 15, 20, 0, 0), 19800, 2026, 7, 16, 1, 30, 0);
    ck_local(n, utc(2026, 1, 15, 12, 0, 0), 20700, 2026, 1, 15, 17, 45, 0);
    ck_local(n, utc(2026, 7, 15, 12, 0, 0), 20700, 2026, 7, 15, 17, 45, 0);
    /* After the last transition: the footers "IST-5:30" and "<+0545>-5:45". */
    ck_local(k, utc(2100, 7, 1, 0, 0, 0), 19800, 2100, 7, 1, 5, 30, 0);
    ck_local(n, utc(2100, 7, 1, 0, 0, 0), 20700, 2100, 7, 1, 5, 45, 0);
    cbrtz_free(k);
    cbrtz_free(n);
}
END_TEST

START_TEST(sydney_southern_dst)
{
    cbrtz *z = load("Australia/Sydney");
    ck_local(z, utc(2026, 1, 15, 0, 0, 0), 11 * 3600, 2026, 1, 15, 11, 0, 0);
    ck_local(z, utc(2026, 7, 15, 0, 0, 0), 10 * 3600, 2026, 7, 15, 10, 0, 0);
    /* The footer's rules on both sides of a year boundary. */
    ck_local(z, utc(2099, 12, 31, 14, 0, 0), 11 * 3600, 2100, 1, 1, 1, 0, 0);
    ck_local(z, utc(2100, 7, 1, 0, 0, 0), 10 * 3600, 2100, 7, 1, 10, 0, 0);
    cbrtz_free(z);
}
END_TEST

START_TEST(far_future_uses_the_footer)
{
    cbrtz *z = load("America/New_York");
    ck_local(z, utc(2100, 7, 1, 12, 0, 0), -4 * 3600, 2100, 7, 1, 8, 0, 0);
    ck_local(z, utc(2100, 1, 1, 12, 0, 0), -5 * 3600, 2100, 1, 1, 7, 0, 0);
    /* 2100: DST from Sunday 03-14 07:00Z to Sunday 11-07 06:00Z. */
    ck_assert_int_eq(cbrtz_offset(z, utc(2100, 3, 14, 6, 59, 59)), -5 * 3600);
    ck_assert_int_eq(cbrtz_offset(z, utc(2100, 3, 14, 7, 0, 0)), -4 * 3600);
    ck_assert_int_eq(cbrtz_offset(z, utc(2100, 11, 7, 5, 59, 59)), -4 * 3600);
    ck_assert_int_eq(cbrtz_offset(z, utc(2100, 11, 7, 6, 0, 0)), -5 * 3600);
    cbrtz_free(z);

    cbrtz *l = load("Europe/London");
    ck_local(l, utc(2100, 7, 1, 12, 0, 0), 3600, 2100, 7, 1, 13, 0, 0);
    ck_local(l, utc(2100, 12, 1, 12, 0, 0), 0, 2100, 12, 1, 12, 0, 0);
    cbrtz_free(l);

    cbrtz *t = load("Asia/Tokyo");
    ck_local(t, utc(2100, 7, 1, 20, 0, 0), 9 * 3600, 2100, 7, 2, 5, 0, 0);
    cbrtz_free(t);
}
END_TEST

START_TEST(before_the_first_transition)
{
    /* New York kept local mean time, -4:56:02, until 1883-11-18. */
    cbrtz *z = load("America/New_York");
    ck_assert_int_eq(cbrtz_offset(z, utc(1800, 1, 1, 12, 0, 0)), -17762);
    ck_local(z, utc(1800, 1, 1, 0, 0, 0), -17762, 1799, 12, 31, 19, 3, 58);
    /* Instants before year 1 are clamped, not a crash. */
    ck_assert_int_eq(cbrtz_offset(z, INT64_MIN), -17762);
    ck_assert_int_eq(cbrtz_offset(z, INT64_MAX), -5 * 3600);
    int32_t days, sod;
    cbrtz_local(z, INT64_MIN, &days, &sod);
    ck_assert(sod >= 0 && sod < 86400);
    cbrtz_local(z, INT64_MAX, &days, &sod);
    ck_assert(sod >= 0 && sod < 86400);
    cbrtz_free(z);
}
END_TEST

START_TEST(utc_zone)
{
    cbrtz *z = load("UTC");
    ck_local(z, utc(2026, 3, 13, 23, 59, 59), 0, 2026, 3, 13, 23, 59, 59);
    ck_local(z, utc(1900, 1, 1, 0, 0, 0), 0, 1900, 1, 1, 0, 0, 0);
    ck_local(z, utc(2100, 7, 1, 0, 0, 0), 0, 2100, 7, 1, 0, 0, 0);
    cbrtz_free(z);
    /* Built in when the directory has no UTC file. */
    const char *err = NULL;
    z = cbrtz_load("/nonexistent-zoneinfo-dir", "UTC", NULL, NULL, &err);
    ck_assert_ptr_nonnull(z);
    ck_local(z, utc(2026, 3, 13, 12, 0, 0), 0, 2026, 3, 13, 12, 0, 0);
    ck_local(z, -1, 0, 1969, 12, 31, 23, 59, 59);
    cbrtz_free(z);
}
END_TEST

START_TEST(weekday_of_the_local_date)
{
    cbrtz *z = load("America/New_York");
    int32_t days, sod;
    /* Friday 03:30 UTC is still Thursday evening in New York (EDT). */
    cbrtz_local(z, utc(2026, 3, 13, 3, 30, 0), &days, &sod);
    ck_assert_int_eq(days, cbrdate_from_civil(2026, 3, 12));
    ck_assert_uint_eq(cbrdate_weekday(days), 4);
    ck_assert_int_eq(sod, 23 * 3600 + 30 * 60);
    cbrtz_local(z, utc(2026, 3, 13, 4, 0, 0), &days, &sod);
    ck_assert_uint_eq(cbrdate_weekday(days), 5);
    ck_assert_int_eq(sod, 0);
    cbrtz_free(z);

    /* Friday 18:15 UTC is Saturday 00:00 in Kathmandu. */
    z = load("Asia/Kathmandu");
    cbrtz_local(z, utc(2026, 3, 13, 18, 15, 0), &days, &sod);
    ck_assert_uint_eq(cbrdate_weekday(days), 6);
    ck_assert_int_eq(sod, 0);
    cbrtz_free(z);
}
END_TEST

START_TEST(unknown_zones)
{
    const char *names[] = {"Nowhere/Atlantis", "", "../etc/passwd", "/etc/localtime",
                           "America",          "America/", "America//New_York", "-x"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *err = NULL;
        cbrtz *z = cbrtz_load(ZDIR, names[i], NULL, NULL, &err);
        ck_assert_msg(z == NULL, "loaded \"%s\"", names[i]);
        ck_assert_str_eq(err, "unknown time zone");
    }
    ck_assert_ptr_null(cbrtz_load(ZDIR, "Nowhere", NULL, NULL, NULL));
}
END_TEST

/* ---- synthetic files ---- */

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cbr-tz-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/Z", tmpdir);
    unlink(path);
    rmdir(tmpdir);
}

static void write_zone(const void *data, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/Z", tmpdir);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

static unsigned char *read_real(const char *name, size_t *n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", cbrtz_dir(ZDIR), name);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    unsigned char *buf = malloc(1 << 20);
    ck_assert_ptr_nonnull(buf);
    *n = fread(buf, 1, 1 << 20, f);
    fclose(f);
    ck_assert_uint_gt(*n, 44);
    return buf;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A header: version, then timecnt, typecnt, charcnt (no leap or indicator data). */
static size_t put_head(unsigned char *p, char version, uint32_t times, uint32_t types,
                       uint32_t chars)
{
    memset(p, 0, 44);
    memcpy(p, "TZif", 4);
    p[4] = (unsigned char)version;
    put32(p + 32, times);
    put32(p + 36, types);
    put32(p + 40, chars);
    return 44;
}

/* A version 2 file with one type (offset off) and no transitions, so that the
 * footer TZ string decides every instant. */
static size_t footer_only(unsigned char *buf, int32_t off, const char *footer)
{
    size_t k = 0;
    k += put_head(buf + k, '2', 0, 1, 4);
    put32(buf + k, 0), buf[k + 4] = 0, buf[k + 5] = 0, k += 6;
    memcpy(buf + k, "UTC", 4), k += 4;
    k += put_head(buf + k, '2', 0, 1, 4);
    put32(buf + k, (uint32_t)off), buf[k + 4] = 0, buf[k + 5] = 0, k += 6;
    memcpy(buf + k, "XXX", 4), k += 4;
    buf[k++] = '\n';
    memcpy(buf + k, footer, strlen(footer)), k += strlen(footer);
    buf[k++] = '\n';
    return k;
}

static cbrtz *load_tmp(const char **err)
{
    *err = NULL;
    return cbrtz_load(tmpdir, "Z", NULL, NULL, err);
}

/* The footer rules alone agree with the full New York, London and Sydney
 * files every hour (and around each transition) of 2010..2036. */
START_TEST(footer_rules_match_the_real_zones)
{
    static const struct {
        const char *zone, *footer;
        int32_t off;
    } cases[] = {
        {"America/New_York", "EST5EDT,M3.2.0,M11.1.0", -18000},
        {"Europe/London", "GMT0BST,M3.5.0/1,M10.5.0", 0},
        {"Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3", 36000},
        {"America/New_York", "<-05>+5<-04>4,M3.2.0/2:00:00,M11.1.0/02", -18000},
    };
    unsigned char buf[512];
    make_tmpdir();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        write_zone(buf, footer_only(buf, cases[c].off, cases[c].footer));
        const char *err;
        cbrtz *f = load_tmp(&err);
        ck_assert_msg(f != NULL, "%s: %s", cases[c].footer, err);
        cbrtz *real = load(cases[c].zone);
        /* Every hour of 27 years, and a second either side: millions of
         * lookups, so the loop compares plainly and asserts once. */
        int64_t bad = INT64_MIN;
        for (int64_t t = utc(2010, 1, 1, 0, 0, 0); t < utc(2037, 1, 1, 0, 0, 0) && bad == INT64_MIN; t += 3600)
            for (int64_t dt = -1; dt <= 1; dt++)
                if (cbrtz_offset(f, t + dt) != cbrtz_offset(real, t + dt))
                    bad = t + dt;
        ck_assert_msg(bad == INT64_MIN, "%s at %lld: %d vs %d", cases[c].footer, (long long)bad,
                      cbrtz_offset(f, bad), cbrtz_offset(real, bad));
        cbrtz_free(f);
        cbrtz_free(real);
    }
    remove_tmpdir();
}
END_TEST

START_TEST(footer_forms)
{
    unsigned char buf[512];
    make_tmpdir();
    const char *err;
    cbrtz *z;

    write_zone(buf, footer_only(buf, 0, "JST-9"));
    z = load_tmp(&err);
    ck_assert_ptr_nonnull(z);
    ck_local(z, utc(2026, 6, 1, 20, 0, 0), 9 * 3600, 2026, 6, 2, 5, 0, 0);
    cbrtz_free(z);

    write_zone(buf, footer_only(buf, 0, "<+0545>-5:45"));
    z = load_tmp(&err);
    ck_assert_ptr_nonnull(z);
    ck_local(z, utc(2026, 6, 1, 20, 0, 0), 20700, 2026, 6, 2, 1, 45, 0);
    cbrtz_free(z);

    /* Julian days: J60 is always March 1, day 59 is March 1 only outside leap years. */
    write_zone(buf, footer_only(buf, 0, "AAA0BBB,J60/0,J305/0"));
    z = load_tmp(&err);
    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(cbrtz_offset(z, utc(2028, 2, 29, 23, 59, 59)), 0);
    ck_assert_int_eq(cbrtz_offset(z, utc(2028, 3, 1, 0, 0, 0)), 3600);
    ck_assert_int_eq(cbrtz_offset(z, utc(2028, 10, 31, 22, 59, 59)), 3600);
    ck_assert_int_eq(cbrtz_offset(z, utc(2028, 10, 31, 23, 0, 0)), 0);
    cbrtz_free(z);

    write_zone(buf, footer_only(buf, 0, "AAA0BBB,59/0,304/0"));
    z = load_tmp(&err);
    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(cbrtz_offset(z, utc(2028, 2, 29, 0, 0, 0)), 3600);
    ck_assert_int_eq(cbrtz_offset(z, utc(2027, 3, 1, 0, 0, 0)), 3600);
    ck_assert_int_eq(cbrtz_offset(z, utc(2027, 2, 28, 23, 59, 59)), 0);
    cbrtz_free(z);

    /* Version 3: a transition hour beyond 24 ("M3.5.4/26", Thursday 26:00). */
    write_zone(buf, footer_only(buf, 7200, "EET-2EEST,M3.5.4/26,M10.5.5/1"));
    z = load_tmp(&err);
    ck_assert_ptr_nonnull(z);
    /* 2026-03-26 is the last Thursday: DST from Friday 03-27 00:00Z. */
    ck_assert_int_eq(cbrtz_offset(z, utc(2026, 3, 26, 23, 59, 59)), 7200);
    ck_assert_int_eq(cbrtz_offset(z, utc(2026, 3, 27, 0, 0, 0)), 10800);
    cbrtz_free(z);

    /* An empty footer: the last (only) type holds. */
    write_zone(buf, footer_only(buf, -3600, ""));
    z = load_tmp(&err);
    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(cbrtz_offset(z, utc(2026, 6, 1, 0, 0, 0)), -3600);
    cbrtz_free(z);

    const char *bad[] = {"EST",   "EST5EDT,M3.2.0", "EST5EDT,M13.2.0,M11.1.0", "E5",
                         "EST5EDT,M3.6.0,M11.1.0", "<+05>", "EST99", "EST5EDT,M3.2.0,M11.1.0x",
                         "EST5EDT,J0,J10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_zone(buf, footer_only(buf, 0, bad[i]));
        z = load_tmp(&err);
        ck_assert_msg(z == NULL, "accepted footer \"%s\"", bad[i]);
        ck_assert_str_eq(err, "corrupt zone file");
    }
    remove_tmpdir();
}
END_TEST

/* A version 1 file: 32-bit transitions, no footer. */
START_TEST(version_one_file)
{
    unsigned char buf[256];
    size_t k = put_head(buf, '\0', 2, 2, 8);
    put32(buf + k, (uint32_t)(int32_t)-100000), k += 4; /* before the epoch */
    put32(buf + k, 1000000), k += 4;
    buf[k++] = 1, buf[k++] = 0;
    put32(buf + k, 3600), buf[k + 4] = 0, buf[k + 5] = 0, k += 6;
    put32(buf + k, (uint32_t)(int32_t)-7200), buf[k + 4] = 1, buf[k + 5] = 4, k += 6;
    memcpy(buf + k, "AAA\0BBB\0", 8), k += 8;
    make_tmpdir();
    write_zone(buf, k);
    const char *err;
    cbrtz *z = load_tmp(&err);
    ck_assert_msg(z != NULL, "%s", err);
    ck_assert_int_eq(cbrtz_offset(z, -100001), 3600); /* type 0 before the first */
    ck_assert_int_eq(cbrtz_offset(z, -100000), -7200);
    ck_assert_int_eq(cbrtz_offset(z, 999999), -7200);
    ck_assert_int_eq(cbrtz_offset(z, 1000000), 3600);
    ck_assert_int_eq(cbrtz_offset(z, utc(2100, 1, 1, 0, 0, 0)), 3600); /* the last type */
    cbrtz_free(z);

    /* Transitions out of order, an index past the types: corrupt. */
    unsigned char bad[256];
    memcpy(bad, buf, k);
    put32(bad + 48, (uint32_t)(int32_t)-100000);
    write_zone(bad, k);
    ck_assert_ptr_null(load_tmp(&err));
    ck_assert_str_eq(err, "corrupt zone file");
    memcpy(bad, buf, k);
    bad[52] = 2;
    write_zone(bad, k);
    ck_assert_ptr_null(load_tmp(&err));
    ck_assert_str_eq(err, "corrupt zone file");
    remove_tmpdir();
}
END_TEST

/* Loads the temp file and, when it loads, converts a spread of instants. */
static void load_and_use(void)
{
    const char *err = NULL;
    cbrtz *z = cbrtz_load(tmpdir, "Z", NULL, NULL, &err);
    if (!z) {
        ck_assert_ptr_nonnull(err);
        ck_assert(strcmp(err, "corrupt zone file") == 0 || strcmp(err, "unknown time zone") == 0);
        return;
    }
    const int64_t ts[] = {INT64_MIN,  -5000000000, -1,        0, 1774000000,
                          4000000000, 9000000000,  INT64_MAX};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
        int32_t off = cbrtz_offset(z, ts[i]), days, sod;
        ck_assert(off >= -26 * 3600 && off <= 26 * 3600);
        cbrtz_local(z, ts[i], &days, &sod);
        ck_assert(sod >= 0 && sod < 86400);
    }
    cbrtz_free(z);
}

START_TEST(truncated_files)
{
    size_t n;
    unsigned char *buf = read_real("America/New_York", &n);
    make_tmpdir();
    for (size_t len = 0; len < n; len++) {
        write_zone(buf, len);
        const char *err = NULL;
        cbrtz *z = cbrtz_load(tmpdir, "Z", NULL, NULL, &err);
        /* Every proper prefix lacks at least the footer's final newline. */
        ck_assert_msg(z == NULL, "a prefix of %zu bytes loaded", len);
        ck_assert_ptr_nonnull(err);
    }
    write_zone(buf, n);
    load_and_use();
    free(buf);
    remove_tmpdir();
}
END_TEST

START_TEST(corrupted_header_counts)
{
    size_t n;
    unsigned char *buf = read_real("America/New_York", &n);
    unsigned char *bad = malloc(n);
    ck_assert_ptr_nonnull(bad);
    /* The offset of the second (64-bit) header. */
    size_t h2 = 44;
    {
        uint32_t c[6];
        for (int i = 0; i < 6; i++)
            c[i] = (uint32_t)buf[20 + 4 * i] << 24 | (uint32_t)buf[21 + 4 * i] << 16 |
                   (uint32_t)buf[22 + 4 * i] << 8 | buf[23 + 4 * i];
        h2 += (size_t)c[3] * 5 + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 8 + c[1] + c[0];
        ck_assert_uint_lt(h2 + 44, n);
        ck_assert(memcmp(buf + h2, "TZif", 4) == 0);
    }
    static const uint32_t values[] = {0, 1, 2, 0x7f, 0xff, 0x100, 0xffff, 0x7fffffff, 0x80000000,
                                      0xffffffff, 0xfffffff0};
    make_tmpdir();
    const size_t heads[] = {0, h2};
    for (size_t h = 0; h < 2; h++)
        for (size_t field = 0; field < 6; field++)
            for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
                memcpy(bad, buf, n);
                put32(bad + heads[h] + 20 + 4 * field, values[v]);
                write_zone(bad, n);
                load_and_use();
                /* The count plus or minus one too. */
                memcpy(bad, buf, n);
                unsigned char *p = bad + heads[h] + 20 + 4 * field;
                p[3] ^= 1;
                write_zone(bad, n);
                load_and_use();
            }
    /* Every other byte of both headers flipped. */
    for (size_t h = 0; h < 2; h++)
        for (size_t i = 4; i < 44; i++) {
            memcpy(bad, buf, n);
            bad[heads[h] + i] ^= 0xff;
            write_zone(bad, n);
            load_and_use();
        }
    free(bad);
    free(buf);
    remove_tmpdir();
}
END_TEST

START_TEST(random_byte_flips)
{
    const char *zones[] = {"America/New_York", "Australia/Sydney", "Asia/Kathmandu"};
    uint32_t seed = 12345;
    make_tmpdir();
    for (size_t zi = 0; zi < sizeof zones / sizeof zones[0]; zi++) {
        size_t n;
        unsigned char *buf = read_real(zones[zi], &n);
        for (int round = 0; round < 600; round++) {
            unsigned char *bad = malloc(n);
            ck_assert_ptr_nonnull(bad);
            memcpy(bad, buf, n);
            int flips = 1 + round % 4;
            for (int f = 0; f < flips; f++) {
                seed = seed * 1103515245u + 12345u;
                size_t at = (seed >> 8) % n;
                seed = seed * 1103515245u + 12345u;
                bad[at] ^= (unsigned char)(1u << ((seed >> 16) % 8));
            }
            seed = seed * 1103515245u + 12345u;
            size_t len = round % 3 == 0 ? (seed >> 8) % (n + 1) : n;
            write_zone(bad, len);
            load_and_use();
            free(bad);
        }
        free(buf);
    }
    remove_tmpdir();
}
END_TEST

/* ---- allocation ---- */

typedef struct counting {
    long live;
    long fail_after; /* allocations left before failing; -1 never */
} counting;

static void *count_alloc(void *ud, void *ptr, size_t size)
{
    counting *c = ud;
    if (size == 0) {
        if (ptr)
            c->live--;
        free(ptr);
        return NULL;
    }
    if (c->fail_after == 0)
        return NULL;
    if (c->fail_after > 0)
        c->fail_after--;
    void *p = realloc(ptr, size);
    if (p && !ptr)
        c->live++;
    return p;
}

START_TEST(custom_allocator_and_out_of_memory)
{
    counting c = {0, -1};
    const char *err = NULL;
    cbrtz *z = cbrtz_load(ZDIR, "Europe/London", count_alloc, &c, &err);
    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(c.live, 1);
    ck_assert_int_eq(cbrtz_offset(z, utc(2026, 7, 1, 0, 0, 0)), 3600);
    cbrtz_free(z);
    ck_assert_int_eq(c.live, 0);
    for (long k = 0; k < 4; k++) {
        c = (counting){0, k};
        err = NULL;
        z = cbrtz_load(ZDIR, "Europe/London", count_alloc, &c, &err);
        if (z)
            cbrtz_free(z);
        else
            ck_assert_str_eq(err, "out of memory");
        ck_assert_int_eq(c.live, 0);
    }
    c = (counting){0, 0};
    ck_assert_ptr_null(cbrtz_load("/nonexistent-zoneinfo-dir", "UTC", count_alloc, &c, &err));
    ck_assert_str_eq(err, "out of memory");
}
END_TEST

static Suite *tz_suite(void)
{
    Suite *s = suite_create("tz");
    UNIT_TCASE(s, "zones", new_york_dst_starts, new_york_dst_ends, london_transitions,
               half_and_quarter_hour_zones, sydney_southern_dst, far_future_uses_the_footer,
               before_the_first_transition, utc_zone, weekday_of_the_local_date, unknown_zones);
    UNIT_TCASE(s, "files", footer_rules_match_the_real_zones, footer_forms, version_one_file);
    TCase *tc = tcase_create("robustness");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, truncated_files);
    tcase_add_test(tc, corrupted_header_counts);
    tcase_add_test(tc, random_byte_flips);
    tcase_add_test(tc, custom_allocator_and_out_of_memory);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(tz_suite)
