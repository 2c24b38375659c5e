//! "Send test email": a real message from the default from address to any recipient, with the form's values
//! (saved or not); shows the server's reply or the diagnosis.

use crate::api::{self, TestEmailResult};
use crate::app::use_state;
use crate::i18n::{tr, use_i18n};
use crate::probe::{DiagnosisView, Progress, Trouble, run_request};
use crate::settings::{draft, use_judged};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use smtp_endpoint::FromAddress;

#[component]
pub fn TestEmail() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_state();
    let judged = use_judged();
    let to = RwSignal::new(String::new());
    let progress = Progress::<TestEmailResult>::default();
    let Progress { running, result, trouble, .. } = progress;
    let outdated = progress.outdated(state.form);
    // The recipient is judged by the address rules the server applies to it (those of the from address), as it is
    // typed; the server's own refusal lands in the same place.
    let recipient_problem = Memo::new(move |_| {
        let local = to.with(|to| {
            let to = to.trim();
            if to.is_empty() { None } else { FromAddress::parse(to).err().map(|problem| problem.message(i18n.get())) }
        });
        local.or_else(|| match trouble.get() {
            Some(Trouble::Recipient(message)) => Some(message),
            _ => None,
        })
    });

    let send = move |ev: SubmitEvent| {
        ev.prevent_default();
        let recipient = to.get_untracked().trim().to_owned();
        if running.get_untracked() || recipient.is_empty() {
            return;
        }
        let locale = i18n.locale.get_untracked();
        let draft = draft(state.form, locale);
        let request = async move { api::test_email(&draft, &recipient, locale).await };
        run_request(progress, state, judged, request);
    };

    view! {
        <section class="card test-email" aria-labelledby="test-title" aria-busy=move || running.get().to_string()>
            <h2 id="test-title">{tr(|t| t.test_title)}</h2>
            <p class="hint">{tr(|t| t.unsaved_values)}</p>
            <form id="test-email" on:submit=send novalidate>
                <div class="field">
                    <label for="test-recipient">{tr(|t| t.recipient)}</label>
                    <input
                        id="test-recipient"
                        type="email"
                        autocomplete="email"
                        required
                        aria-invalid=move || recipient_problem.with(Option::is_some).to_string()
                        aria-describedby="test-recipient-messages"
                        prop:value=move || to.get()
                        on:input=move |ev| {
                            to.set(event_target_value(&ev));
                            if matches!(trouble.get_untracked(), Some(Trouble::Recipient(_))) {
                                trouble.set(None);
                            }
                        }
                    />
                    <ul class="messages" id="test-recipient-messages" aria-live="polite">
                        {move || recipient_problem.get().map(|message| view! {
                            <li class="error" data-code="recipient.invalid">
                                <span class="message">{message}</span>
                            </li>
                        })}
                    </ul>
                </div>
                <button
                    type="submit"
                    id="send-test"
                    disabled=move || {
                        running.get()
                            || judged.has_errors()
                            || to.with(|t| t.trim().is_empty())
                            || recipient_problem.with(Option::is_some)
                    }
                >
                    {tr(|t| t.send_test)}
                </button>
            </form>
            <div id="test-status" role="status">
                {move || running.get().then(|| view! {
                    <p class="progress"><span class="spinner" aria-hidden="true"></span>{tr(|t| t.sending)}</p>
                })}
                {move || {
                    trouble
                        .get()
                        .filter(|t| !matches!(t, Trouble::Recipient(_)))
                        .map(|t| view! { <p class="error">{t.words(i18n.text())}</p> })
                }}
                {move || {
                    result.get().map(|r| {
                        let t = i18n.text();
                        if r.ok {
                            let reply = r.reply.unwrap_or_default();
                            let ms = r.duration_ms.map(|ms| format!(" ({ms} ms)")).unwrap_or_default();
                            view! {
                                <div class="ok" id="test-sent">
                                    <p>{t.sent} ": " <code>{reply}</code> {ms}</p>
                                    {r.message_id.map(|id| view! { <p class="hint">{t.message_id} ": " <code>{id}</code></p> })}
                                </div>
                            }
                            .into_any()
                        } else {
                            view! {
                                <p class="error" id="test-failed">{t.not_sent}</p>
                                {r.diagnosis.map(|d| view! { <DiagnosisView diagnosis=d id="test-diagnosis" /> })}
                            }
                            .into_any()
                        }
                    })
                }}
            </div>
            {move || outdated.get().then(|| view! { <p class="notice" id="test-outdated">{tr(|t| t.result_outdated)}</p> })}
        </section>
    }
}
