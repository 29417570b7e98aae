/* check_sign.c: signed bundles (vm/sign.c): the SHA-256 program hash, key
 * files, the signature trailer, and cbr_program_load with and without
 * trusted keys.  Damaged bundles are re-sealed with cbrx_seal where a test
 * wants only the signature check to be able to refuse them. */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "tests/unit/unit.h"
#include "vm/program.h"

static const char SRC[] =
    "campaign \"c\" { budget 1000.00 USD }\n"
    "offer \"a\" { campaign \"c\" priority 5 timezone \"America/New_York\"\n"
    "  when amount >= 15 and merchant in [\"X\", \"Y\"] and weekday == FRI then cashback 10% up to 20.00 }\n"
    "offer \"b\" { limit 3 per user per day\n"
    "  when amount > 5 then cashback 1.00 }\n";

#define TRAILER 88

typedef struct keypair {
    unsigned char pk[CBR_PUBLIC_KEY_BYTES], sk[CBR_SECRET_KEY_BYTES];
} keypair;

static keypair key_a, key_b;
static cbr_program *prog;

static void setup(void)
{
    cbr_error err;
    ck_assert_int_eq(cbr_keygen(key_a.pk, key_a.sk, &err), CBR_OK);
    ck_assert_int_eq(cbr_keygen(key_b.pk, key_b.sk, &err), CBR_OK);
    cbr_compiler *c = unit_compile(SRC);
    ck_assert_no_errors(c);
    ck_assert_msg(cbr_compiler_program(c, &prog, &err) == CBR_OK, "%s", err.message);
    cbr_compiler_free(c);
}

static void teardown(void)
{
    cbr_program_free(prog);
    prog = NULL;
}

/* A malloc'ed copy of the program's bundle, signed by k (NULL: unsigned). */
static uint8_t *bundle(const keypair *k, size_t *len)
{
    void *d;
    cbr_error err;
    cbr_status st = k ? cbr_program_save_signed(prog, k->sk, &d, len, &err) : cbr_program_save(prog, &d, len, &err);
    ck_assert_msg(st == CBR_OK, "%s", err.message);
    uint8_t *copy = malloc(*len);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, d, *len);
    cbr_free(d);
    return copy;
}

/* A config trusting the n keys given (held in one static list: the last
 * call's config is the valid one). */
static unsigned char trust_list[4][32];
static cbr_config trusting(int n, const keypair *k1, const keypair *k2)
{
    cbr_config cfg;
    cbr_config_init(&cfg);
    const keypair *ks[] = {k1, k2};
    for (int i = 0; i < n; i++)
        memcpy(trust_list[i], ks[i]->pk, 32);
    cfg.trusted_keys = n ? (const unsigned char (*)[32])trust_list : NULL;
    cfg.ntrusted_keys = (size_t)n;
    return cfg;
}

/* Loads d with cfg, expecting CBR_OK and the given signature state. */
#define ck_loads(cfg, d, n, want)                                                                  \
    do {                                                                                           \
        cbr_program *q_ = NULL;                                                                    \
        cbr_error e_;                                                                              \
        ck_assert_msg(cbr_program_load((cfg), (d), (n), &q_, &e_) == CBR_OK, "refused: %s",       \
                      e_.message);                                                                 \
        ck_assert_int_eq(cbr_program_signature(q_, NULL), (want));                                \
        ck_assert_str_eq(cbr_program_hash(q_), cbr_program_hash(prog));                          \
        cbr_program_free(q_);                                                                      \
    } while (0)

/* Loads d with cfg, expecting CBR_ERR_BUNDLE and a message containing msg. */
#define ck_refused(cfg, d, n, msg)                                                                 \
    do {                                                                                           \
        cbr_program *q_ = NULL;                                                                    \
        cbr_error e_;                                                                              \
        cbr_status st_ = cbr_program_load((cfg), (d), (n), &q_, &e_);                             \
        ck_assert_msg(st_ == CBR_ERR_BUNDLE && q_ == NULL, "status %d (%s)", (int)st_,            \
                      st_ ? e_.message : "loaded");                                                \
        ck_assert_msg(strstr(e_.message, (msg)) != NULL, "message \"%s\", expected \"%s\"",       \
                      e_.message, (msg));                                                          \
    } while (0)

static const char *key_id(const keypair *k)
{
    static char id[4][CBR_KEY_ID_CHARS + 1];
    static unsigned n;
    char *b = id[n++ % 4];
    cbr_key_id(k->pk, b);
    return b;
}

/* ======================= the program hash ======================= */

START_TEST(hash_is_sha256_of_the_bundle)
{
    size_t n;
    uint8_t *d = bundle(NULL, &n);
    unsigned char h[32];
    crypto_hash_sha256(h, d, n);
    char want[65];
    for (int i = 0; i < 32; i++)
        snprintf(want + 2 * i, 3, "%02x", h[i]);
    ck_assert_str_eq(cbr_program_hash(prog), want);
    ck_assert_uint_eq(strlen(cbr_program_hash(prog)), 64);
    free(d);
}
END_TEST

START_TEST(hash_is_the_same_from_source_and_from_signed_and_unsigned_bundles)
{
    size_t n, m;
    uint8_t *u = bundle(NULL, &n), *s = bundle(&key_a, &m);
    cbr_config cfg = trusting(1, &key_a, NULL);
    ck_loads(NULL, u, n, CBR_UNSIGNED);
    ck_loads(NULL, s, m, CBR_SIGNED_UNVERIFIED);
    ck_loads(&cfg, s, m, CBR_SIGNED_TRUSTED);
    ck_assert_int_eq(cbr_program_signature(prog, NULL), CBR_UNSIGNED);
    free(u);
    free(s);
}
END_TEST

/* ======================= the trailer ======================= */

START_TEST(trailer_layout)
{
    size_t n, m;
    uint8_t *u = bundle(NULL, &n), *s = bundle(&key_a, &m);
    ck_assert_uint_eq(m, n + TRAILER);
    ck_assert_mem_eq(s, u, n); /* the signed part is the unsigned bundle, byte for byte */
    ck_assert_mem_eq(s + n, "CBRS\r\n\x1a\n", 8);
    unsigned char h[32];
    crypto_hash_sha256(h, key_a.pk, 32);
    ck_assert_mem_eq(s + n + 8, h, 8);
    ck_assert_int_eq(crypto_sign_verify_detached(s + n + 16, s, n, key_a.pk), 0);
    uint64_t sum = cbrhash_fnv64(s + n, 80, CBRHASH_FNV64_START);
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(s[n + 80 + (size_t)i], (uint8_t)(sum >> (8 * i)));
    free(u);
    free(s);
}
END_TEST

START_TEST(signature_state_and_key_id)
{
    size_t m;
    uint8_t *s = bundle(&key_a, &m);
    cbr_config cfg = trusting(1, &key_a, NULL);
    cbr_program *q = NULL;
    cbr_error err;
    char id[CBR_KEY_ID_CHARS + 1];
    ck_assert_int_eq(cbr_program_load(&cfg, s, m, &q, &err), CBR_OK);
    ck_assert_int_eq(cbr_program_signature(q, id), CBR_SIGNED_TRUSTED);
    ck_assert_str_eq(id, key_id(&key_a));
    cbr_program_free(q);
    ck_assert_int_eq(cbr_program_load(NULL, s, m, &q, &err), CBR_OK);
    ck_assert_int_eq(cbr_program_signature(q, id), CBR_SIGNED_UNVERIFIED);
    ck_assert_str_eq(id, key_id(&key_a));
    cbr_program_free(q);
    ck_assert_int_eq(cbr_program_signature(NULL, id), CBR_UNSIGNED);
    ck_assert_str_eq(id, "");
    free(s);
}
END_TEST

/* ======================= trust ======================= */

START_TEST(trust_good_signature_loads_with_its_key)
{
    size_t m;
    uint8_t *s = bundle(&key_a, &m);
    cbr_config cfg = trusting(1, &key_a, NULL);
    ck_loads(&cfg, s, m, CBR_SIGNED_TRUSTED);
    cfg = trusting(2, &key_b, &key_a); /* any of several */
    ck_loads(&cfg, s, m, CBR_SIGNED_TRUSTED);
    free(s);
}
END_TEST

START_TEST(trust_other_key_is_refused)
{
    size_t m;
    uint8_t *s = bundle(&key_b, &m);
    cbr_config cfg = trusting(1, &key_a, NULL);
    char want[120];
    snprintf(want, sizeof want, "bundle is signed by key %s, which is not trusted", key_id(&key_b));
    ck_refused(&cfg, s, m, want);
    free(s);
}
END_TEST

START_TEST(trust_unsigned_is_refused_only_when_a_key_is_required)
{
    size_t n;
    uint8_t *u = bundle(NULL, &n);
    cbr_config cfg = trusting(1, &key_a, NULL);
    ck_refused(&cfg, u, n, "bundle is not signed; a trusted key is required");
    ck_loads(NULL, u, n, CBR_UNSIGNED);
    /* Not a bundle at all is still said in the loader's words. */
    ck_refused(&cfg, "hello", 5, "not a cbr bundle (bad magic number)");
    free(u);
}
END_TEST

START_TEST(trust_changed_code_does_not_verify)
{
    size_t m;
    uint8_t *s = bundle(&key_a, &m);
    cbr_config cfg = trusting(1, &key_a, NULL);
    size_t body = m - TRAILER;
    s[body - 5] ^= 0x01; /* inside the last section */
    ck_refused(&cfg, s, m, "bundle signature does not verify: the bundle was changed after signing");
    ck_refused(NULL, s, m, "bundle checksum mismatch");
    /* With the checksum forged, only the signature can tell. */
    cbrx_seal(s, m);
    ck_refused(&cfg, s, m, "bundle signature does not verify: the bundle was changed after signing");
    free(s);
}
END_TEST

START_TEST(trust_changed_signature_does_not_verify)
{
    size_t m;
    uint8_t *s = bundle(&key_a, &m);
    cbr_config cfg = trusting(1, &key_a, NULL);
    size_t sig = m - TRAILER + 16;
    for (size_t i = 0; i < 64; i += 9) {
        s[sig + i] ^= 0x80;
        ck_refused(NULL, s, m, "signature checksum mismatch: the file is corrupt");
        ck_refused(&cfg, s, m, "bundle signature does not verify");
        cbrx_seal(s, m);
        ck_refused(&cfg, s, m, "bundle signature does not verify");
        s[sig + i] ^= 0x80;
        cbrx_seal(s, m);
        ck_loads(&cfg, s, m, CBR_SIGNED_TRUSTED);
    }
    free(s);
}
END_TEST

START_TEST(trust_changed_key_id_is_not_trusted)
{
    size_t m;
    uint8_t *s = bundle(&key_a, &m);
    cbr_config cfg = trusting(1, &key_a, NULL);
    s[m - TRAILER + 8] ^= 0x01;
    cbrx_seal(s, m);
    ck_refused(&cfg, s, m, "which is not trusted");
    free(s);
}
END_TEST

START_TEST(trust_stripped_signature_is_refused_when_required)
{
    size_t m;
    uint8_t *s = bundle(&key_a, &m);
    cbr_config cfg = trusting(1, &key_a, NULL);
    /* The whole trailer cut off: what is left is a consistent unsigned
     * bundle (header, length and checksum describe it), so only the
     * requirement of a signature refuses it. */
    size_t body = m - TRAILER;
    ck_refused(&cfg, s, body, "bundle is not signed; a trusted key is required");
    ck_loads(NULL, s, body, CBR_UNSIGNED);
    /* Part of it cut off, or bytes added after it. */
    ck_refused(&cfg, s, m - 1, "truncated signature: 87 bytes after the bundle, a signature has 88");
    ck_refused(NULL, s, m - 1, "truncated signature: 87 bytes after the bundle, a signature has 88");
    ck_refused(NULL, s, body + 3, "truncated signature: 3 bytes after the bundle, a signature has 88");
    uint8_t *more = malloc(m + 4);
    ck_assert_ptr_nonnull(more);
    memcpy(more, s, m);
    memset(more + m, 0, 4);
    ck_refused(&cfg, more, m + 4, "4 bytes after the signature");
    free(more);
    free(s);
}
END_TEST

START_TEST(trust_every_changed_byte_is_refused)
{
    size_t m;
    uint8_t *s = bundle(&key_a, &m);
    cbr_config cfg = trusting(1, &key_a, NULL);
    for (size_t i = 0; i < m; i++) {
        s[i] ^= 0x04;
        cbr_program *q = NULL;
        cbr_error err;
        ck_assert_msg(cbr_program_load(&cfg, s, m, &q, &err) == CBR_ERR_BUNDLE, "byte %zu: with a key", i);
        ck_assert_msg(cbr_program_load(NULL, s, m, &q, &err) == CBR_ERR_BUNDLE, "byte %zu: without a key: %s",
                      i, q ? "loaded" : err.message);
        s[i] ^= 0x04;
    }
    ck_loads(&cfg, s, m, CBR_SIGNED_TRUSTED);
    free(s);
}
END_TEST

START_TEST(trust_keys_without_a_list_is_an_argument_error)
{
    size_t m;
    uint8_t *s = bundle(&key_a, &m);
    cbr_config cfg;
    cbr_config_init(&cfg);
    ck_assert_ptr_null(cfg.trusted_keys);
    ck_assert_uint_eq(cfg.ntrusted_keys, 0);
    cfg.ntrusted_keys = 1;
    cbr_program *q = NULL;
    cbr_error err;
    ck_assert_int_eq(cbr_program_load(&cfg, s, m, &q, &err), CBR_ERR_ARG);
    free(s);
}
END_TEST

START_TEST(sign_with_a_damaged_secret_key_is_refused)
{
    unsigned char sk[CBR_SECRET_KEY_BYTES];
    memcpy(sk, key_a.sk, sizeof sk);
    sk[40] ^= 1; /* the public half */
    void *d = NULL;
    size_t n;
    cbr_error err;
    ck_assert_int_eq(cbr_program_save_signed(prog, sk, &d, &n, &err), CBR_ERR_ARG);
    ck_assert_str_eq(err.message, "the secret key is damaged: its public half does not match");
    ck_assert_int_eq(cbr_program_save_signed(NULL, key_a.sk, &d, &n, &err), CBR_ERR_ARG);
    ck_assert_int_eq(cbr_program_save_signed(prog, NULL, &d, &n, &err), CBR_ERR_ARG);
}
END_TEST

/* ======================= key files ======================= */

START_TEST(keys_format_and_parse_round_trip)
{
    char text[CBR_KEY_TEXT_MAX];
    unsigned char pk[32], sk[64];
    cbr_error err;
    size_t n = cbr_key_format(CBR_KEY_PUBLIC, key_a.pk, text, sizeof text);
    ck_assert_uint_eq(n, 19 + 64 + 1);
    ck_assert_uint_eq(strlen(text), n);
    ck_assert(strncmp(text, "cbr-ed25519-public ", 19) == 0 && text[n - 1] == '\n');
    ck_assert_int_eq(cbr_key_parse(CBR_KEY_PUBLIC, "k.pub", text, n, pk, &err), CBR_OK);
    ck_assert_mem_eq(pk, key_a.pk, 32);
    n = cbr_key_format(CBR_KEY_SECRET, key_a.sk, text, sizeof text);
    ck_assert_uint_eq(n, 19 + 128 + 1);
    ck_assert(strncmp(text, "cbr-ed25519-secret ", 19) == 0);
    ck_assert_int_eq(cbr_key_parse(CBR_KEY_SECRET, "k.key", text, n, sk, &err), CBR_OK);
    ck_assert_mem_eq(sk, key_a.sk, 64);
    /* too small a buffer */
    ck_assert_uint_eq(cbr_key_format(CBR_KEY_PUBLIC, key_a.pk, text, 84), 0);
    ck_assert_uint_eq(cbr_key_format(CBR_KEY_PUBLIC, key_a.pk, text, 85), 84);
}
END_TEST

START_TEST(keys_accept_crlf_no_newline_and_upper_case)
{
    char text[CBR_KEY_TEXT_MAX];
    unsigned char pk[32];
    cbr_error err;
    size_t n = cbr_key_format(CBR_KEY_PUBLIC, key_a.pk, text, sizeof text);
    ck_assert_int_eq(cbr_key_parse(CBR_KEY_PUBLIC, "k.pub", text, n - 1, pk, &err), CBR_OK);
    text[n - 1] = '\r';
    text[n] = '\n';
    ck_assert_int_eq(cbr_key_parse(CBR_KEY_PUBLIC, "k.pub", text, n + 1, pk, &err), CBR_OK);
    for (size_t i = 19; i < n - 1; i++)
        if (text[i] >= 'a' && text[i] <= 'f')
            text[i] = (char)(text[i] - 'a' + 'A');
    ck_assert_int_eq(cbr_key_parse(CBR_KEY_PUBLIC, "k.pub", text, n + 1, pk, &err), CBR_OK);
    ck_assert_mem_eq(pk, key_a.pk, 32);
}
END_TEST

#define ck_bad_key(kind, text, len, msg)                                                           \
    do {                                                                                           \
        unsigned char k_[64];                                                                      \
        cbr_error e_;                                                                              \
        ck_assert_int_eq(cbr_key_parse((kind), "k.pub", (text), (len), k_, &e_), CBR_ERR_ARG);   \
        ck_assert_str_eq(e_.message, (msg));                                                       \
    } while (0)

START_TEST(keys_malformed_name_the_file_and_line)
{
    char text[CBR_KEY_TEXT_MAX + 8];
    size_t n = cbr_key_format(CBR_KEY_PUBLIC, key_a.pk, text, sizeof text);
    ck_bad_key(CBR_KEY_PUBLIC, "", 0, "k.pub:1: empty key file; expected `cbr-ed25519-public` and 64 hex digits");
    ck_bad_key(CBR_KEY_PUBLIC, "ssh-ed25519 AAAA\n", 17,
               "k.pub:1: not a cbr key: expected `cbr-ed25519-public` followed by 64 hex digits");
    ck_bad_key(CBR_KEY_PUBLIC, "cbr-ed25519-public\n", 19,
               "k.pub:1: not a cbr key: expected `cbr-ed25519-public` followed by 64 hex digits");
    ck_bad_key(CBR_KEY_PUBLIC, text, n - 2,
               "k.pub:1: expected 64 hex digits after `cbr-ed25519-public`, found 63 characters");
    char t2[CBR_KEY_TEXT_MAX + 8];
    memcpy(t2, text, n);
    t2[30] = 'g';
    ck_bad_key(CBR_KEY_PUBLIC, t2, n, "k.pub:1:31: not a hex digit");
    memcpy(t2, text, n);
    memcpy(t2 + n, "x\n", 2);
    ck_bad_key(CBR_KEY_PUBLIC, t2, n + 2, "k.pub:2: unexpected text after the key (a key file holds one line)");
    memcpy(t2, text, n);
    t2[n] = '\n';
    ck_bad_key(CBR_KEY_PUBLIC, t2, n + 1, "k.pub:2: unexpected text after the key (a key file holds one line)");
    /* The wrong kind is named, and no key material is quoted. */
    char sk[CBR_KEY_TEXT_MAX];
    size_t m = cbr_key_format(CBR_KEY_SECRET, key_a.sk, sk, sizeof sk);
    ck_bad_key(CBR_KEY_PUBLIC, sk, m, "k.pub:1: this is a secret key; expected a public key (`cbr-ed25519-public ...`)");
    ck_bad_key(CBR_KEY_SECRET, text, n, "k.pub:1: this is a public key; expected a secret key (`cbr-ed25519-secret ...`)");
    /* A secret key whose public half was changed. */
    sk[19 + 64 + 3] = sk[19 + 64 + 3] == '0' ? '1' : '0';
    ck_bad_key(CBR_KEY_SECRET, sk, m, "k.pub:1: the secret key is damaged: its public half does not match");
}
END_TEST

START_TEST(keys_read_files)
{
    char dir[] = "/tmp/check_sign.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[64], text[CBR_KEY_TEXT_MAX];
    snprintf(path, sizeof path, "%s/k.pub", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    cbr_key_format(CBR_KEY_PUBLIC, key_b.pk, text, sizeof text);
    fputs(text, f);
    fclose(f);
    unsigned char pk[32];
    cbr_error err;
    ck_assert_int_eq(cbr_key_read(CBR_KEY_PUBLIC, path, pk, &err), CBR_OK);
    ck_assert_mem_eq(pk, key_b.pk, 32);
    /* a big file is not read whole */
    f = fopen(path, "w");
    for (int i = 0; i < 5000; i++)
        fputc('a', f);
    fclose(f);
    ck_assert_int_eq(cbr_key_read(CBR_KEY_PUBLIC, path, pk, &err), CBR_ERR_ARG);
    ck_assert(strstr(err.message, "k.pub: not a key file (larger than 4096 bytes)") != NULL);
    unlink(path);
    ck_assert_int_eq(cbr_key_read(CBR_KEY_PUBLIC, path, pk, &err), CBR_ERR_IO);
    ck_assert(strstr(err.message, "k.pub: No such file or directory") != NULL);
    rmdir(dir);
}
END_TEST

START_TEST(keys_ids_differ_and_are_hex)
{
    const char *a = key_id(&key_a), *b = key_id(&key_b);
    ck_assert_uint_eq(strlen(a), 16);
    ck_assert_str_ne(a, b);
    ck_assert_uint_eq(strspn(a, "0123456789abcdef"), 16);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("sign");
    TCase *tc = tcase_create("hash");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, hash_is_sha256_of_the_bundle);
    tcase_add_test(tc, hash_is_the_same_from_source_and_from_signed_and_unsigned_bundles);
    suite_add_tcase(s, tc);
    tc = tcase_create("trailer");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, trailer_layout);
    tcase_add_test(tc, signature_state_and_key_id);
    suite_add_tcase(s, tc);
    tc = tcase_create("trust");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, trust_good_signature_loads_with_its_key);
    tcase_add_test(tc, trust_other_key_is_refused);
    tcase_add_test(tc, trust_unsigned_is_refused_only_when_a_key_is_required);
    tcase_add_test(tc, trust_changed_code_does_not_verify);
    tcase_add_test(tc, trust_changed_signature_does_not_verify);
    tcase_add_test(tc, trust_changed_key_id_is_not_trusted);
    tcase_add_test(tc, trust_stripped_signature_is_refused_when_required);
    tcase_add_test(tc, trust_every_changed_byte_is_refused);
    tcase_add_test(tc, trust_keys_without_a_list_is_an_argument_error);
    tcase_add_test(tc, sign_with_a_damaged_secret_key_is_refused);
    suite_add_tcase(s, tc);
    tc = tcase_create("keys");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, keys_format_and_parse_round_trip);
    tcase_add_test(tc, keys_accept_crlf_no_newline_and_upper_case);
    tcase_add_test(tc, keys_malformed_name_the_file_and_line);
    tcase_add_test(tc, keys_read_files);
    tcase_add_test(tc, keys_ids_differ_and_are_hex);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(make_suite)
