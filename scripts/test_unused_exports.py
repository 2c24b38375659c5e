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
        "    };\n    return { __proto__: null, \"./x_bg.js\": import0 };\n}\n"
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


IMPORTS = imports_of("__wbg_byobRequest_18280c78e462544c", "__wbg_call_0123456789abcdef", "__wbg_log_fedcba9876543210")
STREAM = ["__wbg_source_free", "source_pull", "__wbg_sink_free", "sink_pull"]


class DropClasses(unittest.TestCase):
    def test_classes_nothing_names_go_with_their_exports(self) -> None:
        wasm = module(IMPORTS, exports_of("memory", "__wbindgen_start", "main", *STREAM))
        wasm, text, classes, dropped = unused_exports.drop_classes(wasm, glue("Source", "Sink"), "import init from x")
        self.assertEqual(classes, ["Source", "Sink"])
        self.assertEqual(dropped, sorted(["main", "memory", *STREAM]))
        self.assertEqual(unused_exports.exports(wasm), ["__wbindgen_start"])
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

    def test_a_registry_not_where_wasm_bindgen_puts_it_is_refused(self) -> None:
        odd = glue("Source").replace("const SourceFinalization = (typeof", "const SourceFinalization =  (typeof")
        with self.assertRaises(ValueError):
            unused_exports.drop_classes(module(IMPORTS, exports_of("source_pull")), odd, "")


class DropImports(unittest.TestCase):
    def test_import_functions_the_wasm_no_longer_imports_go_whole(self) -> None:
        text = glue()
        wasm = module(imports_of("__wbg_call_0123456789abcdef"), exports_of("__wbindgen_start"))
        text, removed = unused_exports.drop_imports(wasm, text)
        self.assertEqual(removed, 2)
        self.assertNotIn("byobRequest", text)
        self.assertNotIn("console.log", text)
        self.assertIn("        }, arguments); },\n    };\n", text, "the kept entry whole, the object closed")
        unused_exports.check(wasm, text)

    def test_the_check_finds_a_missing_export_or_import(self) -> None:
        text = glue()
        with self.assertRaises(ValueError):
            unused_exports.check(module(IMPORTS, exports_of("main")), text)  # calls __wbindgen_start
        stripped, _ = unused_exports.drop_imports(module([], []), text)
        with self.assertRaises(ValueError):
            unused_exports.check(module(IMPORTS, exports_of("__wbindgen_start")), stripped)


if __name__ == "__main__":
    unittest.main()
