/* workspace.c: documents and programs.
 *
 * A program is the .cbr files of one directory, compiled together as
 * `cbrc check` compiles the files it is given (offers in one file name
 * campaigns and lets of another).  A file the editor has open counts with the editor's text,
 * saved or not; the others are read from disk.  Each change compiles the
 * document's program again and publishes its diagnostics, so the answers
 * always come from one checked compiler. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hosts/lsp/lsp.h"

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static char *dup(const char *s) { return s ? dupn(s, strlen(s)) : NULL; }

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

char *lsp_uri_path(const char *uri)
{
    if (!uri || strncmp(uri, "file://", 7) != 0)
        return NULL;
    const char *p = uri + 7;
    if (strncmp(p, "localhost/", 10) == 0)
        p += 9;
    if (*p != '/')
        return NULL;
    size_t n = strlen(p);
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (; *p; p++) {
        if (*p == '%') {
            int h = hexval(p[1]), l = h < 0 ? -1 : hexval(p[2]);
            if (l < 0 || (h == 0 && l == 0)) {
                free(out);
                return NULL;
            }
            *o++ = (char)(h * 16 + l);
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

char *lsp_path_uri(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(path);
    char *out = malloc(7 + 3 * n + 1), *o = out;
    if (!out)
        return NULL;
    memcpy(o, "file://", 7);
    o += 7;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

/* ---- documents ---- */

static lsp_doc *doc_find(lsp_server *s, const char *uri)
{
    for (size_t i = 0; i < s->ndocs; i++)
        if (strcmp(s->docs[i].uri, uri) == 0)
            return &s->docs[i];
    return NULL;
}

bool lsp_doc_set(lsp_server *s, const char *uri, const char *text, size_t len)
{
    lsp_doc *d = doc_find(s, uri);
    if (!d) {
        lsp_doc *nd = realloc(s->docs, (s->ndocs + 1) * sizeof *nd);
        if (!nd)
            return false;
        s->docs = nd;
        d = &s->docs[s->ndocs];
        *d = (lsp_doc){.uri = dup(uri), .path = lsp_uri_path(uri)};
        if (!d->uri)
            return false;
        s->ndocs++;
    }
    char *t = dupn(text, len);
    if (!t)
        return false;
    free(d->text);
    d->text = t;
    d->len = len;
    return true;
}

void lsp_doc_close(lsp_server *s, const char *uri)
{
    lsp_doc *d = doc_find(s, uri);
    if (!d)
        return;
    free(d->uri);
    free(d->path);
    free(d->text);
    *d = s->docs[--s->ndocs];
}

/* ---- programs ---- */

static void prog_clear(lsp_prog *p)
{
    for (size_t i = 0; i < p->nfiles; i++) {
        free(p->files[i].path);
        free(p->files[i].uri);
        lsp_text_free(&p->files[i].text);
    }
    free(p->files);
    p->files = NULL;
    p->nfiles = 0;
    cbr_compiler_free(p->c);
    p->c = NULL;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash == path ? dup("/") : dupn(path, (size_t)(slash - path));
}

static bool ends_cbr(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".cbr") == 0 && name[0] != '.';
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .cbr files of dir and the open documents in it, sorted, no twice. */
static char **list_paths(lsp_server *s, const char *dir, size_t *n)
{
    size_t cap = 16, k = 0;
    char **v = malloc(cap * sizeof *v);
    if (!v)
        return NULL;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL && k < LSP_MAX_FILES) {
        if (!ends_cbr(de->d_name))
            continue;
        size_t len = strlen(dir) + strlen(de->d_name) + 2;
        char *p = malloc(len);
        struct stat st;
        if (!p)
            break;
        snprintf(p, len, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", de->d_name);
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(p);
            continue;
        }
        if (k == cap) {
            char **nv = realloc(v, 2 * cap * sizeof *nv);
            if (!nv) {
                free(p);
                break;
            }
            v = nv;
            cap *= 2;
        }
        v[k++] = p;
    }
    if (d)
        closedir(d);
    for (size_t i = 0; i < s->ndocs; i++) {
        const lsp_doc *doc = &s->docs[i];
        if (!doc->path)
            continue;
        char *ddir = dir_of(doc->path);
        bool here = ddir && strcmp(ddir, dir) == 0;
        free(ddir);
        bool listed = false;
        for (size_t j = 0; j < k && !listed; j++)
            listed = strcmp(v[j], doc->path) == 0;
        if (!here || listed)
            continue;
        char **nv = realloc(v, (k + 1) * sizeof *nv);
        if (!nv)
            break;
        v = nv;
        v[k] = dup(doc->path);
        if (v[k])
            k++;
    }
    qsort(v, k, sizeof *v, cmp_str);
    *n = k;
    return v;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            char *nb = cap >= LSP_MAX_MESSAGE ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        if (k == 0)
            break;
        n += k;
    }
    fclose(f);
    *len = n;
    return buf;
}

static bool add_file(lsp_prog *p, const char *path, const char *uri, const char *text, size_t len)
{
    lsp_file *nf = realloc(p->files, (p->nfiles + 1) * sizeof *nf);
    if (!nf)
        return false;
    p->files = nf;
    lsp_file *f = &nf[p->nfiles];
    *f = (lsp_file){.path = dup(path), .uri = dup(uri)};
    p->nfiles++;
    return f->path && f->uri && lsp_text_set(&f->text, text, len);
}

/* Gathers p's files and checks them as one program. */
static void prog_build(lsp_server *s, lsp_prog *p, const lsp_doc *only)
{
    prog_clear(p);
    if (only) { /* a document that is no file: a program of its own */
        add_file(p, only->uri, only->uri, only->text, only->len);
    } else {
        size_t n = 0;
        char **paths = list_paths(s, p->dir, &n);
        for (size_t i = 0; paths && i < n; i++) {
            char *uri = lsp_path_uri(paths[i]);
            const lsp_doc *d = uri ? doc_find(s, uri) : NULL;
            size_t len = 0;
            char *disk = d ? NULL : read_file(paths[i], &len);
            if (uri && (d || disk))
                add_file(p, paths[i], uri, d ? d->text : disk, d ? d->len : len);
            free(disk);
            free(uri);
            free(paths[i]);
        }
        free(paths);
    }
    cbr_compiler *c;
    if (cbr_compiler_new(NULL, &c, NULL) != CBR_OK)
        return;
    for (size_t i = 0; i < p->nfiles; i++)
        if (cbr_compiler_add_source(c, p->files[i].path, p->files[i].text.text, p->files[i].text.len, NULL) !=
            CBR_OK) {
            cbr_compiler_free(c);
            return;
        }
    cbr_status st = cbr_compiler_check(c, NULL);
    if (st != CBR_OK && st != CBR_ERR_COMPILE) {
        cbr_compiler_free(c);
        return;
    }
    p->c = c;
}

lsp_prog *lsp_program(lsp_server *s, const char *uri, bool recompile)
{
    if (!uri)
        return NULL;
    char *path = lsp_uri_path(uri);
    char *key = path ? dir_of(path) : dup(uri);
    free(path);
    if (!key)
        return NULL;
    lsp_prog *p = NULL;
    for (size_t i = 0; i < s->nprogs && !p; i++)
        if (strcmp(s->progs[i].dir, key) == 0)
            p = &s->progs[i];
    if (p) {
        free(key);
    } else {
        lsp_prog *np = realloc(s->progs, (s->nprogs + 1) * sizeof *np);
        if (!np) {
            free(key);
            return NULL;
        }
        s->progs = np;
        p = &np[s->nprogs++];
        *p = (lsp_prog){.dir = key};
        recompile = true;
    }
    if (recompile || !p->c) {
        const lsp_doc *d = doc_find(s, uri);
        prog_build(s, p, d && !d->path ? d : NULL);
    }
    return p->c ? p : NULL;
}

lsp_file *lsp_prog_file(lsp_prog *p, const char *uri)
{
    for (size_t i = 0; p && uri && i < p->nfiles; i++)
        if (strcmp(p->files[i].uri, uri) == 0)
            return &p->files[i];
    return NULL;
}

lsp_file *lsp_prog_file_named(lsp_prog *p, const char *name)
{
    for (size_t i = 0; p && name && i < p->nfiles; i++)
        if (strcmp(p->files[i].path, name) == 0)
            return &p->files[i];
    return NULL;
}

/* ---- diagnostics ---- */

static void publish_one(lsp_server *s, lsp_prog *p, const lsp_file *f)
{
    cbrtb b = {0};
    cbrtb_puts(&b, "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/publishDiagnostics\",\"params\":{\"uri\":");
    lsp_put_str(&b, f ? f->uri : NULL);
    cbrtb_puts(&b, ",\"diagnostics\":[");
    size_t k = 0;
    for (size_t i = 0; f && i < cbr_compiler_diagnostic_count(p->c); i++) {
        const cbr_diagnostic *d = cbr_compiler_diagnostic(p->c, i);
        if (!d->file || strcmp(d->file, f->path) != 0)
            continue;
        cbrtb_puts(&b, k++ ? ",{\"range\":" : "{\"range\":");
        lsp_put_range(&b, &f->text, d->line, d->column, d->end_line, d->end_column);
        cbrtb_printf(&b, ",\"severity\":%d,\"source\":\"cbr\",\"code\":",
                     d->severity == CBR_ERROR ? 1 : d->severity == CBR_WARNING ? 2 : 3);
        lsp_put_str(&b, d->code);
        cbrtb_puts(&b, ",\"message\":");
        if (d->hint) {
            size_t n = strlen(d->message) + strlen(d->hint) + 2;
            char *m = malloc(n);
            if (m)
                snprintf(m, n, "%s\n%s", d->message, d->hint);
            lsp_put_str(&b, m ? m : d->message);
            free(m);
        } else {
            lsp_put_str(&b, d->message);
        }
        cbrtb_puts(&b, "}");
    }
    cbrtb_puts(&b, "]}}");
    lsp_write(s->out, &b);
    cbrtb_free(&b);
}

static void publish_empty(lsp_server *s, const char *uri)
{
    cbrtb b = {0};
    cbrtb_puts(&b, "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/publishDiagnostics\",\"params\":{\"uri\":");
    lsp_put_str(&b, uri);
    cbrtb_puts(&b, ",\"diagnostics\":[]}}");
    lsp_write(s->out, &b);
    cbrtb_free(&b);
}

void lsp_publish(lsp_server *s, lsp_prog *p)
{
    for (size_t i = 0; i < p->nfiles; i++)
        publish_one(s, p, &p->files[i]);
    /* A file gone from the program keeps no stale diagnostics. */
    for (size_t i = 0; i < p->npublished; i++) {
        if (!lsp_prog_file(p, p->published[i]))
            publish_empty(s, p->published[i]);
        free(p->published[i]);
    }
    free(p->published);
    p->published = malloc((p->nfiles ? p->nfiles : 1) * sizeof *p->published);
    p->npublished = 0;
    for (size_t i = 0; p->published && i < p->nfiles; i++)
        if ((p->published[p->npublished] = dup(p->files[i].uri)) != NULL)
            p->npublished++;
}

void lsp_server_free(lsp_server *s)
{
    while (s->ndocs)
        lsp_doc_close(s, s->docs[0].uri);
    free(s->docs);
    for (size_t i = 0; i < s->nprogs; i++) {
        prog_clear(&s->progs[i]);
        for (size_t k = 0; k < s->progs[i].npublished; k++)
            free(s->progs[i].published[k]);
        free(s->progs[i].published);
        free(s->progs[i].dir);
    }
    free(s->progs);
}
