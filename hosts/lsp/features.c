/* features.c: the requests cbr-lsp answers, each from the program's checked
 * compiler: its symbols and references (hover, definition, references,
 * outline, completion), its diagnostics' hints (code actions) and
 * cbr_format (formatting). */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hosts/lsp/lsp.h"
#include "stdlib/currency.h"

/* ---- where the cursor is ---- */

typedef struct lsp_at {
    lsp_prog *p;
    lsp_file *f;
    unsigned line, col;  /* libcbr's */
} lsp_at;

static bool locate(lsp_server *s, yajl_val params, lsp_at *at)
{
    yajl_val doc = lsp_get(params, "textDocument");
    yajl_val pos = lsp_get(params, "position");
    at->p = lsp_program(s, lsp_get_str(doc, "uri"), false);
    at->f = at->p ? lsp_prog_file(at->p, lsp_get_str(doc, "uri")) : NULL;
    if (!at->f)
        return false;
    lsp_pos_in(&at->f->text, lsp_get_int(pos, "line", 0), lsp_get_int(pos, "character", 0), &at->line, &at->col);
    return true;
}

static bool span_has(const cbr_span *sp, const lsp_at *at)
{
    if (!sp->file || strcmp(sp->file, at->f->path) != 0)
        return false;
    if (at->line < sp->line || (at->line == sp->line && at->col < sp->column))
        return false;
    /* The end is one past the name: a cursor just after it is on it too. */
    return at->line < sp->end_line || (at->line == sp->end_line && at->col <= sp->end_column);
}

/* The symbol named or declared under the cursor, or -1. */
static long symbol_at(const lsp_at *at)
{
    cbr_compiler *c = at->p->c;
    for (size_t i = 0; i < cbr_compiler_reference_count(c); i++) {
        const cbr_reference *r = cbr_compiler_reference(c, i);
        if (span_has(&r->at, at))
            return (long)r->symbol;
    }
    for (size_t i = 0; i < cbr_compiler_symbol_count(c); i++)
        if (span_has(&cbr_compiler_symbol(c, i)->name_at, at))
            return (long)i;
    return -1;
}

static void put_location(cbrtb *b, lsp_prog *p, const cbr_span *sp)
{
    const lsp_file *f = lsp_prog_file_named(p, sp->file);
    cbrtb_puts(b, "{\"uri\":");
    lsp_put_str(b, f->uri);
    cbrtb_puts(b, ",\"range\":");
    lsp_put_range(b, &f->text, sp->line, sp->column, sp->end_line, sp->end_column);
    cbrtb_puts(b, "}");
}

static void answer(lsp_server *s, cbrtb *b)
{
    lsp_end(b);
    lsp_write(s->out, b);
    cbrtb_free(b);
}

static void answer_null(lsp_server *s, yajl_val id)
{
    cbrtb b = {0};
    lsp_begin_result(&b, id);
    cbrtb_puts(&b, "null");
    answer(s, &b);
}

/* ---- hover ---- */

/* At most `max` lines of a declaration's text. */
static void put_decl_text(cbrtb *md, lsp_prog *p, const cbr_span *sp, unsigned max)
{
    const lsp_file *f = lsp_prog_file_named(p, sp->file);
    if (!f)
        return;
    size_t a = lsp_offset(&f->text, sp->line, sp->column);
    size_t e = lsp_offset(&f->text, sp->end_line, sp->end_column);
    unsigned lines = 1;
    size_t i = a;
    for (; i < e; i++)
        if (f->text.text[i] == '\n' && ++lines > max)
            break;
    cbrtb_puts(md, "```cbr\n");
    cbrtb_put(md, f->text.text + a, i - a);
    cbrtb_puts(md, i < e ? "\n...\n```\n" : "\n```\n");
}

void lsp_hover(lsp_server *s, yajl_val id, yajl_val params)
{
    lsp_at at;
    long k = locate(s, params, &at) ? symbol_at(&at) : -1;
    if (k < 0) {
        answer_null(s, id);
        return;
    }
    const cbr_symbol *sym = cbr_compiler_symbol(at.p->c, (size_t)k);
    cbrtb md = {0};
    if (sym->decl.file)
        put_decl_text(&md, at.p, &sym->decl, sym->kind == CBR_SYMBOL_OFFER ? 12 : 6);
    cbrtb_printf(&md, "**%s** — %s", sym->name, sym->what);
    if (sym->type[0])
        cbrtb_printf(&md, ": `%s`", sym->type);
    if (sym->campaign)
        cbrtb_printf(&md, "\n\ncampaign \"%s\"", sym->campaign);
    cbrtb b = {0};
    lsp_begin_result(&b, id);
    cbrtb_puts(&b, "{\"contents\":{\"kind\":\"markdown\",\"value\":");
    lsp_put_str(&b, md.p ? md.p : "");
    cbrtb_puts(&b, "}}");
    cbrtb_free(&md);
    answer(s, &b);
}

/* ---- definition and references ---- */

void lsp_definition(lsp_server *s, yajl_val id, yajl_val params)
{
    lsp_at at;
    long k = locate(s, params, &at) ? symbol_at(&at) : -1;
    const cbr_symbol *sym = k >= 0 ? cbr_compiler_symbol(at.p->c, (size_t)k) : NULL;
    if (!sym || !sym->name_at.file || !lsp_prog_file_named(at.p, sym->name_at.file)) {
        answer_null(s, id);
        return;
    }
    cbrtb b = {0};
    lsp_begin_result(&b, id);
    put_location(&b, at.p, &sym->name_at);
    answer(s, &b);
}

void lsp_references(lsp_server *s, yajl_val id, yajl_val params)
{
    lsp_at at;
    long k = locate(s, params, &at) ? symbol_at(&at) : -1;
    cbrtb b = {0};
    lsp_begin_result(&b, id);
    cbrtb_puts(&b, "[");
    size_t n = 0;
    if (k >= 0) {
        const cbr_symbol *sym = cbr_compiler_symbol(at.p->c, (size_t)k);
        yajl_val ctx = lsp_get(params, "context");
        yajl_val incl = lsp_get(ctx, "includeDeclaration");
        if (incl && YAJL_IS_TRUE(incl) && sym->name_at.file && lsp_prog_file_named(at.p, sym->name_at.file)) {
            put_location(&b, at.p, &sym->name_at);
            n++;
        }
        for (size_t i = 0; i < cbr_compiler_reference_count(at.p->c); i++) {
            const cbr_reference *r = cbr_compiler_reference(at.p->c, i);
            if ((long)r->symbol != k || !lsp_prog_file_named(at.p, r->at.file))
                continue;
            if (n++)
                cbrtb_puts(&b, ",");
            put_location(&b, at.p, &r->at);
        }
    }
    cbrtb_puts(&b, "]");
    answer(s, &b);
}

/* ---- the outline ---- */

/* The protocol's SymbolKind and CompletionItemKind of each kind of symbol. */
static const struct {
    int symbol, item;
} kinds[] = {
    [CBR_SYMBOL_FIELD] = {8, 5},      /* Field, Field */
    [CBR_SYMBOL_LET] = {13, 6},       /* Variable, Variable */
    [CBR_SYMBOL_TALLY] = {16, 6},     /* Number, Variable */
    [CBR_SYMBOL_TABLE] = {23, 22},    /* Struct, Struct */
    [CBR_SYMBOL_EXTERN] = {12, 3},    /* Function, Function */
    [CBR_SYMBOL_FUNCTION] = {12, 3},
    [CBR_SYMBOL_WEEKDAY] = {14, 20},  /* Constant, EnumMember */
    [CBR_SYMBOL_CAMPAIGN] = {3, 9},   /* Namespace, Module */
    [CBR_SYMBOL_OFFER] = {5, 7},      /* Class, Class */
    [CBR_SYMBOL_TEST] = {6, 2},       /* Method, Method */
};

static int symbol_kind(cbr_symbol_kind k) { return (unsigned)k < sizeof kinds / sizeof kinds[0] ? kinds[k].symbol : 13; }
static int item_kind(cbr_symbol_kind k) { return (unsigned)k < sizeof kinds / sizeof kinds[0] ? kinds[k].item : 1; }

void lsp_document_symbols(lsp_server *s, yajl_val id, yajl_val params)
{
    lsp_at at = {0};
    yajl_val doc = lsp_get(params, "textDocument");
    at.p = lsp_program(s, lsp_get_str(doc, "uri"), false);
    at.f = at.p ? lsp_prog_file(at.p, lsp_get_str(doc, "uri")) : NULL;
    cbrtb b = {0};
    lsp_begin_result(&b, id);
    cbrtb_puts(&b, "[");
    size_t n = 0;
    for (size_t i = 0; at.f && i < cbr_compiler_symbol_count(at.p->c); i++) {
        const cbr_symbol *sym = cbr_compiler_symbol(at.p->c, i);
        if (!sym->decl.file || strcmp(sym->decl.file, at.f->path) != 0)
            continue;
        cbrtb_puts(&b, n++ ? ",{\"name\":" : "{\"name\":");
        lsp_put_str(&b, sym->name);
        cbrtb_puts(&b, ",\"detail\":");
        if (sym->campaign) {
            cbrtb tmp = {0};
            cbrtb_printf(&tmp, "%s in campaign \"%s\"", sym->what, sym->campaign);
            lsp_put_str(&b, tmp.p ? tmp.p : sym->what);
            cbrtb_free(&tmp);
        } else {
            lsp_put_str(&b, sym->type[0] ? sym->type : sym->what);
        }
        cbrtb_printf(&b, ",\"kind\":%d,\"range\":", symbol_kind(sym->kind));
        lsp_put_range(&b, &at.f->text, sym->decl.line, sym->decl.column, sym->decl.end_line, sym->decl.end_column);
        cbrtb_puts(&b, ",\"selectionRange\":");
        lsp_put_range(&b, &at.f->text, sym->name_at.line, sym->name_at.column, sym->name_at.end_line,
                      sym->name_at.end_column);
        cbrtb_puts(&b, "}");
    }
    cbrtb_puts(&b, "]");
    answer(s, &b);
}

/* ---- completion ---- */

static const char *const keywords[] = {
    "offer", "campaign", "field", "let", "extern", "fn", "test", "table", "tally",
    "when", "then", "cashback", "up", "to", "and", "or", "not", "in", "between", "true", "false",
    "title", "valid", "timezone", "priority", "exclusive", "best", "limit", "budget", "per", "user", "total",
    "day", "week", "month", "year", "rounding", "no", "partial", "refund", "full", "vest", "after", "days",
    "count", "sum", "where", "given", "expect", "from",
    "bool", "int", "decimal", "money", "string", "date", "instant", "weekday",
};

/* The names of time zones under the zoneinfo directory, read once. */
typedef struct zones {
    char **v;
    size_t n, cap;
    bool read;
} zones;

static void zones_walk(zones *z, const char *dir, const char *prefix, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL && z->n < 4000) {
        const char *nm = de->d_name;
        /* Zone names start with a capital; posix/, right/ and the tables do not. */
        if (nm[0] < 'A' || nm[0] > 'Z' || strchr(nm, '.'))
            continue;
        char path[4096], name[512];
        snprintf(path, sizeof path, "%s/%s", dir, nm);
        snprintf(name, sizeof name, "%s%s", prefix, nm);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth < 3) {
                char sub[520];
                snprintf(sub, sizeof sub, "%s/", name);
                zones_walk(z, path, sub, depth + 1);
            }
            continue;
        }
        if (z->n == z->cap) {
            size_t cap = z->cap ? 2 * z->cap : 512;
            char **nv = realloc(z->v, cap * sizeof *nv);
            if (!nv)
                break;
            z->v = nv;
            z->cap = cap;
        }
        z->v[z->n] = strdup(name);
        if (z->v[z->n])
            z->n++;
    }
    if (d)
        closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const zones *zone_names(void)
{
    static zones z;
    if (!z.read) {
        z.read = true;
        const char *dir = getenv("TZDIR");
        zones_walk(&z, dir && *dir ? dir : "/usr/share/zoneinfo", "", 0);
        qsort(z.v, z.n, sizeof *z.v, cmp_str);
    }
    return &z;
}

static void put_item(cbrtb *b, size_t *n, const char *label, int kind, const char *detail)
{
    cbrtb_puts(b, (*n)++ ? ",{\"label\":" : "{\"label\":");
    lsp_put_str(b, label);
    cbrtb_printf(b, ",\"kind\":%d", kind);
    if (detail && *detail) {
        cbrtb_puts(b, ",\"detail\":");
        lsp_put_str(b, detail);
    }
    cbrtb_puts(b, "}");
}

/* Completes ids of one kind inside a string: campaigns after `campaign "`,
 * offers after `from "`. */
static void put_ids(cbrtb *b, size_t *n, cbr_compiler *c, cbr_symbol_kind kind)
{
    for (size_t i = 0; i < cbr_compiler_symbol_count(c); i++) {
        const cbr_symbol *sym = cbr_compiler_symbol(c, i);
        if (sym->kind == kind)
            put_item(b, n, sym->name, item_kind(kind), sym->what);
    }
}

/* A letter or `_`: digits are left out so that `15.00 U` is seen as after a number. */
static bool is_word(char ch)
{
    return ch == '_' || ((ch | 32) >= 'a' && (ch | 32) <= 'z');
}

void lsp_completion(lsp_server *s, yajl_val id, yajl_val params)
{
    lsp_at at;
    bool ok = locate(s, params, &at);
    cbrtb b = {0};
    lsp_begin_result(&b, id);
    cbrtb_puts(&b, "{\"isIncomplete\":false,\"items\":[");
    size_t n = 0;
    if (ok) {
        const lsp_text *t = &at.f->text;
        size_t ls = lsp_offset(t, at.line, 1), cur = lsp_offset(t, at.line, at.col);
        /* Inside a string when an odd number of quotes opens the line. */
        size_t quotes = 0, open = ls;
        for (size_t i = ls; i < cur; i++)
            if (t->text[i] == '"' && (i == ls || t->text[i - 1] != '\\')) {
                quotes++;
                open = i;
            }
        /* The word before the cursor's word (or string), e.g. `timezone`. */
        size_t w = quotes % 2 ? open : cur;
        while (w > ls && is_word(t->text[w - 1]))
            w--;
        size_t pe = w;
        while (pe > ls && (t->text[pe - 1] == ' ' || t->text[pe - 1] == '\t'))
            pe--;
        size_t ps = pe;
        while (ps > ls && is_word(t->text[ps - 1]))
            ps--;
        size_t plen = pe - ps;
        const char *prev = t->text + ps;
        bool after_digit = pe > ls && t->text[pe - 1] >= '0' && t->text[pe - 1] <= '9';
        if (quotes % 2) {
            if (plen == 8 && memcmp(prev, "timezone", 8) == 0) {
                const zones *z = zone_names();
                put_item(&b, &n, "UTC", 12, "time zone");
                for (size_t i = 0; i < z->n; i++)
                    put_item(&b, &n, z->v[i], 12, "time zone");
            } else if (plen == 8 && memcmp(prev, "campaign", 8) == 0) {
                put_ids(&b, &n, at.p->c, CBR_SYMBOL_CAMPAIGN);
            } else if (plen == 4 && memcmp(prev, "from", 4) == 0) {
                put_ids(&b, &n, at.p->c, CBR_SYMBOL_OFFER);
            }
        } else {
            /* After an amount: its currency. */
            for (size_t i = 0; after_digit && i < cbrcur_count(); i++)
                put_item(&b, &n, cbrcur_code(i), 21, "currency");
            for (size_t i = 0; i < cbr_compiler_symbol_count(at.p->c); i++) {
                const cbr_symbol *sym = cbr_compiler_symbol(at.p->c, i);
                if (sym->kind <= CBR_SYMBOL_WEEKDAY)
                    put_item(&b, &n, sym->name, item_kind(sym->kind), sym->type[0] ? sym->type : sym->what);
            }
            for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
                put_item(&b, &n, keywords[i], 14, "keyword");
        }
    }
    cbrtb_puts(&b, "]}");
    answer(s, &b);
}

/* ---- code actions: a hint with one fix ---- */

/* The replacement a hint offers, malloc'ed, or NULL: `did you mean X?`
 * with X in backquotes or in quotes (kept), `... without quotes: X` and
 * `... in capitals: `X``. */
static char *hint_fix(const char *hint)
{
    const char *p;
    size_t n = strlen(hint);
    if (strncmp(hint, "did you mean `", 14) == 0 && n > 16 && strcmp(hint + n - 2, "`?") == 0)
        return strndup(hint + 14, n - 16);
    if (strncmp(hint, "did you mean \"", 14) == 0 && n > 16 && strcmp(hint + n - 2, "\"?") == 0)
        return strndup(hint + 13, n - 14);
    if ((p = strstr(hint, "without quotes: ")) != NULL && strchr(p, ':') == p + 14)
        return strdup(p + 16);
    if ((p = strstr(hint, "in capitals: `")) != NULL && n > 1 && hint[n - 1] == '`')
        return strndup(p + 14, (size_t)(hint + n - 1 - (p + 14)));
    return NULL;
}

void lsp_code_action(lsp_server *s, yajl_val id, yajl_val params)
{
    yajl_val doc = lsp_get(params, "textDocument");
    const char *uri = lsp_get_str(doc, "uri");
    lsp_prog *p = lsp_program(s, uri, false);
    lsp_file *f = p ? lsp_prog_file(p, uri) : NULL;
    yajl_val range = lsp_get(params, "range");
    unsigned l1 = 1, c1 = 1, l2 = 1, c2 = 1;
    if (f) {
        yajl_val st = lsp_get(range, "start"), en = lsp_get(range, "end");
        lsp_pos_in(&f->text, lsp_get_int(st, "line", 0), lsp_get_int(st, "character", 0), &l1, &c1);
        lsp_pos_in(&f->text, lsp_get_int(en, "line", 0), lsp_get_int(en, "character", 0), &l2, &c2);
    }
    cbrtb b = {0};
    lsp_begin_result(&b, id);
    cbrtb_puts(&b, "[");
    size_t n = 0;
    for (size_t i = 0; f && i < cbr_compiler_diagnostic_count(p->c); i++) {
        const cbr_diagnostic *d = cbr_compiler_diagnostic(p->c, i);
        if (!d->hint || !d->file || strcmp(d->file, f->path) != 0)
            continue;
        /* Only the diagnostics the range touches. */
        if (d->end_line < l1 || (d->end_line == l1 && d->end_column < c1) || d->line > l2 ||
            (d->line == l2 && d->column > c2))
            continue;
        char *fix = hint_fix(d->hint);
        if (!fix)
            continue;
        cbrtb_puts(&b, n++ ? ",{\"title\":" : "{\"title\":");
        cbrtb tmp = {0};
        cbrtb_printf(&tmp, "Replace with %s", fix);
        lsp_put_str(&b, tmp.p ? tmp.p : fix);
        cbrtb_free(&tmp);
        cbrtb_puts(&b, ",\"kind\":\"quickfix\",\"isPreferred\":true,\"diagnostics\":[{\"range\":");
        lsp_put_range(&b, &f->text, d->line, d->column, d->end_line, d->end_column);
        cbrtb_puts(&b, ",\"message\":");
        lsp_put_str(&b, d->message);
        cbrtb_puts(&b, ",\"code\":");
        lsp_put_str(&b, d->code);
        cbrtb_puts(&b, "}],\"edit\":{\"changes\":{");
        lsp_put_str(&b, f->uri);
        cbrtb_puts(&b, ":[{\"range\":");
        lsp_put_range(&b, &f->text, d->line, d->column, d->end_line, d->end_column);
        cbrtb_puts(&b, ",\"newText\":");
        lsp_put_str(&b, fix);
        cbrtb_puts(&b, "}]}}}");
        free(fix);
    }
    cbrtb_puts(&b, "]");
    answer(s, &b);
}

/* ---- formatting ---- */

void lsp_formatting(lsp_server *s, yajl_val id, yajl_val params)
{
    yajl_val doc = lsp_get(params, "textDocument");
    const char *uri = lsp_get_str(doc, "uri");
    lsp_prog *p = lsp_program(s, uri, false);
    lsp_file *f = p ? lsp_prog_file(p, uri) : NULL;
    char *out = NULL;
    size_t len = 0;
    cbr_error err;
    if (!f || cbr_format(NULL, f->path, f->text.text, f->text.len, &out, &len, &err) != CBR_OK) {
        /* A text that does not parse is left alone: its errors are
         * already on the screen as diagnostics. */
        answer_null(s, id);
        return;
    }
    cbrtb b = {0};
    lsp_begin_result(&b, id);
    if (len == f->text.len && memcmp(out, f->text.text, len) == 0) {
        cbrtb_puts(&b, "[]");
    } else {
        /* One edit replaces the whole text, to the end of its last line. */
        cbrtb_puts(&b, "[{\"range\":{\"start\":{\"line\":0,\"character\":0},\"end\":");
        lsp_put_pos(&b, &f->text, (unsigned)f->text.nlines, UINT_MAX);
        cbrtb_puts(&b, "},\"newText\":");
        lsp_put_strn(&b, out, len);
        cbrtb_puts(&b, "}]");
    }
    cbr_free(out);
    answer(s, &b);
}
