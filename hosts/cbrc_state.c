/* cbrc_state.c: `cbrc state FILE [--dump]`, what a `--state` database holds,
 * and `cbrc vest --state FILE [--at INSTANT]`, the nightly job that pays
 * the pending awards that are due (contract §2). */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "hosts/award_line.h"
#include "hosts/cbrc.h"
#include "hosts/statedb.h"
#include "stdlib/date.h"
#include "stdlib/textbuf.h"

#define prog cbrc_prog

static void utc_text(char out[32], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm))
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        snprintf(out, 32, "%" PRId64, t);
}

/* ---- cbrc state ---- */

/* Pending cashback per currency, for the summary. */
typedef struct pend_sum {
    struct {
        char currency[4];
        int exponent;
        int64_t minor;
        uint64_t awards;
    } cur[64];
    size_t ncur;
    uint64_t awards;
    int64_t next;
    bool overflow;
} pend_sum;

static void add_pending(void *ud, const cbr_award *a)
{
    pend_sum *p = ud;
    p->awards++;
    if (a->vests_at < p->next)
        p->next = a->vests_at;
    size_t i = 0;
    while (i < p->ncur && strcmp(p->cur[i].currency, a->currency))
        i++;
    if (i == p->ncur) {
        if (i == sizeof p->cur / sizeof p->cur[0]) {
            p->overflow = true;
            return;
        }
        memcpy(p->cur[i].currency, a->currency, sizeof a->currency);
        p->cur[i].exponent = a->exponent;
        p->ncur++;
    }
    if (__builtin_add_overflow(p->cur[i].minor, a->cashback, &p->cur[i].minor))
        p->overflow = true;
    p->cur[i].awards++;
}

static void dump_counter(void *ud, const char *key, size_t n, int64_t v)
{
    (void)ud;
    printf("%.*s\t%" PRId64 "\n", (int)n, key, v);
}

static void dump_record(void *ud, const char *key, size_t n, const void *data, size_t len)
{
    bool *bad = ud;
    char *text = NULL;
    size_t tn;
    cbr_error err;
    if (cbr_ledger_text(NULL, data, len, &text, &tn, &err) != CBR_OK) {
        fprintf(stderr, "%s: ledger record %.*s: %s\n", prog, (int)n, key, err.message);
        *bad = true;
        return;
    }
    fwrite(text, 1, tn, stdout);
    cbr_free(text);
}

static int show(const char *path, statedb *db)
{
    statedb_info info;
    pend_sum p = {.next = INT64_MAX};
    if (!statedb_info_of(db, &info) || !statedb_each_pending(db, add_pending, &p))
        return EXIT_USAGE;
    struct stat sb;
    long long bytes = stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
    printf("%s: the state of cbrc run, %lld bytes\n", path, bytes);
    printf("counters: %" PRIu64 " (limits, budgets and tallies)\n", info.counters);
    printf("ledger: %" PRIu64 " records, %" PRIu64 " with pending awards\n", info.records, info.pending);
    if (!p.awards) {
        printf("pending: nothing\n");
    } else {
        for (size_t i = 0; i < p.ncur; i++) {
            cbr_award a = {.cashback = p.cur[i].minor, .exponent = p.cur[i].exponent};
            char amount[32];
            cbr_award_amount(&a, amount, sizeof amount);
            printf("pending: %s %s in %" PRIu64 " awards\n", amount, p.cur[i].currency, p.cur[i].awards);
        }
        char when[32];
        utc_text(when, p.next);
        printf("next vesting: %s\n", when);
    }
    if (p.overflow)
        printf("pending: (more currencies or a total past the largest amount: not all are shown)\n");
    printf("retention: ledger records with nothing pending are kept %ld days after the newest\n", info.ledger_days);
    return 0;
}

static int dump(statedb *db)
{
    bool bad = false;
    printf("# counters: KEY<TAB>VALUE\n");
    if (!statedb_each_counter(db, dump_counter, NULL))
        return EXIT_USAGE;
    printf("# ledger\n");
    if (!statedb_each_record(db, dump_record, &bad))
        return EXIT_USAGE;
    return bad ? EXIT_USAGE : 0;
}

int cbrc_cmd_state(int argc, char **argv)
{
    const char *path = NULL;
    bool want_dump = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--dump"))
            want_dump = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cbrc_usage_error("state: unknown option %s", argv[i]);
        else if (path)
            return cbrc_usage_error("state: one FILE at a time, not also %s", argv[i]);
        else
            path = argv[i];
    }
    if (!path)
        return cbrc_usage_error("state: %s", "no FILE given");
    statedb *db = statedb_open(path, STATEDB_READ);
    if (!db)
        return EXIT_USAGE;
    int rc = want_dump ? dump(db) : show(path, db);
    if (fflush(stdout) != 0 && rc == 0) {
        fprintf(stderr, "%s: writing: %s\n", prog, strerror(errno));
        rc = EXIT_USAGE;
    }
    statedb_close(db);
    return rc;
}

/* ---- cbrc vest ---- */

typedef struct vest_out {
    cbrtb line;
    uint64_t lines;
    bool failed;
} vest_out;

static void print_vest(void *ud, const cbr_award *a)
{
    vest_out *v = ud;
    v->line.n = 0;
    haward_line(&v->line, a);
    if (v->line.oom || fwrite(v->line.p, 1, v->line.n, stdout) != v->line.n)
        v->failed = true;
    v->lines++;
}

int cbrc_cmd_vest(int argc, char **argv)
{
    const char *path = NULL, *at_text = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--state") || !strcmp(a, "--at")) {
            if (i + 1 == argc)
                return cbrc_usage_error("vest: %s needs a value", a);
            *(!strcmp(a, "--state") ? &path : &at_text) = argv[++i];
        } else if (!strncmp(a, "--state=", 8)) {
            path = a + 8;
        } else if (!strncmp(a, "--at=", 5)) {
            at_text = a + 5;
        } else {
            return cbrc_usage_error("vest: unknown argument %s", a);
        }
    }
    if (!path)
        return cbrc_usage_error("vest: %s", "--state FILE is needed (the state of the runs)");
    int64_t at = (int64_t)time(NULL);
    if (at_text) {
        int off;
        cbrinst_err e = cbrinst_parse(at_text, strlen(at_text), &at, &off);
        if (e != CBRINST_OK) {
            fprintf(stderr, "%s: vest: --at %s: %s\n(see `cbrc --help`)\n", prog, at_text, cbrinst_errtext(e));
            return EXIT_USAGE;
        }
    }
    statedb *db = statedb_open(path, STATEDB_VEST);
    if (!db)
        return EXIT_USAGE;
    vest_out v = {0};
    int rc = 0;
    if (!statedb_vest(db, at, print_vest, &v))
        rc = EXIT_USAGE;
    /* The lines are out before the state says they were paid: a failure
     * between the two prints them again next time, under the same award
     * ids, and loses none. */
    if (rc == 0 && (v.failed || fflush(stdout) != 0)) {
        fprintf(stderr, "%s: writing the vest lines: %s; %s is left as it was\n", prog,
                v.line.oom ? "out of memory" : strerror(errno), path);
        rc = EXIT_USAGE;
    }
    if (rc == 0 && !statedb_commit(db)) {
        fprintf(stderr, "%s: %s: the %" PRIu64 " vest lines printed are not recorded as paid: the next "
                        "`cbrc vest` prints them again (the same award ids)\n", prog, path, v.lines);
        rc = EXIT_USAGE;
    }
    cbrtb_free(&v.line);
    statedb_close(db);
    return rc;
}
