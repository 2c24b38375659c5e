use crate::address::FromAddress;
use crate::host::Host;
use crate::problem::Problem;
use crate::report::{EndpointInput, check};
use crate::uri::{SmtpUri, TlsMode};

/// An endpoint that passed every rule. It holds no password: the caller keeps that as a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    uri: SmtpUri,
    username: Option<String>,
    from: FromAddress,
}

impl Endpoint {
    /// Parses an endpoint; on failure, every error (warnings are in [`crate::validate`]'s report).
    pub fn parse(input: &EndpointInput) -> Result<Endpoint, Vec<Problem>> {
        let checked = check(input);
        match (checked.uri, checked.from) {
            (Some(uri), Some(from)) if checked.errors.is_empty() => {
                Ok(Endpoint { uri, username: checked.username, from })
            }
            _ => Err(checked.errors),
        }
    }

    pub fn uri(&self) -> &SmtpUri {
        &self.uri
    }

    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    pub fn from(&self) -> &FromAddress {
        &self.from
    }
}

/// What a stored password is bound to: it may only be sent to the same host and port, over the same kind of
/// TLS, for the same username, trusting the same certificate authorities besides the built-in ones (another CA
/// would let another server pass for this one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConnectionIdentity {
    pub host: Host,
    pub port: u16,
    pub tls: TlsMode,
    pub username: Option<String>,
    /// The custom CA's PEM text, trimmed, with Windows line endings read as `\n` (the same certificates pasted from
    /// Windows are the same CA). Nothing else is evened out: removing other white space could turn text that is no
    /// certificate block (`-----BEGIN CERTIFICATE -----`) into one, a CA the stored one does not trust.
    /// `None` for the built-in roots only.
    pub custom_ca: Option<String>,
}

impl ConnectionIdentity {
    /// The connection a URI, a username and a custom CA describe, as typed (trimmed; empty is none). `None` when
    /// the URI does not parse: its own error says why.
    pub fn of(uri: &str, username: Option<&str>, custom_ca: Option<&str>) -> Option<ConnectionIdentity> {
        let uri = SmtpUri::parse(uri).ok()?;
        let typed =
            |value: Option<&str>| value.map(crate::credentials::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        Some(ConnectionIdentity {
            host: uri.host().clone(),
            port: uri.port(),
            tls: uri.tls(),
            username: typed(username),
            custom_ca: typed(custom_ca).map(|pem| unix_lines(&pem)),
        })
    }
}

/// `text` with each `\r\n` as `\n` (and nothing else changed). A loop, not `str::replace`: the page runs this, and
/// `replace` cost it 0.1 kB.
fn unix_lines(text: &str) -> String {
    let mut lines = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if !(c == '\r' && chars.peek() == Some(&'\n')) {
            lines.push(c);
        }
    }
    lines
}

/// Whether a stored password must be typed again before it may be used with the draft (the re-entry rule,
/// `password.reentry_required`): a stored password never follows the endpoint to another server. Each side is
/// `None` when its URI does not parse. The page and the server both ask this.
pub fn requires_password_reentry(stored: Option<&ConnectionIdentity>, draft: Option<&ConnectionIdentity>) -> bool {
    match (stored, draft) {
        // The draft's URI has an error of its own; nothing is sent with it.
        (_, None) => false,
        // Without a username the draft is refused as `username.required`, and the way out of that is a username
        // or removing the password, not typing it again.
        (_, Some(draft)) if draft.username.is_none() => false,
        // A stored URI that no longer parses (the rules became stricter) vouches for no connection.
        (None, Some(_)) => true,
        (Some(stored), Some(draft)) => stored != draft,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(uri: &str, username: &str) -> ConnectionIdentity {
        ConnectionIdentity::of(uri, Some(username), None).unwrap_or_else(|| panic!("{uri} does not parse"))
    }

    fn reentry(stored: &ConnectionIdentity, draft: &ConnectionIdentity) -> bool {
        requires_password_reentry(Some(stored), Some(draft))
    }

    #[test]
    fn a_connection_is_the_host_port_tls_mode_username_and_custom_ca_as_the_server_reads_them() {
        let stored = identity("smtp://mail.example.com:587", "user");
        assert_eq!(identity("SMTP://Mail.Example.COM:587", " user "), stored);
        assert_eq!(ConnectionIdentity::of("smtp://mail.example.com", Some("  "), None).map(|i| i.username), Some(None));
        assert_eq!(ConnectionIdentity::of("mail.example.com", Some("user"), None), None);
        let with_ca = |pem: &str| ConnectionIdentity::of("smtp://mail.example.com:587", Some("user"), Some(pem));
        assert_eq!(with_ca(" \n").as_ref(), Some(&stored), "an empty custom CA is none");
        for other in [
            identity("smtp://other.example.com:587", "user"),
            identity("smtp://mail.example.com:2525", "user"),
            identity("smtps://mail.example.com:587", "user"),
            identity("smtp://mail.example.com:587?tls=required", "user"),
            identity("smtp://mail.example.com:587", "someone-else"),
            with_ca("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----").expect("parses"),
        ] {
            assert!(reentry(&stored, &other), "{other:?}");
        }
        assert!(!reentry(&stored, &stored));

        // The same certificates are the same CA whatever their line endings (from Windows); another certificate,
        // one more, or a block only white space kept from being one, is another CA.
        let ca = with_ca("-----BEGIN CERTIFICATE-----\nMIIB\nAA==\n-----END CERTIFICATE-----\n").expect("parses");
        let same = [
            "-----BEGIN CERTIFICATE-----\r\nMIIB\r\nAA==\r\n-----END CERTIFICATE-----\r\n",
            "-----BEGIN CERTIFICATE-----\nMIIB\nAA==\n-----END CERTIFICATE-----\n\n",
        ];
        for pem in same {
            assert!(!reentry(&ca, &with_ca(pem).expect("parses")), "{pem:?}");
        }
        let others = [
            "-----BEGIN CERTIFICATE-----\nMIIC\nAA==\n-----END CERTIFICATE-----\n",
            "-----BEGIN CERTIFICATE-----\nMIIB\nAA==\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----",
            "-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n",
        ];
        // A text whose second block a space hides (no PEM reader sees it) trusts one CA; without the space, two.
        let hidden = "-----BEGIN CERTIFICATE-----\nMIIB\nAA==\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE -----\nAA==\n-----END CERTIFICATE -----\n";
        let shown = hidden.replace("CERTIFICATE -----", "CERTIFICATE-----");
        assert!(reentry(&with_ca(hidden).expect("parses"), &with_ca(&shown).expect("parses")));
        for pem in others {
            assert!(reentry(&ca, &with_ca(pem).expect("parses")), "{pem:?}");
        }
    }

    #[test]
    fn a_stored_uri_that_no_longer_parses_vouches_for_no_connection() {
        let draft = identity("smtp://mail.example.com:587", "user");
        assert!(requires_password_reentry(None, Some(&draft)));
        assert!(!requires_password_reentry(Some(&draft), None), "the draft's URI has its own error");
    }

    /// Without a username the draft is refused as `username.required`; asking for the password again as well
    /// would contradict that message's way out (remove the password).
    #[test]
    fn no_username_is_refused_on_its_own_not_by_the_reentry_rule() {
        let stored = identity("smtp://mail.example.com:587", "user");
        let anonymous = identity("smtp://mail.example.com:587", "");
        assert!(!reentry(&stored, &anonymous));
        assert!(!requires_password_reentry(None, Some(&anonymous)));
        let report = crate::validate(&EndpointInput {
            uri: Some("smtp://mail.example.com:587".into()),
            default_from_address: Some("app@example.com".into()),
            password_set: true,
            ..EndpointInput::default()
        });
        let codes: Vec<_> = report.errors.iter().map(|issue| issue.code.as_str()).collect();
        assert_eq!(codes, ["username.required"]);
    }
}
