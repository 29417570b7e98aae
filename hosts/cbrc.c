/* cbrc.c: the command-line front of libcbr for rule authors and batch jobs.
 * It parses arguments, calls the library, and is the only place that prints
 * and chooses exit statuses (contract §2): 0 success, 1 the rules have errors
 * or a test failed, 2 usage, I/O or a bad bundle, 3 rejected input records. */
#include "config.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "include/cbr.h"

enum { EXIT_RULES = 1, EXIT_USAGE = 2 };

static const char *prog = "cbrc";

static const char usage_text[] =
    "usage: cbrc COMMAND [OPTIONS] FILE...\n"
    "\n"
    "commands:\n"
    "  check FILE...       compile the rules and report every error and warning\n"
    "  compile FILE... -o BUNDLE\n"
    "                      write a verified bundle (.cbrx)\n"
    "  run RULES... --input FILE\n"
    "                      evaluate transactions (CSV or JSON Lines) against the offers\n"
    "  test FILE...        run the test blocks of rule files\n"
    "  explain RULES... --input FILE --tid TID\n"
    "                      say why each offer did or did not award\n"
    "  fmt FILE...         print rule files in the canonical layout\n"
    "  disasm BUNDLE       list a bundle's offers, instructions and constants\n"
    "  help [COMMAND]      show help for a command\n"
    "\n"
    "options:\n"
    "  --help, -h          show this help\n"
    "  --version           show the version\n"
    "\n"
    "exit status: 0 success, 1 the rules have errors or a test failed,\n"
    "2 usage, I/O or a bad bundle, 3 run finished but rejected some input records\n";

static const char check_help[] =
    "usage: cbrc check [--diagnostics-format=text|json] [--quiet] FILE...\n"
    "\n"
    "Compiles the rule files together as one program and reports every error\n"
    "and warning, each as FILE:LINE:COL: error: MESSAGE followed by the source\n"
    "line and a caret, and closes with the counts.\n"
    "\n"
    "  --diagnostics-format=json  one JSON object per diagnostic on stdout\n"
    "                             (file, line, column, end_line, end_column,\n"
    "                             severity, code, message, hint)\n"
    "  --quiet, -q                print errors only, no warnings or counts\n"
    "\n"
    "exit status: 0 no errors (warnings allowed), 1 errors, 2 usage or I/O\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see `cbrc --help`)\n");
    return EXIT_USAGE;
}

/* JSON string with the escapes RFC 8259 requires. */
static void json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static const char *sev_name(cbr_severity s)
{
    return s == CBR_ERROR ? "error" : s == CBR_WARNING ? "warning" : "note";
}

static void print_json(const cbr_diagnostic *d)
{
    fputs("{\"file\":", stdout);
    json_str(stdout, d->file);
    printf(",\"line\":%u,\"column\":%u,\"end_line\":%u,\"end_column\":%u,\"severity\":\"%s\",\"code\":",
           d->line, d->column, d->end_line, d->end_column, sev_name(d->severity));
    json_str(stdout, d->code);
    fputs(",\"message\":", stdout);
    json_str(stdout, d->message);
    fputs(",\"hint\":", stdout);
    json_str(stdout, d->hint);
    fputs("}\n", stdout);
}

static int cmd_check(int argc, char **argv)
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
            fputs(check_help, stdout);
            free(files);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            free(files);
            return usage_error("check: unknown option %s", a);
        } else
            files[nfiles++] = a;
    }
    if (nfiles == 0) {
        free(files);
        return usage_error("check: %s", "no rule files given");
    }
    cbr_compiler *c = cbr_compiler_new(NULL);
    if (!c) {
        fprintf(stderr, "%s: out of memory\n", prog);
        free(files);
        return EXIT_USAGE;
    }
    int rc = 0;
    for (int i = 0; i < nfiles; i++) {
        cbr_status st = cbr_compiler_add_file(c, files[i]);
        if (st != CBR_OK) {
            fprintf(stderr, "%s: %s\n", prog, cbr_compiler_errmsg(c));
            rc = EXIT_USAGE;
        }
    }
    if (rc == 0) {
        cbr_status st = cbr_compiler_check(c);
        if (st == CBR_ERR_NOMEM) {
            fprintf(stderr, "%s: out of memory\n", prog);
            rc = EXIT_USAGE;
        } else {
            for (size_t i = 0; i < cbr_compiler_diagnostic_count(c); i++) {
                const cbr_diagnostic *d = cbr_compiler_diagnostic(c, i);
                if (quiet && d->severity != CBR_ERROR)
                    continue;
                if (json) {
                    print_json(d);
                    continue;
                }
                char *text = cbr_diagnostic_format(d);
                if (text)
                    fputs(text, stderr);
                free(text);
            }
            unsigned ne = cbr_compiler_error_count(c), nw = cbr_compiler_warning_count(c);
            if (ne >= CBR_DEFAULT_MAX_ERRORS)
                fprintf(stderr, "%s: stopped after %u errors\n", prog, ne);
            if (!quiet && !json && (ne || nw))
                fprintf(stderr, "%u error%s, %u warning%s\n", ne, ne == 1 ? "" : "s", nw, nw == 1 ? "" : "s");
            rc = st == CBR_OK ? 0 : EXIT_RULES;
        }
    }
    cbr_compiler_free(c);
    free(files);
    return rc;
}

static int not_yet(const char *cmd)
{
    fprintf(stderr, "%s: `%s` is not available in this version yet; `check` is\n", prog, cmd);
    return EXIT_USAGE;
}

/* `compile` checks the sources first: files with errors are refused with
 * status 1 (contract §2) before any bundle would be written. */
static int cmd_compile(int argc, char **argv)
{
    char **files = calloc((size_t)argc + 1, sizeof *files);
    int n = 0;
    if (!files)
        return EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
            i++;
            continue;
        }
        files[n++] = argv[i];
    }
    int rc = cmd_check(n, files);
    free(files);
    if (rc != 0)
        return rc;
    return not_yet("compile");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("cbrc %s\n", cbr_version());
        return 0;
    }
    if (!strcmp(cmd, "help")) {
        if (argc < 3) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (!strcmp(argv[2], "check")) {
            fputs(check_help, stdout);
            return 0;
        }
        return usage_error("help: no help for `%s`", argv[2]);
    }
    if (!strcmp(cmd, "check"))
        return cmd_check(argc - 2, argv + 2);
    if (!strcmp(cmd, "compile"))
        return cmd_compile(argc - 2, argv + 2);
    if (!strcmp(cmd, "run") || !strcmp(cmd, "test") || !strcmp(cmd, "explain") ||
        !strcmp(cmd, "fmt") || !strcmp(cmd, "disasm"))
        return not_yet(cmd);
    return usage_error("unknown command `%s`", cmd);
}
