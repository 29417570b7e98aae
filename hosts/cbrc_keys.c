/* cbrc_keys.c: the keys of signed bundles on the command line: `cbrc keygen`,
 * the secret key of `compile --sign`, and the `--trusted-key` option that
 * every command loading a bundle takes.  Key files are read and written in
 * the library's format (cbr_key_format, cbr_key_read); only the choice of
 * file names and modes is made here. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hosts/cbrc.h"

#define prog cbrc_prog

/* The commands that load a bundle, and so accept --trusted-key. */
static const char *const loaders[] = {"run", "explain", "disasm"};

static unsigned char (*trusted)[CBR_PUBLIC_KEY_BYTES];
static size_t ntrusted;

static void forget_trusted(void)
{
    free(trusted);
    trusted = NULL;
    ntrusted = 0;
}

/* --trusted-key is taken out of argv before the command parses its own
 * options, so that run, explain and disasm accept it the same way without
 * each knowing about keys. */
int cbrc_take_trusted_keys(const char *cmd, int *argc, char **argv)
{
    bool loads = false;
    for (size_t i = 0; i < sizeof loaders / sizeof *loaders; i++)
        loads |= !strcmp(cmd, loaders[i]);
    if (!loads)
        return 0;
    int out = 0;
    for (int i = 0; i < *argc; i++) {
        const char *a = argv[i], *path = NULL;
        if (!strcmp(a, "--trusted-key")) {
            if (i + 1 == *argc)
                return cbrc_usage_error("%s: --trusted-key needs a public key file", cmd);
            path = argv[++i];
        } else if (!strncmp(a, "--trusted-key=", 14)) {
            path = a + 14;
        } else {
            argv[out++] = argv[i];
            continue;
        }
        void *q = realloc(trusted, (ntrusted + 1) * sizeof *trusted);
        if (!q) {
            fprintf(stderr, "%s: out of memory\n", prog);
            return EXIT_USAGE;
        }
        trusted = q;
        cbr_error err;
        if (cbr_key_read(CBR_KEY_PUBLIC, path, trusted[ntrusted], &err) != CBR_OK) {
            fprintf(stderr, "%s: %s\n", prog, err.message);
            return EXIT_USAGE;
        }
        ntrusted++;
    }
    argv[out] = NULL;
    *argc = out;
    if (ntrusted)
        atexit(forget_trusted);
    return 0;
}

void cbrc_trusted_config(cbr_config *cfg)
{
    cfg->trusted_keys = (const unsigned char (*)[32])trusted;
    cfg->ntrusted_keys = ntrusted;
}

size_t cbrc_trusted_count(void) { return ntrusted; }

int cbrc_read_secret_key(const char *path, unsigned char key[CBR_SECRET_KEY_BYTES])
{
    cbr_error err;
    if (cbr_key_read(CBR_KEY_SECRET, path, key, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        return EXIT_USAGE;
    }
    return 0;
}

/* Creates path with exactly `mode` (whatever the umask), never replacing a
 * file that exists; false with errno set. */
static bool write_new(const char *path, const char *text, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return false;
    bool ok = fchmod(fd, mode) == 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    int saved = errno;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        unlink(path);
        errno = saved;
    }
    return ok;
}

static char *with_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);
    char *s = malloc(n + k + 1);
    if (s) {
        memcpy(s, name, n);
        memcpy(s + n, suffix, k + 1);
    }
    return s;
}

/* `keygen -o NAME`: NAME.key (the secret key, mode 0600) and NAME.pub (the
 * public key, for every host that loads the bundles).  Neither file may
 * exist: a key that signed bundles in production is never overwritten. */
int cbrc_cmd_keygen(int argc, char **argv)
{
    const char *name = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
            if (i + 1 == argc)
                return cbrc_usage_error("keygen: %s needs a name", argv[i]);
            name = argv[++i];
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(cbrc_help_for("keygen"), stdout);
            return 0;
        } else {
            return cbrc_usage_error("keygen: unexpected argument %s", argv[i]);
        }
    }
    if (!name || !*name)
        return cbrc_usage_error("keygen: %s", "no key name: add -o NAME (writes NAME.key and NAME.pub)");
    char *pub = with_suffix(name, ".pub"), *sec = with_suffix(name, ".key");
    int rc = 0;
    if (!pub || !sec) {
        fprintf(stderr, "%s: out of memory\n", prog);
        rc = EXIT_USAGE;
    }
    for (int i = 0; rc == 0 && i < 2; i++) {
        struct stat st;
        const char *path = i ? sec : pub;
        if (lstat(path, &st) == 0) {
            fprintf(stderr, "%s: %s exists; keygen never overwrites a key\n", prog, path);
            rc = EXIT_USAGE;
        }
    }
    unsigned char pk[CBR_PUBLIC_KEY_BYTES], sk[CBR_SECRET_KEY_BYTES];
    char text[CBR_KEY_TEXT_MAX];
    cbr_error err;
    if (rc == 0 && cbr_keygen(pk, sk, &err) != CBR_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        rc = EXIT_USAGE;
    }
    if (rc == 0) {
        size_t n = cbr_key_format(CBR_KEY_SECRET, sk, text, sizeof text);
        if (!write_new(sec, text, n, 0600)) {
            fprintf(stderr, "%s: %s: %s\n", prog, sec, strerror(errno));
            rc = EXIT_USAGE;
        }
    }
    if (rc == 0) {
        size_t n = cbr_key_format(CBR_KEY_PUBLIC, pk, text, sizeof text);
        if (!write_new(pub, text, n, 0644)) {
            fprintf(stderr, "%s: %s: %s\n", prog, pub, strerror(errno));
            unlink(sec); /* half a key pair is no use to anyone */
            rc = EXIT_USAGE;
        }
    }
    if (rc == 0) {
        char id[CBR_KEY_ID_CHARS + 1];
        cbr_key_id(pk, id);
        printf("key %s: secret key %s (keep it private), public key %s\n", id, sec, pub);
    }
    /* The secret key leaves no copy behind in this process's memory. */
    explicit_bzero(sk, sizeof sk);
    explicit_bzero(text, sizeof text);
    free(pub);
    free(sec);
    return rc;
}
