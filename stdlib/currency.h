/* currency.h: ISO 4217 currency codes and their minor units.
 * The exponent comes from cbr's own table, never from input: payment
 * processors disagree with ISO for a few currencies, and a rules engine must
 * give one answer. */
#ifndef CBR_STDLIB_CURRENCY_H
#define CBR_STDLIB_CURRENCY_H

#include <stddef.h>

/* The number of minor-unit digits of the 3-letter code s[0..n) (USD 2, JPY 0,
 * BHD 3, CLF 4), or -1 when it is not a known ISO 4217 money code. */
int cbrcur_exponent(const char *s, size_t n);

/* How many codes the table holds, and the i-th code (for suggestions). */
size_t cbrcur_count(void);
const char *cbrcur_code(size_t i);

#endif
