/* vmint.h: the insides of batches and contexts, shared by batch.c, exec.c
 * and reward.c.  Never installed. */
#ifndef CBR_VM_VMINT_H
#define CBR_VM_VMINT_H

#include "stdlib/decimal.h"
#include "vm/program.h"
#include "vm/strpool.h"
#include "vm/ledger.h"

/* One column of a batch, or one register: values and missing flags. */
typedef struct cbrx_col {
    int64_t *v;
    uint8_t *null;      /* 1 = missing */
} cbrx_col;

struct cbr_batch {
    const cbr_program *prog;
    size_t cap, n;
    cbrx_col *cols;             /* one per field; derived fields have none */
    int8_t *exp;                /* minor digits of each row's currency */
    cbrx_pool pool;
    uint64_t stamp;             /* unique in the process, renewed whenever rows change */
    /* the row being added */
    bool in_row, row_bad;
    cbr_error row_err;
    cbrdec amount;              /* read from text; scaled when the currency is known */
    bool amount_minor;          /* amount.m is in minor units of the row's currency (cbr_batch_set_minor) */
    /* The record kind of each row (ledger.c): a refund is not evaluated,
     * settling reverses the awards of its purchase. */
    uint8_t *kind;              /* XK_* */
    uint32_t *orig;             /* a refund's original_tid (pool id), else CBRX_NONE */
    uint32_t kind_field, orig_field; /* the rules' fields of those names, or CBRX_NONE */
};

/* Record kinds. */
enum { XK_PURCHASE = 0, XK_REFUND = 1 };

/* Derived fields of one batch in one time zone. */
typedef struct cbrx_local {
    uint64_t stamp;             /* of the batch they were computed for; 0 = none */
    int64_t *v[7];              /* weekday hour minute date day month year */
} cbrx_local;

typedef struct cbrx_cand {
    uint32_t row, offer, clause;
    uint8_t capped;             /* the clause's cap cut it (explain says so) */
    int64_t cashback;           /* minor units of the row's currency */
    int64_t vest;               /* `vest after N days`: N; -1 when the offer pays at once */
} cbrx_cand;

/* One argument or result of an extern function as libffi passes it: bool
 * as i, int, date and instant as l, strings and decimals as text in s. */
typedef union cbrx_arg {
    int i;
    int64_t l;
    const char *s;
} cbrx_arg;

/* A test's stand-in for the extern functions (compiler/testblocks.c),
 * called instead of the host function ext with the call's n arguments: it
 * sets *ret and returns true, or returns false when it has nothing for
 * these arguments (the result is then missing).  A string it returns lives
 * until the evaluation ends. */
typedef bool (*cbrx_stub_fn)(void *ud, uint32_t ext, const cbrx_arg *args, unsigned n, cbrx_arg *ret);

/* One limit or budget counter a candidate touches (limits.c). */
typedef struct cbrx_counter {
    size_t off, len;            /* of its key in the context's key buffer */
    int64_t max;                /* a count, or minor units (a pot's units) */
    bool is_count;
    int64_t unit;               /* money: counter units per minor unit of the row's currency */
    size_t pend;                /* its entry in the row's pending list, once read */
} cbrx_counter;

/* A money limit or budget written without a currency is one pot across
 * currencies ("at most 10.00 in total"): its counter's key ends in `|*`
 * and it counts in units of 10^-CBRX_POT_EXP, the finest minor unit of
 * ISO 4217, so that an award in any currency adds to it exactly. */
#define CBRX_POT_EXP 4
/* The counter units per minor unit of a currency of this exponent in the
 * counter under key: 10^(CBRX_POT_EXP - exponent) for a pot, else 1. */
int64_t cbrx_pot_unit(const char *key, size_t n, int exponent);

/* How often a row is decided again when a shared store refuses its
 * reservation before settling gives up with CBR_ERR_STATE. */
#define CBRX_MAX_RESERVE_TRIES 1000u

/* What a row being settled adds to one counter (limits.c). */
typedef struct cbrx_pend {
    size_t off, len;            /* of its key in the context's key buffer */
    int64_t base;               /* the store's value when the row first read it */
    int64_t delta;              /* what the row's awards add */
    int64_t max;                /* the smallest maximum of the limits it serves */
    uint32_t tally1;            /* a tally's counter: its index + 1; 0 for a limit's */
} cbrx_pend;

/* A tally counter read while evaluating a batch (tally.c): its key in the
 * cache's bytes and its value so far, the store's plus the batch's rows. */
typedef struct cbrx_tkey {
    size_t off;
    uint32_t len, hash;
    int64_t value;
    bool used;
} cbrx_tkey;

/* A counter an award of the row being settled counted in (limits.c):
 * the award's index in ctx->awards and the row's pending entry. */
typedef struct cbrx_akey {
    size_t award;
    uint32_t pend;
    bool is_count;
} cbrx_akey;

typedef struct cbrx_ixpair {
    uint32_t offer, row;
} cbrx_ixpair;

typedef struct cbrx_frame {
    uint32_t *base, *acc;
    uint32_t nbase, nacc;
} cbrx_frame;

/* What one instruction did, for explain and coverage: rows selected before
 * and after it, summed over every run; and at a filter, the operands the
 * first row it saw was tested on. */
typedef struct cbrx_trace {
    uint64_t in, out;
    int64_t a, b;
    uint8_t an, bn, seen;
} cbrx_trace;

/* How settling treated a candidate (explain). */
typedef enum cbrx_fate {
    XS_AWARDED, XS_CUT, XS_LIMIT, XS_BUDGET, XS_CAMPAIGN_BUDGET, XS_NO_USER, XS_EXCLUDED,
    XS_NO_PARTIAL,              /* a limit or budget would have cut it, and the offer says `no partial` */
    XS_OUTBID                   /* a member of a best-of group that would pay less than the winner */
} cbrx_fate;

typedef struct cbrx_outcome {
    cbrx_cand cand;
    cbrx_fate fate;
    int64_t cashback;           /* granted */
    uint32_t limit;             /* the counter that bound (cbrx_bind.which), or CBRX_NONE */
    int64_t used, max;          /* the counter that bound, as read */
    uint32_t winner;            /* XS_EXCLUDED, XS_OUTBID: the offer that took the group */
    int64_t would, rival;       /* XS_OUTBID: what it would have paid, and what the winner pays */
} cbrx_outcome;

/* The counter that last reduced a candidate in cbrx_apply_limits. */
typedef struct cbrx_bind {
    int which;                  /* limit index, then offer budget, then campaign budget; -1 none */
    bool budget, campaign, no_user;
    bool no_partial;            /* it would have cut the award, which `no partial` dropped */
    int64_t used, max;
} cbrx_bind;

struct cbr_context {
    const cbr_program *prog;
    const cbrx_program *x;
    size_t cap;
    cbrx_col *regs;             /* what each register reads now (own storage or a column) */
    cbrx_col *own;              /* each register's storage */
    uint8_t *nonull;            /* cap zeros: the missing flags of derived columns */
    uint32_t *sel, nsel;        /* the selection */
    uint32_t *all;              /* 0 .. cap-1 */
    uint32_t *tmp;
    cbrx_frame *frames;
    uint32_t depth;
    cbrx_local *local;          /* per time zone of the program */
    cbrx_cand *cands;
    size_t ncands, capcands;
    uint32_t *row_first;        /* settling: candidates of each row */
    cbrx_cand *sorted;
    size_t capsorted;
    uint32_t *groups;           /* exclusive groups already awarded in a row */
    uint32_t *winners;          /* the offer that took each of those groups */
    cbr_award *awards;
    size_t nawards, capawards;
    cbr_state *own_state;       /* the default store */
    cbr_store store;            /* where limits and budgets are counted */
    cbrx_counter *counters;     /* room for the most any offer touches */
    char *key;                  /* keys of the counters of the row being settled */
    size_t nkey, capkey;
    cbrx_pend *pend;            /* the row's pending additions */
    size_t npend, cappend;
    cbr_reservation *resv;      /* the row's reserve call */
    size_t capresv;
    size_t settled;             /* rows of the last evaluation counted in the store */
    bool has_latest;            /* a row was settled: latest holds its timestamp */
    int64_t latest;             /* the latest timestamp of a settled row (paced budgets' period) */
    bool dry;                   /* explain: decide rows, reserve nothing */
    cbr_batch *b;               /* during evaluation and settling */
    cbr_batch *eb;              /* evaluated, its candidates ready to settle; or NULL */
    uint64_t eb_stamp;          /* eb's stamp when it was evaluated */
    uint32_t offer;             /* the offer running */
    bool oom;
    cbrx_trace *trace;          /* per instruction, or NULL: not traced (borrowed) */
    cbrx_outcome *outcomes;     /* explain: one per candidate settled, or NULL (borrowed) */
    size_t noutcomes, capoutcomes;
    cbrx_bind bind;
    uint32_t zone;              /* the zone derived fields are read in: the offer's or the tally's */
    /* tallies (tally.c), per tally cap rows: */
    cbrx_col *tcol;             /* its value as TALLY reads it (money at scale 4) */
    int64_t *tval;              /* its value with the row counted: a count or minor units */
    int64_t *tdelta;            /* what the row adds to it */
    cbrx_tkey *tkeys;           /* the batch's distinct counters, open addressing */
    size_t ntkeys, captkeys;
    char *tbytes;               /* their keys */
    size_t ntbytes, captbytes;
    uint32_t tally_moved;       /* settling: the tally another writer moved, + 1; 0 none */
    bool record_damaged;        /* settling: a ledger record the library cannot read */
    /* The stretch of the batch being evaluated and settled, [from, to): the
     * whole batch, except that for a program with tallies a refund (which
     * changes tallies) ends one, and so does a row refused with tally
     * counts (exec.c). */
    uint32_t from, to;
    /* The ledger (settle.c). */
    const char **refused;       /* per row: why settling refused it, or NULL */
    cbrx_akey *akeys;           /* the counters each award of the row counted in */
    size_t nakeys, capakeys;
    cbrl_rec rec;               /* the record being read or made */
    unsigned char *recbuf;      /* a copy of the record read */
    size_t reccap;
    unsigned char *encbuf;      /* a record written */
    size_t enccap;
    char *lkey;                 /* its key `l|TID` */
    size_t lkeycap;
    cbrl_arena text;            /* strings of events and refusals, until the next evaluation */
    cbr_reservation *back;      /* a refund's reservation: room given back */
    size_t capback;
    bool stop_after;            /* settling: the row just settled ends the stretch */
    cbrx_stub_fn stub;          /* a test's stand-in for the extern functions, or NULL */
    void *stub_ud;
    /* The cross-offer index's rows of the stretch (index.c): */
    bool use_index;             /* CBR_INDEX is not off (and nothing is traced) */
    uint32_t *ix_n, *ix_at;     /* per offer: how many rows, and where they start in ix_rows */
    uint32_t *ix_rows;
    size_t capixrows;
    cbrx_ixpair *ix_pairs;      /* (offer, row) as the rows were read */
    size_t capixpairs;
    int64_t ix_day_lo, ix_day_hi; /* the stretch's dates, with slack for zones */
};

/* index.c: whether a context of p uses the index: CBR_INDEX=off (0, no)
 * never, on (1, yes) always, unset when enough offers hang on values; the rows of each offer for the stretch of
 * ctx->b, false when memory runs out (ctx->oom set). */
bool cbrx_index_wanted(const cbrx_program *p);
bool cbrx_index_rows(cbr_context *ctx);

/* externs.c: looks up and prepares each extern of p in cfg.externs (none
 * when that is NULL); false with err on a missing or mismatched function. */
bool cbrx_link_externs(cbr_program *p, cbr_error *err);
void cbrx_unlink_externs(cbr_program *p);
/* externs.c: the CALL instruction. */
void cbrx_call(cbr_context *ctx, const cbrx_insn *in);
/* externs.c: stubs for every extern function of ctx's program, for a test:
 * with them the program is evaluated though no host function is linked. */
void cbrx_context_set_stub(cbr_context *ctx, cbrx_stub_fn fn, void *ud);

/* limits.c: counts what came before a test (`already`): row 0 of b read as
 * an earlier purchase.  CBRX_SEED_AWARD: an award of value minor units of
 * the row's currency from offer index (one in each count limit, value in
 * its money limits and in its and its campaign's budgets);
 * CBRX_SEED_CAMPAIGN: value spent from campaign index's budget;
 * CBRX_SEED_TALLY: value counted in tally index (purchases, or minor units
 * of a sum).  CBR_ERR_RECORD when a counter it needs has no user_id. */
enum { CBRX_SEED_AWARD, CBRX_SEED_CAMPAIGN, CBRX_SEED_TALLY };
cbr_status cbrx_seed(cbr_context *ctx, cbr_batch *b, int what, uint32_t index, int64_t value, cbr_error *err);

/* exec.c: the local date of a row in time zone tz (days since 1970). */
int64_t cbrx_local_date(cbr_context *ctx, uint32_t tz, uint32_t row);
/* reward.c: an amount in minor units of a currency with e digits. */
__int128 cbrx_minor_units(const cbrx_amount *a, int e, cbrround mode);
/* The same, saturated to 64 bits: a limit beyond 9.2e18 minor units never binds. */
int64_t cbrx_minor_units64(const cbrx_amount *a, int e, cbrround mode);
/* limits.c: cuts *cash to the room the candidate's limits and budgets leave
 * (0: dropped) and, when something is left, adds it to the row's pending
 * list; begin_row empties that list, commit_row reserves it in the store
 * (*granted false: the store refused, nothing changed, decide the row again). */
cbr_status cbrx_apply_limits(cbr_context *ctx, const cbrx_cand *c, int64_t *cash, bool *cut);
/* limits.c: the same without adding anything: what the candidate would be
 * awarded against the row's state as it stands (best-of groups). */
cbr_status cbrx_measure_limits(cbr_context *ctx, const cbrx_cand *c, int64_t *cash, bool *cut);
void cbrx_begin_row(cbr_context *ctx);
cbr_status cbrx_commit_row(cbr_context *ctx, bool *granted);

/* exec.c: selects the stretch's purchases (with a user when with_user). */
void cbrx_stretch_rows(cbr_context *ctx, bool with_user);
/* exec.c: runs code[from, from+n) on the selection (a tally's condition). */
void cbrx_run_code(cbr_context *ctx, uint32_t from, uint32_t n);
/* tally.c: the tally values of every row of ctx->b (cbr_evaluate calls it
 * first for a program with tallies); a store's failing status or
 * CBR_ERR_NOMEM. */
cbr_status cbrx_tally_prepass(cbr_context *ctx);
/* tally.c: whether row r counts in a tally, and adding its tally counters to
 * the row's pending list (after its awards', before commit_row). */
bool cbrx_tally_counts(const cbr_context *ctx, uint32_t r);
cbr_status cbrx_tally_pend(cbr_context *ctx, uint32_t r);
/* tally.c: a context's tally arrays, made and freed with it. */
bool cbrx_tally_alloc(cbr_context *ctx);
void cbrx_tally_free(cbr_context *ctx);
/* limits.c: appends the key of tally t for row r to ctx->key. */
bool cbrx_tally_key(cbr_context *ctx, uint32_t t, uint32_t r);

/* exec.c */
/* n / den rounded with mode (den != 0). */
__int128 cbrx_div_round(__int128 n, __int128 den, cbrround mode);
/* reward.c: a percent clause's cashback on amount (scale 4) in minor units
 * of a currency with e digits, rounded with mode, before any cap. */
__int128 cbrx_percent_of(int64_t amount, const cbrx_clause *cl, int e, cbrround mode);
/* reward.c: clause cl's cashback on row r in minor units, rounded with
 * mode and capped (*capped: the cap cut it); *ok false when the row cannot
 * earn from it (an amount in another currency, an unknown value or cap). */
__int128 cbrx_clause_cash(const cbr_context *ctx, const cbrx_clause *cl, uint32_t r, cbrround mode,
                          bool *ok, bool *capped);
/* reward.c: the candidates of clause k for the selected rows. */
void cbrx_reward(cbr_context *ctx, uint32_t k);
/* reward.c: candidates -> awards: priority order, exclusive groups, limits. */
cbr_status cbrx_settle(cbr_context *ctx);
/* ledger_settle.c: the ledger's part of settling row r.  check: whether the
 * row is refused (a duplicate) before anything is decided; record: the
 * purchase's record once its reservation was granted (its awards are
 * ctx->awards[first, nawards)); refund: all of a refund row. */
cbr_status cbrx_ledger_check(cbr_context *ctx, uint32_t r, bool *refused);
cbr_status cbrx_ledger_record(cbr_context *ctx, uint32_t r, size_t first);
cbr_status cbrx_refund(cbr_context *ctx, uint32_t r);
/* ledger_settle.c: the first instant of local date `days` in zone tz. */
int64_t cbrx_day_start(const cbr_context *ctx, uint32_t tz, int64_t days);
/* batch.c: column index of the amount and currency fields. */
const cbrx_col *cbrx_batch_col(const cbr_batch *b, uint32_t field);

#endif
