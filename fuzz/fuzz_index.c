/* fuzz_index.c: libFuzzer target, three-way differential: a reference
 * evaluator, the VM without the cross-offer index, and the VM with it.
 *
 * The bytes are read as choices, not as text.  They pick a model of a
 * program and of a batch:
 *   - the program always compiles: offers over merchant, mcc, channel,
 *     country, amount, weekday, a declared field and a table set, in `==`,
 *     `!=`, `in`, `not in`, `and`, `or` and `not`, with lets, valid windows,
 *     priorities, exclusive and best-of groups, count limits and several
 *     clauses;
 *   - the batch holds transactions over the same values, some missing, some
 *     of values no offer names, and copies of earlier tids.
 * The model is printed as cbr source and compiled by libcbr.  It is also
 * evaluated here, by reference(): the contract's rules read off the model
 * itself (three-valued conditions, first hit, rounding down, caps,
 * priority then id, exclusive groups, best-of, limits, duplicates).  The
 * reference shares no code with the compiler or the VM.
 *
 * The batch is evaluated on two contexts, made with CBR_INDEX=on and
 * CBR_INDEX=off in the environment, and a fourth time as `cbrc run --jobs`
 * evaluates: cut into small batches on contexts over one store, all
 * evaluated before any is settled.  All must give the same awards: rows,
 * offers, clauses and amounts, in order.  Any difference aborts and prints
 * the program. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz/fuzz.h"

typedef struct bytes {
    const uint8_t *p;
    size_t n, at;
} bytes;

/* The next choice; zeros once the bytes run out, so every input is a program. */
static unsigned pick(bytes *b, unsigned n)
{
    unsigned v = b->at < b->n ? b->p[b->at++] : 0;
    return n ? v % n : 0;
}

/* ---- the vocabulary ---- */

static const char *const merchants[] = {"Acme", "Bolt", "Café Nuit", "Dune", "Echo"};
static const int mccs[] = {5411, 5812, 4111, 5999};
static const char *const channels[] = {"pos", "online", "contactless"};
static const char *const countries[] = {"US", "DE", "FR"};
static const char *const tiers[] = {"gold", "silver", "basic"};
#define N(a) (sizeof a / sizeof *a)
/* The table set `partners`: merchants 0 and 3. */
static bool partner(int m) { return m == 0 || m == 3; }

/* Fields of a row, as indexes into the vocabulary; MISSING, or UNKNOWN
 * (a value the rules never name). */
enum { MISSING = -1, UNKNOWN = -2 };
enum { F_MERCHANT, F_MCC, F_CHANNEL, F_COUNTRY, F_TIER, NF };

/* ---- the model of a program ---- */

typedef enum { A_EQ, A_NE, A_IN, A_NOTIN, A_AMOUNT, A_WEEKEND, A_PARTNER, A_NOTPARTNER, A_LET,
               C_AND, C_OR, C_NOT } kind;

typedef struct node {
    kind k;
    int field;          /* A_EQ .. A_NOTIN */
    int vals[3], nvals; /* indexes into the field's vocabulary */
    int amount;         /* A_AMOUNT: whole units */
    int let;            /* A_LET */
    struct node *a, *b;
} node;

typedef struct clause {
    node *cond;
    int kind;           /* 0 P%, 1 fixed, 2 P% up to CAP */
    int pct, fixed, cap; /* fixed in minor units, cap in whole units */
} clause;

typedef struct offer {
    int valid_from, valid_to; /* days of March 2026; 0 none */
    int group;          /* -1 none, 0 "g0", 1 "g1" (best) */
    int priority;
    int limit;          /* 0 none: at most this many awards per user */
    clause clauses[3];
    int nclauses;
} offer;

typedef struct model {
    node pool[512];
    int nnodes;
    node *lets[3];
    int nlets;
    offer offers[8];
    int noffers;
} model;

static node *new_node(model *m, kind k)
{
    node *n = m->nnodes < (int)N(m->pool) ? &m->pool[m->nnodes++] : NULL;
    if (n) {
        memset(n, 0, sizeof *n);
        n->k = k;
    }
    return n;
}

static unsigned vocab_size(int field)
{
    static const unsigned sizes[NF] = {N(merchants), N(mccs), N(channels), N(countries), N(tiers)};
    return sizes[field];
}

static node *atom(model *m, bytes *b, int nlets)
{
    static const int field_of[] = {F_MERCHANT, F_MERCHANT, F_MERCHANT, F_MERCHANT, F_MCC, F_MCC,
                                   F_CHANNEL, F_COUNTRY, F_TIER};
    static const kind kind_of[] = {A_EQ, A_NE, A_IN, A_NOTIN, A_EQ, A_IN, A_EQ, A_IN, A_EQ};
    unsigned c = pick(b, 13);
    node *n;
    if (c < N(field_of)) {
        n = new_node(m, kind_of[c]);
        if (!n)
            return NULL;
        n->field = field_of[c];
        unsigned size = vocab_size(n->field), first = pick(b, size);
        n->nvals = n->k == A_IN || n->k == A_NOTIN ? 1 + (int)pick(b, 3) : 1;
        for (int i = 0; i < n->nvals; i++)
            n->vals[i] = (int)((first + (unsigned)i) % size);
        return n;
    }
    if (c == 9) {
        n = new_node(m, A_AMOUNT);
        if (n)
            n->amount = (int)pick(b, 60);
        return n;
    }
    if (c == 10)
        return new_node(m, A_WEEKEND);
    if (c == 11)
        return new_node(m, pick(b, 2) ? A_PARTNER : A_NOTPARTNER);
    if (!nlets) {
        n = new_node(m, A_NE);
        if (n)
            n->field = F_MCC, n->vals[0] = 3, n->nvals = 1;
        return n;
    }
    n = new_node(m, A_LET);
    if (n)
        n->let = (int)pick(b, (unsigned)nlets);
    return n;
}

static node *cond(model *m, bytes *b, int depth, int nlets)
{
    unsigned k = depth < 3 ? pick(b, 5) : 0;
    if (k == 1 || k == 2 || k == 3) {
        node *n = new_node(m, k == 1 ? C_AND : k == 2 ? C_OR : C_NOT);
        if (!n)
            return atom(m, b, nlets);
        n->a = cond(m, b, depth + 1, nlets);
        n->b = k == 3 ? NULL : cond(m, b, depth + 1, nlets);
        if (!n->a || (k != 3 && !n->b))
            return NULL;
        return n;
    }
    return atom(m, b, nlets);
}

static bool make_model(model *m, bytes *b)
{
    memset(m, 0, sizeof *m);
    m->nlets = (int)pick(b, 3);
    for (int i = 0; i < m->nlets; i++)
        if (!(m->lets[i] = cond(m, b, 1, i)))
            return false;
    m->noffers = 1 + (int)pick(b, 8);
    for (int o = 0; o < m->noffers; o++) {
        offer *of = &m->offers[o];
        if (pick(b, 4) == 0) {
            of->valid_from = 1 + (int)pick(b, 10);
            of->valid_to = 10 + (int)pick(b, 20);
        }
        of->group = pick(b, 3) == 0 ? (int)pick(b, 2) : -1;
        of->priority = pick(b, 3) == 0 ? (int)pick(b, 4) : 0;
        of->limit = pick(b, 4) == 0 ? 1 + (int)pick(b, 3) : 0;
        of->nclauses = 1 + (int)pick(b, 3);
        for (int c = 0; c < of->nclauses; c++) {
            clause *cl = &of->clauses[c];
            if (!(cl->cond = cond(m, b, 0, m->nlets)))
                return false;
            cl->kind = (int)pick(b, 3);
            cl->pct = 1 + (int)pick(b, 20);
            cl->fixed = (int)pick(b, 5) * 100 + (int)pick(b, 100);
            cl->cap = 1 + (int)pick(b, 5);
        }
    }
    return true;
}

/* ---- printing it as cbr ---- */

typedef struct text {
    char *p;
    size_t n, cap;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    if (!t->p) {
        t->p = malloc(t->cap = 256);
        CBRFUZZ_CHECK(t->p != NULL, "out of memory");
    }
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap);
        va_end(ap);
        if (k >= 0 && (size_t)k < t->cap - t->n) {
            t->n += (size_t)k;
            return;
        }
        size_t nc = t->cap * 2 + (k > 0 ? (size_t)k : 0) + 256;
        char *q = realloc(t->p, nc);
        CBRFUZZ_CHECK(q != NULL, "out of memory");
        t->p = q;
        t->cap = nc;
    }
}

static const char *const field_names[NF] = {"merchant", "mcc", "channel", "country", "tier"};

/* The text of a string field's value v. */
static const char *word(int field, int v)
{
    return field == F_MERCHANT ? merchants[v] : field == F_CHANNEL ? channels[v]
         : field == F_COUNTRY ? countries[v] : tiers[v];
}

static void put_value(text *t, int field, int v)
{
    if (field == F_MCC)
        put(t, "%d", mccs[v]);
    else
        put(t, "\"%s\"", word(field, v));
}

static void print_cond(text *t, const node *n)
{
    switch (n->k) {
    case A_EQ: case A_NE:
        put(t, "%s %s ", field_names[n->field], n->k == A_EQ ? "==" : "!=");
        put_value(t, n->field, n->vals[0]);
        break;
    case A_IN: case A_NOTIN:
        put(t, "%s %s [", field_names[n->field], n->k == A_IN ? "in" : "not in");
        for (int i = 0; i < n->nvals; i++) {
            put(t, i ? ", " : "");
            put_value(t, n->field, n->vals[i]);
        }
        put(t, "]");
        break;
    case A_AMOUNT: put(t, "amount >= %d.00", n->amount); break;
    case A_WEEKEND: put(t, "weekday in [SAT, SUN]"); break;
    case A_PARTNER: put(t, "merchant in partners"); break;
    case A_NOTPARTNER: put(t, "merchant not in partners"); break;
    case A_LET: put(t, "l%d", n->let); break;
    case C_AND: case C_OR:
        put(t, "(");
        print_cond(t, n->a);
        put(t, n->k == C_AND ? " and " : " or ");
        print_cond(t, n->b);
        put(t, ")");
        break;
    case C_NOT:
        put(t, "not (");
        print_cond(t, n->a);
        put(t, ")");
        break;
    }
}

static void print_model(text *t, const model *m)
{
    put(t, "field tier: string\n");
    put(t, "table partners: string = [\"Acme\", \"Dune\"]\n");
    for (int i = 0; i < m->nlets; i++) {
        put(t, "let l%d = ", i);
        print_cond(t, m->lets[i]);
        put(t, "\n");
    }
    for (int o = 0; o < m->noffers; o++) {
        const offer *of = &m->offers[o];
        put(t, "offer \"o%d\" {\n", o);
        if (of->valid_from)
            put(t, "    valid 2026-03-%02d to 2026-03-%02d\n", of->valid_from, of->valid_to);
        if (of->group >= 0) /* g1 is a best-of group, g0 is not: all their offers say so */
            put(t, "    exclusive \"g%d\"%s\n", of->group, of->group ? " best" : "");
        if (of->priority)
            put(t, "    priority %d\n", of->priority);
        if (of->limit)
            put(t, "    limit %d per user\n", of->limit);
        for (int c = 0; c < of->nclauses; c++) {
            const clause *cl = &of->clauses[c];
            put(t, "    when ");
            print_cond(t, cl->cond);
            if (cl->kind == 0)
                put(t, " then cashback %d%%\n", cl->pct);
            else if (cl->kind == 1)
                put(t, " then cashback %d.%02d\n", cl->fixed / 100, cl->fixed % 100);
            else
                put(t, " then cashback %d%% up to %d.00\n", cl->pct, cl->cap);
        }
        put(t, "}\n");
    }
}

/* ---- the model of a batch ---- */

typedef struct row {
    int tid, user;
    int64_t amount;     /* minor units; every currency here has two digits */
    bool eur;
    int day, hour, minute; /* of March 2026, UTC */
    int f[NF];          /* MISSING, UNKNOWN or an index */
} row;

static int make_rows(row *rows, int max, bytes *b)
{
    int n = 1 + (int)pick(b, (unsigned)max);
    for (int r = 0; r < n; r++) {
        row *w = &rows[r];
        w->tid = pick(b, 4) == 0 && r ? rows[r - 1 - (int)pick(b, (unsigned)r)].tid : r;
        w->user = (int)pick(b, 5);
        w->amount = (int64_t)pick(b, 80) * 100 + pick(b, 100);
        w->eur = pick(b, 8) == 0;
        w->day = 1 + (int)pick(b, 28);
        w->hour = (int)pick(b, 24);
        w->minute = (int)pick(b, 60);
        for (int f = 0; f < NF; f++) {
            unsigned c = pick(b, 16);
            w->f[f] = c == 0 ? MISSING : c == 1 && f != F_CHANNEL && f != F_TIER ? UNKNOWN
                                                                                : (int)pick(b, vocab_size(f));
        }
    }
    return n;
}

static cbr_batch *batch_of(const cbr_program *p, const row *rows, int n, text *s)
{
    cbr_batch *bt;
    if (cbr_batch_new(p, (size_t)n, &bt, NULL) != CBR_OK)
        return NULL;
    for (int r = 0; r < n; r++) {
        const row *w = &rows[r];
        cbr_error err;
        CBRFUZZ_CHECK(cbr_batch_begin_row(bt, &err) == CBR_OK, "begin_row: %s", err.message);
        size_t nf = cbr_program_field_count(p);
        for (size_t f = 0; f < nf; f++) {
            if (!cbr_program_field_is_input(p, f))
                continue;
            const char *name = cbr_program_field_name(p, f);
            s->n = 0;
            int which = -1;
            for (int k = 0; k < NF; k++)
                if (!strcmp(name, field_names[k]))
                    which = k;
            if (!strcmp(name, "tid"))
                put(s, "t%d", w->tid);
            else if (!strcmp(name, "user_id"))
                put(s, "u%d", w->user);
            else if (!strcmp(name, "amount"))
                put(s, "%lld.%02lld", (long long)(w->amount / 100), (long long)(w->amount % 100));
            else if (!strcmp(name, "currency"))
                put(s, "%s", w->eur ? "EUR" : "USD");
            else if (!strcmp(name, "timestamp"))
                put(s, "2026-03-%02dT%02d:%02d:00Z", w->day, w->hour, w->minute);
            else if (which < 0 || w->f[which] == MISSING)
                continue;
            else if (w->f[which] == UNKNOWN)
                put(s, "%s", which == F_MCC ? "7011" : which == F_COUNTRY ? "JP" : "Zed");
            else if (which == F_MCC)
                put(s, "%d", mccs[w->f[which]]);
            else
                put(s, "%s", word(which, w->f[which]));
            CBRFUZZ_CHECK(cbr_batch_set(bt, f, s->p, s->n, &err) == CBR_OK, "%s: %s", name, err.message);
        }
        CBRFUZZ_CHECK(cbr_batch_end_row(bt, NULL, &err) == CBR_OK, "end_row: %s", err.message);
    }
    return bt;
}

/* ---- the reference evaluator ---- */

enum { NO = 0, YES = 1, UNK = 2 };

/* 1 March 2026 is a Sunday. */
static bool weekend(int day) { return (day - 1) % 7 == 0 || (day - 1) % 7 == 6; }

static int truth(const model *m, const node *n, const row *w)
{
    switch (n->k) {
    case A_EQ: case A_NE: case A_IN: case A_NOTIN: {
        int v = w->f[n->field];
        if (v == MISSING)
            return UNK;
        bool in = false;
        for (int i = 0; i < n->nvals; i++)
            in |= v == n->vals[i];
        return (n->k == A_EQ || n->k == A_IN) ? in : !in;
    }
    case A_AMOUNT: return w->amount >= (int64_t)n->amount * 100;
    case A_WEEKEND: return weekend(w->day);
    case A_PARTNER: case A_NOTPARTNER: {
        int v = w->f[F_MERCHANT];
        if (v == MISSING)
            return UNK;
        bool in = v >= 0 && partner(v);
        return n->k == A_PARTNER ? in : !in;
    }
    case A_LET: return truth(m, m->lets[n->let], w);
    case C_AND: {
        int a = truth(m, n->a, w), b = truth(m, n->b, w);
        return a == NO || b == NO ? NO : a == UNK || b == UNK ? UNK : YES;
    }
    case C_OR: {
        int a = truth(m, n->a, w), b = truth(m, n->b, w);
        return a == YES || b == YES ? YES : a == UNK || b == UNK ? UNK : NO;
    }
    case C_NOT: {
        int a = truth(m, n->a, w);
        return a == UNK ? UNK : !a;
    }
    }
    return UNK;
}

/* Offer o's reward for row w (minor units), and the clause that decided it;
 * 0 when none. */
static int64_t reward(const model *m, int o, const row *w, int *which)
{
    const offer *of = &m->offers[o];
    if (of->valid_from && (w->day < of->valid_from || w->day > of->valid_to))
        return 0;
    for (int c = 0; c < of->nclauses; c++) {
        const clause *cl = &of->clauses[c];
        if (truth(m, cl->cond, w) != YES)
            continue;
        /* First hit decides, even when its reward comes to nothing. */
        *which = c;
        if (w->amount <= 0)
            return 0;
        if (cl->kind == 1)
            return cl->fixed;
        int64_t r = w->amount * cl->pct / 100; /* rounded down: amounts are positive */
        if (cl->kind == 2 && r > (int64_t)cl->cap * 100)
            r = (int64_t)cl->cap * 100;
        return r;
    }
    return 0;
}

typedef struct award {
    int row, offer, clause;
    int64_t cashback;
} award;

/* The awards of the batch, settled in the contract's order. */
static int reference(const model *m, const row *rows, int nrows, award *out)
{
    int order[8], no = m->noffers, nout = 0;
    for (int i = 0; i < no; i++)
        order[i] = i;
    /* Priority, higher first; ties by id ("o0" < "o1" ...). */
    for (int i = 1; i < no; i++)
        for (int j = i; j > 0 && m->offers[order[j]].priority > m->offers[order[j - 1]].priority; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    int used[8][5] = {{0}};       /* awards per offer and user */
    bool kept[64 + 1] = {false};  /* tids in the ledger */
    for (int r = 0; r < nrows; r++) {
        const row *w = &rows[r];
        if (kept[w->tid])
            continue; /* a duplicate: counted nowhere */
        int64_t pre[8], cash[8];
        int cl[8];
        for (int o = 0; o < no; o++) {
            cl[o] = 0;
            cash[o] = pre[o] = reward(m, o, w, &cl[o]);
            /* What it would award after its limit. */
            if (cash[o] > 0 && m->offers[o].limit && used[o][w->user] >= m->offers[o].limit)
                cash[o] = 0;
        }
        bool group_done[2] = {false, false};
        int before = nout;
        for (int i = 0; i < no; i++) {
            int o = order[i], g = m->offers[o].group;
            /* Only candidates come up: offers with a reward before limits. */
            if (pre[o] <= 0 || (g >= 0 && group_done[g]))
                continue;
            if (g == 1) {
                /* Best of: the largest award of the group, ties in order, here. */
                int best = -1;
                for (int j = i; j < no; j++) {
                    int q = order[j];
                    if (m->offers[q].group == 1 && cash[q] > 0 && (best < 0 || cash[q] > cash[best]))
                        best = q;
                }
                group_done[1] = true;
                if (best < 0)
                    continue;
                o = best;
            } else if (cash[o] <= 0) {
                continue;
            } else if (g == 0) {
                group_done[0] = true;
            }
            out[nout++] = (award){r, o, cl[o], cash[o]};
            used[o][w->user]++;
        }
        if (nout > before)
            kept[w->tid] = true;
    }
    return nout;
}

/* ---- the VM, with and without the index ---- */

typedef struct run {
    cbr_status st;
    award *a;
    size_t n;
} run;

static void evaluate(const cbr_program *p, cbr_batch *bt, bool index, run *out)
{
    setenv("CBR_INDEX", index ? "on" : "off", 1);
    cbr_context *ctx = NULL;
    cbr_status st = cbr_context_new(p, 64, &ctx, NULL);
    unsetenv("CBR_INDEX");
    CBRFUZZ_CHECK(st == CBR_OK, "no context");
    cbr_error err;
    out->st = cbr_eval(ctx, bt, NULL, NULL, &err);
    CBRFUZZ_CHECK(out->st == CBR_OK, "cbr_eval (index %s): %s", index ? "on" : "off", err.message);
    const cbr_award *a = cbr_context_awards(ctx, &out->n);
    out->a = calloc(out->n + 1, sizeof *out->a);
    CBRFUZZ_CHECK(out->a != NULL, "out of memory");
    for (size_t i = 0; i < out->n; i++) {
        const char *id = cbr_program_offer_id(p, a[i].offer);
        out->a[i] = (award){(int)a[i].row, atoi(id + 1), (int)a[i].clause, a[i].cashback};
    }
    cbr_context_free(ctx);
}

/* As `cbrc run --jobs` does: the rows cut into batches of k, each on its
 * own context over one store, every batch evaluated before any is settled,
 * then all settled in input order.  Evaluating a program without tallies
 * reads nothing the settling of earlier batches changes, so this must
 * award what one batch does. */
static void evaluate_ahead(const cbr_program *p, const row *rows, int nrows, int k, text *s, run *out)
{
    enum { MAXB = 64 };
    cbr_context *ctx[MAXB];
    cbr_batch *bt[MAXB];
    int nb = (nrows + k - 1) / k;
    cbr_error err;
    for (int i = 0; i < nb; i++) {
        CBRFUZZ_CHECK(cbr_context_new(p, (size_t)k, &ctx[i], NULL) == CBR_OK, "no context");
        if (i > 0) {
            cbr_store own = cbr_state_store(cbr_context_state(ctx[0]));
            CBRFUZZ_CHECK(cbr_context_set_store(ctx[i], &own, NULL) == CBR_OK, "set_store");
        }
        int n = nrows - i * k < k ? nrows - i * k : k;
        bt[i] = batch_of(p, rows + i * k, n, s);
        CBRFUZZ_CHECK(bt[i] != NULL, "no batch");
        CBRFUZZ_CHECK(cbr_evaluate(ctx[i], bt[i], &err) == CBR_OK, "cbr_evaluate: %s", err.message);
    }
    out->n = 0;
    out->a = calloc((size_t)nrows * 8 + 1, sizeof *out->a);
    CBRFUZZ_CHECK(out->a != NULL, "out of memory");
    for (int i = 0; i < nb; i++) {
        CBRFUZZ_CHECK(cbr_settle(ctx[i], NULL, NULL, &err) == CBR_OK, "cbr_settle: %s", err.message);
        size_t n;
        const cbr_award *a = cbr_context_awards(ctx[i], &n);
        for (size_t j = 0; j < n; j++) {
            const char *id = cbr_program_offer_id(p, a[j].offer);
            CBRFUZZ_CHECK(out->n < (size_t)nrows * 8, "more awards than room");
            out->a[out->n++] = (award){i * k + (int)a[j].row, atoi(id + 1), (int)a[j].clause, a[j].cashback};
        }
    }
    for (int i = 0; i < nb; i++) {
        cbr_batch_free(bt[i]);
        cbr_context_free(ctx[i]);
    }
}

static void same(const char *what, const award *x, size_t nx, const award *y, size_t ny, const text *src)
{
    CBRFUZZ_CHECK(nx == ny, "%zu awards from the reference, %zu from %s\n%.*s", nx, ny, what, (int)src->n,
                  src->p);
    for (size_t i = 0; i < nx; i++)
        CBRFUZZ_CHECK(x[i].row == y[i].row && x[i].offer == y[i].offer && x[i].clause == y[i].clause &&
                          x[i].cashback == y[i].cashback,
                      "award %zu: row %d o%d clause %d %lld from the reference, row %d o%d clause %d %lld from "
                      "%s\n%.*s",
                      i, x[i].row, x[i].offer, x[i].clause, (long long)x[i].cashback, y[i].row, y[i].offer,
                      y[i].clause, (long long)y[i].cashback, what, (int)src->n, src->p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bytes b = {data, size, 0};
    static model m;
    if (!make_model(&m, &b))
        return 0; /* more nodes than the pool holds */
    row rows[64];
    int nrows = make_rows(rows, 64, &b);
    text src = {0}, scratch = {0};
    print_model(&src, &m);
    cbr_compiler *c;
    if (cbr_compiler_new(NULL, &c, NULL) != CBR_OK)
        return 0;
    cbr_compiler_add_source(c, "index.cbr", src.p, src.n, NULL);
    cbr_program *p = NULL;
    cbr_error err;
    if (cbr_compiler_check(c, NULL) != CBR_OK || cbr_compiler_program(c, &p, &err) != CBR_OK) {
        /* Every program this makes is meant to compile: one that does not
         * is a bug of the generator, shown with its source. */
        const char *why = cbr_compiler_diagnostic_count(c) ? cbr_compiler_diagnostic(c, 0)->message : "";
        cbrfuzz_fail("the generated program does not compile: %s\n%.*s", why, (int)src.n, src.p);
    }
    cbr_batch *bt = batch_of(p, rows, nrows, &scratch);
    CBRFUZZ_CHECK(bt != NULL, "no batch");
    award want[64 * 8];
    int nwant = reference(&m, rows, nrows, want);
    run on, off;
    evaluate(p, bt, false, &off);
    same("the VM without the index", want, (size_t)nwant, off.a, off.n, &src);
    evaluate(p, bt, true, &on);
    same("the VM with the index", want, (size_t)nwant, on.a, on.n, &src);
    run ahead;
    evaluate_ahead(p, rows, nrows, 1 + nrows % 3, &scratch, &ahead);
    same("the VM in batches evaluated ahead of their settling", want, (size_t)nwant, ahead.a, ahead.n, &src);
    free(ahead.a);
    free(on.a);
    free(off.a);
    cbr_batch_free(bt);
    cbr_program_free(p);
    cbr_compiler_free(c);
    free(src.p);
    free(scratch.p);
    return 0;
}
