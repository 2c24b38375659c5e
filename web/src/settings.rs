//! The settings form: the endpoint's fields judged by the core crate on every keystroke, the effective connection,
//! the write-only password, and saving with the server's answers in the same places as the page's own.

use crate::api::{self, ApiBody, Draft, Stored};
use crate::app::{Form, LoadFailed, State, use_state};
use crate::history::{History, Log};
use crate::i18n::{I18n, Text, tr, use_i18n};
use crate::probe::{Probe, Trouble};
use crate::test_email::TestEmail;
use crate::{focus, focus_soon, has_focus, local_time, mark_ready, refocus};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use smtp_endpoint::{
    Code, ConnectionIdentity, EndpointInput, Field, Issue, Locale, Problem, Report, requires_password_reentry,
};

/// A message as shown under a field, from the page's own check or from the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Shown {
    pub error: bool,
    /// An error that only says a needed field is still empty (see [`Shown::class`]); never the server's.
    pub needed: bool,
    pub code: String,
    pub message: String,
    pub suggestion: Option<String>,
}

impl Shown {
    fn of(issue: &Issue, error: bool) -> Shown {
        Shown {
            error,
            needed: error && issue.code.as_str().ends_with(".required"),
            code: issue.code.as_str().to_owned(),
            message: issue.message.clone(),
            suggestion: issue.suggestion.clone(),
        }
    }

    /// How it looks: an empty field that is needed (the URI and from address always; the password for a username,
    /// the username for a password) is a step still to take, said as a hint — like the recipient's — not a
    /// mistake in red before anything was typed there. It still blocks saving. The server's refusal of an empty
    /// field the page thought fine (another admin removed the stored password meanwhile) is a refusal.
    fn class(&self) -> &'static str {
        if self.refuses() {
            "error"
        } else if self.error {
            "hint"
        } else {
            "warning"
        }
    }

    /// Whether it marks what was typed as wrong (`aria-invalid`), not only a field still empty.
    fn refuses(&self) -> bool {
        self.error && !self.needed
    }
}

/// A field's `aria-invalid`.
fn invalid(issues: Signal<Vec<Shown>>) -> impl Fn() -> &'static str + Copy {
    move || if issues.with(|i| i.iter().any(Shown::refuses)) { "true" } else { "false" }
}

/// Everything the form knows about its values at this moment; shared with the probe and the test email.
#[derive(Debug, Clone, Copy)]
pub struct Judged {
    /// The core crate's verdict, recomputed on every keystroke.
    pub report: Memo<Report>,
    /// The values name another connection than the stored password was saved for (host, port, TLS mode, username
    /// or custom CA changed): typed or not, the stored password does not go with them.
    pub moved: Memo<bool>,
    /// `moved`, and no new password typed: the re-entry rule's error stands.
    pub reentry: Memo<bool>,
    /// Messages from the server's last refusal, per field, until the next edit.
    pub server: RwSignal<Vec<(Field, Shown)>>,
    /// Counts the edits: an answer knows whether the values changed while it was on its way.
    pub edits: RwSignal<u32>,
    form: Form,
}

impl Judged {
    /// Judges the form's values as they change, in the page's language.
    pub fn new(state: State, i18n: I18n) -> Judged {
        let form = state.form;
        let report = Memo::new(move |_| {
            let password_set = state.stored.with(|s| s.as_ref().is_some_and(|s| s.password_set));
            smtp_endpoint::validate(&EndpointInput {
                uri: Some(form.uri.get()),
                username: Some(form.username.get()),
                password: Some(form.password.get()),
                default_from_address: Some(form.from.get()),
                custom_ca_pem: Some(form.custom_ca.get()),
                password_set: password_set && !form.remove_password.get(),
                locale: i18n.get(),
            })
        });
        let moved = Memo::new(move |_| {
            state.stored.with(|stored| {
                let Some(stored) = stored.as_ref().filter(|s| s.password_set && !form.remove_password.get()) else {
                    return false;
                };
                let before = ConnectionIdentity::of(
                    stored.uri.as_deref().unwrap_or_default(),
                    stored.username.as_deref(),
                    stored.custom_ca_pem.as_deref(),
                );
                let now = form.uri.with(|uri| {
                    form.username
                        .with(|user| form.custom_ca.with(|ca| ConnectionIdentity::of(uri, Some(user), Some(ca))))
                });
                requires_password_reentry(before.as_ref(), now.as_ref())
            })
        });
        let reentry = Memo::new(move |_| moved.get() && form.password.with(String::is_empty));
        Judged { report, moved, reentry, server: RwSignal::new(Vec::new()), edits: RwSignal::new(0), form }
    }

    /// Whether an error stands under any field (every error is under one): `has_error` for all fields at once.
    pub fn has_errors(self) -> bool {
        self.report.with(|r| !r.errors.is_empty())
            || self.reentry.get()
            || self.server.with(|s| s.iter().any(|(_, m)| m.error))
    }

    /// `words` and the fields with an error under them, in the form's order: what a disabled button waits for
    /// (the errors may be far above it, and a disabled button takes no keyboard to lead there).
    pub fn blocked(self, words: &str, t: &Text) -> String {
        let fields: Vec<String> =
            Field::ALL.iter().filter(|&&field| self.has_error(field)).map(|f| t.field_name(f.as_str())).collect();
        format!("{words} {}.", fields.join(", "))
    }

    /// Whether an error stands under `field`: the core's, the re-entry rule's (password) or the server's.
    fn has_error(self, field: Field) -> bool {
        self.report.with(|r| r.errors.iter().any(|i| i.field == field))
            || (field == Field::Password && self.reentry.get())
            || self.server.with(|s| s.iter().any(|(f, m)| *f == field && m.error))
    }

    /// The first field, in the form's order, with an error under it; `None` also once the form is gone (an
    /// answer that came after signing out).
    pub fn first_invalid(self) -> Option<Field> {
        let gone = self.report.try_with_untracked(|_| ()).is_none()
            || self.reentry.try_get_untracked().is_none()
            || self.server.try_with_untracked(|_| ()).is_none();
        if gone {
            return None;
        }
        untrack(|| Field::ALL.iter().copied().find(|&field| self.has_error(field)))
    }

    /// Every change of the form's values goes through here, typed or clicked: the form is unsaved, the server's
    /// last refusal is forgotten, and answers to requests sent before no longer describe it.
    pub fn edited(self) {
        self.form.dirty.set(true);
        if self.server.with_untracked(|s| !s.is_empty()) {
            self.server.set(Vec::new());
        }
        self.edits.update(|n| *n = n.wrapping_add(1));
    }

    /// Whether the form was edited since `edits` was read; also once the view is gone (what it held is not
    /// what the answer is about any more).
    pub fn edited_since(self, edits: u32) -> bool {
        self.edits.try_get_untracked().is_none_or(|now| now != edits)
    }

    /// Sets a field's value as the admin would (typing, a suggestion, an old value).
    pub fn put(self, field: Field, value: String) {
        self.form.text(field).set(value);
        self.edited();
    }

    /// Puts a server's refusal (its report; every field's refusal is one) under the fields it concerns, replacing
    /// the last one — unless the form was edited since the request was sent (at edit count `sent`): the refusal is
    /// then of values the form no longer holds, and nothing goes under the fields. Whether it was a refusal.
    pub fn take_refusal(self, body: &ApiBody, sent: u32) -> bool {
        let shown: Vec<(Field, Shown)> = match body {
            ApiBody::Report(report) => report
                .errors
                .iter()
                .map(|i| (i.field, Shown { needed: false, ..Shown::of(i, true) }))
                .chain(report.warnings.iter().map(|i| (i.field, Shown::of(i, false))))
                .collect(),
            ApiBody::Error { .. } | ApiBody::Other(_) => Vec::new(),
        };
        let refused = !shown.is_empty();
        if !self.edited_since(sent) {
            self.server.try_set(shown);
        }
        refused
    }

    /// A refusal taken by [`Judged::take_refusal`], as said beside a request's button: its messages are under the
    /// fields, or, when the form was edited since, nowhere (they are of values it no longer holds) — said then.
    pub fn refusal(self, sent: u32) -> Trouble {
        if self.edited_since(sent) { Trouble::RefusedEdited } else { Trouble::Refused }
    }

    /// The messages for one field: the page's errors, the server's, then the warnings; each once. What the page
    /// says itself is said in the page's words (which follow the language switch); the server's stand only for
    /// what the page cannot judge (e.g. whether a CA certificate parses).
    fn for_field(self, field: Field, locale: Locale) -> Vec<Shown> {
        let mut shown: Vec<Shown> = Vec::new();
        let mut push = |m: Shown| {
            if !shown.iter().any(|s| s.code == m.code) {
                shown.push(m);
            }
        };
        let reentry = field == Field::Password && self.reentry.get();
        let own = |code: &str| {
            self.report
                .with(|r| r.errors.iter().chain(&r.warnings).any(|i| i.field == field && i.code.as_str() == code))
                || (reentry && code == Code::PasswordReentryRequired.as_str())
        };
        self.report.with(|r| r.errors.iter().filter(|i| i.field == field).for_each(|i| push(Shown::of(i, true))));
        if reentry {
            push(Shown::of(&Issue::new(&Problem::PasswordReentryRequired, locale), true));
        }
        self.server.with(|s| {
            s.iter().filter(|(f, m)| *f == field && !own(&m.code)).for_each(|(_, m)| push(m.clone()));
        });
        self.report.with(|r| r.warnings.iter().filter(|i| i.field == field).for_each(|i| push(Shown::of(i, false))));
        shown
    }
}

/// The values to save, probe or test, as the API wants them.
pub fn draft(form: Form, locale: Locale) -> Draft {
    let password = form.password.get_untracked();
    let username = form.username.get_untracked();
    let custom_ca = form.custom_ca.get_untracked();
    Draft {
        uri: form.uri.get_untracked(),
        username: (!username.trim().is_empty()).then_some(username),
        password: if form.remove_password.get_untracked() {
            Some(String::new())
        } else {
            (!password.is_empty()).then_some(password)
        },
        default_from_address: form.from.get_untracked(),
        custom_ca_pem: (!custom_ca.trim().is_empty()).then_some(custom_ca),
        locale,
    }
}

pub fn use_judged() -> Judged {
    expect_context::<Judged>()
}

/// What loading the stored endpoint is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Load {
    /// Show it; what was typed since the last load stays.
    Show,
    /// After a conflict: their version replaces what was typed.
    Reload,
    /// After a conflict: what was typed here is saved over their version (which stays in the history); the fields
    /// left alone here take their values (`Form::rebase`). When the result needs something typed first (their
    /// login's password, for a server changed here), nothing is saved: the keyboard goes there, the conflict stays.
    KeepMine,
    /// As `Show`, after a failed first load.
    Retry,
}

#[derive(Debug, Clone, PartialEq)]
enum SaveState {
    Idle,
    Saving,
    Saved,
    /// Saved, and the server already held these values: no new version.
    Unchanged,
    Conflict,
    Refused,
    Failed(Trouble),
}

fn focus_first_invalid(judged: Judged) {
    if let Some(field) = judged.first_invalid() {
        focus(field.as_str());
    }
}

#[component]
pub fn Settings() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_state();
    let form = state.form;

    let judged = Judged::new(state, i18n);
    provide_context(judged);
    let save_state = RwSignal::new(SaveState::Idle);

    let log = Log::start(state, i18n);
    let loaded = RwSignal::new(state.stored.get_untracked().is_some());
    let load_failure = RwSignal::new(None::<Trouble>);
    // The edit count the save status is for: a save's verdict on the values is shown while the form holds the
    // values it sent; a conflict or a failure, which are not about the values, until the next edit after them.
    let sent_at = RwSignal::new(0u32);
    // Saves the form's values over the version they were based on (`If-Match`).
    let save = move || {
        if save_state.get_untracked() == SaveState::Saving {
            return;
        }
        if judged.has_errors() {
            // The status then says why (e.g. their version needs the password typed again), and the keyboard is
            // taken to the first field that needs attention.
            save_state.set(SaveState::Idle);
            focus_first_invalid(judged);
            return;
        }
        let Some((etag, version)) = state.stored.with_untracked(|s| s.as_ref().map(|s| (s.etag.clone(), s.version)))
        else {
            return;
        };
        let sent = judged.edits.get_untracked();
        sent_at.set(sent);
        if load_failure.with_untracked(Option::is_some) {
            load_failure.set(None);
        }
        // Save is disabled while it runs (and a conflict's "Save mine instead" goes), which takes the keyboard
        // from it; Save gets it back with the answer.
        let had_keyboard = has_focus("save") || has_focus("overwrite");
        save_state.set(SaveState::Saving);
        let locale = i18n.locale.get_untracked();
        let draft = draft(form, locale);
        spawn_local(async move {
            let answer = api::save(&draft, &etag, locale).await;
            if save_state.try_get_untracked().is_none() {
                return; // signed out meanwhile: nothing of it belongs to the next session
            }
            // Typed on while the answer was on its way (or the view is gone: signed out meanwhile): the answer is
            // about values the form no longer holds, so it neither replaces them nor puts messages under them.
            let edited = judged.edited_since(sent);
            let outcome = match answer {
                Ok(stored) => {
                    let outcome = if stored.version == version { SaveState::Unchanged } else { SaveState::Saved };
                    if !edited {
                        form.load(&stored);
                    } else {
                        // What was saved is stored now: a typed password is not kept (nor sent again), and a
                        // removal is done.
                        if draft.password.as_deref().is_some_and(|sent| form.password.with_untracked(|p| p == sent)) {
                            form.password.set(String::new());
                        }
                        if !stored.password_set {
                            form.remove_password.set(false);
                        }
                    }
                    state.stored.set(Some(stored));
                    outcome
                }
                Err(e) if e.is_unauthorized() => {
                    save_state.try_set(SaveState::Idle);
                    state.session_lost();
                    return;
                }
                Err(api::Error::Api(e)) if e.status == 412 => {
                    log.refresh();
                    SaveState::Conflict
                }
                Err(api::Error::Api(e)) if e.status == 422 && judged.take_refusal(&e.body, sent) => {
                    match judged.refusal(sent) {
                        Trouble::Refused => SaveState::Refused,
                        other => SaveState::Failed(other),
                    }
                }
                Err(e) => SaveState::Failed(Trouble::of_error(&e)),
            };
            // Not about the values sent: said whatever was typed since.
            if matches!(outcome, SaveState::Conflict | SaveState::Failed(_))
                && let Some(now) = judged.edits.try_get_untracked()
            {
                sent_at.try_set(now);
            }
            // A refusal under the fields takes the keyboard to them; a conflict to its first offer (Save stays off
            // until one is taken); otherwise Save gets it back.
            let to_fields = outcome == SaveState::Refused;
            let to_offer = outcome == SaveState::Conflict;
            if save_state.try_set(outcome).is_none() {
                if to_fields {
                    focus_first_invalid(judged);
                } else if had_keyboard {
                    refocus(if to_offer { "reload" } else { "save" });
                }
            }
        });
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        save();
    };
    // Signed in just now: the keyboard was on the login form, which is gone; it goes to the first field.
    let after_sign_in = state.signed_in_here.get_value();
    state.signed_in_here.set_value(false);
    let start_load = move |purpose: Load| {
        let replace = (purpose == Load::Reload).then(|| (judged, judged.edits.get_untracked()));
        let base = state.stored.get_untracked();
        let had_keyboard = has_focus("reload") || has_focus("load-retry");
        let loading = load(state, loaded, load_failure, replace, i18n.locale.get_untracked());
        spawn_local(async move {
            // A conflict's offers stay until one of them worked, so a failed load can be tried again. The form
            // may be gone by now (signed out meanwhile).
            let loaded = loading.await;
            if !loaded && purpose == Load::Retry {
                refocus("load-retry");
            }
            if !loaded || save_state.try_get_untracked().is_none() {
                return;
            }
            match purpose {
                // "Try again" is gone with the failure it offered to mend: the keyboard goes to the form.
                Load::Show if after_sign_in => refocus("uri"),
                Load::Retry if had_keyboard => refocus("uri"),
                Load::Show | Load::Retry => {}
                Load::Reload => {
                    save_state.set(SaveState::Idle);
                    // The offer that had the keyboard is gone.
                    if had_keyboard {
                        refocus("save");
                    }
                }
                Load::KeepMine => {
                    if let (Some(base), Some(theirs)) = (base, state.stored.get_untracked()) {
                        form.rebase(&base, &theirs);
                    }
                    // Their version needs something typed here first (their login's password, for a server
                    // changed here): the keyboard goes there, and the conflict with both offers stays.
                    if judged.has_errors() { focus_first_invalid(judged) } else { save() }
                }
            }
        });
    };
    if state.stored.get_untracked().is_none() || !form.dirty.get_untracked() {
        start_load(Load::Show);
    } else if after_sign_in {
        focus_soon("uri");
    }

    let reload = move |_| {
        if crate::discard_agreed(form, i18n.text().reload_unsaved) {
            start_load(Load::Reload);
        }
    };
    let overwrite = move |_| start_load(Load::KeepMine);
    let retry = move || {
        // Started while "Try again" still has the keyboard (it goes with the failure).
        start_load(Load::Retry);
        load_failure.set(None);
    };

    // A save's outcome (and a failed reload after a conflict) lasts until the form is edited, by typing or by a
    // click that fills or changes it (a suggestion, old values, removing the password). A memo: a keystroke
    // redraws the status only when this flips, not on every edit.
    let current = Memo::new(move |_| judged.edits.get() == sent_at.get());
    // A conflict stays until it is resolved by one of its offers: a save from the form would only meet it again.
    let shown_state = move || match save_state.get() {
        SaveState::Saving => SaveState::Saving,
        SaveState::Conflict => SaveState::Conflict,
        outcome if current.get() => outcome,
        _ => SaveState::Idle,
    };
    let status = move || {
        let t = i18n.text();
        // A failed reload is said while it is current, and always while the conflict that offered it stands.
        let reloading = move || current.get() || save_state.get() == SaveState::Conflict;
        if let Some(failure) = load_failure.get().filter(|_| reloading()) {
            return Some(failure.words(t));
        }
        match shown_state() {
            SaveState::Idle if judged.has_errors() => Some(judged.blocked(t.save_blocked, t)),
            SaveState::Idle if form.dirty.get() => Some(t.unsaved_changes.to_owned()),
            SaveState::Idle => None,
            SaveState::Saving => Some(t.saving.to_owned()),
            SaveState::Saved => state.stored.with(|s| s.as_ref().map(|s| saved_line(t.saved, t, s, i18n.get()))),
            SaveState::Unchanged => {
                state.stored.with(|s| s.as_ref().map(|s| saved_line(t.unchanged, t, s, i18n.get())))
            }
            SaveState::Conflict => Some(t.conflict.to_owned()),
            SaveState::Refused => Some(t.server_refused.to_owned()),
            SaveState::Failed(trouble) => Some(trouble.words(t)),
        }
    };

    move || {
        if !loaded.get() {
            let Some(failure) = load_failure.get() else {
                return view! { <p>{tr(|t| t.loading)}</p> }.into_any();
            };
            return view! { <LoadFailed id="load" class="card" trouble=failure retry /> }.into_any();
        }
        mark_ready("smtp-endpoint:settings-ready");
        view! {
            <form id="settings" class="card" aria-labelledby="settings-title" on:submit=submit novalidate>
                <h2 id="settings-title">{tr(|t| t.settings_title)}</h2>
                <p>{tr(|t| t.intro)}</p>
                {move || (state.stored.with(|s| s.as_ref().is_some_and(|s| !s.configured)) && !form.dirty.get()).then(|| view! {
                    <p class="notice">{tr(|t| t.not_configured)}</p>
                })}
                <TextField
                    field=Field::Uri
                    label=|t| t.uri
                    hint=|t| t.uri_hint
                    autocomplete="off"
                />
                <p class="effective" id="effective">
                    <span class="label">{tr(|t| t.effective)} ": "</span>
                    // Not a live region: it changes with every keystroke in the URI, and would interrupt each one.
                    <span id="effective-summary">
                        {move || {
                            judged
                                .report
                                .with(|r| r.effective.as_ref().map(|e| e.summary.clone()))
                                .unwrap_or_else(|| i18n.text().no_effective.to_owned())
                        }}
                    </span>
                </p>
                <TextField
                    field=Field::Username
                    label=|t| t.username
                    hint=|t| t.username_hint
                    autocomplete="off"
                />
                <PasswordField />
                <TextField
                    field=Field::DefaultFromAddress
                    label=|t| t.from
                    hint=|t| t.from_hint
                    autocomplete="email"
                />
                <CustomCaField />
                <div class="actions">
                    <button
                        type="submit"
                        class="primary"
                        id="save"
                        aria-describedby="save-status"
                        disabled=move || {
                            judged.has_errors() || matches!(save_state.get(), SaveState::Saving | SaveState::Conflict)
                        }
                    >
                        {tr(|t| t.save)}
                    </button>
                    <p
                        id="save-status"
                        role="status"
                        class:saved=move || shown_state() == SaveState::Saved
                        class:error=move || matches!(shown_state(), SaveState::Failed(_))
                    >
                        {status}
                    </p>
                    {move || (shown_state() == SaveState::Conflict).then(|| view! {
                        <button type="button" id="reload" on:click=reload>
                            {tr(|t| t.reload)}
                        </button>
                        <button type="button" id="overwrite" on:click=overwrite>
                            {tr(|t| t.overwrite)}
                        </button>
                    })}
                </div>
            </form>
            <div class="tools">
                <Probe />
                <TestEmail />
            </div>
            <History log />
        }
        .into_any()
    }
}

/// Loads the stored endpoint; puts its values into the form unless the admin has typed since the last load (or
/// `replace`: the edit count when asked, to replace what was typed unless the admin typed on meanwhile). A
/// failure is shown in place of the form (first load) or in the save status (reload), with what was typed kept.
/// Whether it loaded.
async fn load(
    state: State,
    loaded: RwSignal<bool>,
    failure: RwSignal<Option<Trouble>>,
    replace: Option<(Judged, u32)>,
    locale: Locale,
) -> bool {
    match api::endpoint(locale).await {
        Ok(stored) => {
            let replace = replace.is_some_and(|(judged, asked)| !judged.edited_since(asked));
            if replace || !state.form.dirty.get_untracked() {
                state.form.load(&stored);
            }
            state.stored.set(Some(stored));
            // Setting a signal notifies even when the value is the same; that would rebuild the whole form.
            if failure.try_with_untracked(Option::is_some) == Some(true) {
                failure.try_set(None);
            }
            if loaded.try_get_untracked() == Some(false) {
                loaded.try_set(true);
            }
            true
        }
        Err(e) if e.is_unauthorized() => {
            state.session_lost();
            false
        }
        Err(e) => {
            failure.try_set(Some(Trouble::of_error(&e)));
            false
        }
    }
}

/// "Saved — version N, by X at T", or another lead-in before the stored version's facts.
fn saved_line(lead: &str, t: &Text, stored: &Stored, locale: Locale) -> String {
    let mut line = format!("{lead} — {} {}", t.version, stored.version);
    if let Some(by) = &stored.updated_by {
        line.push_str(&format!(", {} {by}", t.by));
    }
    if let Some(at) = &stored.updated_at {
        line.push_str(&format!(" {} {}", t.at, local_time(at, locale)));
    }
    line
}

/// A labelled input with its hint and its messages; its id is the field's code.
#[component]
fn TextField(
    field: Field,
    label: fn(&Text) -> &'static str,
    hint: fn(&Text) -> &'static str,
    autocomplete: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let judged = use_judged();
    let id = field.as_str();
    let value = judged.form.text(field);
    // A memo: the list is redrawn only when this field's messages change, not on every keystroke elsewhere.
    let issues: Signal<Vec<Shown>> = Memo::new(move |_| judged.for_field(field, i18n.get())).into();
    let invalid = invalid(issues);
    view! {
        <div class="field">
            <label for=id>{move || label(i18n.text())}</label>
            <input
                id=id
                name=id
                type="text"
                autocomplete=autocomplete
                spellcheck="false"
                autocapitalize="off"
                aria-invalid=invalid
                aria-describedby=format!("{id}-hint {id}-messages")
                prop:value=move || value.get()
                on:input=move |ev| judged.put(field, event_target_value(&ev))
            />
            <p class="hint" id=format!("{id}-hint")>{move || hint(i18n.text())}</p>
            <Messages field=field issues=issues />
        </div>
    }
}

/// The messages under a field, read out once typing pauses; a suggestion is one click away.
#[component]
fn Messages(field: Field, issues: Signal<Vec<Shown>>) -> impl IntoView {
    let i18n = use_i18n();
    let judged = use_judged();
    let id = field.as_str();
    // Rebuilt without keys when the field's messages change: an item holds no reactive parts of its own, so the
    // text of a message that stays is not replaced.
    view! {
        <ul class="messages" id=format!("{id}-messages")>
            {move || {
                let use_suggestion = i18n.text().use_suggestion;
                issues
                    .get()
                    .into_iter()
                    .map(|m| {
                        let class = m.class();
                        view! {
                            <li class=class data-code=m.code>
                                <span class="message">{m.message}</span>
                                {m.suggestion.map(move |s| {
                                    let value = s.clone();
                                    view! {
                                        " "
                                        <button
                                            type="button"
                                            class="apply-suggestion"
                                            on:click=move |_| {
                                                judged.put(field, value.clone());
                                                focus(id);
                                            }
                                        >
                                            {use_suggestion}
                                            " "
                                            <code>{s}</code>
                                        </button>
                                    }
                                })}
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ul>
    }
}

/// The password: write-only (a stored one is never shown, only that it exists), removable, and what is being
/// typed can be shown.
#[component]
fn PasswordField() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_state();
    let judged = use_judged();
    let form = state.form;
    let visible = RwSignal::new(false);
    // Each stored version (a save, a reload) hides the field again: the next password is not typed in view.
    Effect::new(move |_| {
        state.stored.track();
        visible.set(false);
    });
    let stored_set = move || state.stored.with(|s| s.as_ref().is_some_and(|s| s.password_set));
    let kept = move || stored_set() && !form.remove_password.get();
    // Once the server, the username or the CA changed, the stored password is not kept by an empty field: its
    // error says to type it again, and nothing here says otherwise.
    let keeps_if_empty = move || kept() && !judged.moved.get();
    let issues: Signal<Vec<Shown>> = Memo::new(move |_| judged.for_field(Field::Password, i18n.get())).into();
    let invalid = invalid(issues);
    let set_removal = move |remove: bool| {
        form.remove_password.set(remove);
        if remove {
            form.password.set(String::new());
        }
        judged.edited();
        // The button pressed is replaced by its counterpart; the keyboard goes there.
        focus_soon(if remove { "password-keep" } else { "password-remove" });
    };
    view! {
        <div class="field">
            <label for="password">{tr(|t| t.password)}</label>
            <div class="with-button">
                <input
                    id="password"
                    name="password"
                    type=move || if visible.get() { "text" } else { "password" }
                    autocomplete="new-password"
                    spellcheck="false"
                    autocapitalize="off"
                    placeholder=move || if keeps_if_empty() { i18n.text().password_stored } else { "" }
                    aria-invalid=invalid
                    // While a removal is pending, its notice is what the field is described by.
                    aria-describedby=move || {
                        if form.remove_password.get() {
                            "password-removal password-messages"
                        } else {
                            "password-hint password-messages"
                        }
                    }
                    prop:value=move || form.password.get()
                    on:input=move |ev| {
                        // A new password replaces the stored one: a pending removal is over.
                        if form.remove_password.get_untracked() {
                            form.remove_password.set(false);
                        }
                        judged.put(Field::Password, event_target_value(&ev))
                    }
                />
                <button
                    type="button"
                    id="password-toggle"
                    aria-controls="password"
                    aria-label=move || if visible.get() { i18n.text().hide_label } else { i18n.text().show_label }
                    on:click=move |_| visible.update(|v| *v = !*v)
                >
                    {move || if visible.get() { i18n.text().hide } else { i18n.text().show }}
                </button>
            </div>
            <div class="hint" id="password-hint">
                // While a removal is pending, its notice below says what becomes of the stored password.
                {move || (!form.remove_password.get() && !judged.moved.get()).then(|| view! {
                    <p id="password-state">
                        {move || if stored_set() { i18n.text().password_stored_hint } else { i18n.text().password_none }}
                    </p>
                })}
                {move || kept().then(|| view! {
                    <p>{tr(|t| t.reentry_rule)}</p>
                })}
            </div>
            {move || kept().then(|| view! {
                <button type="button" id="password-remove" class="link" on:click=move |_| set_removal(true)>
                    {tr(|t| t.remove_password)}
                </button>
            })}
            {move || form.remove_password.get().then(|| view! {
                <p class="notice" id="password-removal">
                    {tr(|t| t.removal_pending)} " "
                    <button type="button" id="password-keep" class="link" on:click=move |_| set_removal(false)>
                        {tr(|t| t.keep_password)}
                    </button>
                </p>
            })}
            <Messages field=Field::Password issues=issues />
        </div>
    }
}

/// Certificates to trust besides the built-in roots, folded away: most endpoints need none.
#[component]
fn CustomCaField() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_state();
    let judged = use_judged();
    let value = state.form.custom_ca;
    let issues: Signal<Vec<Shown>> = Memo::new(move |_| judged.for_field(Field::CustomCaPem, i18n.get())).into();
    let invalid = invalid(issues);
    view! {
        // Open when a CA is stored; afterwards the administrator opens and closes it (clearing the text while
        // typing must not fold the field away).
        <details class="field custom-ca" open=value.with_untracked(|v| !v.trim().is_empty())>
            <summary>{tr(|t| t.custom_ca)}</summary>
            <label for="custom_ca_pem">{tr(|t| t.custom_ca_label)}</label>
            <textarea
                id="custom_ca_pem"
                name="custom_ca_pem"
                rows="5"
                spellcheck="false"
                aria-invalid=invalid
                aria-describedby="custom_ca_pem-hint custom_ca_pem-messages"
                prop:value=move || value.get()
                on:input=move |ev| judged.put(Field::CustomCaPem, event_target_value(&ev))
            ></textarea>
            <p class="hint" id="custom_ca_pem-hint">{tr(|t| t.custom_ca_hint)}</p>
            <Messages field=Field::CustomCaPem issues=issues />
        </details>
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::i18n::text;
    use crate::testing::{Mounted, mount, pause, read_out, settle, until};
    use smtp_endpoint::Code;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn codes(shown: &[Shown]) -> Vec<&str> {
        shown.iter().map(|m| m.code.as_str()).collect()
    }

    /// A page whose stored endpoint (with a password) is loaded into the form.
    fn loaded(uri: &str, username: &str) -> (Mounted, Judged) {
        let page = mount(|_, _| (), || ());
        let stored = Stored {
            uri: Some(uri.into()),
            username: Some(username.into()),
            password_set: true,
            default_from_address: Some("Mail <mail@example.com>".into()),
            configured: true,
            version: 3,
            ..Stored::default()
        };
        page.state.form.load(&stored);
        page.state.stored.set(Some(stored));
        let judged = Judged::new(page.state, page.i18n);
        (page, judged)
    }

    #[wasm_bindgen_test]
    fn a_stored_password_is_kept_only_for_the_connection_it_was_saved_for() {
        let (page, judged) = loaded("smtps://mail.example.com", "mailer");
        let form = page.state.form;
        let password = || codes(&judged.for_field(Field::Password, Locale::En)).join(" ");
        assert!(!judged.has_errors(), "{:?}", judged.report.get_untracked());
        assert_eq!(password(), "");

        // Another host: the stored password is not sent to it; the rule is said before the server refuses.
        form.uri.set("smtps://other.example.com".into());
        assert!(judged.reentry.get_untracked());
        assert_eq!(password(), Code::PasswordReentryRequired.as_str());
        assert!(judged.has_errors());

        // Typing the password again, or going back to the saved host, clears it.
        form.password.set("s3cret".into());
        assert!(!judged.has_errors());
        form.password.set(String::new());
        form.uri.set("smtps://mail.example.com".into());
        assert!(!judged.has_errors());

        // Another trusted CA: another server could pass for this one.
        form.custom_ca.set("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----".into());
        assert!(judged.reentry.get_untracked());
        form.custom_ca.set(" ".into());
        assert!(!judged.reentry.get_untracked(), "an empty custom CA is none, as stored");

        // So does another username, and removing the password (then nothing is reused).
        form.username.set("someone-else".into());
        assert!(judged.reentry.get_untracked());
        // No username at all is refused on its own, with its way out (a username, or removing the password);
        // asking for the password again as well would contradict it.
        form.username.set(String::new());
        assert!(!judged.reentry.get_untracked());
        assert_eq!(password(), "");
        assert_eq!(codes(&judged.for_field(Field::Username, Locale::En)), [Code::UsernameRequired.as_str()]);
        form.username.set("someone-else".into());
        form.remove_password.set(true);
        assert!(!judged.reentry.get_untracked());
    }

    /// The password field's words never contradict its error: no "leave empty to keep" once the stored password
    /// would have to be typed again, and a pending removal ends when a new password is typed (the field stays open
    /// to it, as "Enter the password" asks).
    #[wasm_bindgen_test]
    async fn the_password_fields_hints_follow_the_re_entry_rule_and_a_removal() {
        let page = mount(
            |_, _| (),
            || {
                view! { <PasswordField /> }
            },
        );
        let stored = Stored {
            uri: Some("smtps://mail.example.com".into()),
            username: Some("mailer".into()),
            password_set: true,
            configured: true,
            version: 3,
            ..Stored::default()
        };
        let form = page.state.form;
        form.load(&stored);
        page.state.stored.set(Some(stored));
        settle().await;
        assert_eq!(page.attr("#password", "placeholder").as_deref(), Some(text(Locale::En).password_stored));
        assert_eq!(page.text("#password-state"), text(Locale::En).password_stored_hint);

        form.uri.set("smtps://other.example.com".into());
        settle().await;
        assert_eq!(page.attr("#password", "placeholder").as_deref(), Some(""));
        assert!(page.all("#password-state").is_empty(), "{page:?}");
        assert_eq!(page.attr("#password-messages li", "data-code").as_deref(), Some("password.reentry_required"));
        // Typing the new password ends the error, not the rule: emptying the field would not keep the stored one.
        page.type_into("#password", "a");
        settle().await;
        assert!(page.all("#password-messages li").is_empty(), "{page:?}");
        assert!(page.all("#password-state").is_empty(), "{page:?}");
        page.type_into("#password", "");

        form.uri.set("smtps://mail.example.com".into());
        page.click("#password-remove");
        settle().await;
        assert!(form.remove_password.get_untracked());
        assert_eq!(page.attr("#password", "disabled"), None, "a new password can still be typed");
        let described = page.attr("#password", "aria-describedby").unwrap_or_default();
        assert!(described.starts_with("password-removal "), "the pending removal describes the field: {described}");
        page.type_into("#password", "n3w");
        settle().await;
        assert!(!form.remove_password.get_untracked(), "the new password replaces the stored one");
        assert!(page.all("#password-removal").is_empty());
        assert_eq!(form.password.get_untracked(), "n3w");

        // A pasted non-breaking space is warned of under the field, without a word of the password.
        page.type_into("#password", "n3w\u{a0}");
        settle().await;
        assert_eq!(page.attr("#password-messages li", "data-code").as_deref(), Some("password.invisible_character"));
        assert_eq!(page.attr("#password-messages li", "class").as_deref(), Some("warning"));
        assert!(!page.text("#password-messages").contains("n3w"));
        assert_eq!(page.attr("#password", "aria-invalid").as_deref(), Some("false"), "a warning does not refuse");
    }

    /// Where a refusal takes the keyboard: the first field with an error, in the form's order; nowhere once the
    /// form is gone (a save's answer that came after signing out must not touch disposed signals).
    #[wasm_bindgen_test]
    fn the_first_field_that_needs_attention_is_found_in_the_forms_order() {
        let page = mount(|_, _| (), || ());
        let form = page.state.form;
        let owner = Owner::new();
        let judged = owner.with(|| Judged::new(page.state, page.i18n));
        form.uri.set("smtps://mail.example.com".into());
        form.username.set("mailer".into());
        form.from.set("no at sign".into());
        assert_eq!(judged.first_invalid(), Some(Field::Password), "a username without a password");
        form.username.set(String::new());
        assert_eq!(judged.first_invalid(), Some(Field::DefaultFromAddress));
        form.from.set("mail@example.com".into());
        assert_eq!(judged.first_invalid(), None);
        form.from.set("no at sign".into());
        // What a disabled button waits for, by the fields' names in the form's order.
        form.username.set("mailer".into());
        let (en, de) = (text(Locale::En), text(Locale::De));
        let blocked = untrack(|| judged.blocked(en.save_blocked, en));
        assert_eq!(blocked, "To save, fill in or correct: Password, Default From Address.");
        let blocked = untrack(|| judged.blocked(de.fix_first, de));
        assert_eq!(blocked, "Zuerst ausfüllen oder korrigieren: Passwort, Standard-Absenderadresse.");
        owner.cleanup();
        assert_eq!(judged.first_invalid(), None, "the form is gone");
    }

    #[wasm_bindgen_test]
    fn a_fields_messages_are_the_pages_errors_then_the_servers_then_warnings_each_once() {
        let (page, judged) = loaded("smtp://mail.example.com:465", "mailer");
        assert_eq!(codes(&judged.for_field(Field::Uri, Locale::En)), [Code::UriPortExpectsImplicitTls.as_str()]);
        assert!(!judged.has_errors(), "a warning does not block saving");

        let issue =
            |code: Code, message: &str| Issue { field: Field::Uri, code, message: message.into(), suggestion: None };
        let refusal = Report {
            valid: false,
            errors: vec![issue(Code::UriInvalidHost, "server says no")],
            warnings: vec![issue(Code::UriPortExpectsImplicitTls, "server warns too")],
            effective: None,
            from: None,
        };
        assert!(judged.take_refusal(&ApiBody::Report(refusal), judged.edits.get_untracked()));
        let shown = judged.for_field(Field::Uri, Locale::En);
        assert_eq!(codes(&shown), [Code::UriInvalidHost.as_str(), Code::UriPortExpectsImplicitTls.as_str()]);
        assert_eq!((shown[0].error, shown[0].message.as_str()), (true, "server says no"));
        assert!(!shown[1].error, "the warning both gave is shown once, as a warning");
        assert_ne!(shown[1].message, "server warns too", "in the page's words, which follow the language switch");
        assert!(judged.has_errors());
        assert!(judged.for_field(Field::Username, Locale::En).is_empty());
        assert!(!page.state.form.dirty.get_untracked(), "judging is not editing");

        // An edit forgets the refusal and leaves the form unsaved; an answer to a request sent before it knows.
        let sent = judged.edits.get_untracked();
        judged.put(Field::DefaultFromAddress, "Other <other@example.com>".into());
        assert!(!judged.has_errors());
        assert!(page.state.form.dirty.get_untracked());
        assert!(judged.edited_since(sent));
        assert!(!judged.edited_since(judged.edits.get_untracked()));
        // A body without a report puts nothing anywhere.
        assert!(!judged.take_refusal(&ApiBody::Other("<html>".into()), judged.edits.get_untracked()));
        assert!(!judged.has_errors());

        // The server finds a needed field empty that the page thought fine (the stored password, removed by
        // another admin meanwhile): a refusal in red, not the grey of a step still to take.
        let needed =
            Issue { field: Field::Password, code: Code::PasswordRequired, message: "type it".into(), suggestion: None };
        let refusal = Report { valid: false, errors: vec![needed], warnings: vec![], effective: None, from: None };
        assert!(judged.take_refusal(&ApiBody::Report(refusal), judged.edits.get_untracked()));
        let shown = judged.for_field(Field::Password, Locale::En);
        assert_eq!(codes(&shown), [Code::PasswordRequired.as_str()]);
        assert_eq!((shown[0].refuses(), shown[0].class()), (true, "error"));
        // The page's own: an emptied URI is a step still to take.
        judged.put(Field::Uri, String::new());
        let own = judged.for_field(Field::Uri, Locale::En);
        assert_eq!(codes(&own), [Code::UriRequired.as_str()]);
        assert_eq!((own[0].refuses(), own[0].class()), (false, "hint"));
        assert!(judged.has_errors(), "it still blocks saving");
    }

    /// One text field of the form, on its own (its id is the field's code).
    fn mount_field(field: Field, label: fn(&Text) -> &'static str, hint: fn(&Text) -> &'static str) -> Mounted {
        mount(|_, _| (), move || view! { <TextField field=field label=label hint=hint autocomplete="off" /> })
    }

    #[wasm_bindgen_test]
    async fn a_field_answers_each_keystroke_and_its_suggestion_is_one_click_away() {
        let page = mount_field(Field::Uri, |t| t.uri, |t| t.uri_hint);
        assert_eq!(page.attr("#uri", "aria-describedby").as_deref(), Some("uri-hint uri-messages"));
        assert_eq!(page.attr("#uri-messages", "aria-live"), None, "shown at once, read out once typing pauses");
        // Empty, it is a step still to take: a hint, not an error in red before anything was typed.
        assert_eq!(page.attr("#uri-messages li", "data-code").as_deref(), Some(Code::UriRequired.as_str()));
        assert_eq!(page.attr("#uri-messages li", "class").as_deref(), Some("hint"));
        assert_eq!(page.attr("#uri", "aria-invalid").as_deref(), Some("false"));

        page.type_into("#uri", "mail.example.co");
        settle().await;
        let first = page.text("#uri-messages .message");
        assert!(first.ends_with("smtp://mail.example.co"), "{first}");
        page.type_into("#uri", "mail.example.com");
        settle().await;
        assert_eq!(page.state.form.uri.get_untracked(), "mail.example.com");
        assert_eq!(page.attr("#uri", "aria-invalid").as_deref(), Some("true"));
        assert_eq!(page.attr("#uri-messages li", "data-code").as_deref(), Some(Code::UriMissingScheme.as_str()));
        assert_eq!(page.attr("#uri-messages li", "class").as_deref(), Some("error"));

        page.click("#uri-messages .apply-suggestion");
        settle().await;
        assert_eq!(page.state.form.uri.get_untracked(), "smtp://mail.example.com");
        assert_eq!(page.attr("#uri", "aria-invalid").as_deref(), Some("false"));
        assert!(page.all("#uri-messages li").is_empty());

        page.type_into("#uri", "smtp://mail.example.com:465");
        settle().await;
        assert_eq!(page.attr("#uri", "aria-invalid").as_deref(), Some("false"));
        assert_eq!(page.attr("#uri-messages li", "class").as_deref(), Some("warning"));

        let suggestion = page.text("#uri-messages .apply-suggestion code");
        assert_eq!(suggestion, "smtps://mail.example.com");
        let problem = Problem::UriPortExpectsImplicitTls { port: 465, suggestion };
        assert_eq!(page.text("#uri-messages .message"), Issue::new(&problem, Locale::En).message);
        page.i18n.set(Locale::De);
        settle().await;
        assert_eq!(page.text("#uri-messages .message"), Issue::new(&problem, Locale::De).message);
    }

    /// A screen reader hears the messages of the field last typed into once the keystrokes pause, as they stand
    /// then; messages that came without typing (a refusal, a language switch, old values put back) are not read
    /// a second time.
    #[wasm_bindgen_test]
    async fn a_fields_messages_are_read_out_once_the_keystrokes_pause() {
        let page = mount_field(Field::DefaultFromAddress, |t| t.from, |t| t.from_hint);
        let said = |text: &str| text.to_owned();
        // The same message through several keystrokes 300 ms apart: nothing until the keys pause, though the first
        // was more than a pause ago.
        page.type_into("#default_from_address", "App <n");
        settle().await;
        let brackets = page.text("#default_from_address-messages .message");
        for typed in ["App <no", "App <not", "App <noti"] {
            pause(300).await;
            page.type_into("#default_from_address", typed);
        }
        pause(150).await;
        assert_eq!(page.text("#default_from_address-messages .message"), brackets, "the same message");
        assert_eq!(read_out(), "", "nothing while keys are typed, 1 s after the first");
        until(&page, "the message read out", || read_out() == said(&brackets)).await;

        // Messages that came without typing (a refusal, old values put back) are not read.
        page.i18n.set(Locale::De);
        page.state.form.from.set("app@".into());
        settle().await;
        pause(crate::announce::PAUSE.as_millis() as i32 + 250).await;
        assert_eq!(read_out(), said(&brackets), "read out though nothing was typed");

        // Typed, then changed before the pause by something else: read as it stands after the pause.
        page.type_into("#default_from_address", "app example.com");
        settle().await;
        page.i18n.set(Locale::En);
        settle().await;
        let english = page.text("#default_from_address-messages .message");
        until(&page, "the message as it stands after the pause", || read_out() == said(&english)).await;
        // Fixed: the region empties, without a word.
        page.type_into("#default_from_address", "app@example.com");
        until(&page, "silence once the field is right", || read_out().is_empty()).await;
    }
}
