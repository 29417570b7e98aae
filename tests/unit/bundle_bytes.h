/* bundle_bytes.h: reading and damaging the bytes of a bundle in the tests
 * of the bundle reader and the verifier (check_settlement_bundle.c,
 * check_rewards.c, check_best.c, check_tables.c): the header's section
 * table, little-endian fields, a bundle compiled from source, and the
 * assertion that a damaged bundle is refused with a message naming why. */
#ifndef CBR_TESTS_BUNDLE_BYTES_H
#define CBR_TESTS_BUNDLE_BYTES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/unit.h"

#if defined(__GNUC__)
#define BUNDLE_BYTES_UNUSED __attribute__((unused))
#else
#define BUNDLE_BYTES_UNUSED
#endif

#define HEADER 32 /* bytes of the bundle header; the section table follows */

BUNDLE_BYTES_UNUSED static void set16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

BUNDLE_BYTES_UNUSED static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

BUNDLE_BYTES_UNUSED static void set32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

BUNDLE_BYTES_UNUSED static size_t sec_off(const uint8_t *d, int id) { return get32(d + HEADER + (size_t)(id - 1) * 12 + 4); }
BUNDLE_BYTES_UNUSED static size_t sec_len(const uint8_t *d, int id) { return get32(d + HEADER + (size_t)(id - 1) * 12 + 8); }

/* The bundle of src, malloc'ed. */
BUNDLE_BYTES_UNUSED static uint8_t *bundle_of(const char *src, size_t *len)
{
    cbr_compiler *c = unit_compile(src);
    ck_assert_no_errors(c);
    cbr_program *p = NULL;
    cbr_error err;
    ck_assert_msg(cbr_compiler_program(c, &p, &err) == CBR_OK, "%s", err.message);
    void *d;
    ck_assert_msg(cbr_program_save(p, &d, len, &err) == CBR_OK, "%s", err.message);
    uint8_t *copy = malloc(*len);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, d, *len);
    cbr_free(d);
    cbr_program_free(p);
    cbr_compiler_free(c);
    return copy;
}

#define ck_refused(data_, len_, words_)                                                      \
    do {                                                                                     \
        cbr_error e_;                                                                        \
        memset(&e_, 0, sizeof e_);                                                           \
        cbr_program *p_ = NULL;                                                              \
        cbr_status st_ = cbr_program_load(NULL, (data_), (len_), &p_, &e_);                  \
        cbr_program_free(p_);                                                                \
        ck_assert_msg(st_ == CBR_ERR_BUNDLE, "expected a refusal with \"%s\", got %s: %s",    \
                      (words_), cbr_status_text(st_), e_.message);                           \
        ck_assert_msg(strstr(e_.message, (words_)) != NULL, "expected \"%s\" in: %s",         \
                      (words_), e_.message);                                                 \
    } while (0)

#endif
