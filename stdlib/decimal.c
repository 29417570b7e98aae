/* decimal.c: exact fixed-point arithmetic (see decimal.h). */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "stdlib/decimal.h"

__extension__ typedef __int128 i128;

const int64_t cbrdec_pow10[19] = {
    1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
    100000000LL, 1000000000LL, 10000000000LL, 100000000000LL, 1000000000000LL,
    10000000000000LL, 100000000000000LL, 1000000000000000LL,
    10000000000000000LL, 100000000000000000LL, 1000000000000000000LL,
};

static bool fits(i128 v) { return v >= INT64_MIN && v <= INT64_MAX; }

bool cbrdec_parse(const char *s, size_t n, bool underscores, cbrdec *out)
{
    size_t i = 0;
    bool neg = false, digit_before = false, any = false, dot = false;
    i128 m = 0;
    unsigned scale = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    for (; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            m = m * 10 + (c - '0');
            if (m > (i128)INT64_MAX + 1)
                return false;
            if (dot && ++scale > CBRDEC_MAX_SCALE)
                return false;
            digit_before = any = true;
        } else if (c == '_' && underscores) {
            if (!digit_before || i + 1 >= n || s[i + 1] < '0' || s[i + 1] > '9')
                return false;
        } else if (c == '.' && !dot) {
            if (!digit_before || i + 1 >= n || s[i + 1] < '0' || s[i + 1] > '9')
                return false;
            dot = true;
            digit_before = false;
        } else {
            return false;
        }
    }
    if (!any)
        return false;
    if (neg)
        m = -m;
    if (!fits(m))
        return false;
    out->m = (int64_t)m;
    out->scale = (uint8_t)scale;
    return true;
}

bool cbrdec_from_int(int64_t v, cbrdec *out)
{
    out->m = v;
    out->scale = 0;
    return true;
}

bool cbrdec_rescale(cbrdec a, unsigned scale, cbrdec *out)
{
    if (scale < a.scale || scale > CBRDEC_MAX_SCALE)
        return false;
    i128 v = (i128)a.m * cbrdec_pow10[scale - a.scale];
    if (!fits(v))
        return false;
    out->m = (int64_t)v;
    out->scale = (uint8_t)scale;
    return true;
}

/* Both values at the larger scale, in 128 bits (never overflows: 63 + 60 bits). */
static void align(cbrdec a, cbrdec b, i128 *x, i128 *y, unsigned *scale)
{
    unsigned s = a.scale > b.scale ? a.scale : b.scale;
    *x = (i128)a.m * cbrdec_pow10[s - a.scale];
    *y = (i128)b.m * cbrdec_pow10[s - b.scale];
    *scale = s;
}

int cbrdec_cmp(cbrdec a, cbrdec b)
{
    i128 x, y;
    unsigned s;
    align(a, b, &x, &y, &s);
    return (x > y) - (x < y);
}

bool cbrdec_add(cbrdec a, cbrdec b, cbrdec *out)
{
    i128 x, y;
    unsigned s;
    align(a, b, &x, &y, &s);
    i128 r = x + y;
    if (!fits(r))
        return false;
    out->m = (int64_t)r;
    out->scale = (uint8_t)s;
    return true;
}

bool cbrdec_sub(cbrdec a, cbrdec b, cbrdec *out)
{
    i128 x, y;
    unsigned s;
    align(a, b, &x, &y, &s);
    i128 r = x - y;
    if (!fits(r))
        return false;
    out->m = (int64_t)r;
    out->scale = (uint8_t)s;
    return true;
}

bool cbrdec_neg(cbrdec a, cbrdec *out)
{
    if (a.m == INT64_MIN)
        return false;
    out->m = -a.m;
    out->scale = a.scale;
    return true;
}

/* Divides n by d (d > 0) and rounds the quotient with mode. */
static i128 divround(i128 n, i128 d, cbrround mode)
{
    i128 q = n / d, r = n % d;
    if (r == 0)
        return q;
    int sign = n < 0 ? -1 : 1;
    i128 r2 = (r < 0 ? -r : r) * 2;
    switch (mode) {
    case CBR_ROUND_DOWN: return q;
    case CBR_ROUND_UP: return q + sign;
    case CBR_ROUND_HALF_UP: return r2 >= d ? q + sign : q;
    case CBR_ROUND_HALF_EVEN:
        if (r2 > d || (r2 == d && (q % 2 != 0)))
            return q + sign;
        return q;
    case CBR_ROUND_FLOOR: return n < 0 ? q - 1 : q;
    case CBR_ROUND_CEIL: return n > 0 ? q + 1 : q;
    }
    return q;
}

bool cbrdec_mul(cbrdec a, cbrdec b, cbrdec *out)
{
    unsigned s = (unsigned)a.scale + b.scale;
    i128 r = (i128)a.m * b.m;
    /* Too many fraction digits: drop trailing zeros first, exactly. */
    while (s > CBRDEC_MAX_SCALE && r % 10 == 0) {
        r /= 10;
        s--;
    }
    if (s > CBRDEC_MAX_SCALE || !fits(r))
        return false;
    out->m = (int64_t)r;
    out->scale = (uint8_t)s;
    return true;
}

bool cbrdec_div(cbrdec a, cbrdec b, unsigned scale, cbrround mode, cbrdec *out)
{
    if (b.m == 0 || scale > CBRDEC_MAX_SCALE)
        return false;
    /* a/b = (a.m * 10^(scale + b.scale - a.scale)) / b.m at `scale` digits. */
    int shift = (int)scale + b.scale - a.scale;
    i128 n = a.m, d = b.m;
    while (shift > 0) {
        int k = shift > 18 ? 18 : shift;
        i128 lim = ((i128)1 << 125) / cbrdec_pow10[k];
        if (n > lim || n < -lim)
            return false;
        n *= cbrdec_pow10[k];
        shift -= k;
    }
    if (shift < 0)
        d *= cbrdec_pow10[-shift]; /* |shift| <= 18 and |b.m| < 2^63: fits */
    if (d < 0) {
        n = -n;
        d = -d;
    }
    i128 q = divround(n, d, mode);
    if (!fits(q))
        return false;
    out->m = (int64_t)q;
    out->scale = (uint8_t)scale;
    return true;
}

bool cbrdec_round(cbrdec a, unsigned scale, cbrround mode, cbrdec *out)
{
    if (scale >= a.scale)
        return cbrdec_rescale(a, scale, out);
    i128 q = divround(a.m, cbrdec_pow10[a.scale - scale], mode);
    if (!fits(q))
        return false;
    out->m = (int64_t)q;
    out->scale = (uint8_t)scale;
    return true;
}

cbrdec cbrdec_trim(cbrdec a)
{
    while (a.scale > 0 && a.m % 10 == 0) {
        a.m /= 10;
        a.scale--;
    }
    return a;
}

size_t cbrdec_format(cbrdec a, char *buf, size_t n)
{
    char tmp[48];
    uint64_t u = a.m < 0 ? (uint64_t)0 - (uint64_t)a.m : (uint64_t)a.m;
    char digits[24];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (nd <= a.scale)
        digits[nd++] = '0';
    size_t k = 0;
    if (a.m < 0)
        tmp[k++] = '-';
    for (int i = nd - 1; i >= 0; i--) {
        tmp[k++] = digits[i];
        if (i == a.scale && a.scale > 0)
            tmp[k++] = '.';
    }
    tmp[k] = '\0';
    if (n) {
        size_t c = k < n - 1 ? k : n - 1;
        memcpy(buf, tmp, c);
        buf[c] = '\0';
    }
    return k;
}
