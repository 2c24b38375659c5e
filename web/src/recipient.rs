//! A recipient typed for a check or a test email: judged as it is typed by the address rules the server applies
//! to it (those of the from address), with the server's own refusal (`recipient.invalid`) in the same place.

use crate::i18n::{Text, use_i18n};
use crate::probe::Trouble;
use leptos::prelude::*;
use smtp_endpoint::FromAddress;
use smtp_endpoint::messages::recipient_required as required;

/// The typed recipient and what stands against it.
#[derive(Debug, Clone, Copy)]
pub struct Recipient {
    pub text: RwSignal<String>,
    /// The page's objection to what is typed (nothing while it is empty), else the server's last refusal.
    pub problem: Memo<Option<String>>,
    trouble: RwSignal<Option<Trouble>>,
}

impl Recipient {
    /// A recipient typed into `text` (kept by the page's state), whose server refusals arrive in `trouble` (the
    /// section's).
    pub fn new(text: RwSignal<String>, trouble: RwSignal<Option<Trouble>>) -> Recipient {
        let i18n = use_i18n();
        let problem = Memo::new(move |_| {
            let local = text.with(|to| {
                let to = to.trim();
                if to.is_empty() { None } else { FromAddress::parse(to).err().map(|p| p.message(i18n.get())) }
            });
            local.or_else(|| match trouble.get() {
                Some(Trouble::Recipient(message)) => Some(message),
                _ => None,
            })
        });
        Recipient { text, problem, trouble }
    }

    /// The recipient as the request sends it.
    pub fn typed(self) -> String {
        self.text.with_untracked(|to| to.trim().to_owned())
    }

    pub fn has_problem(self) -> bool {
        self.problem.with(Option::is_some)
    }
}

/// The recipient's label, input and messages.
#[component]
pub fn RecipientField(
    id: &'static str,
    recipient: Recipient,
    label: fn(&Text) -> &'static str,
    optional: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let Recipient { text, problem, trouble } = recipient;
    let messages = format!("{id}-messages");
    // A memo, so that the hint below is not drawn anew (and read out again) for each space typed into it.
    let empty = Memo::new(move |_| text.with(|to| to.trim().is_empty()));
    view! {
        <div class="field">
            <label for=id>
                {move || label(i18n.text())}
                {move || optional.then(|| format!(" ({})", i18n.text().optional))}
            </label>
            <input
                id=id
                // Not type=email: the browser would strip the space just typed ("Bob ") from the value the page
                // writes back, moving the cursor, and would refuse "Name <address>".
                type="text"
                inputmode="email"
                autocomplete="email"
                spellcheck="false"
                autocapitalize="off"
                required=!optional
                aria-invalid=move || problem.with(Option::is_some).to_string()
                aria-describedby=messages.clone()
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    if matches!(trouble.get_untracked(), Some(Trouble::Recipient(_))) {
                        trouble.set(None);
                    }
                }
            />
            <ul class="messages" id=messages>
                {move || problem.get().map(|message| view! {
                    <li class="error" data-code="recipient.invalid">
                        <span class="message">{message}</span>
                    </li>
                })}
                // Why the button is off while a required recipient is empty: said as a hint, not as an error.
                {move || (!optional && empty.get()).then(|| view! {
                    <li class="hint">
                        <span class="message">{move || required(i18n.get())}</span>
                    </li>
                })}
            </ul>
        </div>
    }
}
