//! Component tests in a real browser (`wasm-bindgen-test`, headless Chromium through chromedriver): a component
//! is mounted into the test page's document with the contexts the page gives it, and read back from the DOM.
//!
//! `cargo test -p smtp-endpoint-web --target wasm32-unknown-unknown` (scripts/test.sh). The end-to-end tests in
//! `tests/` drive the whole page against the real server; these cover states that are slow or impossible to bring
//! about that way (every step status, an untrusted certificate, every kind of failed request).

#![allow(clippy::unwrap_used)]

use crate::app::State;
use crate::i18n::I18n;
use crate::settings::Judged;
use leptos::mount::mount_to;
use leptos::prelude::*;
use smtp_endpoint::Locale;
use std::any::Any;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// A mounted component; unmounted when dropped.
pub struct Mounted {
    pub root: HtmlElement,
    pub i18n: I18n,
    pub state: State,
    _handle: Box<dyn Any>,
}

impl std::fmt::Debug for Mounted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mounted").field("html", &self.root.inner_html()).finish()
    }
}

/// Mounts `view` in English with a fresh page state and its judgement (as the settings view provides it);
/// `extra` provides more context inside the same owner.
pub fn mount<V: IntoView + 'static>(
    extra: impl FnOnce(State, I18n) + 'static,
    view: impl FnOnce() -> V + 'static,
) -> Mounted {
    let document = web_sys::window().unwrap().document().unwrap();
    // index.html's live region, empty for each test, and the page's keystrokes listened to (once).
    thread_local!(static LISTENING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if !LISTENING.replace(true) {
        let region = document.create_element("p").unwrap();
        region.set_id(crate::announce::REGION);
        document.body().unwrap().append_child(&region).unwrap();
        crate::announce::listen();
    }
    crate::announce::say(String::new());
    let root: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let i18n = I18n::new();
    i18n.set(Locale::En);
    let state = State::new();
    let handle = mount_to(root.clone(), move || {
        provide_context(i18n);
        provide_context(state);
        provide_context(Judged::new(state, i18n));
        extra(state, i18n);
        view()
    });
    Mounted { root, i18n, state, _handle: Box::new(handle) }
}

impl Mounted {
    pub fn all(&self, selector: &str) -> Vec<Element> {
        let list = self.root.query_selector_all(selector).unwrap();
        (0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()).collect()
    }

    /// The one element `selector` matches; panics with the DOM when there is none.
    pub fn one(&self, selector: &str) -> Element {
        self.root.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector} in {self:?}"))
    }

    pub fn text(&self, selector: &str) -> String {
        self.one(selector).text_content().unwrap_or_default()
    }

    pub fn attr(&self, selector: &str, name: &str) -> Option<String> {
        self.one(selector).get_attribute(name)
    }

    pub fn click(&self, selector: &str) {
        self.one(selector).unchecked_into::<HtmlElement>().click();
    }

    /// Types `value` into an input as a user would: the value changes, then an `input` event fires (and bubbles,
    /// as a browser's does).
    pub fn type_into(&self, selector: &str, value: &str) {
        let input: web_sys::HtmlInputElement = self.one(selector).unchecked_into();
        input.set_value(value);
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        input.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
    }
}

/// A real answer of the server, kept in `server/tests/examples/`; the server's tests check that its answers still
/// have the example's shape.
#[macro_export]
macro_rules! example {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../server/tests/examples/", $name, ".json"))
    };
}

/// Lets the reactive system run what a change scheduled (effects run on the next tick, as in the page).
pub async fn settle() {
    leptos::task::tick().await;
}

/// What the page's polite live region says (it is shared by every mounted component).
pub fn read_out() -> String {
    let document = web_sys::window().unwrap().document().unwrap();
    document.get_element_by_id(crate::announce::REGION).and_then(|region| region.text_content()).unwrap_or_default()
}

/// Waits until `done` holds, for what a timer brings about: it looks again every 20 ms, for at most 5 s, then
/// fails with `what` and the DOM.
pub async fn until(page: &Mounted, what: &str, done: impl Fn() -> bool) {
    for _ in 0..250 {
        if done() {
            return;
        }
        pause(20).await;
    }
    panic!("{what} never came: {page:?}");
}

/// Waits `ms` milliseconds: to look again ([`until`]), or to show that something does not happen within a time
/// (a read-out after a pause in typing) — never in place of waiting for something that does.
pub async fn pause(ms: i32) {
    let later = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(later).await.unwrap();
}
