/* evalpool.h: threads that evaluate batches (cbr_evaluate) while the
 * caller reads the next ones, for `cbrc run --jobs N` (evalpool.c).
 *
 * The caller hands in a job (a context and a full batch) and later waits
 * for it; it settles the jobs itself, in the order it handed them in, so
 * the threads never touch the store, the output or the feed.  A job is the
 * caller's until it is submitted, the pool's until hpool_wait returns it. */
#ifndef CBR_HOSTS_EVALPOOL_H
#define CBR_HOSTS_EVALPOOL_H

#include <stdbool.h>
#include "include/cbr.h"

typedef struct hjob {
    cbr_context *ctx;
    cbr_batch *b;
    cbr_status st;              /* cbr_evaluate's, once done */
    cbr_error err;
    bool done;                  /* under the pool's lock */
    struct hjob *next;          /* the queue */
} hjob;

typedef struct hpool hpool;

/* Starts n threads; NULL when not even one could be started (out of
 * memory or threads). */
hpool *hpool_start(unsigned n);
/* Queues j (ctx and b set) for the next free thread. */
void hpool_submit(hpool *pool, hjob *j);
/* Blocks until j is evaluated; its st and err say how it went. */
void hpool_wait(hpool *pool, hjob *j);
/* Lets the threads finish what is queued and joins them. */
void hpool_stop(hpool *pool);

#endif
