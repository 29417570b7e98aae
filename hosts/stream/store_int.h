/* store_int.h: what a state backend of cbr-stream provides (store.c).
 *
 * The host speaks to one stream_store; store.c passes each call to the
 * backend the --state argument named: store_sqlite.c (a file, one
 * instance) or store_pg.c (a PostgreSQL database a fleet of instances
 * shares).  Every backend struct begins with a stream_store, so a pointer
 * to one is a pointer to the other.  The calls mean what stream.h says of
 * the stream_store_* function of the same name. */
#ifndef CBR_HOSTS_STREAM_STORE_INT_H
#define CBR_HOSTS_STREAM_STORE_INT_H

#include "hosts/stream/stream.h"

typedef struct stream_store_ops {
    void (*close)(stream_store *s);
    int (*load_ledger)(stream_store *s, stream_ledger *l);
    int (*load_users)(stream_store *s, stream_ledger *l, const stream_key *users, size_t n);
    int64_t (*take)(stream_store *s, const char *topic, int32_t partition, const char *owner, int64_t *epoch);
    int64_t (*offset)(stream_store *s, const char *topic, int32_t partition);
    int (*fence)(stream_store *s, const char *topic, const int32_t *parts, const int64_t *epochs, size_t n);
    int (*each_outbox)(stream_store *s, int32_t partition, int (*fn)(void *ud, stream_msg *m), void *ud);
    int (*outbox_get)(stream_store *s, int64_t id, stream_msg *m);
    int64_t (*outbox_count)(stream_store *s);
    int (*begin)(stream_store *s);
    int (*commit)(stream_store *s);
    void (*rollback)(stream_store *s);
    int (*put_counter)(stream_store *s, const char *key, size_t len, int64_t v);
    int (*put_offset)(stream_store *s, const char *topic, int32_t partition, int64_t next);
    int (*outbox_add)(stream_store *s, stream_msg *m);
    int (*outbox_delete)(stream_store *s, const int64_t *ids, size_t n);
    int (*get_record)(stream_store *s, const char *key, size_t n, char **data, size_t *len, int32_t *part);
    /* optional: store.c asks get_record for each key without it */
    int (*get_records)(stream_store *s, const stream_key *keys, size_t n, stream_record_fn fn, void *ud);
    int (*put_record)(stream_store *s, const char *key, size_t n, const void *data, size_t len, int64_t due,
                      int64_t at, int32_t part);
    int (*each_due)(stream_store *s, int64_t at, int limit, const int32_t *parts, size_t nparts,
                    stream_due_fn fn, void *ud);
    int (*prune)(stream_store *s, long days);
    int64_t (*record_count)(stream_store *s);
    int (*migrate_pots)(stream_store *s, const cbr_program *p);
    /* fleets only (NULL in a backend for one instance) */
    int (*lease)(stream_store *s, const char *key, size_t len, int64_t max, int64_t need, int64_t slice,
                 const char *owner, long seconds, int64_t *granted, int64_t *claims);
    int (*spend)(stream_store *s, const char *key, size_t len, int64_t delta, const char *owner, long seconds);
    int (*peek)(stream_store *s, const char *key, size_t len, const char *owner, int64_t *claims);
    int (*release)(stream_store *s, const char *owner);
    int (*renew)(stream_store *s, const char *owner, long seconds);
    bool (*reconnect)(stream_store *s);
} stream_store_ops;

struct stream_store {
    const stream_store_ops *ops;
    char *where;            /* what --state named, passwords left out: for messages */
    bool shared;            /* a fleet's: partitions fenced, budgets leased */
    bool lost;              /* the last failure was the connection's, not the data's */
};

extern const stream_store_ops stream_sqlite_ops, stream_pg_ops;
stream_store *stream_sqlite_open(const char *path);
stream_store *stream_pg_open(const char *conninfo);

#endif
