//! One row per rule and per semantic of the endpoint (issue 2), judged through [`validate`] as every client
//! sees it. The same table runs natively (`cargo test`) and as WebAssembly in Node
//! (`cargo test --target wasm32-unknown-unknown`; Node is wasm-bindgen-test's default runtime, so there is no
//! `wasm_bindgen_test_configure!(run_in_browser)` here).

#![allow(clippy::unwrap_used)]

use smtp_endpoint::{Code, EndpointInput, Field, Issue, Locale, Report, TlsMode, validate};
use std::collections::BTreeSet;

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn every_rule_and_semantic() {
    register_idna();
    let rows = rows();
    let failures: Vec<String> = rows.iter().filter_map(|row| check(row).err()).collect();
    assert!(failures.is_empty(), "{} of {} rows failed:\n\n{}", failures.len(), rows.len(), failures.join("\n\n"));
}

/// The table names every code `validate` can produce (the re-entry rule belongs to the server's update).
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn every_code_has_a_row() {
    register_idna();
    let covered: BTreeSet<&str> =
        rows().iter().flat_map(|row| row.errors.iter().chain(row.warnings)).copied().collect();
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|code| **code != Code::PasswordReentryRequired)
        .map(|code| code.as_str())
        .filter(|code| !covered.contains(code))
        .collect();
    assert!(missing.is_empty(), "codes without a row: {missing:?}");
}

/// Without the `idna` feature, IDN hosts go to a function registered at run time (the browser's URL parser, in
/// the page); this one knows the table's IDN label and, like a browser, lets ASCII labels through.
fn register_idna() {
    #[cfg(not(feature = "idna"))]
    smtp_endpoint::set_idna_to_ascii(|name| {
        let labels: Option<Vec<String>> = name
            .split('.')
            .map(|label| match label.to_lowercase() {
                label if label == "bücher" => Some("xn--bcher-kva".to_owned()),
                label => label.is_ascii().then_some(label),
            })
            .collect();
        labels.map(|labels| labels.join("."))
    });
}

/// One endpoint and what `validate` must say about it. Rows start from [`BASE`], a valid endpoint, and change
/// what they are about.
#[derive(Clone, Copy)]
struct Row {
    name: &'static str,
    uri: &'static str,
    username: &'static str,
    password: &'static str,
    password_set: bool,
    from: &'static str,
    /// The custom CA's PEM text; empty: none.
    custom_ca: &'static str,
    locale: Locale,
    /// Codes of the errors, in order.
    errors: &'static [&'static str],
    /// Codes of the warnings, in order.
    warnings: &'static [&'static str],
    effective: Option<Effective>,
    /// The parsed from address and display name.
    from_parsed: Option<(&'static str, Option<&'static str>)>,
    /// Words some message or the summary must contain: what is wrong, what to type instead, what will happen.
    says: &'static [&'static str],
    /// Every suggested replacement, errors first, in order.
    suggests: &'static [&'static str],
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Effective {
    uri: &'static str,
    host: &'static str,
    port: u16,
    tls: TlsMode,
    auth: bool,
}

const PASSWORD: &str = "correct horse battery staple";

const CA_PEM: &str =
    "Internal relay CA\n-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\nAA==\n-----END CERTIFICATE-----\n";

const BASE: Row = Row {
    name: "",
    uri: "smtps://mail.example.com",
    username: "app",
    password: PASSWORD,
    password_set: false,
    from: "app@example.com",
    custom_ca: "",
    locale: Locale::En,
    errors: &[],
    warnings: &[],
    effective: Some(Effective {
        uri: "smtps://mail.example.com",
        host: "mail.example.com",
        port: 465,
        tls: TlsMode::Implicit,
        auth: true,
    }),
    from_parsed: Some(("app@example.com", None)),
    says: &[],
    suggests: &[],
};

/// [`BASE`]'s connection, without a (valid) username.
const NO_LOGIN: Option<Effective> = Some(Effective {
    uri: "smtps://mail.example.com",
    host: "mail.example.com",
    port: 465,
    tls: TlsMode::Implicit,
    auth: false,
});

const fn effective(uri: &'static str, host: &'static str, port: u16, tls: TlsMode) -> Option<Effective> {
    Some(Effective { uri, host, port, tls, auth: true })
}

const fn starttls(uri: &'static str, host: &'static str, port: u16) -> Option<Effective> {
    effective(uri, host, port, TlsMode::StarttlsOpportunistic)
}

/// A long value, built once for the whole test run.
fn long(prefix: &str, c: char, n: usize, suffix: &str) -> &'static str {
    let value: String = prefix.chars().chain(std::iter::repeat_n(c, n)).chain(suffix.chars()).collect();
    Box::leak(value.into_boxed_str())
}

fn rows() -> Vec<Row> {
    use TlsMode::{Implicit, None as NoTls, StarttlsRequired};
    vec![
        // The seed's own examples and the two schemes.
        Row {
            name: "smtp:// is STARTTLS when offered, default port 25",
            uri: "smtp://mail.example.com",
            effective: starttls("smtp://mail.example.com", "mail.example.com", 25),
            ..BASE
        },
        Row {
            name: "smtps:// is TLS from the first byte, default port 465",
            uri: "smtps://email-smtp.us-east-1.amazonaws.com",
            effective: effective(
                "smtps://email-smtp.us-east-1.amazonaws.com",
                "email-smtp.us-east-1.amazonaws.com",
                465,
                Implicit,
            ),
            ..BASE
        },
        Row {
            name: "scheme and host are case-insensitive, surrounding white space is ignored",
            uri: "  SMTPS://Mail.Example.COM  ",
            ..BASE
        },
        Row {
            name: "zero-width characters and a byte order mark around the URI are ignored too",
            uri: "\u{feff}smtps://mail.example.com\u{200b}\u{2060} ",
            ..BASE
        },
        Row {
            name: "a port that is the scheme's default is dropped from the normalised URI; leading zeros too",
            uri: "smtp://mail.example.com:00025",
            effective: starttls("smtp://mail.example.com", "mail.example.com", 25),
            ..BASE
        },
        Row {
            name: "submission port 587 with smtp://",
            uri: "smtp://mail.example.com:587",
            effective: starttls("smtp://mail.example.com:587", "mail.example.com", 587),
            ..BASE
        },
        Row {
            name: "an empty path is no path",
            uri: "smtp://mail.example.com:587/",
            effective: starttls("smtp://mail.example.com:587", "mail.example.com", 587),
            ..BASE
        },
        Row {
            name: "an IDN host is normalised to punycode",
            uri: "smtps://Bücher.example",
            effective: effective("smtps://xn--bcher-kva.example", "xn--bcher-kva.example", 465, Implicit),
            ..BASE
        },
        Row {
            name: "an IPv4 host",
            uri: "smtp://192.0.2.10:2525",
            effective: starttls("smtp://192.0.2.10:2525", "192.0.2.10", 2525),
            ..BASE
        },
        Row {
            name: "an IPv6 host in brackets; the connect name has none",
            uri: "smtp://[::1]:2525",
            effective: starttls("smtp://[::1]:2525", "::1", 2525),
            ..BASE
        },
        Row {
            name: "an IPv6 host is written in its canonical form",
            uri: "smtps://[2001:DB8:0:0::1]",
            effective: effective("smtps://[2001:db8::1]", "2001:db8::1", 465, Implicit),
            ..BASE
        },
        // ?tls=… (lettre's option name) and ?starttls=… (MailKit's).
        Row {
            name: "?tls=required: STARTTLS must succeed",
            uri: "smtp://mail.example.com:587?tls=required",
            effective: effective("smtp://mail.example.com:587?tls=required", "mail.example.com", 587, StarttlsRequired),
            says: &[
                "Plain connection to mail.example.com, port 587, upgraded with STARTTLS (required); logs in as app",
            ],
            ..BASE
        },
        Row {
            name: "de: ?tls=required says the connection starts unencrypted, not that it is unencrypted",
            uri: "smtp://mail.example.com:587?tls=required",
            locale: Locale::De,
            effective: effective("smtp://mail.example.com:587?tls=required", "mail.example.com", 587, StarttlsRequired),
            says: &[
                "Verbindung zu mail.example.com, Port 587, unverschlüsselt begonnen und mit STARTTLS verschlüsselt (Pflicht)",
            ],
            ..BASE
        },
        Row {
            name: "?starttls=always is ?tls=required in MailKit's spelling; option names and values are case-insensitive",
            uri: "smtp://mail.example.com:587?StartTLS=Always",
            effective: effective("smtp://mail.example.com:587?tls=required", "mail.example.com", 587, StarttlsRequired),
            ..BASE
        },
        Row {
            name: "?tls=opportunistic is smtp://'s default and is dropped from the normalised URI",
            uri: "smtp://mail.example.com?tls=opportunistic",
            effective: starttls("smtp://mail.example.com", "mail.example.com", 25),
            ..BASE
        },
        Row {
            name: "?tls=none without credentials",
            uri: "smtp://mail.example.com?tls=none",
            username: "",
            password: "",
            effective: Some(Effective {
                uri: "smtp://mail.example.com?tls=none",
                host: "mail.example.com",
                port: 25,
                tls: NoTls,
                auth: false,
            }),
            ..BASE
        },
        Row {
            name: "?starttls=never is ?tls=none in MailKit's spelling",
            uri: "smtp://relay.internal:25?starttls=never",
            username: "",
            password: "",
            effective: Some(Effective {
                uri: "smtp://relay.internal?tls=none",
                host: "relay.internal",
                port: 25,
                tls: NoTls,
                auth: false,
            }),
            ..BASE
        },
        Row {
            name: "the same option twice is fine",
            uri: "smtp://mail.example.com?tls=required&starttls=always",
            effective: effective("smtp://mail.example.com?tls=required", "mail.example.com", 25, StarttlsRequired),
            ..BASE
        },
        // uri.required
        Row {
            name: "empty URI",
            uri: "",
            errors: &["uri.required"],
            effective: None,
            says: &["smtp://mail.example.com"],
            ..BASE
        },
        Row { name: "blank URI", uri: " \t ", errors: &["uri.required"], effective: None, ..BASE },
        // uri.missing_scheme
        Row {
            name: "a bare host gets smtp://",
            uri: "mail.example.com",
            errors: &["uri.missing_scheme"],
            effective: None,
            says: &["Use smtp://mail.example.com"],
            suggests: &["smtp://mail.example.com"],
            ..BASE
        },
        Row {
            name: "a bare host with port 587 gets smtp://",
            uri: "mail.example.com:587",
            errors: &["uri.missing_scheme"],
            effective: None,
            suggests: &["smtp://mail.example.com:587"],
            ..BASE
        },
        Row {
            name: "a bare host with port 465 gets smtps://",
            uri: "Mail.Example.com:465",
            errors: &["uri.missing_scheme"],
            effective: None,
            says: &["Use smtps://mail.example.com"],
            suggests: &["smtps://mail.example.com"],
            ..BASE
        },
        Row {
            name: "a scheme without its slashes",
            uri: "smtps:mail.example.com",
            errors: &["uri.missing_scheme"],
            effective: None,
            suggests: &["smtps://mail.example.com"],
            ..BASE
        },
        Row {
            name: "a scheme without its slashes on port 465 gets smtps://, not a URI that warns again",
            uri: "smtp:mail.example.com:465",
            errors: &["uri.missing_scheme"],
            effective: None,
            says: &["Use smtps://mail.example.com"],
            suggests: &["smtps://mail.example.com"],
            ..BASE
        },
        Row {
            name: "a scheme without its colon",
            uri: "smtps//mail.example.com",
            errors: &["uri.missing_scheme"],
            effective: None,
            suggests: &["smtps://mail.example.com"],
            ..BASE
        },
        Row {
            name: "a scheme with one slash, on port 587",
            uri: "SMTP:/mail.example.com:587",
            errors: &["uri.missing_scheme"],
            effective: None,
            suggests: &["smtp://mail.example.com:587"],
            ..BASE
        },
        Row {
            name: "an empty scheme",
            uri: "://mail.example.com",
            errors: &["uri.missing_scheme"],
            effective: None,
            suggests: &["smtp://mail.example.com"],
            ..BASE
        },
        Row {
            name: "no suggestion when the host is no good either",
            uri: "mail..example.com",
            errors: &["uri.missing_scheme"],
            effective: None,
            says: &["smtps://"],
            ..BASE
        },
        // uri.unknown_scheme
        Row {
            name: "http:// is not mail; smtp:// with the rest is offered",
            uri: "http://mail.example.com",
            errors: &["uri.unknown_scheme"],
            effective: None,
            says: &["\"http\"", "smtps://", "Use smtp://mail.example.com"],
            suggests: &["smtp://mail.example.com"],
            ..BASE
        },
        Row {
            name: "smtp+starttls:// is not one of ours",
            uri: "smtp+starttls://mail.example.com",
            errors: &["uri.unknown_scheme"],
            effective: None,
            suggests: &["smtp://mail.example.com?tls=required"],
            ..BASE
        },
        Row {
            name: "a scheme that names TLS from the first byte is offered smtps://",
            uri: "ssl://smtp.gmail.com",
            errors: &["uri.unknown_scheme"],
            effective: None,
            suggests: &["smtps://smtp.gmail.com"],
            ..BASE
        },
        Row {
            name: "smtp+ssl:// with its port is offered smtps://",
            uri: "SMTP+SSL://mail.example.com:465",
            errors: &["uri.unknown_scheme"],
            effective: None,
            suggests: &["smtps://mail.example.com"],
            ..BASE
        },
        Row {
            name: "submissions:// (RFC 8314) is offered smtps://",
            uri: "submissions://mail.example.com",
            errors: &["uri.unknown_scheme"],
            effective: None,
            suggests: &["smtps://mail.example.com"],
            ..BASE
        },
        Row {
            name: "submission:// without a port is offered the submission port",
            uri: "submission://mail.example.com",
            errors: &["uri.unknown_scheme"],
            effective: None,
            suggests: &["smtp://mail.example.com:587"],
            ..BASE
        },
        Row {
            name: "submission:// with a port keeps the port typed",
            uri: "submission://mail.example.com:25",
            errors: &["uri.unknown_scheme"],
            effective: None,
            suggests: &["smtp://mail.example.com"],
            ..BASE
        },
        Row {
            name: "another scheme on port 465 is offered smtps://",
            uri: "ftp:mail.example.com:465",
            errors: &["uri.unknown_scheme"],
            effective: None,
            says: &["\"ftp\"", "Use smtps://mail.example.com"],
            suggests: &["smtps://mail.example.com"],
            ..BASE
        },
        Row {
            name: "with a login, a suggestion never sends it in the clear",
            uri: "mail.example.com?tls=none",
            errors: &["uri.missing_scheme"],
            effective: None,
            suggests: &["smtp://mail.example.com"],
            ..BASE
        },
        Row {
            name: "without a login, the suggestion keeps ?tls=none",
            uri: "mail.example.com?tls=none",
            username: "",
            password: "",
            errors: &["uri.missing_scheme"],
            effective: None,
            suggests: &["smtp://mail.example.com?tls=none"],
            ..BASE
        },
        Row {
            name: "a mistyped port is not taken for a host",
            uri: "exchange:58o",
            errors: &["uri.unknown_scheme"],
            effective: None,
            suggests: &[],
            ..BASE
        },
        Row {
            name: "a service name is not taken for a host",
            uri: "localhost:smtp",
            errors: &["uri.unknown_scheme"],
            effective: None,
            suggests: &[],
            ..BASE
        },
        Row {
            name: "an invisible character in the scheme is shown escaped",
            uri: "smtp\u{200b}://mail.example.com",
            errors: &["uri.unknown_scheme"],
            effective: None,
            says: &["\"smtp[U+200B]\""],
            suggests: &["smtp://mail.example.com"],
            ..BASE
        },
        Row {
            name: "mailto: is an address, not a server",
            uri: "mailto:admin@example.com",
            errors: &["uri.unknown_scheme"],
            effective: None,
            says: &["\"mailto\""],
            ..BASE
        },
        // uri.invalid_host
        Row {
            name: "no host",
            uri: "smtp://",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["no host"],
            ..BASE
        },
        Row { name: "a port but no host", uri: "smtps://:465", errors: &["uri.invalid_host"], effective: None, ..BASE },
        Row {
            name: "an empty label",
            uri: "smtp://mail..example.com",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["empty part", "such as mail.example.com"],
            ..BASE
        },
        Row {
            name: "a label starting with a hyphen",
            uri: "smtp://-mail.example.com",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["hyphen"],
            ..BASE
        },
        Row {
            name: "an underscore is a host name character (DNS has them: a Docker Compose service, say)",
            uri: "smtp://mail_relay:1025",
            effective: starttls("smtp://mail_relay:1025", "mail_relay", 1025),
            ..BASE
        },
        Row {
            name: "a quote after the host: the URI without it is offered",
            uri: "smtp://mail.example.com\"",
            errors: &["uri.invalid"],
            effective: None,
            says: &["without quotation marks"],
            suggests: &["smtp://mail.example.com"],
            ..BASE
        },
        Row {
            name: "a URI pasted in quotes: the URI without them is offered",
            uri: "\"smtps://mail.example.com\"",
            errors: &["uri.invalid"],
            effective: None,
            suggests: &["smtps://mail.example.com"],
            ..BASE
        },
        Row {
            name: "a URI pasted in angle brackets, on port 465: the one fix for both",
            uri: "<smtp://mail.example.com:465>",
            errors: &["uri.invalid"],
            effective: None,
            suggests: &["smtps://mail.example.com"],
            ..BASE
        },
        Row {
            name: "a URI in German quotation marks",
            uri: "„smtp://mail.example.com“",
            errors: &["uri.invalid"],
            effective: None,
            suggests: &["smtp://mail.example.com"],
            ..BASE
        },
        Row {
            name: "a host in quotes: judged without them (no scheme), one suggestion for both",
            uri: "'mail.example.com'",
            errors: &["uri.missing_scheme"],
            effective: None,
            suggests: &["smtp://mail.example.com"],
            ..BASE
        },
        Row {
            name: "a quoted URI with a login in it is refused as a login, and nothing of it is repeated",
            uri: "\"smtp://app:secret@mail.example.com\"",
            password: "secret",
            errors: &["uri.credentials_in_uri"],
            effective: None,
            ..BASE
        },
        Row {
            name: "an invisible character in the host is shown escaped",
            uri: "smtp://mail\u{200c}.example.com",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["\"[U+200C]\""],
            ..BASE
        },
        Row {
            name: "host and port as a provider lists them: the port after a colon is offered",
            uri: "smtp.gmail.com 587",
            errors: &["uri.invalid"],
            effective: None,
            says: &["contains a space", "For that host and port, use smtp://smtp.gmail.com:587"],
            suggests: &["smtp://smtp.gmail.com:587"],
            ..BASE
        },
        Row {
            name: "a URI and then its port 465: the one fix for both",
            uri: "smtp://mail.example.com  465",
            errors: &["uri.invalid"],
            effective: None,
            says: &["For that host and port, use smtps://mail.example.com"],
            suggests: &["smtps://mail.example.com"],
            ..BASE
        },
        Row {
            name: "a host and something else than a port: no guess",
            uri: "mail.example.com submission",
            errors: &["uri.invalid"],
            effective: None,
            says: &["without spaces"],
            ..BASE
        },
        Row {
            name: "two URIs pasted together: the space is named, not a path",
            uri: "smtp://a.example.com smtp://b.example.com",
            errors: &["uri.invalid"],
            effective: None,
            says: &["contains a space"],
            ..BASE
        },
        Row {
            name: "an IPv6 address without its closing bracket",
            uri: "smtp://[::1",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["no closing bracket"],
            ..BASE
        },
        Row {
            name: "0.0.0.0 is no server's address (it reaches this machine on some systems)",
            uri: "smtp://0.0.0.0:25",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["No server has", "127.0.0.1"],
            ..BASE
        },
        Row {
            name: "nor are ::, broadcast and multicast addresses",
            uri: "smtp://[::]",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["No server has"],
            ..BASE
        },
        Row {
            name: "the broadcast address",
            uri: "smtps://255.255.255.255",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["No server has"],
            ..BASE
        },
        Row {
            name: "nor in IPv4-mapped form",
            uri: "smtp://[::ffff:0.0.0.0]",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["No server has"],
            ..BASE
        },
        Row {
            name: "a multicast address",
            uri: "smtp://[ff02::1]:587",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["No server has"],
            ..BASE
        },
        Row {
            name: "a label longer than 63 characters",
            uri: long("smtp://", 'a', 64, ".example.com"),
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["63"],
            ..BASE
        },
        Row {
            name: "an IPv4 address out of range",
            uri: "smtp://256.1.1.1",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["IPv4"],
            ..BASE
        },
        Row {
            name: "a shortened IPv4 address is not read as another address",
            uri: "smtp://192.168.1",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["IPv4"],
            ..BASE
        },
        Row {
            name: "an unclosed IPv6 bracket",
            uri: "smtp://[::1:25",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["IPv6", "[2001:db8::1]"],
            ..BASE
        },
        Row {
            name: "a bad IPv6 literal",
            uri: "smtp://[2001:db8::g]",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["IPv6"],
            ..BASE
        },
        Row {
            name: "an IPv4 address takes no brackets",
            uri: "smtp://[192.0.2.1]:2525",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["IPv4 addresses are written without brackets: use smtp://192.0.2.1:2525"],
            suggests: &["smtp://192.0.2.1:2525"],
            ..BASE
        },
        Row {
            name: "de: an IPv4 address takes no brackets; on port 465 smtps:// is offered",
            uri: "smtp://[192.0.2.1]:465",
            locale: Locale::De,
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["ohne eckige Klammern"],
            suggests: &["smtps://192.0.2.1"],
            ..BASE
        },
        Row {
            name: "an IPv6 address needs brackets: the bracketed URI is offered",
            uri: "smtp://2001:db8::1",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["written in brackets: use smtp://[2001:db8::1]"],
            suggests: &["smtp://[2001:db8::1]"],
            ..BASE
        },
        Row {
            name: "an IPv6 address without brackets, with ?tls=none and a login, in German: the URI that logs in safely",
            uri: "smtp://2001:db8::1?tls=none",
            locale: Locale::De,
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["eckigen Klammern"],
            suggests: &["smtp://[2001:db8::1]"],
            ..BASE
        },
        Row {
            name: "an IPv6 address without brackets whose last group could be a port: no guess, the form is shown",
            uri: "smtp://2001:db8::1:587",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["with the port after them: smtp://[2001:db8::1]:587"],
            ..BASE
        },
        Row {
            name: "::1:25 is no loopback address with a port: no guess either",
            uri: "smtp://::1:25",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["in brackets"],
            ..BASE
        },
        Row {
            name: "an invalid IPv6 address in brackets is not told to add brackets",
            uri: "smtp://[2001:db8::zz]",
            errors: &["uri.invalid_host"],
            effective: None,
            says: &["The host is not a valid IPv6 address. Type"],
            ..BASE
        },
        // uri.invalid_port
        Row {
            name: "a port that is not a number",
            uri: "smtp://mail.example.com:smtp",
            errors: &["uri.invalid_port"],
            effective: None,
            says: &["\"smtp\" is not a port", "25, 587 or 465"],
            ..BASE
        },
        Row {
            name: "port 0",
            uri: "smtp://mail.example.com:0",
            errors: &["uri.invalid_port"],
            effective: None,
            ..BASE
        },
        Row {
            name: "a port above 65535",
            uri: "smtp://mail.example.com:65536",
            errors: &["uri.invalid_port"],
            effective: None,
            says: &["65535"],
            ..BASE
        },
        Row {
            name: "an empty port",
            uri: "smtp://mail.example.com:",
            errors: &["uri.invalid_port"],
            effective: None,
            says: &["leave out the colon"],
            ..BASE
        },
        Row {
            name: "the highest port",
            uri: "smtp://mail.example.com:65535",
            effective: starttls("smtp://mail.example.com:65535", "mail.example.com", 65535),
            ..BASE
        },
        // uri.credentials_in_uri: the password is never repeated (checked for every row, too).
        Row {
            name: "user:pass@ in the URI",
            uri: "smtps://app:correct horse battery staple@mail.example.com",
            errors: &["uri.credentials_in_uri"],
            effective: None,
            says: &["Username and Password fields"],
            ..BASE
        },
        Row {
            name: "a password with ? and : in the URI is not read as a port",
            uri: "smtp://app:pa?ss:word@mail.example.com",
            password: "pa?ss:word",
            errors: &["uri.credentials_in_uri"],
            effective: None,
            ..BASE
        },
        Row {
            name: "a password with :// in front of the scheme is not read as a scheme",
            uri: "app:pass://word@smtp://mail.example.com",
            password: "pass://word",
            errors: &["uri.credentials_in_uri"],
            effective: None,
            ..BASE
        },
        Row {
            name: "a login without a scheme is not read as a scheme, and no part of it is repeated",
            uri: "app:s3cret-pass@mail.example.com",
            password: "s3cret-pass",
            errors: &["uri.credentials_in_uri"],
            effective: None,
            ..BASE
        },
        Row {
            name: "a username without a scheme is a login too",
            uri: "app@mail.example.com",
            errors: &["uri.credentials_in_uri"],
            effective: None,
            ..BASE
        },
        // uri.unsupported_component
        Row {
            name: "a path",
            uri: "smtp://mail.example.com/mail",
            errors: &["uri.unsupported_component"],
            effective: None,
            says: &["Remove the path"],
            ..BASE
        },
        Row {
            name: "a fragment",
            uri: "smtp://mail.example.com#main",
            errors: &["uri.unsupported_component"],
            effective: None,
            says: &["#"],
            ..BASE
        },
        Row {
            name: "a query other than the TLS options",
            uri: "smtp://mail.example.com?timeout=10",
            errors: &["uri.unsupported_component"],
            effective: None,
            says: &["\"timeout\"", "?tls=required|opportunistic|none"],
            ..BASE
        },
        Row {
            name: "a TLS option with a value that is not one of its",
            uri: "smtp://mail.example.com?tls=yes",
            errors: &["uri.unsupported_component"],
            effective: None,
            says: &["\"yes\" is not a value for tls"],
            ..BASE
        },
        Row {
            name: "smtps:// takes no TLS option",
            uri: "smtps://mail.example.com?tls=required",
            errors: &["uri.unsupported_component"],
            effective: None,
            says: &["remove the TLS option"],
            ..BASE
        },
        Row {
            name: "contradicting TLS options",
            uri: "smtp://mail.example.com?tls=none&starttls=always",
            errors: &["uri.unsupported_component"],
            effective: None,
            says: &["keep only one"],
            ..BASE
        },
        // uri.plaintext_auth, and its loopback exemption.
        Row {
            name: "a username and password without TLS",
            uri: "smtp://mail.example.com:587?tls=none",
            errors: &["uri.plaintext_auth"],
            effective: effective("smtp://mail.example.com:587?tls=none", "mail.example.com", 587, NoTls),
            says: &["unencrypted", "Use smtp://mail.example.com:587", "or clear the username and password"],
            suggests: &["smtp://mail.example.com:587"],
            ..BASE
        },
        Row {
            name: "?starttls=never is named as typed",
            uri: "smtp://mail.example.com?starttls=never",
            errors: &["uri.plaintext_auth"],
            effective: effective("smtp://mail.example.com?tls=none", "mail.example.com", 25, NoTls),
            says: &["?starttls=never"],
            suggests: &["smtp://mail.example.com"],
            ..BASE
        },
        Row {
            name: "without TLS on port 465 the fix is smtps://, not a URI that warns again",
            uri: "smtp://mail.example.com:465?tls=none",
            errors: &["uri.plaintext_auth"],
            warnings: &["uri.port_expects_implicit_tls"],
            effective: effective("smtp://mail.example.com:465?tls=none", "mail.example.com", 465, NoTls),
            suggests: &["smtps://mail.example.com", "smtps://mail.example.com"],
            ..BASE
        },
        Row {
            name: "a stored password without TLS (and without a username)",
            uri: "smtp://mail.example.com?starttls=never",
            username: "",
            password: "",
            password_set: true,
            errors: &["uri.plaintext_auth", "username.required"],
            effective: Some(Effective {
                uri: "smtp://mail.example.com?tls=none",
                host: "mail.example.com",
                port: 25,
                tls: NoTls,
                auth: false,
            }),
            suggests: &["smtp://mail.example.com"],
            ..BASE
        },
        Row {
            name: "loopback exemption: 127.0.0.1",
            uri: "smtp://127.0.0.1:1025?tls=none",
            effective: effective("smtp://127.0.0.1:1025?tls=none", "127.0.0.1", 1025, NoTls),
            ..BASE
        },
        Row {
            name: "loopback exemption: all of 127.0.0.0/8",
            uri: "smtp://127.8.9.10?tls=none",
            effective: effective("smtp://127.8.9.10?tls=none", "127.8.9.10", 25, NoTls),
            ..BASE
        },
        Row {
            name: "loopback exemption: [::1]",
            uri: "smtp://[::1]:1025?starttls=never",
            effective: effective("smtp://[::1]:1025?tls=none", "::1", 1025, NoTls),
            ..BASE
        },
        Row {
            name: "loopback with STARTTLS when offered: the summary says the login may go unencrypted, and why",
            uri: "smtp://localhost:1025",
            effective: starttls("smtp://localhost:1025", "localhost", 1025),
            says: &["logs in as app, unencrypted if the server offers no STARTTLS (allowed only to this machine)."],
            ..BASE
        },
        Row {
            name: "a remote host with STARTTLS when offered: the login waits for it",
            uri: "smtp://mail.example.com:587",
            effective: starttls("smtp://mail.example.com:587", "mail.example.com", 587),
            says: &["logs in as app only once the connection is encrypted"],
            ..BASE
        },
        Row {
            name: "loopback exemption: localhost",
            uri: "smtp://LocalHost:1025?tls=none",
            effective: effective("smtp://localhost:1025?tls=none", "localhost", 1025, NoTls),
            ..BASE
        },
        Row {
            name: "no exemption for a host that only starts like loopback",
            uri: "smtp://localhost.example.com?tls=none",
            errors: &["uri.plaintext_auth"],
            effective: effective("smtp://localhost.example.com?tls=none", "localhost.example.com", 25, NoTls),
            suggests: &["smtp://localhost.example.com"],
            ..BASE
        },
        Row {
            name: "no exemption for a name under localhost: DNS may resolve it anywhere",
            uri: "smtp://relay.localhost?tls=none",
            errors: &["uri.plaintext_auth"],
            effective: effective("smtp://relay.localhost?tls=none", "relay.localhost", 25, NoTls),
            suggests: &["smtp://relay.localhost"],
            ..BASE
        },
        // Warnings: the port and the scheme disagree. Still valid.
        Row {
            name: "smtp:// on port 465",
            uri: "smtp://mail.example.com:465",
            warnings: &["uri.port_expects_implicit_tls"],
            effective: starttls("smtp://mail.example.com:465", "mail.example.com", 465),
            says: &["Port 465 expects TLS from the first byte: use smtps://mail.example.com"],
            suggests: &["smtps://mail.example.com"],
            ..BASE
        },
        Row {
            name: "smtps:// on port 25",
            uri: "smtps://mail.example.com:25",
            warnings: &["uri.port_expects_starttls"],
            effective: effective("smtps://mail.example.com:25", "mail.example.com", 25, Implicit),
            says: &["Port 25", "use smtp://mail.example.com"],
            suggests: &["smtp://mail.example.com"],
            ..BASE
        },
        Row {
            name: "smtps:// on port 587",
            uri: "smtps://mail.example.com:587",
            warnings: &["uri.port_expects_starttls"],
            effective: effective("smtps://mail.example.com:587", "mail.example.com", 587, Implicit),
            says: &["Port 587", "use smtp://mail.example.com:587"],
            suggests: &["smtp://mail.example.com:587"],
            ..BASE
        },
        Row {
            name: "smtp:// on port 2465 (Amazon SES's TLS port besides 465)",
            uri: "smtp://email-smtp.eu-west-1.amazonaws.com:2465",
            warnings: &["uri.port_expects_implicit_tls"],
            effective: starttls(
                "smtp://email-smtp.eu-west-1.amazonaws.com:2465",
                "email-smtp.eu-west-1.amazonaws.com",
                2465,
            ),
            says: &["Port 2465 expects TLS from the first byte: use smtps://email-smtp.eu-west-1.amazonaws.com:2465"],
            suggests: &["smtps://email-smtp.eu-west-1.amazonaws.com:2465"],
            ..BASE
        },
        Row {
            name: "smtps:// on port 2525 (relay services' STARTTLS port besides 587)",
            uri: "smtps://smtp.mailgun.org:2525",
            warnings: &["uri.port_expects_starttls"],
            effective: effective("smtps://smtp.mailgun.org:2525", "smtp.mailgun.org", 2525, Implicit),
            says: &["Port 2525"],
            suggests: &["smtp://smtp.mailgun.org:2525"],
            ..BASE
        },
        Row {
            name: "smtps:// on port 2587 (Amazon SES's STARTTLS port besides 587)",
            uri: "smtps://email-smtp.us-east-1.amazonaws.com:2587",
            warnings: &["uri.port_expects_starttls"],
            effective: effective(
                "smtps://email-smtp.us-east-1.amazonaws.com:2587",
                "email-smtp.us-east-1.amazonaws.com",
                2587,
                Implicit,
            ),
            suggests: &["smtp://email-smtp.us-east-1.amazonaws.com:2587"],
            ..BASE
        },
        // uri.invalid: control characters and length.
        Row {
            name: "CR LF in the URI",
            uri: "smtp://mail.example.com\r\nRSET",
            errors: &["uri.invalid"],
            effective: None,
            says: &["control character"],
            ..BASE
        },
        Row {
            name: "NUL in the URI",
            uri: "smtp://mail.example.com\0",
            errors: &["uri.invalid"],
            effective: None,
            ..BASE
        },
        Row {
            name: "a URI longer than 2048 characters",
            uri: long("smtp://", 'a', 2042, ""),
            errors: &["uri.invalid"],
            effective: None,
            says: &["longer than 2048"],
            ..BASE
        },
        // username.required, password.required, password_set
        Row {
            name: "a password without a username",
            username: "   ",
            errors: &["username.required"],
            effective: NO_LOGIN,
            says: &["Enter the username"],
            ..BASE
        },
        Row {
            name: "a stored password without a username",
            username: "",
            password: "",
            password_set: true,
            errors: &["username.required"],
            effective: NO_LOGIN,
            ..BASE
        },
        Row {
            name: "a username without a password",
            password: "",
            errors: &["password.required"],
            says: &["Enter the password"],
            ..BASE
        },
        Row { name: "a username with a stored password, none typed", password: "", password_set: true, ..BASE },
        Row { name: "no login at all", username: "", password: "", effective: NO_LOGIN, ..BASE },
        Row {
            name: "a username of zero-width characters is no username",
            username: "\u{200b}\u{feff}",
            errors: &["username.required"],
            effective: NO_LOGIN,
            ..BASE
        },
        Row {
            name: "zero-width characters around a username are trimmed; one inside is shown escaped and warned of",
            username: "\u{200b}app\u{200b}x\u{feff}",
            warnings: &["username.invisible_character"],
            says: &["logs in as app[U+200B]x.", "invisible character: app[U+200B]x. If it came with a paste"],
            ..BASE
        },
        Row {
            name: "a non-breaking space inside a username, in German",
            username: "app\u{a0}user",
            locale: Locale::De,
            warnings: &["username.invisible_character"],
            says: &["unsichtbares Zeichen: app[U+00A0]user."],
            ..BASE
        },
        Row { name: "a space inside a username is seen", username: "app user", ..BASE },
        Row {
            name: "an invisible character in a password is warned of, without naming it or where it is",
            password: "correct\u{200b}horse",
            warnings: &["password.invisible_character"],
            says: &["or holds an invisible character"],
            ..BASE
        },
        Row {
            name: "a space at the end of a password, as a paste from a console brings it",
            password: "correct horse ",
            warnings: &["password.invisible_character"],
            says: &["starts or ends with a space"],
            ..BASE
        },
        Row { name: "spaces inside a password (an app password) are seen", password: "abcd efgh ijkl mnop", ..BASE },
        Row {
            name: "a non-breaking space at the end of a password (Option-Space on a Mac)",
            password: "correct horse\u{a0}",
            warnings: &["password.invisible_character"],
            ..BASE
        },
        Row {
            name: "a password of spaces is a password (never trimmed)",
            password: "   ",
            warnings: &["password.invisible_character"],
            ..BASE
        },
        // username.invalid, password.invalid
        Row {
            name: "CR LF in the username: the summary names the login, the line break as its code points",
            username: "app\r\nAUTH LOGIN",
            errors: &["username.invalid"],
            says: &["The username contains a line break", "logs in as app[U+000D][U+000A]AUTH LOGIN."],
            ..BASE
        },
        Row {
            name: "a Unicode line separator in the username",
            username: "app\u{2028}x",
            errors: &["username.invalid"],
            says: &["logs in as app[U+2028]x."],
            ..BASE
        },
        Row {
            name: "a username of 256 characters is the longest",
            username: long("", 'u', 256, ""),
            effective: BASE.effective,
            ..BASE
        },
        Row {
            name: "a username longer than 256 characters",
            username: long("", 'u', 257, ""),
            errors: &["username.invalid"],
            says: &["longer than 256"],
            effective: NO_LOGIN,
            ..BASE
        },
        Row {
            name: "length is checked before control characters, so the work is bounded by the limit",
            username: long("u\n", 'u', 300, ""),
            errors: &["username.invalid"],
            effective: NO_LOGIN,
            says: &["longer than 256"],
            ..BASE
        },
        Row {
            name: "NUL in the password",
            password: "pass\0word",
            errors: &["password.invalid"],
            says: &["The password contains"],
            ..BASE
        },
        Row { name: "a password of 1024 characters is the longest", password: long("", 'p', 1024, ""), ..BASE },
        Row {
            name: "a password longer than 1024 characters",
            password: long("", 'p', 1025, ""),
            errors: &["password.invalid"],
            says: &["longer than 1024"],
            ..BASE
        },
        // from.required, from.invalid
        Row {
            name: "empty from address",
            from: "",
            errors: &["from.required"],
            from_parsed: None,
            says: &["notifications@example.com"],
            ..BASE
        },
        Row { name: "blank from address", from: "  ", errors: &["from.required"], from_parsed: None, ..BASE },
        Row {
            name: "a display name and an address",
            from: " Example  App <app@example.com> ",
            from_parsed: Some(("app@example.com", Some("Example App"))),
            ..BASE
        },
        Row {
            name: "a quoted display name",
            from: "\"Example, Inc.\" <app@example.com>",
            from_parsed: Some(("app@example.com", Some("Example, Inc."))),
            ..BASE
        },
        Row {
            name: "a display name in any script",
            from: "Jörg Müller <joerg@example.com>",
            from_parsed: Some(("joerg@example.com", Some("Jörg Müller"))),
            ..BASE
        },
        Row {
            name: "zero-width characters around the from address are ignored",
            from: "\u{feff}app@example.com\u{2060}",
            ..BASE
        },
        Row {
            name: "an address pasted in quotes: the address without them is offered",
            from: "\"app@example.com\"",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["without quotation marks or angle brackets around it: app@example.com"],
            suggests: &["app@example.com"],
            ..BASE
        },
        Row {
            name: "the name after the address in parentheses (RFC 822): the usual form is offered",
            from: "app@example.com (Example App)",
            errors: &["from.invalid"],
            from_parsed: None,
            locale: Locale::De,
            says: &["veraltete Form: Example App <app@example.com>"],
            suggests: &["Example App <app@example.com>"],
            ..BASE
        },
        Row {
            name: "empty parentheses after the address: the address alone is offered",
            from: "app@example.com ()",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["in parentheses after the address"],
            suggests: &["app@example.com"],
            ..BASE
        },
        Row {
            name: "an address in typographic quotes or doubled angle brackets: the address without them is offered",
            from: "<<app@example.com>>",
            errors: &["from.invalid"],
            from_parsed: None,
            suggests: &["app@example.com"],
            ..BASE
        },
        Row {
            name: "a mail domain takes no underscore, though a host may",
            from: "App <app@mail_relay.example.com>",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["\"_\""],
            ..BASE
        },
        Row {
            name: "an invisible character in the local part is refused",
            from: "app\u{200b}@example.com",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["before the \"@\" contains"],
            ..BASE
        },
        Row {
            name: "an invisible character in the domain is refused (IDNA would drop it unseen)",
            from: "App <app@exa\u{200b}mple.com>",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["The domain after the \"@\" contains \"[U+200B]\""],
            ..BASE
        },
        Row {
            name: "an angle bracket in the display name is named",
            from: "Example > App <app@example.com>",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["angle bracket"],
            ..BASE
        },
        Row {
            name: "a quoted local part is refused (mail libraries read it differently)",
            from: "\"my app\"@example.com",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["before the \"@\" contains"],
            ..BASE
        },
        Row {
            name: "an IDN domain is normalised to punycode",
            from: "app@Bücher.example",
            from_parsed: Some(("app@xn--bcher-kva.example", None)),
            ..BASE
        },
        Row {
            name: "no @",
            from: "app.example.com",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["no \"@\"", "Type an address such as notifications@example.com"],
            ..BASE
        },
        Row {
            name: "an empty local part",
            from: "@example.com",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["nothing before the \"@\""],
            ..BASE
        },
        Row {
            name: "a local part longer than 64 characters",
            from: long("", 'a', 65, "@example.com"),
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["longer than 64"],
            ..BASE
        },
        Row {
            name: "a space in the local part",
            from: "my app@example.com",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["before the \"@\" contains"],
            ..BASE
        },
        Row {
            name: "two dots in a row in the local part",
            from: "my..app@example.com",
            errors: &["from.invalid"],
            from_parsed: None,
            ..BASE
        },
        Row {
            name: "no domain",
            from: "app@",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["no domain"],
            ..BASE
        },
        Row {
            name: "only a dot after the @ is no domain",
            from: "app@.",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["no domain after the \"@\""],
            ..BASE
        },
        Row {
            name: "de: only a dot after the @ is no domain",
            from: "app@.",
            locale: Locale::De,
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["Nach dem „@“ fehlt die Domain."],
            ..BASE
        },
        Row {
            name: "a bad domain",
            from: "app@example..com",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["The domain after the \"@\" has an empty part between two dots."],
            ..BASE
        },
        Row {
            name: "de: a bad domain is said of the domain, not of a host",
            from: "app@exa_mple.com",
            locale: Locale::De,
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["Die Domain nach dem „@“ enthält „_“, das in einem Hostnamen nicht vorkommen darf."],
            ..BASE
        },
        Row {
            name: "an IP address as the domain",
            from: "app@192.0.2.1",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["IP address"],
            ..BASE
        },
        Row {
            name: "an address literal as the domain",
            from: "app@[192.0.2.1]",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["is an IP address"],
            ..BASE
        },
        Row {
            name: "an address longer than 254 characters",
            from: long(
                long("", 'a', 64, "@"),
                'd',
                60,
                long(".", 'e', 60, long(".", 'f', 60, long(".", 'g', 60, ".com"))),
            ),
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["longer than 254"],
            ..BASE
        },
        Row {
            name: "a value longer than 512 characters",
            from: long("", 'N', 600, " <app@example.com>"),
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["longer than 512"],
            ..BASE
        },
        Row {
            name: "an unclosed angle bracket",
            from: "Example App <app@example.com",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["Name <address>"],
            ..BASE
        },
        Row {
            name: "two addresses",
            from: "a@example.com, b@example.com",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["Only one"],
            ..BASE
        },
        Row {
            name: "two mailboxes",
            from: "A <a@example.com>, B <b@example.com>",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["Only one"],
            ..BASE
        },
        Row {
            name: "a header injected after the address",
            from: "app@example.com\r\nBcc: everyone@example.com",
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["control character"],
            ..BASE
        },
        // German.
        Row {
            name: "de: missing scheme",
            uri: "mail.example.com:465",
            locale: Locale::De,
            errors: &["uri.missing_scheme"],
            effective: None,
            says: &["Verwenden Sie smtps://mail.example.com"],
            suggests: &["smtps://mail.example.com"],
            ..BASE
        },
        Row {
            name: "de: port 465 with smtp://",
            uri: "smtp://mail.example.com:465",
            locale: Locale::De,
            warnings: &["uri.port_expects_implicit_tls"],
            effective: starttls("smtp://mail.example.com:465", "mail.example.com", 465),
            says: &["Port 465 erwartet TLS ab dem ersten Byte: Verwenden Sie smtps://mail.example.com"],
            suggests: &["smtps://mail.example.com"],
            ..BASE
        },
        Row {
            name: "custom CA: certificate blocks with base64, text around them (X.509 is the server's check)",
            custom_ca: CA_PEM,
            ..BASE
        },
        Row {
            name: "custom CA: a private key is refused",
            custom_ca: concat!(
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            ),
            errors: &["custom_ca.invalid"],
            says: &["private key", "paste only the CA certificate"],
            ..BASE
        },
        Row {
            name: "custom CA: no certificate",
            custom_ca: "my-ca.pem",
            errors: &["custom_ca.invalid"],
            says: &["holds no certificate", "-----BEGIN CERTIFICATE-----"],
            ..BASE
        },
        Row {
            name: "custom CA: a block without its end line",
            custom_ca: "-----BEGIN CERTIFICATE-----\nAAAA\n",
            errors: &["custom_ca.invalid"],
            says: &["not valid PEM"],
            ..BASE
        },
        Row { name: "custom CA: only white space is none", custom_ca: " \n\t", ..BASE },
        Row {
            name: "de: custom CA that is no PEM",
            custom_ca: "-----BEGIN CERTIFICATE-----\nnicht base64!\n-----END CERTIFICATE-----",
            locale: Locale::De,
            errors: &["custom_ca.invalid"],
            says: &["kein gültiges PEM"],
            ..BASE
        },
        Row {
            name: "de: from address without @",
            from: "app.example.com",
            locale: Locale::De,
            errors: &["from.invalid"],
            from_parsed: None,
            says: &["fehlt das „@“"],
            ..BASE
        },
    ]
}

fn input(row: &Row) -> EndpointInput {
    EndpointInput {
        uri: Some(row.uri.to_owned()),
        username: Some(row.username.to_owned()),
        password: Some(row.password.to_owned()),
        default_from_address: Some(row.from.to_owned()),
        custom_ca_pem: (!row.custom_ca.is_empty()).then(|| row.custom_ca.to_owned()),
        password_set: row.password_set,
        locale: row.locale,
    }
}

fn codes(issues: &[Issue]) -> Vec<&'static str> {
    issues.iter().map(|issue| issue.code.as_str()).collect()
}

fn check(row: &Row) -> Result<(), String> {
    let report = validate(&input(row));
    let mut wrong = Vec::new();

    if codes(&report.errors) != row.errors {
        wrong.push(format!("errors: expected {:?}", row.errors));
    }
    if codes(&report.warnings) != row.warnings {
        wrong.push(format!("warnings: expected {:?}", row.warnings));
    }
    if report.valid != row.errors.is_empty() {
        wrong.push("valid must be true exactly when there are no errors".to_owned());
    }
    let effective = report.effective.as_ref().map(|e| (e.uri.as_str(), e.host.as_str(), e.port, e.tls, e.auth));
    if effective != row.effective.map(|e| (e.uri, e.host, e.port, e.tls, e.auth)) {
        wrong.push(format!("effective: expected {:?}", row.effective));
    }
    let from = report.from.as_ref().map(|f| (f.address.as_str(), f.display_name.as_deref()));
    if from != row.from_parsed {
        wrong.push(format!("from: expected {:?}", row.from_parsed));
    }
    let suggestions: Vec<&str> =
        report.errors.iter().chain(&report.warnings).filter_map(|issue| issue.suggestion.as_deref()).collect();
    if suggestions != row.suggests {
        wrong.push(format!("suggestions: expected {:?}", row.suggests));
    }
    let messages: Vec<&str> = report
        .errors
        .iter()
        .chain(&report.warnings)
        .map(|issue| issue.message.as_str())
        .chain(report.effective.as_ref().map(|e| e.summary.as_str()))
        .collect();
    for words in row.says {
        if !messages.iter().any(|message| message.contains(words)) {
            wrong.push(format!("no message says {words:?}"));
        }
    }
    wrong.extend(invariants(row, &report));

    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!("row {:?}:\n  {}\n  got {report:#?}", row.name, wrong.join("\n  ")))
    }
}

/// What holds for every report: issues sit on the field their code names, every message says something, and
/// nothing repeats the password.
fn invariants(row: &Row, report: &Report) -> Vec<String> {
    let mut wrong = Vec::new();
    for issue in report.errors.iter().chain(&report.warnings) {
        let field = match issue.code.as_str().split('.').next() {
            Some("uri") => Field::Uri,
            Some("username") => Field::Username,
            Some("password") => Field::Password,
            Some("custom_ca") => Field::CustomCaPem,
            _ => Field::DefaultFromAddress,
        };
        if issue.field != field {
            wrong.push(format!("{} is reported on {}", issue.code, issue.field));
        }
        if issue.message.trim().len() < 20 {
            wrong.push(format!("{}: the message says too little: {:?}", issue.code, issue.message));
        }
    }
    if !row.password.trim().is_empty() {
        let json = serde_json::to_string(report).unwrap();
        if json.contains(row.password) {
            wrong.push("the report repeats the password".to_owned());
        }
    }
    wrong
}
