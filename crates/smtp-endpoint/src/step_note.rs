//! What a step of the conversation did besides its reply (the address it connected to, the TLS version, why it was
//! skipped), or what the client saw when it stopped there (no reply within the time limit, no AUTH offered). A
//! note is a stable code and at most one language-neutral value (an address, a TLS version, a time); the words
//! around the value live here, in English and German, so the server's report and the page (which follows its
//! language switch) say the same. What only a library can say (an OS or TLS error) is not a note.

use crate::locale::Locale;

stable_codes! {
    /// A stable code for what a step did, or why it stopped.
    StepNote {
        Resolved => "resolved",
        AddressesGiven => "addresses_given",
        IpAddress => "ip_address",
        Connected => "connected",
        Encrypted => "encrypted",
        Extensions => "extensions",
        NoExtensions => "no_extensions",
        HeloFallback => "helo_fallback",
        NoImplicitTls => "no_implicit_tls",
        AlreadyEncrypted => "already_encrypted",
        TlsOff => "tls_off",
        StarttlsNotOffered => "starttls_not_offered",
        NoCredentials => "no_credentials",
        LoggedIn => "logged_in",
        NoRecipient => "no_recipient",
        MessageSize => "message_size",
        NotReached => "not_reached",
        NoAddress => "no_address",
        NoReply => "no_reply",
        NoGreeting => "no_greeting",
        TotalTimeUp => "total_time_up",
        AnswersTls => "answers_tls",
        CustomCaNotIssuer => "custom_ca_not_issuer",
        StarttlsMissing => "starttls_missing",
        AuthMissing => "auth_missing",
        MechanismsOffered => "mechanisms_offered",
        ChallengeNotUnderstood => "challenge_not_understood",
        Smtputf8Missing => "smtputf8_missing",
        PasswordNotSent => "password_not_sent",
    }
}

impl StepNote {
    /// The note in words, with `value` (e.g. `127.0.0.1:587`) in its place; notes without a place ignore it.
    pub fn text(self, locale: Locale, value: &str) -> String {
        let template = match locale {
            Locale::En => en(self),
            Locale::De => de(self),
        };
        template.replacen("{}", value, 1)
    }
}

fn en(note: StepNote) -> &'static str {
    use StepNote::*;
    match note {
        Resolved | Encrypted | Extensions => "{}",
        AddressesGiven => "{} (given, not resolved)",
        IpAddress => "{} is an IP address",
        Connected => "connected to {}",
        NoExtensions => "no extensions announced",
        HeloFallback => "EHLO not supported ({}); greeted with HELO: no extensions",
        NoImplicitTls => "no TLS from the first byte (smtp://)",
        AlreadyEncrypted => "already encrypted (TLS from the first byte)",
        TlsOff => "TLS is switched off for this endpoint (?tls=none)",
        StarttlsNotOffered => "the server does not offer STARTTLS; the connection stays unencrypted",
        NoCredentials => "no username and password configured",
        LoggedIn => "logged in with {}",
        NoRecipient => "no recipient given",
        MessageSize => "{} bytes",
        NotReached => "not reached",
        NoAddress => "{} has no address",
        NoReply => "no reply within {}",
        NoGreeting => "connected to {}, but no SMTP greeting came: a wrong port, or a hung mail server",
        TotalTimeUp => "the total time limit of {} ran out",
        AnswersTls => "no greeting within {}; the port answers a TLS handshake",
        CustomCaNotIssuer => "the pasted CA certificates did not sign it; its issuer: {}",
        StarttlsMissing => "the server's EHLO reply does not offer STARTTLS",
        AuthMissing => "the server's EHLO reply has no AUTH line",
        MechanismsOffered => "the server offers {}",
        ChallengeNotUnderstood => "the server's login challenge was not understood",
        Smtputf8Missing => "{} is not ASCII, and the server does not offer SMTPUTF8",
        PasswordNotSent => {
            "not encrypted, and the URI's host is not localhost or a loopback address: the password was not sent"
        }
    }
}

fn de(note: StepNote) -> &'static str {
    use StepNote::*;
    match note {
        Resolved | Encrypted | Extensions => "{}",
        AddressesGiven => "{} (vorgegeben, nicht aufgelöst)",
        IpAddress => "{} ist eine IP-Adresse",
        Connected => "verbunden mit {}",
        NoExtensions => "keine Erweiterungen angekündigt",
        HeloFallback => "EHLO nicht unterstützt ({}); mit HELO begrüßt: keine Erweiterungen",
        NoImplicitTls => "kein TLS ab dem ersten Byte (smtp://)",
        AlreadyEncrypted => "bereits verschlüsselt (TLS ab dem ersten Byte)",
        TlsOff => "TLS ist für diesen Endpunkt ausgeschaltet (?tls=none)",
        StarttlsNotOffered => "der Server bietet kein STARTTLS an; die Verbindung bleibt unverschlüsselt",
        NoCredentials => "kein Benutzername und Passwort eingetragen",
        LoggedIn => "angemeldet mit {}",
        NoRecipient => "kein Empfänger angegeben",
        MessageSize => "{} Bytes",
        NotReached => "nicht erreicht",
        NoAddress => "{} hat keine Adresse",
        NoReply => "keine Antwort innerhalb von {}",
        NoGreeting => "verbunden mit {}, aber es kam keine SMTP-Begrüßung: falscher Port oder hängender Mailserver",
        TotalTimeUp => "das Zeitlimit von insgesamt {} ist abgelaufen",
        AnswersTls => "keine Begrüßung innerhalb von {}; der Port antwortet auf einen TLS-Handshake",
        CustomCaNotIssuer => "die eingefügten CA-Zertifikate haben es nicht signiert; Aussteller: {}",
        StarttlsMissing => "die EHLO-Antwort des Servers bietet kein STARTTLS an",
        AuthMissing => "die EHLO-Antwort des Servers enthält keine AUTH-Zeile",
        MechanismsOffered => "der Server bietet {} an",
        ChallengeNotUnderstood => "die Anmelde-Rückfrage des Servers wurde nicht verstanden",
        Smtputf8Missing => "{} ist nicht ASCII, und der Server bietet kein SMTPUTF8 an",
        PasswordNotSent => {
            "unverschlüsselt, und der Host der URI ist nicht localhost oder eine Loopback-Adresse: Das Passwort wurde nicht gesendet"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_note_has_words_in_every_language_and_a_stable_spelling() {
        for &note in StepNote::ALL {
            let (en, de) = (en(note), de(note));
            assert_eq!(en.matches("{}").count(), de.matches("{}").count(), "{note}: the same value in both");
            assert!(en.matches("{}").count() <= 1, "{note}");
            if en != "{}" {
                assert_ne!(en, de, "{note}");
            }
            assert_eq!(StepNote::from_code(note.as_str()), Some(note));
            let json = serde_json::to_string(&note).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", note.as_str()));
        }
        assert_eq!(StepNote::from_code("not.a.note"), None);
    }

    #[test]
    fn the_value_takes_its_place_once_and_as_given() {
        assert_eq!(StepNote::Connected.text(Locale::En, "127.0.0.1:587"), "connected to 127.0.0.1:587");
        assert_eq!(StepNote::LoggedIn.text(Locale::De, "PLAIN"), "angemeldet mit PLAIN");
        assert_eq!(StepNote::Encrypted.text(Locale::De, "TLSv1.3, {}"), "TLSv1.3, {}");
        assert_eq!(StepNote::NotReached.text(Locale::En, "ignored"), "not reached");
    }
}
