/* check_api.c: the public interface (cbr.h) and nothing else, linked the way
 * a host links libcbr: configuration, handle states and argument checks,
 * files, diagnostics (order, fields, callback, formatting), allocation
 * through the host's allocator, and limits.  Language reference: section 16
 * (diagnostics), 18 (limits). */
#include "config.h" /* PACKAGE_VERSION only */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cbr.h>
#include "tests/unit/unit.h"

/* ---- version and status ---- */

START_TEST(version_is_the_package_version)
{
    const char *v = cbr_version();
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(v, PACKAGE_VERSION);
    unsigned a, b, c;
    char extra;
    ck_assert_int_eq(sscanf(v, "%u.%u.%u%c", &a, &b, &c, &extra), 3);
    /* The header's macros are the library's version. */
    ck_assert_uint_eq(a, CBR_VERSION_MAJOR);
    ck_assert_uint_eq(b, CBR_VERSION_MINOR);
    ck_assert_uint_eq(c, CBR_VERSION_PATCH);
    ck_assert_int_eq(cbr_version_num(), CBR_VERSION_NUM);
    ck_assert_int_eq(CBR_VERSION_NUM, (int)(a * 10000 + b * 100 + c));
}
END_TEST

/* A program built against an older header passes shorter structs: the
 * library reads and writes only the bytes their size says. */
START_TEST(sized_structs_are_read_and_written_within_their_size)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    ck_assert_uint_eq(cfg.size, sizeof cfg);
    /* An older config ends before externs: what follows is not ours to read. */
    cfg.size = offsetof(cbr_config, externs);
    memset((char *)&cfg + cfg.size, 0xA5, sizeof cfg - cfg.size);
    cfg.limits.max_offers = 1;
    const char *src = "offer \"a\" { when amount > 0 then cashback 1% }\n"
                      "offer \"b\" { when amount > 0 then cashback 2% }\n";
    cbr_compiler *c = t_compiler_new(&cfg);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(cbr_compiler_add_source(c, "t.cbr", src, strlen(src), NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_ERR_COMPILE); /* its limits were read */
    cbr_compiler_free(c);
    cfg.limits.max_offers = CBR_DEFAULT_MAX_OFFERS;
    c = t_compiler_new(&cfg);
    ck_assert_int_eq(cbr_compiler_add_source(c, "t.cbr", src, strlen(src), NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_OK);
    cbr_program *p = NULL;
    cbr_error err;
    ck_assert_int_eq(cbr_compiler_program(c, &p, &err), CBR_OK); /* the garbage externs were never read */
    void *data;
    size_t len;
    ck_assert_int_eq(cbr_program_save(p, &data, &len, &err), CBR_OK);
    cbr_program *q = NULL;
    ck_assert_int_eq(cbr_program_load(&cfg, data, len, &q, &err), CBR_OK); /* nor the trusted keys */
    cbr_free(data);
    cbr_program_free(q);
    cbr_program_free(p);

    /* An info struct of the size the caller says, never more. */
    struct {
        cbr_program_info info;
        unsigned guard;
    } box;
    memset(&box, 0x5A, sizeof box);
    box.info.size = sizeof box.info;
    ck_assert_int_eq(cbr_compiler_info(c, &box.info, NULL), CBR_OK);
    ck_assert_uint_eq(box.info.offers, 2);
    ck_assert_uint_eq(box.guard, 0x5A5A5A5Au);
    box.info.size = sizeof(size_t); /* too small for any version */
    ck_assert_int_eq(cbr_compiler_info(c, &box.info, NULL), CBR_ERR_ARG);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(status_text_for_every_status)
{
    const cbr_status all[] = {CBR_OK, CBR_ERR_NOMEM, CBR_ERR_IO, CBR_ERR_COMPILE, CBR_ERR_LIMIT,
                              CBR_ERR_ARG, CBR_ERR_STATE, CBR_ERR_BUNDLE, CBR_ERR_RECORD};
    const char *seen[9];
    for (int i = 0; i < 9; i++) {
        const char *t = cbr_status_text(all[i]);
        ck_assert_ptr_nonnull(t);
        ck_assert_uint_gt(strlen(t), 0);
        for (int k = 0; k < i; k++)
            ck_assert_str_ne(t, seen[k]);
        seen[i] = t;
    }
    ck_assert_int_eq(CBR_OK, 0);
    ck_assert_str_eq(cbr_status_text(CBR_OK), "ok");
    ck_assert_str_eq(cbr_status_text(CBR_ERR_NOMEM), "out of memory");
    ck_assert_ptr_nonnull(cbr_status_text((cbr_status)99));
    ck_assert_ptr_nonnull(cbr_status_text((cbr_status)-1));
}
END_TEST

/* ---- configuration ---- */

START_TEST(config_init_sets_the_documented_defaults)
{
    cbr_config cfg;
    memset(&cfg, 0xA5, sizeof cfg);
    cbr_config_init(&cfg);
    ck_assert_ptr_null(cfg.alloc);
    ck_assert_ptr_null(cfg.alloc_ud);
    ck_assert_ptr_null(cfg.on_diagnostic);
    ck_assert_ptr_null(cfg.diagnostic_ud);
    ck_assert_ptr_null(cfg.zoneinfo_dir);
    ck_assert_uint_eq(cfg.limits.max_source_bytes, 16u << 20);
    ck_assert_uint_eq(cfg.limits.max_line_bytes, 64u << 10);
    ck_assert_uint_eq(cfg.limits.max_nesting, 64);
    ck_assert_uint_eq(cfg.limits.max_expr_depth, 256);
    ck_assert_uint_eq(cfg.limits.max_offers, 10000);
    ck_assert_uint_eq(cfg.limits.max_clauses, 1000);
    ck_assert_uint_eq(cfg.limits.max_list_items, 10000);
    ck_assert_uint_eq(cfg.limits.max_string_bytes, 64u << 10);
    ck_assert_uint_eq(cfg.limits.max_errors, 100);
    cbr_config_init(NULL); /* harmless */
}
END_TEST

START_TEST(config_is_copied_by_the_compiler)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_errors = 1;
    cbr_compiler *c = t_compiler_new(&cfg);
    cfg.limits.max_errors = 100; /* too late: the compiler has its copy */
    const char *src = "when a then cashback 1%\nwhen b then cashback 1%\n";
    ck_assert_int_eq(cbr_compiler_add_source(c, "t.cbr", src, strlen(src), NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_ERR_COMPILE);
    ck_assert_uint_eq(cbr_compiler_error_count(c), 1);
    cbr_compiler_free(c);
}
END_TEST

/* ---- handles and arguments ---- */

START_TEST(null_handles_are_refused_quietly)
{
    cbr_compiler_free(NULL);
    ck_assert_int_eq(cbr_compiler_add_source(NULL, "t.cbr", "x", 1, NULL), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_compiler_add_file(NULL, "t.cbr", NULL), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_compiler_check(NULL, NULL), CBR_ERR_ARG);
    ck_assert_uint_eq(cbr_compiler_diagnostic_count(NULL), 0);
    ck_assert_ptr_null(cbr_compiler_diagnostic(NULL, 0));
    ck_assert_uint_eq(cbr_compiler_error_count(NULL), 0);
    ck_assert_uint_eq(cbr_compiler_warning_count(NULL), 0);
    cbr_program_info info = {.size = sizeof info};
    ck_assert_int_eq(cbr_compiler_info(NULL, &info, NULL), CBR_ERR_ARG);
    char *text = (char *)"untouched";
    cbr_error err;
    ck_assert_int_eq(cbr_diagnostic_format(NULL, NULL, &text, NULL, &err), CBR_ERR_ARG);
    ck_assert_int_eq(err.status, CBR_ERR_ARG);
    ck_assert_uint_gt(strlen(err.message), 0);
    cbr_free(NULL);
}
END_TEST

START_TEST(bad_arguments_give_arg_errors_with_a_message)
{
    cbr_compiler *c = t_compiler_new(NULL);
    ck_assert_ptr_nonnull(c);
    cbr_error err = {CBR_OK, ""};
    ck_assert_int_eq(cbr_compiler_add_source(c, NULL, "x", 1, &err), CBR_ERR_ARG);
    ck_assert_int_eq(err.status, CBR_ERR_ARG);
    ck_assert_uint_gt(strlen(err.message), 0);
    ck_assert_int_eq(cbr_compiler_add_source(c, "t.cbr", NULL, 3, NULL), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_compiler_add_file(c, NULL, NULL), CBR_ERR_ARG);
    cbr_program_info info = {.size = sizeof info};
    ck_assert_int_eq(cbr_compiler_info(c, NULL, NULL), CBR_ERR_ARG);
    /* NULL text of length 0 is an empty source. */
    ck_assert_int_eq(cbr_compiler_add_source(c, "empty.cbr", NULL, 0, NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_OK);
    ck_assert_uint_eq(cbr_compiler_diagnostic_count(c), 0);
    ck_assert_ptr_null(cbr_compiler_diagnostic(c, 0));
    ck_assert_int_eq(cbr_compiler_info(c, &info, NULL), CBR_OK);
    ck_assert_uint_eq(info.offers, 0);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(add_after_check_is_a_state_error)
{
    cbr_compiler *c = t_compiler_new(NULL);
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_OK);
    cbr_error err;
    ck_assert_int_eq(cbr_compiler_add_source(c, "t.cbr", "", 0, &err), CBR_ERR_STATE);
    ck_assert_int_eq(err.status, CBR_ERR_STATE);
    ck_assert_str_eq(err.message, "sources must be added before the check");
    cbr_compiler_free(c);
}
END_TEST

START_TEST(check_twice_is_a_state_error)
{
    cbr_compiler *c = t_compiler_new(NULL);
    const char *src = "when amount > 1 then cashback 1%\n";
    ck_assert_int_eq(cbr_compiler_add_source(c, "t.cbr", src, strlen(src), NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_OK);
    cbr_error err;
    ck_assert_int_eq(cbr_compiler_check(c, &err), CBR_ERR_STATE);
    ck_assert_uint_gt(strlen(err.message), 0);
    /* The first check's results are still there. */
    cbr_program_info info = {.size = sizeof info};
    ck_assert_int_eq(cbr_compiler_info(c, &info, NULL), CBR_OK);
    ck_assert_uint_eq(info.offers, 1);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(info_is_zero_before_the_check)
{
    cbr_compiler *c = t_compiler_new(NULL);
    const char *src = "when amount > 1 then cashback 1%\n";
    ck_assert_int_eq(cbr_compiler_add_source(c, "t.cbr", src, strlen(src), NULL), CBR_OK);
    cbr_program_info info = {.size = sizeof info};
    memset(&info, 0xFF, sizeof info);
    ck_assert_int_eq(cbr_compiler_info(c, &info, NULL), CBR_OK);
    ck_assert_uint_eq(info.offers, 0);
    ck_assert_uint_eq(info.clauses, 0);
    ck_assert_uint_eq(info.fields, 0);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(source_name_and_text_are_copied)
{
    char name[] = "rules.cbr";
    char text[] = "when channl == \"x\" then cashback 1%";
    cbr_compiler *c = t_compiler_new(NULL);
    /* The text need not be NUL-terminated: pass it without the last byte. */
    ck_assert_int_eq(cbr_compiler_add_source(c, name, text, strlen(text) - 1, NULL), CBR_OK);
    memset(name, 'X', sizeof name - 1);
    memset(text, ' ', sizeof text - 1);
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_ERR_COMPILE);
    /* "cashback 1" without the %: a fixed reward; the unknown name remains. */
    ck_assert_uint_eq(cbr_compiler_error_count(c), 1);
    const cbr_diagnostic *d = cbr_compiler_diagnostic(c, 0);
    ck_assert_str_eq(d->file, "rules.cbr");
    ck_assert_str_eq(d->source_line, "when channl == \"x\" then cashback 1");
    cbr_compiler_free(c);
}
END_TEST

/* ---- files ---- */

static char tmpdir[64];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/cbr-api-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static const char *write_tmp(const char *name, const char *text, size_t len)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    fclose(f);
    return path;
}

START_TEST(add_file_missing_path_is_an_io_error)
{
    cbr_compiler *c = t_compiler_new(NULL);
    cbr_error err;
    ck_assert_int_eq(cbr_compiler_add_file(c, "/nonexistent/dir/rules.cbr", &err), CBR_ERR_IO);
    const char *msg = err.message;
    ck_assert_msg(strstr(msg, "/nonexistent/dir/rules.cbr") != NULL, "message: %s", msg);
    ck_assert_msg(strstr(msg, strerror(ENOENT)) != NULL, "message: %s", msg);
    /* The compiler is still usable. */
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_OK);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(add_file_of_a_directory_is_an_io_error)
{
    make_tmpdir();
    cbr_compiler *c = t_compiler_new(NULL);
    cbr_error err;
    cbr_status st = cbr_compiler_add_file(c, tmpdir, &err);
    rmdir(tmpdir);
    ck_assert_int_eq(st, CBR_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.message, tmpdir));
    cbr_compiler_free(c);
}
END_TEST

START_TEST(add_file_reads_the_file_under_its_path)
{
    make_tmpdir();
    /* Larger than the reader's first buffer, so it grows. */
    size_t n = 20000;
    char *text = malloc(n + 64);
    memset(text, ' ', n);
    memcpy(text, "# padding\n", 10);
    text[n - 1] = '\n';
    strcpy(text + n, "when weekday == FRIDAY then cashback 5%\n");
    const char *path = write_tmp("sub-friday.cbr", text, strlen(text));
    char saved[256];
    strcpy(saved, path);
    free(text);
    cbr_compiler *c = t_compiler_new(NULL);
    cbr_status st = cbr_compiler_add_file(c, saved, NULL);
    unlink(saved);
    rmdir(tmpdir);
    ck_assert_int_eq(st, CBR_OK);
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_ERR_COMPILE);
    ck_assert_one_error(c, "unknown-name", 3, 17);
    ck_assert_str_eq(cbr_compiler_diagnostic(c, 0)->file, saved);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(add_file_over_the_size_limit)
{
    make_tmpdir();
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_source_bytes = 100;
    char text[400];
    memset(text, '\n', sizeof text);
    const char *path = write_tmp("big.cbr", text, sizeof text);
    char saved[256];
    strcpy(saved, path);
    cbr_compiler *c = t_compiler_new(&cfg);
    cbr_status st = cbr_compiler_add_file(c, saved, NULL);
    unlink(saved);
    rmdir(tmpdir);
    ck_assert_int_eq(st, CBR_OK);
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_ERR_COMPILE);
    ck_assert_one_error(c, "limit-source-size", 1, 1);
    ck_assert_str_eq(cbr_compiler_diagnostic(c, 0)->file, saved);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(source_over_the_size_limit)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_source_bytes = 10;
    cbr_compiler *c = t_compiler_new(&cfg);
    ck_assert_int_eq(cbr_compiler_add_source(c, "ok.cbr", "let a = 1\n", 10, NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_add_source(c, "big.cbr", "let bb = 1\n", 11, NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_ERR_COMPILE);
    ck_assert_one_error(c, "limit-source-size", 1, 1);
    const cbr_diagnostic *d = cbr_compiler_diagnostic(c, 0);
    ck_assert_str_eq(d->file, "big.cbr");
    ck_assert_str_eq(d->message, "source file is larger than the limit of 10 bytes");
    ck_assert_str_eq(d->source_line, "");
    cbr_compiler_free(c);
}
END_TEST

/* ---- diagnostics ---- */

START_TEST(diagnostic_fields)
{
    cbr_compiler *c = unit_compile("offer \"o\" {\n    when weekday == FRIDAY then cashback 5%\n}\n");
    ck_assert_uint_eq(cbr_compiler_diagnostic_count(c), 1);
    const cbr_diagnostic *d = cbr_compiler_diagnostic(c, 0);
    ck_assert_int_eq(d->severity, CBR_ERROR);
    ck_assert_str_eq(d->file, "t.cbr");
    ck_assert_uint_eq(d->line, 2);
    ck_assert_uint_eq(d->column, 21);
    ck_assert_uint_eq(d->end_line, 2);
    ck_assert_uint_eq(d->end_column, 27);
    ck_assert_str_eq(d->message, "unknown name `FRIDAY`");
    ck_assert_str_eq(d->hint, "did you mean `FRI`?");
    ck_assert_str_eq(d->source_line, "    when weekday == FRIDAY then cashback 5%");
    ck_assert_str_eq(d->code, "unknown-name");
    cbr_compiler_free(c);
}
END_TEST

START_TEST(source_line_drops_the_carriage_return)
{
    cbr_compiler *c = unit_compile("let a = 1\r\nwhen channl == 1 then cashback 1%\r\nlet b = 2\r\n");
    ck_assert_one_error(c, "unknown-name", 2, 6);
    ck_assert_str_eq(unit_only_error(c)->source_line, "when channl == 1 then cashback 1%");
    cbr_compiler_free(c);
}
END_TEST

START_TEST(diagnostics_sorted_by_file_then_position)
{
    cbr_compiler *c = t_compiler_new(NULL);
    /* In a.cbr the checker's error (line 1) is found after the parser's (line 3). */
    const char *a = "when channl == 1 then cashback 1%\n\nwhen amount > > 1 then cashback 1%\n";
    const char *b = "when zzz then cashback 1%\n";
    ck_assert_int_eq(cbr_compiler_add_source(c, "a.cbr", a, strlen(a), NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_add_source(c, "b.cbr", b, strlen(b), NULL), CBR_OK);
    cbr_error err;
    ck_assert_int_eq(cbr_compiler_check(c, &err), CBR_ERR_COMPILE);
    ck_assert_int_eq(err.status, CBR_ERR_COMPILE);
    ck_assert_uint_eq(cbr_compiler_diagnostic_count(c), 3);
    const cbr_diagnostic *d0 = cbr_compiler_diagnostic(c, 0), *d1 = cbr_compiler_diagnostic(c, 1),
                         *d2 = cbr_compiler_diagnostic(c, 2);
    ck_assert_str_eq(d0->file, "a.cbr");
    ck_assert_uint_eq(d0->line, 1);
    ck_assert_str_eq(d0->code, "unknown-name");
    ck_assert_str_eq(d1->file, "a.cbr");
    ck_assert_uint_eq(d1->line, 3);
    ck_assert_str_eq(d1->code, "syntax");
    ck_assert_str_eq(d2->file, "b.cbr");
    ck_assert_uint_eq(d2->line, 1);
    ck_assert_str_eq(err.message, "3 errors");
    cbr_compiler_free(c);
}
END_TEST

START_TEST(warnings_alone_do_not_fail_the_check)
{
    cbr_compiler *c = t_compiler_new(NULL);
    const char *src = "when mcc in [1, 1] then cashback 150%\n";
    ck_assert_int_eq(cbr_compiler_add_source(c, "t.cbr", src, strlen(src), NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_OK);
    ck_assert_uint_eq(cbr_compiler_error_count(c), 0);
    ck_assert_uint_eq(cbr_compiler_warning_count(c), 2);
    ck_assert_int_eq(cbr_compiler_diagnostic(c, 0)->severity, CBR_WARNING);
    cbr_compiler_free(c);
}
END_TEST

typedef struct seen {
    int calls;
    const cbr_diagnostic *got[16];
    void *ud;
} seen;

static void on_diag(void *ud, const cbr_diagnostic *d)
{
    seen *s = ud;
    s->ud = ud;
    if (s->calls < 16)
        s->got[s->calls] = d;
    s->calls++;
}

START_TEST(callback_once_per_diagnostic_in_order)
{
    seen s = {0};
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.on_diagnostic = on_diag;
    cfg.diagnostic_ud = &s;
    cbr_compiler *c = t_compiler_new(&cfg);
    const char *src = "when mcc in [1, 1] then cashback 1%\nwhen channl == 1 then cashback 1%\n"
                      "when amount > > 1 then cashback 1%\n";
    ck_assert_int_eq(cbr_compiler_add_source(c, "t.cbr", src, strlen(src), NULL), CBR_OK);
    ck_assert_int_eq(s.calls, 0); /* only when the check ends */
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_ERR_COMPILE);
    ck_assert_uint_eq(cbr_compiler_diagnostic_count(c), 3);
    ck_assert_int_eq(s.calls, 3);
    ck_assert_ptr_eq(s.ud, &s);
    for (int i = 0; i < 3; i++)
        ck_assert_ptr_eq(s.got[i], cbr_compiler_diagnostic(c, (size_t)i));
    ck_assert_int_eq(s.got[0]->severity, CBR_WARNING);
    ck_assert_uint_eq(s.got[1]->line, 2);
    ck_assert_uint_eq(s.got[2]->line, 3);
    /* A second check is refused and reports nothing again. */
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_ERR_STATE);
    ck_assert_int_eq(s.calls, 3);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(callback_not_called_for_a_clean_program)
{
    seen s = {0};
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.on_diagnostic = on_diag;
    cfg.diagnostic_ud = &s;
    cbr_compiler *c = unit_compile_cfg(&cfg, "when amount > 1 then cashback 1%\n");
    ck_assert_int_eq(s.calls, 0);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(max_errors_stops_recording)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_errors = 2;
    cbr_compiler *c = unit_compile_cfg(&cfg, "when a1 then cashback 1%\nwhen a2 then cashback 1%\n"
                                             "when a3 then cashback 1%\nwhen a4 then cashback 1%\n");
    ck_assert_uint_eq(cbr_compiler_error_count(c), 2);
    ck_assert_uint_eq(cbr_compiler_diagnostic_count(c), 2);
    ck_assert_uint_eq(cbr_compiler_diagnostic(c, 0)->line, 1);
    ck_assert_uint_eq(cbr_compiler_diagnostic(c, 1)->line, 2);
    cbr_compiler_free(c);
    /* 0 means the default. */
    cfg.limits.max_errors = 0;
    c = unit_compile_cfg(&cfg, "when a1 then cashback 1%\nwhen a2 then cashback 1%\nwhen a3 then cashback 1%\n");
    ck_assert_uint_eq(cbr_compiler_error_count(c), 3);
    cbr_compiler_free(c);
}
END_TEST

/* Regression test for a fixed bug: once max_errors is reached, the dropped
 * error's hint is still attached by cbrdiag_hint() to the last *recorded*
 * diagnostic, when that one had no hint: here "unknown name `qqqqqqqqqq`"
 * gets "did you mean `channel`?", which belongs to the dropped `channl`. */
START_TEST(hint_of_a_dropped_error_is_not_attached_elsewhere)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.limits.max_errors = 1;
    cbr_compiler *c = unit_compile_cfg(&cfg, "when qqqqqqqqqq == 1 then cashback 1%\n"
                                             "when channl == \"x\" then cashback 1%\n");
    ck_assert_uint_eq(cbr_compiler_diagnostic_count(c), 1);
    const cbr_diagnostic *d = cbr_compiler_diagnostic(c, 0);
    ck_assert_str_eq(d->message, "unknown name `qqqqqqqqqq`");
    ck_assert_msg(d->hint == NULL, "hint \"%s\" on the wrong diagnostic", d->hint);
    cbr_compiler_free(c);
}
END_TEST

START_TEST(time_zones_come_from_the_configured_directory)
{
    make_tmpdir();
    char path[256];
    snprintf(path, sizeof path, "%s/Test", tmpdir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    write_tmp("Test/Zone", "TZif2\n", 6);
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.zoneinfo_dir = tmpdir;
    cbr_compiler *c = unit_compile_cfg(&cfg, "offer \"a\" { timezone \"Test/Zone\" when true then cashback 1% }\n"
                                             "offer \"b\" { timezone \"UTC\" when true then cashback 1% }\n");
    snprintf(path, sizeof path, "%s/Test/Zone", tmpdir);
    unlink(path);
    snprintf(path, sizeof path, "%s/Test", tmpdir);
    rmdir(path);
    rmdir(tmpdir);
    /* Test/Zone exists there; UTC does not. */
    ck_assert_one_error(c, "unknown-timezone", 2, 13);
    cbr_compiler_free(c);
}
END_TEST

/* ---- formatting (16) ---- */

static char *format_only(cbr_compiler *c)
{
    ck_assert_uint_ge(cbr_compiler_diagnostic_count(c), 1);
    char *s;
    ck_assert_int_eq(cbr_diagnostic_format(NULL, cbr_compiler_diagnostic(c, 0), &s, NULL, NULL), CBR_OK);
    return s;
}

#define ck_assert_format(src_, expect_)                                                     \
    do {                                                                                    \
        cbr_compiler *cf_ = unit_compile(src_);                                             \
        char *got_ = format_only(cf_);                                                      \
        ck_assert_msg(strcmp(got_, (expect_)) == 0, "formatted:\n%s\nexpected:\n%s", got_,   \
                      (expect_));                                                           \
        cbr_free(got_);                                                                         \
        cbr_compiler_free(cf_);                                                             \
    } while (0)

START_TEST(format_error_with_caret_and_hint)
{
    ck_assert_format("when weekday == FRIDAY then cashback 5%\n",
                     "t.cbr:1:17: error: unknown name `FRIDAY`\n"
                     " 1 | when weekday == FRIDAY then cashback 5%\n"
                     "   |                 ^~~~~~\n"
                     " = help: did you mean `FRI`?\n");
}
END_TEST

START_TEST(format_caret_after_a_tab)
{
    /* The tab is copied, so the caret lines up whatever the tab width. */
    ck_assert_format("\twhen weekday == FRIDAY then cashback 5%\n",
                     "t.cbr:1:18: error: unknown name `FRIDAY`\n"
                     " 1 | \twhen weekday == FRIDAY then cashback 5%\n"
                     "   | \t                ^~~~~~\n"
                     " = help: did you mean `FRI`?\n");
}
END_TEST

START_TEST(format_caret_after_wide_characters)
{
    /* 中 and 文 are one column each in the position, two on a terminal. */
    ck_assert_format("when merchant == \"\xE4\xB8\xAD\xE6\x96\x87\" and weekday == FRIDAY then cashback 5%\n",
                     "t.cbr:1:38: error: unknown name `FRIDAY`\n"
                     " 1 | when merchant == \"\xE4\xB8\xAD\xE6\x96\x87\" and weekday == FRIDAY then cashback 5%\n"
                     "   |                                        ^~~~~~\n"
                     " = help: did you mean `FRI`?\n");
    /* é is one column on a terminal too. */
    ck_assert_format("when merchant == \"Caf\xC3\xA9\" and channl == 1 then cashback 5%\n",
                     "t.cbr:1:29: error: unknown name `channl`\n"
                     " 1 | when merchant == \"Caf\xC3\xA9\" and channl == 1 then cashback 5%\n"
                     "   |                             ^~~~~~\n"
                     " = help: did you mean `channel`?\n");
}
END_TEST

START_TEST(format_without_hint_and_one_character_token)
{
    ck_assert_format("when amount > 1 && true then cashback 5%\n",
                     "t.cbr:1:17: error: unexpected `&&`; write `and`\n"
                     " 1 | when amount > 1 && true then cashback 5%\n"
                     "   |                 ^~\n");
    ck_assert_format("when amount > 1 @ then cashback 5%\n",
                     "t.cbr:1:17: error: unexpected character `@`\n"
                     " 1 | when amount > 1 @ then cashback 5%\n"
                     "   |                 ^\n");
}
END_TEST

START_TEST(format_gutter_widens_with_the_line_number)
{
    ck_assert_format("\n\n\n\n\n\n\n\n\nwhen channl == 1 then cashback 5%\n",
                     "t.cbr:10:6: error: unknown name `channl`\n"
                     " 10 | when channl == 1 then cashback 5%\n"
                     "    |      ^~~~~~\n"
                     " = help: did you mean `channel`?\n");
}
END_TEST

START_TEST(format_warning)
{
    ck_assert_format("when mcc in [5411, 5411] then cashback 5%\n",
                     "t.cbr:1:20: warning: 5411 appears twice in this list\n"
                     " 1 | when mcc in [5411, 5411] then cashback 5%\n"
                     "   |                    ^~~~\n");
}
END_TEST

START_TEST(format_at_end_of_file)
{
    /* The error is on the empty line after the last newline: no source. */
    ck_assert_format("offer \"o\" {\n",
                     "t.cbr:2:1: error: expected `when`, `}` or an offer attribute, found end of file\n");
    /* At the end of a line without a newline, the caret goes past the text. */
    ck_assert_format("let x =",
                     "t.cbr:1:8: error: expected an expression, found end of file\n"
                     " 1 | let x =\n"
                     "   |        ^\n");
}
END_TEST

START_TEST(format_of_a_hand_made_diagnostic)
{
    cbr_diagnostic d;
    memset(&d, 0, sizeof d);
    d.severity = CBR_NOTE;
    d.message = "hello";
    char *s;
    size_t len;
    ck_assert_int_eq(cbr_diagnostic_format(NULL, &d, &s, &len, NULL), CBR_OK);
    ck_assert_str_eq(s, "<input>:0:0: note: hello\n");
    ck_assert_uint_eq(len, strlen(s));
    cbr_free(s);
}
END_TEST

START_TEST(format_windows_a_very_long_line)
{
    /* 200 a's in a string, then the unknown name: the line is 260 bytes. */
    char src[600], want[1024], line[512];
    char as[201];
    memset(as, 'a', 200);
    as[200] = '\0';
    snprintf(line, sizeof line, "when merchant == \"%s\" and channl == 1 then cashback 5%%", as);
    snprintf(src, sizeof src, "%s\n", line);
    size_t len = strlen(line);
    size_t at = strlen("when merchant == \"") + 200 + strlen("\" and "); /* byte of channl */
    size_t from = at - 60, to = from + 160 < len ? from + 160 : len;
    snprintf(want, sizeof want,
             "t.cbr:1:%zu: error: unknown name `channl`\n"
             " 1 | ...%.*s%s\n"
             "   |    %60s^~~~~~\n"
             " = help: did you mean `channel`?\n",
             at + 1, (int)(to - from), line + from, to < len ? "..." : "", "");
    ck_assert_format(src, want);
}
END_TEST

/* Regression test for a fixed bug: the "FILE:LINE:COL: SEVERITY: " prefix is
 * printed through a 256-byte buffer, so with a long path the line, column
 * and severity are cut off. */
START_TEST(format_keeps_a_long_file_name_whole)
{
    char name[301];
    memset(name, 'd', 300);
    name[0] = '/';
    name[296] = '.';
    name[297] = 'c';
    name[298] = 'b';
    name[299] = 'r';
    name[300] = '\0';
    cbr_compiler *c = unit_compile_named_cfg(NULL, name, "when channl == 1 then cashback 1%\n");
    char *s = format_only(c);
    char want[400];
    snprintf(want, sizeof want, "%s:1:6: error: unknown name `channl`\n", name);
    ck_assert_msg(strncmp(s, want, strlen(want)) == 0, "formatted:\n%.400s", s);
    cbr_free(s);
    cbr_compiler_free(c);
}
END_TEST

/* ---- the host's allocator ---- */

typedef struct counter {
    long allocs, frees, reallocs, live;
    long fail_after; /* fail the n-th allocating call (0-based); -1: never */
    long calls;
} counter;

static void *counting_alloc(void *ud, void *p, size_t n)
{
    counter *k = ud;
    ck_assert_msg(k != NULL, "the allocator was called without its alloc_ud");
    if (n == 0) {
        if (p) {
            k->frees++;
            k->live--;
        }
        free(p);
        return NULL;
    }
    if (k->fail_after >= 0 && k->calls++ >= k->fail_after)
        return NULL;
    void *q = realloc(p, n);
    if (!q)
        return NULL;
    if (p)
        k->reallocs++;
    else {
        k->allocs++;
        k->live++;
    }
    return q;
}

static const char *const big_program =
    "field tier: string\n"
    "let gold = tier in [\"gold\", \"platinum\"]\n"
    "extern fn risk(string) -> decimal\n"
    "campaign \"c\" { budget 100.00 USD valid 2026-01-01 to 2026-12-31 }\n"
    "offer \"o\" {\n"
    "    campaign \"c\"\n"
    "    timezone \"UTC\"\n"
    "    limit 2 per user per week\n"
    "    when gold and risk(user_id) < 0.5 and weekday in [SAT, SUN] then cashback 5% up to 10.00\n"
    "    when channl == \"online\" then cashback 1%\n"
    "    when amount >= 10 then cashback 1.00\n"
    "}\n"
    "when amount > > 1 then cashback 1%\n"
    "test \"t\" { given { tid: \"1\", amount: 10.00, currency: \"USD\", timestamp: 2026-03-13T10:00Z }\n"
    "           expect cashback 1.00 from \"o\" }\n";

START_TEST(custom_allocator_is_used_and_everything_is_returned)
{
    counter k = {0};
    k.fail_after = -1;
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.alloc = counting_alloc;
    cfg.alloc_ud = &k;
    cbr_compiler *c = t_compiler_new(&cfg);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_ge(k.allocs, 1); /* the handle itself */
    ck_assert_int_eq(cbr_compiler_add_source(c, "a.cbr", big_program, strlen(big_program), NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_add_source(c, "b.cbr", "let x = 1\n", 10, NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_add_source(c, "c.cbr", "", 0, NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_add_source(c, "d.cbr", "", 0, NULL), CBR_OK);
    ck_assert_int_eq(cbr_compiler_add_source(c, "e.cbr", "", 0, NULL), CBR_OK); /* the source table grows */
    ck_assert_int_eq(cbr_compiler_check(c, NULL), CBR_ERR_COMPILE);
    ck_assert_uint_ge(cbr_compiler_diagnostic_count(c), 2);
    ck_assert_int_gt(k.allocs, 2);
    ck_assert_int_gt(k.live, 0);
    cbr_compiler_free(c);
    ck_assert_msg(k.live == 0 && k.allocs == k.frees, "%ld allocations, %ld frees", k.allocs, k.frees);
}
END_TEST

START_TEST(many_diagnostics_grow_through_the_allocator)
{
    counter k = {0};
    k.fail_after = -1;
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.alloc = counting_alloc;
    cfg.alloc_ud = &k;
    char src[4096] = "";
    for (int i = 0; i < 60; i++)
        strcat(src, "when zz then cashback 1%\n");
    cbr_compiler *c = unit_compile_cfg(&cfg, src);
    ck_assert_uint_eq(cbr_compiler_error_count(c), 60);
    ck_assert_int_gt(k.reallocs, 0); /* the diagnostic vector was grown */
    cbr_compiler_free(c);
    ck_assert_int_eq(k.live, 0);
}
END_TEST

START_TEST(allocation_failure_at_every_point_is_reported_and_leak_free)
{
    /* Fail the n-th allocation for n = 0, 1, 2, ... until the whole compile
     * succeeds: each attempt must fail cleanly (NULL handle or NOMEM),
     * never crash, and give every block back. */
    long n;
    int completed = 0;
    for (n = 0; n < 5000 && !completed; n++) {
        counter k = {0};
        k.fail_after = n;
        cbr_config cfg;
        cbr_config_init(&cfg);
        cfg.alloc = counting_alloc;
        cfg.alloc_ud = &k;
        cbr_compiler *c;
        cbr_error err;
        if (cbr_compiler_new(&cfg, &c, &err) != CBR_OK) {
            ck_assert_int_eq(err.status, CBR_ERR_NOMEM);
            ck_assert_ptr_null(c);
            ck_assert_int_eq(k.live, 0);
            continue;
        }
        cbr_status st = cbr_compiler_add_source(c, "a.cbr", big_program, strlen(big_program), &err);
        if (st == CBR_OK)
            st = cbr_compiler_check(c, &err);
        ck_assert_msg(st == CBR_ERR_NOMEM || st == CBR_ERR_COMPILE, "failing allocation %ld: status %d", n,
                      (int)st);
        ck_assert_int_eq(err.status, st);
        if (st == CBR_ERR_NOMEM)
            ck_assert_str_eq(err.message, "out of memory");
        else
            completed = 1;
        cbr_compiler_free(c);
        ck_assert_msg(k.live == 0, "failing allocation %ld: %ld blocks not freed", n, k.live);
    }
    ck_assert_msg(completed, "the compile never completed");
    ck_assert_int_gt(n, 3);
}
END_TEST

START_TEST(compiler_new_fails_with_nomem_when_the_allocator_fails)
{
    counter k = {0};
    k.fail_after = 0;
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.alloc = counting_alloc;
    cfg.alloc_ud = &k;
    cbr_compiler *c = (cbr_compiler *)&k;
    cbr_error err;
    ck_assert_int_eq(cbr_compiler_new(&cfg, &c, &err), CBR_ERR_NOMEM);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(err.status, CBR_ERR_NOMEM);
    ck_assert_str_eq(err.message, "out of memory making a compiler");
    ck_assert_int_eq(k.live, 0);
}
END_TEST

/* ---- one error convention, one ownership rule (cbr.h, the top) ---- */

static const char *const owned_src =
    "offer \"o\" {\n    budget 10.00 USD\n    when amount > 1 then cashback 10%\n}\n"
    "when amount > 2 then cashback 1%\n";

/* Every buffer the library hands over comes from the config's allocator
 * and cbr_free gives it back: the counter is at zero after the frees, and
 * every block it counted was handed back through it. */
START_TEST(every_returned_buffer_is_from_the_allocator_and_released_by_cbr_free)
{
    counter k = {0};
    k.fail_after = -1;
    cbr_config cfg;
    cbr_config_init(&cfg);
    cfg.alloc = counting_alloc;
    cfg.alloc_ud = &k;
    cbr_error err;
    cbr_compiler *c = t_compiler_new(&cfg);
    ck_assert_int_eq(cbr_compiler_add_source(c, "o.cbr", owned_src, strlen(owned_src), &err), CBR_OK);
    ck_assert_int_eq(cbr_compiler_check(c, &err), CBR_OK);
    cbr_program *p = NULL;
    ck_assert_int_eq(cbr_compiler_program(c, &p, &err), CBR_OK);
    cbr_compiler_free(c);
    long held = k.live; /* the program */

    void *bundle;
    size_t blen;
    ck_assert_int_eq(cbr_program_save(p, &bundle, &blen, &err), CBR_OK);
    ck_assert_int_eq(k.live, held + 1);
    char *listing;
    size_t llen = 0;
    ck_assert_int_eq(cbr_program_disasm(p, &listing, &llen, &err), CBR_OK);
    ck_assert_uint_eq(llen, strlen(listing));
    char *formatted;
    ck_assert_int_eq(cbr_format(&cfg, "o.cbr", owned_src, strlen(owned_src), &formatted, NULL, &err), CBR_OK);
    cbr_diagnostic d = {.severity = CBR_WARNING, .file = "o.cbr", .line = 1, .column = 1, .message = "m"};
    char *shown;
    ck_assert_int_eq(cbr_diagnostic_format(&cfg, &d, &shown, NULL, &err), CBR_OK);
    cbr_state *st;
    ck_assert_int_eq(cbr_state_new(&cfg, &st, &err), CBR_OK);
    cbr_store store = cbr_state_store(st);
    cbr_reservation r = {"b|o|USD", 7, 100, 1000, 0};
    int granted;
    ck_assert_int_eq(store.reserve(store.ud, &r, 1, &granted), CBR_OK);
    char *snap;
    size_t slen;
    ck_assert_int_eq(cbr_state_save(st, &snap, &slen, &err), CBR_OK);
    ck_assert_str_eq(snap, "b|o|USD\t100\n");
    ck_assert_int_gt(k.live, held + 5);

    cbr_free(bundle);
    cbr_free(listing);
    cbr_free(formatted);
    cbr_free(shown);
    cbr_free(snap);
    cbr_state_free(st);
    ck_assert_int_eq(k.live, held);
    cbr_program_free(p);
    ck_assert_msg(k.live == 0 && k.allocs == k.frees, "%ld allocations, %ld frees", k.allocs, k.frees);
}
END_TEST

/* A constructor that fails says why, in err, and sets its handle to NULL. */
START_TEST(constructors_report_their_failure_in_err)
{
    cbr_compiler *c = unit_compile(owned_src);
    cbr_program *p = NULL;
    cbr_error err;
    ck_assert_int_eq(cbr_compiler_program(c, &p, &err), CBR_OK);
    cbr_compiler_free(c);
    cbr_batch *b = (cbr_batch *)&err;
    ck_assert_int_eq(cbr_batch_new(p, (size_t)1 << 30, &b, &err), CBR_ERR_LIMIT);
    ck_assert_ptr_null(b);
    ck_assert_int_eq(err.status, CBR_ERR_LIMIT);
    ck_assert_str_eq(err.message, "a batch holds at most 1048576 rows, not 1073741824");
    cbr_context *ctx = (cbr_context *)&err;
    ck_assert_int_eq(cbr_context_new(p, (size_t)1 << 30, &ctx, &err), CBR_ERR_LIMIT);
    ck_assert_ptr_null(ctx);
    ck_assert_int_eq(cbr_batch_new(NULL, 1, &b, &err), CBR_ERR_ARG);
    ck_assert_int_eq(err.status, CBR_ERR_ARG);
    ck_assert_int_eq(cbr_context_new(p, 0, NULL, NULL), CBR_ERR_ARG); /* a NULL err is allowed */
    ck_assert_int_eq(cbr_coverage_new(NULL, NULL, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_externs_new(NULL, NULL, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_state_new(NULL, NULL, &err), CBR_ERR_ARG);

    /* The calls that used to fail without a message now give one. */
    ck_assert_int_eq(cbr_context_new(p, 0, &ctx, &err), CBR_OK);
    int64_t left;
    ck_assert_int_eq(cbr_context_budget_left(ctx, 5, 0, "USD", &left, NULL, NULL, &err), CBR_ERR_ARG);
    ck_assert_str_eq(err.message, "offer 5 of 2");
    ck_assert_int_eq(cbr_context_budget_left(ctx, 0, 1, "USD", &left, NULL, NULL, &err), CBR_ERR_ARG);
    ck_assert_str_eq(err.message, "offer \"o\" has no campaign budget");
    ck_assert_int_eq(cbr_context_budget_left(ctx, 0, 0, "EUR", &left, NULL, NULL, &err), CBR_ERR_ARG);
    ck_assert_str_eq(err.message, "the budget of offer \"o\" is in USD, not EUR");
    ck_assert_int_eq(cbr_context_budget_left(ctx, 0, 0, "USD", &left, NULL, NULL, &err), CBR_OK);
    ck_assert_int_eq(left, 1000);
    cbr_store old = {.size = 8};
    ck_assert_int_eq(cbr_context_set_store(ctx, &old, &err), CBR_ERR_ARG);
    ck_assert_msg(strstr(err.message, "from an older library") != NULL, "%s", err.message);
    char *snap = (char *)"x";
    size_t n;
    ck_assert_int_eq(cbr_state_save(NULL, &snap, &n, &err), CBR_ERR_ARG);
    ck_assert_int_eq(err.status, CBR_ERR_ARG);
    cbr_context_free(ctx);
    cbr_program_free(p);
}
END_TEST

static Suite *api_suite(void)
{
    Suite *s = suite_create("api");
    UNIT_TCASE(s, "basics", version_is_the_package_version, sized_structs_are_read_and_written_within_their_size, status_text_for_every_status,
               config_init_sets_the_documented_defaults, config_is_copied_by_the_compiler);
    UNIT_TCASE(s, "handles", null_handles_are_refused_quietly, bad_arguments_give_arg_errors_with_a_message,
               add_after_check_is_a_state_error, check_twice_is_a_state_error, info_is_zero_before_the_check,
               source_name_and_text_are_copied);
    UNIT_TCASE(s, "files", add_file_missing_path_is_an_io_error, add_file_of_a_directory_is_an_io_error,
               add_file_reads_the_file_under_its_path, add_file_over_the_size_limit, source_over_the_size_limit);
    UNIT_TCASE(s, "diagnostics", diagnostic_fields, source_line_drops_the_carriage_return,
               diagnostics_sorted_by_file_then_position, warnings_alone_do_not_fail_the_check,
               callback_once_per_diagnostic_in_order, callback_not_called_for_a_clean_program,
               max_errors_stops_recording, hint_of_a_dropped_error_is_not_attached_elsewhere,
               time_zones_come_from_the_configured_directory);
    UNIT_TCASE(s, "format", format_error_with_caret_and_hint, format_caret_after_a_tab,
               format_caret_after_wide_characters, format_without_hint_and_one_character_token,
               format_gutter_widens_with_the_line_number, format_warning, format_at_end_of_file,
               format_of_a_hand_made_diagnostic, format_windows_a_very_long_line,
               format_keeps_a_long_file_name_whole);
    UNIT_TCASE(s, "allocator", custom_allocator_is_used_and_everything_is_returned,
               many_diagnostics_grow_through_the_allocator,
               allocation_failure_at_every_point_is_reported_and_leak_free,
               compiler_new_fails_with_nomem_when_the_allocator_fails);
    UNIT_TCASE(s, "conventions", every_returned_buffer_is_from_the_allocator_and_released_by_cbr_free,
               constructors_report_their_failure_in_err);
    return s;
}

UNIT_MAIN(api_suite)
