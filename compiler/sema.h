/* sema.h: the checked program, as the resolver and type checker leave it.
 * sema.c walks every parsed source, builds these tables (fields, lets,
 * externs, campaigns, offers, tests), resolves every name to an index, types
 * and folds every expression, and reports errors and warnings.  Code
 * generation reads only this model, never the raw item lists. */
#ifndef CBR_COMPILER_SEMA_H
#define CBR_COMPILER_SEMA_H

#include "compiler/compint.h"
#include "stdlib/decimal.h"

typedef enum cbrfield_origin { FIELD_STANDARD, FIELD_DERIVED, FIELD_DECLARED } cbrfield_origin;

/* Standard field indexes are fixed: the VM and the input readers use them. */
enum {
    FIELD_TID, FIELD_USER_ID, FIELD_AMOUNT, FIELD_CURRENCY, FIELD_MERCHANT, FIELD_MCC,
    FIELD_COUNTRY, FIELD_CHANNEL, FIELD_TIMESTAMP,
    FIELD_WEEKDAY, FIELD_HOUR, FIELD_MINUTE, FIELD_DATE, FIELD_DAY, FIELD_MONTH, FIELD_YEAR,
    FIELD_FIRST_DECLARED
};

typedef struct cbrfield {
    const char *name;
    cbrtype type;
    cbrfield_origin origin;
    const cbritem *decl;          /* FIELD_DECLARED */
} cbrfield;

typedef struct cbrlet {
    const cbritem *item;
    cbrtype type;
    int state;                    /* 0 unchecked, 1 being checked, 2 done */
    uint32_t size;                /* cbrtc_size of its expression; 0 until computed */
    bool used;                    /* named by a condition or another let */
} cbrlet;

typedef struct cbrextern {
    const cbritem *item;
    cbrtype params[16];
    unsigned nparams;
    cbrtype ret;
} cbrextern;

typedef struct cbrlimit {
    bool is_count;                /* limit N per user or N total: counts awards */
    bool total;                   /* limit N total: across all customers */
    int64_t count;
    cbramount amount;             /* otherwise: cashback per user */
    cbrperiod period;
    cbrloc loc;
} cbrlimit;

typedef struct cbrcampaign {
    const cbritem *item;
    cbrstr id, title, timezone;   /* timezone: of its budget's periods; NULL is UTC */
    bool has_budget, has_valid;
    cbramount budget;
    cbrperiod budget_period;      /* budget AMOUNT per PERIOD */
    int32_t valid_from, valid_to;
} cbrcampaign;

typedef struct cbroffer {
    const cbritem *item;
    cbrstr id, title, timezone, exclusive;
    bool bare;                    /* a bare rule: id FILESTEM:LINE */
    int campaign;                 /* index, or -1 */
    int64_t priority;
    cbrround rounding;
    bool has_valid, has_budget;
    bool no_partial;              /* an award a limit or budget would cut is dropped */
    bool best;                    /* exclusive "G" best: the group goes to the largest award */
    bool refund_full;             /* `refund full`: any refund takes back the whole award */
    struct cbrexpr *vest;         /* `vest after EXPR days`: EXPR (int), or NULL */
    cbrloc exclusive_loc;         /* its `exclusive` attribute */
    int32_t valid_from, valid_to;
    cbramount budget;
    cbrperiod budget_period;      /* budget AMOUNT per PERIOD, in the offer's zone */
    cbrlimit *limits;
    unsigned nlimits;
    cbrclause **clauses;
    unsigned nclauses;
} cbroffer;

typedef enum cbrtally_kind { TALLY_COUNT, TALLY_SUM } cbrtally_kind;

/* A tally (compiler/tallies.c): count or sum of a user's purchases. */
typedef struct cbrtally {
    const cbritem *item;
    cbrtally_kind kind;
    cbrperiod period;             /* PER_NONE: all time */
    cbrstr timezone;              /* of its period and its condition; NULL is UTC */
    cbrtype type;                 /* T_INT, T_MONEY, or T_ERROR when it failed to check */
    bool used;                    /* read by a condition or a let */
} cbrtally;

typedef struct cbrtest {
    const cbritem *item;
} cbrtest;

/* A row's key or value: ints, bools and dates in i, decimal and money in d,
 * strings (NFC) in s. */
typedef union cbrtabval {
    int64_t i;
    cbrdec d;
    cbrstr s;
} cbrtabval;

/* A table with its rows, sorted by key (ints ascending, strings bytewise). */
typedef struct cbrtable {
    const cbritem *item;
    cbrtype key;                  /* T_INT or T_STRING; T_ERROR after a bad declaration */
    cbrtype value;                /* T_NOTHING for a set */
    bool ok;                      /* every row was read and checked */
    unsigned scale;               /* decimal and money values: all at this scale */
    uint32_t n;
    cbrtabval *keys, *vals;       /* vals NULL for a set */
    const char *path;             /* the file it was read from, or NULL */
} cbrtable;

typedef struct cbrsema {
    cbrfield *fields;
    unsigned nfields;
    cbrlet *lets;
    unsigned nlets;
    cbrextern *externs;
    unsigned nexterns;
    cbrcampaign *campaigns;
    unsigned ncampaigns;
    cbroffer *offers;
    unsigned noffers;
    cbrtest *tests;
    unsigned ntests;
    cbrtable *tables;
    unsigned ntables;
    cbrtally *tallies;
    unsigned ntallies;
} cbrsema;

/* Built-in functions: the sym_index of an E_CALL whose sym is SYM_BUILTIN. */
typedef enum bfn {
    B_LOWER, B_UPPER, B_CASEFOLD, B_STARTS_WITH, B_ENDS_WITH, B_CONTAINS, B_LEN,
    B_MIN, B_MAX, B_ABS, B_ROUND, B_FLOOR, B_CEIL, B_EXISTS, B_DAYS_BETWEEN
} bfn;

/* The checked program of c (NULL before cbr_compiler_check). */
const cbrsema *cbrsema_get(const cbr_compiler *c);

/* A numeric constant (int, decimal or money) as a decimal; money drops its
 * currency here. */
cbrdec cbrsema_const_dec(const cbrval *v);

/* The type a type name denotes ("string" -> T_STRING), T_ERROR if none. */
cbrtype cbrsema_type_named(const char *name, size_t n);

/* Edit distance (optimal string alignment), case-insensitive; stops early and
 * returns max+1 once the distance is known to exceed max. */
unsigned cbrsema_distance(const char *a, size_t na, const char *b, size_t nb, unsigned max);

#endif
