/* fuzz_compile.c: libFuzzer target: arbitrary bytes through the whole front
 * end (lexer, parser, checker, diagnostic formatting).  Any crash, sanitizer
 * report or leak is a bug; diagnostics are the expected outcome. */
#include <stdint.h>
#include <stdlib.h>
#include "include/cbr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cbr_compiler *c;
    if (cbr_compiler_new(NULL, &c, NULL) != CBR_OK)
        return 0;
    cbr_compiler_add_source(c, "fuzz.cbr", (const char *)data, size, NULL);
    cbr_compiler_check(c, NULL);
    for (size_t i = 0; i < cbr_compiler_diagnostic_count(c); i++) {
        char *text;
        if (cbr_diagnostic_format(NULL, cbr_compiler_diagnostic(c, i), &text, NULL, NULL) == CBR_OK)
            cbr_free(text);
    }
    cbr_compiler_free(c);
    return 0;
}
