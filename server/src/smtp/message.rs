//! The test message: built with lettre's message builder (headers encoded, line endings normalised to CRLF),
//! clearly labelled, saying which endpoint sent it and when.

use lettre::Address;
use lettre::address::Envelope;
use lettre::message::header::{ContentType, MIME_VERSION_1_0};
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::extension::ClientId;
use smtp_endpoint::{FromAddress, Host, Locale, TlsMode};

/// Who asked for a test message, and where it goes.
#[derive(Debug, Clone)]
pub struct TestEmail {
    pub to: Address,
    /// The admin who asked for it, named in the body.
    pub requested_by: Option<String>,
}

/// A built test message.
#[derive(Debug)]
pub(crate) struct Built {
    pub envelope: Envelope,
    pub formatted: Vec<u8>,
    pub message_id: String,
    pub subject: String,
}

/// The from address as lettre's address type.
pub(crate) fn address(from: &FromAddress) -> Result<Address, String> {
    Address::new(from.local_part(), from.domain()).map_err(|error| format!("{}: {error}", from.address()))
}

/// Where the message says it came from.
pub(crate) struct Origin<'a> {
    pub host: &'a Host,
    pub port: u16,
    pub tls: TlsMode,
    pub username: Option<&'a str>,
}

pub(crate) fn build(
    from: &FromAddress,
    email: &TestEmail,
    origin: &Origin<'_>,
    locale: Locale,
) -> Result<Built, String> {
    let from_address = address(from)?;
    let mailbox = Mailbox::new(from.display_name().map(str::to_owned), from_address.clone());
    let message_id = format!("<{:032x}.smtp-test@{}>", rand::random::<u128>(), from.domain());
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    let sent_at = now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let this_host = hostname();
    let subject = match locale {
        Locale::En => "[Test] SMTP endpoint test message".to_owned(),
        Locale::De => "[Test] Testnachricht des SMTP-Endpunkts".to_owned(),
    };
    let tls = tls_words(origin.tls, locale);
    let body = match locale {
        Locale::En => format!(
            "This is a test message from the SMTP endpoint settings. No action is needed.\n\n\
             Sent through: {host}, port {port} (set up for {tls})\n\
             Logged in as: {user}\n\
             From address: {from}\n\
             Sent at: {sent_at}\n\
             Sent by: the settings server on {this_host}{by}\n\n\
             If you can read this, the endpoint can deliver mail to this address.\n",
            host = origin.host,
            port = origin.port,
            user = origin.username.unwrap_or("(no login)"),
            by = email.requested_by.as_deref().map(|a| format!(", at the request of {a}")).unwrap_or_default(),
        ),
        Locale::De => format!(
            "Dies ist eine Testnachricht aus den SMTP-Endpunkt-Einstellungen. Es ist nichts zu tun.\n\n\
             Gesendet über: {host}, Port {port} (eingestellt: {tls})\n\
             Angemeldet als: {user}\n\
             Absenderadresse: {from}\n\
             Gesendet am: {sent_at}\n\
             Gesendet von: Einstellungsserver auf {this_host}{by}\n\n\
             Wenn Sie dies lesen können, kann der Endpunkt E-Mails an diese Adresse zustellen.\n",
            host = origin.host,
            port = origin.port,
            user = origin.username.unwrap_or("(ohne Anmeldung)"),
            by = email.requested_by.as_deref().map(|a| format!(", auf Wunsch von {a}")).unwrap_or_default(),
        ),
    };
    let message = Message::builder()
        .from(mailbox)
        .to(Mailbox::new(None, email.to.clone()))
        .subject(subject.clone())
        .date_now()
        .message_id(Some(message_id.clone()))
        // `body` sets Content-Transfer-Encoding but not MIME-Version, which RFC 2045 asks for beside it.
        .header(MIME_VERSION_1_0)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|error| error.to_string())?;
    let envelope = Envelope::new(Some(from_address), vec![email.to.clone()]).map_err(|error| error.to_string())?;
    Ok(Built { envelope, formatted: message.formatted(), message_id, subject })
}

fn tls_words(tls: TlsMode, locale: Locale) -> &'static str {
    match (locale, tls) {
        (Locale::En, TlsMode::Implicit) => "TLS from the first byte",
        (Locale::En, TlsMode::StarttlsRequired) => "STARTTLS, required",
        (Locale::En, TlsMode::StarttlsOpportunistic) => "STARTTLS when offered",
        (Locale::En, TlsMode::None) => "no TLS",
        (Locale::De, TlsMode::Implicit) => "TLS ab dem ersten Byte",
        (Locale::De, TlsMode::StarttlsRequired) => "STARTTLS, Pflicht",
        (Locale::De, TlsMode::StarttlsOpportunistic) => "STARTTLS, wenn angeboten",
        (Locale::De, TlsMode::None) => "kein TLS",
    }
}

/// The name to greet with (`EHLO`, RFC 5321 §4.1.4): this machine's name when it is a fully qualified domain
/// name, else the address the connection comes from as an address literal (`[192.0.2.5]`, `[IPv6:2001:db8::5]`)
/// — a container's short name or a bare address is refused by servers that check the greeting.
pub(crate) fn hello(name: String, local: Option<std::net::IpAddr>) -> ClientId {
    // The core crate's host rules judge the name. Fully qualified: a dot, a top-level label with a letter, and
    // not `localhost.localdomain` (some distributions' default, which names every machine).
    let host = Host::parse(&name);
    // No underscore, which a host name may have but a greeting may not (Postfix's reject_invalid_helo_hostname).
    let qualified = match &host {
        Ok(Host::Domain(domain)) => {
            !domain.contains('_')
                && domain.contains('.')
                && domain.rsplit('.').next().is_some_and(|top| top.bytes().any(|b| b.is_ascii_alphabetic()))
                && domain.split('.').next() != Some("localhost")
        }
        _ => false,
    };
    let named_address = match host {
        Ok(Host::Ipv4(ip)) => Some(ip.into()),
        Ok(Host::Ipv6(ip)) => Some(ip.into()),
        _ => None,
    };
    match local.or(named_address) {
        _ if qualified => ClientId::Domain(name),
        Some(std::net::IpAddr::V4(ip)) => ClientId::Ipv4(ip),
        Some(std::net::IpAddr::V6(ip)) => ClientId::Ipv6(ip),
        None => ClientId::Domain(name),
    }
}

/// This machine's name as lettre greets with it (`EHLO`).
pub(crate) fn hostname() -> String {
    match ClientId::default() {
        ClientId::Domain(name) => name,
        other => other.to_string().trim_matches(['[', ']']).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_greeting_is_a_qualified_name_or_an_address_literal() {
        let v4 = Some("192.0.2.5".parse().expect("ip"));
        let v6 = Some("2001:db8::5".parse().expect("ip"));
        let greet = |name: &str, local| hello(name.to_owned(), local).to_string();
        assert_eq!(greet("app-1.prod.example.com", v4), "app-1.prod.example.com");
        assert_eq!(greet("3f2a9c1e7b44", v4), "[192.0.2.5]", "a container's short name");
        assert_eq!(greet("127.0.0.1", v4), "[192.0.2.5]", "lettre's fallback when the name is unknown");
        assert_eq!(greet("host.-bad-.example", v6), "[IPv6:2001:db8::5]");
        assert_eq!(greet("localhost.localdomain", v4), "[192.0.2.5]", "names every machine");
        assert_eq!(greet("app_1.prod.example.com", v4), "[192.0.2.5]", "no underscore in a greeting");
        assert_eq!(greet("127.0.0.1", None), "[127.0.0.1]", "no address known: an address is still a literal");
        assert_eq!(greet("localhost", None), "localhost", "no address known: the name as it is");
    }

    #[test]
    fn the_test_message_is_labelled_and_says_where_it_came_from() {
        let from = FromAddress::parse("Example App <app@example.com>").expect("from");
        let email = TestEmail { to: "ops@example.net".parse().expect("to"), requested_by: Some("admin".into()) };
        let host = Host::parse("mail.example.com").expect("host");
        let origin = Origin { host: &host, port: 465, tls: TlsMode::Implicit, username: Some("app") };
        let built = build(&from, &email, &origin, Locale::En).expect("message");
        let text = String::from_utf8(built.formatted).expect("ASCII");
        for needle in [
            "From: \"Example App\" <app@example.com>",
            "To: ops@example.net",
            "MIME-Version: 1.0\r\n",
            "Content-Type: text/plain; charset=utf-8\r\n",
            "Subject: [Test] SMTP endpoint test message",
            "Date: ",
            &format!("Message-ID: {}", built.message_id),
            "mail.example.com, port 465 (set up for TLS from the first",
            "From address: Example App <app@example.com>",
            "at the request of admin",
        ] {
            assert!(text.contains(needle), "{needle:?} missing in\n{text}");
        }
        assert!(!text.replace("\r\n", "").contains('\n'), "bare LF in\n{text}");
        assert!(built.message_id.ends_with("@example.com>"));
    }
}
