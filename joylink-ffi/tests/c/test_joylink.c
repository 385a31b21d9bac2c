/*
 * C test program for joylink.h, plain C99 (built with gcc -std=c99 -pedantic -Wall -Wextra
 * -Werror and linked against the static library by tests/c_program.rs, also under valgrind).
 *
 * Golden values come from the vectors/ JSON files (JD's C SDK output); the Rust test passes them as
 * `name=value` arguments (hex for bytes, decimal for numbers, text for key strings), so this file
 * holds no copy of them. Exit status 0 when every check passed.
 */
#include "joylink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_argc;
static char **g_argv;
static int failures;
static int checks;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        checks++;                                                                    \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                              \
        }                                                                            \
    } while (0)

#define CHECK_RC(call, expected)                                                          \
    do {                                                                                  \
        int rc_ = (call);                                                                 \
        checks++;                                                                         \
        if (rc_ != (expected)) {                                                          \
            fprintf(stderr, "%s:%d: %s returned %d, expected %s (%d)\n", __FILE__,       \
                    __LINE__, #call, rc_, #expected, (int)(expected));                   \
            failures++;                                                                   \
        }                                                                                 \
    } while (0)

/* ---- arguments ------------------------------------------------------------------------ */

static const char *arg(const char *name) {
    size_t n = strlen(name);
    int i;
    for (i = 1; i < g_argc; i++) {
        if (strncmp(g_argv[i], name, n) == 0 && g_argv[i][n] == '=') {
            return g_argv[i] + n + 1;
        }
    }
    fprintf(stderr, "missing argument %s=...\n", name);
    exit(2);
}

static int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes the hex argument `name` into a malloc'ed buffer (never NULL, even when empty). */
static uint8_t *hex_arg(const char *name, size_t *len) {
    const char *h = arg(name);
    size_t n = strlen(h) / 2, i;
    uint8_t *out = malloc(n ? n : 1);
    if (!out) exit(3);
    for (i = 0; i < n; i++) {
        int hi = nibble(h[2 * i]), lo = nibble(h[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            fprintf(stderr, "bad hex in %s\n", name);
            exit(2);
        }
        out[i] = (uint8_t)(hi * 16 + lo);
    }
    *len = n;
    return out;
}

static unsigned long num_arg(const char *name) { return strtoul(arg(name), NULL, 10); }

static jl_key_t make_key(uint32_t enc_type, const void *key, size_t key_len) {
    jl_key_t k;
    k.enc_type = enc_type;
    k.flags = 0;
    k.key = (const uint8_t *)key;
    k.key_len = key_len;
    return k;
}

static jl_header_t lan_header(uint8_t type) {
    jl_header_t h;
    memset(&h, 0, sizeof h);
    h.magic = JL_MAGIC_LAN;
    h.version = 1;
    h.packet_type = type;
    return h;
}

/* ---- CRC ------------------------------------------------------------------------------ */

static void test_crc16(void) {
    uint16_t crc = 0;
    size_t n;
    unsigned long i, count = num_arg("crc16_count");
    uint8_t *data;
    char name[64];
    CHECK(count > 0);
    for (i = 0; i < count; i++) { /* every vector of crc16.json */
        sprintf(name, "crc16_data_%lu", i);
        data = hex_arg(name, &n);
        CHECK_RC(jl_crc16(data, n, &crc), JL_OK);
        sprintf(name, "crc16_value_%lu", i);
        CHECK(crc == (uint16_t)num_arg(name));
        free(data);
    }
    CHECK_RC(jl_crc16((const uint8_t *)"123456789", 9, &crc), JL_OK);
    CHECK(crc == 0x29B1);
    data = hex_arg("crc16_data_1", &n);
    CHECK_RC(jl_crc16(NULL, 0, &crc), JL_OK);
    CHECK(crc == 0xFFFF);
    CHECK_RC(jl_crc16(NULL, 1, &crc), JL_ERR_NULL);
    CHECK_RC(jl_crc16(data, n, NULL), JL_ERR_NULL);
    CHECK_RC(jl_crc16(data, (size_t)-1, &crc), JL_ERR_INVALID_ARGUMENT);
    free(data);
}

static void test_crc32(void) {
    static uint8_t image[4096];
    jl_crc32_t one, chunked;
    uint32_t a = 0, b = 0;
    size_t i, off, step;
    for (i = 0; i < sizeof image; i++) image[i] = (uint8_t)(i * 7 + 3);

    CHECK_RC(jl_crc32_init(&one), JL_OK);
    CHECK_RC(jl_crc32_update(&one, (const uint8_t *)"123456789", 9), JL_OK);
    CHECK_RC(jl_crc32_final(&one, &a), JL_OK);
    CHECK(a == 0x2DFD2D88u); /* init 0, no final xor (compat §2), not 0xCBF43926 */

    CHECK_RC(jl_crc32_init(&one), JL_OK);
    CHECK_RC(jl_crc32_update(&one, image, sizeof image), JL_OK);
    CHECK_RC(jl_crc32_final(&one, &a), JL_OK);
    CHECK_RC(jl_crc32_init(&chunked), JL_OK);
    for (off = 0, step = 1; off < sizeof image; off += step, step = step * 3 % 97 + 1) {
        size_t len = step < sizeof image - off ? step : sizeof image - off;
        CHECK_RC(jl_crc32_update(&chunked, image + off, len), JL_OK);
    }
    CHECK_RC(jl_crc32_final(&chunked, &b), JL_OK);
    CHECK(a == b);
    CHECK_RC(jl_crc32_update(&chunked, NULL, 0), JL_OK);
    CHECK_RC(jl_crc32_update(&chunked, NULL, 5), JL_ERR_NULL);
    CHECK_RC(jl_crc32_update(NULL, image, 5), JL_ERR_NULL);
    CHECK_RC(jl_crc32_init(NULL), JL_ERR_NULL);
    CHECK_RC(jl_crc32_final(&chunked, NULL), JL_ERR_NULL);
    CHECK_RC(jl_crc32_final(NULL, &b), JL_ERR_NULL);
}

/* ---- packet decode / build ------------------------------------------------------------ */

static void test_packet(void) {
    size_t n, payload_len, out_len = 0;
    uint8_t *pkt = hex_arg("lan09_packet", &n);
    uint8_t *payload = hex_arg("lan09_payload", &payload_len);
    uint8_t buf[128], big_opt[1];
    static uint8_t huge[70000];
    jl_packet_t p;
    jl_header_t h;

    CHECK_RC(jl_packet_parse(pkt, n, JL_CRC_VERIFY, &p), JL_OK);
    CHECK(p.header.magic == JL_MAGIC_LAN);
    CHECK(p.header.opt_len == 0 && p.header.payload_len == payload_len);
    CHECK(p.header.version == 1 && p.header.packet_type == 3 && p.header.enc_type == JL_ENC_PRESHARED);
    CHECK(p.header.total == 0 && p.header.index == 0 && p.header.reserved == 0);
    CHECK(p.header.crc == (uint16_t)num_arg("lan09_crc"));
    CHECK(p.crc_status == JL_CRC_VERIFIED);
    CHECK(p.payload == pkt + JL_HEADER_LEN); /* zero-copy: points into our buffer */
    CHECK(p.opt == pkt + JL_HEADER_LEN);
    CHECK(memcmp(p.payload, payload, payload_len) == 0);

    /* rebuild it byte for byte */
    h = p.header;
    CHECK_RC(jl_packet_build(&h, NULL, 0, p.payload, p.header.payload_len, buf, sizeof buf, &out_len), JL_OK);
    CHECK(out_len == n && memcmp(buf, pkt, n) == 0);

    /* size query and short buffer: nothing written, size needed reported */
    out_len = 0;
    CHECK_RC(jl_packet_build(&h, NULL, 0, payload, payload_len, NULL, 0, &out_len), JL_ERR_BUFFER_TOO_SMALL);
    CHECK(out_len == n);
    memset(buf, 0xA5, sizeof buf);
    CHECK_RC(jl_packet_build(&h, NULL, 0, payload, payload_len, buf, n - 1, &out_len), JL_ERR_BUFFER_TOO_SMALL);
    CHECK(out_len == n && buf[0] == 0xA5 && buf[n - 2] == 0xA5);
    /* bad magic, NULLs, overlap, too long */
    h.magic = 0x12345678;
    CHECK_RC(jl_packet_build(&h, NULL, 0, payload, payload_len, buf, sizeof buf, &out_len), JL_ERR_BAD_MAGIC);
    h.magic = JL_MAGIC_LAN;
    CHECK_RC(jl_packet_build(NULL, NULL, 0, payload, payload_len, buf, sizeof buf, &out_len), JL_ERR_NULL);
    CHECK_RC(jl_packet_build(&h, NULL, 0, payload, payload_len, buf, sizeof buf, NULL), JL_ERR_NULL);
    CHECK_RC(jl_packet_build(&h, NULL, 3, payload, payload_len, buf, sizeof buf, &out_len), JL_ERR_NULL);
    CHECK_RC(jl_packet_build(&h, NULL, 0, buf + 20, 8, buf, sizeof buf, &out_len), JL_ERR_INVALID_ARGUMENT);
    CHECK_RC(jl_packet_build(&h, huge, sizeof huge, NULL, 0, big_opt, sizeof big_opt, &out_len), JL_ERR_TOO_LONG);

    /* decode errors: bad CRC (three policies), truncated, bad magic, length mismatch */
    pkt[n - 1] ^= 0x01;
    CHECK_RC(jl_packet_parse(pkt, n, JL_CRC_VERIFY, &p), JL_ERR_CRC_MISMATCH);
    CHECK(p.payload == NULL && p.opt == NULL && p.header.magic == 0); /* zeroed on failure */
    CHECK_RC(jl_packet_parse(pkt, n, JL_CRC_REPORT, &p), JL_OK);
    CHECK(p.crc_status == JL_CRC_MISMATCH);
    CHECK_RC(jl_packet_parse(pkt, n, JL_CRC_IGNORE, &p), JL_OK);
    CHECK(p.crc_status == JL_CRC_NOT_CHECKED); /* not computed: neither good nor bad */
    pkt[n - 1] ^= 0x01;
    CHECK_RC(jl_packet_parse(pkt, 10, JL_CRC_VERIFY, &p), JL_ERR_TRUNCATED);
    CHECK_RC(jl_packet_parse(pkt, n - 1, JL_CRC_VERIFY, &p), JL_ERR_LENGTH_MISMATCH);
    pkt[0] ^= 0xFF;
    CHECK_RC(jl_packet_parse(pkt, n, JL_CRC_VERIFY, &p), JL_ERR_BAD_MAGIC);
    pkt[0] ^= 0xFF;
    CHECK_RC(jl_packet_parse(pkt, n, 7, &p), JL_ERR_INVALID_ARGUMENT);
    CHECK_RC(jl_packet_parse(NULL, n, JL_CRC_VERIFY, &p), JL_ERR_NULL);
    CHECK_RC(jl_packet_parse(pkt, n, JL_CRC_VERIFY, NULL), JL_ERR_NULL);
    CHECK_RC(jl_packet_parse(NULL, 0, JL_CRC_VERIFY, &p), JL_ERR_TRUNCATED);
    free(pkt);
    free(payload);
}

/* ---- one full LAN exchange: lan-09 (APP request) -> lan-10 (device reply) --------------- */

static void test_lan_exchange(void) {
    size_t req_len, reply_len, plain_len, out_len = 0;
    uint8_t *req = hex_arg("lan09_packet", &req_len);
    uint8_t *reply = hex_arg("lan10_packet", &reply_len);
    uint8_t *plain = hex_arg("lan09_plaintext", &plain_len);
    const char *localkey = arg("localkey");
    const char *json = arg("lan10_json");
    size_t json_len = strlen(json), needed = 0;
    jl_key_t key = make_key(JL_ENC_PRESHARED, localkey, strlen(localkey));
    jl_header_t h = lan_header(4); /* the SDK answers type 3 with type 4 (vectors/README §3) */
    jl_opened_t o;
    uint8_t buf[256];

    /* device side: open the APP's request in place */
    CHECK_RC(jl_open_in_place(req, req_len, JL_CRC_VERIFY, &key, &o), JL_OK);
    CHECK(o.timestamp == (uint32_t)num_arg("lan09_timestamp"));
    CHECK(o.body_len == plain_len - 4 && memcmp(o.body, plain + 4, o.body_len) == 0);
    CHECK(o.body == req + JL_HEADER_LEN + JL_TIMESTAMP_LEN); /* in place */
    CHECK(o.header.packet_type == 3 && o.header.enc_type == JL_ENC_PRESHARED && o.crc_status == JL_CRC_VERIFIED);

    /* device side: seal the reply in place, byte-identical to the SDK's */
    CHECK_RC(jl_sealed_len(JL_ENC_PRESHARED, 0, json_len, &needed), JL_OK);
    CHECK(needed == reply_len);
    memcpy(buf + JL_BODY_OFFSET(0), json, json_len);
    CHECK_RC(jl_seal_in_place(&h, &key, NULL, 0, (uint32_t)num_arg("lan10_device_time"), json_len,
                              buf, sizeof buf, &out_len),
             JL_OK);
    CHECK(out_len == reply_len && memcmp(buf, reply, reply_len) == 0);

    /* APP side: open the reply */
    CHECK_RC(jl_open_in_place(buf, out_len, JL_CRC_VERIFY, &key, &o), JL_OK);
    CHECK(o.body_len == json_len && memcmp(o.body, json, json_len) == 0);
    CHECK(o.timestamp == (uint32_t)num_arg("lan10_device_time"));

    /* seal errors: short buffer (body untouched), NULLs, bad key, unknown enctype/flags */
    memcpy(buf + JL_BODY_OFFSET(0), json, json_len);
    CHECK_RC(jl_seal_in_place(&h, &key, NULL, 0, 1, json_len, buf, reply_len - 1, &out_len),
             JL_ERR_BUFFER_TOO_SMALL);
    CHECK(out_len == reply_len && memcmp(buf + JL_BODY_OFFSET(0), json, json_len) == 0);
    CHECK_RC(jl_seal_in_place(&h, NULL, NULL, 0, 1, json_len, buf, sizeof buf, &out_len), JL_ERR_NULL);
    CHECK_RC(jl_seal_in_place(NULL, &key, NULL, 0, 1, json_len, buf, sizeof buf, &out_len), JL_ERR_NULL);
    CHECK_RC(jl_seal_in_place(&h, &key, NULL, 0, 1, json_len, NULL, sizeof buf, &out_len), JL_ERR_NULL);
    CHECK_RC(jl_seal_in_place(&h, &key, NULL, 0, 1, json_len, buf, sizeof buf, NULL), JL_ERR_NULL);
    {
        jl_key_t short_key = make_key(JL_ENC_PRESHARED, localkey, 31);
        jl_key_t bad_enc = make_key(9, localkey, 32);
        jl_key_t bad_flags = key;
        bad_flags.flags = 0x80;
        CHECK_RC(jl_seal_in_place(&h, &short_key, NULL, 0, 1, 2, buf, sizeof buf, &out_len), JL_ERR_BAD_KEY);
        CHECK_RC(jl_seal_in_place(&h, &bad_enc, NULL, 0, 1, 2, buf, sizeof buf, &out_len), JL_ERR_INVALID_ARGUMENT);
        CHECK_RC(jl_seal_in_place(&h, &bad_flags, NULL, 0, 1, 2, buf, sizeof buf, &out_len), JL_ERR_INVALID_ARGUMENT);
        CHECK_RC(jl_sealed_len(9, 0, 2, &needed), JL_ERR_INVALID_ARGUMENT);
        CHECK_RC(jl_sealed_len(JL_ENC_NONE, 0, 2, NULL), JL_ERR_NULL);
        CHECK_RC(jl_sealed_len(JL_ENC_NONE, 0, 70000, &needed), JL_ERR_TOO_LONG);
    }
    free(req);
    free(reply);
    free(plain);
}

/* ---- the packet table agrees with the header of every golden packet ---- */

static void test_packet_info(void) {
    unsigned long i, count = num_arg("table_count");
    char name[64];
    jl_packet_info_t info;
    CHECK(count >= 46);
    for (i = 0; i < count; i++) {
        size_t n;
        jl_packet_t p;
        uint8_t *pkt;
        snprintf(name, sizeof name, "table_packet_%lu", i);
        pkt = hex_arg(name, &n);
        snprintf(name, sizeof name, "table_dir_%lu", i);
        CHECK_RC(jl_packet_parse(pkt, n, JL_CRC_VERIFY, &p), JL_OK);
        CHECK_RC(jl_packet_info(p.header.magic, p.header.packet_type, (int)num_arg(name), &info), JL_OK);
        CHECK(info.enc_type == p.header.enc_type);
        CHECK(info.min_plaintext_len == (info.has_timestamp ? JL_TIMESTAMP_LEN : 0));
        free(pkt);
    }
    /* the write-key answer travels in clear without a timestamp; a WAN auth uses the accesskey */
    CHECK_RC(jl_packet_info(JL_MAGIC_LAN, 2, JL_FROM_DEVICE, &info), JL_OK);
    CHECK(info.enc_type == JL_ENC_NONE && !info.has_timestamp);
    CHECK_RC(jl_packet_info(JL_MAGIC_WAN, 9, JL_TO_DEVICE, &info), JL_OK);
    CHECK(info.enc_type == JL_ENC_PRESHARED && info.has_timestamp);
    CHECK_RC(jl_packet_info(0x12345678, 2, JL_TO_DEVICE, &info), JL_ERR_BAD_MAGIC);
    CHECK(info.enc_type == 0 && !info.has_timestamp); /* zeroed on failure */
    CHECK_RC(jl_packet_info(JL_MAGIC_LAN, 2, 2, &info), JL_ERR_INVALID_ARGUMENT);
    CHECK_RC(jl_packet_info(JL_MAGIC_LAN, 2, JL_TO_DEVICE, NULL), JL_ERR_NULL);
}

static void test_open_errors(void) {
    size_t n;
    uint8_t *pkt = hex_arg("lan09_packet", &n);
    uint8_t *copy = malloc(n);
    const char *localkey = arg("localkey");
    jl_key_t key = make_key(JL_ENC_PRESHARED, localkey, strlen(localkey));
    jl_key_t wrong = make_key(JL_ENC_PRESHARED, "00000000000000000000000000000000", 32);
    jl_key_t nonascii = make_key(JL_ENC_PRESHARED, "0000000000000000000000000000000\x01", 32);
    uint8_t session[32] = {0};
    jl_key_t other_type = make_key(JL_ENC_SESSION, session, sizeof session);
    jl_opened_t o;
    size_t i;
    int all_zero = 1;
    if (!copy) exit(3);

    memcpy(copy, pkt, n);
    CHECK_RC(jl_open_in_place(copy, n, JL_CRC_VERIFY, &wrong, &o), JL_ERR_DECRYPT);
    CHECK(o.body == NULL && o.body_len == 0);
    for (i = JL_HEADER_LEN; i < n; i++) all_zero &= copy[i] == 0;
    CHECK(all_zero); /* no half-decrypted bytes left behind */
    CHECK(memcmp(copy, pkt, JL_HEADER_LEN) == 0);

    memcpy(copy, pkt, n);
    CHECK_RC(jl_open_in_place(copy, n, JL_CRC_VERIFY, &nonascii, &o), JL_ERR_BAD_KEY);
    CHECK_RC(jl_open_in_place(copy, n, JL_CRC_VERIFY, &other_type, &o), JL_ERR_ENCTYPE_MISMATCH);
    CHECK(memcmp(copy, pkt, n) == 0); /* refused before decrypting */
    other_type.flags = JL_KEY_FLAG_ANY_ENCTYPE;
    CHECK_RC(jl_open_in_place(copy, n, JL_CRC_VERIFY, &other_type, &o), JL_ERR_DECRYPT);

    memcpy(copy, pkt, n);
    copy[n - 1] ^= 0x40;
    CHECK_RC(jl_open_in_place(copy, n, JL_CRC_VERIFY, &key, &o), JL_ERR_CRC_MISMATCH);
    CHECK(memcmp(copy, pkt, n - 1) == 0);
    /* ignoring the CRC the flipped bit reaches the padding: one error, whatever the cause */
    CHECK_RC(jl_open_in_place(copy, n, JL_CRC_IGNORE, &key, &o), JL_ERR_DECRYPT);

    /* a plaintext too short for its timestamp: the same error as bad padding, payload wiped */
    {
        size_t sn;
        uint8_t *sp = hex_arg("short_plaintext_packet", &sn);
        CHECK_RC(jl_open_in_place(sp, sn, JL_CRC_VERIFY, &key, &o), JL_ERR_DECRYPT);
        all_zero = 1;
        for (i = JL_HEADER_LEN; i < sn; i++) all_zero &= sp[i] == 0;
        CHECK(all_zero);
        CHECK(o.body == NULL && o.body_len == 0);
        free(sp);
    }

    memcpy(copy, pkt, n);
    CHECK_RC(jl_open_in_place(copy, n - 1, JL_CRC_VERIFY, &key, &o), JL_ERR_LENGTH_MISMATCH);
    CHECK_RC(jl_open_in_place(copy, 3, JL_CRC_VERIFY, &key, &o), JL_ERR_TRUNCATED);
    CHECK_RC(jl_open_in_place(NULL, n, JL_CRC_VERIFY, &key, &o), JL_ERR_NULL);
    CHECK_RC(jl_open_in_place(copy, n, JL_CRC_VERIFY, NULL, &o), JL_ERR_NULL);
    CHECK_RC(jl_open_in_place(copy, n, JL_CRC_VERIFY, &key, NULL), JL_ERR_NULL);
    CHECK_RC(jl_open_in_place(copy, n, 3, &key, &o), JL_ERR_INVALID_ARGUMENT);
    free(copy);
    free(pkt);
}

/* ---- every mode, sealed and opened back, with an opt; WAN vectors for modes 3 and 4 ---- */

static void test_modes(void) {
    static const char body[] = "{\"cmd\":5,\"data\":{\"streams\":[]}}";
    const size_t body_len = sizeof body - 1;
    uint8_t secret[JL_SHARED_SECRET_LEN], session[JL_KEY_LEN], opt[JL_PUBLIC_KEY_LEN];
    jl_key_t keys[5];
    uint8_t buf[256];
    size_t i, out_len = 0, expected = 0;
    jl_opened_t o;
    jl_header_t h = lan_header(3);
    for (i = 0; i < sizeof secret; i++) secret[i] = (uint8_t)(i + 1);
    for (i = 0; i < sizeof session; i++) session[i] = (uint8_t)(0x80 + i);
    for (i = 0; i < sizeof opt; i++) opt[i] = (uint8_t)(0x40 + i);
    keys[0] = make_key(JL_ENC_NONE, NULL, 0);
    keys[1] = make_key(JL_ENC_STATIC, NULL, 0);
    keys[2] = make_key(JL_ENC_ECDH, secret, sizeof secret);
    keys[3] = make_key(JL_ENC_PRESHARED, "be4d957a4da771d609ab383e548014a0", 32);
    keys[4] = make_key(JL_ENC_SESSION, session, sizeof session);

    for (i = 0; i < 5; i++) {
        memset(buf, 0, sizeof buf);
        memcpy(buf + JL_BODY_OFFSET(sizeof opt), body, body_len);
        CHECK_RC(jl_seal_in_place(&h, &keys[i], opt, sizeof opt, 1700000000u + (uint32_t)i, body_len,
                                  buf, sizeof buf, &out_len),
                 JL_OK);
        CHECK_RC(jl_sealed_len(keys[i].enc_type, sizeof opt, body_len, &expected), JL_OK);
        CHECK(out_len == expected);
        CHECK(buf[12] == keys[i].enc_type);
        if (i == 0) {
            CHECK(out_len == JL_HEADER_LEN + sizeof opt + 4 + body_len);
            CHECK(memcmp(buf + JL_BODY_OFFSET(sizeof opt), body, body_len) == 0); /* clear */
        } else {
            CHECK((out_len - JL_HEADER_LEN - sizeof opt) % 16 == 0);
            CHECK(memcmp(buf + JL_BODY_OFFSET(sizeof opt), body, body_len) != 0); /* encrypted */
        }
        CHECK_RC(jl_open_in_place(buf, out_len, JL_CRC_VERIFY, &keys[i], &o), JL_OK);
        CHECK(o.timestamp == 1700000000u + (uint32_t)i);
        CHECK(o.body_len == body_len && memcmp(o.body, body, body_len) == 0);
        CHECK(o.opt == buf + JL_HEADER_LEN && memcmp(o.opt, opt, sizeof opt) == 0);
    }

    /* opt already in place at buf + 16 (memmove semantics) */
    memcpy(buf + JL_HEADER_LEN, opt, sizeof opt);
    memcpy(buf + JL_BODY_OFFSET(sizeof opt), body, body_len);
    CHECK_RC(jl_seal_in_place(&h, &keys[3], buf + JL_HEADER_LEN, sizeof opt, 7, body_len, buf,
                              sizeof buf, &out_len),
             JL_OK);
    CHECK_RC(jl_open_in_place(buf, out_len, JL_CRC_VERIFY, &keys[3], &o), JL_OK);
    CHECK(memcmp(o.opt, opt, sizeof opt) == 0 && o.body_len == body_len);

    /* legacy IV flag (SDK <= 2.0.12): IV bytes from the first 0x00 on are 0x00. With a 0x00 in
     * the IV, a standard-IV reader gets a different first block (CBC: only block 1 depends on
     * the IV, so the padding still checks). */
    session[20] = 0;
    keys[4].flags = JL_KEY_FLAG_LEGACY_IV;
    memcpy(buf + JL_BODY_OFFSET(0), body, body_len);
    CHECK_RC(jl_seal_in_place(&h, &keys[4], NULL, 0, 1, body_len, buf, sizeof buf, &out_len), JL_OK);
    memcpy(buf + 256 - 64, buf, 64); /* keep a copy of the sealed packet */
    CHECK_RC(jl_open_in_place(buf, out_len, JL_CRC_VERIFY, &keys[4], &o), JL_OK);
    CHECK(o.timestamp == 1 && o.body_len == body_len && memcmp(o.body, body, body_len) == 0);
    keys[4].flags = 0;
    memcpy(buf, buf + 256 - 64, 64);
    CHECK_RC(jl_open_in_place(buf, out_len, JL_CRC_VERIFY, &keys[4], &o), JL_OK);
    CHECK(o.timestamp != 1 || memcmp(o.body, body, 12) != 0);
    memcpy(buf, buf + 256 - 64, 64);

    /* wrong key length for each keyed mode */
    keys[2].key_len = 19;
    CHECK_RC(jl_open_in_place(buf, out_len, JL_CRC_VERIFY, &keys[2], &o), JL_ERR_BAD_KEY);
    keys[4].key_len = 31;
    CHECK_RC(jl_open_in_place(buf, out_len, JL_CRC_VERIFY, &keys[4], &o), JL_ERR_BAD_KEY);
    keys[4].key = NULL;
    CHECK_RC(jl_open_in_place(buf, out_len, JL_CRC_VERIFY, &keys[4], &o), JL_ERR_NULL);
}

static void test_wan_vectors(void) {
    /* wan-01: auth request, enctype 3 with the accesskey, opt = feedid || random */
    size_t n, opt_len, sk_len, out_len = 0, body_len;
    uint8_t *pkt = hex_arg("wan01_packet", &n);
    uint8_t *opt = hex_arg("wan01_opt", &opt_len);
    uint8_t *body = hex_arg("wan01_body", &body_len);
    const char *accesskey = arg("accesskey");
    jl_key_t key = make_key(JL_ENC_PRESHARED, accesskey, strlen(accesskey));
    jl_header_t h;
    uint8_t buf[512];
    jl_opened_t o;

    memset(&h, 0, sizeof h);
    h.magic = JL_MAGIC_WAN;
    h.version = 1;
    h.packet_type = 9;
    memcpy(buf + JL_BODY_OFFSET(opt_len), body, body_len);
    CHECK_RC(jl_seal_in_place(&h, &key, opt, opt_len, (uint32_t)num_arg("wan01_time"), body_len, buf,
                              sizeof buf, &out_len),
             JL_OK);
    CHECK(out_len == n && memcmp(buf, pkt, n) == 0);
    CHECK_RC(jl_open_in_place(pkt, n, JL_CRC_VERIFY, &key, &o), JL_OK);
    CHECK(o.body_len == body_len && memcmp(o.body, body, body_len) == 0);
    CHECK(o.header.magic == JL_MAGIC_WAN && o.header.opt_len == opt_len);
    free(pkt);
    free(opt);
    free(body);

    /* wan-05: upload after auth, enctype 4 with the session key */
    {
        uint8_t *pkt5 = hex_arg("wan05_packet", &n);
        uint8_t *sk = hex_arg("wan05_session_key", &sk_len);
        const char *snapshot = arg("wan05_snapshot");
        size_t snap_len = strlen(snapshot);
        jl_key_t skey = make_key(JL_ENC_SESSION, sk, sk_len);
        h.packet_type = 12;
        memcpy(buf + JL_BODY_OFFSET(0), snapshot, snap_len);
        CHECK_RC(jl_seal_in_place(&h, &skey, NULL, 0, (uint32_t)num_arg("wan05_time"), snap_len, buf,
                                  sizeof buf, &out_len),
                 JL_OK);
        CHECK(out_len == n && memcmp(buf, pkt5, n) == 0);
        CHECK_RC(jl_open_in_place(pkt5, n, JL_CRC_VERIFY, &skey, &o), JL_OK);
        CHECK(o.body_len == snap_len && memcmp(o.body, snapshot, snap_len) == 0);
        free(pkt5);
        free(sk);
    }
}

/* ---- ECDH: the write-key request lan-04 ------------------------------------------------- */

static void test_ecdh(void) {
    size_t n, priv_len, pub_len, secret_len, key_len, iv_len, plain_len;
    uint8_t *pkt = hex_arg("lan04_packet", &n);
    uint8_t *dev_priv = hex_arg("lan04_device_private_key", &priv_len);
    uint8_t *dev_pub = hex_arg("lan04_device_public_key", &pub_len);
    uint8_t *secret = hex_arg("lan04_shared_secret", &secret_len);
    uint8_t *aes_key = hex_arg("lan04_aes_key", &key_len);
    uint8_t *aes_iv = hex_arg("lan04_aes_iv", &iv_len);
    uint8_t *plain = hex_arg("lan04_plaintext", &plain_len);
    const char *devkey = arg("lan04_devkey");
    uint8_t priv[JL_PRIVATE_KEY_LEN], pub[JL_PUBLIC_KEY_LEN], parsed[JL_PUBLIC_KEY_LEN];
    char text[JL_DEVKEY_LEN + 1];
    jl_ecdh_shared_t s, s2;
    jl_packet_t p;
    jl_opened_t o;
    jl_key_t key;
    uint8_t zero[JL_PRIVATE_KEY_LEN] = {0};
    uint8_t bad_point[JL_PUBLIC_KEY_LEN];
    uint8_t infinity[1] = {0};

    CHECK_RC(jl_ecdh_keypair(dev_priv, priv_len, priv, sizeof priv, pub, sizeof pub), JL_OK);
    CHECK(memcmp(priv, dev_priv, sizeof priv) == 0);
    CHECK(pub_len == sizeof pub && memcmp(pub, dev_pub, sizeof pub) == 0);
    CHECK_RC(jl_ecdh_devkey(pub, sizeof pub, text, sizeof text), JL_OK);
    CHECK(strcmp(text, devkey) == 0);
    CHECK_RC(jl_ecdh_parse_devkey(devkey, strlen(devkey), parsed, sizeof parsed), JL_OK);
    CHECK(memcmp(parsed, pub, sizeof pub) == 0);

    /* the APP's public key is the packet's opt (zero-copy from decode) */
    CHECK_RC(jl_packet_parse(pkt, n, JL_CRC_VERIFY, &p), JL_OK);
    CHECK(p.header.opt_len == JL_PUBLIC_KEY_LEN && p.header.enc_type == JL_ENC_ECDH);
    CHECK_RC(jl_ecdh_shared_secret(priv, sizeof priv, p.opt, p.header.opt_len, &s), JL_OK);
    CHECK(memcmp(s.secret, secret, secret_len) == 0);
    CHECK(memcmp(s.aes_key, aes_key, key_len) == 0 && memcmp(s.aes_iv, aes_iv, iv_len) == 0);

    key = make_key(JL_ENC_ECDH, s.secret, sizeof s.secret);
    CHECK_RC(jl_open_in_place(pkt, n, JL_CRC_VERIFY, &key, &o), JL_OK);
    CHECK(o.timestamp == (uint32_t)num_arg("lan04_timestamp"));
    CHECK(o.body_len == plain_len - 4 && memcmp(o.body, plain + 4, o.body_len) == 0);

    /* both sides agree for fresh keys */
    {
        uint8_t r1[20], r2[20], d1[20], d2[20], q1[21], q2[21];
        size_t i;
        for (i = 0; i < 20; i++) {
            r1[i] = (uint8_t)(0x11 * (i + 1));
            r2[i] = (uint8_t)(0xC3 ^ i);
        }
        CHECK_RC(jl_ecdh_keypair(r1, 20, d1, 20, q1, 21), JL_OK);
        CHECK_RC(jl_ecdh_keypair(r2, 20, d2, 20, q2, 21), JL_OK);
        CHECK_RC(jl_ecdh_shared_secret(d1, 20, q2, 21, &s), JL_OK);
        CHECK_RC(jl_ecdh_shared_secret(d2, 20, q1, 21, &s2), JL_OK);
        CHECK(memcmp(&s, &s2, sizeof s) == 0);
        /* in place: private key output over the random input */
        CHECK_RC(jl_ecdh_keypair(r1, 20, r1, 20, q2, 21), JL_OK);
        CHECK(memcmp(r1, d1, 20) == 0 && memcmp(q1, q2, 21) == 0);
    }

    /* error paths: invalid points, zero key, lengths, NULLs, short outputs */
    memcpy(bad_point, pub, sizeof bad_point);
    bad_point[0] = 0x05;
    CHECK_RC(jl_ecdh_shared_secret(priv, sizeof priv, bad_point, sizeof bad_point, &s), JL_ERR_BAD_PUBLIC_KEY);
    CHECK(s.secret[0] == 0 && s.aes_key[0] == 0); /* zeroed on failure */
    memset(bad_point + 1, 0xFF, 20); /* x = 2^160 - 1 >= p */
    bad_point[0] = 0x02;
    CHECK_RC(jl_ecdh_shared_secret(priv, sizeof priv, bad_point, sizeof bad_point, &s), JL_ERR_BAD_PUBLIC_KEY);
    CHECK_RC(jl_ecdh_shared_secret(priv, sizeof priv, infinity, sizeof infinity, &s), JL_ERR_BAD_PUBLIC_KEY);
    CHECK_RC(jl_ecdh_shared_secret(priv, sizeof priv, pub, 20, &s), JL_ERR_BAD_PUBLIC_KEY);
    CHECK_RC(jl_ecdh_shared_secret(zero, sizeof zero, pub, sizeof pub, &s), JL_ERR_BAD_KEY);
    CHECK_RC(jl_ecdh_shared_secret(priv, 19, pub, sizeof pub, &s), JL_ERR_INVALID_ARGUMENT);
    CHECK_RC(jl_ecdh_shared_secret(NULL, 20, pub, sizeof pub, &s), JL_ERR_NULL);
    CHECK_RC(jl_ecdh_shared_secret(priv, 20, NULL, 21, &s), JL_ERR_NULL);
    CHECK_RC(jl_ecdh_shared_secret(priv, 20, pub, sizeof pub, NULL), JL_ERR_NULL);
    CHECK_RC(jl_ecdh_keypair(zero, sizeof zero, priv, sizeof priv, pub, sizeof pub), JL_ERR_BAD_KEY);
    CHECK_RC(jl_ecdh_keypair(dev_priv, 19, priv, sizeof priv, pub, sizeof pub), JL_ERR_INVALID_ARGUMENT);
    CHECK_RC(jl_ecdh_keypair(dev_priv, 20, priv, sizeof priv, pub, 20), JL_ERR_BUFFER_TOO_SMALL);
    CHECK_RC(jl_ecdh_keypair(dev_priv, 20, priv, 19, pub, sizeof pub), JL_ERR_BUFFER_TOO_SMALL);
    CHECK_RC(jl_ecdh_keypair(NULL, 20, priv, sizeof priv, pub, sizeof pub), JL_ERR_NULL);
    CHECK_RC(jl_ecdh_keypair(dev_priv, 20, NULL, 20, pub, sizeof pub), JL_ERR_NULL);
    CHECK_RC(jl_ecdh_keypair(dev_priv, 20, priv, sizeof priv, NULL, 21), JL_ERR_NULL);
    memset(text, 'x', sizeof text);
    CHECK_RC(jl_ecdh_devkey(dev_pub, JL_PUBLIC_KEY_LEN, text, JL_DEVKEY_LEN), JL_ERR_BUFFER_TOO_SMALL);
    CHECK(text[0] == 'x'); /* nothing written */
    CHECK_RC(jl_ecdh_devkey(bad_point, sizeof bad_point, text, sizeof text), JL_ERR_BAD_PUBLIC_KEY);
    CHECK_RC(jl_ecdh_devkey(NULL, 21, text, sizeof text), JL_ERR_NULL);
    CHECK_RC(jl_ecdh_devkey(dev_pub, 21, NULL, sizeof text), JL_ERR_NULL);
    CHECK_RC(jl_ecdh_parse_devkey("02zz", 4, parsed, sizeof parsed), JL_ERR_BAD_PUBLIC_KEY);
    CHECK_RC(jl_ecdh_parse_devkey(devkey, strlen(devkey), parsed, 20), JL_ERR_BUFFER_TOO_SMALL);
    CHECK_RC(jl_ecdh_parse_devkey(NULL, 42, parsed, sizeof parsed), JL_ERR_NULL);
    CHECK_RC(jl_ecdh_parse_devkey(devkey, 42, NULL, sizeof parsed), JL_ERR_NULL);
    free(pkt);
    free(dev_priv);
    free(dev_pub);
    free(secret);
    free(aes_key);
    free(aes_iv);
    free(plain);
}

/* ---- time_exp ------------------------------------------------------------------------- */

static jl_civil_time_t civil(uint16_t y, uint8_t mo, uint8_t d, uint8_t h, uint8_t mi, uint8_t s) {
    jl_civil_time_t t;
    t.year = y;
    t.month = mo;
    t.day = d;
    t.hour = h;
    t.minute = mi;
    t.second = s;
    return t;
}

static void test_time_exp(void) {
    static const char weekly[] = "0_1_22_*_*_1,3,5_*"; /* 22:01:00 on Mon, Wed, Fri */
    static const char every2[] = "*_/2_*_*_*_*_*";
    static const char printed[] = "0_1_22__11,15_*_*_*"; /* spec 10 example 3 as printed */
    jl_civil_time_t now = civil(2024, 1, 2, 12, 0, 0), next, created = civil(2024, 5, 1, 8, 0, 30);
    jl_civil_time_t bad = civil(2023, 2, 29, 0, 0, 0);
    int64_t secs = 0;

    CHECK_RC(jl_time_exp_parse(weekly, strlen(weekly), 0), JL_OK);
    CHECK_RC(jl_time_exp_parse("0_1_24_*_*_*_*", 14, 0), JL_ERR_TIME_EXP);
    CHECK_RC(jl_time_exp_parse(printed, strlen(printed), 0), JL_ERR_TIME_EXP);
    CHECK_RC(jl_time_exp_parse(printed, strlen(printed), JL_TIME_EXP_LENIENT), JL_OK);
    CHECK_RC(jl_time_exp_parse(weekly, strlen(weekly), 4), JL_ERR_INVALID_ARGUMENT);
    CHECK_RC(jl_time_exp_parse(NULL, 5, 0), JL_ERR_NULL);

    CHECK_RC(jl_time_exp_next(weekly, strlen(weekly), 0, &now, &now, &next), JL_OK);
    CHECK(next.year == 2024 && next.month == 1 && next.day == 3 && next.hour == 22 && next.minute == 1 && next.second == 0);
    now = civil(2024, 5, 1, 8, 3, 0);
    CHECK_RC(jl_time_exp_next(every2, strlen(every2), 0, &now, &created, &next), JL_OK);
    CHECK(next.day == 1 && next.hour == 8 && next.minute == 4 && next.second == 30);
    CHECK_RC(jl_time_exp_next("0_1_22_26_2_*_2015", 18, 0, &now, &now, &next), JL_ERR_NO_NEXT_TIME);
    CHECK(next.year == 0);
    CHECK_RC(jl_time_exp_next(weekly, strlen(weekly), 0, &bad, &now, &next), JL_ERR_BAD_TIME);
    CHECK_RC(jl_time_exp_next("x", 1, 0, &now, &now, &next), JL_ERR_TIME_EXP);
    CHECK_RC(jl_time_exp_next(weekly, strlen(weekly), 0, NULL, &now, &next), JL_ERR_NULL);
    CHECK_RC(jl_time_exp_next(weekly, strlen(weekly), 0, &now, NULL, &next), JL_ERR_NULL);
    CHECK_RC(jl_time_exp_next(weekly, strlen(weekly), 0, &now, &now, NULL), JL_ERR_NULL);

    CHECK_RC(jl_civil_from_seconds(1700000000, &next), JL_OK);
    CHECK(next.year == 2023 && next.month == 11 && next.day == 14 && next.hour == 22 && next.minute == 13 && next.second == 20);
    CHECK_RC(jl_civil_to_seconds(&next, &secs), JL_OK);
    CHECK(secs == 1700000000);
    CHECK_RC(jl_civil_from_seconds(-1, &next), JL_ERR_BAD_TIME);
    CHECK_RC(jl_civil_to_seconds(&bad, &secs), JL_ERR_BAD_TIME);
    CHECK_RC(jl_civil_from_seconds(0, NULL), JL_ERR_NULL);
    CHECK_RC(jl_civil_to_seconds(NULL, &secs), JL_ERR_NULL);
    CHECK_RC(jl_civil_to_seconds(&now, NULL), JL_ERR_NULL);
}

int main(int argc, char **argv) {
    g_argc = argc;
    g_argv = argv;
    CHECK(JL_OK == 0);
    test_crc16();
    test_crc32();
    test_packet();
    test_lan_exchange();
    test_packet_info();
    test_open_errors();
    test_modes();
    test_wan_vectors();
    test_ecdh();
    test_time_exp();
    printf("joylink C test: %d checks, %d failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
