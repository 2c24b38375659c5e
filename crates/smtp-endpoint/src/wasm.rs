//! The JavaScript API: a thin layer over [`crate::validate`].
//!
//! The input object is read with serde-wasm-bindgen. The report crosses back as one JSON string that
//! `JSON.parse` turns into objects: that is faster than building each object and key across the boundary,
//! and the result is, by construction, the exact JSON that serde_json gives on the server.

use crate::report::{EndpointInput, validate};
use wasm_bindgen::prelude::*;

/// `validateEndpoint(input) -> Report`, with the same field names as the Rust types and the HTTP API.
/// A missing, `null` or `undefined` input or field counts as empty; a field of the wrong type is an error.
#[wasm_bindgen(js_name = validateEndpoint)]
pub fn validate_endpoint(input: JsValue) -> Result<JsValue, JsError> {
    let input: EndpointInput = if input.is_undefined() || input.is_null() {
        EndpointInput::default()
    } else {
        serde_wasm_bindgen::from_value(input).map_err(|e| JsError::new(&format!("invalid input: {e}")))?
    };
    let report = serde_json::to_string(&validate(&input)).map_err(|e| JsError::new(&e.to_string()))?;
    js_sys::JSON::parse(&report).map_err(|_| JsError::new("the report is not JSON"))
}
