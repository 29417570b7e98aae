/* sign.c: program hashes (SHA-256), signed bundles (Ed25519) and key files.
 *
 * The only file of libcbr that touches libsodium.  A signed bundle is an
 * ordinary bundle followed by an 88-byte trailer (doc/vm.md, "Signed
 * bundles"); the runtime needs only public keys, given in cbr_config. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "vm/program.h"

/*   trailer  8  magic "CBRS\r\n\x1a\n"
 *            8  key id: the first 8 bytes of SHA-256 of the signer's public key
 *           64  Ed25519 signature of every byte of the bundle before the trailer
 *            8  FNV-1a 64 of the trailer's first 80 bytes
 * The header's total length counts the bundle without the trailer, so an
 * unsigned bundle is byte for byte what cbr_program_save writes, and the
 * signed bytes are exactly the bundle the header describes. */
#define TRAILER_MAGIC "CBRS\r\n\x1a\n"
#define TRAILER CBRX_TRAILER_BYTES
#define ID_AT 8
#define SIG_AT 16
#define SUM_AT 80
#define KEY_ID_BYTES 8
#define KEY_FILE_MAX 4096 /* a key file is one line of under 160 bytes */

static const char PUBLIC_PREFIX[] = "cbr-ed25519-public";
static const char SECRET_PREFIX[] = "cbr-ed25519-secret";

/* sodium_init is idempotent and thread-safe; it only picks implementations. */
static bool ready(cbr_error *err)
{
    if (sodium_init() < 0)
        return cbrx_fail(err, CBR_ERR_STATE, "libsodium could not be initialised");
    return true;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static int unhex(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

bool cbrx_hash(const uint8_t *data, size_t len, char out[CBRX_HASH_HEX + 1])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    out[0] = '\0';
    if (sodium_init() < 0)
        return false;
    crypto_hash_sha256(h, data, len);
    hex(h, sizeof h, out);
    return true;
}

void cbr_key_id(const unsigned char public_key[CBR_PUBLIC_KEY_BYTES], char id[CBR_KEY_ID_CHARS + 1])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    id[0] = '\0';
    if (!public_key || sodium_init() < 0)
        return;
    crypto_hash_sha256(h, public_key, CBR_PUBLIC_KEY_BYTES);
    hex(h, KEY_ID_BYTES, id);
}

/* ---- the trailer ---- */

static uint64_t trailer_sum(const uint8_t *t) { return cbrhash_fnv64(t, SUM_AT, CBRHASH_FNV64_START); }

size_t cbrx_signed_body(const uint8_t *data, size_t len)
{
    if (!data || len < CBRX_HEADER_BYTES + TRAILER || memcmp(data, CBRX_MAGIC, 8) != 0)
        return len;
    uint64_t total = le64(data + CBRX_LENGTH_AT);
    if (total != len - TRAILER || memcmp(data + total, TRAILER_MAGIC, 8) != 0)
        return len;
    return (size_t)total;
}

void cbrx_seal_trailer(uint8_t *data, size_t len)
{
    size_t body = cbrx_signed_body(data, len);
    if (body == len)
        return;
    uint64_t h = trailer_sum(data + body);
    for (int i = 0; i < 8; i++)
        data[body + SUM_AT + (size_t)i] = (uint8_t)(h >> (8 * i));
}

/* A trailer that is there but cut short or followed by more bytes: named
 * here, because to the header it only looks like padding. */
static bool odd_trailer(const uint8_t *data, size_t len, cbr_error *err)
{
    if (len < CBRX_HEADER_BYTES || memcmp(data, CBRX_MAGIC, 8) != 0)
        return false;
    uint64_t total = le64(data + CBRX_LENGTH_AT);
    if (total < CBRX_HEADER_BYTES || total >= len)
        return false;
    size_t extra = len - (size_t)total, cmp = extra < 8 ? extra : 8;
    if (memcmp(data + total, TRAILER_MAGIC, cmp) != 0)
        return false;
    if (extra < TRAILER)
        return !cbrx_fail(err, CBR_ERR_BUNDLE, "truncated signature: %zu bytes after the bundle, a signature has %d",
                          extra, TRAILER);
    return !cbrx_fail(err, CBR_ERR_BUNDLE, "%zu bytes after the signature", extra - TRAILER);
}

bool cbrx_check_signature(const cbr_config *cfg, const uint8_t *data, size_t len, size_t *body,
                          uint8_t *state, char signer[CBR_KEY_ID_CHARS + 1], cbr_error *err)
{
    *body = len;
    *state = CBR_UNSIGNED;
    signer[0] = '\0';
    bool required = cfg->ntrusted_keys > 0;
    if (required && !cfg->trusted_keys)
        return cbrx_fail(err, CBR_ERR_ARG, "ntrusted_keys is %zu but trusted_keys is NULL", cfg->ntrusted_keys);
    size_t b = cbrx_signed_body(data, len);
    if (b == len) {
        cbr_error why;
        if (odd_trailer(data, len, &why))
            return cbrx_fail(err, why.status, "%s", why.message);
        /* Not a bundle at all: the loader says so in its own words. */
        if (required && len >= 8 && memcmp(data, CBRX_MAGIC, 8) == 0)
            return cbrx_fail(err, CBR_ERR_BUNDLE, "bundle is not signed; a trusted key is required");
        return true;
    }
    const uint8_t *t = data + b;
    hex(t + ID_AT, KEY_ID_BYTES, signer);
    if (required) {
        if (!ready(err))
            return false;
        const unsigned char *key = NULL;
        for (size_t i = 0; i < cfg->ntrusted_keys && !key; i++) {
            uint8_t h[crypto_hash_sha256_BYTES];
            crypto_hash_sha256(h, cfg->trusted_keys[i], CBR_PUBLIC_KEY_BYTES);
            if (memcmp(h, t + ID_AT, KEY_ID_BYTES) == 0)
                key = cfg->trusted_keys[i];
        }
        if (!key)
            return cbrx_fail(err, CBR_ERR_BUNDLE, "bundle is signed by key %s, which is not trusted", signer);
        if (crypto_sign_verify_detached(t + SIG_AT, data, b, key) != 0)
            return cbrx_fail(err, CBR_ERR_BUNDLE,
                             "bundle signature does not verify: the bundle was changed after signing");
    }
    /* Without a trusted key the signature cannot be checked, but damage to
     * it (or to the key id) is still a refusal, like damage anywhere else. */
    if (le64(t + SUM_AT) != trailer_sum(t))
        return cbrx_fail(err, CBR_ERR_BUNDLE, "signature checksum mismatch: the file is corrupt");
    *body = b;
    *state = required ? CBR_SIGNED_TRUSTED : CBR_SIGNED_UNVERIFIED;
    return true;
}

/* ---- keys ---- */

/* The public half of a secret key must be the one its seed gives: a key
 * file with a damaged half would sign bundles no one could verify. */
static bool consistent(const unsigned char *sk)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];
    crypto_sign_seed_keypair(pk, sk2, sk);
    bool ok = sodium_memcmp(pk, sk + 32, sizeof pk) == 0;
    sodium_memzero(sk2, sizeof sk2);
    return ok;
}

cbr_status cbr_keygen(unsigned char public_key[CBR_PUBLIC_KEY_BYTES],
                      unsigned char secret_key[CBR_SECRET_KEY_BYTES], cbr_error *err)
{
    cbr_error local;
    if (!err)
        err = &local;
    if (!public_key || !secret_key)
        return cbrx_fail(err, CBR_ERR_ARG, "no key buffers"), CBR_ERR_ARG;
    if (!ready(err))
        return err->status;
    crypto_sign_keypair(public_key, secret_key);
    return CBR_OK;
}

size_t cbr_key_format(cbr_key_kind kind, const unsigned char *key, char *buf, size_t n)
{
    size_t bytes = kind == CBR_KEY_SECRET ? CBR_SECRET_KEY_BYTES : CBR_PUBLIC_KEY_BYTES;
    const char *prefix = kind == CBR_KEY_SECRET ? SECRET_PREFIX : PUBLIC_PREFIX;
    size_t need = strlen(prefix) + 1 + 2 * bytes + 1;
    if (!key || !buf || n < need + 1)
        return 0;
    memcpy(buf, prefix, strlen(prefix));
    buf[strlen(prefix)] = ' ';
    hex(key, bytes, buf + strlen(prefix) + 1);
    buf[need - 1] = '\n';
    buf[need] = '\0';
    return need;
}

cbr_status cbr_key_parse(cbr_key_kind kind, const char *name, const char *text, size_t len,
                         unsigned char *key, cbr_error *err)
{
    cbr_error local;
    if (!err)
        err = &local;
    if (!key || (!text && len))
        return cbrx_fail(err, CBR_ERR_ARG, "no key"), CBR_ERR_ARG;
    if (!name)
        name = "key";
    bool secret = kind == CBR_KEY_SECRET;
    const char *want = secret ? SECRET_PREFIX : PUBLIC_PREFIX, *other = secret ? PUBLIC_PREFIX : SECRET_PREFIX;
    size_t wl = strlen(want), bytes = secret ? CBR_SECRET_KEY_BYTES : CBR_PUBLIC_KEY_BYTES;
    const char *nl = len ? memchr(text, '\n', len) : NULL;
    size_t line = nl ? (size_t)(nl - text) : len;
    if (line && text[line - 1] == '\r')
        line--;
    if (len == 0)
        return cbrx_fail(err, CBR_ERR_ARG, "%s:1: empty key file; expected `%s` and %zu hex digits", name, want,
                         2 * bytes), CBR_ERR_ARG;
    if (line > wl && !memcmp(text, other, wl) && text[wl] == ' ')
        return cbrx_fail(err, CBR_ERR_ARG, "%s:1: this is a %s key; expected a %s key (`%s ...`)", name,
                         secret ? "public" : "secret", secret ? "secret" : "public", want), CBR_ERR_ARG;
    if (line <= wl || memcmp(text, want, wl) != 0 || text[wl] != ' ')
        return cbrx_fail(err, CBR_ERR_ARG, "%s:1: not a cbr key: expected `%s` followed by %zu hex digits", name,
                         want, 2 * bytes), CBR_ERR_ARG;
    const char *h = text + wl + 1;
    size_t nhex = line - wl - 1;
    if (nhex != 2 * bytes)
        return cbrx_fail(err, CBR_ERR_ARG, "%s:1: expected %zu hex digits after `%s`, found %zu characters", name,
                         2 * bytes, want, nhex), CBR_ERR_ARG;
    unsigned char k[CBR_SECRET_KEY_BYTES];
    for (size_t i = 0; i < bytes; i++) {
        int hi = unhex((unsigned char)h[2 * i]), lo = unhex((unsigned char)h[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            sodium_memzero(k, sizeof k);
            return cbrx_fail(err, CBR_ERR_ARG, "%s:1:%zu: not a hex digit", name,
                             wl + 2 + 2 * i + (hi >= 0)), CBR_ERR_ARG;
        }
        k[i] = (unsigned char)(hi << 4 | lo);
    }
    if (nl && (size_t)(nl - text) + 1 < len) {
        sodium_memzero(k, sizeof k);
        return cbrx_fail(err, CBR_ERR_ARG, "%s:2: unexpected text after the key (a key file holds one line)",
                         name), CBR_ERR_ARG;
    }
    if (secret) {
        if (!ready(err))
            return err->status;
        if (!consistent(k)) {
            sodium_memzero(k, sizeof k);
            return cbrx_fail(err, CBR_ERR_ARG, "%s:1: the secret key is damaged: its public half does not match",
                             name), CBR_ERR_ARG;
        }
    }
    memcpy(key, k, bytes);
    sodium_memzero(k, sizeof k);
    return CBR_OK;
}

cbr_status cbr_key_read(cbr_key_kind kind, const char *path, unsigned char *key, cbr_error *err)
{
    cbr_error local;
    if (!err)
        err = &local;
    if (!path || !key)
        return cbrx_fail(err, CBR_ERR_ARG, "no key file"), CBR_ERR_ARG;
    FILE *f = fopen(path, "rb");
    if (!f)
        return cbrx_fail(err, CBR_ERR_IO, "%s: %s", path, strerror(errno)), CBR_ERR_IO;
    char buf[KEY_FILE_MAX + 1];
    size_t n = fread(buf, 1, sizeof buf, f);
    int failed = ferror(f), e = errno;
    fclose(f);
    cbr_status st;
    if (failed)
        st = CBR_ERR_IO, cbrx_fail(err, st, "%s: %s", path, strerror(e));
    else if (n > KEY_FILE_MAX)
        st = CBR_ERR_ARG, cbrx_fail(err, st, "%s: not a key file (larger than %d bytes)", path, KEY_FILE_MAX);
    else
        st = cbr_key_parse(kind, path, buf, n, key, err);
    sodium_memzero(buf, sizeof buf);
    return st;
}

/* ---- signing ---- */

cbr_status cbr_program_save_signed(const cbr_program *p, const unsigned char secret_key[CBR_SECRET_KEY_BYTES],
                                   void **data, size_t *len, cbr_error *err)
{
    cbr_error local;
    if (!err)
        err = &local;
    if (!p || !secret_key || !data || !len)
        return cbrx_fail(err, CBR_ERR_ARG, "no program or no key"), CBR_ERR_ARG;
    if (!ready(err))
        return err->status;
    if (!consistent(secret_key))
        return cbrx_fail(err, CBR_ERR_ARG, "the secret key is damaged: its public half does not match"),
               CBR_ERR_ARG;
    uint8_t *d;
    size_t n;
    if (!cbrx_save(&p->x, &d, &n, err))
        return err->status;
    uint8_t *q = cbrx_buf_resize(d, n + TRAILER);
    if (!q) {
        cbr_free(d);
        return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory signing the bundle"), CBR_ERR_NOMEM;
    }
    uint8_t *t = q + n;
    memcpy(t, TRAILER_MAGIC, 8);
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, secret_key + 32, CBR_PUBLIC_KEY_BYTES);
    memcpy(t + ID_AT, h, KEY_ID_BYTES);
    crypto_sign_detached(t + SIG_AT, NULL, q, n, secret_key);
    uint64_t sum = trailer_sum(t);
    for (int i = 0; i < 8; i++)
        t[SUM_AT + i] = (uint8_t)(sum >> (8 * i));
    *data = q;
    *len = n + TRAILER;
    return CBR_OK;
}

cbr_signature cbr_program_signature(const cbr_program *p, char key_id[CBR_KEY_ID_CHARS + 1])
{
    if (key_id)
        key_id[0] = '\0';
    if (!p)
        return CBR_UNSIGNED;
    if (key_id)
        memcpy(key_id, p->signer, sizeof p->signer);
    return (cbr_signature)p->signature;
}
