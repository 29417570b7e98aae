/* fuzz_diff.c: libFuzzer target, differential: bytes as a source are
 * compiled; a program that compiles is saved as a bundle and loaded back,
 * and both programs must agree: the same hash, the same listing, the same
 * awards for the fixed batch, and the same results for the source's own
 * test blocks.  Any difference aborts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz/fuzz.h"

static void same_awards(const cbrfuzz_result *a, const cbrfuzz_result *b)
{
    CBRFUZZ_CHECK(a->status == b->status, "status %d from source, %d from bundle (%s / %s)", (int)a->status,
                  (int)b->status, a->message, b->message);
    CBRFUZZ_CHECK(strcmp(a->message, b->message) == 0, "messages differ: \"%s\" / \"%s\"", a->message,
                  b->message);
    CBRFUZZ_CHECK(a->n == b->n, "%zu awards from source, %zu from bundle", a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const cbr_award *x = &a->awards[i], *y = &b->awards[i];
        CBRFUZZ_CHECK(x->row == y->row && x->offer == y->offer && x->cashback == y->cashback &&
                          x->exponent == y->exponent && !strcmp(x->currency, y->currency) &&
                          x->clause == y->clause && x->cut == y->cut && !strcmp(x->offer_id, y->offer_id) &&
                          (x->campaign_id == NULL) == (y->campaign_id == NULL) &&
                          (!x->campaign_id || !strcmp(x->campaign_id, y->campaign_id)),
                      "award %zu differs: row %zu offer %s %lld %s clause %u cut %d, bundle: row %zu offer %s "
                      "%lld %s clause %u cut %d",
                      i, x->row, x->offer_id, (long long)x->cashback, x->currency, x->clause, x->cut, y->row,
                      y->offer_id, (long long)y->cashback, y->currency, y->clause, y->cut);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cbr_compiler *c;
    if (cbr_compiler_new(NULL, &c, NULL) != CBR_OK)
        return 0;
    cbr_compiler_add_source(c, "fuzz.cbr", (const char *)data, size, NULL);
    cbr_program *p = NULL, *q = NULL;
    void *bytes = NULL;
    size_t len = 0;
    cbr_error err;
    if (cbr_compiler_check(c, NULL) != CBR_OK || cbr_compiler_program(c, &p, &err) != CBR_OK)
        goto done;
    CBRFUZZ_CHECK(cbr_program_save(p, &bytes, &len, &err) == CBR_OK, "save failed: %s", err.message);
    CBRFUZZ_CHECK(cbr_program_load(NULL, bytes, len, &q, &err) == CBR_OK, "its own bundle is refused: %s",
                  err.message);
    CBRFUZZ_CHECK(strcmp(cbr_program_hash(p), cbr_program_hash(q)) == 0, "hash %s from source, %s from bundle",
                  cbr_program_hash(p), cbr_program_hash(q));
    char *lp = NULL, *lq = NULL;
    cbr_program_disasm(p, &lp, NULL, NULL);
    cbr_program_disasm(q, &lq, NULL, NULL);
    CBRFUZZ_CHECK(!lp || !lq || strcmp(lp, lq) == 0, "the listings differ:\n%s\n---- bundle:\n%s", lp, lq);
    cbr_free(lp);
    cbr_free(lq);

    cbrfuzz_result a, b;
    cbrfuzz_eval(p, &a);
    cbrfuzz_eval(q, &b);
    same_awards(&a, &b);
    cbrfuzz_result_free(&a);
    cbrfuzz_result_free(&b);

    unsigned pass_p = 0, fail_p = 0, pass_q = 0, fail_q = 0;
    cbr_error ep = {0}, eq = {0};
    cbr_status sp = cbr_compiler_run_tests(c, p, NULL, NULL, &pass_p, &fail_p, &ep);
    cbr_status sq = cbr_compiler_run_tests(c, q, NULL, NULL, &pass_q, &fail_q, &eq);
    CBRFUZZ_CHECK(sp == sq && pass_p == pass_q && fail_p == fail_q,
                  "test blocks: %d %u passed %u failed from source, %d %u passed %u failed from bundle (%s / %s)",
                  (int)sp, pass_p, fail_p, (int)sq, pass_q, fail_q, ep.message, eq.message);
done:
    if (bytes)
        cbr_free(bytes);
    cbr_program_free(q);
    cbr_program_free(p);
    cbr_compiler_free(c);
    return 0;
}
