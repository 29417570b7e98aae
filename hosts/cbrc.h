/* cbrc.h: what the files of the cbrc command share.  cbrc is the only part
 * of cbr that prints and picks exit statuses (contract §2). */
#ifndef CBR_HOSTS_CBRC_H
#define CBR_HOSTS_CBRC_H

#include <stdbool.h>
#include <stdio.h>
#include "include/cbr.h"

enum { EXIT_RULES = 1, EXIT_USAGE = 2, EXIT_REJECTS = 3 };

extern const char *cbrc_prog;

/* Prints "cbrc: " + message + a pointer to --help; returns EXIT_USAGE. */
int cbrc_usage_error(const char *fmt, const char *arg);

/* Writes s as a JSON string with the escapes RFC 8259 requires. */
void cbrc_json_str(FILE *f, const char *s);
void cbrc_json_strn(FILE *f, const char *s, size_t n);

/* Makes the program of RULES: .cbr sources compiled together (errors
 * printed, warnings too unless quiet) or one .cbrx bundle, loaded and
 * verified.  NULL with *rc set to the exit status on failure. */
cbr_program *cbrc_load_rules(const char *const *files, int n, bool quiet, int *rc);

/* cbrc_keys.c: takes every `--trusted-key FILE` out of argv when cmd loads
 * bundles, reading each public key; 0, or the exit status of an error
 * printed.  cbrc_trusted_config puts the keys into a config for
 * cbr_program_load; cbrc_read_secret_key reads `--sign FILE`. */
int cbrc_take_trusted_keys(const char *cmd, int *argc, char **argv);
void cbrc_trusted_config(cbr_config *cfg);
size_t cbrc_trusted_count(void);
int cbrc_read_secret_key(const char *path, unsigned char key[CBR_SECRET_KEY_BYTES]);
int cbrc_cmd_keygen(int argc, char **argv);

/* The whole file, malloc'ed (*len bytes); NULL with errno set on failure. */
unsigned char *cbrc_read_file(const char *path, size_t *len);
/* The rest of an open stream (standard input for `-`), the same way. */
unsigned char *cbrc_read_stream(FILE *f, size_t *len);

/* Writes data to path through a temporary file and a rename, so a reader
 * never sees half a bundle or half a state; false with errno set. */
bool cbrc_write_atomically(const char *path, const void *data, size_t len);

/* --state FILE: the database of counters, tallies and the award ledger
 * (hosts/statedb.h) becomes ctx's store; a missing file is a first run
 * (read_only: an empty state, *db NULL).  0, or the exit status of an
 * error printed; *db is closed by the caller. */
typedef struct statedb statedb;
int cbrc_load_state(const cbr_program *p, cbr_context *ctx, const char *path, bool read_only, statedb **db);

/* Whether name ends with suffix. */
bool cbrc_ends_with(const char *name, const char *suffix);

/* The help text of a command, or NULL. */
const char *cbrc_help_for(const char *cmd);

int cbrc_cmd_check(int argc, char **argv);
int cbrc_cmd_compile(int argc, char **argv);
int cbrc_cmd_disasm(int argc, char **argv);
int cbrc_cmd_explain(int argc, char **argv);
int cbrc_cmd_fmt(int argc, char **argv);
int cbrc_cmd_run(int argc, char **argv);
int cbrc_cmd_state(int argc, char **argv);
int cbrc_cmd_vest(int argc, char **argv);
int cbrc_cmd_test(int argc, char **argv);

#endif
