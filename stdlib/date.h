/* date.h: the proleptic Gregorian calendar on day numbers, and the instant and
 * date text formats of the language and of input records (a subset of RFC 3339).
 * Days count from 1970-01-01 (day 0); instants are seconds since the Unix epoch,
 * UTC.  Pure arithmetic, no time zone: zones live in stdlib/tz. */
#ifndef CBR_STDLIB_DATE_H
#define CBR_STDLIB_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Days from 1970-01-01 to y-m-d (negative before).  The date must be valid. */
int32_t cbrdate_from_civil(int y, unsigned m, unsigned d);
void cbrdate_to_civil(int32_t days, int *y, unsigned *m, unsigned *d);
/* 1 = Monday ... 7 = Sunday (ISO 8601). */
unsigned cbrdate_weekday(int32_t days);
bool cbrdate_valid(int y, unsigned m, unsigned d);

/* Calendar periods of limits and budgets: a day's period is identified by the
 * day number of its first day, so two transactions share a period exactly
 * when these agree.  Weeks are ISO weeks (Monday first). */
int32_t cbrdate_week_start(int32_t days);   /* the Monday on or before days */
int32_t cbrdate_month_start(int32_t days);  /* the 1st of days' month */
int32_t cbrdate_year_start(int32_t days);   /* January 1st of days' year */
/* ISO 8601 week-numbering year and week (1..53) of days. */
void cbrdate_iso_week(int32_t days, int *year, unsigned *week);

/* Parses "YYYY-MM-DD" (exactly 10 bytes, years 0001-9999, a real calendar date). */
bool cbrdate_parse(const char *s, size_t n, int32_t *days);

typedef enum cbrinst_err {
    CBRINST_OK = 0,
    CBRINST_SYNTAX,      /* not YYYY-MM-DDThh:mm[:ss][.fff](Z|+hh:mm|-hh:mm) */
    CBRINST_BAD_DATE,    /* no such calendar day */
    CBRINST_BAD_TIME,    /* hour, minute or second out of range */
    CBRINST_NO_OFFSET,   /* local time without Z or an offset */
    CBRINST_BAD_OFFSET   /* offset beyond +-18:00 or with bad minutes */
} cbrinst_err;

/* Parses an instant; *secs is UTC seconds, *offset_min the written offset.
 * Fractional seconds are accepted and dropped (truncated). */
cbrinst_err cbrinst_parse(const char *s, size_t n, int64_t *secs, int *offset_min);
/* A lowercase description of err, for messages. */
const char *cbrinst_errtext(cbrinst_err err);

/* "2026-03-13" into buf (>= 11 bytes). */
void cbrdate_format(int32_t days, char *buf);

#endif
