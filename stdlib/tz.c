/* tz.c: finding IANA zones in the zoneinfo directory and converting instants
 * to local civil time with their TZif data (see tz.h, RFC 8536). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stdlib/date.h"
#include "stdlib/tz.h"
#include "stdlib/alloc.h"

const char *cbrtz_dir(const char *dir)
{
    if (dir && *dir)
        return dir;
    const char *env = getenv("TZDIR");
    return env && *env ? env : "/usr/share/zoneinfo";
}

/* Zone names are path-like but must never escape the directory. */
static bool safe_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 128 || name[0] == '/' || name[n - 1] == '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '+' || c == '/';
        if (!ok)
            return false;
        if (c == '/' && name[i + 1] == '/')
            return false;
    }
    return strstr(name, "..") == NULL && name[0] != '-';
}

bool cbrtz_exists(const char *dir, const char *name)
{
    if (!safe_name(name))
        return false;
    char path[4096];
    int k = snprintf(path, sizeof path, "%s/%s", cbrtz_dir(dir), name);
    if (k < 0 || (size_t)k >= sizeof path)
        return false;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char magic[4];
    bool ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
    fclose(f);
    return ok;
}

/* ---- loaded zones ---- */

/* Caps applied before anything is allocated.  Real zones stay far below them
 * (a few hundred transitions, a dozen types, files of a few KiB). */
#define TZ_MAX_FILE (1u << 20)
#define TZ_MAX_TIMES 50000u
#define TZ_MAX_TYPES 256u
#define TZ_MAX_CHARS 4096u
#define TZ_MAX_LEAPS 10000u
#define TZ_MAX_OFFSET (26 * 3600) /* |UTC offset| beyond this is not a zone */
#define TZ_MAX_RULE_TIME (167 * 3600)

/* The instants the conversions accept: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z. */
#define TZ_MIN_SECS INT64_C(-62135596800)
#define TZ_MAX_SECS INT64_C(253402300799)

/* A rule date of a POSIX TZ string: Jn (1..365, no Feb 29), n (0..365), or
 * Mm.w.d (month, week 1..5 with 5 the last, weekday 0 = Sunday). */
typedef struct tzdate {
    char kind; /* 'J', 'N' or 'M' */
    int n, m, w, d;
    int32_t time; /* seconds after local midnight; may be negative or > 24h */
} tzdate;

/* The footer: standard offset, and DST with its two rule dates when dst. */
typedef struct tzrule {
    int32_t std_off, dst_off; /* UTC offsets (east positive) */
    bool dst;
    tzdate start, end;
} tzrule;

struct cbrtz {
    cbr_alloc_fn alloc;
    void *ud;
    uint32_t ntimes, ntypes;
    const int64_t *times;  /* ascending transition instants */
    const uint8_t *idx;    /* type index of each transition */
    const int32_t *offs;   /* UTC offset of each type */
    bool has_rule;
    tzrule rule;
};


/* ---- the POSIX TZ string of the footer ---- */

static bool parse_num(const char **pp, int lo, int hi, int *out)
{
    const char *p = *pp;
    if (*p < '0' || *p > '9')
        return false;
    int v = 0;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (*p - '0');
        if (v > hi)
            return false;
        p++;
    }
    if (v < lo)
        return false;
    *pp = p;
    *out = v;
    return true;
}

/* [+-]hh[:mm[:ss]] with hours up to max_h; the value in seconds. */
static bool parse_hms(const char **pp, int max_h, int32_t *out)
{
    const char *p = *pp;
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    int h, m = 0, s = 0;
    if (!parse_num(&p, 0, max_h, &h))
        return false;
    if (*p == ':') {
        p++;
        if (!parse_num(&p, 0, 59, &m))
            return false;
        if (*p == ':') {
            p++;
            if (!parse_num(&p, 0, 59, &s))
                return false;
        }
    }
    *pp = p;
    *out = sign * (h * 3600 + m * 60 + s);
    return true;
}

/* A zone abbreviation: 3+ letters, or <...> of letters, digits, + and -. */
static bool parse_name(const char **pp)
{
    const char *p = *pp;
    size_t n = 0;
    if (*p == '<') {
        p++;
        while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
               *p == '+' || *p == '-') {
            p++;
            n++;
        }
        if (*p != '>')
            return false;
        p++;
    } else {
        while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
            p++;
            n++;
        }
    }
    if (n < 3)
        return false;
    *pp = p;
    return true;
}

static bool parse_date(const char **pp, tzdate *dt)
{
    const char *p = *pp;
    if (*p == 'J') {
        p++;
        dt->kind = 'J';
        if (!parse_num(&p, 1, 365, &dt->n))
            return false;
    } else if (*p == 'M') {
        p++;
        dt->kind = 'M';
        if (!parse_num(&p, 1, 12, &dt->m) || *p++ != '.' || !parse_num(&p, 1, 5, &dt->w) ||
            *p++ != '.' || !parse_num(&p, 0, 6, &dt->d))
            return false;
    } else {
        dt->kind = 'N';
        if (!parse_num(&p, 0, 365, &dt->n))
            return false;
    }
    dt->time = 2 * 3600;
    if (*p == '/') {
        p++;
        if (!parse_hms(&p, 167, &dt->time))
            return false;
    }
    *pp = p;
    return true;
}

/* Parses a TZ string such as "EST5EDT,M3.2.0,M11.1.0", "JST-9" or
 * "<+0545>-5:45".  A DST name without rules takes the US rules of POSIX's
 * default ("M3.2.0,M11.1.0"). */
static bool parse_rule(const char *s, tzrule *r)
{
    const char *p = s;
    int32_t off;
    if (!parse_name(&p) || !parse_hms(&p, 24, &off))
        return false;
    r->std_off = -off;
    r->dst = false;
    if (*p == '\0')
        return true;
    if (!parse_name(&p))
        return false;
    r->dst = true;
    r->dst_off = r->std_off + 3600;
    if (*p != ',' && *p != '\0') {
        if (!parse_hms(&p, 24, &off))
            return false;
        r->dst_off = -off;
    }
    if (*p == '\0') {
        r->start = (tzdate){'M', 0, 3, 2, 0, 7200};
        r->end = (tzdate){'M', 0, 11, 1, 0, 7200};
        return true;
    }
    if (*p++ != ',' || !parse_date(&p, &r->start) || *p++ != ',' || !parse_date(&p, &r->end))
        return false;
    return *p == '\0';
}

static bool leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int y, unsigned m)
{
    static const unsigned len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap_year(y) ? 29 : len[m - 1];
}

/* The local day number of rule date dt in year y. */
static int32_t rule_day(const tzdate *dt, int y)
{
    int32_t jan1 = cbrdate_from_civil(y, 1, 1);
    if (dt->kind == 'J')
        return jan1 + dt->n - 1 + (leap_year(y) && dt->n >= 60 ? 1 : 0);
    if (dt->kind == 'N')
        return jan1 + dt->n;
    int32_t first = cbrdate_from_civil(y, (unsigned)dt->m, 1);
    int wd0 = (int)(cbrdate_weekday(first) % 7); /* 0 = Sunday */
    int day = (dt->d - wd0 + 7) % 7 + (dt->w - 1) * 7; /* 0-based day of the month */
    while (day >= (int)month_days(y, (unsigned)dt->m))
        day -= 7;
    return first + day;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int32_t rule_offset(const tzrule *r, int64_t t)
{
    if (!r->dst)
        return r->std_off;
    int y;
    unsigned m, d;
    cbrdate_to_civil((int32_t)floor_div(t + r->std_off, 86400), &y, &m, &d);
    if (y < 1)
        y = 1;
    if (y > 9999)
        y = 9999;
    /* The start is written in standard time, the end in daylight time. */
    int64_t start = (int64_t)rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
    int64_t end = (int64_t)rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
    bool in_dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return in_dst ? r->dst_off : r->std_off;
}

/* ---- the TZif file ---- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct tzhead {
    char version;
    uint32_t isut, isstd, leap, times, types, chars;
} tzhead;

/* Reads the 44-byte header at buf[pos] (len bytes in all). */
static bool read_head(const uint8_t *buf, size_t len, size_t pos, tzhead *h)
{
    if (len < 44 || pos > len - 44 || memcmp(buf + pos, "TZif", 4) != 0)
        return false;
    const uint8_t *p = buf + pos;
    h->version = (char)p[4];
    h->isut = be32(p + 20);
    h->isstd = be32(p + 24);
    h->leap = be32(p + 28);
    h->times = be32(p + 32);
    h->types = be32(p + 36);
    h->chars = be32(p + 40);
    return h->types >= 1 && h->types <= TZ_MAX_TYPES && h->times <= TZ_MAX_TIMES &&
           h->chars >= 1 && h->chars <= TZ_MAX_CHARS && h->leap <= TZ_MAX_LEAPS &&
           (h->isut == 0 || h->isut == h->types) && (h->isstd == 0 || h->isstd == h->types);
}

/* Bytes of the data block after a header (tsize: 4 or 8); every count is
 * capped, so the sum cannot overflow. */
static size_t block_size(const tzhead *h, size_t tsize)
{
    return (size_t)h->times * (tsize + 1) + (size_t)h->types * 6 + h->chars +
           (size_t)h->leap * (tsize + 4) + h->isstd + h->isut;
}

typedef enum { TZ_OK, TZ_UNKNOWN, TZ_CORRUPT, TZ_NOMEM } tzres;

static tzres parse_file(const uint8_t *buf, size_t len, cbr_alloc_fn alloc, void *ud, cbrtz **out)
{
    if (len < 4 || memcmp(buf, "TZif", 4) != 0)
        return TZ_UNKNOWN;
    tzhead h;
    if (!read_head(buf, len, 0, &h))
        return TZ_CORRUPT;
    size_t pos = 44, tsize = 4;
    size_t bsize = block_size(&h, 4);
    if (bsize > len - pos)
        return TZ_CORRUPT;
    bool v2 = h.version != '\0';
    if (v2) {
        pos += bsize;
        if (!read_head(buf, len, pos, &h))
            return TZ_CORRUPT;
        pos += 44;
        tsize = 8;
        bsize = block_size(&h, 8);
        if (bsize > len - pos)
            return TZ_CORRUPT;
    }
    const uint8_t *times = buf + pos;
    const uint8_t *idx = times + (size_t)h.times * tsize;
    const uint8_t *types = idx + h.times;

    tzrule rule;
    bool has_rule = false;
    if (v2) {
        /* The footer: "\n" TZ-string "\n". */
        size_t fpos = pos + bsize;
        if (fpos >= len || buf[fpos] != '\n')
            return TZ_CORRUPT;
        fpos++;
        const uint8_t *nl = memchr(buf + fpos, '\n', len - fpos);
        if (!nl)
            return TZ_CORRUPT;
        size_t flen = (size_t)(nl - (buf + fpos));
        if (flen > 0) {
            char tzs[256];
            if (flen >= sizeof tzs || memchr(buf + fpos, '\0', flen))
                return TZ_CORRUPT;
            memcpy(tzs, buf + fpos, flen);
            tzs[flen] = '\0';
            if (!parse_rule(tzs, &rule))
                return TZ_CORRUPT;
            has_rule = true;
        }
    }

    size_t total = sizeof(cbrtz) + (size_t)h.times * sizeof(int64_t) +
                   (size_t)h.types * sizeof(int32_t) + h.times;
    cbrtz *z = alloc(ud, NULL, total);
    if (!z)
        return TZ_NOMEM;
    int64_t *zt = (int64_t *)(z + 1);
    int32_t *zo = (int32_t *)(zt + h.times);
    uint8_t *zi = (uint8_t *)(zo + h.types);
    for (uint32_t i = 0; i < h.types; i++) {
        int32_t off = (int32_t)be32(types + (size_t)i * 6);
        uint8_t isdst = types[(size_t)i * 6 + 4], abbr = types[(size_t)i * 6 + 5];
        if (off < -TZ_MAX_OFFSET || off > TZ_MAX_OFFSET || isdst > 1 || abbr >= h.chars)
            goto corrupt;
        zo[i] = off;
    }
    for (uint32_t i = 0; i < h.times; i++) {
        zt[i] = tsize == 8 ? be64(times + (size_t)i * 8)
                           : (int64_t)(int32_t)be32(times + (size_t)i * 4);
        if (i > 0 && zt[i] <= zt[i - 1])
            goto corrupt;
        zi[i] = idx[i];
        if (zi[i] >= h.types)
            goto corrupt;
    }
    if (has_rule && (rule.std_off < -TZ_MAX_OFFSET || rule.std_off > TZ_MAX_OFFSET ||
                     (rule.dst && (rule.dst_off < -TZ_MAX_OFFSET || rule.dst_off > TZ_MAX_OFFSET))))
        goto corrupt;
    z->alloc = alloc;
    z->ud = ud;
    z->ntimes = h.times;
    z->ntypes = h.types;
    z->times = zt;
    z->idx = zi;
    z->offs = zo;
    z->has_rule = has_rule;
    if (has_rule)
        z->rule = rule;
    *out = z;
    return TZ_OK;
corrupt:
    alloc(ud, z, 0);
    return TZ_CORRUPT;
}

/* Reads the whole file at path into a buffer from alloc (at most TZ_MAX_FILE
 * bytes; a longer file is corrupt). */
static tzres read_whole(const char *path, cbr_alloc_fn alloc, void *ud, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return TZ_UNKNOWN;
    size_t cap = 4096, n = 0;
    uint8_t *b = alloc(ud, NULL, cap);
    if (!b) {
        fclose(f);
        return TZ_NOMEM;
    }
    for (;;) {
        if (n == cap) {
            if (cap > TZ_MAX_FILE) {
                alloc(ud, b, 0);
                fclose(f);
                return TZ_CORRUPT;
            }
            uint8_t *nb = alloc(ud, b, cap * 2);
            if (!nb) {
                alloc(ud, b, 0);
                fclose(f);
                return TZ_NOMEM;
            }
            b = nb;
            cap *= 2;
        }
        size_t k = fread(b + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) { /* a directory, or an unreadable file */
        alloc(ud, b, 0);
        return TZ_UNKNOWN;
    }
    *buf = b;
    *len = n;
    return TZ_OK;
}

static cbrtz *builtin_utc(cbr_alloc_fn alloc, void *ud)
{
    cbrtz *z = alloc(ud, NULL, sizeof(cbrtz) + sizeof(int32_t));
    if (!z)
        return NULL;
    int32_t *offs = (int32_t *)(z + 1);
    offs[0] = 0;
    *z = (cbrtz){.alloc = alloc, .ud = ud, .ntimes = 0, .ntypes = 1, .offs = offs};
    return z;
}

cbrtz *cbrtz_load(const char *dir, const char *name, cbr_alloc_fn alloc, void *ud, const char **err)
{
    static const char *const msg[] = {NULL, "unknown time zone", "corrupt zone file",
                                      "out of memory"};
    if (!alloc)
        alloc = cbr_default_alloc;
    tzres res = TZ_UNKNOWN;
    cbrtz *z = NULL;
    char path[4096];
    int k;
    if (name && safe_name(name) &&
        (k = snprintf(path, sizeof path, "%s/%s", cbrtz_dir(dir), name)) >= 0 &&
        (size_t)k < sizeof path) {
        uint8_t *buf;
        size_t len;
        res = read_whole(path, alloc, ud, &buf, &len);
        if (res == TZ_OK) {
            res = parse_file(buf, len, alloc, ud, &z);
            alloc(ud, buf, 0);
        }
    }
    if (res == TZ_UNKNOWN && name && strcmp(name, "UTC") == 0) {
        z = builtin_utc(alloc, ud);
        res = z ? TZ_OK : TZ_NOMEM;
    }
    if (res != TZ_OK) {
        if (err)
            *err = msg[res];
        return NULL;
    }
    return z;
}

void cbrtz_free(cbrtz *z)
{
    if (z)
        z->alloc(z->ud, z, 0);
}

int32_t cbrtz_offset(const cbrtz *z, int64_t secs)
{
    if (secs < TZ_MIN_SECS)
        secs = TZ_MIN_SECS;
    if (secs > TZ_MAX_SECS)
        secs = TZ_MAX_SECS;
    uint32_t n = z->ntimes;
    if (n == 0 || secs > z->times[n - 1]) {
        if (z->has_rule)
            return rule_offset(&z->rule, secs);
        return n == 0 ? z->offs[0] : z->offs[z->idx[n - 1]];
    }
    if (secs < z->times[0])
        return z->offs[0];
    /* The last transition at or before secs. */
    uint32_t lo = 0, hi = n - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo + 1) / 2;
        if (z->times[mid] <= secs)
            lo = mid;
        else
            hi = mid - 1;
    }
    return z->offs[z->idx[lo]];
}

void cbrtz_local(const cbrtz *z, int64_t secs, int32_t *days, int32_t *sec_of_day)
{
    if (secs < TZ_MIN_SECS)
        secs = TZ_MIN_SECS;
    if (secs > TZ_MAX_SECS)
        secs = TZ_MAX_SECS;
    int64_t local = secs + cbrtz_offset(z, secs);
    int64_t d = floor_div(local, 86400);
    *days = (int32_t)d;
    *sec_of_day = (int32_t)(local - d * 86400);
}
