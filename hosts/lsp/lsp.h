/* lsp.h: what the files of cbr-lsp, the language server, share.
 *
 * cbr-lsp speaks the Language Server Protocol over stdin and stdout
 * (JSON-RPC with Content-Length framing, rpc.c).  Every answer comes from
 * libcbr: a program is the .cbr files of one directory compiled together
 * (workspace.c), with the editor's unsaved text in place of a file's; the
 * compiler's diagnostics, symbols and references answer the requests
 * (features.c), cbr_format formats.  Positions are converted between the
 * protocol's (0-based lines, UTF-16 code units) and libcbr's (1-based
 * lines, code points) on the text of each file (pos.c). */
#ifndef CBR_HOSTS_LSP_H
#define CBR_HOSTS_LSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <yajl/yajl_tree.h>
#include "include/cbr.h"
#include "stdlib/textbuf.h"

/* The largest message body read; a longer one is skipped and answered with
 * an error (the source limit of the compiler is 16 MiB). */
#define LSP_MAX_MESSAGE (64u << 20)
/* The deepest nesting of arrays and objects a message may have. */
#define LSP_MAX_DEPTH 256u
/* Files of one program (one directory) read at most. */
#define LSP_MAX_FILES 2000u

/* ---- rpc.c: messages ---- */

/* Reads the next message's body (NUL-terminated, malloc'ed) into *body.
 * 1: a message; 0: end of input; -1: a message that could not be read
 * (bad header, too long), already skipped and described in why. */
int lsp_read(FILE *in, char **body, size_t *len, char *why, size_t whylen);
/* Writes b's text as one message and flushes. */
void lsp_write(FILE *out, const cbrtb *b);

/* Members of a parsed message: NULL when absent or of another type. */
yajl_val lsp_get(yajl_val v, const char *key);
const char *lsp_get_str(yajl_val v, const char *key);
/* An integer member, or dflt. */
long long lsp_get_int(yajl_val v, const char *key, long long dflt);

/* `"id":ID` of a request as it came (a number or a string). */
void lsp_put_id(cbrtb *b, yajl_val id);
/* A JSON string (NULL is `null`); bytes that are not UTF-8 become U+FFFD. */
void lsp_put_str(cbrtb *b, const char *s);
void lsp_put_strn(cbrtb *b, const char *s, size_t n);
/* {"jsonrpc":"2.0","id":ID,"result": ... : opens a response; the caller
 * writes the result and closes it with lsp_end. */
void lsp_begin_result(cbrtb *b, yajl_val id);
void lsp_end(cbrtb *b);
/* A whole error response (id may be NULL: `null`). */
void lsp_error(FILE *out, yajl_val id, int code, const char *message);

/* ---- pos.c: positions ---- */

/* One file's text with where its lines start. */
typedef struct lsp_text {
    char *text;
    size_t len;
    size_t *lines;       /* byte offset of each line's first byte */
    size_t nlines;
} lsp_text;

bool lsp_text_set(lsp_text *t, const char *s, size_t n);
void lsp_text_free(lsp_text *t);
/* libcbr's line and column (1-based, code points) of a protocol position,
 * clamped to the text. */
void lsp_pos_in(const lsp_text *t, long long line, long long character, unsigned *cline, unsigned *ccol);
/* The protocol's position of libcbr's line and column, as
 * {"line":L,"character":C}. */
void lsp_put_pos(cbrtb *b, const lsp_text *t, unsigned cline, unsigned ccol);
/* {"start":...,"end":...} of a span. */
void lsp_put_range(cbrtb *b, const lsp_text *t, unsigned l1, unsigned c1, unsigned l2, unsigned c2);
/* Byte offset of libcbr's line and column. */
size_t lsp_offset(const lsp_text *t, unsigned cline, unsigned ccol);

/* ---- workspace.c: documents and programs ---- */

typedef struct lsp_file {
    char *path;          /* the name libcbr knows it by: an absolute path, or the URI */
    char *uri;
    lsp_text text;
} lsp_file;

/* The .cbr files of one directory, compiled together. */
typedef struct lsp_prog {
    char *dir;
    lsp_file *files;
    size_t nfiles;
    cbr_compiler *c;     /* checked, with or without errors; NULL when memory ran out */
    char **published;    /* URIs that have diagnostics on the client */
    size_t npublished;
} lsp_prog;

typedef struct lsp_doc {
    char *uri;
    char *path;          /* NULL for a URI that is not a file */
    char *text;
    size_t len;
} lsp_doc;

typedef struct lsp_server {
    FILE *in, *out;
    lsp_doc *docs;       /* the documents the editor has open */
    size_t ndocs;
    lsp_prog *progs;
    size_t nprogs;
    bool initialized, shutdown;
} lsp_server;

/* A file URI's path ("file:///a%20b/x.cbr" -> "/a b/x.cbr"), malloc'ed;
 * NULL for another scheme or a bad URI. */
char *lsp_uri_path(const char *uri);
/* A path's file URI, malloc'ed. */
char *lsp_path_uri(const char *path);

/* Opens, replaces or closes a document's text (closing goes back to the
 * file on disk). */
bool lsp_doc_set(lsp_server *s, const char *uri, const char *text, size_t len);
void lsp_doc_close(lsp_server *s, const char *uri);
/* The program the document belongs to, compiled again from the current
 * texts; NULL when it cannot be built. */
lsp_prog *lsp_program(lsp_server *s, const char *uri, bool recompile);
/* The file of a program by URI, or by the name libcbr gave it. */
lsp_file *lsp_prog_file(lsp_prog *p, const char *uri);
lsp_file *lsp_prog_file_named(lsp_prog *p, const char *name);
/* Sends textDocument/publishDiagnostics for every file of p, and an empty
 * list to each file that had diagnostics and has none now. */
void lsp_publish(lsp_server *s, lsp_prog *p);
void lsp_server_free(lsp_server *s);

/* ---- features.c: the requests ---- */

void lsp_hover(lsp_server *s, yajl_val id, yajl_val params);
void lsp_definition(lsp_server *s, yajl_val id, yajl_val params);
void lsp_references(lsp_server *s, yajl_val id, yajl_val params);
void lsp_document_symbols(lsp_server *s, yajl_val id, yajl_val params);
void lsp_completion(lsp_server *s, yajl_val id, yajl_val params);
void lsp_code_action(lsp_server *s, yajl_val id, yajl_val params);
void lsp_formatting(lsp_server *s, yajl_val id, yajl_val params);

#endif
