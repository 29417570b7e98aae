/* ast.h: the syntax tree the parser builds and the checker annotates.
 * Grammar actions only build these nodes (parser.y); every rule of the
 * language is enforced later, in sema.c, so that the parser stays a parser and
 * one `cbrc check` can report every independent error.  All nodes live in the
 * compiler's arena.  Locations are byte offsets; line and column are computed
 * only when a diagnostic is printed. */
#ifndef CBR_COMPILER_AST_H
#define CBR_COMPILER_AST_H

#include <stdbool.h>
#include <stdint.h>
#include "stdlib/decimal.h"

typedef struct cbrloc {
    uint32_t file;   /* index of the source in the compiler */
    uint32_t start;  /* byte offset of the first byte */
    uint32_t end;    /* byte offset one past the last byte */
} cbrloc;

/* ---- types ---- */
typedef enum cbrtype {
    T_ERROR = 0, /* an expression that already failed to check: no cascades */
    T_BOOL,
    T_INT,
    T_DECIMAL,
    T_MONEY,
    T_STRING,
    T_DATE,
    T_INSTANT,
    T_WEEKDAY,
    T_NOTHING,   /* element type of the empty list [] */
    T_LIST = 0x10 /* flag: a list of the base type */
} cbrtype;

#define T_BASE(t) ((cbrtype)((t) & 0x0f))
#define T_IS_LIST(t) (((t) & T_LIST) != 0)
#define T_IS_NUM(t) ((t) == T_INT || (t) == T_DECIMAL || (t) == T_MONEY)

/* A name for messages: "int", "list of string". */
const char *cbrtype_name(cbrtype t);

/* ---- constant values: literals and folded expressions ---- */
typedef struct cbrstr {
    const char *s;   /* NUL-terminated, UTF-8, in the arena */
    uint32_t n;
} cbrstr;

typedef struct cbrval {
    cbrtype type;          /* a base type; lists are expression nodes */
    bool is_percent;       /* a decimal written as N% (value already divided by 100) */
    union {
        bool b;
        int64_t i;
        cbrdec d;                               /* decimal */
        struct { cbrdec amount; char cur[4]; } m; /* money; cur "" = transaction's */
        cbrstr s;
        int32_t date;                           /* days since 1970-01-01 */
        struct { int64_t secs; int offset_min; } inst;
        unsigned weekday;                       /* 1 = MON .. 7 = SUN */
    } u;
} cbrval;

/* ---- expressions ---- */
typedef enum cbrexpr_kind {
    E_LIT,      /* u.lit */
    E_LIST,     /* u.list.items: [a, b] */
    E_NAME,     /* u.name: a field, let, weekday */
    E_CALL,     /* u.call: f(args) */
    E_NOT,      /* u.kids.a */
    E_NEG,      /* u.kids.a */
    E_AND,      /* u.list.items: n-ary, flattened */
    E_OR,       /* u.list.items: n-ary, flattened */
    E_BIN,      /* u.kids.a op u.kids.b: arithmetic and comparison */
    E_IN,       /* u.kids.a in u.kids.b (negated when `negated`) */
    E_BETWEEN,  /* u.kids.a between u.kids.b and u.kids.c */
    E_INDEX     /* u.kids.a [u.kids.b]: a table lookup, a an E_NAME */
} cbrexpr_kind;

typedef enum cbrbinop {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_FEQ /* ~= */
} cbrbinop;

const char *cbrbinop_text(cbrbinop op);

/* What a name resolved to. */
typedef enum cbrsym_kind {
    SYM_NONE = 0,
    SYM_FIELD,     /* index into the field table (standard, derived, declared) */
    SYM_LET,       /* index into the lets */
    SYM_WEEKDAY,   /* index 1..7 */
    SYM_EXTERN,    /* index into the externs (calls only) */
    SYM_BUILTIN,   /* index into the built-in function table (calls only) */
    SYM_TABLE,     /* index into the tables */
    SYM_TALLY      /* index into the tallies: read like a field */
} cbrsym_kind;

typedef struct cbrexpr cbrexpr;
struct cbrexpr {
    cbrexpr_kind kind;
    cbrbinop op;
    bool negated;        /* E_IN: `not in` */
    bool is_const;       /* the checker folded it to `value` */
    bool paren;          /* written inside parentheses (for the formatter) */
    bool truncated;      /* E_LIST: the length limit dropped elements (reported once) */
    bool warned;         /* a warning already explains why this is constant */
    uint16_t depth;      /* height of the tree below, bounded by the limits */
    cbrtype type;        /* set by the checker */
    cbrloc loc;
    cbrloc op_loc;       /* the operator token, where errors point */
    cbrval value;        /* E_LIT, or the folded value when is_const */
    cbrsym_kind sym;     /* E_NAME / E_CALL after resolution */
    uint32_t sym_index;
    union {
        cbrstr name;                                 /* E_NAME, E_CALL; a money E_LIT:
                                                        its currency word as written */
        struct { cbrexpr **items; uint32_t n; uint32_t cap; } list; /* E_LIST, E_AND, E_OR */
        struct { cbrexpr *a, *b, *c; } kids;
    } u;
    struct { cbrexpr **items; uint32_t n; uint32_t cap; } args; /* E_CALL */
};

/* ---- amounts in attributes and rewards ---- */
typedef struct cbramount {
    cbrdec value;
    bool has_point;      /* written with a decimal point: 15.00, not 15 */
    char cur[4];         /* "" when no currency code was written */
    cbrstr word;         /* the word after the number as written (a currency code,
                            or `total` in a limit); {NULL, 0} when none */
    cbrloc loc;
    cbrloc cur_loc;
} cbramount;

/* A reward written as one literal keeps the forms it always had: R_PERCENT
 * (`cashback 10%`) and R_FIXED (`cashback 20.00`); anything else is R_EXPR,
 * a money expression.  A cap written as one amount is `amount`; any other
 * cap is the expression `cap`. */
typedef enum cbrreward_kind { R_PERCENT, R_FIXED, R_EXPR } cbrreward_kind;

typedef struct cbrreward {
    cbrreward_kind kind;
    cbrdec percent;      /* R_PERCENT: the rate as written, 15 for 15% */
    bool has_cap;
    cbramount amount;    /* R_FIXED: the amount; R_PERCENT, R_EXPR: a literal cap */
    cbramount fixed_cap; /* R_FIXED with has_cap: the cap, which is an error */
    cbrexpr *expr;       /* R_EXPR: the reward */
    cbrexpr *cap;        /* has_cap with a cap that is not one amount; else NULL */
    cbrloc cap_loc;      /* from `up` to the end of the cap */
    cbrloc loc;
} cbrreward;

typedef struct cbrclause {
    cbrexpr *cond;
    cbrreward reward;
    cbrloc loc;          /* from `when` to the end of the reward */
    bool unreachable;    /* set by the checker */
} cbrclause;

/* ---- attributes of offers and campaigns ---- */
typedef enum cbrattr_kind {
    A_TITLE, A_CAMPAIGN, A_VALID, A_TIMEZONE, A_PRIORITY, A_EXCLUSIVE,
    A_LIMIT, A_BUDGET, A_ROUNDING,
    A_NO_PARTIAL,        /* `no partial`: u.word holds the word after `no` */
    A_REFUND_FULL,       /* `refund full`: u.word holds the word after `refund` */
    A_VEST,              /* `vest after EXPR days`: u.vest */
    A_CLAUSE             /* not an attribute: a `when` clause in the same list */
} cbrattr_kind;

const char *cbrattr_name(cbrattr_kind k);

typedef enum cbrperiod { PER_NONE = 0, PER_DAY, PER_WEEK, PER_MONTH, PER_YEAR } cbrperiod;

typedef struct cbrattr {
    cbrattr_kind kind;
    cbrloc loc;          /* the whole attribute */
    cbrloc kw_loc;       /* its keyword */
    union {
        cbrstr str;                              /* title, campaign, timezone, exclusive */
        struct { int32_t from, to; cbrloc from_loc, to_loc; } valid;
        struct { int64_t v; cbrloc loc; } priority;
        /* limit AMOUNT [per WHO [per PERIOD]]: WHO is `user`, or the period of
         * `limit N total per PERIOD`; has_who false for `limit N total` */
        struct { cbramount amount; cbrstr who, period; cbrloc who_loc, period_loc; bool has_who, has_period; } limit;
        struct { cbramount amount; cbrstr period; cbrloc period_loc; bool has_period; } budget;
        struct { cbrstr s; cbrloc loc; } word;   /* no partial, refund full */
        /* vest after EXPR days: the two words as written, checked by sema */
        struct { struct cbrexpr *e; cbrstr after, days; cbrloc after_loc, days_loc; } vest;
        /* exclusive "G" [WORD]: g aliases str; WORD is `best` when right */
        struct { cbrstr g, word; cbrloc word_loc; bool has_word; } excl;
        struct { cbrstr mode; cbrloc loc; } rounding;   /* "half-up" etc. as written */
        cbrclause clause;
    } u;
} cbrattr;

typedef struct cbrattrs {
    cbrattr *items;
    uint32_t n, cap;
    bool broken;         /* a syntax error was recovered from inside the block */
} cbrattrs;

/* ---- test blocks ---- */
typedef struct cbrgiven_kv {
    cbrstr key;
    cbrloc key_loc;
    cbrexpr *value;      /* a literal (possibly negated number) */
} cbrgiven_kv;

/* STEP_EXPECT_NONE_FROM: `expect no cashback from "o"`, nothing from offer o.
 * A test may start from what came before (the counters of limits, budgets
 * and tallies), each written `already VERB AMOUNT ... { FIELDS }` with the
 * fields of the earlier purchase that place it (user_id, currency,
 * timestamp):
 *     STEP_ALREADY_EARNED   already earned 45.00 from "OFFER" { ... }
 *     STEP_ALREADY_SPENT    already spent 490.00 from campaign "C" { ... }
 *     STEP_ALREADY_COUNTED  already counted 3 in TALLY { ... }
 * and may stand in for an extern function (STEP_STUB):
 *     stub NAME(ARGS) = VALUE     stub NAME = VALUE (any arguments)
 * `already`, the verbs and `stub` are words, not keywords: sema checks them. */
typedef enum cbrstep_kind {
    STEP_GIVEN, STEP_EXPECT_CASHBACK, STEP_EXPECT_NONE, STEP_EXPECT_NONE_FROM,
    STEP_ALREADY_EARNED, STEP_ALREADY_SPENT, STEP_ALREADY_COUNTED, STEP_STUB
} cbrstep_kind;

typedef struct cbrstep {
    cbrstep_kind kind;
    cbrloc loc;
    bool broken;         /* STEP_GIVEN: a syntax error was recovered from inside */
    cbrgiven_kv *kvs;    /* STEP_GIVEN */
    uint32_t nkv, kvcap;
    cbramount amount;    /* STEP_EXPECT_CASHBACK, STEP_ALREADY_* */
    cbrstr offer;        /* STEP_EXPECT_CASHBACK, STEP_EXPECT_NONE_FROM; STEP_ALREADY_*: the
                            offer, campaign or tally named */
    cbrloc offer_loc;
    cbrstr word, verb;   /* STEP_ALREADY_*: `already` and its verb as written; STEP_STUB: `stub` */
    cbrloc word_loc, verb_loc;
    cbrloc block_loc;    /* STEP_ALREADY_*: the `{` of its fields */
    cbrexpr *call;       /* STEP_STUB: the call stood in for (an E_CALL, or an E_NAME for any) */
    cbrexpr *value;      /* STEP_STUB: what it returns */
} cbrstep;

typedef struct cbrsteps {
    cbrstep *items;
    uint32_t n, cap;
} cbrsteps;

/* ---- top-level items ---- */
typedef enum cbritem_kind { I_FIELD, I_LET, I_EXTERN, I_CAMPAIGN, I_OFFER, I_RULE, I_TEST, I_TABLE, I_TALLY } cbritem_kind;

/* `tally NAME = KIND [WHAT] per WHO [per PERIOD] [where COND] [timezone "Z"]`
 * as written: the words are checked in sema (compiler/tallies.c), and each
 * optional part may be written once. */
typedef struct cbrtallydef {
    cbrstr kind, what, who, period, where, zone;
    cbrloc kind_loc, what_loc, who_loc, period_loc, where_loc, zone_loc;
    bool has_period, has_zone;
    unsigned nperiod, nzone;  /* how often each was written */
    cbrexpr *cond;       /* NULL: counts every purchase */
} cbrtallydef;

typedef struct cbrtyperef {
    cbrstr name;         /* as written: "string" */
    cbrloc loc;
} cbrtyperef;

/* A table declaration: `table NAME: KEY [-> VALUE] (from "FILE" | = {...} | = [...])`.
 * Inline entries are expressions the checker requires to be literals; they
 * are not a list, so the list length limit does not apply. */
typedef struct cbrtabledecl {
    cbrtyperef key, value;
    bool is_set;         /* no `-> VALUE` */
    bool from_file;
    cbrstr file;         /* as written */
    cbrloc file_loc;
    cbrexpr **keys, **vals; /* inline: n keys, and n values unless a set */
    uint32_t n, cap;
} cbrtabledecl;

typedef struct cbritem cbritem;
struct cbritem {
    cbritem_kind kind;
    cbrloc loc;          /* the whole item */
    cbrstr name;         /* field/let/extern name, campaign/offer id, test name */
    cbrloc name_loc;
    cbritem *next;       /* in source order within a file */
    union {
        cbrtyperef field_type;                                   /* I_FIELD */
        cbrexpr *let_expr;                                       /* I_LET */
        struct { cbrtyperef *params; uint32_t n, cap; cbrtyperef ret; } ext; /* I_EXTERN */
        cbrattrs attrs;                                          /* I_CAMPAIGN, I_OFFER */
        cbrclause rule;                                          /* I_RULE: a bare rule */
        cbrsteps test;                                           /* I_TEST */
        cbrtabledecl table;                                      /* I_TABLE */
        cbrtallydef tally;                                       /* I_TALLY */
    } u;
};

#endif
