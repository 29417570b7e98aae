/* suggest.c: "did you mean ...?" for unknown names, by edit distance, and for
 * unknown time zones (the names under the zoneinfo directory, read only when
 * one is reported) and currency codes (the ISO 4217 table in stdlib). */
#include "config.h"
#include <ctype.h>
#include <string.h>
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include "compiler/semaint.h"
#include "stdlib/currency.h"
#include "stdlib/tz.h"

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
    const char *best = cbrsuggest_map_find(name, n, m, kind);
    if (best)
        cbrdiag_hint(c, "did you mean `%s`?", best);
}

const char *cbrsuggest_map_find(const char *name, size_t n, const cbrmap *m, int kind)
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
    return best;
}

/* ---- time zones ---- */

/* How far a zone name may be from the one written: a fifth of its length,
 * at least 1 (a case-only difference is 0). */
static unsigned zone_max(size_t n) { return n / 5 > 1 ? (unsigned)(n / 5) : 1; }

/* The distance of name to zone z: the whole name, or (when name has no `/`)
 * the city after z's last `/`, so "new_york" finds "America/New_York". */
static unsigned zone_score(const char *name, size_t n, const char *z)
{
    size_t zn = strlen(z);
    unsigned max = zone_max(n);
    unsigned d = cbrsema_distance(name, n, z, zn, max);
    if (!memchr(name, '/', n)) {
        const char *city = strrchr(z, '/');
        if (city) {
            unsigned dc = cbrsema_distance(name, n, city + 1, zn - (size_t)(city + 1 - z), max);
            if (dc < d)
                d = dc;
        }
    }
    return d;
}

const char *cbrsuggest_zone_pick(const char *name, size_t n, const char *const *zones, size_t nzones)
{
    const char *best = NULL;
    unsigned bs = zone_max(n) + 1;
    for (size_t i = 0; i < nzones; i++) {
        if (strlen(zones[i]) == n && memcmp(zones[i], name, n) == 0)
            continue;
        unsigned sc = zone_score(name, n, zones[i]);
        /* Ties go to the shorter name, then byte order: "America/Indianapolis"
         * before "America/Indiana/Indianapolis". */
        if (sc < bs || (sc == bs && best &&
                        (strlen(zones[i]) < strlen(best) ||
                         (strlen(zones[i]) == strlen(best) && strcmp(zones[i], best) < 0)))) {
            bs = sc;
            best = zones[i];
        }
    }
    return best;
}

/* Zone names are read from the zoneinfo directory only when an unknown zone
 * is reported, once per check, and within these bounds. */
enum { ZONE_MAX_NAMES = 4096, ZONE_MAX_DEPTH = 3, ZONE_MAX_ENTRIES = 16384, ZONE_NAME_MAX = 64 };

typedef struct zscan {
    cbrsema_ctx *s;
    unsigned cap, entries;
} zscan;

static bool zone_char_ok(const char *d)
{
    for (; *d; d++)
        if (!((*d >= 'A' && *d <= 'Z') || (*d >= 'a' && *d <= 'z') || (*d >= '0' && *d <= '9') ||
              *d == '_' || *d == '-' || *d == '+'))
            return false;
    return true;
}

static void zone_walk(zscan *z, const char *root, char *rel, size_t rn, int depth)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%.*s", root, (int)rn, rel);
    DIR *dir = opendir(path);
    if (!dir)
        return;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL && z->entries < ZONE_MAX_ENTRIES && z->s->nzones < ZONE_MAX_NAMES) {
        z->entries++;
        const char *d = de->d_name;
        size_t dn = strlen(d);
        /* IANA names start with a capital ("America", "UTC", "Etc/GMT+5");
         * posix/, right/, zone.tab and the like do not. */
        if (!(d[0] >= 'A' && d[0] <= 'Z') || !zone_char_ok(d) || rn + 1 + dn > ZONE_NAME_MAX)
            continue;
        char sub[ZONE_NAME_MAX + 2];
        size_t sn = rn ? (size_t)snprintf(sub, sizeof sub, "%.*s/%s", (int)rn, rel, d)
                       : (size_t)snprintf(sub, sizeof sub, "%s", d);
        char full[4300];
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat st;
        if (stat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth + 1 < ZONE_MAX_DEPTH)
                zone_walk(z, root, sub, sn, depth + 1);
            continue;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        char *name = cbrcomp_strdup(z->s->c, sub, sn);
        void *p = name ? cbrarena_grow(&z->s->c->arena, z->s->zones, sizeof *z->s->zones, &z->cap,
                                       z->s->nzones + 1)
                       : NULL;
        if (!p)
            break;
        z->s->zones = p;
        z->s->zones[z->s->nzones++] = name;
    }
    closedir(dir);
}

void cbrsuggest_zone(cbrsema_ctx *s, const char *name, size_t n)
{
    if (!s->zones_read) {
        s->zones_read = true;
        zscan z = {s, 0, 0};
        char rel[1] = "";
        zone_walk(&z, cbrtz_dir(s->c->cfg.zoneinfo_dir), rel, 0, 0);
    }
    const char *best = cbrsuggest_zone_pick(name, n, s->zones, s->nzones);
    /* Only a real zone file is offered (not a stray text file). */
    if (best && cbrtz_exists(s->c->cfg.zoneinfo_dir, best))
        cbrdiag_hint(s->c, "did you mean \"%s\"?", best);
    else
        cbrdiag_hint(s->c, "time zones are IANA names such as \"America/New_York\" or \"UTC\"");
}

/* ---- currency codes ---- */

const char *cbrsuggest_currency(const char *code, size_t n)
{
    if (n < 2 || n > 4)
        return NULL;
    char u[4] = {0};
    for (size_t j = 0; j < n && j < 3; j++)
        u[j] = (char)toupper((unsigned char)code[j]);
    const char *best = NULL;
    unsigned bs = 3, nbest = 0;
    for (size_t i = 0; i < cbrcur_count(); i++) {
        const char *k = cbrcur_code(i);
        unsigned rank;
        if (n == 3 && memcmp(u, k, 3) == 0)
            rank = 0; /* usd: only the case differs */
        else if (cbrsema_distance(code, n, k, 3, 1) > 1)
            continue;
        else if (n == 3 && (u[0] + u[1] + u[2]) == (k[0] + k[1] + k[2]) &&
                 ((u[0] == k[1] && u[1] == k[0]) || (u[1] == k[2] && u[2] == k[1])))
            rank = 1; /* UDS: two letters swapped */
        else
            rank = 2; /* a letter changed, added or dropped */
        if (rank < bs) {
            bs = rank;
            best = k;
            nbest = 1;
        } else if (rank == bs) {
            nbest++;
        }
    }
    /* One fix or none: several codes a letter away are only a guess. */
    return nbest == 1 ? best : NULL;
}
