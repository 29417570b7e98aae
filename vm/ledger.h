/* ledger.h: the award ledger's records (ledger.c), shared by settling
 * (settle.c), the in-memory state (state.c) and the vesting calls.
 *
 * A record is what the store keeps under `l|TID`: for a purchase that
 * changed anything, its amount, currency, user, what was refunded so far,
 * each award (offer, campaign, what it was granted and is worth now,
 * pending or vested and when it vests, the counters it counted in) and the
 * tallies that counted it; for a refund only the purchase it refunded (so a
 * second copy of it is a duplicate).  Records are read without a program
 * (cbrc vest has none), so they name offers and counters by their text. */
#ifndef CBR_VM_LEDGER_H
#define CBR_VM_LEDGER_H

#include <stdbool.h>
#include "include/cbr.h"

#define CBRL_VERSION 1

enum { CBRL_PURCHASE = 0, CBRL_REFUND = 1 };

/* Award flags. */
#define CBRL_PENDING 1u         /* paid when it vests */
#define CBRL_VESTED 2u          /* was pending, is paid */
#define CBRL_REFUND_FULL 4u     /* any refund takes all of it (`refund full`) */
#define CBRL_COUNT_BACK 8u      /* worth nothing now: its count limits have their count back */

typedef struct cbrl_str {
    const char *p;              /* not NUL-terminated; NULL: absent */
    uint32_t n;
} cbrl_str;

/* A counter an award counted in, or a tally that counted the purchase. */
typedef struct cbrl_key {
    uint8_t is_count;           /* limits: `limit N` (1) or money (0); tallies: count (1) or sum (0) */
    uint8_t back;               /* a tally's: the purchase was taken out of it (count) */
    int64_t delta;              /* a tally's: what the purchase added */
    cbrl_str key;
} cbrl_key;

typedef struct cbrl_award {
    cbrl_str offer, campaign;
    int64_t granted, worth;     /* minor units */
    uint8_t flags;              /* CBRL_* */
    int64_t vests_at;           /* CBRL_PENDING or CBRL_VESTED: Unix seconds */
    char vests[11];             /* its local date, YYYY-MM-DD */
    uint32_t first_key, nkeys;  /* in keys[] */
} cbrl_award;

typedef struct cbrl_rec {
    uint8_t kind;
    cbrl_str tid;               /* the purchase's (of a refund: the purchase it refunded) */
    cbrl_str user;
    int64_t amount, refunded;   /* minor units */
    int64_t at;                 /* the purchase's timestamp */
    uint8_t exponent;
    char currency[4];
    cbrl_award *awards;
    uint32_t nawards, capawards;
    cbrl_key *keys;             /* of every award, then */
    uint32_t nkeys, capkeys;
    cbrl_key *tallies;
    uint32_t ntallies, captallies;
} cbrl_rec;

/* The arrays of a record come from alloc; strings point into the bytes it
 * was decoded from (or wherever the builder put them). */
void cbrl_rec_free(cbrl_rec *r, cbr_alloc_fn alloc, void *ud);
void cbrl_rec_reset(cbrl_rec *r);
bool cbrl_add_award(cbrl_rec *r, cbr_alloc_fn alloc, void *ud, const cbrl_award *a);
bool cbrl_add_key(cbrl_rec *r, cbr_alloc_fn alloc, void *ud, const cbrl_key *k);
bool cbrl_add_tally(cbrl_rec *r, cbr_alloc_fn alloc, void *ud, const cbrl_key *k);

/* The record's bytes, into a buffer that grows (*buf, *cap from alloc). */
bool cbrl_encode(const cbrl_rec *r, cbr_alloc_fn alloc, void *ud, unsigned char **buf, size_t *cap,
                 size_t *len);
/* false for bytes the library did not write (or that were damaged). */
bool cbrl_decode(const void *data, size_t len, cbrl_rec *r, cbr_alloc_fn alloc, void *ud);

/* The earliest vesting moment of its pending awards, INT64_MAX when none. */
int64_t cbrl_due(const cbrl_rec *r);

/* The store key `l|TID` of a tid, escaped as counter keys are, into buf;
 * returns the length (the buffer grows from alloc). */
bool cbrl_key_of(const char *tid, size_t n, cbr_alloc_fn alloc, void *ud, char **buf, size_t *cap,
                 size_t *len);

/* Strings that stay where they are until the arena is reset: the texts
 * of a batch's events and refusals. */
typedef struct cbrl_chunk cbrl_chunk;
typedef struct cbrl_arena {
    cbrl_chunk *head;
} cbrl_arena;
/* A NUL-terminated copy of s[0..n), or NULL when memory runs out. */
const char *cbrl_arena_dup(cbrl_arena *a, cbr_alloc_fn alloc, void *ud, const char *s, size_t n);
void cbrl_arena_reset(cbrl_arena *a, cbr_alloc_fn alloc, void *ud);

#endif
