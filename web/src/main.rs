//! The settings page for the SMTP endpoint: Leptos, client-side rendered, built by Trunk.
//!
//! Every keystroke is judged in the browser by the same crate the server uses (`smtp_endpoint::validate`);
//! the server is only asked to log in, load, save, probe, send a test email and show the history.

mod announce;
mod api;
mod app;
mod history;
mod i18n;
mod idna;
mod json;
mod login;
mod probe;
mod recipient;
mod settings;
mod test_email;
#[cfg(test)]
mod testing;

use smtp_endpoint::Locale;
use std::cell::RefCell;
use wasm_bindgen::JsValue;

fn main() {
    smtp_endpoint::set_idna_to_ascii(idna::domain_to_ascii);
    announce::listen();
    leptos::mount::mount_to_body(app::App);
    // index.html's word for a page that did not start.
    if let Some(boot) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot")) {
        boot.remove();
    }
}

/// Sets a performance mark once, after the next frame is laid out: the benchmark reads it as "interactive".
fn mark_ready(name: &'static str) {
    thread_local! {
        static MARKED: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
    }
    if MARKED.with(|m| m.borrow().contains(&name)) {
        return;
    }
    MARKED.with(|m| m.borrow_mut().push(name));
    leptos::prelude::request_animation_frame(move || {
        if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
            let _ = performance.mark(name);
        }
    });
}

/// Moves the keyboard focus to an element, e.g. back to a field after a suggestion was applied; a folded
/// `<details>` around it is opened first.
fn focus(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(element) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        if let Ok(Some(folded)) = element.closest("details:not([open])") {
            let _ = folded.set_attribute("open", "");
        }
        let _ = element.focus();
    }
}

/// [`focus`] once the views have caught up with the signals just set: after the next frame.
fn focus_soon(id: &'static str) {
    leptos::prelude::request_animation_frame(move || focus(id));
}

/// Whether the admin agrees to lose the form's unsaved changes: asked only when there are any.
fn discard_agreed(form: app::Form, question: &str) -> bool {
    use leptos::prelude::GetUntracked;
    !form.dirty.get_untracked() || web_sys::window().and_then(|w| w.confirm_with_message(question).ok()) == Some(true)
}

/// Whether the element `id` has the keyboard focus.
fn has_focus(id: &str) -> bool {
    let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
    active.is_some_and(|element| element.id() == id)
}

/// Puts the keyboard back on `id` (after the next frame) if nothing has it any more: the button that had it was
/// disabled or replaced while its request ran. Call it only for a button that had the keyboard; focus the admin
/// moved elsewhere meanwhile stays there.
fn refocus(id: &'static str) {
    refocus_or(id, id);
}

/// [`refocus`], and to `instead` when `id` cannot take the keyboard: a button still disabled by what is typed in
/// the field `instead`.
fn refocus_or(id: &'static str, instead: &'static str) {
    leptos::prelude::request_animation_frame(move || {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        let lost = match document.active_element() {
            None => true,
            Some(active) => document.body().is_some_and(|body| *body == active),
        };
        if lost {
            focus(id);
            if !has_focus(id) {
                focus(instead);
            }
        }
    });
}

/// An RFC 3339 time in the reader's time zone and the page's language; anything unreadable as it came.
fn local_time(at: &str, locale: Locale) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(at));
    if date.get_time().is_nan() {
        return at.to_owned();
    }
    let tag = match locale {
        Locale::En => "en-GB",
        Locale::De => "de-DE",
    };
    // The time zone is named: admins in different zones read the same history.
    let options = js_sys::JSON::parse(
        r#"{"year":"numeric","month":"short","day":"numeric","hour":"2-digit","minute":"2-digit","timeZoneName":"short"}"#,
    )
    .unwrap_or(JsValue::UNDEFINED);
    date.to_locale_string(tag, &options).into()
}
