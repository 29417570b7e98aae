/* fuzz_compile.c: libFuzzer target: arbitrary bytes through the whole front
 * end (lexer, parser, checker, diagnostic formatting).  Any crash, sanitizer
 * report or leak is a bug; diagnostics are the expected outcome. */
#include <stdint.h>
#include <stdlib.h>
#include "include/cbr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cbr_compiler *c = cbr_compiler_new(NULL);
    if (!c)
        return 0;
    cbr_compiler_add_source(c, "fuzz.cbr", (const char *)data, size);
    cbr_compiler_check(c);
    for (size_t i = 0; i < cbr_compiler_diagnostic_count(c); i++)
        free(cbr_diagnostic_format(cbr_compiler_diagnostic(c, i)));
    cbr_compiler_free(c);
    return 0;
}
