//! The endpoint's optional custom CA (`custom_ca_pem`): PEM certificates trusted in addition to the built-in
//! roots, for an internal relay. Judged before it is saved and parsed again before it is used.

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use smtp_endpoint::{CustomCaDefect, Locale, MAX_CUSTOM_CA_LEN};

/// Why a custom CA was refused; the server answers 422 `{"error": {"code", "message"}}` with these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CustomCaError {
    /// A stable code: `custom_ca.invalid`.
    pub code: &'static str,
    pub message: String,
    pub defect: CustomCaDefect,
}

impl CustomCaError {
    pub fn new(defect: CustomCaDefect, locale: Locale) -> CustomCaError {
        CustomCaError { code: defect.code(), message: defect.message(locale).to_owned(), defect }
    }
}

/// Checks PEM text an administrator pasted as a trusted CA, with an English message. Called by
/// `PUT /api/endpoints/smtp` and for drafts with a non-empty value.
pub fn validate(pem: &str) -> Result<(), CustomCaError> {
    validate_in(pem, Locale::En)
}

/// [`validate`] with the message in `locale`.
pub fn validate_in(pem: &str, locale: Locale) -> Result<(), CustomCaError> {
    parse(pem).map(drop).map_err(|defect| CustomCaError::new(defect, locale))
}

/// The certificates in `pem`: at least one, each usable as a trust anchor, and no private key anywhere.
pub fn parse(pem: &str) -> Result<Vec<CertificateDer<'static>>, CustomCaDefect> {
    if pem.len() > MAX_CUSTOM_CA_LEN {
        return Err(CustomCaDefect::TooLong);
    }
    if pem.contains("PRIVATE KEY-----") {
        return Err(CustomCaDefect::PrivateKey);
    }
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(CustomCaDefect::NoCertificate);
    }
    let certificates = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| CustomCaDefect::InvalidPem)?;
    // Every BEGIN needs its END and its base64; a block the iterator skipped is a broken one.
    if certificates.len() != pem.matches("-----BEGIN CERTIFICATE-----").count() {
        return Err(CustomCaDefect::InvalidPem);
    }
    let mut store = RootCertStore::empty();
    for certificate in &certificates {
        if x509_parser::parse_x509_certificate(certificate.as_ref()).is_err() || store.add(certificate.clone()).is_err()
        {
            return Err(CustomCaDefect::InvalidCertificate);
        }
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ca_pem() -> String {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(&key).expect("certificate").pem()
    }

    #[test]
    fn custom_ca_rules() {
        let ca = ca_pem();
        let two = format!("{ca}\n{}", ca_pem());
        let truncated = ca.replace("-----END CERTIFICATE-----", "");
        let bad_base64 = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        let not_a_certificate = "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
        let key = format!("{ca}\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        let rows: &[(&str, Result<usize, CustomCaDefect>)] = &[
            (&ca, Ok(1)),
            (&two, Ok(2)),
            ("", Err(CustomCaDefect::NoCertificate)),
            ("hello", Err(CustomCaDefect::NoCertificate)),
            (&truncated, Err(CustomCaDefect::InvalidPem)),
            (bad_base64, Err(CustomCaDefect::InvalidPem)),
            (not_a_certificate, Err(CustomCaDefect::InvalidCertificate)),
            (&key, Err(CustomCaDefect::PrivateKey)),
        ];
        for (pem, expected) in rows {
            assert_eq!(&parse(pem).map(|certs| certs.len()), expected, "{pem}");
        }
        let long = "x".repeat(MAX_CUSTOM_CA_LEN + 1);
        assert_eq!(parse(&long).map(|c| c.len()), Err(CustomCaDefect::TooLong));
        let error = validate_in("nope", Locale::De).expect_err("refused");
        assert_eq!(error.code, "custom_ca.invalid");
        assert!(error.message.contains("Zertifikat"));
    }
}
