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
        ConnectionIdentity {
            host: self.uri.host().clone(),
            port: self.uri.port(),
            tls: self.uri.tls(),
            username: self.username.clone(),
        }
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

/// Whether a stored password must be typed again before it may be used with `draft` (the re-entry rule,
/// `password.reentry_required`): a stored password never follows the endpoint to another server.
pub fn requires_password_reentry(stored: &ConnectionIdentity, draft: &ConnectionIdentity) -> bool {
    stored != draft
}
