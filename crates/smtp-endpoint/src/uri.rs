use crate::credentials::{QUOTES, check_text, trim};
use crate::host::{Host, HostDefect};
use crate::problem::{Component, Problem};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Longest URI accepted, in characters (after trimming surrounding white space).
pub const MAX_URI_LEN: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Smtp,
    Smtps,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Smtp => "smtp",
            Scheme::Smtps => "smtps",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Smtp => 25,
            Scheme::Smtps => 465,
        }
    }

    /// `smtps://` is TLS from the first byte; `smtp://` upgrades with STARTTLS when the server offers it.
    pub fn default_tls(self) -> TlsMode {
        match self {
            Scheme::Smtp => TlsMode::StarttlsOpportunistic,
            Scheme::Smtps => TlsMode::Implicit,
        }
    }
}

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsMode {
    /// TLS from the first byte (`smtps://`).
    Implicit,
    /// `STARTTLS` must succeed, or nothing is sent (`?tls=required`, `?starttls=always`).
    StarttlsRequired,
    /// `STARTTLS` when the server offers it (plain `smtp://`, `?tls=opportunistic`).
    StarttlsOpportunistic,
    /// Never TLS (`?tls=none`, `?starttls=never`).
    None,
}

impl TlsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Implicit => "implicit",
            TlsMode::StarttlsRequired => "starttls_required",
            TlsMode::StarttlsOpportunistic => "starttls_opportunistic",
            TlsMode::None => "none",
        }
    }
}

/// A parsed `smtp://host[:port][?tls=…]` or `smtps://host[:port]` URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SmtpUri {
    scheme: Scheme,
    host: Host,
    port: u16,
    tls: TlsMode,
}

impl SmtpUri {
    /// Parses a URI as an administrator types it: surrounding white space is ignored, scheme and host are
    /// case-insensitive.
    pub fn parse(input: &str) -> Result<SmtpUri, Problem> {
        let input = trim(input);
        check_text(input, MAX_URI_LEN).map_err(Problem::UriInvalid)?;
        if input.is_empty() {
            return Err(Problem::UriRequired);
        }
        // Checked before anything is read from the URI: a login (`user:password@host`, with a scheme or without)
        // may contain `:`, `/`, `?` or `#`, and no part of it may end up in a message (as a "scheme" or a "port",
        // say).
        if input.contains('@') {
            return Err(mailto(input).unwrap_or(Problem::UriCredentialsInUri));
        }
        // Two values pasted together, or a space typed by mistake: said as such, not as whatever the rest of the
        // URI would be read as (a path, a host).
        if input.contains(char::is_whitespace) {
            return Err(Problem::UriSpace { suggestion: port_after_space(input) });
        }
        // Pasted from a config file or a mail: `"smtp://host"`, `<smtp://host>`. No URI of ours has these; without
        // them, the URI is judged as usual (`"mail.example.com"` needs a scheme, and gets the whole suggestion).
        if input.contains(QUOTES) {
            let bare: String = input.chars().filter(|c| !QUOTES.contains(c)).collect();
            return Err(corrected(&bare, |suggestion| Problem::UriQuoted { suggestion }));
        }
        let Some((scheme, rest)) = input.split_once("://") else {
            return Err(missing_scheme(input));
        };
        let scheme = parse_scheme(scheme, rest)?;

        let (rest, fragment) = split_off(rest, '#');
        if fragment.is_some() {
            return Err(Problem::UriUnsupportedComponent(Component::Fragment));
        }
        let (rest, query) = split_off(rest, '?');
        let (authority, path) = split_off(rest, '/');
        if path.is_some_and(|p| !p.is_empty()) {
            return Err(Problem::UriUnsupportedComponent(Component::Path));
        }
        if authority.parse::<Ipv6Addr>().is_ok() {
            return Err(unbracketed_ipv6(input, authority));
        }
        let (host, port) = split_host_port(authority)?;
        if let Some(ipv4) = bracketed_ipv4(host) {
            return Err(Problem::UriBracketedIpv4 { suggestion: suggest(&input.replacen(host, ipv4, 1)) });
        }
        let host = Host::parse(host).map_err(Problem::UriInvalidHost)?;
        let port = match port {
            None => scheme.default_port(),
            Some(port) => parse_port(port)?,
        };
        let tls = parse_query(scheme, query.unwrap_or_default())?;
        Ok(SmtpUri { scheme, host, port, tls })
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn tls(&self) -> TlsMode {
        self.tls
    }

    /// Warnings about a URI that is valid but probably not what was meant.
    pub fn warnings(&self) -> Vec<Problem> {
        let Some(fixed) = self.port_fix() else {
            return Vec::new();
        };
        let suggestion = fixed.to_string();
        match fixed.scheme {
            Scheme::Smtps => vec![Problem::UriPortExpectsImplicitTls { port: self.port, suggestion }],
            Scheme::Smtp => vec![Problem::UriPortExpectsStarttls { port: self.port, suggestion }],
        }
    }

    /// The URI the port asks for when it does not fit the scheme: `smtps://` for port 465 (and 2465, Amazon SES's
    /// alternative), `smtp://` (STARTTLS) for 25 and 587 (and 2525 and 2587, the alternatives relay services offer
    /// where port 25 or 587 is blocked). The one place of this rule; the result never has a fix of its own.
    fn port_fix(&self) -> Option<SmtpUri> {
        match (self.scheme, self.port) {
            (Scheme::Smtp, 465 | 2465) => {
                Some(SmtpUri { scheme: Scheme::Smtps, tls: TlsMode::Implicit, ..self.clone() })
            }
            (Scheme::Smtps, 25 | 587 | 2525 | 2587) => {
                Some(SmtpUri { scheme: Scheme::Smtp, tls: TlsMode::StarttlsOpportunistic, ..self.clone() })
            }
            _ => None,
        }
    }

    /// Whether a login with this URI would cross the network in clear (`?tls=none` to a host other than loopback):
    /// the rule behind `uri.plaintext_auth`.
    pub fn sends_login_in_clear(&self) -> bool {
        self.tls == TlsMode::None && self.host.needs_tls_for_credentials()
    }

    /// What to type when credentials would cross the network in clear: this URI with `?tls=none` taken away (or
    /// what its port asks for, see [`SmtpUri::suggested`]).
    pub fn plaintext_fix(&self) -> String {
        SmtpUri { tls: self.scheme.default_tls(), ..self.clone() }.suggested()
    }

    /// This URI as a suggestion: every suggested URI is given through here, so that applying one never leads to a
    /// warning that suggests another.
    fn suggested(self) -> String {
        self.port_fix().unwrap_or(self).to_string()
    }
}

/// The normalised form: lower-case scheme and host, punycode, the port only when it is not the scheme's default,
/// and `?tls=required` or `?tls=none` only when that is not the scheme's default. It is this crate's form, read by
/// [`SmtpUri::parse`], not a URI for lettre: the option has lettre's name, but lettre's `from_url` reads
/// `smtp://host` as no TLS at all, makes port 587 the default with `?tls=required` and refuses `?tls=none`.
impl fmt::Display for SmtpUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme.as_str(), self.host)?;
        if self.port != self.scheme.default_port() {
            write!(f, ":{}", self.port)?;
        }
        match self.tls {
            TlsMode::StarttlsRequired => f.write_str("?tls=required"),
            TlsMode::None => f.write_str("?tls=none"),
            TlsMode::Implicit | TlsMode::StarttlsOpportunistic => Ok(()),
        }
    }
}

fn split_off(input: &str, separator: char) -> (&str, Option<&str>) {
    match input.split_once(separator) {
        Some((head, tail)) => (head, Some(tail)),
        None => (input, None),
    }
}

fn is_scheme_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// `rest` is what follows `://`, used to suggest a whole URI when the scheme is empty (`://mail.example.com`).
fn parse_scheme(scheme: &str, rest: &str) -> Result<Scheme, Problem> {
    if scheme.eq_ignore_ascii_case("smtp") {
        Ok(Scheme::Smtp)
    } else if scheme.eq_ignore_ascii_case("smtps") {
        Ok(Scheme::Smtps)
    } else if scheme.is_empty() {
        Err(Problem::UriMissingScheme { suggestion: suggest(&format!("smtp://{rest}")) })
    } else {
        Err(unknown_scheme(scheme, rest))
    }
}

/// Another kind of URI: the rest is suggested with the scheme that does what the name says — `smtps://` for TLS
/// from the first byte (`ssl`, `smtp+tls`, `submissions`: RFC 8314), `smtp://…?tls=required` for `starttls`,
/// `smtp://…:587` for `submission` (RFC 6409), else `smtp://` — but nothing for `mailto:`, whose rest is an
/// address. (A rest with `@` never gets here: [`SmtpUri::parse`] refuses it first, as a login.)
fn unknown_scheme(scheme: &str, rest: &str) -> Problem {
    let name = scheme.to_ascii_lowercase();
    let rest = rest.trim_start_matches('/');
    let candidate = if name.contains("starttls") {
        format!("smtp://{rest}?tls=required")
    } else if name.contains("ssl") || name.contains("tls") || name.starts_with("smtps") || name == "submissions" {
        format!("smtps://{rest}")
    } else {
        format!("smtp://{rest}")
    };
    // The port typed, if any, stays: only `submission://host` gets the submission port.
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let port_typed = authority.rsplit_once(']').map_or(authority, |(_, after)| after).contains(':');
    let parsed = if name == "mailto" { None } else { SmtpUri::parse(&candidate).ok() };
    let suggestion = parsed.map(|mut uri| {
        if name == "submission" && !port_typed {
            uri.port = 587;
        }
        uri.suggested()
    });
    Problem::UriUnknownScheme { scheme: shorten(scheme), suggestion }
}

/// `mailto:…` is an address, not a login: it is named as the scheme it is (only that word is repeated).
fn mailto(input: &str) -> Option<Problem> {
    let (prefix, rest) = input.split_once(':')?;
    (prefix.eq_ignore_ascii_case("mailto") && !rest.starts_with("//")).then(|| unknown_scheme(prefix, rest))
}

/// `smtp://2001:db8::1`: an IPv6 address without brackets, which cannot be told apart from a host and port. The
/// bracketed URI is suggested, unless the last group could as well be a port (`2001:db8::1:587`, `::1:25`): then
/// which one is meant is not known, and the message only shows the form.
fn unbracketed_ipv6(input: &str, authority: &str) -> Problem {
    let ambiguous = authority
        .rsplit_once(':')
        .is_some_and(|(address, port)| address.parse::<Ipv6Addr>().is_ok() && parse_port(port).is_ok());
    if ambiguous {
        return Problem::UriUnbracketedIpv6 { suggestion: None };
    }
    // The scheme has no `::`, so the first match is the authority.
    let bracketed = input.replacen(authority, &format!("[{authority}]"), 1);
    corrected(&bracketed, |suggestion| Problem::UriUnbracketedIpv6 { suggestion: Some(suggestion) })
}

/// A slip found and `candidate` the URI without it: `found` with the candidate as the suggestion, or, when the
/// candidate is wrong in another way too, the candidate's own problem (whose suggestion then fixes both).
fn corrected(candidate: &str, found: impl FnOnce(String) -> Problem) -> Problem {
    SmtpUri::parse(candidate).map_or_else(|problem| problem, |uri| found(uri.suggested()))
}

/// `host 587` (or `smtp://host 587`): the URI with the port after a colon, as it would be suggested once typed so
/// (the scheme the port asks for included: one suggestion fixes both).
fn port_after_space(input: &str) -> Option<String> {
    let (host, port) = input.split_once(char::is_whitespace)?;
    let port = port.trim_start();
    if host.is_empty() || port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match SmtpUri::parse(&format!("{host}:{port}")) {
        Ok(uri) => Some(uri.suggested()),
        Err(problem @ Problem::UriMissingScheme { .. }) => problem.suggestion().map(str::to_owned),
        Err(_) => None,
    }
}

/// Input without `://`: either a bare `host[:port]`, or a URI of another kind such as `mailto:…`.
fn missing_scheme(input: &str) -> Problem {
    if let Some((prefix, rest)) = input.split_once(':') {
        let looks_like_port = !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit());
        if is_scheme_name(prefix) && !prefix.contains('.') && !looks_like_port {
            return if let Some(problem) = scheme_slip(prefix, rest) {
                problem
            } else if rest.starts_with("//") || rest.contains('.') {
                unknown_scheme(prefix, rest)
            } else {
                // `exchange:58o` (a port mistyped) or `localhost:smtp`: what follows the colon is no host, so
                // `smtp://58o` would only point the connection somewhere else.
                Problem::UriUnknownScheme { scheme: shorten(prefix), suggestion: None }
            };
        }
    }
    // `smtps//host`: the colon left out.
    if let Some(problem) = input.split_once('/').and_then(|(prefix, rest)| scheme_slip(prefix, rest)) {
        return problem;
    }
    Problem::UriMissingScheme { suggestion: suggest(&format!("smtp://{input}")) }
}

/// `smtp:host`, `smtps:/host`, `smtp//host`: our scheme, its `://` mistyped; the URI with it written out.
fn scheme_slip(scheme: &str, rest: &str) -> Option<Problem> {
    let ours = scheme.eq_ignore_ascii_case("smtp") || scheme.eq_ignore_ascii_case("smtps");
    ours.then(|| Problem::UriMissingScheme {
        suggestion: suggest(&format!("{scheme}://{}", rest.trim_start_matches('/'))),
    })
}

/// The one way to a suggested URI: only a valid one, in its normalised form, and what its port asks for when that
/// does not fit its scheme (`smtp://host:465` becomes `smtps://host`).
fn suggest(candidate: &str) -> Option<String> {
    SmtpUri::parse(candidate).ok().map(SmtpUri::suggested)
}

/// The address inside `[192.0.2.1]`: IPv4 addresses take no brackets in a URI.
fn bracketed_ipv4(host: &str) -> Option<&str> {
    let inner = host.strip_prefix('[')?.strip_suffix(']')?;
    inner.parse::<Ipv4Addr>().is_ok().then_some(inner)
}

fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), Problem> {
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => {
                let (host, after) = authority.split_at(end + 1);
                match after.strip_prefix(':') {
                    Some(port) => Ok((host, Some(port))),
                    None if after.is_empty() => Ok((host, None)),
                    None => Err(Problem::UriInvalidHost(HostDefect::InvalidIpv6)),
                }
            }
            None => Err(Problem::UriInvalidHost(HostDefect::UnclosedBracket)),
        };
    }
    match authority.split_once(':') {
        Some((host, port)) => Ok((host, Some(port))),
        None => Ok((authority, None)),
    }
}

fn parse_port(port: &str) -> Result<u16, Problem> {
    let invalid = || Problem::UriInvalidPort { port: shorten(port) };
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    match port.trim_start_matches('0').parse::<u32>() {
        Ok(n @ 1..=65535) => Ok(n as u16),
        _ => Err(invalid()),
    }
}

/// Reads `tls=required|opportunistic|none` (the option lettre names `tls`; `none` is this crate's own value) or
/// `starttls=always|never` (MailKit's).
fn parse_query(scheme: Scheme, query: &str) -> Result<TlsMode, Problem> {
    let mut chosen: Option<TlsMode> = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = key.to_ascii_lowercase();
        let value = value.to_ascii_lowercase();
        let mode = match (key.as_str(), value.as_str()) {
            ("tls", "required") | ("starttls", "always") => TlsMode::StarttlsRequired,
            ("tls", "opportunistic") => TlsMode::StarttlsOpportunistic,
            ("tls", "none") | ("starttls", "never") => TlsMode::None,
            ("tls" | "starttls", _) => {
                return Err(Problem::UriUnsupportedComponent(Component::TlsOptionValue {
                    key,
                    value: shorten(&value),
                }));
            }
            _ => return Err(Problem::UriUnsupportedComponent(Component::Query { key: shorten(&key) })),
        };
        if scheme == Scheme::Smtps {
            return Err(Problem::UriUnsupportedComponent(Component::TlsOptionOnSmtps));
        }
        if chosen.is_some_and(|c| c != mode) {
            return Err(Problem::UriUnsupportedComponent(Component::ConflictingTlsOptions));
        }
        chosen = Some(mode);
    }
    Ok(chosen.unwrap_or(scheme.default_tls()))
}

/// Echoed input is cut short so a message stays readable.
fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_owned(),
    }
}
