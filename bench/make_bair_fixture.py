#!/usr/bin/env python3
"""Writes a stand-in for the BAIR softmotion30_44k folder (train/ and test/ of
traj_<a>_to_<b>.tfrecords, 256 sequences a file, 30 frames a sequence) with the real data's keys
and sizes, for measuring `foresight data convert-bair` where the real data is not at hand.
Frames are smooth scenes (a lit table, a moving gripper and object), not noise, so that PNG
encoding costs what it costs on camera images. Standard library only.

Usage: bench/make_bair_fixture.py OUT [TRAIN_FILES] [TEST_FILES]"""
import math, os, struct, sys

def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | 0x80 if v else b)
        if not v:
            return bytes(out)

def ld(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload

POLY = 0x82F63B78
TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ POLY if c & 1 else c >> 1
    TABLE.append(c)

def masked_crc(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF

def record(data):
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked_crc(length)) + data + struct.pack("<I", masked_crc(data))

def frame(seq, t):
    gx, gy = 32 + 20 * math.sin(0.2 * t + seq), 32 + 20 * math.cos(0.15 * t + seq)
    ox, oy = 20 + (seq % 24), 40 - t * 0.3
    px = bytearray(64 * 64 * 3)
    for y in range(64):
        for x in range(64):
            i = 3 * (64 * y + x)
            shade = 120 + (x + y) // 2
            r, g, b = shade, shade - 10, shade - 30
            if (x - ox) ** 2 + (y - oy) ** 2 < 40:
                r, g, b = 200, 60, 40
            if abs(x - gx) < 4 and abs(y - gy) < 6:
                r, g, b = 40, 40, 50
            px[i], px[i + 1], px[i + 2] = r, g, max(b, 0)
    return bytes(px)

def example(seq):
    entries = b""
    for t in range(30):
        img = frame(seq, t)
        feats = {
            f"{t}/image_aux1/encoded": ld(1, ld(1, img)),
            f"{t}/image_main/encoded": ld(1, ld(1, img[::-1])),
            f"{t}/action": ld(2, ld(1, struct.pack("<4f", 0.01 * t, -0.02, 0.0, 1.0))),
            f"{t}/endeffector_pos": ld(2, ld(1, struct.pack("<3f", 0.5, 0.1 * t, 0.2))),
        }
        for key, feature in feats.items():
            entries += ld(1, ld(1, key.encode()) + ld(2, feature))
    return ld(1, entries)

def main():
    out = sys.argv[1]
    train_files = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    test_files = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    cache = {}  # sequences repeat every 24 (the scenes' period), which keeps this script quick
    for split, files in (("train", train_files), ("test", test_files)):
        os.makedirs(os.path.join(out, split), exist_ok=True)
        for f in range(files):
            a = 256 * f
            with open(os.path.join(out, split, f"traj_{a}_to_{a + 255}.tfrecords"), "wb") as fh:
                for s in range(256):
                    key = (a + s) % 24
                    if key not in cache:
                        cache[key] = record(example(key))
                    fh.write(cache[key])

main()
