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
TIME_EXPS = [  # spec chapter 10 examples, with NOTES.md §9's readings of examples 3 and 5
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


def write(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    shutil.rmtree(SEEDS, ignore_errors=True)
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
    # timer_message: spec 10.1 "is timer supported" request: ts, biz 1090, serial (no vectors exist).
    write("timer_message", "spec-10.1", bytes.fromhex("00e1f505" "42040000" "07000000"))


if __name__ == "__main__":
    main()
