/* check_stream_records.c: cbr-stream's award ledger records
 * (hosts/stream/records.c, ledger.c, store.c) through the cbr_store the
 * evaluation uses: a record read from SQLite once per batch, a put kept
 * until the batch's transaction writes it, nothing written without it,
 * the batch's copies forgotten at the commit, the pending ones selected
 * by due moment, and retention. */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "hosts/stream/stream.h"
#include "tests/unit/unit.h"

static char dir[64], db[128];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/check_stream_records.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/state.db", dir);
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void put(cbr_store *s, const char *key, const char *bytes, int64_t due, int64_t at)
{
    ck_assert_int_eq(s->record_put(s->ud, key, strlen(key), bytes, strlen(bytes), due, at), CBR_OK);
}

/* The record under key as text ("" when there is none). */
static const char *get(cbr_store *s, const char *key)
{
    static char out[256];
    const void *data = NULL;
    size_t n = 0;
    ck_assert_int_eq(s->record_get(s->ud, key, strlen(key), &data, &n), CBR_OK);
    ck_assert_uint_lt(n, sizeof out);
    if (data)
        memcpy(out, data, n);
    out[data ? n : 0] = '\0';
    return out;
}

/* One batch's commit, as consume.c makes it. */
static void commit(stream_store *st, stream_ledger *l)
{
    ck_assert_int_eq(stream_store_begin(st), 0);
    ck_assert_int_eq(stream_store_put_ledger(st, l), 0);
    ck_assert_int_eq(stream_ledger_write_records(l), 0);
    ck_assert_int_eq(stream_store_commit(st), 0);
    stream_ledger_clean(l);
}

START_TEST(a_committed_record_is_read_back_by_the_next_batch_and_the_next_process)
{
    make_dir();
    stream_store *st = stream_store_open(db);
    ck_assert_ptr_nonnull(st);
    stream_ledger *l = stream_ledger_new(st, NULL);
    cbr_store s = stream_ledger_store(l);
    ck_assert_str_eq(get(&s, "l|t1"), "");
    put(&s, "l|t1", "first", INT64_MAX, 100);
    ck_assert_str_eq(get(&s, "l|t1"), "first");
    put(&s, "l|t1", "second", INT64_MAX, 100);
    ck_assert_str_eq(get(&s, "l|t1"), "second");
    commit(st, l);
    /* Forgotten in memory, read again from the file. */
    ck_assert_int_eq(stream_store_record_count(st), 1);
    ck_assert_str_eq(get(&s, "l|t1"), "second");
    ck_assert_str_eq(get(&s, "l|t2"), "");
    stream_ledger_free(l);
    stream_store_close(st);

    st = stream_store_open(db);
    l = stream_ledger_new(st, NULL);
    s = stream_ledger_store(l);
    ck_assert_str_eq(get(&s, "l|t1"), "second");
    stream_ledger_free(l);
    stream_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(a_record_of_a_batch_that_did_not_commit_is_not_in_the_file)
{
    make_dir();
    stream_store *st = stream_store_open(db);
    stream_ledger *l = stream_ledger_new(st, NULL);
    cbr_store s = stream_ledger_store(l);
    put(&s, "l|t1", "kept", INT64_MAX, 1);
    commit(st, l);
    put(&s, "l|t2", "lost", INT64_MAX, 2);
    put(&s, "l|t1", "changed", INT64_MAX, 2);
    ck_assert_int_eq(stream_store_begin(st), 0);
    ck_assert_int_eq(stream_ledger_write_records(l), 0);
    stream_store_rollback(st);
    stream_ledger_free(l);
    stream_store_close(st);

    st = stream_store_open(db);
    l = stream_ledger_new(st, NULL);
    s = stream_ledger_store(l);
    ck_assert_str_eq(get(&s, "l|t1"), "kept");
    ck_assert_str_eq(get(&s, "l|t2"), "");
    ck_assert_int_eq(stream_store_record_count(st), 1);
    stream_ledger_free(l);
    stream_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(counters_and_records_share_one_store)
{
    make_dir();
    stream_store *st = stream_store_open(db);
    stream_ledger *l = stream_ledger_new(st, NULL);
    ck_assert_int_eq(stream_store_load_ledger(st, l), 0); /* as main.c: tracking starts after the load */
    cbr_store s = stream_ledger_store(l);
    cbr_reservation r = {"b|o|USD", 7, 250, 1000, 0};
    int granted = 0;
    ck_assert_int_eq(s.reserve(s.ud, &r, 1, &granted), CBR_OK);
    ck_assert_int_eq(granted, 1);
    put(&s, "l|t1", "rec", INT64_MAX, 1);
    commit(st, l);
    stream_ledger_free(l);
    stream_store_close(st);

    st = stream_store_open(db);
    l = stream_ledger_new(st, NULL);
    ck_assert_int_eq(stream_store_load_ledger(st, l), 0);
    s = stream_ledger_store(l);
    int64_t v = 0;
    ck_assert_int_eq(s.get(s.ud, "b|o|USD", 7, &v), CBR_OK);
    ck_assert_int_eq(v, 250);
    ck_assert_str_eq(get(&s, "l|t1"), "rec");
    stream_ledger_free(l);
    stream_store_close(st);
    remove_dir();
}
END_TEST

typedef struct seen {
    char keys[8][16];
    int64_t at[8];
    int n;
} seen;

static int see(void *ud, const char *key, size_t n, const void *data, size_t len, int64_t at, int32_t part)
{
    (void)data, (void)len, (void)part;
    seen *w = ud;
    ck_assert_int_lt(w->n, 8);
    snprintf(w->keys[w->n], sizeof w->keys[0], "%.*s", (int)n, key);
    w->at[w->n++] = at;
    return 0;
}

START_TEST(pending_records_are_found_by_due_moment_in_order)
{
    make_dir();
    stream_store *st = stream_store_open(db);
    stream_ledger *l = stream_ledger_new(st, NULL);
    cbr_store s = stream_ledger_store(l);
    put(&s, "l|c", "c", 300, 30);
    put(&s, "l|a", "a", 100, 10);
    put(&s, "l|z", "z", INT64_MAX, 40);
    put(&s, "l|b", "b", 200, 20);
    put(&s, "l|d", "d", 200, 25);
    commit(st, l);
    seen w = {0};
    ck_assert_int_eq(stream_store_each_due(st, 250, 10, NULL, 0, see, &w), 0);
    ck_assert_int_eq(w.n, 3);
    ck_assert_str_eq(w.keys[0], "l|a");
    ck_assert_str_eq(w.keys[1], "l|b");
    ck_assert_str_eq(w.keys[2], "l|d");
    ck_assert_int_eq(w.at[2], 25);
    /* A chunk at a time. */
    w.n = 0;
    ck_assert_int_eq(stream_store_each_due(st, 250, 1, NULL, 0, see, &w), 0);
    ck_assert_int_eq(w.n, 1);
    ck_assert_str_eq(w.keys[0], "l|a");
    w.n = 0;
    ck_assert_int_eq(stream_store_each_due(st, 99, 10, NULL, 0, see, &w), 0);
    ck_assert_int_eq(w.n, 0);
    stream_ledger_free(l);
    stream_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(retention_keeps_recent_and_pending_records)
{
    make_dir();
    stream_store *st = stream_store_open(db);
    stream_ledger *l = stream_ledger_new(st, NULL);
    cbr_store s = stream_ledger_store(l);
    const int64_t day = 86400, newest = 1000 * day;
    put(&s, "l|old", "old", INT64_MAX, newest - 10 * day - 1);
    put(&s, "l|edge", "edge", INT64_MAX, newest - 10 * day);
    put(&s, "l|old-pending", "p", newest + 5, 1);
    put(&s, "l|new", "new", INT64_MAX, newest);
    commit(st, l);
    ck_assert_int_eq(stream_store_prune(st, 10), 0);
    ck_assert_str_eq(get(&s, "l|old"), "");
    ck_assert_str_eq(get(&s, "l|edge"), "edge");
    ck_assert_str_eq(get(&s, "l|old-pending"), "p");
    ck_assert_str_eq(get(&s, "l|new"), "new");
    ck_assert_int_eq(stream_store_record_count(st), 3);
    stream_ledger_free(l);
    stream_store_close(st);
    remove_dir();
}
END_TEST

START_TEST(many_records_in_one_batch)
{
    /* Enough to make the batch's table grow several times. */
    make_dir();
    stream_store *st = stream_store_open(db);
    stream_ledger *l = stream_ledger_new(st, NULL);
    cbr_store s = stream_ledger_store(l);
    char key[32], val[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "l|t%d", i);
        snprintf(val, sizeof val, "v%d", i * 7);
        put(&s, key, val, INT64_MAX, i);
    }
    for (int i = 0; i < 5000; i += 97) {
        snprintf(key, sizeof key, "l|t%d", i);
        snprintf(val, sizeof val, "v%d", i * 7);
        ck_assert_str_eq(get(&s, key), val);
    }
    commit(st, l);
    ck_assert_int_eq(stream_store_record_count(st), 5000);
    ck_assert_str_eq(get(&s, "l|t4999"), "v34993");
    stream_ledger_free(l);
    stream_store_close(st);
    remove_dir();
}
END_TEST

/* A fleet's batch names its records first and reads them at once: what
 * the fetch found is served from memory, what it did not is known absent
 * (a name hinted twice, as a purchase and as a refund's, is read once). */
START_TEST(hinted_records_are_read_in_one_fetch)
{
    make_dir();
    stream_store *st = stream_store_open(db);
    stream_ledger *l = stream_ledger_new(st, NULL);
    cbr_store s = stream_ledger_store(l);
    put(&s, "l|t1", "stored", INT64_MAX, 1);
    put(&s, "l|t\\|2", "escaped", INT64_MAX, 1);
    commit(st, l);
    ck_assert(stream_ledger_reset(l));
    stream_records *r = stream_ledger_records(l);
    ck_assert_int_eq(stream_records_hint(r, "l|t1", 4, 3), CBR_OK);
    ck_assert_int_eq(stream_records_hint(r, "l|t\\|2", 6, -1), CBR_OK);
    ck_assert_int_eq(stream_records_hint(r, "l|t3", 4, 5), CBR_OK);
    ck_assert_int_eq(stream_records_hint(r, "l|t3", 4, -1), CBR_OK);
    ck_assert_int_eq(stream_records_fetch(r), 0);
    /* Behind the batch's back: what it fetched no longer reaches the file. */
    sqlite3 *d;
    ck_assert_int_eq(sqlite3_open(db, &d), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(d, "DELETE FROM ledger", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(d);
    ck_assert_str_eq(get(&s, "l|t1"), "stored");
    ck_assert_str_eq(get(&s, "l|t\\|2"), "escaped");
    ck_assert_str_eq(get(&s, "l|t3"), "");
    /* A record the batch did not name is read from the file, as ever. */
    ck_assert_str_eq(get(&s, "l|t4"), "");
    stream_ledger_free(l);
    stream_store_close(st);
    remove_dir();
}
END_TEST

/* A database of an older cbr-stream kept a pot's counters per currency:
 * the first start with a program converts them, once. */
START_TEST(an_older_database_gets_its_pots_once)
{
    make_dir();
    stream_store *st = stream_store_open(db);
    stream_store_close(st);
    sqlite3 *raw;
    ck_assert_int_eq(sqlite3_open(db, &raw), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(raw,
                                  "DELETE FROM meta;"
                                  "INSERT INTO state(key, value) VALUES ('b|o|USD', 200), ('b|o|EUR', 150),"
                                  " ('b|o|JPY', 6), ('b|p|USD', 40), ('n|o|u1|-', 2);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    cbr_compiler *c = unit_compile("offer \"o\" { budget 10.00 limit 1 per user when amount > 0 then cashback 1.00 }\n"
                                   "offer \"p\" { budget 5.00 USD when amount > 0 then cashback 1.00 }\n");
    cbr_program *p = NULL;
    ck_assert_int_eq(cbr_compiler_program(c, &p, NULL), CBR_OK);
    cbr_compiler_free(c);
    for (int start = 0; start < 2; start++) {
        st = stream_store_open(db);
        ck_assert_int_eq(stream_store_migrate_pots(st, p), 0);
        stream_ledger *l = stream_ledger_new(st, NULL);
        ck_assert_int_eq(stream_store_load_ledger(st, l), 0);
        cbr_store s = stream_ledger_store(l);
        int64_t v = -1;
        ck_assert_int_eq(s.get(s.ud, "b|o|*", 5, &v), CBR_OK);
        ck_assert_int_eq(v, 20000 + 15000 + 60000);
        ck_assert_int_eq(s.get(s.ud, "b|o|USD", 7, &v), CBR_OK);
        ck_assert_int_eq(v, 0);
        ck_assert_int_eq(s.get(s.ud, "b|p|USD", 7, &v), CBR_OK);
        ck_assert_int_eq(v, 40);
        ck_assert_int_eq(s.get(s.ud, "n|o|u1|-", 8, &v), CBR_OK);
        ck_assert_int_eq(v, 2);
        ck_assert_uint_eq(stream_ledger_count(l), 3);
        stream_ledger_free(l);
        stream_store_close(st);
    }
    cbr_program_free(p);
    remove_dir();
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("stream_records");
    TCase *t = tcase_create("records");
    tcase_add_test(t, a_committed_record_is_read_back_by_the_next_batch_and_the_next_process);
    tcase_add_test(t, a_record_of_a_batch_that_did_not_commit_is_not_in_the_file);
    tcase_add_test(t, counters_and_records_share_one_store);
    tcase_add_test(t, pending_records_are_found_by_due_moment_in_order);
    tcase_add_test(t, retention_keeps_recent_and_pending_records);
    tcase_add_test(t, many_records_in_one_batch);
    tcase_add_test(t, hinted_records_are_read_in_one_fetch);
    tcase_add_test(t, an_older_database_gets_its_pots_once);
    suite_add_tcase(s, t);
    return s;
}

UNIT_MAIN(make_suite)
