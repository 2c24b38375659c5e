//! The page's own words, in English and German, in one place. The messages about an endpoint come from the core
//! crate's catalogue (`smtp_endpoint::validate` with the chosen [`Locale`]), and so do the SMTP diagnoses, step
//! names and step notes, which arrive from the server as stable codes; only what another party said (an SMTP
//! reply, an OS or TLS error) is shown as it came.
//!
//! The chosen language is remembered in `localStorage`; on a first visit the browser's language decides.

use leptos::prelude::*;
use smtp_endpoint::{Field, Locale, Step};

const STORAGE_KEY: &str = "smtp-endpoint.locale";

/// Every fixed string of the page. One `static` per language, so a missing translation does not compile.
#[derive(Debug)]
pub struct Text {
    pub title: &'static str,
    pub language: &'static str,
    pub loading: &'static str,
    pub sign_in_title: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub signing_in: &'static str,
    pub wrong_credentials: &'static str,
    pub enter_credentials: &'static str,
    pub too_many_attempts: &'static str,
    /// `{}`: how long, from [`wait`].
    pub sign_in_again_in: &'static str,
    /// `{}`: a number of seconds.
    pub seconds: &'static str,
    pub until: &'static str,
    /// `{}`: a number of minutes.
    pub minutes: &'static str,
    pub session_expired: &'static str,
    pub sign_out: &'static str,
    pub sign_out_unsaved: &'static str,
    pub not_signed_out: &'static str,
    pub reload_unsaved: &'static str,
    pub signed_in_as: &'static str,
    pub unreachable: &'static str,
    pub unexpected: &'static str,
    pub gateway: &'static str,
    pub store_busy: &'static str,
    pub store_full: &'static str,
    pub result_outdated: &'static str,
    pub retry: &'static str,
    pub settings_title: &'static str,
    pub intro: &'static str,
    pub uri: &'static str,
    pub uri_hint: &'static str,
    pub username_hint: &'static str,
    pub from: &'static str,
    pub from_hint: &'static str,
    pub password_stored: &'static str,
    pub password_stored_hint: &'static str,
    pub password_none: &'static str,
    pub remove_password: &'static str,
    pub removal_pending: &'static str,
    pub keep_password: &'static str,
    pub show: &'static str,
    pub hide: &'static str,
    pub show_label: &'static str,
    pub hide_label: &'static str,
    pub reentry_rule: &'static str,
    pub custom_ca: &'static str,
    pub custom_ca_label: &'static str,
    pub custom_ca_hint: &'static str,
    pub use_suggestion: &'static str,
    pub open_custom_ca: &'static str,
    pub effective: &'static str,
    pub no_effective: &'static str,
    pub not_configured: &'static str,
    pub save: &'static str,
    pub saving: &'static str,
    pub save_blocked: &'static str,
    pub unsaved_changes: &'static str,
    pub saved: &'static str,
    pub unchanged: &'static str,
    pub by: &'static str,
    pub at: &'static str,
    pub version: &'static str,
    pub conflict: &'static str,
    pub reload: &'static str,
    pub overwrite: &'static str,
    pub server_refused: &'static str,
    pub unsaved_values: &'static str,
    pub verify_title: &'static str,
    pub verify: &'static str,
    pub verifying: &'static str,
    pub cancel: &'static str,
    pub cancelled: &'static str,
    pub check_recipient: &'static str,
    pub optional: &'static str,
    pub probe_ok: &'static str,
    pub probe_unencrypted: &'static str,
    pub probe_failed: &'static str,
    pub step_ok: &'static str,
    pub step_failed: &'static str,
    pub step_skipped: &'static str,
    pub diagnosis: &'static str,
    pub remedy: &'static str,
    pub server_reply: &'static str,
    pub certificate: &'static str,
    pub subject: &'static str,
    pub issuer: &'static str,
    pub expires: &'static str,
    pub valid_for: &'static str,
    pub trusted: &'static str,
    pub trusted_yes: &'static str,
    pub trusted_no: &'static str,
    pub fingerprint: &'static str,
    pub transcript: &'static str,
    pub test_title: &'static str,
    pub recipient: &'static str,
    pub send_test: &'static str,
    pub sending: &'static str,
    pub sent: &'static str,
    pub message_id: &'static str,
    pub not_sent: &'static str,
    pub test_cancelled: &'static str,
    pub too_many_checks: &'static str,
    /// `{}`: how long, from [`wait`].
    pub try_again_in: &'static str,
    pub fix_first: &'static str,
    pub refused_edited: &'static str,
    pub history_title: &'static str,
    pub history_empty: &'static str,
    pub history_older: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub changes: &'static str,
    /// A change of a field whose values the history does not show (the password, the CA certificates).
    pub change_set: &'static str,
    pub change_changed: &'static str,
    pub change_removed: &'static str,
    pub restore: &'static str,
    pub restore_hint: &'static str,
}

pub static EN: Text = Text {
    title: "SMTP endpoint",
    language: "Language",
    loading: "Loading…",
    sign_in_title: "Sign in",
    username: "Username",
    password: "Password",
    sign_in: "Sign in",
    signing_in: "Signing in…",
    wrong_credentials: "Wrong username or password.",
    enter_credentials: "Enter your username and password.",
    too_many_attempts: "Too many failed sign-ins. Wait a few minutes, then try again.",
    sign_in_again_in: "Too many failed sign-ins. Try again in {}.",
    seconds: "{} s",
    until: "until",
    minutes: "{} min",
    session_expired: "Your session has ended. Sign in again — what you typed is kept.",
    sign_out: "Sign out",
    sign_out_unsaved: "Sign out and discard the changes you have not saved?",
    not_signed_out: "Signing out did not finish; you may still be signed in:",
    reload_unsaved: "Load the saved version and discard the changes you have not saved?",
    signed_in_as: "Signed in as",
    unreachable: "The settings server could not be reached. Check that it is running, then try again.",
    unexpected: "Unexpected answer from the settings server",
    result_outdated: "This result is for the values the form held before your latest changes.",
    store_busy: "The settings server's database is held by another program. Try again in a moment.",
    store_full: "The disk of the settings server is full, so nothing was saved. Free up space on that server, then try again.",
    gateway: "A proxy in front of the settings server answered {} instead: the server itself did not answer (not running, unreachable, or slower than the proxy waits; a check can take 50 s). Check that it is running and how long the proxy waits, then try again.",
    retry: "Try again",
    settings_title: "Mail server",
    intro: "The one SMTP server all mail goes out through: notifications and password resets.",
    uri: "URI",
    uri_hint: "smtp://host (STARTTLS when the server offers it; add ?tls=required to require it) or smtps://host (TLS from the first byte); a port may follow, e.g. smtp://mail.example.com:587.",
    username_hint: "Leave empty if the server accepts mail without a login.",
    from: "Default From Address",
    from_hint: "Mail appears to come from this address; the server must allow sending from it.",
    password_stored: "stored — leave empty to keep",
    password_stored_hint: "A password is stored: leave the field empty to keep it, or type a new one to replace it.",
    password_none: "No password is stored.",
    remove_password: "Remove stored password",
    removal_pending: "The stored password will be removed when you save.",
    keep_password: "Keep it",
    show: "Show",
    hide: "Hide",
    show_label: "Show the password",
    hide_label: "Hide the password",
    reentry_rule: "A stored password is only ever sent to the server it was saved for: if you change the host, port, TLS mode, username or internal certificate authority, type the password again.",
    custom_ca: "Trust an internal certificate authority (optional)",
    custom_ca_label: "CA certificates (PEM)",
    custom_ca_hint: "Only for a mail server whose certificate is signed by your internal CA: paste its -----BEGIN CERTIFICATE----- block. Certificates are always verified.",
    use_suggestion: "Use",
    open_custom_ca: "Open the CA certificates field",
    effective: "Effective connection",
    no_effective: "— (the URI is not valid yet)",
    not_configured: "No endpoint is configured yet.",
    save: "Save",
    saving: "Saving…",
    save_blocked: "To save, fill in or correct:",
    unsaved_changes: "Not saved yet.",
    saved: "Saved",
    unchanged: "Nothing to save: these values are already saved",
    by: "by",
    at: "at",
    version: "version",
    conflict: "The endpoint was saved elsewhere in the meantime (by another admin, or in another tab), so yours was not saved. The history below shows that change.",
    reload: "Load the saved version",
    overwrite: "Save mine instead",
    server_refused: "The values were refused; see the messages above.",
    unsaved_values: "Uses the values in the form above, saved or not.",
    verify_title: "Verify connection",
    verify: "Verify connection",
    verifying: "Checking the connection… this can take a few seconds.",
    cancel: "Cancel",
    cancelled: "The check was cancelled.",
    check_recipient: "Also check this recipient",
    optional: "optional",
    probe_ok: "Check passed. No message was sent: a test email shows whether one is accepted.",
    probe_unencrypted: "The connection was not encrypted: the server offers no STARTTLS.",
    probe_failed: "The connection check failed.",
    step_ok: "ok",
    step_failed: "failed",
    step_skipped: "skipped",
    diagnosis: "Diagnosis",
    remedy: "What to do",
    server_reply: "Server reply",
    certificate: "Certificate",
    subject: "Subject",
    issuer: "Issuer",
    expires: "Expires",
    valid_for: "Valid for",
    trusted: "Trusted",
    trusted_yes: "yes: the chain and the host name check out",
    trusted_no: "no: refused in the handshake (see the diagnosis)",
    fingerprint: "SHA-256 fingerprint",
    transcript: "SMTP transcript",
    test_title: "Send test email",
    recipient: "Recipient",
    send_test: "Send test email",
    sending: "Sending… this can take a few seconds.",
    sent: "Sent to {}. The server replied",
    message_id: "Message-ID",
    not_sent: "The test email was not sent.",
    test_cancelled: "Cancelled. If the server had already accepted the message, it may still arrive.",
    too_many_checks: "Only a few checks and test emails are allowed per minute. Wait a moment, then try again.",
    try_again_in: "Only a few checks and test emails are allowed per minute. Try again in {}.",
    fix_first: "First fill in or correct:",
    refused_edited: "The server refused the values sent, which have been changed since. Try again.",
    history_title: "Change history",
    history_empty: "No changes yet.",
    history_older: "Show older changes",
    when: "When",
    who: "Who",
    changes: "Changes",
    change_set: "set",
    change_changed: "changed",
    change_removed: "removed",
    restore: "Use the old values",
    restore_hint: "“Use the old values” puts the values from before that change into the form above (except the password); nothing is saved until you save.",
};

pub static DE: Text = Text {
    title: "SMTP-Endpunkt",
    language: "Sprache",
    loading: "Wird geladen…",
    sign_in_title: "Anmelden",
    username: "Benutzername",
    password: "Passwort",
    sign_in: "Anmelden",
    signing_in: "Anmeldung läuft…",
    wrong_credentials: "Benutzername oder Passwort ist falsch.",
    enter_credentials: "Geben Sie Ihren Benutzernamen und Ihr Passwort ein.",
    too_many_attempts: "Zu viele fehlgeschlagene Anmeldungen. Warten Sie einige Minuten und versuchen Sie es dann erneut.",
    sign_in_again_in: "Zu viele fehlgeschlagene Anmeldungen. Versuchen Sie es in {} erneut.",
    seconds: "{} s",
    until: "bis",
    minutes: "{} min",
    session_expired: "Ihre Sitzung ist abgelaufen. Melden Sie sich erneut an – Ihre Eingaben bleiben erhalten.",
    sign_out: "Abmelden",
    sign_out_unsaved: "Abmelden und die nicht gespeicherten Änderungen verwerfen?",
    not_signed_out: "Die Abmeldung wurde nicht abgeschlossen; Sie sind möglicherweise noch angemeldet:",
    reload_unsaved: "Die gespeicherte Version laden und die nicht gespeicherten Änderungen verwerfen?",
    signed_in_as: "Angemeldet als",
    unreachable: "Der Einstellungsserver ist nicht erreichbar. Prüfen Sie, ob er läuft, und versuchen Sie es erneut.",
    unexpected: "Unerwartete Antwort des Einstellungsservers",
    result_outdated: "Dieses Ergebnis gilt für die Werte, die vor Ihren letzten Änderungen im Formular standen.",
    store_busy: "Die Datenbank des Einstellungsservers wird von einem anderen Programm belegt. Versuchen Sie es gleich noch einmal.",
    store_full: "Der Datenträger des Einstellungsservers ist voll, daher wurde nichts gespeichert. Geben Sie dort Speicherplatz frei und versuchen Sie es dann erneut.",
    gateway: "Ein Proxy vor dem Einstellungsserver hat stattdessen mit {} geantwortet: Der Server selbst hat nicht geantwortet (er läuft nicht, ist unerreichbar oder langsamer, als der Proxy wartet; eine Prüfung kann 50 s dauern). Prüfen Sie, ob er läuft und wie lange der Proxy wartet, und versuchen Sie es erneut.",
    retry: "Erneut versuchen",
    settings_title: "Mailserver",
    intro: "Der SMTP-Server, über den die Anwendung alle E-Mails versendet: Benachrichtigungen und E-Mails zum Zurücksetzen von Passwörtern.",
    uri: "URI",
    uri_hint: "smtp://host (STARTTLS, wenn der Server es anbietet; mit ?tls=required erzwingen) oder smtps://host (TLS ab dem ersten Byte); ein Port kann folgen, z. B. smtp://mail.example.com:587.",
    username_hint: "Leer lassen, wenn der Server E-Mails ohne Anmeldung annimmt.",
    from: "Standard-Absenderadresse",
    from_hint: "E-Mails werden mit dieser Absenderadresse versendet; der Server muss sie als Absender zulassen.",
    password_stored: "gespeichert – leer behält es",
    password_stored_hint: "Ein Passwort ist gespeichert: Lassen Sie das Feld leer, um es zu behalten, oder geben Sie ein neues ein, um es zu ersetzen.",
    password_none: "Es ist kein Passwort gespeichert.",
    remove_password: "Gespeichertes Passwort entfernen",
    removal_pending: "Das gespeicherte Passwort wird beim Speichern entfernt.",
    keep_password: "Behalten",
    show: "Anzeigen",
    hide: "Verbergen",
    show_label: "Passwort anzeigen",
    hide_label: "Passwort verbergen",
    reentry_rule: "Ein gespeichertes Passwort wird nur an den Server gesendet, für den es gespeichert wurde: Wenn Sie Host, Port, TLS-Modus, Benutzername oder die interne Zertifizierungsstelle ändern, geben Sie das Passwort erneut ein.",
    custom_ca: "Einer internen Zertifizierungsstelle vertrauen (optional)",
    custom_ca_label: "CA-Zertifikate (PEM)",
    custom_ca_hint: "Nur für einen Mailserver, dessen Zertifikat Ihre interne CA signiert hat: Fügen Sie deren Block ab -----BEGIN CERTIFICATE----- ein. Zertifikate werden immer geprüft.",
    use_suggestion: "Übernehmen:",
    open_custom_ca: "Feld „CA-Zertifikate“ öffnen",
    effective: "So wird verbunden",
    no_effective: "– (die URI ist noch nicht gültig)",
    not_configured: "Es ist noch kein Endpunkt eingerichtet.",
    save: "Speichern",
    saving: "Wird gespeichert…",
    save_blocked: "Zum Speichern ausfüllen oder korrigieren:",
    unsaved_changes: "Noch nicht gespeichert.",
    saved: "Gespeichert",
    unchanged: "Nichts zu speichern: Die Werte sind bereits gespeichert",
    by: "von",
    at: "am",
    version: "Version",
    conflict: "Der Endpunkt wurde inzwischen anderswo gespeichert (von einem anderen Admin oder in einem anderen Tab); Ihre Änderungen wurden nicht gespeichert. Der Verlauf unten zeigt diese Änderung.",
    reload: "Gespeicherte Version laden",
    overwrite: "Stattdessen meine Werte speichern",
    server_refused: "Die Werte wurden abgelehnt; siehe die Meldungen oben.",
    unsaved_values: "Verwendet die Werte im Formular oben, ob gespeichert oder nicht.",
    verify_title: "Verbindung prüfen",
    verify: "Verbindung prüfen",
    verifying: "Die Verbindung wird geprüft – das kann einige Sekunden dauern.",
    cancel: "Abbrechen",
    cancelled: "Die Prüfung wurde abgebrochen.",
    check_recipient: "Auch diesen Empfänger prüfen",
    optional: "optional",
    probe_ok: "Prüfung bestanden. Gesendet wurde nichts: Eine Test-E-Mail zeigt, ob eine Nachricht angenommen wird.",
    probe_unencrypted: "Die Verbindung war unverschlüsselt: Der Server bietet kein STARTTLS an.",
    probe_failed: "Die Verbindungsprüfung ist fehlgeschlagen.",
    step_ok: "OK",
    step_failed: "fehlgeschlagen",
    step_skipped: "übersprungen",
    diagnosis: "Diagnose",
    remedy: "Was zu tun ist",
    server_reply: "Antwort des Servers",
    certificate: "Zertifikat",
    subject: "Inhaber",
    issuer: "Aussteller",
    expires: "Gültig bis",
    valid_for: "Gültig für",
    trusted: "Vertrauenswürdig",
    trusted_yes: "ja: Zertifikatskette und Hostname stimmen",
    trusted_no: "nein: beim Handshake abgelehnt (siehe Diagnose)",
    fingerprint: "SHA-256-Fingerabdruck",
    transcript: "SMTP-Dialog",
    test_title: "Test-E-Mail senden",
    recipient: "Empfänger",
    send_test: "Test-E-Mail senden",
    sending: "Wird gesendet – das kann einige Sekunden dauern.",
    sent: "An {} gesendet. Der Server antwortete",
    message_id: "Message-ID",
    not_sent: "Die Test-E-Mail wurde nicht gesendet.",
    test_cancelled: "Abgebrochen. Hatte der Server die Nachricht schon angenommen, kann sie trotzdem ankommen.",
    too_many_checks: "Prüfungen und Test-E-Mails sind nur wenige pro Minute erlaubt. Warten Sie einen Moment und versuchen Sie es dann erneut.",
    try_again_in: "Prüfungen und Test-E-Mails sind nur wenige pro Minute erlaubt. Versuchen Sie es in {} erneut.",
    fix_first: "Zuerst ausfüllen oder korrigieren:",
    refused_edited: "Der Server hat die gesendeten Werte abgelehnt; sie wurden seitdem geändert. Versuchen Sie es erneut.",
    history_title: "Änderungsverlauf",
    history_empty: "Noch keine Änderungen.",
    history_older: "Ältere Änderungen zeigen",
    when: "Wann",
    who: "Wer",
    changes: "Änderungen",
    change_set: "gesetzt",
    change_changed: "geändert",
    change_removed: "entfernt",
    restore: "Alte Werte verwenden",
    restore_hint: "„Alte Werte verwenden“ setzt die Werte vor dieser Änderung ins Formular oben (außer dem Passwort); gespeichert wird erst beim Speichern.",
};

/// The name of a probe or test-email step, from the core's catalogue; an unknown step keeps its technical name.
pub fn step_name(step: &str, locale: Locale) -> String {
    Step::from_code(step).map_or_else(|| step.to_owned(), |step| step.name(locale).to_owned())
}

pub fn text(locale: Locale) -> &'static Text {
    match locale {
        Locale::En => &EN,
        Locale::De => &DE,
    }
}

impl Text {
    /// The label of a form field by its API name (for the history).
    pub fn field_name(&self, field: &str) -> String {
        let label = match Field::from_code(field) {
            Some(Field::Uri) => self.uri,
            Some(Field::Username) => self.username,
            Some(Field::Password) => self.password,
            Some(Field::DefaultFromAddress) => self.from,
            Some(Field::CustomCaPem) => self.custom_ca_label,
            None => field,
        };
        label.to_owned()
    }
}

/// The chosen language, shared by every component through the context.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    pub locale: RwSignal<Locale>,
}

impl I18n {
    /// The remembered language, else the browser's.
    pub fn new() -> I18n {
        let window = web_sys::window();
        let remembered = window
            .as_ref()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|storage| storage.get_item(STORAGE_KEY).ok().flatten());
        let tag = remembered.or_else(|| window.and_then(|w| w.navigator().language())).unwrap_or_default();
        let i18n = I18n { locale: RwSignal::new(Locale::from_tag(&tag)) };
        i18n.apply(i18n.locale.get_untracked());
        i18n
    }

    pub fn get(self) -> Locale {
        self.locale.get()
    }

    pub fn text(self) -> &'static Text {
        text(self.locale.get())
    }

    pub fn set(self, locale: Locale) {
        self.locale.set(locale);
        self.apply(locale);
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            // Not being able to remember the choice (private mode, full storage) only costs the choice.
            let _ = storage.set_item(STORAGE_KEY, locale.as_str());
        }
    }

    /// Sets `<html lang>`, so screen readers pronounce the page in its language, and the title (tab, history).
    fn apply(self, locale: Locale) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        if let Some(root) = document.document_element() {
            let _ = root.set_attribute("lang", locale.as_str());
        }
        document.set_title(text(locale).title);
    }
}

/// A text with a value in its `{}`.
pub fn fill(template: &str, value: impl std::fmt::Display) -> String {
    template.replacen("{}", &value.to_string(), 1)
}

/// How long to wait, as the server said it in seconds (minutes, rounded up, from two minutes on), and until when by
/// this browser's clock: "42 s (until 14:05:30)" — "until" in the page's language.
pub fn wait(t: &Text, wait: crate::api::Wait) -> String {
    let seconds = u64::from(wait.seconds);
    let how_long = if seconds >= 120 { fill(t.minutes, seconds.div_ceil(60)) } else { fill(t.seconds, seconds) };
    let over_at = wasm_bindgen::JsValue::from_f64(f64::from(wait.over_at) * 1000.0);
    let clock = js_sys::Date::new(&over_at).to_locale_time_string("en-GB");
    format!("{how_long} ({} {})", t.until, String::from(clock))
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// A text that follows the language. Every fixed string goes through this one function, so the view code that
/// renders and updates it is compiled once, not once per string (each distinct closure is its own type).
pub fn tr(words: fn(&Text) -> &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let i18n = use_i18n();
    move || words(i18n.text())
}
