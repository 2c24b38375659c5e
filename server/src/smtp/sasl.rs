//! What the client says in `AUTH PLAIN` (RFC 4616) and `AUTH LOGIN`, built here rather than by lettre so that
//! every copy of the password lives in memory that is wiped when dropped (`Zeroizing`); lettre's `Credentials`
//! and `Auth` keep plain `String`s.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use lettre::transport::smtp::authentication::Mechanism;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// The mechanisms spoken here, in the order they are chosen when a server offers several.
pub(crate) const MECHANISMS: [Mechanism; 2] = [Mechanism::Plain, Mechanism::Login];

/// The mechanism to log in with, of those the server offered (its EHLO keywords, upper-cased: RFC 5321 §2.4
/// makes them case-insensitive): the first of [`MECHANISMS`] it offers.
pub(crate) fn choose(offered: &[String]) -> Option<Mechanism> {
    MECHANISMS.into_iter().find(|mechanism| offered.iter().any(|o| *o == mechanism.to_string()))
}

/// The `AUTH` command that starts a login: PLAIN carries the credentials at once, LOGIN waits to be asked.
/// `None` for a mechanism this client does not speak.
pub(crate) fn start(mechanism: Mechanism, username: &str, password: &SecretString) -> Option<Zeroizing<String>> {
    match mechanism {
        Mechanism::Plain => {
            let mut message = Zeroizing::new(Vec::with_capacity(username.len() + password.expose_secret().len() + 2));
            message.push(0);
            message.extend_from_slice(username.as_bytes());
            message.push(0);
            message.extend_from_slice(password.expose_secret().as_bytes());
            let mut command = Zeroizing::new(String::from("AUTH PLAIN "));
            STANDARD.encode_string(&*message, &mut command);
            command.push_str("\r\n");
            Some(command)
        }
        Mechanism::Login => Some(Zeroizing::new("AUTH LOGIN\r\n".to_owned())),
        _ => None,
    }
}

/// The answer to a `334` challenge (its text, base64): LOGIN asks for the username, then the password. `None`
/// when the challenge is not one of those questions (or PLAIN is asked anything: it said everything at once).
pub(crate) fn answer(
    mechanism: Mechanism,
    challenge: &str,
    username: &str,
    password: &SecretString,
) -> Option<Zeroizing<String>> {
    if mechanism != Mechanism::Login {
        return None;
    }
    let question = STANDARD.decode(challenge.trim()).ok()?;
    let question = String::from_utf8_lossy(&question);
    let question = question.trim().trim_end_matches([':', '\0']).to_ascii_lowercase();
    let value = match question.as_str() {
        "username" | "user name" => username,
        "password" => password.expose_secret(),
        _ => return None,
    };
    let mut line = Zeroizing::new(String::new());
    STANDARD.encode_string(value.as_bytes(), &mut line);
    line.push_str("\r\n");
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    /// The mechanism comes from the EHLO keywords as read for the report: any case, lines of spaces ignored
    /// (lettre's own EHLO parser panicked on those).
    #[test]
    fn the_mechanism_is_chosen_from_the_keywords_in_any_case() {
        use crate::smtp::report::Capabilities;
        let offered = |lines: &[&str]| Capabilities::from_ehlo(lines.iter().copied()).auth;
        assert_eq!(choose(&offered(&["mail.example", " ", "\t", "auth login plain"])), Some(Mechanism::Plain));
        assert_eq!(choose(&offered(&["mail.example", "Auth Login"])), Some(Mechanism::Login));
        assert_eq!(choose(&offered(&["mail.example", "AUTH CRAM-MD5 XOAUTH2"])), None);
        assert_eq!(choose(&offered(&["", "AUTH"])), None);
    }

    #[test]
    fn plain_sends_both_at_once() {
        let command = start(Mechanism::Plain, "user", &secret("pass word")).expect("PLAIN");
        // base64("\0user\0pass word")
        assert_eq!(command.as_str(), "AUTH PLAIN AHVzZXIAcGFzcyB3b3Jk\r\n");
        assert_eq!(answer(Mechanism::Plain, "VXNlcm5hbWU6", "user", &secret("p")), None);
    }

    #[test]
    fn login_answers_the_two_questions() {
        let password = secret("pässword");
        assert_eq!(start(Mechanism::Login, "user", &password).expect("LOGIN").as_str(), "AUTH LOGIN\r\n");
        let cases = [
            ("VXNlcm5hbWU6", Some("dXNlcg==\r\n")),     // "Username:"
            ("VXNlciBOYW1lAA==", Some("dXNlcg==\r\n")), // "User Name\0" (some servers end it so)
            ("dXNlcm5hbWU=", Some("dXNlcg==\r\n")),     // "username"
            ("UGFzc3dvcmQ6", Some("cMOkc3N3b3Jk\r\n")), // "Password:"
            ("V2hvIGFyZSB5b3U/", None),                 // "Who are you?"
            ("not base64!", None),
        ];
        for (challenge, expected) in cases {
            let got = answer(Mechanism::Login, challenge, "user", &password);
            assert_eq!(got.as_deref().map(String::as_str), expected, "{challenge}");
        }
    }

    #[test]
    fn lettre_agrees() {
        use lettre::transport::smtp::authentication::Credentials;
        let credentials = Credentials::new("user".to_owned(), "pass word".to_owned());
        let plain = Mechanism::Plain.response(&credentials, None).expect("lettre PLAIN");
        let ours = start(Mechanism::Plain, "user", &secret("pass word")).expect("PLAIN");
        assert_eq!(ours.as_str(), format!("AUTH PLAIN {}\r\n", STANDARD.encode(plain)));
        for (question, value) in [("Username:", "user"), ("Password:", "pass word")] {
            let expected = Mechanism::Login.response(&credentials, Some(question)).expect("lettre LOGIN");
            let ours = answer(Mechanism::Login, &STANDARD.encode(question), "user", &secret("pass word"));
            assert_eq!(
                ours.as_deref().map(String::as_str),
                Some(format!("{}\r\n", STANDARD.encode(&expected)).as_str())
            );
            assert_eq!(expected, value);
        }
    }
}
