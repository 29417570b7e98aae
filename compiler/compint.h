/* compint.h: the compiler handle's insides, shared by the compiler's files.
 * cbr.h declares cbr_compiler opaque; this header is its private half (as
 * SQLite's vdbeInt.h is to vdbe.h).  Never installed. */
#ifndef CBR_COMPILER_COMPINT_H
#define CBR_COMPILER_COMPINT_H

#include <stdarg.h>
#include <stdbool.h>
#include "include/cbr.h"
#include "compiler/arena.h"
#include "compiler/ast.h"

typedef struct cbrsource {
    char *name;          /* as added (arena) */
    char *stem;          /* file name without directory and extension: bare-rule ids */
    char *text;          /* NUL-terminated copy (arena) */
    uint32_t len;
    uint32_t *lines;     /* byte offset where each line starts (built on demand) */
    uint32_t nlines;
    cbritem *items, *last;
} cbrsource;

/* Where the tokens and comments of a source are, recorded by the lexer only
 * when the formatter asks for them (fmt.c): the parser sees the same tokens
 * either way, and a check pays nothing for it.  Offsets are bytes. */
typedef struct cbrlexspan {
    uint32_t start, end;
    int kind;            /* the token (TK_*); 0 for a comment */
} cbrlexspan;

typedef struct cbrlexlog {
    cbrlexspan *toks;    /* every token, in order (arena) */
    unsigned ntok, tokcap;
    cbrlexspan *comments; /* every `#` comment, from `#` to the end of its line */
    unsigned ncom, comcap;
} cbrlexlog;

/* A diagnostic as recorded, before sorting; `pub` is filled on completion. */
typedef struct cbrdiag {
    cbr_diagnostic pub;
    cbrloc loc;
    uint32_t seq;        /* recording order: ties keep it */
} cbrdiag;

struct cbr_compiler {
    cbr_config cfg;
    cbrarena arena;
    cbrsource *src;
    uint32_t nsrc, srccap;
    cbrdiag *diags;      /* cfg.alloc'ed vector */
    size_t ndiag, diagcap;
    unsigned nerr, nwarn;
    bool checked;
    bool too_many;       /* max_errors reached: further errors are dropped */
    bool last_dropped;   /* the last diagnostic was dropped: so is its hint */
    bool oom;            /* an allocation failed during the check */
    cbr_program_info info;
    struct cbrsema *sema;  /* the checked program (sema.h) */
    cbrlexlog *lexlog;     /* NULL unless the formatter records positions */
    struct cbrsymbols *symbols; /* built on the first ask (symbols.c) */
};

/* ---- diag.c ---- */
/* Records an error or a warning at loc; fmt is printf-style.  The code is a
 * stable identifier (tests and editors match on it). */
void cbrdiag_error(cbr_compiler *c, cbrloc loc, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void cbrdiag_warning(cbr_compiler *c, cbrloc loc, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Attaches a hint ("did you mean `FRI`?") to the last recorded diagnostic. */
void cbrdiag_hint(cbr_compiler *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sorts the diagnostics by source and position and fills line, column and
 * source_line of each. */
void cbrdiag_finish(cbr_compiler *c);
/* Line and column (1-based; columns in code points) of byte offset off. */
void cbrdiag_linecol(cbr_compiler *c, uint32_t file, uint32_t off, unsigned *line, unsigned *col);

/* ---- compiler.c ---- */
void cbrcomp_oom(cbr_compiler *c);
char *cbrcomp_strdup(cbr_compiler *c, const char *s, size_t n);
void *cbrcomp_alloc(cbr_compiler *c, size_t n);
/* Lexes and parses every added source (the first half of a check);
 * syntax errors become diagnostics. */
void cbrcomp_parse(cbr_compiler *c);
/* Hands the sorted diagnostics to the config's on_diagnostic, if any. */
void cbrcomp_deliver(cbr_compiler *c);

/* ---- parse.c (parser.y) ---- */
/* Parses source `file` into c->src[file].items; syntax errors become diagnostics. */
void cbrparse_source(cbr_compiler *c, uint32_t file);

/* ---- sema.c ---- */
/* Resolves names and checks types across all parsed sources. */
void cbrsema_check(cbr_compiler *c);

#endif
