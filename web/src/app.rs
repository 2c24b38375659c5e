//! The page's frame: language switch, session, and which view is shown (login or settings).
//!
//! The typed values live here, above both views, so an expired session that sends the admin back to the login
//! form does not lose them.

use crate::api::{self, Stored};
use crate::i18n::{I18n, tr, use_i18n};
use crate::login::Login;
use crate::probe::Trouble;
use crate::settings::Settings;
use crate::{has_focus, refocus};
use leptos::prelude::*;
use leptos::task::spawn_local;
use smtp_endpoint::{Field, Locale};

#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    Checking,
    /// The session could not be checked: the server is unreachable or answered something unexpected.
    Unknown(Trouble),
    SignedOut,
    /// The server said the session is gone while the admin was working; who was signed in.
    Expired(String),
    SignedIn(String),
}

/// The form's values, as typed.
#[derive(Debug, Clone, Copy)]
pub struct Form {
    pub uri: RwSignal<String>,
    pub username: RwSignal<String>,
    pub password: RwSignal<String>,
    pub from: RwSignal<String>,
    /// PEM certificates to trust besides the built-in roots (an internal relay's CA).
    pub custom_ca: RwSignal<String>,
    /// The admin asked to remove the stored password on the next save.
    pub remove_password: RwSignal<bool>,
    /// Something was typed since the stored values were loaded.
    pub dirty: RwSignal<bool>,
}

impl Form {
    pub fn new() -> Form {
        Form {
            uri: RwSignal::new(String::new()),
            username: RwSignal::new(String::new()),
            password: RwSignal::new(String::new()),
            from: RwSignal::new(String::new()),
            custom_ca: RwSignal::new(String::new()),
            remove_password: RwSignal::new(false),
            dirty: RwSignal::new(false),
        }
    }

    /// Shows the stored values; the password field stays empty (the password is write-only).
    pub fn load(self, stored: &Stored) {
        self.uri.set(stored.uri.clone().unwrap_or_default());
        self.username.set(stored.username.clone().unwrap_or_default());
        self.password.set(String::new());
        self.from.set(stored.default_from_address.clone().unwrap_or_default());
        self.custom_ca.set(stored.custom_ca_pem.clone().unwrap_or_default());
        self.remove_password.set(false);
        self.dirty.set(false);
    }

    /// The text a field holds.
    pub fn text(self, field: Field) -> RwSignal<String> {
        match field {
            Field::Uri => self.uri,
            Field::Username => self.username,
            Field::Password => self.password,
            Field::DefaultFromAddress => self.from,
            Field::CustomCaPem => self.custom_ca,
        }
    }

    pub fn clear(self) {
        self.load(&Stored::default());
    }

    /// Before saving mine over theirs after a conflict: a field left as it was in `base` takes their value, so only
    /// what was typed here replaces theirs. With a password typed, the connection it was typed for (URI,
    /// username, custom CA) stays as the form has it: it never goes to a server other than the one it was typed for.
    pub fn rebase(self, base: &Stored, theirs: &Stored) {
        let take = |text: RwSignal<String>, before: &Option<String>, now: &Option<String>| {
            if text.with_untracked(|typed| typed == before.as_deref().unwrap_or_default()) {
                text.set(now.clone().unwrap_or_default());
            }
        };
        take(self.from, &base.default_from_address, &theirs.default_from_address);
        if self.password.with_untracked(String::is_empty) {
            take(self.uri, &base.uri, &theirs.uri);
            take(self.username, &base.username, &theirs.username);
            take(self.custom_ca, &base.custom_ca_pem, &theirs.custom_ca_pem);
        }
    }
}

/// Shared by the views through the context.
#[derive(Debug, Clone, Copy)]
pub struct State {
    pub auth: RwSignal<Auth>,
    pub form: Form,
    /// The recipients typed for a check and for a test email: kept, like the form, when the session expires.
    pub check_to: RwSignal<String>,
    pub test_to: RwSignal<String>,
    /// The endpoint as last loaded or saved; `None` until loaded.
    pub stored: RwSignal<Option<Stored>>,
    /// Set by a sign-in here, or a session check's "Try again" that worked: the settings view then puts the keyboard
    /// on its first field (what had it is gone). A page load leaves the keyboard where the browser puts it.
    pub signed_in_here: StoredValue<bool>,
}

impl State {
    pub fn new() -> State {
        State {
            auth: RwSignal::new(Auth::Checking),
            form: Form::new(),
            check_to: RwSignal::new(String::new()),
            test_to: RwSignal::new(String::new()),
            stored: RwSignal::new(None),
            signed_in_here: StoredValue::new(false),
        }
    }

    /// Call on any 401: back to the login form, keeping the typed values. Only from a session: a late 401 after
    /// signing out is no expired session, and a second one does not open the login form anew.
    pub fn session_lost(self) {
        if let Auth::SignedIn(name) = self.auth.get_untracked() {
            self.auth.set(Auth::Expired(name));
        }
    }

    /// Forgets what was typed and loaded: at sign-out, and when another admin signs in where one's session ended
    /// (what the first typed, a password among it, is not the next one's to see).
    pub fn forget(self) {
        self.form.clear();
        self.check_to.set(String::new());
        self.test_to.set(String::new());
        self.stored.set(None);
        // The read-out region would otherwise keep saying the last field's messages.
        crate::announce::say(String::new());
    }
}

pub fn use_state() -> State {
    expect_context::<State>()
}

#[component]
pub fn App() -> impl IntoView {
    let i18n = I18n::new();
    provide_context(i18n);
    let state = State::new();
    provide_context(state);

    // Values typed and not saved are not lost to a reload or a closed tab by accident: the browser asks first.
    let unsaved = window_event_listener(leptos::ev::beforeunload, move |event| {
        if state.form.dirty.get_untracked() {
            event.prevent_default();
        }
    });
    on_cleanup(move || unsaved.remove());

    // Only a 401 means "signed out": a server that cannot be reached is said so, not met with a login form.
    let check_session = move |again: bool| {
        // "Try again" had the keyboard; it goes with the card.
        let again = again && has_focus("session-retry");
        state.auth.set(Auth::Checking);
        spawn_local(async move {
            let auth = match api::session(i18n.locale.get_untracked()).await {
                Ok(session) => Auth::SignedIn(session.username),
                Err(e) if e.is_unauthorized() => Auth::SignedOut,
                Err(e) => Auth::Unknown(Trouble::of_error(&e)),
            };
            // "Try again" pressed: the keyboard goes to the new one if it failed again, else to the form shown
            // (the settings form once loaded, as after a sign-in; the login form takes it itself).
            let failed = matches!(auth, Auth::Unknown(_));
            if again && !failed {
                state.signed_in_here.set_value(true);
            }
            state.auth.set(auth);
            if again && failed {
                refocus("session-retry");
            }
        });
    };
    check_session(false);

    let view = move || match state.auth.get() {
        Auth::Checking => view! { <p>{tr(|t| t.loading)}</p> }.into_any(),
        Auth::Unknown(trouble) => {
            view! { <LoadFailed id="session" class="card" trouble retry=move || check_session(true) /> }.into_any()
        }
        Auth::SignedOut | Auth::Expired(_) => view! { <Login /> }.into_any(),
        Auth::SignedIn(_) => view! { <Settings /> }.into_any(),
    };

    view! {
        <header class="bar">
            <h1>{tr(|t| t.title)}</h1>
            <div class="bar-tools">
                <LanguageSwitch />
                <SignOut />
            </div>
        </header>
        <main id="main">{view}</main>
    }
}

/// In place of a view whose data could not be loaded: what went wrong (in the chosen language), and "Try again".
/// The ids are `{id}-failed` and `{id}-retry`; `class` is the box's. A "Try again" that fails again takes its
/// button with it: the caller gives the keyboard back to the new one ([`refocus`]).
#[component]
pub fn LoadFailed(
    id: &'static str,
    class: &'static str,
    trouble: Trouble,
    retry: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class=class id=format!("{id}-failed") role="alert">
            <p class="error">{move || trouble.words(i18n.text())}</p>
            <button type="button" id=format!("{id}-retry") on:click=move |_| retry()>
                {tr(|t| t.retry)}
            </button>
        </div>
    }
}

#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let on_change = move |ev| i18n.set(Locale::from_tag(&event_target_value(&ev)));
    view! {
        <label class="language">
            <span>{tr(|t| t.language)}</span>
            <select id="language" on:change=on_change prop:value=move || i18n.get().as_str()>
                <option value="en" selected=move || i18n.get() == Locale::En>"English"</option>
                <option value="de" selected=move || i18n.get() == Locale::De>"Deutsch"</option>
            </select>
        </label>
    }
}

#[component]
fn SignOut() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_state();
    let user = move || match state.auth.get() {
        Auth::SignedIn(name) => Some(name),
        _ => None,
    };
    let sign_out = move |_| {
        // Signing out forgets what was typed: unsaved changes are not thrown away without asking.
        if !crate::discard_agreed(state.form, i18n.text().sign_out_unsaved) {
            return;
        }
        let locale = i18n.locale.get_untracked();
        spawn_local(async move {
            // Only a session the server ended (or had ended already) is forgotten, with what was typed: one it
            // could not end (its database held by another program, the server unreachable) still signs in
            // whoever uses this browser next, so the admin is told, and nothing is lost.
            if let Err(e) = api::logout(locale).await {
                let t = i18n.text();
                let words = format!("{} {}", t.not_signed_out, Trouble::of_error(&e).words(t));
                if let Some(window) = web_sys::window() {
                    let _ = window.alert_with_message(&words);
                }
                return;
            }
            state.forget();
            state.auth.set(Auth::SignedOut);
        });
    };
    move || {
        user().map(|name| {
            view! {
                <span class="who">{tr(|t| t.signed_in_as)} " " <strong>{name}</strong></span>
                <button type="button" id="sign-out" on:click=sign_out>
                    {tr(|t| t.sign_out)}
                </button>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::mount;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn stored(uri: &str, username: &str, from: &str) -> Stored {
        Stored {
            uri: Some(uri.into()),
            username: Some(username.into()),
            default_from_address: Some(from.into()),
            password_set: true,
            configured: true,
            ..Stored::default()
        }
    }

    /// "Save mine instead": each field left as loaded takes their value; a field changed here keeps mine; with a
    /// password typed, the connection it was typed for stays as typed.
    #[wasm_bindgen_test]
    fn a_save_over_theirs_takes_only_what_was_changed_here() {
        let page = mount(|_, _| (), || ());
        let form = page.state.form;
        let base = stored("smtp://old.example.com:587", "mailer", "Old <old@example.com>");
        let theirs = stored("smtp://new.example.com:587", "sender", "New <new@example.com>");

        form.load(&base);
        form.from.set("Mine <mine@example.com>".into());
        form.rebase(&base, &theirs);
        assert_eq!(form.uri.get_untracked(), "smtp://new.example.com:587", "left alone here: theirs");
        assert_eq!(form.username.get_untracked(), "sender");
        assert_eq!(form.from.get_untracked(), "Mine <mine@example.com>", "changed here: mine");

        form.load(&base);
        form.password.set("rotated".into());
        form.rebase(&base, &theirs);
        assert_eq!(form.uri.get_untracked(), "smtp://old.example.com:587", "the password's connection stays");
        assert_eq!(form.username.get_untracked(), "mailer");
        assert_eq!(form.from.get_untracked(), "New <new@example.com>", "the rest is theirs");

        form.load(&base);
        form.custom_ca.set("-----BEGIN CERTIFICATE-----".into());
        form.rebase(&base, &theirs);
        assert_eq!(form.custom_ca.get_untracked(), "-----BEGIN CERTIFICATE-----");
        assert_eq!(form.uri.get_untracked(), "smtp://new.example.com:587");
    }
}
