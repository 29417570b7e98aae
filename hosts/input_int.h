/* input_int.h: the insides of the transaction readers, shared by input.c
 * (buffers, the byte scanner's record bookkeeping, cells, duplicate keys
 * and the interface of input.h), input_csv.c and input_jsonl.c.  Never
 * installed; only the readers include it. */
#ifndef CBR_HOSTS_INPUT_INT_H
#define CBR_HOSTS_INPUT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <csv.h>
#include "hosts/input.h"

enum { CHUNK = 64 * 1024, MSG = 256, KEY_IN_MSG = 64 };

/* A growable byte buffer. */
typedef struct strbuf {
    char *p;
    size_t len, cap;
} strbuf;

/* A cell while its record is being parsed: offsets, because the text
 * buffer may move until the record is complete. */
typedef struct slot {
    size_t koff, klen, voff, vlen;
    bool missing, nested;
} slot;

typedef struct keyslot {
    uint32_t gen;
    size_t idx;
} keyslot;

/* Where the CSV scanner is inside a record; libcsv's states without spaces. */
enum { F_START, F_UNQUOTED, F_QUOTED, F_QUOTE_SEEN };

struct cbrin_reader {
    FILE *f;
    cbrin_format fmt;
    cbrin_limits lim;

    unsigned char *chunk; /* CHUNK bytes read ahead; [cpos, clen) not yet scanned */
    bool raw_quotes;      /* CSV: the record being scanned holds a quote (libcsv splits it) */
    unsigned char *jarena; /* JSON Lines: the memory of one line's parser, reused (input_jsonl.c) */
    size_t jtop;
    /* JSON Lines: the keys of the last object read whole (distinct, in
     * order), and how far the object being read has repeated them: while
     * it does, its keys are distinct too and need no hashing. */
    strbuf jprev;
    size_t *jprev_end, jprev_n, jprev_cap;
    size_t jsame;
    size_t cpos, clen;
    uint64_t bytes, line; /* bytes read so far; the physical line of the next byte */
    bool eof, started, failed;
    bool prev_cr; /* CSV: the last byte was a CR, a line break of its own unless an LF follows */

    /* The record just scanned. */
    strbuf raw;
    uint64_t rec_line, quote_line, rawtot;
    bool overlong, unclosed;
    /* An over-long record keeps its first max_record + 1 bytes in raw (memlen
     * of them before the cut) and the rest in a temporary file, so that a
     * rejects file gets it whole while memory stays flat. */
    size_t memlen;
    FILE *spill;
    uint64_t spilled;
    unsigned char spill_last, cut_byte;
    bool spill_lost, in_message, keep_nested;

    /* Its cells. */
    strbuf text;
    slot *slots;
    cbrin_cell *cells;
    size_t nslots, slotcap;
    size_t nfields, want; /* CSV: fields seen, fields kept */
    bool oom;

    /* CSV header. */
    struct csv_parser csv;
    bool have_header;
    uint64_t hdr_line;
    strbuf hdrraw, hdrtext;
    cbrin_cell *cols;
    size_t ncols;

    /* Duplicate keys: an open-addressing set of slot indexes, emptied per
     * record by bumping the generation rather than clearing it. */
    keyslot *keys;
    size_t keycap;
    uint32_t gen;

    cbrin_record out;
    char msg[MSG];
    char err[MSG];
    uint64_t errline;
};

/* input.c: buffers.  Room for n more bytes and a NUL; s[0..n) and an
 * uncounted NUL; s[0..n) and a counted NUL (one string of a text arena).
 * false when memory runs out. */
bool cbrin_reserve(strbuf *b, size_t n);
bool cbrin_putz(strbuf *b, const void *s, size_t n);
bool cbrin_addz(strbuf *b, const void *s, size_t n);

/* input.c: a file-level error (returns -1 for cbrin_next); a bad-record
 * message in r->msg (returned); a key's width in a message. */
int cbrin_fail(cbrin_reader *r, uint64_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *cbrin_bad(cbrin_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cbrin_keyw(size_t len);

/* input.c: the next chunk (1, 0 at the end, -1 on an I/O error); a record's
 * raw bytes: begun at the current line, kept up to the limit (the rest
 * spilled to a temporary file), ended and cut to the limit. */
int cbrin_refill(cbrin_reader *r);
/* input.c: the scanners' step: 1 when a byte is buffered at r->cpos
 * (refilling when needed), 0 at the end of the input outside a record, 2
 * at the end inside one (in: a record was begun; the caller ends it), -1
 * on an I/O error. */
int cbrin_more(cbrin_reader *r, bool in);
void cbrin_begin_raw(cbrin_reader *r);
bool cbrin_keep(cbrin_reader *r, const void *s, size_t n);
void cbrin_end_raw(cbrin_reader *r);

/* input.c: room for slot i; the record's cells from its slots (keys from
 * the CSV header when header_keys); the per-record set of keys, emptied,
 * and slot i added to it (*dup the earlier slot with its key, or SIZE_MAX). */
bool cbrin_slot_room(cbrin_reader *r, size_t i);
void cbrin_finish_cells(cbrin_reader *r, bool header_keys);
void cbrin_keys_clear(cbrin_reader *r);
bool cbrin_keys_add(cbrin_reader *r, size_t i, size_t *dup);

/* input_csv.c: a fresh libcsv parser; the next CSV record (cbrin_next). */
void cbrin_csv_start(cbrin_reader *r);
int cbrin_csv_next(cbrin_reader *r);

/* input_jsonl.c: the next JSON Lines record (cbrin_next); r->raw (one line
 * or message) as r->out, false when it is a bad record. */
int cbrin_jsonl_next(cbrin_reader *r);
bool cbrin_json_record(cbrin_reader *r, uint64_t line);

#endif
