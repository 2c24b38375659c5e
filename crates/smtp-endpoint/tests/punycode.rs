//! Hosts with `xn--` labels: the page (built without the `idna` feature, IDNA by the browser) must refuse what
//! the server (`url`, UTS #46) refuses. The referee is the `idna` crate that `url` uses; without the feature, the
//! registered function behaves like Chromium's URL parser, which converts Unicode labels but lets any ASCII label
//! through unchecked.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use smtp_endpoint::{Host, punycode};

#[cfg(not(feature = "idna"))]
fn browser_like(name: &str) -> Option<String> {
    let labels: Option<Vec<String>> = name
        .split('.')
        .map(
            |label| {
                if label.is_ascii() { Some(label.to_ascii_lowercase()) } else { idna::domain_to_ascii(label).ok() }
            },
        )
        .collect();
    labels.map(|labels| labels.join("."))
}

fn register() {
    #[cfg(not(feature = "idna"))]
    smtp_endpoint::set_idna_to_ascii(browser_like);
}

fn referee_accepts(name: &str) -> bool {
    idna::domain_to_ascii_cow(name.as_bytes(), idna::AsciiDenyList::URL).is_ok()
}

fn assert_agrees(name: &str) {
    assert_eq!(Host::parse(name).is_ok(), referee_accepts(name), "{name}: {:?}", Host::parse(name));
}

#[test]
fn xn_labels_as_the_server_reads_them() {
    register();
    for name in [
        "xn--bcher-kva.example",
        "XN--BCHER-KVA.example",
        "mail.xn--mnchen-3ya.de",
        "xn--zca.example",
        "xn--ls8h.example",
        "xn--a.example",
        "xn--abc.example",
        "xn--bcher-kv.example",
        "xn--Bcher-kva.example",
        "xn--bcher-kva0.example",
        "xn--mail-.example",
        "xn--0.example",
    ] {
        assert_agrees(name);
    }
    assert!(Host::parse("xn--bcher-kva.example").is_ok());
    assert!(Host::parse("xn--a.example").is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Random would-be punycode: accepted exactly when it is the ASCII form of a valid Unicode label.
    #[test]
    fn random_xn_labels_agree(label in "xn--[a-z0-9]{1,16}") {
        register();
        assert_agrees(&format!("{label}.example"));
    }

    /// Every Unicode label's ASCII form is accepted (and the decoder gives the label back).
    #[test]
    fn converted_unicode_labels_are_accepted(label in "[a-zà-öø-ÿα-ωа-я\u{4e00}-\u{4e40}]{1,12}") {
        register();
        let ascii = idna::domain_to_ascii(&label).expect("idna converts these labels");
        if let Some(encoded) = ascii.strip_prefix("xn--") {
            let decoded = punycode::decode(encoded).expect("valid punycode");
            prop_assert_eq!(idna::domain_to_ascii(&decoded).ok(), Some(ascii.clone()));
        }
        prop_assert!(Host::parse(&format!("{ascii}.example")).is_ok(), "{}", ascii);
    }

    /// The decoder agrees with `idna`'s on anything ASCII, valid or not.
    #[test]
    fn decoder_agrees_with_idna(input in "[a-zA-Z0-9-]{0,20}") {
        prop_assert_eq!(
            punycode::decode(&input).map(|s| s.to_lowercase()),
            idna::punycode::decode_to_string(&input).map(|s| s.to_lowercase())
        );
    }
}
