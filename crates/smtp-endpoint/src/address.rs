use crate::credentials::{QUOTES, TextDefect, check_text, is_invisible, trim};
use crate::host::{Host, HostDefect};
use crate::problem::Problem;
use email_address::EmailAddress;
use std::fmt;

/// Longest address (`local@domain`) accepted: the limit of an SMTP path (RFC 5321) less its brackets.
pub const MAX_ADDRESS_LEN: usize = 254;
pub(crate) const MAX_LOCAL_PART_LEN: usize = 64;
/// Longest value accepted, display name included, in characters.
const MAX_INPUT_LEN: usize = 512;

/// Why a from address was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressDefect {
    Text(TextDefect),
    NoAt,
    EmptyLocalPart,
    LocalPartTooLong,
    InvalidLocalPart,
    EmptyDomain,
    InvalidDomain(HostDefect),
    /// An IP address after the `@`: mail is addressed to a domain.
    IpAddressDomain,
    TooLong,
    /// `Name <addr` without the closing `>`, or a `>` without its `<`.
    UnbalancedAngleBrackets,
    /// A quote, a backslash or an angle bracket inside the display name.
    InvalidDisplayName,
    /// More than one address (`a@example.com, b@example.com`).
    SeveralAddresses,
}

/// A default from address: `addr@domain` or `Display Name <addr@domain>`, with the domain in punycode.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FromAddress {
    local_part: String,
    domain: String,
    display_name: Option<String>,
}

impl FromAddress {
    /// Parses a from address as an administrator types it; surrounding white space is ignored.
    pub fn parse(input: &str) -> Result<FromAddress, Problem> {
        let input = trim(input);
        if input.is_empty() {
            return Err(Problem::FromRequired);
        }
        parse_mailbox(input).map_err(|defect| match meant(input) {
            Some((slip, suggestion)) => Problem::FromSlip { slip, suggestion },
            None => Problem::FromInvalid(defect),
        })
    }

    /// The bare address, `local@domain`.
    pub fn address(&self) -> String {
        format!("{}@{}", self.local_part, self.domain)
    }

    pub fn local_part(&self) -> &str {
        &self.local_part
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }
}

/// The mailbox as it may stand in a `From:` header; the display name is quoted when it needs to be.
impl fmt::Display for FromAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.display_name {
            None => write!(f, "{}@{}", self.local_part, self.domain),
            Some(name) if name.chars().all(|c| c == ' ' || is_atext(c)) => {
                write!(f, "{name} <{}@{}>", self.local_part, self.domain)
            }
            Some(name) => write!(f, "\"{name}\" <{}@{}>", self.local_part, self.domain),
        }
    }
}

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// A from address that is not valid as typed, but reads as a known slip with a valid address meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressSlip {
    /// Wrapped in quotation marks or angle brackets, as in a config file: `"app@example.com"`.
    Quoted,
    /// The name after the address in parentheses, the old RFC 822 form: `app@example.com (App)`.
    NameInParentheses,
}

/// The slip and the address meant, when there is one and it is valid.
fn meant(input: &str) -> Option<(AddressSlip, String)> {
    let unquoted = input.trim_matches(QUOTES);
    let (slip, candidate) = if unquoted.len() < input.len() {
        (AddressSlip::Quoted, unquoted.to_owned())
    } else {
        let (address, name) = input.strip_suffix(')')?.split_once('(')?;
        let candidate = match name.trim() {
            "" => address.trim().to_owned(),
            name => format!("{name} <{}>", address.trim()),
        };
        (AddressSlip::NameInParentheses, candidate)
    };
    parse_mailbox(&candidate).is_ok().then_some((slip, candidate))
}

fn parse_mailbox(input: &str) -> Result<FromAddress, AddressDefect> {
    check_text(input, MAX_INPUT_LEN).map_err(AddressDefect::Text)?;
    if input.matches('<').nth(1).is_some() {
        return Err(AddressDefect::SeveralAddresses);
    }
    let (display_name, address) = match input.find('<') {
        Some(open) => {
            let inner = input[open + 1..].strip_suffix('>').ok_or(AddressDefect::UnbalancedAngleBrackets)?;
            (parse_display_name(&input[..open])?, inner.trim())
        }
        None => (None, input),
    };
    if address.contains(['<', '>']) {
        return Err(AddressDefect::UnbalancedAngleBrackets);
    }
    if address.contains([',', ';']) {
        return Err(AddressDefect::SeveralAddresses);
    }
    let (local_part, domain) = address.rsplit_once('@').ok_or(AddressDefect::NoAt)?;
    if local_part.is_empty() {
        return Err(AddressDefect::EmptyLocalPart);
    }
    if local_part.len() > MAX_LOCAL_PART_LEN {
        return Err(AddressDefect::LocalPartTooLong);
    }
    // Only the dot-atom form: a quoted local part (`"a b"@example.com`) is read differently by mail libraries
    // (lettre drops the quotes, then refuses the space), so it would fail when the mail is sent. A character
    // that cannot be seen (a zero-width space, say) is allowed in a UTF-8 local part, but never meant.
    if local_part.starts_with('"')
        || local_part.chars().any(is_invisible)
        || !EmailAddress::is_valid_local_part(local_part)
    {
        return Err(AddressDefect::InvalidLocalPart);
    }
    let domain = match Host::parse(domain) {
        // A host may have one (a Docker service, say); a mail domain may not (RFC 5321).
        Ok(Host::Domain(domain)) if domain.contains('_') => {
            return Err(AddressDefect::InvalidDomain(HostDefect::InvalidCharacter('_')));
        }
        Ok(Host::Domain(domain)) => domain,
        Ok(Host::Ipv4(_) | Host::Ipv6(_)) => return Err(AddressDefect::IpAddressDomain),
        // `app@.` has no domain either; the host's words ("the URI has no host") do not fit an address.
        Err(HostDefect::Empty) => return Err(AddressDefect::EmptyDomain),
        Err(HostDefect::NoServerAddress) => return Err(AddressDefect::IpAddressDomain),
        // An address literal (`app@[192.0.2.1]`), whether or not the address inside is valid.
        Err(_) if domain.starts_with('[') => return Err(AddressDefect::IpAddressDomain),
        Err(defect) => return Err(AddressDefect::InvalidDomain(defect)),
    };
    if local_part.len() + 1 + domain.len() > MAX_ADDRESS_LEN {
        return Err(AddressDefect::TooLong);
    }
    Ok(FromAddress { local_part: local_part.to_owned(), domain, display_name })
}

fn parse_display_name(raw: &str) -> Result<Option<String>, AddressDefect> {
    let raw = raw.trim();
    let name = match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(quoted) => quoted.trim(),
        None => raw,
    };
    if name.contains(['"', '\\', '<', '>']) {
        return Err(AddressDefect::InvalidDisplayName);
    }
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    Ok((!name.is_empty()).then_some(name))
}
