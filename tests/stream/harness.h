/* harness.h: the cbr-stream test harness (tests/stream/).
 *
 * The harness hosts librdkafka's mock cluster on loopback, produces
 * transactions, runs cbr-stream as a separate process against the cluster
 * (starting, signalling and killing it), reads everything cbr-stream
 * produces and compares it with what `cbrc run` answers over the same
 * records in partition order.  It prints TAP. */
#ifndef CBR_TESTS_STREAM_HARNESS_H
#define CBR_TESTS_STREAM_HARNESS_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One produced record, and what the harness expects of it. */
typedef struct h_tx {
    char *json;          /* the message value; NULL for a message without value */
    char *key;           /* user_id */
    bool bad;            /* cbr-stream must reject it */
    int phase;           /* when it was produced (scenario-specific) */
} h_tx;

/* One award id the answer holds, or one reject. */
typedef struct h_expect {
    char *id;            /* event: AWARD_ID|EVENT|TID; reject: KEY|the value's bytes */
    char *amount;        /* award: "2.50 USD" */
    int seen;            /* copies received */
    char bundle[80];     /* award: the bundle hash of its first copy */
} h_expect;

typedef struct harness {
    const char *stream_bin, *cbrc, *srcdir;
    char work[256];
    rd_kafka_t *owner;              /* owns the mock cluster */
    rd_kafka_mock_cluster_t *mc;
    const char *bootstraps;
    rd_kafka_t *producer, *reader;
    rd_kafka_t *intruder;           /* a second member of cbr-stream's group, when set */
    h_tx *tx;
    size_t ntx;
    /* what cbr-stream produced, against the answer */
    h_expect *awards, *rejects;     /* awards: every event of cashback_events */
    size_t nawards, nrejects;
    size_t naward_events;           /* of nawards, those with event "award" */
    size_t awards_seen, rejects_seen, copies, unexpected, conflicts, bad_rejects;
    size_t rejects_without_reason;
    bool answered;                  /* h_answer ran: what arrives can be judged */
    rd_kafka_message_t **held;      /* what arrived before */
    size_t nheld, capheld;
    pid_t pid;                      /* the running cbr-stream, 0 when none */
    const char *group;              /* its consumer group; NULL: "cbr-test" */
    int metrics_port;
    unsigned starts;
    int tap;                        /* TAP test number */
    int failed;
    uint64_t seed;
    char hash1[65], hash2[65];
} harness;

/* TAP */
void h_ok(harness *h, bool ok, const char *fmt, ...);
void h_diag(const char *fmt, ...);
int h_done(harness *h);

/* set-up: environment, work directory, mock cluster, clients */
int h_init(harness *h, const char *name);
void h_fini(harness *h);
int64_t h_now_ms(void);
uint64_t h_rand(harness *h);

/* transactions: n of them, deterministic from the seed, some bad */
void h_make_tx(harness *h, size_t n, int nphases);
/* produces every record of phase p, waits for the acknowledgements */
int h_produce_phase(harness *h, int phase);

/* `cbrc compile` and `cbrc run` */
int h_compile(harness *h, const char *out, const char *const *sources, size_t n, char *hash, size_t hashlen);
/* Reads the input topic back in partition order, runs cbrc over it and
 * loads the expected awards, rejects and counters (work/expected-state.txt). */
int h_answer(harness *h, const char *bundle);

/* cbr-stream, the process */
int h_start(harness *h, const char *bundle);
int h_kill(harness *h, int sig);
/* waits for the process to exit; its status, or -1 on timeout */
int h_wait(harness *h, int timeout_ms);

/* reads what cbr-stream produced for ms milliseconds */
void h_pump(harness *h, int ms);
bool h_complete(const harness *h);
/* pumps until complete or deadline; true when complete */
bool h_pump_until_complete(harness *h, int timeout_ms);

/* /metrics: the value of the first sample starting with `name` (-1 when absent) */
double h_metric(harness *h, const char *name);
/* the whole text, malloc'ed, or NULL */
char *h_metrics_text(harness *h);

/* the end: state in SQLite equals cbrc's, the outbox is empty, offsets are at the end */
void h_check_store(harness *h);
void h_check_awards(harness *h);

/* A second member joins cbr-stream's group (and takes partitions from it,
 * reading without committing), or leaves it again. */
int h_intruder_join(harness *h);
void h_intruder_leave(harness *h);
/* How many lines of cbr-stream's log contain text. */
size_t h_log_count(harness *h, const char *text);

int h_scenario_e2e(harness *h);
int h_scenario_faults(harness *h);
int h_scenario_offsets(harness *h);

#endif
