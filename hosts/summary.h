/* summary.h: the --summary of `cbrc run`: per offer and per campaign the
 * awards, the cashback per currency, the customers reached and what is left
 * of each budget, with the record counts that add up to the records read.
 * A what-if run over a month of history is how a campaign's budget gets
 * approved, so this is the table an analyst reads. */
#ifndef CBR_HOSTS_SUMMARY_H
#define CBR_HOSTS_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "include/cbr.h"

typedef struct cbrc_summary cbrc_summary;

/* Rejected records of one reason ("bad amount", "missing currency"). */
typedef struct cbrc_reason {
    char name[48];
    uint64_t count;         /* rejected for it */
    uint64_t shown;         /* of which reported on stderr (the rest are past --max-errors) */
} cbrc_reason;

typedef struct cbrc_counts {
    uint64_t records;       /* read from the input */
    uint64_t evaluated;     /* added to a batch and evaluated */
    uint64_t rejected;      /* reported and set aside */
    uint64_t earning;       /* evaluated transactions that earned at least one award */
    uint64_t refunds;       /* of the evaluated, the refunds (the rest are purchases) */
    const cbrc_reason *reasons; /* the rejected by reason, most first; nreasons of them */
    size_t nreasons;
} cbrc_counts;

cbrc_summary *cbrc_summary_new(const cbr_program *p);
void cbrc_summary_free(cbrc_summary *s);
/* No day: a record whose timestamp's date could not be read. */
#define CBRC_NO_DAY INT32_MIN
/* Counts one award; user is the transaction's user_id (NULL when absent),
 * day the date its timestamp is written with (days since 1970-01-01, or
 * CBRC_NO_DAY), which the report's charts count by. */
bool cbrc_summary_award(cbrc_summary *s, const cbr_award *a, const char *user, size_t ulen, int32_t day);
/* Counts one event in the ledger's totals: an award (paid now or
 * pending) or a reversal. */
bool cbrc_summary_event(cbrc_summary *s, const cbr_award *a);
/* Prints the tables (text) or one JSON object; budgets are read from ctx. */
void cbrc_summary_print(cbrc_summary *s, FILE *f, bool json, cbr_context *ctx, const cbrc_counts *n);

#endif
