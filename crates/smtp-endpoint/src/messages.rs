//! The message catalogue: every sentence this product shows about an endpoint, in English and German.
//!
//! Each language is one exhaustive `match`, so a new problem cannot be added without its words in both.

use crate::address::{AddressDefect, AddressSlip, MAX_ADDRESS_LEN, MAX_LOCAL_PART_LEN};
use crate::credentials::{TextDefect, is_invisible};
use crate::custom_ca::CustomCaDefect;
use crate::host::{HostDefect, MAX_DOMAIN_LEN, MAX_LABEL_LEN};
use crate::locale::Locale;
use crate::problem::{Component, Problem};
use crate::uri::{SmtpUri, TlsMode};

/// The sentence for a problem: what is wrong and what to type instead.
pub fn problem(problem: &Problem, locale: Locale) -> String {
    match locale {
        Locale::En => en(problem),
        Locale::De => de(problem),
    }
}

/// The test email's recipient is missing (a typed one is judged by the from address's rules, [`Problem::FromInvalid`]).
pub fn recipient_required(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "Enter the recipient's address, for example ops@example.com.",
        Locale::De => "Geben Sie die Adresse des Empfängers ein, zum Beispiel ops@example.com.",
    }
}

/// One sentence that says what a URI will do, e.g. "TLS from the first byte to mail.example.com, port 465;
/// logs in as ses-user."
pub fn summary(uri: &SmtpUri, username: Option<&str>, locale: Locale) -> String {
    let host = uri.host();
    let port = uri.port();
    let username = username.map(shown);
    // With STARTTLS only when offered, whether the login waits for it depends on the host (the credentials rule).
    let opportunistic = uri.tls() == TlsMode::StarttlsOpportunistic;
    let waits_for_tls = opportunistic && host.needs_tls_for_credentials();
    let in_clear_here = opportunistic && !waits_for_tls;
    match locale {
        Locale::En => {
            let how = match uri.tls() {
                TlsMode::Implicit => format!("TLS from the first byte to {host}, port {port}"),
                TlsMode::StarttlsRequired => {
                    format!("Plain connection to {host}, port {port}, upgraded with STARTTLS (required)")
                }
                TlsMode::StarttlsOpportunistic => {
                    format!("Plain connection to {host}, port {port}, upgraded with STARTTLS when the server offers it")
                }
                TlsMode::None => format!("Unencrypted connection to {host}, port {port}, never TLS"),
            };
            match username {
                Some(user) if waits_for_tls => format!(
                    "{how}; logs in as {user} only once the connection is encrypted, so the password never crosses \
                     the network unencrypted."
                ),
                Some(user) if in_clear_here => format!(
                    "{how}; logs in as {user}, unencrypted if the server offers no STARTTLS (allowed only to this machine)."
                ),
                Some(user) => format!("{how}; logs in as {user}."),
                None => format!("{how}; does not log in."),
            }
        }
        Locale::De => {
            let how = match uri.tls() {
                TlsMode::Implicit => format!("TLS ab dem ersten Byte zu {host}, Port {port}"),
                TlsMode::StarttlsRequired => format!(
                    "Verbindung zu {host}, Port {port}, unverschlüsselt begonnen und mit STARTTLS verschlüsselt (Pflicht)"
                ),
                TlsMode::StarttlsOpportunistic => format!(
                    "Verbindung zu {host}, Port {port}, unverschlüsselt begonnen und mit STARTTLS verschlüsselt, wenn der \
                     Server es anbietet"
                ),
                TlsMode::None => format!("Unverschlüsselte Verbindung zu {host}, Port {port}, nie TLS"),
            };
            match username {
                Some(user) if waits_for_tls => format!(
                    "{how}; meldet sich erst nach der Verschlüsselung als {user} an, das Passwort geht also nie im \
                     Klartext über das Netz."
                ),
                Some(user) if in_clear_here => {
                    format!(
                        "{how}; meldet sich als {user} an, unverschlüsselt, falls der Server kein STARTTLS anbietet (nur bei diesem Rechner erlaubt)."
                    )
                }
                Some(user) => format!("{how}; meldet sich als {user} an."),
                None => format!("{how}; ohne Anmeldung."),
            }
        }
    }
}

/// Typed text as a message shows it: as typed, but a character that cannot be seen by its code point
/// (`[U+200B]`), so the message says where the trouble is (and the page's history shows a change of one).
pub fn shown(text: &str) -> String {
    text.chars().fold(String::with_capacity(text.len()), |mut out, c| {
        if is_invisible(c) {
            out.push_str(&format!("[U+{:04X}]", u32::from(c)));
        } else {
            out.push(c);
        }
        out
    })
}

fn en(problem: &Problem) -> String {
    match problem {
        Problem::UriRequired => {
            "Enter the SMTP server's URI, for example smtp://mail.example.com or smtps://mail.example.com.".into()
        }
        Problem::UriMissingScheme { suggestion: Some(s) } => {
            format!("The URI needs a scheme: smtp:// or smtps://. Use {s}")
        }
        Problem::UriMissingScheme { suggestion: None } => {
            "The URI needs a scheme: start it with smtp:// (STARTTLS) or smtps:// (TLS from the first byte).".into()
        }
        Problem::UriUnknownScheme { scheme, suggestion } => {
            let scheme = shown(scheme);
            let start = format!("\"{scheme}\" is not an SMTP scheme: start the URI with smtp:// (STARTTLS) or smtps:// (TLS from the first byte).");
            match suggestion {
                Some(s) => format!("{start} Use {s}"),
                None => start,
            }
        }
        Problem::UriInvalidHost(defect) => format!("{} Type a host name such as mail.example.com, or an IP address such as 192.0.2.10 or [2001:db8::1].", en_host(defect)),
        Problem::UriBracketedIpv4 { suggestion: Some(s) } => format!("IPv4 addresses are written without brackets: use {s}"),
        Problem::UriBracketedIpv4 { suggestion: None } => {
            "IPv4 addresses are written without brackets, e.g. smtp://192.0.2.10; only IPv6 addresses take them.".into()
        }
        Problem::UriUnbracketedIpv6 { suggestion: Some(s) } => format!("An IPv6 address is written in brackets: use {s}"),
        Problem::UriUnbracketedIpv6 { suggestion: None } => {
            "An IPv6 address is written in brackets, with the port after them: smtp://[2001:db8::1]:587.".into()
        }
        Problem::UriInvalidPort { port } if port.is_empty() => {
            "The port after \":\" is empty: type a number from 1 to 65535 (25, 587 or 465), or leave out the colon.".into()
        }
        Problem::UriInvalidPort { port } => {
            format!("\"{}\" is not a port: type a number from 1 to 65535, usually 25, 587 or 465.", shown(port))
        }
        Problem::UriCredentialsInUri => {
            "Remove the username and password from the URI and type them into the Username and Password fields.".into()
        }
        Problem::UriUnsupportedComponent(component) => en_component(component),
        Problem::UriPlaintextAuth { suggestion } => format!(
            "With ?tls=none or ?starttls=never the password would go unencrypted to a remote server. Use {suggestion}, which logs in only over TLS, or clear the username and password if the server needs no login."
        ),
        Problem::UriInvalid(defect) => en_text("URI", defect),
        Problem::UriSpace { suggestion: None } => "The URI contains a space; type one URI without spaces.".into(),
        Problem::UriSpace { suggestion: Some(suggestion) } => {
            format!("The URI contains a space. For that host and port, use {suggestion}")
        }
        Problem::UriQuoted { suggestion } => {
            format!("Type the URI without quotation marks or angle brackets: {suggestion}")
        }
        Problem::UriPortExpectsImplicitTls { port, suggestion } => {
            format!("Port {port} expects TLS from the first byte: use {suggestion}")
        }
        Problem::UriPortExpectsStarttls { port, suggestion } => format!(
            "Port {port} expects a plain start upgraded with STARTTLS, not TLS from the first byte: use {suggestion}, or smtps:// with port 465."
        ),
        Problem::UsernameRequired => "Enter the username that goes with the password, or remove the password to send without logging in.".into(),
        Problem::UsernameInvalid(defect) => en_text("username", defect),
        Problem::UsernameInvisibleCharacter { username } => format!(
            "The username contains an invisible character: {}. If it came with a paste, type the username without it.",
            shown(username)
        ),
        Problem::PasswordRequired => "Enter the password for this username, or clear the username if the server needs no login.".into(),
        Problem::PasswordInvalid(defect) => en_text("password", defect),
        Problem::PasswordInvisibleCharacter => "The password starts or ends with a space, or holds an invisible character. If that came with a paste, type the password instead.".into(),
        Problem::PasswordReentryRequired => "The server (host, port or TLS mode), the username or the internal certificate authority changed: type the password again. A stored password is never sent to a different server.".into(),
        Problem::FromRequired => "Enter the default from address, for example notifications@example.com.".into(),
        Problem::FromInvalid(defect) => en_address(defect),
        Problem::FromSlip { slip: AddressSlip::Quoted, suggestion } => {
            format!("Type the address without quotation marks or angle brackets around it: {suggestion}")
        }
        Problem::FromSlip { slip: AddressSlip::NameInParentheses, suggestion } => {
            format!("A name in parentheses after the address is an old form: {suggestion}")
        }
        Problem::CustomCaInvalid(defect) => en_custom_ca(*defect).into(),
    }
}

fn en_host(defect: &HostDefect) -> String {
    match defect {
        HostDefect::Empty => "The URI has no host.".into(),
        HostDefect::InvalidIpv4 => "The host is not a valid IPv4 address.".into(),
        HostDefect::InvalidIpv6 => "The host is not a valid IPv6 address.".into(),
        HostDefect::UnclosedBracket => {
            "The host's IPv6 address has no closing bracket: write it as [2001:db8::1].".into()
        }
        HostDefect::NoServerAddress => {
            "No server has this address (0.0.0.0, ::, broadcast, multicast); for this machine, type 127.0.0.1.".into()
        }
        name => en_name("The host", name),
    }
}

/// What is wrong with an address's domain.
fn en_domain(defect: &HostDefect) -> String {
    const DOMAIN: &str = "The domain after the \"@\"";
    match defect {
        HostDefect::Empty => format!("{DOMAIN} is missing."),
        HostDefect::InvalidIpv4 | HostDefect::InvalidIpv6 => {
            format!("{DOMAIN} is not a valid IP address; use the mail domain instead.")
        }
        name => en_name(DOMAIN, name),
    }
}

/// What is wrong with a DNS name, said of `subject` (a URI's host or an address's domain).
fn en_name(subject: &str, defect: &HostDefect) -> String {
    match defect {
        HostDefect::InvalidCharacter(c) => {
            format!("{subject} contains \"{}\", which a host name cannot contain.", shown(&c.to_string()))
        }
        HostDefect::InvalidInternationalName => format!("{subject} is not a valid international domain name."),
        HostDefect::EmptyLabel => format!("{subject} has an empty part between two dots."),
        HostDefect::LabelTooLong => format!("{subject} has a part longer than {MAX_LABEL_LEN} characters."),
        HostDefect::HyphenAtLabelEdge => format!("{subject} has a part that starts or ends with a hyphen."),
        HostDefect::TooLong => format!("{subject} is longer than {MAX_DOMAIN_LEN} characters."),
        // Said by each subject in its own words; a URI's are the fallback.
        HostDefect::Empty
        | HostDefect::InvalidIpv4
        | HostDefect::InvalidIpv6
        | HostDefect::UnclosedBracket
        | HostDefect::NoServerAddress => en_host(defect),
    }
}

fn en_component(component: &Component) -> String {
    match component {
        Component::Path => "Remove the path after the host: the URI is only smtp://host or smtp://host:port.".into(),
        Component::Fragment => "Remove the part after \"#\": the URI is only smtp://host or smtp://host:port.".into(),
        Component::Query { key } => format!(
            "\"{}\" is not an option here. Only ?tls=required|opportunistic|none or ?starttls=always|never may follow the host.",
            shown(key)
        ),
        Component::TlsOptionValue { key, value } => format!(
            "\"{}\" is not a value for {key}: use tls=required, tls=opportunistic or tls=none (or starttls=always / starttls=never).",
            shown(value)
        ),
        Component::TlsOptionOnSmtps => {
            "smtps:// always uses TLS from the first byte: remove the TLS option, or use smtp:// with it.".into()
        }
        Component::ConflictingTlsOptions => "The TLS options contradict each other: keep only one.".into(),
    }
}

fn en_text(what: &str, defect: &TextDefect) -> String {
    match defect {
        TextDefect::ControlCharacter => format!(
            "The {what} contains a line break or another control character; retype it on one line without them."
        ),
        TextDefect::TooLong { max } => format!("The {what} is longer than {max} characters; shorten it."),
    }
}

fn en_address(defect: &AddressDefect) -> String {
    let tail = "Type an address such as notifications@example.com or Example App <notifications@example.com>.";
    let what = match defect {
        AddressDefect::Text(TextDefect::ControlCharacter) => "The address contains a line break or another control character.".into(),
        AddressDefect::Text(TextDefect::TooLong { max }) => format!("The address is longer than {max} characters."),
        AddressDefect::NoAt => "The address has no \"@\".".into(),
        AddressDefect::EmptyLocalPart => "The address has nothing before the \"@\".".into(),
        AddressDefect::LocalPartTooLong => format!("The part before the \"@\" is longer than {MAX_LOCAL_PART_LEN} characters."),
        AddressDefect::InvalidLocalPart => "The part before the \"@\" contains characters an address cannot have (such as spaces or two dots in a row).".into(),
        AddressDefect::EmptyDomain => "The address has no domain after the \"@\".".into(),
        AddressDefect::InvalidDomain(host) => en_domain(host),
        AddressDefect::IpAddressDomain => "The part after the \"@\" is an IP address; use the mail domain instead.".into(),
        AddressDefect::TooLong => format!("The address is longer than {MAX_ADDRESS_LEN} characters."),
        AddressDefect::UnbalancedAngleBrackets => "The angle brackets do not match: write Name <address>.".into(),
        AddressDefect::InvalidDisplayName => "The name before the address contains a quote, backslash or angle bracket (\", \\, < or >); remove it.".into(),
        AddressDefect::SeveralAddresses => "Only one address is possible here.".into(),
    };
    format!("{what} {tail}")
}

fn en_custom_ca(defect: CustomCaDefect) -> &'static str {
    match defect {
        CustomCaDefect::NoCertificate => {
            "The CA certificates field holds no certificate: paste the CA certificate in PEM form, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----."
        }
        CustomCaDefect::InvalidPem => {
            "The CA certificates are not valid PEM: paste the whole block, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----, unchanged."
        }
        CustomCaDefect::InvalidCertificate => {
            "The CA certificates contain a block that is not a usable X.509 CA certificate: paste the certificate of the CA that signed the mail server's certificate."
        }
        CustomCaDefect::TooLong => {
            "The CA certificates are longer than 64 KiB: paste only the CA certificates the mail server needs."
        }
        CustomCaDefect::PrivateKey => {
            "The CA certificates contain a private key: remove it and paste only the CA certificate. Treat that key as exposed."
        }
    }
}

fn de(problem: &Problem) -> String {
    match problem {
        Problem::UriRequired => {
            "Geben Sie die URI des SMTP-Servers ein, zum Beispiel smtp://mail.example.com oder smtps://mail.example.com.".into()
        }
        Problem::UriMissingScheme { suggestion: Some(s) } => {
            format!("Die URI braucht ein Schema: smtp:// oder smtps://. Verwenden Sie {s}")
        }
        Problem::UriMissingScheme { suggestion: None } => {
            "Die URI braucht ein Schema: Beginnen Sie sie mit smtp:// (STARTTLS) oder smtps:// (TLS ab dem ersten Byte).".into()
        }
        Problem::UriUnknownScheme { scheme, suggestion } => {
            let scheme = shown(scheme);
            let start = format!("„{scheme}“ ist kein SMTP-Schema: Beginnen Sie die URI mit smtp:// (STARTTLS) oder smtps:// (TLS ab dem ersten Byte).");
            match suggestion {
                Some(s) => format!("{start} Verwenden Sie {s}"),
                None => start,
            }
        }
        Problem::UriInvalidHost(defect) => format!("{} Geben Sie einen Hostnamen wie mail.example.com oder eine IP-Adresse wie 192.0.2.10 oder [2001:db8::1] ein.", de_host(defect)),
        Problem::UriBracketedIpv4 { suggestion: Some(s) } => {
            format!("IPv4-Adressen werden ohne eckige Klammern geschrieben: Verwenden Sie {s}")
        }
        Problem::UriBracketedIpv4 { suggestion: None } => {
            "IPv4-Adressen werden ohne eckige Klammern geschrieben, z. B. smtp://192.0.2.10; nur IPv6-Adressen stehen in Klammern.".into()
        }
        Problem::UriUnbracketedIpv6 { suggestion: Some(s) } => {
            format!("IPv6-Adressen stehen in eckigen Klammern: Verwenden Sie {s}")
        }
        Problem::UriUnbracketedIpv6 { suggestion: None } => {
            "IPv6-Adressen stehen in eckigen Klammern, der Port danach: smtp://[2001:db8::1]:587.".into()
        }
        Problem::UriInvalidPort { port } if port.is_empty() => {
            "Nach dem „:“ fehlt der Port: Geben Sie eine Zahl von 1 bis 65535 ein (25, 587 oder 465) oder lassen Sie den Doppelpunkt weg.".into()
        }
        Problem::UriInvalidPort { port } => {
            format!("„{}“ ist kein Port: Geben Sie eine Zahl von 1 bis 65535 ein, meist 25, 587 oder 465.", shown(port))
        }
        Problem::UriCredentialsInUri => {
            "Entfernen Sie Benutzername und Passwort aus der URI und tragen Sie sie in die Felder Benutzername und Passwort ein.".into()
        }
        Problem::UriUnsupportedComponent(component) => de_component(component),
        Problem::UriPlaintextAuth { suggestion } => format!(
            "Mit ?tls=none oder ?starttls=never ginge das Passwort unverschlüsselt an einen entfernten Server. Verwenden Sie {suggestion}; damit erfolgt die Anmeldung nur über TLS. Oder leeren Sie Benutzername und Passwort, wenn der Server keine Anmeldung braucht."
        ),
        Problem::UriInvalid(defect) => de_text("Die URI", defect),
        Problem::UriSpace { suggestion: None } => {
            "Die URI enthält ein Leerzeichen; geben Sie eine URI ohne Leerzeichen ein.".into()
        }
        Problem::UriSpace { suggestion: Some(suggestion) } => {
            format!("Die URI enthält ein Leerzeichen. Für diesen Host und Port verwenden Sie {suggestion}")
        }
        Problem::UriQuoted { suggestion } => {
            format!("Geben Sie die URI ohne Anführungszeichen oder spitze Klammern ein: {suggestion}")
        }
        Problem::UriPortExpectsImplicitTls { port, suggestion } => {
            format!("Port {port} erwartet TLS ab dem ersten Byte: Verwenden Sie {suggestion}")
        }
        Problem::UriPortExpectsStarttls { port, suggestion } => format!(
            "Port {port} erwartet einen unverschlüsselten Beginn mit STARTTLS, nicht TLS ab dem ersten Byte: Verwenden Sie {suggestion} oder smtps:// mit Port 465."
        ),
        Problem::UsernameRequired => "Geben Sie den Benutzernamen zum Passwort ein, oder entfernen Sie das Passwort, um ohne Anmeldung zu senden.".into(),
        Problem::UsernameInvalid(defect) => de_text("Der Benutzername", defect),
        Problem::UsernameInvisibleCharacter { username } => format!(
            "Der Benutzername enthält ein unsichtbares Zeichen: {}. Stammt es aus eingefügtem Text, geben Sie den Namen ohne dieses Zeichen ein.",
            shown(username)
        ),
        Problem::PasswordRequired => "Geben Sie das Passwort zu diesem Benutzernamen ein, oder löschen Sie den Benutzernamen, wenn der Server keine Anmeldung braucht.".into(),
        Problem::PasswordInvalid(defect) => de_text("Das Passwort", defect),
        Problem::PasswordInvisibleCharacter => "Das Passwort beginnt oder endet mit einem Leerzeichen oder enthält ein unsichtbares Zeichen. Stammt das aus eingefügtem Text, tippen Sie das Passwort von Hand.".into(),
        Problem::PasswordReentryRequired => "Server (Host, Port oder TLS-Modus), Benutzername oder interne Zertifizierungsstelle hat sich geändert: Geben Sie das Passwort erneut ein. Ein gespeichertes Passwort wird nie an einen anderen Server gesendet.".into(),
        Problem::FromRequired => "Geben Sie die Standard-Absenderadresse ein, zum Beispiel notifications@example.com.".into(),
        Problem::FromInvalid(defect) => de_address(defect),
        Problem::FromSlip { slip: AddressSlip::Quoted, suggestion } => {
            format!("Geben Sie die Adresse ohne Anführungszeichen oder spitze Klammern darum ein: {suggestion}")
        }
        Problem::FromSlip { slip: AddressSlip::NameInParentheses, suggestion } => format!(
            "Ein Name in Klammern nach der Adresse ist eine veraltete Form: {suggestion}"
        ),
        Problem::CustomCaInvalid(defect) => de_custom_ca(*defect).into(),
    }
}

fn de_host(defect: &HostDefect) -> String {
    match defect {
        HostDefect::Empty => "Die URI enthält keinen Host.".into(),
        HostDefect::InvalidIpv4 => "Der Host ist keine gültige IPv4-Adresse.".into(),
        HostDefect::InvalidIpv6 => "Der Host ist keine gültige IPv6-Adresse.".into(),
        HostDefect::UnclosedBracket => {
            "Der IPv6-Adresse des Hosts fehlt die schließende Klammer: Schreiben Sie sie als [2001:db8::1].".into()
        }
        HostDefect::NoServerAddress => {
            "Kein Server kann diese Adresse haben (0.0.0.0, ::, Broadcast, Multicast); für diesen Rechner geben Sie 127.0.0.1 ein.".into()
        }
        name => de_name("Der Host", name),
    }
}

/// Was an der Domain einer Adresse nicht stimmt.
fn de_domain(defect: &HostDefect) -> String {
    const DOMAIN: &str = "Die Domain nach dem „@“";
    match defect {
        HostDefect::Empty => format!("{DOMAIN} fehlt."),
        HostDefect::InvalidIpv4 | HostDefect::InvalidIpv6 => {
            format!("{DOMAIN} ist keine gültige IP-Adresse; verwenden Sie stattdessen die Mail-Domain.")
        }
        name => de_name(DOMAIN, name),
    }
}

/// Was an einem DNS-Namen nicht stimmt, gesagt von `subject` (dem Host einer URI oder der Domain einer Adresse).
fn de_name(subject: &str, defect: &HostDefect) -> String {
    match defect {
        HostDefect::InvalidCharacter(c) => {
            format!("{subject} enthält „{}“, das in einem Hostnamen nicht vorkommen darf.", shown(&c.to_string()))
        }
        HostDefect::InvalidInternationalName => format!("{subject} ist kein gültiger internationaler Domainname."),
        HostDefect::EmptyLabel => format!("{subject} hat einen leeren Teil zwischen zwei Punkten."),
        HostDefect::LabelTooLong => format!("{subject} hat einen Teil, der länger als {MAX_LABEL_LEN} Zeichen ist."),
        HostDefect::HyphenAtLabelEdge => {
            format!("{subject} hat einen Teil, der mit einem Bindestrich beginnt oder endet.")
        }
        HostDefect::TooLong => format!("{subject} ist länger als {MAX_DOMAIN_LEN} Zeichen."),
        // Sagt jeder Gegenstand mit eigenen Worten; die einer URI sind der Rückfall.
        HostDefect::Empty
        | HostDefect::InvalidIpv4
        | HostDefect::InvalidIpv6
        | HostDefect::UnclosedBracket
        | HostDefect::NoServerAddress => de_host(defect),
    }
}

fn de_component(component: &Component) -> String {
    match component {
        Component::Path => "Entfernen Sie den Pfad nach dem Host: Die URI lautet nur smtp://host oder smtp://host:port.".into(),
        Component::Fragment => "Entfernen Sie den Teil nach „#“: Die URI lautet nur smtp://host oder smtp://host:port.".into(),
        Component::Query { key } => format!(
            "„{}“ ist hier keine Option. Nach dem Host darf nur ?tls=required|opportunistic|none oder ?starttls=always|never folgen.",
            shown(key)
        ),
        Component::TlsOptionValue { key, value } => format!(
            "„{}“ ist kein Wert für {key}: Verwenden Sie tls=required, tls=opportunistic oder tls=none (oder starttls=always / starttls=never).",
            shown(value)
        ),
        Component::TlsOptionOnSmtps => {
            "smtps:// nutzt immer TLS ab dem ersten Byte: Entfernen Sie die TLS-Option oder verwenden Sie sie mit smtp://.".into()
        }
        Component::ConflictingTlsOptions => "Die TLS-Optionen widersprechen sich: Behalten Sie nur eine.".into(),
    }
}

fn de_text(what: &str, defect: &TextDefect) -> String {
    match defect {
        TextDefect::ControlCharacter => format!(
            "{what} enthält einen Zeilenumbruch oder ein anderes Steuerzeichen; geben Sie den Wert in einer Zeile ohne Steuerzeichen ein."
        ),
        TextDefect::TooLong { max } => format!("{what} ist länger als {max} Zeichen; kürzen Sie den Wert."),
    }
}

fn de_address(defect: &AddressDefect) -> String {
    let tail = "Geben Sie eine Adresse wie notifications@example.com oder Example App <notifications@example.com> ein.";
    let what = match defect {
        AddressDefect::Text(TextDefect::ControlCharacter) => "Die Adresse enthält einen Zeilenumbruch oder ein anderes Steuerzeichen.".into(),
        AddressDefect::Text(TextDefect::TooLong { max }) => format!("Die Adresse ist länger als {max} Zeichen."),
        AddressDefect::NoAt => "Der Adresse fehlt das „@“.".into(),
        AddressDefect::EmptyLocalPart => "Vor dem „@“ steht nichts.".into(),
        AddressDefect::LocalPartTooLong => format!("Der Teil vor dem „@“ ist länger als {MAX_LOCAL_PART_LEN} Zeichen."),
        AddressDefect::InvalidLocalPart => "Der Teil vor dem „@“ enthält Zeichen, die in Adressen nicht erlaubt sind (etwa Leerzeichen oder zwei Punkte hintereinander).".into(),
        AddressDefect::EmptyDomain => "Nach dem „@“ fehlt die Domain.".into(),
        AddressDefect::InvalidDomain(host) => de_domain(host),
        AddressDefect::IpAddressDomain => "Nach dem „@“ steht eine IP-Adresse; verwenden Sie stattdessen die Mail-Domain.".into(),
        AddressDefect::TooLong => format!("Die Adresse ist länger als {MAX_ADDRESS_LEN} Zeichen."),
        AddressDefect::UnbalancedAngleBrackets => "Die spitzen Klammern passen nicht zusammen: Schreiben Sie Name <Adresse>.".into(),
        AddressDefect::InvalidDisplayName => "Der Name vor der Adresse enthält ein Anführungszeichen, einen Backslash oder eine spitze Klammer (\", \\, < oder >); entfernen Sie das Zeichen.".into(),
        AddressDefect::SeveralAddresses => "Hier ist nur eine Adresse möglich.".into(),
    };
    format!("{what} {tail}")
}

fn de_custom_ca(defect: CustomCaDefect) -> &'static str {
    match defect {
        CustomCaDefect::NoCertificate => {
            "Das Feld „CA-Zertifikate“ enthält kein Zertifikat: Fügen Sie das CA-Zertifikat im PEM-Format ein, von -----BEGIN CERTIFICATE----- bis -----END CERTIFICATE-----."
        }
        CustomCaDefect::InvalidPem => {
            "Die CA-Zertifikate sind kein gültiges PEM: Fügen Sie den ganzen Block unverändert ein, von -----BEGIN CERTIFICATE----- bis -----END CERTIFICATE-----."
        }
        CustomCaDefect::InvalidCertificate => {
            "Die CA-Zertifikate enthalten einen Block, der kein verwendbares X.509-CA-Zertifikat ist: Fügen Sie das Zertifikat der CA ein, die das Zertifikat des Mailservers signiert hat."
        }
        CustomCaDefect::TooLong => {
            "Die CA-Zertifikate sind länger als 64 KiB: Fügen Sie nur die CA-Zertifikate ein, die der Mailserver braucht."
        }
        CustomCaDefect::PrivateKey => {
            "Die CA-Zertifikate enthalten einen privaten Schlüssel: Entfernen Sie ihn und fügen Sie nur das CA-Zertifikat ein. Betrachten Sie den Schlüssel als offengelegt."
        }
    }
}
