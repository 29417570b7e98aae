/* check_batch.c: filling batches through cbr.h, the promises of the batch
 * calls: the text cbr_batch_string returns stays where it is until the batch
 * is cleared (later rows and string functions add strings without moving
 * it), a NUL in any field refuses the row, and each cbr_batch_set error
 * names its own field and ends with its row; the typed setters give the
 * rows text gives and refuse what text would.  Run under AddressSanitizer
 * too, where a string that moved is a heap-use-after-free. */
#include <stdint.h>
#include "unit.h"

static cbr_program *compile_ok(const char *src)
{
    cbr_compiler *c = unit_compile(src);
    ck_assert_msg(cbr_compiler_error_count(c) == 0, "the rules do not compile:\n%s", unit_dump(c));
    cbr_program *p = NULL;
    cbr_error err;
    ck_assert_msg(cbr_compiler_program(c, &p, &err) == CBR_OK, "%s", err.message);
    cbr_compiler_free(c);
    return p;
}

static size_t field(const cbr_program *p, const char *name)
{
    int f = cbr_program_field(p, name, strlen(name));
    ck_assert_msg(f >= 0, "no field %s", name);
    return (size_t)f;
}

static cbr_status set(cbr_batch *b, const cbr_program *p, const char *name, const char *text,
                      cbr_error *err)
{
    return cbr_batch_set(b, field(p, name), text, strlen(text), err);
}

/* Sets the required fields (amount 20.00 USD on 2026-03-13) to good values. */
static void set_required(cbr_batch *b, const cbr_program *p, const char *tid)
{
    cbr_error err;
    ck_assert_int_eq(set(b, p, "tid", tid, &err), CBR_OK);
    ck_assert_int_eq(set(b, p, "amount", "20.00", &err), CBR_OK);
    ck_assert_int_eq(set(b, p, "currency", "USD", &err), CBR_OK);
    ck_assert_int_eq(set(b, p, "timestamp", "2026-03-13T15:00:00Z", &err), CBR_OK);
}

/* A row: the required fields, user_id and merchant. */
static void add_row(cbr_batch *b, const cbr_program *p, const char *tid, const char *user,
                    const char *merchant)
{
    cbr_error err;
    ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
    set_required(b, p, tid);
    ck_assert_int_eq(set(b, p, "user_id", user, &err), CBR_OK);
    ck_assert_int_eq(set(b, p, "merchant", merchant, &err), CBR_OK);
    ck_assert_msg(cbr_batch_end_row(b, NULL, &err) == CBR_OK, "%s", err.message);
}

/* ---- the text of cbr_batch_string stays put ---- */

static const char string_rules[] =
    "offer \"lo\" { when lower(merchant) == \"shop\" then cashback 1.00 }\n"
    "offer \"up\" { when upper(user_id) == \"U-0001\" then cashback 0.50 }\n"
    "offer \"cf\" { when casefold(merchant) == \"market\" then cashback 0.25 }\n";

/* A long, distinct text for row i: enough rows of these fill many times the
 * 64 KiB a batch first sets aside for strings. */
static void long_text(char *buf, size_t cap, const char *what, size_t i)
{
    int k = snprintf(buf, cap, "%s-%zu-", what, i);
    size_t n = (size_t)k;
    for (; n + 1 < cap && n < 300; n++)
        buf[n] = (char)('A' + (i + n) % 26);
    buf[n] = '\0';
}

START_TEST(a_string_survives_later_rows_and_eval)
{
    cbr_program *p = compile_ok(string_rules);
    cbr_batch *b = t_batch_new(p, 1024);
    cbr_context *ctx = t_context_new(p, 1024);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(ctx);
    add_row(b, p, "t-0", "U-0001", "Shop");
    size_t len = 0;
    const char *user = cbr_batch_string(b, 0, field(p, "user_id"), &len);
    const char *tid = cbr_batch_string(b, 0, field(p, "tid"), NULL);
    ck_assert_ptr_nonnull(user);
    ck_assert_uint_eq(len, 6);
    /* Later rows: 1,023 of them, each with two long strings of its own. */
    char t[32], u[400], m[400];
    for (size_t i = 1; i < 1024; i++) {
        snprintf(t, sizeof t, "t-%zu", i);
        long_text(u, sizeof u, "user", i);
        long_text(m, sizeof m, "MERCHANT", i);
        add_row(b, p, t, u, m);
    }
    ck_assert_int_eq(memcmp(user, "U-0001", 7), 0); /* the NUL too */
    ck_assert_str_eq(tid, "t-0");
    /* Evaluating adds lower(), upper() and casefold() of every row. */
    cbr_error err;
    ck_assert_msg(cbr_eval(ctx, b, NULL, NULL, &err) == CBR_OK, "%s", err.message);
    size_t na;
    cbr_context_awards(ctx, &na);
    ck_assert_uint_eq(na, 2); /* row 0: lo and up */
    ck_assert_int_eq(memcmp(user, "U-0001", 7), 0);
    ck_assert_str_eq(tid, "t-0");
    ck_assert_ptr_eq(cbr_batch_string(b, 0, field(p, "user_id"), NULL), user);
    /* Every row still reads back as it was set. */
    for (size_t i = 1; i < 1024; i++) {
        long_text(m, sizeof m, "MERCHANT", i);
        ck_assert_str_eq(cbr_batch_string(b, i, field(p, "merchant"), NULL), m);
    }
    cbr_context_free(ctx);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

/* A string longer than the pool's chunks gets storage of its own; after a
 * clear the chunks are reused and the long strings let go (LeakSanitizer
 * checks the second half). */
START_TEST(long_strings_and_reuse_after_clear)
{
    cbr_program *p = compile_ok(string_rules);
    cbr_batch *b = t_batch_new(p, 64);
    cbr_context *ctx = t_context_new(p, 64);
    size_t big = 65536; /* the default limit of one string, and a chunk's size */
    char *huge = malloc(big + 1);
    ck_assert_ptr_nonnull(huge);
    for (int round = 0; round < 3; round++) {
        cbr_batch_clear(b);
        add_row(b, p, "t-0", "first-user", "Shop"); /* not a constant of the rules */
        const char *user = cbr_batch_string(b, 0, field(p, "user_id"), NULL);
        for (size_t i = 1; i < 64; i++) {
            char t[32];
            snprintf(t, sizeof t, "t-%d-%zu", round, i);
            size_t n = i % 2 ? big : big / 2 + i; /* own storage, or most of a chunk */
            for (size_t k = 0; k < n; k++)
                huge[k] = (char)('a' + (k + i + (size_t)round) % 26);
            huge[n] = '\0';
            add_row(b, p, t, "u", huge);
            size_t len;
            const char *back = cbr_batch_string(b, i, field(p, "merchant"), &len);
            ck_assert_uint_eq(len, n);
            ck_assert_int_eq(memcmp(back, huge, n + 1), 0);
        }
        cbr_error err;
        ck_assert_msg(cbr_eval(ctx, b, NULL, NULL, &err) == CBR_OK, "%s", err.message);
        ck_assert_str_eq(user, "first-user");
        ck_assert_ptr_eq(cbr_batch_string(b, 0, field(p, "user_id"), NULL), user);
        ck_assert_str_eq(cbr_batch_string(b, 0, field(p, "merchant"), NULL), "Shop");
        size_t len;
        ck_assert_ptr_nonnull(cbr_batch_string(b, 63, field(p, "merchant"), &len));
        ck_assert_uint_eq(len, big);
    }
    free(huge);
    cbr_context_free(ctx);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

/* ---- a NUL in a string field ---- */

START_TEST(a_nul_in_any_string_field_refuses_the_row)
{
    cbr_program *p = compile_ok("field tier: string\nfield years: int\nfield score: decimal\n"
                                "field vip: bool\nfield signup: date\nfield seen: instant\n"
                                "offer \"once\" { limit 1 per user per day\n"
                                "  when tier == \"gold\" or true then cashback 1.00 }\n");
    cbr_batch *b = t_batch_new(p, 8);
    const char *strings[] = {"tid", "user_id", "currency", "merchant", "country", "channel", "tier"};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        cbr_error err;
        ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
        set_required(b, p, "t1");
        const char eve[] = "eve\0x";
        ck_assert_int_eq(cbr_batch_set(b, field(p, strings[i]), eve, 5, &err), CBR_ERR_RECORD);
        char want[200];
        snprintf(want, sizeof want, "field `%s`: the text holds a NUL character (U+0000) at byte 4",
                 strings[i]);
        ck_assert_int_eq(err.status, CBR_ERR_RECORD);
        ck_assert_str_eq(err.message, want);
        ck_assert_int_eq(cbr_batch_end_row(b, NULL, &err), CBR_ERR_RECORD);
        ck_assert_str_eq(err.message, want);
        ck_assert_uint_eq(cbr_batch_rows(b), 0);
    }
    /* A NUL at the start or the end, and one alone, too. */
    const char *nuls[] = {"\0eve", "eve\0", "\0"};
    const size_t lens[] = {4, 4, 1}, at[] = {1, 4, 1};
    for (size_t i = 0; i < 3; i++) {
        cbr_error err;
        ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
        set_required(b, p, "t1");
        ck_assert_int_eq(cbr_batch_set(b, field(p, "user_id"), nuls[i], lens[i], &err), CBR_ERR_RECORD);
        char want[200];
        snprintf(want, sizeof want, "field `user_id`: the text holds a NUL character (U+0000) at byte %zu",
                 at[i]);
        ck_assert_str_eq(err.message, want);
        ck_assert_int_eq(cbr_batch_end_row(b, NULL, &err), CBR_ERR_RECORD);
    }
    /* In a field of another type too, after a good value or before one: the
     * NUL is named, not a bad number or date. */
    const char *typed[] = {"amount", "years", "score", "vip", "signup", "seen", "timestamp"};
    const char *text[] = {"12.50", "5", "0.25", "true", "2026-03-13", "2026-03-13T15:00:00Z",
                          "2026-03-13T15:00:00Z"};
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++) {
        for (int at_end = 0; at_end < 2; at_end++) {
            char v[64];
            size_t k = strlen(text[i]);
            if (at_end) {
                memcpy(v, text[i], k);
                v[k] = '\0';
            } else {
                v[0] = '\0';
                memcpy(v + 1, text[i], k);
            }
            cbr_error err;
            ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
            set_required(b, p, "t1");
            ck_assert_int_eq(cbr_batch_set(b, field(p, typed[i]), v, k + 1, &err), CBR_ERR_RECORD);
            char want[200];
            snprintf(want, sizeof want, "field `%s`: the text holds a NUL character (U+0000) at byte %zu",
                     typed[i], at_end ? k + 1 : 1);
            ck_assert_str_eq(err.message, want);
            ck_assert_int_eq(cbr_batch_end_row(b, NULL, &err), CBR_ERR_RECORD);
            ck_assert_str_eq(err.message, want);
        }
    }
    ck_assert_uint_eq(cbr_batch_rows(b), 0);
    /* The same text without the NUL is a good row. */
    cbr_error err;
    ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
    set_required(b, p, "t1");
    ck_assert_int_eq(set(b, p, "user_id", "evex", &err), CBR_OK);
    ck_assert_int_eq(cbr_batch_end_row(b, NULL, &err), CBR_OK);
    ck_assert_uint_eq(cbr_batch_rows(b), 1);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

/* ---- errors of cbr_batch_set ---- */

START_TEST(each_error_names_its_own_field)
{
    cbr_program *p = compile_ok("field years: int\nwhen true then cashback 1.00\n");
    cbr_batch *b = t_batch_new(p, 4);
    cbr_error err;
    ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
    ck_assert_int_eq(set(b, p, "amount", "12,50", &err), CBR_ERR_RECORD);
    ck_assert_str_eq(err.message, "field `amount`: `12,50` is not a decimal number");
    ck_assert_int_eq(set(b, p, "timestamp", "yesterday", &err), CBR_ERR_RECORD);
    ck_assert_int_eq(err.status, CBR_ERR_RECORD);
    ck_assert_msg(strncmp(err.message, "field `timestamp`: `yesterday`", 30) == 0, "%s", err.message);
    ck_assert_int_eq(set(b, p, "years", "many", &err), CBR_ERR_RECORD);
    ck_assert_str_eq(err.message, "field `years`: `many` is not a whole number");
    ck_assert_int_eq(set(b, p, "user_id", "\xff", &err), CBR_ERR_RECORD);
    ck_assert_str_eq(err.message, "field `user_id`: invalid UTF-8 at byte 1");
    /* Good values after the bad ones are taken and leave err alone. */
    err.status = CBR_ERR_IO;
    strcpy(err.message, "untouched");
    ck_assert_int_eq(set(b, p, "tid", "t1", &err), CBR_OK);
    ck_assert_int_eq(set(b, p, "currency", "USD", &err), CBR_OK);
    ck_assert_int_eq(set(b, p, "amount", "12.50", &err), CBR_OK);
    ck_assert_str_eq(err.message, "untouched");
    /* The row is refused for its first bad value, set again or not. */
    ck_assert_int_eq(cbr_batch_end_row(b, NULL, &err), CBR_ERR_RECORD);
    ck_assert_int_eq(err.status, CBR_ERR_RECORD);
    ck_assert_str_eq(err.message, "field `amount`: `12,50` is not a decimal number");
    ck_assert_uint_eq(cbr_batch_rows(b), 0);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

START_TEST(a_bad_row_never_leaks_into_the_next)
{
    cbr_program *p = compile_ok("when true then cashback 1.00\n");
    cbr_batch *b = t_batch_new(p, 4);
    cbr_context *ctx = t_context_new(p, 4);
    cbr_error err;
    /* A row refused at end_row, then a good one. */
    ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
    set_required(b, p, "bad-1");
    ck_assert_int_eq(set(b, p, "amount", "x", &err), CBR_ERR_RECORD);
    ck_assert_int_eq(cbr_batch_end_row(b, NULL, &err), CBR_ERR_RECORD);
    add_row(b, p, "good-1", "u1", "m");
    /* A row whose set failed, begun again without ending it. */
    ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
    ck_assert_int_eq(set(b, p, "currency", "US", &err), CBR_OK); /* checked at end_row */
    ck_assert_int_eq(set(b, p, "timestamp", "2026-03-13", &err), CBR_ERR_RECORD);
    add_row(b, p, "good-2", "u2", "m");
    /* A row refused by end_row's own checks, then a good one. */
    ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
    set_required(b, p, "bad-3");
    ck_assert_int_eq(set(b, p, "currency", "XXY", &err), CBR_OK);
    ck_assert_int_eq(cbr_batch_end_row(b, NULL, &err), CBR_ERR_RECORD);
    ck_assert_str_eq(err.message, "field `currency`: `XXY` is not an ISO 4217 currency code");
    /* A failing row dropped by a clear, then a good one. */
    ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
    ck_assert_int_eq(set(b, p, "amount", "x", &err), CBR_ERR_RECORD);
    ck_assert_uint_eq(cbr_batch_rows(b), 2);
    ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, &err), CBR_OK);
    size_t na;
    const cbr_award *a = cbr_context_awards(ctx, &na);
    ck_assert_uint_eq(na, 2);
    ck_assert_str_eq(cbr_batch_string(b, a[0].row, field(p, "tid"), NULL), "good-1");
    ck_assert_str_eq(cbr_batch_string(b, a[1].row, field(p, "tid"), NULL), "good-2");
    cbr_batch_clear(b);
    add_row(b, p, "good-4", "u4", "m");
    ck_assert_uint_eq(cbr_batch_rows(b), 1);
    /* A row refused for a missing field names that field, not an older error. */
    ck_assert_int_eq(cbr_batch_begin_row(b, &err), CBR_OK);
    ck_assert_int_eq(set(b, p, "tid", "t5", &err), CBR_OK);
    ck_assert_int_eq(cbr_batch_end_row(b, NULL, &err), CBR_ERR_RECORD);
    ck_assert_str_eq(err.message, "missing required field `amount`");
    cbr_context_free(ctx);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

/* The typed setters give the same rows, and the same awards, as text. */
static const char *const TYPED_SRC =
    "offer \"o\" { when mcc == 5411 and merchant == \"Acme\" then cashback 10% }\n"
    "offer \"y\" { when currency == \"JPY\" then cashback 1% }\n";

static void award_lines(const cbr_program *p, cbr_batch *b, char *out, size_t cap)
{
    cbr_context *ctx = t_context_new(p, 16);
    ck_assert_int_eq(cbr_eval(ctx, b, NULL, NULL, NULL), CBR_OK);
    size_t n, k = 0;
    const cbr_award *a = cbr_context_awards(ctx, &n);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char amt[32];
        cbr_award_amount(&a[i], amt, sizeof amt);
        k += (size_t)snprintf(out + k, cap - k, "%zu %s %s %.3s\n", a[i].row, a[i].offer_id, amt, a[i].currency);
    }
    cbr_context_free(ctx);
}

START_TEST(typed_setters_match_text)
{
    cbr_program *p = compile_ok(TYPED_SRC);
    cbr_batch *bt = t_batch_new(p, 8), *bx = t_batch_new(p, 8);
    /* By text. */
    const char *names[] = {"tid", "amount", "currency", "mcc", "merchant", "timestamp"};
    const char *rows[][6] = {{"t1", "25.40", "USD", "5411", "Acme", "2026-03-13T15:00:00Z"},
                             {"t2", "1250", "JPY", "5999", "Café", "2026-03-14T00:00:00+09:00"}};
    for (int r = 0; r < 2; r++) {
        ck_assert_int_eq(cbr_batch_begin_row(bt, NULL), CBR_OK);
        for (int i = 0; i < 6; i++)
            ck_assert_int_eq(set(bt, p, names[i], rows[r][i], NULL), CBR_OK);
        ck_assert_int_eq(cbr_batch_end_row(bt, NULL, NULL), CBR_OK);
    }
    /* Typed: the amount before its currency in one row, after it in the other. */
    uint32_t acme, cafe, usd, jpy, t1, t2, again;
    ck_assert_int_eq(cbr_batch_intern(bx, "Acme", 4, &acme, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_intern(bx, "Cafe\xcc\x81", 6, &cafe, NULL), CBR_OK); /* NFC: Café */
    ck_assert_int_eq(cbr_batch_intern(bx, "USD", 3, &usd, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_intern(bx, "JPY", 3, &jpy, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_intern(bx, "t1", 2, &t1, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_intern(bx, "t2", 2, &t2, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_intern(bx, "Acme", 4, &again, NULL), CBR_OK);
    ck_assert_uint_eq(again, acme);
    ck_assert_int_eq(cbr_batch_begin_row(bx, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_interned(bx, field(p, "tid"), t1, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_minor(bx, field(p, "amount"), 2540, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_interned(bx, field(p, "currency"), usd, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_int(bx, field(p, "mcc"), 5411, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_interned(bx, field(p, "merchant"), acme, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_instant(bx, field(p, "timestamp"), 1773414000, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_end_row(bx, NULL, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_begin_row(bx, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_interned(bx, field(p, "tid"), t2, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_interned(bx, field(p, "currency"), jpy, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_minor(bx, field(p, "amount"), 1250, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_int(bx, field(p, "mcc"), 5999, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_interned(bx, field(p, "merchant"), cafe, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_instant(bx, field(p, "timestamp"), 1773414000, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_end_row(bx, NULL, NULL), CBR_OK);
    size_t n;
    ck_assert_str_eq(cbr_batch_string(bx, 1, field(p, "merchant"), &n), "Café");
    char a[512], b[512];
    award_lines(p, bt, a, sizeof a);
    award_lines(p, bx, b, sizeof b);
    ck_assert_str_eq(a, "0 o 2.54 USD\n1 y 12 JPY\n");
    ck_assert_str_eq(a, b);
    cbr_batch_free(bt);
    cbr_batch_free(bx);
    cbr_program_free(p);
}
END_TEST

START_TEST(typed_setters_refuse_what_text_would)
{
    cbr_program *p = compile_ok(TYPED_SRC);
    cbr_batch *b = t_batch_new(p, 8);
    cbr_error err;
    uint32_t id;
    /* Outside a row; wrong types; derived fields; fields past the last; foreign ids. */
    ck_assert_int_eq(cbr_batch_set_int(b, field(p, "mcc"), 1, &err), CBR_ERR_STATE);
    ck_assert_int_eq(cbr_batch_begin_row(b, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_int(b, field(p, "merchant"), 1, &err), CBR_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(err.message, "field `merchant` is not of this type"));
    ck_assert_int_eq(cbr_batch_set_minor(b, field(p, "mcc"), 1, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_batch_set_int(b, field(p, "hour"), 1, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_batch_set_int(b, 100000, 1, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_batch_set_interned(b, field(p, "merchant"), 999999, &err), CBR_ERR_ARG);
    /* A bad text is refused by intern and leaves the row alone. */
    ck_assert_int_eq(cbr_batch_intern(b, "a\xff", 2, &id, &err), CBR_ERR_RECORD);
    ck_assert_str_eq(err.message, "cbr_batch_intern: invalid UTF-8 at byte 2");
    ck_assert_int_eq(cbr_batch_intern(b, "a\0b", 3, &id, &err), CBR_ERR_RECORD);
    ck_assert_str_eq(err.message, "cbr_batch_intern: the text holds a NUL character (U+0000) at byte 2");
    ck_assert_int_eq(set(b, p, "tid", "t1", NULL), CBR_OK);
    ck_assert_int_eq(set(b, p, "currency", "USD", NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_minor(b, field(p, "amount"), 100, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_instant(b, field(p, "timestamp"), 0, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_end_row(b, NULL, &err), CBR_OK);
    /* The same text in a field is that field's error, and the row's. */
    ck_assert_int_eq(cbr_batch_begin_row(b, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set(b, field(p, "merchant"), "a\xff", 2, &err), CBR_ERR_RECORD);
    ck_assert_str_eq(err.message, "field `merchant`: invalid UTF-8 at byte 2");
    ck_assert_int_eq(cbr_batch_end_row(b, NULL, &err), CBR_ERR_RECORD);
    /* An instant past the year 9999 is unreadable, and ends its row. */
    ck_assert_int_eq(cbr_batch_begin_row(b, NULL), CBR_OK);
    ck_assert_int_eq(set(b, p, "tid", "t2", NULL), CBR_OK);
    ck_assert_int_eq(set(b, p, "currency", "USD", NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_minor(b, field(p, "amount"), 100, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_instant(b, field(p, "timestamp"), 253402300800LL, &err), CBR_ERR_RECORD);
    ck_assert_int_eq(cbr_batch_end_row(b, NULL, &err), CBR_ERR_RECORD);
    ck_assert_ptr_nonnull(strstr(err.message, "field `timestamp`: 253402300800 seconds is outside the years"));
    /* Minor units too many to hold at the VM's scale are refused as text would be. */
    ck_assert_int_eq(cbr_batch_begin_row(b, NULL), CBR_OK);
    ck_assert_int_eq(set(b, p, "tid", "t3", NULL), CBR_OK);
    ck_assert_int_eq(set(b, p, "currency", "USD", NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_minor(b, field(p, "amount"), INT64_MAX, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_set_instant(b, field(p, "timestamp"), 0, NULL), CBR_OK);
    ck_assert_int_eq(cbr_batch_end_row(b, NULL, &err), CBR_ERR_RECORD);
    ck_assert_str_eq(err.message, "field `amount`: the amount is too large");
    ck_assert_uint_eq(cbr_batch_rows(b), 1);
    cbr_batch_free(b);
    cbr_program_free(p);
}
END_TEST

static Suite *batch_suite(void)
{
    Suite *s = suite_create("batch");
    UNIT_TCASE(s, "stable strings", a_string_survives_later_rows_and_eval,
               long_strings_and_reuse_after_clear);
    UNIT_TCASE(s, "nul", a_nul_in_any_string_field_refuses_the_row);
    UNIT_TCASE(s, "errors", each_error_names_its_own_field, a_bad_row_never_leaks_into_the_next);
    UNIT_TCASE(s, "typed", typed_setters_match_text, typed_setters_refuse_what_text_would);
    return s;
}

UNIT_MAIN(batch_suite)
