/* input.h: streaming record readers for transaction files, CSV (RFC 4180)
 * and JSON Lines, for `cbrc run` and the stream host (which hands over one
 * JSON message at a time through cbrin_parse_json).
 *
 * Main choice: a bad record is data, not a failure.  cbrin_next returns it
 * with `error` set, its line and its raw bytes (for a rejects file), and
 * reading goes on with the next record; only what makes the rest of the
 * file unreadable (I/O errors, a bad CSV header, out of memory) stops the
 * reader.  Memory stays flat: the file is read in 64 KiB chunks and at most
 * one record (max_record bytes) is held at a time; the rest of an over-long
 * record goes to a temporary file, so that cbrin_write_raw can still copy
 * it whole to a rejects file.
 *
 * CSV: the first non-blank record is the header and names the columns.
 * Cells are split by libcsv in strict mode; spaces belong to the cell (no
 * trimming).  Records end at LF, CRLF or a lone CR outside quotes; blank
 * lines are skipped.  An empty cell is missing, and so is a quoted empty
 * cell `""`: a file cannot tell "empty" from "absent" reliably, and the
 * rules see both as missing.  A UTF-8 byte order mark at the start of the
 * file is skipped (for JSON Lines too).
 *
 * JSON Lines: one object per line.  Strings give their unescaped UTF-8
 * text, numbers their own text as written ("12.50" stays "12.50"),
 * true/false the text "true"/"false", null a missing cell.  An empty string
 * "" is a missing cell too, as an empty CSV cell is: one rule for both
 * formats.  A nested object or array is a bad record, unless the host asks
 * for it as a cell (cbrin_keep_nested) to skip it when the rules do not
 * read its key.  Blank lines are skipped. */
#ifndef CBR_HOSTS_INPUT_H
#define CBR_HOSTS_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum cbrin_format { CBRIN_CSV, CBRIN_JSONL } cbrin_format;

typedef struct cbrin_cell {
    const char *key;   size_t keylen;   /* column or key name */
    const char *val;   size_t len;      /* the text; NUL-terminated too */
    bool missing;                       /* empty CSV cell, JSON null, "" or absent */
    bool nested;                        /* JSON object or array (missing too); see cbrin_keep_nested */
} cbrin_cell;

typedef struct cbrin_record {
    uint64_t line;          /* 1-based line where the record starts (CSV header is line 1) */
    const char *raw;        /* the record's bytes exactly as read (without the final line end) */
    size_t rawlen;
    const cbrin_cell *cells;
    size_t ncells;
    const char *error;      /* non-NULL: the record cannot be read; the message, e.g. "record has 5 fields, the header has 9" */
} cbrin_record;

/* A field left 0 takes its default. */
typedef struct cbrin_limits { size_t max_record; size_t max_columns; } cbrin_limits; /* defaults 1 MiB, 1024 */

#define CBRIN_DEFAULT_MAX_RECORD ((size_t)1 << 20)
#define CBRIN_DEFAULT_MAX_COLUMNS ((size_t)1024)

typedef struct cbrin_reader cbrin_reader;

/* Opens a reader over f (not closed by the reader). NULL with a message in err on failure (out of memory).
 * f may be NULL for a reader used only with cbrin_parse_json; cbrin_next then fails. */
cbrin_reader *cbrin_open(FILE *f, cbrin_format fmt, const cbrin_limits *lim /* NULL = defaults */, char *err, size_t errlen);
/* Next record: 1 and *rec set (valid until the next call), 0 at end of file, -1 on a file-level error
   (I/O error, bad or duplicated header): the message is cbrin_error(r) and cbrin_error_line(r).
   A bad record is returned with 1 and rec->error set; its cells are then NULL and 0.
   CSV records have one cell per column, in header order; JSON records one cell per key, in
   the order written.  After -1 every later call returns -1 again, after 0 again 0.
   Bad-record messages: "record is longer than N bytes", "record has N fields, the header has M",
   "field N: a quote inside an unquoted field", "field N: text after the closing quote",
   "the quoted field opened on line N is not closed at the end of the file"; JSON: yajl's
   message ("parse error: trailing garbage"), "expected a JSON object, found an array",
   "key `x`: nested objects and arrays are not supported", "duplicate key `x`",
   "the object has more than N keys". */
int cbrin_next(cbrin_reader *r, const cbrin_record **rec);
/* The file-level error message ("" when there is none) and the line it is about (0 when none). */
const char *cbrin_error(const cbrin_reader *r);
uint64_t cbrin_error_line(const cbrin_reader *r);
uint64_t cbrin_bytes_read(const cbrin_reader *r);  /* for progress */
/* CSV: the columns of the header (key and keylen set, val "" and missing), and the header's raw
 * bytes (for the first line of a rejects file).  NULL and 0 before the first cbrin_next has
 * read the header, and for JSON Lines.  Valid until cbrin_close. */
const cbrin_cell *cbrin_columns(const cbrin_reader *r, size_t *ncols);
const char *cbrin_header_raw(const cbrin_reader *r, size_t *len);
/* The CSV header's line (after any blank lines), 0 before it is read and for JSON Lines. */
uint64_t cbrin_header_line(const cbrin_reader *r);
/* Nested JSON values: false (the default), a record holding one is bad ("key `x`: nested objects
 * and arrays are not supported"); true, such a key is a cell with `nested` and `missing` set and
 * the value "", whatever the depth of what it holds, for the host to refuse when it reads the key. */
void cbrin_keep_nested(cbrin_reader *r, bool keep);
/* The length of rec's bytes as read, whole: more than rec->rawlen for a record over the limit. */
uint64_t cbrin_full_length(const cbrin_reader *r, const cbrin_record *rec);
/* Writes rec's bytes as read, whole, to `to` (without the line end); rec is the last record
 * r returned.  0 done; -1 writing `to` failed (errno set); 1 only the first max_record + 1 bytes
 * were written, the temporary file holding the rest having failed. */
int cbrin_write_raw(cbrin_reader *r, const cbrin_record *rec, FILE *to);
/* Frees r and all it holds (NULL is allowed); the FILE is the caller's. */
void cbrin_close(cbrin_reader *r);

/* Parses one JSON object (a Kafka message) into cells; same rules as one JSONL line. Returns 1 ok, 0 bad (message in rec->error). The record and its cells live in r until the next call.
 * Works on a reader of either format; rec->line is 0 and rec->raw a copy of (at most max_record
 * bytes of) buf.  Out of memory is a bad record with the message "out of memory".
 * The record is valid until the next call of cbrin_parse_json or cbrin_next on r. */
int cbrin_parse_json(cbrin_reader *r, const char *buf, size_t len, const cbrin_record **rec);

#endif
