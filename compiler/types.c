/* types.c: typing and constant folding of expressions.
 * Each node gets its type; a subtree made only of constants is folded into
 * `value` (exactly, with the decimal module) so that warnings can see
 * always-true conditions and code generation can skip the work.  After an
 * error the node's type is T_ERROR, which every rule accepts silently, so one
 * mistake produces one message. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "compiler/semaint.h"
#include "stdlib/currency.h"
#include "stdlib/date.h"

static const char *const type_names[] = {
    [T_ERROR] = "<error>", [T_BOOL] = "bool", [T_INT] = "int", [T_DECIMAL] = "decimal",
    [T_MONEY] = "money", [T_STRING] = "string", [T_DATE] = "date", [T_INSTANT] = "instant",
    [T_WEEKDAY] = "weekday", [T_NOTHING] = "nothing",
};

const char *cbrtype_name(cbrtype t)
{
    static const char *const lists[] = {
        [T_ERROR] = "list", [T_BOOL] = "list of bool", [T_INT] = "list of int",
        [T_DECIMAL] = "list of decimal", [T_MONEY] = "list of money",
        [T_STRING] = "list of string", [T_DATE] = "list of date",
        [T_INSTANT] = "list of instant", [T_WEEKDAY] = "list of weekday",
        [T_NOTHING] = "empty list",
    };
    unsigned b = T_BASE(t);
    if (b > T_NOTHING)
        return "?";
    return T_IS_LIST(t) ? lists[b] : type_names[b];
}

const char *cbrbinop_text(cbrbinop op)
{
    static const char *const t[] = {"+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "~="};
    return (unsigned)op < sizeof t / sizeof t[0] ? t[op] : "?";
}

cbrtype cbrsema_type_named(const char *name, size_t n)
{
    for (unsigned t = T_BOOL; t <= T_WEEKDAY; t++)
        if (strlen(type_names[t]) == n && memcmp(type_names[t], name, n) == 0)
            return (cbrtype)t;
    return T_ERROR;
}

/* ---- built-in functions ---- */

static const struct {
    const char *name;
    const char *sig;   /* for messages */
} builtins[] = {
    [B_LOWER] = {"lower", "lower(string) -> string"},
    [B_UPPER] = {"upper", "upper(string) -> string"},
    [B_CASEFOLD] = {"casefold", "casefold(string) -> string"},
    [B_STARTS_WITH] = {"starts_with", "starts_with(string, string) -> bool"},
    [B_ENDS_WITH] = {"ends_with", "ends_with(string, string) -> bool"},
    [B_CONTAINS] = {"contains", "contains(string, string) -> bool"},
    [B_LEN] = {"len", "len(string) -> int"},
    [B_MIN] = {"min", "min(x, y, ...) of numbers, dates or instants"},
    [B_MAX] = {"max", "max(x, y, ...) of numbers, dates or instants"},
    [B_ABS] = {"abs", "abs(number) -> number"},
    [B_ROUND] = {"round", "round(number [, digits])"},
    [B_FLOOR] = {"floor", "floor(number [, digits])"},
    [B_CEIL] = {"ceil", "ceil(number [, digits])"},
    [B_EXISTS] = {"exists", "exists(field) -> bool"},
    [B_DAYS_BETWEEN] = {"days_between", "days_between(date, date) -> int"},
};

enum { NBUILTINS = sizeof builtins / sizeof builtins[0] };

const char *cbrtc_builtin(unsigned i, const char **sig)
{
    if (i >= NBUILTINS)
        return NULL;
    if (sig)
        *sig = builtins[i].sig;
    return builtins[i].name;
}

bool cbrtc_init_builtins(cbrsema_ctx *s)
{
    for (unsigned i = 0; i < NBUILTINS; i++)
        if (!cbrmap_put(s->c, &s->funcs, builtins[i].name, strlen(builtins[i].name), (int)i))
            return false;
    return true;
}

/* ---- helpers ---- */

static cbr_compiler *C(cbrsema_ctx *s) { return s->c; }

static bool is_ordered(cbrtype t)
{
    return T_IS_NUM(t) || t == T_DATE || t == T_INSTANT || t == T_WEEKDAY;
}

bool cbrtc_comparable(cbrtype a, cbrtype b)
{
    if (a == T_ERROR || b == T_ERROR)
        return true;
    if (T_IS_NUM(a) && T_IS_NUM(b))
        return true;
    return a == b && !T_IS_LIST(a) && a != T_NOTHING;
}

/* The common type of two numbers: int < decimal < money. */
static cbrtype num_join(cbrtype a, cbrtype b)
{
    if (a == T_MONEY || b == T_MONEY)
        return T_MONEY;
    if (a == T_DECIMAL || b == T_DECIMAL)
        return T_DECIMAL;
    return T_INT;
}

cbrdec cbrsema_const_dec(const cbrval *v)
{
    cbrdec d = {0, 0};
    if (v->type == T_INT)
        d.m = v->u.i;
    else if (v->type == T_DECIMAL)
        d = v->u.d;
    else if (v->type == T_MONEY)
        d = v->u.m.amount;
    return d;
}

static const char *cur_of(const cbrval *v) { return v->type == T_MONEY ? v->u.m.cur : ""; }

int cbrtc_const_cmp(const cbrval *a, const cbrval *b)
{
    if (T_IS_NUM(a->type) && T_IS_NUM(b->type)) {
        const char *ca = cur_of(a), *cb = cur_of(b);
        if (*ca && *cb && strcmp(ca, cb) != 0)
            return 2;
        return cbrdec_cmp(cbrsema_const_dec(a), cbrsema_const_dec(b));
    }
    switch (a->type) {
    case T_BOOL: return (a->u.b > b->u.b) - (a->u.b < b->u.b);
    case T_STRING: {
        uint32_t n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
        int c = memcmp(a->u.s.s, b->u.s.s, n);
        if (c)
            return c < 0 ? -1 : 1;
        return (a->u.s.n > b->u.s.n) - (a->u.s.n < b->u.s.n);
    }
    case T_DATE: return (a->u.date > b->u.date) - (a->u.date < b->u.date);
    case T_INSTANT: return (a->u.inst.secs > b->u.inst.secs) - (a->u.inst.secs < b->u.inst.secs);
    case T_WEEKDAY: return (a->u.weekday > b->u.weekday) - (a->u.weekday < b->u.weekday);
    default: return 2;
    }
}

void cbrtc_const_text(const cbrval *v, char *buf, size_t n)
{
    static const char *const wd[] = {"?", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};
    char tmp[40];
    switch (v->type) {
    case T_BOOL: snprintf(buf, n, "%s", v->u.b ? "true" : "false"); break;
    case T_INT: snprintf(buf, n, "%lld", (long long)v->u.i); break;
    case T_DECIMAL: cbrdec_format(v->u.d, buf, n); break;
    case T_MONEY:
        cbrdec_format(v->u.m.amount, tmp, sizeof tmp);
        snprintf(buf, n, "%s%s%s", tmp, v->u.m.cur[0] ? " " : "", v->u.m.cur);
        break;
    case T_STRING: {
        uint32_t k = v->u.s.n > 40 ? 40 : v->u.s.n;
        while (k > 0 && k < v->u.s.n && ((unsigned char)v->u.s.s[k] & 0xC0) == 0x80)
            k--; /* never cut inside a character */
        snprintf(buf, n, "\"%.*s%s\"", (int)k, v->u.s.s, k < v->u.s.n ? "..." : "");
        break;
    }
    case T_DATE: {
        char d[12];
        cbrdate_format(v->u.date, d);
        snprintf(buf, n, "%s", d);
        break;
    }
    case T_WEEKDAY: snprintf(buf, n, "%s", wd[v->u.weekday <= 7 ? v->u.weekday : 0]); break;
    case T_INSTANT: {
        int64_t secs = v->u.inst.secs;
        int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
        int64_t rem = secs - days * 86400;
        char d[12];
        cbrdate_format((int32_t)days, d);
        snprintf(buf, n, "%sT%02d:%02d:%02dZ", d, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
        break;
    }
    default: snprintf(buf, n, "?"); break;
    }
}

static void set_const_bool(cbrexpr *e, bool b)
{
    e->is_const = true;
    memset(&e->value, 0, sizeof e->value);
    e->value.type = T_BOOL;
    e->value.u.b = b;
}

bool cbrtc_amount(cbrsema_ctx *s, const cbramount *a, const char *what)
{
    if (!a->cur[0])
        return true;
    if (a->cur[0] == '?') {
        cbrdiag_error(C(s), a->cur_loc, "unknown-currency",
                      "a currency code has three capital letters, as in USD");
        return false;
    }
    int e = cbrcur_exponent(a->cur, 3);
    if (e < 0) {
        cbrdiag_error(C(s), a->cur_loc, "unknown-currency", "unknown currency code `%s`", a->cur);
        char up[4] = {0};
        for (int i = 0; i < 3; i++)
            up[i] = (char)(a->cur[i] >= 'a' && a->cur[i] <= 'z' ? a->cur[i] - 32 : a->cur[i]);
        const char *near;
        if (cbrcur_exponent(up, 3) >= 0)
            cbrdiag_hint(C(s), "currency codes are written in capitals: `%s`", up);
        else if ((near = cbrsuggest_currency(a->cur, 3)) != NULL)
            cbrdiag_hint(C(s), "did you mean `%s`?", near);
        return false;
    }
    cbrdec t = cbrdec_trim(a->value);
    if (t.scale > e) {
        char num[32];
        cbrdec_format(a->value, num, sizeof num);
        cbrdiag_error(C(s), a->loc, "currency-digits",
                      "%s %s has more decimal places than %s allows (%d)", what, num, a->cur, e);
        return false;
    }
    return true;
}

/* ---- the checker ---- */

static cbrtype fail(cbrexpr *e)
{
    e->type = T_ERROR;
    return T_ERROR;
}

static cbrtype check_lit(cbrsema_ctx *s, cbrexpr *e)
{
    cbrval *v = &e->value;
    if (v->is_percent) {
        /* 15% in an expression is the decimal 0.15: same digits, scale + 2. */
        if (v->u.d.scale + 2 > CBRDEC_MAX_SCALE) {
            cbrdiag_error(C(s), e->loc, "bad-number", "percent has too many decimal places");
            return fail(e);
        }
        v->u.d.scale += 2;
        v->is_percent = false;
    }
    if (v->type == T_MONEY) {
        cbramount a = {.value = v->u.m.amount, .loc = e->loc, .cur_loc = e->op_loc};
        memcpy(a.cur, v->u.m.cur, 4);
        if (!cbrtc_amount(s, &a, "amount"))
            return fail(e);
    }
    e->is_const = true;
    return e->type = v->type;
}

static cbrtype check_list(cbrsema_ctx *s, cbrexpr *e)
{
    cbrtype elem = T_NOTHING;
    const cbrexpr *first = NULL;
    bool ok = true;
    for (uint32_t i = 0; i < e->u.list.n; i++) {
        cbrexpr *x = e->u.list.items[i];
        cbrtype t = cbrtc_expr(s, x);
        if (t == T_ERROR) {
            ok = false;
            continue;
        }
        if (T_IS_LIST(t)) {
            cbrdiag_error(C(s), x->loc, "type", "a list cannot hold lists");
            ok = false;
            continue;
        }
        if (!x->is_const) {
            cbrdiag_error(C(s), x->loc, "list-not-const",
                          "list elements must be constants (literals or weekday names)");
            ok = false;
            continue;
        }
        if (elem == T_NOTHING) {
            elem = t;
            first = x;
        } else if (T_IS_NUM(elem) && T_IS_NUM(t)) {
            elem = num_join(elem, t);
        } else if (elem != t) {
            cbrdiag_error(C(s), x->loc, "type",
                          "list elements must share one type: this one is %s, the first is %s",
                          cbrtype_name(t), cbrtype_name(first->type));
            ok = false;
            continue;
        }
        /* Duplicates are harmless but usually a slip. */
        for (uint32_t j = 0; j < i; j++) {
            cbrexpr *y = e->u.list.items[j];
            if (y->is_const && y->type != T_ERROR && cbrtc_comparable(y->type, t) &&
                cbrtc_const_cmp(&y->value, &x->value) == 0) {
                char txt[64];
                cbrtc_const_text(&x->value, txt, sizeof txt);
                cbrdiag_warning(C(s), x->loc, "duplicate-list-item", "%s appears twice in this list", txt);
                break;
            }
        }
    }
    if (!ok)
        return fail(e);
    return e->type = (cbrtype)(elem | T_LIST);
}

static cbrtype check_name(cbrsema_ctx *s, cbrexpr *e)
{
    int v = cbrmap_get(&s->names, e->u.name.s, e->u.name.n);
    if (v < 0) {
        if (cbrmap_get(&s->funcs, e->u.name.s, e->u.name.n) >= 0) {
            cbrdiag_error(C(s), e->loc, "not-a-value", "`%s` is a function; call it as %s(...)",
                          e->u.name.s, e->u.name.s);
            return fail(e);
        }
        if (cbrsema_type_named(e->u.name.s, e->u.name.n) != T_ERROR) {
            cbrdiag_error(C(s), e->loc, "not-a-value", "`%s` is a type, not a value", e->u.name.s);
            return fail(e);
        }
        cbrdiag_error(C(s), e->loc, "unknown-name", "unknown name `%s`", e->u.name.s);
        cbrsuggest_map(C(s), e->u.name.s, e->u.name.n, &s->names, -1);
        return fail(e);
    }
    e->sym = NAMEKIND(v);
    e->sym_index = NAMEIDX(v);
    switch (e->sym) {
    case SYM_FIELD:
        return e->type = s->m->fields[e->sym_index].type;
    case SYM_WEEKDAY:
        e->is_const = true;
        memset(&e->value, 0, sizeof e->value);
        e->value.type = T_WEEKDAY;
        e->value.u.weekday = e->sym_index;
        return e->type = T_WEEKDAY;
    case SYM_LET: {
        s->m->lets[e->sym_index].used = true;
        cbrtype t = cbrtc_let(s, e->sym_index);
        const cbrexpr *def = s->m->lets[e->sym_index].item->u.let_expr;
        if (t != T_ERROR && def->is_const && !T_IS_LIST(t)) {
            e->is_const = true;
            e->value = def->value;
        }
        return e->type = t;
    }
    case SYM_TALLY:
        return cbrtally_read(s, e);
    case SYM_EXTERN:
        cbrdiag_error(C(s), e->loc, "not-a-value", "`%s` is a function; call it as %s(...)",
                      e->u.name.s, e->u.name.s);
        return fail(e);
    case SYM_TABLE:
        cbrdiag_error(C(s), e->loc, "not-a-value", "`%s` is a table, not a value: look a key up with %s[KEY] or test it with KEY in %s",
                      e->u.name.s, e->u.name.s, e->u.name.s);
        return fail(e);
    default:
        return fail(e);
    }
}

cbrtype cbrtc_let(cbrsema_ctx *s, unsigned index)
{
    cbrlet *l = &s->m->lets[index];
    if (l->state == 2)
        return l->type;
    if (l->state == 1) {
        cbrdiag_error(C(s), l->item->name_loc, "let-cycle",
                      "`%s` is defined in terms of itself", l->item->name.s);
        l->type = T_ERROR;
        l->state = 2;
        return T_ERROR;
    }
    if (s->let_depth >= s->c->cfg.limits.max_expr_depth) {
        cbrdiag_error(C(s), l->item->name_loc, "limit-expr-depth",
                      "`%s` sits at the end of a chain of more than %u lets", l->item->name.s,
                      s->c->cfg.limits.max_expr_depth);
        l->type = T_ERROR;
        l->state = 2;
        return T_ERROR;
    }
    l->state = 1;
    s->let_depth++;
    cbrtype t = cbrtc_expr(s, l->item->u.let_expr);
    s->let_depth--;
    if (l->state == 1) { /* a cycle may have finished it already */
        l->type = t;
        l->state = 2;
    }
    return l->type;
}

static uint32_t add_size(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

uint32_t cbrtc_size(cbrsema_ctx *s, const cbrexpr *e)
{
    if (!e)
        return 0;
    if (e->is_const || e->kind == E_LIT || e->kind == E_LIST)
        return 1;
    uint32_t n = 1;
    switch (e->kind) {
    case E_NAME:
        if (e->sym == SYM_LET && e->sym_index < s->m->nlets) {
            cbrlet *l = &s->m->lets[e->sym_index];
            /* Lets are checked before their uses, cycles reported and cut
             * (state 2, T_ERROR); the chain is no deeper than max_expr_depth. */
            if (l->state != 2 || l->type == T_ERROR ||
                l->item->u.let_expr->depth > s->c->cfg.limits.max_expr_depth)
                return 1;
            if (l->size == 0)
                l->size = cbrtc_size(s, l->item->u.let_expr);
            return l->size;
        }
        return 1;
    case E_AND:
    case E_OR:
        for (uint32_t i = 0; i < e->u.list.n; i++)
            n = add_size(n, cbrtc_size(s, e->u.list.items[i]));
        return n;
    case E_CALL:
        for (uint32_t i = 0; i < e->args.n; i++)
            n = add_size(n, cbrtc_size(s, e->args.items[i]));
        return n;
    case E_NOT:
    case E_NEG:
    case E_BIN:
    case E_IN:
    case E_BETWEEN:
    case E_INDEX:
        n = add_size(n, cbrtc_size(s, e->u.kids.a));
        n = add_size(n, cbrtc_size(s, e->u.kids.b));
        return add_size(n, cbrtc_size(s, e->u.kids.c));
    default:
        return n;
    }
}

static bool want(cbrsema_ctx *s, const cbrexpr *x, cbrtype t, const char *ctx)
{
    if (x->type == T_ERROR || x->type == t)
        return x->type == t;
    cbrdiag_error(C(s), x->loc, "type", "%s needs %s, found %s", ctx, cbrtype_name(t),
                  cbrtype_name(x->type));
    return false;
}

static cbrtype check_call(cbrsema_ctx *s, cbrexpr *e)
{
    const char *name = e->u.name.s;
    int v = cbrmap_get(&s->names, name, e->u.name.n);
    if (v >= 0 && NAMEKIND(v) == SYM_EXTERN) {
        const cbrextern *x = &s->m->externs[NAMEIDX(v)];
        e->sym = SYM_EXTERN;
        e->sym_index = NAMEIDX(v);
        bool ok = true;
        for (uint32_t i = 0; i < e->args.n; i++)
            ok &= cbrtc_expr(s, e->args.items[i]) != T_ERROR;
        if (e->args.n != x->nparams) {
            cbrdiag_error(C(s), e->loc, "arity", "`%s` takes %u argument%s, given %u", name,
                          x->nparams, x->nparams == 1 ? "" : "s", e->args.n);
            return fail(e);
        }
        for (uint32_t i = 0; ok && i < e->args.n; i++) {
            cbrtype at = e->args.items[i]->type, pt = x->params[i];
            bool fits = pt == T_ERROR || at == pt || (pt == T_DECIMAL && at == T_INT);
            if (!fits) {
                cbrdiag_error(C(s), e->args.items[i]->loc, "type",
                              "argument %u of `%s` must be %s, found %s", i + 1, name,
                              cbrtype_name(pt), cbrtype_name(at));
                ok = false;
            }
        }
        return ok ? (e->type = x->ret) : fail(e);
    }
    int b = cbrmap_get(&s->funcs, name, e->u.name.n);
    if (b < 0) {
        if (v >= 0)
            cbrdiag_error(C(s), e->op_loc, "not-a-function", "`%s` is not a function", name);
        else {
            cbrdiag_error(C(s), e->op_loc, "unknown-function", "unknown function `%s`", name);
            cbrsuggest_map(C(s), name, e->u.name.n, &s->funcs, -1);
        }
        for (uint32_t i = 0; i < e->args.n; i++)
            cbrtc_expr(s, e->args.items[i]);
        return fail(e);
    }
    e->sym = SYM_BUILTIN;
    e->sym_index = (uint32_t)b;
    uint32_t n = e->args.n;
    cbrexpr **a = e->args.items;

    if (b == B_EXISTS) {
        if (n != 1 || a[0]->kind != E_NAME || a[0]->paren) {
            cbrdiag_error(C(s), e->loc, "arity", "exists() takes one field name, as in exists(mcc)");
            return fail(e);
        }
        if (cbrtc_expr(s, a[0]) == T_ERROR)
            return fail(e);
        if (a[0]->sym != SYM_FIELD) {
            cbrdiag_error(C(s), a[0]->loc, "type", "exists() takes a field name; `%s` is not a field",
                          a[0]->u.name.s);
            return fail(e);
        }
        return e->type = T_BOOL;
    }
    bool ok = true;
    for (uint32_t i = 0; i < n; i++)
        ok &= cbrtc_expr(s, a[i]) != T_ERROR;
    if (!ok)
        return fail(e);

    unsigned lo = 1, hi = 1;
    switch ((bfn)b) {
    case B_STARTS_WITH: case B_ENDS_WITH: case B_CONTAINS: case B_DAYS_BETWEEN: lo = hi = 2; break;
    case B_MIN: case B_MAX: lo = 2; hi = 1000; break;
    case B_ROUND: case B_FLOOR: case B_CEIL: lo = 1; hi = 2; break;
    default: break;
    }
    if (n < lo || n > hi) {
        cbrdiag_error(C(s), e->loc, "arity", "wrong number of arguments to %s: given %u", builtins[b].sig, n);
        return fail(e);
    }
    char ctx[64];
    snprintf(ctx, sizeof ctx, "%s()", builtins[b].name);
    switch ((bfn)b) {
    case B_LOWER: case B_UPPER: case B_CASEFOLD:
        return want(s, a[0], T_STRING, ctx) ? (e->type = T_STRING) : fail(e);
    case B_LEN:
        return want(s, a[0], T_STRING, ctx) ? (e->type = T_INT) : fail(e);
    case B_STARTS_WITH: case B_ENDS_WITH: case B_CONTAINS:
        ok = want(s, a[0], T_STRING, ctx);
        ok &= want(s, a[1], T_STRING, ctx);
        return ok ? (e->type = T_BOOL) : fail(e);
    case B_MIN: case B_MAX: {
        cbrtype t = a[0]->type;
        for (uint32_t i = 0; i < n; i++) {
            cbrtype u = a[i]->type;
            if (!is_ordered(u) || u == T_WEEKDAY || (i > 0 && !cbrtc_comparable(t, u))) {
                cbrdiag_error(C(s), a[i]->loc, "type",
                              "%s() takes numbers, dates or instants of one kind; found %s%s%s",
                              builtins[b].name, cbrtype_name(u), i ? " after " : "",
                              i ? cbrtype_name(t) : "");
                return fail(e);
            }
            if (T_IS_NUM(u))
                t = num_join(t, u);
        }
        return e->type = t;
    }
    case B_DAYS_BETWEEN:
        /* The days from a[0] to a[1]: negative when a[1] is earlier. */
        for (uint32_t i = 0; i < 2; i++)
            if (!want(s, a[i], T_DATE, ctx)) {
                if (a[i]->type == T_INSTANT)
                    cbrdiag_hint(C(s), "`date` is the transaction's local date; an instant is not a date");
                return fail(e);
            }
        if (a[0]->is_const && a[1]->is_const) {
            e->is_const = true;
            memset(&e->value, 0, sizeof e->value);
            e->value.type = T_INT;
            e->value.u.i = (int64_t)a[1]->value.u.date - a[0]->value.u.date;
        }
        return e->type = T_INT;
    case B_ABS:
        if (!T_IS_NUM(a[0]->type)) {
            cbrdiag_error(C(s), a[0]->loc, "type", "abs() takes a number, found %s", cbrtype_name(a[0]->type));
            return fail(e);
        }
        return e->type = a[0]->type;
    case B_ROUND: case B_FLOOR: case B_CEIL:
        if (!T_IS_NUM(a[0]->type)) {
            cbrdiag_error(C(s), a[0]->loc, "type", "%s() takes a number, found %s", builtins[b].name,
                          cbrtype_name(a[0]->type));
            return fail(e);
        }
        if (n == 2 && (a[1]->type != T_INT || !a[1]->is_const || a[1]->value.u.i < 0 ||
                       a[1]->value.u.i > CBRDEC_MAX_SCALE)) {
            cbrdiag_error(C(s), a[1]->loc, "type",
                          "the digits of %s() must be a whole number from 0 to %d", builtins[b].name,
                          CBRDEC_MAX_SCALE);
            return fail(e);
        }
        return e->type = a[0]->type;
    default:
        return fail(e);
    }
}

static cbrtype check_not(cbrsema_ctx *s, cbrexpr *e)
{
    cbrexpr *a = e->u.kids.a;
    cbrtype t = cbrtc_expr(s, a);
    if (t == T_ERROR)
        return fail(e);
    if (t != T_BOOL) {
        cbrdiag_error(C(s), a->loc, "type", "`not` needs a condition (bool), found %s", cbrtype_name(t));
        return fail(e);
    }
    if (a->is_const)
        set_const_bool(e, !a->value.u.b);
    return e->type = T_BOOL;
}

static cbrtype check_neg(cbrsema_ctx *s, cbrexpr *e)
{
    cbrexpr *a = e->u.kids.a;
    cbrtype t = cbrtc_expr(s, a);
    if (t == T_ERROR)
        return fail(e);
    if (!T_IS_NUM(t)) {
        cbrdiag_error(C(s), a->loc, "type", "unary `-` needs a number, found %s", cbrtype_name(t));
        return fail(e);
    }
    if (a->is_const) {
        cbrval v = a->value;
        bool ok = true;
        if (t == T_INT) {
            ok = v.u.i != INT64_MIN;
            if (ok)
                v.u.i = -v.u.i;
        } else if (t == T_DECIMAL) {
            ok = cbrdec_neg(v.u.d, &v.u.d);
        } else {
            ok = cbrdec_neg(v.u.m.amount, &v.u.m.amount);
        }
        if (!ok) {
            cbrdiag_error(C(s), e->loc, "overflow", "number is out of range");
            return fail(e);
        }
        e->is_const = true;
        e->value = v;
    }
    return e->type = t;
}

/* ---- operands of `and` that exclude each other ---- */

/* What one operand says of a field: its value lies between lo and hi (each
 * bound optional, inclusive or not). */
typedef struct bounds {
    uint32_t field;
    const cbrval *lo, *hi;
    bool lo_in, hi_in;
} bounds;

static bool bound_type_ok(const cbrval *v)
{
    if (v->type == T_STRING) { /* NFC is the identity on ASCII: == is memcmp */
        for (uint32_t i = 0; i < v->u.s.n; i++)
            if ((unsigned char)v->u.s.s[i] >= 0x80)
                return false;
        return true;
    }
    return T_IS_NUM(v->type) || v->type == T_DATE || v->type == T_WEEKDAY || v->type == T_BOOL;
}

/* `field OP constant` (either way round) or `field between c1 and c2`. */
static bool operand_bounds(const cbrexpr *x, bounds *b)
{
    memset(b, 0, sizeof *b);
    const cbrexpr *f, *k;
    cbrbinop op;
    if (x->kind == E_BETWEEN) {
        const cbrexpr *lo = x->u.kids.b, *hi = x->u.kids.c;
        f = x->u.kids.a;
        if (!lo->is_const || !hi->is_const || f->kind != E_NAME || f->sym != SYM_FIELD ||
            !bound_type_ok(&lo->value) || !bound_type_ok(&hi->value) || lo->value.type == T_STRING)
            return false;
        *b = (bounds){f->sym_index, &lo->value, &hi->value, true, true};
        return true;
    }
    if (x->kind != E_BIN || x->op < OP_EQ || x->op == OP_NE || x->op == OP_FEQ)
        return false;
    op = x->op;
    if (x->u.kids.b->is_const) {
        f = x->u.kids.a;
        k = x->u.kids.b;
    } else {
        f = x->u.kids.b;
        k = x->u.kids.a;
        op = op == OP_LT ? OP_GT : op == OP_LE ? OP_GE : op == OP_GT ? OP_LT : op == OP_GE ? OP_LE : op;
    }
    if (f->kind != E_NAME || f->sym != SYM_FIELD || !k->is_const || !bound_type_ok(&k->value))
        return false;
    b->field = f->sym_index;
    if (op == OP_EQ || op == OP_GT || op == OP_GE)
        b->lo = &k->value, b->lo_in = op != OP_GT;
    if (op == OP_EQ || op == OP_LT || op == OP_LE)
        b->hi = &k->value, b->hi_in = op != OP_LT;
    return true;
}

/* -1, 0, 1 for two bounds that compare exactly, 2 otherwise (money in
 * different or unstated currencies, values of different kinds). */
static int bound_cmp(const cbrval *x, const cbrval *y)
{
    if (T_IS_NUM(x->type) != T_IS_NUM(y->type) || (!T_IS_NUM(x->type) && x->type != y->type))
        return 2;
    if (strcmp(cur_of(x), cur_of(y)) != 0)
        return 2;
    return cbrtc_const_cmp(x, y);
}

/* Whether no value lies below hi and above lo at once. */
static bool disjoint(const cbrval *lo, bool lo_in, const cbrval *hi, bool hi_in)
{
    int c = bound_cmp(lo, hi);
    return c == 1 || (c == 0 && !(lo_in && hi_in));
}

static bool exclude(const bounds *x, const bounds *y)
{
    if (x->field != y->field)
        return false;
    return (x->lo && y->hi && disjoint(x->lo, x->lo_in, y->hi, y->hi_in)) ||
           (y->lo && x->hi && disjoint(y->lo, y->lo_in, x->hi, x->hi_in));
}

/* The source text of x, shortened, for a message. */
static void source_text(cbrsema_ctx *s, const cbrexpr *x, char *buf, size_t n)
{
    const cbrsource *src = &s->c->src[x->loc.file];
    uint32_t a = x->loc.start, b = x->loc.end > src->len ? src->len : x->loc.end;
    size_t len = b > a ? b - a : 0, max = 40;
    if (len > max) {
        while (max > 0 && ((unsigned char)src->text[a + max] & 0xC0) == 0x80)
            max--;
        snprintf(buf, n, "%.*s...", (int)max, src->text + a);
    } else {
        snprintf(buf, n, "%.*s", (int)len, src->text + a);
    }
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
}

/* `amount >= 15 and amount < 10`: two operands of one `and` that no value
 * of their field satisfies together.  Reported once, at the later one. */
static void check_contradiction(cbrsema_ctx *s, const cbrexpr *e)
{
    enum { MAXOPS = 64 };
    bounds b[MAXOPS];
    const cbrexpr *ops[MAXOPS];
    unsigned n = 0;
    for (uint32_t i = 0; i < e->u.list.n && n < MAXOPS; i++) {
        const cbrexpr *x = e->u.list.items[i];
        if (x->is_const || !operand_bounds(x, &b[n]))
            continue;
        ops[n] = x;
        for (unsigned j = 0; j < n; j++)
            if (exclude(&b[j], &b[n])) {
                char t1[64], t2[64];
                source_text(s, ops[j], t1, sizeof t1);
                source_text(s, x, t2, sizeof t2);
                cbrdiag_warning(C(s), x->loc, "contradiction",
                                "`%s` can never hold together with `%s`, so this condition is always false",
                                t2, t1);
                return;
            }
        n++;
    }
}

static cbrtype check_logic(cbrsema_ctx *s, cbrexpr *e)
{
    bool is_and = e->kind == E_AND;
    const char *word = is_and ? "and" : "or";
    bool ok = true, all_const = true, decided = false;
    for (uint32_t i = 0; i < e->u.list.n; i++) {
        cbrexpr *x = e->u.list.items[i];
        cbrtype t = cbrtc_expr(s, x);
        if (t == T_ERROR) {
            ok = false;
            continue;
        }
        if (t != T_BOOL) {
            cbrdiag_error(C(s), x->loc, "type", "both sides of `%s` must be conditions (bool); this is %s",
                          word, cbrtype_name(t));
            ok = false;
            continue;
        }
        if (!x->is_const)
            all_const = false;
        /* false decides `and`, true decides `or`, even next to unknown. */
        else if (x->value.u.b != is_and) {
            decided = true;
            e->warned |= x->warned;
        }
    }
    if (!ok)
        return fail(e);
    if (decided)
        set_const_bool(e, !is_and);
    else if (all_const)
        set_const_bool(e, is_and);
    else if (is_and)
        check_contradiction(s, e);
    return e->type = T_BOOL;
}

static cbrtype arith_type(cbrsema_ctx *s, cbrexpr *e, cbrtype a, cbrtype b)
{
    cbrbinop op = e->op;
    const char *sym = cbrbinop_text(op);
    if (!T_IS_NUM(a) || !T_IS_NUM(b)) {
        const cbrexpr *bad = !T_IS_NUM(a) ? e->u.kids.a : e->u.kids.b;
        cbrdiag_error(C(s), bad->loc, "type", "`%s` needs numbers on both sides; this is %s", sym,
                      cbrtype_name(bad->type));
        if (bad->type == T_STRING && bad->kind == E_LIT)
            cbrdiag_hint(C(s), "numbers are written without quotes");
        return T_ERROR;
    }
    if (a == T_MONEY && b == T_MONEY) {
        if (op == OP_MUL) {
            cbrdiag_error(C(s), e->op_loc, "type", "money cannot be multiplied by money");
            return T_ERROR;
        }
        return op == OP_DIV ? T_DECIMAL : T_MONEY;
    }
    if (a == T_MONEY || b == T_MONEY) {
        if (op == OP_DIV && b == T_MONEY) {
            cbrdiag_error(C(s), e->op_loc, "type", "a number cannot be divided by money");
            return T_ERROR;
        }
        return T_MONEY;
    }
    if (op == OP_DIV)
        return T_DECIMAL;
    return num_join(a, b);
}

/* Folds arithmetic on two numeric constants; false (quietly) when the result
 * is not exact or not representable: the VM then computes it at run time and
 * reports there, so folding never changes a program's meaning. */
static bool fold_arith(cbrexpr *e, const cbrval *x, const cbrval *y)
{
    cbrval r;
    memset(&r, 0, sizeof r);
    r.type = e->type;
    if (e->type == T_INT) {
        int64_t v;
        bool of;
        switch (e->op) {
        case OP_ADD: of = __builtin_add_overflow(x->u.i, y->u.i, &v); break;
        case OP_SUB: of = __builtin_sub_overflow(x->u.i, y->u.i, &v); break;
        case OP_MUL: of = __builtin_mul_overflow(x->u.i, y->u.i, &v); break;
        default: return false;
        }
        if (of)
            return false;
        r.u.i = v;
    } else {
        if (e->op == OP_DIV)
            return false;
        cbrdec a = cbrsema_const_dec(x), b = cbrsema_const_dec(y), v;
        bool ok = e->op == OP_ADD ? cbrdec_add(a, b, &v)
                : e->op == OP_SUB ? cbrdec_sub(a, b, &v)
                                  : cbrdec_mul(a, b, &v);
        if (!ok)
            return false;
        if (e->type == T_MONEY) {
            const char *ca = cur_of(x), *cb = cur_of(y);
            if (*ca && *cb && strcmp(ca, cb))
                return false;
            r.u.m.amount = v;
            memcpy(r.u.m.cur, *ca ? ca : cb, 4);
        } else {
            r.u.d = v;
        }
    }
    e->is_const = true;
    e->value = r;
    return true;
}

static bool fold_cmp(cbrbinop op, int c, bool *out)
{
    if (c == 2)
        return false;
    switch (op) {
    case OP_EQ: *out = c == 0; break;
    case OP_NE: *out = c != 0; break;
    case OP_LT: *out = c < 0; break;
    case OP_LE: *out = c <= 0; break;
    case OP_GT: *out = c > 0; break;
    case OP_GE: *out = c >= 0; break;
    default: return false;
    }
    return true;
}

/* Reports a comparison of incompatible types, with a hint for the common
 * slips: a quoted date or number, a date against an instant. */
static void compare_error(cbrsema_ctx *s, const char *what, const cbrexpr *x, const cbrexpr *bad)
{
    cbrdiag_error(C(s), bad->loc, "type", "cannot compare %s with %s%s", cbrtype_name(x->type),
                  cbrtype_name(bad->type), what);
    if (x->type == T_WEEKDAY && bad->type == T_STRING) {
        cbrdiag_hint(C(s), "weekdays are written MON TUE WED THU FRI SAT SUN, without quotes");
    } else if (bad->kind == E_LIT && bad->type == T_STRING) {
        int32_t d;
        cbrdec n;
        if ((x->type == T_DATE) && cbrdate_parse(bad->value.u.s.s, bad->value.u.s.n, &d))
            cbrdiag_hint(C(s), "write the date without quotes: %s", bad->value.u.s.s);
        else if (T_IS_NUM(x->type) && cbrdec_parse(bad->value.u.s.s, bad->value.u.s.n, false, &n))
            cbrdiag_hint(C(s), "write the number without quotes: %s", bad->value.u.s.s);
    } else if (x->type == T_DATE && bad->type == T_INSTANT) {
        cbrdiag_hint(C(s), "compare `timestamp` with an instant, or `date` with a date such as 2026-03-13");
    } else if (x->type == T_INSTANT && bad->type == T_DATE) {
        cbrdiag_hint(C(s), "compare `date` with a date, or `timestamp` with an instant such as 2026-03-13T00:00:00Z");
    }
}

static bool different_currencies(const cbrexpr *a, const cbrexpr *b)
{
    return a->is_const && b->is_const && a->type == T_MONEY && b->type == T_MONEY &&
           a->value.u.m.cur[0] && b->value.u.m.cur[0] && strcmp(a->value.u.m.cur, b->value.u.m.cur);
}

/* A bare word that names nothing (not a field, let, weekday, function or
 * type) and is not a slip for a name either: `USD` in `currency == USD`. */
static bool unknown_word(cbrsema_ctx *s, const cbrexpr *x)
{
    return x->kind == E_NAME && !x->paren && cbrmap_get(&s->names, x->u.name.s, x->u.name.n) < 0 &&
           cbrmap_get(&s->funcs, x->u.name.s, x->u.name.n) < 0 &&
           cbrsema_type_named(x->u.name.s, x->u.name.n) == T_ERROR &&
           !cbrsuggest_map_find(x->u.name.s, x->u.name.n, &s->names, -1);
}

/* Reports a bare word compared with a string as the string it was meant to
 * be, and turns it into that string so that nothing else is said of it. */
static void quote_word(cbrsema_ctx *s, cbrexpr *x)
{
    cbrdiag_error(C(s), x->loc, "unquoted-string",
                  "unknown name `%s` compared with a string; strings are written in quotes", x->u.name.s);
    cbrdiag_hint(C(s), "did you mean \"%s\"?", x->u.name.s);
    cbrstr text = x->u.name;
    x->kind = E_LIT;
    memset(&x->value, 0, sizeof x->value);
    x->value.type = T_STRING;
    x->value.u.s = text;
    x->warned = true;
}

/* Types both sides of a comparison; a bare word on the right of a string
 * is taken as an unquoted string (quote_word).  On the left a word is more
 * likely a misspelt field, and is reported as an unknown name. */
static void type_sides(cbrsema_ctx *s, cbrexpr *a, cbrexpr *b, bool eq, cbrtype *ta, cbrtype *tb)
{
    *ta = cbrtc_expr(s, a);
    if (eq && *ta == T_STRING && unknown_word(s, b))
        quote_word(s, b);
    *tb = cbrtc_expr(s, b);
}

/* `currency == "UDS"`: transactions in a currency that is not in the ISO 4217
 * table are refused as input, so the comparison can only be false. */
static void check_currency_text(cbrsema_ctx *s, const cbrexpr *field, const cbrexpr *text)
{
    if (field->kind != E_NAME || field->sym != SYM_FIELD || field->sym_index != FIELD_CURRENCY ||
        !text->is_const || text->type != T_STRING || text->warned)
        return;
    const cbrstr *t = &text->value.u.s;
    if (cbrcur_exponent(t->s, t->n) >= 0)
        return;
    char q[64];
    cbrtc_const_text(&text->value, q, sizeof q);
    cbrdiag_warning(C(s), text->loc, "unknown-currency",
                    "%s is not an ISO 4217 currency code, so no transaction's `currency` is %s", q, q);
    const char *near = cbrsuggest_currency(t->s, t->n);
    if (near)
        cbrdiag_hint(C(s), "did you mean \"%s\"?", near);
}

static cbrtype check_bin(cbrsema_ctx *s, cbrexpr *e)
{
    cbrexpr *a = e->u.kids.a, *b = e->u.kids.b;
    cbrtype ta, tb;
    type_sides(s, a, b, e->op == OP_EQ || e->op == OP_NE || e->op == OP_FEQ, &ta, &tb);
    if (ta == T_ERROR || tb == T_ERROR)
        return fail(e);
    if (e->op <= OP_DIV) {
        cbrtype t = arith_type(s, e, ta, tb);
        if (t == T_ERROR)
            return fail(e);
        if (different_currencies(a, b)) {
            cbrdiag_error(C(s), e->op_loc, "currency-mismatch", "cannot combine %s with %s",
                          a->value.u.m.cur, b->value.u.m.cur);
            return fail(e);
        }
        e->type = t;
        if (a->is_const && b->is_const)
            fold_arith(e, &a->value, &b->value);
        return t;
    }
    const char *sym = cbrbinop_text(e->op);
    if (T_IS_LIST(ta) || T_IS_LIST(tb)) {
        const cbrexpr *l = T_IS_LIST(ta) ? a : b;
        cbrdiag_error(C(s), l->loc, "type", "cannot use `%s` on a list; to test membership write `x in [...]`", sym);
        return fail(e);
    }
    if (e->op == OP_FEQ) {
        if (ta != T_STRING || tb != T_STRING) {
            const cbrexpr *bad = ta != T_STRING ? a : b;
            cbrdiag_error(C(s), bad->loc, "type", "`~=` compares strings; this is %s", cbrtype_name(bad->type));
            return fail(e);
        }
        return e->type = T_BOOL;
    }
    if (!cbrtc_comparable(ta, tb)) {
        compare_error(s, "", a, b);
        return fail(e);
    }
    if (e->op != OP_EQ && e->op != OP_NE && !is_ordered(ta)) {
        cbrdiag_error(C(s), e->op_loc, "type", "`%s` needs ordered values (numbers, dates, instants, weekdays); %s values can only be compared with == and !=",
                      sym, cbrtype_name(ta));
        return fail(e);
    }
    if (different_currencies(a, b)) {
        cbrdiag_error(C(s), e->op_loc, "currency-mismatch", "cannot compare %s with %s",
                      a->value.u.m.cur, b->value.u.m.cur);
        return fail(e);
    }
    if (e->op == OP_EQ || e->op == OP_NE) {
        check_currency_text(s, a, b);
        check_currency_text(s, b, a);
    }
    bool r;
    if (a->is_const && b->is_const && fold_cmp(e->op, cbrtc_const_cmp(&a->value, &b->value), &r))
        set_const_bool(e, r);
    return e->type = T_BOOL;
}

static cbrtype check_in(cbrsema_ctx *s, cbrexpr *e)
{
    cbrexpr *a = e->u.kids.a, *l = e->u.kids.b;
    int table = cbrtab_named(s, l);
    if (table >= 0)
        return cbrtab_check_in(s, e, table);
    cbrtype ta = cbrtc_expr(s, a);
    if (ta == T_STRING && l->kind == E_LIST)
        for (uint32_t i = 0; i < l->u.list.n; i++)
            if (unknown_word(s, l->u.list.items[i]))
                quote_word(s, l->u.list.items[i]);
    cbrtype tl = cbrtc_expr(s, l);
    if (ta == T_ERROR || tl == T_ERROR)
        return fail(e);
    const char *word = e->negated ? "not in" : "in";
    if (!T_IS_LIST(tl)) {
        cbrdiag_error(C(s), l->loc, "type", "`%s` needs a list on its right, such as [\"a\", \"b\"]; found %s",
                      word, cbrtype_name(tl));
        return fail(e);
    }
    if (T_IS_LIST(ta)) {
        cbrdiag_error(C(s), a->loc, "type", "the left side of `%s` must be a single value, found %s", word,
                      cbrtype_name(ta));
        return fail(e);
    }
    cbrtype el = T_BASE(tl);
    if (el == T_NOTHING) {
        cbrdiag_warning(C(s), l->loc, "empty-list", "the list is empty, so `%s` is always %s", word,
                        e->negated ? "true" : "false");
        set_const_bool(e, e->negated);
        e->warned = true;
        return e->type = T_BOOL;
    }
    if (!cbrtc_comparable(ta, el)) {
        cbrdiag_error(C(s), l->loc, "type", "cannot look for %s in a %s", cbrtype_name(ta), cbrtype_name(tl));
        if (ta == T_WEEKDAY && el == T_STRING)
            cbrdiag_hint(C(s), "weekdays are written MON TUE WED THU FRI SAT SUN, without quotes");
        return fail(e);
    }
    if (l->kind == E_LIST)
        for (uint32_t i = 0; i < l->u.list.n; i++)
            check_currency_text(s, a, l->u.list.items[i]);
    if (a->is_const && l->kind == E_LIST) {
        bool found = false;
        for (uint32_t i = 0; i < l->u.list.n; i++)
            if (cbrtc_const_cmp(&a->value, &l->u.list.items[i]->value) == 0)
                found = true;
        set_const_bool(e, found != e->negated);
    }
    return e->type = T_BOOL;
}

static cbrtype check_between(cbrsema_ctx *s, cbrexpr *e)
{
    cbrexpr *x = e->u.kids.a, *lo = e->u.kids.b, *hi = e->u.kids.c;
    cbrtype tx = cbrtc_expr(s, x), tlo = cbrtc_expr(s, lo), thi = cbrtc_expr(s, hi);
    if (tx == T_ERROR || tlo == T_ERROR || thi == T_ERROR)
        return fail(e);
    if (!is_ordered(tx) || T_IS_LIST(tx)) {
        cbrdiag_error(C(s), x->loc, "type", "`between` needs ordered values (numbers, dates, instants, weekdays); found %s",
                      cbrtype_name(tx));
        return fail(e);
    }
    /* One message for the pair of bounds: the first that does not fit. */
    if (!cbrtc_comparable(tx, tlo) || !cbrtc_comparable(tx, thi)) {
        compare_error(s, " in `between`", x, !cbrtc_comparable(tx, tlo) ? lo : hi);
        return fail(e);
    }
    if (different_currencies(lo, hi)) {
        cbrdiag_error(C(s), hi->loc, "currency-mismatch", "the bounds of `between` are in %s and %s",
                      lo->value.u.m.cur, hi->value.u.m.cur);
        return fail(e);
    }
    if (lo->is_const && hi->is_const && cbrtc_const_cmp(&lo->value, &hi->value) == 1) {
        char a[64], b[64];
        cbrtc_const_text(&lo->value, a, sizeof a);
        cbrtc_const_text(&hi->value, b, sizeof b);
        cbrdiag_warning(C(s), e->op_loc, "between-reversed",
                        "`between %s and %s` is always false: the lower bound is above the upper", a, b);
        set_const_bool(e, false);
        e->warned = true;
    } else if (x->is_const && lo->is_const && hi->is_const) {
        int c1 = cbrtc_const_cmp(&x->value, &lo->value), c2 = cbrtc_const_cmp(&x->value, &hi->value);
        if (c1 != 2 && c2 != 2)
            set_const_bool(e, c1 >= 0 && c2 <= 0);
    }
    return e->type = T_BOOL;
}

cbrtype cbrtc_expr(cbrsema_ctx *s, cbrexpr *e)
{
    /* The builder has reported a tree past the depth limit; walking it could
     * exhaust the stack, so it is not walked at all. */
    if (e->depth > s->c->cfg.limits.max_expr_depth)
        return fail(e);
    switch (e->kind) {
    case E_LIT: return check_lit(s, e);
    case E_LIST: return check_list(s, e);
    case E_NAME: return check_name(s, e);
    case E_CALL: return check_call(s, e);
    case E_NOT: return check_not(s, e);
    case E_NEG: return check_neg(s, e);
    case E_AND: case E_OR: return check_logic(s, e);
    case E_BIN: return check_bin(s, e);
    case E_IN: return check_in(s, e);
    case E_BETWEEN: return check_between(s, e);
    case E_INDEX: return cbrtab_check_index(s, e);
    }
    return fail(e);
}
