/* cbr.h: the public interface of libcbr, the cashback rules engine.
 *
 * This is the only installed header and the API reference.  A host compiles
 * .cbr sources or loads a verified bundle into a program, fills batches of
 * transactions and evaluates them against every active offer.  No function
 * here prints, exits or aborts.  Strings are UTF-8 and NUL-terminated unless
 * a length is given.
 *
 * Three rules hold for every function here:
 *  - Errors.  A call that can fail returns a cbr_status (CBR_OK is 0) and
 *    takes, as its last argument, a cbr_error *err that may be NULL; when
 *    the call fails and err is not NULL, err gets the same status and a
 *    message that names where and why.  A call that makes a handle hands it
 *    back through an out argument (cbr_batch **out), set to NULL when the
 *    call fails.  Calls that cannot fail return their value: frees, counts,
 *    accessors, lookups (NULL or -1 when there is nothing there, as each
 *    says) and formatting into the caller's buffer (a length, as snprintf).
 *  - Buffers.  Every buffer the library allocates and hands over (a saved
 *    bundle, a state snapshot, a listing, formatted text) is taken from the
 *    allocator of the handle or config it came from, and the caller
 *    releases it with cbr_free(buf).  Strings a handle owns (ids,
 *    diagnostics, cbr_batch_string) are never freed by the caller.
 *  - Allocation.  Every block a handle holds comes from its config's
 *    allocator (cbr_config.alloc): a batch, context, state or coverage
 *    takes its program's, a compiler and a standalone state their config's.
 *
 * No string the library hands out, or passes to an extern function, holds a
 * NUL character (U+0000) before its end, so strlen is its length: the lexer
 * refuses \u{0} and the bundle verifier any NUL in the rules' strings
 * (offer, campaign and field names, constants), and cbr_batch_set refuses a
 * record whose text holds one (CBR_ERR_RECORD).  So offer and campaign ids
 * of awards, cbr_batch_string, the arguments an extern function gets and
 * the keys of limit state never hold a NUL; an extern's string result is
 * read up to its first NUL.
 *
 * Threads: a cbr_program is immutable once made and may be shared by any
 * number of threads; batches and contexts belong to one thread at a time.
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

/* What every call that can fail returns. */
typedef enum cbr_status {
    CBR_OK = 0,
    CBR_ERR_NOMEM,     /* an allocation failed; the handle is still usable */
    CBR_ERR_IO,        /* a file could not be read or written */
    CBR_ERR_COMPILE,   /* the sources have errors: see the diagnostics */
    CBR_ERR_LIMIT,     /* an input exceeded a documented limit */
    CBR_ERR_ARG,       /* a NULL handle or an argument out of range */
    CBR_ERR_STATE,     /* the call is not valid in the handle's current state */
    CBR_ERR_BUNDLE,    /* a compiled bundle is truncated, corrupt or hostile */
    CBR_ERR_RECORD     /* a transaction record cannot be read (bad value, missing field) */
} cbr_status;

/* An error as a value: the status and a message that names where and why. */
typedef struct cbr_error {
    cbr_status status;
    char message[320];
} cbr_error;

/* A short lowercase name for a status ("ok", "out of memory", ...); never NULL. */
CBR_API const char *cbr_status_text(cbr_status st);

/* The version of this header.  From 1.0 on, a library of the same major
 * version runs a program built against any header of a smaller or equal
 * minor version: structs the caller allocates carry their size
 * (cbr_config, cbr_store, cbr_program_info, cbr_coverage_item), so a newer
 * library never reads or writes past an older program's struct.  Before
 * 1.0 a minor version may change calls: 0.3 gave every fallible call the
 * one error convention and every returned buffer cbr_free (the rules at
 * the top of this file); 0.4 added tables, tallies, reward expressions and
 * best-of groups to the language, cbr_program_info.tallies and
 * cbr_program_tally_count/_name, and made cbr_evaluate read the store for
 * a program with tallies; 0.5 added the award ledger (record kinds, the
 * store's record calls, cbr_ledger_*, cbr_award_id) and made a money
 * limit or budget without a currency one pot (cbr_program_pot_key); 0.6
 * added what the sources name (cbr_compiler_symbol, _reference). */
#define CBR_VERSION_MAJOR 0
#define CBR_VERSION_MINOR 7
#define CBR_VERSION_PATCH 0
#define CBR_VERSION_NUM (CBR_VERSION_MAJOR * 10000 + CBR_VERSION_MINOR * 100 + CBR_VERSION_PATCH)

/* The library's version, e.g. "0.2.0", and as a number like
 * CBR_VERSION_NUM: compare the two to learn which library was loaded. */
CBR_API const char *cbr_version(void);
CBR_API int cbr_version_num(void);

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
    size_t size;                     /* sizeof(cbr_config), set by cbr_config_init */
    cbr_alloc_fn alloc;              /* NULL: the C library's realloc/free */
    void *alloc_ud;
    cbr_diagnostic_fn on_diagnostic; /* NULL: diagnostics are only stored */
    void *diagnostic_ud;
    const char *zoneinfo_dir;        /* NULL: $TZDIR, else /usr/share/zoneinfo */
    cbr_limits limits;
    /* Host functions for `extern fn` (cbr_externs_new); must outlive every
     * program made with this config.  When set, making a program
     * (cbr_compiler_program, cbr_program_load) fails with CBR_ERR_ARG if an
     * extern fn the rules declare is not registered, or is registered with
     * another signature; the message names the function and both
     * signatures.  NULL: a program that calls an extern function can be
     * compiled, saved and listed, but not evaluated. */
    const struct cbr_externs *externs;
    /* Public keys (CBR_PUBLIC_KEY_BYTES each) that sign the bundles this
     * host accepts; read by cbr_program_load only, so they need not outlive
     * it.  Default NULL and 0: a bundle loads whether signed or not.  With
     * ntrusted_keys > 0, cbr_program_load refuses (CBR_ERR_BUNDLE) a bundle
     * that is not signed, one signed by a key not in the list, and one whose
     * signature does not verify.  Programs compiled from sources are not
     * affected: a host that requires signed rules loads bundles only. */
    const unsigned char (*trusted_keys)[32];
    size_t ntrusted_keys;
} cbr_config;

/* Fills *cfg with the defaults above, size included.  Always call it before
 * changing fields, so that fields added in later versions get their
 * defaults; the library reads only the first size bytes of a config and
 * takes the defaults for the rest. */
CBR_API void cbr_config_init(cbr_config *cfg);

/* ---- compiling ------------------------------------------------------------ */

/* A compiler gathers sources, then checks them as one program (offers in one
 * file may name campaigns of another).  Not thread-safe; use one per thread. */
typedef struct cbr_compiler cbr_compiler;

/* Creates a compiler.  cfg may be NULL for the defaults; it is copied.
 * Fails only when memory runs out. */
CBR_API cbr_status cbr_compiler_new(const cbr_config *cfg, cbr_compiler **out, cbr_error *err);

/* Frees the compiler and everything it owns (diagnostics included).  NULL is a no-op. */
CBR_API void cbr_compiler_free(cbr_compiler *c);

/* Adds a source text under `name` (used in diagnostics and for bare-rule ids:
 * the file stem of `name`).  The text is copied; it need not be NUL-terminated.
 * Invalid UTF-8 and oversized input are reported as diagnostics at check time.
 * Fails with CBR_ERR_STATE after cbr_compiler_check. */
CBR_API cbr_status cbr_compiler_add_source(cbr_compiler *c, const char *name,
                                           const char *text, size_t len, cbr_error *err);

/* Reads the file at `path` and adds it under that name.  CBR_ERR_IO when it
 * cannot be read (the message names the file and the system's reason). */
CBR_API cbr_status cbr_compiler_add_file(cbr_compiler *c, const char *path, cbr_error *err);

/* Lexes, parses, resolves and type-checks every added source, recording all
 * errors and warnings.  CBR_OK when there are no errors (warnings allowed),
 * CBR_ERR_COMPILE otherwise (the message counts the errors; the
 * diagnostics say what they are).  May be called once per compiler. */
CBR_API cbr_status cbr_compiler_check(cbr_compiler *c, cbr_error *err);

/* The diagnostics recorded so far, in the order of the sources and, within a
 * source, by position; index < cbr_compiler_diagnostic_count(c). */
CBR_API size_t cbr_compiler_diagnostic_count(const cbr_compiler *c);
CBR_API const cbr_diagnostic *cbr_compiler_diagnostic(const cbr_compiler *c, size_t index);
CBR_API unsigned cbr_compiler_error_count(const cbr_compiler *c);
CBR_API unsigned cbr_compiler_warning_count(const cbr_compiler *c);

/* Formats a diagnostic the way compilers do:
 *     FILE:LINE:COL: error: MESSAGE
 *      3 |     when amount >= >= 15 then cashback 10%
 *        |                    ^~
 * (with the hint on a last line when there is one).  The caret lines up under
 * wide characters and tabs.  *out is the text, NUL-terminated, from cfg's
 * allocator (cfg may be NULL for the defaults; release it with cbr_free),
 * and *len (when not NULL) its length. */
CBR_API cbr_status cbr_diagnostic_format(const cbr_config *cfg, const cbr_diagnostic *d,
                                         char **out, size_t *len, cbr_error *err);

/* Prints one .cbr source in the canonical layout (doc/language.md,
 * "Formatting"): indentation, spacing and line breaks are the formatter's,
 * while every token keeps its spelling (literals stay as written) and every
 * comment stays before the statement it preceded or at the end of its line.
 * The text is only parsed, not checked, so a file that uses names declared
 * in another file formats alone.  The result is verified to be the same
 * program: the same tokens, comments and bare-rule lines (a bare rule's id
 * is its line, so it never moves).
 * On CBR_OK, *out is the formatted text, NUL-terminated, from cfg's
 * allocator (release it with cbr_free), and *out_len (when not NULL) its
 * length; formatting formatted text changes nothing.  A text with syntax
 * errors is not formatted: CBR_ERR_COMPILE, and each error goes to
 * cfg->on_diagnostic as cbr_compiler_check would report it (the same codes,
 * positions and messages); so does `fmt-moves-rule`, for a bare rule that the
 * lines above it would push down.  CBR_ERR_STATE when the formatted text
 * would not be the same program (the text is then left alone), CBR_ERR_NOMEM,
 * CBR_ERR_ARG.  cfg may be NULL for the defaults; name is used in diagnostics
 * and, like a source's name, for bare-rule ids. */
CBR_API cbr_status cbr_format(const cbr_config *cfg, const char *name, const char *text,
                              size_t len, char **out, size_t *out_len, cbr_error *err);

/* Counts of what a checked program holds (0 before a successful check).
 * Set size to sizeof(cbr_program_info) before the call: the library fills
 * no more than that (CBR_ERR_ARG when it is smaller than the first
 * version's struct). */
typedef struct cbr_program_info {
    size_t size;
    unsigned offers, campaigns, fields, lets, externs, tests, clauses;
    unsigned tallies;        /* nonzero: cbr_evaluate reads the store (tallies) */
} cbr_program_info;
CBR_API cbr_status cbr_compiler_info(const cbr_compiler *c, cbr_program_info *out, cbr_error *err);

/* ---- what the sources name, for editors ------------------------------------ */

/* After cbr_compiler_check, with or without errors, a compiler lists every
 * name the program declares (symbols) and every place a name is used
 * (references), as the checker resolved them: what a language server needs
 * for hover, go to definition, find references, completion and outlines.
 * A half-written program has whatever was declared and resolved in it. */
typedef enum cbr_symbol_kind {
    CBR_SYMBOL_FIELD,     /* a standard, derived or declared field */
    CBR_SYMBOL_LET,
    CBR_SYMBOL_TALLY,
    CBR_SYMBOL_TABLE,
    CBR_SYMBOL_EXTERN,    /* an `extern fn` */
    CBR_SYMBOL_FUNCTION,  /* a built-in function */
    CBR_SYMBOL_WEEKDAY,   /* MON .. SUN */
    CBR_SYMBOL_CAMPAIGN,
    CBR_SYMBOL_OFFER,     /* an offer or a bare rule */
    CBR_SYMBOL_TEST
} cbr_symbol_kind;

/* A stretch of a source: lines and columns as in cbr_diagnostic (1-based,
 * columns in code points, the end one past the last character).  file is
 * the name the source was added under; NULL, with zero lines, for what the
 * language itself defines (standard fields, built-in functions, weekdays). */
typedef struct cbr_span {
    const char *file;
    unsigned line, column, end_line, end_column;
} cbr_span;

typedef struct cbr_symbol {
    cbr_symbol_kind kind;
    const char *name;     /* a name, or an offer's, campaign's or test's id */
    const char *type;     /* "money", "list of string"; a table's "string -> decimal"
                             or "set of int"; a function's signature; "" for
                             campaigns, offers and tests */
    const char *what;     /* for people: "standard field", "let", "bare rule", ... */
    const char *campaign; /* an offer's campaign id, else NULL */
    cbr_span name_at;     /* its name where it is declared */
    cbr_span decl;        /* the whole declaration */
} cbr_symbol;

typedef struct cbr_reference {
    size_t symbol;        /* the index of the symbol named here */
    cbr_span at;          /* the name as written (a campaign's or offer's id with its quotes) */
} cbr_reference;

/* The symbols, in a fixed order: fields, lets, tallies, tables, externs,
 * built-in functions, weekdays, campaigns, offers, tests, each in the order
 * of declaration; 0 and NULL before the check or when memory ran out.
 * Strings belong to the compiler. */
CBR_API size_t cbr_compiler_symbol_count(cbr_compiler *c);
CBR_API const cbr_symbol *cbr_compiler_symbol(cbr_compiler *c, size_t index);
/* The references, in the order of the sources and, within one, of the
 * declarations that hold them.  A declaration is not a reference to itself. */
CBR_API size_t cbr_compiler_reference_count(cbr_compiler *c);
CBR_API const cbr_reference *cbr_compiler_reference(cbr_compiler *c, size_t index);

/* ---- programs ------------------------------------------------------------- */

/* A compiled, verified program: offers, campaigns and their code.  Immutable;
 * share it freely between threads, free it once after they are done. */
typedef struct cbr_program cbr_program;

/* Generates the program of a checked compiler (cbr_compiler_check returned
 * CBR_OK).  CBR_ERR_STATE before the check, CBR_ERR_COMPILE when the sources
 * have errors, CBR_ERR_ARG when the config's externs do not match the
 * rules' `extern fn` declarations.  The program does not refer to the
 * compiler afterwards. */
CBR_API cbr_status cbr_compiler_program(cbr_compiler *c, cbr_program **out, cbr_error *err);

/* Loads a bundle written by cbr_program_save or cbr_program_save_signed:
 * every section, index, register and instruction is verified before
 * anything can run it.  A truncated, corrupt or hostile bundle gives
 * CBR_ERR_BUNDLE and a message; it never crashes.  Any single changed byte,
 * in the signature too, is a refusal.  When cfg has trusted keys, the
 * signature is checked first, before the bundle is read, and these are
 * refused with CBR_ERR_BUNDLE:
 *     bundle is not signed; a trusted key is required
 *     bundle is signed by key 1f3a5c7e9b0d2468, which is not trusted
 *     bundle signature does not verify: the bundle was changed after signing
 * Without trusted keys a signed bundle loads like an unsigned one (its
 * signature cannot be checked without the public key, so only its checksum
 * is).  CBR_ERR_ARG when cfg's externs do not match the bundle's
 * `extern fn` declarations (see cbr_config).  cfg may be NULL for the
 * defaults. */
CBR_API cbr_status cbr_program_load(const cbr_config *cfg, const void *data, size_t len,
                                    cbr_program **out, cbr_error *err);

/* Serialises the program as a bundle (.cbrx): *data, *len bytes from the
 * program's allocator; release it with cbr_free. */
CBR_API cbr_status cbr_program_save(const cbr_program *p, void **data, size_t *len, cbr_error *err);

/* Releases a buffer the library handed over (see the rules at the top).
 * NULL is a no-op. */
CBR_API void cbr_free(void *buf);

CBR_API void cbr_program_free(cbr_program *p);

/* A readable listing of the program: offers, clauses, registers, constants
 * and instructions.  *out is NUL-terminated, from the program's allocator
 * (release it with cbr_free); *len (when not NULL) its length. */
CBR_API cbr_status cbr_program_disasm(const cbr_program *p, char **out, size_t *len, cbr_error *err);

/* The program's content hash: the SHA-256 of the bundle cbr_program_save
 * writes for it, as 64 lowercase hex digits.  The same for a program made
 * from source and for the bundle it was saved to, signed or not (the
 * signature is not part of the content), so hosts name the rules that
 * granted an award by it.  "" for NULL. */
CBR_API const char *cbr_program_hash(const cbr_program *p);

/* ---- signed bundles -------------------------------------------------------- */

/* Bundles are signed with Ed25519 (libsodium).  A key pair is a public key
 * of 32 bytes, which hosts trust (cbr_config.trusted_keys), and a secret key
 * of 64 bytes (libsodium's layout: the 32-byte seed, then the public key),
 * which only the signer holds.  A key is named by its key id: the first 8
 * bytes of the SHA-256 of the public key, as 16 hex digits. */
#define CBR_PUBLIC_KEY_BYTES 32
#define CBR_SECRET_KEY_BYTES 64
#define CBR_KEY_ID_CHARS 16
/* The longest text cbr_key_format writes, its newline and NUL included. */
#define CBR_KEY_TEXT_MAX 160

typedef enum cbr_key_kind { CBR_KEY_PUBLIC = 0, CBR_KEY_SECRET = 1 } cbr_key_kind;

/* Makes a new key pair from the system's random source.  CBR_ERR_ARG for a
 * NULL buffer, CBR_ERR_STATE if libsodium cannot be initialised. */
CBR_API cbr_status cbr_keygen(unsigned char public_key[32], unsigned char secret_key[64], cbr_error *err);

/* Writes the key id of a public key (16 hex digits and a NUL) to id. */
CBR_API void cbr_key_id(const unsigned char public_key[32], char id[17]);

/* A key as the one line of a key file, newline included:
 *     cbr-ed25519-public 1f3a...      (64 hex digits)
 *     cbr-ed25519-secret 9c04...      (128 hex digits)
 * Writes it NUL-terminated to buf and returns its length without the NUL;
 * 0 when buf (of n bytes; CBR_KEY_TEXT_MAX always suffices) is too small. */
CBR_API size_t cbr_key_format(cbr_key_kind kind, const unsigned char *key, char *buf, size_t n);

/* Reads a key of the given kind from the text of a key file (len bytes, one
 * line as cbr_key_format writes it; a final newline, or CRLF, is optional;
 * hex digits in either case) into key (32 or 64 bytes).  A malformed text
 * is CBR_ERR_ARG with a message naming `name` and the line, e.g.
 * "k.pub:1: expected 64 hex digits after `cbr-ed25519-public`, found 63
 * characters", or "k.key:1: this is a secret key; expected a public key";
 * a secret key whose public half does not match its seed is refused too.
 * Messages never quote key material. */
CBR_API cbr_status cbr_key_parse(cbr_key_kind kind, const char *name, const char *text, size_t len,
                                 unsigned char *key, cbr_error *err);

/* cbr_key_parse on the file at path (named in messages by its path).
 * CBR_ERR_IO when it cannot be read, CBR_ERR_ARG when it is malformed or
 * larger than 4096 bytes.  Writing key files (with mode 0600 for a secret
 * key) is the host's: `cbrc keygen` does it. */
CBR_API cbr_status cbr_key_read(cbr_key_kind kind, const char *path, unsigned char *key, cbr_error *err);

/* cbr_program_save, followed by a signature trailer: the key id of the
 * secret key's public half and the Ed25519 signature of every byte before
 * the trailer (doc/vm.md).  *data is allocated with the program's
 * allocator; release it with cbr_free.  CBR_ERR_ARG when the
 * secret key's public half does not match its seed. */
CBR_API cbr_status cbr_program_save_signed(const cbr_program *p, const unsigned char secret_key[64],
                                           void **data, size_t *len, cbr_error *err);

/* How a program's bundle was signed. */
typedef enum cbr_signature {
    CBR_UNSIGNED = 0,          /* compiled from sources, or an unsigned bundle */
    CBR_SIGNED_UNVERIFIED,     /* signed, loaded without trusted keys: not checked */
    CBR_SIGNED_TRUSTED         /* signed by a trusted key; the signature verified */
} cbr_signature;

/* The signature state of p and, when key_id is not NULL, the signer's key
 * id (16 hex digits; "" when unsigned). */
CBR_API cbr_signature cbr_program_signature(const cbr_program *p, char key_id[17]);

/* CBR_OK when the program can be evaluated; CBR_ERR_STATE with a message
 * naming the function when it calls an extern function that its config's
 * registry did not provide. */
CBR_API cbr_status cbr_program_runnable(const cbr_program *p, cbr_error *err);

/* Tallies in declaration order, and each one's name (NULL out of range).
 * A program with tallies reads the store in cbr_evaluate (see below), so a
 * host that evaluates batches in parallel must not do so for it. */
CBR_API size_t cbr_program_tally_count(const cbr_program *p);
CBR_API const char *cbr_program_tally_name(const cbr_program *p, size_t tally);

/* Offers in evaluation order (priority, highest first, then id bytes). */
CBR_API size_t cbr_program_offer_count(const cbr_program *p);
CBR_API const char *cbr_program_offer_id(const cbr_program *p, size_t offer);
/* The offer's campaign id, or NULL. */
CBR_API const char *cbr_program_offer_campaign(const cbr_program *p, size_t offer);
/* The budget of an offer (of_campaign 0) or of its campaign (1) as written:
 * amount "500.00" and currency "USD", or "" when it is one pot for every
 * currency.  0 when there is no such budget. */
CBR_API int cbr_program_offer_budget(const cbr_program *p, size_t offer, int of_campaign,
                                     char amount[40], char currency[4]);

/* Transaction fields: the standard ones first, then derived, then declared. */
typedef enum cbr_type {
    CBR_T_BOOL = 1, CBR_T_INT, CBR_T_DECIMAL, CBR_T_MONEY, CBR_T_STRING,
    CBR_T_DATE, CBR_T_INSTANT, CBR_T_WEEKDAY
} cbr_type;
CBR_API size_t cbr_program_field_count(const cbr_program *p);
CBR_API const char *cbr_program_field_name(const cbr_program *p, size_t field);
CBR_API cbr_type cbr_program_field_type(const cbr_program *p, size_t field);
/* Whether a transaction supplies the field (false for derived fields such as
 * weekday, computed from timestamp in each offer's time zone). */
CBR_API int cbr_program_field_is_input(const cbr_program *p, size_t field);
/* The index of a field by name, or -1. */
CBR_API int cbr_program_field(const cbr_program *p, const char *name, size_t len);

/* ---- host functions ------------------------------------------------------- */

/* A registry of the native functions that rules declare with `extern fn`
 * and call like built-ins.  Each is called through libffi with a signature
 * prepared once, when a program is made.  C types of the language's types:
 *   bool -> int (0 or 1); int -> int64_t; date -> int64_t (days since
 *   1970-01-01); instant -> int64_t (Unix seconds); weekday -> int64_t
 *   (1 = MON .. 7 = SUN); string -> const char * (UTF-8, NFC,
 *   NUL-terminated); decimal and money -> const char * holding the exact
 *   decimal text ("12.50"), so no value ever passes through a double.
 * A string or decimal result is copied at once; NULL means missing.  A
 * function is never called with a missing argument: the call is missing.
 * Functions must be pure and thread-safe if the program is shared.
 * Making a program with a registry checks it against the rules: a function
 * they declare that is missing, or registered with another signature, is
 * CBR_ERR_ARG ("extern fn f is declared (string) -> string, but the host
 * registered (int) -> int").  A program made without one is not runnable
 * (cbr_program_runnable, CBR_ERR_STATE). */
typedef struct cbr_externs cbr_externs;
typedef void (*cbr_native_fn)(void);
/* cfg (may be NULL) gives the registry its allocator. */
CBR_API cbr_status cbr_externs_new(const cbr_config *cfg, cbr_externs **out, cbr_error *err);
CBR_API void cbr_externs_free(cbr_externs *x);
/* Registers fn under name with its signature (at most 16 parameters).
 * CBR_ERR_ARG for a bad name or type, CBR_ERR_STATE for a name already
 * registered. */
CBR_API cbr_status cbr_externs_add(cbr_externs *x, const char *name, cbr_native_fn fn,
                                   cbr_type ret, const cbr_type *params, size_t nparams,
                                   cbr_error *err);

/* ---- batches of transactions -------------------------------------------- */

/* Transactions to evaluate, stored by column.  A batch belongs to a program
 * and holds up to `capacity` rows (0: the default, 1024).  CBR_ERR_ARG for
 * a NULL program, CBR_ERR_LIMIT for a capacity past 1 << 20, CBR_ERR_NOMEM. */
typedef struct cbr_batch cbr_batch;
CBR_API cbr_status cbr_batch_new(const cbr_program *p, size_t capacity, cbr_batch **out,
                                 cbr_error *err);
CBR_API void cbr_batch_free(cbr_batch *b);
/* Empties the batch for reuse; its memory is kept. */
CBR_API void cbr_batch_clear(cbr_batch *b);
CBR_API size_t cbr_batch_rows(const cbr_batch *b);
CBR_API size_t cbr_batch_capacity(const cbr_batch *b);

/* Adding a row: begin it, set its fields from text, end it.  Text is read
 * exactly as in an input file: amounts as decimals ("12.50"), timestamps as
 * RFC 3339 instants, strings as UTF-8 (normalised to NFC).  A field never set
 * is missing.  cbr_batch_set returns CBR_ERR_RECORD for a value that cannot
 * be read, with a message naming that field: in any field, a text holding a
 * NUL character (U+0000) cannot be read ("field `user_id`: the text holds a
 * NUL character (U+0000) at byte 4"); the row is then refused by
 * cbr_batch_end_row with the first such message (setting the field again
 * does not undo it).  end_row also checks the required fields (tid, amount,
 * currency, timestamp) and the amount against its currency.  A refused row
 * is not added; its error says why.  cbr_batch_begin_row starts afresh:
 * nothing of a row refused or left unfinished carries over to the next.
 * Begin fails with CBR_ERR_LIMIT when the batch is full. */
CBR_API cbr_status cbr_batch_begin_row(cbr_batch *b, cbr_error *err);
CBR_API cbr_status cbr_batch_set(cbr_batch *b, size_t field, const char *text, size_t len,
                                 cbr_error *err);
CBR_API cbr_status cbr_batch_end_row(cbr_batch *b, size_t *row, cbr_error *err);

/* Since 0.7: typed setters, for hosts that hold values in binary and need
 * not print them as text for cbr_batch_set to read back.  Each sets one
 * field of the row being added, like cbr_batch_set, and returns
 * CBR_ERR_ARG when the field is not of its type (or is derived, kind or
 * original_tid, which are set from text), CBR_ERR_STATE outside a row.
 *   set_int:     an int field (mcc, declared ints).
 *   set_minor:   the amount in minor units of the row's currency (1250 with
 *                currency USD is 12.50; with JPY, 1250 yen), whichever of
 *                the two is set first.
 *   set_instant: an instant field (timestamp) in Unix seconds; one outside
 *                the years 0000 to 9999 (UTC) is unreadable (CBR_ERR_RECORD,
 *                and end_row refuses the row), as its text would be.
 *   intern:      a string's id in this batch, checked and normalised as
 *                cbr_batch_set does (CBR_ERR_RECORD for invalid UTF-8, a NUL,
 *                a text past the string limit); the same text gives the same
 *                id until the batch is cleared.  A host with a dictionary of
 *                values (merchants, countries) interns each once a batch.
 *   set_interned: a string field from such an id (CBR_ERR_ARG when the id
 *                is not one of this batch's). */
CBR_API cbr_status cbr_batch_set_int(cbr_batch *b, size_t field, int64_t value, cbr_error *err);
CBR_API cbr_status cbr_batch_set_minor(cbr_batch *b, size_t field, int64_t minor, cbr_error *err);
CBR_API cbr_status cbr_batch_set_instant(cbr_batch *b, size_t field, int64_t unix_seconds, cbr_error *err);
CBR_API cbr_status cbr_batch_intern(cbr_batch *b, const char *text, size_t len, uint32_t *id, cbr_error *err);
CBR_API cbr_status cbr_batch_set_interned(cbr_batch *b, size_t field, uint32_t id, cbr_error *err);

/* The text of a string field of a row (its NFC form, NUL-terminated), or
 * NULL when the field is missing or not a string.  The pointer stays valid
 * until the batch is cleared or freed: later rows, the string functions of
 * an evaluation and extern results add strings without moving it. */
CBR_API const char *cbr_batch_string(const cbr_batch *b, size_t row, size_t field, size_t *len);
/* (Since 0.5, field CBR_FIELD_ORIGINAL_TID gives a refund's original_tid.)
 * Since 0.5: 1 when row `row` is a refund (its `kind`), 0 for a purchase or
 * a row the batch does not hold. */
CBR_API int cbr_batch_refund(const cbr_batch *b, size_t row);

/* ---- evaluation ----------------------------------------------------------- */

/* What an award line says (since 0.5). */
typedef enum cbr_event {
    CBR_EVENT_AWARD = 0,     /* a purchase earned it */
    CBR_EVENT_REVERSAL = 1,  /* a refund took back part or all of an award (cashback < 0) */
    CBR_EVENT_VEST = 2       /* a pending award is paid (cbr_ledger_vest) */
} cbr_event;

/* One award: cashback in the currency's minor units (USD cents). */
typedef struct cbr_award {
    size_t row;              /* the transaction's row in the batch */
    size_t offer;            /* index, as in cbr_program_offer_id */
    const char *offer_id;
    const char *campaign_id; /* NULL when the offer has no campaign */
    int64_t cashback;        /* in minor units: 250 is 2.50 USD */
    int exponent;            /* minor digits of the currency: 2 for USD */
    char currency[4];
    unsigned clause;         /* the clause that fired, 0-based */
    int cut;                 /* 1 when a limit or budget reduced it */
    /* Since 0.5: the award ledger (see "the award ledger" below). */
    cbr_event event;         /* an award, a reversal (cashback < 0) or a vest */
    int pending;             /* CBR_EVENT_AWARD of a `vest after` offer: paid when it vests */
    int64_t vests_at;        /* pending: the vesting moment (Unix seconds) */
    char vests[11];          /* pending: its local date in the offer's zone, YYYY-MM-DD */
    const char *tid;         /* the purchase's tid (for a reversal, the refunded purchase's) */
    const char *user_id;     /* the purchase's customer; NULL when it had none */
    const char *event_tid;   /* the record that made the event: the row's tid (a
                                reversal: the refund's); NULL for a vest */
} cbr_award;

/* Writes the award's id: unique and the same in every run and host, made
 * from the purchase's tid and the offer id (each with `\` and `/` escaped,
 * joined by `/`: tid `t1/x` with offer `y` is `t1\/x/y`, tid `t1` with offer
 * `x/y` is `t1/x\/y`).  A reversal and a vest carry the id of the award
 * they change.  Returns the length, as snprintf. */
CBR_API size_t cbr_award_id(const cbr_award *a, char *buf, size_t n);

/* Writes an award's amount as a decimal ("2.50", "300", "1.250"); returns
 * the length.  buf of 32 bytes always suffices. */
CBR_API size_t cbr_award_amount(const cbr_award *a, char *buf, size_t n);

typedef void (*cbr_award_fn)(void *ud, const cbr_award *a);

/* Per-thread evaluation state: registers, derived-field caches, the awards
 * of the last evaluation and the limit and budget state carried from one
 * transaction to the next. */
typedef struct cbr_context cbr_context;
/* A context evaluates batches of up to `capacity` rows (0: 1024); the same
 * errors as cbr_batch_new. */
CBR_API cbr_status cbr_context_new(const cbr_program *p, size_t capacity, cbr_context **out,
                                   cbr_error *err);
CBR_API void cbr_context_free(cbr_context *ctx);


/* ---- test blocks ---------------------------------------------------------- */

/* Counts of what evaluations exercised (see cbr_coverage_new below). */
typedef struct cbr_coverage cbr_coverage;

/* The outcome of one `test` block of the sources. */
typedef struct cbr_test_result {
    const char *test;        /* its name */
    const char *file;        /* where the test is, or its failing step */
    unsigned line, column;
    int passed;
    unsigned step;           /* failed: the 1-based step; 0 when it passed */
    const char *message;     /* failed: expected and actual awards */
    const char *why;         /* failed at an expect about one offer: that offer's
                                explain verdict for the step's transaction (the
                                reason of cbr_explanation); NULL otherwise */
} cbr_test_result;

typedef void (*cbr_test_fn)(void *ud, const cbr_test_result *r);

/* Runs every `test` block of the checked compiler c against p (made from c),
 * in source order.  Each test starts from empty limit and budget state (plus
 * what its `already` steps count in it) and carries it from step to step;
 * its `stub` steps stand in for the extern functions, and so they do
 * whenever p's config registered none (a call no stub answers then fails
 * its step); a `given` evaluates one transaction and the
 * `expect` steps after it check that transaction's awards:
 * `expect cashback X from "o"` that offer o awarded exactly X, `expect no
 * cashback` that nothing was awarded, `expect no cashback from "o"` that
 * offer o awarded nothing.  fn gets each result (it may be NULL);
 * *passed and *failed the counts. */
CBR_API cbr_status cbr_compiler_run_tests(cbr_compiler *c, const cbr_program *p, cbr_test_fn fn,
                                          void *ud, unsigned *passed, unsigned *failed,
                                          cbr_error *err);
/* The same, counting every evaluation into cov (see cbr_coverage_new). */
CBR_API cbr_status cbr_compiler_run_tests_covered(cbr_compiler *c, const cbr_program *p,
                                                  cbr_coverage *cov, cbr_test_fn fn, void *ud,
                                                  unsigned *passed, unsigned *failed, cbr_error *err);

/* ---- limit and budget state ---------------------------------------------- */

/* Limits and budgets count what was already awarded: per offer, user,
 * period and currency.  Settling reads these counters and reserves room in
 * them through a store.  Each key is a short text such as
 *     n|friday-x|u1|d2026-03-13         (awards of an offer per user per day)
 *     a|friday-x|u1|m2026-03-01|USD     (cashback per user per month)
 *     t|first-1000|-  t|flash|w2026-03-09 (awards of all users: `limit N total`)
 *     b|friday-x|USD  c|new-year|*      (offer and campaign budgets; `*`: a pot)
 *     b|daily-pot|d2026-03-13|USD       (a budget per period: `budget 15.00 per day`)
 *     k|visits|u1|m2026-03-01           (a tally: `count per user per month`)
 *     s|ny_spend|u1|-|USD               (a tally: `sum amount per user`, minor units)
 * The period part is `-` for all time, else d, w, m or y and the period's
 * first local date (calendar day, ISO week from Monday, month, year); a
 * total counter has no user part.  Ids and user ids are escaped so that
 * `|`, `\`, tab and newline cannot make two keys collide; no key holds a
 * NUL.  Each value is an integer: a count, or minor units of the currency.
 * A money limit or budget written without a currency is one pot across
 * currencies (since 0.5): its CUR part is `*` and it counts in units of
 * 10^-4 (see cbr_program_pot_key).
 *
 * The contract that keeps a budget from ever being overspent, even when
 * several contexts or processes share one store: settling a row reads what
 * it needs with get, decides the row's awards, then makes one reserve call
 * with every counter the row changes, each with the most it may reach.  The
 * store applies all the deltas only if every counter stays within its
 * maximum, atomically, and otherwise changes nothing and says so; the row is
 * then decided again from the values it reports.  A store failure (a status
 * other than CBR_OK) must leave the store exactly as it was. */
typedef struct cbr_reservation {
    const char *key;         /* not NUL-terminated */
    size_t len;
    int64_t delta;           /* what to add: 1 for an award, or its cashback */
    int64_t max;             /* the value may not pass it (INT64_MAX: no bound) */
    int64_t value;           /* out: the value before the call (0 when absent) */
} cbr_reservation;

typedef struct cbr_store {
    size_t size;             /* sizeof(cbr_store) as the host was built with */
    void *ud;
    /* The value under key, 0 when absent. */
    cbr_status (*get)(void *ud, const char *key, size_t len, int64_t *value);
    /* Fills items[i].value with each counter's value and, when for every i
     * delta <= 0 or value + delta <= max, adds every delta (creating absent
     * counters at 0) and sets *granted to 1; otherwise changes nothing and
     * sets *granted to 0.  The keys of one call are distinct.  Atomic with
     * respect to every other call on the same store. */
    cbr_status (*reserve)(void *ud, cbr_reservation *items, size_t n, int *granted);
    /* Since 0.5, the award ledger (below): records under keys `l|TID` (the
     * tid escaped as in counter keys), opaque bytes of at most
     * CBR_RECORD_MAX.  A store whose size does not reach these, or that
     * leaves them NULL, keeps no ledger: no record is a duplicate and a
     * refund reverses nothing.
     * record_get: the record under key in *data (valid until the next call
     * on the store) and *n; *data NULL when there is none.
     * record_put: stores the record under key, replacing one there.  due is
     * the earliest vesting moment (Unix seconds) of its pending awards,
     * INT64_MAX when it has none: what a vesting job selects records by
     * (cbr_ledger_vest); at is the timestamp of the record that made it,
     * for a retention rule.  Settling a row puts its record right after the
     * row's granted reserve call; a store shared between processes makes
     * the two one transaction. */
    cbr_status (*record_get)(void *ud, const char *key, size_t len, const void **data, size_t *n);
    cbr_status (*record_put)(void *ud, const char *key, size_t len, const void *data, size_t n,
                             int64_t due, int64_t at);
} cbr_store;

/* The longest ledger record: a purchase with every award of a program. */
#define CBR_RECORD_MAX ((size_t)1 << 24)

/* The in-memory store: counters keyed by interned parts of their keys,
 * with a snapshot that can be written and read back (cbrc run --state).
 * Not thread-safe: one per thread, or one behind a lock the host holds
 * around get and reserve. */
typedef struct cbr_state cbr_state;
/* cfg (may be NULL) gives the state its allocator, as a context's own state
 * takes its program's.  Fails only when memory runs out. */
CBR_API cbr_status cbr_state_new(const cbr_config *cfg, cbr_state **out, cbr_error *err);
CBR_API void cbr_state_free(cbr_state *st);
CBR_API cbr_store cbr_state_store(cbr_state *st);
CBR_API size_t cbr_state_count(const cbr_state *st);
/* Bytes the state holds in memory (tables and key text), for sizing. */
CBR_API size_t cbr_state_memory(const cbr_state *st);
/* The snapshot is text, one `KEY<TAB>VALUE` line per counter, sorted by
 * key; *data is from the state's allocator (release it with cbr_free) and
 * NUL-terminated (*len excludes the NUL).  CBR_ERR_ARG for a NULL argument,
 * CBR_ERR_NOMEM.
 * Loading adds each line's value to what st holds.  It is all or nothing: a
 * malformed line (no tab, a value that is not a whole number, a key holding
 * a NUL), a negative value, or a sum past INT64_MAX is refused with its line
 * number in err, and st is left exactly as it was. */
CBR_API cbr_status cbr_state_save(const cbr_state *st, char **data, size_t *len, cbr_error *err);
CBR_API cbr_status cbr_state_load(cbr_state *st, const char *data, size_t len, cbr_error *err);

/* Change tracking, for a host that writes the state through to storage of
 * its own after each batch (cbr-stream writes the changed counters in the
 * batch's SQLite transaction).  Off by default.  While on, each counter a
 * reservation (or a load) changes is remembered once; cbr_state_each_change
 * calls fn with each one's key (in a buffer valid during the call) and
 * value, in no particular order, and stops at fn's first status other than
 * CBR_OK, which it returns (err then names the counter);
 * cbr_state_forget_changes empties the list.  A reservation fails with
 * CBR_ERR_NOMEM, changing nothing, when the list cannot grow. */
typedef cbr_status (*cbr_change_fn)(void *ud, const char *key, size_t len, int64_t value);
CBR_API void cbr_state_track_changes(cbr_state *st, int on);
CBR_API cbr_status cbr_state_each_change(const cbr_state *st, cbr_change_fn fn, void *ud,
                                         cbr_error *err);
CBR_API void cbr_state_forget_changes(cbr_state *st);

/* ---- the award ledger ------------------------------------------------------ */

/* A record's `kind` (purchase when absent or empty, or refund) and a
 * refund's `original_tid` are read by every program, whatever its rules
 * name: cbr_program_field returns these indexes for "kind" and
 * "original_tid" when the rules declare no field of that name, and
 * cbr_batch_set takes them.  A kind of any other value is an unreadable
 * record (CBR_ERR_RECORD), and so is a refund without an original_tid or
 * with an amount that is not above zero. */
#define CBR_FIELD_KIND 0x40000000
#define CBR_FIELD_ORIGINAL_TID 0x40000001

/* Settling keeps a ledger in the store (cbr_store.record_get/_put; the
 * in-memory state keeps one): each purchase that changed anything (an
 * award, a counter or a tally) with its awards, what each is worth now,
 * pending or vested, the counters each counted in and the tallies that
 * counted the purchase; and each refund of such a purchase.
 *  - A row whose tid the ledger holds is a duplicate, and so are a refund in
 *    another currency than its purchase and one that would take the
 *    refunded total past the purchase's amount: settling refuses the row
 *    (cbr_context_refused says why), counts nothing and goes on.
 *  - A refund is not evaluated.  With R refunded so far and A the
 *    purchase's amount, each award W of the purchase is worth
 *    W * (A - R) / A, rounded toward zero (nothing under `refund full`);
 *    the refund reverses the difference from what it was worth before, one
 *    CBR_EVENT_REVERSAL per award changed, in the order they were granted,
 *    and gives the room back to the counters it counted in (a count back
 *    once the award is worth nothing); the tallies lose the refunded amount
 *    (sum) or the purchase once it is refunded in full (count), in the
 *    periods where they counted it.  A refund of a purchase the ledger does
 *    not hold changes nothing.
 *  - An award of a `vest after N days` offer is pending until the start of
 *    the local date N days after the purchase's (offer's zone); it counts
 *    against limits at once and is paid, at what it is worth then, by
 *    cbr_ledger_vest. */

/* Why settling refused row `row` of the last settled batch ("duplicate
 * transaction t1: already in the ledger", "refund in another currency than
 * purchase t1 (USD)", "refund past the purchase's amount: ..."), or NULL
 * when it did not.  The text stays valid until the next cbr_evaluate. */
CBR_API const char *cbr_context_refused(const cbr_context *ctx, size_t row);

/* Vests the pending awards of one ledger record (as a store holds it) due
 * at or before `at` (Unix seconds): fn gets each one still worth something
 * as a CBR_EVENT_VEST award (row and offer are (size_t)-1: the record is
 * read without a program; offer_id, campaign_id, tid and user_id point into
 * *out).  *out (from cfg's allocator; release it with cbr_free) is the
 * record as it is after, *out_len its length and *due its new due moment
 * (cbr_store.record_put); *out is NULL when nothing vested.  A record that
 * is not one the library wrote is refused with CBR_ERR_STATE. */
typedef void (*cbr_vest_fn)(void *ud, const cbr_award *a);
CBR_API cbr_status cbr_ledger_vest(const cbr_config *cfg, const void *data, size_t len, int64_t at,
                                   cbr_vest_fn fn, void *ud, char **out, size_t *out_len,
                                   int64_t *due, cbr_error *err);
/* Writes the store key of purchase tid's ledger record (`l|` and the tid
 * escaped as in counter keys) into buf, up to cap bytes, not terminated;
 * returns its length (at most 2 * n + 2), as snprintf does. */
CBR_API size_t cbr_ledger_key(const char *tid, size_t n, char *buf, size_t cap);
/* Writes s (n bytes) as one part of a store key, the way the library
 * writes ids and user ids into counter and ledger keys: `|`, `\`, tab and
 * newline escaped as `\|`, `\\`, `\t` and `\n`, so that no input can make
 * two keys collide.  Into buf, up to cap bytes, not terminated; returns
 * its length (at most 2 * n), as snprintf does.  A host that reads a
 * batch's counters ahead builds their keys with it. */
CBR_API size_t cbr_key_escape(const char *s, size_t n, char *buf, size_t cap);

/* Since 0.5, a money limit or budget written without a currency is one pot
 * across currencies: its counter's key ends in `|*` instead of a currency
 * code and counts in units of 10^-4 (the finest minor unit of ISO 4217;
 * 2.50 is 25000), where before each currency had its own counter in its
 * minor units.  For a host converting a state kept before: when counter
 * key (of value value) is such an older counter of a pot of program p,
 * writes the pot's key into out (up to cap bytes, not terminated) with its
 * length and the value in the pot's units, and returns 1 (the host adds the
 * values of every currency's counter of one pot); 0 when the key is not
 * one (it stays as it is); -1 when cap is too small. */
CBR_API int cbr_program_pot_key(const cbr_program *p, const char *key, size_t n, int64_t value, char *out,
                                size_t cap, size_t *out_len, int64_t *out_value);
/* A ledger record as text, one line per purchase or refund and one per
 * award (what `cbrc state --dump` prints); *out NUL-terminated, from cfg's
 * allocator.  CBR_ERR_STATE for a record the library did not write. */
CBR_API cbr_status cbr_ledger_text(const cbr_config *cfg, const void *data, size_t len, char **out,
                                   size_t *out_len, cbr_error *err);
/* Vests every due pending award of the in-memory state, as cbr_ledger_vest
 * does record by record, calling fn in the order vesting jobs print:
 * vesting moment, then tid, then offer id. */
CBR_API cbr_status cbr_state_vest(cbr_state *st, int64_t at, cbr_vest_fn fn, void *ud, cbr_error *err);

/* The store a context reads and updates; NULL restores the context's own
 * in-memory state.  The store must outlive its use by the context.
 * CBR_ERR_ARG (and the context keeps its store) when store->size is smaller
 * than this library's cbr_store or get or reserve is NULL. */
CBR_API cbr_status cbr_context_set_store(cbr_context *ctx, const cbr_store *store, cbr_error *err);
/* The context's own in-memory state (what it uses when no store was set). */
CBR_API cbr_state *cbr_context_state(cbr_context *ctx);

/* Evaluation comes in two stages, so that a host can evaluate batches on
 * several threads and settle them in input order on one:
 *
 *   cbr_evaluate  runs every offer's code over every row of b and keeps
 *                 each row's candidate awards in ctx.  It changes nothing
 *                 anywhere.  For a program without tallies it reads only
 *                 the program and the batch, never the store, so any number
 *                 of threads may evaluate at once over one program, each
 *                 with its own context and batch.  For a program with
 *                 tallies (cbr_program_info.tallies) it also reads the
 *                 tally counters from the context's store (one get per
 *                 distinct counter of the batch), so a batch must be
 *                 evaluated after the one before it is settled (cbr_eval
 *                 does this); a batch whose tallies another writer moved
 *                 before it was settled is refused by cbr_settle with
 *                 CBR_ERR_STATE at the first row concerned ("tally NAME
 *                 changed since the batch was evaluated"), the rows before
 *                 it settled: evaluate the rest again.  A failing store
 *                 makes cbr_evaluate return its status.
 *   cbr_settle    ordered: turns the candidates into awards, row by row in
 *                 row order (priority order, exclusive groups, limits and
 *                 budgets) against the context's store, and passes each
 *                 award to fn (when not NULL), the awards of a row in the
 *                 order they were granted.  The batch must not change (nor
 *                 be freed) between the two.  A context belongs to one
 *                 thread at a time: it may be evaluated on one thread and
 *                 handed to another to settle.
 *
 * Each row is settled all or nothing: its counters change in one reserve
 * call (cbr_store).  When the store fails, cbr_settle returns its status
 * and the rows before the one that failed stay settled: their awards are
 * counted in the store, so they are passed to fn and kept, and
 * cbr_context_settled tells how many rows that is.  Calling cbr_settle
 * again resumes at that row (and passes only the awards of rows it settles
 * then); nothing is ever counted twice.  CBR_ERR_STATE when nothing was
 * evaluated or the batch changed since.
 *
 * cbr_eval is the two in one call.  The awards of the settled rows are kept
 * until the next cbr_evaluate (cbr_context_awards).  The batch must belong
 * to the context's program and hold no more rows than the context's
 * capacity. */
CBR_API cbr_status cbr_evaluate(cbr_context *ctx, cbr_batch *b, cbr_error *err);
CBR_API cbr_status cbr_settle(cbr_context *ctx, cbr_award_fn fn, void *ud, cbr_error *err);
CBR_API cbr_status cbr_eval(cbr_context *ctx, cbr_batch *b, cbr_award_fn fn, void *ud,
                            cbr_error *err);
CBR_API const cbr_award *cbr_context_awards(const cbr_context *ctx, size_t *n);
/* Rows of the last evaluated batch whose awards are counted in the store:
 * every row after a cbr_settle that returned CBR_OK, the rows before the
 * failing one otherwise. */
CBR_API size_t cbr_context_settled(const cbr_context *ctx);
/* The latest timestamp (Unix seconds; the latest in time, not the last in
 * input order) of the rows this context settled: 1 with *unix_seconds set,
 * or 0 before it settled any.  A host that settles batches on several
 * contexts over one store asks the context with the latest timestamp what
 * is left of a paced budget (cbr_context_budget_left), since that context
 * knows the current period. */
CBR_API int cbr_context_latest(const cbr_context *ctx, int64_t *unix_seconds);

/* What is left of the budget of an offer (of_campaign 0) or of its campaign
 * (1) in currency cur ("USD"), as the context's store counts it: *left and
 * *total (the whole budget; may be NULL) in minor units, *exponent (may be
 * NULL) the currency's minor digits.  A budget written without a currency
 * is one pot: what is left of it, in whole minor units of cur.
 * CBR_ERR_ARG when there is no such budget, or it is written in another
 * currency.
 * A paced budget (`budget 10.00 per day`) starts afresh each period, so
 * what is left is the current period's: the period that holds the latest
 * timestamp (the latest in time, not the last in input order) of the rows
 * this context settled, in the offer's zone (the campaign's zone for a
 * campaign budget).  Before the context settled any row, that is all of it.
 * cbr_context_budget_period says which period that is. */
CBR_API cbr_status cbr_context_budget_left(cbr_context *ctx, size_t offer, int of_campaign,
                                           const char *cur, int64_t *left, int64_t *total,
                                           int *exponent, cbr_error *err);

/* The period cbr_context_budget_left reads for that budget: *per is "day",
 * "week", "month" or "year" for a paced budget ("" for one of all time, a
 * static string), and start (11 bytes) the period's first local date as
 * YYYY-MM-DD ("2026-03-09" for the week of 2026-03-13), or "" when the
 * budget is of all time or the context settled no row yet.  CBR_ERR_ARG
 * when there is no such budget. */
CBR_API cbr_status cbr_context_budget_period(cbr_context *ctx, size_t offer, int of_campaign,
                                             const char **per, char start[11], cbr_error *err);

/* ---- explain --------------------------------------------------------------- */

/* What an offer made of one transaction. */
typedef enum cbr_verdict {
    CBR_AWARDED,             /* awarded in full */
    CBR_AWARDED_CUT,         /* awarded, cut down to what a limit or budget had left */
    CBR_NO_MATCH,            /* no clause held: see failed */
    CBR_NO_CASHBACK,         /* a clause held but earned nothing: the amount is not
                                positive, rounds to zero, or the reward or cap is
                                written in another currency */
    CBR_LIMIT_REACHED,       /* a clause held; a limit (per user or total) had no room left */
    CBR_BUDGET_SPENT,        /* a clause held; the offer's budget had no room left */
    CBR_CAMPAIGN_BUDGET_SPENT, /* a clause held; the campaign's budget had no room left */
    CBR_NO_USER,             /* a clause held; the offer has per-user limits and the
                                transaction no user_id */
    CBR_EXCLUDED,            /* a clause held; an earlier offer of the same exclusive
                                group awarded */
    CBR_NO_PARTIAL           /* a clause held; a limit or budget would have cut the
                                award, and the offer says `no partial` */
} cbr_verdict;

/* A condition a transaction failed, as the author wrote it. */
typedef struct cbr_failed_condition {
    const char *text;        /* `weekday == FRI`; for offer-wide conditions a
                                description: `valid 2026-01-01 to 2026-01-31` */
    const char *file;        /* NULL for offer-wide conditions */
    unsigned line, column;   /* 1-based; 0 for offer-wide conditions */
    int clause;              /* 0-based clause, -1 when offer-wide */
    char values[256];        /* what it compared: `weekday was THU (in
                                America/New_York)`, `amount was 12.50 USD` */
} cbr_failed_condition;

typedef struct cbr_explanation {
    size_t offer;            /* index, as in cbr_program_offer_id */
    const char *offer_id;
    const char *campaign_id; /* NULL when the offer has no campaign */
    const char *time_zone;   /* the offer's: where weekday, hour and date are read */
    cbr_verdict verdict;
    int clause;              /* the clause that held, 0-based; -1 with CBR_NO_MATCH */
    unsigned clause_line;    /* its line in the source */
    int64_t cashback;        /* awarded, in minor units */
    int64_t earned;          /* what the clause earned before limits and budgets */
    int exponent;            /* minor digits of the currency */
    char currency[4];
    const char *rounding;    /* the offer's rounding mode: "half-even", ... */
    /* CBR_NO_MATCH: the first failed condition of each clause, in clause
     * order; a single offer-wide one when it failed before any clause. */
    const cbr_failed_condition *failed;
    size_t nfailed;
    /* The verdict in one sentence, with the limit or budget that bound and
     * the values it held: `limit 3 per user per day reached: 3 of 3 used`. */
    char reason[320];
} cbr_explanation;

typedef void (*cbr_explain_fn)(void *ud, const cbr_explanation *e);

/* Evaluates the one transaction of batch b (a batch of exactly one row) as
 * cbr_eval would, against the context's limit and budget state, and calls
 * fn once per offer in evaluation order with its verdict.  The store is
 * only read: explaining a transaction never counts it.  The awards are
 * left in the context (cbr_context_awards). */
CBR_API cbr_status cbr_explain(cbr_context *ctx, cbr_batch *b, cbr_explain_fn fn, void *ud,
                               cbr_error *err);

/* ---- coverage -------------------------------------------------------------- */

/* How often each clause paid and each condition was true and false, summed
 * over every evaluation of the contexts it is attached to: what `cbrc test
 * --coverage` reports. */
CBR_API cbr_status cbr_coverage_new(const cbr_program *p, cbr_coverage **out, cbr_error *err);
CBR_API void cbr_coverage_free(cbr_coverage *cov);
/* Counts every later evaluation of ctx into cov (NULL: stop counting).  cov
 * must be made from ctx's program and outlive the attachment. */
CBR_API cbr_status cbr_context_set_coverage(cbr_context *ctx, cbr_coverage *cov, cbr_error *err);

typedef struct cbr_coverage_item {
    size_t size;             /* set to sizeof(cbr_coverage_item) before the call */
    const char *offer_id;
    int clause;              /* 0-based, -1 for an offer-wide condition */
    int is_clause;           /* 1: the clause itself; 0: one of its conditions */
    const char *text;        /* the condition; NULL for a clause */
    const char *file;        /* the condition's; NULL for clauses and offer-wide conditions */
    unsigned line, column;
    uint64_t reached;        /* rows that reached it */
    uint64_t held;           /* of those, rows for which it was true (a clause: rows it paid) */
} cbr_coverage_item;

/* Items in evaluation order: per offer its offer-wide conditions, then per
 * clause the clause and its conditions.  cbr_coverage_get fills *out (no
 * more than out->size bytes); CBR_ERR_ARG when i is out of range, an
 * argument is NULL or out->size is smaller than the first version's. */
CBR_API size_t cbr_coverage_count(const cbr_coverage *cov);
CBR_API cbr_status cbr_coverage_get(const cbr_coverage *cov, size_t i, cbr_coverage_item *out,
                                    cbr_error *err);

#ifdef __cplusplus
}
#endif
#endif /* CBR_H */
