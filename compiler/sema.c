/* sema.c: the resolver and checker of a whole program.
 * Pass 1 collects every declaration of every source (so an offer may name a
 * campaign declared later or in another file); pass 2 checks lets, offers,
 * campaigns and tests, typing their expressions through types.c.  Errors are
 * independent: one bad offer never hides another's mistakes. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "compiler/semaint.h"
#include "stdlib/date.h"
#include "stdlib/hash.h"
#include "stdlib/tz.h"

/* ---- the string map ---- */

static uint32_t hash(const char *s, size_t n) { return cbrhash_fnv32(s, n); }

int cbrmap_get(const cbrmap *m, const char *key, size_t n)
{
    if (!m->cap)
        return -1;
    uint32_t h = hash(key, n);
    for (uint32_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        const cbrmap_slot *s = &m->slots[i];
        if (!s->key)
            return -1;
        if (s->hash == h && s->n == n && memcmp(s->key, key, n) == 0)
            return s->value;
    }
}

bool cbrmap_put(cbr_compiler *c, cbrmap *m, const char *key, size_t n, int value)
{
    if ((m->count + 1) * 2 > m->cap) {
        uint32_t nc = m->cap ? m->cap * 2 : 64;
        cbrmap_slot *ns = cbrcomp_alloc(c, (size_t)nc * sizeof *ns);
        if (!ns)
            return false;
        for (uint32_t i = 0; i < m->cap; i++) {
            cbrmap_slot *s = &m->slots[i];
            if (!s->key)
                continue;
            uint32_t j = s->hash & (nc - 1);
            while (ns[j].key)
                j = (j + 1) & (nc - 1);
            ns[j] = *s;
        }
        m->slots = ns;
        m->cap = nc;
    }
    uint32_t h = hash(key, n);
    uint32_t i = h & (m->cap - 1);
    while (m->slots[i].key) {
        cbrmap_slot *s = &m->slots[i];
        if (s->hash == h && s->n == n && memcmp(s->key, key, n) == 0) {
            s->value = value;
            return true;
        }
        i = (i + 1) & (m->cap - 1);
    }
    m->slots[i] = (cbrmap_slot){key, (uint32_t)n, h, value};
    m->count++;
    return true;
}

/* ---- tables ---- */

static const struct { const char *name; cbrtype type; } standard_fields[] = {
    [FIELD_TID] = {"tid", T_STRING},         [FIELD_USER_ID] = {"user_id", T_STRING},
    [FIELD_AMOUNT] = {"amount", T_MONEY},    [FIELD_CURRENCY] = {"currency", T_STRING},
    [FIELD_MERCHANT] = {"merchant", T_STRING}, [FIELD_MCC] = {"mcc", T_INT},
    [FIELD_COUNTRY] = {"country", T_STRING}, [FIELD_CHANNEL] = {"channel", T_STRING},
    [FIELD_TIMESTAMP] = {"timestamp", T_INSTANT},
    [FIELD_WEEKDAY] = {"weekday", T_WEEKDAY}, [FIELD_HOUR] = {"hour", T_INT},
    [FIELD_MINUTE] = {"minute", T_INT},      [FIELD_DATE] = {"date", T_DATE},
    [FIELD_DAY] = {"day", T_INT},            [FIELD_MONTH] = {"month", T_INT},
    [FIELD_YEAR] = {"year", T_INT},
};

static const char *const weekday_names[8] = {NULL, "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};

const cbrsema *cbrsema_get(const cbr_compiler *c) { return c ? c->sema : NULL; }

/* Grows an arena array to hold one more element. */
#define GROW(s, arr, n, cap) cbrarena_grow(&(s)->c->arena, (arr), sizeof *(arr), &(cap), (n) + 1)

typedef struct tables_cap {
    unsigned fields, lets, externs, campaigns, offers, tests;
} tables_cap;

/* "rules.cbr:8:7", for notes that point at an earlier definition. */
static void where(cbr_compiler *c, cbrloc loc, char *buf, size_t n)
{
    unsigned line, col;
    cbrdiag_linecol(c, loc.file, loc.start, &line, &col);
    snprintf(buf, n, "%s:%u:%u", c->src[loc.file].name, line, col);
}

static void duplicate(cbrsema_ctx *s, cbrloc at, cbrloc first, const char *code, const char *what,
                      const char *name)
{
    char w[300];
    cbrdiag_error(s->c, at, code, "duplicate %s `%s`", what, name);
    where(s->c, first, w, sizeof w);
    cbrdiag_hint(s->c, "the first is at %s", w);
}

/* ---- pass 1: declarations ---- */

static bool add_field(cbrsema_ctx *s, tables_cap *cap, const char *name, cbrtype t,
                      cbrfield_origin origin, const cbritem *decl)
{
    cbrsema *m = s->m;
    cbrfield *f = GROW(s, m->fields, m->nfields, cap->fields);
    if (!f)
        return false;
    m->fields = f;
    m->fields[m->nfields] = (cbrfield){name, t, origin, decl};
    bool ok = cbrmap_put(s->c, &s->names, name, strlen(name), NAMEVAL(SYM_FIELD, m->nfields));
    m->nfields++;
    return ok;
}

/* Whether a declared name collides with something already named; reports it. */
static bool name_taken(cbrsema_ctx *s, const cbritem *it)
{
    const char *name = it->name.s;
    size_t n = it->name.n;
    if (cbrmap_get(&s->funcs, name, n) >= 0) {
        cbrdiag_error(s->c, it->name_loc, "redeclared", "`%s` is a built-in function and cannot be redeclared", name);
        return true;
    }
    if (cbrsema_type_named(name, n) != T_ERROR) {
        cbrdiag_error(s->c, it->name_loc, "redeclared", "`%s` is a type name and cannot be declared", name);
        return true;
    }
    int v = cbrmap_get(&s->names, name, n);
    if (v < 0)
        return false;
    cbrsym_kind k = NAMEKIND(v);
    if (k == SYM_WEEKDAY) {
        cbrdiag_error(s->c, it->name_loc, "redeclared", "`%s` is a weekday name and cannot be declared", name);
        return true;
    }
    if (k == SYM_FIELD && s->m->fields[NAMEIDX(v)].origin != FIELD_DECLARED) {
        bool derived = s->m->fields[NAMEIDX(v)].origin == FIELD_DERIVED;
        cbrdiag_error(s->c, it->name_loc, "redeclared", "`%s` is a %s field and needs no declaration", name,
                      derived ? "derived" : "standard");
        return true;
    }
    const cbritem *first = k == SYM_FIELD ? s->m->fields[NAMEIDX(v)].decl
                         : k == SYM_LET   ? s->m->lets[NAMEIDX(v)].item
                         : k == SYM_TABLE ? s->m->tables[NAMEIDX(v)].item
                         : k == SYM_TALLY ? s->m->tallies[NAMEIDX(v)].item
                                          : s->m->externs[NAMEIDX(v)].item;
    /* The same field declared alike in two files is one field: files that
     * are checked together may each say what they use. */
    if (k == SYM_FIELD && it->kind == I_FIELD) {
        cbrtype was = s->m->fields[NAMEIDX(v)].type;
        if (cbrsema_type_named(it->u.field_type.name.s, it->u.field_type.name.n) == was)
            return true;
        char w[300];
        cbrdiag_error(s->c, it->u.field_type.loc, "field-type-conflict",
                      "field `%s` is declared again with another type; it is %s", name, cbrtype_name(was));
        where(s->c, first->name_loc, w, sizeof w);
        cbrdiag_hint(s->c, "the first declaration is at %s", w);
        return true;
    }
    duplicate(s, it->name_loc, first->name_loc, "duplicate-name", "declaration of", name);
    return true;
}

static bool declare(cbrsema_ctx *s, tables_cap *cap, const cbritem *it)
{
    cbrsema *m = s->m;
    switch (it->kind) {
    case I_FIELD: {
        if (name_taken(s, it))
            return true;
        const cbrtyperef *tr = &it->u.field_type;
        cbrtype t = cbrsema_type_named(tr->name.s, tr->name.n);
        if (t == T_MONEY || t == T_WEEKDAY || t == T_ERROR) {
            cbrdiag_error(s->c, tr->loc, "bad-type",
                          "a field's type is one of string, int, decimal, bool, date, instant; found `%s`",
                          tr->name.s);
            static const char *const ok[] = {"string", "int", "decimal", "bool", "date", "instant"};
            if (t == T_ERROR)
                cbrsuggest(s->c, tr->name.s, tr->name.n, ok, 6);
            t = T_ERROR;
        }
        if (m->nfields - FIELD_FIRST_DECLARED >= CBRSEMA_MAX_FIELDS) {
            if (!s->too_many_fields)
                cbrdiag_error(s->c, it->name_loc, "limit-fields", "more than %u fields declared in one program",
                              CBRSEMA_MAX_FIELDS);
            s->too_many_fields = true;
            return true;
        }
        return add_field(s, cap, it->name.s, t, FIELD_DECLARED, it);
    }
    case I_LET: {
        if (name_taken(s, it))
            return true;
        cbrlet *l = GROW(s, m->lets, m->nlets, cap->lets);
        if (!l)
            return false;
        m->lets = l;
        m->lets[m->nlets] = (cbrlet){.item = it, .type = T_ERROR};
        return cbrmap_put(s->c, &s->names, it->name.s, it->name.n, NAMEVAL(SYM_LET, m->nlets++));
    }
    case I_EXTERN: {
        if (name_taken(s, it))
            return true;
        if (m->nexterns >= CBRSEMA_MAX_EXTERNS) {
            if (!s->too_many_externs)
                cbrdiag_error(s->c, it->name_loc, "limit-externs",
                              "more than %u extern functions in one program", CBRSEMA_MAX_EXTERNS);
            s->too_many_externs = true;
            return true;
        }
        cbrextern x;
        memset(&x, 0, sizeof x);
        x.item = it;
        bool ok = true;
        if (it->u.ext.n > 16) {
            cbrdiag_error(s->c, it->name_loc, "limit-params", "an extern function takes at most 16 parameters");
            ok = false;
        }
        for (uint32_t i = 0; ok && i < it->u.ext.n; i++) {
            const cbrtyperef *tr = &it->u.ext.params[i];
            x.params[i] = cbrsema_type_named(tr->name.s, tr->name.n);
            if (x.params[i] == T_ERROR) {
                cbrdiag_error(s->c, tr->loc, "bad-type", "unknown type `%s`", tr->name.s);
                cbrsuggest(s->c, tr->name.s, tr->name.n, (const char *const[]){"bool", "int", "decimal", "money", "string", "date", "instant", "weekday"}, 8);
                ok = false;
            }
        }
        x.nparams = it->u.ext.n;
        x.ret = cbrsema_type_named(it->u.ext.ret.name.s, it->u.ext.ret.name.n);
        if (x.ret == T_ERROR) {
            cbrdiag_error(s->c, it->u.ext.ret.loc, "bad-type", "unknown type `%s`", it->u.ext.ret.name.s);
            ok = false;
        }
        cbrextern *e = GROW(s, m->externs, m->nexterns, cap->externs);
        if (!e)
            return false;
        m->externs = e;
        m->externs[m->nexterns] = x;
        return cbrmap_put(s->c, &s->names, it->name.s, it->name.n, NAMEVAL(SYM_EXTERN, m->nexterns++));
    }
    case I_CAMPAIGN: {
        if (it->name.n == 0) {
            cbrdiag_error(s->c, it->name_loc, "empty-id", "a campaign id cannot be empty");
            return true;
        }
        int v = cbrmap_get(&s->campaigns, it->name.s, it->name.n);
        if (v >= 0) {
            duplicate(s, it->name_loc, m->campaigns[v].item->name_loc, "duplicate-campaign", "campaign", it->name.s);
            return true;
        }
        cbrcampaign *cp = GROW(s, m->campaigns, m->ncampaigns, cap->campaigns);
        if (!cp)
            return false;
        m->campaigns = cp;
        memset(&m->campaigns[m->ncampaigns], 0, sizeof *cp);
        m->campaigns[m->ncampaigns].item = it;
        m->campaigns[m->ncampaigns].id = it->name;
        return cbrmap_put(s->c, &s->campaigns, it->name.s, it->name.n, (int)m->ncampaigns++);
    }
    case I_OFFER:
    case I_RULE: {
        cbrstr id = it->name;
        if (it->kind == I_RULE) {
            /* A bare rule's id is FILESTEM:LINE of its `when`. */
            unsigned line, col;
            cbrdiag_linecol(s->c, it->loc.file, it->loc.start, &line, &col);
            char buf[300];
            int k = snprintf(buf, sizeof buf, "%s:%u", s->c->src[it->loc.file].stem, line);
            id.s = cbrcomp_strdup(s->c, buf, (size_t)k);
            if (!id.s)
                return false;
            id.n = (uint32_t)k;
        } else if (id.n == 0) {
            cbrdiag_error(s->c, it->name_loc, "empty-id", "an offer id cannot be empty");
            return true;
        }
        int v = cbrmap_get(&s->offers, id.s, id.n);
        if (v >= 0) {
            duplicate(s, it->kind == I_RULE ? it->loc : it->name_loc, m->offers[v].item->name_loc,
                      "duplicate-offer", "offer id", id.s);
            if (it->kind == I_RULE)
                cbrdiag_hint(s->c, "a bare rule is named FILESTEM:LINE; give each its own line, or make it an offer");
            return true;
        }
        if (m->noffers >= s->c->cfg.limits.max_offers) {
            if (!s->too_many_offers)
                cbrdiag_error(s->c, it->loc, "limit-offers", "more than %u offers in one program",
                              s->c->cfg.limits.max_offers);
            s->too_many_offers = true;
            return true;
        }
        cbroffer *o = GROW(s, m->offers, m->noffers, cap->offers);
        if (!o)
            return false;
        m->offers = o;
        o = &m->offers[m->noffers];
        memset(o, 0, sizeof *o);
        o->item = it;
        o->id = id;
        o->bare = it->kind == I_RULE;
        o->campaign = -1;
        return cbrmap_put(s->c, &s->offers, id.s, id.n, (int)m->noffers++);
    }
    case I_TABLE:
        return name_taken(s, it) || cbrtab_declare(s, it);
    case I_TALLY:
        return name_taken(s, it) || cbrtally_declare(s, it);
    case I_TEST: {
        int v = cbrmap_get(&s->tests, it->name.s, it->name.n);
        if (v >= 0) {
            duplicate(s, it->name_loc, m->tests[v].item->name_loc, "duplicate-test", "test", it->name.s);
            return true;
        }
        cbrtest *t = GROW(s, m->tests, m->ntests, cap->tests);
        if (!t)
            return false;
        m->tests = t;
        m->tests[m->ntests].item = it;
        return cbrmap_put(s->c, &s->tests, it->name.s, it->name.n, (int)m->ntests++);
    }
    }
    return true;
}

/* ---- pass 2: offers and campaigns ---- */

static const char *const attr_names[] = {
    [A_TITLE] = "title", [A_CAMPAIGN] = "campaign", [A_VALID] = "valid",
    [A_TIMEZONE] = "timezone", [A_PRIORITY] = "priority", [A_EXCLUSIVE] = "exclusive",
    [A_LIMIT] = "limit", [A_BUDGET] = "budget", [A_ROUNDING] = "rounding", [A_NO_PARTIAL] = "no partial",
    [A_REFUND_FULL] = "refund full", [A_VEST] = "vest after",
    [A_CLAUSE] = "when",
};

const char *cbrattr_name(cbrattr_kind k)
{
    return (unsigned)k <= A_CLAUSE ? attr_names[k] : "?";
}

static bool positive(cbrsema_ctx *s, const cbramount *a, const char *what)
{
    if (a->value.m > 0)
        return true;
    cbrdiag_error(s->c, a->loc, "not-positive", "%s must be more than zero", what);
    return false;
}

static void check_valid(cbrsema_ctx *s, const cbrattr *a)
{
    if (a->u.valid.from > a->u.valid.to)
        cbrdiag_error(s->c, a->u.valid.to_loc, "valid-reversed",
                      "`valid` ends before it starts: the end date is earlier than the start");
}

/* A reward or cap written as an expression must be money: a number alone
 * would leave open what it is a rate or an amount of. */
static void check_money_expr(cbrsema_ctx *s, cbrexpr *e, bool cap)
{
    cbrtype t = cbrtc_expr(s, e);
    if (t == T_ERROR || t == T_MONEY)
        return;
    cbrdiag_error(s->c, e->loc, "reward-type", "%s must be money; this expression is of type %s",
                  cap ? "the cap after `up to`" : "a reward", cbrtype_name(t));
    if (cap)
        cbrdiag_hint(s->c, "a cap is an amount, as in `up to 5.00`, or an expression of money");
    else if (t == T_DECIMAL || t == T_INT)
        cbrdiag_hint(s->c, "a rate needs what it is a rate of, as in `amount * 2%%`; "
                           "a fixed amount is one number alone, as in `cashback 5.00`");
}

static void check_reward(cbrsema_ctx *s, const cbroffer *o, cbrclause *cl)
{
    cbrreward *r = &cl->reward;
    if (r->cap)
        check_money_expr(s, r->cap, true);
    if (r->kind == R_EXPR) {
        check_money_expr(s, r->expr, false);
        if (r->has_cap && !r->cap && cbrtc_amount(s, &r->amount, "the cap"))
            positive(s, &r->amount, "the cap");
        const cbrexpr *e = r->expr;
        if (e->type == T_MONEY && e->is_const && e->value.u.m.amount.m <= 0)
            cbrdiag_warning(s->c, e->loc, "zero-reward", "this reward is never more than 0, so it never awards anything");
    } else if (r->kind == R_PERCENT) {
        cbrdec hundred = {100, 0}, zero = {0, 0};
        if (cbrdec_cmp(r->percent, hundred) > 0) {
            char p[32];
            cbrdec_format(r->percent, p, sizeof p);
            cbrdiag_warning(s->c, r->loc, "percent-over-100",
                            "cashback of %s%% is more than the purchase itself", p);
        } else if (cbrdec_cmp(r->percent, zero) == 0) {
            cbrdiag_warning(s->c, r->loc, "zero-reward", "a reward of 0%% never awards anything");
        }
        if (r->has_cap && !r->cap && cbrtc_amount(s, &r->amount, "the cap"))
            positive(s, &r->amount, "the cap");
    } else if (r->has_cap) {
        /* `cashback 1.00 up to 5.00`: a fixed amount is what it is. */
        cbrdiag_error(s->c, r->cap_loc, "cap-on-fixed",
                      "a fixed reward takes no cap: `up to` limits a percent or an expression, as in `cashback 10%% up to 5.00`");
        char f[40], k[40];
        cbrdec_format(r->amount.value, f, sizeof f);
        cbrdec_format(r->fixed_cap.value, k, sizeof k);
        if (!r->cap && !strcmp(r->amount.cur, r->fixed_cap.cur) &&
            cbrdec_cmp(r->amount.value, r->fixed_cap.value) <= 0)
            cbrdiag_hint(s->c, "the cap %s could never apply to a fixed %s; write `cashback %s%s%s`", k, f, f,
                         r->amount.cur[0] ? " " : "", r->amount.cur);
    } else if (cbrtc_amount(s, &r->amount, "the reward")) {
        if (r->amount.value.m == 0)
            cbrdiag_warning(s->c, r->loc, "zero-reward", "a reward of 0 never awards anything");
    }
    (void)o;
}

/* The limits on conditions with their lets written out (semaint.h). */
static void check_size(cbrsema_ctx *s, const cbrclause *cl)
{
    if (cl->cond->depth > s->c->cfg.limits.max_expr_depth)
        return; /* too deep to walk; the builder has reported it */
    uint32_t n = cbrtc_size(s, cl->cond);
    if (n > CBRSEMA_MAX_CONDITION_SIZE) {
        cbrdiag_error(s->c, cl->cond->loc, "limit-condition-size",
                      "this condition grows to %u operations once its lets are written out, over the limit of %u",
                      n, CBRSEMA_MAX_CONDITION_SIZE);
        cbrdiag_hint(s->c, "each use of a let repeats its whole expression");
        return;
    }
    uint64_t before = s->program_size;
    s->program_size += n;
    if (before <= CBRSEMA_MAX_PROGRAM_SIZE && s->program_size > CBRSEMA_MAX_PROGRAM_SIZE)
        cbrdiag_error(s->c, cl->cond->loc, "limit-program-size",
                      "the program's conditions grow past %u operations here once their lets are written out",
                      CBRSEMA_MAX_PROGRAM_SIZE);
}

static void check_clauses(cbrsema_ctx *s, cbroffer *o)
{
    const cbrclause *always = NULL;
    for (unsigned i = 0; i < o->nclauses; i++) {
        cbrclause *cl = o->clauses[i];
        cbrtype t = cbrtc_expr(s, cl->cond);
        if (t != T_ERROR && t != T_BOOL)
            cbrdiag_error(s->c, cl->cond->loc, "type",
                          "the condition after `when` must be true or false (bool), found %s", cbrtype_name(t));
        check_size(s, cl);
        check_reward(s, o, cl);
        if (always) {
            char w[300];
            cl->unreachable = true;
            cbrdiag_warning(s->c, cl->loc, "unreachable-clause",
                            "this clause is never reached: an earlier clause always applies");
            where(s->c, always->loc, w, sizeof w);
            cbrdiag_hint(s->c, "the clause at %s has a condition that is always true", w);
            continue;
        }
        if (t == T_BOOL && cl->cond->is_const) {
            if (cl->cond->value.u.b)
                always = cl;
            else if (!cl->cond->warned)
                cbrdiag_warning(s->c, cl->cond->loc, "always-false",
                                "this condition is always false, so the clause never applies");
        }
    }
}

static cbrround rounding_mode(cbrsema_ctx *s, const cbrattr *a)
{
    static const char *const modes[] = {"down", "up", "half-up", "half-even"};
    static const cbrround vals[] = {CBR_ROUND_DOWN, CBR_ROUND_UP, CBR_ROUND_HALF_UP, CBR_ROUND_HALF_EVEN};
    for (int i = 0; i < 4; i++)
        if (strlen(modes[i]) == a->u.rounding.mode.n && !memcmp(modes[i], a->u.rounding.mode.s, a->u.rounding.mode.n))
            return vals[i];
    cbrdiag_error(s->c, a->u.rounding.loc, "bad-rounding",
                  "unknown rounding `%s`; the modes are down, up, half-up and half-even",
                  a->u.rounding.mode.s);
    cbrsuggest(s->c, a->u.rounding.mode.s, a->u.rounding.mode.n, modes, 4);
    return CBR_ROUND_DOWN;
}

static bool is_word(const cbrstr *w, const char *word)
{
    return w->s && w->n == strlen(word) && !memcmp(w->s, word, w->n);
}

/* The period after `per`: day, week, month or year; PER_NONE, reported as
 * code with `whose` ("a limit's") in the message, for any other word. */
static cbrperiod period_named(cbrsema_ctx *s, const cbrstr *p, cbrloc loc, const char *code, const char *whose)
{
    static const char *const periods[] = {"day", "week", "month", "year"};
    for (int i = 0; i < 4; i++)
        if (is_word(p, periods[i]))
            return (cbrperiod)(PER_DAY + i);
    cbrdiag_error(s->c, loc, code, "%s period is `per day`, `per week`, `per month` or `per year`, found `per %s`",
                  whose, p->s);
    cbrsuggest(s->c, p->s, p->n, periods, 4);
    return PER_NONE;
}

static bool is_period_word(const cbrstr *w)
{
    return is_word(w, "day") || is_word(w, "week") || is_word(w, "month") || is_word(w, "year");
}

/* `limit N total [per PERIOD]`: awards of all customers together. */
static bool check_total_limit(cbrsema_ctx *s, const cbrattr *a, cbrlimit *out)
{
    const cbramount *am = &a->u.limit.amount;
    char num[32];
    cbrdec_format(am->value, num, sizeof num);
    bool ok = true;
    out->total = out->is_count = true;
    if (a->u.limit.has_who && is_word(&a->u.limit.who, "user")) {
        cbrdiag_error(s->c, a->u.limit.who_loc, "bad-limit",
                      "a total limit counts the awards of all customers together, so it cannot be `per user`");
        cbrdiag_hint(s->c, "to cap both, write two limits: `limit 1 per user` and `limit %s total`", num);
        ok = false;
    } else if (a->u.limit.has_period) {
        cbrdiag_error(s->c, a->u.limit.period_loc, "bad-limit",
                      "a total limit has one period, as in `limit %s total per day`; found a second `per %s`", num,
                      a->u.limit.period.s);
        ok = false;
    } else if (a->u.limit.has_who) {
        out->period = period_named(s, &a->u.limit.who, a->u.limit.who_loc, "bad-limit", "a limit's");
        ok = out->period != PER_NONE;
    }
    if (am->has_point) {
        cbrdiag_error(s->c, am->loc, "bad-limit",
                      "a total limit counts awards, so it takes a whole number; money across all customers is a budget");
        if (a->u.limit.has_who && is_period_word(&a->u.limit.who))
            cbrdiag_hint(s->c, "write `budget %s per %s`", num, a->u.limit.who.s);
        else
            cbrdiag_hint(s->c, "write `budget %s`", num);
        return false;
    }
    out->count = am->value.m;
    if (out->count < 1) {
        cbrdiag_error(s->c, am->loc, "not-positive", "a limit on the number of awards must be at least 1");
        ok = false;
    }
    return ok;
}

static bool check_limit(cbrsema_ctx *s, const cbrattr *a, cbrlimit *out)
{
    memset(out, 0, sizeof *out);
    out->loc = a->loc;
    const cbramount *am = &a->u.limit.amount;
    if (is_word(&am->word, "total"))
        return check_total_limit(s, a, out);
    if (!a->u.limit.has_who) {
        /* `limit 5`, `limit 5.00 USD`, `limit 5 totl` */
        bool other_word = am->word.s && am->cur[0] == '?';
        cbrdiag_error(s->c, other_word ? am->cur_loc : am->loc, "bad-limit",
                      "a limit says whom it counts: `per user` (each customer) or `total` (all customers together)");
        if (other_word)
            cbrsuggest(s->c, am->word.s, am->word.n, (const char *const[]){"total"}, 1);
        return false;
    }
    bool ok = true;
    if (!is_word(&a->u.limit.who, "user")) {
        cbrdiag_error(s->c, a->u.limit.who_loc, "bad-limit",
                      "limits are kept per customer: write `per user`, found `per %s`", a->u.limit.who.s);
        if (is_period_word(&a->u.limit.who) && !am->has_point && !am->cur[0])
            cbrdiag_hint(s->c, "a limit across all customers is written `limit %lld total per %s`",
                         (long long)am->value.m, a->u.limit.who.s);
        ok = false;
    }
    if (a->u.limit.has_period) {
        out->period = period_named(s, &a->u.limit.period, a->u.limit.period_loc, "bad-limit", "a limit's");
        ok &= out->period != PER_NONE;
    }
    if (!am->has_point && !am->cur[0]) {
        out->is_count = true;
        out->count = am->value.m;
        if (out->count < 1) {
            cbrdiag_error(s->c, am->loc, "not-positive", "a limit on the number of awards must be at least 1");
            ok = false;
        }
    } else {
        out->amount = *am;
        ok &= cbrtc_amount(s, am, "the limit") && positive(s, am, "a money limit");
    }
    return ok;
}

/* budget AMOUNT [per PERIOD], of an offer or a campaign. */
static bool check_budget(cbrsema_ctx *s, const cbrattr *a, cbramount *budget, cbrperiod *period)
{
    const cbramount *am = &a->u.budget.amount;
    bool ok = cbrtc_amount(s, am, "the budget") && positive(s, am, "a budget");
    *period = PER_NONE;
    if (a->u.budget.has_period) {
        if (is_word(&a->u.budget.period, "user")) {
            cbrdiag_error(s->c, a->u.budget.period_loc, "bad-budget",
                          "a budget counts what all customers earn together, so it cannot be `per user`");
            char num[32];
            cbrdec_format(am->value, num, sizeof num);
            cbrdiag_hint(s->c, "for each customer, write a limit: `limit %s%s%s per user`", num,
                         am->cur[0] ? " " : "", am->cur);
            return false;
        }
        *period = period_named(s, &a->u.budget.period, a->u.budget.period_loc, "bad-budget", "a budget's");
        ok &= *period != PER_NONE;
    }
    if (ok)
        *budget = *am;
    return ok;
}

/* `refund full`: the word after `refund` must be `full`. */
static bool check_refund_full(cbrsema_ctx *s, const cbrattr *a)
{
    if (is_word(&a->u.word.s, "full"))
        return true;
    cbrdiag_error(s->c, a->u.word.loc, "bad-attribute", "expected `refund full`, found `refund %s`", a->u.word.s.s);
    cbrsuggest(s->c, a->u.word.s.s, a->u.word.s.n, (const char *const[]){"full"}, 1);
    return false;
}

/* `vest after EXPR days`: the two words, and EXPR a whole number of days
 * (a field such as `return_days`, or a literal that is not negative). */
static bool check_vest(cbrsema_ctx *s, const cbrattr *a)
{
    bool ok = true;
    if (!is_word(&a->u.vest.after, "after")) {
        cbrdiag_error(s->c, a->u.vest.after_loc, "bad-attribute", "expected `vest after N days`, found `vest %s`",
                      a->u.vest.after.s);
        cbrsuggest(s->c, a->u.vest.after.s, a->u.vest.after.n, (const char *const[]){"after"}, 1);
        ok = false;
    }
    if (!is_word(&a->u.vest.days, "days")) {
        cbrdiag_error(s->c, a->u.vest.days_loc, "bad-attribute",
                      "expected `days` after the vesting period, found `%s`", a->u.vest.days.s);
        cbrsuggest(s->c, a->u.vest.days.s, a->u.vest.days.n, (const char *const[]){"days"}, 1);
        ok = false;
    }
    cbrexpr *e = a->u.vest.e;
    cbrtype t = cbrtc_expr(s, e);
    if (t != T_ERROR && t != T_INT) {
        cbrdiag_error(s->c, e->loc, "vest-type", "a vesting period is a whole number of days; this expression is of type %s",
                      cbrtype_name(t));
        cbrdiag_hint(s->c, "write `vest after 30 days`, or name an int field: `vest after return_days days`");
        return false;
    }
    if (t == T_INT && e->is_const && e->value.u.i < 0) {
        cbrdiag_error(s->c, e->loc, "vest-negative", "a vesting period is a number of days, 0 or more");
        return false;
    }
    return ok && t == T_INT;
}

/* `no partial`: the word after `no` must be `partial`. */
static bool check_no_partial(cbrsema_ctx *s, const cbrattr *a)
{
    if (is_word(&a->u.word.s, "partial"))
        return true;
    cbrdiag_error(s->c, a->u.word.loc, "bad-attribute", "expected `no partial`, found `no %s`", a->u.word.s.s);
    cbrsuggest(s->c, a->u.word.s.s, a->u.word.s.n, (const char *const[]){"partial"}, 1);
    return false;
}

static void check_zone(cbrsema_ctx *s, const cbrattr *a)
{
    if (!cbrtz_exists(s->c->cfg.zoneinfo_dir, a->u.str.s)) {
        cbrdiag_error(s->c, a->loc, "unknown-timezone", "unknown time zone \"%s\"", a->u.str.s);
        cbrsuggest_zone(s, a->u.str.s, a->u.str.n);
    }
}

static bool check_offer(cbrsema_ctx *s, cbroffer *o, unsigned *clause_cap)
{
    const cbritem *it = o->item;
    if (o->bare) {
        o->clauses = cbrcomp_alloc(s->c, sizeof *o->clauses);
        if (!o->clauses)
            return false;
        o->clauses[0] = (cbrclause *)&it->u.rule;
        o->nclauses = 1;
        check_clauses(s, o);
        return true;
    }
    const cbrattrs *as = &it->u.attrs;
    const cbrattr *seen[A_CLAUSE] = {0};
    const cbrattr *first_clause = NULL;
    bool too_many_clauses = false;
    unsigned limcap = 0;
    *clause_cap = 0;
    for (uint32_t i = 0; i < as->n; i++) {
        const cbrattr *a = &as->items[i];
        if (a->kind == A_CLAUSE) {
            if (!first_clause)
                first_clause = a;
            if (o->nclauses >= s->c->cfg.limits.max_clauses) {
                if (!too_many_clauses)
                    cbrdiag_error(s->c, a->loc, "limit-clauses", "offer `%s` has more than %u clauses",
                                  o->id.s, s->c->cfg.limits.max_clauses);
                too_many_clauses = true;
                continue;
            }
            void *p = cbrarena_grow(&s->c->arena, o->clauses, sizeof *o->clauses, clause_cap, o->nclauses + 1);
            if (!p)
                return false;
            o->clauses = p;
            o->clauses[o->nclauses++] = (cbrclause *)&a->u.clause;
            continue;
        }
        if (first_clause) {
            cbrdiag_error(s->c, a->kw_loc, "attribute-after-clause",
                          "offer attributes come before the first `when`; move `%s` up", cbrattr_name(a->kind));
            continue;
        }
        if (a->kind == A_NO_PARTIAL && !check_no_partial(s, a))
            continue;
        if (a->kind == A_REFUND_FULL && !check_refund_full(s, a))
            continue;
        if (a->kind != A_LIMIT && seen[a->kind]) {
            char w[300];
            cbrdiag_error(s->c, a->kw_loc, "duplicate-attribute", "offer `%s` gives `%s` twice", o->id.s,
                          cbrattr_name(a->kind));
            where(s->c, seen[a->kind]->kw_loc, w, sizeof w);
            cbrdiag_hint(s->c, "the first is at %s", w);
            continue;
        }
        seen[a->kind] = a;
        switch (a->kind) {
        case A_TITLE: o->title = a->u.str; break;
        case A_EXCLUSIVE:
            o->exclusive = a->u.str;
            o->exclusive_loc = a->loc;
            if (a->u.str.n == 0)
                cbrdiag_error(s->c, a->loc, "empty-id", "an exclusive group needs a name");
            /* A misspelt word meant `best`: taken so, the group's other
             * offers are not reported as disagreeing with it. */
            if (a->u.excl.has_word) {
                (void)cbrsema_best_word(s, a);
                o->best = true;
            }
            break;
        case A_TIMEZONE:
            o->timezone = a->u.str;
            check_zone(s, a);
            break;
        case A_CAMPAIGN: {
            int v = cbrmap_get(&s->campaigns, a->u.str.s, a->u.str.n);
            if (v < 0) {
                cbrdiag_error(s->c, a->loc, "unknown-campaign", "unknown campaign \"%s\"", a->u.str.s);
                cbrsuggest_map(s->c, a->u.str.s, a->u.str.n, &s->campaigns, -1);
            }
            o->campaign = v;
            break;
        }
        case A_VALID:
            check_valid(s, a);
            o->has_valid = true;
            o->valid_from = a->u.valid.from;
            o->valid_to = a->u.valid.to;
            break;
        case A_PRIORITY: o->priority = a->u.priority.v; break;
        case A_ROUNDING: o->rounding = rounding_mode(s, a); break;
        case A_BUDGET:
            o->has_budget = check_budget(s, a, &o->budget, &o->budget_period);
            break;
        case A_NO_PARTIAL: o->no_partial = true; break;
        case A_REFUND_FULL: o->refund_full = true; break;
        case A_VEST:
            if (check_vest(s, a))
                o->vest = a->u.vest.e;
            break;
        case A_LIMIT: {
            cbrlimit l;
            if (!check_limit(s, a, &l))
                break;
            void *p = cbrarena_grow(&s->c->arena, o->limits, sizeof l, &limcap, o->nlimits + 1);
            if (!p)
                return false;
            o->limits = p;
            o->limits[o->nlimits++] = l;
            break;
        }
        case A_CLAUSE: break;
        }
    }
    /* Money limits and budgets in different currencies leave no transaction
     * that may earn: each restricts the offer to its own currency. */
    const cbramount *money[34];
    unsigned nm = 0;
    if (o->has_budget)
        money[nm++] = &o->budget;
    if (o->campaign >= 0 && s->m->campaigns[o->campaign].has_budget)
        money[nm++] = &s->m->campaigns[o->campaign].budget;
    for (unsigned i = 0; i < o->nlimits && nm < 34; i++)
        if (!o->limits[i].is_count)
            money[nm++] = &o->limits[i].amount;
    for (unsigned i = 1; i < nm; i++)
        if (money[i]->cur[0] && money[0]->cur[0] && strcmp(money[i]->cur, money[0]->cur)) {
            cbrdiag_warning(s->c, it->name_loc, "currency-conflict",
                            "offer `%s` can never award: it is limited to %s by one budget or limit and to %s by another",
                            o->id.s, money[0]->cur, money[i]->cur);
            break;
        }
    /* `no partial` drops what a money limit or budget would cut; a count
     * limit never cuts. */
    bool cuts = o->has_budget || (o->campaign >= 0 && s->m->campaigns[o->campaign].has_budget);
    for (unsigned i = 0; i < o->nlimits && !cuts; i++)
        cuts = !o->limits[i].is_count;
    if (o->no_partial && !cuts)
        cbrdiag_warning(s->c, seen[A_NO_PARTIAL]->loc, "no-partial-unused",
                        "`no partial` changes nothing here: offer `%s` has no money limit or budget that could cut an award",
                        o->id.s);
    /* After a syntax error inside the offer, a missing clause is no news. */
    if (!first_clause && !as->broken)
        cbrdiag_error(s->c, it->name_loc, "no-clause", "offer `%s` has no `when` clause, so it can never award",
                      o->id.s);
    check_clauses(s, o);
    return true;
}

static void check_campaign(cbrsema_ctx *s, cbrcampaign *cp)
{
    const cbrattrs *as = &cp->item->u.attrs;
    const cbrattr *seen[A_CLAUSE + 1] = {0};
    for (uint32_t i = 0; i < as->n; i++) {
        const cbrattr *a = &as->items[i];
        if (a->kind == A_CLAUSE) {
            cbrdiag_error(s->c, a->loc, "clause-in-campaign",
                          "a campaign holds no `when` clauses; put them in an offer that names the campaign");
            continue;
        }
        if (a->kind != A_TITLE && a->kind != A_BUDGET && a->kind != A_VALID && a->kind != A_TIMEZONE) {
            cbrdiag_error(s->c, a->kw_loc, "bad-attribute",
                          "`%s` is not a campaign attribute; campaigns take title, budget, valid and timezone",
                          cbrattr_name(a->kind));
            continue;
        }
        if (seen[a->kind]) {
            cbrdiag_error(s->c, a->kw_loc, "duplicate-attribute", "campaign `%s` gives `%s` twice", cp->id.s,
                          cbrattr_name(a->kind));
            continue;
        }
        seen[a->kind] = a;
        if (a->kind == A_TITLE)
            cp->title = a->u.str;
        else if (a->kind == A_VALID) {
            check_valid(s, a);
            cp->has_valid = true;
            cp->valid_from = a->u.valid.from;
            cp->valid_to = a->u.valid.to;
        } else if (a->kind == A_TIMEZONE) {
            cp->timezone = a->u.str;
            check_zone(s, a);
        } else {
            cp->has_budget = check_budget(s, a, &cp->budget, &cp->budget_period);
        }
    }
    /* A campaign's zone is that of its budget's periods, and nothing else. */
    if (seen[A_TIMEZONE] && !cp->budget_period && (cp->has_budget || !seen[A_BUDGET])) {
        cbrdiag_warning(s->c, seen[A_TIMEZONE]->loc, "unused-timezone",
                        "campaign `%s` has a time zone but no budget per period, so the zone changes nothing",
                        cp->id.s);
        cbrdiag_hint(s->c, "a campaign's zone is where the periods of `budget AMOUNT per PERIOD` fall; "
                           "its offers read weekday, date and valid in their own");
    }
}

/* An offer's window against its campaign's: only the overlap is active. */
static void check_windows(cbrsema_ctx *s, const cbroffer *o)
{
    if (o->campaign < 0 || !o->has_valid)
        return;
    const cbrcampaign *cp = &s->m->campaigns[o->campaign];
    if (!cp->has_valid)
        return;
    char of[12], ot[12], cf[12], ct[12];
    cbrdate_format(o->valid_from, of);
    cbrdate_format(o->valid_to, ot);
    cbrdate_format(cp->valid_from, cf);
    cbrdate_format(cp->valid_to, ct);
    const cbrattr *va = NULL;
    for (uint32_t i = 0; i < o->item->u.attrs.n; i++)
        if (o->item->u.attrs.items[i].kind == A_VALID)
            va = &o->item->u.attrs.items[i];
    cbrloc at = va ? va->loc : o->item->name_loc;
    if (o->valid_to < cp->valid_from || o->valid_from > cp->valid_to)
        cbrdiag_warning(s->c, at, "window-outside-campaign",
                        "offer `%s` is valid %s to %s, outside its campaign `%s` (%s to %s), so it never awards",
                        o->id.s, of, ot, cp->id.s, cf, ct);
    else if (o->valid_from < cp->valid_from || o->valid_to > cp->valid_to)
        cbrdiag_warning(s->c, at, "window-beyond-campaign",
                        "offer `%s` is valid %s to %s, beyond its campaign `%s` (%s to %s); only the overlap applies",
                        o->id.s, of, ot, cp->id.s, cf, ct);
}

/* ---- the pass driver ---- */

void cbrsema_check(cbr_compiler *c)
{
    cbrsema *m = cbrcomp_alloc(c, sizeof *m);
    if (!m)
        return;
    c->sema = m;
    cbrsema_ctx s;
    memset(&s, 0, sizeof s);
    s.c = c;
    s.m = m;
    tables_cap cap = {0};
    if (!cbrtc_init_builtins(&s))
        return;
    for (unsigned i = 0; i < FIELD_FIRST_DECLARED; i++)
        if (!add_field(&s, &cap, standard_fields[i].name, standard_fields[i].type,
                       i < FIELD_WEEKDAY ? FIELD_STANDARD : FIELD_DERIVED, NULL))
            return;
    for (unsigned d = 1; d <= 7; d++)
        if (!cbrmap_put(c, &s.names, weekday_names[d], 3, NAMEVAL(SYM_WEEKDAY, d)))
            return;

    for (uint32_t f = 0; f < c->nsrc; f++)
        for (const cbritem *it = c->src[f].items; it; it = it->next)
            if (!declare(&s, &cap, it))
                return;

    cbrtab_load(&s);
    cbrtally_check_all(&s);
    for (unsigned i = 0; i < m->nlets; i++)
        cbrtc_let(&s, i);
    for (unsigned i = 0; i < m->ncampaigns; i++)
        check_campaign(&s, &m->campaigns[i]);
    unsigned nclauses = 0;
    for (unsigned i = 0; i < m->noffers; i++) {
        unsigned ccap;
        if (!check_offer(&s, &m->offers[i], &ccap))
            return;
        check_windows(&s, &m->offers[i]);
        nclauses += m->offers[i].nclauses;
    }
    cbrsema_best_groups(&s);
    for (unsigned i = 0; i < m->ntests; i++)
        cbrsema_check_test(&s, &m->tests[i]);
    /* A let no condition names is dead code, or a condition meant to be
     * used.  A program without offers (a file of shared lets checked on its
     * own) is not told so. */
    for (unsigned i = 0; m->noffers > 0 && i < m->nlets; i++)
        if (!m->lets[i].used && m->lets[i].type != T_ERROR)
            cbrdiag_warning(c, m->lets[i].item->name_loc, "unused-let", "let `%s` is never used",
                            m->lets[i].item->name.s);

    cbrtally_warn_unused(&s);

    unsigned ndeclared = 0;
    for (unsigned i = 0; i < m->nfields; i++)
        ndeclared += m->fields[i].origin == FIELD_DECLARED;
    c->info = (cbr_program_info){sizeof c->info, m->noffers, m->ncampaigns, ndeclared, m->nlets, m->nexterns,
                                 m->ntests, nclauses, m->ntallies};
}
