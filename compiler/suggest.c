/* suggest.c: "did you mean ...?" for unknown names, by edit distance. */
#include "config.h"
#include <ctype.h>
#include <string.h>
#include "compiler/semaint.h"

unsigned cbrsema_distance(const char *a, size_t na, const char *b, size_t nb, unsigned max)
{
    enum { MAXLEN = 64 };
    if (na > MAXLEN || nb > MAXLEN)
        return max + 1;
    if ((na > nb ? na - nb : nb - na) > max)
        return max + 1;
    unsigned d[MAXLEN + 1][MAXLEN + 1];
    for (size_t i = 0; i <= na; i++)
        d[i][0] = (unsigned)i;
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = (unsigned)j;
    for (size_t i = 1; i <= na; i++) {
        unsigned rowmin = max + 1;
        for (size_t j = 1; j <= nb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            unsigned cost = ca != cb;
            unsigned v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
            if (v < rowmin)
                rowmin = v;
        }
        if (rowmin > max)
            return max + 1;
    }
    return d[na][nb];
}

/* A candidate scores when it is within a third of the length (at least 1),
 * or when one is a prefix of the other and the shorter has 3+ letters
 * (FRIDAY -> FRI, merch -> merchant). */
static unsigned score(const char *name, size_t n, const char *cand)
{
    size_t cn = strlen(cand);
    size_t shorter = n < cn ? n : cn;
    unsigned max = (unsigned)(shorter / 3 > 1 ? shorter / 3 : 1);
    unsigned dist = cbrsema_distance(name, n, cand, cn, max);
    if (dist <= max)
        return dist;
    if (shorter >= 3 && strncasecmp(name, cand, shorter) == 0)
        return max;
    return 1000;
}

void cbrsuggest(cbr_compiler *c, const char *name, size_t n, const char *const *cands, size_t ncand)
{
    const char *best = NULL;
    unsigned bs = 1000;
    for (size_t i = 0; i < ncand; i++) {
        if (!cands[i] || (strlen(cands[i]) == n && memcmp(cands[i], name, n) == 0))
            continue;
        unsigned sc = score(name, n, cands[i]);
        if (sc < bs) {
            bs = sc;
            best = cands[i];
        }
    }
    if (best)
        cbrdiag_hint(c, "did you mean `%s`?", best);
}

void cbrsuggest_map(cbr_compiler *c, const char *name, size_t n, const cbrmap *m, int kind)
{
    const char *best = NULL;
    unsigned bs = 1000;
    for (uint32_t i = 0; i < m->cap; i++) {
        const cbrmap_slot *sl = &m->slots[i];
        if (!sl->key || (kind >= 0 && (int)NAMEKIND(sl->value) != kind))
            continue;
        if (sl->n == n && memcmp(sl->key, name, n) == 0)
            continue;
        unsigned sc = score(name, n, sl->key);
        if (sc < bs || (sc == bs && best && strcmp(sl->key, best) < 0)) {
            bs = sc;
            best = sl->key;
        }
    }
    if (best)
        cbrdiag_hint(c, "did you mean `%s`?", best);
}
