/* bundle.c: the running rules of cbr-stream and their hot reload.
 *
 * The program is swapped only between batches, on SIGHUP or when the file's
 * identity (inode, size, modification time) changes.  The new file is read
 * whole, verified by cbr_program_load (cbr-stream links the runtime alone,
 * so it runs compiled bundles only) and
 * checked runnable before anything of the old program is released; a file
 * that fails any step is refused with its reason and the running program
 * stays.  With --trusted-key, cbr_program_load also refuses a bundle that
 * no trusted key signed, at start (status 2) as on reload.  Counters live
 * in the ledger, keyed by offer and campaign ids, so they carry over to the
 * new program unchanged. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hosts/stream/stream.h"

static char *read_all(const char *path, size_t *len, struct stat *st)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (fstat(fileno(f), st) != 0)
        goto fail;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            char *q = realloc(buf, cap);
            if (!q)
                goto fail;
            buf = q;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    if (ferror(f))
        goto fail;
    fclose(f);
    *len = n;
    return buf;
fail:;
    int e = errno;
    free(buf);
    fclose(f);
    errno = e ? e : ENOMEM;
    return NULL;
}


int stream_bundle_load(stream_host *h)
{
    const char *path = h->cfg->bundle;
    size_t len;
    struct stat st;
    char *data = read_all(path, &len, &st);
    if (!data) {
        fprintf(stderr, STREAM_PROG ": %s: %s\n", path, strerror(errno));
        return -1;
    }
    cbr_program *p = NULL;
    cbr_error err;
    cbr_config pcfg;
    cbr_config_init(&pcfg);
    pcfg.trusted_keys = (const unsigned char (*)[32])h->cfg->trusted_keys;
    pcfg.ntrusted_keys = h->cfg->ntrusted_keys;
    bool refused = false;
    if (cbr_program_load(&pcfg, data, len, &p, &err) != CBR_OK) {
        fprintf(stderr, STREAM_PROG ": %s: %s\n", path, err.message);
        refused = err.status == CBR_ERR_BUNDLE;
        p = NULL;
    }
    free(data);
    if (p && cbr_program_runnable(p, &err) != CBR_OK) {
        /* cbr-stream registers no host functions (doc/stream.md). */
        fprintf(stderr, STREAM_PROG ": %s: %s\n", path, err.message);
        cbr_program_free(p);
        p = NULL;
    }
    size_t cap = (size_t)h->cfg->batch_size;
    cbr_batch *b = NULL;
    cbr_context *ctx = NULL;
    if (p && (cbr_batch_new(p, cap, &b, &err) != CBR_OK || cbr_context_new(p, cap, &ctx, &err) != CBR_OK ||
              cbr_context_set_store(ctx, &h->cstore, &err) != CBR_OK)) {
        fprintf(stderr, STREAM_PROG ": %s: %s\n", path, err.message);
        cbr_batch_free(b);
        cbr_context_free(ctx);
        cbr_program_free(p);
        p = NULL;
    }
    /* The file is remembered even when refused, so that a bad file is
     * reported once, not at every check, until it changes again. */
    h->bundle_st = st;
    if (!p) {
        if (h->prog)
            fprintf(stderr, STREAM_PROG ": %s: refused; still running bundle %s\n", path,
                    cbr_program_hash(h->prog));
        stream_metrics_bundle(h->metrics, h->prog ? cbr_program_hash(h->prog) : NULL, false);
        return refused ? -2 : -1;
    }
    const char *old = h->prog ? cbr_program_hash(h->prog) : NULL;
    char id[CBR_KEY_ID_CHARS + 1], signer[64] = "";
    if (cbr_program_signature(p, id) == CBR_SIGNED_TRUSTED)
        snprintf(signer, sizeof signer, ", signed by trusted key %s", id);
    if (old)
        fprintf(stderr, STREAM_PROG ": %s: bundle %s%s replaces %s\n", path, cbr_program_hash(p), signer, old);
    else
        fprintf(stderr, STREAM_PROG ": %s: running bundle %s (%zu offers%s)\n", path, cbr_program_hash(p),
                cbr_program_offer_count(p), signer);
    stream_bundle_free(h);
    h->prog = p;
    h->batch = b;
    h->ctx = ctx;
    /* The keys map to this program's fields now; without memory for the
     * cache every key is looked up afresh. */
    hkeys_init(&h->keys, p);
    stream_metrics_bundle(h->metrics, cbr_program_hash(p), true);
    return 0;
}

void stream_bundle_maybe_reload(stream_host *h)
{
    bool due = stream_hup;
    int64_t now = stream_now_ms();
    if (!due && now >= h->next_reload_check_ms) {
        h->next_reload_check_ms = now + h->cfg->reload_check_ms;
        struct stat st;
        if (stat(h->cfg->bundle, &st) == 0)
            due = st.st_ino != h->bundle_st.st_ino || st.st_size != h->bundle_st.st_size ||
                  st.st_mtim.tv_sec != h->bundle_st.st_mtim.tv_sec ||
                  st.st_mtim.tv_nsec != h->bundle_st.st_mtim.tv_nsec;
    }
    if (!due)
        return;
    stream_hup = 0;
    stream_bundle_load(h);
}

void stream_bundle_free(stream_host *h)
{
    hkeys_free(&h->keys);
    cbr_context_free(h->ctx);
    cbr_batch_free(h->batch);
    cbr_program_free(h->prog);
    h->ctx = NULL;
    h->batch = NULL;
    h->prog = NULL;
}

/* The field a JSON key names, -1 for keys the rules do not read (derived
 * fields such as weekday are computed, never taken from the message). */
int stream_field_of(stream_host *h, size_t i, const char *key, size_t n)
{
    return hkeys_field_at(&h->keys, i, key, n, NULL);
}
