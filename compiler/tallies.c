/* tallies.c: the checker's part of tallies, per-customer history that
 * conditions read (`tally visits = count per user per month`).
 * A tally is declared in pass 1 beside fields and lets (its name is read like
 * a field), and checked in pass 2 before the offers: its words, its period and
 * zone, and its `where` condition, which may not read a tally (directly or
 * through a let), since tallies are all counted before any is read. */
#include "config.h"
#include <string.h>
#include "compiler/semaint.h"
#include "stdlib/tz.h"

static bool word_is(const cbrstr *w, const char *word)
{
    return w->s && w->n == strlen(word) && !memcmp(w->s, word, w->n);
}

bool cbrtally_declare(cbrsema_ctx *s, const cbritem *it)
{
    cbrsema *m = s->m;
    cbrtally *t = cbrarena_grow(&s->c->arena, m->tallies, sizeof *m->tallies, &s->tally_cap, m->ntallies + 1);
    if (!t)
        return false;
    m->tallies = t;
    t = &m->tallies[m->ntallies];
    memset(t, 0, sizeof *t);
    t->item = it;
    t->type = T_ERROR;
    return cbrmap_put(s->c, &s->names, it->name.s, it->name.n, NAMEVAL(SYM_TALLY, m->ntallies++));
}

/* Whether e reads a tally, itself or through the lets it names (checked
 * lets are acyclic and no deeper than max_expr_depth). */
static const cbrexpr *reads_tally(cbrsema_ctx *s, const cbrexpr *e, unsigned depth)
{
    if (!e || depth > s->c->cfg.limits.max_expr_depth + 1)
        return NULL;
    const cbrexpr *hit = NULL;
    switch (e->kind) {
    case E_NAME:
        if (e->sym == SYM_TALLY)
            return e;
        if (e->sym == SYM_LET && e->sym_index < s->m->nlets && s->m->lets[e->sym_index].state == 2 &&
            reads_tally(s, s->m->lets[e->sym_index].item->u.let_expr, depth + 1))
            return e;
        return NULL;
    case E_LIST: case E_AND: case E_OR:
        for (uint32_t i = 0; i < e->u.list.n && !hit; i++)
            hit = reads_tally(s, e->u.list.items[i], depth + 1);
        return hit;
    case E_CALL:
        for (uint32_t i = 0; i < e->args.n && !hit; i++)
            hit = reads_tally(s, e->args.items[i], depth + 1);
        return hit;
    case E_NOT: case E_NEG: case E_BIN: case E_IN: case E_BETWEEN:
        if (!(hit = reads_tally(s, e->u.kids.a, depth + 1)) && !(hit = reads_tally(s, e->u.kids.b, depth + 1)))
            hit = reads_tally(s, e->kind == E_BETWEEN ? e->u.kids.c : NULL, depth + 1);
        return hit;
    default:
        return NULL;
    }
}

static void check_one(cbrsema_ctx *s, cbrtally *t)
{
    const cbrtallydef *d = &t->item->u.tally;
    cbr_compiler *c = s->c;
    bool ok = true;
    if (word_is(&d->kind, "count")) {
        t->kind = TALLY_COUNT;
        if (d->what.s) {
            cbrdiag_error(c, d->what_loc, "tally-kind", "a count tally counts purchases and takes no field; found `%s`",
                          d->what.s);
            cbrdiag_hint(c, "write `count per user`, or `sum amount per user` to add amounts");
            ok = false;
        }
    } else if (word_is(&d->kind, "sum")) {
        t->kind = TALLY_SUM;
        if (!word_is(&d->what, "amount")) {
            cbrdiag_error(c, d->what.s ? d->what_loc : d->kind_loc, "tally-sum",
                          d->what.s ? "a sum tally adds up `amount`; found `%s`" : "a sum tally adds up `amount`%s",
                          d->what.s ? d->what.s : "; write `sum amount per user`");
            if (d->what.s)
                cbrdiag_hint(c, "only the purchase's amount can be summed: `sum amount per user`");
            ok = false;
        }
    } else {
        cbrdiag_error(c, d->kind_loc, "tally-kind", "a tally is `count per user` or `sum amount per user`; found `%s`",
                      d->kind.s);
        cbrsuggest(c, d->kind.s, d->kind.n, (const char *const[]){"count", "sum"}, 2);
        ok = false;
    }
    if (!word_is(&d->who, "user")) {
        cbrdiag_error(c, d->who_loc, "tally-scope", "a tally is kept per user; found `per %s`", d->who.s);
        cbrdiag_hint(c, "write `per user` first, then the period if any: `count per user per month`");
        ok = false;
    }
    static const char *const periods[] = {"day", "week", "month", "year"};
    t->period = PER_NONE;
    if (d->has_period) {
        for (int i = 0; i < 4; i++)
            if (word_is(&d->period, periods[i]))
                t->period = (cbrperiod)(PER_DAY + i);
        if (t->period == PER_NONE) {
            cbrdiag_error(c, d->period_loc, "bad-period",
                          "a tally's period is `per day`, `per week`, `per month` or `per year`, found `per %s`",
                          d->period.s);
            cbrsuggest(c, d->period.s, d->period.n, periods, 4);
            ok = false;
        }
    }
    if (d->nperiod > 1 || d->nzone > 1) {
        cbrdiag_error(c, t->item->name_loc, "tally-repeat", "tally `%s` has more than one %s", t->item->name.s,
                      d->nperiod > 1 ? "period" : "time zone");
        ok = false;
    }
    if (d->has_zone) {
        if (!cbrtz_exists(c->cfg.zoneinfo_dir, d->zone.s)) {
            cbrdiag_error(c, d->zone_loc, "unknown-timezone", "unknown time zone \"%s\"", d->zone.s);
            cbrsuggest_zone(s, d->zone.s, d->zone.n);
            ok = false;
        } else {
            t->timezone = d->zone;
        }
    }
    if (d->cond) {
        if (!word_is(&d->where, "where")) {
            cbrdiag_error(c, d->where_loc, "syntax", "expected `where`, `per` or `timezone` after the tally, found `%s`",
                          d->where.s);
            cbrsuggest(c, d->where.s, d->where.n, (const char *const[]){"where"}, 1);
            ok = false;
        }
        s->in_tally = true;
        cbrtype ct = cbrtc_expr(s, d->cond);
        s->in_tally = false;
        if (ct != T_ERROR && ct != T_BOOL) {
            cbrdiag_error(c, d->cond->loc, "type", "the condition after `where` must be true or false (bool), found %s",
                          cbrtype_name(ct));
            ok = false;
        } else if (ct == T_ERROR) {
            ok = false;
        }
        const cbrexpr *hit = ok ? reads_tally(s, d->cond, 0) : NULL;
        if (hit) {
            cbrdiag_error(c, hit->loc, "tally-reads-tally", "the `where` of tally `%s` reads %s `%s`",
                          t->item->name.s, hit->sym == SYM_TALLY ? "tally" : "let", hit->u.name.s);
            cbrdiag_hint(c, "every tally counts a purchase before any is read, so a tally's condition cannot depend on one");
            ok = false;
        }
        if (ok && d->cond->depth <= c->cfg.limits.max_expr_depth &&
            cbrtc_size(s, d->cond) > CBRSEMA_MAX_CONDITION_SIZE) {
            cbrdiag_error(c, d->cond->loc, "limit-condition-size",
                          "this condition grows past %u operations once its lets are written out",
                          CBRSEMA_MAX_CONDITION_SIZE);
            ok = false;
        }
    }
    t->type = ok ? (t->kind == TALLY_COUNT ? T_INT : T_MONEY) : T_ERROR;
}

void cbrtally_check_all(cbrsema_ctx *s)
{
    for (unsigned i = 0; i < s->m->ntallies; i++)
        check_one(s, &s->m->tallies[i]);
}

cbrtype cbrtally_read(cbrsema_ctx *s, cbrexpr *e)
{
    cbrtally *t = &s->m->tallies[e->sym_index];
    /* Inside a tally's condition (or a let it names) the tally may not be
     * checked yet: its kind word gives the type, and check_one reports the
     * read once, naming the tally it is in. */
    t->used = true; /* read, even where it may not be: one error, not a warning too */
    if (s->in_tally)
        return e->type = word_is(&t->item->u.tally.kind, "sum") ? T_MONEY : T_INT;
    return e->type = t->type;
}

void cbrtally_warn_unused(cbrsema_ctx *s)
{
    for (unsigned i = 0; s->m->noffers > 0 && i < s->m->ntallies; i++)
        if (!s->m->tallies[i].used && s->m->tallies[i].type != T_ERROR)
            cbrdiag_warning(s->c, s->m->tallies[i].item->name_loc, "unused-tally", "tally `%s` is never read",
                            s->m->tallies[i].item->name.s);
}
