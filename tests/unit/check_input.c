/* check_input.c: hosts/input, the streaming CSV and JSON Lines readers of
 * `cbrc run` and the single-message JSON parser of the stream host.
 * Contract: RFC 4180 for CSV; JSON Lines as one object of scalars a line. */
#include "config.h"
#include <stdint.h>
#include "tests/unit/unit.h"
#include "hosts/input.h"

/* ---- helpers ---- */

/* A reader over the n bytes of s, through a temporary file; *fp is the
 * caller's to fclose after cbrin_close. */
static cbrin_reader *open_mem(const void *s, size_t n, cbrin_format fmt, const cbrin_limits *lim,
                              FILE **fp)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(s, 1, n, f), n);
    rewind(f);
    char err[128] = "";
    cbrin_reader *r = cbrin_open(f, fmt, lim, err, sizeof err);
    ck_assert_msg(r != NULL, "cbrin_open: %s", err);
    *fp = f;
    return r;
}

static cbrin_reader *open_str(const char *s, cbrin_format fmt, FILE **fp)
{
    return open_mem(s, strlen(s), fmt, NULL, fp);
}

static void done(cbrin_reader *r, FILE *f)
{
    cbrin_close(r);
    fclose(f);
}

/* The next record, which must exist. */
#define NEXT(r_, rec_)                                                                      \
    do {                                                                                    \
        int k_ = cbrin_next((r_), &(rec_));                                                 \
        ck_assert_msg(k_ == 1, "cbrin_next returned %d (%s)", k_, cbrin_error(r_));         \
    } while (0)

/* The next record, which must be good, starting on line_. */
#define NEXT_OK(r_, rec_, line_)                                                            \
    do {                                                                                    \
        NEXT(r_, rec_);                                                                     \
        ck_assert_msg((rec_)->error == NULL, "line %u: unexpected error: %s",               \
                      (unsigned)(rec_)->line, (rec_)->error);                               \
        ck_assert_uint_eq((rec_)->line, (line_));                                           \
    } while (0)

/* The next record, which must be bad with message msg_, starting on line_. */
#define NEXT_BAD(r_, rec_, line_, msg_)                                                     \
    do {                                                                                    \
        NEXT(r_, rec_);                                                                     \
        ck_assert_msg((rec_)->error != NULL, "line %u: expected the error \"%s\"",          \
                      (unsigned)(rec_)->line, (msg_));                                      \
        ck_assert_str_eq((rec_)->error, (msg_));                                            \
        ck_assert_uint_eq((rec_)->line, (line_));                                           \
        ck_assert_ptr_null((rec_)->cells);                                                  \
        ck_assert_uint_eq((rec_)->ncells, 0);                                               \
    } while (0)

/* End of file, with no error. */
#define AT_END(r_)                                                                          \
    do {                                                                                    \
        const cbrin_record *e_;                                                             \
        ck_assert_int_eq(cbrin_next((r_), &e_), 0);                                         \
        ck_assert_str_eq(cbrin_error(r_), "");                                              \
    } while (0)

/* A file-level error with message msg_ about line_, repeated by the next call. */
#define FAILS(r_, line_, msg_)                                                              \
    do {                                                                                    \
        const cbrin_record *f_;                                                             \
        ck_assert_int_eq(cbrin_next((r_), &f_), -1);                                        \
        ck_assert_str_eq(cbrin_error(r_), (msg_));                                          \
        ck_assert_uint_eq(cbrin_error_line(r_), (line_));                                   \
        ck_assert_int_eq(cbrin_next((r_), &f_), -1);                                        \
    } while (0)

/* The cell named key, which must exist. */
static const cbrin_cell *cell(const cbrin_record *rec, const char *key)
{
    for (size_t i = 0; i < rec->ncells; i++)
        if (rec->cells[i].keylen == strlen(key) && memcmp(rec->cells[i].key, key, strlen(key)) == 0)
            return &rec->cells[i];
    ck_abort_msg("no cell `%s` in the record of line %u", key, (unsigned)rec->line);
    return NULL;
}

/* Cell key holds the text want, present. */
#define CELL_EQ(rec_, key_, want_)                                                          \
    do {                                                                                    \
        const cbrin_cell *c_ = cell((rec_), (key_));                                        \
        ck_assert_msg(!c_->missing, "cell `%s` is missing", (key_));                        \
        ck_assert_uint_eq(c_->len, strlen(want_));                                          \
        ck_assert_str_eq(c_->val, (want_));                                                 \
    } while (0)

#define CELL_MISSING(rec_, key_)                                                            \
    do {                                                                                    \
        const cbrin_cell *c_ = cell((rec_), (key_));                                        \
        ck_assert_msg(c_->missing, "cell `%s` is not missing", (key_));                     \
        ck_assert_uint_eq(c_->len, 0);                                                      \
        ck_assert_str_eq(c_->val, "");                                                      \
    } while (0)

#define RAW_EQ(rec_, want_)                                                                 \
    do {                                                                                    \
        ck_assert_uint_eq((rec_)->rawlen, strlen(want_));                                   \
        ck_assert(memcmp((rec_)->raw, (want_), strlen(want_)) == 0);                        \
    } while (0)

/* ---- CSV ---- */

START_TEST(csv_header_names_the_cells)
{
    FILE *f;
    const char *src = "tid,amount,mcc\nT1,12.50,5411\nT2,3,5812\n";
    cbrin_reader *r = open_str(src, CBRIN_CSV, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 2);
    ck_assert_uint_eq(rec->ncells, 3);
    ck_assert_str_eq(rec->cells[0].key, "tid");
    ck_assert_uint_eq(rec->cells[0].keylen, 3);
    CELL_EQ(rec, "tid", "T1");
    CELL_EQ(rec, "amount", "12.50");
    CELL_EQ(rec, "mcc", "5411");
    RAW_EQ(rec, "T1,12.50,5411");
    NEXT_OK(r, rec, 3);
    CELL_EQ(rec, "tid", "T2");
    AT_END(r);
    AT_END(r);
    size_t n;
    const cbrin_cell *cols = cbrin_columns(r, &n);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(cols[2].key, "mcc");
    size_t hl;
    const char *h = cbrin_header_raw(r, &hl);
    ck_assert_uint_eq(hl, 14);
    ck_assert(memcmp(h, "tid,amount,mcc", 14) == 0);
    ck_assert_uint_eq(cbrin_bytes_read(r), strlen(src));
    done(r, f);
}
END_TEST

START_TEST(csv_quoted_commas_and_quotes)
{
    FILE *f;
    cbrin_reader *r =
        open_str("id,note\n1,\"a, b\"\n2,\"say \"\"hi\"\"\"\n3,\"\"\"\"\n", CBRIN_CSV, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 2);
    CELL_EQ(rec, "note", "a, b");
    RAW_EQ(rec, "1,\"a, b\"");
    NEXT_OK(r, rec, 3);
    CELL_EQ(rec, "note", "say \"hi\"");
    NEXT_OK(r, rec, 4);
    CELL_EQ(rec, "note", "\"");
    AT_END(r);
    done(r, f);
}
END_TEST

START_TEST(csv_quoted_newlines_advance_the_line)
{
    FILE *f;
    cbrin_reader *r =
        open_str("id,note\n1,\"one\ntwo\r\nthree\"\n2,x\n\"3\n\",y\n4,z\n", CBRIN_CSV, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 2);
    CELL_EQ(rec, "note", "one\ntwo\r\nthree");
    RAW_EQ(rec, "1,\"one\ntwo\r\nthree\"");
    NEXT_OK(r, rec, 5);
    CELL_EQ(rec, "note", "x");
    NEXT_OK(r, rec, 6);
    CELL_EQ(rec, "id", "3\n");
    NEXT_OK(r, rec, 8);
    CELL_EQ(rec, "id", "4");
    AT_END(r);
    done(r, f);
}
END_TEST

START_TEST(csv_crlf_and_lone_cr_line_ends)
{
    FILE *f;
    cbrin_reader *r = open_str("a,b\r\n1,2\r\n3,4\r5,6\n7,8\r\n", CBRIN_CSV, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 2);
    RAW_EQ(rec, "1,2");
    CELL_EQ(rec, "b", "2");
    NEXT_OK(r, rec, 3);
    RAW_EQ(rec, "3,4");
    NEXT_OK(r, rec, 4);
    RAW_EQ(rec, "5,6");
    NEXT_OK(r, rec, 5);
    CELL_EQ(rec, "b", "8");
    AT_END(r);
    done(r, f);
}
END_TEST

START_TEST(csv_bom_is_skipped)
{
    FILE *f;
    const char *src = "\xEF\xBB\xBFid,x\n1,2\n";
    cbrin_reader *r = open_str(src, CBRIN_CSV, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 2);
    ck_assert_uint_eq(rec->cells[0].keylen, 2);
    CELL_EQ(rec, "id", "1");
    AT_END(r);
    ck_assert_uint_eq(cbrin_bytes_read(r), strlen(src));
    done(r, f);

    /* Only at the very start: later it is data. */
    r = open_str("id\n\xEF\xBB\xBF" "1\n", CBRIN_CSV, &f);
    NEXT_OK(r, rec, 2);
    CELL_EQ(rec, "id", "\xEF\xBB\xBF" "1");
    done(r, f);
}
END_TEST

START_TEST(csv_empty_and_quoted_empty_cells_are_missing)
{
    FILE *f;
    cbrin_reader *r = open_str("a,b,c,d\n,\"\",x,\n\" \",,,\"\"\n", CBRIN_CSV, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 2);
    ck_assert_uint_eq(rec->ncells, 4);
    CELL_MISSING(rec, "a");
    CELL_MISSING(rec, "b");
    CELL_EQ(rec, "c", "x");
    CELL_MISSING(rec, "d");
    NEXT_OK(r, rec, 3);
    CELL_EQ(rec, "a", " ");
    CELL_MISSING(rec, "b");
    CELL_MISSING(rec, "c");
    CELL_MISSING(rec, "d");
    AT_END(r);
    done(r, f);
}
END_TEST

START_TEST(csv_spaces_are_part_of_the_cell)
{
    FILE *f;
    cbrin_reader *r = open_str("a,b\n 1 ,\t2\t\n", CBRIN_CSV, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 2);
    CELL_EQ(rec, "a", " 1 ");
    CELL_EQ(rec, "b", "\t2\t");
    done(r, f);
}
END_TEST

START_TEST(csv_last_line_without_line_end_is_a_record)
{
    FILE *f;
    cbrin_reader *r = open_str("a,b\n1,2\n3,\"x\"", CBRIN_CSV, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 2);
    NEXT_OK(r, rec, 3);
    RAW_EQ(rec, "3,\"x\"");
    CELL_EQ(rec, "b", "x");
    AT_END(r);
    done(r, f);
}
END_TEST

START_TEST(csv_empty_file_and_header_only)
{
    FILE *f;
    cbrin_reader *r = open_mem("", 0, CBRIN_CSV, NULL, &f);
    AT_END(r);
    size_t n = 9;
    ck_assert_ptr_null(cbrin_columns(r, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(cbrin_error_line(r), 0);
    done(r, f);

    const char *only[] = {"a,b\n", "a,b", "a,b\r\n\r\n\n", "\xEF\xBB\xBF"};
    for (size_t i = 0; i < sizeof only / sizeof only[0]; i++) {
        r = open_str(only[i], CBRIN_CSV, &f);
        AT_END(r);
        cbrin_columns(r, &n);
        ck_assert_uint_eq(n, i == 3 ? 0 : 2);
        done(r, f);
    }
}
END_TEST

START_TEST(csv_blank_lines_are_skipped)
{
    FILE *f;
    cbrin_reader *r = open_str("\n\na\n\n1\n\r\n\n2\n\n", CBRIN_CSV, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 5);
    CELL_EQ(rec, "a", "1");
    NEXT_OK(r, rec, 8);
    CELL_EQ(rec, "a", "2");
    AT_END(r);
    done(r, f);
}
END_TEST

START_TEST(csv_wrong_cell_counts_are_bad_records)
{
    FILE *f;
    cbrin_reader *r = open_str("a,b,c\n1,2\n1,2,3,4\n5,6,7\n8\n,,\n", CBRIN_CSV, &f);
    const cbrin_record *rec;
    NEXT_BAD(r, rec, 2, "record has 2 fields, the header has 3");
    RAW_EQ(rec, "1,2");
    NEXT_BAD(r, rec, 3, "record has 4 fields, the header has 3");
    RAW_EQ(rec, "1,2,3,4");
    NEXT_OK(r, rec, 4);
    CELL_EQ(rec, "c", "7");
    NEXT_BAD(r, rec, 5, "record has 1 field, the header has 3");
    NEXT_OK(r, rec, 6);
    CELL_MISSING(rec, "c");
    AT_END(r);
    done(r, f);
}
END_TEST

START_TEST(csv_duplicate_header_column_is_a_file_error)
{
    FILE *f;
    cbrin_reader *r = open_str("tid,x,amount,y,z,w,amount\n1,2,3,4,5,6,7\n", CBRIN_CSV, &f);
    FAILS(r, 1, "column 7 `amount` repeats column 3");
    done(r, f);

    /* Names compare as bytes, quoted or not. */
    r = open_str("\n\"a\",b,a\n", CBRIN_CSV, &f);
    FAILS(r, 2, "column 3 `a` repeats column 1");
    done(r, f);
}
END_TEST

START_TEST(csv_empty_header_name_is_a_file_error)
{
    const char *src[] = {"a,,b\n1,2,3\n", "a,\"\"\n", "a,b,\n"};
    const char *msg[] = {"column 2 of the header has no name", "column 2 of the header has no name",
                         "column 3 of the header has no name"};
    for (size_t i = 0; i < 3; i++) {
        FILE *f;
        cbrin_reader *r = open_str(src[i], CBRIN_CSV, &f);
        FAILS(r, 1, msg[i]);
        done(r, f);
    }
}
END_TEST

START_TEST(csv_header_over_the_column_limit_is_a_file_error)
{
    cbrin_limits lim = {.max_columns = 3};
    FILE *f;
    cbrin_reader *r = open_mem("a,b,c,d\n1,2,3,4\n", 16, CBRIN_CSV, &lim, &f);
    FAILS(r, 1, "the header has 4 columns, more than the limit of 3");
    done(r, f);

    r = open_mem("a,b,c\n1,2,3\n", 12, CBRIN_CSV, &lim, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 2);
    done(r, f);
}
END_TEST

START_TEST(csv_many_columns_find_the_repeat)
{
    /* 600 columns: past the first sizes of the duplicate-key table. */
    char *src = malloc(600 * 8 + 1);
    ck_assert_ptr_nonnull(src);
    size_t k = 0;
    for (int i = 1; i <= 600; i++)
        k += (size_t)sprintf(src + k, "%sc%d", i > 1 ? "," : "", i == 500 ? 7 : i);
    src[k++] = '\n';
    FILE *f;
    cbrin_reader *r = open_mem(src, k, CBRIN_CSV, NULL, &f);
    FAILS(r, 1, "column 500 `c7` repeats column 7");
    done(r, f);
    free(src);
}
END_TEST

START_TEST(csv_unterminated_quote_at_eof_is_a_bad_record)
{
    FILE *f;
    cbrin_reader *r = open_str("a,b\n1,2\n3,\"abc\nmore\n4,5\n", CBRIN_CSV, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 2);
    NEXT_BAD(r, rec, 3, "the quoted field opened on line 3 is not closed at the end of the file");
    RAW_EQ(rec, "3,\"abc\nmore\n4,5\n");
    AT_END(r);
    done(r, f);

    r = open_str("a,\"b\n", CBRIN_CSV, &f);
    FAILS(r, 1, "header: the quoted field opened on line 1 is not closed at the end of the file");
    done(r, f);
}
END_TEST

START_TEST(csv_stray_quotes_are_bad_records)
{
    FILE *f;
    cbrin_reader *r = open_str("a,b\n1,x\"y\n2,\"q\"z\n3,\"q\" \n4,5\n", CBRIN_CSV, &f);
    const cbrin_record *rec;
    NEXT_BAD(r, rec, 2, "field 2: a quote inside an unquoted field");
    RAW_EQ(rec, "1,x\"y");
    NEXT_BAD(r, rec, 3, "field 2: text after the closing quote");
    NEXT_BAD(r, rec, 4, "field 2: text after the closing quote");
    NEXT_OK(r, rec, 5);
    CELL_EQ(rec, "b", "5");
    AT_END(r);
    done(r, f);

    r = open_str("a,b\"c\n", CBRIN_CSV, &f);
    FAILS(r, 1, "header: field 2: a quote inside an unquoted field");
    done(r, f);
}
END_TEST

/* A record of over 1 MiB whose quoted cell holds `lines` line ends. */
static char *long_csv(size_t *len, int lines)
{
    size_t big = 1536 * 1024;
    char *s = malloc(big + 64);
    ck_assert_ptr_nonnull(s);
    size_t k = (size_t)sprintf(s, "a,b\n1,\"");
    for (size_t i = 0; i < big; i++)
        s[k++] = 'x';
    for (int i = 0; i < lines; i++)
        s[8 + 1000 * (size_t)(i + 1)] = '\n';
    k += (size_t)sprintf(s + k, "\"\n2,ok\n");
    *len = k;
    return s;
}

START_TEST(csv_record_over_the_limit_is_skipped)
{
    size_t n;
    char *src = long_csv(&n, 5);
    FILE *f;
    cbrin_reader *r = open_mem(src, n, CBRIN_CSV, NULL, &f);
    const cbrin_record *rec;
    NEXT_BAD(r, rec, 2, "record is longer than 1048576 bytes");
    ck_assert_uint_eq(rec->rawlen, 1048576);
    ck_assert(memcmp(rec->raw, src + 4, 1048576) == 0);
    NEXT_OK(r, rec, 8);
    CELL_EQ(rec, "b", "ok");
    AT_END(r);
    ck_assert_uint_eq(cbrin_bytes_read(r), n);
    done(r, f);
    free(src);
}
END_TEST

START_TEST(csv_record_at_the_limit_is_read)
{
    cbrin_limits lim = {.max_record = 8};
    FILE *f;
    const char *src = "a,b\r\n1234,678\r\n1234,6789\r\n1,2\r\n";
    cbrin_reader *r = open_mem(src, strlen(src), CBRIN_CSV, &lim, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 2);
    CELL_EQ(rec, "b", "678");
    NEXT_BAD(r, rec, 3, "record is longer than 8 bytes");
    RAW_EQ(rec, "1234,678");
    NEXT_OK(r, rec, 4);
    AT_END(r);
    done(r, f);

    src = "abcdefgh,i\n";
    r = open_mem(src, strlen(src), CBRIN_CSV, &lim, &f);
    FAILS(r, 1, "the header is longer than 8 bytes");
    done(r, f);
}
END_TEST

START_TEST(csv_records_across_chunk_boundaries)
{
    /* 20,000 CRLF records of varied length: line ends, quotes and cells
     * fall on every side of the 64 KiB chunk edges. */
    size_t cap = 1 << 20, k = 0;
    char *src = malloc(cap);
    ck_assert_ptr_nonnull(src);
    k += (size_t)sprintf(src, "n,s\r\n");
    for (int i = 0; i < 20000; i++)
        k += (size_t)sprintf(src + k, "%d,\"v%.*s\"\"\"\r\n", i, i % 7, "abcdefg");
    FILE *f;
    cbrin_reader *r = open_mem(src, k, CBRIN_CSV, NULL, &f);
    const cbrin_record *rec;
    for (int i = 0; i < 20000; i++) {
        NEXT_OK(r, rec, (uint64_t)i + 2);
        char want[32];
        sprintf(want, "%d", i);
        CELL_EQ(rec, "n", want);
        sprintf(want, "v%.*s\"", i % 7, "abcdefg");
        CELL_EQ(rec, "s", want);
    }
    AT_END(r);
    ck_assert_uint_eq(cbrin_bytes_read(r), k);
    done(r, f);
    free(src);
}
END_TEST

/* ---- JSON Lines ---- */

START_TEST(jsonl_numbers_keep_their_text)
{
    FILE *f;
    cbrin_reader *r = open_str(
        "{\"a\":12.50,\"b\":1e3,\"c\":-0.0,\"d\":123456789012345678901234567890,\"e\":0,\"f\":-1.5E-7}\n",
        CBRIN_JSONL, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 1);
    ck_assert_uint_eq(rec->ncells, 6);
    CELL_EQ(rec, "a", "12.50");
    CELL_EQ(rec, "b", "1e3");
    CELL_EQ(rec, "c", "-0.0");
    CELL_EQ(rec, "d", "123456789012345678901234567890");
    CELL_EQ(rec, "e", "0");
    CELL_EQ(rec, "f", "-1.5E-7");
    ck_assert_str_eq(rec->cells[5].key, "f");
    AT_END(r);
    done(r, f);
}
END_TEST

START_TEST(jsonl_strings_booleans_and_null)
{
    FILE *f;
    cbrin_reader *r = open_str("{\"s\":\"caf\\u00e9 \\\"q\\\"\\n\",\"t\":true,\"f\":false,"
                               "\"n\":null,\"e\":\"\",\"z\":\"a\\u0000b\",\"k\\u00e9\":1}\n",
                               CBRIN_JSONL, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 1);
    CELL_EQ(rec, "s", "caf\xC3\xA9 \"q\"\n");
    CELL_EQ(rec, "t", "true");
    CELL_EQ(rec, "f", "false");
    CELL_MISSING(rec, "n");
    CELL_MISSING(rec, "e"); /* an empty string is missing, as an empty CSV cell is */
    const cbrin_cell *z = cell(rec, "z");
    ck_assert_uint_eq(z->len, 3);
    ck_assert(memcmp(z->val, "a\0b", 4) == 0);
    CELL_EQ(rec, "k\xC3\xA9", "1");
    done(r, f);
}
END_TEST

START_TEST(jsonl_nested_values_are_bad_records)
{
    FILE *f;
    cbrin_reader *r = open_str("{\"a\":{\"b\":1}}\n{\"x\":1,\"list\":[1]}\n{\"ok\":[]}\n{\"y\":2}\n",
                               CBRIN_JSONL, &f);
    const cbrin_record *rec;
    NEXT_BAD(r, rec, 1, "key `a`: nested objects and arrays are not supported");
    RAW_EQ(rec, "{\"a\":{\"b\":1}}");
    NEXT_BAD(r, rec, 2, "key `list`: nested objects and arrays are not supported");
    NEXT_BAD(r, rec, 3, "key `ok`: nested objects and arrays are not supported");
    NEXT_OK(r, rec, 4);
    CELL_EQ(rec, "y", "2");
    AT_END(r);
    done(r, f);
}
END_TEST

/* Asked for (cbrin_keep_nested), a nested value is a cell marked nested,
 * whatever its depth, and the keys inside it are not the record's. */
START_TEST(jsonl_nested_values_kept_as_cells_when_asked)
{
    enum { DEEP = 20000 };
    char *src = malloc(2 * DEEP + 256);
    ck_assert_ptr_nonnull(src);
    size_t k = (size_t)sprintf(src, "{\"a\":{\"x\":[1,{\"y\":null}],\"b\":2},\"x\":1,\"l\":[],\"d\":");
    memset(src + k, '[', DEEP);
    k += DEEP;
    memset(src + k, ']', DEEP);
    k += DEEP;
    k += (size_t)sprintf(src + k, ",\"z\":\"s\"}\n{\"a\":{\"b\":1},\"a\":2}\n{\"m\":{\"n\":}}\n");
    FILE *f;
    cbrin_reader *r = open_mem(src, k, CBRIN_JSONL, NULL, &f);
    cbrin_keep_nested(r, true);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 1);
    ck_assert_uint_eq(rec->ncells, 5);
    CELL_MISSING(rec, "a");
    ck_assert(cell(rec, "a")->nested);
    CELL_EQ(rec, "x", "1"); /* the x inside a is not this one */
    ck_assert(!cell(rec, "x")->nested);
    ck_assert(cell(rec, "l")->nested);
    ck_assert(cell(rec, "d")->nested);
    CELL_EQ(rec, "z", "s");
    NEXT_BAD(r, rec, 2, "duplicate key `a`");
    NEXT_BAD(r, rec, 3, "parse error: unallowed token at this point in JSON text");
    AT_END(r);
    done(r, f);
    free(src);
}
END_TEST

START_TEST(jsonl_invalid_line_is_bad_and_reading_goes_on)
{
    FILE *f;
    cbrin_reader *r = open_str("{\"a\":1}\n{\"a\":\nnot json\n{\"a\":1} x\n{a:1}\n{\"a\":2}\n",
                               CBRIN_JSONL, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 1);
    NEXT_BAD(r, rec, 2, "parse error: premature EOF");
    NEXT_BAD(r, rec, 3, "lexical error: invalid string in json text.");
    RAW_EQ(rec, "not json");
    NEXT_BAD(r, rec, 4, "parse error: trailing garbage");
    NEXT_BAD(r, rec, 5, "lexical error: invalid char in json text.");
    NEXT_OK(r, rec, 6);
    CELL_EQ(rec, "a", "2");
    AT_END(r);
    done(r, f);
}
END_TEST

START_TEST(jsonl_values_other_than_objects_are_bad)
{
    FILE *f;
    cbrin_reader *r =
        open_str("[1,2]\n\"s\"\n12\nnull\ntrue\n{}\n", CBRIN_JSONL, &f);
    const cbrin_record *rec;
    NEXT_BAD(r, rec, 1, "expected a JSON object, found an array");
    NEXT_BAD(r, rec, 2, "expected a JSON object, found a string");
    NEXT_BAD(r, rec, 3, "expected a JSON object, found a number");
    NEXT_BAD(r, rec, 4, "expected a JSON object, found null");
    NEXT_BAD(r, rec, 5, "expected a JSON object, found true");
    NEXT_OK(r, rec, 6);
    ck_assert_uint_eq(rec->ncells, 0);
    AT_END(r);
    done(r, f);
}
END_TEST

START_TEST(jsonl_blank_lines_are_skipped)
{
    FILE *f;
    cbrin_reader *r = open_str("\xEF\xBB\xBF\n  \n{\"a\":1}\r\n\t \r\n{\"a\":2}\r", CBRIN_JSONL, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 3);
    RAW_EQ(rec, "{\"a\":1}");
    NEXT_OK(r, rec, 5);
    RAW_EQ(rec, "{\"a\":2}");
    CELL_EQ(rec, "a", "2");
    AT_END(r);
    done(r, f);
}
END_TEST

START_TEST(jsonl_invalid_utf8_is_a_bad_record)
{
    FILE *f;
    cbrin_reader *r = open_str("{\"a\":\"\xff\"}\n{\"\xC3\x28\":1}\n{\"a\":\"\xC3\xA9\"}\n",
                               CBRIN_JSONL, &f);
    const cbrin_record *rec;
    NEXT_BAD(r, rec, 1, "lexical error: invalid bytes in UTF8 string.");
    NEXT_BAD(r, rec, 2, "lexical error: invalid bytes in UTF8 string.");
    NEXT_OK(r, rec, 3);
    CELL_EQ(rec, "a", "\xC3\xA9");
    done(r, f);
}
END_TEST

START_TEST(jsonl_duplicate_key_is_a_bad_record)
{
    FILE *f;
    cbrin_reader *r =
        open_str("{\"a\":1,\"b\":2,\"a\":3}\n{\"a\":1,\"b\":2}\n", CBRIN_JSONL, &f);
    const cbrin_record *rec;
    NEXT_BAD(r, rec, 1, "duplicate key `a`");
    /* The next record starts an empty set of keys. */
    NEXT_OK(r, rec, 2);
    CELL_EQ(rec, "a", "1");
    AT_END(r);
    done(r, f);
}
END_TEST

START_TEST(jsonl_line_over_the_limit_is_skipped)
{
    size_t big = 1200 * 1024;
    char *src = malloc(big + 64);
    ck_assert_ptr_nonnull(src);
    size_t k = (size_t)sprintf(src, "{\"a\":\"");
    memset(src + k, 'y', big);
    k += big;
    k += (size_t)sprintf(src + k, "\"}\n{\"a\":1}\n");
    FILE *f;
    cbrin_reader *r = open_mem(src, k, CBRIN_JSONL, NULL, &f);
    const cbrin_record *rec;
    NEXT_BAD(r, rec, 1, "record is longer than 1048576 bytes");
    ck_assert_uint_eq(rec->rawlen, 1048576);
    ck_assert(memcmp(rec->raw, src, 1048576) == 0);
    NEXT_OK(r, rec, 2);
    CELL_EQ(rec, "a", "1");
    AT_END(r);
    done(r, f);
    free(src);

    /* Exactly at the limit, with CRLF: read. */
    cbrin_limits lim = {.max_record = 7};
    const char *at = "{\"a\":1}\r\n{\"a\":12}\r\n";
    r = open_mem(at, strlen(at), CBRIN_JSONL, &lim, &f);
    NEXT_OK(r, rec, 1);
    NEXT_BAD(r, rec, 2, "record is longer than 7 bytes");
    RAW_EQ(rec, "{\"a\":12");
    AT_END(r);
    done(r, f);
}
END_TEST

/* The rejects file gets an over-long record whole: the reader holds the
 * first max_record + 1 bytes and a temporary file the rest. */
static void whole_raw(cbrin_format fmt, const char *head, const char *tail, const char *eol)
{
    size_t big = 3 * 1024 * 1024 + 17;
    char *src = malloc(big + 256);
    ck_assert_ptr_nonnull(src);
    size_t k = (size_t)sprintf(src, "%s", head);
    for (size_t i = 0; i < big; i++)
        src[k++] = (char)('a' + i % 26);
    k += (size_t)sprintf(src + k, "%s", tail);
    size_t reclen = k;
    k += (size_t)sprintf(src + k, "%s%s", eol, fmt == CBRIN_CSV ? "1,2\n" : "{\"a\":1}\n");
    FILE *f;
    cbrin_reader *r = open_mem(src, k, fmt, NULL, &f);
    const cbrin_record *rec;
    NEXT_BAD(r, rec, fmt == CBRIN_CSV ? 2 : 1, "record is longer than 1048576 bytes");
    ck_assert_uint_eq(cbrin_full_length(r, rec), reclen - (fmt == CBRIN_CSV ? 4 : 0));
    FILE *out = tmpfile();
    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(cbrin_write_raw(r, rec, out), 0);
    long n = ftell(out);
    const char *want = src + (fmt == CBRIN_CSV ? 4 : 0); /* after the CSV header */
    ck_assert_int_eq(n, (long)cbrin_full_length(r, rec));
    char *got = malloc((size_t)n);
    rewind(out);
    ck_assert_uint_eq(fread(got, 1, (size_t)n, out), (size_t)n);
    size_t at = 0;
    while (at < (size_t)n && got[at] == want[at])
        at++;
    ck_assert_msg(at == (size_t)n, "%s%s: the bytes differ at %zu of %ld", head, eol, at, n);
    fclose(out);
    free(got);
    NEXT_OK(r, rec, fmt == CBRIN_CSV ? 3 : 2);
    AT_END(r);
    done(r, f);
    free(src);
}

START_TEST(over_long_records_are_kept_whole)
{
    whole_raw(CBRIN_JSONL, "{\"a\":\"", "\"}", "\r\n"); /* the CR of CRLF is the line end's */
    whole_raw(CBRIN_JSONL, "{\"a\":\"", "\"}", "\n");
    whole_raw(CBRIN_CSV, "a,b\n1,\"", "\"", "\r\n");
    whole_raw(CBRIN_CSV, "a,b\n1,", "", "\n");
}
END_TEST

START_TEST(jsonl_keys_over_the_limit_are_a_bad_record)
{
    cbrin_limits lim = {.max_columns = 2};
    FILE *f;
    const char *src = "{\"a\":1,\"b\":2,\"c\":3}\n{\"a\":1,\"b\":2}\n";
    cbrin_reader *r = open_mem(src, strlen(src), CBRIN_JSONL, &lim, &f);
    const cbrin_record *rec;
    NEXT_BAD(r, rec, 1, "the object has more than 2 keys");
    NEXT_OK(r, rec, 2);
    AT_END(r);
    done(r, f);
}
END_TEST

/* ---- single messages ---- */

START_TEST(parse_json_reads_one_message)
{
    char err[64];
    cbrin_reader *r = cbrin_open(NULL, CBRIN_JSONL, NULL, err, sizeof err);
    ck_assert_ptr_nonnull(r);
    const cbrin_record *rec;
    const char *m = "{\"tid\":\"T9\",\"amount\":12.50,\"card\":null}";
    ck_assert_int_eq(cbrin_parse_json(r, m, strlen(m), &rec), 1);
    ck_assert_ptr_null(rec->error);
    ck_assert_uint_eq(rec->line, 0);
    ck_assert_uint_eq(rec->ncells, 3);
    CELL_EQ(rec, "tid", "T9");
    CELL_EQ(rec, "amount", "12.50");
    CELL_MISSING(rec, "card");
    RAW_EQ(rec, m);
    ck_assert(rec->raw != m); /* a copy, owned by r */

    /* Bad messages, then a good one: each call starts afresh. */
    const char *bads[] = {"{\"a\":[1]}", "{\"a\":1,\"a\":2}", "", "{\"a\":1}\n{\"b\":2}", "[]"};
    const char *msgs[] = {"key `a`: nested objects and arrays are not supported",
                          "duplicate key `a`", "parse error: premature EOF",
                          "parse error: trailing garbage", "expected a JSON object, found an array"};
    for (size_t i = 0; i < 5; i++) {
        ck_assert_int_eq(cbrin_parse_json(r, bads[i], strlen(bads[i]), &rec), 0);
        ck_assert_str_eq(rec->error, msgs[i]);
        ck_assert_ptr_null(rec->cells);
    }
    /* No length from NUL: the message is the given bytes. */
    ck_assert_int_eq(cbrin_parse_json(r, "{\"a\":1}xyz", 7, &rec), 1);
    CELL_EQ(rec, "a", "1");

    /* No file: cbrin_next fails, cbrin_parse_json still works. */
    ck_assert_int_eq(cbrin_next(r, &rec), -1);
    ck_assert_str_eq(cbrin_error(r), "the reader has no input file");
    ck_assert_int_eq(cbrin_parse_json(r, "{\"b\":true}", 10, &rec), 1);
    CELL_EQ(rec, "b", "true");
    cbrin_close(r);
}
END_TEST

START_TEST(parse_json_many_keys_and_the_limit)
{
    /* 700 keys: the duplicate-key table grows several times. */
    char *m = malloc(700 * 16 + 16);
    ck_assert_ptr_nonnull(m);
    size_t k = 0;
    m[k++] = '{';
    for (int i = 0; i < 700; i++)
        k += (size_t)sprintf(m + k, "%s\"k%d\":%d", i ? "," : "", i, i);
    m[k++] = '}';
    cbrin_limits lim = {.max_columns = 1000, .max_record = 100};
    cbrin_reader *r = cbrin_open(NULL, CBRIN_JSONL, &lim, NULL, 0);
    ck_assert_ptr_nonnull(r);
    const cbrin_record *rec;
    ck_assert_int_eq(cbrin_parse_json(r, m, k, &rec), 0);
    ck_assert_str_eq(rec->error, "record is longer than 100 bytes");
    ck_assert_uint_eq(rec->rawlen, 100);
    cbrin_close(r);

    r = cbrin_open(NULL, CBRIN_CSV, NULL, NULL, 0);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(cbrin_parse_json(r, m, k, &rec), 1);
    ck_assert_uint_eq(rec->ncells, 700);
    CELL_EQ(rec, "k699", "699");
    /* The same, with key 650 named again as k3. */
    char *d = strstr(m, "\"k650\"");
    memcpy(d, " \"k3\" ", 6);
    ck_assert_int_eq(cbrin_parse_json(r, m, k, &rec), 0);
    ck_assert_str_eq(rec->error, "duplicate key `k3`");
    cbrin_close(r);
    free(m);
}
END_TEST

START_TEST(csv_reader_parses_json_between_records)
{
    FILE *f;
    cbrin_reader *r = open_str("a,b\n1,2\n3,4\n", CBRIN_CSV, &f);
    const cbrin_record *rec;
    NEXT_OK(r, rec, 2);
    ck_assert_int_eq(cbrin_parse_json(r, "{\"x\":\"y\"}", 9, &rec), 1);
    CELL_EQ(rec, "x", "y");
    NEXT_OK(r, rec, 3);
    CELL_EQ(rec, "a", "3");
    ck_assert_str_eq(rec->cells[1].key, "b");
    AT_END(r);
    done(r, f);
}
END_TEST

START_TEST(two_readers_do_not_share_state)
{
    FILE *f1, *f2;
    cbrin_reader *a = open_str("x\n1\n2\n", CBRIN_CSV, &f1);
    cbrin_reader *b = open_str("y,z\n\"p\nq\",r\n", CBRIN_CSV, &f2);
    const cbrin_record *ra, *rb;
    NEXT_OK(a, ra, 2);
    NEXT_OK(b, rb, 2);
    CELL_EQ(ra, "x", "1");
    CELL_EQ(rb, "y", "p\nq");
    NEXT_OK(a, ra, 3);
    AT_END(b);
    AT_END(a);
    done(a, f1);
    done(b, f2);
}
END_TEST

START_TEST(open_refuses_an_unknown_format)
{
    char err[64] = "";
    ck_assert_ptr_null(cbrin_open(NULL, (cbrin_format)7, NULL, err, sizeof err));
    ck_assert_str_eq(err, "unknown input format 7");
    cbrin_close(NULL);
}
END_TEST

START_TEST(read_error_is_a_file_error)
{
    /* A write-only stream: fread fails. */
    FILE *f = fopen("/dev/null", "w");
    ck_assert_ptr_nonnull(f);
    cbrin_reader *r = cbrin_open(f, CBRIN_CSV, NULL, NULL, 0);
    ck_assert_ptr_nonnull(r);
    const cbrin_record *rec;
    ck_assert_int_eq(cbrin_next(r, &rec), -1);
    ck_assert_msg(strncmp(cbrin_error(r), "cannot read the input: ", 23) == 0, "%s", cbrin_error(r));
    ck_assert_uint_eq(cbrin_error_line(r), 1);
    done(r, f);
}
END_TEST

static Suite *input_suite(void)
{
    Suite *s = suite_create("input");
    UNIT_TCASE(s, "csv", csv_header_names_the_cells, csv_quoted_commas_and_quotes,
               csv_quoted_newlines_advance_the_line, csv_crlf_and_lone_cr_line_ends,
               csv_bom_is_skipped, csv_empty_and_quoted_empty_cells_are_missing,
               csv_spaces_are_part_of_the_cell, csv_last_line_without_line_end_is_a_record,
               csv_empty_file_and_header_only, csv_blank_lines_are_skipped,
               csv_records_across_chunk_boundaries);
    UNIT_TCASE(s, "csv errors", csv_wrong_cell_counts_are_bad_records,
               csv_duplicate_header_column_is_a_file_error, csv_empty_header_name_is_a_file_error,
               csv_header_over_the_column_limit_is_a_file_error, csv_many_columns_find_the_repeat,
               csv_unterminated_quote_at_eof_is_a_bad_record, csv_stray_quotes_are_bad_records,
               csv_record_over_the_limit_is_skipped, csv_record_at_the_limit_is_read);
    UNIT_TCASE(s, "jsonl", jsonl_numbers_keep_their_text, jsonl_strings_booleans_and_null,
               jsonl_nested_values_are_bad_records, jsonl_invalid_line_is_bad_and_reading_goes_on,
               jsonl_values_other_than_objects_are_bad, jsonl_blank_lines_are_skipped,
               jsonl_invalid_utf8_is_a_bad_record, jsonl_duplicate_key_is_a_bad_record,
               jsonl_line_over_the_limit_is_skipped, jsonl_keys_over_the_limit_are_a_bad_record,
               jsonl_nested_values_kept_as_cells_when_asked, over_long_records_are_kept_whole);
    UNIT_TCASE(s, "messages and readers", parse_json_reads_one_message,
               parse_json_many_keys_and_the_limit, csv_reader_parses_json_between_records,
               two_readers_do_not_share_state, open_refuses_an_unknown_format,
               read_error_is_a_file_error);
    return s;
}

UNIT_MAIN(input_suite)
