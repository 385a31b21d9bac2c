/*
 * firmware.c: a JoyLink WAN device written against the C ABI (joylink.h), the way vendor
 * firmware embeds joylink-ffi: the session machine lives in static memory, the firmware owns
 * the TCP socket, the clock, the flash and the random numbers, and the machine tells it what to
 * send, when to wake up and what happened.
 *
 * What the device does: at boot it creates its LAN session machine (discovery, write-key, LAN
 * control) and loads its activation record from flash. Until it has one, the APP finds it with a
 * scan and authorizes it (write-key): the device stores the keys it receives in flash and starts
 * its WAN session. On a TCP connection it authenticates (type 9), uploads its snapshot, sends
 * heartbeats, applies cloud and LAN controls ("power" on/off) and answers them, and runs the
 * timer tasks the cloud adds, reporting each run.
 *
 * Two network ports, chosen at compile time:
 *  - default (host): a test harness on stdin/stdout (joylink-ffi/tests/firmware.rs runs the Rust
 *    app and cloud machines on the other end). Records in:  tag(1) now_ms(8, LE) len(4, LE)
 *    bytes, tag 'C' = TCP connection up, 'D' = bytes from the TCP socket, 'U' = a UDP datagram
 *    (bytes = sender family(1) ip(16) port(2, LE), then the datagram), 'T' = timer tick,
 *    'R' = reboot (flash survives), 'Q' = quit. Records out: 'D' len bytes (to the TCP socket),
 *    'U' len bytes (a datagram: destination as above, then the datagram), 'L' len text (log),
 *    'N' deadline(8), then '.' when the record is handled.
 *  - FW_STUB_NET (microcontroller image, joylink-ffi/firmware.sh): a stub socket and a stub
 *    UDP port in volatile memory, enough for the linker to keep every path a real port uses.
 *    FW_WAN=0 leaves the WAN session out (a LAN-only device); FW_ECDH=1 adds the write-key
 *    ECDH, FW_TIMERS=1 a local time_exp schedule: one image per joylink-ffi feature set. The
 *    stub port provisions factory keys and does the LAN side with the packet functions.
 *
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#include <string.h>

#include "joylink.h"

#ifndef FW_WAN
#define FW_WAN 1
#endif
/* FW_GATEWAY=1: the device is a gateway (spec chapter 8) with sub-devices. */
#ifndef FW_GATEWAY
#define FW_GATEWAY 0
#endif
/* The LAN session machine (jl_lan_device_*): always in the host port; in the stub port with
 * FW_LAN_MACHINE=1 (ffi feature `lan`, `gateway` with FW_GATEWAY=1), else the stub does the LAN
 * side with the packet functions. */
#ifndef FW_STUB_NET
#undef FW_LAN_MACHINE
#define FW_LAN_MACHINE 1
#elif !defined(FW_LAN_MACHINE)
#define FW_LAN_MACHINE 0
#endif

static void fw_log(const char *what, long a, const uint8_t *text, size_t len);
static void fw_send(const uint8_t *bytes, size_t len);

/* One flash page holding the activation blob (erased = 0xFF). */
static uint8_t flash_page[256];
static jl_activation_t act;

/* ------------------------------------------------------------------------ the application */

static int power;
static char snapshot[] = "{\"code\":0,\"streams\":[{\"stream_id\":\"power\",\"current_value\":\"0\"}]}";

static const uint8_t *find(const uint8_t *hay, size_t n, const char *needle) {
    size_t k = strlen(needle), i;
    for (i = 0; k <= n && i <= n - k; i++) {
        if (memcmp(hay + i, needle, k) == 0) {
            return hay + i;
        }
    }
    return NULL;
}

/* Applies "power" from a control JSON or a timer command ("power=1"). */
static void apply(const uint8_t *cmd, size_t len) {
    const uint8_t *p = find(cmd, len, "\"current_value\":\"");
    if (p != NULL && (size_t)(p - cmd) + 17 < len) {
        power = p[17] == '1';
    } else if ((p = find(cmd, len, "power=")) != NULL && (size_t)(p - cmd) + 6 < len) {
        power = p[6] == '1';
    }
    snapshot[strlen(snapshot) - 5] = power ? '1' : '0';
}

#ifdef FW_STUB_NET
/* Boot of the size image: the activation record from flash, or factory keys on first boot. */
static int load_activation(void) {
    static const char factory_feed[] = "1234567890123456";
    static const char factory_key[] = "25e35c9691ee91296facd5d28a4822bc";
    size_t len = 0;
    int rc;
    if (jl_activation_load(flash_page, sizeof flash_page, &act) == JL_OK) {
        return JL_OK;
    }
    memset(&act, 0, sizeof act);
    memcpy(act.feed_id, factory_feed, sizeof factory_feed - 1);
    act.feed_id_len = (uint8_t)(sizeof factory_feed - 1);
    memcpy(act.access_key, factory_key, JL_KEY_LEN);
    memcpy(act.local_key, factory_key, JL_KEY_LEN);
    memcpy(act.server, "live.smart.jd.com", 17);
    act.server_len = 17;
    act.port = 2002;
    rc = jl_activation_save(&act, flash_page, sizeof flash_page, &len);
    if (rc != JL_OK) {
        return rc;
    }
    fw_log("provisioned", (long)len, NULL, 0);
    return jl_activation_load(flash_page, sizeof flash_page, &act);
}
#endif

#if FW_WAN || FW_LAN_MACHINE
/* The random-number source. A real device reads its TRNG here; this xorshift is a stand-in for
 * the test and the size image only (NOT a CSPRNG). */
static uint32_t rng_state = 0x2545f491u;
static int fw_rng(void *ctx, uint8_t *buf, size_t len) {
    size_t i;
    (void)ctx;
    for (i = 0; i < len; i++) {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 17;
        rng_state ^= rng_state << 5;
        buf[i] = (uint8_t)rng_state;
    }
    return 0;
}

#endif

#if FW_WAN
/* ---------------------------------------------------------------- device memory, no heap */

/* jl_wan_device_size() bytes; main() checks the figure and the alignment at boot. */
#ifndef FW_DEVICE_MEM
#define FW_DEVICE_MEM 6144
#endif
static union {
    uint64_t align_u64;
    void *align_ptr;
    unsigned char bytes[FW_DEVICE_MEM];
} device_mem;
static jl_wan_device_t *dev;

/* ------------------------------------------------------------------------- platform port */

static void drain_events(uint64_t now) {
    jl_wan_event_t ev;
    while (jl_wan_device_poll_event(dev, &ev) == JL_OK && ev.kind != JL_WAN_EVENT_NONE) {
        switch (ev.kind) {
        case JL_WAN_EVENT_AUTHENTICATED:
            fw_log("authenticated", 0, NULL, 0);
            /* spec 7.3.5: a device without a snapshot may not be controllable. */
            jl_wan_device_upload(dev, now, (const uint8_t *)snapshot, strlen(snapshot));
            break;
        case JL_WAN_EVENT_CONTROL:
            apply(ev.data, ev.data_len);
            fw_log("control", (long)ev.serial, ev.data, ev.data_len);
            jl_wan_device_respond(dev, now, ev.biz_code, ev.serial, (const uint8_t *)snapshot,
                                  strlen(snapshot));
            break;
        case JL_WAN_EVENT_TIMER_FIRED:
            apply(ev.data, ev.data_len);
            fw_log("timer", (long)ev.timer_id, ev.data, ev.data_len);
            jl_wan_device_report_timer_result(dev, now, ev.timer_id, 0);
            break;
        case JL_WAN_EVENT_OTA_ORDER:
            fw_log("ota", (long)ev.serial, ev.data, ev.data_len);
            jl_wan_device_ota_status(dev, now, 3, 0, (const uint8_t *)"no ota here", 11);
            break;
        case JL_WAN_EVENT_RECONNECT:
            fw_log("reconnect", 0, NULL, 0);
            break;
        default:
            fw_log("event", (long)ev.kind, ev.data, ev.data_len);
            break;
        }
    }
}

/* Everything the machine queued goes to the socket. */
static void flush(void) {
    uint8_t out[512];
    size_t n = 0;
    while (jl_wan_device_poll_transmit(dev, out, sizeof out, &n) == JL_OK && n > 0) {
        fw_send(out, n);
    }
}

/* Bytes read from the socket. */
static void on_bytes(uint64_t now, const uint8_t *p, size_t n) {
    while (n > 0) {
        size_t used = 0;
        int rc = jl_wan_device_input(dev, now, p, n, &used);
        if (rc != JL_OK) {
            /* Framing lost: a real port closes the socket and reconnects. */
            fw_log("input error", rc, NULL, 0);
            jl_wan_device_connection_lost(dev, now);
            return;
        }
        p += used;
        n -= used;
        drain_events(now); /* an event may point into the packet: handle it before more input */
    }
}

static void on_tick(uint64_t now) {
    uint64_t deadline = JL_NO_DEADLINE;
    if (jl_wan_device_next_deadline(dev, &deadline) == JL_OK && deadline <= now) {
        jl_wan_device_handle_timeout(dev, now);
    }
    drain_events(now);
}

/* The WAN device in its static memory, with the keys in `act`. */
static int wan_boot(void) {
    jl_wan_config_t cfg;
    if (jl_wan_device_size() > sizeof device_mem.bytes || jl_wan_device_align() > sizeof(uint64_t)) {
        fw_log("device memory too small", (long)jl_wan_device_size(), NULL, 0);
        return -1;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.feed_id = act.feed_id;
    cfg.feed_id_len = act.feed_id_len;
    cfg.product_uuid = (const uint8_t *)"ABCDEF";
    cfg.product_uuid_len = 6;
    cfg.access_key = act.access_key;
    cfg.version = 1;
    cfg.rssi = 1;
    cfg.heartbeat_ms = 15000;
    return jl_wan_device_init(device_mem.bytes, sizeof device_mem.bytes, &cfg, fw_rng, NULL, &dev);
}

#ifdef FW_STUB_NET
static int boot(void) {
    int rc = load_activation();
    return rc != JL_OK ? rc : wan_boot();
}
#endif
#endif /* FW_WAN */

#if FW_LAN_MACHINE
/* ------------------------------------------------------ the LAN machine, no heap either */

/* jl_lan_device_size() (jl_gateway_size()) bytes; boot() checks the figure and the alignment. */
#ifndef FW_LAN_MEM
#if FW_GATEWAY
#define FW_LAN_MEM 10240
#else
#define FW_LAN_MEM 8192
#endif
#endif
static union {
    uint64_t align_u64;
    void *align_ptr;
    unsigned char bytes[FW_LAN_MEM];
} lan_mem;
static jl_lan_device_t *lan;

#endif

#ifndef FW_STUB_NET
/* ------------------------------------------------------- host port: the test harness pipes */
#include <stdio.h>

static void put_u32(uint32_t v) {
    int i;
    for (i = 0; i < 4; i++) {
        putchar((int)((v >> (8 * i)) & 0xff));
    }
}

static void put_record(int tag, const uint8_t *p, size_t n) {
    putchar(tag);
    put_u32((uint32_t)n);
    fwrite(p, 1, n, stdout);
}

static void fw_send(const uint8_t *bytes, size_t len) {
    put_record('D', bytes, len);
}

static void fw_log(const char *what, long a, const uint8_t *text, size_t len) {
    /* "what a text", built by hand: C89 has no snprintf. */
    uint8_t line[600];
    char digits[24];
    size_t n = strlen(what), k = 0;
    unsigned long u = a < 0 ? 0UL - (unsigned long)a : (unsigned long)a;
    memcpy(line, what, n);
    line[n++] = ' ';
    do {
        digits[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (a < 0) {
        line[n++] = '-';
    }
    while (k > 0) {
        line[n++] = (uint8_t)digits[--k];
    }
    line[n++] = ' ';
    if (len > sizeof line - n) {
        len = sizeof line - n;
    }
    if (text != NULL) {
        memcpy(line + n, text, len);
        n += len;
    }
    put_record('L', line, n);
}

/* A datagram to `to`: the harness record is the address (19 bytes) and the datagram. */
static void fw_sendto(const jl_addr_t *to, const uint8_t *bytes, size_t len) {
    static uint8_t rec[19 + JL_LAN_MAX_DATAGRAM];
    rec[0] = to->family;
    memcpy(rec + 1, to->ip, 16);
    rec[17] = (uint8_t)(to->port & 0xff);
    rec[18] = (uint8_t)(to->port >> 8);
    memcpy(rec + 19, bytes, len);
    put_record('U', rec, 19 + len);
}

static int wan_online(void) {
    jl_wan_state_t st;
    return dev != NULL && jl_wan_device_state(dev, &st) == JL_OK && st == JL_WAN_ONLINE;
}

/* The app authorized the device: keys to flash, then the WAN session can start. */
static void on_activated(void) {
    size_t len = 0;
    int rc = jl_lan_device_activation(lan, &act);
    if (rc == JL_OK) {
        rc = jl_activation_save(&act, flash_page, sizeof flash_page, &len);
    }
    if (rc != JL_OK) {
        fw_log("activation not saved", rc, NULL, 0);
        return;
    }
    fw_log("activated", (long)len, act.server, act.server_len);
    if (dev == NULL && wan_boot() != JL_OK) {
        fw_log("wan boot failed", 0, NULL, 0);
    }
}

#if FW_GATEWAY
/* The sub-device table in "flash" (rows hold keys: a real port stores them like the
 * activation record), and each sub-device's "power". */
static jl_sub_device_t sub_flash[JL_GATEWAY_SUBS];
static int sub_power[JL_GATEWAY_SUBS];

static void on_sub_device(const jl_lan_event_t *ev) {
    jl_sub_device_t *row;
    if (ev->sub_device < 0 || ev->sub_device >= JL_GATEWAY_SUBS) {
        return;
    }
    row = &sub_flash[ev->sub_device];
    if (jl_gateway_sub_device(lan, (size_t)ev->sub_device, row) != JL_OK) {
        return;
    }
    if (ev->kind == JL_LAN_EVENT_SUBDEV_ADDED) {
        fw_log("sub added", ev->sub_device, row->mac, row->mac_len);
    } else {
        fw_log("sub authorized", ev->sub_device, row->feed_id, row->feed_id_len);
    }
}

static void on_sub_control(uint64_t now, const jl_lan_event_t *ev) {
    static char sub_snapshot[] =
        "{\"code\":0,\"streams\":[{\"stream_id\":\"power\",\"current_value\":\"0\"}]}";
    const uint8_t *p = find(ev->data, ev->data_len, "power=");
    int i = ev->sub_device;
    if (i < 0 || i >= JL_GATEWAY_SUBS) {
        return;
    }
    if (p != NULL && (size_t)(p - ev->data) + 6 < ev->data_len) {
        sub_power[i] = p[6] == '1';
    }
    sub_snapshot[strlen(sub_snapshot) - 5] = sub_power[i] ? '1' : '0';
    fw_log("sub control", i, ev->data, ev->data_len);
    jl_lan_device_respond(lan, now, ev->request_id, (const uint8_t *)sub_snapshot,
                          strlen(sub_snapshot));
}
#endif

static void on_datagram(uint64_t now, const jl_addr_t *from, uint8_t *pkt, size_t len) {
    jl_lan_event_t ev;
    int rc = jl_lan_device_input(lan, now, from, pkt, len);
    if (rc != JL_OK) {
        fw_log("lan drop", rc, NULL, 0); /* not for us, a replay, a bad key: keep receiving */
        return;
    }
    while (jl_lan_device_poll_event(lan, &ev) == JL_OK && ev.kind != JL_LAN_EVENT_NONE) {
        switch (ev.kind) {
        case JL_LAN_EVENT_ACTIVATED:
            on_activated();
            break;
        case JL_LAN_EVENT_JSON_REQUEST:
        case JL_LAN_EVENT_SCRIPT_REQUEST:
            /* ev.data points into pkt (decrypted in place): use it before the next datagram. */
            apply(ev.data, ev.data_len);
            fw_log("lan control", (long)ev.serial, ev.data, ev.data_len);
            jl_lan_device_respond(lan, now, ev.request_id, (const uint8_t *)snapshot,
                                  strlen(snapshot));
            if (wan_online()) { /* the cloud learns about the change too (spec 7.3.5) */
                jl_wan_device_upload(dev, now, (const uint8_t *)snapshot, strlen(snapshot));
            }
            break;
#if FW_GATEWAY
        case JL_LAN_EVENT_SUBDEV_ADDED:
        case JL_LAN_EVENT_SUBDEV_AUTHORIZED:
            on_sub_device(&ev);
            break;
        case JL_LAN_EVENT_SUB_SCRIPT_REQUEST:
            on_sub_control(now, &ev);
            break;
#endif
        default:
            fw_log("lan event", (long)ev.kind, ev.data, ev.data_len);
            break;
        }
    }
}

/* Boot: the LAN machine, the activation record from flash, and the WAN machine once activated. */
static int boot(void) {
    static const char mac[] = "EA2D9AB01132";
    jl_lan_config_t cfg;
    int rc;
#if FW_GATEWAY
    size_t i;
    if (jl_gateway_size() > sizeof lan_mem.bytes || jl_gateway_align() > sizeof(uint64_t)) {
        fw_log("lan memory too small", (long)jl_gateway_size(), NULL, 0);
        return -1;
    }
#else
    if (jl_lan_device_size() > sizeof lan_mem.bytes || jl_lan_device_align() > sizeof(uint64_t)) {
        fw_log("lan memory too small", (long)jl_lan_device_size(), NULL, 0);
        return -1;
    }
#endif
    memset(&cfg, 0, sizeof cfg);
    cfg.mac = (const uint8_t *)mac;
    cfg.mac_len = sizeof mac - 1;
    cfg.product_uuid = (const uint8_t *)"ABCDEF";
    cfg.product_uuid_len = 6;
    cfg.firmware_version = (const uint8_t *)"1.0.0";
    cfg.firmware_version_len = 5;
    cfg.lancon = 1;
#if FW_GATEWAY
    rc = jl_gateway_init(lan_mem.bytes, sizeof lan_mem.bytes, &cfg, fw_rng, NULL, &lan);
    for (i = 0; rc == JL_OK && i < JL_GATEWAY_SUBS; i++) {
        rc = jl_gateway_set_sub_device(lan, i, &sub_flash[i]); /* in_use 0: stays empty */
    }
#else
    rc = jl_lan_device_init(lan_mem.bytes, sizeof lan_mem.bytes, &cfg, fw_rng, NULL, &lan);
#endif
    if (rc != JL_OK) {
        return rc;
    }
    if (jl_activation_load(flash_page, sizeof flash_page, &act) != JL_OK) {
        fw_log("waiting for activation", 0, NULL, 0);
        return JL_OK; /* erased flash: the app authorizes us over the LAN */
    }
    rc = jl_lan_device_set_activation(lan, &act);
    if (rc != JL_OK) {
        return rc;
    }
    fw_log("activation loaded", (long)act.feed_id_len, act.feed_id, act.feed_id_len);
    return wan_boot();
}

/* Power off: both machines zero their memory (keys, the private key). */
static int shutdown_all(void) {
    int rc = jl_lan_device_deinit(lan);
    lan = NULL;
    if (dev != NULL) {
        if (jl_wan_device_deinit(dev) != JL_OK) {
            rc = -1;
        }
        dev = NULL;
    }
    return rc;
}

static void flush_lan(void) {
    uint8_t out[JL_LAN_MAX_DATAGRAM];
    size_t n = 0;
    jl_addr_t to;
    while (jl_lan_device_poll_transmit(lan, out, sizeof out, &n, &to) == JL_OK && n > 0) {
        fw_sendto(&to, out, n);
    }
}

static uint64_t next_deadline(void) {
    uint64_t a = JL_NO_DEADLINE, b = JL_NO_DEADLINE;
    jl_lan_device_next_deadline(lan, &a);
    if (dev != NULL) {
        jl_wan_device_next_deadline(dev, &b);
    }
    return a < b ? a : b;
}

static int get_bytes(uint8_t *p, size_t n) {
    return fread(p, 1, n, stdin) == n ? 0 : -1;
}

int main(void) {
    static uint8_t in[4096];
    uint8_t head[13];
    int rc = boot();
    if (rc != JL_OK) {
        fprintf(stderr, "boot failed: %d\n", rc);
        return 1;
    }
    for (;;) {
        uint64_t now = 0, deadline;
        uint32_t len = 0;
        int i, tag = getchar();
        if (tag == EOF || get_bytes(head, 12) != 0) {
            break;
        }
        for (i = 7; i >= 0; i--) {
            now = (now << 8) | head[i];
        }
        len = (uint32_t)head[8] | ((uint32_t)head[9] << 8) | ((uint32_t)head[10] << 16) |
              ((uint32_t)head[11] << 24);
        if (len > sizeof in || get_bytes(in, len) != 0) {
            break;
        }
        if (tag == 'Q') {
            break;
        } else if (tag == 'R') {
            shutdown_all();
            if (boot() != JL_OK) {
                break;
            }
        } else if (tag == 'C') {
            if (dev == NULL) {
                fw_log("not activated", 0, NULL, 0);
            } else {
                jl_wan_device_connected(dev, now);
            }
        } else if (tag == 'D' && dev != NULL) {
            on_bytes(now, in, len);
        } else if (tag == 'U' && len >= 19) {
            jl_addr_t from;
            memset(&from, 0, sizeof from);
            from.family = in[0];
            memcpy(from.ip, in + 1, 16);
            from.port = (uint16_t)(in[17] | (in[18] << 8));
            on_datagram(now, &from, in + 19, len - 19);
        } else if (tag == 'T') {
            if (jl_lan_device_next_deadline(lan, &deadline) == JL_OK && deadline <= now) {
                jl_lan_device_handle_timeout(lan, now);
            }
            if (dev != NULL) {
                on_tick(now);
            }
        }
        flush_lan();
        if (dev != NULL) {
            flush();
        }
        deadline = next_deadline();
        putchar('N');
        for (i = 0; i < 8; i++) {
            putchar((int)((deadline >> (8 * i)) & 0xff));
        }
        putchar('.');
        fflush(stdout);
    }
    rc = shutdown_all();
    fflush(stdout);
    return rc == JL_OK ? 0 : 1;
}

#else
/* ----------------------------------------- stub port: the microcontroller size image */

#ifndef FW_ECDH
#define FW_ECDH 0
#endif
#ifndef FW_TIMERS
#define FW_TIMERS 0
#endif

/* A "socket", a "UDP port" and a "clock" the compiler cannot see through. */
volatile uint8_t stub_rx[64];
volatile size_t stub_rx_len;
volatile uint8_t stub_udp[256];
volatile size_t stub_udp_len;
volatile uint64_t stub_now;
volatile uint8_t stub_tx_sink;

static void fw_send(const uint8_t *bytes, size_t len) {
    size_t i;
    for (i = 0; i < len; i++) {
        stub_tx_sink = bytes[i];
    }
}

static void fw_log(const char *what, long a, const uint8_t *text, size_t len) {
    (void)what;
    (void)a;
    (void)text;
    (void)len;
}

#if !FW_LAN_MACHINE
/* A LAN control datagram (spec 6.3.5, enctype 3 with the localkey): open it, apply it, answer
 * with the snapshot (type 4) sealed with the same key. */
static void lan_datagram(uint8_t *pkt, size_t len, size_t cap) {
    jl_key_t key;
    jl_opened_t msg;
    jl_header_t h;
    size_t n = 0, body = strlen(snapshot);
    key.enc_type = JL_ENC_PRESHARED;
    key.flags = 0;
    key.key = act.local_key;
    key.key_len = JL_KEY_LEN;
    if (jl_open_in_place(pkt, len, JL_CRC_VERIFY, &key, &msg) != JL_OK) {
        return;
    }
    apply(msg.body, msg.body_len);
    h = msg.header;
    h.packet_type = 4;
    if (JL_BODY_OFFSET(0) + body > cap) {
        return;
    }
    memcpy(pkt + JL_BODY_OFFSET(0), snapshot, body);
    if (jl_seal_in_place(&h, &key, NULL, 0, msg.timestamp, body, pkt, cap, &n) == JL_OK) {
        fw_send(pkt, n);
    }
}

#endif

#if FW_LAN_MACHINE
/* The LAN machine on the stub UDP port: requests answered with the snapshot, keys to flash. */
static void lan_machine(uint8_t *pkt, size_t len) {
    static uint8_t out[JL_LAN_MAX_DATAGRAM];
    jl_addr_t from, to;
    jl_lan_event_t ev;
    size_t n = 0;
    memset(&from, 0, sizeof from);
    from.family = JL_ADDR_IPV4;
    from.port = 4320;
    if (jl_lan_device_input(lan, stub_now, &from, pkt, len) == JL_OK) {
        while (jl_lan_device_poll_event(lan, &ev) == JL_OK && ev.kind != JL_LAN_EVENT_NONE) {
            if (ev.kind == JL_LAN_EVENT_ACTIVATED) {
                if (jl_lan_device_activation(lan, &act) == JL_OK) {
                    jl_activation_save(&act, flash_page, sizeof flash_page, &n);
                }
            } else if (ev.request_id != 0) {
                apply(ev.data, ev.data_len);
                jl_lan_device_respond(lan, stub_now, ev.request_id, (const uint8_t *)snapshot,
                                      strlen(snapshot));
            }
#if FW_GATEWAY
            else if (ev.sub_device >= 0) {
                jl_sub_device_t row;
                if (jl_gateway_sub_device(lan, (size_t)ev.sub_device, &row) == JL_OK) {
                    fw_send(row.mac, row.mac_len);
                }
            }
#endif
        }
    }
    jl_lan_device_handle_timeout(lan, stub_now);
    while (jl_lan_device_poll_transmit(lan, out, sizeof out, &n, &to) == JL_OK && n > 0) {
        fw_send(out, n);
    }
}

static int lan_boot(void) {
    jl_lan_config_t cfg;
    int rc;
    memset(&cfg, 0, sizeof cfg);
    cfg.mac = (const uint8_t *)"EA2D9AB01132";
    cfg.mac_len = 12;
    cfg.lancon = 1;
#if FW_GATEWAY
    if (jl_gateway_size() > sizeof lan_mem.bytes) {
        return -1;
    }
    rc = jl_gateway_init(lan_mem.bytes, sizeof lan_mem.bytes, &cfg, fw_rng, NULL, &lan);
#else
    if (jl_lan_device_size() > sizeof lan_mem.bytes) {
        return -1;
    }
    rc = jl_lan_device_init(lan_mem.bytes, sizeof lan_mem.bytes, &cfg, fw_rng, NULL, &lan);
#endif
    return rc != JL_OK ? rc : jl_lan_device_set_activation(lan, &act);
}
#endif

#if FW_ECDH
/* The write-key step (spec 6.3.2): a key pair from 20 random bytes, the devkey for the scan
 * reply, the shared secret with the APP's key. */
static void lan_write_key(const uint8_t *random20, const uint8_t *peer, size_t peer_len) {
    uint8_t priv[JL_PRIVATE_KEY_LEN], pub[JL_PUBLIC_KEY_LEN];
    char devkey[JL_DEVKEY_LEN + 1];
    jl_ecdh_shared_t shared;
    if (jl_ecdh_keypair(random20, 20, priv, sizeof priv, pub, sizeof pub) != JL_OK ||
        jl_ecdh_devkey(pub, sizeof pub, devkey, sizeof devkey) != JL_OK) {
        return;
    }
    fw_send((const uint8_t *)devkey, JL_DEVKEY_LEN);
    if (jl_ecdh_shared_secret(priv, sizeof priv, peer, peer_len, &shared) == JL_OK) {
        fw_send(shared.aes_key, sizeof shared.aes_key);
    }
    memset(priv, 0, sizeof priv);
}
#endif

#if FW_TIMERS
/* A schedule kept on the device (spec 10): when does "power on at 07:30 every day" fire next? */
static void local_schedule(uint32_t unix_now) {
    static const char exp[] = "0_30_7_*_*_*_*";
    jl_civil_time_t now, next;
    if (jl_civil_from_seconds(unix_now, &now) == JL_OK &&
        jl_time_exp_next(exp, sizeof exp - 1, 0, &now, &now, &next) == JL_OK) {
        fw_send(&next.hour, 1);
    }
}
#endif

int main(void) {
    uint8_t in[64], udp[256];
    size_t i, n;
#if FW_WAN
    if (boot() != JL_OK) {
        return 1;
    }
    jl_wan_device_connected(dev, stub_now);
#else
    if (load_activation() != JL_OK) {
        return 1;
    }
#endif
#if FW_LAN_MACHINE
    if (lan_boot() != JL_OK) {
        return 1;
    }
#endif
    for (;;) {
        n = stub_udp_len;
        if (n > sizeof udp) {
            n = sizeof udp;
        }
        for (i = 0; i < n; i++) {
            udp[i] = stub_udp[i];
        }
        if (n > 0) {
#if FW_LAN_MACHINE
            lan_machine(udp, n);
#else
            lan_datagram(udp, n, sizeof udp);
#endif
        }
#if FW_ECDH
        if (n > 41) {
            lan_write_key(udp, udp + 20, 21);
        }
#endif
#if FW_TIMERS
        local_schedule((uint32_t)(stub_now / 1000));
#endif
#if FW_WAN
        n = stub_rx_len;
        if (n > sizeof in) {
            n = sizeof in;
        }
        for (i = 0; i < n; i++) {
            in[i] = stub_rx[i];
        }
        on_bytes(stub_now, in, n);
        on_tick(stub_now);
        flush();
#else
        (void)in;
#endif
        if (stub_rx_len == 0xdead) {
            break;
        }
    }
#if FW_WAN
    jl_wan_device_deinit(dev);
#endif
#if FW_LAN_MACHINE
    jl_lan_device_deinit(lan);
#endif
    return 0;
}
#endif
