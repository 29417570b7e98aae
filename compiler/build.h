/* build.h: the AST builders the grammar actions call, and the wording of
 * syntax errors.  Builders allocate in the compiler's arena and return NULL
 * (or false) only when memory runs out; they also enforce the structural
 * limits that would otherwise let hostile input exhaust the stack later
 * (expression depth, list length). */
#ifndef CBR_COMPILER_BUILD_H
#define CBR_COMPILER_BUILD_H

#include "compiler/compint.h"

typedef struct cbr_lexer cbr_lexer;

cbritem *cbrbuild_item(cbr_compiler *c, cbritem_kind kind, cbrloc loc, cbrstr name, cbrloc name_loc);
void cbrbuild_add_item(cbr_compiler *c, uint32_t file, cbritem *it);
bool cbrbuild_param(cbr_compiler *c, cbritem *ext, cbrtyperef t);
bool cbrbuild_attr(cbr_compiler *c, cbrattrs *list, const cbrattr *a);
void cbrbuild_attr_str(cbrattr *a, cbrattr_kind kind, cbrloc loc, cbrloc kw, cbrstr s);
bool cbrbuild_join(cbr_compiler *c, cbrstr *out, cbrstr a, const char *sep, cbrstr b);
void cbrbuild_amount(cbramount *out, const cbrval *num, cbrloc loc, const cbrstr *cur, cbrloc cur_loc);
/* The reward `cashback VALUE [up to CAP]` (cap NULL when there is none):
 * one literal keeps its old form, anything else is an expression. */
void cbrbuild_reward(cbrreward *out, cbrexpr *value, cbrexpr *cap, cbrloc loc, cbrloc cap_loc);
bool cbrbuild_step(cbr_compiler *c, cbrsteps *steps, const cbrstep *st);
bool cbrbuild_kv(cbr_compiler *c, cbrstep *st, const cbrgiven_kv *kv);

/* Appends an inline entry to a table declaration (val NULL for a set). */
bool cbrbuild_table_entry(cbr_compiler *c, cbritem *table, cbrexpr *key, cbrexpr *val);
cbrexpr *cbrbuild_index(cbr_compiler *c, cbrexpr *table, cbrexpr *key, cbrloc loc);
cbrexpr *cbrbuild_lit(cbr_compiler *c, const cbrval *v, cbrloc loc);
cbrexpr *cbrbuild_money(cbr_compiler *c, const cbrval *num, cbrstr cur, cbrloc loc, cbrloc cur_loc);
cbrexpr *cbrbuild_name(cbr_compiler *c, cbrexpr_kind kind, cbrstr name, cbrloc loc);
bool cbrbuild_arg(cbr_compiler *c, cbrexpr *call, cbrexpr *arg);
cbrexpr *cbrbuild_list(cbr_compiler *c, cbrexpr *first, cbrloc loc);
bool cbrbuild_list_add(cbr_compiler *c, cbrexpr *list, cbrexpr *e);
/* a AND/OR b, flattening a chain of the same operator into one node. */
cbrexpr *cbrbuild_nary(cbr_compiler *c, cbrexpr_kind kind, cbrexpr *a, cbrexpr *b, cbrloc op_loc);
cbrexpr *cbrbuild_unary(cbr_compiler *c, cbrexpr_kind kind, cbrexpr *a, cbrloc loc, cbrloc op_loc);
cbrexpr *cbrbuild_binary(cbr_compiler *c, cbrbinop op, cbrexpr *a, cbrexpr *b, cbrloc op_loc);
cbrexpr *cbrbuild_in(cbr_compiler *c, bool negated, cbrexpr *a, cbrexpr *list, cbrloc op_loc);
cbrexpr *cbrbuild_between(cbr_compiler *c, cbrexpr *x, cbrexpr *lo, cbrexpr *hi, cbrloc op_loc);

/* Classes of grammar symbols, for grouping an "expected" list. */
enum {
    CBRSYM_OTHER, CBRSYM_EXPR_START, CBRSYM_OPERATOR, CBRSYM_MINUS, CBRSYM_ATTRIBUTE,
    CBRSYM_TOPLEVEL, CBRSYM_THEN, CBRSYM_EOF
};
int cbrparse_symbol_class(int kind); /* parser.y */

/* Records "expected X, found Y" at loc.  names are Bison's symbol names
 * ("\"then\"", "identifier"), kinds their symbol kinds. */
void cbrbuild_syntax_error(cbr_lexer *lx, const cbrloc *loc, bool at_eof, const char *found,
                           const char *const *names, const int *kinds, int n);

/* The `per PERIOD` and `timezone "Z"` parts of a tally: the first is kept,
 * each is counted so that sema can refuse a repeat. */
void cbrbuild_tally_period(cbrtallydef *t, cbrstr word, cbrloc loc);
void cbrbuild_tally_zone(cbrtallydef *t, cbrstr zone, cbrloc loc);

#endif
