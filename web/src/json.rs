//! Reading and building JSON values as the browser parses and writes them (`JSON.parse` / `JSON.stringify`).
//!
//! The API's bodies are small and few, so the page reads them field by field instead of linking serde's generated
//! code for each type (and serde's error messages, which pull in float formatting): that halves the page's
//! decoding code. What a field reader cannot use is `None`, as a missing field is.

use js_sys::{Array, JSON, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// A JSON object.
#[derive(Debug)]
pub struct Obj(Object);

impl Obj {
    /// `text` parsed, if it is a JSON object or array.
    pub fn parse(text: &str) -> Option<Obj> {
        Obj::of(JSON::parse(text).ok()?)
    }

    pub fn of(value: JsValue) -> Option<Obj> {
        value.dyn_into::<Object>().ok().map(Obj)
    }

    fn get(&self, key: &str) -> JsValue {
        Reflect::get(&self.0, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    /// A string field; `None` when missing, `null` or not a string.
    pub fn str(&self, key: &str) -> Option<String> {
        self.get(key).as_string()
    }

    /// A string field, empty when missing.
    pub fn string(&self, key: &str) -> String {
        self.str(key).unwrap_or_default()
    }

    /// A boolean field, `false` when missing.
    pub fn bool(&self, key: &str) -> bool {
        self.required_bool(key).unwrap_or_default()
    }

    pub fn required_bool(&self, key: &str) -> Option<bool> {
        self.get(key).as_bool()
    }

    /// A whole, non-negative number that a `u64` holds exactly.
    pub fn u64(&self, key: &str) -> Option<u64> {
        let n = self.get(key).as_f64()?;
        (n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0).then_some(n as u64)
    }

    pub fn obj(&self, key: &str) -> Option<Obj> {
        Obj::of(self.get(key))
    }

    /// An array field read item by item: empty when missing or `null`, `None` when it or any item is unusable.
    pub fn list<T>(&self, key: &str, item: impl Fn(JsValue) -> Option<T>) -> Option<Vec<T>> {
        let value = self.get(key);
        if value.is_undefined() || value.is_null() {
            return Some(Vec::new());
        }
        Obj::of(value)?.items_of(item)
    }

    /// This value as an array of objects.
    pub fn items<T>(&self, item: impl Fn(&Obj) -> Option<T>) -> Option<Vec<T>> {
        self.items_of(|value| item(&Obj::of(value)?))
    }

    fn items_of<T>(&self, item: impl Fn(JsValue) -> Option<T>) -> Option<Vec<T>> {
        let array = self.0.dyn_ref::<Array>()?;
        array.iter().map(item).collect()
    }
}

/// An object with these fields; a `None` value leaves its field out.
pub fn object(fields: &[(&str, Option<JsValue>)]) -> JsValue {
    let object = Object::new();
    for (key, value) in fields {
        if let Some(value) = value {
            let _ = Reflect::set(&object, &JsValue::from_str(key), value);
        }
    }
    object.into()
}
