#!/usr/bin/env python3
"""Writes fuzz/seeds/<target>/<vector id> from the golden vectors in ../vectors.

Seeds start each fuzz target from real protocol bytes instead of an empty corpus. Each seed follows
its target's input format (a selector byte first where the target has one). Run from anywhere:
`python3 fuzz/make_seeds.py`; .ci/run uses the committed seeds for its smoke runs.
"""
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "vectors")
SEEDS = os.path.join(HERE, "seeds")
LAN_JSON_TYPES = [1, 2, 3, 4, 102, 103, 104, 105, 200]  # fuzz_targets/lan_json.rs
TIME_EXPS = [  # spec chapter 10 examples, with compat §9's readings of examples 3 and 5
    "0_1_22_*_*_1,3,5_*", "0_0_8_*_*_*_*", "0_1_22__11,15_*_*_*", "0_1_22_11,15_*_*_*",
    "/2_*_*_*_*_*_*", "*_/2_*_*_*_*_*", "*_*_/2_*_*_*_*", "*_*_*_/2_*_*_*", "*_*_*_*_*_*_/2",
    "0_30_7_1_1_*_2027",
]


def crc16(data):
    """CRC-16/IBM-3740 (spec 1.2), for the ffi seeds that rebuild a header."""
    crc = 0xFFFF
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def load(name):
    with open(os.path.join(VECTORS, name), encoding="utf-8") as f:
        return json.load(f)


WRITTEN = set()


def write(target, name, data):
    """Writes one seed; a target's directory is emptied the first time this run writes to it, so
    the seeds of targets this script does not generate (the session machines') are kept."""
    d = os.path.join(SEEDS, target)
    if target not in WRITTEN:
        shutil.rmtree(d, ignore_errors=True)
        WRITTEN.add(target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    lan = load("lan_packets.json")["vectors"]
    wan = load("wan_packets.json")["vectors"]
    for v in lan + wan:
        packets = [v] + v.get("fragments", [])
        for i, p in enumerate(packets):
            if "packet" not in p:
                continue
            raw = bytes.fromhex(p["packet"])
            name = v["id"] if i == 0 else f'{v["id"]}-frag{i}'
            write("packet", name, raw)
            write("open", name, raw)
            # staged_decode: [direction bit 0 | crc policy bits 1..2 (0 = verify)] ‖ packet
            from_device = p.get("direction", v["direction"]).startswith("device")
            write("staged_decode", name, bytes([1 if from_device else 0]) + raw)
            lan_magic = raw[:4] == bytes.fromhex("bb553412")
            # frame_decoder: [chunking|magic bit, max/8] ‖ stream (here two packets back to back)
            write("frame_decoder", name, bytes([0x0E | (1 if lan_magic else 0), 0xFF]) + raw + raw)
            # ffi (fuzz_targets/ffi.rs): selector 0 = decode and open as received (CRC verified)
            write("ffi", f"pkt-{name}", bytes([0x00]) + raw)
    for v in lan + wan:
        # ffi selector 0x20 = "seal first": the same header and opt with the plaintext as payload
        if "plaintext" not in v or "packet" not in v:
            continue
        raw, pt = bytes.fromhex(v["packet"]), bytes.fromhex(v["plaintext"])
        opt = raw[16:16 + int.from_bytes(raw[4:6], "little")]
        head = raw[:6] + len(pt).to_bytes(2, "little") + raw[8:14] + crc16(opt + pt).to_bytes(2, "little")
        write("ffi", f'seal-{v["id"]}', bytes([0x20]) + head + opt + pt)
    for v in lan:
        if "plaintext" not in v or "header" not in v:
            continue
        t, pt = v["header"]["type"], bytes.fromhex(v["plaintext"])
        if t in LAN_JSON_TYPES:
            sel = LAN_JSON_TYPES.index(t) | (0x80 if v["direction"] == "device_to_app" else 0)
            write("lan_json", v["id"], bytes([sel]) + pt)
        if t in (4, 104):
            write("lan_script", v["id"], pt)
    for v in wan:
        if "plaintext" not in v:
            continue
        t, pt = v["header"]["type"], bytes.fromhex(v["plaintext"])
        write("wan_body", v["id"], bytes([t]) + pt)
        if t in (7, 8):
            write("ota_json", v["id"], pt[4:])
    for v in load("ecdh.json")["vectors"]:
        for key in ("public_key_compressed", "peer_public_key_compressed", "public_key"):
            write("public_key", f'{v["id"]}-{key}', bytes.fromhex(v[key]))
        write("public_key", f'{v["id"]}-devkey', v["devkey"].encode())
        # ffi selector 1 = ECDH (the first 20 bytes of a key also serve as a private key)
        write("ffi", f'ecdh-{v["id"]}-devkey', b"\x01" + v["devkey"].encode())
        for key in ("public_key_compressed", "public_key", "private_key"):
            write("ffi", f'ecdh-{v["id"]}-{key}', b"\x01" + bytes.fromhex(v[key]))
    for i, e in enumerate(TIME_EXPS):
        write("time_exp", f"spec-{i}", e.encode())
        # ffi selector 2 = time_exp, bits 2..3 the (after, anchor) pair
        write("ffi", f"time-spec-{i}", bytes([0x02 | (i % 4) << 2]) + e.encode())
    # ffi selector 3 = CRC16 and CRC-32 (bits 2..7: chunk length - 1), on the check string
    write("ffi", "crc-check", b"\x03123456789")
    write("ffi", "crc-check-chunks", b"\x0b123456789")
    # serde_types (fuzz_targets/serde_types.rs): selector byte, then JSON. Timer types (bit 7 clear)
    civil = '{"year":2024,"month":2,"day":29,"hour":23,"minute":59,"second":59}'
    anchor = '{"year":2023,"month":7,"day":1,"hour":12,"minute":30,"second":15}'
    for i, e in enumerate(TIME_EXPS):
        write("serde_types", f"timeexp-{i}", b"\x00" + json.dumps(e).encode())
        write("serde_types", f"firing-{i}", b"\x02" + f'[{json.dumps(e)},{civil},{anchor}]'.encode())
    write("serde_types", "civil", b"\x01" + civil.encode())
    for i, f in enumerate(["*", "1,3,5", "/2"]):
        write("serde_types", f"field-{i}", b"\x03" + json.dumps(f).encode())
        write("serde_types", f"year-{i}", b"\x04" + json.dumps(f.replace("1,3,5", "2025,2030")).encode())
    write("serde_types", "yearset", b"\x05" + b'"2030,2025"')
    write("serde_types", "valueset", b"\x06" + b"42")
    # ... and joylink-wire's JSON documents (bit 7 set, low bits the type as in the target)
    wire_docs = {  # (packet type, direction) -> wire selector
        (1, "app_to_device"): 31, (1, "device_to_app"): 32, (2, "app_to_device"): 33,
        (2, "device_to_app"): 34, (3, "app_to_device"): 38, (4, "device_to_app"): 39,
        (105, "app_to_device"): 35, (105, "device_to_app"): 36, (102, "app_to_device"): 37,
        (102, "device_to_app"): 36, (103, "app_to_device"): 38, (7, "cloud_to_device"): 19,
        (7, "device_to_cloud"): 20, (8, "device_to_cloud"): 21,
    }
    for v in lan + wan:
        if "plaintext" not in v:
            continue
        sel = wire_docs.get((v["header"]["type"], v.get("direction")))
        pt = bytes.fromhex(v["plaintext"])
        start = pt.find(b"{")
        if sel is None or start < 0:
            continue
        write("serde_types", f'wire-{v["id"]}', bytes([0x80 | sel]) + pt[start:])
    # reassembler (fuzz_targets/reassembler.rs): 8 bytes = four (x, y) message specs (sender = x&3,
    # id = y, WAN when x&4, payload 1025 + (x>>3)*100 bytes), then 4-byte operations [a, b, c, d]:
    # a&0x80 forge a fragment (total b, index d, id c), a&0x40 expire, else deliver fragment
    # (b | d<<8) % count of the genuine ones; the clock advances by c*8 each operation.
    head = bytes([0x00, 0x21, 0x0d, 0x21, 0x26, 0x07, 0x7b, 0xfe])  # LAN and WAN, two senders, same id
    in_order = b"".join(bytes([0, i, 0, 0]) for i in range(12))
    reversed_ = b"".join(bytes([0, 11 - i, 1, 0]) for i in range(12))
    lossy = b"".join(bytes([0, i, 0x40, 0]) for i in range(0, 12, 2)) + bytes([0x40, 0, 0, 0])
    forged = bytes([0x80, 3, 9, 200, 0x81, 2, 9, 1, 0x80, 2, 0x21, 2]) + in_order
    for name, script in (("in-order", in_order), ("reversed", reversed_), ("lossy", lossy), ("forged", forged)):
        write("reassembler", name, head + script)
    # serde_types selector 0x7F: joylink-session's persisted wan::Cloud (a fresh connection, as
    # serde_json writes it), and the same with a feed id length past its 32-byte field.
    cloud = '{"cfg":{"offline_after_ms":120000,"request_timeout_ms":10000,"ota_silence_ms":600000,"max_skew_secs":null},"state":"AwaitingAuth","feed_id":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],"feed_len":0,"session":null,"last_auth_ts":0,"auth_random":null,"last_heard":5,"clock":[5,1700000000],"next_serial":0,"pending":[null,null,null,null],"subdevs":[null,null,null,null],"timer_ids":[null,null,null,null,null,null,null,null],"ota":null,"events":[null,null,null,null]}'
    write("serde_types", "session-cloud", b"\x7f" + cloud.encode())
    write("serde_types", "session-cloud-bad-len", b"\x7f" + cloud.replace('"feed_len":0', '"feed_len":99').replace('"state":"AwaitingAuth"', '"state":"Online"').encode())
    # timer_message: spec 10.1 "is timer supported" request: ts, biz 1090, serial (no vectors exist).
    write("timer_message", "spec-10.1", bytes.fromhex("00e1f505" "42040000" "07000000"))
    ffi_lan_seeds()


def ffi_lan_seeds():
    """fuzz_targets/ffi_lan.rs: a config byte (bit 0 gateway, bit 1 activated at boot, bit 2 a
    sub-device restored), then records [selector][time step][peer][len][bytes]; selector % 8:
    0 raw, 1 + 8 * i sealed with the current localkey as type (3, 4, 103, 104, 105)[i], 2 / 10
    ECDH type 2 / 102, 3 scan, 4 respond (| 16: with the datagram's bytes), 5 poll_transmit,
    6 deadline and timeout, 7 persisted state. Sealed plaintexts start with the timestamp."""
    def rec(sel, data, step=1, peer=1):
        return bytes([sel, step, peer, len(data)]) + data

    def ts(n):
        return n.to_bytes(4, "little")

    scan = rec(3, b'{"cmd":2,"uuid":"5708AB","status":0}', peer=0)
    write_key = rec(2, ts(14) + b'{"data":{"feedid":"1","accesskey":"961745eaa28c7ff6854b94a91ce19a91",'
                    b'"localkey":"5f3e1b2a4c6d8e9f0a1b2c3d4e5f6a7b"}}', peer=3)
    get = rec(1, ts(10) + b'{"cmd":4}')
    ctl = rec(1, ts(11) + b'{"cmd":5,"data":{"streams":[{"stream_id":"switch","current_value":"1"}]}}')
    answer = rec(4, b'{"code":0,"streams":[{"stream_id":"switch","current_value":"1"}]}', step=2)
    echo = rec(4 | 16, b"x" * 40)
    script = rec(9, ts(12) + bytes.fromhex("ea030000070000000102"), peer=2)
    add_sub = rec(33, ts(13) + b'{"cmd":105,"data":{"mac":"AABBCCDDEEFF","productuuid":"83453A","protocol":1}}')
    sub_auth = rec(10, ts(16) + b'{"data":[{"mac":"AABBCCDDEEFF","feedid":"135902253148451599",'
                   b'"accesskey":"961745eaa28c7ff6854b94a91ce19a91","localkey":"22dc6dd29b5b3b2f80cc44d6cb3aad1a"}]}', peer=3)
    sub_script = rec(25, ts(15) + bytes.fromhex("ea03000009000000") + b"135902253148451506" + bytes(32))
    small_tx = rec(5, b"")
    tx = rec(5, b"x" * 40)
    late = rec(6, b"", step=255) + rec(6, b"", step=255)
    persist = rec(7, b"", step=0, peer=0) + rec(7, b"", step=1, peer=2) + rec(7, b"", step=9)
    write("ffi_lan", "scan", b"\x00" + scan + tx)
    write("ffi_lan", "write-key-then-control", b"\x00" + scan + write_key + persist[:4] + get + answer
          + ctl + echo + script + answer + small_tx + late)
    write("ffi_lan", "activated-json", b"\x02" + get + answer + ctl + late + answer + persist)
    write("ffi_lan", "activated-script", b"\x02" + script + script + answer + small_tx + tx)
    write("ffi_lan", "gateway", b"\x07" + scan + add_sub + sub_auth + sub_script + answer + get
          + answer + persist + late)
    write("ffi_lan", "gateway-write-key", b"\x01" + write_key + add_sub + scan + persist)


if __name__ == "__main__":
    main()
