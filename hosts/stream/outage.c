/* outage.c: a fleet's database gone away.
 *
 * A batch, a lease or an assignment that fails because PostgreSQL stopped
 * answering (a restart, a failover, the network) has changed nothing: its
 * transaction is rolled back with the connection.  So the host stops
 * consuming, waits and reconnects with backoff, and then does the same
 * work again from what the database holds (consume.c), which neither loses
 * nor repeats anything.  The log says when it began and ended; /metrics
 * shows the store down and counts the outages.  While it waits nothing is
 * polled, so a long outage costs the group membership: the partitions
 * move, and this instance's late commit is then refused by their epochs. */
#include "config.h"
#include <stdio.h>
#include <time.h>
#include "hosts/stream/stream.h"

bool stream_store_wait(stream_host *h)
{
    int64_t t0 = stream_now_ms();
    long delay_ms = 100;
    fprintf(stderr, STREAM_PROG ": %s: PostgreSQL unavailable; consuming stops until it answers again\n",
            stream_store_where(h->store));
    stream_metrics_store(h->metrics, false);
    while (!stream_stop) {
        struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        if (stream_store_reconnect(h->store)) {
            fprintf(stderr, STREAM_PROG ": %s: PostgreSQL is back after %lld ms; resuming\n",
                    stream_store_where(h->store), (long long)(stream_now_ms() - t0));
            stream_metrics_store(h->metrics, true);
            return true;
        }
        if (delay_ms < 5000)
            delay_ms = delay_ms * 2 > 5000 ? 5000 : delay_ms * 2;
    }
    fprintf(stderr, STREAM_PROG ": %s: stopped while PostgreSQL was unavailable\n", stream_store_where(h->store));
    return false;
}
