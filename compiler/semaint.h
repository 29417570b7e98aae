/* semaint.h: what the checker's files (sema.c, types.c, suggest.c) share. */
#ifndef CBR_COMPILER_SEMAINT_H
#define CBR_COMPILER_SEMAINT_H

#include "compiler/sema.h"

/* A string-keyed hash map of small integers, in the arena. */
typedef struct cbrmap_slot {
    const char *key;
    uint32_t n;
    uint32_t hash;
    int value;
} cbrmap_slot;

typedef struct cbrmap {
    cbrmap_slot *slots;
    uint32_t cap, count;
} cbrmap;

/* value >= 0 when found, -1 otherwise. */
int cbrmap_get(const cbrmap *m, const char *key, size_t n);
/* false when out of memory; replaces an existing key's value. */
bool cbrmap_put(cbr_compiler *c, cbrmap *m, const char *key, size_t n, int value);

/* Encodes (kind, index) of the names namespace into one map value. */
#define NAMEVAL(kind, idx) ((int)(((unsigned)(idx) << 3) | (unsigned)(kind)))
#define NAMEKIND(v) ((cbrsym_kind)((unsigned)(v) & 7u))
#define NAMEIDX(v) ((unsigned)(v) >> 3)

/* Limits of the checker beyond cbr_limits (cbr.h): the size of conditions
 * once every let they use is written out in full, as code generation emits
 * them.  A let is inlined at each use, so a chain of lets that each use the
 * one before twice doubles at every step: 30 short lines would otherwise ask
 * for a billion instructions.  Sizes count expression nodes (a folded
 * constant or a whole list is one). */
#define CBRSEMA_MAX_CONDITION_SIZE (1u << 16) /* one clause's condition */
#define CBRSEMA_MAX_PROGRAM_SIZE (1u << 24)   /* all conditions of the program */
/* The tables a program may hold, as vm/program.h's verifier allows them
 * (CBRX_MAX_FIELDS counts the 16 standard fields too): a source over them is
 * refused where it declares one too many, not later as a bad program. */
#define CBRSEMA_MAX_FIELDS (100000u - 16u)  /* declared fields */
#define CBRSEMA_MAX_EXTERNS (1u << 16)      /* extern functions */

typedef struct cbrsema_ctx {
    cbr_compiler *c;
    cbrsema *m;
    cbrmap names;      /* fields, lets, externs, weekdays */
    cbrmap funcs;      /* built-in functions */
    cbrmap offers, campaigns, tests;
    unsigned let_depth;  /* lets being checked inside one another */
    bool too_many_offers; /* the offer limit has been reported */
    bool too_many_fields, too_many_externs; /* ... and these */
    uint64_t program_size; /* cbrtc_size of the conditions checked so far */
    const char **zones;  /* zone names for suggestions (suggest.c), read on demand */
    unsigned nzones;
    bool zones_read;
    unsigned tables_cap;
    bool in_tally;       /* typing a tally's `where` */
    unsigned tally_cap;
} cbrsema_ctx;

/* types.c: types and folds e (and its subtree); returns its type (T_ERROR
 * after an error has been reported, so callers stay quiet). */
cbrtype cbrtc_expr(cbrsema_ctx *s, cbrexpr *e);
/* Registers the built-in functions in s->funcs; false when out of memory. */
bool cbrtc_init_builtins(cbrsema_ctx *s);
/* The name of built-in function i and, when sig is not NULL, its signature
 * for messages; NULL past the last one. */
const char *cbrtc_builtin(unsigned i, const char **sig);
/* Checks a let on first use (cycles are errors); returns its type. */
cbrtype cbrtc_let(cbrsema_ctx *s, unsigned index);
/* The size of a checked expression once every let it uses is written out:
 * its nodes, a folded constant or a list counting one, each let reference
 * the size of the let's expression.  Saturates at UINT32_MAX. */
uint32_t cbrtc_size(cbrsema_ctx *s, const cbrexpr *e);
/* Whether values of types a and b can be compared with ==. */
bool cbrtc_comparable(cbrtype a, cbrtype b);
/* Exact comparison of two constants of comparable types: -1, 0, 1, or 2 when
 * they cannot be ordered (different currencies). */
int cbrtc_const_cmp(const cbrval *a, const cbrval *b);
/* "15.00", "\"Merchant X\"", "FRI": a constant as the source would write it. */
void cbrtc_const_text(const cbrval *v, char *buf, size_t n);
/* Checks an amount's currency code and digits; reports at the amount. */
bool cbrtc_amount(cbrsema_ctx *s, const cbramount *a, const char *what);

/* bestof.c: whether the word after `exclusive "G"` is `best` (reported
 * when not); and, once every offer is checked, that each group is best-of
 * on all of its offers or on none. */
bool cbrsema_best_word(cbrsema_ctx *s, const cbrattr *a);
void cbrsema_best_groups(cbrsema_ctx *s);
/* testcheck.c: checks one test block's steps (after every offer). */
void cbrsema_check_test(cbrsema_ctx *s, const cbrtest *t);
/* tables.c: declares table it (its name already checked free); false when
 * out of memory.  load reads every table's rows (after all declarations).
 * named is the table an E_NAME names, or -1.  check_index types T[k];
 * check_in types `k in T` for the table T names. */
bool cbrtab_declare(cbrsema_ctx *s, const cbritem *it);
void cbrtab_load(cbrsema_ctx *s);
int cbrtab_named(cbrsema_ctx *s, const cbrexpr *e);
cbrtype cbrtab_check_index(cbrsema_ctx *s, cbrexpr *e);
cbrtype cbrtab_check_in(cbrsema_ctx *s, cbrexpr *e, int table);
/* tallies.c: declares a tally's name (pass 1); false when out of memory. */
bool cbrtally_declare(cbrsema_ctx *s, const cbritem *it);
/* Checks every tally: its words, period, zone and condition (pass 2,
 * before the lets and offers that read them). */
void cbrtally_check_all(cbrsema_ctx *s);
/* The type of a name that resolved to a tally. */
cbrtype cbrtally_read(cbrsema_ctx *s, cbrexpr *e);
/* Warns of each tally no condition reads. */
void cbrtally_warn_unused(cbrsema_ctx *s);

/* suggest.c: adds `did you mean X?` to the last diagnostic when one of the
 * candidates is close to name. */
void cbrsuggest(cbr_compiler *c, const char *name, size_t n, const char *const *cands, size_t ncand);
/* The same over the keys of a map (optionally only those of one name kind). */
void cbrsuggest_map(cbr_compiler *c, const char *name, size_t n, const cbrmap *m, int kind);
/* The key cbrsuggest_map would suggest, or NULL. */
const char *cbrsuggest_map_find(const char *name, size_t n, const cbrmap *m, int kind);

/* Adds `did you mean "America/New_York"?` to the last diagnostic when a zone
 * under the zoneinfo directory is close to name, else a hint on how zones
 * are named.  The directory is read on the first call of a check only. */
void cbrsuggest_zone(cbrsema_ctx *s, const char *name, size_t n);
/* The zone of zones closest to name (case-insensitive; a name without `/`
 * also matches a zone's city), or NULL when none is close. */
const char *cbrsuggest_zone_pick(const char *name, size_t n, const char *const *zones, size_t nzones);
/* The ISO 4217 code that code[0..n) most likely means ("usd" or "UDS" ->
 * "USD"), or NULL when there is no single close one. */
const char *cbrsuggest_currency(const char *code, size_t n);

#endif
