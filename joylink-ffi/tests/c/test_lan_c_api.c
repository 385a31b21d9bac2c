/*
 * C tests of the LAN device and gateway machines (jl_lan_device_*, jl_gateway_*) as C code calls
 * them (C89), against the no_std static library: creation in caller memory and its errors, the
 * RNG callback, a script control exchange built and checked with the packet functions, the
 * activation record, the gateway's sub-device table, and every documented argument and state
 * error. Run by tests/firmware.rs, under valgrind when installed. Prints "ok" and exits 0, or
 * names the failed check and exits 1.
 */
#include <stdio.h>
#include <string.h>

#include "joylink.h"

static int failures;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                          \
        }                                                                        \
    } while (0)

static const char LOCALKEY[] = "d2fd57fd06c7ef0bf04f69db14ab707f";

static union {
    uint64_t align;
    unsigned char bytes[16384];
} mem;

static int rng_calls;
static int rng_ok(void *ctx, uint8_t *buf, size_t len) {
    size_t i;
    (void)ctx;
    rng_calls++;
    for (i = 0; i < len; i++) {
        buf[i] = (uint8_t)(i * 7 + 1);
    }
    return 0;
}
static int rng_fail(void *ctx, uint8_t *buf, size_t len) {
    (void)ctx;
    (void)buf;
    (void)len;
    return -1;
}

static void config(jl_lan_config_t *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->mac = (const uint8_t *)"EA2D9AB01132";
    cfg->mac_len = 12;
    cfg->product_uuid = (const uint8_t *)"ABCDEF";
    cfg->product_uuid_len = 6;
    cfg->lancon = 1;
}

static void activation(jl_activation_t *a) {
    memset(a, 0, sizeof *a);
    memcpy(a->feed_id, "1234567890123456", 16);
    a->feed_id_len = 16;
    memcpy(a->access_key, "25e35c9691ee91296facd5d28a4822bc", JL_KEY_LEN);
    memcpy(a->local_key, LOCALKEY, JL_KEY_LEN);
    memcpy(a->server, "live.smart.jd.com", 17);
    a->server_len = 17;
    a->port = 2002;
}

static jl_addr_t app_addr(void) {
    jl_addr_t a;
    memset(&a, 0, sizeof a);
    a.family = JL_ADDR_IPV4;
    a.ip[0] = 192;
    a.ip[1] = 168;
    a.ip[2] = 1;
    a.ip[3] = 2;
    a.port = 9000;
    return a;
}

static jl_key_t localkey(void) {
    jl_key_t k;
    k.enc_type = JL_ENC_PRESHARED;
    k.flags = 0;
    k.key = (const uint8_t *)LOCALKEY;
    k.key_len = JL_KEY_LEN;
    return k;
}

/* A type-4 script control from the app: ts, biz_code 1002, serial, cmd. */
static size_t script_control(uint8_t *buf, size_t cap, uint32_t ts, uint32_t serial,
                             const char *cmd) {
    jl_header_t h;
    jl_key_t k = localkey();
    uint8_t *body = buf + JL_BODY_OFFSET(0);
    size_t n = 0, len = strlen(cmd);
    memset(&h, 0, sizeof h);
    h.magic = JL_MAGIC_LAN;
    h.version = 1;
    h.packet_type = 4;
    body[0] = 0xea; /* 1002 */
    body[1] = 0x03;
    body[2] = 0;
    body[3] = 0;
    body[4] = (uint8_t)serial;
    body[5] = (uint8_t)(serial >> 8);
    body[6] = 0;
    body[7] = 0;
    memcpy(body + 8, cmd, len);
    CHECK(jl_seal_in_place(&h, &k, NULL, 0, ts, 8 + len, buf, cap, &n) == JL_OK);
    return n;
}

static void test_sizes_and_init_errors(void) {
    jl_lan_config_t cfg;
    jl_lan_device_t *dev = NULL;
    config(&cfg);
    CHECK(jl_lan_device_size() > 0 && jl_lan_device_size() <= sizeof mem.bytes);
    CHECK(jl_lan_device_align() >= 1 && jl_lan_device_align() <= 8);
    CHECK(jl_gateway_size() > jl_lan_device_size() && jl_gateway_size() <= sizeof mem.bytes);
    CHECK(jl_gateway_align() <= 8);
    CHECK(jl_lan_device_init(NULL, sizeof mem.bytes, &cfg, rng_ok, NULL, &dev) == JL_ERR_NULL);
    CHECK(jl_lan_device_init(mem.bytes, sizeof mem.bytes, NULL, rng_ok, NULL, &dev) ==
          JL_ERR_NULL);
    CHECK(jl_lan_device_init(mem.bytes, sizeof mem.bytes, &cfg, NULL, NULL, &dev) == JL_ERR_NULL);
    CHECK(jl_lan_device_init(mem.bytes, sizeof mem.bytes, &cfg, rng_ok, NULL, NULL) ==
          JL_ERR_NULL);
    CHECK(jl_lan_device_init(mem.bytes, jl_lan_device_size() - 1, &cfg, rng_ok, NULL, &dev) ==
          JL_ERR_BUFFER_TOO_SMALL);
    CHECK(jl_lan_device_init(mem.bytes + 1, sizeof mem.bytes - 1, &cfg, rng_ok, NULL, &dev) ==
          JL_ERR_INVALID_ARGUMENT);
    cfg.mac = (const uint8_t *)"has\"quote";
    cfg.mac_len = 9;
    CHECK(jl_lan_device_init(mem.bytes, sizeof mem.bytes, &cfg, rng_ok, NULL, &dev) ==
          JL_ERR_INVALID_ARGUMENT);
    config(&cfg);
    cfg.product_uuid_len = 17; /* over 16 */
    cfg.product_uuid = (const uint8_t *)"0123456789abcdefX";
    CHECK(jl_lan_device_init(mem.bytes, sizeof mem.bytes, &cfg, rng_ok, NULL, &dev) ==
          JL_ERR_INVALID_ARGUMENT);
    config(&cfg);
    /* A failing RNG: JL_ERR_RNG, memory and handle untouched. */
    memset(mem.bytes, 0xa5, sizeof mem.bytes);
    CHECK(jl_lan_device_init(mem.bytes, sizeof mem.bytes, &cfg, rng_fail, NULL, &dev) ==
          JL_ERR_RNG);
    CHECK(dev == NULL && mem.bytes[0] == 0xa5);
    /* Never initialised: a state error, not a crash. */
    CHECK(jl_lan_device_deinit((jl_lan_device_t *)(void *)mem.bytes) == JL_ERR_STATE);
}

static void test_script_control(void) {
    jl_lan_config_t cfg;
    jl_lan_device_t *dev = NULL;
    jl_activation_t a, back;
    jl_lan_event_t ev;
    jl_addr_t from = app_addr(), to, bad;
    jl_key_t k = localkey();
    jl_opened_t opened;
    static uint8_t pkt[JL_LAN_MAX_DATAGRAM], out[JL_LAN_MAX_DATAGRAM];
    size_t n, len = 99;
    uint64_t deadline = 0;
    const char *snap = "{\"power\":1}";
    config(&cfg);
    rng_calls = 0;
    CHECK(jl_lan_device_init(mem.bytes, sizeof mem.bytes, &cfg, rng_ok, NULL, &dev) == JL_OK);
    CHECK(dev == (jl_lan_device_t *)(void *)mem.bytes);
    CHECK(rng_calls == 1); /* the key pair, once */

    /* Not activated: no keys to read, and a localkey packet is dropped. */
    CHECK(jl_lan_device_activation(dev, &back) == JL_ERR_STATE);
    n = script_control(pkt, sizeof pkt, 10, 1, "power=1");
    CHECK(jl_lan_device_input(dev, 1000, &from, pkt, n) == JL_ERR_MALFORMED);
    CHECK(jl_lan_device_poll_event(dev, &ev) == JL_OK && ev.kind == JL_LAN_EVENT_NONE);

    /* The stored activation, read back as it was given. */
    activation(&a);
    CHECK(jl_lan_device_set_activation(dev, &a) == JL_OK);
    CHECK(jl_lan_device_activation(dev, &back) == JL_OK);
    CHECK(memcmp(&a, &back, sizeof a) == 0);
    a.access_key[0] = ' '; /* not printable ASCII: refused, the device keeps the old keys */
    CHECK(jl_lan_device_set_activation(dev, &a) == JL_ERR_BAD_KEY);
    CHECK(jl_lan_device_activation(dev, &back) == JL_OK && back.access_key[0] == '2');

    /* A script control: one event with the request's fields, pointing into pkt. */
    n = script_control(pkt, sizeof pkt, 11, 77, "power=1");
    bad = from;
    bad.family = 5;
    CHECK(jl_lan_device_input(dev, 2000, &bad, pkt, n) == JL_ERR_INVALID_ARGUMENT);
    CHECK(jl_lan_device_input(dev, 2000, &from, pkt, n) == JL_OK);
    /* The event is not polled yet: the next datagram is refused untouched. */
    out[0] = 0x5a;
    CHECK(jl_lan_device_input(dev, 2000, &from, out, 1) == JL_ERR_STATE && out[0] == 0x5a);
    CHECK(jl_lan_device_poll_event(dev, &ev) == JL_OK);
    CHECK(ev.kind == JL_LAN_EVENT_SCRIPT_REQUEST);
    CHECK(ev.biz_code == 1002 && ev.serial == 77 && ev.sub_device == -1 && ev.request_id != 0);
    CHECK(ev.data_len == 7 && memcmp(ev.data, "power=1", 7) == 0);
    CHECK(ev.data >= pkt && ev.data < pkt + n);
    CHECK(ev.peer.family == JL_ADDR_IPV4 && ev.peer.port == 9000 && ev.peer.ip[3] == 2);
    CHECK(jl_lan_device_poll_event(dev, &ev) == JL_OK && ev.kind == JL_LAN_EVENT_NONE);
    CHECK(jl_lan_device_poll_event(dev, NULL) == JL_ERR_NULL);
    /* The same timestamp again is a replay: its own status, not a malformed datagram. */
    n = script_control(pkt, sizeof pkt, 11, 78, "power=0");
    CHECK(jl_lan_device_input(dev, 2100, &from, pkt, n) == JL_ERR_REPLAY);
    n = script_control(pkt, sizeof pkt, 10, 78, "power=0"); /* older: also a replay */
    CHECK(jl_lan_device_input(dev, 2100, &from, pkt, n) == JL_ERR_REPLAY);
    CHECK(jl_lan_device_poll_event(dev, &ev) == JL_OK && ev.kind == JL_LAN_EVENT_NONE);

    /* The request waits until 2000 + TTL. */
    CHECK(jl_lan_device_next_deadline(dev, &deadline) == JL_OK);
    CHECK(deadline == 2000 + JL_LAN_REQUEST_TTL_MS);

    /* Answer: an unknown id is refused; the real one queues the type 4 answer. */
    CHECK(jl_lan_device_respond(dev, 3000, 0, NULL, 0) == JL_ERR_STATE);
    CHECK(jl_lan_device_respond(dev, 3000, ev.request_id + 1000, NULL, 0) == JL_ERR_STATE);
    CHECK(jl_lan_device_poll_transmit(dev, out, sizeof out, &len, &to) == JL_OK && len == 0);
    /* `ev` was overwritten by the NONE poll: answer by the id the request had. */
    n = script_control(pkt, sizeof pkt, 12, 79, "power=0");
    CHECK(jl_lan_device_input(dev, 3000, &from, pkt, n) == JL_OK);
    CHECK(jl_lan_device_poll_event(dev, &ev) == JL_OK && ev.kind == JL_LAN_EVENT_SCRIPT_REQUEST);
    CHECK(jl_lan_device_respond(dev, 3000, ev.request_id, (const uint8_t *)snap, strlen(snap)) ==
          JL_OK);
    CHECK(jl_lan_device_respond(dev, 3000, ev.request_id, (const uint8_t *)snap, strlen(snap)) ==
          JL_ERR_STATE); /* answered already */
    /* A buffer under JL_LAN_MAX_DATAGRAM: the size needed, nothing dequeued. */
    CHECK(jl_lan_device_poll_transmit(dev, out, 100, &len, &to) == JL_ERR_BUFFER_TOO_SMALL);
    CHECK(len == JL_LAN_MAX_DATAGRAM);
    CHECK(jl_lan_device_poll_transmit(dev, out, sizeof out, &len, NULL) == JL_ERR_NULL && len == 0);
    CHECK(jl_lan_device_poll_transmit(dev, out, sizeof out, &len, &to) == JL_OK && len > 0);
    CHECK(to.family == JL_ADDR_IPV4 && to.port == 9000 && memcmp(to.ip, from.ip, 16) == 0);
    CHECK(jl_open_in_place(out, len, JL_CRC_VERIFY, &k, &opened) == JL_OK);
    CHECK(opened.header.packet_type == 4 && opened.timestamp == 3);
    CHECK(opened.body_len == 8 + strlen(snap));
    CHECK(opened.body[0] == 102 && opened.body[1] == 0 && opened.body[4] == 79);
    CHECK(memcmp(opened.body + 8, snap, strlen(snap)) == 0);
    CHECK(jl_lan_device_poll_transmit(dev, out, sizeof out, &len, &to) == JL_OK && len == 0);

    /* An unanswered request expires at its deadline. */
    n = script_control(pkt, sizeof pkt, 13, 80, "power=1");
    CHECK(jl_lan_device_input(dev, 4000, &from, pkt, n) == JL_OK);
    CHECK(jl_lan_device_poll_event(dev, &ev) == JL_OK && ev.kind == JL_LAN_EVENT_SCRIPT_REQUEST);
    CHECK(jl_lan_device_handle_timeout(dev, 4000 + JL_LAN_REQUEST_TTL_MS) == JL_OK);
    CHECK(jl_lan_device_next_deadline(dev, &deadline) == JL_OK && deadline == JL_NO_DEADLINE);
    CHECK(jl_lan_device_respond(dev, 7000, ev.request_id, NULL, 0) == JL_ERR_STATE);

    /* Gateway functions on a plain device. */
    {
        jl_sub_device_t row;
        CHECK(jl_gateway_sub_device(dev, 0, &row) == JL_ERR_STATE);
        CHECK(jl_gateway_set_sub_device(dev, 0, NULL) == JL_ERR_STATE);
    }

    /* Forgetting the keys (factory reset). */
    CHECK(jl_lan_device_set_activation(dev, NULL) == JL_OK);
    CHECK(jl_lan_device_activation(dev, &back) == JL_ERR_STATE);

    /* Deinit zeroes the memory; the handle is dead. */
    CHECK(jl_lan_device_deinit(dev) == JL_OK);
    CHECK(mem.bytes[0] == 0 && mem.bytes[jl_lan_device_size() - 1] == 0);
    CHECK(jl_lan_device_poll_event(dev, &ev) == JL_ERR_STATE);
    CHECK(jl_lan_device_deinit(dev) == JL_ERR_STATE);
    CHECK(jl_lan_device_deinit(NULL) == JL_ERR_NULL);
}

static void test_gateway_table(void) {
    jl_lan_config_t cfg;
    jl_lan_device_t *gw = NULL;
    jl_sub_device_t row, back;
    jl_activation_t a;
    jl_lan_event_t ev;
    jl_addr_t from = app_addr();
    static uint8_t pkt[JL_LAN_MAX_DATAGRAM];
    size_t n;
    config(&cfg);
    CHECK(jl_gateway_init(mem.bytes, jl_gateway_size() - 1, &cfg, rng_ok, NULL, &gw) ==
          JL_ERR_BUFFER_TOO_SMALL);
    CHECK(jl_gateway_init(mem.bytes, sizeof mem.bytes, &cfg, rng_ok, NULL, &gw) == JL_OK);
    CHECK(jl_gateway_sub_device(gw, 0, &back) == JL_OK && back.in_use == 0);
    CHECK(jl_gateway_sub_device(gw, JL_GATEWAY_SUBS, &back) == JL_ERR_INVALID_ARGUMENT);
    CHECK(jl_gateway_sub_device(gw, 0, NULL) == JL_ERR_NULL);
    memset(&row, 0, sizeof row);
    row.in_use = 1;
    row.authorized = 1;
    row.protocol = 1;
    memcpy(row.mac, "AABBCCDDEEFF", 12);
    row.mac_len = 12;
    memcpy(row.product_uuid, "SUBUUID", 7);
    row.product_uuid_len = 7;
    memcpy(row.feed_id, "sub-feed", 8);
    row.feed_id_len = 8;
    memcpy(row.access_key, LOCALKEY, JL_KEY_LEN);
    memcpy(row.local_key, LOCALKEY, JL_KEY_LEN);
    CHECK(jl_gateway_set_sub_device(gw, 3, &row) == JL_OK);
    CHECK(jl_gateway_sub_device(gw, 3, &back) == JL_OK);
    CHECK(memcmp(&row, &back, sizeof row) == 0);
    CHECK(jl_gateway_set_sub_device(gw, JL_GATEWAY_SUBS, &row) == JL_ERR_INVALID_ARGUMENT);
    row.authorized = 2;
    CHECK(jl_gateway_set_sub_device(gw, 4, &row) == JL_ERR_INVALID_ARGUMENT);
    row.authorized = 1;
    row.local_key[0] = 0; /* not a key */
    CHECK(jl_gateway_set_sub_device(gw, 4, &row) == JL_ERR_BAD_KEY);
    CHECK(jl_gateway_sub_device(gw, 4, &back) == JL_OK && back.in_use == 0);
    CHECK(jl_gateway_set_sub_device(gw, 3, NULL) == JL_OK);
    CHECK(jl_gateway_sub_device(gw, 3, &back) == JL_OK && back.in_use == 0);
    /* A gateway drops a replayed request to itself with JL_ERR_REPLAY too. */
    activation(&a);
    CHECK(jl_lan_device_set_activation(gw, &a) == JL_OK);
    n = script_control(pkt, sizeof pkt, 20, 1, "power=1");
    CHECK(jl_lan_device_input(gw, 1000, &from, pkt, n) == JL_OK);
    CHECK(jl_lan_device_poll_event(gw, &ev) == JL_OK && ev.kind == JL_LAN_EVENT_SCRIPT_REQUEST);
    n = script_control(pkt, sizeof pkt, 20, 2, "power=0");
    CHECK(jl_lan_device_input(gw, 1100, &from, pkt, n) == JL_ERR_REPLAY);
    CHECK(jl_lan_device_poll_event(gw, &ev) == JL_OK && ev.kind == JL_LAN_EVENT_NONE);
    CHECK(jl_lan_device_deinit(gw) == JL_OK);
    CHECK(jl_gateway_sub_device(gw, 0, &back) == JL_ERR_STATE);
}

int main(void) {
    test_sizes_and_init_errors();
    test_script_control();
    test_gateway_table();
    if (failures != 0) {
        fprintf(stderr, "%d failed\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
