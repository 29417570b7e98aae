/* decimal.h: exact fixed-point decimals, the number type behind money.
 * A value is m / 10^scale with a 64-bit mantissa.  Every operation checks for
 * overflow and reports it instead of wrapping; rounding happens only in
 * cbrdec_round, with an explicit mode.  Intermediate products use 128 bits. */
#ifndef CBR_STDLIB_DECIMAL_H
#define CBR_STDLIB_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CBRDEC_MAX_SCALE 18

typedef struct cbrdec {
    int64_t m;
    uint8_t scale;
} cbrdec;

typedef enum cbrround {
    CBR_ROUND_DOWN = 0,  /* toward zero (the default for rewards) */
    CBR_ROUND_UP,        /* away from zero */
    CBR_ROUND_HALF_UP,   /* to nearest, ties away from zero */
    CBR_ROUND_HALF_EVEN, /* to nearest, ties to the even neighbour */
    CBR_ROUND_FLOOR,     /* toward minus infinity */
    CBR_ROUND_CEIL       /* toward plus infinity */
} cbrround;

/* Parses an optional sign, digits, an optional '.' and digits, exactly; with
 * underscores true, single '_' between digits are allowed (source literals).
 * false on bad syntax, more than CBRDEC_MAX_SCALE fraction digits, or overflow. */
bool cbrdec_parse(const char *s, size_t n, bool underscores, cbrdec *out);

/* Exact conversions.  false when the value does not fit. */
bool cbrdec_from_int(int64_t v, cbrdec *out);
bool cbrdec_rescale(cbrdec a, unsigned scale, cbrdec *out); /* scale >= a.scale */

/* -1, 0 or 1; exact whatever the scales. */
int cbrdec_cmp(cbrdec a, cbrdec b);

/* Exact arithmetic; false on overflow (or scale over the maximum). */
bool cbrdec_add(cbrdec a, cbrdec b, cbrdec *out);
bool cbrdec_sub(cbrdec a, cbrdec b, cbrdec *out);
bool cbrdec_mul(cbrdec a, cbrdec b, cbrdec *out);
/* a / b rounded to `scale` digits with `mode`; false on overflow or b == 0. */
bool cbrdec_div(cbrdec a, cbrdec b, unsigned scale, cbrround mode, cbrdec *out);
/* a rounded to `scale` fraction digits (which may be below a.scale). */
bool cbrdec_round(cbrdec a, unsigned scale, cbrround mode, cbrdec *out);
bool cbrdec_neg(cbrdec a, cbrdec *out);

/* Drops trailing zero fraction digits: 1.500 -> 1.5. */
cbrdec cbrdec_trim(cbrdec a);

/* Writes the plain decimal text ("-12.50") into buf (NUL-terminated, truncated
 * to n); returns the length it needed.  24 bytes always suffice. */
size_t cbrdec_format(cbrdec a, char *buf, size_t n);

/* 10^0 .. 10^18: the one powers-of-ten table of the library. */
extern const int64_t cbrdec_pow10[19];

#endif
