/* stream.h: what the files of cbr-stream, the Kafka host, share.
 *
 * cbr-stream reads transactions from a consumer group, evaluates each poll's
 * worth of messages as one libcbr batch and writes awards and rejects to
 * Kafka.  Main choice: the embedded store (SQLite, store.c) is the source of
 * truth.  Limit and budget counters, the award ledger's records, the outbox
 * of messages Kafka has not yet acknowledged and the consumed offsets move
 * together in one SQLite
 * transaction per batch; Kafka sees the outbox only after that commit and
 * its own offsets last.  A crash anywhere therefore replays nothing that was
 * counted and loses nothing that was granted (doc/stream.md). */
#ifndef CBR_HOSTS_STREAM_H
#define CBR_HOSTS_STREAM_H

#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "include/cbr.h"
#include "hosts/input.h"
#include "hosts/keyfield.h"

#define STREAM_PROG "cbr-stream"

/* ---- config.c: flags and the config file ---- */

typedef struct stream_prop {
    int target;            /* 0 both clients, 1 consumer only, 2 producer only */
    char *key, *value;
} stream_prop;

typedef struct stream_config {
    char *brokers, *group;
    char *topic, *awards_topic, *rejects_topic;
    char *bundle, *state;
    char *metrics;          /* ADDR:PORT, or NULL for no endpoint */
    long batch_size;        /* messages per batch */
    long wait_ms;           /* longest a batch waits to fill */
    long flush_timeout_ms;  /* how long a graceful stop waits for Kafka */
    long reload_check_ms;   /* how often the bundle file's identity is checked */
    long vest_every_s;      /* how often pending awards are vested; 0 never */
    long ledger_days;       /* retention of ledger records (statedb.h's rule) */
    char *instance;         /* a fleet member's name (leases, partitions); default host:pid */
    long lease_slice;       /* percent of a shared counter's maximum leased at a time */
    long lease_seconds;     /* a lease's life without renewal */
    stream_prop *props;     /* -X passthrough, in the order given */
    size_t nprops;
    unsigned char (*trusted_keys)[32]; /* --trusted-key: bundles must be signed by one */
    size_t ntrusted_keys;
    bool trusted_keys_from_flags; /* flags replace the config file's keys */
} stream_config;

/* Fills cfg from argv (and the --config file it names; flags win).  Returns
 * 0, 1 when --help or --version was printed, or 2 after printing a usage
 * error that names the flag or FILE:LINE. */
int stream_config_parse(stream_config *cfg, int argc, char **argv);
void stream_config_free(stream_config *cfg);

/* ---- ledger.c: limit and budget counters ---- */

/* The counters: libcbr's in-memory state, the cbr_store evaluation
 * reserves in.  Every counter a batch changes is remembered; store.c writes
 * those in the batch's SQLite transaction (write-through at commit). */
typedef struct stream_ledger stream_ledger;
typedef struct stream_store stream_store;
typedef struct stream_shared stream_shared;
typedef struct stream_records stream_records;
/* shared: a fleet's leased counters (shared.c), or NULL for one instance. */
stream_ledger *stream_ledger_new(stream_store *store, stream_shared *shared);
/* A fleet's batch: every counter and record forgotten, tracking off, for
 * the batch's users to be loaded (stream_store_load_users); false when
 * memory runs out. */
bool stream_ledger_reset(stream_ledger *l);
stream_records *stream_ledger_records(stream_ledger *l);
void stream_ledger_free(stream_ledger *l);
cbr_store stream_ledger_store(stream_ledger *l);
/* Adds a counter from the store (before stream_ledger_loaded, so not as a
 * change); false when memory runs out or the value would pass 64 bits. */
bool stream_ledger_load(stream_ledger *l, const char *key, size_t len, int64_t value);
/* The load is over: from now on every counter a reservation changes is dirty. */
void stream_ledger_loaded(stream_ledger *l);
/* Calls fn for every dirty key with its value; stops at the first nonzero
 * return and returns it. */
int stream_ledger_each_dirty(stream_ledger *l, int (*fn)(void *ud, const char *key, size_t len, int64_t v),
                             void *ud);
/* Writes the records the batch put (in the batch's transaction). 0 or -1. */
int stream_ledger_write_records(stream_ledger *l);
/* The batch is committed: no counter is dirty, no record kept. */
void stream_ledger_clean(stream_ledger *l);
size_t stream_ledger_count(const stream_ledger *l);

/* ---- records.c: the award ledger's records of one batch ---- */

/* Read from the store as settling names them, kept until the batch's
 * commit (stream_records_write, then stream_records_clear). */
stream_records *stream_records_new(stream_store *store);
/* The record under key (a row's l|TID) belongs to input partition part,
 * unless the store holds it already (then its purchase's partition). */
cbr_status stream_records_hint(stream_records *r, const char *key, size_t n, int32_t part);
/* Reads every record hinted and not read yet from the store at once (a
 * fleet's batch: one round trip, not one per row): 0, or -1 after
 * printing why. */
int stream_records_fetch(stream_records *r);
void stream_records_free(stream_records *r);
/* cbr_store.record_get and record_put (include/cbr.h). */
cbr_status stream_records_get(stream_records *r, const char *key, size_t n, const void **data, size_t *len);
cbr_status stream_records_put(stream_records *r, const char *key, size_t n, const void *data, size_t len,
                              int64_t due, int64_t at);
int stream_records_write(stream_records *r);
void stream_records_clear(stream_records *r);

/* ---- store.c: the state, in SQLite (one instance) or PostgreSQL (a fleet) ---- */

/* One message waiting in the outbox for Kafka's acknowledgement. */
typedef struct stream_msg {
    int64_t id;              /* the outbox row */
    int kind;                /* STREAM_AWARD or STREAM_REJECT */
    int32_t part;            /* the input partition it came from (-1: none); a fleet's new owner
                              * of the partition sends what its last owner left */
    char *key; size_t keylen;       /* NULL: no key */
    char *value; size_t valuelen;
    char *reason;            /* rejects: why (header cbr-reason) */
    char *source;            /* rejects: TOPIC/PARTITION@OFFSET (header cbr-source) */
    /* awards, reversals and vests: what /metrics counts once the batch is
     * committed */
    cbr_event event;
    char *campaign;          /* NULL: the offer has none */
    char currency[4];
    int exponent;
    int64_t cashback;
} stream_msg;
enum { STREAM_AWARD = 0, STREAM_REJECT = 1 }; /* kind: an event of cashback_events, or a reject */
void stream_msg_clear(stream_msg *m);
/* store.c: a malloc'ed copy of n bytes and a NUL after them; NULL when
 * memory runs out.  Keys, values and reasons of messages are held so. */
char *stream_dup(const void *p, size_t n);

/* Bytes and their length (a counter key's user part, a key). */
typedef struct stream_key {
    const char *p;
    size_t n;
} stream_key;

/* What get_records hands over: one ledger record the store holds. */
typedef int (*stream_record_fn)(void *ud, const char *key, size_t n, const void *data, size_t len, int32_t part);

/* What each_due hands over: one ledger record with an award due. */
typedef int (*stream_due_fn)(void *ud, const char *key, size_t n, const void *data, size_t len, int64_t at,
                             int32_t part);

/* Opens (creating or migrating) the state --state names: a libpq URI
 * (postgresql://, postgres://) is a fleet's database, anything else a
 * SQLite file.  NULL after printing why. */
stream_store *stream_store_open(const char *state);
void stream_store_close(stream_store *s);
/* A fleet's store: partitions are fenced by epoch, per-user counters read
 * per batch (stream_store_load_users), budgets and totals leased (shared.c). */
bool stream_store_shared(const stream_store *s);
/* The last failure was the connection's (the server went away, a
 * serialization conflict): the same work may be tried again after
 * stream_store_reconnect, which is true once the store answers again. */
bool stream_store_lost(const stream_store *s);
bool stream_store_reconnect(stream_store *s);
/* What --state named, for messages (a URI's password left out). */
const char *stream_store_where(const stream_store *s);
/* Loads every counter into l (one instance; a fleet's loads none here).
 * 0, or -1 after printing why. */
int stream_store_load_ledger(stream_store *s, stream_ledger *l);
/* A fleet's: loads into l the per-user counters of these users (escaped as
 * in counter keys).  0 or -1. */
int stream_store_load_users(stream_store *s, stream_ledger *l, const stream_key *users, size_t n);
/* Takes topic/partition for owner: the next offset to read, -1 when none
 * is stored, or -2 after printing why it could not be read (never "none":
 * taking a failed read for a partition never seen would replay what was
 * counted).  *epoch is the assignment's: a fleet's store counts one more
 * each time, and refuses commits of older ones (stream_store_fence). */
int64_t stream_store_take(stream_store *s, const char *topic, int32_t partition, const char *owner,
                          int64_t *epoch);
/* The stored next offset of topic/partition, as take reads it, but taking
 * nothing (-1 none, -2 after printing why). */
int64_t stream_store_offset(stream_store *s, const char *topic, int32_t partition);
/* In a transaction: locks the partitions and checks that each is still at
 * its epoch.  0, -1 after printing why, or -3 (fenced: another instance
 * took one) after printing which. */
int stream_store_fence(stream_store *s, const char *topic, const int32_t *parts, const int64_t *epochs, size_t n);
/* Calls fn for every outbox row of partition (-1: every row) in id order;
 * stops at a nonzero return. */
int stream_store_each_outbox(stream_store *s, int32_t partition, int (*fn)(void *ud, stream_msg *m), void *ud);
/* Reads one outbox row; 1 found, 0 gone (already acknowledged), -1 error. */
int stream_store_outbox_get(stream_store *s, int64_t id, stream_msg *m);
int64_t stream_store_outbox_count(stream_store *s);

/* One batch's commit: BEGIN, then the calls below, then COMMIT.  Each
 * returns 0 or -1 after printing why; after -1 the caller rolls back. */
int stream_store_begin(stream_store *s);
int stream_store_commit(stream_store *s);
void stream_store_rollback(stream_store *s);
int stream_store_put_ledger(stream_store *s, stream_ledger *l);
int stream_store_put_offset(stream_store *s, const char *topic, int32_t partition, int64_t next);
/* Inserts m and sets m->id. */
int stream_store_outbox_add(stream_store *s, stream_msg *m);
int stream_store_outbox_delete(stream_store *s, const int64_t *ids, size_t n);
/* The ledger: one record into *data (malloc'ed) and the partition it
 * belongs to into *part (-1 unknown): 1 found, 0 none, -1 error. */
int stream_store_get_record(stream_store *s, const char *key, size_t n, char **data, size_t *len, int32_t *part);
/* fn for each of the n keys the ledger holds, in no order: 0, or -1
 * after printing why (or what fn returned, when not 0). */
int stream_store_get_records(stream_store *s, const stream_key *keys, size_t n, stream_record_fn fn, void *ud);
int stream_store_put_record(stream_store *s, const char *key, size_t n, const void *data, size_t len, int64_t due,
                            int64_t at, int32_t part);
/* Up to limit records with an award due at or before `at`, by due moment
 * then key, of the given partitions (a fleet's; one instance's store has
 * them all and ignores parts); stops at fn's first nonzero return and
 * returns it. */
int stream_store_each_due(stream_store *s, int64_t at, int limit, const int32_t *parts, size_t nparts,
                          stream_due_fn fn, void *ud);
/* Retention: deletes records with nothing pending older than `days`
 * before the newest record. */
int stream_store_prune(stream_store *s, long days);
int64_t stream_store_record_count(stream_store *s);
/* Once per database: the counters an older cbr-stream kept per currency
 * for limits and budgets of p written without one become their pots
 * (cbr_program_pot_key), before the counters are loaded.  0 or -1. */
int stream_store_migrate_pots(stream_store *s, const cbr_program *p);

/* A fleet's leases on shared counters (shared.c).  lease: in a
 * transaction of its own, grants owner up to `slice` more room (at least
 * `need` when there is that much) under max, for `seconds`; *granted the
 * room added, *claims what every other owner holds plus what is spent (the
 * counter's value as this owner must see it, before its own spending).
 * spend (in a batch's transaction): delta of owner's room is spent (a
 * negative delta gives room back); -4 when owner's lease is gone (it
 * expired and was taken back), after printing which.
 * peek: *claims as lease gives it, leasing nothing (what is spent plus
 * what the other owners hold).
 * release: owner's leases go back.  renew: they live `seconds` more. */
int stream_store_lease(stream_store *s, const char *key, size_t len, int64_t max, int64_t need, int64_t slice,
                       const char *owner, long seconds, int64_t *granted, int64_t *claims);
int stream_store_spend(stream_store *s, const char *key, size_t len, int64_t delta, const char *owner,
                       long seconds);
int stream_store_peek(stream_store *s, const char *key, size_t len, const char *owner, int64_t *claims);
int stream_store_release(stream_store *s, const char *owner);
int stream_store_renew(stream_store *s, const char *owner, long seconds);

/* ---- shared.c: a fleet's budgets and totals, through leases ---- */

/* Whether a counter key is shared by the fleet (budgets, totals) rather
 * than kept per user. */
bool stream_key_shared(const char *key, size_t n);
/* owner: this instance's name; slice_pct: --lease-slice; seconds: --lease-seconds. */
stream_shared *stream_shared_new(stream_store *store, const char *owner, int slice_pct, long seconds);
void stream_shared_free(stream_shared *s);
/* The value a shared counter has for this instance (cbr_store.get). */
cbr_status stream_shared_get(stream_shared *s, const char *key, size_t n, int64_t *v);
/* Whether delta fits this instance's lease on key, leasing more when it
 * does not; *value the counter's value to report (cbr_reservation). */
cbr_status stream_shared_check(stream_shared *s, const char *key, size_t n, int64_t delta, int64_t max,
                               int64_t *value, bool *fits);
/* The reservation holds: delta (checked) is the batch's. */
void stream_shared_take(stream_shared *s, const char *key, size_t n, int64_t delta);
/* In the batch's transaction: what it took is spent (stream_store_spend);
 * 0, -1, or -4 when a lease is gone. */
int stream_shared_write(stream_shared *s);
/* The batch committed (stream_ledger_clean calls it) or did not. */
void stream_shared_committed(stream_shared *s);
void stream_shared_abandon(stream_shared *s);
/* Everything known forgotten (a lease was lost: the database says again). */
void stream_shared_forget(stream_shared *s);
/* Every lease back to the pool (revocation, stop).  0 or -1. */
int stream_shared_release(stream_shared *s);
/* Renews the leases when a third of their time has passed.  0 or -1. */
int stream_shared_renew(stream_shared *s);
/* Calls fn (may be NULL) for each key with room leased; how many there are. */
size_t stream_shared_each(const stream_shared *s, void (*fn)(void *ud, const char *key, size_t n, int64_t room),
                          void *ud);

/* ---- metrics.c: /metrics over libmicrohttpd ---- */

typedef struct stream_metrics stream_metrics;
stream_metrics *stream_metrics_new(void);
void stream_metrics_free(stream_metrics *m);
/* Serves GET /metrics at addr ("HOST:PORT"); 0, or -1 after printing why. */
int stream_metrics_serve(stream_metrics *m, const char *addr);
void stream_metrics_batch(stream_metrics *m, uint64_t records, uint64_t rejected, double seconds);
/* An award, reversal (cashback < 0) or vest of a committed batch. */
void stream_metrics_event(stream_metrics *m, cbr_event event, const char *campaign, const char *currency,
                          int exponent, int64_t cashback);
void stream_metrics_lag(stream_metrics *m, const char *topic, int32_t partition, int64_t lag);
void stream_metrics_forget_partitions(stream_metrics *m);
void stream_metrics_outbox(stream_metrics *m, int64_t pending, uint64_t delivered, uint64_t failed);
void stream_metrics_bundle(stream_metrics *m, const char *hash, bool reload_ok);
/* A fleet's leases: how many keys hold room, and the room left of each. */
void stream_metrics_leases(stream_metrics *m, const stream_shared *s);
/* The state store answers (up) or not; an outage counts when it begins. */
void stream_metrics_store(stream_metrics *m, bool up);

/* ---- the host: main.c, consume.c, outbox.c, bundle.c ---- */

/* What the consumer knows of one partition of the input topic. */
typedef struct stream_part {
    bool assigned;
    bool touched;      /* consumed in the batch being built */
    int64_t next;      /* next offset to evaluate; -1 unknown (nothing stored) */
    int64_t before;    /* next when the batch began: where it is evaluated again from */
    int64_t epoch;     /* the assignment's (a fleet's store fences by it) */
} stream_part;

/* One row of the batch being built: what an award needs besides the offer. */
typedef struct stream_row {
    char *tid, *user_id, *timestamp;
    const rd_kafka_message_t *msg;  /* the message it came from (rejected if settling refuses it) */
} stream_row;

typedef struct stream_host {
    stream_config *cfg;
    stream_store *store;
    stream_ledger *ledger;
    stream_shared *shared;      /* a fleet's; NULL for one instance */
    cbr_store cstore;
    stream_metrics *metrics;

    /* the rules: swapped only between batches (bundle.c) */
    cbr_program *prog;
    cbr_batch *batch;
    cbr_context *ctx;
    hkeys keys;                 /* key -> field, per program (hosts/keyfield.h) */
    struct stat bundle_st;        /* identity of the file the program came from */
    int64_t next_reload_check_ms;
    int64_t next_vest_ms;

    cbrin_reader *reader;

    rd_kafka_t *consumer, *producer;
    stream_part *parts;
    size_t nparts;

    /* the batch being built (consume.c) */
    rd_kafka_message_t **pending;
    size_t npending;
    stream_row *rows;
    stream_msg *out;               /* awards and rejects of this batch */
    size_t nout, capout;

    /* the outbox's acknowledgements (outbox.c) */
    int64_t *acked; size_t nacked, capacked;
    int64_t *retry; size_t nretry, capretry;
    int64_t retry_after_ms;
    uint64_t inflight, delivered, failed;
    bool fatal;                    /* a store failure: stop without committing more */
    int store_rc;                  /* why the last commit failed: -3 fenced, -4 a lease lost */
} stream_host;

/* outage.c: a fleet's store lost its connection: waits, with backoff,
 * until it answers again (true), or until a stop is asked for (false). */
bool stream_store_wait(stream_host *h);

extern volatile sig_atomic_t stream_stop, stream_hup;

int64_t stream_now_ms(void);

/* bundle.c */
/* Loads cfg->bundle (a .cbrx bundle or .cbr source) and, when it verifies,
 * makes it the running program with a fresh batch and context.  0 on
 * success; -2 when the file was refused as a bundle (corrupt, or not signed
 * by a trusted key), -1 for any other failure: both keep the running
 * program (the reason is printed). */
int stream_bundle_load(stream_host *h);
/* Between batches: reloads when SIGHUP came or the file changed. */
void stream_bundle_maybe_reload(stream_host *h);
void stream_bundle_free(stream_host *h);
/* The field of the key at place i of its message (hosts/keyfield.h). */
int stream_field_of(stream_host *h, size_t i, const char *key, size_t n);

/* consume.c */
int stream_consumer_start(stream_host *h);
/* Collects one batch (up to batch_size messages or wait_ms) and processes it. */
int stream_consume_once(stream_host *h);
/* Evaluates and commits the messages collected so far; 0 or -1 (fatal). */
int stream_process_pending(stream_host *h);
void stream_consumer_close(stream_host *h);

/* events.c */
/* A new zeroed message at the end of the batch's; NULL when memory runs out. */
stream_msg *stream_out_new(stream_host *h);
/* Adds award a's message: tid and timestamp those of the record that made
 * the event, bundle the hash of the program that decided it (NULL for a
 * vest, which no program decides).  0, or -1 when memory runs out. */
int stream_event_add(stream_host *h, const cbr_award *a, const char *tid, const char *timestamp,
                     const char *bundle);
/* What an award callback that adds events carries: oom once one could not be. */
typedef struct stream_event_ud {
    stream_host *h;
    bool oom;
} stream_event_ud;
/* One transaction: the acknowledged outbox rows leave, write(h, ud) adds
 * what the messages stand for (counters, records, offsets), the batch's
 * messages arrive.  0, or -1 with nothing of it stored. */
int stream_commit_out(stream_host *h, int (*write)(stream_host *h, void *ud), void *ud);
/* The batch's messages are committed: /metrics counts its events (only
 * now: an event of a batch that did not commit comes again after the
 * restart, and must count once) and the producer gets them all. */
void stream_events_committed(stream_host *h);

/* vest.c */
/* Vests every pending award due now, in transactions of their own (the
 * events through the outbox).  0, or -1 after printing why (fatal). */
int stream_vest_due(stream_host *h);
/* Between batches: vests when vest_every_s has passed since the last time. */
int stream_vest_maybe(stream_host *h);

/* outbox.c */
int stream_producer_start(stream_host *h);
/* Hands the committed messages of a batch to the producer. */
void stream_outbox_send(stream_host *h, stream_msg *msgs, size_t n);
/* Serves delivery reports, re-sends failures; acks are deleted at the next commit. */
void stream_outbox_poll(stream_host *h, int timeout_ms);
/* Sends every row left in the outbox (start-up). 0 or -1. */
int stream_outbox_resend_all(stream_host *h);
/* A fleet's: sends the rows of one input partition (its assignment). */
int stream_outbox_resend_part(stream_host *h, int32_t partition);
/* Deletes acknowledged rows in a transaction of their own (idle time, stop). */
int stream_outbox_commit_acks(stream_host *h);
/* Waits up to timeout_ms for every message in flight. */
void stream_outbox_flush(stream_host *h, int timeout_ms);
void stream_producer_close(stream_host *h);

/* Applies the -X properties for target (1 consumer, 2 producer) to conf. */
int stream_apply_props(const stream_config *cfg, rd_kafka_conf_t *conf, int target);

#endif
