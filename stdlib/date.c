/* date.c: civil calendar arithmetic and date/instant parsing (see date.h).
 * days_from_civil and civil_from_days follow Howard Hinnant's public-domain
 * algorithms: branch-light, exact for the whole proleptic Gregorian range. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "stdlib/date.h"

int32_t cbrdate_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int32_t)doe - 719468;
}

void cbrdate_to_civil(int32_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)yoe + era * 400 + (*m <= 2);
}

unsigned cbrdate_weekday(int32_t days)
{
    /* 1970-01-01 was a Thursday (4). */
    int w = (int)((days % 7 + 7) % 7); /* 0 = Thursday */
    return (unsigned)((w + 3) % 7) + 1;
}

int32_t cbrdate_week_start(int32_t days)
{
    return days - (int32_t)(cbrdate_weekday(days) - 1);
}

int32_t cbrdate_month_start(int32_t days)
{
    int y;
    unsigned m, d;
    cbrdate_to_civil(days, &y, &m, &d);
    return days - (int32_t)(d - 1);
}

int32_t cbrdate_year_start(int32_t days)
{
    int y;
    unsigned m, d;
    cbrdate_to_civil(days, &y, &m, &d);
    return cbrdate_from_civil(y, 1, 1);
}

void cbrdate_iso_week(int32_t days, int *year, unsigned *week)
{
    /* The ISO year of a week is the year of its Thursday. */
    int32_t thursday = cbrdate_week_start(days) + 3;
    int y;
    unsigned m, d;
    cbrdate_to_civil(thursday, &y, &m, &d);
    int32_t jan1 = cbrdate_from_civil(y, 1, 1);
    *year = y;
    *week = (unsigned)((thursday - jan1) / 7 + 1);
}

bool cbrdate_valid(int y, unsigned m, unsigned d)
{
    static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
        return false;
    unsigned lim = mdays[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        lim = 29;
    return d <= lim;
}

static bool digits(const char *s, size_t n, unsigned *v)
{
    unsigned r = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        r = r * 10 + (unsigned)(s[i] - '0');
    }
    *v = r;
    return true;
}

/* 0 ok, 1 syntax, 2 not a calendar day */
static int parse_ymd(const char *s, size_t n, int32_t *days)
{
    unsigned y, m, d;
    if (n < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &m) ||
        !digits(s + 8, 2, &d))
        return 1;
    if (!cbrdate_valid((int)y, m, d))
        return 2;
    *days = cbrdate_from_civil((int)y, m, d);
    return 0;
}

bool cbrdate_parse(const char *s, size_t n, int32_t *days)
{
    return n == 10 && parse_ymd(s, n, days) == 0;
}

cbrinst_err cbrinst_parse(const char *s, size_t n, int64_t *secs, int *offset_min)
{
    int32_t days;
    int r = parse_ymd(s, n, &days);
    if (r == 1 || n < 16 || (s[10] != 'T' && s[10] != 't'))
        return CBRINST_SYNTAX;
    unsigned hh, mm, ss = 0;
    if (!digits(s + 11, 2, &hh) || s[13] != ':' || !digits(s + 14, 2, &mm))
        return CBRINST_SYNTAX;
    size_t i = 16;
    if (i < n && s[i] == ':') {
        if (i + 3 > n || !digits(s + i + 1, 2, &ss))
            return CBRINST_SYNTAX;
        i += 3;
        if (i < n && s[i] == '.') {
            size_t k = ++i;
            while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
            if (i == k)
                return CBRINST_SYNTAX;
        }
    }
    if (r == 2)
        return CBRINST_BAD_DATE;
    if (hh > 23 || mm > 59 || ss > 59)
        return CBRINST_BAD_TIME;
    int off = 0;
    if (i == n)
        return CBRINST_NO_OFFSET;
    if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
        off = 0;
    } else if ((s[i] == '+' || s[i] == '-') && i + 6 == n && s[i + 3] == ':') {
        unsigned oh, om;
        if (!digits(s + i + 1, 2, &oh) || !digits(s + i + 4, 2, &om))
            return CBRINST_SYNTAX;
        if (oh > 18 || om > 59 || (oh == 18 && om > 0))
            return CBRINST_BAD_OFFSET;
        off = (int)(oh * 60 + om) * (s[i] == '-' ? -1 : 1);
    } else {
        return CBRINST_SYNTAX;
    }
    *secs = (int64_t)days * 86400 + hh * 3600 + mm * 60 + ss - (int64_t)off * 60;
    *offset_min = off;
    return CBRINST_OK;
}

const char *cbrinst_errtext(cbrinst_err err)
{
    switch (err) {
    case CBRINST_OK: return "ok";
    case CBRINST_SYNTAX: return "expected YYYY-MM-DDThh:mm[:ss] followed by Z or an offset such as +05:30";
    case CBRINST_BAD_DATE: return "no such calendar day";
    case CBRINST_BAD_TIME: return "hour, minute or second out of range";
    case CBRINST_NO_OFFSET: return "an instant needs Z or an offset such as +05:30";
    case CBRINST_BAD_OFFSET: return "the offset must be between -18:00 and +18:00";
    }
    return "bad instant";
}

void cbrdate_format(int32_t days, char *buf)
{
    int y;
    unsigned m, d;
    cbrdate_to_civil(days, &y, &m, &d);
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%04d-%02u-%02u", y % 10000, m % 100, d % 100);
    memcpy(buf, tmp, 10);
    buf[10] = '\0';
}
