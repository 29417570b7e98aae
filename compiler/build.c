/* build.c: AST construction for the grammar actions (see build.h) and the
 * wording of syntax errors. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "compiler/build.h"
#include "compiler/lexer.h"

cbritem *cbrbuild_item(cbr_compiler *c, cbritem_kind kind, cbrloc loc, cbrstr name, cbrloc name_loc)
{
    cbritem *it = cbrcomp_alloc(c, sizeof *it);
    if (!it)
        return NULL;
    it->kind = kind;
    it->loc = loc;
    it->name = name;
    it->name_loc = name_loc;
    return it;
}

void cbrbuild_add_item(cbr_compiler *c, uint32_t file, cbritem *it)
{
    cbrsource *s = &c->src[file];
    if (s->last)
        s->last->next = it;
    else
        s->items = it;
    s->last = it;
}

bool cbrbuild_param(cbr_compiler *c, cbritem *ext, cbrtyperef t)
{
    void *p = cbrarena_grow(&c->arena, ext->u.ext.params, sizeof t, &ext->u.ext.cap, ext->u.ext.n + 1);
    if (!p)
        return cbrcomp_oom(c), false;
    ext->u.ext.params = p;
    ext->u.ext.params[ext->u.ext.n++] = t;
    return true;
}

bool cbrbuild_attr(cbr_compiler *c, cbrattrs *list, const cbrattr *a)
{
    void *p = cbrarena_grow(&c->arena, list->items, sizeof *a, &list->cap, list->n + 1);
    if (!p)
        return cbrcomp_oom(c), false;
    list->items = p;
    list->items[list->n++] = *a;
    return true;
}

void cbrbuild_attr_str(cbrattr *a, cbrattr_kind kind, cbrloc loc, cbrloc kw, cbrstr s)
{
    memset(a, 0, sizeof *a);
    a->kind = kind;
    a->loc = loc;
    a->kw_loc = kw;
    a->u.str = s;
}

bool cbrbuild_join(cbr_compiler *c, cbrstr *out, cbrstr a, const char *sep, cbrstr b)
{
    size_t ns = strlen(sep);
    char *p = cbrcomp_alloc(c, a.n + ns + b.n + 1);
    if (!p)
        return false;
    memcpy(p, a.s, a.n);
    memcpy(p + a.n, sep, ns);
    memcpy(p + a.n + ns, b.s, b.n);
    out->s = p;
    out->n = (uint32_t)(a.n + ns + b.n);
    return true;
}

void cbrbuild_amount(cbramount *out, const cbrval *num, cbrloc loc, const cbrstr *cur, cbrloc cur_loc)
{
    memset(out, 0, sizeof *out);
    if (num->type == T_INT) {
        out->value.m = num->u.i;
        out->value.scale = 0;
    } else {
        out->value = num->u.d;
        out->has_point = true;
    }
    out->loc = loc;
    out->cur_loc = cur_loc;
    if (cur) {
        out->word = *cur;
        /* Longer names are kept truncated-marked: sema reports them. */
        size_t n = cur->n < 3 ? cur->n : 3;
        memcpy(out->cur, cur->s, n);
        out->cur[n] = '\0';
        if (cur->n != 3)
            out->cur[0] = '?';
    }
}

bool cbrbuild_step(cbr_compiler *c, cbrsteps *steps, const cbrstep *st)
{
    void *p = cbrarena_grow(&c->arena, steps->items, sizeof *st, &steps->cap, steps->n + 1);
    if (!p)
        return cbrcomp_oom(c), false;
    steps->items = p;
    steps->items[steps->n++] = *st;
    return true;
}

bool cbrbuild_kv(cbr_compiler *c, cbrstep *st, const cbrgiven_kv *kv)
{
    void *p = cbrarena_grow(&c->arena, st->kvs, sizeof *kv, &st->kvcap, st->nkv + 1);
    if (!p)
        return cbrcomp_oom(c), false;
    st->kvs = p;
    st->kvs[st->nkv++] = *kv;
    return true;
}

static cbrexpr *node(cbr_compiler *c, cbrexpr_kind kind, cbrloc loc)
{
    cbrexpr *e = cbrcomp_alloc(c, sizeof *e);
    if (!e)
        return NULL;
    e->kind = kind;
    e->loc = loc;
    e->op_loc = loc;
    return e;
}

/* Sets e's depth from a child and reports the depth limit once, where the
 * tree first grows past it (deeper ancestors stay silent). */
static void deepen(cbr_compiler *c, cbrexpr *e, const cbrexpr *child)
{
    unsigned d = (unsigned)child->depth + 1;
    if (d > e->depth)
        e->depth = d > UINT16_MAX ? UINT16_MAX : (uint16_t)d;
    if (d == c->cfg.limits.max_expr_depth + 1)
        cbrdiag_error(c, e->loc, "limit-expr-depth",
                      "expression is nested more than %u levels deep",
                      c->cfg.limits.max_expr_depth);
}

static cbrloc span(cbrloc a, cbrloc b)
{
    cbrloc l = a;
    if (b.end > l.end)
        l.end = b.end;
    if (b.start < l.start)
        l.start = b.start;
    return l;
}

cbrexpr *cbrbuild_lit(cbr_compiler *c, const cbrval *v, cbrloc loc)
{
    cbrexpr *e = node(c, E_LIT, loc);
    if (e)
        e->value = *v;
    return e;
}

cbrexpr *cbrbuild_money(cbr_compiler *c, const cbrval *num, cbrstr cur, cbrloc loc, cbrloc cur_loc)
{
    cbrexpr *e = node(c, E_LIT, loc);
    if (!e)
        return NULL;
    cbramount a;
    cbrbuild_amount(&a, num, loc, &cur, cur_loc);
    e->value.type = T_MONEY;
    e->value.u.m.amount = a.value;
    memcpy(e->value.u.m.cur, a.cur, 4);
    e->op_loc = cur_loc; /* where a bad currency code is reported */
    e->u.name = cur;     /* a reward or cap of one amount gets it back */
    return e;
}

/* Whether e is one number or amount as written (no parentheses, no sign),
 * and if so that amount. */
static bool literal_amount(const cbrexpr *e, cbramount *out)
{
    if (e->kind != E_LIT || e->paren)
        return false;
    if (e->value.type == T_MONEY) {
        /* The number as the lexer gave it: 20 is an int, 20.00 a decimal. */
        cbrdec d = e->value.u.m.amount;
        cbrval num = {.type = d.scale ? T_DECIMAL : T_INT};
        if (d.scale)
            num.u.d = d;
        else
            num.u.i = d.m;
        cbrbuild_amount(out, &num, e->loc, &e->u.name, e->op_loc);
        return true;
    }
    if (e->value.type == T_INT || (e->value.type == T_DECIMAL && !e->value.is_percent)) {
        cbrbuild_amount(out, &e->value, e->loc, NULL, e->loc);
        return true;
    }
    return false;
}

void cbrbuild_reward(cbrreward *out, cbrexpr *value, cbrexpr *cap, cbrloc loc, cbrloc cap_loc)
{
    memset(out, 0, sizeof *out);
    out->loc = loc;
    out->cap_loc = cap_loc;
    if (!value)
        return;
    cbramount capamt;
    bool cap_literal = cap && literal_amount(cap, &capamt);
    out->has_cap = cap != NULL;
    if (cap && !cap_literal)
        out->cap = cap;
    if (value->kind == E_LIT && !value->paren && value->value.type == T_DECIMAL && value->value.is_percent) {
        out->kind = R_PERCENT;
        out->percent = value->value.u.d;
        if (cap_literal)
            out->amount = capamt;
        return;
    }
    if (literal_amount(value, &out->amount)) {
        out->kind = R_FIXED;
        if (cap_literal)
            out->fixed_cap = capamt;
        return;
    }
    out->kind = R_EXPR;
    out->expr = value;
    if (cap_literal)
        out->amount = capamt;
}

cbrexpr *cbrbuild_name(cbr_compiler *c, cbrexpr_kind kind, cbrstr name, cbrloc loc)
{
    cbrexpr *e = node(c, kind, loc);
    if (e)
        e->u.name = name;
    return e;
}

bool cbrbuild_arg(cbr_compiler *c, cbrexpr *call, cbrexpr *arg)
{
    void *p = cbrarena_grow(&c->arena, call->args.items, sizeof arg, &call->args.cap, call->args.n + 1);
    if (!p)
        return cbrcomp_oom(c), false;
    call->args.items = p;
    call->args.items[call->args.n++] = arg;
    deepen(c, call, arg);
    return true;
}

cbrexpr *cbrbuild_list(cbr_compiler *c, cbrexpr *first, cbrloc loc)
{
    cbrexpr *e = node(c, E_LIST, loc);
    if (e && first && !cbrbuild_list_add(c, e, first))
        return NULL;
    return e;
}

bool cbrbuild_list_add(cbr_compiler *c, cbrexpr *list, cbrexpr *x)
{
    if (list->u.list.n >= c->cfg.limits.max_list_items) {
        if (!list->truncated)
            cbrdiag_error(c, x->loc, "limit-list-items", "a list may hold at most %u elements",
                          c->cfg.limits.max_list_items);
        list->truncated = true; /* report once; the element is dropped */
        return true;
    }
    void *p = cbrarena_grow(&c->arena, list->u.list.items, sizeof x, &list->u.list.cap, list->u.list.n + 1);
    if (!p)
        return cbrcomp_oom(c), false;
    list->u.list.items = p;
    list->u.list.items[list->u.list.n++] = x;
    list->loc = span(list->loc, x->loc);
    deepen(c, list, x);
    return true;
}

static bool push(cbr_compiler *c, cbrexpr *e, cbrexpr *x)
{
    void *p = cbrarena_grow(&c->arena, e->u.list.items, sizeof x, &e->u.list.cap, e->u.list.n + 1);
    if (!p)
        return cbrcomp_oom(c), false;
    e->u.list.items = p;
    e->u.list.items[e->u.list.n++] = x;
    e->loc = span(e->loc, x->loc);
    deepen(c, e, x);
    return true;
}

cbrexpr *cbrbuild_nary(cbr_compiler *c, cbrexpr_kind kind, cbrexpr *a, cbrexpr *b, cbrloc op_loc)
{
    cbrexpr *e = a;
    if (a->kind != kind || a->paren) {
        e = node(c, kind, a->loc);
        if (!e || !push(c, e, a))
            return NULL;
        e->op_loc = op_loc;
    }
    return push(c, e, b) ? e : NULL;
}

cbrexpr *cbrbuild_unary(cbr_compiler *c, cbrexpr_kind kind, cbrexpr *a, cbrloc loc, cbrloc op_loc)
{
    cbrexpr *e = node(c, kind, loc);
    if (!e)
        return NULL;
    e->op_loc = op_loc;
    e->u.kids.a = a;
    deepen(c, e, a);
    return e;
}

cbrexpr *cbrbuild_binary(cbr_compiler *c, cbrbinop op, cbrexpr *a, cbrexpr *b, cbrloc op_loc)
{
    cbrexpr *e = node(c, E_BIN, span(a->loc, b->loc));
    if (!e)
        return NULL;
    e->op = op;
    e->op_loc = op_loc;
    e->u.kids.a = a;
    e->u.kids.b = b;
    deepen(c, e, a);
    deepen(c, e, b);
    return e;
}

cbrexpr *cbrbuild_in(cbr_compiler *c, bool negated, cbrexpr *a, cbrexpr *list, cbrloc op_loc)
{
    cbrexpr *e = node(c, E_IN, span(a->loc, list->loc));
    if (!e)
        return NULL;
    e->negated = negated;
    e->op_loc = op_loc;
    e->u.kids.a = a;
    e->u.kids.b = list;
    deepen(c, e, a);
    deepen(c, e, list);
    return e;
}

cbrexpr *cbrbuild_between(cbr_compiler *c, cbrexpr *x, cbrexpr *lo, cbrexpr *hi, cbrloc op_loc)
{
    cbrexpr *e = node(c, E_BETWEEN, span(x->loc, hi->loc));
    if (!e)
        return NULL;
    e->op_loc = op_loc;
    e->u.kids.a = x;
    e->u.kids.b = lo;
    e->u.kids.c = hi;
    deepen(c, e, x);
    deepen(c, e, lo);
    deepen(c, e, hi);
    return e;
}

/* ---- syntax errors ---- */

/* `then` for a keyword or punctuation; "an identifier" for the token
 * classes, whose Bison names are descriptions rather than spellings. */
static void token_name(const char *name, char *out, size_t n)
{
    static const char *const described[] = {"identifier", "string", "integer", "decimal number",
                                             "percent", "date", "instant", "end of file"};
    size_t len = strlen(name);
    if (len >= 2 && (name[0] == '"' || name[0] == '\'') && name[len - 1] == name[0]) {
        name++;
        len -= 2;
    }
    for (size_t i = 0; i < sizeof described / sizeof described[0]; i++)
        if (strlen(described[i]) == len && !strncmp(described[i], name, len)) {
            bool vowel = strchr("aeiou", name[0]) != NULL;
            snprintf(out, n, "%s %.*s", vowel ? "an" : "a", (int)len, name);
            return;
        }
    snprintf(out, n, "`%.*s`", (int)len, name);
}

/* What was found: the token's own text, shortened, or "end of file". */
static void found_text(cbr_lexer *lx, const cbrloc *loc, bool at_eof, char *out, size_t n)
{
    if (at_eof) {
        snprintf(out, n, "end of file");
        return;
    }
    const cbrsource *s = &lx->cc->src[loc->file];
    uint32_t a = loc->start, b = loc->end;
    if (b > s->len)
        b = s->len;
    if (a >= b) {
        snprintf(out, n, "end of file");
        return;
    }
    size_t len = b - a, max = 24;
    if (len > max) {
        /* cut on a character boundary */
        while (max > 0 && ((unsigned char)s->text[a + max] & 0xC0) == 0x80)
            max--;
        snprintf(out, n, "`%.*s...`", (int)max, s->text + a);
    } else {
        snprintf(out, n, "`%.*s`", (int)len, s->text + a);
    }
}

/* Whether the last word before byte `at` (across white space) of lx's
 * source is word; *start is then where that word starts. */
static bool word_before(cbr_lexer *lx, uint32_t file, size_t at, const char *word, size_t *start)
{
    const cbrsource *s = &lx->cc->src[file];
    size_t i = at <= s->len ? at : s->len, n = strlen(word);
    while (i > 0 && strchr(" \t\r\n", s->text[i - 1]))
        i--;
    if (i < n || memcmp(s->text + i - n, word, n) != 0)
        return false;
    char before = i > n ? s->text[i - n - 1] : ' ';
    *start = i - n;
    return !(before == '_' || (before >= 'a' && before <= 'z') || (before >= 'A' && before <= 'Z') ||
             (before >= '0' && before <= '9'));
}

static bool after_word(cbr_lexer *lx, const cbrloc *loc, const char *word)
{
    size_t at;
    return word_before(lx, loc->file, loc->start, word, &at);
}

static bool after_up_to(cbr_lexer *lx, const cbrloc *loc)
{
    size_t at;
    return word_before(lx, loc->file, loc->start, "to", &at) && word_before(lx, loc->file, at, "up", &at);
}

void cbrbuild_syntax_error(cbr_lexer *lx, const cbrloc *loc, bool at_eof, const char *found,
                           const char *const *names_, const int *kinds, int n)
{
    (void)found;
    char what[96];
    found_text(lx, loc, at_eof, what, sizeof what);
    int count[CBRSYM_EOF + 1] = {0};
    bool names = false;
    for (int i = 0; i < n; i++) {
        count[cbrparse_symbol_class(kinds[i])]++;
        names |= !strcmp(names_[i], "identifier") || !strcmp(names_[i], "\"identifier\"");
    }

    /* `10 < amount < 100`: say what is wrong, not just what was expected. */
    static const char *const cmps[] = {"`==`", "`!=`", "`<`", "`<=`", "`>`", "`>=`", "`~=`"};
    for (size_t i = 0; !at_eof && count[CBRSYM_OPERATOR] && i < sizeof cmps / sizeof cmps[0]; i++)
        if (!strcmp(what, cmps[i])) {
            cbrdiag_error(lx->cc, *loc, "chained-comparison",
                          "comparisons do not chain; join them with `and`, as in `10 < amount and amount < 100`");
            return;
        }
    /* `currency = "USD"` in a condition: a comparison was meant. */
    if (!at_eof && !strcmp(what, "`=`") && (count[CBRSYM_THEN] || count[CBRSYM_OPERATOR])) {
        cbrdiag_error(lx->cc, *loc, "assign-in-condition",
                      "`=` does not compare; a condition tests equality with `==`");
        cbrdiag_hint(lx->cc, "did you mean `==`?");
        return;
    }
    if (count[CBRSYM_THEN]) {
        cbrdiag_error(lx->cc, *loc, "syntax", "expected `then` after the condition, found %s", what);
        return;
    }
    if (count[CBRSYM_EXPR_START] && after_up_to(lx, loc)) {
        cbrdiag_error(lx->cc, *loc, "syntax",
                      "expected the cap after `up to`: an amount or a money expression, as in `up to 5.00`; found %s",
                      what);
        return;
    }
    if (count[CBRSYM_EXPR_START] && after_word(lx, loc, "cashback")) {
        cbrdiag_error(lx->cc, *loc, "syntax",
                      "expected the reward after `cashback`: a percent, an amount or a money expression, "
                      "as in `cashback 5%%`, `cashback 2.00` or `cashback amount * 2%%`; found %s", what);
        return;
    }
    /* Group long lists into what a rule author thinks in. */
    bool expr = count[CBRSYM_EXPR_START] >= 3 && names;
    bool oper = count[CBRSYM_OPERATOR] >= 3;
    bool attrs = count[CBRSYM_ATTRIBUTE] >= 3;
    bool top = count[CBRSYM_TOPLEVEL] >= 3;
    char parts[12][48];
    int np = 0;
    if (expr)
        snprintf(parts[np++], sizeof parts[0], "an expression");
    for (int i = 0; i < n && np < 8; i++) {
        int cls = cbrparse_symbol_class(kinds[i]);
        if ((expr && cls == CBRSYM_EXPR_START) || (oper && (cls == CBRSYM_OPERATOR || cls == CBRSYM_MINUS)) ||
            (attrs && cls == CBRSYM_ATTRIBUTE) || (top && cls == CBRSYM_TOPLEVEL) ||
            (expr && cls == CBRSYM_MINUS) || cls == CBRSYM_EOF)
            continue;
        token_name(names_[i], parts[np], sizeof parts[0]);
        np++;
    }
    if (attrs)
        snprintf(parts[np++], sizeof parts[0], "an offer attribute");
    if (top)
        snprintf(parts[np++], sizeof parts[0], "a declaration, offer, rule or test");
    if (oper)
        snprintf(parts[np++], sizeof parts[0], "an operator");
    if (np == 0) {
        cbrdiag_error(lx->cc, *loc, "syntax", "unexpected %s", what);
        return;
    }
    char list[512];
    size_t k = 0;
    for (int i = 0; i < np; i++) {
        const char *sep = i == 0 ? "" : i == np - 1 ? " or " : ", ";
        int w = snprintf(list + k, sizeof list - k, "%s%s", sep, parts[i]);
        if (w < 0 || (size_t)w >= sizeof list - k)
            break;
        k += (size_t)w;
    }
    cbrdiag_error(lx->cc, *loc, "syntax", "expected %s, found %s", list, what);
}

bool cbrbuild_table_entry(cbr_compiler *c, cbritem *it, cbrexpr *key, cbrexpr *val)
{
    cbrtabledecl *t = &it->u.table;
    if (t->n == t->cap) {
        uint32_t cap = t->cap;
        void *k = cbrarena_grow(&c->arena, t->keys, sizeof *t->keys, &cap, t->n + 1);
        if (!k)
            return cbrcomp_oom(c), false;
        t->keys = k;
        cap = t->cap;
        void *v = cbrarena_grow(&c->arena, t->vals, sizeof *t->vals, &cap, t->n + 1);
        if (!v)
            return cbrcomp_oom(c), false;
        t->vals = v;
        t->cap = cap;
    }
    t->keys[t->n] = key;
    t->vals[t->n] = val;
    t->n++;
    return true;
}

cbrexpr *cbrbuild_index(cbr_compiler *c, cbrexpr *table, cbrexpr *key, cbrloc loc)
{
    cbrexpr *e = node(c, E_INDEX, loc);
    if (!e)
        return NULL;
    e->u.kids.a = table;
    e->u.kids.b = key;
    e->op_loc = table->loc;
    deepen(c, e, table);
    deepen(c, e, key);
    return e;
}

void cbrbuild_tally_period(cbrtallydef *t, cbrstr word, cbrloc loc)
{
    if (t->nperiod++ == 0) {
        t->has_period = true;
        t->period = word;
        t->period_loc = loc;
    }
}

void cbrbuild_tally_zone(cbrtallydef *t, cbrstr zone, cbrloc loc)
{
    if (t->nzone++ == 0) {
        t->has_zone = true;
        t->zone = zone;
        t->zone_loc = loc;
    }
}
