#!/usr/bin/env python3
"""Fails when the module import graph of src/ has a cycle.

Nodes are modules (one per file: `src/a/b.rs` and `src/a/b/mod.rs` are `a::b`).
An edge A -> B is a `use crate::...`/`super::`/`self::` path, or an inline
`crate::x::y` path, in A's file that names an item of module B (the longest module
prefix of the path that exists). `mod` declarations are not edges, and neither is a
module naming its own descendants' items through itself. Tests (`#[cfg(test)]
mod tests { ... }` blocks at the end of a file) and `lib.rs` (the facade, which
re-exports everything by design) are not counted: a unit test may reach anywhere,
and the facade sits above every layer.

Why a cycle matters: it means two files can only be understood together, and a
"lower" layer knows about a "higher" one, which is exactly how checks end up
duplicated or run in the wrong order.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")


def module_of(path):
    rel = os.path.relpath(path, ROOT)[:-3].split(os.sep)
    if rel[-1] == "mod":
        rel = rel[:-1]
    if rel == ["lib"]:
        return ()
    return tuple(rel)


def strip(text):
    # Drop comments and string literals (paths in docs are not imports), then the
    # unit-test module, which conventionally closes the file.
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'r#*"(?:.|\n)*?"#*', '""', text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    m = re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)
    if m:
        text = text[: m.start()]
    return text


def use_paths(text):
    """Every full path a `use` item or an inline `crate::`/`super::` path names."""
    out = []
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        out.extend(expand(m.group(1).replace("\n", " ").replace(" ", "")))
    for m in re.finditer(r"(?<![\w:])((?:crate|super)(?:::\w+)+)", text):
        out.append(m.group(1))
    return out


def expand(tree):
    # a::{b, c::{d, e}} -> a::b, a::c::d, a::c::e
    depth, start = 0, None
    for i, ch in enumerate(tree):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                prefix = tree[:start]
                inner = tree[start + 1 : i]
                parts, d, last = [], 0, 0
                for j, c in enumerate(inner):
                    if c == "{":
                        d += 1
                    elif c == "}":
                        d -= 1
                    elif c == "," and d == 0:
                        parts.append(inner[last:j])
                        last = j + 1
                parts.append(inner[last:])
                res = []
                for p in parts:
                    if p:
                        res.extend(expand(prefix + p))
                return res
    return [re.sub(r"\bas\b.*$", "", tree)]


def main():
    modules = {}
    for dirpath, _, files in os.walk(ROOT):
        for f in files:
            if f.endswith(".rs"):
                p = os.path.join(dirpath, f)
                modules[module_of(p)] = p
    edges = {m: set() for m in modules}
    for mod, path in modules.items():
        if mod == ():
            continue
        with open(path, encoding="utf-8") as fh:
            text = strip(fh.read())
        for raw in use_paths(text):
            segs = raw.split("::")
            if segs[0] == "crate":
                base = []
            elif segs[0] in ("super", "self"):
                base = list(mod)
                # In a non-mod.rs file, `self` is the module; super is its parent.
                while segs and segs[0] in ("super", "self"):
                    if segs[0] == "super":
                        base = base[:-1]
                    segs = segs[1:]
                segs = ["crate"] + segs
            else:
                continue
            full = tuple(base) + tuple(s for s in segs[1:] if s not in ("self", "*"))
            target = None
            for n in range(len(full), 0, -1):
                if full[:n] in modules:
                    target = full[:n]
                    break
            if target is None or target == mod:
                continue
            # A module naming its own descendants is structure, not a dependency.
            if target[: len(mod)] == mod:
                continue
            edges[mod].add(target)
    # Tarjan's strongly connected components.
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(comp)

    for v in sorted(edges):
        if v not in index:
            visit(v)
    name = lambda m: "::".join(m) or "crate"
    if "--graph" in sys.argv:
        for v in sorted(edges):
            print(name(v), "->", ", ".join(sorted(name(w) for w in edges[v])))
    if sccs:
        print(f"{len(sccs)} import cycle(s) among src/ modules:")
        for comp in sccs:
            members = set(comp)
            print("  cycle:", ", ".join(sorted(name(m) for m in comp)))
            for m in sorted(comp):
                inside = sorted(name(w) for w in edges[m] if w in members)
                print(f"    {name(m)} -> {', '.join(inside)}")
        return 1
    print(f"no import cycles among {len(modules)} src/ modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
