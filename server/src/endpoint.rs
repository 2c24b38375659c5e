//! The stored SMTP endpoint: what a client sees, what a save does, and what the SMTP work gets.
//!
//! The rules are the core crate's; this module adds what only a server knows: the stored password (kept,
//! removed or replaced), the re-entry rule against the stored connection, and the version for optimistic
//! concurrency. The password is write-only: nothing here returns it except [`SmtpSettings`], for sending mail.

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{ChangeKind, EndpointRecord, EndpointUpdate, FieldChange};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use smtp_endpoint::{
    ConnectionIdentity, CustomCaDefect, Endpoint, EndpointInput, Field, Issue, Locale, Problem, Report,
    requires_password_reentry, validate,
};
use utoipa::ToSchema;
use zeroize::Zeroize;

/// The endpoint as the API shows it. There is no password field, in any form: only `password_set`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EndpointView {
    /// The normalised URI; empty while unconfigured.
    pub uri: String,
    pub username: Option<String>,
    pub password_set: bool,
    pub default_from_address: String,
    /// PEM certificates trusted in addition to the built-in roots.
    pub custom_ca_pem: Option<String>,
    /// False until the first save.
    pub configured: bool,
    /// Also the `ETag` (`"<version>"`).
    pub version: i64,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
}

impl From<&EndpointRecord> for EndpointView {
    fn from(record: &EndpointRecord) -> EndpointView {
        EndpointView {
            uri: record.uri.clone(),
            username: record.username.clone(),
            password_set: record.password_ciphertext.is_some(),
            default_from_address: record.default_from_address.clone(),
            custom_ca_pem: record.custom_ca_pem.clone(),
            configured: record.configured,
            version: record.version,
            updated_at: record.updated_at.clone(),
            updated_by: record.updated_by.clone(),
        }
    }
}

/// Unsaved values: the body of `PUT /api/endpoints/smtp`, of `…/validate`, and the `draft` of probes.
///
/// `password`: absent = keep the stored one, `""` = remove it, anything else replaces it. Only ever read from
/// a request: it has no `Serialize` (which would also drop the password from the OpenAPI schema).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointDraft {
    pub uri: Option<String>,
    pub username: Option<String>,
    /// Absent: keep the stored password; `""`: remove it; anything else replaces it. Never returned.
    #[schema(value_type = Option<String>, format = Password, write_only)]
    pub password: Option<SecretString>,
    pub default_from_address: Option<String>,
    pub custom_ca_pem: Option<String>,
    /// `en` or `de` for the messages; overrides `Accept-Language`.
    #[schema(value_type = Option<String>, example = "de")]
    pub locale: Option<Locale>,
}

/// What a draft does to the stored password.
#[derive(Debug, Clone)]
pub enum PasswordChange {
    Keep,
    Remove,
    Replace(SecretString),
}

impl PasswordChange {
    /// What a password as sent does: none keeps the stored one, an empty one removes it, any other replaces it.
    pub fn of(sent: Option<&SecretString>) -> PasswordChange {
        match sent {
            None => PasswordChange::Keep,
            Some(password) if password.expose_secret().is_empty() => PasswordChange::Remove,
            Some(password) => PasswordChange::Replace(password.clone()),
        }
    }

    /// As the core judges it: the password typed, and whether a stored one (if `stored`) stays set.
    pub fn input(&self, stored: bool) -> (Option<String>, bool) {
        match self {
            PasswordChange::Replace(secret) => (Some(secret.expose_secret().to_owned()), false),
            PasswordChange::Keep => (None, stored),
            PasswordChange::Remove => (None, false),
        }
    }
}

impl EndpointDraft {
    pub fn password_change(&self) -> PasswordChange {
        PasswordChange::of(self.password.as_ref())
    }

    fn custom_ca(&self) -> Option<&str> {
        crate::smtp::custom_ca::given(self.custom_ca_pem.as_deref())
    }
}

/// The verdict on a draft against the stored endpoint, and the endpoint when it is valid.
#[derive(Debug)]
pub struct Judgement {
    pub report: Report,
    pub endpoint: Option<Endpoint>,
    pub password: PasswordChange,
}

/// Judges a draft with the core crate, as the server will store it: a kept password counts as set, and a kept
/// password may not follow the endpoint to another host, port, TLS mode, username or custom CA
/// (`password.reentry_required`).
pub fn judge(stored: &EndpointRecord, draft: &EndpointDraft, locale: Locale) -> Judgement {
    let password = draft.password_change();
    let (typed, keeps_stored) = password.input(stored.password_ciphertext.is_some());
    let mut input = EndpointInput {
        uri: draft.uri.clone(),
        username: draft.username.clone(),
        password: typed,
        default_from_address: draft.default_from_address.clone(),
        custom_ca_pem: draft.custom_ca_pem.clone(),
        password_set: keeps_stored,
        locale,
    };
    let mut report = validate(&input);
    judge_custom_ca_certificates(&mut report, draft.custom_ca(), locale);
    let endpoint = Endpoint::parse(&input).ok();
    input.password.zeroize();

    if keeps_stored {
        let before = ConnectionIdentity::of(&stored.uri, stored.username.as_deref(), stored.custom_ca_pem.as_deref());
        let after = ConnectionIdentity::of(
            draft.uri.as_deref().unwrap_or_default(),
            draft.username.as_deref(),
            draft.custom_ca_pem.as_deref(),
        );
        let reentry = requires_password_reentry(before.as_ref(), after.as_ref());
        if reentry {
            report.errors.push(Issue::new(&Problem::PasswordReentryRequired, locale));
            report.valid = false;
        }
    }
    let endpoint = endpoint.filter(|_| report.valid);
    Judgement { report, endpoint, password }
}

/// The core judged a custom CA's text; whether its blocks are certificates that can be trusted is judged here
/// (for the API and the CLI's `check` alike).
pub fn judge_custom_ca_certificates(report: &mut Report, pem: Option<&str>, locale: Locale) {
    if let Some(pem) = pem
        && !report.errors.iter().any(|issue| issue.field == Field::CustomCaPem)
        && let Err(defect) = crate::smtp::custom_ca::parse(pem)
    {
        report.errors.push(Issue::new(&Problem::CustomCaInvalid(defect), locale));
        report.valid = false;
    }
}

/// 422 with a report that holds only the custom CA's refusal (for a stored CA that no longer parses).
pub fn custom_ca_refused(defect: CustomCaDefect, locale: Locale) -> ApiError {
    let issue = Issue::new(&Problem::CustomCaInvalid(defect), locale);
    ApiError::Invalid(Box::new(Report {
        valid: false,
        errors: vec![issue],
        warnings: Vec::new(),
        effective: None,
        from: None,
    }))
}

/// Checks `If-Match` against the current version.
fn check_version(if_match: &IfMatch, current: i64) -> Result<(), ApiError> {
    match if_match {
        IfMatch::Missing => Err(ApiError::PreconditionRequired),
        IfMatch::Versions(versions) if versions.contains(&current) => Ok(()),
        IfMatch::Versions(_) => Err(ApiError::VersionConflict),
    }
}

/// The parsed `If-Match` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// No header, `*`, or nothing in it that names a version (`4` without quotes, `"04"`): the change is refused as
    /// unversioned (428), not as a conflict with someone else's save.
    Missing,
    /// The versions named (unparseable entries beside them are left out, so they never match).
    Versions(Vec<i64>),
}

impl IfMatch {
    /// Reads `"3"` or `"3", "4"`. `*` is not accepted: a change must name the version it was based on. A weak tag
    /// (`W/"3"`) names its version too: a proxy that compresses the answer (nginx's gzip, a CDN) weakens the
    /// `ETag` it passes on, and a client that sends back what it got must still be able to save; the version is
    /// compared exactly, so no other version can pass for it.
    pub fn parse(value: Option<&str>) -> IfMatch {
        let versions: Vec<i64> = value
            .unwrap_or_default()
            .split(',')
            .filter_map(|tag| {
                let tag = tag.trim();
                let inner = tag.strip_prefix("W/").unwrap_or(tag).strip_prefix('"')?.strip_suffix('"')?;
                // Compared as the tags they are (strong comparison): `"03"` or `"+3"` is not the tag `"3"`.
                inner.parse().ok().filter(|version: &i64| *version >= 1 && version.to_string() == inner)
            })
            .collect();
        if versions.is_empty() { IfMatch::Missing } else { IfMatch::Versions(versions) }
    }
}

/// The `ETag` of a version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

fn field_change(field: &str, old: Option<&str>, new: Option<&str>) -> Option<FieldChange> {
    let old = old.filter(|value| !value.is_empty());
    let new = new.filter(|value| !value.is_empty());
    let change = match (old, new) {
        (None, None) => return None,
        (Some(old), Some(new)) if old == new => return None,
        (None, Some(_)) => ChangeKind::Set,
        (Some(_), None) => ChangeKind::Removed,
        (Some(_), Some(_)) => ChangeKind::Changed,
    };
    Some(FieldChange { field: field.to_owned(), change, old: old.map(str::to_owned), new: new.map(str::to_owned) })
}

/// `PUT /api/endpoints/smtp`: validates, applies the re-entry rule, encrypts a new password and saves, if
/// `If-Match` names the current version. A save that changes nothing returns the endpoint as it is.
pub async fn save(
    state: &AppState,
    actor: &str,
    if_match: &IfMatch,
    draft: &EndpointDraft,
    locale: Locale,
) -> Result<EndpointRecord, ApiError> {
    let stored = state.store().endpoint().await?;
    check_version(if_match, stored.version)?;
    let judgement = judge(&stored, draft, locale);
    let Some(endpoint) = judgement.endpoint else { return Err(ApiError::Invalid(Box::new(judgement.report))) };

    let uri = endpoint.uri().to_string();
    let username = endpoint.username().map(str::to_owned);
    let from = smtp_endpoint::trim(draft.default_from_address.as_deref().unwrap_or_default()).to_owned();
    let custom_ca_pem = draft.custom_ca().map(str::to_owned);
    let mut changes: Vec<FieldChange> = [
        field_change("uri", Some(&stored.uri), Some(&uri)),
        field_change("username", stored.username.as_deref(), username.as_deref()),
        field_change("default_from_address", Some(&stored.default_from_address), Some(&from)),
        field_change("custom_ca_pem", stored.custom_ca_pem.as_deref(), custom_ca_pem.as_deref()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let password_ciphertext = match &judgement.password {
        PasswordChange::Keep => stored.password_ciphertext.clone(),
        PasswordChange::Remove => {
            if stored.password_ciphertext.is_some() {
                changes.push(secret_change(ChangeKind::Removed));
            }
            None
        }
        // Always a new version, even when it is the stored password again: an answer that told the two apart
        // would let a signed-in admin test guesses of the stored password.
        PasswordChange::Replace(password) => {
            let kind = if stored.password_ciphertext.is_some() { ChangeKind::Changed } else { ChangeKind::Set };
            changes.push(secret_change(kind));
            Some(state.master_key().encrypt_password(password))
        }
    };
    if changes.is_empty() && stored.configured {
        return Ok(EndpointRecord::clone(&stored));
    }
    let fields: Vec<&str> = changes.iter().map(|change| change.field.as_str()).collect();
    let fields = fields.join(",");
    let update = EndpointUpdate {
        uri,
        username,
        password_ciphertext,
        default_from_address: from,
        custom_ca_pem,
        updated_at: now_rfc3339(),
        updated_by: actor.to_owned(),
        changes,
    };
    match state.store().update_endpoint(stored.version, update).await {
        Ok(record) => {
            tracing::info!(version = record.version, by = actor, fields, "endpoint saved");
            Ok(record)
        }
        Err(error) => Err(error.into()),
    }
}

fn secret_change(change: ChangeKind) -> FieldChange {
    FieldChange { field: "password".to_owned(), change, old: None, new: None }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|now| now.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// Everything needed to talk to the SMTP server: the validated endpoint, the password in clear (only as a
/// secret), and the custom CA. For the SMTP work only; never serialised.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub endpoint: Endpoint,
    pub password: Option<SecretString>,
    pub custom_ca_pem: Option<String>,
    /// The stored version these settings come from; `None` for a draft.
    pub version: Option<i64>,
}

/// The stored endpoint with its password decrypted; `None` while unconfigured. A stored endpoint that no longer
/// passes the rules (they may have tightened) gives 422 with the report.
pub async fn stored_settings(state: &AppState) -> Result<Option<SmtpSettings>, ApiError> {
    let stored = state.store().endpoint().await?;
    if !stored.configured {
        return Ok(None);
    }
    let input = EndpointInput {
        uri: Some(stored.uri.clone()),
        username: stored.username.clone(),
        password: None,
        default_from_address: Some(stored.default_from_address.clone()),
        custom_ca_pem: stored.custom_ca_pem.clone(),
        password_set: stored.password_ciphertext.is_some(),
        locale: Locale::En,
    };
    let endpoint = Endpoint::parse(&input).map_err(|_| ApiError::Invalid(Box::new(validate(&input))))?;
    let password = stored
        .password_ciphertext
        .as_deref()
        .map(|blob| state.master_key().decrypt_password(blob))
        .transpose()
        .map_err(ApiError::internal)?;
    Ok(Some(SmtpSettings {
        endpoint,
        password,
        custom_ca_pem: stored.custom_ca_pem.clone(),
        version: Some(stored.version),
    }))
}

/// A draft made usable for a probe or a test email, under the same rules as saving it: 422 with the report when
/// it is invalid, including `password.reentry_required` when it would take the stored password elsewhere.
pub async fn draft_settings(state: &AppState, draft: &EndpointDraft, locale: Locale) -> Result<SmtpSettings, ApiError> {
    let stored = state.store().endpoint().await?;
    let judgement = judge(&stored, draft, locale);
    let Some(endpoint) = judgement.endpoint else { return Err(ApiError::Invalid(Box::new(judgement.report))) };
    let password = match judgement.password {
        PasswordChange::Keep => stored
            .password_ciphertext
            .as_deref()
            .map(|blob| state.master_key().decrypt_password(blob))
            .transpose()
            .map_err(ApiError::internal)?,
        PasswordChange::Remove => None,
        PasswordChange::Replace(password) => Some(password),
    };
    Ok(SmtpSettings { endpoint, password, custom_ca_pem: draft.custom_ca().map(str::to_owned), version: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(uri: &str, username: Option<&str>, password: bool) -> EndpointRecord {
        EndpointRecord {
            uri: uri.to_owned(),
            username: username.map(str::to_owned),
            password_ciphertext: password.then(|| vec![1, 2, 3]),
            default_from_address: "app@example.com".to_owned(),
            custom_ca_pem: None,
            configured: true,
            version: 2,
            updated_at: None,
            updated_by: None,
        }
    }

    fn draft(uri: &str, username: Option<&str>, password: Option<&str>) -> EndpointDraft {
        EndpointDraft {
            uri: Some(uri.to_owned()),
            username: username.map(str::to_owned),
            password: password.map(SecretString::from),
            default_from_address: Some("app@example.com".to_owned()),
            ..EndpointDraft::default()
        }
    }

    fn reentry(report: &Report) -> bool {
        report.errors.iter().any(|issue| issue.code == smtp_endpoint::Code::PasswordReentryRequired)
    }

    #[test]
    fn re_entry_rule() {
        let before = stored("smtp://mail.example.com:587", Some("user"), true);
        // (draft uri, username, password, re-entry required?)
        let rows: &[(&str, Option<&str>, Option<&str>, bool)] = &[
            ("smtp://mail.example.com:587", Some("user"), None, false),
            ("SMTP://Mail.Example.com:587", Some(" user "), None, false),
            ("smtp://other.example.com:587", Some("user"), None, true),
            ("smtp://mail.example.com:2525", Some("user"), None, true),
            ("smtps://mail.example.com:587", Some("user"), None, true),
            ("smtp://mail.example.com:587?tls=required", Some("user"), None, true),
            ("smtp://mail.example.com:587", Some("other"), None, true),
            ("smtp://other.example.com:587", Some("user"), Some("new password"), false),
        ];
        // Another CA trusted with the stored password: another server could pass for this one.
        let mut other_ca = draft("smtp://mail.example.com:587", Some("user"), None);
        other_ca.custom_ca_pem = Some("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----".into());
        assert!(reentry(&judge(&before, &other_ca, Locale::En).report));
        for &(uri, username, password, expected) in rows {
            let judgement = judge(&before, &draft(uri, username, password), Locale::En);
            assert_eq!(reentry(&judgement.report), expected, "{uri} {username:?} {password:?}");
            assert_eq!(judgement.endpoint.is_some(), !expected, "{uri}");
        }
    }

    #[test]
    fn a_stored_uri_that_no_longer_reads_vouches_for_nothing() {
        let before = stored("not a uri any more", Some("user"), true);
        let judgement = judge(&before, &draft("smtp://mail.example.com:587", Some("user"), None), Locale::En);
        assert!(reentry(&judgement.report));
        let typed = judge(&before, &draft("smtp://mail.example.com:587", Some("user"), Some("new")), Locale::En);
        assert!(typed.report.valid, "{:?}", typed.report);
    }

    #[test]
    fn no_stored_password_means_no_re_entry() {
        let before = stored("smtp://mail.example.com", None, false);
        let judgement = judge(&before, &draft("smtp://other.example.com", None, None), Locale::En);
        assert!(judgement.report.valid);
    }

    #[test]
    fn if_match_parsing() {
        assert_eq!(IfMatch::parse(None), IfMatch::Missing);
        assert_eq!(IfMatch::parse(Some("*")), IfMatch::Missing);
        assert_eq!(IfMatch::parse(Some("\"3\"")), IfMatch::Versions(vec![3]));
        assert_eq!(IfMatch::parse(Some("\"3\", \"4\"")), IfMatch::Versions(vec![3, 4]));
        for malformed in [
            "3",
            "\"abc\"",
            "",
            "\"03\"",
            "\"+3\"",
            "\" 3\"",
            "\"99999999999999999999\"",
            "\"-3\"",
            "\"0\"",
            "W/3",
            "w/\"3\"",
        ] {
            assert_eq!(IfMatch::parse(Some(malformed)), IfMatch::Missing, "{malformed}");
        }
        // Weakened by a proxy on the way: still that version, and only that one.
        assert_eq!(IfMatch::parse(Some("W/\"3\"")), IfMatch::Versions(vec![3]));
        assert_eq!(IfMatch::parse(Some("W/\"3\", \"4\"")), IfMatch::Versions(vec![3, 4]));
        assert_eq!(IfMatch::parse(Some("W/\"03\"")), IfMatch::Missing);
    }
}
