//! Hosts as the `url` crate's WHATWG host parser reads them. Runs with the default `idna` feature and with
//! `--no-default-features`, where the core applies the same rules itself and has no IDNA function registered.

use smtp_endpoint::{Host, HostDefect};

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn ascii_hosts_parse_alike_with_and_without_idna() {
    use HostDefect::*;
    let domain = |name: &str| Ok(Host::Domain(name.to_owned()));
    let cases: &[(&str, Result<Host, HostDefect>)] = &[
        ("Mail.Example.COM.", domain("mail.example.com")),
        ("192.0.2.1", Ok(Host::Ipv4([192, 0, 2, 1].into()))),
        // What the WHATWG parser reads as IPv4 is an IPv4 address, and only the dotted quad is accepted.
        ("1.2.3.999", Err(InvalidIpv4)),
        ("example.123", Err(InvalidIpv4)),
        ("0x7f.1", Err(InvalidIpv4)),
        ("192.168.1", Err(InvalidIpv4)),
        ("2130706433", Err(InvalidIpv4)),
        ("01.2.3.4", Err(InvalidIpv4)),
        ("1.2.3.4.", Err(InvalidIpv4)),
        ("example.0x", Err(InvalidIpv4)),
        ("example.0XA.", Err(InvalidIpv4)),
        ("example.09", Err(InvalidIpv4)),
        ("example.0x1g", domain("example.0x1g")),
        ("example.08a", domain("example.08a")),
        ("example.1a", domain("example.1a")),
        // A forbidden domain code point: the first character that is no letter, digit, dot, hyphen or underscore.
        ("a..b#", Err(InvalidCharacter('#'))),
        ("a_b|c", Err(InvalidCharacter('|'))),
        ("a\tb", Err(InvalidCharacter('\t'))),
        // DNS allows underscores, and internal names have them (a Docker Compose service, say).
        ("mail_server.example", domain("mail_server.example")),
        ("Mail_Relay", domain("mail_relay")),
        ("_relay.example", domain("_relay.example")),
        ("a..b", Err(EmptyLabel)),
        (".", Err(Empty)),
        ("-mail.example", Err(HyphenAtLabelEdge)),
    ];
    for (input, expected) in cases {
        assert_eq!(&Host::parse(input), expected, "{input:?}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn idn_hosts() {
    let idn = Host::parse("Bücher.example");
    let punycode = Host::parse("xn--bcher-kva.example");
    if cfg!(feature = "idna") {
        assert_eq!(idn, Ok(Host::Domain("xn--bcher-kva.example".to_owned())));
        assert_eq!(punycode, idn);
        assert_eq!(Host::parse("bücher.123"), Err(HostDefect::InvalidIpv4));
        // Not valid punycode (Chromium's URL parser lets it pass; see ARCHITECTURE.md).
        assert_eq!(Host::parse("xn--a.example"), Err(HostDefect::InvalidInternationalName));
    } else {
        // No IDNA function registered in this test binary.
        assert_eq!(idn, Err(HostDefect::InvalidInternationalName));
        assert_eq!(punycode, Err(HostDefect::InvalidInternationalName));
    }
    assert_eq!(Host::parse("bücher#.example"), Err(HostDefect::InvalidCharacter('#')));
}
