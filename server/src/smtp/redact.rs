//! Removes the password from anything a report shows. AUTH payloads never reach the transcript in the first place;
//! this is the second line of defence, against a server that echoes what it got — in clear or base64 (at any byte
//! offset, split across a reply's lines), in any ASCII letter case, in hex (of its UTF-8) or percent-encoded; in an
//! answer to AUTH also
//! in pieces of [`PIECE`] characters or more that are not letters alone (a prefix, a suffix, a payload cut short).
//! Not every transformation a server could apply is undone (a password reversed, in another Unicode normal form or
//! with its non-ASCII letters' case changed, stays as it came).
//!
//! What the admin typed for the request (the from address, its display name, the recipient) is never searched:
//! redacting inside it would tell them whether it holds the stored password, one guess per address sent. So the
//! client's own lines are left alone (AUTH's are written redacted), and so is everything from `MAIL FROM` on, where
//! the server may echo the addresses in any shape — folded, cut, re-encoded, normalised, rewritten — that could
//! turn a typed guess into the password ([`Redactor::clean_for`]; three black-box rounds beat every narrower rule).
//! Nothing typed is sent before it in this session, and there every rule applies (a server that repeated an earlier
//! session's sender in its greeting would be searched). The price: a server that repeats the password itself after
//! the login would show it, which no server does (the AUTH answer is where echoes come).

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use smtp_endpoint::Step;
use zeroize::{Zeroize, Zeroizing};

const REDACTED: &str = "<redacted>";

/// A password shorter than this many bytes is redacted, in every form, only where it stands alone (between
/// non-alphanumeric characters), and not looked for inside base64: anywhere else it would blank out ordinary text.
const SHORT: usize = 4;

/// The shortest piece of the password, or of one of its encodings as written, that is redacted on its own.
const PIECE: usize = 8;

pub(crate) struct Redactor {
    /// The password, ASCII-lowercased; empty when there is none.
    password: Zeroizing<String>,
    /// The password and its encodings, ASCII-lowercased, matched without regard to case.
    needles: Vec<Zeroizing<String>>,
    /// AUTH PLAIN's base64 of the username and the password, ASCII-lowercased: it holds the username too, so it
    /// is looked for everywhere, even when the password is short.
    login: Option<Zeroizing<String>>,
    /// Whether the password is shorter than [`SHORT`] bytes.
    short: bool,
    /// Whether `MAIL FROM` was sent ([`Redactor::mail_sent`]): from then on the server may echo what the admin
    /// typed, and what it says is left as it came.
    mail_sent: bool,
}

impl Redactor {
    pub(crate) fn new(username: Option<&str>, password: Option<&str>) -> Redactor {
        let Some(password) = password.filter(|password| !password.is_empty()) else {
            return Redactor {
                password: Zeroizing::default(),
                needles: Vec::new(),
                login: None,
                short: false,
                mail_sent: false,
            };
        };
        let base64 = base64::engine::general_purpose::STANDARD;
        let mut needles: Vec<Zeroizing<String>> =
            [password.to_owned(), base64.encode(password), hex(password.as_bytes()), percent_encoded(password)]
                .into_iter()
                .map(Zeroizing::new)
                .collect();
        let login = username.map(|username| {
            let plain = Zeroizing::new(format!("\0{username}\0{password}"));
            let mut login = Zeroizing::new(base64.encode(plain.as_bytes()));
            login.make_ascii_lowercase();
            login
        });
        for needle in &mut needles {
            needle.make_ascii_lowercase();
        }
        // Longest first; a duplicate dropped is wiped as it goes.
        needles.sort_unstable_by_key(|needle| std::cmp::Reverse(needle.len()));
        needles.dedup();
        let short = password.len() < SHORT;
        Redactor { password: Zeroizing::new(password.to_ascii_lowercase()), needles, login, short, mail_sent: false }
    }

    /// Says that `MAIL FROM` is being sent: what the server says from here on is left as it came.
    pub(crate) fn mail_sent(&mut self) {
        self.mail_sent = true;
    }

    /// One line, or a multi-line reply as one text (lines joined by `\n`): every trace of the password replaced.
    /// A password split across a reply's lines takes the text of all its lines.
    pub(crate) fn clean(&self, text: &mut String) {
        self.clean_text(text, false);
    }

    /// [`Redactor::clean`] for the server's answer to AUTH, where a server that echoes what it got would put it:
    /// pieces of the password count too.
    pub(crate) fn clean_auth_answer(&self, text: &mut String) {
        self.clean_text(text, true);
    }

    /// What a server said in `step`, or the client saw there, cleaned as that step's words need: an answer to AUTH
    /// with [`Redactor::clean_auth_answer`]; at `MAIL FROM`, `RCPT TO` and `DATA`, and at `RSET` / `QUIT` once
    /// `MAIL FROM` was sent, nothing — the words there may echo what the admin typed (an address failed before it
    /// was sent is named in a note, the same).
    pub(crate) fn clean_for(&self, step: Step, text: &mut String) {
        match step {
            Step::Auth => self.clean_auth_answer(text),
            Step::MailFrom | Step::RcptTo | Step::Data => {}
            Step::Rset | Step::Quit if self.mail_sent => {}
            Step::Resolve | Step::Connect | Step::Tls | Step::Ehlo | Step::Starttls | Step::Rset | Step::Quit => {
                self.clean(text)
            }
        }
    }

    fn clean_text(&self, text: &mut String, answers_auth: bool) {
        if self.password.is_empty() {
            return;
        }
        // The reply as a whole first: a line's own cleaning could leave a piece too short to be seen alone.
        let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
        self.clean_reply(&mut lines, "", answers_auth);
        let lines: Vec<String> = lines.iter_mut().map(|line| self.clean_line(line, answers_auth)).collect();
        replace_wiped(text, lines.join("\n"));
    }

    /// A transcript: each server reply as a whole (`S: 535-…` continued by `S: 535 …`), then each line. The
    /// server's answers from `C: AUTH` up to the first that is not a challenge (`334`) answer AUTH. The client's
    /// own lines (`C: …`) are left as they are, and so is everything from `C: MAIL FROM` on.
    pub(crate) fn clean_transcript(&self, transcript: &mut [String]) {
        if self.password.is_empty() {
            return;
        }
        let mut after_mail = false;
        let left: Vec<bool> = transcript
            .iter()
            .map(|line| {
                after_mail |= line.starts_with("C: MAIL FROM");
                line.starts_with("C: ") || after_mail
            })
            .collect();
        let mut in_auth = false;
        let answers_auth: Vec<bool> = transcript
            .iter()
            .map(|line| {
                if line.starts_with("C: AUTH") {
                    in_auth = true;
                    return false;
                }
                let answer = in_auth && line.starts_with("S: ");
                if answer && line.get(3..7).is_some_and(|code| code != "334 " && code != "334-") {
                    in_auth = line.get(6..7) == Some("-");
                }
                answer
            })
            .collect();
        let mut start = 0;
        while start < transcript.len() {
            let mut end = start + 1;
            let reply = reply_text(transcript[start].strip_prefix("S: ").unwrap_or_default()).is_some();
            if reply && !left[start] {
                while end < transcript.len()
                    && transcript[end - 1].get(6..7) == Some("-")
                    && transcript[end].starts_with("S: ")
                {
                    end += 1;
                }
                self.clean_reply(&mut transcript[start..end], "S: ", answers_auth[start]);
            }
            start = end;
        }
        for ((line, &answers_auth), &left) in transcript.iter_mut().zip(&answers_auth).zip(&left) {
            if !left {
                let cleaned = self.clean_line(line, answers_auth);
                replace_wiped(line, cleaned);
            }
        }
    }

    /// When the reply's texts, put back together, still give the password away, each line keeps only its codes.
    fn clean_reply(&self, lines: &mut [String], prefix: &str, answers_auth: bool) {
        if lines.len() < 2 {
            return;
        }
        let joined: String =
            lines.iter().filter_map(|line| reply_text(line.strip_prefix(prefix)?)).map(|(_, text)| text).collect();
        if self.clean_line(&joined, answers_auth) == joined {
            return;
        }
        for line in lines.iter_mut() {
            if let Some((codes, _)) = line.strip_prefix(prefix).and_then(reply_text) {
                let kept = format!("{prefix}{codes}{REDACTED}");
                replace_wiped(line, kept);
            }
        }
    }

    fn clean_line(&self, line: &str, answers_auth: bool) -> String {
        let mut text = line.to_owned();
        if let Some(login) = &self.login {
            text = replace_ignoring_case(&text, login, false);
        }
        for needle in &self.needles {
            text = replace_ignoring_case(&text, needle, self.short);
        }
        if self.short {
            return text;
        }
        let text = self.clean_base64_tokens(&text);
        if !answers_auth {
            return text;
        }
        let (prefix, reply) = text.strip_prefix("S: ").map_or(("", text.as_str()), |reply| ("S: ", reply));
        match reply_text(reply) {
            Some((codes, rest)) if self.holds_piece(rest) => format!("{prefix}{codes}{REDACTED}"),
            None if self.holds_piece(&text) => REDACTED.to_owned(),
            _ => text,
        }
    }

    /// Whether `text` holds a piece of the password or of one of its encodings as written, [`PIECE`] characters
    /// or more (ASCII case ignored) with something besides letters and spaces in it: an answer to AUTH that does
    /// keeps only its codes. A piece of letters alone is left, as a reply's own words (`accepted` in
    /// `Password-accepted-9`) would otherwise be blanked and so give that piece away.
    fn holds_piece(&self, text: &str) -> bool {
        let lower = Zeroizing::new(text.to_ascii_lowercase());
        let pieces: std::collections::HashSet<&[u8]> = self
            .needles
            .iter()
            .chain(&self.login)
            .flat_map(|needle| needle.as_bytes().windows(PIECE))
            .filter(|piece| piece.iter().any(|&b| !b.is_ascii_alphabetic() && b != b' '))
            .collect();
        lower.as_bytes().windows(PIECE).any(|window| pieces.contains(window))
    }

    /// Tokens in which base64 (standard or URL-safe, padded or not, at any length, glued to other text) decodes
    /// to text holding the password.
    fn clean_base64_tokens(&self, text: &str) -> String {
        let is_token_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_');
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.bytes().position(is_token_byte) {
            let len = rest[start..].bytes().position(|b| !is_token_byte(b)).unwrap_or(rest.len() - start);
            let token = &rest[start..start + len];
            out.push_str(&rest[..start]);
            out.push_str(if self.decodes_to_password(token) { REDACTED } else { token });
            rest = &rest[start + len..];
        }
        out.push_str(rest);
        out
    }

    fn decodes_to_password(&self, token: &str) -> bool {
        let lenient = GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true);
        // Each alphabet's runs of its own characters, split again at an `=` that is not trailing padding (base64
        // glued to `got=` or `x-`); within a run, every start and end alignment (a run cut or begun inside a
        // base64 quantum still decodes, short of a few bytes at its ends).
        // Only base64 long enough to hold the password is decoded: most of a transcript is short words.
        let long_enough = |text: &str| text.len() * 3 / 4 >= self.password.len();
        let alphabets: [(&base64::alphabet::Alphabet, &[u8]); 2] =
            [(&base64::alphabet::STANDARD, b"+/"), (&base64::alphabet::URL_SAFE, b"-_")];
        alphabets.into_iter().any(|(alphabet, extra)| {
            let engine = GeneralPurpose::new(alphabet, lenient);
            let in_alphabet = |c: char| c.is_ascii_alphanumeric() || (c.is_ascii() && extra.contains(&(c as u8)));
            token
                .split(|c: char| !in_alphabet(c) && c != '=')
                .flat_map(|run| run.split('=').filter(|piece| long_enough(piece)))
                .any(|piece| {
                    (0..4).any(|start| {
                        (0..4).filter_map(|cut| piece.get(start..piece.len().checked_sub(cut)?)).any(|part| {
                            long_enough(part)
                                && engine.decode(part).is_ok_and(|bytes| {
                                    let mut bytes = Zeroizing::new(bytes);
                                    bytes.make_ascii_lowercase();
                                    find(&bytes, self.password.as_bytes()).is_some()
                                })
                        })
                    })
                })
        })
    }
}

/// `text` replaced by `cleaned` when they differ, the old text wiped first (it may hold the password).
fn replace_wiped(text: &mut String, cleaned: String) {
    if cleaned != *text {
        text.zeroize();
        *text = cleaned;
    }
}

/// A reply line's codes (`535-5.7.8 `, `250 `) and its text, or `None` when it is no reply line.
fn reply_text(line: &str) -> Option<(&str, &str)> {
    let bytes = line.as_bytes();
    if bytes.len() < 4 || !bytes[..3].iter().all(u8::is_ascii_digit) || !matches!(bytes[3], b' ' | b'-') {
        return None;
    }
    let after = &line[4..];
    let enhanced = after.split_once(' ').map_or(0, |(status, _)| {
        let parts: Vec<&str> = status.split('.').collect();
        let numeric = parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if numeric { status.len() + 1 } else { 0 }
    });
    Some(line.split_at(4 + enhanced))
}

/// `text` with every occurrence of `needle` (ASCII-lowercase) replaced, matching without regard to ASCII case;
/// with `only_alone`, only where it stands alone.
fn replace_ignoring_case(text: &str, needle: &str, only_alone: bool) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    while let Some(found) = find(&lower.as_bytes()[from..], needle.as_bytes()) {
        let (start, end) = (from + found, from + found + needle.len());
        let apart = |at: Option<char>| at.is_none_or(|c| !c.is_alphanumeric());
        if !only_alone || (apart(text[..start].chars().next_back()) && apart(text[end..].chars().next())) {
            out.push_str(&text[from..start]);
            out.push_str(REDACTED);
        } else {
            out.push_str(&text[from..end]);
        }
        from = end;
    }
    out.push_str(&text[from..]);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|window| window == needle)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every byte but unreserved ASCII as `%XX`, as a URL or `xtext`-like echo would write it.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02x}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "Zq7-SECRET-pw-81";

    fn cleaned(redactor: &Redactor, text: &str) -> String {
        let mut text = text.to_owned();
        redactor.clean(&mut text);
        text
    }

    #[test]
    fn every_echoed_form_of_the_password_is_redacted() {
        let redactor = Redactor::new(Some("mailuser"), Some(PASSWORD));
        let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
        let rows = [
            format!("535 5.7.8 bad credentials for {PASSWORD}"),
            format!("535 5.7.8 bad credentials {}", PASSWORD.to_uppercase()),
            format!("535 5.7.8 bad credentials hex={}", hex(PASSWORD.as_bytes())),
            format!("535 5.7.8 bad credentials hex={}", hex(PASSWORD.as_bytes()).to_uppercase()),
            format!("535 5.7.8 {}", percent_encoded(PASSWORD)),
            format!("334 {}", b64(&format!("You sent: {PASSWORD}"))),
            format!("334 {}", b64(&format!("You sent:  {PASSWORD}"))),
            format!("334 {}", b64(&format!("You sent:   {PASSWORD}!"))),
            format!("535 5.7.8 rejected {}", b64(&format!("\0mailuser\0{PASSWORD}"))),
            format!("535 5.7.8 {}", b64(PASSWORD).trim_end_matches('=')),
            format!("535 5.7.8 got={}", b64(&format!("You sent: {PASSWORD}"))),
            format!("535 5.7.8 x-{}", b64(&format!("You sent: {PASSWORD}"))),
            format!("535 5.7.8 {}", &b64(&format!("You sent: {PASSWORD}"))[1..]),
            format!("535 5.7.8 {}", &b64(&format!("You sent: {PASSWORD}"))[2..]),
        ];
        for row in rows {
            let text = cleaned(&redactor, &row);
            assert!(text.contains(REDACTED), "{row} → {text}");
            assert!(!text.to_ascii_lowercase().contains("secret"), "{row} → {text}");
            assert_eq!(&text[..3], &row[..3], "the reply code stays");
        }
    }

    /// A server that echoes only part of what it got: a prefix or a suffix of the password, or an AUTH PLAIN
    /// payload cut short.
    #[test]
    fn pieces_of_the_password_are_redacted_in_answers_to_auth() {
        let password = "S3cr3t-Canary-Zq9";
        let redactor = Redactor::new(Some("mailer"), Some(password));
        let plain = base64::engine::general_purpose::STANDARD.encode(format!("\0mailer\0{password}"));
        let answer = |text: &str| {
            let mut text = text.to_owned();
            redactor.clean_auth_answer(&mut text);
            text
        };
        let rows = [
            "535 5.7.8 bad password S3cr3t-Canar, try again".to_owned(),
            "535 5.7.8 ...r3t-Canary-Zq9".to_owned(),
            "535 5.7.8 CANARY-ZQ9".to_owned(),
            format!("535 5.7.8 got {}", &plain[..24]),
            format!("334 {}", &plain[4..20]),
        ];
        for row in rows {
            let expected = format!("{}<redacted>", reply_text(&row).expect("a reply").0);
            assert_eq!(answer(&row), expected, "{row}");
            assert_eq!(cleaned(&redactor, &row), row, "in an answer to another command, a piece is left");
        }
        // In a transcript, the answers from AUTH up to the first that is no challenge.
        let mut transcript = vec![
            "C: AUTH LOGIN".to_owned(),
            "S: 334 VXNlcm5hbWU6".to_owned(),
            "C: <redacted>".to_owned(),
            "S: 535-5.7.8 no:".to_owned(),
            "S: 535 5.7.8 s3cr3t-can".to_owned(),
            "C: MAIL FROM:<a@example.com>".to_owned(),
            "S: 250 2.1.0 s3cr3t-can ok".to_owned(),
        ];
        redactor.clean_transcript(&mut transcript);
        assert_eq!(transcript[1], "S: 334 VXNlcm5hbWU6");
        assert_eq!(transcript[3..5], ["S: 535-5.7.8 <redacted>", "S: 535 5.7.8 <redacted>"]);
        assert_eq!(transcript[6], "S: 250 2.1.0 s3cr3t-can ok", "not an answer to AUTH");
        let redactor = Redactor::new(Some("u"), Some("Pässwört-geheim"));
        let mut text = "535 Pässwört-ge!".to_owned();
        redactor.clean_auth_answer(&mut text);
        assert_eq!(text, "535 <redacted>");
        // A piece of letters alone is a reply's own word: blanking it would give that piece away.
        let redactor = Redactor::new(Some("u"), Some("Password-accepted-9"));
        let mut gmail = "535-5.7.8 Username and Password not accepted.".to_owned();
        redactor.clean_auth_answer(&mut gmail);
        assert_eq!(gmail, "535-5.7.8 Username and Password not accepted.");
        let redactor = Redactor::new(Some("u"), Some("Starttls-2024!"));
        let ehlo = "250-mail.example.com\n250-STARTTLS\n250 AUTH PLAIN";
        assert_eq!(cleaned(&redactor, ehlo), ehlo);
    }

    #[test]
    fn a_password_split_across_a_replys_lines_takes_their_text() {
        let redactor = Redactor::new(Some("mailuser"), Some(PASSWORD));
        let reply = "535-5.7.8 bad credentials Zq7-SE\n535 5.7.8 CRET-pw-81";
        assert_eq!(cleaned(&redactor, reply), "535-5.7.8 <redacted>\n535 5.7.8 <redacted>");

        let plain = base64::engine::general_purpose::STANDARD.encode(format!("\0mailuser\0{PASSWORD}"));
        let (head, tail) = plain.split_at(10);
        let mut transcript = vec![
            "C: AUTH PLAIN <redacted>".to_owned(),
            format!("S: 535-5.7.8 rejected {head}"),
            format!("S: 535 5.7.8 {tail}"),
            "C: QUIT".to_owned(),
            "S: 221 2.0.0 Bye".to_owned(),
        ];
        redactor.clean_transcript(&mut transcript);
        // The reply put back together holds the payload: each of its lines keeps only its codes (the head alone is
        // only "\0mailus").
        let expected = [
            "C: AUTH PLAIN <redacted>".to_owned(),
            "S: 535-5.7.8 <redacted>".to_owned(),
            "S: 535 5.7.8 <redacted>".to_owned(),
            "C: QUIT".to_owned(),
            "S: 221 2.0.0 Bye".to_owned(),
        ];
        assert_eq!(transcript, expected);
        // Split where neither half decodes to it, the reply keeps only its codes.
        let plain = base64::engine::general_purpose::STANDARD.encode(PASSWORD);
        let (head, tail) = plain.split_at(plain.len() / 2);
        let mut transcript = vec![format!("S: 535-5.7.8 {head}"), format!("S: 535 5.7.8 {tail}")];
        redactor.clean_transcript(&mut transcript);
        assert_eq!(transcript, ["S: 535-5.7.8 <redacted>", "S: 535 5.7.8 <redacted>"]);
    }

    /// Redacting inside what the admin typed would answer "is this the stored password?" for each guess put into
    /// an address: nothing from MAIL FROM on is searched, so every echo comes back as the server said it, whatever
    /// its shape (the shapes three verifications' echo servers used), for a right guess as for a wrong one.
    #[test]
    fn what_the_admin_typed_is_never_searched() {
        fn b64(text: &str) -> String {
            base64::engine::general_purpose::STANDARD.encode(text)
        }
        /// Where a guess goes: the from address, and a display name.
        type Placed = fn(&str) -> (String, Option<String>);
        let placed: [Placed; 10] = [
            |g| (format!("{g}@example.com"), None),
            |g| (format!("{g}€@example.com"), None),
            |g| (format!("ü€{g}€@example.com"), None),
            |g| (format!("{g}+tag@example.com"), None),
            |g| ("x@example.com".to_owned(), Some(format!("Aaaaaaaaaaaa Bbbbbbbbbbbbbb Ffff {g}"))),
            |g| (format!("x.{g}@example.com"), None),
            |g| (format!("x@{g}.example.com"), None),
            |g| (format!("{}@example.com", hex(g.as_bytes())), None),
            |g| (format!("{}@example.com", b64(g)), None),
            |g| ("x@example.com".to_owned(), Some(format!("Name <{g}>"))),
        ];
        let echoes: [fn(&str, &str, &str) -> String; 15] = [
            |a, _, _| format!("250 2.1.5 Recipient {a}."),
            |a, _, _| format!("550 5.7.1 Unable to relay for {}.", a.to_uppercase()),
            |a, _, _| format!("550 5.1.1 User {} unknown", a.split(['@', '+']).next().unwrap_or_default()),
            |_, n, _| {
                let (head, tail) = n.rsplit_once(' ').unwrap_or((n, ""));
                format!("250-2.0.0 queued; From: \"{head}\n250 2.0.0  {tail}\" <x@example.com>")
            },
            |a, _, _| format!("250 ok {}", b64(&format!("{a}."))),
            |a, _, _| format!("553 5.7.1 <{a}>: Sender address rejected"),
            |a, _, _| format!("250 2.1.0 Sender '{a}' ok"),
            |a, _, _| format!("250 2.1.0 Sender {}.", a.to_uppercase()),
            |a, _, _| format!("250 ok:{a}-verified"),
            |a, _, _| format!("250 from={a}"),
            |a, _, _| format!("550 Hello {}.", a.split('@').next().unwrap_or_default()),
            |a, _, _| format!("550 5.1.1 unknown user {}", a.split('@').next().unwrap_or_default()),
            |_, n, _| format!("554 queued; From: \"{n}\" <x@example.com>"),
            |a, n, _| format!("250 2.0.0 queued for {} ({})", b64(a), b64(n)),
            |a, _, _| {
                format!("250 2.0.0 rcpt={} local={}", hex(a.as_bytes()), b64(a.split('@').next().unwrap_or_default()))
            },
        ];
        for guess in [PASSWORD, "Zq7-SECRET-pw-80"] {
            for place in placed {
                let (address, name) = place(guess);
                let name = name.unwrap_or_else(|| "App".to_owned());
                let mut redactor = Redactor::new(Some("mailuser"), Some(PASSWORD));
                redactor.mail_sent();
                for echo in echoes {
                    let said = echo(&address, &name, guess);
                    let mut sent =
                        vec!["S: 220 mail.example.com ESMTP".to_owned(), format!("C: MAIL FROM:<{address}>")];
                    sent.extend(said.split('\n').map(|line| format!("S: {line}")));
                    let mut transcript = sent.clone();
                    redactor.clean_transcript(&mut transcript);
                    assert_eq!(transcript, sent, "{guess}");
                    for step in [Step::MailFrom, Step::RcptTo, Step::Data, Step::Rset, Step::Quit] {
                        let mut reply = said.clone();
                        redactor.clean_for(step, &mut reply);
                        assert_eq!(reply, said, "{guess}");
                    }
                }
            }
        }

        // Before MAIL FROM nothing the admin typed has been sent, and every rule applies: the greeting, EHLO, an
        // answer to AUTH, and a QUIT after a failed login.
        let mut redactor = Redactor::new(Some("mailuser"), Some(PASSWORD));
        let mut transcript = vec![
            format!("S: 220 mail.example.com ESMTP {PASSWORD}"),
            "C: EHLO client.example".to_owned(),
            format!("S: 250 mail.example.com hex {}", hex(PASSWORD.as_bytes())),
            "C: AUTH PLAIN <redacted>".to_owned(),
            format!("S: 535 5.7.8 password '{PASSWORD}' wrong"),
            "C: QUIT".to_owned(),
            format!("S: 221 2.0.0 bye, you tried {}", b64(PASSWORD)),
        ];
        redactor.clean_transcript(&mut transcript);
        let left: Vec<&String> = transcript.iter().filter(|line| line.contains("SECRET")).collect();
        assert!(left.is_empty(), "{transcript:#?}");
        let mut reply = format!("221 2.0.0 bye, you tried {PASSWORD}");
        redactor.clean_for(Step::Quit, &mut reply);
        assert_eq!(reply, "221 2.0.0 bye, you tried <redacted>", "no MAIL FROM sent: searched");
        // Once MAIL FROM was sent, RSET and QUIT are left as said too.
        redactor.mail_sent();
        let mut reply = format!("221 2.0.0 bye, you tried {PASSWORD}");
        redactor.clean_for(Step::Quit, &mut reply);
        assert_eq!(reply, format!("221 2.0.0 bye, you tried {PASSWORD}"));
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let redactor = Redactor::new(Some("mailuser"), Some(PASSWORD));
        for text in [
            "250-mail.example.com Hello client.example.test",
            "334 VXNlcm5hbWU6",
            "235 2.7.0 Authentication successful",
            "535-5.7.8 Username and Password not accepted. Learn more at\n535 5.7.8  https://support.example/?p=BadCredentials",
            "220 mail.example.com ESMTP Postfix",
        ] {
            assert_eq!(cleaned(&redactor, text), text);
        }
        assert_eq!(cleaned(&Redactor::new(None, None), PASSWORD), PASSWORD, "no password, nothing to hide");
    }

    #[test]
    fn a_short_password_is_redacted_where_it_stands_alone() {
        let redactor = Redactor::new(Some("u"), Some("x"));
        let ehlo = "250-mail.example.com greets client.example.test\n250 AUTH PLAIN";
        assert_eq!(cleaned(&redactor, ehlo), ehlo, "a one-letter password blanks out nothing");
        let redactor = Redactor::new(Some("u"), Some("123"));
        assert_eq!(cleaned(&redactor, "250 queued as 1713132330"), "250 queued as 1713132330");
        assert_eq!(cleaned(&redactor, "535 bad: 313233"), "535 bad: <redacted>", "its hex, alone");
        let redactor = Redactor::new(Some("u"), Some("日本語"));
        assert_eq!(
            cleaned(&redactor, "535 rejected: x日本語です"),
            "535 rejected: x<redacted>です",
            "9 bytes: not short"
        );
        let redactor = Redactor::new(Some("u"), Some("k9Q"));
        assert_eq!(
            cleaned(&redactor, "535 5.7.8 bad credentials for password k9Q"),
            "535 5.7.8 bad credentials for password <redacted>"
        );
        assert_eq!(cleaned(&redactor, "535 5.7.8 K9Q."), "535 5.7.8 <redacted>.");
        assert_eq!(cleaned(&redactor, "250 ok k9Qx ak9Q"), "250 ok k9Qx ak9Q", "inside words it is ordinary text");
        // AUTH PLAIN's base64 holds the username as well: not ordinary text, redacted wherever it is.
        let echoed = format!("535 got:{}x", base64::engine::general_purpose::STANDARD.encode("\0u\0k9Q"));
        assert_eq!(cleaned(&redactor, &echoed), "535 got:<redacted>x");
    }

    #[test]
    fn reply_texts_are_told_from_their_codes() {
        assert_eq!(reply_text("535-5.7.8 bad"), Some(("535-5.7.8 ", "bad")));
        assert_eq!(reply_text("250 ok"), Some(("250 ", "ok")));
        assert_eq!(reply_text("250 5.7 ok"), Some(("250 ", "5.7 ok")));
        assert_eq!(reply_text("hello"), None);
        assert_eq!(reply_text("250"), None);
    }
}
