use crate::address::{AddressDefect, AddressSlip};
use crate::code::{Code, Field};
use crate::credentials::TextDefect;
use crate::custom_ca::CustomCaDefect;
use crate::host::HostDefect;
use crate::locale::Locale;
use crate::messages;
use crate::uri::SmtpUri;

/// A part of a URI that has no meaning for an SMTP endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Component {
    Path,
    Fragment,
    /// A query parameter other than `tls` / `starttls`.
    Query {
        key: String,
    },
    /// `tls` or `starttls` with a value that is not one of theirs.
    TlsOptionValue {
        key: String,
        value: String,
    },
    /// `smtps://` is TLS from the first byte; it takes no TLS option.
    TlsOptionOnSmtps,
    ConflictingTlsOptions,
}

/// Everything that can be wrong with an endpoint, with what a message needs to say about it.
///
/// A problem never carries the password, so no message can repeat it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    UriRequired,
    UriMissingScheme {
        suggestion: Option<String>,
    },
    UriUnknownScheme {
        scheme: String,
        suggestion: Option<String>,
    },
    UriInvalidHost(HostDefect),
    UriBracketedIpv4 {
        suggestion: Option<String>,
    },
    /// `smtp://2001:db8::1`: an IPv6 address takes brackets in a URI (no suggestion when its last group could be
    /// a port).
    UriUnbracketedIpv6 {
        suggestion: Option<String>,
    },
    UriInvalidPort {
        port: String,
    },
    UriCredentialsInUri,
    UriUnsupportedComponent(Component),
    UriPlaintextAuth {
        suggestion: String,
    },
    UriInvalid(TextDefect),
    /// White space inside the URI; with a suggestion when it stands where a port's colon belongs
    /// (`smtp.example.com 587`, as a provider's settings list host and port).
    UriSpace {
        suggestion: Option<String>,
    },
    /// Quotation marks or angle brackets around a URI that is valid without them (pasted with it).
    UriQuoted {
        suggestion: String,
    },
    UriPortExpectsImplicitTls {
        port: u16,
        suggestion: String,
    },
    UriPortExpectsStarttls {
        port: u16,
        suggestion: String,
    },
    UsernameRequired,
    UsernameInvalid(TextDefect),
    /// A zero-width character, direction mark or white space other than the space inside a username (warning):
    /// pasted text brings these along, and the server would not know the name with it.
    UsernameInvisibleCharacter {
        username: String,
    },
    PasswordRequired,
    PasswordInvalid(TextDefect),
    /// The same in a password, or a space at its start or end (warning); the message names neither the character
    /// nor where it is.
    PasswordInvisibleCharacter,
    PasswordReentryRequired,
    FromRequired,
    FromInvalid(AddressDefect),
    /// Not valid as typed, but a known slip: the address meant is suggested.
    FromSlip {
        slip: AddressSlip,
        suggestion: String,
    },
    CustomCaInvalid(CustomCaDefect),
}

impl Problem {
    pub fn code(&self) -> Code {
        match self {
            Problem::UriRequired => Code::UriRequired,
            Problem::UriMissingScheme { .. } => Code::UriMissingScheme,
            Problem::UriUnknownScheme { .. } => Code::UriUnknownScheme,
            // `smtp://[192.0.2.1]`: brackets are for IPv6 addresses.
            Problem::UriInvalidHost(_) | Problem::UriBracketedIpv4 { .. } | Problem::UriUnbracketedIpv6 { .. } => {
                Code::UriInvalidHost
            }
            Problem::UriInvalidPort { .. } => Code::UriInvalidPort,
            Problem::UriCredentialsInUri => Code::UriCredentialsInUri,
            Problem::UriUnsupportedComponent(_) => Code::UriUnsupportedComponent,
            Problem::UriPlaintextAuth { .. } => Code::UriPlaintextAuth,
            Problem::UriInvalid(_) | Problem::UriSpace { .. } | Problem::UriQuoted { .. } => Code::UriInvalid,
            Problem::UriPortExpectsImplicitTls { .. } => Code::UriPortExpectsImplicitTls,
            Problem::UriPortExpectsStarttls { .. } => Code::UriPortExpectsStarttls,
            Problem::UsernameRequired => Code::UsernameRequired,
            Problem::UsernameInvalid(_) => Code::UsernameInvalid,
            Problem::UsernameInvisibleCharacter { .. } => Code::UsernameInvisibleCharacter,
            Problem::PasswordRequired => Code::PasswordRequired,
            Problem::PasswordInvalid(_) => Code::PasswordInvalid,
            Problem::PasswordInvisibleCharacter => Code::PasswordInvisibleCharacter,
            Problem::PasswordReentryRequired => Code::PasswordReentryRequired,
            Problem::FromRequired => Code::FromRequired,
            Problem::FromInvalid(_) | Problem::FromSlip { .. } => Code::FromInvalid,
            Problem::CustomCaInvalid(_) => Code::CustomCaInvalid,
        }
    }

    pub fn field(&self) -> Field {
        match self.code() {
            Code::UriRequired
            | Code::UriMissingScheme
            | Code::UriUnknownScheme
            | Code::UriInvalidHost
            | Code::UriInvalidPort
            | Code::UriCredentialsInUri
            | Code::UriUnsupportedComponent
            | Code::UriPlaintextAuth
            | Code::UriInvalid
            | Code::UriPortExpectsImplicitTls
            | Code::UriPortExpectsStarttls => Field::Uri,
            Code::UsernameRequired | Code::UsernameInvalid | Code::UsernameInvisibleCharacter => Field::Username,
            Code::PasswordRequired
            | Code::PasswordInvalid
            | Code::PasswordInvisibleCharacter
            | Code::PasswordReentryRequired => Field::Password,
            Code::FromRequired | Code::FromInvalid => Field::DefaultFromAddress,
            Code::CustomCaInvalid => Field::CustomCaPem,
        }
    }

    /// With a login: a suggested URI that would send it in the clear becomes the one `uri.plaintext_auth` would
    /// offer, so applying a suggestion never leads to that error.
    pub(crate) fn suggest_for_login(&mut self) {
        let suggestion = match self {
            Problem::UriMissingScheme { suggestion }
            | Problem::UriUnknownScheme { suggestion, .. }
            | Problem::UriBracketedIpv4 { suggestion }
            | Problem::UriUnbracketedIpv6 { suggestion }
            | Problem::UriSpace { suggestion } => suggestion.as_mut(),
            Problem::UriQuoted { suggestion } => Some(suggestion),
            _ => None,
        };
        if let Some(suggestion) = suggestion
            && let Some(uri) = SmtpUri::parse(suggestion).ok().filter(SmtpUri::sends_login_in_clear)
        {
            *suggestion = uri.plaintext_fix();
        }
    }

    /// A value that can replace the field's content to fix the problem (offered as a one-click fix).
    pub fn suggestion(&self) -> Option<&str> {
        match self {
            Problem::UriMissingScheme { suggestion }
            | Problem::UriUnknownScheme { suggestion, .. }
            | Problem::UriBracketedIpv4 { suggestion }
            | Problem::UriUnbracketedIpv6 { suggestion }
            | Problem::UriSpace { suggestion } => suggestion.as_deref(),
            Problem::UriQuoted { suggestion }
            | Problem::FromSlip { suggestion, .. }
            | Problem::UriPlaintextAuth { suggestion }
            | Problem::UriPortExpectsImplicitTls { suggestion, .. }
            | Problem::UriPortExpectsStarttls { suggestion, .. } => Some(suggestion),
            _ => None,
        }
    }

    /// The plain sentence that says what is wrong and what to type instead.
    pub fn message(&self, locale: Locale) -> String {
        messages::problem(self, locale)
    }
}
