/* currency.c: lookup in the ISO 4217 minor-unit table (currency_table.h). */
#include "config.h"
#include <string.h>
#include "stdlib/currency.h"
#include "stdlib/currency_table.h"

enum { NCUR = sizeof cbr_currencies / sizeof cbr_currencies[0] };

int cbrcur_exponent(const char *s, size_t n)
{
    if (n != 3)
        return -1;
    size_t lo = 0, hi = NCUR;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(s, cbr_currencies[mid].code, 3);
        if (c == 0)
            return cbr_currencies[mid].exponent;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

size_t cbrcur_count(void) { return NCUR; }

const char *cbrcur_code(size_t i) { return i < NCUR ? cbr_currencies[i].code : NULL; }
