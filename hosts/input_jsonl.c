/* input_jsonl.c: the JSON Lines reader: memchr cuts the lines, a yajl
 * handle parses each (a handle is unusable after its first error), its
 * callbacks turn one object into cells. */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include "hosts/input_int.h"

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
        int k = cbrin_more(r, in);
        if (k == 2) { /* the last line has no LF */
            drop_cr(r);
            cbrin_end_raw(r);
            return 1;
        }
        if (k != 1)
            return k;
        if (!in) {
            in = true;
            cbrin_begin_raw(r);
        }
        const unsigned char *s = r->chunk + r->cpos;
        const unsigned char *nl = memchr(s, '\n', r->clen - r->cpos);
        size_t n = nl ? (size_t)(nl - s) : r->clen - r->cpos;
        if (!cbrin_keep(r, s, n))
            return cbrin_fail(r, r->rec_line, "out of memory");
        r->cpos += n;
        if (nl) {
            r->cpos++;
            r->line++;
            drop_cr(r);
            cbrin_end_raw(r);
            return 1;
        }
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
    cbrin_bad(j->r, "expected a JSON object, found %s", what);
    return 0;
}

static int j_nested(jctx *j)
{
    cbrin_reader *r = j->r;
    const slot *s = &r->slots[r->nslots - 1];
    cbrin_bad(r, "key `%.*s`: nested objects and arrays are not supported", cbrin_keyw(s->klen),
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
    return cbrin_addz(&r->text, s, len) ? 1 : j_oom(j);
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
        if (!cbrin_addz(&r->text, "", 0))
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
        cbrin_bad(r, "the object has more than %zu keys", r->lim.max_columns);
        return 0;
    }
    const unsigned char *nul = memchr(s, '\0', len);
    if (nul) {
        /* "user_id\u0000" names no field: ignored, it would leave the
         * record without the user it meant (the NUL rule of cbr_batch_set). */
        cbrin_bad(r, "key `%.*s`: a key holds a NUL character (U+0000)", cbrin_keyw((size_t)(nul - s)),
                  (const char *)s);
        return 0;
    }
    if (!cbrin_slot_room(r, i))
        return j_oom(j);
    slot *sl = &r->slots[i];
    *sl = (slot){.koff = r->text.len, .klen = len, .missing = true};
    if (!cbrin_addz(&r->text, s, len))
        return j_oom(j);
    r->nslots = i + 1;
    /* The same key as the last object's at this place, so far: distinct. */
    if (r->jsame == i && i < r->jprev_n) {
        size_t at = i ? r->jprev_end[i - 1] : 0;
        if (r->jprev_end[i] - at == len && !memcmp(r->jprev.p + at, s, len)) {
            r->jsame = i + 1;
            return 1;
        }
    }
    if (r->jsame == i) {
        /* The first key that differs: the ones before it go into the set. */
        for (size_t k = 0; k < i; k++)
            if (!cbrin_keys_add(r, k, &dup))
                return j_oom(j);
        r->jsame = SIZE_MAX;
    }
    if (!cbrin_keys_add(r, i, &dup))
        return j_oom(j);
    if (dup != SIZE_MAX) {
        cbrin_bad(r, "duplicate key `%.*s`", cbrin_keyw(len), (const char *)s);
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
        return cbrin_bad(r, "invalid JSON");
    size_t n = strlen((const char *)e);
    while (n && (e[n - 1] == '\n' || e[n - 1] == '\r' || e[n - 1] == ' '))
        n--;
    cbrin_bad(r, "%.*s", (int)n, (const char *)e);
    yajl_free_error(h, e);
    return r->msg;
}

/* ---- the parser's memory ----
 *
 * yajl has no reset: a parser is made for each line.  Its handle, lexer
 * and buffers come from one block the reader keeps, taken in order and
 * given back all at once when the line's parser is freed, so a line costs
 * no malloc.  What does not fit goes to malloc, marked, and is freed
 * itself. */
#define JARENA_BYTES (64u * 1024)
#define JALIGN 16u
#define JHEAP ((size_t)1 << (sizeof(size_t) * 8 - 1)) /* in the size: from malloc */

typedef struct jhdr {
    size_t size;                 /* bytes asked for, | JHEAP when malloc'ed */
    size_t pad;                  /* keeps the data 16-byte aligned */
} jhdr;

static void *j_malloc(void *ctx, size_t n)
{
    cbrin_reader *r = ctx;
    size_t need = sizeof(jhdr) + ((n + JALIGN - 1) & ~(size_t)(JALIGN - 1));
    jhdr *h;
    if (r->jarena && n < JARENA_BYTES && need <= JARENA_BYTES - r->jtop) {
        h = (jhdr *)(r->jarena + r->jtop);
        r->jtop += need;
        h->size = n;
    } else {
        if (n > SIZE_MAX / 2 - sizeof(jhdr) || !(h = malloc(sizeof(jhdr) + n)))
            return NULL;
        h->size = n | JHEAP;
    }
    return h + 1;
}

static void j_free(void *ctx, void *p)
{
    (void)ctx;
    if (!p)
        return;
    jhdr *h = (jhdr *)p - 1;
    if (h->size & JHEAP)
        free(h);
    /* from the block: given back with the whole line's */
}

static void *j_realloc(void *ctx, void *p, size_t n)
{
    cbrin_reader *r = ctx;
    if (!p)
        return j_malloc(ctx, n);
    jhdr *h = (jhdr *)p - 1;
    size_t old = h->size & ~JHEAP;
    /* The last piece of the block grows where it is. */
    if (!(h->size & JHEAP) && (unsigned char *)p + ((old + JALIGN - 1) & ~(size_t)(JALIGN - 1)) ==
                                  r->jarena + r->jtop) {
        size_t at = (size_t)((unsigned char *)p - r->jarena);
        size_t room = ((n + JALIGN - 1) & ~(size_t)(JALIGN - 1));
        if (n < JARENA_BYTES && room <= JARENA_BYTES - at) {
            r->jtop = at + room;
            h->size = n;
            return p;
        }
    }
    void *q = j_malloc(ctx, n);
    if (!q)
        return NULL;
    memcpy(q, p, old < n ? old : n);
    j_free(ctx, p);
    return q;
}

/* The keys of an object read whole, distinct, for the next one to repeat;
 * when memory runs out none are kept (every key is then hashed). */
static void keep_keys(cbrin_reader *r)
{
    r->jprev_n = 0;
    r->jprev.len = 0;
    if (r->nslots > r->jprev_cap) {
        size_t *e = realloc(r->jprev_end, r->nslots * sizeof *e);
        if (!e)
            return;
        r->jprev_end = e;
        r->jprev_cap = r->nslots;
    }
    for (size_t i = 0; i < r->nslots; i++) {
        const slot *sl = &r->slots[i];
        if (!cbrin_putz(&r->jprev, r->text.p + sl->koff, sl->klen)) {
            r->jprev_n = 0;
            return;
        }
        r->jprev_end[i] = r->jprev.len;
    }
    r->jprev_n = r->nslots;
}

/* Parses s[0..len) as one object into r->slots: NULL, or the bad-record
 * message (r->oom tells out of memory). */
static const char *json_parse(cbrin_reader *r, const char *s, size_t len)
{
    jctx j = {.r = r, .depth = 0};
    r->nslots = 0;
    r->text.len = 0;
    r->oom = false;
    cbrin_keys_clear(r);
    r->jsame = 0;
    if (!r->jarena)
        r->jarena = malloc(JARENA_BYTES); /* without it, every piece is malloc'ed */
    r->jtop = 0;
    yajl_alloc_funcs af = {j_malloc, j_realloc, j_free, r};
    yajl_handle h = yajl_alloc(&jcallbacks, &af, &j);
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
    r->jtop = 0;
    if (!m && r->jsame != r->nslots)
        keep_keys(r);
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
bool cbrin_json_record(cbrin_reader *r, uint64_t line)
{
    r->out = (cbrin_record){.line = line, .raw = r->raw.p, .rawlen = r->raw.len};
    if (r->overlong) {
        r->out.error = cbrin_bad(r, "record is longer than %zu bytes", r->lim.max_record);
        return false;
    }
    const char *m = json_parse(r, r->raw.p, r->raw.len);
    if (m) {
        r->out.error = m;
        return false;
    }
    cbrin_finish_cells(r, false);
    r->out.cells = r->cells;
    r->out.ncells = r->nslots;
    return true;
}

int cbrin_jsonl_next(cbrin_reader *r)
{
    for (;;) {
        int k = scan_line(r);
        if (k <= 0)
            return k;
        if (!r->overlong && blank(r->raw.p, r->raw.len))
            continue;
        cbrin_json_record(r, r->rec_line);
        if (r->oom)
            return cbrin_fail(r, r->rec_line, "out of memory");
        return 1;
    }
}

