/* feed.h: transaction records from a file into batches, for `cbrc run` and
 * `cbrc explain`.  The feed owns the reader, maps keys to fields, and
 * reports a bad record as FILE:LINE: error: ..., copying it to the rejects
 * file, so that every record read is either added to a batch or rejected. */
#ifndef CBR_HOSTS_FEED_H
#define CBR_HOSTS_FEED_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "hosts/input.h"
#include "hosts/keyfield.h"
#include "hosts/summary.h"
#include "include/cbr.h"

#define CBRC_FEED_REASONS 32

/* Rejects, and notes on keys, held back to be reported later, in the
 * order they came (see cbrc_feed.held). */
typedef struct cbrc_held_rec {
    uint64_t line;
    size_t why, raw, rawlen;    /* offsets into bytes: the reason (with its NUL), the record */
    bool cut;                   /* only the first bytes of an overlong record (its spill was lost) */
    bool note;                  /* not a reject: a note on a key, its line in why */
} cbrc_held_rec;

typedef struct cbrc_held {
    cbrc_held_rec *recs;
    size_t n, cap;
    char *bytes;
    size_t nbytes, capbytes;
    bool oom;                   /* a reject could not be kept: the run cannot go on */
} cbrc_held;

typedef struct cbrc_feed {
    const char *input_name;
    const cbr_program *p;
    cbrin_reader *reader;
    FILE *rejects;              /* or NULL */
    bool rejects_header_done;
    bool rejects_failed;        /* writing to rejects failed; rejects_errno says why */
    int rejects_errno;
    bool header_checked;
    hkeys keys;                 /* key -> field, bounded (hosts/keyfield.h) */
    unsigned unknown_reported;
    uint64_t max_errors;        /* reports on stderr; 0 all (the default) */
    cbrc_reason reasons[CBRC_FEED_REASONS];
    size_t nreasons;
    uint64_t records, rejected;
    /* While set, cbrc_feed_reject keeps the reject here instead of
     * reporting it (and a note on a key, instead of printing it), and
     * cbrc_feed_release reports it later.  `cbrc run
     * --jobs N` reads batches ahead of the one it settles; holding each
     * batch's rejects until it is settled keeps stderr and the rejects
     * file in the order one job gives. */
    cbrc_held *held;
    FILE *mem;                  /* an overlong record being held, whole */
    char *membuf;
    size_t memlen;
} cbrc_feed;

/* The input format of `name` from --format (NULL: by its extension); 0, or
 * the exit status of a usage error already printed. */
int cbrc_feed_format(const char *cmd, const char *name, const char *given, cbrin_format *fmt);

/* Starts reading `in` (named `name` in messages); false with the error
 * printed. */
bool cbrc_feed_open(cbrc_feed *f, const cbr_program *p, FILE *in, const char *name, cbrin_format fmt);

/* The next record: 1 and *rec, 0 at the end, -1 when the file cannot be
 * read on (reported).  Records the reader could not split are rejected
 * here and skipped.  A CSV header without a column for each required
 * field (tid, amount, currency, timestamp) is a file-level error, reported
 * once at the header's line: no record of such a file can be read. */
int cbrc_feed_next(cbrc_feed *f, const cbrin_record **rec);

/* Adds rec as a new row of b (which has room); false when its values
 * cannot be read, the record being rejected. */
bool cbrc_feed_row(cbrc_feed *f, cbr_batch *b, const cbrin_record *rec);

/* Reports rec as rejected for `why` (on stderr while fewer than max_errors
 * have been, counted by reason always) and copies its bytes, whole, to the
 * rejects file; a failed write sets rejects_failed. */
void cbrc_feed_reject(cbrc_feed *f, const cbrin_record *rec, const char *why);
/* The same for a record the reader has moved past (settling refused its
 * row: a duplicate, a bad refund), from the copy of its bytes the host
 * kept while the batch was filled. */
void cbrc_feed_reject_kept(cbrc_feed *f, uint64_t line, const char *raw, size_t n, const char *why);

/* Reports the rejects h holds, as cbrc_feed_reject would have, and
 * empties it. */
void cbrc_feed_release(cbrc_feed *f, cbrc_held *h);
void cbrc_held_free(cbrc_held *h);

/* After the run: the rejected records not reported on stderr, by reason,
 * as one line ("FILE: ... and 11,900 more rejected records: 11,000 bad
 * amount, 900 missing currency"); nothing when all were.  Sorts f->reasons
 * most first, for the summary. */
void cbrc_feed_report_rest(cbrc_feed *f);

/* The text of cell `key` of rec, or NULL. */
const char *cbrc_feed_cell(const cbrin_record *rec, const char *key, size_t *len);

void cbrc_feed_close(cbrc_feed *f);

/* 12345 as "12,345", in buf; returns buf. */
const char *cbrc_grouped(uint64_t v, char buf[32]);

#endif
