//! The golden table shared with the JavaScript package (`js/endpoint.test.mjs`) and the server's
//! `check --json`: `tests/golden/check.json` is an array of `{input, report}` in which `report` is exactly the
//! JSON that `validate(input)` gives. Every face must print the same.
//!
//! After an intended change of a rule or message, rewrite the reports and review the diff:
//! `UPDATE_GOLDEN=1 cargo test -p smtp-endpoint --test golden`.

#![allow(clippy::unwrap_used)]

use serde_json::Value;
use smtp_endpoint::{EndpointInput, validate};

const GOLDEN: &str = include_str!("golden/check.json");

fn report_for(input: &Value) -> Value {
    let input: EndpointInput = serde_json::from_value(input.clone()).unwrap();
    serde_json::to_value(validate(&input)).unwrap()
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn reports_match_the_golden_table() {
    let cases: Vec<Value> = serde_json::from_str(GOLDEN).unwrap();
    assert!(cases.len() >= 20, "the golden table has only {} cases", cases.len());
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        assert!(std::env::var_os("CI").is_none(), "UPDATE_GOLDEN rewrites the table instead of checking it: not in CI");
        let updated: Vec<Value> = cases
            .iter()
            .map(|case| serde_json::json!({ "input": case["input"], "report": report_for(&case["input"]) }))
            .collect();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/check.json");
        std::fs::write(path, serde_json::to_string_pretty(&updated).unwrap() + "\n").unwrap();
        return;
    }
    // Without the `idna` feature (as the page builds the crate), IDN hosts go to a function registered at run
    // time — in the page the browser's URL parser; here the `idna` crate, which follows the same UTS #46 rules,
    // or under wasm32 Node's WHATWG URL parser, as the page's.
    #[cfg(all(not(feature = "idna"), not(target_arch = "wasm32")))]
    smtp_endpoint::set_idna_to_ascii(|name| idna::domain_to_ascii(name).ok());
    #[cfg(all(not(feature = "idna"), target_arch = "wasm32"))]
    smtp_endpoint::set_idna_to_ascii(page_idna::domain_to_ascii);
    for case in &cases {
        assert_eq!(report_for(&case["input"]), case["report"], "for input {}", case["input"]);
    }
}

/// The page's own conversion (`web/src/idna.rs`: the WHATWG URL parser, Node's here).
#[cfg(all(not(feature = "idna"), target_arch = "wasm32"))]
#[path = "../../../web/src/idna.rs"]
mod page_idna;
