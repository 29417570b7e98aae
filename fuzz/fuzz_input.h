/* fuzz_input.h: the body shared by fuzz_csv.c and fuzz_jsonl.c: reads the
 * bytes as a transaction file with the reader of hosts/input.c and checks
 * what the reader promises in input.h about every record it returns. */
#ifndef CBR_FUZZ_INPUT_H
#define CBR_FUZZ_INPUT_H

#include <stdio.h>
#include <string.h>
#include "fuzz/fuzz.h"
#include "hosts/input.h"

static void cbrfuzz_check_record(const cbrin_record *rec, const cbrin_limits *lim, cbrin_format fmt,
                                 size_t ncols)
{
    CBRFUZZ_CHECK(rec->raw != NULL, "record on line %llu has no raw bytes", (unsigned long long)rec->line);
    CBRFUZZ_CHECK(rec->rawlen <= lim->max_record, "record on line %llu keeps %zu raw bytes, limit %zu",
                  (unsigned long long)rec->line, rec->rawlen, lim->max_record);
    if (rec->error) {
        CBRFUZZ_CHECK(rec->cells == NULL && rec->ncells == 0 && rec->error[0],
                      "a bad record on line %llu has cells or no message", (unsigned long long)rec->line);
        return;
    }
    CBRFUZZ_CHECK(rec->ncells <= lim->max_columns, "%zu cells, limit %zu", rec->ncells, lim->max_columns);
    if (fmt == CBRIN_CSV)
        CBRFUZZ_CHECK(rec->ncells == ncols, "%zu cells, %zu columns", rec->ncells, ncols);
    for (size_t i = 0; i < rec->ncells; i++) {
        const cbrin_cell *c = &rec->cells[i];
        CBRFUZZ_CHECK(c->key != NULL && c->val != NULL, "cell %zu without key or text", i);
        CBRFUZZ_CHECK(c->val[c->len] == '\0', "cell %zu is not NUL-terminated at its length", i);
        CBRFUZZ_CHECK(!c->missing || c->len == 0, "cell %zu is missing but has %zu bytes", i, c->len);
        CBRFUZZ_CHECK(c->len <= rec->rawlen && c->keylen <= lim->max_record,
                      "cell %zu is longer (%zu) than its record (%zu)", i, c->len, rec->rawlen);
    }
}

/* The first byte picks the limits: even, the defaults; odd, a record limit
 * of 16 to 143 bytes and a column limit of 1 to 8. */
static int cbrfuzz_read(const uint8_t *data, size_t size, cbrin_format fmt)
{
    cbrin_limits lim = {CBRIN_DEFAULT_MAX_RECORD, CBRIN_DEFAULT_MAX_COLUMNS};
    if (size && (data[0] & 1)) {
        lim.max_record = 16 + (data[0] >> 1);
        lim.max_columns = 1 + (data[0] >> 5);
    }
    if (size) {
        data++;
        size--;
    }
    FILE *f = fmemopen((void *)(size ? data : (const uint8_t *)""), size, "rb");
    if (!f)
        return 0;
    char msg[200];
    cbrin_reader *r = cbrin_open(f, fmt, &lim, msg, sizeof msg);
    if (!r) {
        fclose(f);
        return 0;
    }
    const cbrin_record *rec;
    uint64_t last = 0;
    size_t n = 0;
    int k;
    while ((k = cbrin_next(r, &rec)) == 1) {
        size_t ncols = 0;
        if (fmt == CBRIN_CSV)
            CBRFUZZ_CHECK(cbrin_columns(r, &ncols) != NULL, "a record before the header");
        CBRFUZZ_CHECK(rec->line >= 1 && rec->line > last, "record on line %llu after line %llu",
                      (unsigned long long)rec->line, (unsigned long long)last);
        last = rec->line;
        cbrfuzz_check_record(rec, &lim, fmt, ncols);
        CBRFUZZ_CHECK(++n <= size + 1, "%zu records from %zu bytes", n, size);
    }
    if (k < 0)
        CBRFUZZ_CHECK(cbrin_error(r)[0] != '\0', "a file-level error without a message");
    CBRFUZZ_CHECK(cbrin_next(r, &rec) == k, "the reader did not stay at its end (%d)", k);
    CBRFUZZ_CHECK(cbrin_bytes_read(r) <= size, "%llu bytes read of %zu",
                  (unsigned long long)cbrin_bytes_read(r), size);
    if (fmt == CBRIN_JSONL) {
        int ok = cbrin_parse_json(r, (const char *)data, size, &rec);
        CBRFUZZ_CHECK(ok == (rec->error == NULL), "cbrin_parse_json returned %d, error %s", ok,
                      rec->error ? rec->error : "none");
        cbrfuzz_check_record(rec, &lim, fmt, 0);
    }
    cbrin_close(r);
    fclose(f);
    return 0;
}

#endif
