/*
 * C tests of the WAN body codecs, the frame decoder, the replay guard, the activation blob and
 * the device machine's argument checks, as C code calls them (C89). Run by tests/firmware.rs,
 * under valgrind when installed. Prints "ok" and exits 0, or names the failed check and exits 1.
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

static void test_heartbeat(void) {
    /* spec 7.3.3: ts 0x5F5E1000, version 8, rssi 1 */
    static const uint8_t want[8] = {0x00, 0x10, 0x5e, 0x5f, 0x08, 0x00, 0x01, 0x00};
    jl_heartbeat_t h, back;
    uint8_t buf[8];
    size_t n = 99;
    h.timestamp = 0x5f5e1000u;
    h.version = 8;
    h.rssi = 1;
    memset(buf, 0xa5, sizeof buf);
    /* Too small: the size needed, nothing written. */
    CHECK(jl_heartbeat_build(&h, buf, 7, &n) == JL_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 8);
    CHECK(buf[0] == 0xa5);
    CHECK(jl_heartbeat_build(&h, NULL, 0, &n) == JL_ERR_BUFFER_TOO_SMALL && n == 8);
    CHECK(jl_heartbeat_build(&h, buf, sizeof buf, &n) == JL_OK && n == 8);
    CHECK(memcmp(buf, want, 8) == 0);
    CHECK(jl_heartbeat_parse(buf, 8, &back) == JL_OK);
    CHECK(back.timestamp == h.timestamp && back.version == 8 && back.rssi == 1);
    CHECK(jl_heartbeat_parse(buf, 7, &back) == JL_ERR_TRUNCATED);
    CHECK(jl_heartbeat_build(NULL, buf, 8, &n) == JL_ERR_NULL && n == 0);
}

static void test_control(void) {
    /* spec 7.3.7: ts 0x5F5E1000, biz 1004, serial 1, "{}" */
    static const uint8_t want[14] = {0x00, 0x10, 0x5e, 0x5f, 0xec, 0x03, 0x00, 0x00,
                                     0x01, 0x00, 0x00, 0x00, '{',  '}'};
    jl_control_t c, back;
    uint8_t buf[32];
    size_t n = 0;
    c.timestamp = 0x5f5e1000u;
    c.biz_code = 1004;
    c.serial = 1;
    c.data = (const uint8_t *)"{}";
    c.data_len = 2;
    CHECK(jl_control_build(&c, buf, 13, &n) == JL_ERR_BUFFER_TOO_SMALL && n == 14);
    CHECK(jl_control_build(&c, buf, sizeof buf, &n) == JL_OK && n == 14);
    CHECK(memcmp(buf, want, 14) == 0);
    CHECK(jl_control_parse(buf, n, &back) == JL_OK);
    CHECK(back.biz_code == 1004 && back.serial == 1 && back.data_len == 2);
    CHECK(back.data == buf + JL_CONTROL_HEADER_LEN);
    CHECK(jl_control_parse(buf, 11, &back) == JL_ERR_TRUNCATED);
    /* Input overlapping the output: refused, nothing written. */
    c.data = buf + 4;
    CHECK(jl_control_build(&c, buf, sizeof buf, &n) == JL_ERR_INVALID_ARGUMENT && n == 0);
}

static void test_upload_and_subdev(void) {
    uint8_t buf[64], rec[JL_SUBDEV_INFO_LEN];
    const uint8_t *data = NULL;
    size_t n = 0, dl = 0;
    uint32_t ts = 0;
    jl_subdev_info_t s, back;
    CHECK(jl_upload_build(7, (const uint8_t *)"abc", 3, buf, sizeof buf, &n) == JL_OK && n == 7);
    CHECK(buf[0] == 7 && buf[1] == 0 && memcmp(buf + 4, "abc", 3) == 0);
    CHECK(jl_upload_parse(buf, n, &ts, &data, &dl) == JL_OK && ts == 7 && dl == 3 && data == buf + 4);
    CHECK(jl_upload_parse(buf, 3, &ts, &data, &dl) == JL_ERR_TRUNCATED);

    memset(&s, 0, sizeof s);
    s.version = 2;
    s.rssi = 0xffff;
    memcpy(s.feed_id, "sub-1", 5);
    s.feed_id_len = 5;
    s.state = 1;
    CHECK(jl_subdev_info_build(&s, rec, sizeof rec, &n) == JL_OK && n == JL_SUBDEV_INFO_LEN);
    CHECK(rec[4] == 's' && rec[9] == 0 && rec[36] == 1);
    CHECK(jl_subdev_info_parse(rec, sizeof rec, &back) == JL_OK);
    CHECK(back.feed_id_len == 5 && memcmp(back.feed_id, "sub-1", 5) == 0 && back.state == 1);
    CHECK(back.version == 2 && back.rssi == 0xffff);
    s.feed_id_len = 33;
    CHECK(jl_subdev_info_build(&s, rec, sizeof rec, &n) == JL_ERR_INVALID_ARGUMENT && n == 0);
}

static void test_frame_decoder_and_replay(void) {
    static union {
        uint64_t a;
        unsigned char b[128];
    } mem;
    uint8_t storage[64], pkt[32], stream[80];
    jl_frame_decoder_t *dec = NULL;
    jl_header_t h;
    jl_replay_guard_t g;
    size_t n = 0, used = 0, flen = 0, off = 0, frames = 0;
    uint8_t *frame = NULL;
    int rc;
    CHECK(jl_frame_decoder_size() <= sizeof mem.b);
    CHECK(jl_frame_decoder_init(mem.b, sizeof mem.b, storage, sizeof storage, JL_MAGIC_WAN, &dec) == JL_OK);
    memset(&h, 0, sizeof h);
    h.magic = JL_MAGIC_WAN;
    h.version = 1;
    h.packet_type = 5;
    CHECK(jl_packet_build(&h, NULL, 0, (const uint8_t *)"12345678", 8, pkt, sizeof pkt, &n) == JL_OK);
    /* packet, 3 bytes of garbage, packet: fed in one go */
    memcpy(stream, pkt, n);
    memcpy(stream + n, "xyz", 3);
    memcpy(stream + n + 3, pkt, n);
    while (off < 2 * n + 3) {
        rc = jl_frame_decoder_feed(dec, stream + off, 2 * n + 3 - off, &used, &frame, &flen);
        CHECK(rc == JL_OK || rc == JL_ERR_BAD_MAGIC);
        if (rc == JL_OK && frame != NULL) {
            CHECK(flen == n && memcmp(frame, pkt, n) == 0);
            frames++;
        }
        if (used == 0 && frame == NULL) {
            break;
        }
        off += used;
    }
    CHECK(frames == 2);

    CHECK(jl_replay_init(&g, 1) == JL_OK);
    CHECK(jl_replay_accept(&g, 10, 0, 0) == JL_OK);
    CHECK(jl_replay_accept(&g, 10, 0, 0) == JL_ERR_REPLAY);
    CHECK(jl_replay_accept(&g, 11, 0, 0) == JL_OK && g.last == 11);
}

static void test_activation(void) {
    jl_activation_t a, back;
    uint8_t blob[JL_ACTIVATION_MAX_LEN];
    size_t n = 0;
    memset(&a, 0, sizeof a);
    memcpy(a.feed_id, "feed", 4);
    a.feed_id_len = 4;
    memset(a.access_key, 'k', sizeof a.access_key);
    memset(a.local_key, 'l', sizeof a.local_key);
    a.port = 2002;
    CHECK(jl_activation_save(&a, blob, 10, &n) == JL_ERR_BUFFER_TOO_SMALL && n == 84);
    CHECK(jl_activation_save(&a, blob, sizeof blob, &n) == JL_OK && n == 84);
    CHECK(jl_activation_load(blob, n, &back) == JL_OK);
    CHECK(memcmp(&a, &back, sizeof a) == 0);
    blob[20] ^= 1;
    CHECK(jl_activation_load(blob, n, &back) == JL_ERR_CORRUPT);
}

static int zero_rng(void *ctx, uint8_t *buf, size_t len) {
    (void)ctx;
    memset(buf, 0, len);
    return 0;
}

static int failing_rng(void *ctx, uint8_t *buf, size_t len) {
    (void)ctx;
    (void)buf;
    (void)len;
    return -1;
}

static void test_device_arguments(void) {
    static union {
        uint64_t a;
        unsigned char b[8192];
    } mem;
    jl_wan_device_t *dev = NULL;
    jl_wan_config_t cfg;
    jl_wan_state_t st;
    jl_wan_event_t ev;
    uint8_t out[256];
    size_t n = 7;
    uint64_t deadline = 0;
    memset(&cfg, 0, sizeof cfg);
    cfg.feed_id = (const uint8_t *)"1234567890123456";
    cfg.feed_id_len = 16;
    cfg.product_uuid = (const uint8_t *)"ABCDEF";
    cfg.product_uuid_len = 6;
    cfg.access_key = (const uint8_t *)"25e35c9691ee91296facd5d28a4822bc";
    CHECK(jl_wan_device_size() <= sizeof mem.b);
    CHECK(jl_wan_device_init(mem.b, 16, &cfg, zero_rng, NULL, &dev) == JL_ERR_BUFFER_TOO_SMALL);
    CHECK(dev == NULL);
    CHECK(jl_wan_device_init(mem.b + 1, sizeof mem.b - 1, &cfg, zero_rng, NULL, &dev) ==
          JL_ERR_INVALID_ARGUMENT);
    CHECK(jl_wan_device_init(mem.b, sizeof mem.b, &cfg, NULL, NULL, &dev) == JL_ERR_NULL);
    cfg.access_key = (const uint8_t *)"short key with a space in it....";
    CHECK(jl_wan_device_init(mem.b, sizeof mem.b, &cfg, zero_rng, NULL, &dev) == JL_ERR_BAD_KEY);
    cfg.access_key = (const uint8_t *)"25e35c9691ee91296facd5d28a4822bc";
    cfg.heartbeat_ms = 60001;
    CHECK(jl_wan_device_init(mem.b, sizeof mem.b, &cfg, zero_rng, NULL, &dev) == JL_ERR_INVALID_ARGUMENT);
    cfg.heartbeat_ms = 0;
    /* A device whose RNG fails stays disconnected and queues nothing. */
    CHECK(jl_wan_device_init(mem.b, sizeof mem.b, &cfg, failing_rng, NULL, &dev) == JL_OK);
    CHECK(jl_wan_device_connected(dev, 0) == JL_ERR_RNG);
    CHECK(jl_wan_device_state(dev, &st) == JL_OK && st == JL_WAN_DISCONNECTED);
    CHECK(jl_wan_device_poll_transmit(dev, out, sizeof out, &n) == JL_OK && n == 0);
    CHECK(jl_wan_device_deinit(dev) == JL_OK);
    /* A deinitialised handle is refused. */
    CHECK(jl_wan_device_state(dev, &st) == JL_ERR_STATE);
    CHECK(jl_wan_device_init(mem.b, sizeof mem.b, &cfg, zero_rng, NULL, &dev) == JL_OK);
    /* Before auth: no session call. */
    CHECK(jl_wan_device_upload(dev, 0, (const uint8_t *)"{}", 2) == JL_ERR_STATE);
    CHECK(jl_wan_device_next_deadline(dev, &deadline) == JL_OK && deadline == JL_NO_DEADLINE);
    CHECK(jl_wan_device_connected(dev, 1000) == JL_OK);
    CHECK(jl_wan_device_state(dev, &st) == JL_OK && st == JL_WAN_AUTHENTICATING);
    CHECK(jl_wan_device_next_deadline(dev, &deadline) == JL_OK && deadline == 3000);
    CHECK(jl_wan_device_poll_transmit(dev, out, 4, &n) == JL_OK && n == 4);
    CHECK(out[0] == 0xcc && out[1] == 0x55);
    CHECK(jl_wan_device_poll_transmit(dev, out, sizeof out, &n) == JL_OK && n > 16);
    CHECK(out[5] == 9); /* type 9 at header offset 9 - 4 already sent */
    CHECK(jl_wan_device_poll_event(dev, &ev) == JL_OK && ev.kind == JL_WAN_EVENT_NONE);
    /* Garbage from the "cloud": framing lost. */
    CHECK(jl_wan_device_input(dev, 1000, (const uint8_t *)"garbage garbage!", 16, &n) == JL_ERR_BAD_MAGIC);
    CHECK(jl_wan_device_deinit(dev) == JL_OK);
    {
        /* deinit leaves no key or plaintext behind: the whole memory is zero. */
        size_t i, nonzero = 0;
        for (i = 0; i < jl_wan_device_size(); i++) {
            nonzero += mem.b[i] != 0;
        }
        CHECK(nonzero == 0);
    }
}

static void test_timer_codecs(void) {
    /* The 16-byte code answer to an add (191), read back as the cloud reads it. */
    uint8_t buf[16];
    size_t n = 0;
    jl_timer_request_t req;
    jl_timer_task_t task;
    int32_t id = 0;
    memset(buf, 0xa5, sizeof buf);
    CHECK(jl_timer_code_response_build(7, 191, 9, 0, buf, 15, &n) == JL_ERR_BUFFER_TOO_SMALL);
    CHECK(n == JL_TIMER_CODE_RESPONSE_LEN && buf[0] == 0xa5);
    CHECK(jl_timer_code_response_build(7, 191, 9, 0, NULL, 0, &n) == JL_ERR_BUFFER_TOO_SMALL);
    CHECK(jl_timer_code_response_build(7, 191, 9, 0, buf, sizeof buf, &n) == JL_OK && n == 16);
    CHECK(buf[0] == 7 && buf[4] == 191 && buf[8] == 9 && buf[12] == 0);
    CHECK(jl_timer_request_parse(buf, n, &req) == JL_OK);
    CHECK(req.biz_code == 191 && req.serial == 9 && req.task_count == 0 && req.id_count == 0);
    /* It carries no task and no id. */
    CHECK(jl_timer_request_task(buf, n, 0, &task) == JL_ERR_INVALID_ARGUMENT);
    CHECK(jl_timer_request_id(buf, n, 0, &id) == JL_ERR_INVALID_ARGUMENT);
    CHECK(jl_timer_request_parse(buf, 11, &req) == JL_ERR_TRUNCATED);
    CHECK(jl_timer_request_parse(buf, n, NULL) == JL_ERR_NULL);
    /* A control preamble with a biz_code that is not a timer's. */
    buf[4] = 0xea;
    buf[5] = 0x03;
    CHECK(jl_timer_request_parse(buf, n, &req) == JL_ERR_MALFORMED);
}

int main(void) {
    test_timer_codecs();
    test_heartbeat();
    test_control();
    test_upload_and_subdev();
    test_frame_decoder_and_replay();
    test_activation();
    test_device_arguments();
    if (failures != 0) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
