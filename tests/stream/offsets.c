/* offsets.c: the stored offsets are trusted only when they can be
 * (tests/stream/offsets.sh).
 *
 * 1. A store behind Kafka: cbr-stream reads phase 0 and stops; a copy of
 *    its state is kept; it reads phase 1 and stops.  Started again on the
 *    old copy (as instance A is when its partition moved A -> B -> A and B
 *    committed phase 1 against its own counters), it must refuse to replay
 *    phase 1 and stop with status 1, saying which records and why.
 * 2. A stored offset that cannot be read: with cbr-stream running and idle,
 *    the offsets table is swapped for a view whose rows fail to read, and a
 *    second group member makes it take partitions again.  It must stop with
 *    status 1 rather than take the failed read for "no offset stored" and
 *    replay from Kafka's committed offset.
 * 3. A store that fails a commit: with the table put back and cbr-stream
 *    running, the outbox is swapped for a view no row can be written to,
 *    and phase 2 arrives.  It must stop with status 1; restarted on the
 *    repaired store, it resumes from the last commit, and in the end every
 *    award exists once and the counters equal `cbrc run`'s. */
#include "config.h"
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/stream/harness.h"

static size_t records_upto(const harness *h, int phase)
{
    size_t n = 0;
    for (size_t i = 0; i < h->ntx; i++)
        n += h->tx[i].phase <= phase;
    return n;
}

/* Pumps until cbr-stream's records_total reaches n; false at the deadline. */
static bool await_records(harness *h, double n, int timeout_ms)
{
    for (int64_t deadline = h_now_ms() + timeout_ms; h_now_ms() < deadline; h_pump(h, 200))
        if (h_metric(h, "cbr_stream_records_total") >= n)
            return true;
    return false;
}

static int stop(harness *h)
{
    h_kill(h, SIGTERM);
    return h_wait(h, 60000);
}

/* Copies work/state.db (closed, so whole without its WAL) to work/to, or back. */
static int copy_state(harness *h, const char *from, const char *to)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cd '%s' && rm -f '%s-wal' '%s-shm' && cp '%s' '%s'", h->work, to, to, from, to);
    return system(cmd) == 0 ? 0 : -1;
}

/* Runs sql on work/state.db (live or not) in one transaction. */
static bool change_store(harness *h, const char *what, const char *sql)
{
    char path[512];
    snprintf(path, sizeof path, "%s/state.db", h->work);
    sqlite3 *db = NULL;
    bool ok = sqlite3_open(path, &db) == SQLITE_OK;
    sqlite3_busy_timeout(db, 10000);
    char *msg = NULL;
    char text[1024];
    snprintf(text, sizeof text, "BEGIN IMMEDIATE; %s COMMIT;", sql);
    ok = ok && sqlite3_exec(db, text, NULL, NULL, &msg) == SQLITE_OK;
    if (msg)
        h_diag("%s: %s", what, msg);
    sqlite3_free(msg);
    sqlite3_close(db);
    return ok;
}

/* The offsets table becomes a view whose rows fail to read (json() of text
 * that is no JSON); and back. */
static bool break_offsets(harness *h)
{
    return change_store(h, "breaking the offsets table",
                        "ALTER TABLE offsets RENAME TO offsets_kept;"
                        "CREATE VIEW offsets(topic, part, next) AS "
                        "SELECT topic, part, json('not json') FROM offsets_kept;");
}

static bool repair_offsets(harness *h)
{
    return change_store(h, "repairing the offsets table",
                        "DROP VIEW offsets; ALTER TABLE offsets_kept RENAME TO offsets;");
}

int h_scenario_offsets(harness *h)
{
    static const char *const one[] = {"rules.cbr"};
    h_make_tx(h, 900, 3);
    if (h_compile(h, "good1.cbrx", one, 1, h->hash1, sizeof h->hash1))
        return -1;
    size_t n0 = records_upto(h, 0), n1 = records_upto(h, 1);

    /* 1. a store behind Kafka's committed offsets */
    if (h_produce_phase(h, 0) || h_start(h, "good1.cbrx"))
        return -1;
    h_ok(h, await_records(h, (double)n0, 60000), "cbr-stream reads phase 0 (%zu records)", n0);
    h_ok(h, stop(h) == 0, "and stops cleanly");
    if (copy_state(h, "state.db", "state-phase0.db") || h_produce_phase(h, 1) || h_start(h, "good1.cbrx"))
        return -1;
    h_ok(h, await_records(h, (double)(n1 - n0), 60000), "started again, it reads phase 1 (%zu records)", n1 - n0);
    h_ok(h, stop(h) == 0, "and stops cleanly");
    if (copy_state(h, "state.db", "state-phase1.db") || copy_state(h, "state-phase0.db", "state.db"))
        return -1;
    size_t behind = h_log_count(h, "is behind Kafka's committed offset");
    size_t resumed = h_log_count(h, "resuming at stored offset");
    if (h_start(h, "good1.cbrx"))
        return -1;
    int st = h_wait(h, 30000);
    if (st < 0) { /* still running: replaying */
        h_kill(h, SIGKILL);
        h_wait(h, 10000);
    }
    h_ok(h, st == 1, "on the older state it stops with status 1 (%d)", st);
    h_ok(h, h_log_count(h, "is behind Kafka's committed offset") > behind,
         "saying that the stored offset is behind Kafka's committed one");
    h_ok(h, h_log_count(h, "resuming at stored offset") == resumed, "and resumes no partition");

    /* 2. a stored offset that cannot be read */
    resumed = h_log_count(h, "resuming at stored offset");
    if (copy_state(h, "state-phase1.db", "state.db") || h_start(h, "good1.cbrx"))
        return -1;
    for (int64_t deadline = h_now_ms() + 60000; h_log_count(h, "resuming at stored offset") < resumed + 4 &&
                                                h_now_ms() < deadline;)
        h_pump(h, 200);
    h_ok(h, h_log_count(h, "resuming at stored offset") >= resumed + 4,
         "on the newer state it resumes every partition at its stored offset");
    h_pump(h, 2000); /* idle: nothing to commit while the table is changed */
    size_t from_kafka = h_log_count(h, "resuming at Kafka's committed offset");
    if (!break_offsets(h) || h_intruder_join(h))
        return -1;
    st = h_wait(h, 30000);
    if (st < 0) {
        h_kill(h, SIGKILL);
        h_wait(h, 10000);
    }
    h_intruder_leave(h);
    h_ok(h, st == 1, "when the stored offset cannot be read on a new assignment, it stops with status 1 (%d)", st);
    h_ok(h, h_log_count(h, "reading an offset") > 0 && h_log_count(h, "without its stored offset") > 0,
         "saying which read failed and which partition it could not take");
    h_ok(h, h_log_count(h, "resuming at Kafka's committed offset") == from_kafka,
         "and never takes the failed read for a partition with no stored offset");

    /* 3. a store that fails a commit, in a group of its own: the group of
     * part 2 lost a member in the middle of a rebalance, and the mock
     * cluster can take long to settle such a group.  A new group has no
     * committed offsets, so the stored ones are what it resumes from. */
    h->group = "cbr-test-commit";
    if (!repair_offsets(h) || h_start(h, "good1.cbrx"))
        return -1;
    resumed = h_log_count(h, "resuming at stored offset");
    for (int64_t deadline = h_now_ms() + 60000; h_log_count(h, "resuming at stored offset") < resumed + 4 &&
                                                h_now_ms() < deadline;)
        h_pump(h, 200);
    h_ok(h, h_log_count(h, "resuming at stored offset") >= resumed + 4,
         "with the table put back it resumes every partition again");
    h_pump(h, 1000);
    if (!change_store(h, "breaking the outbox",
                      "ALTER TABLE outbox RENAME TO outbox_kept; CREATE VIEW outbox AS SELECT * FROM outbox_kept;") ||
        h_produce_phase(h, 2))
        return -1;
    st = h_wait(h, 60000);
    if (st < 0) {
        h_kill(h, SIGKILL);
        h_wait(h, 10000);
    }
    h_ok(h, st == 1, "when a batch cannot be committed it stops with status 1 (%d)", st);
    h_ok(h, h_log_count(h, "the batch could not be committed; stopping") > 0, "saying so");
    if (!change_store(h, "repairing the outbox", "DROP VIEW outbox; ALTER TABLE outbox_kept RENAME TO outbox;") ||
        h_answer(h, "good1.cbrx") || h_start(h, "good1.cbrx"))
        return -1;
    h_ok(h, h_pump_until_complete(h, 120000), "restarted on the repaired store, every award and reject arrives");
    h_ok(h, stop(h) == 0, "and it stops cleanly");
    h_pump(h, 1500);
    h_check_awards(h);
    h_check_store(h);
    return 0;
}
