"""Tests of scripts/unused_exports.py on a module built here byte by byte and a glue in wasm-bindgen's layout (run
by scripts/test.sh). The end-to-end tests load a real page built with it."""

import unittest

import unused_exports
from test_wasm_names import module, uleb

FUNC = b"\x00" + uleb(0)


def glue(*classes: str, calls: str = "") -> str:
    """wasm-bindgen's layout: each exported class, its dispose line, then the imports and the registries."""
    text = "/* @ts-self-types=\"./x.d.ts\" */\n\n"
    for name in classes:
        lower = name.lower()
        text += (
            f"export class {name} {{\n    free() {{\n        wasm.__wbg_{lower}_free(this.__wbg_ptr, 0);\n    }}\n"
            f"    pull(n) {{\n        return wasm.{lower}_pull(this.__wbg_ptr, n);\n    }}\n}}\n"
            f"if (Symbol.dispose) {name}.prototype[Symbol.dispose] = {name}.prototype.free;\n\n"
        )
    text += (
        "function __wbg_get_imports() {\n    const import0 = {\n        __proto__: null,\n"
        "        __wbg_byobRequest_18280c78e462544c: function(arg0) {\n            const ret = arg0.byobRequest;\n"
        "            return ret;\n        },\n"
        "        __wbg_call_0123456789abcdef: function() { return handleError(function (arg0, arg1) {\n"
        "            const ret = arg0.call(arg1);\n            return ret;\n        }, arguments); },\n"
        "        __wbg_log_fedcba9876543210: function(arg0) {\n            console.log(arg0);\n        },\n"
        "        __wbg_now_00112233445566aa: function() { return Date.now(); },\n"
        "        __wbindgen_init_externref_table: function() {\n            const table = wasm.__wbindgen_externrefs;\n"
        "            table.set(0, undefined);\n        },\n"
        "    };\n    return { __proto__: null, \"./x_bg.js\": import0 };\n}\n"
        "function getUint8ArrayMemory0() {\n    return new Uint8Array(wasm.memory.buffer);\n}\n"
        f"function start() {{\n    wasm.__wbindgen_start();\n    {calls}\n}}\n"
    )
    for name in classes:
        text += (
            f"const {name}Finalization = (typeof FinalizationRegistry === 'undefined')\n"
            "    ? { register: () => {}, unregister: () => {} }\n"
            f"    : new FinalizationRegistry(ptr => wasm.__wbg_{name.lower()}_free(ptr, 1));\n"
        )
    return text + "export { initSync, __wbg_init as default };\n"


def exports_of(*names: str) -> list[tuple[str, bytes]]:
    return [(n, FUNC) for n in names]


def imports_of(*names: str) -> list[tuple[str, bytes]]:
    return [(n, FUNC) for n in names]


IMPORTS = imports_of(
    "__wbg_byobRequest_18280c78e462544c",
    "__wbg_call_0123456789abcdef",
    "__wbg_log_fedcba9876543210",
    "__wbg_now_00112233445566aa",
    "__wbindgen_init_externref_table",
)
RUNTIME = ["memory", "__wbindgen_externrefs", "__wbindgen_start"]
STREAM = ["__wbg_source_free", "source_pull", "__wbg_sink_free", "sink_pull"]


class DropClasses(unittest.TestCase):
    def test_classes_nothing_names_go_with_their_exports(self) -> None:
        wasm = module(IMPORTS, exports_of(*RUNTIME, "main", *STREAM))
        wasm, text, classes, dropped = unused_exports.drop_classes(wasm, glue("Source", "Sink"), "import init from x")
        self.assertEqual(classes, ["Source", "Sink"])
        self.assertEqual(dropped, sorted(["main", *STREAM]))
        self.assertEqual(unused_exports.exports(wasm), RUNTIME, "what the glue itself uses stays")
        for gone in ["Source", "Sink", "Finalization", "Symbol.dispose", "_pull", "_free"]:
            self.assertNotIn(gone, text)
        self.assertIn("__wbg_get_imports", text)
        self.assertTrue(text.endswith("export { initSync, __wbg_init as default };\n"))

    def test_a_class_the_glue_or_the_start_up_script_names_is_kept(self) -> None:
        wasm = module(IMPORTS, exports_of("__wbindgen_start", *STREAM))
        made = glue("Source", "Sink", calls="Source.__wrap(1);")
        _, text, classes, dropped = unused_exports.drop_classes(wasm, made, "")
        self.assertEqual(classes, ["Sink"])
        self.assertEqual(dropped, ["__wbg_sink_free", "sink_pull"])
        self.assertIn("export class Source", text)
        self.assertIn("SourceFinalization", text)
        _, _, classes, _ = unused_exports.drop_classes(wasm, glue("Source", "Sink"), "import { Sink } from './x.js'")
        self.assertEqual(classes, ["Source"])

    def test_an_export_the_start_up_script_names_is_kept(self) -> None:
        wasm = module(IMPORTS, exports_of(*RUNTIME, "main"))
        _, _, _, dropped = unused_exports.drop_classes(wasm, glue(), "detail.wasm.main()")
        self.assertEqual(dropped, [])

    def test_a_class_in_another_layout_is_kept(self) -> None:
        other = glue("Source").replace("if (Symbol.dispose) Source.prototype", "if (Symbol.dispose) { Source.prototype")
        _, text, classes, _ = unused_exports.drop_classes(module(IMPORTS, exports_of("source_pull")), other, "")
        self.assertEqual(classes, [])
        self.assertIn("export class Source", text)

    def test_a_registry_not_where_wasm_bindgen_puts_it_is_refused(self) -> None:
        odd = glue("Source").replace("const SourceFinalization = (typeof", "const SourceFinalization =  (typeof")
        with self.assertRaises(ValueError):
            unused_exports.drop_classes(module(IMPORTS, exports_of("source_pull")), odd, "")


class DropImports(unittest.TestCase):
    def test_import_functions_the_wasm_no_longer_imports_go_whole(self) -> None:
        text = glue()
        needed = imports_of("__wbg_call_0123456789abcdef", "__wbindgen_init_externref_table")
        wasm = module(needed, exports_of(*RUNTIME))
        text, removed = unused_exports.drop_imports(wasm, text)
        self.assertEqual(removed, 3)
        for gone in ["byobRequest", "console.log", "Date.now"]:
            self.assertNotIn(gone, text)
        self.assertIn("        }, arguments); },\n        __wbindgen_init_externref_table", text, "kept whole")
        self.assertIn("            table.set(0, undefined);\n        },\n    };\n", text, "after a one-line entry too")
        unused_exports.check(wasm, text)

    def test_a_body_out_of_its_indentation_is_refused(self) -> None:
        odd = glue().replace("            console.log(arg0);", "console.log(arg0);")
        with self.assertRaises(ValueError):
            unused_exports.drop_imports(module([], exports_of(*RUNTIME)), odd)

    def test_the_check_finds_a_missing_export_or_import(self) -> None:
        text = glue()
        with self.assertRaises(ValueError):
            unused_exports.check(module(IMPORTS, exports_of("memory", "__wbindgen_externrefs")), text)  # no start
        stripped, _ = unused_exports.drop_imports(module([], []), text)
        with self.assertRaises(ValueError):
            unused_exports.check(module(IMPORTS, exports_of(*RUNTIME)), stripped)


if __name__ == "__main__":
    unittest.main()
