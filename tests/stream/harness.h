/* harness.h: the cbr-stream test harness (tests/stream/).
 *
 * The harness hosts librdkafka's mock cluster on loopback, produces
 * transactions, runs cbr-stream as a separate process against the cluster
 * (starting, signalling and killing it), or a fleet of them sharing one
 * PostgreSQL state, reads everything cbr-stream produces and compares it
 * with what `cbrc run` answers over the same records in partition order.
 * It prints TAP. */
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
    bool miskeyed;       /* bad because its Kafka key is another user's: never reaches cbrc */
    int phase;           /* when it was produced (scenario-specific) */
} h_tx;

/* One award id the answer holds, or one reject. */
typedef struct h_expect {
    char *id;            /* event: AWARD_ID|EVENT|TID; reject: KEY|the value's bytes */
    char *amount;        /* award: "2.50 USD" */
    int seen;            /* copies received */
    char bundle[80];     /* award: the bundle hash of its first copy */
    char reason[96];     /* reject: the cbr-reason header of its first copy */
} h_expect;

/* A fleet: this many cbr-stream processes at most, on one PostgreSQL state. */
#define H_INSTANCES 3

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
    int nparts;                     /* partitions of the input topic */
    /* the topics cbr-stream reads and writes; NULL: transactions,
     * cashback_events, transactions.rejected (what the reader reads) */
    const char *topic, *awards_topic, *rejects_topic;
    /* the fleet (instances.c) */
    const char *pg;                 /* its state: a libpq URI (CBR_TEST_PG) */
    const char *inst_log;           /* instance i logs to work/INST_LOG-i.log; NULL: "stream" */
    pid_t inst[H_INSTANCES];        /* 0 when not running */
    int inst_port[H_INSTANCES];     /* its /metrics */
    int inst_status[H_INSTANCES];   /* how it last exited; -1 before that */
    unsigned inst_starts[H_INSTANCES];
    int tap;                        /* TAP test number */
    int failed;
    uint64_t seed;
    char hash1[65], hash2[65];
} harness;

/* TAP */
void h_ok(harness *h, bool ok, const char *fmt, ...);
void h_diag(const char *fmt, ...);
int h_done(harness *h);

/* set-up: environment, work directory, mock cluster (the input topic with
 * nparts partitions; h_init: 4), clients */
int h_init(harness *h, const char *name);
int h_init_parts(harness *h, const char *name, int nparts);
void h_fini(harness *h);
int64_t h_now_ms(void);
/* A client of the mock cluster with these properties (and a quiet log),
 * or NULL after printing why. */
rd_kafka_t *h_client(harness *h, rd_kafka_type_t type, const char *const kv[][2], size_t n);
/* The text of "key":"value" in a flat JSON object of n bytes into out;
 * false when absent or longer than outn - 1. */
bool h_json_get(const char *s, size_t n, const char *key, char *out, size_t outn);
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

/* cbr-stream, the process: work/bundle on work/state.db, logging to
 * work/stream.log, /metrics on h->metrics_port */
int h_start(harness *h, const char *bundle);
/* What h_start and h_inst_start share: one cbr-stream on `state`, logging
 * to work/log, /metrics on port, with the NULL-terminated extra arguments
 * after the harness's own (a later flag wins).  Its pid, or -1. */
pid_t h_spawn(harness *h, const char *bundle, const char *state, const char *log, int port,
              const char *const *extra);
int h_kill(harness *h, int sig);
/* waits for the process to exit; its status, or -1 on timeout */
int h_wait(harness *h, int timeout_ms);

/* reads what cbr-stream produced for ms milliseconds */
void h_pump(harness *h, int ms);
/* the same for a random lo..hi ms (from the seed) */
void h_pump_random(harness *h, int lo, int hi);
bool h_complete(const harness *h);
/* pumps until complete or deadline; true when complete */
bool h_pump_until_complete(harness *h, int timeout_ms);

/* /metrics: the value of the first sample starting with `name` (-1 when absent) */
double h_metric(harness *h, const char *name);
/* the whole text, malloc'ed, or NULL */
char *h_metrics_text(harness *h);
/* the same of whatever listens on 127.0.0.1:port */
double h_metric_at(int port, const char *name);
char *h_metrics_text_at(int port);
/* a loopback port nobody listens on now, or -1 */
int h_free_port(void);

/* the end: state in SQLite equals cbrc's, the outbox is empty, offsets are at the end */
void h_check_store(harness *h);
void h_check_awards(harness *h);
/* What both store checks compare against, from h_answer's run of cbrc:
 * the `KEY\tVALUE\n` lines of its non-zero counters, and its ledger as
 * `KEY\thex\n` lines sorted by key (*count records).  malloc'ed, or NULL. */
char *h_expected_counters(harness *h);
char *h_expected_ledger(harness *h, size_t *count);
/* When want and got differ: a diagnostic with the first line where they do. */
void h_show_diff(const char *what, const char *want, const char *got);
/* The reject the answer expects of this record (key and value as
 * produced), or NULL. */
h_expect *h_find_reject(harness *h, const char *key, const char *json);
/* The sum of the end offsets of the input topic's partitions (what was
 * produced to it), or -1 when the cluster does not say. */
int64_t h_produced(harness *h);

/* A second member joins cbr-stream's group (and takes partitions from it,
 * reading without committing), or leaves it again. */
int h_intruder_join(harness *h);
void h_intruder_leave(harness *h);
/* How many lines of cbr-stream's log contain text; of work/file. */
size_t h_log_count(harness *h, const char *text);
size_t h_file_count(harness *h, const char *file, const char *text);

/* ---- instances.c: a fleet of cbr-stream processes ----
 * Instance i is `--instance fleet-i --state h->pg`, with a /metrics port
 * and a log of its own; the rest as h_start.  extra: more arguments,
 * NULL-terminated, or NULL. */
int h_inst_start(harness *h, int i, const char *bundle, const char *const *extra);
int h_inst_kill(harness *h, int i, int sig);
/* Reads what the fleet produces until instance i exits; its status
 * (128 + signal when killed), or -1 on timeout. */
int h_inst_wait(harness *h, int i, int timeout_ms);
/* Whether instance i still runs; an exit is recorded in inst_status. */
bool h_inst_running(harness *h, int i);
double h_inst_metric(harness *h, int i, const char *name);
size_t h_inst_log_count(harness *h, int i, const char *text);
/* SIGTERM to every running instance, then waits for each: how many did
 * not exit 0 within timeout_ms. */
int h_inst_stop_all(harness *h, int timeout_ms);

/* ---- pgstore.c: the fleet's PostgreSQL state, through libpq ---- */
/* The first column of the first row of sql ($1.. from params), or -1
 * after printing why (a NULL reads as 0). */
int64_t h_pg_int(const char *conninfo, const char *sql, const char *const *params, int nparams);
/* Runs sql (several statements may be given); false after printing why. */
bool h_pg_exec(const char *conninfo, const char *sql);
/* Waits until the fleet has evaluated everything produced to the input
 * topic (its stored offsets sum to the end offsets), reading what it
 * produces meanwhile; false at the deadline. */
bool h_pg_caught_up(harness *h, int timeout_ms);
/* The end, as h_check_store for SQLite: counters and ledger equal cbrc's,
 * the outbox is empty, every partition's next offset is at the end. */
void h_check_pg(harness *h);

int h_scenario_e2e(harness *h);
int h_scenario_faults(harness *h);
int h_scenario_offsets(harness *h);
int h_scenario_fleet(harness *h);
int h_scenario_budget(harness *h);

#endif
