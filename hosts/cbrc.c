/* cbrc.c: the command-line front of libcbr for rule authors and batch jobs.
 * It parses arguments, calls the library, and is the only place that prints
 * and chooses exit statuses (contract §2): 0 success, 1 the rules have errors
 * or a test failed, 2 usage, I/O or a bad bundle, 3 rejected input records. */
#include "config.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hosts/cbrc.h"
#include "hosts/json.h"

const char *cbrc_prog = "cbrc";
#define prog cbrc_prog

static const char usage_text[] =
    "usage: cbrc COMMAND [OPTIONS] FILE...\n"
    "\n"
    "commands:\n"
    "  check FILE...       compile the rules and report every error and warning\n"
    "  compile FILE... -o BUNDLE\n"
    "                      write a verified bundle (.cbrx)\n"
    "  run RULES... --input FILE\n"
    "                      evaluate transactions (CSV or JSON Lines) against the offers\n"
    "  test FILE...        run the test blocks of rule files\n"
    "  explain RULES... --input FILE --tid TID\n"
    "                      say why each offer did or did not award\n"
    "  vest --state FILE [--at INSTANT]\n"
    "                      pay the pending awards that are due\n"
    "  state FILE          show what a --state database holds (--dump: all of it)\n"
    "  fmt FILE...         print rule files in the canonical layout\n"
    "  keygen -o NAME      make a key pair for signing bundles (NAME.key, NAME.pub)\n"
    "  disasm BUNDLE       list a bundle's offers, instructions and constants\n"
    "  help [COMMAND]      show help for a command\n"
    "\n"
    "options:\n"
    "  --help, -h          show this help\n"
    "  --version           show the version\n"
    "\n"
    "exit status: 0 success, 1 the rules have errors or a test failed,\n"
    "2 usage, I/O or a bad bundle, 3 run finished but rejected some input records\n";

static const char check_help[] =
    "usage: cbrc check [--diagnostics-format=text|json] [--quiet] FILE...\n"
    "\n"
    "Compiles the rule files together as one program and reports every error\n"
    "and warning, each as FILE:LINE:COL: error: MESSAGE followed by the source\n"
    "line and a caret, and closes with the counts on stderr; without errors:\n"
    "  checked 5 files: 7 offers, 2 campaigns, 0 errors, 1 warning\n"
    "\n"
    "  --diagnostics-format=json  one JSON object per diagnostic on stdout\n"
    "                             (file, line, column, end_line, end_column,\n"
    "                             severity, code, message, hint)\n"
    "  --quiet, -q                print errors only, no warnings or counts\n"
    "\n"
    "exit status: 0 no errors (warnings allowed), 1 errors, 2 usage or I/O\n";

static const char compile_help[] =
    "usage: cbrc compile FILE... -o BUNDLE [--sign KEYFILE]\n"
    "\n"
    "Checks the rule files as `cbrc check` does and, when they have no errors,\n"
    "writes the compiled program as a bundle (.cbrx): versioned, checksummed and\n"
    "verified again whenever it is loaded.  `cbrc run BUNDLE` and the stream\n"
    "host run it without the sources.\n"
    "\n"
    "  -o, --output BUNDLE  the bundle to write (replaced atomically)\n"
    "  --sign KEYFILE       sign the bundle with the secret key of `cbrc keygen`\n"
    "                       (NAME.key); hosts given NAME.pub with --trusted-key\n"
    "                       load only bundles it signed\n"
    "\n"
    "exit status: 0 written, 1 the rules have errors, 2 usage or I/O\n";

static const char run_help[] =
    "usage: cbrc run RULES... --input FILE [--output FILE] [--rejects FILE]\n"
    "                [--format csv|jsonl] [--batch N] [--jobs N] [--state FILE]\n"
    "                [--max-errors N] [--summary] [--summary-format=text|json]\n"
    "                [--summary-output FILE]\n"
    "\n"
    "Evaluates every transaction of FILE against every offer of RULES (.cbr\n"
    "sources, or one .cbrx bundle) and writes one JSON line per award, in\n"
    "input order:\n"
    "  {\"tid\":\"t1\",\"offer\":\"friday\",\"cashback\":\"2.00\",\"currency\":\"USD\"}\n"
    "Input is CSV with a header row, or JSON Lines, told apart by the file's\n"
    "extension or --format; FILE - reads standard input.  An empty value (an\n"
    "empty CSV cell, a JSON \"\" or null) is missing; keys the rules do not read\n"
    "are ignored, whatever they hold.  A record that cannot be read is reported\n"
    "as FILE:LINE: error: ..., copied whole to --rejects, and skipped; the rest\n"
    "is processed.  A CSV header without a tid, amount, currency or timestamp\n"
    "column is one error at the header, and nothing is read (status 2).\n"
    "The output files and --state are checked before any input is read.\n"
    "\n"
    "  -i, --input FILE   the transactions (- for standard input)\n"
    "  -o, --output FILE  write awards to FILE instead of standard output\n"
    "  --rejects FILE     copy unreadable records to FILE (a CSV file keeps its header)\n"
    "  --format F         csv or jsonl, when the extension does not say\n"
    "  --batch N          transactions evaluated together (default 1024)\n"
    "  -j, --jobs N       threads evaluating batches while the next are read\n"
    "                     (default: one per core); batches are still settled\n"
    "                     one at a time in input order, so the output is the\n"
    "                     same byte for byte whatever N is\n"
    "  --state FILE       keep limits, budgets, tallies and the award ledger in the\n"
    "                     database FILE (created when missing), so that the next\n"
    "                     day's run carries them on; a run that fails leaves it\n"
    "                     as it was (see `cbrc help state`)\n"
    "  --ledger-days N    keep ledger records with nothing pending N days after\n"
    "                     the newest one (default 400, kept in FILE): a refund or\n"
    "                     repeat of an older purchase is no longer recognised\n"
    "  --max-errors N     report the first N unreadable records on stderr (default\n"
    "                     100, 0 for all), then the rest in one line by reason;\n"
    "                     --rejects still gets every one\n"
    "  --summary          on stderr at the end: records read, evaluated and\n"
    "                     rejected (by reason), and per offer and campaign the\n"
    "                     awards, customers reached, cashback per currency and\n"
    "                     budget left\n"
    "  --summary-format=text|json\n"
    "                     the summary as a table (text, as --summary) or as one\n"
    "                     JSON object; implies --summary\n"
    "  --summary-output FILE\n"
    "                     write the summary to FILE instead of stderr; implies\n"
    "                     --summary\n"
    "  --report FILE.html write the summary as one self-contained web page for a\n"
    "                     budget approval: awards per day, each budget's\n"
    "                     burn-down, each offer's share, the rejects by reason\n"
    "  --trusted-key PUBFILE\n"
    "                     load only a bundle signed by this key (repeatable)\n"
    "\n"
    "exit status: 0 done, 1 the rules have errors, 2 usage, I/O, a bad bundle\n"
    "or an unusable input, 3 done but some records were rejected\n";

static const char test_help[] =
    "usage: cbrc test [--coverage] [--junit FILE] FILE...\n"
    "\n"
    "Runs the `test` blocks of the rule files.  Each test starts from empty\n"
    "limit and budget state, or from what its `already` steps count in it\n"
    "(`already earned 45.00 USD from \"OFFER\" { user_id: ..., timestamp: ... }`),\n"
    "and carries it from step to step; its `stub` steps stand in for the\n"
    "rules' extern functions (`stub tier(\"u1\") = \"gold\"`).  A step is a\n"
    "`given`, which evaluates one transaction, and the `expect` lines after it,\n"
    "which check what it earned; steps are counted from 1.  A failure is\n"
    "reported at the line that failed as\n"
    "  FILE:LINE:COL: error: test \"NAME\" failed at step N: expected ..., got ...\n"
    "   = why: VERDICT\n"
    "where the second line, for an expect about one offer, is what `cbrc\n"
    "explain` says that offer made of the step's transaction.  The run closes\n"
    "with `N passed, N failed`.\n"
    "\n"
    "  --coverage  before the closing line, list what no test exercised: each\n"
    "              clause that never paid, and each condition never reached,\n"
    "              never true or never false, as FILE:LINE:COL: not covered: ...;\n"
    "              then `coverage: N of N clauses paid, N of N conditions seen\n"
    "              both true and false`\n"
    "  --junit FILE\n"
    "              also write a JUnit XML report to FILE for CI systems: one\n"
    "              testsuite per rule file, one testcase per test, a failure\n"
    "              element holding the text printed for it\n"
    "\n"
    "exit status: 0 all passed, 1 a test failed or the rules have errors,\n"
    "2 usage or I/O (FILE of --junit cannot be written)\n";

static const char explain_help[] =
    "usage: cbrc explain RULES... --input FILE --tid TID [--format csv|jsonl] [--state FILE] [--json]\n"
    "       cbrc explain RULES... --tx JSON [--state FILE] [--json]\n"
    "\n"
    "Says, for every offer, what it made of one transaction: awarded (the clause\n"
    "that held, the percent or amount, the rounding and any cap), cut or dropped\n"
    "by a limit or budget (which one, and how much of it was used), passed over\n"
    "for another offer of its exclusive group, or not matched, naming the first\n"
    "condition of each clause that was false with the values it compared:\n"
    "  friday: not awarded: `weekday == FRI` was false: weekday was THU (in America/New_York)\n"
    "With --input, the records before the transaction are evaluated first, as\n"
    "`cbrc run` would, so its limits and budgets are the ones it met in the run.\n"
    "Nothing is written: --state is only read.\n"
    "A refund is settled against its purchase's ledger record instead: the\n"
    "awards it takes back and how much, or why it is refused or changes\n"
    "nothing, and the purchase's record after it.\n"
    "\n"
    "  -i, --input FILE  the transactions, read as `cbrc run` reads them\n"
    "                    (- for standard input)\n"
    "  --format F        csv or jsonl, when the extension of FILE does not say\n"
    "  --tid TID         the transaction of FILE to explain (the first with that tid)\n"
    "  --tx JSON         explain this transaction, a JSON object with the input's\n"
    "                    fields\n"
    "  --json            one JSON object: tid, source and per offer its verdict,\n"
    "                    clause, cashback, earned, reason and failed conditions\n"
    "  --state FILE      start from the counters and ledger of a `run --state`\n"
    "  --trusted-key PUBFILE\n"
    "                    load only a bundle signed by this key (repeatable)\n"
    "\n"
    "exit status: 0 explained, 1 the rules have errors, 2 usage, I/O or no such\n"
    "transaction, 3 the transaction's record cannot be read\n";

static const char disasm_help[] =
    "usage: cbrc disasm RULES...\n"
    "\n"
    "Lists the compiled program of a bundle (or of .cbr sources): its offers in\n"
    "evaluation order, their clauses and rewards, the registers, and each\n"
    "offer's instructions with their constants.  For a bundle, the second line\n"
    "says whether it is signed, by which key id, and whether that was checked.\n"
    "\n"
    "  --trusted-key PUBFILE  load only a bundle signed by this key (repeatable)\n";

static const char keygen_help[] =
    "usage: cbrc keygen -o NAME\n"
    "\n"
    "Makes an Ed25519 key pair for signing bundles: NAME.key, the secret key\n"
    "(mode 0600; keep it where bundles are compiled), and NAME.pub, the public\n"
    "key that hosts trust (`--trusted-key NAME.pub`).  Each is one line of text,\n"
    "`cbr-ed25519-secret HEX` or `cbr-ed25519-public HEX`.  Existing files are\n"
    "never overwritten.  Prints the key id, which signed bundles carry.\n"
    "\n"
    "  -o, --output NAME  the key files to write: NAME.key and NAME.pub\n"
    "\n"
    "exit status: 0 written, 2 usage or I/O\n";

static const char fmt_help[] =
    "usage: cbrc fmt [--write | --check] FILE...\n"
    "\n"
    "Prints rule files in the canonical layout (doc/language.md, \"Formatting\"):\n"
    "four-space indentation, one attribute, clause or test step a line, lines\n"
    "broken at 100 columns, comments kept where they were, literals exactly as\n"
    "written.  The formatted file is the same program.  A file with syntax\n"
    "errors is reported as `cbrc check` reports it and left alone.  FILE - reads\n"
    "standard input.\n"
    "\n"
    "  --write, -w  rewrite the files that are not formatted, in place\n"
    "  --check      print the names of the files that are not formatted\n"
    "\n"
    "exit status: 0 done (with --check: all formatted), 1 syntax errors (with\n"
    "--check: some file is not formatted), 2 usage or I/O\n";

static const char vest_help[] =
    "usage: cbrc vest --state FILE [--at INSTANT]\n"
    "\n"
    "Pays every pending award (of a `vest after N days` offer) of the state FILE\n"
    "whose vesting moment is at or before INSTANT (default: now), at what it is\n"
    "worth then, and prints one JSON line per award on standard output:\n"
    "  {\"tid\":\"t1\",\"offer\":\"o\",\"cashback\":\"2.00\",\"currency\":\"USD\",\"event\":\"vest\",...}\n"
    "ordered by vesting moment, then tid, then offer.  A vested award is not\n"
    "printed again, and one refunded in full before it vested is never paid.\n"
    "The lines are written before FILE records them as paid: a run that fails\n"
    "in between leaves FILE as it was, and the next one prints the same lines,\n"
    "with the same award ids, again.\n"
    "\n"
    "  --state FILE   the database of `cbrc run --state FILE`\n"
    "  --at INSTANT   YYYY-MM-DDThh:mm[:ss](Z|+hh:mm|-hh:mm)\n"
    "\n"
    "exit status: 0 done, 2 usage, I/O or a state that cannot be read\n";

static const char state_help[] =
    "usage: cbrc state FILE [--dump]\n"
    "\n"
    "Shows what the database of `cbrc run --state FILE` holds: its size, the\n"
    "counters of limits, budgets and tallies, the ledger's records, the pending\n"
    "cashback per currency and when the next award vests, and the retention of\n"
    "ledger records.  Reads only; FILE is not changed.\n"
    "\n"
    "  --dump   every counter as KEY<TAB>VALUE, sorted by key, then every\n"
    "           ledger record as text: the purchase or refund, its awards\n"
    "           (granted, worth now, pending or vested) and what they counted in\n"
    "\n"
    "A text state written by an older cbrc is converted to a database by the\n"
    "first `cbrc run --state` or `cbrc vest` that opens it (the text is kept as\n"
    "FILE.txt).\n"
    "\n"
    "exit status: 0 done, 2 usage, I/O or a state that cannot be read\n";

const char *cbrc_help_for(const char *cmd)
{
    static const struct { const char *name, *text; } helps[] = {
        {"check", check_help}, {"compile", compile_help}, {"run", run_help}, {"test", test_help},
        {"explain", explain_help}, {"disasm", disasm_help}, {"fmt", fmt_help},
        {"keygen", keygen_help}, {"vest", vest_help}, {"state", state_help}};
    for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++)
        if (!strcmp(cmd, helps[i].name))
            return helps[i].text;
    return NULL;
}

int cbrc_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see `cbrc --help`)\n");
    return EXIT_USAGE;
}

void cbrc_json_str(FILE *f, const char *s)
{
    if (!s)
        fputs("null", f);
    else
        cbrc_json_strn(f, s, strlen(s));
}

void cbrc_json_strn(FILE *f, const char *s, size_t n) { hjson_file(f, s, n); }

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("cbrc %s\n", cbr_version());
        return 0;
    }
    if (!strcmp(cmd, "help")) {
        if (argc < 3) {
            fputs(usage_text, stdout);
            return 0;
        }
        const char *text = cbrc_help_for(argv[2]);
        if (text) {
            fputs(text, stdout);
            return 0;
        }
        return cbrc_usage_error("help: no help for `%s`", argv[2]);
    }
    int krc = cbrc_take_trusted_keys(cmd, &argc, argv);
    if (krc)
        return krc;
    if (!strcmp(cmd, "check"))
        return cbrc_cmd_check(argc - 2, argv + 2);
    if (!strcmp(cmd, "compile"))
        return cbrc_cmd_compile(argc - 2, argv + 2);
    if (!strcmp(cmd, "disasm"))
        return cbrc_cmd_disasm(argc - 2, argv + 2);
    if (!strcmp(cmd, "run"))
        return cbrc_cmd_run(argc - 2, argv + 2);
    if (!strcmp(cmd, "test"))
        return cbrc_cmd_test(argc - 2, argv + 2);
    if (!strcmp(cmd, "explain"))
        return cbrc_cmd_explain(argc - 2, argv + 2);
    if (!strcmp(cmd, "fmt"))
        return cbrc_cmd_fmt(argc - 2, argv + 2);
    if (!strcmp(cmd, "keygen"))
        return cbrc_cmd_keygen(argc - 2, argv + 2);
    if (!strcmp(cmd, "vest"))
        return cbrc_cmd_vest(argc - 2, argv + 2);
    if (!strcmp(cmd, "state"))
        return cbrc_cmd_state(argc - 2, argv + 2);
    return cbrc_usage_error("unknown command `%s`", cmd);
}
