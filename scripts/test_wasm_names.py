"""Tests of scripts/wasm_names.py on a module built here byte by byte (run by scripts/test.sh:
`python3 -m unittest discover -s scripts -p 'test_*.py'`). The end-to-end tests load a real renamed page."""

import unittest

import wasm_names

HASH_A = "__wbg_length_b03a0fabb109b1e9"
HASH_B = "__wbg_new_3e95cd7386bb9a6c"
SHIM = "wasm_bindgen__convert__closures_____invoke__h45ae412a2c0d89a5"


def uleb(value: int) -> bytes:
    return wasm_names._encode_uleb(value)


def name(text: str) -> bytes:
    raw = text.encode()
    return uleb(len(raw)) + raw


def section(section_id: int, payload: bytes) -> bytes:
    return bytes([section_id]) + uleb(len(payload)) + payload


def module(imports: list[tuple[str, bytes]], exports: list[tuple[str, bytes]]) -> bytes:
    glue = "./glue_bg.js"
    types = section(1, uleb(1) + b"\x60\x00\x00")  # one type: () -> ()
    import_section = section(2, uleb(len(imports)) + b"".join(name(glue) + name(n) + d for n, d in imports))
    export_section = section(7, uleb(len(exports)) + b"".join(name(n) + d for n, d in exports))
    custom = section(0, name("producers") + b"\x00")
    return b"\0asm\x01\0\0\0" + types + import_section + custom + export_section


IMPORTS = [
    (HASH_A, b"\x00" + uleb(0)),  # function, type 0
    ("__wbindgen_init_externref_table", b"\x00" + uleb(0)),  # no hash: kept
    (HASH_B, b"\x01\x6f\x01" + uleb(128) + uleb(300)),  # table: externref, min and max
    ("__wbg_mem_0123456789abcdef", b"\x02\x03" + uleb(17) + uleb(16384)),  # memory: shared, with max
    ("__wbg_glob_fedcba9876543210", b"\x03\x7f\x01"),  # global: mutable i32
    ("__wbg_tag_00112233445566aa", b"\x04\x00" + uleb(0)),  # tag
]
EXPORTS = [("memory", b"\x02\x00"), (SHIM, b"\x00" + uleb(300)), ("_WASM_SPLIT_MARKER_732e786d2a082da8x", b"\x00\x05")]
JS = (
    f"const i={{{HASH_A}:function(n){{return n.length}},{HASH_B}:function(){{}},__wbindgen_init_externref_table:"
    f"function(){{}},__wbg_mem_0123456789abcdef:1,__wbg_glob_fedcba9876543210:2,__wbg_tag_00112233445566aa:3}};"
    f"function e(n){{E.{SHIM}(n)}} const s='{HASH_A}x';"
)


def read_names(wasm: bytes) -> list[str]:
    seen = []
    wasm_names._rewrite(wasm, lambda n, _module: seen.append(n) or n)
    return seen


class Shorten(unittest.TestCase):
    def test_hashed_names_are_shortened_alike_in_both_files(self) -> None:
        wasm, js, count = wasm_names.shorten(module(IMPORTS, EXPORTS), JS)
        self.assertEqual(count, 6)
        self.assertEqual(
            read_names(wasm),
            ["_0", "__wbindgen_init_externref_table", "_1", "_2", "_3", "_4", "memory", "_5",
             "_WASM_SPLIT_MARKER_732e786d2a082da8x"],
        )
        self.assertIn("const i={_0:function(n){return n.length},_1:function(){}", js)
        self.assertIn("E._5(n)", js)
        self.assertIn(f"'{HASH_A}x'", js, "a longer word that starts with a name is another word")
        self.assertEqual(js.count(HASH_A), 1)
        self.assertNotIn(HASH_B, js)
        self.assertNotIn(SHIM, js)

    def test_short_names_already_in_use_and_imports_of_snippets_are_left_alone(self) -> None:
        snippet = ("./snippets/x/inline0.js", "__wbg_x_0123456789abcdef")
        wasm = b"\0asm\x01\0\0\0" + section(
            2,
            uleb(2)
            + name("./glue_bg.js") + name(HASH_A) + b"\x00" + uleb(0)
            + name(snippet[0]) + name(snippet[1]) + b"\x00" + uleb(0),
        )
        wasm, js, count = wasm_names.shorten(wasm, f"const _0=1;{{{HASH_A}:f,{snippet[1]}:g}}")
        self.assertEqual(count, 1)
        self.assertEqual(read_names(wasm), ["_1", snippet[1]])
        self.assertEqual(js, f"const _0=1;{{_1:f,{snippet[1]}:g}}")

    def test_a_module_without_such_names_comes_back_unchanged(self) -> None:
        wasm = module([("__wbindgen_throw", b"\x00" + uleb(0))], [("memory", b"\x02\x00")])
        self.assertEqual(wasm_names.shorten(wasm, "x"), (wasm, "x", 0))

    def test_what_it_cannot_read_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            wasm_names.shorten(b"not wasm", "")
        bad_kind = module([(HASH_A, b"\x09")], [])
        with self.assertRaises(ValueError):
            wasm_names.shorten(bad_kind, HASH_A)

    def test_an_export_can_be_dropped_an_import_cannot(self) -> None:
        wasm = wasm_names._rewrite(module(IMPORTS, EXPORTS), lambda n, m: None if n == SHIM else n)
        self.assertNotIn(SHIM, read_names(wasm))
        self.assertEqual(len(read_names(wasm)), len(IMPORTS) + len(EXPORTS) - 1)
        with self.assertRaises(ValueError):
            wasm_names._rewrite(module(IMPORTS, EXPORTS), lambda n, m: None if n == HASH_A else n)


if __name__ == "__main__":
    unittest.main()
