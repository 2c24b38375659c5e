stable_codes! {
    /// The input field a problem belongs to.
    Field {
        Uri => "uri",
        Username => "username",
        Password => "password",
        DefaultFromAddress => "default_from_address",
        /// The optional custom CA (PEM).
        CustomCaPem => "custom_ca_pem",
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
        UsernameInvisibleCharacter => "username.invisible_character",
        PasswordRequired => "password.required",
        PasswordInvalid => "password.invalid",
        PasswordInvisibleCharacter => "password.invisible_character",
        PasswordReentryRequired => "password.reentry_required",
        FromRequired => "from.required",
        FromInvalid => "from.invalid",
        CustomCaInvalid => "custom_ca.invalid",
    }
}
