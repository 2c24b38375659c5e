//! "Send test email": a real message from the default from address to any recipient, with the form's values
//! (saved or not); shows the server's reply, or what the failed attempt did as a check shows it (steps, diagnosis,
//! certificate, transcript).

use crate::api::{self, TestEmailResult};
use crate::app::use_state;
use crate::i18n::{fill, tr, use_i18n};
use crate::probe::{Blocked, ProbeReport, Progress, TEST_IDS, blocker, failure_line, run_request, trouble_line};
use crate::recipient::{Recipient, RecipientField};
use crate::refocus_or;
use crate::settings::{draft, use_judged};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

#[component]
pub fn TestEmail() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_state();
    let judged = use_judged();
    let progress = Progress::<TestEmailResult>::default();
    let Progress { running, result, trouble, .. } = progress;
    let outdated = progress.outdated(state.form);
    let to = Recipient::new(state.test_to, trouble);
    let status_trouble = progress.status_trouble();

    // Whom the shown result was sent to: the field may hold another recipient by now.
    let sent_to = StoredValue::new(String::new());
    let send = move |ev: SubmitEvent| {
        ev.prevent_default();
        let recipient = to.typed();
        if running.get_untracked() || recipient.is_empty() {
            return;
        }
        sent_to.set_value(recipient.clone());
        let locale = i18n.locale.get_untracked();
        let draft = draft(state.form, locale);
        let signal = progress.abort_signal();
        let request = async move { api::test_email(&draft, &recipient, locale, signal.as_ref()).await };
        run_request(progress, state, judged, request, ["send-test", "test-recipient", "test-cancel"]);
    };
    let cancel = move |_| {
        progress.cancel();
        refocus_or("send-test", blocker(judged, "test-recipient"));
    };

    view! {
        <section class="card" aria-labelledby="test-title">
            <h2 id="test-title">{tr(|t| t.test_title)}</h2>
            <p class="hint">{tr(|t| t.unsaved_values)}</p>
            <form id="test-email" on:submit=send novalidate>
                <RecipientField id="test-recipient" recipient=to label=|t| t.recipient optional=false />
                <button
                    type="submit"
                    id="send-test"
                    aria-describedby=move || judged.has_errors().then_some("test-blocked")
                    disabled=move || {
                        running.get()
                            || judged.has_errors()
                            || to.text.with(|t| t.trim().is_empty())
                            || to.has_problem()
                    }
                >
                    {tr(|t| t.send_test)}
                </button>
                <Blocked id="test-blocked" />
                // Outside the live region, so that its label is not read out with the progress.
                {move || running.get().then(|| view! {
                    " "
                    <button type="button" id="test-cancel" on:click=cancel>
                        {tr(|t| t.cancel)}
                    </button>
                })}
            </form>
            <div id="test-status" role="status">
                {move || running.get().then(|| view! {
                    <p class="progress"><span class="spinner" aria-hidden="true"></span>{tr(|t| t.sending)}</p>
                })}
                // A message the server had accepted before the cancel may still arrive: its words say so.
                {move || status_trouble.get().map(|trouble| trouble_line(trouble, i18n.text(), |t| t.test_cancelled))}
                {move || {
                    result.get().map(|r| {
                        let t = i18n.text();
                        if r.ok {
                            let reply = r.reply.unwrap_or_default();
                            let ms = r.duration_ms.map(|ms| format!(" ({ms} ms)")).unwrap_or_default();
                            view! {
                                <div class="ok" id="test-sent">
                                    <p>{fill(t.sent, sent_to.get_value())} ": " <code>{reply}</code> {ms}</p>
                                    {r.message_id.map(|id| view! { <p class="hint">{t.message_id} ": " <code>{id}</code></p> })}
                                </div>
                            }
                            .into_any()
                        } else {
                            let line = failure_line(t.not_sent, r.failed.as_ref(), i18n.get());
                            view! { <p class="error" id="test-failed">{line}</p> }.into_any()
                        }
                    })
                }}
            </div>
            {move || outdated.get().then(|| view! { <p class="notice" id="test-outdated">{tr(|t| t.result_outdated)}</p> })}
            // Outside the live region, as the check's: steps and transcript are not read out.
            {move || result.get().and_then(|r| r.failed).map(|f| view! { <ProbeReport result=f ids=&TEST_IDS /> })}
        </section>
    }
}
