"""Short names for the functions a wasm-bindgen module imports from its JavaScript glue and exports to it.

wasm-bindgen names each import after the Web API it calls plus a 16-hex-digit hash (`__wbg_length_b03a0fabb109b1e9`),
and each closure shim it exports after a mangled Rust symbol (`..._invoke__h45ae412a2c0d89a5`). The names appear
twice, in the wasm's import and export sections and in the glue, and the hashes are random: brotli cannot shrink
them. For the settings page they were 3.3 kB of its 150 kB (docs/benchmarks.md). `shorten` renames every such
name to `_0`, `_1`, … in both files; nothing else in either changes.

Only names that hold a 16-hex-digit run and occur in the glue as whole words are renamed (imports only from the
glue's own module, `…_bg.js`, not from a snippet file), so each is unique and every use of it is found; a short
name already used anywhere is skipped. The wasm is rewritten section by section and every section's entries must
end where the section does; the post-build hook then compiles the result (`WebAssembly.Module` in Node), and the
end-to-end tests load it in Chromium, where a name that did not match would fail the module's instantiation.
"""

import re

IMPORT_SECTION = 2
EXPORT_SECTION = 7
HASHED = re.compile(r"[0-9a-f]{16}")


def _uleb(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def _encode_uleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | 0x80 if value else byte)
        if not value:
            return bytes(out)


def _name(data: bytes, pos: int) -> tuple[str, int]:
    length, pos = _uleb(data, pos)
    return data[pos : pos + length].decode("utf-8"), pos + length


def _encode_name(name: str) -> bytes:
    raw = name.encode("utf-8")
    return _encode_uleb(len(raw)) + raw


def _limits(data: bytes, pos: int) -> int:
    flags = data[pos]
    _, pos = _uleb(data, pos + 1)
    if flags & 1:
        _, pos = _uleb(data, pos)
    return pos


def _import_desc(data: bytes, pos: int) -> int:
    """The end of an import's description (function, table, memory, global or tag)."""
    kind = data[pos]
    pos += 1
    if kind == 0:  # function: type index
        return _uleb(data, pos)[1]
    if kind == 1:  # table: reference type, limits
        return _limits(data, pos + 1)
    if kind == 2:  # memory: limits
        return _limits(data, pos)
    if kind == 3:  # global: value type, mutability
        return pos + 2
    if kind == 4:  # tag: attribute, type index
        return _uleb(data, pos + 1)[1]
    raise ValueError(f"unknown import kind {kind}")


def _rewrite(wasm: bytes, rename) -> bytes:
    """`wasm` with each import's and export's name replaced by `rename(name, module)` (`module` is `None` for an
    export). An export renamed to `None` is dropped; an import cannot be (the indices after it would shift)."""
    if wasm[:8] != b"\0asm\x01\0\0\0":
        raise ValueError("not a wasm module of version 1")
    out = bytearray(wasm[:8])
    pos = 8
    while pos < len(wasm):
        section = wasm[pos]
        size, body = _uleb(wasm, pos + 1)
        end = body + size
        payload = wasm[body:end]
        if section in (IMPORT_SECTION, EXPORT_SECTION):
            count, p = _uleb(payload, 0)
            kept = 0
            entries = bytearray()
            for _ in range(count):
                module = None
                entry = bytearray()
                if section == IMPORT_SECTION:
                    module, p = _name(payload, p)
                    entry += _encode_name(module)
                field, p = _name(payload, p)
                new_name = rename(field, module)
                start = p
                p = _import_desc(payload, p) if section == IMPORT_SECTION else _uleb(payload, p + 1)[1]
                if new_name is None:
                    if section == IMPORT_SECTION:
                        raise ValueError(f"import {field} cannot be dropped")
                    continue
                entries += entry + _encode_name(new_name) + payload[start:p]
                kept += 1
            if p != len(payload):
                raise ValueError(f"section {section} has {len(payload) - p} bytes after its entries")
            payload = _encode_uleb(kept) + bytes(entries)
        # The original size encoding is kept when the payload is unchanged (it may be padded).
        size_bytes = wasm[pos + 1 : body] if payload == wasm[body:end] else _encode_uleb(len(payload))
        out += bytes([section]) + size_bytes + payload
        pos = end
    return bytes(out)


def _whole_word(name: str) -> re.Pattern:
    return re.compile(r"(?<![\w$])" + re.escape(name) + r"(?![\w$])")


def shorten(wasm: bytes, js: str) -> tuple[bytes, str, int]:
    """The module and its glue with the hashed names shortened, and how many were."""
    names: set[str] = set()
    if _rewrite(wasm, lambda name, _module: names.add(name) or name) != wasm:
        raise ValueError("the module did not read back unchanged")
    short: dict[str, str] = {}
    taken = iter(range(1 << 20))

    def fresh() -> str:
        while True:
            candidate = f"_{next(taken):x}"
            if candidate not in names and not _whole_word(candidate).search(js):
                return candidate

    def rename(name: str, module: str | None) -> str:
        if name in short:
            return short[name]
        from_glue = module is None or module.endswith("_bg.js")
        if not from_glue or not HASHED.search(name) or not _whole_word(name).search(js):
            return name
        short[name] = fresh()
        return short[name]

    wasm = _rewrite(wasm, rename)
    for name, new in short.items():
        js = _whole_word(name).sub(new, js)
    return wasm, js, len(short)
