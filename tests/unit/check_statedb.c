/* check_statedb.c: the SQLite state of `cbrc run --state` (hosts/statedb.c)
 * through its store: what a commit keeps, what a close without one drops,
 * a second writer refused, an older text state converted, retention, and a
 * file that was never written read as empty. */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hosts/statedb.h"
#include "tests/unit/unit.h"

/* What statedb.c takes from the rest of cbrc. */
const char *cbrc_prog = "check_statedb";

unsigned char *cbrc_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = malloc(1 << 16);
    *len = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    if (buf)
        buf[*len] = 0;
    fclose(f);
    return buf;
}

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/check_statedb.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static const char *in_dir(const char *name)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static int64_t value_of(statedb *db, const char *key)
{
    int64_t v = -1;
    const cbr_store *s = statedb_store(db);
    ck_assert_int_eq(s->get(s->ud, key, strlen(key), &v), CBR_OK);
    return v;
}

static void add(statedb *db, const char *key, int64_t delta)
{
    const cbr_store *s = statedb_store(db);
    cbr_reservation r = {key, strlen(key), delta, INT64_MAX, 0};
    int granted = 0;
    ck_assert_int_eq(s->reserve(s->ud, &r, 1, &granted), CBR_OK);
    ck_assert_int_eq(granted, 1);
}

static void put_record(statedb *db, const char *key, const char *bytes, int64_t at)
{
    const cbr_store *s = statedb_store(db);
    ck_assert_int_eq(s->record_put(s->ud, key, strlen(key), bytes, strlen(bytes), INT64_MAX, at), CBR_OK);
}

static bool has_record(statedb *db, const char *key, const char *bytes)
{
    const cbr_store *s = statedb_store(db);
    const void *data = NULL;
    size_t n = 0;
    ck_assert_int_eq(s->record_get(s->ud, key, strlen(key), &data, &n), CBR_OK);
    return data && n == strlen(bytes) && !memcmp(data, bytes, n);
}

START_TEST(a_commit_keeps_counters_and_records)
{
    make_dir();
    statedb *db = statedb_open(in_dir("st.db"), STATEDB_RUN);
    ck_assert_ptr_nonnull(db);
    ck_assert_int_eq(value_of(db, "n|o|u1|-"), 0);
    add(db, "n|o|u1|-", 5);
    put_record(db, "l|t1", "record one", 1000);
    ck_assert(statedb_commit(db));
    statedb_close(db);

    db = statedb_open(in_dir("st.db"), STATEDB_READ);
    ck_assert_ptr_nonnull(db);
    ck_assert_int_eq(value_of(db, "n|o|u1|-"), 5);
    ck_assert(has_record(db, "l|t1", "record one"));
    ck_assert(!has_record(db, "l|t2", "x"));
    statedb_info info;
    ck_assert(statedb_info_of(db, &info));
    ck_assert_uint_eq(info.counters, 1);
    ck_assert_uint_eq(info.records, 1);
    ck_assert_uint_eq(info.pending, 0);
    ck_assert_int_eq(info.ledger_days, STATEDB_DEFAULT_LEDGER_DAYS);
    statedb_close(db);
    remove_dir();
}
END_TEST

START_TEST(a_close_without_commit_leaves_the_file_as_it_was)
{
    make_dir();
    statedb *db = statedb_open(in_dir("st.db"), STATEDB_RUN);
    add(db, "c|camp|USD", 100);
    ck_assert(statedb_commit(db));
    statedb_close(db);
    db = statedb_open(in_dir("st.db"), STATEDB_RUN);
    add(db, "c|camp|USD", 250);
    put_record(db, "l|t9", "never kept", 1);
    ck_assert_int_eq(value_of(db, "c|camp|USD"), 350);
    statedb_close(db); /* a failed run */
    db = statedb_open(in_dir("st.db"), STATEDB_READ);
    ck_assert_int_eq(value_of(db, "c|camp|USD"), 100);
    ck_assert(!has_record(db, "l|t9", "never kept"));
    statedb_close(db);
    remove_dir();
}
END_TEST

START_TEST(a_second_writer_is_refused_while_one_holds_the_file)
{
    make_dir();
    statedb *first = statedb_open(in_dir("st.db"), STATEDB_RUN);
    ck_assert_ptr_nonnull(first);
    ck_assert(statedb_commit(first)); /* the file and its tables exist */
    statedb_close(first);
    first = statedb_open(in_dir("st.db"), STATEDB_RUN);
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_null(statedb_open(in_dir("st.db"), STATEDB_RUN));
    ck_assert_ptr_null(statedb_open(in_dir("st.db"), STATEDB_VEST));
    statedb_close(first);
    statedb *again = statedb_open(in_dir("st.db"), STATEDB_RUN);
    ck_assert_ptr_nonnull(again);
    statedb_close(again);
    remove_dir();
}
END_TEST

START_TEST(an_older_text_state_is_converted_once)
{
    make_dir();
    FILE *f = fopen(in_dir("old"), "w");
    fputs("c|camp|USD\t700\nn|o|u1|-\t1\nn|o|u1|-\t2\n", f); /* a key twice adds up */
    fclose(f);
    statedb *db = statedb_open(in_dir("old"), STATEDB_RUN);
    ck_assert_ptr_nonnull(db);
    ck_assert_int_eq(value_of(db, "c|camp|USD"), 700);
    ck_assert_int_eq(value_of(db, "n|o|u1|-"), 3);
    statedb_close(db);
    struct stat sb;
    ck_assert_int_eq(stat(in_dir("old.txt"), &sb), 0);
    /* A second text state where the kept text would go is not overwritten. */
    f = fopen(in_dir("old2"), "w");
    fputs("k\t1\n", f);
    fclose(f);
    f = fopen(in_dir("old2.txt"), "w");
    fclose(f);
    ck_assert_ptr_null(statedb_open(in_dir("old2"), STATEDB_RUN));
    /* Bad text is refused, and nothing is converted. */
    f = fopen(in_dir("bad"), "w");
    fputs("k\t1\nk\t-5\n", f);
    fclose(f);
    ck_assert_ptr_null(statedb_open(in_dir("bad"), STATEDB_RUN));
    ck_assert_int_ne(stat(in_dir("bad.txt"), &sb), 0);
    /* explain never converts */
    ck_assert_ptr_null(statedb_open(in_dir("old2"), STATEDB_READ));
    remove_dir();
}
END_TEST

START_TEST(retention_drops_old_records_with_nothing_pending)
{
    make_dir();
    statedb *db = statedb_open(in_dir("st.db"), STATEDB_RUN);
    put_record(db, "l|old", "a", 0);
    put_record(db, "l|edge", "b", 9 * 86400);
    put_record(db, "l|new", "c", 10 * 86400);
    statedb_set_ledger_days(db, 1);
    ck_assert(statedb_commit(db));
    statedb_close(db);
    db = statedb_open(in_dir("st.db"), STATEDB_READ);
    ck_assert(!has_record(db, "l|old", "a"));
    ck_assert(has_record(db, "l|edge", "b")); /* exactly a day before the newest */
    ck_assert(has_record(db, "l|new", "c"));
    statedb_info info;
    ck_assert(statedb_info_of(db, &info));
    ck_assert_int_eq(info.ledger_days, 1); /* kept for the next run */
    statedb_close(db);
    remove_dir();
}
END_TEST

START_TEST(a_file_never_written_reads_as_empty)
{
    make_dir();
    FILE *f = fopen(in_dir("empty"), "w");
    fclose(f);
    statedb *db = statedb_open(in_dir("empty"), STATEDB_READ);
    ck_assert_ptr_nonnull(db);
    ck_assert_int_eq(value_of(db, "n|o|u1|-"), 0);
    ck_assert(!has_record(db, "l|t1", "x"));
    ck_assert(!statedb_commit(db)); /* read only */
    statedb_close(db);
    ck_assert_ptr_null(statedb_open(in_dir("missing"), STATEDB_VEST));
    remove_dir();
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("statedb");
    TCase *t = tcase_create("state");
    tcase_add_test(t, a_commit_keeps_counters_and_records);
    tcase_add_test(t, a_close_without_commit_leaves_the_file_as_it_was);
    tcase_add_test(t, a_second_writer_is_refused_while_one_holds_the_file);
    tcase_add_test(t, an_older_text_state_is_converted_once);
    tcase_add_test(t, retention_drops_old_records_with_nothing_pending);
    tcase_add_test(t, a_file_never_written_reads_as_empty);
    suite_add_tcase(s, t);
    return s;
}

UNIT_MAIN(make_suite)
