/* fuzz_jsonl.c: libFuzzer target: bytes as a JSON Lines transaction file
 * through the streaming reader (hosts/input.c), then the whole input as one
 * message through cbrin_parse_json (the stream host's path).  The first
 * byte chooses the limits, as in fuzz_csv.c. */
#include "fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return cbrfuzz_read(data, size, CBRIN_JSONL);
}
