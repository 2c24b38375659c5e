//! What a screen reader is told about the field being typed into: its messages, once typing pauses.
//!
//! The messages under a field change with many keystrokes (a suggestion holds what was typed), and a live region
//! that held them would read each version out over the typing. So they are shown at once without being a live
//! region, and the page's one polite region (`#said`, in index.html) takes their text after a pause. Only a change
//! made while the field has the keyboard is read out (it was typed there; it is read even if the keyboard moves on
//! meanwhile): messages that arrive otherwise (a language switch, a server's refusal that then takes the keyboard
//! to the field, whose description says them) are not read twice.

use crate::has_focus;
use leptos::prelude::*;
use std::time::Duration;

/// How long typing must pause before the messages are read out.
pub const PAUSE: Duration = Duration::from_millis(750);

/// The id of the polite live region.
pub const REGION: &str = "said";

/// Reads `text` out once it has stayed the same for [`PAUSE`], when it changed while the field `id` had the
/// keyboard. What the field holds when it appears is not read out: nothing changed.
/// Not generic: one copy of the effect and its timer serves every field.
pub fn read_out_when_paused(id: &'static str, text: Box<dyn Fn() -> String + Send + Sync>) {
    let changes = StoredValue::new(0u32);
    Effect::new(move |seen: Option<()>| {
        let text = text();
        if seen.is_some() && has_focus(id) {
            let change = changes.get_value().wrapping_add(1);
            changes.set_value(change);
            // The field may be gone by then (signed out): its counter is too.
            set_timeout(
                move || {
                    if changes.try_get_value() == Some(change) {
                        say(&text);
                    }
                },
                PAUSE,
            );
        }
    });
}

fn say(text: &str) {
    if let Some(region) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(REGION)) {
        region.set_text_content(Some(text));
    }
}
