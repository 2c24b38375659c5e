"""Drops what a wasm-bindgen module exports to JavaScript that nothing calls, before wasm-opt.

wasm-bindgen exports every `#[wasm_bindgen]` struct of every crate in the build as a class of the glue module, and
each of its methods as a function of the wasm: an export is a root, so neither LTO nor wasm-opt can remove the code
behind it. Leptos pulls in `server_fn`, which pulls in `wasm-streams`, whose three classes (`IntoUnderlyingSource`,
`IntoUnderlyingByteSource`, `IntoUnderlyingSink`, for streaming server functions) a client-side page never uses.

`drop_classes` removes from the glue every exported class that nothing else in the glue, nor the start-up
script, names (its declaration, its `Symbol.dispose` line and its `…Finalization` registry: wasm-bindgen's
layout, checked), then from the wasm every export the remaining glue does not name. wasm-opt then removes the
code only those exports reached. `drop_imports`, after wasm-opt, removes the glue's import functions the wasm
no longer imports (terser then drops the helpers only they used).
"""

import re

from wasm_names import _rewrite, _whole_word

CLASS = re.compile(r"^export class (\w+) \{\n.*?^\}\n", re.S | re.M)


def _names(wasm: bytes) -> list[tuple[str | None, str]]:
    """(module, name) of each import, then (None, name) of each export."""
    found: list[tuple[str | None, str]] = []
    _rewrite(wasm, lambda name, module: found.append((module, name)) or name)
    return found


def exports(wasm: bytes) -> list[str]:
    return [name for module, name in _names(wasm) if module is None]


def imports(wasm: bytes) -> list[tuple[str, str]]:
    return [(module, name) for module, name in _names(wasm) if module is not None]


def drop_classes(wasm: bytes, glue: str, startup: str) -> tuple[bytes, str, list[str], list[str]]:
    """The module and glue without the classes nothing uses and the exports only they called; the names of both."""
    dropped = []
    for match in list(CLASS.finditer(glue)):
        name = match[1]
        dispose = f"if (Symbol.dispose) {name}.prototype[Symbol.dispose] = {name}.prototype.free;\n"
        registry = re.compile(
            rf"^const {name}Finalization = \(typeof FinalizationRegistry === 'undefined'\)\n.*?\);\n", re.S | re.M
        )
        rest = glue.replace(match[0], "", 1).replace(dispose, "", 1)
        rest = registry.sub("", rest, count=1)
        if _whole_word(name).search(rest) or _whole_word(name).search(startup):
            continue  # made or called from somewhere: kept
        if _whole_word(f"{name}Finalization").search(rest):
            raise ValueError(f"{name}: its finalization registry is not where wasm-bindgen puts it")
        glue = rest
        dropped.append(name)
    # Trunk's start-up script hands the exports on (`TrunkApplicationStarted`); one it names is kept too.
    unused = {name for name in exports(wasm) if not _whole_word(name).search(glue) and not _whole_word(name).search(startup)}
    without = _rewrite(wasm, lambda name, module: None if module is None and name in unused else name)
    return without, glue, dropped, sorted(unused)


def drop_imports(wasm: bytes, glue: str) -> tuple[str, int]:
    """The glue without the import functions the wasm does not import (from the glue's own import object)."""
    imported = {name for _, name in imports(wasm)}
    start = re.compile(r"        (\w+): function\(")
    lines = glue.splitlines(keepends=True)
    kept: list[str] = []
    removed = 0
    i = 0
    while i < len(lines):
        found = start.match(lines[i])
        if not found:
            kept.append(lines[i])
            i += 1
            continue
        # An entry is one line (`        name: function(a) { … },`) or runs to the next line at its indentation
        # (`        },` or `        }, arguments); },`); the lines within are indented deeper.
        end = i
        if not lines[i].rstrip().endswith("},"):
            end += 1
            while end < len(lines) and not lines[end].startswith("        }"):
                if not lines[end].startswith("         ") and lines[end].strip():
                    raise ValueError(f"import {found[1]}: its body is not where wasm-bindgen puts it")
                end += 1
        if found[1] in imported:
            kept.extend(lines[i : end + 1])
        else:
            removed += 1
        i = end + 1
    return "".join(kept), removed


def check(wasm: bytes, glue: str) -> None:
    """Fails unless the glue calls only exports the wasm has and provides every import the wasm needs from it.
    (`drop_classes` keeps every export the glue names, so the first half guards against a later step.)"""
    exported = set(exports(wasm))
    missing = sorted(set(re.findall(r"\bwasm\.(\w+)", glue)) - exported)
    if missing:
        raise ValueError(f"the glue calls exports the wasm does not have: {missing}")
    needed = [name for module, name in imports(wasm) if module.endswith("_bg.js")]
    absent = [name for name in needed if not re.search(rf"^        {re.escape(name)}: function\(", glue, re.M)]
    if absent:
        raise ValueError(f"the wasm imports functions the glue does not provide: {absent}")
