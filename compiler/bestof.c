/* bestof.c: the checks of best-of groups (`exclusive "G" best`).
 *
 * A best-of group is settled as a whole where its first member comes up,
 * so a group is best-of on every member or on none: a group half best-of
 * has no one meaning, and is refused naming one offer of each kind. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "compiler/semaint.h"

bool cbrsema_best_word(cbrsema_ctx *s, const cbrattr *a)
{
    const cbrstr *w = &a->u.excl.word;
    if (w->n == 4 && memcmp(w->s, "best", 4) == 0)
        return true;
    cbrdiag_error(s->c, a->u.excl.word_loc, "bad-attribute",
                  "expected `best` or nothing after the group of `exclusive \"%s\"`, found `%s`", a->u.excl.g.s,
                  w->s);
    cbrsuggest(s->c, w->s, w->n, (const char *const[]){"best"}, 1);
    return false;
}

static void where(cbr_compiler *c, cbrloc loc, char *buf, size_t n)
{
    unsigned line, col;
    cbrdiag_linecol(c, loc.file, loc.start, &line, &col);
    snprintf(buf, n, "%s:%u:%u", c->src[loc.file].name, line, col);
}

void cbrsema_best_groups(cbrsema_ctx *s)
{
    cbrsema *m = s->m;
    cbrmap first = {0};         /* group -> its first offer, or noffers once reported */
    for (unsigned i = 0; i < m->noffers; i++) {
        const cbroffer *o = &m->offers[i];
        if (!o->exclusive.s || o->exclusive.n == 0)
            continue;
        int f = cbrmap_get(&first, o->exclusive.s, o->exclusive.n);
        if (f < 0) {
            if (!cbrmap_put(s->c, &first, o->exclusive.s, o->exclusive.n, (int)i))
                return;
            continue;
        }
        if ((unsigned)f >= m->noffers)
            continue;
        const cbroffer *p = &m->offers[f];
        if (p->best == o->best)
            continue;
        const cbroffer *with = o->best ? o : p, *without = o->best ? p : o;
        char w[300];
        cbrdiag_error(s->c, o->exclusive_loc, "best-mixed",
                      "exclusive group \"%s\" is best-of on offer `%s` but not on offer `%s`: all of its offers say `best`, or none do",
                      o->exclusive.s, with->id.s, without->id.s);
        where(s->c, p->exclusive_loc, w, sizeof w);
        cbrdiag_hint(s->c, "offer `%s` says `exclusive \"%s\"%s` at %s", p->id.s, p->exclusive.s,
                     p->best ? " best" : "", w);
        /* One report a group: a reported group's value is no offer. */
        if (!cbrmap_put(s->c, &first, o->exclusive.s, o->exclusive.n, (int)m->noffers))
            return;
    }
}
