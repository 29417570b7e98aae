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
#include "hosts/pool.h"
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

/* A batch and what goes with it from the moment it is filled until its
 * award lines are written: with --jobs N, N of them are being evaluated
 * while the next is read, and the lines of the last one settled are being
 * written. */
typedef struct batch_slot {
    hjob job;                   /* its context and batch, and how evaluating them went */
    hjob write;                 /* writing its award lines (--jobs N) */
    struct run *r;
    bool busy;                  /* handed to be evaluated, not yet settled */
    bool writing;               /* its lines handed to be written, not yet waited for */
    cbrc_held held;             /* the rejects read while it was filled (--jobs N) */
    /* each row: its line and bytes, to reject it if settling refuses it */
    uint64_t *lines;
    int32_t *days;              /* the date each row's timestamp is written with (the report's days) */
    size_t *rawoff;             /* rows + 1 offsets into raw */
    char *raw;
    size_t nraw, capraw;
} batch_slot;

/* --jobs: threads evaluating batches; by default one per core. */
#define MAX_JOBS 256
#define MAX_JOBS_TEXT "256"

static long default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : n;
}

typedef struct run {
    cbrc_feed feed;
    cbr_program *p;
    /* The ring of slots: filled in turn at cur; the `inflight` before it,
     * from `first`, are being evaluated; those before them are settled
     * and being written. */
    batch_slot *slots;
    size_t nslots, cur, first, inflight;
    unsigned jobs;              /* most batches evaluated at once */
    hpool *pool;                /* evaluates batches while the next is read; NULL: one job */
    hpool *writer;              /* one thread writing award lines in turn; NULL: one job */
    bool tallies;               /* a batch is evaluated after the one before is settled */
    FILE *out;
    cbrc_summary *summary;      /* --summary or --report, or NULL */
    statedb *db;                /* --state, or NULL */
    size_t state_cache;         /* its cache's bound in bytes */
    bool report;                /* --report: count awards by day */
    cbrc_counts counts;         /* .earning is the writer's, the rest the reader's */
    /* the writer's */
    size_t last_row;            /* of the last award in this batch, to count earning rows */
    cbrtb line;                 /* the award lines being written */
    _Atomic int write_errno;    /* writing failed: ENOMEM counting the summary, or the system's reason */
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

static bool write_award(run *r, const batch_slot *s, const cbr_award *a)
{
    haward_line(&r->line, a);
    if (r->line.oom)
        return false;
    if (r->line.n >= LINES_FLUSH)
        write_lines(r);
    if (r->summary && !cbrc_summary_event(r->summary, a))
        return false;
    if (a->event != CBR_EVENT_AWARD)
        return true; /* reversals are not earnings of the summary's offers */
    if (a->row != r->last_row) {
        r->counts.earning++;
        r->last_row = a->row;
    }
    if (r->summary) {
        size_t un;
        const char *user = cbr_batch_string(s->job.b, a->row, 1, &un);
        if (!cbrc_summary_award(r->summary, a, user, un, s->days[a->row]))
            return false;
    }
    return true;
}

/* Writes the award lines of a settled batch, in the order they were
 * granted, and counts them in the summary: on the writer's thread with
 * --jobs N.  The awards and the batch stay as they are until the slot is
 * filled again, which waits for this. */
static void write_slot(hjob *j)
{
    batch_slot *s = j->ud;
    run *r = s->r;
    size_t n;
    const cbr_award *aw = cbr_context_awards(s->job.ctx, &n);
    r->last_row = SIZE_MAX;
    for (size_t i = 0; i < n && !r->write_errno; i++)
        if (!write_award(r, s, &aw[i]))
            r->write_errno = ENOMEM;
    errno = 0;
    write_lines(r);
    if (!r->write_errno && ferror(r->out))
        r->write_errno = errno ? errno : EIO;
}

/* false, with the reason printed, once writing failed. */
static bool written(run *r)
{
    int e = r->write_errno;
    if (e == ENOMEM)
        fprintf(stderr, "%s: out of memory writing awards\n", prog);
    else if (e)
        fprintf(stderr, "%s: writing awards: %s\n", prog, strerror(e));
    return e == 0;
}

/* Settles the oldest slot once it is evaluated: the rejects read while it
 * was filled are reported first, then the rows settling refused, in input
 * order, so that every run gives the same output whatever --jobs says; its
 * award lines are written (on the writer's thread with --jobs N). */
static bool settle_slot(run *r, batch_slot *s)
{
    cbr_batch *b = s->job.b;
    cbr_context *ctx = s->job.ctx;
    if (r->pool)
        hpool_wait(r->pool, &s->job);
    s->busy = false;
    cbrc_feed_release(&r->feed, &s->held);
    if (s->held.oom) {
        fprintf(stderr, "%s: out of memory keeping the rejected records\n", prog);
        return false;
    }
    size_t rows = cbr_batch_rows(b);
    if (rows == 0)
        return true;
    cbr_error err = s->job.err;
    cbr_status st = r->pool ? s->job.st : cbr_evaluate(ctx, b, &err);
    /* As cbr_eval does: a stretch of a batch with tallies ends at a refund,
     * and the rest is evaluated again once it is settled. */
    while (st == CBR_OK) {
        st = cbr_settle(ctx, NULL, NULL, &err);
        if (st != CBR_OK || cbr_context_settled(ctx) >= rows)
            break;
        st = cbr_evaluate(ctx, b, &err);
    }
    /* the awards of the rows settled, even after a failure */
    if (r->writer) {
        s->writing = true;
        hpool_submit(r->writer, &s->write);
    } else {
        write_slot(&s->write);
    }
    if (st != CBR_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        return false;
    }
    size_t refused = 0;
    for (size_t i = 0; i < rows; i++) {
        const char *why = cbr_context_refused(ctx, i);
        if (!why) {
            r->counts.refunds += (uint64_t)cbr_batch_refund(b, i);
            continue;
        }
        refused++;
        cbrc_feed_reject_kept(&r->feed, s->lines[i], s->raw + s->rawoff[i], s->rawoff[i + 1] - s->rawoff[i], why);
    }
    r->counts.evaluated += rows - refused;
    /* A month of transactions names millions of customers and purchases:
     * the state's cache is written into the run's transaction and emptied
     * when it passes its bound, so memory stays flat. */
    if (r->db && !statedb_spill(r->db, r->state_cache))
        return false;
    return r->writer || written(r);
}

/* Settles the oldest slot being evaluated. */
static bool settle_first(run *r)
{
    batch_slot *s = &r->slots[r->first];
    r->first = (r->first + 1) % r->nslots;
    r->inflight--;
    return settle_slot(r, s);
}

static bool settle_all(run *r)
{
    while (r->inflight)
        if (!settle_first(r))
            return false;
    return true;
}

/* Makes s ready to be filled: its last lines written, its batch emptied. */
static bool reuse(run *r, batch_slot *s)
{
    if (s->writing) {
        hpool_wait(r->writer, &s->write);
        s->writing = false;
    }
    s->nraw = 0;
    cbr_batch_clear(s->job.b);
    r->feed.held = r->pool ? &s->held : NULL;
    return !r->writer || written(r);
}

/* The slot being filled is full, or the input is at its end.  With one job
 * it is settled now.  Otherwise it is handed to be evaluated, the oldest
 * is settled once more than --jobs are, and the next slot is filled once
 * its lines are written.  A program with tallies reads the counters the
 * batch before it moves, so that batch is settled first. */
static bool flush_batch(run *r)
{
    batch_slot *s = &r->slots[r->cur];
    if (!r->pool)
        return settle_slot(r, s) && reuse(r, s);
    if (r->tallies && !settle_all(r))
        return false;
    s->busy = true;
    if (cbr_batch_rows(s->job.b) == 0) {
        s->job.st = CBR_OK;
        s->job.done = true; /* nothing to evaluate, only rejects to report */
    } else {
        hpool_submit(r->pool, &s->job);
    }
    r->inflight++;
    while (r->inflight > r->jobs)
        if (!settle_first(r))
            return false;
    r->cur = (r->cur + 1) % r->nslots;
    return reuse(r, &r->slots[r->cur]);
}

/* After the last flush: everything settled, every line written. */
static bool finish(run *r)
{
    if (!settle_all(r))
        return false;
    for (size_t i = 0; r->writer && i < r->nslots; i++)
        if (r->slots[i].writing) {
            hpool_wait(r->writer, &r->slots[i].write);
            r->slots[i].writing = false;
        }
    return !r->writer || written(r);
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
static bool keep_raw(run *r, batch_slot *s, size_t row, const cbrin_record *rec)
{
    if (!s->lines) {
        size_t cap = cbr_batch_capacity(s->job.b);
        s->lines = malloc(cap * sizeof *s->lines);
        s->days = malloc(cap * sizeof *s->days);
        s->rawoff = malloc((cap + 1) * sizeof *s->rawoff);
        if (!s->lines || !s->days || !s->rawoff)
            return false;
    }
    s->days[row] = r->report ? day_of(rec) : CBRC_NO_DAY;
    if (row == 0)
        s->nraw = 0;
    if (s->nraw + rec->rawlen > s->capraw) {
        size_t nc = (s->nraw + rec->rawlen) * 2 + 4096;
        char *q = realloc(s->raw, nc);
        if (!q)
            return false;
        s->raw = q;
        s->capraw = nc;
    }
    s->lines[row] = rec->line;
    s->rawoff[row] = s->nraw;
    if (rec->rawlen)
        memcpy(s->raw + s->nraw, rec->raw, rec->rawlen);
    s->nraw += rec->rawlen;
    s->rawoff[row + 1] = s->nraw;
    return true;
}

static int process(run *r)
{
    const cbrin_record *rec;
    int k;
    while ((k = cbrc_feed_next(&r->feed, &rec)) == 1) {
        batch_slot *s = &r->slots[r->cur];
        if (cbr_batch_rows(s->job.b) == cbr_batch_capacity(s->job.b)) {
            if (!flush_batch(r))
                return EXIT_USAGE;
            s = &r->slots[r->cur];
        }
        size_t row = cbr_batch_rows(s->job.b);
        if (cbrc_feed_row(&r->feed, s->job.b, rec) && !keep_raw(r, s, row, rec)) {
            fprintf(stderr, "%s: out of memory keeping the batch's records\n", prog);
            return EXIT_USAGE;
        }
        if (r->feed.rejects_failed) /* a reject that cannot be kept would be lost: stop */
            return EXIT_USAGE;
        if (r->progress && (r->feed.records & 4095) == 0)
            show_progress(r, false);
    }
    bool ok = flush_batch(r) && finish(r);
    if (k < 0)
        return EXIT_USAGE;
    if (!ok || r->feed.rejects_failed)
        return EXIT_USAGE;
    if (r->progress)
        show_progress(r, true);
    return r->feed.rejected ? EXIT_REJECTS : 0;
}

/* The slots of the ring, each with its batch and context; with more than
 * one, all count in the first one's store (or the --state database, set
 * later by set_store). */
static bool make_slots(run *r, size_t batch, unsigned jobs)
{
    /* --jobs evaluating, one being filled, one being written, one spare */
    r->nslots = jobs > 1 ? (size_t)jobs + 3 : 1;
    r->jobs = jobs;
    r->slots = calloc(r->nslots, sizeof *r->slots);
    if (!r->slots)
        return false;
    cbr_error err;
    for (size_t i = 0; i < r->nslots; i++) {
        batch_slot *s = &r->slots[i];
        s->r = r;
        s->job.fn = hpool_evaluate;
        s->write.fn = write_slot;
        s->write.ud = s;
        hjob *j = &s->job;
        if (cbr_batch_new(r->p, batch, &j->b, &err) != CBR_OK || cbr_context_new(r->p, batch, &j->ctx, &err) != CBR_OK) {
            fprintf(stderr, "%s: %s\n", prog, err.message);
            return false;
        }
        if (i == 0)
            continue;
        cbr_store own = cbr_state_store(cbr_context_state(r->slots[0].job.ctx));
        if (cbr_context_set_store(j->ctx, &own, &err) != CBR_OK) {
            fprintf(stderr, "%s: %s\n", prog, err.message);
            return false;
        }
    }
    return true;
}

/* The context that settled the latest timestamp: it knows the current
 * period of a paced budget, for the summary. */
static cbr_context *latest_ctx(const run *r)
{
    cbr_context *best = r->slots[0].job.ctx;
    int64_t t, bt;
    bool have = cbr_context_latest(best, &bt);
    for (size_t i = 1; i < r->nslots; i++)
        if (cbr_context_latest(r->slots[i].job.ctx, &t) && (!have || t > bt)) {
            best = r->slots[i].job.ctx;
            bt = t;
            have = true;
        }
    return best;
}

static void free_slots(run *r)
{
    for (size_t i = 0; r->slots && i < r->nslots; i++) {
        batch_slot *s = &r->slots[i];
        cbrc_held_free(&s->held);
        free(s->lines);
        free(s->days);
        free(s->rawoff);
        free(s->raw);
        cbr_context_free(s->job.ctx);
        cbr_batch_free(s->job.b);
    }
    free(r->slots);
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
    long jobs = default_jobs();
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
        } else if (slot || !strcmp(a, "--batch") || !strcmp(a, "--max-errors") || !strcmp(a, "--ledger-days")
                   || !strcmp(a, "--jobs") || !strcmp(a, "-j")) {
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
            } else if (!strcmp(a, "--jobs") || !strcmp(a, "-j")) {
                char *end;
                errno = 0;
                jobs = strtol(argv[++i], &end, 10);
                if (*end || end == argv[i] || jobs < 1 || jobs > MAX_JOBS || errno) {
                    free(rules);
                    return cbrc_usage_error("run: --jobs takes a number of threads from 1 to " MAX_JOBS_TEXT ", not %s", argv[i]);
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
        if (!make_slots(&r, (size_t)batch, (unsigned)jobs)) {
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
        rc = cbrc_load_state(r.p, r.slots[0].job.ctx, state, false, &db);
    for (size_t i = 1; db && rc == 0 && i < r.nslots; i++) {
        cbr_error err;
        if (cbr_context_set_store(r.slots[i].job.ctx, statedb_store(db), &err) != CBR_OK) {
            fprintf(stderr, "%s: %s: %s\n", prog, state, err.message);
            rc = EXIT_USAGE;
        }
    }
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
            r.tallies = cbr_program_tally_count(r.p) > 0;
            if (r.nslots > 1 && (r.pool = hpool_start((unsigned)jobs)) && (r.writer = hpool_start(1))) {
                r.feed.held = &r.slots[0].held;
            } else {
                hpool_stop(r.pool); /* no thread could be started: one job */
                r.pool = NULL;
            }
            struct stat sb;
            r.progress = isatty(STDERR_FILENO) && getenv("CBRC_NO_PROGRESS") == NULL;
            r.input_size = in != stdin && fstat(fileno(in), &sb) == 0 && S_ISREG(sb.st_mode) ? (long long)sb.st_size : 0;
            r.started = r.shown = now();
            rc = process(&r);
            /* What the threads still do is the work of a failed run; they
             * stop before anything is closed. */
            hpool_stop(r.pool);
            hpool_stop(r.writer);
            r.pool = r.writer = NULL;
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
                    cbrc_summary_print(r.summary, sumf, !strcmp(summary, "json"), latest_ctx(&r), &r.counts);
                cbrc_report_info info = {.input = input, .input_size = r.input_size,
                                         .bundle = cbr_program_hash(r.p), .rules = rules, .nrules = nrules};
                if (report && !cbrc_report_save(report, r.summary, latest_ctx(&r), &r.counts, &info))
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
    cbrtb_free(&r.line);
    free_slots(&r);
    statedb_close(db); /* without a commit: the file as it was */
    cbr_program_free(r.p);
    free(rules);
    return rc;
}
