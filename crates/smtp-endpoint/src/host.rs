use crate::credentials::is_invisible;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

/// Longest DNS name in its ASCII (punycode) form, without a trailing dot.
pub(crate) const MAX_DOMAIN_LEN: usize = 253;
pub(crate) const MAX_LABEL_LEN: usize = 63;

/// A host that a connection can be made to: a DNS name in lower-case ASCII (IDN names are converted to
/// punycode) or an IP address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    Domain(String),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
}

/// Why a host was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostDefect {
    Empty,
    InvalidIpv4,
    InvalidIpv6,
    /// `[2001:db8::1` without its closing bracket.
    UnclosedBracket,
    /// An address no server can have: unspecified (`0.0.0.0`, `::`), broadcast or multicast.
    NoServerAddress,
    /// A character that may not appear in a host name (the first one found).
    InvalidCharacter(char),
    /// An internationalised name that cannot be converted to its ASCII form.
    InvalidInternationalName,
    EmptyLabel,
    LabelTooLong,
    HyphenAtLabelEdge,
    TooLong,
}

impl Host {
    /// Parses a host as written in a URI: `mail.example.com`, `bücher.example`, `192.0.2.1` or `[2001:db8::1]`.
    pub fn parse(input: &str) -> Result<Host, HostDefect> {
        if input.is_empty() {
            return Err(HostDefect::Empty);
        }
        if let Some(inner) = input.strip_prefix('[') {
            let literal = inner.strip_suffix(']').ok_or(HostDefect::UnclosedBracket)?;
            let ip: Ipv6Addr = literal.parse().map_err(|_| HostDefect::InvalidIpv6)?;
            let no_server = ip.is_unspecified() || ip.is_multicast() || ip.to_ipv4_mapped().is_some_and(no_server_v4);
            return if no_server { Err(HostDefect::NoServerAddress) } else { Ok(Host::Ipv6(ip)) };
        }
        // An invisible character too: IDNA would drop a zero-width space unseen, so the name shown would not be
        // the name typed.
        let forbidden = |c: &char| matches!(c, '[' | ']' | ':' | '/' | '\\' | '@' | '%' | ' ') || is_invisible(*c);
        if let Some(ch) = input.chars().find(forbidden) {
            return Err(HostDefect::InvalidCharacter(ch));
        }
        match domain_or_ipv4(input)? {
            Host::Ipv4(ip) if no_server_v4(ip) => Err(HostDefect::NoServerAddress),
            host => Ok(host),
        }
    }

    /// Whether traffic to this host stays on this machine (127.0.0.0/8, ::1, `localhost`). Only the name
    /// `localhost` itself: a name under it (`relay.localhost`) is resolved by DNS on some systems, so it may
    /// lead anywhere.
    pub fn is_loopback(&self) -> bool {
        match self {
            Host::Domain(name) => name == "localhost",
            Host::Ipv4(ip) => ip.is_loopback(),
            Host::Ipv6(ip) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        }
    }

    /// The rule for credentials: they are sent only over TLS, unless to a loopback host (then they never leave this
    /// machine). The report's plaintext-login error, the effective connection's words and the server's SMTP
    /// engine all ask this.
    pub fn needs_tls_for_credentials(&self) -> bool {
        !self.is_loopback()
    }

    /// The name to connect to and to check a certificate against: no brackets around IPv6 addresses.
    pub fn connect_name(&self) -> String {
        match self {
            Host::Domain(name) => name.clone(),
            Host::Ipv4(ip) => ip.to_string(),
            Host::Ipv6(ip) => ip.to_string(),
        }
    }
}

/// The form used inside a URI: IPv6 addresses in brackets.
impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(name) => f.write_str(name),
            Host::Ipv4(ip) => write!(f, "{ip}"),
            Host::Ipv6(ip) => write!(f, "[{ip}]"),
        }
    }
}

/// Registers the conversion of an internationalised domain name to its ASCII form (UTS #46 ToASCII as in the WHATWG
/// URL standard's "domain to ASCII": mapped, lower-case, punycode; `None` when the name is not valid), for builds
/// without the `idna` feature, such as the page, which passes the browser's own URL parser here. Without one, such
/// builds refuse every host that needs IDNA (non-ASCII, or a label starting with `xn--`) with
/// [`HostDefect::InvalidInternationalName`]. The first registration wins; with `idna` (the default) the `url` crate
/// converts names and this function is not used.
pub fn set_idna_to_ascii(to_ascii: fn(&str) -> Option<String>) {
    let _ = IDNA_TO_ASCII.set(to_ascii);
}

static IDNA_TO_ASCII: OnceLock<fn(&str) -> Option<String>> = OnceLock::new();

/// An IPv4 address no server has: unspecified, broadcast or multicast.
fn no_server_v4(ip: Ipv4Addr) -> bool {
    ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast()
}

#[cfg(feature = "idna")]
fn domain_or_ipv4(input: &str) -> Result<Host, HostDefect> {
    match url::Host::parse(input) {
        Ok(url::Host::Domain(domain)) => check_domain(domain),
        // The WHATWG parser also reads `192.168.1`, `0x7f.1` or `2130706433` as IPv4 addresses; only the
        // dotted quad is accepted, so the address meant is the one written.
        Ok(url::Host::Ipv4(ip)) if input.parse() == Ok(ip) => Ok(Host::Ipv4(ip)),
        Ok(url::Host::Ipv4(_)) => Err(HostDefect::InvalidIpv4),
        Ok(url::Host::Ipv6(ip)) => Ok(Host::Ipv6(ip)),
        Err(url::ParseError::InvalidIpv4Address) => Err(HostDefect::InvalidIpv4),
        Err(url::ParseError::InvalidIpv6Address) => Err(HostDefect::InvalidIpv6),
        Err(url::ParseError::EmptyHost) => Err(HostDefect::Empty),
        Err(_) => Err(invalid_name(input)),
    }
}

/// The same steps as `url::Host::parse` (WHATWG host parsing) for what is left after [`Host::parse`]'s own
/// checks, with IDNA by the function given to [`set_idna_to_ascii`].
#[cfg(not(feature = "idna"))]
fn domain_or_ipv4(input: &str) -> Result<Host, HostDefect> {
    if input.chars().any(is_forbidden_domain_char) {
        return Err(invalid_name(input));
    }
    let needs_idna = !input.is_ascii() || input.split('.').any(|label| punycode_of(label).is_some());
    let domain = if needs_idna {
        IDNA_TO_ASCII
            .get()
            .and_then(|&to_ascii| registered_to_ascii(input, to_ascii))
            .ok_or_else(|| invalid_name(input))?
    } else {
        input.to_ascii_lowercase()
    };
    if domain.is_empty() {
        return Err(HostDefect::Empty);
    }
    if ends_in_a_number(&domain) {
        // As with `url`: only the dotted quad as written is accepted.
        return input.parse().map(Host::Ipv4).map_err(|_| HostDefect::InvalidIpv4);
    }
    check_domain(domain)
}

/// `input` converted by the registered function, which may be a browser's URL parser: that converts Unicode labels
/// but lets any `xn--` label through, where `url` refuses one that is not the ASCII form of a valid Unicode label.
/// So each such label is decoded and converted back, and must come back as it was.
#[cfg(not(feature = "idna"))]
fn registered_to_ascii(input: &str, to_ascii: fn(&str) -> Option<String>) -> Option<String> {
    let domain = to_ascii(input).filter(|domain| domain.is_ascii())?;
    let genuine = |label: &str| {
        let Some(encoded) = punycode_of(label) else {
            return true;
        };
        crate::punycode::decode(encoded)
            .filter(|unicode| !unicode.is_ascii())
            .and_then(|unicode| to_ascii(&unicode))
            .is_some_and(|again| again.eq_ignore_ascii_case(label))
    };
    domain.split('.').all(genuine).then_some(domain)
}

/// What follows the `xn--` prefix (any case) of a label written in punycode.
#[cfg(not(feature = "idna"))]
fn punycode_of(label: &str) -> Option<&str> {
    label.get(..4).filter(|prefix| prefix.eq_ignore_ascii_case("xn--")).and_then(|_| label.get(4..))
}

/// WHATWG's forbidden domain code points (the `url` crate's IDNA deny list): C0 controls, space, DEL and
/// `%#/:<>?@[\]^|`.
#[cfg(not(feature = "idna"))]
fn is_forbidden_domain_char(c: char) -> bool {
    c <= ' ' || c == '\u{7f}' || "%#/:<>?@[\\]^|".contains(c)
}

/// WHATWG's "ends in a number" check: whether the host parser reads the name as an IPv4 address.
#[cfg(not(feature = "idna"))]
fn ends_in_a_number(domain: &str) -> bool {
    let mut labels = domain.rsplit('.');
    let last = match labels.next() {
        Some("") => labels.next(),
        last => last,
    };
    let Some(last) = last.filter(|last| !last.is_empty()) else {
        return false;
    };
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    // An IPv4 number: hexadecimal after `0x`, otherwise octal after a leading `0`.
    let (digits, radix) = match last.strip_prefix("0x").or_else(|| last.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None if last.len() >= 2 && last.starts_with('0') => (&last[1..], 8),
        None => (last, 10),
    };
    digits.chars().all(|c| c.is_digit(radix))
}

/// What `url` reports as an IDNA error: the first character that is no letter, digit, dot, hyphen or underscore,
/// if any.
fn invalid_name(input: &str) -> HostDefect {
    first_invalid_char(input).map(HostDefect::InvalidCharacter).unwrap_or(HostDefect::InvalidInternationalName)
}

fn first_invalid_char(input: &str) -> Option<char> {
    input.chars().find(|c| !(c.is_alphanumeric() || matches!(c, '.' | '-' | '_')))
}

/// Holds the ASCII form of a name to the rules of DNS host names (letters, digits, hyphens; RFC 1123), and
/// underscores, which DNS allows and some internal names have (Docker Compose services, `mail_relay`).
fn check_domain(mut domain: String) -> Result<Host, HostDefect> {
    if domain.ends_with('.') {
        domain.pop();
    }
    if domain.is_empty() {
        return Err(HostDefect::Empty);
    }
    if domain.len() > MAX_DOMAIN_LEN {
        return Err(HostDefect::TooLong);
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err(HostDefect::EmptyLabel);
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(HostDefect::LabelTooLong);
        }
        if let Some(ch) = label.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))) {
            return Err(HostDefect::InvalidCharacter(ch));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(HostDefect::HyphenAtLabelEdge);
        }
    }
    Ok(Host::Domain(domain))
}
