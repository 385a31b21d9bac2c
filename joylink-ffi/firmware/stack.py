#!/usr/bin/env python3
"""Worst-case stack of each C ABI entry point of a Cortex-M image, estimated statically.

Reads `arm-none-eabi-objdump -d` of the linked ELF. A function's frame is what its prologue
reserves (push / stmdb sp! / vpush / sub sp, including `movw rX, #n; sub sp, rX`); its worst case
is its frame plus the worst callee reached by `bl` or a tail branch to another function's start.
Limits, said in the output: indirect calls (`blx rN`, function pointers such as the RNG
callback) are not followed, recursion is cut at the first repeat (marked), and a tail call is
counted on top of the caller's frame (an over-estimate). Stable toolchains have no
`-Z emit-stack-sizes`; this needs only binutils.

Usage: stack.py [--path] image.elf [prefix ...]   (default prefixes: jl_ main)
  --path: also print each entry point's worst call chain with every function's frame.
"""
import re
import subprocess
import sys

FUNC = re.compile(r"^([0-9a-f]+) <(.+)>:$")
INSN = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$")
TARGET = re.compile(r"<([^>+]+)>$")


def reglist_size(text, width):
    """Bytes pushed for a register list such as {r4, r5, lr} or {d8-d15}."""
    inner = text[text.find("{") + 1:text.find("}")]
    n = 0
    for part in inner.split(","):
        part = part.strip()
        m = re.match(r"([a-z]+)(\d+)-[a-z]+(\d+)", part)
        n += int(m.group(3)) - int(m.group(2)) + 1 if m else 1
    return n * width


def parse(elf):
    dis = subprocess.run(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", elf],
                         check=True, capture_output=True, text=True).stdout
    funcs = {}
    cur = None
    for line in dis.splitlines():
        m = FUNC.match(line)
        if m:
            cur = funcs.setdefault(m.group(2), {"frame": 0, "calls": set(), "indirect": False})
            regs = {}
            continue
        m = INSN.match(line)
        if not m or cur is None:
            continue
        op, args = m.group(2), m.group(3).split(";")[0].split("@")[0].strip()
        if op in ("push", "push.w") or (op.startswith("stmdb") and args.startswith("sp!")):
            cur["frame"] += reglist_size(args, 4)
        elif op.startswith("vpush"):
            cur["frame"] += reglist_size(args, 8 if "{d" in args else 4)
        elif op.startswith("movw"):
            mm = re.match(r"(\w+), #(\d+)", args)
            if mm:
                regs[mm.group(1)] = int(mm.group(2))
        elif op.startswith("sub") and args.startswith("sp"):
            mm = re.search(r"#(\d+)$", args)
            if mm:
                cur["frame"] += int(mm.group(1))
            else:
                last = args.split(",")[-1].strip()
                cur["frame"] += regs.get(last, 0)
        elif op in ("bl", "b.w", "b") or op.startswith("b.") or op == "blx":
            t = TARGET.search(args)
            if t:
                cur["calls"].add(t.group(1))
            elif op == "blx":
                cur["indirect"] = True
    return funcs


def worst(funcs, name, stack, memo):
    if name in memo:
        return memo[name]
    f = funcs.get(name)
    if f is None:
        return 0, False, False
    if name in stack:
        return 0, False, True
    stack.add(name)
    best, ind, rec = 0, f["indirect"], False
    for c in f["calls"]:
        if c == name:
            rec = True
            continue
        w, i, r = worst(funcs, c, stack, memo)
        best, ind, rec = max(best, w), ind or i, rec or r
    stack.discard(name)
    memo[name] = (f["frame"] + best, ind, rec)
    return memo[name]


def chain(funcs, name, memo):
    """The worst call chain from `name`: [(function, frame bytes), ...]."""
    out, seen = [], set()
    while name and name not in seen:
        seen.add(name)
        f = funcs[name]
        out.append((name, f["frame"]))
        best, bw = None, 0
        for c in sorted(f["calls"]):
            if c != name and c in funcs:
                w = worst(funcs, c, set(), memo)[0]
                if w > bw:
                    best, bw = c, w
        name = best
    return out


def demangle(names):
    try:
        r = subprocess.run(["arm-none-eabi-c++filt"], input="\n".join(names), check=True,
                           capture_output=True, text=True)
        return r.stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return names


def main():
    args = sys.argv[1:]
    path = "--path" in args
    args = [a for a in args if a != "--path"]
    elf = args[0]
    prefixes = args[1:] or ["jl_", "main"]
    funcs = parse(elf)
    memo = {}
    rows = []
    for name in funcs:
        if any(name == p or (p.endswith("_") and name.startswith(p)) for p in prefixes):
            w, ind, rec = worst(funcs, name, set(), memo)
            rows.append((w, name, ind, rec))
    for w, name, ind, rec in sorted(rows, reverse=True):
        notes = ", ".join(x for x, on in (("+ indirect calls", ind), ("recursion cut", rec)) if on)
        print(f"{w:7d}  {name}{'   (' + notes + ')' if notes else ''}")
        if path:
            c = chain(funcs, name, memo)
            shown = demangle([n for n, _ in c])
            print("           " + " > ".join(f"{n} {fr}" for n, (_, fr) in zip(shown, c)))


if __name__ == "__main__":
    main()
