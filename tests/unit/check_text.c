/* check_text.c: stdlib/text, the string rules of the language: NFC for `==`,
 * NFKC + full case folding for `~=` and casefold(), lower(), upper() and len().
 * Language reference: CONTRACT.md, strings. */
#include "config.h"
#include "tests/unit/unit.h"
#include "stdlib/text.h"

typedef bool (*text_fn)(const char *, size_t, cbrtext_buf *);

/* f(in) equals want, byte for byte. */
#define ck_assert_text(f, in, want)                                                         \
    do {                                                                                    \
        cbrtext_buf b_;                                                                     \
        const char *in_ = (in), *want_ = (want);                                            \
        ck_assert_msg((f)(in_, strlen(in_), &b_), "%s(\"%s\") failed", #f, in_);              \
        ck_assert_msg(b_.n == strlen(want_) && memcmp(b_.p, want_, b_.n) == 0,              \
                      "%s(\"%s\") is \"%.*s\", expected \"%s\"", #f, in_, (int)b_.n, b_.p,  \
                      want_);                                                               \
        cbrtext_buf_free(&b_);                                                              \
    } while (0)

/* f(a) and f(b) are equal (eq) or differ (!eq). */
static bool same_under(text_fn f, const char *a, const char *b)
{
    cbrtext_buf x, y;
    ck_assert(f(a, strlen(a), &x));
    ck_assert(f(b, strlen(b), &y));
    bool eq = x.n == y.n && memcmp(x.p, y.p, x.n) == 0;
    cbrtext_buf_free(&x);
    cbrtext_buf_free(&y);
    return eq;
}

/* ---- ASCII fast paths ---- */

START_TEST(ascii_fast_paths)
{
    ck_assert_text(cbrtext_nfc, "Merchant X-42", "Merchant X-42");
    ck_assert_text(cbrtext_fold, "Merchant X-42 @[]`{}", "merchant x-42 @[]`{}");
    ck_assert_text(cbrtext_lower, "ABC xyz 09", "abc xyz 09");
    ck_assert_text(cbrtext_upper, "abc XYZ 09", "ABC XYZ 09");
    ck_assert_uint_eq(cbrtext_len("hello", 5), 5);
}
END_TEST

START_TEST(empty_string)
{
    cbrtext_buf b;
    ck_assert(cbrtext_nfc("", 0, &b));
    ck_assert_uint_eq(b.n, 0);
    cbrtext_buf_free(&b);
    ck_assert(cbrtext_fold("", 0, &b));
    ck_assert_uint_eq(b.n, 0);
    cbrtext_buf_free(&b);
    ck_assert_uint_eq(cbrtext_len("", 0), 0);
}
END_TEST

START_TEST(ascii_fold_is_exact)
{
    /* The fast path must agree with libunistring: append one non-ASCII
     * character so the slow path runs, and compare the ASCII prefix. */
    char in[130];
    size_t k = 0;
    for (int c = 1; c < 128; c++)
        in[k++] = (char)c;
    in[k] = '\xc3', in[k + 1] = '\xa9'; /* é */
    cbrtext_buf fast, slow;
    ck_assert(cbrtext_fold(in, k, &fast));
    ck_assert(cbrtext_fold(in, k + 2, &slow));
    ck_assert_uint_eq(slow.n, fast.n + 2);
    ck_assert_mem_eq(slow.p, fast.p, fast.n);
    cbrtext_buf_free(&fast);
    cbrtext_buf_free(&slow);
}
END_TEST

/* ---- NFC ---- */

START_TEST(nfc_composes)
{
    ck_assert_text(cbrtext_nfc, "Cafe\xcc\x81", "Caf\xc3\xa9");
    ck_assert_text(cbrtext_nfc, "Caf\xc3\xa9", "Caf\xc3\xa9");
    ck_assert_text(cbrtext_nfc, "A\xcc\x8a", "\xc3\x85");     /* A + ring -> Å */
    ck_assert_text(cbrtext_nfc, "\xe2\x84\xab", "\xc3\x85");  /* Ångström sign -> Å */
    /* NFC keeps compatibility characters: full-width M and the ligature fi. */
    ck_assert_text(cbrtext_nfc, "\xef\xbc\xad\xef\xac\x81", "\xef\xbc\xad\xef\xac\x81");
}
END_TEST

/* The batch's path: text already checked is composed the same, without a
 * second check. */
START_TEST(nfc_of_checked_text)
{
    ck_assert_text(cbrtext_nfc_valid, "Cafe\xcc\x81", "Caf\xc3\xa9");
    ck_assert_text(cbrtext_nfc_valid, "\xe2\x84\xab", "\xc3\x85");
    ck_assert(same_under(cbrtext_nfc_valid, "A\xcc\x8a", "\xc3\x85"));
}
END_TEST

/* ---- folding (~=, casefold) ---- */

START_TEST(fold_case_and_accents)
{
    ck_assert(same_under(cbrtext_fold, "CAF\xc3\x89", "caf\xc3\xa9"));
    ck_assert(same_under(cbrtext_fold, "CAFE\xcc\x81", "caf\xc3\xa9"));
    ck_assert_text(cbrtext_fold, "CAF\xc3\x89", "caf\xc3\xa9");
    ck_assert(!same_under(cbrtext_fold, "caf\xc3\xa9", "cafe"));
}
END_TEST

START_TEST(fold_full_width)
{
    ck_assert_text(cbrtext_fold,
                   "\xef\xbc\xad\xef\xbc\xa5\xef\xbc\xb2\xef\xbc\xa3\xef\xbc\xa8\xef\xbc\xa1"
                   "\xef\xbc\xae\xef\xbc\xb4",
                   "merchant");
    ck_assert_text(cbrtext_fold, "\xef\xac\x81", "fi"); /* ligature fi */
}
END_TEST

START_TEST(fold_angstrom_and_kelvin)
{
    const char *angstrom = "\xe2\x84\xab", *a_ring = "\xc3\x85", *a_comb = "A\xcc\x8a";
    ck_assert_text(cbrtext_fold, angstrom, "\xc3\xa5");
    ck_assert_text(cbrtext_fold, a_ring, "\xc3\xa5");
    ck_assert_text(cbrtext_fold, a_comb, "\xc3\xa5");
    ck_assert(same_under(cbrtext_fold, angstrom, a_ring));
    ck_assert(same_under(cbrtext_fold, a_ring, a_comb));
    ck_assert_text(cbrtext_fold, "\xe2\x84\xaa", "k"); /* Kelvin sign */
}
END_TEST

START_TEST(fold_sharp_s)
{
    ck_assert_text(cbrtext_fold, "stra\xc3\x9f" "e", "strasse");
    ck_assert(same_under(cbrtext_fold, "stra\xc3\x9f" "e", "STRASSE"));
}
END_TEST

START_TEST(fold_dotted_capital_i)
{
    /* Documented choice: U+0130 folds to i + U+0307, so it does not match i. */
    ck_assert_text(cbrtext_fold, "\xc4\xb0", "i\xcc\x87");
    ck_assert(!same_under(cbrtext_fold, "\xc4\xb0", "i"));
}
END_TEST

/* ---- lower, upper ---- */

START_TEST(upper_sharp_s)
{
    ck_assert_text(cbrtext_upper, "stra\xc3\x9f" "e", "STRASSE");
    ck_assert_text(cbrtext_upper, "caf\xc3\xa9", "CAF\xc3\x89");
    ck_assert_text(cbrtext_lower, "CAF\xc3\x89", "caf\xc3\xa9");
}
END_TEST

START_TEST(lower_upper_keep_nfc)
{
    ck_assert_text(cbrtext_lower, "CAFE\xcc\x81", "caf\xc3\xa9");
    ck_assert_text(cbrtext_upper, "cafe\xcc\x81", "CAF\xc3\x89");
    ck_assert_text(cbrtext_upper, "a\xcc\x8a", "\xc3\x85");
    /* Unlike fold, lower keeps compatibility characters. */
    ck_assert_text(cbrtext_lower, "\xef\xbc\xad", "\xef\xbd\x8d"); /* full-width M -> m */
}
END_TEST

/* ---- len ---- */

START_TEST(len_counts_nfc_code_points)
{
    ck_assert_uint_eq(cbrtext_len("e\xcc\x81", 3), 1);
    ck_assert_uint_eq(cbrtext_len("Caf\xc3\xa9", 5), 4);
    ck_assert_uint_eq(cbrtext_len("Cafe\xcc\x81", 6), 4);
    /* Code points, not grapheme clusters: man ZWJ woman ZWJ girl is 5. */
    const char *family = "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7";
    ck_assert_uint_eq(cbrtext_len(family, strlen(family)), 5);
}
END_TEST

/* ---- invalid UTF-8 ---- */

START_TEST(invalid_utf8_rejected)
{
    static const char *const bad[] = {"\xff", "a\xed\xa0\x80" "b", "caf\xc3", "\xc0\xaf",
                                      "\xf4\x90\x80\x80"};
    static const text_fn fns[] = {cbrtext_nfc, cbrtext_fold, cbrtext_lower, cbrtext_upper};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        for (size_t j = 0; j < sizeof fns / sizeof fns[0]; j++) {
            cbrtext_buf b;
            ck_assert_msg(!fns[j](bad[i], strlen(bad[i]), &b), "input %zu, function %zu accepted", i,
                          j);
            ck_assert_uint_eq(b.n, 0);
            cbrtext_buf_free(&b); /* safe after failure */
        }
}
END_TEST

/* ---- buffers ---- */

START_TEST(long_strings_use_the_heap)
{
    enum { N = 1000 };
    char in[2 * N + 1];
    /* ASCII: fast path, result longer than the local buffer. */
    memset(in, 'A', N);
    cbrtext_buf b;
    ck_assert(cbrtext_fold(in, N, &b));
    ck_assert_ptr_ne(b.p, b.local);
    ck_assert_uint_eq(b.n, N);
    for (size_t i = 0; i < N; i++)
        ck_assert_int_eq(b.p[i], 'a');
    cbrtext_buf_free(&b);
    ck_assert_ptr_eq(b.p, b.local);
    /* Non-ASCII: N copies of É through libunistring. */
    for (size_t i = 0; i < N; i++)
        in[2 * i] = '\xc3', in[2 * i + 1] = '\x89';
    text_fn fns[] = {cbrtext_nfc, cbrtext_fold, cbrtext_lower, cbrtext_upper};
    for (size_t j = 0; j < 4; j++) {
        ck_assert(fns[j](in, 2 * N, &b));
        ck_assert_ptr_ne(b.p, b.local);
        ck_assert_uint_eq(b.n, 2 * N);
        ck_assert_int_eq((unsigned char)b.p[0], 0xc3);
        cbrtext_buf_free(&b);
    }
    ck_assert_uint_eq(cbrtext_len(in, 2 * N), N);
    /* Short non-ASCII results stay in the local buffer. */
    ck_assert(cbrtext_fold("CAF\xc3\x89", 5, &b));
    ck_assert_ptr_eq(b.p, b.local);
    cbrtext_buf_free(&b);
}
END_TEST

static Suite *text_suite(void)
{
    Suite *s = suite_create("text");
    UNIT_TCASE(s, "ascii", ascii_fast_paths, empty_string, ascii_fold_is_exact);
    UNIT_TCASE(s, "nfc", nfc_composes);
    UNIT_TCASE(s, "nfc of checked text", nfc_of_checked_text);
    UNIT_TCASE(s, "fold", fold_case_and_accents, fold_full_width, fold_angstrom_and_kelvin,
               fold_sharp_s, fold_dotted_capital_i);
    UNIT_TCASE(s, "case", upper_sharp_s, lower_upper_keep_nfc);
    UNIT_TCASE(s, "len", len_counts_nfc_code_points);
    UNIT_TCASE(s, "invalid", invalid_utf8_rejected);
    UNIT_TCASE(s, "buffers", long_strings_use_the_heap);
    return s;
}

UNIT_MAIN(text_suite)
