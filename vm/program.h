/* program.h: a compiled program as the VM runs it, and as a bundle stores it.
 *
 * Code generation (codegen.c) fills these tables from the checked model; a
 * bundle (bundle.c) is the same tables written section by section; the
 * verifier (verify.c) checks every index, register type and instruction
 * before exec.c may run them.  Once made, a program is never written again,
 * which is what lets threads share it.
 *
 * Values at run time are 64-bit integers with a null flag:
 *   bool 0/1; int as is; decimal and money as fixed-point with a scale that
 *   is static per register (money read from input is held at scale 4, so
 *   every ISO 4217 amount fits exactly); string as an interned id (equal
 *   ids <=> equal NFC text); date as days since 1970-01-01; instant as Unix
 *   seconds; weekday 1 (MON) .. 7 (SUN). */
#ifndef CBR_VM_PROGRAM_H
#define CBR_VM_PROGRAM_H

#include <stdbool.h>
#include <stdint.h>
#include "include/cbr.h"
#include "stdlib/alloc.h"
#include "stdlib/decimal.h"
#include "stdlib/hash.h"
#include "vm/opcodes.h"

#define CBRX_NONE UINT32_MAX
#define CBRX_HASH_HEX 64        /* a program hash: SHA-256, 64 lowercase hex digits */
#define CBRX_MONEY_SCALE 4      /* input amounts: enough for every ISO 4217 currency */
#define CBRX_DECIMAL_SCALE 6    /* declared decimal fields: digits kept from input */

/* Limits on a program's tables, all in one place.  cbrx_verify refuses a
 * program over any of them, with a message naming the table and the limit
 * ("200000 offers; at most 100000"), whether it comes from a bundle or from
 * the compiler; cbr_program_load refuses a bundle over CBRX_MAX_BUNDLE_BYTES
 * before reading it.  The loader has already checked each count against the
 * bytes of its section; these bound what a context allocates and a batch
 * costs.  Each is well above what sources within cbr.h's limits compile to
 * (a 16 MiB source of the smallest offers, lists or conditions), so only a
 * hostile or damaged bundle meets them.  doc/robustness.md lists them. */
#define CBRX_MAX_BUNDLE_BYTES (256u << 20) /* a whole bundle */
#define CBRX_MAX_STRING_BYTES (64u << 20)  /* the string table's bytes */
#define CBRX_MAX_STRINGS  (1u << 24)    /* strings: names, ids, string constants */
#define CBRX_MAX_CONSTS   (1u << 24)    /* constants (list elements included) */
#define CBRX_MAX_SETS     (1u << 22)    /* constant lists (`in [...]`) */
#define CBRX_MAX_FIELDS   100000        /* fields, the 16 standard ones included */
#define CBRX_MAX_ZONES    1000          /* IANA has about 600; each costs a context 7 columns */
#define CBRX_MAX_CAMPAIGNS (1u << 21)
#define CBRX_MAX_OFFERS   (1u << 20)
#define CBRX_MAX_CLAUSES  (1u << 22)    /* all offers' clauses */
#define CBRX_MAX_LIMITS   (1u << 21)    /* all offers' `limit` lines */
#define CBRX_MAX_CODE     (1u << 26)    /* instructions */
#define CBRX_MAX_EXTERNS  (1u << 16)    /* extern functions */
#define CBRX_MAX_REGS     65535         /* a register index is 16 bits */
#define CBRX_MAX_DEPTH    4096          /* the selection stack of one offer */
#define CBRX_MAX_PARAMS   16            /* parameters of an extern function */
#define CBRX_MAX_BATCH_ROWS (1u << 20)  /* capacity of a batch or a context */
#define CBRX_MAX_TABLES   (1u << 16)    /* `table` declarations */
#define CBRX_MAX_TABLE_ROWS (1u << 24)  /* rows of all tables together (lists stop at 10,000; tables do not) */

/* The standard and derived fields come first, in this order, in every
 * program (the same order as the checker's field table). */
enum {
    XF_TID, XF_USER_ID, XF_AMOUNT, XF_CURRENCY, XF_MERCHANT, XF_MCC, XF_COUNTRY, XF_CHANNEL,
    XF_TIMESTAMP, XF_WEEKDAY, XF_HOUR, XF_MINUTE, XF_DATE, XF_DAY, XF_MONTH, XF_YEAR,
    XF_FIRST_DECLARED
};
#define XF_IS_DERIVED(f) ((f) >= XF_WEEKDAY && (f) <= XF_YEAR)

/* Register and field types: the base types of the language. */
typedef enum cbrx_type {
    X_BOOL = 1, X_INT, X_DECIMAL, X_MONEY, X_STRING, X_DATE, X_INSTANT, X_WEEKDAY
} cbrx_type;
#define X_IS_NUM(t) ((t) == X_INT || (t) == X_DECIMAL || (t) == X_MONEY)

typedef struct cbrx_field {
    uint32_t name;      /* string index */
    uint8_t type;       /* cbrx_type */
    uint8_t scale;      /* decimal and money: the fixed scale of the column */
    uint8_t derived;    /* computed from timestamp in an offer's time zone */
} cbrx_field;

typedef struct cbrx_reg {
    uint8_t type;
    uint8_t scale;
} cbrx_reg;

/* A money amount written in the rules: value at `scale`, currency or "". */
typedef struct cbrx_amount {
    int64_t m;
    uint8_t scale;
    char cur[4];
} cbrx_amount;

/* XR_EXPR: the reward is a money register the clause's code computed
 * (`cashback amount * merchant_rate[merchant]`), rounded once to the
 * currency's minor unit with the offer's mode, then capped. */
typedef enum cbrx_reward_kind { XR_PERCENT = 0, XR_FIXED = 1, XR_EXPR = 2 } cbrx_reward_kind;

typedef struct cbrx_clause {
    uint8_t kind;       /* cbrx_reward_kind */
    uint8_t has_cap;    /* a literal cap in amount (XR_PERCENT, XR_EXPR) */
    int64_t pct_m;      /* XR_PERCENT: the rate as written (15 for 15%) ... */
    uint8_t pct_scale;  /* ... at this scale */
    cbrx_amount amount; /* XR_FIXED: the reward; XR_PERCENT, XR_EXPR: the cap */
    uint32_t line;      /* source line of `when`, for listings and explain */
    /* The rewards section (only where a clause uses one of these): */
    uint16_t reg;       /* XR_EXPR: the money register of the reward, else CBRX_NO_REG */
    uint16_t cap_reg;   /* a cap written as an expression: its money register, else CBRX_NO_REG */
    uint32_t text;      /* XR_EXPR or cap_reg: string index of the source text
                           `cashback ...`, else CBRX_NONE */
    /* The vesting section (only when an offer has `vest after`): */
    uint16_t vest_reg;  /* the int register of the offer's vesting days, computed
                           before REWARD, else CBRX_NO_REG */
} cbrx_clause;
#define CBRX_NO_REG UINT16_MAX  /* never a register: CBRX_MAX_REGS is 65535 registers, 0..65534 */

/* Calendar periods in a zone: of limits and of paced budgets.  XP_NONE is
 * all time. */
typedef enum cbrx_period { XP_NONE = 0, XP_DAY, XP_WEEK, XP_MONTH, XP_YEAR } cbrx_period;

/* What a limit counts, and for whom. */
typedef enum cbrx_limit_kind {
    XL_MONEY = 0,       /* limit AMOUNT per user: cashback per customer */
    XL_COUNT = 1,       /* limit N per user: awards per customer */
    XL_TOTAL = 2        /* limit N total: awards across all customers */
} cbrx_limit_kind;

typedef struct cbrx_limit {
    uint8_t kind;       /* cbrx_limit_kind */
    uint8_t period;     /* cbrx_period */
    int64_t count;      /* XL_COUNT, XL_TOTAL */
    cbrx_amount amount; /* XL_MONEY */
} cbrx_limit;

typedef struct cbrx_campaign {
    uint32_t id, title;         /* string indexes; title CBRX_NONE */
    uint8_t has_budget, has_valid;
    cbrx_amount budget;
    int32_t valid_from, valid_to;
    uint32_t tz;                /* the zone of its budget's periods */
    uint8_t budget_period;      /* cbrx_period: the budget starts afresh each one */
} cbrx_campaign;

typedef struct cbrx_offer {
    uint32_t id, title;         /* string indexes; title CBRX_NONE */
    uint32_t campaign;          /* index or CBRX_NONE */
    uint32_t group;             /* exclusive group: string index or CBRX_NONE */
    uint32_t tz;                /* index into the time zone table */
    int64_t priority;
    uint8_t rounding;           /* cbrround */
    uint8_t has_budget, has_valid;
    cbrx_amount budget;
    uint8_t budget_period;      /* cbrx_period, in the offer's zone */
    uint8_t flags;              /* XO_* */
    int32_t valid_from, valid_to;
    uint32_t first_clause, nclauses;
    uint32_t first_limit, nlimits;
    uint32_t code, ncode;       /* its instructions */
    uint32_t first_cond, nconds; /* its conditions, in code order */
} cbrx_offer;

/* Offer flags. */
#define XO_NO_PARTIAL 1u        /* an award a limit or budget would cut is dropped */
#define XO_BEST 2u              /* its exclusive group goes to the largest award (`exclusive "G" best`) */
#define XO_REFUND_FULL 4u       /* any refund takes back the whole award (`refund full`) */
#define XO_ALL_FLAGS (XO_NO_PARTIAL | XO_BEST | XO_REFUND_FULL)

/* A condition as the author wrote it, and the instructions that test it:
 * what explain names when a transaction fails it, and what test coverage
 * counts.  A clause's `when` gives one per top-level `and` operand; the
 * offer's and campaign's valid windows and the currency a budget or limit
 * is written in give offer-wide ones (clause CBRX_NONE).  The code ranges
 * of an offer's conditions are disjoint and in code order; after the last
 * instruction of a condition the selection holds exactly the rows for which
 * it is true. */
typedef struct cbrx_cond {
    uint32_t code, ncode;       /* its instructions */
    uint32_t clause;            /* index of its clause, or CBRX_NONE */
    uint32_t text;              /* string index: the source text, or a description */
    uint32_t file;              /* string index of the source name, or CBRX_NONE */
    uint32_t line, col;         /* 1-based; 0 for offer-wide conditions */
} cbrx_cond;

/* A tally: a count or a sum of amounts per user (and per period in its zone,
 * and per currency for a sum) of the purchases its condition holds for.
 * Its condition is code[code, code+ncode) after every offer's code: run on
 * the rows with a user, it leaves selected the rows it counts (no code:
 * all of them).  It may not hold REWARD or TALLY. */
typedef enum cbrx_tally_kind { XT_COUNT = 0, XT_SUM = 1 } cbrx_tally_kind;

typedef struct cbrx_tally {
    uint32_t name;              /* string index */
    uint8_t kind;               /* cbrx_tally_kind */
    uint8_t period;             /* cbrx_period */
    uint32_t tz;                /* its zone: periods and derived fields */
    uint32_t code, ncode;
} cbrx_tally;

#define CBRX_MAX_TALLIES (1u << 16)

/* An extern function the program calls: name and signature (cbrx_type). */
typedef struct cbrx_extern {
    uint32_t name;              /* string index */
    uint8_t ret;
    uint8_t nparams;
    uint8_t params[CBRX_MAX_PARAMS];
} cbrx_extern;

typedef struct cbrx_string {
    uint32_t off, len;          /* in the string bytes */
} cbrx_string;

typedef struct cbrx_set {
    uint32_t first, n;          /* sorted constants consts[first .. first+n) */
} cbrx_set;

/* A table the rules look up (`table NAME: KEY -> VALUE ...`), loaded when
 * the rules were compiled.  Keys are ints or string indexes, ascending and
 * unique; a set has no values.  slots is built when the program is
 * prepared (cbrx_tables_index), never read from a bundle: an
 * open-addressing hash of row numbers, so a lookup costs one probe
 * whatever the table's size. */
typedef struct cbrx_table {
    uint32_t name;              /* string index */
    uint8_t key;                /* X_INT or X_STRING */
    uint8_t value;              /* cbrx_type of the values; 0 for a set */
    uint8_t scale;              /* decimal and money values: their fixed scale */
    uint32_t n;                 /* rows */
    int64_t *keys;              /* n */
    int64_t *vals;              /* n, or NULL for a set */
    uint32_t *slots;            /* mask + 1 entries, CBRX_NONE empty */
    uint32_t mask;
} cbrx_table;

/* The cross-offer index (index.c): built from the verified code when a
 * program is prepared, never read from or written to a bundle.  An offer
 * hangs on one field and the values its rows must have (on[o], vals[vfirst
 * [o] ..+ vn[o]]), is run on every row (on[o] CBRX_NONE), or can never
 * award (CBRX_IX_NEVER).  slots: open addressing on (field, value), each
 * naming its offers in lists[first ..+ n], ascending. */
#define CBRX_IX_NEVER (CBRX_NONE - 1)

typedef struct cbrx_ixslot {
    uint32_t field;
    uint32_t first, n;          /* n 0: an empty slot */
    int64_t value;
} cbrx_ixslot;

typedef struct cbrx_index {
    bool built;
    cbrx_ixslot *slots;
    uint32_t mask;
    uint32_t *lists;
    uint32_t *fields, nfields;  /* the fields offers hang on, ascending */
    uint32_t *on;               /* per offer */
    uint32_t *vfirst, *vn;
    int64_t *vals;
    int32_t *day_lo, *day_hi;   /* per offer: the local dates its valid windows allow */
    uint32_t nalways, nhung, nvalues;
} cbrx_index;

/* The whole program.  All arrays are allocated with alloc. */
typedef struct cbrx_program {
    cbr_config cfg;
    char *bytes;                /* string bytes, each followed by a NUL */
    uint32_t nbytes;
    cbrx_string *strings;
    uint32_t nstrings;
    int64_t *consts;
    uint32_t nconsts;
    cbrx_set *sets;
    uint32_t nsets;
    cbrx_field *fields;
    uint32_t nfields;
    uint32_t *tzs;              /* string index of each zone name; [0] is "UTC" */
    uint32_t ntzs;
    cbrx_campaign *campaigns;
    uint32_t ncampaigns;
    cbrx_offer *offers;         /* in evaluation order */
    uint32_t noffers;
    cbrx_clause *clauses;
    uint32_t nclauses;
    cbrx_cond *conds;
    uint32_t nconds;
    cbrx_limit *limits;
    uint32_t nlimits;
    cbrx_extern *externs;
    uint32_t nexterns;
    cbrx_reg *regs;
    uint32_t nregs;
    cbrx_insn *code;
    uint32_t ncode;
    cbrx_table *tables;
    uint32_t ntables;
    cbrx_tally *tallies;        /* their code follows the offers' */
    uint32_t ntallies;
    uint32_t max_depth;         /* deepest selection stack any offer needs */
    /* Built at prepare (cbrx_pool_index), shared read-only by every batch's
     * string pool: the hash of each string and an open-addressing table of
     * them, so that a batch of a program with a million strings does not
     * hash them all again. */
    uint32_t *str_hash, *str_tab, str_cap;
    char hash[CBRX_HASH_HEX + 1]; /* SHA-256 of the bundle bytes, in hex */
    cbrx_index index;           /* built at prepare (index.c) */
} cbrx_program;

/* The public handle wraps it with what loading resolved (time zones). */
struct cbrtz;
struct cbr_program {
    cbrx_program x;
    struct cbrtz **zones;       /* loaded zone per tzs entry */
    struct cbrx_link *links;    /* per extern: the host function and its prepared call */
    uint8_t signature;          /* cbr_signature of the bundle it was loaded from */
    char signer[CBR_KEY_ID_CHARS + 1]; /* the key id of its signature, or "" */
};

static inline const char *cbrx_str(const cbrx_program *p, uint32_t i)
{
    return p->bytes + p->strings[i].off;
}


void *cbrx_alloc(const cbrx_program *p, size_t n);
void *cbrx_realloc(const cbrx_program *p, void *old, size_t n);
void cbrx_dealloc(const cbrx_program *p, void *ptr);
/* Room in the array *a of *cap elements of size bytes for element n (its
 * n-th, 0-based), doubling it (from first elements when empty) as often as
 * that takes, from p's allocator; false when memory runs out, *a and *cap
 * unchanged. */
bool cbrx_grow(const cbrx_program *p, void **a, size_t *cap, size_t n, size_t size, size_t first);
void cbrx_program_release(cbrx_program *p);

/* state.c: a state whose blocks come from alloc (NULL: the C library's);
 * NULL when memory runs out. */
cbr_state *cbrx_state_new(cbr_alloc_fn alloc, void *ud);

/* config.c: *out becomes a copy of in (NULL: the defaults) as this library
 * knows it, whatever in->size, with defaults for fields in is too old for. */
void cbrx_config_copy(const cbr_config *in, cbr_config *out);
/* config.c: copies a sized struct (size first) of full_size bytes into out,
 * no more than out's own size field says; false when that is smaller than
 * first_size, the struct's size in its first version. */
bool cbrx_sized_fill(void *out, const void *full, size_t full_size, size_t first_size);

/* program.c: a new, empty program with cfg's allocator (cfg NULL: the
 * defaults); NULL when memory runs out. */
cbr_program *cbrx_program_new(const cbr_config *cfg);
/* program.c: what a verified program needs before it runs (its time zones,
 * its externs linked, its hash), the same from source and from a bundle;
 * false with err set. */
bool cbrx_program_prepare(cbr_program *p, cbr_error *err);

/* tables.c: the tables of a program.  release frees their arrays; verify
 * checks them (types, order, indexes) and is called by cbrx_verify; index
 * builds each table's hash at prepare time; find is the row of key in t, or
 * CBRX_NONE. */
void cbrx_tables_release(cbrx_program *p);
bool cbrx_tables_verify(const cbrx_program *p, cbr_error *err);
bool cbrx_tables_index(cbrx_program *p, cbr_error *err);

static inline uint32_t cbrx_table_hash(int64_t key)
{
    uint64_t z = (uint64_t)key + 0x9e3779b97f4a7c15ULL; /* splitmix64's finaliser */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (uint32_t)(z ^ (z >> 31));
}

static inline uint32_t cbrx_table_find(const cbrx_table *t, int64_t key)
{
    if (!t->slots)
        return CBRX_NONE;
    for (uint32_t i = cbrx_table_hash(key) & t->mask;; i = (i + 1) & t->mask) {
        uint32_t row = t->slots[i];
        if (row == CBRX_NONE || t->keys[row] == key)
            return row;
    }
}

/* index.c: builds p's cross-offer index from its verified code (false
 * with err when memory runs out); release frees it; find is the slot of
 * (field, value), or NULL when no offer hangs on it. */
bool cbrx_index_build(cbrx_program *p, cbr_error *err);
void cbrx_index_release(cbrx_program *p);
const cbrx_ixslot *cbrx_index_find(const cbrx_index *ix, uint32_t field, int64_t value);

/* verify.c: checks every table and instruction; false with err set to a
 * message naming the offending part. */
bool cbrx_verify(const cbrx_program *p, cbr_error *err);

/* bundle.c: *data is a buffer for the caller (cbrx_buf_new, from p's
 * allocator), released with cbr_free. */
bool cbrx_save(const cbrx_program *p, uint8_t **data, size_t *len, cbr_error *err);
bool cbrx_load(const cbr_config *cfg, const uint8_t *data, size_t len, cbrx_program *out,
               cbr_error *err);
/* Rewrites the checksum of a bundle of len bytes (>= the header) to match
 * its content, and that of its signature trailer if it has one: tests and
 * fuzzers use it to get damaged bundles past the checksums and into the
 * signature check and the verifier. */
void cbrx_seal(uint8_t *data, size_t len);

/* The bundle header, as bundle.c writes it and sign.c reads it. */
#define CBRX_MAGIC "CBRX\r\n\x1a\n"
#define CBRX_HEADER_BYTES 32
#define CBRX_LENGTH_AT 16       /* the total length: the bundle without its signature */

/* sign.c: SHA-256 of data as 64 lowercase hex digits (the program hash);
 * false, with out "", only when libsodium cannot be initialised. */
bool cbrx_hash(const uint8_t *data, size_t len, char out[CBRX_HASH_HEX + 1]);

/* sign.c: signed bundles.  A signature is a trailer of CBRX_TRAILER_BYTES
 * after the bundle its header describes (doc/vm.md). */
#define CBRX_TRAILER_BYTES 88
/* The length of the signed part of data: the header's total length when a
 * signature trailer follows it exactly, else len (no signature). */
size_t cbrx_signed_body(const uint8_t *data, size_t len);
/* Rewrites the trailer's checksum to match it (tests and fuzzers). */
void cbrx_seal_trailer(uint8_t *data, size_t len);
/* Finds and checks the signature of the len bytes at data before they are
 * parsed: with cfg's trusted keys, the signer must be one of them and the
 * signature must verify; without, only the trailer's checksum is checked.
 * On success *body is the length of the bundle without its trailer, *state
 * a cbr_signature and signer the key id ("" when unsigned); false with err
 * set (CBR_ERR_BUNDLE, naming why) otherwise. */
bool cbrx_check_signature(const cbr_config *cfg, const uint8_t *data, size_t len, size_t *body,
                          uint8_t *state, char signer[CBR_KEY_ID_CHARS + 1], cbr_error *err);

/* Sets err (status and printf-style message); returns false. */
bool cbrx_fail(cbr_error *err, cbr_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same, returning st: `return cbrx_status(err, CBR_ERR_ARG, "no batch");`. */
cbr_status cbrx_status(cbr_error *err, cbr_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
