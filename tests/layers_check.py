#!/usr/bin/env python3
"""The folder tree is the layer picture (docs/layers.md): no file includes a
header from a layer above its own.

    apps/, examples/              rank 6   the public API only (<portway/...>)
    engine/testing                rank 5   the test kit
    engine/flow                   rank 4   port table, steering, composition
    engine/udp, engine/tcp        rank 3   transports (neither includes the other)
    engine/ip                     rank 2
    engine/wire                   rank 1   byte formats: no DPDK, nothing with state
    engine/core, drivers          rank 0   the runtime underneath
    engine/include/portway        the public API: includes only itself (it is
                                  installed), usable from every layer

Each quoted #include is resolved as the compiler would (the file's own
folder, then engine/, drivers/, engine/include/) and checked. Prints every
violation; the last line is meson's "N passed, M failed".
"""

import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PUBLIC = os.path.join("engine", "include", "portway")
RANKS = [
    ("engine/include/portway", None),
    ("engine/testing", 5),
    ("engine/flow", 4),
    ("engine/udp", 3),
    ("engine/tcp", 3),
    ("engine/ip", 2),
    ("engine/wire", 1),
    ("engine/core", 0),
    ("drivers", 0),
    ("apps", 6),
    ("examples", 6),
]
SEARCH = ["engine", "drivers", os.path.join("engine", "include")]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(path: str):
    """(folder, rank) of a repository-relative path, or None outside the layers."""
    for folder, rank in RANKS:
        if path == folder or path.startswith(folder + "/"):
            return folder, rank
    return None


def resolve(source: str, name: str):
    """The repository-relative file a quoted include names, or None."""
    for base in [os.path.dirname(source), *SEARCH]:
        candidate = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(os.path.join(ROOT, candidate)):
            return candidate
    return None


def check_file(path: str) -> list[str]:
    here = layer_of(path)
    if here is None:
        return []
    folder, rank = here
    problems = []
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            bracket, name = m.groups()
            close = ">" if bracket == "<" else '"'
            where = f"{path}:{number}: #include {bracket}{name}{close}"
            if folder == "engine/wire" and bracket == "<" and name.startswith("rte_"):
                problems.append(f"{where}: wire is byte formats only, no DPDK")
                continue
            if bracket == "<":
                if name.startswith("portway/") and not os.path.isfile(os.path.join(ROOT, "engine", "include", name)):
                    problems.append(f"{where}: no such public header")
                continue
            target = resolve(path, name)
            if target is None:
                problems.append(f"{where}: not found in the tree")
                continue
            there = layer_of(target)
            if there is None:
                continue
            t_folder, t_rank = there
            if folder == PUBLIC:
                if t_folder != PUBLIC:
                    problems.append(f"{where}: a public header includes {t_folder} (not installed)")
                continue
            if t_folder == PUBLIC or t_folder == folder:
                continue
            if rank == 6:
                # An application sees the public API, and services beside it.
                if not (folder == "apps" and t_folder == "apps"):
                    problems.append(f"{where}: {folder} uses only the public API, not {t_folder}")
                continue
            if t_rank > rank:
                problems.append(f"{where}: {folder} (layer {rank}) includes {t_folder} (layer {t_rank}), above it")
            elif t_rank == rank and rank != 0:
                problems.append(f"{where}: {folder} includes {t_folder}, a layer beside it")
    return problems


def main() -> int:
    problems = []
    files = 0
    for top in ("engine", "drivers", "apps", "examples"):
        for dirpath, _, names in os.walk(os.path.join(ROOT, top)):
            for n in names:
                if n.endswith((".h", ".cc")):
                    files += 1
                    problems += check_file(os.path.relpath(os.path.join(dirpath, n), ROOT))
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} includes against the layer picture (docs/layers.md)")
        print("0 passed, 1 failed")
        return 1
    print(f"{files} files, every include points down the layers")
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
