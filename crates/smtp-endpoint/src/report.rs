use crate::address::FromAddress;
use crate::code::{Code, Field};
use crate::credentials::{MAX_PASSWORD_LEN, MAX_USERNAME_LEN, TextDefect, check_text, is_invisible, trim};
use crate::custom_ca::check_custom_ca;
use crate::locale::Locale;
use crate::messages;
use crate::problem::Problem;
use crate::uri::{Scheme, SmtpUri, TlsMode};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a client sends to be judged; the same shape on the wire, in JavaScript and in Rust. Every value may
/// be missing or empty.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct EndpointInput {
    pub uri: Option<String>,
    pub username: Option<String>,
    /// Never trimmed: white space can be part of a password.
    pub password: Option<String>,
    pub default_from_address: Option<String>,
    /// PEM certificates to trust besides the built-in roots; missing or blank: none.
    pub custom_ca_pem: Option<String>,
    /// A password is already stored, so an empty `password` is not a missing one.
    pub password_set: bool,
    pub locale: Locale,
}

impl fmt::Debug for EndpointInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndpointInput")
            .field("uri", &self.uri)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("default_from_address", &self.default_from_address)
            .field("custom_ca_pem", &self.custom_ca_pem.as_ref().map(String::len))
            .field("password_set", &self.password_set)
            .field("locale", &self.locale)
            .finish()
    }
}

/// The verdict on an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub valid: bool,
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
    /// What the URI will do, when it parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<Effective>,
    /// The default from address, when it parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<FromSummary>,
}

/// One error or warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub field: Field,
    pub code: Code,
    pub message: String,
    /// A replacement value for the field that fixes the problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

impl Issue {
    pub fn new(problem: &Problem, locale: Locale) -> Issue {
        Issue {
            field: problem.field(),
            code: problem.code(),
            message: problem.message(locale),
            suggestion: problem.suggestion().map(str::to_owned),
        }
    }
}

/// The connection a valid URI describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effective {
    /// The normalised URI.
    pub uri: String,
    pub scheme: Scheme,
    /// Host name in ASCII, or an IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// Whether the client logs in: a username is set (valid, or refused only for a control character, which the
    /// summary then shows as its code point).
    pub auth: bool,
    /// One sentence that says what the connection will do.
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FromSummary {
    pub address: String,
    pub display_name: Option<String>,
}

/// The outcome of checking every rule, before it is put into words.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    pub uri: Option<SmtpUri>,
    /// The username, when one is set (valid only when `errors` has none for it).
    pub username: Option<String>,
    pub from: Option<FromAddress>,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

pub(crate) fn check(input: &EndpointInput) -> Checked {
    let mut checked = Checked::default();

    let uri = SmtpUri::parse(input.uri.as_deref().unwrap_or_default());
    let username = trim(input.username.as_deref().unwrap_or_default());
    let password = input.password.as_deref().unwrap_or_default();
    let has_username = !username.is_empty();
    let has_password = !password.is_empty() || input.password_set;

    match &uri {
        Ok(uri) => {
            checked.warnings.extend(uri.warnings());
            if (has_username || has_password) && uri.sends_login_in_clear() {
                checked.errors.push(Problem::UriPlaintextAuth { suggestion: uri.plaintext_fix() });
            }
        }
        Err(problem) => {
            let mut problem = problem.clone();
            if has_username || has_password {
                problem.suggest_for_login();
            }
            checked.errors.push(problem);
        }
    }

    match check_text(username, MAX_USERNAME_LEN) {
        Err(defect) => {
            // Passed on unless too long, so the summary does not say "does not log in" beside the username's
            // error; it shows a control character as its code point, so an injected line never reaches it.
            if defect == TextDefect::ControlCharacter {
                checked.username = Some(username.to_owned());
            }
            checked.errors.push(Problem::UsernameInvalid(defect));
        }
        Ok(()) if has_password && !has_username => checked.errors.push(Problem::UsernameRequired),
        Ok(()) => {
            // Warned, not refused: a joiner can belong to a name (in Persian, say).
            if username.chars().any(is_invisible) {
                checked.warnings.push(Problem::UsernameInvisibleCharacter { username: username.to_owned() });
            }
            checked.username = has_username.then(|| username.to_owned());
        }
    }
    match check_text(password, MAX_PASSWORD_LEN) {
        Err(defect) => checked.errors.push(Problem::PasswordInvalid(defect)),
        Ok(()) if has_username && !has_password => checked.errors.push(Problem::PasswordRequired),
        // Never trimmed (a space can belong to it), but a space at its ends is more often a paste's.
        Ok(()) if password.chars().any(is_invisible) || password.starts_with(' ') || password.ends_with(' ') => {
            checked.warnings.push(Problem::PasswordInvisibleCharacter)
        }
        Ok(()) => {}
    }

    match FromAddress::parse(input.default_from_address.as_deref().unwrap_or_default()) {
        Ok(from) => checked.from = Some(from),
        Err(problem) => checked.errors.push(problem),
    }

    if let Some(pem) = input.custom_ca_pem.as_deref().filter(|pem| !trim(pem).is_empty())
        && let Err(defect) = check_custom_ca(pem)
    {
        checked.errors.push(Problem::CustomCaInvalid(defect));
    }

    checked.uri = uri.ok();
    checked
}

/// Judges an endpoint: every rule, with messages in the input's locale.
pub fn validate(input: &EndpointInput) -> Report {
    let locale = input.locale;
    let checked = check(input);
    let issues = |problems: &[Problem]| problems.iter().map(|p| Issue::new(p, locale)).collect::<Vec<_>>();
    Report {
        valid: checked.errors.is_empty(),
        errors: issues(&checked.errors),
        warnings: issues(&checked.warnings),
        effective: checked.uri.as_ref().map(|uri| Effective {
            uri: uri.to_string(),
            scheme: uri.scheme(),
            host: uri.host().connect_name(),
            port: uri.port(),
            tls: uri.tls(),
            auth: checked.username.is_some(),
            summary: messages::summary(uri, checked.username.as_deref(), locale),
        }),
        from: checked
            .from
            .as_ref()
            .map(|from| FromSummary { address: from.address(), display_name: from.display_name().map(str::to_owned) }),
    }
}
