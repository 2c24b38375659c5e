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

    pub fn identity(&self) -> ConnectionIdentity {
        ConnectionIdentity::new(&self.uri, self.username.clone())
    }
}

/// What a stored password is bound to: it may only be sent to the same host and port, over the same kind of
/// TLS, for the same username.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConnectionIdentity {
    pub host: Host,
    pub port: u16,
    pub tls: TlsMode,
    pub username: Option<String>,
}

impl ConnectionIdentity {
    fn new(uri: &SmtpUri, username: Option<String>) -> ConnectionIdentity {
        ConnectionIdentity { host: uri.host().clone(), port: uri.port(), tls: uri.tls(), username }
    }

    /// The connection a URI and a username describe, as typed (the username trimmed; empty is none). `None` when
    /// the URI does not parse: its own error says why.
    pub fn of(uri: &str, username: Option<&str>) -> Option<ConnectionIdentity> {
        let uri = SmtpUri::parse(uri).ok()?;
        let username = username.map(crate::credentials::trim).filter(|name| !name.is_empty()).map(str::to_owned);
        Some(ConnectionIdentity::new(&uri, username))
    }
}

/// Whether a stored password must be typed again before it may be used with `draft` (the re-entry rule,
/// `password.reentry_required`): a stored password never follows the endpoint to another server. Not when the
/// draft names no username: a password without one is refused on its own (`username.required`), and the way out
/// of that is a username or removing the password, not typing it again.
pub fn requires_password_reentry(stored: &ConnectionIdentity, draft: &ConnectionIdentity) -> bool {
    stored != draft && draft.username.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(uri: &str, username: &str) -> ConnectionIdentity {
        ConnectionIdentity::of(uri, Some(username)).unwrap_or_else(|| panic!("{uri} does not parse"))
    }

    #[test]
    fn a_connection_is_the_host_port_tls_mode_and_username_as_the_server_reads_them() {
        let stored = identity("smtp://mail.example.com:587", "user");
        assert_eq!(identity("SMTP://Mail.Example.COM:587", " user "), stored);
        assert_eq!(ConnectionIdentity::of("smtp://mail.example.com", Some("  ")).map(|i| i.username), Some(None));
        assert_eq!(ConnectionIdentity::of("mail.example.com", Some("user")), None);
        for other in [
            identity("smtp://other.example.com:587", "user"),
            identity("smtp://mail.example.com:2525", "user"),
            identity("smtps://mail.example.com:587", "user"),
            identity("smtp://mail.example.com:587?tls=required", "user"),
            identity("smtp://mail.example.com:587", "someone-else"),
        ] {
            assert!(requires_password_reentry(&stored, &other), "{other:?}");
        }
        assert!(!requires_password_reentry(&stored, &stored));
    }

    /// Without a username the draft is refused as `username.required`; asking for the password again as well
    /// would contradict that message's way out (remove the password).
    #[test]
    fn no_username_is_refused_on_its_own_not_by_the_reentry_rule() {
        let stored = identity("smtp://mail.example.com:587", "user");
        let anonymous = identity("smtp://mail.example.com:587", "");
        assert!(!requires_password_reentry(&stored, &anonymous));
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
