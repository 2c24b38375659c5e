//! The login form. After an expired session it says so, and the settings form's values are still there — for the
//! admin whose session it was; another admin who signs in here gets the stored values.

use crate::api;
use crate::app::{Auth, use_state};
use crate::i18n::{Text, fill, tr, use_i18n, wait};
use crate::probe::Trouble;
use crate::{focus, focus_soon, has_focus, mark_ready, refocus};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Why signing in did not work; put into words when shown, so it follows the language.
#[derive(Debug, Clone, PartialEq)]
enum Failure {
    /// A field was left empty: nothing was sent (an empty try would count as a failed sign-in).
    Missing,
    /// Too many failed attempts; how long to wait, when the server said.
    Throttled(Option<api::Wait>),
    WrongCredentials,
    /// The server could not be reached, or answered unexpectedly.
    Request(Trouble),
}

impl Failure {
    fn words(&self, t: &Text) -> String {
        match self {
            Failure::Missing => t.enter_credentials.to_owned(),
            Failure::Throttled(Some(w)) => fill(t.sign_in_again_in, wait(t, *w)),
            Failure::Throttled(None) => t.too_many_attempts.to_owned(),
            Failure::WrongCredentials => t.wrong_credentials.to_owned(),
            Failure::Request(trouble) => trouble.words(t),
        }
    }
}

#[component]
pub fn Login() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_state();
    // After an expired session the name is known: only the password is asked for.
    let known = match state.auth.get_untracked() {
        Auth::Expired(name) => name,
        _ => String::new(),
    };
    focus_soon(if known.is_empty() { "login-username" } else { "login-password" });
    let username = RwSignal::new(known);
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    // Counts the sign-ins tried: a wait's words go when it is over, unless another try was made since.
    let tries = StoredValue::new(0u32);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        tries.update_value(|n| *n += 1);
        let this_try = tries.get_value();
        let (user, pass) = (username.get_untracked(), password.get_untracked());
        if user.is_empty() || pass.is_empty() {
            failure.set(Some(Failure::Missing));
            focus(if user.is_empty() { "login-username" } else { "login-password" });
            return;
        }
        // The button is disabled while it runs, which takes the keyboard from it: it gets it back if this fails.
        let had_keyboard = has_focus("login-submit");
        busy.set(true);
        failure.set(None);
        let locale = i18n.locale.get_untracked();
        spawn_local(async move {
            let result = api::login(&user, &pass, locale).await;
            busy.try_set(false);
            match result {
                Ok(()) => {
                    password.try_set(String::new());
                    let name = api::session(locale).await.map(|s| s.username).unwrap_or(user);
                    // The name as stored, from the session (only when that check fails, as typed: then a name
                    // typed in another case forgets too, which loses typing but shows nothing).
                    if matches!(state.auth.get_untracked(), Auth::Expired(was) if was != name) {
                        state.forget();
                    }
                    state.signed_in_here.set_value(true);
                    state.auth.set(Auth::SignedIn(name));
                }
                Err(api::Error::Api(e)) if e.status == 429 => {
                    // Its "try again in …" goes once that time is over, unless another try was made since.
                    if let Some(wait) = e.retry_after {
                        let over = move || {
                            if tries.try_get_value() == Some(this_try) {
                                failure.try_set(None);
                            }
                        };
                        set_timeout(over, wait.timer());
                    }
                    failure.try_set(Some(Failure::Throttled(e.retry_after)));
                }
                // Only a 401 is about the name and password; a 403 is the same-origin check (a proxy or a
                // public origin set wrongly), said as it is.
                Err(e) if e.is_unauthorized() => {
                    failure.try_set(Some(Failure::WrongCredentials));
                }
                Err(e) => {
                    failure.try_set(Some(Failure::Request(Trouble::of_error(&e))));
                }
            }
            if had_keyboard {
                refocus("login-submit");
            }
        });
    };

    mark_ready("smtp-endpoint:login-ready");
    view! {
        <section class="card login" aria-labelledby="login-title">
            <h2 id="login-title">{tr(|t| t.sign_in_title)}</h2>
            {move || matches!(state.auth.get(), Auth::Expired(_)).then(|| view! {
                <p class="notice" role="status" id="session-expired">{tr(|t| t.session_expired)}</p>
            })}
            <form id="login" on:submit=submit novalidate>
                <div class="field">
                    <label for="login-username">{tr(|t| t.username)}</label>
                    <input
                        id="login-username"
                        name="username"
                        type="text"
                        autocomplete="username"
                        required
                        prop:value=move || username.get()
                        on:input=move |ev| username.set(event_target_value(&ev))
                    />
                </div>
                <div class="field">
                    <label for="login-password">{tr(|t| t.password)}</label>
                    <input
                        id="login-password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                </div>
                <p class="error" id="login-error" role="alert">
                    {move || failure.get().map(|failure| failure.words(i18n.text()))}
                </p>
                <button type="submit" class="primary" id="login-submit" disabled=move || busy.get()>
                    {move || if busy.get() { i18n.text().signing_in } else { i18n.text().sign_in }}
                </button>
            </form>
        </section>
    }
}
