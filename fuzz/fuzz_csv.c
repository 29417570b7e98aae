/* fuzz_csv.c: libFuzzer target: bytes as a CSV transaction file through
 * the streaming reader of cbrc (hosts/input.c).  The first byte chooses
 * the limits: even, the defaults; odd, a small record and column limit, so
 * that short inputs reach the limit paths too.  Every record returned must
 * keep the reader's promises (NUL-terminated cells of the stated length,
 * lines that never go back); a file-level error must have a message. */
#include "fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return cbrfuzz_read(data, size, CBRIN_CSV);
}
