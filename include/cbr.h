/* cbr.h: the public interface of libcbr, the cashback rules engine.
 *
 * This is the only installed header and the API reference.  A host compiles
 * .cbr sources (or, later, loads a verified bundle) and reads back every
 * diagnostic with its file, line and column.  No function here prints, exits
 * or aborts: every failure is a cbr_status value plus a message readable from
 * the handle.  Strings are UTF-8 and NUL-terminated unless a length is given.
 */
#ifndef CBR_H
#define CBR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && defined(CBR_BUILDING_LIBRARY)
#define CBR_API __attribute__((visibility("default")))
#else
#define CBR_API
#endif

/* Every call that can fail returns one of these.  CBR_OK is 0. */
typedef enum cbr_status {
    CBR_OK = 0,
    CBR_ERR_NOMEM,     /* an allocation failed; the handle is still usable */
    CBR_ERR_IO,        /* a file could not be read or written */
    CBR_ERR_COMPILE,   /* the sources have errors: see the diagnostics */
    CBR_ERR_LIMIT,     /* an input exceeded a documented limit */
    CBR_ERR_ARG,       /* a NULL handle or an argument out of range */
    CBR_ERR_STATE      /* the call is not valid in the handle's current state */
} cbr_status;

/* A short lowercase name for a status ("ok", "out of memory", ...); never NULL. */
CBR_API const char *cbr_status_text(cbr_status st);

/* The library's version, e.g. "0.1.0". */
CBR_API const char *cbr_version(void);

/* ---- allocation and configuration ---------------------------------------- */

/* The allocator every handle uses: realloc semantics (ptr NULL allocates,
 * size 0 frees and returns NULL).  ud is the config's alloc_ud. */
typedef void *(*cbr_alloc_fn)(void *ud, void *ptr, size_t size);

typedef enum cbr_severity { CBR_ERROR = 0, CBR_WARNING = 1, CBR_NOTE = 2 } cbr_severity;

/* One diagnostic.  Lines and columns are 1-based; columns count characters
 * (Unicode code points), not bytes.  All strings belong to the handle that
 * produced the diagnostic and live as long as it does. */
typedef struct cbr_diagnostic {
    cbr_severity severity;
    const char *file;        /* the name the source was added under */
    unsigned line, column;   /* where the problem starts */
    unsigned end_line, end_column; /* one past where it ends (same line when short) */
    const char *message;     /* lowercase, no trailing period */
    const char *hint;        /* e.g. "did you mean `FRI`?"; NULL when none */
    const char *source_line; /* the text of the line at `line`, without newline; "" if none */
    const char *code;        /* a stable identifier such as "unknown-name" */
} cbr_diagnostic;

/* Called for each diagnostic, in the sorted order, when a check ends (optional). */
typedef void (*cbr_diagnostic_fn)(void *ud, const cbr_diagnostic *d);

/* Limits on what the compiler accepts; each, when hit, is an error that names it. */
typedef struct cbr_limits {
    size_t max_source_bytes;     /* one source text */
    size_t max_line_bytes;       /* one line of source */
    unsigned max_nesting;        /* open parentheses and brackets at once */
    unsigned max_expr_depth;     /* depth of an expression tree */
    unsigned max_offers;         /* offers and bare rules in one program */
    unsigned max_clauses;        /* clauses in one offer */
    unsigned max_list_items;     /* elements of one list literal */
    size_t max_string_bytes;     /* one string literal */
    unsigned max_errors;         /* errors recorded before the compiler stops */
} cbr_limits;

#define CBR_DEFAULT_MAX_SOURCE_BYTES (16u << 20)
#define CBR_DEFAULT_MAX_LINE_BYTES   (64u << 10)
#define CBR_DEFAULT_MAX_NESTING      64u
#define CBR_DEFAULT_MAX_EXPR_DEPTH   256u
#define CBR_DEFAULT_MAX_OFFERS       10000u
#define CBR_DEFAULT_MAX_CLAUSES      1000u
#define CBR_DEFAULT_MAX_LIST_ITEMS   10000u
#define CBR_DEFAULT_MAX_STRING_BYTES (64u << 10)
#define CBR_DEFAULT_MAX_ERRORS       100u

typedef struct cbr_config {
    cbr_alloc_fn alloc;              /* NULL: the C library's realloc/free */
    void *alloc_ud;
    cbr_diagnostic_fn on_diagnostic; /* NULL: diagnostics are only stored */
    void *diagnostic_ud;
    const char *zoneinfo_dir;        /* NULL: $TZDIR, else /usr/share/zoneinfo */
    cbr_limits limits;
} cbr_config;

/* Fills *cfg with the defaults above.  Always call it before changing fields,
 * so that fields added in later versions get their defaults. */
CBR_API void cbr_config_init(cbr_config *cfg);

/* ---- compiling ------------------------------------------------------------ */

/* A compiler gathers sources, then checks them as one program (offers in one
 * file may name campaigns of another).  Not thread-safe; use one per thread. */
typedef struct cbr_compiler cbr_compiler;

/* Creates a compiler.  cfg may be NULL for the defaults; it is copied.
 * Returns NULL only when memory runs out. */
CBR_API cbr_compiler *cbr_compiler_new(const cbr_config *cfg);

/* Frees the compiler and everything it owns (diagnostics included).  NULL is a no-op. */
CBR_API void cbr_compiler_free(cbr_compiler *c);

/* Adds a source text under `name` (used in diagnostics and for bare-rule ids:
 * the file stem of `name`).  The text is copied; it need not be NUL-terminated.
 * Invalid UTF-8 and oversized input are reported as diagnostics at check time.
 * Fails with CBR_ERR_STATE after cbr_compiler_check. */
CBR_API cbr_status cbr_compiler_add_source(cbr_compiler *c, const char *name,
                                           const char *text, size_t len);

/* Reads the file at `path` and adds it under that name.  CBR_ERR_IO when it
 * cannot be read (the message, with the system's reason, is in cbr_compiler_errmsg). */
CBR_API cbr_status cbr_compiler_add_file(cbr_compiler *c, const char *path);

/* Lexes, parses, resolves and type-checks every added source, recording all
 * errors and warnings.  CBR_OK when there are no errors (warnings allowed),
 * CBR_ERR_COMPILE otherwise.  May be called once per compiler. */
CBR_API cbr_status cbr_compiler_check(cbr_compiler *c);

/* The diagnostics recorded so far, in the order of the sources and, within a
 * source, by position; index < cbr_compiler_diagnostic_count(c). */
CBR_API size_t cbr_compiler_diagnostic_count(const cbr_compiler *c);
CBR_API const cbr_diagnostic *cbr_compiler_diagnostic(const cbr_compiler *c, size_t index);
CBR_API unsigned cbr_compiler_error_count(const cbr_compiler *c);
CBR_API unsigned cbr_compiler_warning_count(const cbr_compiler *c);

/* The message of the last failed call on this compiler ("" when none). */
CBR_API const char *cbr_compiler_errmsg(const cbr_compiler *c);

/* Formats a diagnostic the way compilers do:
 *     FILE:LINE:COL: error: MESSAGE
 *      3 |     when amount >= >= 15 then cashback 10%
 *        |                    ^~
 * (with the hint on a last line when there is one).  The caret lines up under
 * wide characters and tabs.  Returns a NUL-terminated string allocated with
 * the C library's malloc, which the caller frees; NULL when memory runs out. */
CBR_API char *cbr_diagnostic_format(const cbr_diagnostic *d);

/* Counts of what a checked program holds (0 before a successful check). */
typedef struct cbr_program_info {
    unsigned offers, campaigns, fields, lets, externs, tests, clauses;
} cbr_program_info;
CBR_API cbr_status cbr_compiler_info(const cbr_compiler *c, cbr_program_info *out);

#ifdef __cplusplus
}
#endif
#endif /* CBR_H */
