//! "Verify connection": the server's staged probe of the form's values (saved or not), shown as a timeline
//! with the diagnosis and its remedy, the certificate, and the SMTP transcript folded away.

use crate::api::{self, Certificate, Diagnosis, ProbeResult, StepStatus};
use crate::app::{Form, State, use_state};
use crate::i18n::{Text, fill, step_name, tr, use_i18n, wait};
use crate::recipient::{Recipient, RecipientField};
use crate::settings::{Judged, draft, use_judged};
use crate::{focus, focus_soon, has_focus, refocus_or};
use leptos::prelude::*;
use leptos::task::spawn_local;
use smtp_endpoint::{DiagnosisCode, Field, Locale, SmtpUri, StepNote};

/// What a request ended with, other than its own result: a probe, a test email, a save, a sign-in, the session
/// check, or loading what is stored or the history.
#[derive(Debug, Clone, PartialEq)]
pub enum Trouble {
    /// The form's values were refused; the messages are under the fields.
    Refused,
    /// The values sent were refused, but the form was edited meanwhile: the messages are of values it no longer
    /// holds, and go nowhere; the status says so.
    RefusedEdited,
    /// Too many requests; how long to wait, when the server said.
    RateLimited(Option<api::Wait>),
    Unreachable,
    /// A proxy in front of the server answered (502, 503, 504 with its own page): the server is not there.
    Gateway(u16),
    /// The server's database is held by another program (`store.busy`), or its disk is full (`store.full`).
    StoreBusy,
    StoreFull,
    /// The admin stopped waiting for the answer.
    Cancelled,
    /// The server refused the recipient (`recipient.invalid`), in its words.
    Recipient(String),
    Other(String),
}

impl Trouble {
    /// What went wrong with a request, when nothing was refused nor rate-limited: unreachable, or unexpected.
    pub fn of_error(e: &api::Error) -> Trouble {
        match e {
            api::Error::Fetch(_) => Trouble::Unreachable,
            // This server never answers these itself; its own errors are JSON.
            api::Error::Api(api::ApiError { status: status @ 502..=504, body: api::ApiBody::Other(_), .. }) => {
                Trouble::Gateway(*status)
            }
            api::Error::Api(api::ApiError { body: api::ApiBody::Error { code, .. }, .. }) if code == "store.busy" => {
                Trouble::StoreBusy
            }
            api::Error::Api(api::ApiError { body: api::ApiBody::Error { code, .. }, .. }) if code == "store.full" => {
                Trouble::StoreFull
            }
            e => Trouble::Other(e.detail()),
        }
    }

    /// Whether the section's status says it. A refused recipient is said under its field, and a refused draft beside the button (`Blocked`, as the
    /// refusal lands under the fields): neither again in the status.
    pub fn shown_in_status(&self) -> bool {
        !matches!(self, Trouble::Recipient(_) | Trouble::Refused)
    }

    pub fn words(&self, t: &Text) -> String {
        match self {
            Trouble::Refused => t.server_refused.to_owned(),
            Trouble::RefusedEdited => t.refused_edited.to_owned(),
            Trouble::RateLimited(None) => t.too_many_checks.to_owned(),
            Trouble::RateLimited(Some(w)) => fill(t.try_again_in, wait(t, *w)),
            Trouble::Unreachable => t.unreachable.to_owned(),
            Trouble::Gateway(status) => fill(t.gateway, status),
            Trouble::StoreBusy => t.store_busy.to_owned(),
            Trouble::StoreFull => t.store_full.to_owned(),
            Trouble::Cancelled => t.cancelled.to_owned(),
            Trouble::Recipient(message) => message.clone(),
            Trouble::Other(detail) => format!("{}: {detail}", t.unexpected),
        }
    }
}

/// Sorts an error of the probe or test-email call sent at edit count `sent`; a 401 sends the admin back to the
/// login form.
pub fn trouble_of(e: api::Error, state: State, judged: Judged, sent: u32) -> Option<Trouble> {
    match e {
        e if e.is_unauthorized() => {
            state.session_lost();
            None
        }
        api::Error::Api(api::ApiError { status: 422, body: api::ApiBody::Error { code, message }, .. })
            if code == "recipient.invalid" =>
        {
            Some(Trouble::Recipient(message))
        }
        api::Error::Api(e) if e.status == 422 && judged.take_refusal(&e.body, sent) => Some(judged.refusal(sent)),
        api::Error::Api(e) if e.status == 429 => Some(Trouble::RateLimited(e.retry_after)),
        e => Some(Trouble::of_error(&e)),
    }
}

/// The form's values a check ran with, to tell whether the form holds others by now. Of a typed password only a
/// fingerprint: once saved, the page holds no password.
#[derive(Clone, Default, PartialEq)]
pub struct RanWith {
    uri: String,
    username: String,
    from: String,
    custom_ca: String,
    remove_password: bool,
    password: u64,
}

impl RanWith {
    pub fn of(form: Form) -> RanWith {
        RanWith {
            uri: form.uri.with_untracked(|v| normal_uri(v)),
            username: form.username.with_untracked(|v| v.trim().to_owned()),
            from: form.from.with_untracked(|v| v.trim().to_owned()),
            custom_ca: form.custom_ca.with_untracked(|v| v.trim().to_owned()),
            remove_password: form.remove_password.get_untracked(),
            password: form.password.with_untracked(|v| fingerprint(v)),
        }
    }

    /// Whether `form` (tracked) holds other values now, compared as the server stores them (a saved form shows
    /// the normalised URI). A password field emptied since does not count: saving empties it, and the password
    /// typed is then the stored one.
    pub fn differs_from(&self, form: Form) -> bool {
        form.uri.with(|v| normal_uri(v) != self.uri)
            || form.username.with(|v| v.trim() != self.username)
            || form.from.with(|v| v.trim() != self.from)
            || form.custom_ca.with(|v| v.trim() != self.custom_ca)
            || form.remove_password.get() != self.remove_password
            || form.password.with(|v| !v.is_empty() && fingerprint(v) != self.password)
    }
}

/// FNV-1a: tells typed passwords apart without keeping them.
fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// A URI as the server stores it (`smtp://MAIL.example.com:25` → `smtp://mail.example.com`); as typed when invalid.
fn normal_uri(typed: &str) -> String {
    SmtpUri::parse(typed).map_or_else(|_| typed.trim().to_owned(), |uri| uri.to_string())
}

/// The signals of a section that runs one request at a time: busy, its answer, or what went wrong.
pub struct Progress<T: Send + Sync + 'static> {
    pub running: RwSignal<bool>,
    pub result: RwSignal<Option<T>>,
    pub trouble: RwSignal<Option<Trouble>>,
    /// Counts the requests started (and cancelled): only the latest request's answer is shown.
    runs: StoredValue<u32>,
    /// The values the latest request ran with.
    ran_with: StoredValue<RanWith>,
    /// Aborts the latest request: the server then stops its SMTP work and closes the connection.
    abort: StoredValue<Option<web_sys::AbortController>, LocalStorage>,
}

impl<T: Send + Sync + 'static> Clone for Progress<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Progress<T> {}

impl<T: Send + Sync + 'static> Default for Progress<T> {
    /// A section's progress, whose request ends with the view that shows it (signing out, an expired session):
    /// the server then stops its SMTP work, as after Cancel.
    fn default() -> Self {
        let progress = Progress {
            running: RwSignal::new(false),
            result: RwSignal::new(None),
            trouble: RwSignal::new(None),
            runs: StoredValue::new(0),
            ran_with: StoredValue::new(RanWith::default()),
            abort: StoredValue::new_local(None),
        };
        on_cleanup(move || {
            progress.abort.try_with_value(|controller| controller.as_ref().map(web_sys::AbortController::abort));
        });
        progress
    }
}

impl<T: Send + Sync + 'static> Progress<T> {
    /// Whether an answer is shown and the form holds other values than those it was for (tracked); a memo, so
    /// a keystroke redraws nothing unless this flips.
    pub fn outdated(self, form: Form) -> Memo<bool> {
        Memo::new(move |_| self.result.with(Option::is_some) && self.ran_with.with_value(|r| r.differs_from(form)))
    }

    /// The trouble to show in the section's status (tracked): not a refusal, which is said where it lands (see
    /// [`Trouble::shown_in_status`]).
    pub fn status_trouble(self) -> Memo<Option<Trouble>> {
        Memo::new(move |_| self.trouble.get().filter(Trouble::shown_in_status))
    }

    /// The signal that [`Progress::cancel`] aborts, for the request about to start.
    pub fn abort_signal(self) -> Option<web_sys::AbortSignal> {
        let controller = web_sys::AbortController::new().ok();
        let signal = controller.as_ref().map(web_sys::AbortController::signal);
        self.abort.set_value(controller);
        signal
    }

    /// Stops the running request (the server stops its SMTP work) and waiting for it: its answer, whenever it
    /// comes, is not shown.
    pub fn cancel(self) {
        if !self.running.get_untracked() {
            return;
        }
        self.abort.with_value(|controller| controller.as_ref().map(web_sys::AbortController::abort));
        self.runs.update_value(|n| *n += 1);
        self.running.set(false);
        self.trouble.set(Some(Trouble::Cancelled));
    }
}

/// Runs a probe or test-email request and shows its outcome in the section's signals. `button` started it and is
/// disabled while it runs: if it had the keyboard, the keyboard goes to `cancel` meanwhile, and back to `button`
/// when the answer comes (unless something else took it) — or, when the answer keeps the button disabled, to what
/// keeps it so ([`blocker`]).
pub fn run_request<T: Send + Sync + 'static>(
    progress: Progress<T>,
    state: State,
    judged: Judged,
    request: impl Future<Output = Result<T, api::Error>> + 'static,
    [button, field, cancel]: [&'static str; 3],
) {
    let Progress { running, result, trouble, runs, ran_with, .. } = progress;
    let had_keyboard = has_focus(button);
    ran_with.set_value(RanWith::of(state.form));
    let sent = judged.edits.get_untracked();
    running.set(true);
    result.set(None);
    trouble.set(None);
    runs.update_value(|n| *n += 1);
    let run = runs.get_value();
    if had_keyboard {
        // Nobody moves the keyboard within the frame in which the button it was on is disabled.
        focus_soon(cancel);
    }
    spawn_local(async move {
        let answer = request.await;
        // Cancelled, or the section is gone (signed out meanwhile): nobody waits for this answer any more.
        if runs.try_get_value() != Some(run) {
            return;
        }
        running.try_set(false);
        match answer {
            Ok(r) => {
                result.try_set(Some(r));
            }
            Err(e) => {
                let Some(t) = trouble_of(e, state, judged, sent) else { return };
                // "Try again in 7 s" would be wrong once the 7 s are over: it goes then, unless another request
                // came meanwhile.
                if let Trouble::RateLimited(Some(wait)) = t {
                    let over = move || {
                        if runs.try_get_value() == Some(run) {
                            trouble.try_set(None);
                        }
                    };
                    set_timeout(over, wait.timer());
                }
                trouble.try_set(Some(t));
            }
        }
        if had_keyboard {
            refocus_or(button, blocker(judged, field));
        }
    });
}

/// What keeps a check's or a test email's start button disabled, to give the keyboard to: the form's first
/// refused field (the server's refusal of a draft, or what was typed while it ran), else the section's
/// recipient `field`.
pub fn blocker(judged: Judged, field: &'static str) -> &'static str {
    judged.first_invalid().map_or(field, Field::as_str)
}

/// A section's trouble in its status: a cancel as a hint, in the section's own words (`cancelled`), anything else
/// as an error.
pub fn trouble_line(trouble: Trouble, t: &Text, cancelled: fn(&Text) -> &'static str) -> impl IntoView {
    let (class, words) = match trouble {
        Trouble::Cancelled => ("hint", cancelled(t).to_owned()),
        other => ("error", other.words(t)),
    };
    view! { <p class=class>{words}</p> }
}

/// Why a check or a test email cannot start: the form's errors (said once, beside the button they disable).
#[component]
pub fn Blocked(id: &'static str) -> impl IntoView {
    let judged = use_judged();
    let i18n = use_i18n();
    move || {
        judged
            .has_errors()
            .then(|| view! { <p class="hint" id=id>{move || judged.blocked(i18n.text().fix_first, i18n.text())}</p> })
    }
}

#[component]
pub fn Probe() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_state();
    let judged = use_judged();
    let progress = Progress::<ProbeResult>::default();
    let Progress { running, result, trouble, .. } = progress;
    let outdated = progress.outdated(state.form);
    let status_trouble = progress.status_trouble();
    let recipient = Recipient::new(state.check_to, trouble);

    // A form, so that Enter in the recipient field starts the check as the button does.
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if running.get_untracked() {
            return;
        }
        let to = recipient.typed();
        let locale = i18n.locale.get_untracked();
        let draft = draft(state.form, locale);
        let signal = progress.abort_signal();
        let request = async move {
            let to = (!to.is_empty()).then_some(to.as_str());
            api::probe(&draft, to, locale, signal.as_ref()).await
        };
        run_request(progress, state, judged, request, ["verify", "probe-recipient", "probe-cancel"]);
    };
    let cancel = move |_| {
        progress.cancel();
        // The button that had the keyboard is gone; give it to the one that starts a new check (or to what
        // keeps that one disabled).
        refocus_or("verify", blocker(judged, "probe-recipient"));
    };

    view! {
        <section class="card" aria-labelledby="probe-title">
            <h2 id="probe-title">{tr(|t| t.verify_title)}</h2>
            <p class="hint">{tr(|t| t.unsaved_values)}</p>
            <form id="probe-form" on:submit=run novalidate>
                <RecipientField id="probe-recipient" recipient label=|t| t.check_recipient optional=true />
                <button
                    type="submit"
                    id="verify"
                    aria-describedby=move || judged.has_errors().then_some("probe-blocked")
                    disabled=move || running.get() || judged.has_errors() || recipient.has_problem()
                >
                    {tr(|t| t.verify)}
                </button>
                <Blocked id="probe-blocked" />
                // Outside the live region, so that its label is not read out with the progress.
                {move || running.get().then(|| view! {
                    " "
                    <button type="button" id="probe-cancel" on:click=cancel>
                        {tr(|t| t.cancel)}
                    </button>
                })}
            </form>
            <div id="probe-status" role="status">
                {move || running.get().then(|| view! {
                    <p class="progress"><span class="spinner" aria-hidden="true"></span>{tr(|t| t.verifying)}</p>
                })}
                {move || status_trouble.get().map(|trouble| trouble_line(trouble, i18n.text(), |t| t.cancelled))}
                {move || {
                    result.get().map(|r| {
                        let t = i18n.text();
                        view! {
                            <p class=if r.ok { "ok" } else { "error" } id="probe-verdict">
                                {if r.ok { passed_line(&r, t) } else { failure_line(t.probe_failed, Some(&r), i18n.get()) }}
                            </p>
                        }
                    })
                }}
            </div>
            {move || outdated.get().then(|| view! { <p class="notice" id="probe-outdated">{tr(|t| t.result_outdated)}</p> })}
            {move || result.get().map(|r| view! { <ProbeReport result=r ids=&PROBE_IDS /> })}
        </section>
    }
}

/// A passed check's verdict, which says so when the connection stayed unencrypted (the server offers no STARTTLS
/// and the URI allows that): only its step said it before, far below.
fn passed_line(result: &ProbeResult, t: &Text) -> String {
    let mut line = t.probe_ok.to_owned();
    if result.steps.iter().any(|s| matches!(s.note, Some(api::Note::Known(StepNote::StarttlsNotOffered, _)))) {
        line.push(' ');
        line.push_str(t.probe_unencrypted);
    }
    line
}

/// The element ids of a [`ProbeReport`]: the check's, or a failed test email's.
pub struct ReportIds {
    steps: &'static str,
    diagnosis: &'static str,
    certificate: &'static str,
    transcript: &'static str,
}

pub const PROBE_IDS: ReportIds = ReportIds {
    steps: "probe-steps",
    diagnosis: "probe-diagnosis",
    certificate: "probe-certificate",
    transcript: "probe-transcript",
};

pub const TEST_IDS: ReportIds = ReportIds {
    steps: "test-steps",
    diagnosis: "test-diagnosis",
    certificate: "test-certificate",
    transcript: "test-transcript",
};

/// A check's result, or a failed test email's: the steps, the diagnosis, the certificate, the transcript.
#[component]
pub fn ProbeReport(result: ProbeResult, ids: &'static ReportIds) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.text();
    let steps = result.steps.clone();
    let ProbeResult { diagnosis, certificate, transcript, .. } = result;
    view! {
        <ol class="timeline" id=ids.steps>
            {steps
                .into_iter()
                .map(|step| {
                    let status = match step.status {
                        StepStatus::Ok => "ok",
                        StepStatus::Failed => "failed",
                        StepStatus::Skipped => "skipped",
                    };
                    let name = step.step.clone();
                    let note = step.note.clone();
                    view! {
                        <li class=format!("step {status}") data-step=step.step.clone() data-status=status>
                            <span class="step-name">{move || step_name(&name, i18n.get())}</span>
                            <span class="step-status">
                                {move || match step.status {
                                    StepStatus::Ok => t().step_ok,
                                    StepStatus::Failed => t().step_failed,
                                    StepStatus::Skipped => t().step_skipped,
                                }}
                            </span>
                            // A step that did not run took no time worth showing.
                            <span class="step-time">
                                {step
                                    .duration_ms
                                    .filter(|_| step.status != StepStatus::Skipped)
                                    .map(|ms| format!("{ms} ms"))}
                            </span>
                            // A failed step's note is the diagnosis's, shown with it below.
                            {note
                                .filter(|_| step.status != StepStatus::Failed)
                                .map(|note| {
                                    view! {
                                        <span class="step-note">{move || note.text(i18n.get())}</span>
                                    }
                                })}
                            {step.reply.clone().map(|reply| view! { <code class="step-reply">{reply}</code> })}
                        </li>
                    }
                })
                .collect_view()}
        </ol>
        {diagnosis.map(|d| view! { <DiagnosisView diagnosis=d id=ids.diagnosis /> })}
        {certificate.map(|c| view! { <CertificateView certificate=c id=ids.certificate /> })}
        {(!transcript.is_empty())
            .then(|| {
                view! {
                    <details class="transcript" id=ids.transcript>
                        <summary>{tr(|t| t.transcript)}</summary>
                        <pre>{transcript.join("\n")}</pre>
                    </details>
                }
            })}
    }
}

/// A failed result's line in its section's live region: the section's words and the diagnosis's, so that a screen
/// reader hears why (the report below it is not read out).
pub fn failure_line(words: &str, result: Option<&ProbeResult>, locale: Locale) -> String {
    match result.and_then(|r| r.diagnosis.as_ref()) {
        Some(d) => format!("{words} {}", diagnosis_message(d, locale)),
        None => words.to_owned(),
    }
}

/// A known code is put into words by the core crate's catalogue, so it follows the language switch; an unknown one
/// keeps the server's words.
fn diagnosis_message(d: &Diagnosis, locale: Locale) -> String {
    DiagnosisCode::from_code(&d.code).map_or_else(|| d.message.clone(), |c| c.message(locale).to_owned())
}

#[component]
fn DiagnosisView(diagnosis: Diagnosis, id: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let judged = use_judged();
    let shown = diagnosis.clone();
    let message = move || diagnosis_message(&shown, i18n.get());
    let Diagnosis { code, step, remedy, reply, detail, suggestion, .. } = diagnosis;
    let known = DiagnosisCode::from_code(&code);
    let remedy = move || known.map_or_else(|| remedy.clone(), |c| c.remedy(i18n.get()).to_owned());
    let data_code = code.clone();
    view! {
        <div class="diagnosis" id=id data-code=data_code>
            <h3>
                {tr(|t| t.diagnosis)}
                {step.map(|s| view! { " · " {move || step_name(&s, i18n.get())} })}
            </h3>
            <p class="diagnosis-message">{message}</p>
            <p class="remedy">
                <strong>{tr(|t| t.remedy)} ": "</strong>
                {remedy}
            </p>
            {suggestion
                .map(|uri| {
                    let label = uri.clone();
                    view! {
                        <p>
                            <button
                                type="button"
                                class="apply-suggestion"
                                on:click=move |_| {
                                    judged.put(Field::Uri, uri.clone());
                                    // Next to type: the password again, when the stored one stays behind.
                                    let next = if judged.reentry.get_untracked() { Field::Password } else { Field::Uri };
                                    focus(next.as_str());
                                }
                            >
                                {tr(|t| t.use_suggestion)}
                                " "
                                <code>{label}</code>
                            </button>
                        </p>
                    }
                })}
            // The remedy names the CA field, which is folded away on most pages.
            {(known == Some(DiagnosisCode::TlsCertificateUntrusted)).then(|| view! {
                <p>
                    <button type="button" class="apply-suggestion open-ca" on:click=|_| focus("custom_ca_pem")>
                        {tr(|t| t.open_custom_ca)}
                    </button>
                </p>
            })}
            {reply
                .map(|reply| {
                    view! {
                        <p>
                            <strong>{tr(|t| t.server_reply)} ": "</strong>
                            <code>{reply}</code>
                        </p>
                    }
                })}
            {detail.map(|detail| view! { <p class="hint detail">{move || detail.text(i18n.get())}</p> })}
            <p>
                <code>{code}</code>
            </p>
        </div>
    }
}

#[component]
fn CertificateView(certificate: Certificate, id: &'static str) -> impl IntoView {
    let Certificate { subject, issuer, not_after, sha256, names, verified } = certificate;
    let i18n = use_i18n();
    let not_after = move || crate::local_time(&not_after, i18n.get());
    view! {
        <details class="certificate" id=id open>
            <summary>{tr(|t| t.certificate)}</summary>
            <dl>
                <dt>{tr(|t| t.subject)}</dt>
                <dd>{subject}</dd>
                <dt>{tr(|t| t.issuer)}</dt>
                <dd>{issuer}</dd>
                <dt>{tr(|t| t.valid_for)}</dt>
                <dd class="names">{names.join(", ")}</dd>
                <dt>{tr(|t| t.expires)}</dt>
                <dd>{not_after}</dd>
                <dt>{tr(|t| t.trusted)}</dt>
                <dd class="trust" data-verified=verified.to_string()>
                    {tr(if verified { |t| t.trusted_yes } else { |t| t.trusted_no })}
                </dd>
                <dt>{tr(|t| t.fingerprint)}</dt>
                <dd>
                    <code>{sha256}</code>
                </dd>
            </dl>
        </details>
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::api::{ApiBody, ApiError, Note, Step};
    use crate::app::Auth;
    use crate::i18n::text;
    use crate::testing::{mount, settle};
    use smtp_endpoint::{Code, Field, Issue, Report, StepNote};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn step(name: &str, status: StepStatus, reply: Option<&str>) -> Step {
        Step { step: name.into(), status, duration_ms: Some(12), reply: reply.map(Into::into), note: None }
    }

    fn untrusted_tls() -> ProbeResult {
        ProbeResult {
            ok: false,
            steps: vec![
                step("resolve", StepStatus::Ok, None),
                Step {
                    note: Some(Note::Known(StepNote::Connected, "10.0.0.5:465".into())),
                    ..step("connect", StepStatus::Ok, None)
                },
                step("tls", StepStatus::Failed, None),
                Step {
                    note: Some(Note::Known(StepNote::NotReached, String::new())),
                    ..step("ehlo", StepStatus::Skipped, None)
                },
                Step {
                    note: Some(Note::Server("server's own note".into())),
                    ..step("quit", StepStatus::Skipped, None)
                },
            ],
            diagnosis: Some(Diagnosis {
                code: "tls.certificate_untrusted".into(),
                step: Some("tls".into()),
                message: "server words".into(),
                remedy: "server remedy".into(),
                reply: None,
                detail: Some(Note::Server("invalid peer certificate: UnknownIssuer".into())),
                suggestion: Some("smtps://relay.internal:465".into()),
            }),
            certificate: Some(Certificate {
                subject: "CN=relay.internal".into(),
                issuer: "CN=Internal CA".into(),
                not_after: "2031-01-02T03:04:05Z".into(),
                sha256: "AB:CD".into(),
                names: vec!["relay.internal".into(), "10.0.0.5".into()],
                verified: false,
            }),
            transcript: vec!["S: 220 relay.internal".into(), "C: QUIT".into()],
        }
    }

    #[wasm_bindgen_test]
    async fn a_failed_probe_shows_every_step_the_diagnosis_the_certificate_and_folds_the_transcript() {
        let page = mount(
            |_, _| (),
            || {
                view! {
                    <ProbeReport result=untrusted_tls() ids=&PROBE_IDS />
                    <input id="uri" />
                    <input id="password" />
                    <details class="custom-ca">
                        <textarea id="custom_ca_pem"></textarea>
                    </details>
                }
            },
        );
        let statuses: Vec<_> =
            page.all("#probe-steps li").iter().map(|li| li.get_attribute("data-status").unwrap()).collect();
        assert_eq!(statuses, ["ok", "ok", "failed", "skipped", "skipped"]);
        assert_eq!(page.text("li[data-step=tls] .step-name"), "TLS handshake");
        assert_eq!(page.text("li[data-step=tls] .step-status"), text(Locale::En).step_failed);
        assert_eq!(page.text("li[data-step=tls] .step-time"), "12 ms");
        assert_eq!(page.text("li[data-step=ehlo] .step-time"), "", "a step that did not run shows no time");
        assert_eq!(page.text("li[data-step=connect] .step-note"), "connected to 10.0.0.5:465");
        assert_eq!(page.text("li[data-step=ehlo] .step-note"), "not reached");
        assert_eq!(page.text("li[data-step=quit] .step-note"), "server's own note", "a note this page does not know");
        assert!(page.all("li[data-step=tls] .step-note").is_empty());

        // A known code is put into words by the core crate's catalogue, not the server's.
        let code = DiagnosisCode::TlsCertificateUntrusted;
        assert_eq!(page.attr("#probe-diagnosis", "data-code").as_deref(), Some("tls.certificate_untrusted"));
        assert_eq!(page.text("#probe-diagnosis .diagnosis-message"), code.message(Locale::En));
        assert!(page.text("#probe-diagnosis .remedy").ends_with(code.remedy(Locale::En)));
        assert!(page.text("#probe-diagnosis").contains("UnknownIssuer"));

        let certificate = page.text("#probe-certificate dl");
        for part in ["CN=relay.internal", "CN=Internal CA", "AB:CD", "2031"] {
            assert!(certificate.contains(part), "{part} missing from {certificate}");
        }
        assert_eq!(page.text("#probe-certificate .names"), "relay.internal, 10.0.0.5");
        assert_eq!(page.text("#probe-certificate .trust"), text(Locale::En).trusted_no);
        assert!(page.one("#probe-transcript").get_attribute("open").is_none(), "the transcript is folded away");
        assert!(page.text("#probe-transcript pre").contains("S: 220 relay.internal\nC: QUIT"));

        // The suggestion goes into the form's URI in one click.
        page.click("#probe-diagnosis .apply-suggestion");
        assert_eq!(page.state.form.uri.get_untracked(), "smtps://relay.internal:465");
        assert!(page.state.form.dirty.get_untracked());
        assert!(has_focus("uri"), "the keyboard on the URI it put there");
        // A stored password stays behind on another port: the keyboard goes to the password, to type it again.
        let stored = api::Stored {
            uri: Some("smtp://relay.internal:587".into()),
            username: Some("mailer".into()),
            password_set: true,
            configured: true,
            ..api::Stored::default()
        };
        page.state.form.load(&stored);
        page.state.stored.set(Some(stored));
        page.click("#probe-diagnosis .apply-suggestion");
        assert_eq!(page.state.form.uri.get_untracked(), "smtps://relay.internal:465");
        assert!(has_focus("password"));
        // The remedy names the CA field, folded away: one click opens it and takes the keyboard there.
        assert_eq!(page.text("#probe-diagnosis .open-ca"), text(Locale::En).open_custom_ca);
        page.click("#probe-diagnosis .open-ca");
        assert!(page.one("details.custom-ca").get_attribute("open").is_some());
        assert!(has_focus("custom_ca_pem"));

        // The diagnosis and the steps follow the language switch.
        page.i18n.set(Locale::De);
        settle().await;
        assert_ne!(code.message(Locale::De), code.message(Locale::En));
        assert_eq!(page.text("#probe-diagnosis .diagnosis-message"), code.message(Locale::De));
        assert_eq!(page.text("li[data-step=tls] .step-name"), "TLS-Handshake");
        assert_eq!(page.text("li[data-step=tls] .step-status"), text(Locale::De).step_failed);
        assert_eq!(page.text("li[data-step=connect] .step-note"), "verbunden mit 10.0.0.5:465");
        assert_eq!(page.text("li[data-step=ehlo] .step-note"), "nicht erreicht");
        assert_eq!(page.text("li[data-step=quit] .step-note"), "server's own note");
        assert_eq!(page.text("#probe-certificate .trust"), text(Locale::De).trusted_no);
    }

    /// The server's own answer for an untrusted certificate (the example its tests keep), as the admin sees it.
    #[wasm_bindgen_test]
    fn the_servers_answer_for_an_untrusted_certificate_is_shown_whole() {
        let result: ProbeResult = api::decode(crate::example!("probe-untrusted")).unwrap();
        let page = mount(|_, _| (), move || view! { <ProbeReport result=result ids=&PROBE_IDS /> });
        assert_eq!(page.attr("li[data-step=tls]", "data-status").as_deref(), Some("failed"));
        assert_eq!(page.attr("#probe-diagnosis", "data-code").as_deref(), Some("tls.certificate_untrusted"));
        assert_eq!(page.text("#probe-certificate .names"), "localhost");
        assert_eq!(page.attr("#probe-certificate .trust", "data-verified").as_deref(), Some("false"));
        assert!(page.text("#probe-diagnosis").contains("UnknownIssuer"));
    }

    /// What the client saw when it stopped (here: no reply in time) is said once, under the diagnosis, in the
    /// language shown.
    #[wasm_bindgen_test]
    async fn why_a_step_stopped_is_said_with_the_diagnosis_in_the_language_shown() {
        let no_reply = Note::Known(StepNote::NoReply, "10 s".into());
        let mut result = untrusted_tls();
        result.steps[2].note = Some(no_reply.clone());
        let diagnosis = result.diagnosis.as_mut().unwrap();
        diagnosis.code = "timeout".into();
        diagnosis.detail = Some(no_reply);
        let page = mount(|_, _| (), move || view! { <ProbeReport result=result ids=&PROBE_IDS /> });
        assert_eq!(page.text("#probe-diagnosis .detail"), "no reply within 10 s");
        assert!(page.all("li[data-step=tls] .step-note").is_empty(), "not twice");
        page.i18n.set(Locale::De);
        settle().await;
        assert_eq!(page.text("#probe-diagnosis .detail"), "keine Antwort innerhalb von 10 s");
    }

    #[wasm_bindgen_test]
    async fn a_diagnosis_this_page_does_not_know_keeps_the_servers_words() {
        let mut result = untrusted_tls();
        result.diagnosis.as_mut().unwrap().code = "smtp.something_new".into();
        result.certificate = None;
        result.transcript.clear();
        let page = mount(|_, _| (), move || view! { <ProbeReport result=result ids=&PROBE_IDS /> });
        assert_eq!(page.text("#probe-diagnosis .diagnosis-message"), "server words");
        assert!(page.text("#probe-diagnosis .remedy").ends_with("server remedy"));
        assert!(page.all("#probe-certificate, #probe-transcript").is_empty());
        page.i18n.set(Locale::De);
        settle().await;
        assert_eq!(page.text("#probe-diagnosis .diagnosis-message"), "server words");
    }

    fn api_error(status: u16, body: ApiBody) -> api::Error {
        api::Error::Api(ApiError { status, body, retry_after: None })
    }

    fn error_body(code: &str, message: &str) -> ApiBody {
        ApiBody::Error { code: code.into(), message: message.into() }
    }

    /// A cancelled request's answer, whenever it comes, changes nothing; the next request's answer is shown.
    #[wasm_bindgen_test]
    async fn a_cancelled_requests_answer_is_not_shown() {
        let page = mount(|_, _| (), || ());
        let judged = Judged::new(page.state, page.i18n);
        let progress = Progress::<u32>::default();
        let late = |answer: Result<u32, api::Error>| async move {
            settle().await;
            answer
        };

        run_request(
            progress,
            page.state,
            judged,
            late(Err(api::Error::Fetch("AbortError".into()))),
            ["verify", "probe-recipient", "probe-cancel"],
        );
        assert!(progress.running.get_untracked());
        progress.cancel();
        assert!(!progress.running.get_untracked());
        settle().await;
        settle().await;
        assert_eq!(progress.trouble.get_untracked(), Some(Trouble::Cancelled), "not 'unreachable'");
        assert_eq!(Trouble::Cancelled.words(text(Locale::De)), "Die Prüfung wurde abgebrochen.");

        run_request(progress, page.state, judged, late(Ok(7)), ["verify", "probe-recipient", "probe-cancel"]);
        assert_eq!(progress.trouble.get_untracked(), None);
        settle().await;
        settle().await;
        assert_eq!((progress.running.get_untracked(), progress.result.get_untracked()), (false, Some(7)));
        progress.cancel();
        assert_eq!(progress.trouble.get_untracked(), None, "nothing runs: nothing to cancel");
    }

    /// Signing out takes the view away: its running request is aborted, so the server stops the SMTP work.
    #[wasm_bindgen_test]
    fn a_request_ends_with_its_view() {
        let started = std::rc::Rc::new(std::cell::RefCell::new(None));
        let signal = started.clone();
        let page = mount(|_, _| (), move || *signal.borrow_mut() = Progress::<u32>::default().abort_signal());
        let signal = started.borrow_mut().take().expect("a signal");
        assert!(!signal.aborted());
        drop(page);
        assert!(signal.aborted(), "the request outlived its view");
    }

    #[wasm_bindgen_test]
    fn a_result_knows_when_the_form_holds_other_values() {
        let page = mount(|_, _| (), || ());
        let form = page.state.form;
        form.uri.set("smtp://mail.example.com:587".into());
        form.password.set("typed".into());
        let ran_with = RanWith::of(form);
        assert!(!ran_with.differs_from(form));
        form.uri.set("smtp://mail.example.com:2525".into());
        assert!(ran_with.differs_from(form), "another port");
        form.uri.set(" SMTP://Mail.Example.com:587".into());
        assert!(!ran_with.differs_from(form), "the same values again (as a save shows them)");
        form.password.set(String::new());
        assert!(!ran_with.differs_from(form), "saved: the typed password is the stored one now");
        form.password.set("another".into());
        assert!(ran_with.differs_from(form), "another password typed");
        form.password.set(String::new());
        form.remove_password.set(true);
        assert!(ran_with.differs_from(form), "the stored password to be removed");
    }

    /// A refusal is said where it lands — under the fields, with the reason beside the button — and a refused
    /// recipient under the recipient: not again in the status. Other trouble is.
    #[wasm_bindgen_test]
    fn the_status_says_only_what_is_not_said_elsewhere() {
        let _page = mount(|_, _| (), || ());
        let progress = Progress::<u32>::default();
        let shown = progress.status_trouble();
        progress.trouble.set(Some(Trouble::Refused));
        assert_eq!(shown.get_untracked(), None);
        progress.trouble.set(Some(Trouble::Unreachable));
        assert_eq!(shown.get_untracked(), Some(Trouble::Unreachable), "not about the values: still said");
        progress.trouble.set(Some(Trouble::Recipient("no".into())));
        assert_eq!(shown.get_untracked(), None);
    }

    /// The probe's optional recipient is judged as it is typed, by the rules the server applies to it.
    #[wasm_bindgen_test]
    async fn a_checks_recipient_is_judged_as_it_is_typed() {
        let page = mount(|_, _| (), || view! { <Probe /> });
        let form = page.state.form;
        form.uri.set("smtp://mail.example.com:587".into());
        form.from.set("app@example.com".into());
        settle().await;
        assert_eq!(page.attr("#verify", "disabled"), None, "{page:?}");
        assert!(page.all("#probe-recipient-messages li").is_empty(), "optional: empty is fine");

        page.type_into("#probe-recipient", "ops@example.com, dev@example.com");
        settle().await;
        assert_eq!(page.attr("#probe-recipient", "aria-invalid").as_deref(), Some("true"));
        assert!(page.text("#probe-recipient-messages li.error").starts_with("Only one address is possible here."));
        assert!(page.attr("#verify", "disabled").is_some(), "a check with that recipient would only be refused");

        page.type_into("#probe-recipient", "ops@example.com");
        settle().await;
        assert!(page.all("#probe-recipient-messages li").is_empty());
        assert_eq!(page.attr("#verify", "disabled"), None);
    }

    /// A test email's diagnosis can be at a step a probe does not have: sending the message (DATA).
    #[wasm_bindgen_test]
    async fn every_step_a_diagnosis_names_has_words() {
        let diagnosis = Diagnosis {
            code: "message.rejected".into(),
            step: Some("data".into()),
            message: String::new(),
            remedy: String::new(),
            reply: Some("554 5.6.0 rejected".into()),
            detail: None,
            suggestion: None,
        };
        let page = mount(|_, _| (), move || view! { <DiagnosisView diagnosis id="test-diagnosis" /> });
        assert!(page.text("#test-diagnosis h3").ends_with(" · Message (DATA)"), "{page:?}");
        page.i18n.set(Locale::De);
        settle().await;
        assert!(page.text("#test-diagnosis h3").ends_with(" · Nachricht (DATA)"), "{page:?}");
    }

    #[wasm_bindgen_test]
    fn every_kind_of_failed_request_is_put_into_words() {
        let mut sorted = Vec::new();
        let page = mount(|_, _| (), || ());
        let state = page.state;
        let judged = Judged::new(state, page.i18n);
        let t = text(Locale::En);
        let mut sort = |e: api::Error| {
            let trouble = trouble_of(e, state, judged, judged.edits.get_untracked());
            sorted.push(trouble.as_ref().map(|trouble| trouble.words(t)));
            trouble
        };

        assert_eq!(sort(api::Error::Fetch("TypeError: Failed to fetch".into())), Some(Trouble::Unreachable));
        assert_eq!(
            sort(api_error(429, error_body("rate_limited.test_email", "slow down"))),
            Some(Trouble::RateLimited(None))
        );
        // The time it is over is said by the clock too, so the words stay true while they are shown.
        let at = |clock: &str| {
            let over_at = (js_sys::Date::parse(&format!("2026-11-29T{clock}")) / 1000.0) as u32;
            api::Wait { seconds: 0, over_at }
        };
        let short = api::Wait { seconds: 42, ..at("14:05:30") };
        let waited =
            ApiError { status: 429, body: error_body("smtp.rate_limited", "slow down"), retry_after: Some(short) };
        assert_eq!(sort(api::Error::Api(waited)), Some(Trouble::RateLimited(Some(short))));
        let long = api::Wait { seconds: 601, ..at("14:15:49") };
        assert_eq!(long.timer(), std::time::Duration::from_secs(601));
        let endless = api::Wait::from_now(u64::MAX);
        assert_eq!(endless.timer(), std::time::Duration::from_secs(24 * 86_400), "a browser timer's longest");
        let long_error =
            ApiError { status: 429, body: error_body("smtp.rate_limited", "slow down"), retry_after: Some(long) };
        assert_eq!(sort(api::Error::Api(long_error)), Some(Trouble::RateLimited(Some(long))));
        assert_eq!(
            sort(api_error(422, error_body("recipient.invalid", "Type one address"))),
            Some(Trouble::Recipient("Type one address".into()))
        );
        assert_eq!(
            sort(api_error(500, error_body("internal", "boom"))),
            Some(Trouble::Other("500 internal: boom".into()))
        );
        // A proxy's error page instead of this server's answer: the server is not there, said without the HTML.
        assert_eq!(
            sort(api_error(502, ApiBody::Other("<html>Bad gateway</html>".into()))),
            Some(Trouble::Gateway(502))
        );
        assert_eq!(
            sort(api_error(503, ApiBody::Other("<html>Unavailable</html>".into()))),
            Some(Trouble::Gateway(503))
        );
        assert_eq!(
            sort(api_error(418, ApiBody::Other("<html>teapot</html>".into()))),
            Some(Trouble::Other("418: <html>teapot</html>".into()))
        );
        // The server's database, held by another program or on a full disk: said in the page's words.
        assert_eq!(sort(api_error(503, error_body("store.busy", "busy"))), Some(Trouble::StoreBusy));
        assert_eq!(sort(api_error(507, error_body("store.full", "full"))), Some(Trouble::StoreFull));
        let de = text(Locale::De);
        assert!(
            Trouble::StoreBusy.words(de).starts_with("Die Datenbank des Einstellungsservers wird von einem anderen")
        );
        assert!(Trouble::StoreFull.words(de).starts_with("Der Datenträger des Einstellungsservers ist voll"));

        // A refused form: the messages go under their fields, the status only says to fix them.
        let issue = Issue {
            field: Field::Uri,
            code: Code::UriMissingScheme,
            message: "from the server".into(),
            suggestion: None,
        };
        let refusal = Report { valid: false, errors: vec![issue], warnings: vec![], effective: None, from: None };
        // Edited since the request was sent: the refusal is of other values, and nothing goes under the fields.
        let sent = judged.edits.get_untracked();
        judged.edited();
        let stale = trouble_of(api_error(422, ApiBody::Report(refusal.clone())), state, judged, sent);
        assert_eq!(stale, Some(Trouble::RefusedEdited));
        assert!(stale.is_some_and(|s| s.shown_in_status()), "said in the status, as nothing is under the fields");
        assert_eq!(
            Trouble::RefusedEdited.words(t),
            "The server refused the values sent, which have been changed since. Try again."
        );
        assert!(judged.server.get_untracked().is_empty());
        assert_eq!(sort(api_error(422, ApiBody::Report(refusal))), Some(Trouble::Refused));
        assert_eq!(judged.server.get_untracked().len(), 1);
        assert!(judged.has_errors());

        state.auth.set(Auth::SignedIn("ops".into()));
        assert_eq!(sort(api_error(401, error_body("session.required", "sign in"))), None);
        assert_eq!(
            state.auth.get_untracked(),
            Auth::Expired("ops".into()),
            "a 401 goes back to the login form, which knows who was signed in"
        );
        // Late 401s: a second one leaves the login form as it is, and one after signing out is no expired session.
        assert_eq!(sort(api_error(401, error_body("session.required", "sign in"))), None);
        assert_eq!(state.auth.get_untracked(), Auth::Expired("ops".into()));
        state.auth.set(Auth::SignedOut);
        assert_eq!(sort(api_error(401, error_body("session.required", "sign in"))), None);
        assert_eq!(state.auth.get_untracked(), Auth::SignedOut, "signed out, not \"your session has ended\"");

        assert_eq!(
            sorted,
            [
                Some(t.unreachable.to_owned()),
                Some(t.too_many_checks.to_owned()),
                Some(
                    "Only a few checks and test emails are allowed per minute. Try again in 42 s (until 14:05:30)."
                        .to_owned()
                ),
                Some(
                    "Only a few checks and test emails are allowed per minute. Try again in 11 min (until 14:15:49)."
                        .to_owned()
                ),
                Some("Type one address".to_owned()),
                Some(format!("{}: 500 internal: boom", t.unexpected)),
                Some(fill(t.gateway, 502)),
                Some(fill(t.gateway, 503)),
                Some(format!("{}: 418: <html>teapot</html>", t.unexpected)),
                Some("The settings server's database is held by another program. Try again in a moment.".to_owned()),
                Some(
                    "The disk of the settings server is full, so nothing was saved. Free up space on that server, \
                     then try again."
                        .to_owned()
                ),
                Some(t.server_refused.to_owned()),
                None,
                None,
                None,
            ]
        );
    }
}
