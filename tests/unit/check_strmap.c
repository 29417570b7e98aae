/* check_strmap.c: the string-keyed table of the hosts (hosts/strmap.c):
 * keys are bytes (a NUL or nothing at all is a key like any other), an
 * entry keeps what was put in it through every growth, and going through
 * the slots meets each entry once. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "hosts/strmap.h"
#include "tests/unit/unit.h"

typedef struct ent {
    hsmap_key k;
    int v;
} ent;

START_TEST(entries_survive_growth_and_are_met_once)
{
    hsmap m;
    hsmap_init(&m, sizeof(ent), 4);
    ck_assert_ptr_null(hsmap_find(&m, "x", 1));
    enum { N = 5000 };
    char key[32];
    for (int i = 0; i < N; i++) {
        int n = snprintf(key, sizeof key, "k%d", i);
        bool added = false;
        ent *e = hsmap_get(&m, key, (size_t)n, &added);
        ck_assert_ptr_nonnull(e);
        ck_assert(added);
        ck_assert_int_eq(e->v, 0); /* the rest of a new entry is zero */
        e->v = i + 1;
    }
    ck_assert_uint_eq(m.n, N);
    ck_assert_uint_le(2 * m.n, m.cap); /* at most half full */
    for (int i = 0; i < N; i++) {
        int n = snprintf(key, sizeof key, "k%d", i);
        bool added = true;
        ent *e = hsmap_get(&m, key, (size_t)n, &added);
        ck_assert(!added);
        ck_assert_int_eq(e->v, i + 1);
        ck_assert_ptr_eq(hsmap_find(&m, key, (size_t)n), e);
    }
    ck_assert_ptr_null(hsmap_find(&m, "k5000", 5));
    ck_assert_ptr_null(hsmap_find(&m, "k1", 1)); /* a prefix is another key */
    long sum = 0;
    size_t seen = 0;
    for (size_t i = 0; i < m.cap; i++) {
        ent *e = hsmap_slot(&m, i);
        if (e->k.key) {
            seen++;
            sum += e->v;
        }
    }
    ck_assert_uint_eq(seen, N);
    ck_assert_int_eq(sum, (long)N * (N + 1) / 2);
    hsmap_clear(&m);
    ck_assert_uint_eq(m.n, 0);
    ck_assert_ptr_null(hsmap_find(&m, "k1", 2));
    /* Cleared, it is an empty table of the same entries. */
    ck_assert_ptr_nonnull(hsmap_get(&m, "again", 5, NULL));
    ck_assert_uint_eq(m.n, 1);
    hsmap_clear(&m);
}
END_TEST

START_TEST(keys_are_bytes)
{
    hsmap m;
    hsmap_init(&m, sizeof(ent), 8);
    ent *a = hsmap_get(&m, "a\0b", 3, NULL), *b = hsmap_get(&m, "a\0c", 3, NULL), *z = hsmap_get(&m, "", 0, NULL);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(z);
    a->v = 1;
    b->v = 2;
    z->v = 3;
    ck_assert_int_eq(((ent *)hsmap_find(&m, "a\0b", 3))->v, 1);
    ck_assert_int_eq(((ent *)hsmap_find(&m, "a\0c", 3))->v, 2);
    ck_assert_int_eq(((ent *)hsmap_find(&m, "", 0))->v, 3);
    ck_assert_ptr_null(hsmap_find(&m, "a", 1));
    ck_assert_uint_eq(m.n, 3);
    hsmap_clear(&m);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("strmap");
    TCase *t = tcase_create("table");
    tcase_add_test(t, entries_survive_growth_and_are_met_once);
    tcase_add_test(t, keys_are_bytes);
    suite_add_tcase(s, t);
    return s;
}

UNIT_MAIN(make_suite)
