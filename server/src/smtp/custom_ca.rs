//! The endpoint's optional custom CA (`custom_ca_pem`): PEM certificates trusted in addition to the built-in
//! roots, for an internal relay. Judged with the endpoint (`endpoint::judge`) before it is saved or used for a
//! draft, and parsed again before it is used.

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use smtp_endpoint::{CustomCaDefect, check_custom_ca};

/// The custom CA as stored or typed; `None` when there is none (absent, empty or only white space), trimmed as
/// the core trims every value.
pub fn given(pem: Option<&str>) -> Option<&str> {
    pem.map(smtp_endpoint::trim).filter(|pem| !pem.is_empty())
}

/// The certificates in `pem`: at least one, each a certificate the trust store takes, no private key anywhere,
/// and at least one that can anchor trust: a CA certificate, or a self-signed server certificate (pinned). A
/// server certificate signed by someone else, pasted alone, anchors nothing — its server presents it signed by
/// a CA that is not trusted — so it is refused here, with the request to paste that CA, instead of failing every
/// later check. Beside its CA (a full chain) it does no harm.
pub fn parse(pem: &str) -> Result<Vec<CertificateDer<'static>>, CustomCaDefect> {
    // The rules for the text are the core crate's (the page applies them too); the certificates are judged here.
    check_custom_ca(pem)?;
    let certificates = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| CustomCaDefect::InvalidPem)?;
    // Every BEGIN needs its END and its base64; a block the iterator skipped is a broken one.
    if certificates.len() != pem.matches("-----BEGIN CERTIFICATE-----").count() {
        return Err(CustomCaDefect::InvalidPem);
    }
    let mut store = RootCertStore::empty();
    let mut anchors = 0;
    for certificate in &certificates {
        let Ok((_, parsed)) = x509_parser::parse_x509_certificate(certificate.as_ref()) else {
            return Err(CustomCaDefect::InvalidCertificate);
        };
        if store.add(certificate.clone()).is_err() {
            return Err(CustomCaDefect::InvalidCertificate);
        }
        anchors += usize::from(parsed.is_ca() || parsed.subject() == parsed.issuer());
    }
    // A full chain (the server's certificate with its CAs) is fine; the server's certificate alone is not.
    if anchors == 0 {
        return Err(CustomCaDefect::InvalidCertificate);
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtp_endpoint::MAX_CUSTOM_CA_LEN;

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
        let server_key = rcgen::KeyPair::generate().expect("key");
        let mut server = rcgen::CertificateParams::new(vec!["relay.internal".to_owned()]).expect("params");
        server.distinguished_name.push(rcgen::DnType::CommonName, "relay.internal");
        let pinned = server.self_signed(&server_key).expect("self-signed").pem();
        let ca_key = rcgen::KeyPair::generate().expect("key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Internal CA");
        let internal_ca = ca_params.self_signed(&ca_key).expect("CA").pem();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let signed = server.signed_by(&server_key, &issuer).expect("signed").pem();
        let full_chain = format!("{signed}{internal_ca}");
        let rows: &[(&str, Result<usize, CustomCaDefect>)] = &[
            (&ca, Ok(1)),
            (&two, Ok(2)),
            ("", Err(CustomCaDefect::NoCertificate)),
            ("hello", Err(CustomCaDefect::NoCertificate)),
            (&truncated, Err(CustomCaDefect::InvalidPem)),
            (bad_base64, Err(CustomCaDefect::InvalidPem)),
            (not_a_certificate, Err(CustomCaDefect::InvalidCertificate)),
            (&key, Err(CustomCaDefect::PrivateKey)),
            (&pinned, Ok(1)),
            (&signed, Err(CustomCaDefect::InvalidCertificate)),
            (&full_chain, Ok(2)),
        ];
        for (pem, expected) in rows {
            assert_eq!(&parse(pem).map(|certs| certs.len()), expected, "{pem}");
        }
        let long = "x".repeat(MAX_CUSTOM_CA_LEN + 1);
        assert_eq!(parse(&long).map(|c| c.len()), Err(CustomCaDefect::TooLong));
    }
}
