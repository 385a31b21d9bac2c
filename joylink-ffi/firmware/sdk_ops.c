/*
 * The packet-path image of firmware.sh ("sdk-ops"): the operations JD's SDK 2.0.19 was measured
 * doing on a Cortex-M4 (built from its C source, the "Cortex-M4 images" measurement: LAN open/seal, WAN
 * heartbeat build and WAN open, ECDH key pair, public key and shared secret, CRC16), done with
 * the C ABI, so that our flash compares with the SDK's 16.8 KB for the same work. Inputs come
 * from volatile stubs the compiler cannot see through; outputs go to a volatile sink. No session
 * machine, no activation blob: only what the SDK's main calls.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "joylink.h"

volatile uint8_t ops_rx[256];
volatile size_t ops_rx_len;
volatile uint8_t ops_key[32];
volatile uint8_t ops_random[20];
volatile uint8_t ops_peer[21];
volatile uint32_t ops_now;
volatile uint8_t ops_sink;

static void sink(const uint8_t *p, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        ops_sink = p[i];
    }
}

static size_t take_rx(uint8_t *buf, size_t cap) {
    size_t i, n = ops_rx_len < cap ? ops_rx_len : cap;
    for (i = 0; i < n; i++) {
        buf[i] = ops_rx[i];
    }
    return n;
}

static void take_key(uint8_t key[32]) {
    size_t i;
    for (i = 0; i < 32; i++) {
        key[i] = ops_key[i];
    }
}

int main(void) {
    static uint8_t buf[1400];
    uint8_t keybytes[32];
    jl_key_t key;
    jl_opened_t msg;
    jl_header_t h;
    size_t n = 0, len;
    uint16_t crc = 0;

    /* LAN: open a JSON control (enctype 3, localkey as text), seal the answer (type 4). */
    take_key(keybytes);
    key.enc_type = JL_ENC_PRESHARED;
    key.flags = 0;
    key.key = keybytes;
    key.key_len = JL_KEY_LEN;
    len = take_rx(buf, sizeof buf);
    if (jl_open_in_place(buf, len, JL_CRC_VERIFY, &key, &msg) == JL_OK) {
        h = msg.header;
        h.packet_type = 4;
        memmove(buf + JL_BODY_OFFSET(0), msg.body, msg.body_len);
        if (jl_seal_in_place(&h, &key, NULL, 0, msg.timestamp, msg.body_len, buf, sizeof buf, &n) == JL_OK) {
            sink(buf, n);
        }
    }

    /* WAN: build and seal a heartbeat with the session key (enctype 4). */
    key.enc_type = JL_ENC_SESSION;
    {
        jl_heartbeat_t hb;
        hb.timestamp = ops_now;
        hb.version = 1;
        hb.rssi = 1;
        memset(&h, 0, sizeof h);
        h.magic = JL_MAGIC_WAN;
        h.version = 1;
        h.packet_type = 5; /* heartbeat, spec 7.3.3 */
        if (jl_heartbeat_build(&hb, buf + JL_BODY_OFFSET(0), sizeof buf - JL_BODY_OFFSET(0), &len) == JL_OK &&
            jl_seal_in_place(&h, &key, NULL, 0, ops_now, len, buf, sizeof buf, &n) == JL_OK) {
            sink(buf, n);
        }
    }

    /* WAN: open a type-11 control and parse its preamble. */
    len = take_rx(buf, sizeof buf);
    if (jl_open_in_place(buf, len, JL_CRC_VERIFY, &key, &msg) == JL_OK) {
        jl_control_t c;
        if (jl_control_parse(msg.body, msg.body_len, &c) == JL_OK) {
            sink(c.data, c.data_len);
        }
    }

    /* ECDH: key pair from 20 random bytes, the public key as devkey, the shared secret. */
    {
        uint8_t random[20], priv[JL_PRIVATE_KEY_LEN], pub[JL_PUBLIC_KEY_LEN], peer[21];
        char devkey[JL_DEVKEY_LEN + 1];
        jl_ecdh_shared_t shared;
        size_t i;
        for (i = 0; i < sizeof random; i++) {
            random[i] = ops_random[i];
        }
        for (i = 0; i < sizeof peer; i++) {
            peer[i] = ops_peer[i];
        }
        if (jl_ecdh_keypair(random, sizeof random, priv, sizeof priv, pub, sizeof pub) == JL_OK &&
            jl_ecdh_devkey(pub, sizeof pub, devkey, sizeof devkey) == JL_OK) {
            sink((const uint8_t *)devkey, JL_DEVKEY_LEN);
            if (jl_ecdh_shared_secret(priv, sizeof priv, peer, sizeof peer, &shared) == JL_OK) {
                sink(shared.aes_key, sizeof shared.aes_key);
            }
        }
        memset(priv, 0, sizeof priv);
    }

    /* CRC16 of a received packet. */
    len = take_rx(buf, sizeof buf);
    if (jl_crc16(buf, len, &crc) == JL_OK) {
        sink((const uint8_t *)&crc, sizeof crc);
    }
    return 0;
}
