use serde::{Deserialize, Serialize};
use std::fmt;

/// The input field a problem belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Uri,
    Username,
    Password,
    DefaultFromAddress,
    /// The optional custom CA (PEM).
    CustomCaPem,
}

impl Field {
    pub const ALL: [Field; 5] =
        [Field::Uri, Field::Username, Field::Password, Field::DefaultFromAddress, Field::CustomCaPem];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Uri => "uri",
            Field::Username => "username",
            Field::Password => "password",
            Field::DefaultFromAddress => "default_from_address",
            Field::CustomCaPem => "custom_ca_pem",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

stable_codes! {
    /// A stable validation code: clients, the server and the docs key on it.
    Code {
        UriRequired => "uri.required",
        UriMissingScheme => "uri.missing_scheme",
        UriUnknownScheme => "uri.unknown_scheme",
        UriInvalidHost => "uri.invalid_host",
        UriInvalidPort => "uri.invalid_port",
        UriCredentialsInUri => "uri.credentials_in_uri",
        UriUnsupportedComponent => "uri.unsupported_component",
        UriPlaintextAuth => "uri.plaintext_auth",
        UriInvalid => "uri.invalid",
        UriPortExpectsImplicitTls => "uri.port_expects_implicit_tls",
        UriPortExpectsStarttls => "uri.port_expects_starttls",
        UsernameRequired => "username.required",
        UsernameInvalid => "username.invalid",
        PasswordRequired => "password.required",
        PasswordInvalid => "password.invalid",
        PasswordReentryRequired => "password.reentry_required",
        FromRequired => "from.required",
        FromInvalid => "from.invalid",
        CustomCaInvalid => "custom_ca.invalid",
    }
}
