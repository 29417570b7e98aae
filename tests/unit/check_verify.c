/* check_verify.c: the bundle reader (vm/bundle.c) and the verifier
 * (vm/verify.c) against truncated, corrupt and hostile bundles.  Each test
 * damages a good bundle one way and checks that it is refused with
 * CBR_ERR_BUNDLE and a message naming the problem.  check_verify_run.c runs
 * the bundles the verifier lets through. */
#include "config.h"
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "tests/unit/good_bundle.h"

/* ---- the bundle format, as bundle.c writes it ---- */

#define HEADER 32
#define NSEC 13
#define TABLE_END (HEADER + NSEC * 12)
enum {
    S_STRINGS = 1, S_CONSTS, S_SETS, S_FIELDS, S_ZONES, S_CAMPAIGNS, S_OFFERS, S_CLAUSES,
    S_LIMITS, S_REGS, S_CODE, S_EXTERNS, S_CONDS
};
static const char *const sec_name[] = {"", "strings", "constants", "sets", "fields", "zones",
                                       "campaigns", "offers", "clauses", "limits", "registers",
                                       "code", "externs", "conditions"};

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void set32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void set64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The section table entry of section id: id, offset, length. */
static uint8_t *entry(uint8_t *d, int id) { return d + HEADER + (size_t)(id - 1) * 12; }
static size_t sec_off(const uint8_t *d, int id) { return get32(d + HEADER + (size_t)(id - 1) * 12 + 4); }
static size_t sec_len(const uint8_t *d, int id) { return get32(d + HEADER + (size_t)(id - 1) * 12 + 8); }

/* Rotating buffers for expected messages. */
static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt(const char *f, ...)
{
    static char buf[8][200];
    static unsigned k;
    char *b = buf[k++ % 8];
    va_list ap;
    va_start(ap, f);
    vsnprintf(b, sizeof buf[0], f, ap);
    va_end(ap);
    return b;
}

/* ---- an allocator that records the largest request ---- */

static size_t biggest;

static void *tracking_alloc(void *ud, void *p, size_t n)
{
    (void)ud;
    if (n == 0) {
        free(p);
        return NULL;
    }
    if (n > biggest)
        biggest = n;
    return realloc(p, n);
}

static cbr_config tracking_cfg(void)
{
    cbr_config c;
    cbr_config_init(&c);
    c.alloc = tracking_alloc;
    return c;
}

/* Grows (delta > 0, with zero bytes) or shrinks (delta < 0) section id at its
 * end, moves the sections after it, and fixes the total length and the
 * checksum: the bundle stays consistent except for that section. */
static uint8_t *resize_section(uint8_t *d, size_t *len, int id, long delta)
{
    size_t end = sec_off(d, id) + sec_len(d, id);
    size_t n = (size_t)((long)*len + delta);
    if (delta > 0) {
        d = realloc(d, n);
        ck_assert_ptr_nonnull(d);
        memmove(d + end + delta, d + end, *len - end);
        memset(d + end, 0, (size_t)delta);
    } else {
        memmove(d + end + delta, d + end, *len - end);
    }
    set32(entry(d, id) + 8, (uint32_t)((long)sec_len(d, id) + delta));
    for (int j = id + 1; j <= NSEC; j++)
        set32(entry(d, j) + 4, (uint32_t)((long)sec_off(d, j) + delta));
    set64(d + 16, n);
    cbrx_seal(d, n);
    *len = n;
    return d;
}

/* cbr_program_load refuses data with CBR_ERR_BUNDLE and a message that
 * holds words. */
#define ck_refused_cfg(cfg_, data_, len_, words_)                                            \
    do {                                                                                     \
        const char *w_ = (words_);                                                           \
        cbr_error e_;                                                                        \
        memset(&e_, 0, sizeof e_);                                                           \
        cbr_program *p_ = NULL;                                                              \
        cbr_status st_ = cbr_program_load((cfg_), (data_), (len_), &p_, &e_);                \
        cbr_program_free(p_);                                                                \
        ck_assert_msg(st_ == CBR_ERR_BUNDLE, "expected CBR_ERR_BUNDLE with \"%s\", got %s: %s", \
                      w_, cbr_status_text(st_), st_ == CBR_OK ? "(it loaded)" : e_.message);  \
        ck_assert_msg(strstr(e_.message, w_) != NULL, "expected \"%s\" in: %s", w_,          \
                      e_.message);                                                           \
    } while (0)
#define ck_refused(data_, len_, words_) ck_refused_cfg(NULL, data_, len_, words_)

/* The good bundle read into x (tables only, not prepared), with the tracking
 * allocator; x is then edited by the test. */
static void load_x(cbrx_program *x)
{
    size_t n;
    const uint8_t *d = good(&n);
    cbr_config cfg = tracking_cfg();
    cbr_error err;
    ck_assert_msg(cbrx_load(&cfg, d, n, x, &err), "%s", err.message);
    ck_assert_msg(cbrx_verify(x, &err), "the good bundle: %s", err.message);
}

/* cbrx_verify refuses the edited x with a message holding words, and so does
 * cbr_program_load once x is saved as a bundle.  Releases x. */
#define ck_verify_refuses(x_, words_)                                                        \
    do {                                                                                     \
        const char *wv_ = (words_);                                                          \
        cbr_error ev_;                                                                       \
        memset(&ev_, 0, sizeof ev_);                                                         \
        bool okv_ = cbrx_verify((x_), &ev_);                                                 \
        if (okv_)                                                                            \
            cbrx_program_release(x_);                                                        \
        ck_assert_msg(!okv_, "verified; expected \"%s\"", wv_);                              \
        ck_assert_msg(ev_.status == CBR_ERR_BUNDLE, "status %s: %s",                         \
                      cbr_status_text(ev_.status), ev_.message);                             \
        ck_assert_msg(strstr(ev_.message, wv_) != NULL, "expected \"%s\" in: %s", wv_,        \
                      ev_.message);                                                          \
        uint8_t *dv_;                                                                        \
        size_t nv_;                                                                          \
        ck_assert_msg(cbrx_save((x_), &dv_, &nv_, &ev_), "%s", ev_.message);                 \
        ck_refused(dv_, nv_, wv_);                                                           \
        cbr_free(dv_);                                                                       \
        cbrx_program_release(x_);                                                            \
    } while (0)

/* ---- finding parts of a loaded program ---- */

static uint32_t offer_named(const cbrx_program *x, const char *id)
{
    for (uint32_t i = 0; i < x->noffers; i++)
        if (strcmp(cbrx_str(x, x->offers[i].id), id) == 0)
            return i;
    ck_abort_msg("no offer \"%s\"", id);
    return 0;
}

static uint32_t string_named(const cbrx_program *x, const char *s)
{
    for (uint32_t i = 0; i < x->nstrings; i++)
        if (strcmp(cbrx_str(x, i), s) == 0)
            return i;
    ck_abort_msg("no string \"%s\"", s);
    return 0;
}

static uint32_t field_named(const cbrx_program *x, const char *name)
{
    for (uint32_t f = 0; f < x->nfields; f++)
        if (strcmp(cbrx_str(x, x->fields[f].name), name) == 0)
            return f;
    ck_abort_msg("no field `%s`", name);
    return 0;
}

/* The nth (from 0) instruction `op` of offer o, as an index into the code. */
static uint32_t find_op(const cbrx_program *x, uint32_t o, unsigned op, unsigned nth)
{
    const cbrx_offer *of = &x->offers[o];
    for (uint32_t pc = of->code; pc < of->code + of->ncode; pc++)
        if (x->code[pc].op == op && nth-- == 0)
            return pc;
    ck_abort_msg("offer %u has no %s #%u", o, cbrx_opname(op), nth);
    return 0;
}

/* Whether an instruction of offer o before pc writes register r (value
 * instructions come before the filters in the opcode table). */
static bool written_before(const cbrx_program *x, uint32_t o, uint32_t pc, uint16_t r)
{
    for (uint32_t i = x->offers[o].code; i < pc; i++)
        if (x->code[i].op < XOP_FCMP && x->code[i].d == r)
            return true;
    return false;
}

static void ck_reg(const cbrx_program *x, uint16_t r, uint8_t type, uint8_t scale)
{
    ck_assert_msg(x->regs[r].type == type && x->regs[r].scale == scale,
                  "r%u: type %u scale %u, the test expects %u scale %u", r, x->regs[r].type,
                  x->regs[r].scale, type, scale);
}

static const cbrx_insn ZERO_INSN;

/* ======================= byte-level damage ======================= */

START_TEST(bytes_empty_and_tiny_are_not_bundles)
{
    size_t n;
    const uint8_t *d = good(&n);
    ck_refused(NULL, 0, "not a cbr bundle (bad magic number)");
    ck_refused(d, 0, "not a cbr bundle (bad magic number)");
    ck_refused(d, 1, "not a cbr bundle (bad magic number)");
    ck_refused(d, 7, "not a cbr bundle (bad magic number)");
}
END_TEST

START_TEST(bytes_shorter_than_header)
{
    size_t n;
    const uint8_t *d = good(&n);
    ck_refused(d, 8, "truncated bundle: 8 bytes, shorter than its header");
    ck_refused(d, 31, "truncated bundle: 31 bytes, shorter than its header");
}
END_TEST

START_TEST(bytes_truncated_at_several_lengths)
{
    size_t n;
    const uint8_t *g = good(&n);
    size_t cuts[] = {HEADER, TABLE_END, sec_off(g, S_STRINGS) + sec_len(g, S_STRINGS) / 2,
                     sec_off(g, S_OFFERS) + 5, sec_off(g, S_CODE) + sec_len(g, S_CODE) / 2, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        uint8_t *d = malloc(cuts[i]); /* alone in its allocation, for ASan */
        ck_assert_ptr_nonnull(d);
        memcpy(d, g, cuts[i]);
        ck_refused(d, cuts[i], fmt("truncated or padded bundle: %zu bytes, the header says %zu", cuts[i], n));
        free(d);
    }
}
END_TEST

START_TEST(bytes_trailing_bytes)
{
    size_t n;
    uint8_t *d = copy_good(&n, 100);
    ck_refused(d, n + 1, fmt("truncated or padded bundle: %zu bytes, the header says %zu", n + 1, n));
    ck_refused(d, n + 100, fmt("truncated or padded bundle: %zu bytes, the header says %zu", n + 100, n));
    free(d);
}
END_TEST

START_TEST(bytes_bad_magic)
{
    size_t n;
    uint8_t *d = copy_good(&n, 0);
    for (int i = 0; i < 8; i++) {
        d[i] ^= 0x20; /* "cBRX", and \r\n turned into text-mode damage */
        ck_refused(d, n, "not a cbr bundle (bad magic number)");
        cbrx_seal(d, n);
        ck_refused(d, n, "not a cbr bundle (bad magic number)");
        d[i] ^= 0x20;
        cbrx_seal(d, n);
    }
    free(d);
}
END_TEST

START_TEST(bytes_wrong_version)
{
    size_t n;
    uint8_t *d = copy_good(&n, 0);
    uint16_t versions[] = {0, 1, 3, 0xffff};
    for (size_t i = 0; i < 4; i++) {
        set16(d + 8, versions[i]);
        ck_refused(d, n, fmt("bundle format version %u; this cbr reads version 2", versions[i]));
        cbrx_seal(d, n);
        ck_refused(d, n, fmt("bundle format version %u; this cbr reads version 2", versions[i]));
    }
    free(d);
}
END_TEST

START_TEST(bytes_every_changed_byte_fails_the_checksum)
{
    size_t n;
    uint8_t *d = copy_good(&n, 0);
    for (size_t i = 10; i < n; i++) {
        if (i >= 16 && i < 24)
            continue; /* the total length: "truncated or padded", above */
        d[i] ^= 0x01;
        ck_refused(d, n, "bundle checksum mismatch: the file is corrupt");
        d[i] ^= 0xff;
        ck_refused(d, n, "bundle checksum mismatch: the file is corrupt");
        d[i] ^= 0xfe;
    }
    free(d);
}
END_TEST

START_TEST(bytes_wrong_total_length)
{
    size_t n;
    uint8_t *d = copy_good(&n, 0);
    set64(d + 16, n - 1);
    ck_refused(d, n, fmt("truncated or padded bundle: %zu bytes, the header says %zu", n, n - 1));
    set64(d + 16, UINT64_MAX);
    cbrx_seal(d, n);
    ck_refused(d, n, fmt("truncated or padded bundle: %zu bytes, the header says %llu", n,
                         (unsigned long long)UINT64_MAX));
    free(d);
}
END_TEST

/* ============ forged checksum: the structure is hostile ============ */

START_TEST(forged_flags)
{
    size_t n;
    uint8_t *d = copy_good(&n, 0);
    set16(d + 10, 1);
    ck_refused(d, n, "bundle checksum mismatch");
    cbrx_seal(d, n);
    ck_refused(d, n, "unknown bundle flags 0x1");
    free(d);
}
END_TEST

START_TEST(forged_section_count)
{
    size_t n;
    uint8_t *d = copy_good(&n, 0);
    uint32_t counts[] = {0, 12, 19, UINT32_MAX};
    for (size_t i = 0; i < 4; i++) {
        set32(d + 12, counts[i]);
        cbrx_seal(d, n);
        ck_refused(d, n, fmt("bundle has %u sections, expected 13 to 18", counts[i]));
    }
    /* 14 over a table of 13: the 14th entry is the first section's bytes. */
    set32(d + 12, 14);
    cbrx_seal(d, n);
    ck_refused(d, n, "section strings out of bounds");
    free(d);
}
END_TEST

/* A copy of the first n bytes of d alone in its allocation, whose header
 * says n bytes, resealed: reading past n is a fault under ASan. */
static uint8_t *forged_prefix(const uint8_t *d, size_t n)
{
    uint8_t *q = malloc(n);
    ck_assert_ptr_nonnull(q);
    memcpy(q, d, n);
    set64(q + 16, n);
    cbrx_seal(q, n);
    return q;
}

START_TEST(forged_length_of_a_truncated_bundle)
{
    size_t n;
    const uint8_t *g = good(&n);
    uint8_t *d = forged_prefix(g, HEADER); /* nothing but the header */
    ck_refused(d, HEADER, "truncated section table");
    free(d);
    d = forged_prefix(g, HEADER + 6); /* inside the first table entry */
    ck_refused(d, HEADER + 6, "truncated section table");
    free(d);
    /* cut inside a section */
    int ids[] = {S_STRINGS, S_OFFERS, S_CODE};
    for (int i = 0; i < 3; i++) {
        size_t cut = sec_off(g, ids[i]) + sec_len(g, ids[i]) / 2;
        d = forged_prefix(g, cut);
        ck_refused(d, cut, fmt("section %s out of bounds", sec_name[ids[i]]));
        free(d);
    }
}
END_TEST

/* The table holds the first entry but not all eleven: the strings section,
 * declared at offset 164, starts past the end of the file.  (len - off
 * must not wrap around.) */
START_TEST(forged_length_shorter_than_the_section_table)
{
    size_t n;
    const uint8_t *g = good(&n);
    size_t cuts[] = {HEADER + 12, 100, TABLE_END - 1};
    for (size_t i = 0; i < 3; i++) {
        uint8_t *d = forged_prefix(g, cuts[i]);
        cbr_error err;
        memset(&err, 0, sizeof err);
        cbr_program *p = NULL;
        cbr_status st = cbr_program_load(NULL, d, cuts[i], &p, &err);
        cbr_program_free(p);
        free(d);
        ck_assert_msg(st == CBR_ERR_BUNDLE, "%zu bytes: %s: %s", cuts[i], cbr_status_text(st), err.message);
        ck_assert_msg(strstr(err.message, "truncated section table") ||
                          strstr(err.message, "section strings out of bounds"),
                      "%zu bytes: %s", cuts[i], err.message);
    }
}
END_TEST

START_TEST(forged_section_id)
{
    size_t n;
    uint8_t *d = copy_good(&n, 0);
    set32(entry(d, S_SETS), 4);
    cbrx_seal(d, n);
    ck_refused(d, n, "section 3 has id 4, expected 3 (sets)");
    set32(entry(d, S_SETS), 3);
    set32(entry(d, S_CODE), 0);
    cbrx_seal(d, n);
    ck_refused(d, n, "section 11 has id 0, expected 11 (code)");
    free(d);
}
END_TEST

START_TEST(forged_section_offset_out_of_bounds)
{
    size_t n;
    uint8_t *d = copy_good(&n, 0);
    set32(entry(d, S_CODE) + 4, 0xfffffff0u);
    cbrx_seal(d, n);
    ck_refused(d, n, fmt("section code out of bounds (offset 4294967280, length %zu, file %zu bytes)",
                         sec_len(d, S_CODE), n));
    free(d);
    d = copy_good(&n, 0);
    set32(entry(d, S_STRINGS) + 4, 0); /* the strings would be read from the header */
    cbrx_seal(d, n);
    ck_refused(d, n, "section strings out of bounds (offset 0,");
    free(d);
}
END_TEST

START_TEST(forged_sections_overlap)
{
    size_t n;
    uint8_t *d = copy_good(&n, 0);
    set32(entry(d, S_CONSTS) + 4, (uint32_t)sec_off(d, S_STRINGS));
    cbrx_seal(d, n);
    ck_refused(d, n, "section constants out of bounds");
    free(d);
    d = copy_good(&n, 0);
    set32(entry(d, S_REGS) + 4, (uint32_t)sec_off(d, S_REGS) + 2); /* a gap before it */
    cbrx_seal(d, n);
    ck_refused(d, n, "section registers out of bounds");
    free(d);
}
END_TEST

START_TEST(forged_section_length_past_the_end)
{
    size_t n;
    uint8_t *d = copy_good(&n, 0);
    size_t len = sec_len(d, S_CONDS);
    set32(entry(d, S_CONDS) + 8, (uint32_t)len + 1);
    cbrx_seal(d, n);
    ck_refused(d, n, fmt("section conditions out of bounds (offset %zu, length %zu", sec_off(d, S_CONDS), len + 1));
    set32(entry(d, S_CONDS) + 8, UINT32_MAX);
    cbrx_seal(d, n);
    ck_refused(d, n, "section conditions out of bounds");
    free(d);
}
END_TEST

START_TEST(forged_section_with_trailing_bytes)
{
    size_t n;
    uint8_t *d = copy_good(&n, 0);
    d = resize_section(d, &n, S_CONSTS, 4);
    ck_refused(d, n, "section constants has 4 trailing bytes");
    free(d);
    d = copy_good(&n, 0);
    d = resize_section(d, &n, S_STRINGS, 3);
    ck_refused(d, n, "section strings has 3 trailing bytes");
    free(d);
    d = copy_good(&n, 0);
    d = resize_section(d, &n, S_CODE, 11); /* most of one more instruction */
    ck_refused(d, n, "section code has 11 trailing bytes");
    free(d);
}
END_TEST

START_TEST(forged_bytes_after_the_last_section)
{
    size_t n;
    uint8_t *d = copy_good(&n, 8);
    set64(d + 16, n + 8);
    cbrx_seal(d, n + 8);
    ck_refused(d, n + 8, "8 bytes after the last section");
    free(d);
}
END_TEST

START_TEST(forged_section_shorter_than_its_count)
{
    size_t n;
    uint8_t *d = copy_good(&n, 0);
    size_t len = sec_len(d, S_CONSTS);
    d = resize_section(d, &n, S_CONSTS, -8); /* the last constant is gone */
    ck_refused(d, n, fmt("section constants is truncated (%zu bytes)", len - 8));
    free(d);
    d = copy_good(&n, 0);
    d = resize_section(d, &n, S_OFFERS, -1);
    ck_refused(d, n, "section offers is truncated");
    free(d);
    d = copy_good(&n, 0);
    d = resize_section(d, &n, S_CODE, -12);
    ck_refused(d, n, "section code is truncated");
    free(d);
    d = copy_good(&n, 0);
    d = resize_section(d, &n, S_CAMPAIGNS, -(long)sec_len(d, S_CAMPAIGNS)); /* empty */
    ck_refused(d, n, "section campaigns is truncated (0 bytes)");
    free(d);
}
END_TEST

START_TEST(forged_huge_counts_refused_without_big_allocations)
{
    cbr_config cfg = tracking_cfg();
    uint32_t counts[] = {UINT32_MAX, 0x10000000u, 0x01000000u};
    for (int id = 1; id <= NSEC; id++)
        for (size_t c = 0; c < 3; c++) {
            size_t n;
            uint8_t *d = copy_good(&n, 0);
            set32(d + sec_off(d, id), counts[c]);
            cbrx_seal(d, n);
            biggest = 0;
            ck_refused_cfg(&cfg, d, n, fmt("section %s is truncated", sec_name[id]));
            ck_assert_msg(biggest < (1u << 20), "section %s, count %u: allocated %zu bytes", sec_name[id],
                          counts[c], biggest);
            free(d);
        }
    /* the byte count of the strings */
    size_t n;
    uint8_t *d = copy_good(&n, 0);
    set32(d + sec_off(d, S_STRINGS) + 4, UINT32_MAX);
    cbrx_seal(d, n);
    biggest = 0;
    ck_refused_cfg(&cfg, d, n, "section strings is truncated");
    ck_assert_msg(biggest < (1u << 20), "allocated %zu bytes", biggest);
    free(d);
}
END_TEST

START_TEST(forged_selection_depth)
{
    size_t n;
    uint8_t *d = copy_good(&n, 0);
    cbr_config cfg = tracking_cfg();
    set32(d + sec_off(d, S_CODE) + 4, UINT32_MAX); /* max_depth */
    cbrx_seal(d, n);
    biggest = 0;
    ck_refused_cfg(&cfg, d, n, "selection depth 4294967295; at most 4096");
    ck_assert_msg(biggest < (1u << 20), "allocated %zu bytes", biggest);
    free(d);
}
END_TEST

/* ====================== tables (semantic damage) ====================== */

START_TEST(tables_string_outside_the_bytes)
{
    cbrx_program x;
    load_x(&x);
    uint32_t k = string_named(&x, "gold");
    x.strings[k].off = x.nbytes;
    ck_verify_refuses(&x, fmt("string %u lies outside the string bytes", k));
    load_x(&x);
    x.strings[k].off = UINT32_MAX;
    ck_verify_refuses(&x, fmt("string %u lies outside the string bytes", k));
    load_x(&x);
    x.strings[k].len = x.nbytes; /* runs past the end */
    ck_verify_refuses(&x, fmt("string %u lies outside the string bytes", k));
    load_x(&x);
    x.strings[k].len = UINT32_MAX - x.strings[k].off + 1; /* off + len wraps to 0 */
    ck_verify_refuses(&x, fmt("string %u lies outside the string bytes", k));
}
END_TEST

START_TEST(tables_string_not_nul_terminated)
{
    cbrx_program x;
    load_x(&x);
    uint32_t k = string_named(&x, "gold");
    x.strings[k].len--; /* "gol", followed by 'd', not NUL */
    ck_verify_refuses(&x, fmt("string %u lies outside the string bytes", k));
    load_x(&x);
    x.bytes[x.nbytes - 1] = 'x'; /* the last string loses its NUL */
    ck_verify_refuses(&x, "lies outside the string bytes");
}
END_TEST

START_TEST(tables_string_not_utf8)
{
    const char *bad[] = {"\xff", "\xc0", "\xed"}; /* never valid, overlong lead, surrogate lead */
    for (int i = 0; i < 3; i++) {
        cbrx_program x;
        load_x(&x);
        uint32_t k = string_named(&x, "gold");
        x.bytes[x.strings[k].off + 1] = bad[i][0];
        ck_verify_refuses(&x, fmt("string %u is not valid UTF-8 text", k));
    }
    cbrx_program x;
    load_x(&x);
    uint32_t k = string_named(&x, "gold");
    x.bytes[x.strings[k].off + 2] = '\0'; /* "go\0d" */
    ck_verify_refuses(&x, fmt("string %u is not valid UTF-8 text", k));
}
END_TEST

START_TEST(tables_set_outside_the_constants)
{
    cbrx_program x;
    load_x(&x);
    ck_assert_uint_gt(x.nsets, 0);
    x.sets[0].first = x.nconsts;
    x.sets[0].n = 1;
    ck_verify_refuses(&x, "set 0 lies outside the constants");
    load_x(&x);
    x.sets[0].n = x.nconsts - x.sets[0].first + 1;
    ck_verify_refuses(&x, "set 0 lies outside the constants");
    load_x(&x);
    x.sets[0].first = UINT32_MAX;
    ck_verify_refuses(&x, "set 0 lies outside the constants");
}
END_TEST

START_TEST(tables_set_not_sorted)
{
    cbrx_program x;
    load_x(&x);
    uint32_t s = 0;
    while (s < x.nsets && x.sets[s].n < 2)
        s++;
    ck_assert_msg(s < x.nsets, "no set of two");
    int64_t *c = &x.consts[x.sets[s].first];
    int64_t t = c[0];
    c[0] = c[1];
    c[1] = t;
    ck_verify_refuses(&x, fmt("set %u is not sorted", s));
    load_x(&x);
    c = &x.consts[x.sets[s].first];
    c[1] = c[0]; /* a repeated element */
    ck_verify_refuses(&x, fmt("set %u is not sorted", s));
}
END_TEST

START_TEST(tables_field_count)
{
    cbrx_program x;
    load_x(&x);
    x.nfields = XF_FIRST_DECLARED - 1;
    ck_verify_refuses(&x, "the program has 15 fields, expected 16 to 100000");
    load_x(&x);
    x.nfields = 0;
    ck_verify_refuses(&x, "the program has 0 fields, expected 16 to 100000");
}
END_TEST

START_TEST(tables_field_name_out_of_range)
{
    cbrx_program x;
    load_x(&x);
    x.fields[3].name = x.nstrings;
    ck_verify_refuses(&x, fmt("field 3: name is string %u of %u", x.nstrings, x.nstrings));
}
END_TEST

START_TEST(tables_standard_field_renamed)
{
    cbrx_program x;
    load_x(&x);
    x.fields[XF_MERCHANT].name = string_named(&x, "tier");
    ck_verify_refuses(&x, "field 4 should be the standard field `merchant`");
    load_x(&x);
    uint32_t t = x.fields[XF_TID].name; /* two standard fields swapped */
    x.fields[XF_TID].name = x.fields[XF_USER_ID].name;
    x.fields[XF_USER_ID].name = t;
    ck_verify_refuses(&x, "field 0 should be the standard field `tid`");
}
END_TEST

START_TEST(tables_standard_field_retyped)
{
    cbrx_program x;
    load_x(&x);
    x.fields[XF_AMOUNT].type = X_DECIMAL;
    x.fields[XF_AMOUNT].scale = CBRX_DECIMAL_SCALE;
    ck_verify_refuses(&x, "field 2 should be the standard field `amount`");
    load_x(&x);
    x.fields[XF_WEEKDAY].type = X_INT;
    ck_verify_refuses(&x, "field 9 should be the standard field `weekday`");
}
END_TEST

START_TEST(tables_declared_field_type)
{
    uint8_t types[] = {0, X_MONEY, X_WEEKDAY, X_WEEKDAY + 1, 255};
    for (size_t i = 0; i < sizeof types; i++) {
        cbrx_program x;
        load_x(&x);
        uint32_t f = field_named(&x, "tier");
        x.fields[f].type = types[i];
        ck_verify_refuses(&x, fmt("field %u (`tier`) has a type no field may have", f));
    }
}
END_TEST

START_TEST(tables_field_scale_or_kind)
{
    cbrx_program x;
    load_x(&x);
    x.fields[XF_WEEKDAY].derived = 0;
    ck_verify_refuses(&x, "field 9 (`weekday`) has a wrong scale or kind");
    load_x(&x);
    uint32_t f = field_named(&x, "tier");
    x.fields[f].derived = 1;
    ck_verify_refuses(&x, fmt("field %u (`tier`) has a wrong scale or kind", f));
    load_x(&x);
    f = field_named(&x, "score");
    x.fields[f].scale = 2;
    ck_verify_refuses(&x, fmt("field %u (`score`) has a wrong scale or kind", f));
    load_x(&x);
    x.fields[XF_AMOUNT].scale = 2;
    ck_verify_refuses(&x, "field 2 (`amount`) has a wrong scale or kind");
    load_x(&x);
    x.fields[XF_MCC].scale = 1;
    ck_verify_refuses(&x, "field 5 (`mcc`) has a wrong scale or kind");
}
END_TEST

START_TEST(tables_first_zone_not_utc)
{
    cbrx_program x;
    load_x(&x);
    ck_assert_uint_eq(x.ntzs, 2);
    x.tzs[0] = x.tzs[1]; /* America/New_York */
    ck_verify_refuses(&x, "the first time zone must be UTC");
    load_x(&x);
    x.ntzs = 0;
    ck_verify_refuses(&x, "the first time zone must be UTC");
    load_x(&x);
    x.tzs[0] = x.nstrings;
    ck_verify_refuses(&x, "the first time zone must be UTC");
}
END_TEST

START_TEST(tables_zone_name_out_of_range)
{
    cbrx_program x;
    load_x(&x);
    x.tzs[1] = x.nstrings + 5;
    ck_verify_refuses(&x, fmt("time zone 1: name is string %u of %u", x.nstrings + 5, x.nstrings));
}
END_TEST

START_TEST(tables_campaign)
{
    cbrx_program x;
    load_x(&x);
    ck_assert_uint_eq(x.ncampaigns, 1);
    x.campaigns[0].id = x.nstrings;
    ck_verify_refuses(&x, "campaign 0: bad id, title or budget");
    load_x(&x);
    x.campaigns[0].title = x.nstrings; /* neither a string nor CBRX_NONE */
    ck_verify_refuses(&x, "campaign 0: bad id, title or budget");
    load_x(&x);
    x.campaigns[0].budget.scale = CBRDEC_MAX_SCALE + 1;
    ck_verify_refuses(&x, "campaign 0: bad id, title or budget");
    load_x(&x);
    memcpy(x.campaigns[0].budget.cur, "ZZZ", 4);
    ck_verify_refuses(&x, "campaign 0: bad id, title or budget");
}
END_TEST

START_TEST(tables_clause_reward)
{
    cbrx_program x;
    load_x(&x);
    x.clauses[0].kind = 2;
    ck_verify_refuses(&x, "clause 0: bad reward");
    load_x(&x);
    x.clauses[1].has_cap = 2;
    ck_verify_refuses(&x, "clause 1: bad reward");
    load_x(&x);
    x.clauses[0].pct_scale = CBRDEC_MAX_SCALE + 1;
    ck_verify_refuses(&x, "clause 0: bad reward");
    load_x(&x);
    x.clauses[1].amount.scale = 200;
    ck_verify_refuses(&x, "clause 1: bad reward");
    load_x(&x);
    memcpy(x.clauses[0].amount.cur, "us", 3); /* not an ISO 4217 code */
    ck_verify_refuses(&x, "clause 0: bad reward");
}
END_TEST

START_TEST(tables_limit)
{
    cbrx_program x;
    load_x(&x);
    ck_assert_uint_eq(x.nlimits, 2);
    x.limits[0].period = XP_YEAR + 1;
    ck_verify_refuses(&x, "limit 0: bad kind, period or amount");
    load_x(&x);
    x.limits[1].kind = XL_TOTAL + 1;
    ck_verify_refuses(&x, "limit 1: bad kind, period or amount");
    load_x(&x);
    ck_assert_uint_eq(x.limits[0].kind, XL_COUNT);
    x.limits[0].count = 0;
    ck_verify_refuses(&x, "limit 0: bad kind, period or amount");
    load_x(&x);
    x.limits[1].amount.scale = CBRDEC_MAX_SCALE + 1;
    ck_verify_refuses(&x, "limit 1: bad kind, period or amount");
}
END_TEST

START_TEST(tables_register_type)
{
    uint8_t types[] = {0, X_WEEKDAY + 1, 255};
    for (size_t i = 0; i < sizeof types; i++) {
        cbrx_program x;
        load_x(&x);
        x.regs[3].type = types[i];
        x.regs[3].scale = 0;
        ck_verify_refuses(&x, fmt("register r3 has unknown type %u", types[i]));
    }
}
END_TEST

START_TEST(tables_register_scale)
{
    cbrx_program x;
    load_x(&x);
    uint32_t pc = find_load(&x, offer_named(&x, "b"), XF_MERCHANT);
    uint16_t s = x.code[pc].d;
    ck_reg(&x, s, X_STRING, 0);
    x.regs[s].scale = 2;
    ck_verify_refuses(&x, fmt("register r%u (string) has scale 2", s));
    load_x(&x);
    pc = find_load(&x, offer_named(&x, "b"), XF_AMOUNT);
    uint16_t m = x.code[pc].d;
    ck_reg(&x, m, X_MONEY, 4);
    x.regs[m].scale = CBRDEC_MAX_SCALE + 1;
    ck_verify_refuses(&x, fmt("register r%u (money) has scale 19", m));
    load_x(&x);
    pc = find_op(&x, offer_named(&x, "m"), XOP_SETNULL, 0);
    uint16_t b = x.code[pc].d;
    ck_reg(&x, b, X_BOOL, 0);
    x.regs[b].scale = 1;
    ck_verify_refuses(&x, fmt("register r%u (bool) has scale 1", b));
}
END_TEST

START_TEST(tables_too_many_registers)
{
    cbrx_program x;
    load_x(&x);
    uint32_t n = CBRX_MAX_REGS + 1;
    cbrx_reg *r = cbrx_realloc(&x, x.regs, n * sizeof *r);
    ck_assert_ptr_nonnull(r);
    for (uint32_t i = x.nregs; i < n; i++)
        r[i] = (cbrx_reg){X_BOOL, 0};
    x.regs = r;
    x.nregs = n;
    ck_verify_refuses(&x, "65536 registers; at most 65535");
}
END_TEST

START_TEST(tables_selection_depth)
{
    cbrx_program x;
    load_x(&x);
    x.max_depth = 4097;
    ck_verify_refuses(&x, "selection depth 4097; at most 4096");
}
END_TEST

/* Every table of program.h's limit list, one past its limit: refused with
 * the table's name and the limit, before any entry is read (the arrays keep
 * their real size, so reading one would show under ASan). */
START_TEST(tables_section_limits)
{
    static const struct { size_t at; uint32_t max; const char *what; } t[] = {
        {offsetof(cbrx_program, nbytes), CBRX_MAX_STRING_BYTES, "bytes of strings"},
        {offsetof(cbrx_program, nstrings), CBRX_MAX_STRINGS, "strings"},
        {offsetof(cbrx_program, nconsts), CBRX_MAX_CONSTS, "constants"},
        {offsetof(cbrx_program, nsets), CBRX_MAX_SETS, "sets"},
        {offsetof(cbrx_program, ncampaigns), CBRX_MAX_CAMPAIGNS, "campaigns"},
        {offsetof(cbrx_program, noffers), CBRX_MAX_OFFERS, "offers"},
        {offsetof(cbrx_program, nclauses), CBRX_MAX_CLAUSES, "clauses"},
        {offsetof(cbrx_program, nlimits), CBRX_MAX_LIMITS, "limits"},
        {offsetof(cbrx_program, ncode), CBRX_MAX_CODE, "instructions"},
        {offsetof(cbrx_program, nexterns), CBRX_MAX_EXTERNS, "externs"},
        {offsetof(cbrx_program, ntzs), CBRX_MAX_ZONES, "time zones"},
        {offsetof(cbrx_program, nregs), CBRX_MAX_REGS, "registers"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        cbrx_program x;
        load_x(&x);
        uint32_t *count = (uint32_t *)((char *)&x + t[i].at);
        uint32_t keep = *count;
        *count = t[i].max + 1;
        cbr_error err;
        memset(&err, 0, sizeof err);
        bool ok = cbrx_verify(&x, &err);
        *count = keep;
        cbrx_program_release(&x);
        ck_assert_msg(!ok, "%s: verified past the limit", t[i].what);
        ck_assert_int_eq(err.status, CBR_ERR_BUNDLE);
        ck_assert_str_eq(err.message, fmt("%u %s; at most %u", t[i].max + 1, t[i].what, t[i].max));
    }
    cbrx_program x;
    load_x(&x);
    uint32_t keep = x.nfields;
    x.nfields = CBRX_MAX_FIELDS + 1;
    cbr_error err;
    ck_assert(!cbrx_verify(&x, &err));
    x.nfields = keep;
    cbrx_program_release(&x);
    ck_assert_str_eq(err.message, "the program has 100001 fields, expected 16 to 100000");
}
END_TEST

/* The same limits through the bytes of a bundle: an externs section of
 * CBRX_MAX_EXTERNS + 1 well-formed entries is read, then refused. */
START_TEST(forged_externs_over_the_limit)
{
    size_t n;
    uint8_t *d = copy_good(&n, 0);
    size_t entry_bytes = 6 + CBRX_MAX_PARAMS, want = 4 + (size_t)(CBRX_MAX_EXTERNS + 1) * entry_bytes;
    d = resize_section(d, &n, S_EXTERNS, (long)(want - sec_len(d, S_EXTERNS)));
    uint8_t *at = d + sec_off(d, S_EXTERNS);
    set32(at, CBRX_MAX_EXTERNS + 1);
    for (size_t i = 0; i <= CBRX_MAX_EXTERNS; i++)
        at[4 + i * entry_bytes + 4] = X_BOOL; /* name string 0, bool(), no parameters */
    cbrx_seal(d, n);
    ck_refused(d, n, fmt("%u externs; at most %u", CBRX_MAX_EXTERNS + 1, CBRX_MAX_EXTERNS));
    free(d);
}
END_TEST

/* A bundle larger than CBRX_MAX_BUNDLE_BYTES is refused by its length
 * alone: the mapping is never touched, so it costs no memory. */
START_TEST(bytes_bundle_over_the_size_limit)
{
    size_t len = (size_t)CBRX_MAX_BUNDLE_BYTES + 1;
    void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ck_assert_ptr_ne(m, MAP_FAILED);
    cbr_config cfg = tracking_cfg();
    biggest = 0;
    ck_refused_cfg(&cfg, m, len, fmt("bundle is %zu bytes; at most %u", len, CBRX_MAX_BUNDLE_BYTES));
    ck_assert_uint_eq(biggest, 0);
    munmap(m, len);
}
END_TEST

/* ============================== offers ============================== */

START_TEST(offers_strings)
{
    cbrx_program x;
    load_x(&x);
    x.offers[0].id = x.nstrings;
    ck_verify_refuses(&x, "offer 0: bad id, title or group string");
    load_x(&x);
    x.offers[1].title = x.nstrings + 1;
    ck_verify_refuses(&x, "offer 1: bad id, title or group string");
    load_x(&x);
    x.offers[0].group = CBRX_NONE - 1;
    ck_verify_refuses(&x, "offer 0: bad id, title or group string");
}
END_TEST

START_TEST(offers_campaign_out_of_range)
{
    cbrx_program x;
    load_x(&x);
    uint32_t a = offer_named(&x, "a");
    x.offers[a].campaign = x.ncampaigns;
    ck_verify_refuses(&x, fmt("offer %u (\"a\"): campaign 1 does not exist", a));
    load_x(&x);
    uint32_t b = offer_named(&x, "b");
    x.offers[b].campaign = CBRX_NONE - 1;
    ck_verify_refuses(&x, fmt("offer %u (\"b\"): campaign %u does not exist", b, CBRX_NONE - 1));
}
END_TEST

START_TEST(offers_zone_rounding_budget)
{
    cbrx_program x;
    load_x(&x);
    uint32_t a = offer_named(&x, "a");
    x.offers[a].tz = x.ntzs;
    ck_verify_refuses(&x, fmt("offer %u (\"a\"): bad time zone, rounding or budget", a));
    load_x(&x);
    x.offers[a].tz = UINT32_MAX;
    ck_verify_refuses(&x, fmt("offer %u (\"a\"): bad time zone, rounding or budget", a));
    load_x(&x);
    x.offers[a].rounding = CBR_ROUND_CEIL + 1;
    ck_verify_refuses(&x, fmt("offer %u (\"a\"): bad time zone, rounding or budget", a));
    load_x(&x);
    uint32_t m = offer_named(&x, "m");
    memcpy(x.offers[m].budget.cur, "\x01\x02\x03", 4);
    ck_verify_refuses(&x, fmt("offer %u (\"m\"): bad time zone, rounding or budget", m));
}
END_TEST

START_TEST(offers_clauses_or_limits_out_of_range)
{
    cbrx_program x;
    load_x(&x);
    uint32_t b = offer_named(&x, "b");
    x.offers[b].first_clause = x.nclauses + 1;
    ck_verify_refuses(&x, fmt("offer %u (\"b\"): clauses or limits out of range", b));
    load_x(&x);
    x.offers[b].nclauses = x.nclauses - x.offers[b].first_clause + 1;
    ck_verify_refuses(&x, fmt("offer %u (\"b\"): clauses or limits out of range", b));
    load_x(&x);
    uint32_t m = offer_named(&x, "m");
    x.offers[m].nlimits = UINT32_MAX;
    ck_verify_refuses(&x, fmt("offer %u (\"m\"): clauses or limits out of range", m));
    load_x(&x);
    x.offers[m].first_limit = 1; /* two limits from 1 of 2 */
    ck_verify_refuses(&x, fmt("offer %u (\"m\"): clauses or limits out of range", m));
}
END_TEST

START_TEST(offers_code_ranges_overlap_or_leave_gaps)
{
    cbrx_program x;
    load_x(&x);
    const cbrx_offer *o = &x.offers[1];
    uint32_t code = o->code, ncode = o->ncode;
    const char *id = cbrx_str(&x, o->id);
    x.offers[1].code = code - 1; /* overlaps offer 0 */
    ck_verify_refuses(&x, fmt("offer 1 (\"%s\"): code at %u+%u, expected to start at %u", id, code - 1,
                              ncode, code));
    load_x(&x);
    id = cbrx_str(&x, x.offers[1].id);
    x.offers[1].code = code + 1; /* leaves a gap */
    x.offers[1].ncode = ncode - 1;
    ck_verify_refuses(&x, fmt("offer 1 (\"%s\"): code at %u+%u, expected to start at %u", id, code + 1,
                              ncode - 1, code));
    load_x(&x);
    uint32_t last = x.noffers - 1;
    x.offers[last].ncode++; /* past the end of the code */
    ck_verify_refuses(&x, fmt("offer %u (\"%s\"): code at %u+%u, expected to start at %u", last,
                              cbrx_str(&x, x.offers[last].id), x.offers[last].code,
                              x.offers[last].ncode, x.offers[last].code));
}
END_TEST

/* Conditions are only read by explain and coverage, but they index code,
 * clauses and strings, so each index is checked like any other. */
START_TEST(offers_conditions_are_checked)
{
    cbrx_program x;
    load_x(&x);
    uint32_t b = offer_named(&x, "b");
    const cbrx_offer *o = &x.offers[b];
    ck_assert_uint_gt(o->nconds, 0);
    uint32_t c = o->first_cond;
    const char *bad = fmt("offer %u (\"b\"): condition %u has bad code, clause or text", b, c);
    x.conds[c].code = o->code - 1; /* before the offer's code */
    ck_verify_refuses(&x, bad);
    load_x(&x);
    x.conds[c].ncode = 0;
    ck_verify_refuses(&x, bad);
    load_x(&x);
    x.conds[c].ncode = UINT32_MAX; /* past the offer's code, without wrapping */
    ck_verify_refuses(&x, bad);
    load_x(&x);
    x.conds[c].clause = x.offers[offer_named(&x, "a")].first_clause;
    ck_verify_refuses(&x, bad);
    load_x(&x);
    x.conds[c].text = x.nstrings;
    ck_verify_refuses(&x, bad);
    load_x(&x);
    x.conds[c].file = x.nstrings + 7;
    ck_verify_refuses(&x, bad);
    load_x(&x);
    x.offers[b].first_cond++;
    ck_verify_refuses(&x, fmt("offer %u (\"b\"): conditions at %u+%u, expected to start at %u", b, c + 1,
                              x.offers[b].nconds, c));
    load_x(&x);
    x.nconds = 0;
    ck_verify_refuses(&x, "conditions at");
    load_x(&x);
    x.offers[x.noffers - 1].nconds = 0;
    ck_verify_refuses(&x, "conditions belong to no offer");
}
END_TEST

START_TEST(offers_instructions_of_no_offer)
{
    cbrx_program x;
    load_x(&x);
    cbrx_insn *c = cbrx_realloc(&x, x.code, (x.ncode + 2) * sizeof *c);
    ck_assert_ptr_nonnull(c);
    x.code = c;
    c[x.ncode] = ZERO_INSN;
    c[x.ncode].op = XOP_NONE;
    c[x.ncode + 1] = c[x.ncode];
    x.ncode += 2;
    ck_verify_refuses(&x, "2 instructions belong to no offer");
    load_x(&x);
    x.noffers--; /* the last offer's code belongs to nobody */
    ck_verify_refuses(&x, "instructions belong to no offer");
}
END_TEST

/* ============================ instructions ============================ */

START_TEST(code_unknown_opcode)
{
    uint16_t ops[] = {XOP_COUNT, XOP_COUNT + 1, 0xffff};
    for (size_t i = 0; i < 3; i++) {
        cbrx_program x;
        load_x(&x);
        uint32_t b = offer_named(&x, "b");
        uint32_t pc = find_op(&x, b, XOP_DIV, 0);
        x.code[pc].op = ops[i];
        ck_verify_refuses(&x, fmt("offer %u (\"b\"), instruction %u (?): unknown opcode %u", b,
                                  pc - x.offers[b].code, ops[i]));
    }
}
END_TEST

START_TEST(code_register_out_of_range)
{
    cbrx_program x;
    load_x(&x);
    uint32_t b = offer_named(&x, "b");
    uint32_t pc = find_load(&x, b, XF_AMOUNT);
    uint16_t n = (uint16_t)x.nregs;
    x.code[pc].d = n;
    ck_verify_refuses(&x, fmt("(LOAD): register r%u does not exist (%u registers)", n, n));
    load_x(&x);
    pc = find_op(&x, b, XOP_DIV, 0);
    x.code[pc].b = 0xffff;
    ck_verify_refuses(&x, fmt("(DIV): register r65535 does not exist (%u registers)", n));
    load_x(&x);
    pc = find_op(&x, offer_named(&x, "a"), XOP_FCMPK, 0);
    x.code[pc].a = n;
    ck_verify_refuses(&x, fmt("(FCMPK): register r%u does not exist", n));
}
END_TEST

START_TEST(code_read_before_write)
{
    cbrx_program x;
    load_x(&x);
    uint32_t b = offer_named(&x, "b");
    uint32_t pc = find_op(&x, b, XOP_DIV, 0);
    uint16_t d = x.code[pc].d;
    ck_assert(!written_before(&x, b, pc, d));
    x.code[pc].a = d; /* reads its own result */
    ck_verify_refuses(&x, fmt("offer %u (\"b\"), instruction %u (DIV): reads register r%u before writing it",
                              b, pc - x.offers[b].code, d));
}
END_TEST

START_TEST(code_read_of_another_offers_register)
{
    cbrx_program x;
    load_x(&x);
    uint32_t a = offer_named(&x, "a"), b = offer_named(&x, "b");
    uint16_t tier = x.code[find_load(&x, a, field_named(&x, "tier"))].d; /* written in "a" only */
    uint32_t pc = find_op(&x, b, XOP_LEN, 0);
    ck_assert(!written_before(&x, b, pc, tier));
    x.code[pc].a = tier;
    ck_verify_refuses(&x, fmt("(LEN): reads register r%u before writing it", tier));
}
END_TEST

START_TEST(code_string_into_arithmetic)
{
    cbrx_program x;
    load_x(&x);
    uint32_t m = offer_named(&x, "m");
    uint16_t cur = x.code[find_load(&x, m, XF_CURRENCY)].d;
    uint32_t pc = find_op(&x, m, XOP_ADD, 0);
    x.code[pc].b = cur;
    ck_verify_refuses(&x, fmt("(ADD): register r%u is string, expected a number", cur));
    load_x(&x);
    pc = find_op(&x, m, XOP_MUL, 0);
    x.code[pc].a = cur;
    ck_verify_refuses(&x, fmt("(MUL): register r%u is string, expected a number", cur));
}
END_TEST

START_TEST(code_non_bool_into_fbool)
{
    cbrx_program x;
    load_x(&x);
    uint32_t m = offer_named(&x, "m");
    uint32_t pc = find_op(&x, m, XOP_FBOOL, 0);
    uint16_t mcc = x.code[find_load(&x, m, XF_MCC)].d;
    ck_assert(written_before(&x, m, pc, mcc));
    x.code[pc].a = mcc;
    ck_verify_refuses(&x, fmt("(FBOOL): register r%u is int, expected bool", mcc));
}
END_TEST

START_TEST(code_wrong_result_scale)
{
    cbrx_program x;
    load_x(&x);
    uint32_t b = offer_named(&x, "b"), m = offer_named(&x, "m");
    uint16_t m6 = x.code[find_op(&x, b, XOP_DIV, 0)].d; /* money, scale 6 */
    uint16_t i0 = x.code[find_op(&x, b, XOP_LEN, 0)].d; /* int */
    ck_reg(&x, m6, X_MONEY, 6);
    ck_reg(&x, i0, X_INT, 0);
    x.code[find_op(&x, m, XOP_ADD, 0)].d = m6;
    ck_verify_refuses(&x, "(ADD): result scale 6 does not follow from scales 4 and 0");
    load_x(&x);
    x.code[find_op(&x, m, XOP_MUL, 0)].d = m6;
    ck_verify_refuses(&x, "(MUL): result scale 6 does not follow from scales 4 and 0");
    load_x(&x);
    x.code[find_op(&x, b, XOP_DIV, 0)].d = i0;
    ck_verify_refuses(&x, "(DIV): result scale 0 does not follow from scales 4 and 0");
    /* money 18 = money 4 / decimal 9 would need 10^23 */
    load_x(&x);
    x.regs[m6].scale = 18;
    uint32_t pc = find_op(&x, b, XOP_DIV, 0);
    uint16_t dv = x.code[pc].b;
    x.regs[dv].type = X_DECIMAL;
    x.regs[dv].scale = 9;
    ck_verify_refuses(&x, "(DIV): result scale 18 does not follow from scales 4 and 9");
    load_x(&x);
    x.code[find_op(&x, m, XOP_MAX, 0)].d = m6;
    ck_verify_refuses(&x, "(MAX): result scale 6 does not follow from scales 4 and 0");
}
END_TEST

START_TEST(code_load_field_out_of_range)
{
    cbrx_program x;
    load_x(&x);
    uint32_t pc = find_load(&x, offer_named(&x, "b"), XF_AMOUNT);
    x.code[pc].k = x.nfields;
    ck_verify_refuses(&x, fmt("(LOAD): field %u does not exist (%u fields)", x.nfields, x.nfields));
    load_x(&x);
    x.code[pc].k = UINT32_MAX;
    ck_verify_refuses(&x, fmt("(LOAD): field %u does not exist", UINT32_MAX));
}
END_TEST

START_TEST(code_load_into_register_of_another_type)
{
    cbrx_program x;
    load_x(&x);
    uint32_t b = offer_named(&x, "b");
    uint32_t pc = find_load(&x, b, XF_AMOUNT);
    uint16_t r = x.code[pc].d;
    x.code[pc].k = XF_MERCHANT;
    ck_verify_refuses(&x, fmt("(LOAD): register r%u is money, expected string", r));
    load_x(&x);
    x.code[pc].k = XF_WEEKDAY;
    ck_verify_refuses(&x, fmt("(LOAD): register r%u is money, expected weekday", r));
    /* the right type at the wrong scale */
    load_x(&x);
    uint16_t m6 = x.code[find_op(&x, b, XOP_DIV, 0)].d;
    x.code[pc].d = m6;
    ck_verify_refuses(&x, fmt("(LOAD): register r%u has scale 6, the field 4", m6));
}
END_TEST

START_TEST(code_constant_out_of_range)
{
    cbrx_program x;
    load_x(&x);
    uint32_t b = offer_named(&x, "b");
    uint32_t pc = find_op(&x, b, XOP_CONST, 0);
    x.code[pc].k = x.nconsts;
    ck_verify_refuses(&x, fmt("(CONST): constant %u does not exist (%u constants)", x.nconsts, x.nconsts));
    load_x(&x);
    pc = find_op(&x, b, XOP_FCMPK, 0);
    x.code[pc].k = UINT32_MAX;
    ck_verify_refuses(&x, fmt("(FCMPK): constant %u does not exist", UINT32_MAX));
}
END_TEST

START_TEST(code_string_constant_not_a_string)
{
    cbrx_program x;
    load_x(&x);
    uint32_t m = offer_named(&x, "m");
    uint32_t pc = find_op(&x, m, XOP_CONTAINS, 0);
    /* the CONST that makes its needle, "z" */
    uint32_t at = CBRX_NONE;
    for (uint32_t i = x.offers[m].code; i < pc; i++)
        if (x.code[i].op == XOP_CONST && x.code[i].d == x.code[pc].b)
            at = i;
    ck_assert_uint_ne(at, CBRX_NONE);
    ck_reg(&x, x.code[at].d, X_STRING, 0);
    /* made to read the instant constant of min(timestamp, ...) instead */
    uint32_t k = CBRX_NONE;
    for (uint32_t i = x.offers[m].code; i < x.offers[m].code + x.offers[m].ncode; i++)
        if (x.code[i].op == XOP_CONST && x.regs[x.code[i].d].type == X_INSTANT)
            k = x.code[i].k;
    ck_assert_uint_ne(k, CBRX_NONE);
    ck_assert_int_ge(x.consts[k], x.nstrings);
    x.code[at].k = k;
    ck_verify_refuses(&x, fmt("(CONST): constant %u is not a string index", k));
}
END_TEST

START_TEST(code_set_out_of_range)
{
    cbrx_program x;
    load_x(&x);
    uint32_t pc = find_op(&x, offer_named(&x, "a"), XOP_FIN, 0);
    x.code[pc].k = x.nsets;
    ck_verify_refuses(&x, fmt("(FIN): set %u does not exist (%u sets)", x.nsets, x.nsets));
}
END_TEST

START_TEST(code_reward_of_another_offers_clause)
{
    cbrx_program x;
    load_x(&x);
    uint32_t b = offer_named(&x, "b");
    uint32_t pc = find_op(&x, b, XOP_REWARD, 0);
    uint32_t other = x.offers[offer_named(&x, "a")].first_clause;
    x.code[pc].k = other;
    ck_verify_refuses(&x, fmt("(REWARD): clause %u is not one of this offer's", other));
    load_x(&x);
    x.code[pc].k = x.nclauses;
    ck_verify_refuses(&x, fmt("(REWARD): clause %u is not one of this offer's", x.nclauses));
    load_x(&x);
    x.code[pc].k = UINT32_MAX;
    ck_verify_refuses(&x, fmt("(REWARD): clause %u is not one of this offer's", UINT32_MAX));
}
END_TEST

START_TEST(code_selection_used_without_push)
{
    uint16_t ops[] = {XOP_POP, XOP_ORNEXT, XOP_OREND, XOP_RESTORE, XOP_NEXTCLAUSE};
    for (size_t i = 0; i < 5; i++) {
        cbrx_program x;
        load_x(&x);
        uint32_t b = offer_named(&x, "b");
        uint32_t pc = find_op(&x, b, XOP_FCMPK, 1);
        x.code[pc] = ZERO_INSN;
        x.code[pc].op = ops[i];
        ck_verify_refuses(&x, fmt("offer %u (\"b\"), instruction %u (%s): no saved selection to use", b,
                                  pc - x.offers[b].code, cbrx_opname(ops[i])));
    }
}
END_TEST

START_TEST(code_push_left_open)
{
    cbrx_program x;
    load_x(&x);
    uint32_t b = offer_named(&x, "b");
    uint32_t pc = find_op(&x, b, XOP_FCMPK, 1);
    x.code[pc] = ZERO_INSN;
    x.code[pc].op = XOP_PUSH;
    ck_verify_refuses(&x, fmt("offer %u (\"b\"): 1 saved selections left at the end", b));
    load_x(&x);
    uint32_t a = offer_named(&x, "a");
    pc = find_op(&x, a, XOP_OREND, 0);
    x.code[pc].op = XOP_ORNEXT; /* the `or` never ends */
    ck_verify_refuses(&x, fmt("offer %u (\"a\"): 1 saved selections left at the end", a));
}
END_TEST

START_TEST(code_selection_deeper_than_declared)
{
    cbrx_program x;
    load_x(&x);
    ck_assert_uint_eq(x.max_depth, 1);
    x.max_depth = 0;
    ck_verify_refuses(&x, "(PUSH): the selection stack grows past the declared depth 0");
    load_x(&x);
    uint32_t m = offer_named(&x, "m");
    uint32_t pc = find_op(&x, m, XOP_FCMPK, 2); /* inside the first clause's PUSH */
    ck_assert_uint_gt(pc, find_op(&x, m, XOP_PUSH, 0));
    x.code[pc] = ZERO_INSN;
    x.code[pc].op = XOP_PUSH;
    ck_verify_refuses(&x, "(PUSH): the selection stack grows past the declared depth 1");
}
END_TEST

START_TEST(code_unused_operand_not_zero)
{
    cbrx_program x;
    load_x(&x);
    uint32_t a = offer_named(&x, "a"), b = offer_named(&x, "b");
    x.code[find_op(&x, a, XOP_PUSH, 0)].k = 1;
    ck_verify_refuses(&x, "(PUSH): an unused operand is not zero");
    load_x(&x);
    x.code[find_load(&x, b, XF_AMOUNT)].a = 1;
    ck_verify_refuses(&x, "(LOAD): an unused operand is not zero");
    load_x(&x);
    x.code[find_op(&x, b, XOP_REWARD, 0)].d = 1;
    ck_verify_refuses(&x, "(REWARD): an unused operand is not zero");
    load_x(&x);
    x.code[find_op(&x, b, XOP_DIV, 0)].k = 7;
    ck_verify_refuses(&x, "(DIV): an unused operand is not zero");
    load_x(&x);
    x.code[find_op(&x, a, XOP_NEXTCLAUSE, 0)].b = 2;
    ck_verify_refuses(&x, "(NEXTCLAUSE): an unused operand is not zero");
}
END_TEST

START_TEST(code_ordering_of_strings_and_bools)
{
    cbrx_program x;
    load_x(&x);
    uint32_t a = offer_named(&x, "a"), m = offer_named(&x, "m");
    uint32_t pc = find_op(&x, a, XOP_FCMPK, 2); /* currency == "USD" */
    ck_reg(&x, x.code[pc].a, X_STRING, 0);
    x.code[pc].d = XF_MAKE(XC_LT, 1);
    ck_verify_refuses(&x, "(FCMPK): string values are not ordered");
    load_x(&x);
    pc = find_op(&x, m, XOP_FCMP, 0); /* bool == bool */
    ck_reg(&x, x.code[pc].a, X_BOOL, 0);
    x.code[pc].d = XF_MAKE(XC_GE, 0);
    ck_verify_refuses(&x, "(FCMP): bool values are not ordered");
}
END_TEST

START_TEST(code_incomparable_registers)
{
    cbrx_program x;
    load_x(&x);
    uint32_t m = offer_named(&x, "m");
    uint32_t pc = find_op(&x, m, XOP_FCMP, 0);
    uint16_t mcc = x.code[find_load(&x, m, XF_MCC)].d;
    uint16_t a = x.code[pc].a;
    x.code[pc].b = mcc;
    ck_verify_refuses(&x, fmt("(FCMP): cannot compare r%u (bool) with r%u (int)", a, mcc));
}
END_TEST

START_TEST(code_bad_filter_flags)
{
    cbrx_program x;
    load_x(&x);
    uint32_t m = offer_named(&x, "m");
    x.code[find_op(&x, m, XOP_FBOOL, 0)].d = 0x9; /* a comparison where none belongs */
    ck_verify_refuses(&x, "(FBOOL): bad flags 0x9");
    load_x(&x);
    x.code[find_op(&x, m, XOP_FNULL, 0)].d = 0x18;
    ck_verify_refuses(&x, "(FNULL): bad flags 0x18");
    load_x(&x);
    x.code[find_op(&x, m, XOP_FCMPK, 0)].d = 0x100;
    ck_verify_refuses(&x, "(FCMPK): bad flags 0x100");
    load_x(&x);
    x.code[find_op(&x, m, XOP_FIN, 0)].d = XF_MAKE(XC_EQ, 1) | 2;
    ck_verify_refuses(&x, "(FIN): bad flags 0xa");
}
END_TEST

START_TEST(code_unknown_comparison)
{
    cbrx_program x;
    load_x(&x);
    uint32_t m = offer_named(&x, "m");
    uint32_t pc = find_op(&x, m, XOP_FCMP, 0);
    x.code[pc].d = XF_MAKE(6, 1);
    ck_verify_refuses(&x, "(FCMP): unknown comparison 6");
    /* the same as a value: CMP into a bool register */
    load_x(&x);
    cbrx_insn in = x.code[pc];
    x.code[pc] = (cbrx_insn){XOP_CMP, x.code[find_op(&x, m, XOP_SETNULL, 1)].d, in.a, in.b, 7};
    ck_verify_refuses(&x, "(CMP): unknown comparison 7");
}
END_TEST

/* FCMPK takes its comparison from the same 3 bits as FCMP, so codes 6 and 7
 * must be refused the same way. */
START_TEST(code_unknown_comparison_with_a_constant)
{
    cbrx_program x;
    load_x(&x);
    uint32_t b = offer_named(&x, "b");
    uint32_t pc = find_op(&x, b, XOP_FCMPK, 0); /* a money register > a constant */
    x.code[pc].d = XF_MAKE(6, 1);
    ck_verify_refuses(&x, "(FCMPK): unknown comparison 6");
}
END_TEST

START_TEST(code_round_scale_or_mode)
{
    cbrx_program x;
    load_x(&x);
    uint32_t m = offer_named(&x, "m");
    uint32_t pc = find_op(&x, m, XOP_ROUND, 0);
    x.code[pc].k = CBR_ROUND_CEIL + 1;
    ck_verify_refuses(&x, "(ROUND): bad scale or rounding mode");
    /* rounding to more digits than it has */
    load_x(&x);
    uint16_t d0 = x.code[find_op(&x, m, XOP_CONST, 0)].d;
    uint16_t d6 = x.code[find_op(&x, m, XOP_SUB, 0)].d;
    ck_reg(&x, d0, X_DECIMAL, 0);
    ck_reg(&x, d6, X_DECIMAL, 6);
    x.code[pc].a = d0;
    x.code[pc].d = d6;
    ck_verify_refuses(&x, "(ROUND): bad scale or rounding mode");
    /* NEG keeps its scale */
    load_x(&x);
    x.code[find_op(&x, m, XOP_NEG, 0)].d = d0;
    ck_verify_refuses(&x, "(NEG): bad scale or rounding mode");
}
END_TEST

START_TEST(code_mark)
{
    cbrx_program x;
    load_x(&x);
    uint32_t m = offer_named(&x, "m");
    uint32_t pc = find_op(&x, m, XOP_MARK, 0);
    x.code[pc].k = 2;
    ck_verify_refuses(&x, "(MARK): marks a bool with 2");
    load_x(&x);
    uint16_t amount = x.code[find_load(&x, m, XF_AMOUNT)].d;
    x.code[pc].d = amount; /* written, but money */
    ck_verify_refuses(&x, fmt("(MARK): register r%u is money, expected bool", amount));
}
END_TEST

START_TEST(code_constm)
{
    cbrx_program x;
    load_x(&x);
    uint32_t m = offer_named(&x, "m");
    uint32_t a = offer_named(&x, "a");
    uint32_t pc = find_op(&x, m, XOP_CONST, 0); /* CONST r, 1 (decimal) */
    uint16_t d = x.code[pc].d;
    uint32_t kusd = x.code[find_op(&x, a, XOP_FCMPK, 2)].k;  /* currency == "USD" */
    uint32_t kgold = x.code[find_op(&x, a, XOP_FCMPK, 5)].k; /* tier == "gold" */
    uint32_t knum = 1; /* some constant after the first that is no string */
    while (knum < x.nconsts && x.consts[knum] < x.nstrings)
        knum++;
    ck_assert_int_eq(x.consts[kusd], string_named(&x, "USD"));
    ck_assert_int_eq(x.consts[kgold], string_named(&x, "gold"));
    ck_assert_msg(kusd > 0 && kgold > 0 && knum < x.nconsts, "USD %u, gold %u, number %u", kusd, kgold, knum);
    x.code[pc].op = XOP_CONSTM;
    x.code[pc].k = kusd - 1;
    ck_verify_refuses(&x, fmt("(CONSTM): register r%u is decimal, expected money", d));
    /* into money, but the currency is a string that is not one, or no string */
    load_x(&x);
    uint16_t money = x.code[find_op(&x, m, XOP_ADD, 0)].d;
    x.code[pc] = (cbrx_insn){XOP_CONSTM, money, 0, 0, kgold - 1};
    ck_verify_refuses(&x, fmt("(CONSTM): constant %u is not a currency code", kgold));
    load_x(&x);
    x.code[pc] = (cbrx_insn){XOP_CONSTM, money, 0, 0, knum - 1};
    ck_verify_refuses(&x, fmt("(CONSTM): constant %u is not a currency code", knum));
    /* the currency would be the constant after the last */
    load_x(&x);
    x.code[pc] = (cbrx_insn){XOP_CONSTM, money, 0, 0, x.nconsts - 1};
    ck_verify_refuses(&x, fmt("(CONSTM): constant %u does not exist", x.nconsts - 1));
}
END_TEST

START_TEST(code_text_operand_types)
{
    cbrx_program x;
    load_x(&x);
    uint32_t a = offer_named(&x, "a"), b = offer_named(&x, "b"), m = offer_named(&x, "m");
    uint16_t amount = x.code[find_load(&x, a, XF_AMOUNT)].d;
    uint32_t pc = find_op(&x, a, XOP_LOWER, 0);
    ck_assert(written_before(&x, a, pc, amount));
    x.code[pc].a = amount;
    ck_verify_refuses(&x, fmt("(LOWER): register r%u is money, expected string", amount));
    load_x(&x);
    uint16_t str = x.code[find_load(&x, b, XF_MERCHANT)].d;
    x.code[find_op(&x, b, XOP_LEN, 0)].d = str;
    ck_verify_refuses(&x, fmt("(LEN): register r%u is string, expected int", str));
    load_x(&x);
    uint16_t mcc = x.code[find_load(&x, m, XF_MCC)].d;
    x.code[find_op(&x, m, XOP_ENDS, 0)].d = mcc;
    ck_verify_refuses(&x, fmt("(ENDS): register r%u is int, expected bool", mcc));
}
END_TEST

START_TEST(code_min_max_of_mixed_types)
{
    cbrx_program x;
    load_x(&x);
    uint32_t m = offer_named(&x, "m");
    uint32_t pc = find_op(&x, m, XOP_MIN, 0); /* instants */
    uint16_t score = x.code[find_op(&x, m, XOP_NEG, 0)].a;
    ck_assert(written_before(&x, m, pc, score));
    x.code[pc].b = score;
    ck_verify_refuses(&x, "(MIN): min and max take numbers, dates or instants of one type");
    load_x(&x);
    uint16_t cur = x.code[find_load(&x, m, XF_CURRENCY)].d;
    x.code[pc].a = cur;
    x.code[pc].b = cur;
    x.code[pc].d = cur; /* strings have no order */
    ck_verify_refuses(&x, "(MIN): min and max take numbers, dates or instants of one type");
}
END_TEST

START_TEST(code_in_into_non_bool)
{
    cbrx_program x;
    load_x(&x);
    uint32_t a = offer_named(&x, "a");
    uint32_t pc = find_op(&x, a, XOP_FIN, 0);
    uint16_t s = x.code[pc].a;
    x.code[pc].op = XOP_IN;
    x.code[pc].d = s;
    ck_verify_refuses(&x, fmt("(IN): register r%u is string, expected bool", s));
}
END_TEST

/* ========= bundles the verifier accepts must run safely ========= */

/* ---- extern calls ---- */

/* A program calling `risk(string, int) -> decimal`, read into x. */
static void load_extern_x(cbrx_program *x)
{
    static const char src[] = "extern fn risk(string, int) -> decimal\n"
                              "when risk(merchant, mcc) < 0.5 then cashback 1%\n";
    cbr_compiler *c = t_compiler_new(NULL);
    ck_assert_int_eq(cbr_compiler_add_source(c, "e.cbr", src, strlen(src), NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_OK);
    cbr_program *p = NULL;
    cbr_error err;
    ck_assert_msg(cbr_compiler_program(c, &p, &err) == CBR_OK, "%s", err.message);
    void *data;
    size_t n;
    ck_assert_int_eq(cbr_program_save(p, &data, &n, &err), CBR_OK);
    cbr_config cfg = tracking_cfg();
    ck_assert_msg(cbrx_load(&cfg, data, n, x, &err), "%s", err.message);
    ck_assert_msg(cbrx_verify(x, &err), "the extern program: %s", err.message);
    cbr_free(data);
    cbr_program_free(p);
    cbr_compiler_free(c);
}

START_TEST(code_extern_calls_are_checked)
{
    cbrx_program x;
    load_extern_x(&x);
    uint32_t pc = find_op(&x, 0, XOP_CALL, 0);
    x.code[pc].b = 1;
    ck_verify_refuses(&x, "(CALL): extern 1 does not exist (1 externs)");
    load_extern_x(&x);
    x.code[pc].a = 1;
    ck_verify_refuses(&x, "(CALL): passes 1 arguments to a function of 2");
    load_extern_x(&x);
    x.code[pc].k = x.nconsts - 1;
    ck_verify_refuses(&x, "lies outside the constants");
    load_extern_x(&x);
    x.consts[x.code[pc].k] = 9999;
    ck_verify_refuses(&x, "(CALL): argument 1 is register 9999, which does not exist");
    load_extern_x(&x);
    int64_t t = x.consts[x.code[pc].k];
    x.consts[x.code[pc].k] = x.consts[x.code[pc].k + 1];
    x.consts[x.code[pc].k + 1] = t;
    ck_verify_refuses(&x, "(CALL): argument 1 is int, the function takes string");
    load_extern_x(&x);
    x.externs[0].ret = X_STRING;
    ck_verify_refuses(&x, "(CALL): register");
    load_extern_x(&x);
    x.externs[0].nparams = 17;
    ck_verify_refuses(&x, "extern 0: bad name or signature");
    load_extern_x(&x);
    x.externs[0].params[5] = X_INT;
    ck_verify_refuses(&x, "extern 0: bad name or signature");
    load_extern_x(&x);
    x.externs[0].name = x.nstrings;
    ck_verify_refuses(&x, "extern 0: bad name or signature");
}
END_TEST

static Suite *verify_suite(void)
{
    Suite *s = suite_create("verify");
    UNIT_TCASE(s, "bytes", bytes_empty_and_tiny_are_not_bundles, bytes_shorter_than_header,
               bytes_truncated_at_several_lengths, bytes_trailing_bytes, bytes_bad_magic,
               bytes_wrong_version, bytes_every_changed_byte_fails_the_checksum,
               bytes_wrong_total_length, bytes_bundle_over_the_size_limit);
    UNIT_TCASE(s, "externs", code_extern_calls_are_checked);
    UNIT_TCASE(s, "forged", forged_flags, forged_section_count, forged_length_of_a_truncated_bundle,
               forged_length_shorter_than_the_section_table,
               forged_section_id, forged_section_offset_out_of_bounds, forged_sections_overlap,
               forged_section_length_past_the_end, forged_section_with_trailing_bytes,
               forged_bytes_after_the_last_section, forged_section_shorter_than_its_count,
               forged_huge_counts_refused_without_big_allocations, forged_selection_depth,
               forged_externs_over_the_limit);
    UNIT_TCASE(s, "tables", tables_string_outside_the_bytes, tables_string_not_nul_terminated,
               tables_string_not_utf8, tables_set_outside_the_constants, tables_set_not_sorted,
               tables_field_count, tables_field_name_out_of_range, tables_standard_field_renamed,
               tables_standard_field_retyped, tables_declared_field_type, tables_field_scale_or_kind,
               tables_first_zone_not_utc, tables_zone_name_out_of_range, tables_campaign,
               tables_clause_reward, tables_limit, tables_register_type, tables_register_scale,
               tables_too_many_registers, tables_selection_depth, tables_section_limits);
    UNIT_TCASE(s, "offers", offers_strings, offers_campaign_out_of_range, offers_zone_rounding_budget,
               offers_clauses_or_limits_out_of_range, offers_code_ranges_overlap_or_leave_gaps,
               offers_instructions_of_no_offer, offers_conditions_are_checked);
    UNIT_TCASE(s, "code", code_unknown_opcode, code_register_out_of_range, code_read_before_write,
               code_read_of_another_offers_register, code_string_into_arithmetic,
               code_non_bool_into_fbool, code_wrong_result_scale, code_load_field_out_of_range,
               code_load_into_register_of_another_type, code_constant_out_of_range,
               code_string_constant_not_a_string, code_set_out_of_range,
               code_reward_of_another_offers_clause, code_selection_used_without_push,
               code_push_left_open, code_selection_deeper_than_declared,
               code_unused_operand_not_zero, code_ordering_of_strings_and_bools,
               code_incomparable_registers, code_bad_filter_flags, code_unknown_comparison,
               code_unknown_comparison_with_a_constant, code_round_scale_or_mode, code_mark,
               code_constm, code_text_operand_types, code_min_max_of_mixed_types,
               code_in_into_non_bool);
    return s;
}

UNIT_MAIN(verify_suite)
