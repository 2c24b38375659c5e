//! Who changed the endpoint, when, and which fields from what to what. Asked for beside the stored endpoint, and
//! again whenever the stored version changes.

use crate::api::{self, Change, ChangeKind, FieldChange};
use crate::app::{LoadFailed, State};
use crate::i18n::{I18n, Text, tr, use_i18n};
use crate::local_time;
use crate::probe::Trouble;
use crate::settings::use_judged;
use crate::{focus, has_focus, refocus, refocus_or};
use leptos::prelude::*;
use leptos::task::spawn_local;
use smtp_endpoint::Field;
use smtp_endpoint::messages::shown;

/// The history's data, owned by the settings view: its first request goes out beside the stored endpoint's, not
/// after it.
#[derive(Clone, Copy)]
pub struct Log {
    changes: RwSignal<Option<Vec<Change>>>,
    /// The server has changes older than the last one shown.
    older: RwSignal<bool>,
    failure: RwSignal<Option<Trouble>>,
    /// Only the answer to the latest request is shown, whatever order the answers arrive in.
    latest: StoredValue<u32>,
    state: State,
    i18n: I18n,
}

impl Log {
    /// Asks for the history now, and again whenever the stored version changes (a save, a reload); when the
    /// stored endpoint first arrives only if this first request failed.
    pub fn start(state: State, i18n: I18n) -> Log {
        let log = Log {
            changes: RwSignal::new(None),
            older: RwSignal::new(false),
            failure: RwSignal::new(None),
            latest: StoredValue::new(0),
            state,
            i18n,
        };
        log.fetch(false);
        let version = Memo::new(move |_| state.stored.with(|s| s.as_ref().map(|s| s.version)));
        Effect::new(move |before: Option<Option<u64>>| {
            let now = version.get();
            if asks_again(before, now, log.failure.with_untracked(Option::is_some)) {
                log.fetch(false);
            }
            now
        });
        log
    }

    /// Asks for the history now: after a conflict, to show what the other save changed.
    pub fn refresh(self) {
        self.fetch(false);
    }

    /// The newest page again. `again`: "Try again" was pressed with the keyboard on it, and is gone: the keyboard
    /// goes to the list, or to the new "Try again" if it fails again.
    fn fetch(self, again: bool) {
        self.ask(None, again);
    }

    /// The page after the last change shown, added below it. `keyboard`: the button had the keyboard, which
    /// stays on it (or goes to the list after the last page, when the button is gone).
    fn fetch_older(self, keyboard: bool) {
        let oldest = self.changes.with_untracked(|list| list.as_ref().and_then(|l| l.last()).map(|c| c.version));
        if oldest.is_some() {
            self.ask(oldest, keyboard);
        }
    }

    /// A newest page is shown only if it answers the latest request for one; an older page only if the list
    /// still ends where it began: not after a newest page replaced the list meanwhile, nor twice (a second press
    /// while the first was on its way).
    fn ask(self, before: Option<u64>, keyboard: bool) {
        let Log { changes, older, failure, latest, state, i18n } = self;
        let locale = i18n.locale.get_untracked();
        // Asked for after an answer came, the view may be gone (signed out meanwhile): nothing to ask for then.
        let Some(request) = latest.try_update_value(|n| {
            *n += u32::from(before.is_none());
            *n
        }) else {
            return;
        };
        spawn_local(async move {
            let answer = api::history(before, locale).await;
            // The view is gone by now (signed out), or a newer request for the newest page on its way.
            match latest.try_get_value() {
                Some(newest) if before.is_some() || newest == request => {}
                _ => return,
            }
            match answer {
                Ok((list, more)) => {
                    let placed = changes.try_maybe_update(|shown| {
                        let placed = place(shown, before, list);
                        (placed.is_some(), placed)
                    });
                    if let Some(Some(ends_with_page)) = placed {
                        failure.try_set(None);
                        if ends_with_page {
                            older.try_set(more);
                        }
                        // The list is drawn anew, the button with it.
                        if keyboard {
                            let button = before.is_some() && more;
                            refocus_or(if button { "history-older" } else { "history" }, "history-empty");
                        }
                    }
                }
                Err(e) if e.is_unauthorized() => state.session_lost(),
                // An older page that no longer follows on fails unseen: the list shown is newer than its question.
                Err(e) if changes.with_untracked(|shown| follows(shown, before)) => {
                    failure.try_set(Some(Trouble::of_error(&e)));
                    if keyboard {
                        refocus("history-retry");
                    }
                }
                Err(_) => {}
            }
        });
    }
}

/// Whether an answer asked for with `before` is about the list shown: a newest page always is (it replaces the
/// list), an older one only while the list still ends with version `before`.
fn follows(shown: &Option<Vec<Change>>, before: Option<u64>) -> bool {
    before.is_none() || shown.as_ref().and_then(|list| list.last()).map(|c| c.version) == before
}

/// Puts a page of changes into the list shown, if it [`follows`] on: an older one after it; the newest page in
/// place of it — but where the page joins on to the list, the changes shown below it stay (a save closes no older
/// page, and an older page on its way still follows on). None when not placed; else whether the list now ends
/// where the page ends, so that the answer's "older changes remain" is about the list's end.
fn place(shown: &mut Option<Vec<Change>>, before: Option<u64>, mut page: Vec<Change>) -> Option<bool> {
    if !follows(shown, before) {
        return None;
    }
    let list = shown.get_or_insert_default();
    if before.is_some() {
        list.extend(page);
        return Some(true);
    }
    let oldest = page.last().map(|c| c.version);
    if list.iter().any(|c| Some(c.version) == oldest) {
        page.extend(list.drain(..).filter(|c| Some(c.version) < oldest));
    }
    *list = page;
    Some(list.last().map(|c| c.version) == oldest)
}

/// Whether the stored version going from `before` to `now` asks for the history again. `before` is None on the
/// first look, when the first request is on its way; `now` is None after signing out. When the stored endpoint
/// first arrives (`Some(None)`), only if the first request `failed`.
fn asks_again(before: Option<Option<u64>>, now: Option<u64>, failed: bool) -> bool {
    match before {
        None => false,
        Some(before) => now.is_some() && (before.is_some() || failed),
    }
}

#[component]
pub fn History(log: Log) -> impl IntoView {
    let i18n = use_i18n();
    let judged = use_judged();
    let Log { changes, older, failure, .. } = log;
    let retry = move || {
        // Asked for while "Try again" still has the keyboard (it goes with the failure).
        log.fetch(has_focus("history-retry"));
        failure.set(None);
    };

    let rows = move || {
        let t = i18n.text();
        let locale = i18n.get();
        if let Some(failure) = failure.get() {
            return view! { <LoadFailed id="history" class="history-failed" trouble=failure retry /> }.into_any();
        }
        let Some(list) = changes.get() else {
            return view! { <p>{t.loading}</p> }.into_any();
        };
        if list.is_empty() {
            return view! { <p class="hint" id="history-empty" tabindex="-1">{t.history_empty}</p> }.into_any();
        }
        // The hint explains a button that only changes with earlier values have.
        let restorable = list.iter().any(|c| !old_values(c).is_empty());
        view! {
            <div class="table-wrap">
                <table id="history" tabindex="-1">
                    <thead>
                        <tr role="row">
                            <th scope="col" role="columnheader">{t.when}</th>
                            <th scope="col" role="columnheader">{t.who}</th>
                            <th scope="col" role="columnheader">{t.changes}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list
                            .into_iter()
                            .map(|c| {
                                let changes = c
                                    .changes
                                    .iter()
                                    .map(|f| {
                                        view! {
                                            <li>
                                                <span class="field">{t.field_name(&f.field)} ":"</span>
                                                " "
                                                <span class="value">{what_changed(t, f)}</span>
                                            </li>
                                        }
                                    })
                                    .collect_view();
                                let old = old_values(&c);
                                // The row's time names the change a "Use the old values" button is about.
                                let when = format!("history-{}-when", c.version);
                                let described_by = when.clone();
                                let restore = old.first().map(|&(first, _)| first).map(|first| {
                                    let put_back = move |_| {
                                        for (field, value) in &old {
                                            judged.put(*field, value.clone());
                                        }
                                        // Where the old values need something typed (the password again, for
                                        // an old server), the keyboard goes there.
                                        focus(judged.first_invalid().unwrap_or(first).as_str());
                                    };
                                    view! {
                                        <button
                                            type="button"
                                            class="link restore"
                                            aria-describedby=described_by
                                            on:click=put_back
                                        >
                                            {t.restore}
                                        </button>
                                    }
                                });
                                // The roles keep the table a table for screen readers (Safari's) where the phone
                                // layout shows each row as a block.
                                view! {
                                    <tr data-version=c.version role="row">
                                        <td id=when role="cell">
                                            {local_time(&c.changed_at, locale)}
                                        </td>
                                        <td role="cell">{c.changed_by}</td>
                                        <td role="cell">
                                            <ul class="changes">{changes}</ul>
                                            {restore}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
            {older
                .get()
                .then(|| {
                    view! {
                        <button
                            type="button"
                            id="history-older"
                            on:click=move |_| log.fetch_older(has_focus("history-older"))
                        >
                            {t.history_older}
                        </button>
                    }
                })}
            {restorable.then(|| view! { <p class="hint" id="restore-hint">{t.restore_hint}</p> })}
        }
        .into_any()
    };

    view! {
        <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">{tr(|t| t.history_title)}</h2>
            {rows}
        </section>
    }
}

/// The values from before a change, to put into the form: every field but the password, which the history
/// never holds. None when there were none before (the first configuration): that would only empty the form.
fn old_values(change: &Change) -> Vec<(Field, String)> {
    let fields: Vec<(Field, Option<String>)> = change
        .changes
        .iter()
        .filter_map(|c| {
            let field = Field::from_code(&c.field)?;
            (field != Field::Password).then(|| (field, c.old.clone()))
        })
        .collect();
    if fields.iter().all(|(_, old)| old.is_none()) {
        return Vec::new();
    }
    fields.into_iter().map(|(field, old)| (field, old.unwrap_or_default())).collect()
}

/// A field's values before and after (`old → new`, `—` for empty), or only what happened to the password and to
/// the CA certificates, whose text does not fit a table cell.
fn what_changed(t: &Text, change: &FieldChange) -> String {
    const EMPTY: &str = "—";
    let word = || match change.kind {
        ChangeKind::Set => t.change_set,
        ChangeKind::Changed => t.change_changed,
        ChangeKind::Removed => t.change_removed,
    };
    if change.field == Field::CustomCaPem.as_str() {
        return word().to_owned();
    }
    // A character that cannot be seen shows as its code point: "bo[U+200B]b → bob" is a change.
    shown(&match (&change.old, &change.new) {
        (None, None) => return word().to_owned(),
        (None, Some(new)) => new.clone(),
        (old, new) => format!("{} → {}", old.as_deref().unwrap_or(EMPTY), new.as_deref().unwrap_or(EMPTY)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::text;
    use smtp_endpoint::Locale;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn change(field: Field, kind: ChangeKind, old: Option<&str>, new: Option<&str>) -> FieldChange {
        FieldChange { field: field.as_str().into(), kind, old: old.map(Into::into), new: new.map(Into::into) }
    }

    #[wasm_bindgen_test]
    fn the_history_is_asked_for_again_when_the_stored_version_changes() {
        assert!(!asks_again(None, Some(3), false), "the first request is on its way");
        assert!(!asks_again(Some(None), Some(3), false), "the stored endpoint arrived beside the history");
        assert!(asks_again(Some(None), Some(3), true), "it arrived and the history had failed: the server is back");
        assert!(asks_again(Some(Some(3)), Some(4), false), "saved (or reloaded) version 4");
        assert!(!asks_again(Some(Some(3)), None, false), "signed out");
    }

    #[wasm_bindgen_test]
    fn an_older_page_is_added_only_where_it_follows_on() {
        let page = |versions: &[u64]| -> Vec<Change> {
            let entry = |version| Change { version, changed_at: "t".into(), changed_by: "a".into(), changes: vec![] };
            versions.iter().copied().map(entry).collect()
        };
        let versions = |shown: &Option<Vec<Change>>| shown.iter().flatten().map(|c| c.version).collect::<Vec<_>>();
        let mut shown = None;
        assert_eq!(place(&mut shown, Some(5), page(&[4, 3])), None, "no list yet to add to");
        assert_eq!(place(&mut shown, None, page(&[7, 6, 5])), Some(true));
        // A save while "Show older changes" is on its way: the newest page joins on, the list still ends at 5...
        assert_eq!(place(&mut shown, None, page(&[8, 7, 6])), Some(false));
        assert_eq!(versions(&shown), [8, 7, 6, 5]);
        // ... so the older page still follows on when it comes.
        assert_eq!(place(&mut shown, Some(5), page(&[4, 3])), Some(true));
        assert_eq!(versions(&shown), [8, 7, 6, 5, 4, 3]);
        assert_eq!(place(&mut shown, Some(5), page(&[4, 3])), None, "the same page again (pressed twice)");
        // Another save: the older changes shown stay below the newest page; the list still ends at 3.
        assert_eq!(place(&mut shown, None, page(&[9, 8, 7])), Some(false));
        assert_eq!(versions(&shown), [9, 8, 7, 6, 5, 4, 3]);
        assert_eq!(place(&mut shown, Some(3), page(&[2])), Some(true));
        assert_eq!(versions(&shown), [9, 8, 7, 6, 5, 4, 3, 2]);
        // Many saves elsewhere: a newest page that does not join on replaces the list, and an older page asked
        // for before does not fit, nor does its failure (the list shown is newer than its question).
        assert_eq!(place(&mut shown, None, page(&[30, 29, 28])), Some(true));
        assert_eq!(versions(&shown), [30, 29, 28]);
        assert_eq!(place(&mut shown, Some(2), page(&[1])), None);
        assert!(!follows(&shown, Some(2)) && follows(&shown, Some(28)) && follows(&shown, None));
        // The same newest page again (a reload without changes) keeps the list as it is, and says where it ends.
        assert_eq!(place(&mut shown, None, page(&[30, 29, 28])), Some(true));
        assert_eq!(versions(&shown), [30, 29, 28]);
        assert_eq!(place(&mut shown, None, page(&[])), Some(true), "an empty answer: an empty list");
        assert_eq!(versions(&shown), [] as [u64; 0]);
    }

    #[wasm_bindgen_test]
    fn the_old_values_are_every_changed_field_but_the_password() {
        let entry = Change {
            version: 4,
            changed_at: "t".into(),
            changed_by: "admin".into(),
            changes: vec![
                change(Field::Uri, ChangeKind::Changed, Some("smtp://a:587"), Some("smtps://a")),
                change(Field::Password, ChangeKind::Changed, None, None),
                change(Field::Username, ChangeKind::Set, None, Some("mailer")),
                FieldChange { field: "some_new_field".into(), kind: ChangeKind::Set, old: None, new: Some("x".into()) },
            ],
        };
        assert_eq!(old_values(&entry), [(Field::Uri, "smtp://a:587".into()), (Field::Username, String::new())]);
        let first = Change { changes: entry.changes[1..].to_vec(), ..entry };
        assert_eq!(old_values(&first), [], "nothing before the first configuration");
    }

    /// The old values of a change of server, with a password stored: the password has to be typed again for the
    /// old server, so the keyboard goes to it, not to the URI.
    #[wasm_bindgen_test]
    async fn the_old_values_take_the_keyboard_where_they_need_something_typed() {
        use crate::testing::{mount, settle};
        let entry = Change {
            version: 4,
            changed_at: "2026-11-29T03:00:00Z".into(),
            changed_by: "admin".into(),
            changes: vec![change(Field::Uri, ChangeKind::Changed, Some("smtp://old.example.com"), Some("smtps://a"))],
        };
        let page = mount(
            |_, _| (),
            move || {
                let state = crate::app::use_state();
                let log = Log {
                    changes: RwSignal::new(Some(vec![entry])),
                    older: RwSignal::new(false),
                    failure: RwSignal::new(None),
                    latest: StoredValue::new(0),
                    state,
                    i18n: use_i18n(),
                };
                view! {
                    <input id="uri" />
                    <input id="password" />
                    <History log=log />
                }
            },
        );
        let stored = api::Stored {
            uri: Some("smtps://a".into()),
            username: Some("mailer".into()),
            password_set: true,
            default_from_address: Some("app@example.com".into()),
            configured: true,
            version: 4,
            ..api::Stored::default()
        };
        page.state.form.load(&stored);
        page.state.stored.set(Some(stored));
        settle().await;
        page.click("#history .restore");
        settle().await;
        assert_eq!(page.state.form.uri.get_untracked(), "smtp://old.example.com");
        let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
        assert_eq!(active.map(|e| e.id()).as_deref(), Some("password"));
    }

    #[wasm_bindgen_test]
    fn a_change_shows_its_values_but_neither_password_nor_certificates() {
        let (en, de) = (text(Locale::En), text(Locale::De));
        let uri = change(Field::Uri, ChangeKind::Changed, Some("smtp://a:587"), Some("smtps://a"));
        assert_eq!(what_changed(en, &uri), "smtp://a:587 → smtps://a");
        let user = change(Field::Username, ChangeKind::Set, None, Some("mailer"));
        assert_eq!(what_changed(en, &user), "mailer");
        let user = change(Field::Username, ChangeKind::Removed, Some("mailer"), None);
        assert_eq!(what_changed(en, &user), "mailer → —");
        let invisible = change(Field::Username, ChangeKind::Changed, Some("bo\u{200b}b"), Some("bob"));
        assert_eq!(what_changed(en, &invisible), "bo[U+200B]b → bob", "a change one cannot see is shown");
        let password = change(Field::Password, ChangeKind::Changed, None, None);
        assert_eq!((what_changed(en, &password), what_changed(de, &password)), ("changed".into(), "geändert".into()));
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
        let ca = change(Field::CustomCaPem, ChangeKind::Set, None, Some(pem));
        assert_eq!(what_changed(en, &ca), "set");
        assert_eq!(en.field_name("custom_ca_pem"), en.custom_ca_label);
        assert_eq!(de.field_name("some_new_field"), "some_new_field", "a field this page does not know");
    }
}
