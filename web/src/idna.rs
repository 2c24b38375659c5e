//! IDN hosts for the core crate, which the page builds without its `idna` feature (no Unicode tables): the
//! browser converts them. The core crate's golden test runs this file too, in Node (`tests/golden.rs`).

/// An IDN host's ASCII form by the browser's WHATWG URL parser (UTS #46, as the `url` crate on the server). The
/// added last label `a` keeps the parser from reading a name that ends in a number as an IPv4 address: the core
/// applies its own IPv4 rule to what comes back.
pub fn domain_to_ascii(name: &str) -> Option<String> {
    let hostname = web_sys::Url::new(&format!("http://{name}.a/")).ok()?.hostname();
    let ascii = hostname.strip_suffix(".a")?;
    ascii.is_ascii().then(|| ascii.to_owned())
}
