//! Property tests of every parser here that reads what someone else wrote: request headers and bodies, an SMTP
//! server's EHLO lines and replies, a pasted CA, a key file, the command line's values. None may panic, whatever
//! it is given; where a parser has a rule that can be said as a property, it is checked too.

use crate::Config;
use crate::api::extract::{client_address, locale_from_accept_language, not_an_object};
use crate::api::guard::{host_allowed, host_name};
use crate::api::history_page::HistoryPage;
use crate::cli::{parse_allowed_host, parse_public_origin};
use crate::crypto::MasterKey;
use crate::endpoint::IfMatch;
use crate::smtp::redact::Redactor;
use crate::smtp::report::Capabilities;
use axum::http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use std::net::IpAddr;

/// Text that looks like what the parsers see: mostly ASCII with their delimiters, some any Unicode.
fn texty() -> impl Strategy<Value = String> {
    prop_oneof!["[ -~]{0,80}", "[\"0-9, W/*;=q.a-zA-Z:\\[\\]-]{0,40}", any::<String>(),]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn request_parsers_never_panic(text in texty(), bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = not_an_object(&bytes);
        let _ = not_an_object(text.as_bytes());
        let _ = locale_from_accept_language(&text);
        let _ = IfMatch::parse(Some(&text));
        let _ = HistoryPage::parse(Some(&text));
        let _ = host_name(&text);
        let _ = host_allowed(&Config::new("unused"), &text);
        let _ = parse_public_origin(&text);
        let _ = parse_allowed_host(&text);
        let _ = MasterKey::parse(&text);
        let _ = crate::smtp::custom_ca::parse(&text);
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(&text) {
            headers.insert("x-forwarded-for", value);
        }
        let proxy: IpAddr = [127, 0, 0, 1].into();
        let _ = client_address(proxy, &headers, &[proxy]);
    }

    #[test]
    fn smtp_server_text_never_panics(lines in proptest::collection::vec(texty(), 0..12), password in texty()) {
        let caps = Capabilities::from_ehlo(lines.iter().map(String::as_str));
        prop_assert_eq!(caps.extensions.len(), lines.len().saturating_sub(1), "every keyword line is kept");
        for line in &lines {
            let _ = smtp_endpoint::ReplyStatus::parse(line);
        }
        let redactor = Redactor::new(Some("user"), Some(&password));
        let mut reply = lines.join("\n");
        redactor.clean(&mut reply);
        let mut transcript: Vec<String> = lines.iter().map(|line| format!("S: {line}")).collect();
        redactor.clean_transcript(&mut transcript);
    }

    /// What the server says from MAIL FROM on — where it may echo what the admin typed — comes back as it was,
    /// for a right guess as for a wrong one; the same echo before MAIL FROM (where nothing typed was sent yet) is
    /// redacted.
    #[test]
    fn nothing_from_mail_from_on_is_searched(
        password in "[!-~]{4,16}",
        local in "[a-z0-9.!#-]{0,8}",
        guess_is_password in any::<bool>(),
        before in "[ -~]{0,20}",
        after in "[ -~]{0,20}",
        upper in any::<bool>(),
    ) {
        // A wrong guess as long as the right one: its last character changed.
        let mut wrong = password.clone();
        let last = wrong.pop().unwrap_or('x');
        wrong.push(if last == 'x' { 'y' } else { 'x' });
        let guess = if guess_is_password { password.clone() } else { wrong };
        let address = format!("{local}{guess}@example.com");
        let echoed = if upper { address.to_uppercase() } else { address.clone() };
        let said = format!("553 5.7.1 {before}<{echoed}>{after}");
        let mut redactor = Redactor::new(Some("user"), Some(&password));
        let sent = vec![format!("S: 220 {password} ready"), format!("C: MAIL FROM:<{address}>"), format!("S: {said}")];
        let mut transcript = sent.clone();
        redactor.clean_transcript(&mut transcript);
        prop_assert!(!transcript[0].contains(&password), "{}", transcript[0]);
        prop_assert_eq!(&transcript[1..], &sent[1..]);
        redactor.mail_sent();
        let mut reply = said.clone();
        redactor.clean_for(smtp_endpoint::Step::RcptTo, &mut reply);
        prop_assert_eq!(reply, said);
    }

    #[test]
    fn a_history_page_reads_back(before in proptest::option::of(1..i64::MAX), limit in 1..=100u32, oldest in 1..i64::MAX) {
        let page = HistoryPage { before, limit };
        prop_assert_eq!(HistoryPage::parse(Some(&page.next(oldest))).ok(), Some(HistoryPage { before: Some(oldest), limit }));
    }

    #[test]
    fn a_versions_tag_reads_back(versions in proptest::collection::vec(1..i64::MAX, 1..4)) {
        let header = versions.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", ");
        prop_assert_eq!(IfMatch::parse(Some(&header)), IfMatch::Versions(versions));
    }

    /// A password echoed anywhere in a server's reply, in any letter case, in clear, hex or base64 (glued to the
    /// text around it by a sign), is gone after redaction; the reply code stays.
    #[test]
    fn an_echoed_password_is_redacted(
        password in "[!-~]{4,24}",
        before in "[ -~]{0,30}",
        after in "[ -~]{0,30}",
        glue in proptest::sample::select(vec![" ", "=", ":", "-", "_", "\""]),
        form in 0..4usize,
        upper in any::<bool>(),
    ) {
        use base64::Engine;
        let echoed = match form {
            0 => password.clone(),
            1 => password.bytes().map(|b| format!("{b:02x}")).collect(),
            2 => base64::engine::general_purpose::STANDARD.encode(format!("said: {password}")),
            _ => base64::engine::general_purpose::STANDARD.encode(&password),
        };
        let echoed = if upper && form < 2 { echoed.to_uppercase() } else { echoed };
        let mut reply = format!("535 5.7.8 {before}{glue}{echoed}{glue}{after}");
        Redactor::new(Some("user"), Some(&password)).clean(&mut reply);
        prop_assert!(reply.starts_with("535 5.7.8 "), "{}", reply);
        let left = reply.replace("<redacted>", " ").to_lowercase();
        prop_assert!(!left.contains(&password.to_lowercase()), "{}", reply);
        let hex: String = password.bytes().map(|b| format!("{b:02x}")).collect();
        prop_assert!(!left.contains(&hex), "{}", reply);
        if form >= 2 {
            prop_assert!(!reply.contains(echoed.trim_end_matches('=')), "the base64 stays: {}", reply);
        }
    }
}
