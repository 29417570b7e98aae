/* config.c: cbr-stream's flags and config file.
 *
 * The config file holds `key = value` lines with the long flags' names
 * (`brokers = 127.0.0.1:9092`, `batch-size = 500`) and librdkafka
 * properties as `kafka.KEY = VALUE` (`consumer.KEY` and `producer.KEY` for
 * one client only).  Flags given on the command line win over the file,
 * whatever their order, so a unit file can hold the defaults and a shell
 * override one of them. */
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hosts/stream/stream.h"

static const char usage[] =
    "usage: cbr-stream --bundle FILE --state FILE [options]\n"
    "\n"
    "Evaluates the transactions of a Kafka topic against a cbr bundle and\n"
    "produces the awards (see doc/stream.md).\n"
    "\n"
    "  -c, --config FILE       read `key = value` settings from FILE (flags win)\n"
    "  -b, --brokers LIST      bootstrap servers (default localhost:9092)\n"
    "  -g, --group ID          consumer group (default cbr-stream)\n"
    "      --topic T           input topic (default transactions)\n"
    "      --awards-topic T    awards topic (default cashback_events)\n"
    "      --rejects-topic T   unreadable records (default transactions.rejected)\n"
    "      --bundle FILE       rules: a .cbrx bundle (cbrc compile), reloaded on\n"
    "                          SIGHUP or when the file changes\n"
    "      --trusted-key FILE  run only bundles signed by this public key\n"
    "                          (repeatable; a key file of `cbrc keygen`)\n"
    "      --state FILE|URI    the counters, ledger, outbox and offsets: a SQLite\n"
    "                          file (one instance), or a PostgreSQL database\n"
    "                          (postgresql://...) a fleet of instances shares\n"
    "      --instance NAME     this fleet member's name (default HOST:PID)\n"
    "      --lease-slice PCT   a fleet's share of a budget or total leased at a\n"
    "                          time, percent of it (default 5)\n"
    "      --lease-seconds S   a lease lives S seconds unrenewed (default 30)\n"
    "      --batch-size N      messages per batch (default 500)\n"
    "      --wait-ms MS        longest a batch waits to fill (default 100)\n"
    "      --metrics ADDR:PORT serve Prometheus text at /metrics (default off)\n"
    "      --flush-timeout-ms MS  how long a stop waits for Kafka (default 30000)\n"
    "      --reload-check-ms MS   how often the bundle file is checked for a\n"
    "                          change (default 1000)\n"
    "      --vest-every S      vest pending awards every S seconds (default 60;\n"
    "                          0 never)\n"
    "      --ledger-days N     keep ledger records N days before the newest one\n"
    "                          (default 400; pending ones are always kept)\n"
    "  -X KEY=VALUE            librdkafka property for both clients;\n"
    "                          consumer.KEY=V or producer.KEY=V for one\n"
    "  -h, --help, --version\n";

static int bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(STREAM_PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n(cbr-stream --help lists the options)\n", stderr);
    va_end(ap);
    return 2;
}

static int set_str(char **slot, const char *v)
{
    char *c = strdup(v);
    if (!c)
        return bad("out of memory");
    free(*slot);
    *slot = c;
    return 0;
}

/* where is the flag (`--batch-size`) or FILE:LINE, name the setting. */
static int set_long(long *slot, const char *where, const char *name, const char *v, long lo, long hi)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < lo || n > hi) {
        if (where[0] == '-')
            return bad("%s takes a number from %ld to %ld, not `%s`", where, lo, hi, v);
        return bad("%s: %s takes a number from %ld to %ld, not `%s`", where, name, lo, hi, v);
    }
    *slot = n;
    return 0;
}

/* KEY=VALUE, with an optional consumer./producer. prefix choosing the client. */
static int add_prop(stream_config *cfg, const char *kv, const char *where)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        return bad("%s: expected KEY=VALUE, not `%s`", where, kv);
    int target = 0;
    if (!strncmp(kv, "consumer.", 9))
        target = 1, kv += 9;
    else if (!strncmp(kv, "producer.", 9))
        target = 2, kv += 9;
    void *q = realloc(cfg->props, (cfg->nprops + 1) * sizeof *cfg->props);
    if (!q)
        return bad("out of memory");
    cfg->props = q;
    stream_prop *p = &cfg->props[cfg->nprops];
    p->target = target;
    p->key = strndup(kv, (size_t)(eq - kv));
    p->value = strdup(eq + 1);
    if (!p->key || !p->value) {
        free(p->key);
        free(p->value);
        return bad("out of memory");
    }
    cfg->nprops++;
    return 0;
}

/* trusted-key: a public key file, read now so that a bad one stops the
 * start (status 2) rather than every reload.  Keys from flags replace those
 * of the config file, as every flag wins over the file. */
static int add_trusted_key(stream_config *cfg, const char *path, const char *where)
{
    bool flag = where[0] == '-';
    if (flag && !cfg->trusted_keys_from_flags) {
        cfg->ntrusted_keys = 0;
        cfg->trusted_keys_from_flags = true;
    }
    void *q = realloc(cfg->trusted_keys, (cfg->ntrusted_keys + 1) * sizeof *cfg->trusted_keys);
    if (!q)
        return bad("out of memory");
    cfg->trusted_keys = q;
    cbr_error err;
    if (cbr_key_read(CBR_KEY_PUBLIC, path, cfg->trusted_keys[cfg->ntrusted_keys], &err) != CBR_OK)
        return flag ? bad("%s: %s", where, err.message) : bad("%s: trusted-key: %s", where, err.message);
    cfg->ntrusted_keys++;
    return 0;
}

/* One setting by its long name; `where` names the flag or FILE:LINE. */
static int set(stream_config *cfg, const char *name, const char *v, const char *where)
{
    if (!strcmp(name, "trusted-key"))
        return add_trusted_key(cfg, v, where);
    if (!strcmp(name, "brokers"))
        return set_str(&cfg->brokers, v);
    if (!strcmp(name, "group"))
        return set_str(&cfg->group, v);
    if (!strcmp(name, "topic"))
        return set_str(&cfg->topic, v);
    if (!strcmp(name, "awards-topic"))
        return set_str(&cfg->awards_topic, v);
    if (!strcmp(name, "rejects-topic"))
        return set_str(&cfg->rejects_topic, v);
    if (!strcmp(name, "bundle"))
        return set_str(&cfg->bundle, v);
    if (!strcmp(name, "state"))
        return set_str(&cfg->state, v);
    if (!strcmp(name, "metrics"))
        return set_str(&cfg->metrics, v);
    if (!strcmp(name, "batch-size"))
        return set_long(&cfg->batch_size, where, name, v, 1, 100000);
    if (!strcmp(name, "wait-ms"))
        return set_long(&cfg->wait_ms, where, name, v, 0, 600000);
    if (!strcmp(name, "flush-timeout-ms"))
        return set_long(&cfg->flush_timeout_ms, where, name, v, 0, 3600000);
    if (!strcmp(name, "reload-check-ms"))
        return set_long(&cfg->reload_check_ms, where, name, v, 10, 3600000);
    if (!strcmp(name, "vest-every"))
        return set_long(&cfg->vest_every_s, where, name, v, 0, 86400);
    if (!strcmp(name, "ledger-days"))
        return set_long(&cfg->ledger_days, where, name, v, 1, 36600);
    if (!strcmp(name, "instance"))
        return set_str(&cfg->instance, v);
    if (!strcmp(name, "lease-slice"))
        return set_long(&cfg->lease_slice, where, name, v, 1, 100);
    if (!strcmp(name, "lease-seconds"))
        return set_long(&cfg->lease_seconds, where, name, v, 2, 86400);
    return bad("%s: unknown setting `%s`", where, name);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int read_file(stream_config *cfg, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, STREAM_PROG ": %s: %s\n", path, strerror(errno));
        return 2;
    }
    char line[4096], where[512];
    unsigned lineno = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        snprintf(where, sizeof where, "%s:%u", path, lineno);
        if (!strchr(line, '\n') && !feof(f)) {
            rc = bad("%s: line longer than %zu bytes", where, sizeof line - 2);
            break;
        }
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = bad("%s: expected `key = value`", where);
            break;
        }
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        if (!strncmp(k, "kafka.", 6) || !strncmp(k, "consumer.", 9) || !strncmp(k, "producer.", 9)) {
            char kv[4200];
            snprintf(kv, sizeof kv, "%s=%s", !strncmp(k, "kafka.", 6) ? k + 6 : k, v);
            rc = add_prop(cfg, kv, where);
        } else {
            rc = set(cfg, k, v, where);
        }
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, STREAM_PROG ": %s: %s\n", path, strerror(errno));
        rc = 2;
    }
    fclose(f);
    return rc;
}

static const struct { const char *flag, *shortf, *name; } flags[] = {
    {"--brokers", "-b", "brokers"}, {"--group", "-g", "group"}, {"--topic", NULL, "topic"},
    {"--awards-topic", NULL, "awards-topic"}, {"--rejects-topic", NULL, "rejects-topic"},
    {"--bundle", NULL, "bundle"}, {"--state", NULL, "state"}, {"--metrics", NULL, "metrics"},
    {"--batch-size", NULL, "batch-size"}, {"--wait-ms", NULL, "wait-ms"},
    {"--flush-timeout-ms", NULL, "flush-timeout-ms"}, {"--reload-check-ms", NULL, "reload-check-ms"},
    {"--trusted-key", NULL, "trusted-key"}, {"--vest-every", NULL, "vest-every"},
    {"--ledger-days", NULL, "ledger-days"}, {"--instance", NULL, "instance"},
    {"--lease-slice", NULL, "lease-slice"}, {"--lease-seconds", NULL, "lease-seconds"},
};

int stream_config_parse(stream_config *cfg, int argc, char **argv)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->batch_size = 500;
    cfg->wait_ms = 100;
    cfg->flush_timeout_ms = 30000;
    cfg->reload_check_ms = 1000;
    cfg->vest_every_s = 60;
    cfg->ledger_days = 400; /* as `cbrc run --state` (hosts/statedb.h) */
    cfg->lease_slice = 5;
    cfg->lease_seconds = 30;
    int rc;
    /* First pass: the config file, so that flags can override it. */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") || !strcmp(argv[i], "-c")) {
            if (i + 1 == argc)
                return bad("%s needs a value", argv[i]);
            if ((rc = read_file(cfg, argv[++i])) != 0)
                return rc;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 1;
        }
        if (!strcmp(a, "--version")) {
            printf("cbr-stream %s (libcbr %s, librdkafka %s)\n", PACKAGE_VERSION, cbr_version(),
                   rd_kafka_version_str());
            return 1;
        }
        if (!strcmp(a, "--config") || !strcmp(a, "-c")) {
            i++;
            continue;
        }
        const char *v = NULL;
        if (!strcmp(a, "-X")) {
            if (i + 1 == argc)
                return bad("-X needs KEY=VALUE");
            if ((rc = add_prop(cfg, argv[++i], "-X")) != 0)
                return rc;
            continue;
        }
        size_t k;
        for (k = 0; k < sizeof flags / sizeof *flags; k++) {
            size_t fl = strlen(flags[k].flag);
            if (!strcmp(a, flags[k].flag) || (flags[k].shortf && !strcmp(a, flags[k].shortf))) {
                if (i + 1 == argc)
                    return bad("%s needs a value", a);
                v = argv[++i];
                break;
            }
            if (!strncmp(a, flags[k].flag, fl) && a[fl] == '=') {
                v = a + fl + 1;
                break;
            }
        }
        if (k == sizeof flags / sizeof *flags)
            return bad("unknown option `%s`", a);
        if ((rc = set(cfg, flags[k].name, v, flags[k].flag)) != 0)
            return rc;
    }
    if (!cfg->bundle)
        return bad("no rules: add --bundle FILE");
    if (!cfg->state)
        return bad("no state database: add --state FILE");
    size_t bl = strlen(cfg->bundle);
    /* cbr-stream links the runtime alone: it runs what cbrc compiled and
     * the verifier passed, never source. */
    if (bl >= 4 && !strcmp(cfg->bundle + bl - 4, ".cbr"))
        return bad("%s is .cbr source; cbr-stream runs compiled bundles: cbrc compile %s -o FILE.cbrx%s",
                   cfg->bundle, cfg->bundle, cfg->ntrusted_keys ? " --sign KEYFILE" : "");
    const struct { char **slot; const char *def; } defs[] = {
        {&cfg->brokers, "localhost:9092"}, {&cfg->group, "cbr-stream"}, {&cfg->topic, "transactions"},
        {&cfg->awards_topic, "cashback_events"}, {&cfg->rejects_topic, "transactions.rejected"},
    };
    for (size_t k = 0; k < sizeof defs / sizeof *defs; k++)
        if (!*defs[k].slot && (rc = set_str(defs[k].slot, defs[k].def)) != 0)
            return rc;
    if (!cfg->instance) {
        /* Unique while it runs: a lease or partition is only ever this
         * process's, and a restart is a new owner. */
        char host[256] = "cbr-stream", name[300];
        gethostname(host, sizeof host - 1);
        host[sizeof host - 1] = '\0';
        snprintf(name, sizeof name, "%s:%ld", host, (long)getpid());
        if ((rc = set_str(&cfg->instance, name)) != 0)
            return rc;
    }
    /* An unknown or malformed librdkafka property is a usage error, found
     * now rather than after the store is opened. */
    for (int target = 1; target <= 2; target++) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rc = stream_apply_props(cfg, conf, target);
        rd_kafka_conf_destroy(conf);
        if (rc != 0)
            return 2;
    }
    return 0;
}

void stream_config_free(stream_config *cfg)
{
    char **strs[] = {&cfg->brokers, &cfg->group, &cfg->topic, &cfg->awards_topic, &cfg->rejects_topic,
                     &cfg->bundle, &cfg->state, &cfg->metrics, &cfg->instance};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        free(*strs[i]);
    for (size_t i = 0; i < cfg->nprops; i++) {
        free(cfg->props[i].key);
        free(cfg->props[i].value);
    }
    free(cfg->props);
    free(cfg->trusted_keys);
}

int stream_apply_props(const stream_config *cfg, rd_kafka_conf_t *conf, int target)
{
    char err[512];
    for (size_t i = 0; i < cfg->nprops; i++) {
        const stream_prop *p = &cfg->props[i];
        if (p->target && p->target != target)
            continue;
        if (rd_kafka_conf_set(conf, p->key, p->value, err, sizeof err) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, STREAM_PROG ": -X %s=%s: %s\n", p->key, p->value, err);
            return -1;
        }
    }
    return 0;
}
