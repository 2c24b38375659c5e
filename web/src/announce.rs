//! What a screen reader is told about the field being typed into: its messages, once the keystrokes pause.
//!
//! The messages under a field change with many keystrokes (a suggestion holds what was typed), and a live region
//! that held them would read each version out over the typing. So they are shown at once without being a live
//! region (they describe their field), and the page's one polite region (`#said`, in index.html) takes the
//! messages of the field last typed into once no key has been typed for [`PAUSE`] — as they stand then (none once a
//! save emptied the field), also when the keyboard moved on meanwhile. Messages that arrive without typing (a
//! server's refusal, which takes the keyboard to the field whose description says them; "Use the old values"; a
//! language switch) are not read a second time. The language menu fires `input` too: a switch within the pause
//! drops that read-out (telling it apart cost more than the page's budget had left).

use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::time::Duration;

/// How long the keystrokes must pause before the messages are read out.
pub const PAUSE: Duration = Duration::from_millis(750);

/// The id of the polite live region.
pub const REGION: &str = "said";

thread_local! {
    /// Counts the keystrokes (input events) in the whole page: a read-out is for the last one.
    static TYPED: Cell<u32> = const { Cell::new(0) };
    /// What the region says now.
    static SAID: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Listens to the page's keystrokes, for as long as the page lives (once, at start).
pub fn listen() {
    let _ = window_event_listener(leptos::ev::input, |event| {
        let Some(field) = event.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        else {
            return;
        };
        let typed = TYPED.with(|n| {
            n.set(n.get().wrapping_add(1));
            n.get()
        });
        let id = field.id();
        set_timeout(
            move || {
                if TYPED.with(Cell::get) == typed {
                    say(messages(&id))
                }
            },
            PAUSE,
        );
    });
}

/// The messages shown under the field `id`, as its description says them (with their buttons' words); none once
/// it is gone.
fn messages(id: &str) -> String {
    let document = web_sys::window().and_then(|w| w.document());
    let list = document.and_then(|d| d.get_element_by_id(&format!("{id}-messages")));
    list.and_then(|list| list.text_content()).unwrap_or_default()
}

/// Puts `text` into the live region, unless it says that already (it would be read out again).
pub(crate) fn say(text: String) {
    if SAID.with_borrow(|said| *said == text) {
        return;
    }
    if let Some(region) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(REGION)) {
        region.set_text_content(Some(&text));
    }
    SAID.set(text);
}
