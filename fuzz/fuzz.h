/* fuzz.h: what the libFuzzer targets of fuzz/ share: a fixed batch of
 * transactions that every evaluating target runs, and the check that stops
 * a target when an invariant breaks.  Built into each target by fuzz/local.mk
 * (clang) and into the replay programs of `make check` (the build's
 * compiler), so it depends on nothing but cbr.h. */
#ifndef CBR_FUZZ_H
#define CBR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include "include/cbr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fills a new batch of p with the fixed transactions (every standard field,
 * and a value of the right type for each declared one; a few rows are
 * malformed on purpose and refused).  NULL when memory runs out. */
cbr_batch *cbrfuzz_batch(const cbr_program *p);

/* One evaluation of the fixed batch on a fresh context: the awards, copied
 * out of the context (offer ids and campaign ids are the program's).  A
 * program that is not runnable (an extern without a host function) gives
 * status CBR_ERR_STATE and no awards.  Free with cbrfuzz_result_free. */
typedef struct cbrfuzz_result {
    cbr_status status;
    cbr_award *awards;
    size_t n;
    char message[320];
} cbrfuzz_result;
void cbrfuzz_eval(const cbr_program *p, cbrfuzz_result *out);
void cbrfuzz_result_free(cbrfuzz_result *r);

/* Prints "fuzz invariant failed: WHAT" to stderr and aborts. */
void cbrfuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#define CBRFUZZ_CHECK(cond, ...) ((cond) ? (void)0 : cbrfuzz_fail(__VA_ARGS__))

#endif
