//! The endpoint's optional custom CA (`custom_ca_pem`): PEM certificates trusted besides the built-in roots, for
//! an internal relay. What can be judged from the text alone is judged here, so the page answers while the
//! administrator pastes (and a pasted private key never leaves the browser); the server adds the X.509 check.

use serde::{Deserialize, Serialize};

/// Longest custom CA text accepted, in bytes (a few dozen certificates).
pub const MAX_CUSTOM_CA_LEN: usize = 65_536;

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

/// Why a custom CA (PEM text) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomCaDefect {
    /// No `-----BEGIN CERTIFICATE-----` block in the text.
    NoCertificate,
    /// A block that is not valid PEM (bad base64, missing end line).
    InvalidPem,
    /// A block that decodes but is not an X.509 certificate that can be trusted (judged by the server).
    InvalidCertificate,
    /// Longer than [`MAX_CUSTOM_CA_LEN`].
    TooLong,
    /// The text contains a private key, which must never be pasted here (nor stored).
    PrivateKey,
}

/// Judges the text of a custom CA: not too long, no private key, at least one certificate block, and every
/// certificate block complete, with base64 between its lines. Text around the blocks is allowed (RFC 7468).
pub fn check_custom_ca(pem: &str) -> Result<(), CustomCaDefect> {
    if pem.len() > MAX_CUSTOM_CA_LEN {
        return Err(CustomCaDefect::TooLong);
    }
    if pem.contains("PRIVATE KEY-----") {
        return Err(CustomCaDefect::PrivateKey);
    }
    let mut rest = pem;
    let mut blocks = 0;
    while let Some(start) = rest.find(BEGIN) {
        let block = &rest[start + BEGIN.len()..];
        let end = block.find(END).ok_or(CustomCaDefect::InvalidPem)?;
        if !is_base64(&block[..end]) {
            return Err(CustomCaDefect::InvalidPem);
        }
        blocks += 1;
        rest = &block[end + END.len()..];
    }
    if blocks == 0 {
        return Err(CustomCaDefect::NoCertificate);
    }
    Ok(())
}

/// Standard base64 with padding, line breaks and other ASCII white space ignored; not empty.
fn is_base64(text: &str) -> bool {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let data = digits.iter().rposition(|&b| b != b'=').map_or(0, |last| last + 1);
    let padding = digits.len() - data;
    !digits.is_empty()
        && digits.len().is_multiple_of(4)
        && padding <= 2
        && digits[..data].iter().all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use CustomCaDefect::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\nAA==\n-----END CERTIFICATE-----\n";

    #[test]
    fn judges_the_text() {
        assert_eq!(check_custom_ca(CERT), Ok(()));
        assert_eq!(check_custom_ca(&format!("Internal relay CA\n{CERT}\n{CERT}")), Ok(()));
        assert_eq!(check_custom_ca("just text"), Err(NoCertificate));
        assert_eq!(check_custom_ca(""), Err(NoCertificate));
        assert_eq!(check_custom_ca(&CERT.replace(END, "")), Err(InvalidPem));
        assert_eq!(check_custom_ca(&format!("{CERT}{BEGIN}\nAAAA\n")), Err(InvalidPem));
        assert_eq!(check_custom_ca(&CERT.replace("AA==", "A!==")), Err(InvalidPem));
        assert_eq!(check_custom_ca(&CERT.replace("AA==", "A===")), Err(InvalidPem));
        assert_eq!(check_custom_ca(&CERT.replace("AA==", "AAA")), Err(InvalidPem));
        assert_eq!(check_custom_ca(&format!("{BEGIN}\n{END}")), Err(InvalidPem));
        let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert_eq!(check_custom_ca(&format!("{CERT}{key}")), Err(PrivateKey));
        assert_eq!(check_custom_ca(&key.replace("PRIVATE", "EC PRIVATE")), Err(PrivateKey));
        assert_eq!(check_custom_ca(&format!("{CERT}{}", " ".repeat(MAX_CUSTOM_CA_LEN))), Err(TooLong));
    }
}
