//! Who changed the endpoint, when, and which fields. Reloaded whenever the stored version changes.

use crate::api::{self, Change};
use crate::app::use_state;
use crate::i18n::{tr, use_i18n};
use crate::local_time;
use crate::probe::Trouble;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn History() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_state();
    let changes = RwSignal::new(None::<Vec<Change>>);
    let failure = RwSignal::new(None::<Trouble>);

    // Only the answer to the latest request is shown, whatever order the answers arrive in.
    let latest = StoredValue::new(0_u32);
    Effect::new(move |_| {
        // Reloaded whenever the stored endpoint is (re)loaded or saved.
        state.stored.track();
        let locale = i18n.locale.get_untracked();
        latest.update_value(|n| *n += 1);
        let request = latest.get_value();
        spawn_local(async move {
            let answer = api::history(locale).await;
            // The component may be gone by now; then there is nothing to update.
            if latest.try_get_value() != Some(request) {
                return;
            }
            match answer {
                Ok(list) => {
                    failure.try_set(None);
                    changes.try_set(Some(list));
                }
                Err(e) if e.is_unauthorized() => state.session_lost(),
                Err(e) => {
                    failure.try_set(Some(Trouble::of_error(&e)));
                }
            }
        });
    });

    let rows = move || {
        let t = i18n.text();
        let locale = i18n.get();
        if let Some(failure) = failure.get() {
            return Some(view! { <p class="error" id="history-failed">{failure.words(t)}</p> }.into_any());
        }
        changes.get().map(|list| {
            if list.is_empty() {
                return view! { <p class="hint" id="history-empty">{t.history_empty}</p> }.into_any();
            }
            view! {
                <div class="table-wrap">
                    <table id="history">
                        <thead>
                            <tr>
                                <th scope="col">{t.when}</th>
                                <th scope="col">{t.who}</th>
                                <th scope="col">{t.fields}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {list
                                .into_iter()
                                .map(|c| {
                                    let fields = c.changes.iter().map(|f| t.field_name(&f.field)).collect::<Vec<_>>().join(", ");
                                    view! {
                                        <tr>
                                            <td>{local_time(&c.changed_at, locale)}</td>
                                            <td>{c.changed_by}</td>
                                            <td>{fields}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        })
    };

    view! {
        <section class="card history" aria-labelledby="history-title">
            <h2 id="history-title">{tr(|t| t.history_title)}</h2>
            {rows}
        </section>
    }
}
