//! The JavaScript API: a thin layer over [`crate::validate`].

use crate::report::{EndpointInput, validate};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// `validateEndpoint(input) -> Report`, with the same field names as the Rust types and the HTTP API.
#[wasm_bindgen(js_name = validateEndpoint)]
pub fn validate_endpoint(input: JsValue) -> Result<JsValue, JsError> {
    let input: EndpointInput = if input.is_undefined() || input.is_null() {
        EndpointInput::default()
    } else {
        serde_wasm_bindgen::from_value(input).map_err(|e| JsError::new(&format!("invalid input: {e}")))?
    };
    validate(&input)
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}
