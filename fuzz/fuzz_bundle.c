/* fuzz_bundle.c: libFuzzer target: bytes as a bundle (.cbrx) through load,
 * verification and evaluation of the fixed batch.  Each input is tried as
 * it is (so the header and checksum checks are fuzzed) and, when refused,
 * again with its checksum re-sealed (cbrx_seal), so that mutations reach
 * the section reader and the verifier.  A bundle the loader accepts must
 * evaluate, list and save without a sanitizer report, and what it saves
 * must load again with the same hash: an accepted bundle that crashes is a
 * verifier bug. */
#include <stdlib.h>
#include <string.h>
#include "fuzz/fuzz.h"
#include "vm/program.h"

static void exercise(const cbr_program *p)
{
    cbrfuzz_result r;
    cbrfuzz_eval(p, &r);
    cbrfuzz_result_free(&r);
    char *text;
    if (cbr_program_disasm(p, &text, NULL, NULL) == CBR_OK)
        cbr_free(text);
    for (size_t i = 0; i < cbr_program_offer_count(p); i++)
        CBRFUZZ_CHECK(cbr_program_offer_id(p, i) != NULL, "offer %zu has no id", i);

    void *data = NULL;
    size_t len = 0;
    cbr_error err;
    CBRFUZZ_CHECK(cbr_program_save(p, &data, &len, &err) == CBR_OK, "an accepted bundle cannot be saved: %s",
                  err.message);
    cbr_program *q = NULL;
    CBRFUZZ_CHECK(cbr_program_load(NULL, data, len, &q, &err) == CBR_OK,
                  "an accepted bundle, saved again, is refused: %s", err.message);
    CBRFUZZ_CHECK(strcmp(cbr_program_hash(p), cbr_program_hash(q)) == 0, "saving changed the hash: %s, %s",
                  cbr_program_hash(p), cbr_program_hash(q));
    cbr_program_free(q);
    cbr_free(data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cbr_program *p = NULL;
    cbr_error err;
    if (cbr_program_load(NULL, data, size, &p, &err) == CBR_OK) {
        exercise(p);
        cbr_program_free(p);
        return 0;
    }
    /* Refused as a bundle; or for a time zone that this machine's zoneinfo
     * cannot give (CBR_ERR_IO: the name was checked, the file is missing or
     * not a zone file); or out of memory. */
    CBRFUZZ_CHECK(p == NULL && err.message[0] &&
                      (err.status == CBR_ERR_BUNDLE || err.status == CBR_ERR_NOMEM ||
                       (err.status == CBR_ERR_IO && strncmp(err.message, "time zone \"", 11) == 0)),
                  "a refused bundle: status %d, message \"%s\"", (int)err.status, err.message);
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    cbrx_seal(copy, size);
    if (memcmp(copy, data, size) && cbr_program_load(NULL, copy, size, &p, &err) == CBR_OK) {
        exercise(p);
        cbr_program_free(p);
    }
    free(copy);
    return 0;
}
