//! Why mail could not go out: the steps of an SMTP conversation, the stable diagnosis codes, their words in
//! English and German, and the rules that turn a server's reply into a code.
//!
//! Pure data and pure functions, like the rest of this crate: the server drives the conversation and hands the
//! step and the reply it failed on to [`classify_reply`]; the catalogue ([`DiagnosisCode::message`],
//! [`DiagnosisCode::remedy`]) is the one place where these sentences live.

use crate::locale::Locale;
use std::fmt;

stable_codes! {
    /// One step of a connection probe or a test email, in the order they happen.
    Step {
        Resolve => "resolve",
        Connect => "connect",
        Tls => "tls",
        Ehlo => "ehlo",
        Starttls => "starttls",
        Auth => "auth",
        MailFrom => "mail_from",
        RcptTo => "rcpt_to",
        /// Only when a message is sent: `DATA`, the message and the server's verdict on it.
        Data => "data",
        /// Only in a probe, which sends no message.
        Rset => "rset",
        Quit => "quit",
    }
}

impl Step {
    /// The steps of a probe, in order.
    pub const PROBE: [Step; 10] = [
        Step::Resolve,
        Step::Connect,
        Step::Tls,
        Step::Ehlo,
        Step::Starttls,
        Step::Auth,
        Step::MailFrom,
        Step::RcptTo,
        Step::Rset,
        Step::Quit,
    ];

    /// The steps of a test email, in order.
    pub const SEND: [Step; 10] = [
        Step::Resolve,
        Step::Connect,
        Step::Tls,
        Step::Ehlo,
        Step::Starttls,
        Step::Auth,
        Step::MailFrom,
        Step::RcptTo,
        Step::Data,
        Step::Quit,
    ];

    /// The step's name for people, e.g. "Recipient (RCPT TO)".
    pub fn name(self, locale: Locale) -> &'static str {
        use Step::*;
        match (locale, self) {
            (Locale::En, Resolve) => "Resolve host",
            (Locale::En, Connect) => "Connect",
            (Locale::En, Tls) => "TLS handshake",
            (Locale::En, Ehlo) => "EHLO",
            (Locale::En, Starttls) => "STARTTLS",
            (Locale::En, Auth) => "Log in (AUTH)",
            (Locale::En, MailFrom) => "Sender (MAIL FROM)",
            (Locale::En, RcptTo) => "Recipient (RCPT TO)",
            (Locale::En, Data) => "Message (DATA)",
            (Locale::En, Rset) => "Reset (RSET)",
            (Locale::En, Quit) => "Close (QUIT)",
            (Locale::De, Resolve) => "Host auflösen",
            (Locale::De, Connect) => "Verbinden",
            (Locale::De, Tls) => "TLS-Handshake",
            (Locale::De, Ehlo) => "EHLO",
            (Locale::De, Starttls) => "STARTTLS",
            (Locale::De, Auth) => "Anmelden (AUTH)",
            (Locale::De, MailFrom) => "Absender (MAIL FROM)",
            (Locale::De, RcptTo) => "Empfänger (RCPT TO)",
            (Locale::De, Data) => "Nachricht (DATA)",
            (Locale::De, Rset) => "Zurücksetzen (RSET)",
            (Locale::De, Quit) => "Beenden (QUIT)",
        }
    }
}

stable_codes! {
    /// A stable diagnosis code: why mail could not go out. The page, the CLI and the README's troubleshooting table
    /// key on it.
    DiagnosisCode {
        DnsNotFound => "dns.not_found",
        DnsUnavailable => "dns.unavailable",
        ConnectRefused => "connect.refused",
        ConnectTimeout => "connect.timeout",
        ConnectUnreachable => "connect.unreachable",
        TlsExpectedImplicit => "tls.expected_implicit",
        TlsUnexpectedPlaintext => "tls.unexpected_plaintext",
        TlsCertificateUntrusted => "tls.certificate_untrusted",
        TlsCertificateHostnameMismatch => "tls.certificate_hostname_mismatch",
        TlsCertificateExpired => "tls.certificate_expired",
        TlsCertificateIsCa => "tls.certificate_is_ca",
        TlsCertificateInvalid => "tls.certificate_invalid",
        TlsHandshakeFailed => "tls.handshake_failed",
        StarttlsUnavailable => "starttls.unavailable",
        StarttlsDisabled => "starttls.disabled",
        AuthNotOffered => "auth.not_offered",
        AuthRequired => "auth.required",
        AuthFailed => "auth.failed",
        AuthAccountPolicy => "auth.account_policy",
        AuthMechanismUnsupported => "auth.mechanism_unsupported",
        AuthPlaintextRefused => "auth.plaintext_refused",
        SenderRejected => "sender.rejected",
        AddressNotAscii => "address.not_ascii",
        RecipientRejected => "recipient.rejected",
        MessageRejected => "message.rejected",
        MessageUnconfirmed => "message.unconfirmed",
        ServerTemporaryFailure => "server.temporary_failure",
        ServerClosed => "server.closed",
        ServerNotSmtp => "server.not_smtp",
        Timeout => "timeout",
    }
}

impl DiagnosisCode {
    /// What went wrong, in one sentence.
    pub fn message(self, locale: Locale) -> &'static str {
        match locale {
            Locale::En => en_message(self),
            Locale::De => de_message(self),
        }
    }

    /// What to change.
    pub fn remedy(self, locale: Locale) -> &'static str {
        match locale {
            Locale::En => en_remedy(self),
            Locale::De => de_remedy(self),
        }
    }
}

fn en_message(code: DiagnosisCode) -> &'static str {
    use DiagnosisCode::*;
    match code {
        DnsNotFound => "The server's host name could not be found (DNS).",
        DnsUnavailable => "The DNS lookup failed: no answer in time, or the DNS server failed.",
        ConnectRefused => {
            "The server refused the connection: nothing accepts connections on this port, or a firewall rejects them."
        }
        ConnectTimeout => "No connection could be made: the server did not answer in time.",
        ConnectUnreachable => {
            "The server's address could not be reached: no route, the host is down, or a firewall rejects it."
        }
        TlsExpectedImplicit => {
            "The connection was made but the server sent no greeting: this port expects TLS from the first byte."
        }
        TlsUnexpectedPlaintext => {
            "The server answered in plain text, not TLS: this port starts unencrypted (STARTTLS)."
        }
        TlsCertificateUntrusted => {
            "The server's certificate is not signed by a trusted authority (self-signed, or from an internal CA)."
        }
        TlsCertificateHostnameMismatch => "The server's certificate is not valid for the host name in the URI.",
        TlsCertificateExpired => "The server's certificate has expired or is not valid yet.",
        TlsCertificateIsCa => {
            "The server's certificate is a CA certificate (CA:TRUE, as plain `openssl req -x509` makes it): refused as a server's own, even when trusted."
        }
        TlsCertificateInvalid => {
            "The server's certificate is unusable: revoked, not for servers (extended key usage), or with an unknown critical extension."
        }
        TlsHandshakeFailed => "The TLS handshake with the server failed.",
        StarttlsUnavailable => "The settings require STARTTLS, but the server does not offer it (or refused it).",
        StarttlsDisabled => {
            "The server offers STARTTLS and wants it before mail or a login, but ?tls=none switches it off."
        }
        AuthNotOffered => {
            "A username and password are configured, but the server offers no login (AUTH) on this connection."
        }
        AuthRequired => "Login required: the server accepts mail only after a login.",
        AuthFailed => "The server rejected the username or password.",
        AuthAccountPolicy => "By policy, the server refuses this account a login with its password.",
        AuthMechanismUnsupported => "The server does not accept a login method supported here (PLAIN or LOGIN).",
        AuthPlaintextRefused => "The login needs an encrypted connection, but this one is not encrypted.",
        SenderRejected => "The server refused the default from address as sender.",
        AddressNotAscii => "An address is not ASCII and the server does not offer SMTPUTF8; nothing was sent.",
        RecipientRejected => "The server refused the recipient.",
        MessageRejected => "The server refused the message.",
        MessageUnconfirmed => "The message was sent, but the server's verdict never came: it may have accepted it.",
        ServerTemporaryFailure => "The server reported a temporary failure (4xx).",
        ServerClosed => "The server closed the connection or refused this machine.",
        ServerNotSmtp => "What answers on this port is not an SMTP server.",
        Timeout => "The server stopped answering: no reply within the time limit.",
    }
}

fn en_remedy(code: DiagnosisCode) -> &'static str {
    use DiagnosisCode::*;
    match code {
        DnsNotFound => {
            "Check the host name in the URI for typing errors. An internal name must resolve where the settings server runs."
        }
        DnsUnavailable => "Check this machine's DNS settings and network, then try again.",
        ConnectRefused => {
            "Check the port (587: smtp://host:587, 465: smtps://host, 25 between mail servers), and that the mail server runs and accepts this machine."
        }
        ConnectTimeout => {
            "Check host and port, and whether a firewall silently drops outgoing connections to this port (many networks block port 25)."
        }
        ConnectUnreachable => {
            "Check the host (an IPv6 address needs IPv6 here), that the server is up, and the firewalls on this machine and in between."
        }
        TlsExpectedImplicit => {
            "Use smtps:// for this port (usually 465), or smtp:// with the server's STARTTLS port (usually 587)."
        }
        TlsUnexpectedPlaintext => {
            "Use smtp:// for this port (STARTTLS, usually 587 or 25), or smtps:// with the server's TLS port (usually 465)."
        }
        TlsCertificateUntrusted => {
            "Paste the internal CA (PEM) into the CA certificates field or this machine's trust store (then restart), or use a host name with a public certificate. Verification is never switched off."
        }
        TlsCertificateHostnameMismatch => {
            "Use a host name the certificate names, or ask the mail server's administrator for a certificate for this host."
        }
        TlsCertificateExpired => {
            "Ask the mail server's administrator to renew the certificate, and check that this machine's clock is right."
        }
        TlsCertificateIsCa => {
            "Give the server a server certificate: self-signed with `-addext basicConstraints=critical,CA:FALSE` (paste it as the CA), or signed by an internal CA (paste that CA)."
        }
        TlsCertificateInvalid => {
            "Ask the mail server's administrator for a valid server certificate; the detail says what is wrong with this one."
        }
        TlsHandshakeFailed => {
            "Check host and port, and that the server supports TLS 1.2 or newer; the detail has the TLS library's words."
        }
        StarttlsUnavailable => {
            "Use the server's port that offers STARTTLS (usually 587), or smtps:// with its TLS port (usually 465)."
        }
        StarttlsDisabled => "Remove ?tls=none from the URI (for an internal certificate, paste its CA).",
        AuthNotOffered => {
            "Check the port: 587 and 465 usually offer login, port 25 often does not. If the server needs no login, clear Username and Password."
        }
        AuthRequired => "Enter the Username and Password of an account that may send through this server.",
        AuthFailed => {
            "Retype the password and check the username; some providers want an app password or separate SMTP credentials."
        }
        AuthAccountPolicy => {
            "Gmail (x.7.9): enter an app password as the Password. Microsoft 365 (5.7.139): switch on SMTP AUTH for the mailbox or tenant. Others: allow PLAIN or LOGIN over TLS."
        }
        AuthMechanismUnsupported => "Enable AUTH PLAIN or LOGIN on the server (over TLS). OAuth 2.0 is not supported.",
        AuthPlaintextRefused => {
            "Use smtps:// (usually port 465) or a port with STARTTLS (usually 587): a password goes unencrypted only to localhost."
        }
        SenderRejected => {
            "Use a default from address this login may send as (its own, or one at its verified domains), at a domain that exists in DNS."
        }
        AddressNotAscii => "Use ASCII addresses (a domain in its xn-- form), or a server that offers SMTPUTF8.",
        RecipientRejected => {
            "Check the recipient address. If the server relays to other domains only after a login, configure Username and Password."
        }
        MessageRejected => "Read the server's reply: a content, size or sender policy refused the message.",
        MessageUnconfirmed => "Check the recipient's mailbox before you try again: a retry may deliver it twice.",
        ServerTemporaryFailure => {
            "Try again later. If it persists, read the server's reply (rate limit, greylisting or a problem on the server)."
        }
        ServerClosed => {
            "Try again. If it persists, the server may limit connections or refuse this machine (its address or name): read its reply and log."
        }
        ServerNotSmtp => "Check host and port (587, 465 or 25); its reply shows what answered.",
        Timeout => "Try again. If it persists, check the port, a firewall or proxy in between, and the server's load.",
    }
}

fn de_message(code: DiagnosisCode) -> &'static str {
    use DiagnosisCode::*;
    match code {
        DnsNotFound => "Der Hostname des Servers wurde nicht gefunden (DNS).",
        DnsUnavailable => "Die DNS-Abfrage ist gescheitert: keine Antwort in der Zeit, oder der DNS-Server versagte.",
        ConnectRefused => {
            "Der Server hat die Verbindung abgelehnt: An diesem Port nimmt nichts Verbindungen an, oder eine Firewall weist sie ab."
        }
        ConnectTimeout => "Es kam keine Verbindung zustande: Der Server hat nicht rechtzeitig geantwortet.",
        ConnectUnreachable => {
            "Die Adresse des Servers war nicht erreichbar: keine Route, der Host ist aus, oder eine Firewall lehnt ab."
        }
        TlsExpectedImplicit => {
            "Die Verbindung steht, aber der Server sendet keine Begrüßung: Dieser Port erwartet TLS ab dem ersten Byte."
        }
        TlsUnexpectedPlaintext => {
            "Der Server hat unverschlüsselt geantwortet, nicht mit TLS: Dieser Port beginnt unverschlüsselt (STARTTLS)."
        }
        TlsCertificateUntrusted => {
            "Das Zertifikat des Servers ist nicht von einer vertrauenswürdigen Stelle signiert (selbst signiert oder von einer internen CA)."
        }
        TlsCertificateHostnameMismatch => "Das Zertifikat des Servers gilt nicht für den Hostnamen in der URI.",
        TlsCertificateExpired => "Das Zertifikat des Servers ist abgelaufen oder noch nicht gültig.",
        TlsCertificateIsCa => {
            "Das Zertifikat des Servers ist ein CA-Zertifikat (CA:TRUE, wie es ein einfaches `openssl req -x509` erstellt): als Serverzertifikat abgelehnt, auch wenn ihm vertraut wird."
        }
        TlsCertificateInvalid => {
            "Das Zertifikat des Servers ist unbrauchbar: widerrufen, nicht für Server (Extended Key Usage) oder mit unbekannter kritischer Erweiterung."
        }
        TlsHandshakeFailed => "Der TLS-Handshake mit dem Server ist fehlgeschlagen.",
        StarttlsUnavailable => {
            "Die Einstellungen verlangen STARTTLS, aber der Server bietet es nicht an (oder hat es abgelehnt)."
        }
        StarttlsDisabled => {
            "Der Server bietet STARTTLS an und verlangt es vor E-Mail oder Anmeldung, aber ?tls=none schaltet es aus."
        }
        AuthNotOffered => {
            "Benutzername und Passwort sind eingetragen, aber der Server bietet auf dieser Verbindung keine Anmeldung (AUTH) an."
        }
        AuthRequired => "Anmeldung erforderlich: Der Server nimmt E-Mails erst nach einer Anmeldung an.",
        AuthFailed => "Der Server hat Benutzername oder Passwort abgelehnt.",
        AuthAccountPolicy => "Der Server verweigert diesem Konto per Richtlinie die Anmeldung mit seinem Passwort.",
        AuthMechanismUnsupported => "Der Server nimmt kein hier unterstütztes Anmeldeverfahren an (PLAIN oder LOGIN).",
        AuthPlaintextRefused => "Die Anmeldung braucht eine verschlüsselte Verbindung; diese ist unverschlüsselt.",
        SenderRejected => "Der Server hat die Standard-Absenderadresse abgelehnt.",
        AddressNotAscii => {
            "Eine Adresse ist nicht ASCII, und der Server bietet kein SMTPUTF8 an; es wurde nichts gesendet."
        }
        RecipientRejected => "Der Server hat den Empfänger abgelehnt.",
        MessageRejected => "Der Server hat die Nachricht abgelehnt.",
        MessageUnconfirmed => {
            "Die Nachricht wurde gesendet, aber das Urteil des Servers kam nie: Er hat sie womöglich angenommen."
        }
        ServerTemporaryFailure => "Der Server hat einen vorübergehenden Fehler gemeldet (4xx).",
        ServerClosed => "Der Server hat die Verbindung geschlossen oder diesen Rechner abgelehnt.",
        ServerNotSmtp => "Was an diesem Port antwortet, ist kein SMTP-Server.",
        Timeout => "Der Server antwortet nicht mehr: keine Antwort innerhalb des Zeitlimits.",
    }
}

fn de_remedy(code: DiagnosisCode) -> &'static str {
    use DiagnosisCode::*;
    match code {
        DnsNotFound => {
            "Prüfen Sie den Hostnamen in der URI auf Tippfehler. Ein interner Name muss dort auflösbar sein, wo der Einstellungsserver läuft."
        }
        DnsUnavailable => "Prüfen Sie DNS-Einstellungen und Netz dieses Rechners und versuchen Sie es erneut.",
        ConnectRefused => {
            "Prüfen Sie den Port (587: smtp://host:587, 465: smtps://host, 25 zwischen Mailservern) und ob der Mailserver läuft und diesen Rechner annimmt."
        }
        ConnectTimeout => {
            "Prüfen Sie Host und Port und ob eine Firewall ausgehende Verbindungen zu diesem Port stillschweigend verwirft (viele Netze sperren Port 25)."
        }
        ConnectUnreachable => {
            "Prüfen Sie den Host (eine IPv6-Adresse braucht hier IPv6), ob der Server läuft, und die Firewalls auf diesem Rechner und dazwischen."
        }
        TlsExpectedImplicit => {
            "Verwenden Sie smtps:// für diesen Port (meist 465) oder smtp:// mit dem STARTTLS-Port des Servers (meist 587)."
        }
        TlsUnexpectedPlaintext => {
            "Verwenden Sie smtp:// für diesen Port (STARTTLS, meist 587 oder 25) oder smtps:// mit dem TLS-Port des Servers (meist 465)."
        }
        TlsCertificateUntrusted => {
            "Fügen Sie die interne CA (PEM) in das Feld „CA-Zertifikate“ oder den Zertifikatsspeicher dieses Rechners ein (dann neu starten), oder verwenden Sie einen Hostnamen mit öffentlichem Zertifikat. Die Prüfung wird nie abgeschaltet."
        }
        TlsCertificateHostnameMismatch => {
            "Verwenden Sie einen Hostnamen, den das Zertifikat nennt, oder bitten Sie den Betreiber des Mailservers um ein Zertifikat für diesen Host."
        }
        TlsCertificateExpired => {
            "Bitten Sie den Betreiber des Mailservers, das Zertifikat zu erneuern, und prüfen Sie, ob die Uhr dieses Rechners stimmt."
        }
        TlsCertificateIsCa => {
            "Geben Sie dem Server ein Serverzertifikat: selbst signiert mit `-addext basicConstraints=critical,CA:FALSE` (als CA einfügen) oder von einer internen CA signiert (diese CA einfügen)."
        }
        TlsCertificateInvalid => {
            "Bitten Sie den Betreiber des Mailservers um ein gültiges Serverzertifikat; das Detail sagt, was an diesem falsch ist."
        }
        TlsHandshakeFailed => {
            "Prüfen Sie Host und Port und ob der Server TLS 1.2 oder neuer kann; das Detail zeigt die Worte der TLS-Bibliothek."
        }
        StarttlsUnavailable => {
            "Verwenden Sie den Port des Servers, der STARTTLS anbietet (meist 587), oder smtps:// mit seinem TLS-Port (meist 465)."
        }
        StarttlsDisabled => {
            "Entfernen Sie ?tls=none aus der URI (bei einem internen Zertifikat fügen Sie dessen CA ein)."
        }
        AuthNotOffered => {
            "Prüfen Sie den Port: 587 und 465 bieten meist eine Anmeldung an, Port 25 oft nicht. Braucht der Server keine Anmeldung, löschen Sie Benutzername und Passwort."
        }
        AuthRequired => "Geben Sie Benutzername und Passwort eines Kontos ein, das über diesen Server senden darf.",
        AuthFailed => {
            "Geben Sie das Passwort erneut ein und prüfen Sie den Benutzernamen; manche Anbieter verlangen ein App-Passwort oder eigene SMTP-Zugangsdaten."
        }
        AuthAccountPolicy => {
            "Gmail (x.7.9): Tragen Sie ein App-Passwort als Passwort ein. Microsoft 365 (5.7.139): Schalten Sie SMTP AUTH für Postfach oder Mandanten ein. Andere: PLAIN oder LOGIN über TLS erlauben."
        }
        AuthMechanismUnsupported => {
            "Aktivieren Sie AUTH PLAIN oder LOGIN auf dem Server (über TLS). OAuth 2.0 wird nicht unterstützt."
        }
        AuthPlaintextRefused => {
            "Verwenden Sie smtps:// (meist Port 465) oder einen Port mit STARTTLS (meist 587): Ein Passwort geht nur an localhost unverschlüsselt."
        }
        SenderRejected => {
            "Verwenden Sie eine Standard-Absenderadresse, mit der dieses Konto senden darf (seine eigene oder eine unter seinen bestätigten Domains), mit einer Domain, die im DNS existiert."
        }
        AddressNotAscii => "Verwenden Sie ASCII-Adressen (Domains als xn--…) oder einen Server, der SMTPUTF8 anbietet.",
        RecipientRejected => {
            "Prüfen Sie die Empfängeradresse. Leitet der Server an fremde Domains erst nach einer Anmeldung weiter, tragen Sie Benutzername und Passwort ein."
        }
        MessageRejected => {
            "Lesen Sie die Antwort des Servers: Eine Regel zu Inhalt, Größe oder Absender hat die Nachricht abgelehnt."
        }
        MessageUnconfirmed => {
            "Prüfen Sie das Postfach des Empfängers, bevor Sie es erneut versuchen: Sonst kommt sie womöglich doppelt an."
        }
        ServerTemporaryFailure => {
            "Versuchen Sie es später erneut. Bleibt der Fehler, lesen Sie die Antwort des Servers (Ratenbegrenzung, Greylisting oder ein Problem des Servers)."
        }
        ServerClosed => {
            "Versuchen Sie es erneut. Bleibt der Fehler, begrenzt der Server womöglich Verbindungen oder lehnt diesen Rechner ab (Adresse oder Name): Lesen Sie seine Antwort und sein Protokoll."
        }
        ServerNotSmtp => "Prüfen Sie Host und Port (587, 465 oder 25); die Antwort zeigt, was dort läuft.",
        Timeout => {
            "Versuchen Sie es erneut. Bleibt der Fehler, prüfen Sie den Port, Firewalls oder Proxys dazwischen und die Last des Servers."
        }
    }
}

/// An enhanced mail system status code (RFC 3463), e.g. `5.7.1`: class, subject and detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnhancedStatus {
    pub class: u8,
    pub subject: u16,
    pub detail: u16,
}

impl EnhancedStatus {
    /// Reads `class.subject.detail` (class 2, 4 or 5; subject and detail of one to three digits).
    pub fn parse(word: &str) -> Option<EnhancedStatus> {
        let mut parts = word.split('.');
        let (class, subject, detail) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let number = |s: &str, max_len: usize| {
            (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u16>().ok())
                .flatten()
        };
        let class = number(class, 1)?;
        if !matches!(class, 2 | 4 | 5) {
            return None;
        }
        Some(EnhancedStatus { class: class as u8, subject: number(subject, 3)?, detail: number(detail, 3)? })
    }
}

impl fmt::Display for EnhancedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// What a classification needs to know about a reply: its code and, when the server sent one that agrees with
/// the code, its enhanced status code. Never its wording: every server words its replies differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyStatus {
    pub code: u16,
    pub enhanced: Option<EnhancedStatus>,
    /// The text starts by naming a host, not an address, as Postfix names what it refuses: `<name[address]>:`
    /// (this client, "Client host rejected") or `<name>:` (its EHLO name), where an address has an `@`.
    pub about_host: bool,
}

impl ReplyStatus {
    /// Reads the status of a reply from its first line, e.g. `553 5.7.1 <a@example.com>: Sender address rejected`.
    pub fn parse(first_line: &str) -> Option<ReplyStatus> {
        let digits = first_line.get(..3)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let code: u16 = digits.parse().ok()?;
        if !(200..=599).contains(&code) {
            return None;
        }
        let rest = first_line.get(3..).unwrap_or_default();
        let mut words = rest.get(1..).unwrap_or_default().split_whitespace().peekable();
        let parsed = words.peek().and_then(|word| EnhancedStatus::parse(word));
        if parsed.is_some() {
            words.next();
        }
        let enhanced = parsed.filter(|e| u16::from(e.class) == code / 100);
        let about_host = words
            .next()
            .and_then(|word| word.strip_prefix('<')?.strip_suffix(">:"))
            .is_some_and(|name| !name.is_empty() && !name.contains('@'));
        Some(ReplyStatus { code, enhanced, about_host })
    }

    fn enhanced_is(&self, subject: u16, detail: Option<u16>) -> bool {
        self.enhanced.is_some_and(|e| e.subject == subject && detail.is_none_or(|d| e.detail == d))
    }
}

/// What the client knew when the server refused: whether the server offered a login, whether the endpoint
/// has credentials, and whether the server offered STARTTLS on a connection that does not use it (`?tls=none`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplyContext {
    pub auth_offered: bool,
    pub credentials: bool,
    pub starttls_unused: bool,
}

/// The diagnosis for a negative reply (4xx or 5xx) to the given step.
pub fn classify_reply(step: Step, reply: ReplyStatus, context: ReplyContext) -> DiagnosisCode {
    use DiagnosisCode::*;
    // x.1.7 and x.1.8 are about the sender's address (e.g. its domain not found), whichever command they answer,
    // temporary or not; some services judge it only once the message came (an identity not verified).
    let about_sender = reply.enhanced_is(1, Some(7)) || reply.enhanced_is(1, Some(8));
    if about_sender && matches!(step, Step::MailFrom | Step::RcptTo | Step::Data) {
        return SenderRejected;
    }
    if (400..500).contains(&reply.code) {
        return ServerTemporaryFailure;
    }
    // 530 ("must issue STARTTLS first") and 538 ("encryption required") from a server that offered STARTTLS to a
    // connection that does not use it: ?tls=none is the cause.
    if context.starttls_unused && matches!(reply.code, 530 | 538) {
        return StarttlsDisabled;
    }
    // 530 is "authentication required" at any step (RFC 4954).
    if reply.code == 530 {
        return AuthRequired;
    }
    match step {
        Step::Auth => match reply.code {
            504 => AuthMechanismUnsupported,
            538 => AuthPlaintextRefused,
            // 534 5.7.9 is "too weak for this user" (RFC 4954; Gmail: "Application-specific password required"),
            // 5.7.139 Microsoft 365's "SmtpClientAuthentication is disabled": the mechanism was one it offered.
            534 => AuthAccountPolicy,
            _ if reply.enhanced_is(7, Some(9)) || reply.enhanced_is(7, Some(139)) => AuthAccountPolicy,
            _ => AuthFailed,
        },
        Step::MailFrom | Step::RcptTo if reply.enhanced_is(7, None) && context.auth_offered && !context.credentials => {
            // A policy refusal (x.7.x) from a server that offered a login we did not use: the login is missing.
            AuthRequired
        }
        // Postfix's "<localhost[127.0.0.1]>: Client host rejected": this machine is refused, not an address.
        Step::MailFrom | Step::RcptTo if reply.about_host => ServerClosed,
        Step::MailFrom => match reply.code {
            552 => MessageRejected,
            _ => SenderRejected,
        },
        Step::RcptTo => {
            // 553 5.7.1 at RCPT is how some servers (Postfix's reject_sender_login_mismatch) refuse a sender the
            // login does not own.
            if reply.code == 553 && reply.enhanced_is(7, Some(1)) { SenderRejected } else { RecipientRejected }
        }
        Step::Data => MessageRejected,
        Step::Starttls => StarttlsUnavailable,
        Step::Resolve | Step::Connect | Step::Tls | Step::Ehlo | Step::Rset | Step::Quit => ServerClosed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DiagnosisCode::*;

    const NO_AUTH: ReplyContext = ReplyContext { auth_offered: false, credentials: false, starttls_unused: false };
    const AUTH_OFFERED_NO_CREDENTIALS: ReplyContext =
        ReplyContext { auth_offered: true, credentials: false, starttls_unused: false };
    const LOGGED_IN: ReplyContext = ReplyContext { auth_offered: true, credentials: true, starttls_unused: false };
    const TLS_OFF: ReplyContext = ReplyContext { auth_offered: false, credentials: false, starttls_unused: true };

    fn check(step: Step, line: &str, context: ReplyContext, expected: DiagnosisCode) {
        let reply = ReplyStatus::parse(line).unwrap_or_else(|| panic!("not a reply: {line}"));
        assert_eq!(classify_reply(step, reply, context), expected, "{step} {line:?} {context:?}");
    }

    #[test]
    fn replies_are_classified_by_code_enhanced_code_and_step() {
        // One row per rule; the wording after the codes is deliberately irrelevant.
        check(Step::Connect, "421 4.3.2 Service not available", NO_AUTH, ServerTemporaryFailure);
        check(Step::Connect, "554 5.3.2 No SMTP service here", NO_AUTH, ServerClosed);
        check(Step::Ehlo, "550 5.7.1 Go away", NO_AUTH, ServerClosed);
        check(Step::Starttls, "502 5.5.1 Command not implemented", NO_AUTH, StarttlsUnavailable);
        check(Step::Starttls, "454 4.7.0 TLS not available", NO_AUTH, ServerTemporaryFailure);
        check(Step::Auth, "535 5.7.8 Authentication credentials invalid", LOGGED_IN, AuthFailed);
        check(Step::Auth, "535 x", LOGGED_IN, AuthFailed);
        check(Step::Auth, "504 5.5.4 Unrecognized authentication type", LOGGED_IN, AuthMechanismUnsupported);
        check(Step::Auth, "534 5.7.9 Authentication mechanism is too weak", LOGGED_IN, AuthAccountPolicy);
        check(Step::Auth, "534-5.7.9 Application-specific password required.", LOGGED_IN, AuthAccountPolicy);
        check(Step::Auth, "550 5.7.9 Mechanism too weak", LOGGED_IN, AuthAccountPolicy);
        check(Step::Auth, "535 5.7.139 Authentication unsuccessful, ...", LOGGED_IN, AuthAccountPolicy);
        check(Step::Auth, "535 5.7.3 Authentication unsuccessful", LOGGED_IN, AuthFailed);
        check(Step::Auth, "538 5.7.11 Encryption required", LOGGED_IN, AuthPlaintextRefused);
        check(Step::Auth, "538 5.7.11 Encryption required", TLS_OFF, StarttlsDisabled);
        check(Step::MailFrom, "530 5.7.0 Must issue a STARTTLS command first", TLS_OFF, StarttlsDisabled);
        check(Step::RcptTo, "530 Must issue a STARTTLS command first", TLS_OFF, StarttlsDisabled);
        check(Step::MailFrom, "550 5.7.1 Not allowed", TLS_OFF, SenderRejected);
        check(Step::Auth, "454 4.7.0 Temporary authentication failure", LOGGED_IN, ServerTemporaryFailure);
        check(Step::MailFrom, "530 5.7.0 Authentication required", AUTH_OFFERED_NO_CREDENTIALS, AuthRequired);
        check(Step::MailFrom, "530 Authentication required", NO_AUTH, AuthRequired);
        check(Step::MailFrom, "553 5.7.1 <a@example.com>: Sender address rejected", LOGGED_IN, SenderRejected);
        check(Step::MailFrom, "550 5.7.1 Not allowed", AUTH_OFFERED_NO_CREDENTIALS, AuthRequired);
        check(Step::MailFrom, "550 5.7.1 Not allowed", NO_AUTH, SenderRejected);
        check(Step::MailFrom, "501 5.1.7 Bad sender address syntax", LOGGED_IN, SenderRejected);
        check(Step::MailFrom, "552 5.3.4 Message size exceeds fixed limit", LOGGED_IN, MessageRejected);
        check(Step::MailFrom, "451 4.3.0 Try later", LOGGED_IN, ServerTemporaryFailure);
        check(
            Step::RcptTo,
            "553 5.7.1 <a@example.com>: Sender address rejected: not owned by user",
            LOGGED_IN,
            SenderRejected,
        );
        check(Step::RcptTo, "550 5.1.8 Bad sender's system address", LOGGED_IN, SenderRejected);
        check(
            Step::RcptTo,
            "450 4.1.8 <a@example.com>: Sender address rejected: Domain not found",
            NO_AUTH,
            SenderRejected,
        );
        check(Step::MailFrom, "451 4.1.7 Bad sender address syntax", NO_AUTH, SenderRejected);
        check(
            Step::RcptTo,
            "554 5.7.1 <localhost[127.0.0.1]>: Client host rejected: Access denied",
            NO_AUTH,
            ServerClosed,
        );
        check(Step::RcptTo, "554 5.7.1 <localhost[127.0.0.1]>: Client host rejected", LOGGED_IN, ServerClosed);
        check(
            Step::MailFrom,
            "504 5.5.2 <client>: Helo command rejected: need fully-qualified hostname",
            NO_AUTH,
            ServerClosed,
        );
        check(
            Step::RcptTo,
            "554 5.7.1 <localhost[127.0.0.1]>: Client host rejected: Access denied",
            AUTH_OFFERED_NO_CREDENTIALS,
            AuthRequired,
        );
        check(
            Step::RcptTo,
            "550 5.1.1 <b@example.net>: Recipient address rejected: User unknown",
            LOGGED_IN,
            RecipientRejected,
        );
        check(Step::RcptTo, "554 5.7.1 <b@example.net>: Relay access denied", LOGGED_IN, RecipientRejected);
        check(
            Step::RcptTo,
            "554 5.7.1 <b@example.net>: Relay access denied",
            AUTH_OFFERED_NO_CREDENTIALS,
            AuthRequired,
        );
        check(Step::RcptTo, "550 No such user", NO_AUTH, RecipientRejected);
        check(Step::RcptTo, "450 4.2.0 Greylisted", NO_AUTH, ServerTemporaryFailure);
        check(Step::Data, "554 5.7.1 Message content rejected", LOGGED_IN, MessageRejected);
        check(Step::Data, "552 5.3.4 Message too big", LOGGED_IN, MessageRejected);
        check(Step::Data, "550 5.1.8 Sender address rejected: not a verified identity", LOGGED_IN, SenderRejected);
        check(Step::Data, "554 5.1.7 Invalid sender syntax", LOGGED_IN, SenderRejected);
        check(Step::Rset, "500 5.5.2 Error", LOGGED_IN, ServerClosed);
    }

    #[test]
    fn an_enhanced_code_counts_only_when_it_agrees_with_the_reply_code() {
        let status = ReplyStatus::parse("550 4.7.1 mismatched").map(|r| r.enhanced);
        assert_eq!(status, Some(None));
        let status = ReplyStatus::parse("250 2.1.0 Ok").and_then(|r| r.enhanced);
        assert_eq!(status, Some(EnhancedStatus { class: 2, subject: 1, detail: 0 }));
        assert_eq!(ReplyStatus::parse("250"), Some(ReplyStatus { code: 250, enhanced: None, about_host: false }));
        let about_host = |line: &str| ReplyStatus::parse(line).is_some_and(|r| r.about_host);
        assert!(about_host("554 5.7.1 <localhost[127.0.0.1]>: Client host rejected: Access denied"));
        assert!(about_host("554 <mail.example.com>: Helo command rejected"), "without an enhanced code");
        assert!(!about_host("554 5.7.1 <b@example.net>: Relay access denied"), "an address");
        assert!(!about_host("550 5.1.7 <>: Sender address rejected"), "the null sender");
        assert!(!about_host("554 5.7.1 Service unavailable <mail.example.com>:"), "only at the start");
        assert_eq!(ReplyStatus::parse("25"), None);
        assert_eq!(ReplyStatus::parse("abc def"), None);
        assert_eq!(EnhancedStatus::parse("5.7"), None);
        assert_eq!(EnhancedStatus::parse("5.7.1.1"), None);
        assert_eq!(EnhancedStatus::parse("3.7.1"), None);
        assert_eq!(EnhancedStatus::parse("5.1234.1"), None);
    }

    #[test]
    fn every_code_has_words_in_every_language_and_a_stable_spelling() {
        for &code in DiagnosisCode::ALL {
            for locale in Locale::ALL {
                assert!(!code.message(locale).is_empty(), "{code} {locale:?}");
                assert!(!code.remedy(locale).is_empty(), "{code} {locale:?}");
            }
            assert_ne!(code.message(Locale::En), code.message(Locale::De), "{code}");
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        assert_eq!(DiagnosisCode::ALL.len(), 30);
    }

    #[test]
    fn steps_have_their_wire_names_in_order() {
        let names: Vec<_> = Step::PROBE.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            ["resolve", "connect", "tls", "ehlo", "starttls", "auth", "mail_from", "rcpt_to", "rset", "quit"]
        );
        assert_eq!(serde_json::to_string(&Step::MailFrom).unwrap_or_default(), "\"mail_from\"");
    }

    #[test]
    fn every_step_has_a_name_in_every_language() {
        for &step in Step::ALL {
            assert_eq!(Step::from_code(step.as_str()), Some(step));
            for locale in Locale::ALL {
                let name = step.name(locale);
                assert!(!name.is_empty() && name != step.as_str(), "{step} {locale:?}");
                let others = Step::ALL.iter().filter(|&&other| other != step && other.name(locale) == name);
                assert_eq!(others.count(), 0, "{name} names two steps");
            }
        }
        assert_eq!(Step::Data.name(Locale::En), "Message (DATA)");
        assert_eq!(Step::ALL.len(), 11);
    }
}
