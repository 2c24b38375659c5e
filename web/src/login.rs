//! The login form. After an expired session it says so, and the settings form's values are still there.

use crate::api;
use crate::app::{Auth, use_state};
use crate::i18n::{tr, use_i18n};
use crate::mark_ready;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn Login() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_state();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    // Which sentence to show, chosen by what happened; the words follow the language.
    let failure = RwSignal::new(None::<fn(&crate::i18n::Text) -> String>);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let locale = i18n.locale.get_untracked();
        spawn_local(async move {
            let (user, pass) = (username.get_untracked(), password.get_untracked());
            let result = api::login(&user, &pass, locale).await;
            busy.try_set(false);
            match result {
                Ok(()) => {
                    password.try_set(String::new());
                    let name = api::session(locale).await.map(|s| s.username).unwrap_or(user);
                    state.auth.set(Auth::SignedIn(name));
                }
                Err(e) if e.status() == Some(429) => {
                    failure.try_set(Some(|t| t.too_many_attempts.to_owned()));
                }
                Err(e) if matches!(e.status(), Some(400 | 401 | 403 | 422)) => {
                    failure.try_set(Some(|t| t.wrong_credentials.to_owned()));
                }
                Err(api::Error::Fetch(_)) => {
                    failure.try_set(Some(|t| t.unreachable.to_owned()));
                }
                Err(e) => {
                    let detail = e.detail();
                    leptos::logging::warn!("login failed: {detail}");
                    {
                        failure.try_set(Some(|t| t.unexpected.to_owned()));
                    };
                }
            }
        });
    };

    mark_ready("smtp-endpoint:login-ready");
    view! {
        <section class="card login" aria-labelledby="login-title">
            <h2 id="login-title">{tr(|t| t.sign_in_title)}</h2>
            {move || (state.auth.get() == Auth::Expired).then(|| view! {
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
                    {move || failure.get().map(|words| words(i18n.text()))}
                </p>
                <button type="submit" class="primary" id="login-submit" disabled=move || busy.get()>
                    {move || if busy.get() { i18n.text().signing_in } else { i18n.text().sign_in }}
                </button>
            </form>
        </section>
    }
}
