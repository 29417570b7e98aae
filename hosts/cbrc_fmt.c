/* cbrc_fmt.c: `cbrc fmt`, rule files in the canonical layout through
 * cbr_format: printed, rewritten in place (--write) or only checked
 * (--check, for CI).  A file with syntax errors is reported as `cbrc check`
 * reports it and left alone. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hosts/cbrc.h"

#define prog cbrc_prog

static void print_diagnostic(void *ud, const cbr_diagnostic *d)
{
    unsigned *errors = ud;
    char *text;
    if (cbr_diagnostic_format(NULL, d, &text, NULL, NULL) == CBR_OK)
        fputs(text, stderr);
    cbr_free(text);
    *errors += d->severity == CBR_ERROR;
}

/* The text of path, or of standard input for "-"; NULL after reporting. */
static char *read_source(const char *path, size_t *len)
{
    if (strcmp(path, "-") != 0) {
        char *text = (char *)cbrc_read_file(path, len);
        if (!text)
            fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        return text;
    }
    char *b = (char *)cbrc_read_stream(stdin, len);
    if (!b)
        fprintf(stderr, "%s: standard input: %s\n", prog, strerror(errno));
    return b;
}

/* Formats one file as the mode asks; returns its exit status. */
static int fmt_one(const char *path, bool write, bool check)
{
    size_t len;
    char *text = read_source(path, &len);
    if (!text)
        return EXIT_USAGE;
    cbr_config cfg;
    cbr_config_init(&cfg);
    unsigned errors = 0;
    cfg.on_diagnostic = print_diagnostic;
    cfg.diagnostic_ud = &errors;
    char *out = NULL;
    size_t out_len = 0;
    cbr_error err;
    const char *name = strcmp(path, "-") ? path : "<stdin>";
    cbr_status st = cbr_format(&cfg, name, text, len, &out, &out_len, &err);
    int rc = 0;
    if (st == CBR_ERR_COMPILE) {
        fprintf(stderr, "%u error%s, 0 warnings\n", errors, errors == 1 ? "" : "s");
        rc = EXIT_RULES;
    } else if (st != CBR_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        rc = EXIT_USAGE;
    } else {
        bool same = out_len == len && memcmp(out, text, len) == 0;
        if (check) {
            if (!same) {
                printf("%s\n", path);
                rc = EXIT_RULES;
            }
        } else if (write) {
            struct stat sb;
            bool have_mode = stat(path, &sb) == 0;
            if (!same && !cbrc_write_atomically(path, out, out_len)) {
                fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
                rc = EXIT_USAGE;
            } else if (!same && have_mode) {
                /* The new file replaces the old one: keep its permissions. */
                (void)chmod(path, sb.st_mode & 07777);
            }
        } else {
            fwrite(out, 1, out_len, stdout);
        }
    }
    cbr_free(out);
    free(text);
    return rc;
}

int cbrc_cmd_fmt(int argc, char **argv)
{
    bool write = false, check = false, stdin_named = false;
    int nfiles = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--write") || !strcmp(a, "-w"))
            write = true;
        else if (!strcmp(a, "--check"))
            check = true;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(cbrc_help_for("fmt"), stdout);
            return 0;
        } else if (a[0] == '-' && a[1])
            return cbrc_usage_error("fmt: unknown option %s", a);
        else {
            stdin_named |= !strcmp(a, "-");
            nfiles++;
        }
    }
    if (write && stdin_named)
        return cbrc_usage_error("fmt: %s", "--write needs files, not standard input");
    if (write && check)
        return cbrc_usage_error("fmt: %s", "give --check or --write, not both");
    if (nfiles == 0)
        return cbrc_usage_error("fmt: %s", "no rule files given");
    int rc = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1])
            continue;
        int r = fmt_one(a, write, check);
        /* The worst status wins: I/O (2) over unformatted or broken (1). */
        rc = r > rc ? r : rc;
    }
    fflush(stdout);
    return rc;
}
