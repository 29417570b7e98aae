/* input.c: streaming record readers for transaction files (CSV through
 * libcsv, JSON Lines through yajl), between the input file and the hosts
 * that evaluate records (`cbrc run`, the stream host).
 *
 * Design: a small scanner of our own cuts the byte stream into records, and
 * libcsv or yajl then parses one record at a time.  libcsv reports cells
 * through callbacks that carry no byte offsets, so on its own it cannot give
 * a record's raw bytes or starting line, nor skip an over-long record without
 * buffering all of it.  The CSV scanner has libcsv's four states, strict and
 * with space trimming off, so the two agree on where every well-formed record
 * ends; a malformed record ends at the next line end outside quotes and
 * libcsv then says what is wrong with it.  For JSON Lines the cut is memchr
 * for LF, and a fresh yajl handle parses each line, because a yajl handle is
 * unusable after its first error. */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <csv.h>
#include <yajl/yajl_parse.h>
#include "hosts/input.h"
#include "hosts/json.h"

enum { CHUNK = 64 * 1024, MSG = 256, KEY_IN_MSG = 64 };

/* ---- growable byte buffers ---- */

typedef struct strbuf {
    char *p;
    size_t len, cap;
} strbuf;

/* Room for n more bytes and a NUL after them. */
static bool reserve(strbuf *b, size_t n)
{
    if (n >= SIZE_MAX - 1 - b->len)
        return false;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->p, cap);
    if (!p)
        return false;
    b->p = p;
    b->cap = cap;
    return true;
}

/* Appends s[0..n) and a NUL that is not counted in len. */
static bool putz(strbuf *b, const void *s, size_t n)
{
    if (!reserve(b, n))
        return false;
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return true;
}

/* Appends s[0..n) and its NUL, both counted: one string of the text arena. */
static bool addz(strbuf *b, const void *s, size_t n)
{
    if (!putz(b, s, n))
        return false;
    b->len++;
    return true;
}

/* ---- the reader ---- */

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

static int fail(cbrin_reader *r, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Stops the reader with a file-level error; returns -1 for cbrin_next. */
static int fail(cbrin_reader *r, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->errline = line;
    r->failed = true;
    return -1;
}

static const char *bad(cbrin_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Formats a bad-record message into r->msg and returns it. */
static const char *bad(cbrin_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    return r->msg;
}

/* A key for a message, clipped so one wild key cannot crowd out the rest. */
static int keyw(size_t len)
{
    return len > KEY_IN_MSG ? KEY_IN_MSG : (int)len;
}

/* ---- reading ---- */

/* Reads the next chunk: 1 bytes available, 0 end of file, -1 I/O error. */
static int refill(cbrin_reader *r)
{
    if (r->eof)
        return 0;
    errno = 0;
    size_t n = fread(r->chunk, 1, CHUNK, r->f);
    r->cpos = 0;
    r->clen = n;
    r->bytes += n;
    if (n == 0) {
        if (ferror(r->f))
            return fail(r, r->line, "cannot read the input: %s",
                        errno ? strerror(errno) : "I/O error");
        r->eof = true;
        return 0;
    }
    if (!r->started) {
        r->started = true;
        /* fread fills the chunk unless the file ends first, so a mark
         * is never split between two chunks. */
        if (n >= 3 && memcmp(r->chunk, "\xEF\xBB\xBF", 3) == 0)
            r->cpos = 3;
        if (r->cpos == r->clen) /* the file was only the mark */
            return refill(r);
    }
    return 1;
}

/* Starts a record at the current line. */
static void begin_raw(cbrin_reader *r)
{
    r->raw.len = 0;
    r->rawtot = 0;
    r->overlong = r->unclosed = false;
    r->spilled = 0;
    r->spill_lost = false;
    r->rec_line = r->line;
}

/* Writes the bytes of an over-long record past what raw keeps to the
 * temporary file, started afresh for each record.  A file that cannot be
 * made or written loses them (spill_lost), never the reading. */
static void spill(cbrin_reader *r, const void *s, size_t n)
{
    if (r->in_message || r->spill_lost)
        return;
    if (r->spilled == 0) {
        if (!r->spill)
            r->spill = tmpfile();
        if (!r->spill || fseeko(r->spill, 0, SEEK_SET) != 0) {
            r->spill_lost = true;
            return;
        }
    }
    if (fwrite(s, 1, n, r->spill) != n) {
        r->spill_lost = true;
        return;
    }
    r->spilled += n;
    r->spill_last = ((const unsigned char *)s)[n - 1];
}

/* Keeps s[0..n) of the record, up to max_record + 1 bytes: one more than
 * the limit, so a line of exactly max_record bytes plus CR still fits. */
static bool keep(cbrin_reader *r, const void *s, size_t n)
{
    r->rawtot += n;
    size_t room = r->lim.max_record + 1 - r->raw.len;
    size_t k = n > room ? room : n;
    if (k && !putz(&r->raw, s, k))
        return false;
    if (k < n)
        spill(r, (const char *)s + k, n - k);
    return true;
}

/* Ends the record: marks it over-long and cuts it to the limit. */
static void end_raw(cbrin_reader *r)
{
    r->memlen = r->raw.len;
    if (r->rawtot > r->lim.max_record) {
        r->overlong = true;
        if (r->raw.len > r->lim.max_record) {
            r->raw.len = r->lim.max_record;
            r->cut_byte = (unsigned char)r->raw.p[r->raw.len]; /* the NUL below takes its place */
        }
    }
    r->raw.p[r->raw.len] = '\0';
}

/* Scans one CSV record into r->raw, without its line end: 1 a record,
 * 0 end of file, -1 I/O error or out of memory.  Blank lines are skipped. */
static int scan_csv(cbrin_reader *r)
{
    bool in = false;
    int st = F_START;
    for (;;) {
        if (r->cpos == r->clen) {
            int k = refill(r);
            if (k < 0)
                return -1;
            if (k == 0) {
                if (!in)
                    return 0;
                r->unclosed = st == F_QUOTED;
                end_raw(r);
                return 1;
            }
        }
        unsigned char c = r->chunk[r->cpos++];
        if (r->prev_cr && c != '\n')
            r->line++;
        r->prev_cr = c == '\r';
        if (c == '\n')
            r->line++;
        bool eol = c == '\n' || c == '\r';
        if (eol && st != F_QUOTED) {
            if (!in)
                continue;
            end_raw(r);
            return 1;
        }
        if (!in) {
            in = true;
            begin_raw(r);
        }
        switch (st) {
        case F_START:
            if (c == '"')
                r->quote_line = r->line;
            st = c == '"' ? F_QUOTED : c == ',' ? F_START : F_UNQUOTED;
            break;
        case F_UNQUOTED:
            if (c == ',')
                st = F_START;
            break;
        case F_QUOTED:
            if (c == '"')
                st = F_QUOTE_SEEN;
            break;
        default: /* F_QUOTE_SEEN: "" is a quote, anything else but , is an error for libcsv */
            st = c == '"' ? F_QUOTED : c == ',' ? F_START : F_UNQUOTED;
            break;
        }
        if (r->raw.len + 1 < r->raw.cap && r->raw.len <= r->lim.max_record) {
            /* Inline rather than keep(): 0.49 s -> 0.45 s user for 1M records
             * of 9 cells (68 MB). */
            r->raw.p[r->raw.len++] = (char)c;
            r->rawtot++;
        } else if (!keep(r, &c, 1)) {
            return fail(r, r->rec_line, "out of memory");
        }
    }
}

/* Drops the CR of a CRLF (or of a CR at the end of the file), unless the
 * line was cut at the limit and the CR is not its last byte. */
static void drop_cr(cbrin_reader *r)
{
    if (r->rawtot == r->raw.len && r->raw.len && r->raw.p[r->raw.len - 1] == '\r') {
        r->raw.len--;
        r->rawtot--;
    } else if (r->spilled && r->spill_last == '\r' && r->rawtot == r->raw.len + r->spilled) {
        r->spilled--; /* the CR is the last byte written to the temporary file */
        r->rawtot--;
    }
}

/* Scans one line into r->raw, without its LF or CRLF: 1 a line, 0 end of
 * file, -1 I/O error or out of memory. */
static int scan_line(cbrin_reader *r)
{
    bool in = false;
    for (;;) {
        if (r->cpos == r->clen) {
            int k = refill(r);
            if (k < 0)
                return -1;
            if (k == 0) {
                if (!in)
                    return 0;
                drop_cr(r);
                end_raw(r);
                return 1;
            }
        }
        if (!in) {
            in = true;
            begin_raw(r);
        }
        const unsigned char *s = r->chunk + r->cpos;
        const unsigned char *nl = memchr(s, '\n', r->clen - r->cpos);
        size_t n = nl ? (size_t)(nl - s) : r->clen - r->cpos;
        if (!keep(r, s, n))
            return fail(r, r->rec_line, "out of memory");
        r->cpos += n;
        if (nl) {
            r->cpos++;
            r->line++;
            drop_cr(r);
            end_raw(r);
            return 1;
        }
    }
}

/* ---- cells ---- */

/* Room for slot i. */
static bool slot_room(cbrin_reader *r, size_t i)
{
    if (i < r->slotcap)
        return true;
    size_t cap = r->slotcap ? r->slotcap * 2 : 16;
    if (cap <= i)
        cap = i + 1;
    if (cap > SIZE_MAX / sizeof(slot))
        return false;
    slot *s = realloc(r->slots, cap * sizeof *s);
    if (!s)
        return false;
    r->slots = s;
    cbrin_cell *c = realloc(r->cells, cap * sizeof *c);
    if (!c)
        return false;
    r->cells = c;
    r->slotcap = cap;
    return true;
}

/* The record's cells from its slots, now that the text no longer moves;
 * CSV keys come from the header. */
static void finish_cells(cbrin_reader *r, bool header_keys)
{
    for (size_t i = 0; i < r->nslots; i++) {
        const slot *s = &r->slots[i];
        cbrin_cell *c = &r->cells[i];
        if (header_keys) {
            c->key = r->cols[i].key;
            c->keylen = r->cols[i].keylen;
        } else {
            c->key = r->text.p + s->koff;
            c->keylen = s->klen;
        }
        c->missing = s->missing;
        c->nested = s->nested;
        c->val = s->missing ? "" : r->text.p + s->voff;
        c->len = s->missing ? 0 : s->vlen;
    }
}

/* ---- duplicate keys ---- */

static uint64_t hash(const char *s, size_t n) { return hfnv64(s, n); }

static void keys_clear(cbrin_reader *r)
{
    if (++r->gen == 0) { /* wrapped: old marks would look current */
        if (r->keys)
            memset(r->keys, 0, r->keycap * sizeof *r->keys);
        r->gen = 1;
    }
}

/* Puts slot i in the set, or finds the earlier slot with the same key:
 * that slot's index, SIZE_MAX when i is new. */
static size_t keys_probe(cbrin_reader *r, size_t i)
{
    const char *k = r->text.p + r->slots[i].koff;
    size_t n = r->slots[i].klen, mask = r->keycap - 1;
    for (size_t h = hash(k, n) & mask;; h = (h + 1) & mask) {
        keyslot *e = &r->keys[h];
        if (e->gen != r->gen) {
            e->gen = r->gen;
            e->idx = i;
            return SIZE_MAX;
        }
        const slot *o = &r->slots[e->idx];
        if (o->klen == n && memcmp(r->text.p + o->koff, k, n) == 0)
            return e->idx;
    }
}

/* Slots 0..i-1 are in the set and distinct.  Adds slot i: *dup is the
 * earlier slot with its key or SIZE_MAX; false when out of memory. */
static bool keys_add(cbrin_reader *r, size_t i, size_t *dup)
{
    if ((i + 1) * 2 > r->keycap) {
        size_t cap = r->keycap ? r->keycap * 2 : 64;
        while (cap < (i + 1) * 2)
            cap *= 2;
        keyslot *t = calloc(cap, sizeof *t);
        if (!t)
            return false;
        free(r->keys);
        r->keys = t;
        r->keycap = cap;
        r->gen = 1;
        for (size_t j = 0; j < i; j++)
            keys_probe(r, j);
    }
    *dup = keys_probe(r, i);
    return true;
}

/* ---- CSV ---- */

/* RFC 4180: spaces are part of a cell, so libcsv must not trim them. */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

static void csv_start(cbrin_reader *r)
{
    /* CSV_EMPTY_IS_NULL is not used: an unquoted and a quoted empty cell
     * are both missing here, so the distinction it draws is not needed. */
    csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
    csv_set_space_func(&r->csv, no_space);
}

/* After an error libcsv keeps its mid-record state (csv_fini does not
 * reset it either), so start a fresh parser. */
static void csv_restart(cbrin_reader *r)
{
    csv_free(&r->csv);
    csv_start(r);
}

/* libcsv's cell callback: keeps the first r->want cells, counts all. */
static void on_cell(void *s, size_t len, void *data)
{
    cbrin_reader *r = data;
    size_t i = r->nfields++;
    if (r->oom || i >= r->want)
        return;
    if (!slot_room(r, i)) {
        r->oom = true;
        return;
    }
    slot *sl = &r->slots[i];
    sl->koff = sl->voff = r->text.len;
    sl->klen = sl->vlen = len;
    sl->missing = len == 0;
    sl->nested = false;
    if (!addz(&r->text, s, len))
        r->oom = true;
    r->nslots = i + 1;
}

/* Splits r->raw into cells (keeping at most `want`): NULL, or the
 * bad-record message.  r->oom tells out of memory. */
static const char *csv_split(cbrin_reader *r, size_t want)
{
    r->nfields = r->nslots = 0;
    r->text.len = 0;
    r->want = want;
    r->oom = false;
    size_t n = csv_parse(&r->csv, r->raw.p, r->raw.len, on_cell, NULL, r);
    if (n < r->raw.len) {
        int e = csv_error(&r->csv);
        size_t field = r->nfields + 1;
        csv_restart(r);
        if (e != CSV_EPARSE) {
            r->oom = true;
            return "out of memory";
        }
        /* With no space trimming, strict libcsv stops only on these two. */
        if (r->raw.p[n] == '"')
            return bad(r, "field %zu: a quote inside an unquoted field", field);
        return bad(r, "field %zu: text after the closing quote", field);
    }
    if (csv_fini(&r->csv, on_cell, NULL, r) != 0) {
        /* The scanner reports an open quote first; kept for safety. */
        csv_restart(r);
        return bad(r, "field %zu: the quoted field is not closed", r->nfields + 1);
    }
    return r->oom ? "out of memory" : NULL;
}

/* Checks the names of the header just split and keeps them as the
 * columns: 0, or -1 on a file-level error. */
static int keep_header(cbrin_reader *r)
{
    uint64_t ln = r->rec_line;
    keys_clear(r);
    for (size_t i = 0; i < r->nslots; i++) {
        const slot *s = &r->slots[i];
        size_t dup;
        if (s->vlen == 0)
            return fail(r, ln, "column %zu of the header has no name", i + 1);
        if (!keys_add(r, i, &dup))
            return fail(r, ln, "out of memory");
        if (dup != SIZE_MAX)
            return fail(r, ln, "column %zu `%.*s` repeats column %zu", i + 1, keyw(s->klen),
                        r->text.p + s->koff, dup + 1);
    }
    r->cols = calloc(r->nslots ? r->nslots : 1, sizeof *r->cols);
    if (!r->cols || !putz(&r->hdrraw, r->raw.p, r->raw.len))
        return fail(r, ln, "out of memory");
    /* The header's text becomes the columns' own; records get a new buffer. */
    r->hdrtext = r->text;
    r->text = (strbuf){0};
    for (size_t i = 0; i < r->nslots; i++) {
        r->cols[i].key = r->hdrtext.p + r->slots[i].koff;
        r->cols[i].keylen = r->slots[i].klen;
        r->cols[i].val = "";
        r->cols[i].missing = true;
    }
    r->ncols = r->nslots;
    r->hdr_line = ln;
    r->have_header = true;
    return 0;
}

/* Reads the header record in r->raw: 0, or -1 on a file-level error. */
static int take_header(cbrin_reader *r)
{
    uint64_t ln = r->rec_line;
    if (r->overlong)
        return fail(r, ln, "the header is longer than %zu bytes", r->lim.max_record);
    if (r->unclosed)
        return fail(r, ln, "header: the quoted field opened on line %" PRIu64
                           " is not closed at the end of the file",
                    r->quote_line);
    const char *m = csv_split(r, r->lim.max_columns);
    if (r->oom)
        return fail(r, ln, "out of memory");
    if (m)
        return fail(r, ln, "header: %s", m);
    if (r->nfields > r->lim.max_columns)
        return fail(r, ln, "the header has %zu columns, more than the limit of %zu", r->nfields,
                    r->lim.max_columns);
    return keep_header(r);
}

/* Turns the data record in r->raw into r->out: 1, or -1 out of memory. */
static int csv_record(cbrin_reader *r)
{
    r->out = (cbrin_record){.line = r->rec_line, .raw = r->raw.p, .rawlen = r->raw.len};
    if (r->overlong) {
        r->out.error = bad(r, "record is longer than %zu bytes", r->lim.max_record);
        return 1;
    }
    if (r->unclosed) {
        r->out.error = bad(r, "the quoted field opened on line %" PRIu64
                              " is not closed at the end of the file",
                           r->quote_line);
        return 1;
    }
    const char *m = csv_split(r, r->ncols);
    if (r->oom)
        return fail(r, r->rec_line, "out of memory");
    if (!m && r->nfields != r->ncols)
        m = bad(r, "record has %zu field%s, the header has %zu", r->nfields,
                r->nfields == 1 ? "" : "s", r->ncols);
    if (m) {
        r->out.error = m;
        return 1;
    }
    finish_cells(r, true);
    r->out.cells = r->cells;
    r->out.ncells = r->nslots;
    return 1;
}

static int csv_next(cbrin_reader *r)
{
    for (;;) {
        int k = scan_csv(r);
        if (k <= 0)
            return k;
        if (r->have_header)
            return csv_record(r);
        if (take_header(r) < 0)
            return -1;
    }
}

/* ---- JSON ---- */

/* depth counts the open objects and arrays: 1 inside the record's object,
 * more inside a nested value, which is skipped when the reader keeps
 * nested values as cells (cbrin_keep_nested) and refused otherwise. */
typedef struct jctx {
    cbrin_reader *r;
    size_t depth;
} jctx;

static int j_oom(jctx *j)
{
    j->r->oom = true;
    return 0;
}

/* A value other than an object at the top: not a record. */
static int j_notobject(jctx *j, const char *what)
{
    bad(j->r, "expected a JSON object, found %s", what);
    return 0;
}

static int j_nested(jctx *j)
{
    cbrin_reader *r = j->r;
    const slot *s = &r->slots[r->nslots - 1];
    bad(r, "key `%.*s`: nested objects and arrays are not supported", keyw(s->klen),
        r->text.p + s->koff);
    return 0;
}

/* Sets the value of the key just read. */
static int j_value(jctx *j, const char *what, const void *s, size_t len, bool missing)
{
    cbrin_reader *r = j->r;
    if (j->depth == 0)
        return j_notobject(j, what);
    if (j->depth > 1)
        return 1; /* inside a nested value being skipped */
    slot *sl = &r->slots[r->nslots - 1];
    sl->voff = r->text.len;
    sl->vlen = len;
    sl->missing = missing;
    return addz(&r->text, s, len) ? 1 : j_oom(j);
}

static int j_null(void *ctx)
{
    return j_value(ctx, "null", "", 0, true);
}

static int j_boolean(void *ctx, int b)
{
    return b ? j_value(ctx, "true", "true", 4, false) : j_value(ctx, "false", "false", 5, false);
}

static int j_number(void *ctx, const char *s, size_t len)
{
    return j_value(ctx, "a number", s, len, false);
}

/* An empty string is missing, as an empty CSV cell is: one rule for both
 * formats (doc/language.md, section 4). */
static int j_string(void *ctx, const unsigned char *s, size_t len)
{
    return j_value(ctx, "a string", s, len, len == 0);
}

/* An object or array opens inside the record: the value of the key just
 * read (depth 1), refused or kept as a nested cell, or deeper, skipped. */
static int j_open(jctx *j)
{
    cbrin_reader *r = j->r;
    if (j->depth == 1) {
        if (!r->keep_nested)
            return j_nested(j);
        slot *sl = &r->slots[r->nslots - 1];
        sl->voff = r->text.len;
        sl->vlen = 0;
        sl->missing = sl->nested = true;
        if (!addz(&r->text, "", 0))
            return j_oom(j);
    }
    j->depth++;
    return 1;
}

static int j_start_map(void *ctx)
{
    jctx *j = ctx;
    if (j->depth > 0)
        return j_open(j);
    j->depth = 1;
    return 1;
}

static int j_map_key(void *ctx, const unsigned char *s, size_t len)
{
    jctx *j = ctx;
    cbrin_reader *r = j->r;
    size_t i = r->nslots, dup;
    if (j->depth > 1)
        return 1; /* a key of a nested object being skipped */
    if (i == r->lim.max_columns) {
        bad(r, "the object has more than %zu keys", r->lim.max_columns);
        return 0;
    }
    if (!slot_room(r, i))
        return j_oom(j);
    slot *sl = &r->slots[i];
    *sl = (slot){.koff = r->text.len, .klen = len, .missing = true};
    if (!addz(&r->text, s, len))
        return j_oom(j);
    r->nslots = i + 1;
    if (!keys_add(r, i, &dup))
        return j_oom(j);
    if (dup != SIZE_MAX) {
        bad(r, "duplicate key `%.*s`", keyw(len), (const char *)s);
        return 0;
    }
    return 1;
}

static int j_end_map(void *ctx)
{
    ((jctx *)ctx)->depth--;
    return 1;
}

static int j_start_array(void *ctx)
{
    jctx *j = ctx;
    return j->depth == 0 ? j_notobject(j, "an array") : j_open(j);
}

static int j_end_array(void *ctx)
{
    ((jctx *)ctx)->depth--;
    return 1;
}

static const yajl_callbacks jcallbacks = {
    .yajl_null = j_null,
    .yajl_boolean = j_boolean,
    .yajl_number = j_number, /* set, so numbers arrive as their own text */
    .yajl_string = j_string,
    .yajl_start_map = j_start_map,
    .yajl_map_key = j_map_key,
    .yajl_end_map = j_end_map,
    .yajl_start_array = j_start_array,
    .yajl_end_array = j_end_array,
};

/* Copies yajl's short message, without its trailing newline, to r->msg. */
static const char *yajl_message(cbrin_reader *r, yajl_handle h, const char *s, size_t len)
{
    unsigned char *e = yajl_get_error(h, 0, (const unsigned char *)s, len);
    if (!e)
        return bad(r, "invalid JSON");
    size_t n = strlen((const char *)e);
    while (n && (e[n - 1] == '\n' || e[n - 1] == '\r' || e[n - 1] == ' '))
        n--;
    bad(r, "%.*s", (int)n, (const char *)e);
    yajl_free_error(h, e);
    return r->msg;
}

/* Parses s[0..len) as one object into r->slots: NULL, or the bad-record
 * message (r->oom tells out of memory). */
static const char *json_parse(cbrin_reader *r, const char *s, size_t len)
{
    jctx j = {.r = r, .depth = 0};
    r->nslots = 0;
    r->text.len = 0;
    r->oom = false;
    keys_clear(r);
    yajl_handle h = yajl_alloc(&jcallbacks, NULL, &j);
    if (!h) {
        r->oom = true;
        return "out of memory";
    }
    yajl_status st = yajl_parse(h, (const unsigned char *)s, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    const char *m = NULL;
    if (r->oom)
        m = "out of memory";
    else if (st == yajl_status_client_canceled)
        m = r->msg;
    else if (st != yajl_status_ok)
        m = yajl_message(r, h, s, len);
    yajl_free(h);
    return m;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* Turns r->raw (one line or message) into r->out: false when it is bad. */
static bool json_record(cbrin_reader *r, uint64_t line)
{
    r->out = (cbrin_record){.line = line, .raw = r->raw.p, .rawlen = r->raw.len};
    if (r->overlong) {
        r->out.error = bad(r, "record is longer than %zu bytes", r->lim.max_record);
        return false;
    }
    const char *m = json_parse(r, r->raw.p, r->raw.len);
    if (m) {
        r->out.error = m;
        return false;
    }
    finish_cells(r, false);
    r->out.cells = r->cells;
    r->out.ncells = r->nslots;
    return true;
}

static int jsonl_next(cbrin_reader *r)
{
    for (;;) {
        int k = scan_line(r);
        if (k <= 0)
            return k;
        if (!r->overlong && blank(r->raw.p, r->raw.len))
            continue;
        json_record(r, r->rec_line);
        if (r->oom)
            return fail(r, r->rec_line, "out of memory");
        return 1;
    }
}

/* ---- the interface ---- */

cbrin_reader *cbrin_open(FILE *f, cbrin_format fmt, const cbrin_limits *lim, char *err,
                         size_t errlen)
{
    if (fmt != CBRIN_CSV && fmt != CBRIN_JSONL) {
        if (err && errlen)
            snprintf(err, errlen, "unknown input format %d", (int)fmt);
        return NULL;
    }
    cbrin_reader *r = calloc(1, sizeof *r);
    unsigned char *chunk = f ? malloc(CHUNK) : NULL;
    if (!r || (f && !chunk)) {
        free(r);
        free(chunk);
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->f = f;
    r->fmt = fmt;
    r->chunk = chunk;
    r->line = 1;
    csv_start(r);
    r->lim.max_record = lim && lim->max_record ? lim->max_record : CBRIN_DEFAULT_MAX_RECORD;
    r->lim.max_columns = lim && lim->max_columns ? lim->max_columns : CBRIN_DEFAULT_MAX_COLUMNS;
    /* keep() holds one byte past the limit; leave room for it and a NUL. */
    if (r->lim.max_record > SIZE_MAX / 2)
        r->lim.max_record = SIZE_MAX / 2;
    if (r->lim.max_columns > SIZE_MAX / (4 * sizeof(slot)))
        r->lim.max_columns = SIZE_MAX / (4 * sizeof(slot));
    /* Allocated now so a record's raw is never NULL, even when empty. */
    if (!reserve(&r->raw, 0)) {
        cbrin_close(r);
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return r;
}

int cbrin_next(cbrin_reader *r, const cbrin_record **rec)
{
    if (r->failed)
        return -1;
    if (!r->f)
        return fail(r, 0, "the reader has no input file");
    int k = r->fmt == CBRIN_CSV ? csv_next(r) : jsonl_next(r);
    if (k == 1)
        *rec = &r->out;
    return k;
}

int cbrin_parse_json(cbrin_reader *r, const char *buf, size_t len, const cbrin_record **rec)
{
    begin_raw(r);
    r->in_message = true; /* the message is in memory: nothing to spill */
    bool kept = keep(r, buf, len);
    r->in_message = false;
    if (!kept) {
        r->out = (cbrin_record){.raw = "", .error = "out of memory"};
        *rec = &r->out;
        return 0;
    }
    end_raw(r); /* a message has no line end to drop; only the limit applies */
    bool ok = json_record(r, 0);
    *rec = &r->out;
    return ok ? 1 : 0;
}

void cbrin_keep_nested(cbrin_reader *r, bool keep)
{
    r->keep_nested = keep;
}

uint64_t cbrin_full_length(const cbrin_reader *r, const cbrin_record *rec)
{
    return rec == &r->out && r->overlong ? r->rawtot : rec->rawlen;
}

int cbrin_write_raw(cbrin_reader *r, const cbrin_record *rec, FILE *to)
{
    bool whole = rec == &r->out && r->overlong && r->raw.p == rec->raw;
    if (rec->rawlen && fwrite(rec->raw, 1, rec->rawlen, to) != rec->rawlen)
        return -1;
    if (whole && r->memlen > rec->rawlen && fputc(r->cut_byte, to) == EOF)
        return -1;
    if (!whole || r->spilled == 0)
        return whole && r->spill_lost ? 1 : 0;
    if (r->spill_lost || fflush(r->spill) != 0 || fseeko(r->spill, 0, SEEK_SET) != 0)
        return 1;
    char buf[CHUNK];
    for (uint64_t left = r->spilled; left;) {
        size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
        if (fread(buf, 1, n, r->spill) != n)
            return 1;
        if (fwrite(buf, 1, n, to) != n)
            return -1;
        left -= n;
    }
    return 0;
}

uint64_t cbrin_header_line(const cbrin_reader *r)
{
    return r->have_header ? r->hdr_line : 0;
}

const char *cbrin_error(const cbrin_reader *r)
{
    return r->err;
}

uint64_t cbrin_error_line(const cbrin_reader *r)
{
    return r->errline;
}

uint64_t cbrin_bytes_read(const cbrin_reader *r)
{
    return r->bytes;
}

const cbrin_cell *cbrin_columns(const cbrin_reader *r, size_t *ncols)
{
    *ncols = r->have_header ? r->ncols : 0;
    return r->have_header ? r->cols : NULL;
}

const char *cbrin_header_raw(const cbrin_reader *r, size_t *len)
{
    *len = r->have_header ? r->hdrraw.len : 0;
    return r->have_header ? r->hdrraw.p : NULL;
}

void cbrin_close(cbrin_reader *r)
{
    if (!r)
        return;
    csv_free(&r->csv);
    free(r->chunk);
    free(r->raw.p);
    free(r->text.p);
    free(r->hdrraw.p);
    free(r->hdrtext.p);
    free(r->slots);
    free(r->cells);
    free(r->cols);
    free(r->keys);
    if (r->spill)
        fclose(r->spill);
    free(r);
}
