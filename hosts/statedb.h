/* statedb.h: the state of `cbrc run --state FILE`: limit, budget and tally
 * counters and the award ledger in an SQLite database (statedb.c).
 *
 * A run opens it in one write transaction (another run on the same file
 * is refused, not interleaved), reads counters and ledger records as the
 * evaluation asks for them (nothing is loaded whole), keeps what it
 * changes in memory, and writes it all at commit, so a run that fails or
 * is killed leaves the file as it was.  A file written by an older cbrc
 * as a text snapshot is converted once. */
#ifndef CBR_HOSTS_STATEDB_H
#define CBR_HOSTS_STATEDB_H

#include <stdbool.h>
#include <stdint.h>
#include "include/cbr.h"

typedef struct statedb statedb;

/* How a state is opened: for a run (created when missing, written at
 * commit), only read (explain: never written), or for vesting (must
 * exist). */
typedef enum statedb_mode { STATEDB_RUN, STATEDB_READ, STATEDB_VEST } statedb_mode;

/* The default retention of ledger records without a pending award, in
 * days before the latest record's timestamp (doc/state.md). */
#define STATEDB_DEFAULT_LEDGER_DAYS 400

/* Opens path; NULL with the error printed (as `cbrc: FILE: why`). */
statedb *statedb_open(const char *path, statedb_mode mode);
/* A state kept before pots (cbr_program_pot_key): the counters of each
 * money limit and budget of p written without a currency are put into
 * their pot, once (the file remembers it; a state opened only to read is
 * converted in memory).  false with the error printed. */
bool statedb_migrate_pots(statedb *db, const cbr_program *p);
/* The store a context uses (cbr_context_set_store); valid while db is. */
const cbr_store *statedb_store(statedb *db);
/* Sets the retention kept in the database (cbrc run --ledger-days). */
void statedb_set_ledger_days(statedb *db, long days);
/* Writes every change in one transaction and prunes the ledger; false
 * with the error printed (the file is then as it was). */
bool statedb_commit(statedb *db);
/* Between batches: when the run's cache holds more than max_bytes, its
 * changes are written into the run's open transaction (nothing reaches the
 * file before statedb_commit) and the cache starts empty, to be read back
 * from SQLite as the run names keys again: a run's memory stays bounded
 * however many transactions it reads.  false with the error printed (the
 * run must not be committed). */
bool statedb_spill(statedb *db, size_t max_bytes);
/* Closes; without a commit nothing of the run reaches the file. */
void statedb_close(statedb *db);

/* Vests every pending award due at or before `at`: fn gets each, ordered by
 * vesting moment, then tid, then offer id; the records change in memory
 * (statedb_commit writes them).  false with the error printed. */
bool statedb_vest(statedb *db, int64_t at, cbr_vest_fn fn, void *ud);

/* What `cbrc state` shows. */
typedef struct statedb_info {
    uint64_t counters, records, pending;
    int64_t earliest_due;       /* INT64_MAX: nothing pending */
    long ledger_days;
} statedb_info;
bool statedb_info_of(statedb *db, statedb_info *out);
/* Each counter, sorted by key; each ledger record (key, bytes). */
bool statedb_each_counter(statedb *db, void (*fn)(void *ud, const char *key, size_t n, int64_t v), void *ud);
bool statedb_each_record(statedb *db, void (*fn)(void *ud, const char *key, size_t n, const void *data, size_t len),
                         void *ud);
/* Pending totals per currency: fn(currency, minor units, exponent). */
bool statedb_each_pending(statedb *db, void (*fn)(void *ud, const cbr_award *a), void *ud);

#endif
