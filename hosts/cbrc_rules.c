/* cbrc_rules.c: the commands about rules themselves (check, compile,
 * disasm) and the loading of RULES that run shares with them. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hosts/cbrc.h"

#define prog cbrc_prog

static const char *sev_name(cbr_severity s)
{
    return s == CBR_ERROR ? "error" : s == CBR_WARNING ? "warning" : "note";
}

static void print_json(const cbr_diagnostic *d)
{
    fputs("{\"file\":", stdout);
    cbrc_json_str(stdout, d->file);
    printf(",\"line\":%u,\"column\":%u,\"end_line\":%u,\"end_column\":%u,\"severity\":\"%s\",\"code\":",
           d->line, d->column, d->end_line, d->end_column, sev_name(d->severity));
    cbrc_json_str(stdout, d->code);
    fputs(",\"message\":", stdout);
    cbrc_json_str(stdout, d->message);
    fputs(",\"hint\":", stdout);
    cbrc_json_str(stdout, d->hint);
    fputs("}\n", stdout);
}

bool cbrc_ends_with(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);
    return n >= k && !strcmp(name + n - k, suffix);
}

static const char *plural(unsigned n) { return n == 1 ? "" : "s"; }

/* Compiles files into a checked compiler, printing the diagnostics; the
 * exit status (0 when there are no errors) goes to *rc.  Unless quiet or
 * json, the counts close the report; with `checked`, a clean check says
 * what it checked (`checked 2 files: 3 offers, 1 campaign, 0 errors, 0
 * warnings`), so that silence never has to mean success. */
static cbr_compiler *compile_files(const char *const *files, int n, bool json, bool quiet, bool checked,
                                   int *rc)
{
    cbr_compiler *c;
    cbr_error err;
    if (cbr_compiler_new(NULL, &c, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        *rc = EXIT_USAGE;
        return NULL;
    }
    *rc = 0;
    for (int i = 0; i < n; i++)
        if (cbr_compiler_add_file(c, files[i], &err) != CBR_OK) {
            fprintf(stderr, "%s: %s\n", prog, err.message);
            *rc = EXIT_USAGE;
        }
    if (*rc)
        return c;
    cbr_status st = cbr_compiler_check(c, &err);
    if (st == CBR_ERR_NOMEM) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        *rc = EXIT_USAGE;
        return c;
    }
    for (size_t i = 0; i < cbr_compiler_diagnostic_count(c); i++) {
        const cbr_diagnostic *d = cbr_compiler_diagnostic(c, i);
        if (quiet && d->severity != CBR_ERROR)
            continue;
        if (json) {
            print_json(d);
            continue;
        }
        char *text;
        if (cbr_diagnostic_format(NULL, d, &text, NULL, NULL) == CBR_OK)
            fputs(text, stderr);
        cbr_free(text);
    }
    unsigned ne = cbr_compiler_error_count(c), nw = cbr_compiler_warning_count(c);
    if (ne >= CBR_DEFAULT_MAX_ERRORS)
        fprintf(stderr, "%s: stopped after %u errors\n", prog, ne);
    cbr_program_info info = {.size = sizeof info};
    if (!quiet && !json && checked && st == CBR_OK && cbr_compiler_info(c, &info, NULL) == CBR_OK)
        fprintf(stderr, "checked %d file%s: %u offer%s, %u campaign%s, %u error%s, %u warning%s\n", n,
                plural((unsigned)n), info.offers, plural(info.offers), info.campaigns, plural(info.campaigns),
                ne, plural(ne), nw, plural(nw));
    else if (!quiet && !json && (ne || nw))
        fprintf(stderr, "%u error%s, %u warning%s\n", ne, plural(ne), nw, plural(nw));
    *rc = st == CBR_OK ? 0 : EXIT_RULES;
    return c;
}

int cbrc_cmd_check(int argc, char **argv)
{
    bool json = false, quiet = false;
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0;
    if (!files)
        return EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--diagnostics-format=json"))
            json = true;
        else if (!strcmp(a, "--diagnostics-format=text"))
            json = false;
        else if (!strcmp(a, "--quiet") || !strcmp(a, "-q"))
            quiet = true;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(cbrc_help_for("check"), stdout);
            free(files);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            free(files);
            return cbrc_usage_error("check: unknown option %s", a);
        } else
            files[nfiles++] = a;
    }
    if (nfiles == 0) {
        free(files);
        return cbrc_usage_error("check: %s", "no rule files given");
    }
    int rc;
    cbr_compiler_free(compile_files(files, nfiles, json, quiet, true, &rc));
    free(files);
    return rc;
}

unsigned char *cbrc_read_stream(FILE *f, size_t *len)
{
    size_t cap = 65536, n = 0;
    unsigned char *b = malloc(cap);
    while (b) {
        size_t k = fread(b + n, 1, cap - n, f);
        n += k;
        if (n < cap) {
            if (ferror(f)) {
                free(b);
                b = NULL;
            }
            break;
        }
        unsigned char *q = realloc(b, cap * 2);
        if (!q) {
            free(b);
            b = NULL;
            errno = ENOMEM;
            break;
        }
        b = q;
        cap *= 2;
    }
    *len = n;
    return b;
}

unsigned char *cbrc_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *b = cbrc_read_stream(f, len);
    int saved = errno;
    fclose(f);
    errno = saved;
    return b;
}

static cbr_program *load_bundle(const char *path, int *rc)
{
    size_t len;
    unsigned char *data = cbrc_read_file(path, &len);
    if (!data) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        *rc = EXIT_USAGE;
        return NULL;
    }
    cbr_program *p = NULL;
    cbr_error err;
    cbr_config cfg;
    cbr_config_init(&cfg);
    cbrc_trusted_config(&cfg);
    if (cbr_program_load(&cfg, data, len, &p, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s: %s: %s\n", prog, path,
                err.status == CBR_ERR_BUNDLE ? "refused" : cbr_status_text(err.status), err.message);
        *rc = EXIT_USAGE;
    }
    free(data);
    return p;
}

cbr_program *cbrc_load_rules(const char *const *files, int n, bool quiet, int *rc)
{
    int bundles = 0;
    for (int i = 0; i < n; i++)
        bundles += cbrc_ends_with(files[i], ".cbrx");
    if (bundles > 0) {
        if (n > 1) {
            *rc = cbrc_usage_error("%s", "give either one .cbrx bundle or .cbr sources, not both");
            return NULL;
        }
        return load_bundle(files[0], rc);
    }
    /* Sources carry no signature: asking for one and compiling them anyway
     * would run rules no trusted key signed. */
    if (cbrc_trusted_count() > 0) {
        *rc = cbrc_usage_error("%s", "--trusted-key needs a signed .cbrx bundle; .cbr sources are not signed");
        return NULL;
    }
    cbr_compiler *c = compile_files(files, n, false, quiet, false, rc);
    cbr_program *p = NULL;
    if (c && *rc == 0) {
        cbr_error err;
        if (cbr_compiler_program(c, &p, &err) != CBR_OK) {
            fprintf(stderr, "%s%s%s\n", err.status == CBR_ERR_COMPILE ? "" : prog,
                    err.status == CBR_ERR_COMPILE ? "" : ": ", err.message);
            *rc = err.status == CBR_ERR_COMPILE ? EXIT_RULES : EXIT_USAGE;
        }
    }
    cbr_compiler_free(c);
    return p;
}

bool cbrc_write_atomically(const char *path, const void *data, size_t len)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp)
        return false;
    snprintf(tmp, n + 16, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len;
    if (f)
        ok = (fclose(f) == 0) && ok;
    if (ok)
        ok = rename(tmp, path) == 0;
    int saved = errno;
    if (!ok)
        remove(tmp);
    free(tmp);
    errno = saved;
    return ok;
}

/* `compile` checks the sources first: files with errors are refused with
 * status 1 (contract §2) before any bundle is written. */
int cbrc_cmd_compile(int argc, char **argv)
{
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    const char *out = NULL, *sign = NULL;
    int n = 0;
    if (!files)
        return EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output") || !strcmp(argv[i], "--sign")) {
            if (i + 1 == argc) {
                free(files);
                return cbrc_usage_error("compile: %s needs a file name", argv[i]);
            }
            const char **slot = !strcmp(argv[i], "--sign") ? &sign : &out;
            *slot = argv[++i];
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(cbrc_help_for("compile"), stdout);
            free(files);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            free(files);
            return cbrc_usage_error("compile: unknown option %s", argv[i]);
        } else {
            files[n++] = argv[i];
        }
    }
    int rc = 0;
    if (n == 0)
        rc = cbrc_usage_error("compile: %s", "no rule files given");
    for (int i = 0; rc == 0 && i < n; i++)
        if (cbrc_ends_with(files[i], ".cbrx"))
            rc = cbrc_usage_error("compile: %s is a bundle already; compile takes .cbr sources", files[i]);
    /* The key is read first: a bad key file is found before the compile. */
    unsigned char sk[CBR_SECRET_KEY_BYTES];
    if (rc == 0 && sign)
        rc = cbrc_read_secret_key(sign, sk);
    cbr_program *p = rc ? NULL : cbrc_load_rules(files, n, false, &rc);
    if (p && !out)
        rc = cbrc_usage_error("compile: %s", "no output file: add -o BUNDLE");
    if (p && rc == 0) {
        void *data;
        size_t len;
        cbr_error err;
        cbr_status st = sign ? cbr_program_save_signed(p, sk, &data, &len, &err)
                             : cbr_program_save(p, &data, &len, &err);
        if (st != CBR_OK) {
            fprintf(stderr, "%s: %s\n", prog, err.message);
            rc = EXIT_USAGE;
        } else {
            if (!cbrc_write_atomically(out, data, len)) {
                fprintf(stderr, "%s: %s: %s\n", prog, out, strerror(errno));
                rc = EXIT_USAGE;
            }
            cbr_free(data);
        }
    }
    explicit_bzero(sk, sizeof sk);
    cbr_program_free(p);
    free(files);
    return rc;
}

/* The line `disasm` adds under the header of a bundle's listing. */
static void print_signature(const cbr_program *p)
{
    char id[CBR_KEY_ID_CHARS + 1];
    switch (cbr_program_signature(p, id)) {
    case CBR_UNSIGNED:
        printf("; not signed\n");
        break;
    case CBR_SIGNED_UNVERIFIED:
        printf("; signed by key %s (not checked: no --trusted-key given)\n", id);
        break;
    case CBR_SIGNED_TRUSTED:
        printf("; signed by key %s (trusted; the signature verifies)\n", id);
        break;
    }
}

int cbrc_cmd_disasm(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(cbrc_help_for("disasm"), stdout);
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1])
            return cbrc_usage_error("disasm: unknown option %s", argv[i]);
    }
    if (argc == 0)
        return cbrc_usage_error("disasm: %s", "no bundle given");
    int rc = 0;
    cbr_program *p = cbrc_load_rules((const char *const *)argv, argc, true, &rc);
    if (!p)
        return rc;
    char *text;
    cbr_error err;
    if (cbr_program_disasm(p, &text, NULL, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        rc = EXIT_USAGE;
    } else {
        char *rest = strchr(text, '\n');
        rest = rest ? rest + 1 : text + strlen(text);
        fwrite(text, 1, (size_t)(rest - text), stdout);
        if (argc == 1 && cbrc_ends_with(argv[0], ".cbrx"))
            print_signature(p);
        fputs(rest, stdout);
        cbr_free(text);
    }
    cbr_program_free(p);
    return rc;
}

/* What `cbrc test` prints for a failed test, and what --junit reports:
 *   FILE:LINE:COL: error: test "NAME" failed at step N: MESSAGE
 *    = why: VERDICT
 * The second line only when the step was about one offer: what the
 * explainer made of it.  Malloc'ed; NULL when out of memory. */
static char *failure_text(const cbr_test_result *r)
{
    const char *fmt = "%s:%u:%u: error: test \"%s\" failed at step %u: %s\n%s%s%s";
    const char *why = r->why ? " = why: " : "", *verdict = r->why ? r->why : "", *nl = r->why ? "\n" : "";
    int n = snprintf(NULL, 0, fmt, r->file, r->line, r->column, r->test, r->step, r->message, why, verdict, nl);
    char *s = n < 0 ? NULL : malloc((size_t)n + 1);
    if (s)
        snprintf(s, (size_t)n + 1, fmt, r->file, r->line, r->column, r->test, r->step, r->message, why, verdict,
                 nl);
    return s;
}

/* One test as --junit reports it. */
typedef struct junit_case {
    char *test, *file, *failure; /* failure: failure_text, NULL when it passed */
    char *message;               /* failed: the message of the failure element */
    double seconds;
} junit_case;

typedef struct test_log {
    junit_case *cases;           /* kept only with --junit */
    size_t n, cap;
    bool junit, nomem;
    struct timespec last;        /* when the previous test ended */
} test_log;

static double since(struct timespec *last)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double d = (double)(now.tv_sec - last->tv_sec) + (double)(now.tv_nsec - last->tv_nsec) / 1e9;
    *last = now;
    return d;
}

static char *copy_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

static void print_test(void *ud, const cbr_test_result *r)
{
    test_log *log = ud;
    double seconds = since(&log->last);
    char *text = r->passed ? NULL : failure_text(r);
    if (text)
        fputs(text, stderr);
    else if (!r->passed)
        fprintf(stderr, "%s:%u:%u: error: test \"%s\" failed at step %u: %s\n", r->file, r->line,
                r->column, r->test, r->step, r->message);
    if (!log->junit || log->nomem) {
        free(text);
        return;
    }
    if (log->n == log->cap) {
        size_t cap = log->cap ? 2 * log->cap : 16;
        junit_case *v = realloc(log->cases, cap * sizeof *v);
        if (!v) {
            log->nomem = true;
            free(text);
            return;
        }
        log->cases = v;
        log->cap = cap;
    }
    junit_case *jc = &log->cases[log->n++];
    jc->test = copy_str(r->test);
    jc->file = copy_str(r->file);
    jc->failure = text;
    jc->seconds = seconds;
    jc->message = NULL;
    if (!r->passed) {
        int n = snprintf(NULL, 0, "failed at step %u: %s", r->step, r->message);
        jc->message = n < 0 ? NULL : malloc((size_t)n + 1);
        if (jc->message)
            snprintf(jc->message, (size_t)n + 1, "failed at step %u: %s", r->step, r->message);
    }
    if (!jc->test || !jc->file || (!r->passed && (!jc->failure || !jc->message)))
        log->nomem = true;
}

/* s with the five XML special characters escaped; a newline is kept in
 * element text and written as a reference in attributes; other control
 * characters, which XML 1.0 cannot hold, become U+FFFD. */
static void xml_str(FILE *f, const char *s, bool attr)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        case '\n': fputs(attr ? "&#10;" : "\n", f); break;
        case '\t': fputs("&#9;", f); break;
        default:
            if (ch < 0x20)
                fputs("\xef\xbf\xbd", f);
            else
                fputc(ch, f);
        }
    }
}

/* --junit FILE: one testsuite per source file, in the order its first test
 * ran, holding its tests as testcases; 0, or EXIT_USAGE with the error
 * printed. */
static int write_junit(const test_log *log, const char *path, double total)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        return EXIT_USAGE;
    }
    unsigned failures = 0;
    for (size_t i = 0; i < log->n; i++)
        failures += log->cases[i].failure != NULL;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"cbrc test\" tests=\"%zu\" failures=\"%u\" errors=\"0\" time=\"%.6f\">\n",
            log->n, failures, total);
    bool *done = calloc(log->n + 1, sizeof *done);
    if (!done) {
        fclose(f);
        fprintf(stderr, "%s: %s: out of memory\n", prog, path);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < log->n; i++) {
        if (done[i])
            continue;
        const char *file = log->cases[i].file;
        unsigned n = 0, nf = 0;
        double t = 0;
        for (size_t k = i; k < log->n; k++)
            if (!strcmp(log->cases[k].file, file)) {
                n++;
                nf += log->cases[k].failure != NULL;
                t += log->cases[k].seconds;
            }
        fputs("  <testsuite name=\"", f);
        xml_str(f, file, true);
        fprintf(f, "\" tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"0\" time=\"%.6f\">\n", n, nf, t);
        for (size_t k = i; k < log->n; k++) {
            const junit_case *jc = &log->cases[k];
            if (done[k] || strcmp(jc->file, file))
                continue;
            done[k] = true;
            fputs("    <testcase name=\"", f);
            xml_str(f, jc->test, true);
            fputs("\" classname=\"", f);
            xml_str(f, jc->file, true);
            fprintf(f, "\" time=\"%.6f\"", jc->seconds);
            if (!jc->failure) {
                fputs("/>\n", f);
                continue;
            }
            fputs(">\n      <failure message=\"", f);
            xml_str(f, jc->message, true);
            fputs("\" type=\"failure\">", f);
            xml_str(f, jc->failure, false);
            fputs("</failure>\n    </testcase>\n", f);
        }
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    free(done);
    if (ferror(f) | (fclose(f) != 0)) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        return EXIT_USAGE;
    }
    return 0;
}

static void free_log(test_log *log)
{
    for (size_t i = 0; i < log->n; i++) {
        free(log->cases[i].test);
        free(log->cases[i].file);
        free(log->cases[i].failure);
        free(log->cases[i].message);
    }
    free(log->cases);
}

/* --coverage: what no test exercised, one line each, like diagnostics: a
 * clause that never paid, a condition never reached, never true or never
 * false (a condition no test saw false is one no test shows is needed). */
static void print_coverage(const cbr_coverage *cov)
{
    size_t n = cbr_coverage_count(cov);
    unsigned clauses = 0, paid = 0, conds = 0, both = 0;
    for (size_t i = 0; i < n; i++) {
        cbr_coverage_item it = {.size = sizeof it};
        if (cbr_coverage_get(cov, i, &it, NULL) != CBR_OK)
            break;
        if (it.is_clause) {
            clauses++;
            paid += it.held > 0;
            if (it.held)
                continue;
            /* A clause's file is its first condition's. */
            cbr_coverage_item next = {.size = sizeof next};
            const char *file = cbr_coverage_get(cov, i + 1, &next, NULL) == CBR_OK && !next.is_clause && next.clause == it.clause
                                   ? next.file : NULL;
            printf("%s%s%u: not covered: clause %d of \"%s\" never paid in any test\n", file ? file : "",
                   file ? ":" : "line ", it.line, it.clause + 1, it.offer_id);
            continue;
        }
        conds++;
        bool seen_true = it.held > 0, seen_false = it.reached > it.held;
        both += seen_true && seen_false;
        if (seen_true && seen_false)
            continue;
        const char *why = it.reached == 0 ? "never reached" : seen_true ? "never false" : "never true";
        if (it.file)
            printf("%s:%u:%u: not covered: `%s` %s in any test\n", it.file, it.line, it.column, it.text, why);
        else
            printf("offer \"%s\": not covered: `%s` %s in any test\n", it.offer_id, it.text, why);
    }
    printf("coverage: %u of %u clauses paid, %u of %u conditions seen both true and false\n", paid, clauses,
           both, conds);
}

/* `test`: the test blocks of the sources, each from empty state. */
int cbrc_cmd_test(int argc, char **argv)
{
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0;
    bool coverage = false;
    const char *junit = NULL;
    if (!files)
        return EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int bad = 0;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(cbrc_help_for("test"), stdout);
            free(files);
            return 0;
        }
        if (!strcmp(a, "--coverage"))
            coverage = true;
        else if (!strcmp(a, "--junit") && i + 1 == argc)
            bad = cbrc_usage_error("test: %s needs a value", a);
        else if (!strcmp(a, "--junit"))
            junit = argv[++i];
        else if (a[0] == '-' && a[1])
            bad = cbrc_usage_error("test: unknown option %s", a);
        else if (cbrc_ends_with(a, ".cbrx"))
            bad = cbrc_usage_error("test: %s is a bundle; tests live in .cbr sources", a);
        else
            files[nfiles++] = a;
        if (bad) {
            free(files);
            return bad;
        }
    }
    if (nfiles == 0) {
        free(files);
        return cbrc_usage_error("test: %s", "no rule files given");
    }
    int rc;
    cbr_compiler *c = compile_files(files, nfiles, false, true, false, &rc);
    free(files);
    cbr_program *p = NULL;
    cbr_error err;
    if (c && rc == 0 && cbr_compiler_program(c, &p, &err) != CBR_OK) {
        fprintf(stderr, "%s%s%s\n", err.status == CBR_ERR_COMPILE ? "" : prog,
                err.status == CBR_ERR_COMPILE ? "" : ": ", err.message);
        rc = err.status == CBR_ERR_COMPILE ? EXIT_RULES : EXIT_USAGE;
    }
    cbr_coverage *cov = NULL;
    if (p && coverage && cbr_coverage_new(p, &cov, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        rc = EXIT_USAGE;
    } else if (p) {
        unsigned passed, failed;
        test_log log = {.junit = junit != NULL};
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        log.last = start;
        if (cbr_compiler_run_tests_covered(c, p, cov, print_test, &log, &passed, &failed, &err) != CBR_OK) {
            fprintf(stderr, "%s: %s\n", prog, err.message);
            rc = EXIT_USAGE;
        } else {
            if (cov)
                print_coverage(cov);
            printf("%u passed, %u failed\n", passed, failed);
            rc = failed ? EXIT_RULES : 0;
            if (junit && log.nomem) {
                fprintf(stderr, "%s: %s: out of memory\n", prog, junit);
                rc = EXIT_USAGE;
            } else if (junit) {
                int wrc = write_junit(&log, junit, since(&start));
                rc = wrc ? wrc : rc;
            }
        }
        free_log(&log);
    }
    cbr_coverage_free(cov);
    cbr_program_free(p);
    cbr_compiler_free(c);
    return rc;
}
