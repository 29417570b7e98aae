/* cbrc_run.c: `cbrc run`, the batch job.
 *
 * Records stream from the reader into a batch; a full batch is evaluated and
 * its awards written before the next is filled, so memory stays flat
 * whatever the file size.  Every record is either added to a batch or
 * reported and written to --rejects: nothing is dropped without a word. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "hosts/award_line.h"
#include "hosts/cbrc.h"
#include "hosts/feed.h"
#include "hosts/statedb.h"
#include "hosts/report.h"
#include "hosts/summary.h"
#include "stdlib/date.h"

#define prog cbrc_prog

/* The --state cache's bound (statedb_spill), in MiB, unless
 * CBRC_STATE_CACHE_MB says otherwise; SQLite's own page cache is another
 * 256 MiB at most (statedb.c). */
#define STATE_CACHE_MB 256

static size_t state_cache_bytes(void)
{
    const char *e = getenv("CBRC_STATE_CACHE_MB");
    char *end;
    unsigned long mb = e ? strtoul(e, &end, 10) : 0;
    if (!e || !*e || *end || mb > 1u << 20)
        mb = STATE_CACHE_MB;
    return (size_t)mb << 20;
}

typedef struct run {
    cbrc_feed feed;
    cbr_program *p;
    cbr_batch *b;
    cbr_context *ctx;
    FILE *out;
    cbrc_summary *summary;      /* --summary or --report, or NULL */
    statedb *db;                /* --state, or NULL */
    size_t state_cache;         /* its cache's bound in bytes */
    bool report;                /* --report: count awards by day */
    cbrc_counts counts;
    size_t last_row;            /* of the last award in this batch, to count earning rows */
    bool oom;
    /* each row of the batch: its line and bytes, to reject it if settling refuses it */
    uint64_t *lines;
    int32_t *days;              /* the date each row's timestamp is written with (the report's days) */
    size_t *rawoff;             /* rows + 1 offsets into raw */
    char *raw;
    size_t nraw, capraw;
    cbrtb line;                 /* the award line being written */
    /* progress on a terminal */
    bool progress;
    long long input_size;       /* bytes, 0 when unknown */
    double started, shown;
} run;

/* Award lines are gathered in r->line and written a batch (or a mebibyte)
 * at a time: one fwrite a line cost more than making the line. */
#define LINES_FLUSH (1u << 20)

static void write_lines(run *r)
{
    if (r->line.n)
        fwrite(r->line.p, 1, r->line.n, r->out);
    r->line.n = 0;
}

static void print_award(void *ud, const cbr_award *a)
{
    run *r = ud;
    haward_line(&r->line, a);
    if (r->line.oom) {
        r->oom = true;
        return;
    }
    if (r->line.n >= LINES_FLUSH)
        write_lines(r);
    if (r->summary && !cbrc_summary_event(r->summary, a))
        r->oom = true;
    if (a->event != CBR_EVENT_AWARD)
        return; /* reversals are not earnings of the summary's offers */
    if (a->row != r->last_row) {
        r->counts.earning++;
        r->last_row = a->row;
    }
    if (r->summary) {
        size_t un;
        const char *user = cbr_batch_string(r->b, a->row, 1, &un);
        if (!cbrc_summary_award(r->summary, a, user, un, r->days[a->row]))
            r->oom = true;
    }
}

static bool flush_batch(run *r)
{
    size_t rows = cbr_batch_rows(r->b);
    if (rows == 0)
        return true;
    cbr_error err;
    r->last_row = SIZE_MAX;
    cbr_status st = cbr_eval(r->ctx, r->b, print_award, r, &err);
    write_lines(r); /* the awards of the rows settled, even after a failure */
    if (st != CBR_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        return false;
    }
    /* Rows settling refused are rejected records, reported in input order
     * after the batch. */
    size_t refused = 0;
    for (size_t i = 0; i < rows; i++) {
        const char *why = cbr_context_refused(r->ctx, i);
        if (!why) {
            r->counts.refunds += (uint64_t)cbr_batch_refund(r->b, i);
            continue;
        }
        refused++;
        cbrc_feed_reject_kept(&r->feed, r->lines[i], r->raw + r->rawoff[i], r->rawoff[i + 1] - r->rawoff[i], why);
    }
    r->counts.evaluated += rows - refused;
    r->nraw = 0;
    cbr_batch_clear(r->b);
    /* A month of transactions names millions of customers and purchases:
     * the state's cache is written into the run's transaction and emptied
     * when it passes its bound, so memory stays flat. */
    if (r->db && !statedb_spill(r->db, r->state_cache))
        return false;
    if (r->oom) {
        fprintf(stderr, "%s: out of memory counting the summary\n", prog);
        return false;
    }
    if (ferror(r->out)) {
        fprintf(stderr, "%s: writing awards: %s\n", prog, strerror(errno));
        return false;
    }
    return true;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Records, percent of the file and records a second, twice a second; only
 * on a terminal, so that logs of batch jobs stay clean. */
static void show_progress(run *r, bool last)
{
    double t = now();
    if (!last && t - r->shown < 0.5)
        return;
    r->shown = t;
    double rate = t > r->started ? (double)r->feed.records / (t - r->started) : 0;
    fprintf(stderr, "\r%s: %llu records", prog, (unsigned long long)r->feed.records);
    if (r->input_size > 0)
        fprintf(stderr, ", %.1f%%", 100.0 * (double)cbrin_bytes_read(r->feed.reader) / (double)r->input_size);
    fprintf(stderr, ", %.0f records/s\033[K%s", rate, last ? "\n" : "");
}

/* The date a record's timestamp is written with ("2026-03-13T..." is
 * 2026-03-13, whatever its offset), or CBRC_NO_DAY. */
static int32_t day_of(const cbrin_record *rec)
{
    size_t n;
    const char *ts = cbrc_feed_cell(rec, "timestamp", &n);
    int32_t day;
    return ts && n >= 10 && cbrdate_parse(ts, 10, &day) ? day : CBRC_NO_DAY;
}

/* Keeps row's line and bytes until the batch is settled. */
static bool keep_raw(run *r, size_t row, const cbrin_record *rec)
{
    if (!r->lines) {
        size_t cap = cbr_batch_capacity(r->b);
        r->lines = malloc(cap * sizeof *r->lines);
        r->days = malloc(cap * sizeof *r->days);
        r->rawoff = malloc((cap + 1) * sizeof *r->rawoff);
        if (!r->lines || !r->days || !r->rawoff)
            return false;
    }
    r->days[row] = r->report ? day_of(rec) : CBRC_NO_DAY;
    if (row == 0)
        r->nraw = 0;
    if (r->nraw + rec->rawlen > r->capraw) {
        size_t nc = (r->nraw + rec->rawlen) * 2 + 4096;
        char *q = realloc(r->raw, nc);
        if (!q)
            return false;
        r->raw = q;
        r->capraw = nc;
    }
    r->lines[row] = rec->line;
    r->rawoff[row] = r->nraw;
    if (rec->rawlen)
        memcpy(r->raw + r->nraw, rec->raw, rec->rawlen);
    r->nraw += rec->rawlen;
    r->rawoff[row + 1] = r->nraw;
    return true;
}

static int process(run *r)
{
    const cbrin_record *rec;
    int k;
    while ((k = cbrc_feed_next(&r->feed, &rec)) == 1) {
        if (cbr_batch_rows(r->b) == cbr_batch_capacity(r->b) && !flush_batch(r))
            return EXIT_USAGE;
        size_t row = cbr_batch_rows(r->b);
        if (cbrc_feed_row(&r->feed, r->b, rec) && !keep_raw(r, row, rec)) {
            fprintf(stderr, "%s: out of memory keeping the batch's records\n", prog);
            return EXIT_USAGE;
        }
        if (r->feed.rejects_failed) /* a reject that cannot be kept would be lost: stop */
            return EXIT_USAGE;
        if (r->progress && (r->feed.records & 4095) == 0)
            show_progress(r, false);
    }
    if (k < 0) {
        flush_batch(r);
        return EXIT_USAGE;
    }
    if (!flush_batch(r))
        return EXIT_USAGE;
    if (r->progress)
        show_progress(r, true);
    return r->feed.rejected ? EXIT_REJECTS : 0;
}

/* --state FILE: counters, tallies and the award ledger carried from one
 * run to the next, in a database (hosts/statedb.c); a missing file is a
 * first run.  explain opens it only to read. */
int cbrc_load_state(const cbr_program *p, cbr_context *ctx, const char *path, bool read_only, statedb **db)
{
    *db = NULL;
    struct stat sb;
    if (read_only && stat(path, &sb) != 0 && errno == ENOENT)
        return 0; /* nothing counted yet */
    *db = statedb_open(path, read_only ? STATEDB_READ : STATEDB_RUN);
    if (!*db)
        return EXIT_USAGE;
    if (!statedb_migrate_pots(*db, p)) {
        statedb_close(*db);
        *db = NULL;
        return EXIT_USAGE;
    }
    cbr_error err;
    if (cbr_context_set_store(ctx, statedb_store(*db), &err) != CBR_OK) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, err.message);
        statedb_close(*db);
        *db = NULL;
        return EXIT_USAGE;
    }
    return 0;
}

/* Whether `path` (of option `opt`) can be written at the end of the run,
 * found out now without touching it: an existing file is opened for
 * writing without truncating it, a new one needs a directory it can be
 * made in.  With `in_dir`, the directory must be writable in any case
 * (--state writes PATH.new and renames it over PATH).  false with the
 * path and the system's reason printed. */
static bool writable(const char *opt, const char *path, bool in_dir)
{
    struct stat sb;
    int e = 0;
    if (stat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) {
            e = EISDIR;
        } else if (S_ISREG(sb.st_mode)) {
            int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
            if (fd < 0)
                e = errno;
            else
                close(fd);
        }
        if (e || !in_dir)
            goto out;
    } else if (errno != ENOENT) {
        e = errno;
        goto out;
    }
    char *copy = strdup(path);
    if (!copy) {
        e = ENOMEM;
        goto out;
    }
    const char *dir = dirname(copy);
    if (stat(dir, &sb) != 0)
        e = errno;
    else if (!S_ISDIR(sb.st_mode))
        e = ENOTDIR;
    else if (access(dir, W_OK | X_OK) != 0)
        e = errno;
    if (e) {
        fprintf(stderr, "%s: %s %s: cannot create files in %s: %s\n", prog, opt, path, dir, strerror(e));
        free(copy);
        return false;
    }
    free(copy);
out:
    if (e)
        fprintf(stderr, "%s: %s %s: %s\n", prog, opt, path, strerror(e));
    return e == 0;
}

/* Writes what is buffered for f (named `path`) and says whether all of it
 * reached the file; false with the reason printed. */
static bool flushed(FILE *f, const char *path)
{
    if (!f)
        return true;
    errno = 0;
    if (fflush(f) == 0 && !ferror(f))
        return true;
    fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno ? errno : EIO));
    return false;
}

int cbrc_cmd_run(int argc, char **argv)
{
    const char **rules = calloc((size_t)argc + 1, sizeof *rules);
    const char *input = NULL, *output = NULL, *rejects = NULL, *format = NULL, *state = NULL;
    const char *summary = NULL, *summary_out = NULL, *report = NULL;
    long batch = 1024;
    long ledger_days = -1; /* --ledger-days: the database's own when not given */
    long long max_errors = 100;
    int nrules = 0;
    if (!rules)
        return EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "--input") || !strcmp(a, "-i") ? &input
                          : !strcmp(a, "--output") || !strcmp(a, "-o") ? &output
                          : !strcmp(a, "--rejects") ? &rejects
                          : !strcmp(a, "--format") ? &format
                          : !strcmp(a, "--state") ? &state
                          : !strcmp(a, "--summary-output") ? &summary_out
                          : !strcmp(a, "--report") ? &report : NULL;
        if (!strcmp(a, "--summary")) {
            summary = "text";
        } else if (!strncmp(a, "--summary-format=", 17)) {
            summary = a + 17;
            if (strcmp(summary, "text") && strcmp(summary, "json")) {
                free(rules);
                return cbrc_usage_error("run: --summary-format takes text or json, not %s", summary);
            }
        } else if (slot || !strcmp(a, "--batch") || !strcmp(a, "--max-errors") || !strcmp(a, "--ledger-days")) {
            if (i + 1 == argc) {
                free(rules);
                return cbrc_usage_error("run: %s needs a value", a);
            }
            if (slot) {
                *slot = argv[++i];
            } else if (!strcmp(a, "--ledger-days")) {
                char *end;
                errno = 0;
                ledger_days = strtol(argv[++i], &end, 10);
                if (*end || end == argv[i] || ledger_days < 1 || ledger_days > 36600 || errno) {
                    free(rules);
                    return cbrc_usage_error("run: --ledger-days takes a number of days from 1 to 36600, not %s", argv[i]);
                }
            } else if (!strcmp(a, "--max-errors")) {
                char *end;
                errno = 0;
                max_errors = strtoll(argv[++i], &end, 10);
                if (*end || end == argv[i] || max_errors < 0 || errno) {
                    free(rules);
                    return cbrc_usage_error("run: --max-errors takes a number, 0 for all, not %s", argv[i]);
                }
            } else {
                char *end;
                batch = strtol(argv[++i], &end, 10);
                if (*end || batch < 1 || batch > 1000000) {
                    free(rules);
                    return cbrc_usage_error("run: --batch takes a number from 1 to 1000000, not %s", argv[i]);
                }
            }
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(cbrc_help_for("run"), stdout);
            free(rules);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            free(rules);
            return cbrc_usage_error("run: unknown option %s", a);
        } else {
            rules[nrules++] = a;
        }
    }
    if (summary_out && !summary)
        summary = "text";
    int rc = 0;
    cbrin_format fmt = CBRIN_CSV;
    if (nrules == 0)
        rc = cbrc_usage_error("run: %s", "no rule files given");
    else if (!input)
        rc = cbrc_usage_error("run: %s", "no input: add --input FILE");
    else
        rc = cbrc_feed_format("run", input, format, &fmt);
    run r = {.p = NULL, .report = report != NULL};
    if (rc == 0)
        r.p = cbrc_load_rules(rules, nrules, true, &rc);
    cbr_error why;
    if (r.p && cbr_program_runnable(r.p, &why) != CBR_OK) {
        /* cbrc registers no host functions; an embedding host does. */
        fprintf(stderr, "%s: %s; cbrc cannot run such rules (see doc/embedding.md)\n", prog, why.message);
        rc = EXIT_USAGE;
    }
    FILE *in = NULL, *rej = NULL, *sumf = NULL;
    /* Everything the run will write is checked before any input is read,
     * and before anything is created or truncated: a run that cannot save
     * its state or keep its rejects is refused now, not after the work. */
    if (r.p && rc == 0 && ((output && !writable("--output", output, false))
                           || (rejects && !writable("--rejects", rejects, false))
                           || (summary_out && !writable("--summary-output", summary_out, false))
                           || (report && !writable("--report", report, false))
                           || (state && !writable("--state", state, true))))
        rc = EXIT_USAGE;
    if (r.p && rc == 0) {
        in = !strcmp(input, "-") ? stdin : fopen(input, "rb");
        if (!in) {
            fprintf(stderr, "%s: %s: %s\n", prog, input, strerror(errno));
            rc = EXIT_USAGE;
        }
    }
    if (r.p && rc == 0) {
        cbr_error err;
        if (cbr_batch_new(r.p, (size_t)batch, &r.b, &err) != CBR_OK ||
            cbr_context_new(r.p, (size_t)batch, &r.ctx, &err) != CBR_OK) {
            fprintf(stderr, "%s: %s\n", prog, err.message);
            rc = EXIT_USAGE;
        } else if ((summary || report) && !(r.summary = cbrc_summary_new(r.p))) {
            fprintf(stderr, "%s: out of memory\n", prog);
            rc = EXIT_USAGE;
        }
    }
    /* Yesterday's state is read before any output file is opened, so a bad
     * one leaves them as they were. */
    statedb *db = NULL;
    if (r.p && rc == 0 && state)
        rc = cbrc_load_state(r.p, r.ctx, state, false, &db);
    r.db = db;
    r.state_cache = state_cache_bytes();
    if (db && ledger_days >= 0)
        statedb_set_ledger_days(db, ledger_days);
    if (r.p && rc == 0) {
        r.out = output ? fopen(output, "wb") : stdout;
        rej = rejects ? fopen(rejects, "wb") : NULL;
        sumf = summary_out ? fopen(summary_out, "wb") : summary ? stderr : NULL;
        const char *bad = !r.out ? output : rejects && !rej ? rejects : summary_out && !sumf ? summary_out : NULL;
        if (bad) {
            fprintf(stderr, "%s: %s: %s\n", prog, bad, strerror(errno));
            rc = EXIT_USAGE;
        }
    }
    bool fed = false;
    if (r.p && rc == 0) {
        if (!(fed = cbrc_feed_open(&r.feed, r.p, in, input, fmt))) {
            rc = EXIT_USAGE;
        } else {
            r.feed.rejects = rej;
            r.feed.max_errors = (uint64_t)max_errors;
            struct stat sb;
            r.progress = isatty(STDERR_FILENO) && getenv("CBRC_NO_PROGRESS") == NULL;
            r.input_size = in != stdin && fstat(fileno(in), &sb) == 0 && S_ISREG(sb.st_mode) ? (long long)sb.st_size : 0;
            r.started = r.shown = now();
            rc = process(&r);
            if (r.feed.rejects_failed)
                fprintf(stderr, "%s: %s: %s\n", prog, rejects, strerror(r.feed.rejects_errno));
            cbrc_feed_report_rest(&r.feed);
            /* Awards and rejects reach their files before the state moves
             * on: a disk that fills up fails the run, and the next run
             * starts again from yesterday's state. */
            if ((rc == 0 || rc == EXIT_REJECTS)
                && (!flushed(r.out, output ? output : "writing awards") || !flushed(rej, rejects)))
                rc = EXIT_USAGE;
            /* A run that finished (rejects included) moves the state on; a
             * failed one leaves yesterday's file as it was. */
            if (db && (rc == 0 || rc == EXIT_REJECTS) && !statedb_commit(db))
                rc = EXIT_USAGE;
            if (r.summary && (rc == 0 || rc == EXIT_REJECTS)) {
                r.counts.records = r.feed.records;
                r.counts.rejected = r.feed.rejected;
                r.counts.reasons = r.feed.reasons;
                r.counts.nreasons = r.feed.nreasons;
                if (summary)
                    cbrc_summary_print(r.summary, sumf, !strcmp(summary, "json"), r.ctx, &r.counts);
                cbrc_report_info info = {.input = input, .input_size = r.input_size,
                                         .bundle = cbr_program_hash(r.p), .rules = rules, .nrules = nrules};
                if (report && !cbrc_report_save(report, r.summary, r.ctx, &r.counts, &info))
                    rc = EXIT_USAGE;
            }
        }
    }
    if (r.out && r.out != stdout && fclose(r.out) != 0 && rc != EXIT_USAGE) {
        fprintf(stderr, "%s: %s: %s\n", prog, output, strerror(errno));
        rc = EXIT_USAGE;
    }
    if (r.out == stdout && fflush(stdout) != 0 && rc != EXIT_USAGE) {
        fprintf(stderr, "%s: writing awards: %s\n", prog, strerror(errno));
        rc = EXIT_USAGE;
    }
    if (sumf && sumf != stderr && fclose(sumf) != 0 && rc != EXIT_USAGE) {
        fprintf(stderr, "%s: %s: %s\n", prog, summary_out, strerror(errno));
        rc = EXIT_USAGE;
    }
    if (rej && fclose(rej) != 0 && rc != EXIT_USAGE) {
        fprintf(stderr, "%s: %s: %s\n", prog, rejects, strerror(errno));
        rc = EXIT_USAGE;
    }
    if (in && in != stdin)
        fclose(in);
    if (fed)
        cbrc_feed_close(&r.feed);
    cbrc_summary_free(r.summary);
    free(r.lines);
    free(r.days);
    free(r.rawoff);
    free(r.raw);
    cbrtb_free(&r.line);
    cbr_context_free(r.ctx);
    statedb_close(db); /* without a commit: the file as it was */
    cbr_batch_free(r.b);
    cbr_program_free(r.p);
    free(rules);
    return rc;
}
