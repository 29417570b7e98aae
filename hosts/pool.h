/* pool.h: threads that take jobs from a queue, for `cbrc run --jobs N`
 * (pool.c): N evaluate batches while the next are read, and one more
 * writes the award lines of the batches settled.
 *
 * A job is the caller's until it is submitted, the pool's until hpool_wait
 * returns it.  Jobs start in the order they were submitted; a pool of one
 * thread runs them one after another in that order. */
#ifndef CBR_HOSTS_POOL_H
#define CBR_HOSTS_POOL_H

#include <stdbool.h>
#include "include/cbr.h"

typedef struct hjob {
    void (*fn)(struct hjob *j); /* what the job does, on a thread of the pool */
    void *ud;                   /* for fn */
    cbr_context *ctx;           /* an evaluation's (hpool_evaluate) */
    cbr_batch *b;
    cbr_status st;              /* how it went, once done */
    cbr_error err;
    bool done;                  /* under the pool's lock */
    struct hjob *next;          /* the queue */
} hjob;

typedef struct hpool hpool;

/* Starts n threads; NULL when not even one could be started (out of
 * memory or threads). */
hpool *hpool_start(unsigned n);
/* Queues j (fn set) for the next free thread. */
void hpool_submit(hpool *pool, hjob *j);
/* Blocks until j has run. */
void hpool_wait(hpool *pool, hjob *j);
/* Lets the threads finish what is queued and joins them. */
void hpool_stop(hpool *pool);

/* A job's fn that evaluates j->b in j->ctx (cbr_evaluate) into j->st and
 * j->err.  cbr_evaluate of a program without tallies reads only the
 * program and the batch (include/cbr.h), so any number of them may run at
 * once; one of a program with tallies reads the store, so it must not run
 * while anything else uses the store. */
void hpool_evaluate(hjob *j);

#endif
