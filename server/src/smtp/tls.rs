//! TLS for the SMTP client: the trust store (built-in roots, this machine's, and the endpoint's custom CA), the
//! certificate the server presented, and what a failed handshake means.
//!
//! Certificates are always verified, hostname and chain, by rustls' WebPKI verifier. [`RecordingVerifier`] only
//! wraps it to keep a copy of the presented end-entity certificate, so an admin sees *which* certificate was refused.

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde::Serialize;
use sha2::{Digest, Sha256};
use smtp_endpoint::{DiagnosisCode, Host};
use std::sync::{Arc, Mutex, OnceLock};

/// The certificate a server presented, as an admin wants to see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CertificateInfo {
    pub subject: String,
    pub issuer: String,
    /// RFC 3339, UTC.
    pub not_before: String,
    /// RFC 3339, UTC: when it expires.
    pub not_after: String,
    /// SHA-256 of the DER encoding, upper-case hex pairs separated by colons.
    pub sha256: String,
    /// The DNS names and IP addresses it is valid for (subject alternative names).
    pub names: Vec<String>,
    /// Whether the chain and the host name were verified. False when the handshake refused it.
    pub verified: bool,
}

/// Builds the client configuration for one connection: the [`machine_roots`], plus `custom_ca`.
pub(crate) fn client_config(custom_ca: &[CertificateDer<'static>]) -> Result<(Arc<ClientConfig>, ChainRecord), String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = if custom_ca.is_empty() {
        Arc::clone(machine_roots())
    } else {
        let mut roots = RootCertStore::clone(machine_roots());
        for cert in custom_ca {
            roots.add(cert.clone()).map_err(|error| format!("custom CA: {error}"))?;
        }
        Arc::new(roots)
    };
    let inner = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .map_err(|error| error.to_string())?;
    let record = ChainRecord::default();
    let verifier = Arc::new(RecordingVerifier { inner, record: record.clone() });
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?
        // Not a way around verification: every decision is the WebPKI verifier's, see RecordingVerifier.
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok((Arc::new(config), record))
}

/// Reads this machine's trust store now (`serve` does at start, off the runtime's threads), so that the first
/// check does not wait for it.
pub fn load_trust_store() {
    machine_roots();
}

/// The roots every connection trusts, read once per process: the built-in WebPKI roots and this machine's trust
/// store (its CA bundle, where `update-ca-certificates` puts an internal CA; or `SSL_CERT_FILE` / `SSL_CERT_DIR`).
/// A store that cannot be read leaves the built-in roots, and says so in the log.
fn machine_roots() -> &'static Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let found = rustls_native_certs::load_native_certs();
        for error in &found.errors {
            tracing::warn!(%error, "cannot read this machine's trust store");
        }
        let (added, ignored) = roots.add_parsable_certificates(found.certs);
        tracing::info!(added, ignored, "read this machine's trust store (a CA added to it counts after a restart)");
        Arc::new(roots)
    })
}

/// The name the certificate must be valid for.
pub(crate) fn server_name(host: &Host) -> Result<ServerName<'static>, String> {
    ServerName::try_from(host.connect_name()).map_err(|error| error.to_string())
}

/// The end-entity certificate the server presented in the last handshake.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChainRecord(Arc<Mutex<Option<CertificateDer<'static>>>>);

impl ChainRecord {
    pub(crate) fn leaf(&self) -> Option<CertificateDer<'static>> {
        self.0.lock().map(|leaf| leaf.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }
}

/// Delegates every check to rustls' WebPKI verifier and remembers the presented end-entity certificate.
#[derive(Debug)]
struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    record: ChainRecord,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut leaf) = self.record.0.lock() {
            *leaf = Some(end_entity.clone().into_owned());
        }
        self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Reads what an admin needs from a DER certificate. A certificate that cannot be parsed still gets its
/// fingerprint.
pub(crate) fn certificate_info(der: &CertificateDer<'_>, verified: bool) -> CertificateInfo {
    let sha256 = Sha256::digest(der.as_ref()).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":");
    let mut info = CertificateInfo {
        subject: String::new(),
        issuer: String::new(),
        not_before: String::new(),
        not_after: String::new(),
        sha256,
        names: Vec::new(),
        verified,
    };
    if let Ok((_, cert)) = x509_parser::parse_x509_certificate(der.as_ref()) {
        info.subject = cert.subject().to_string();
        info.issuer = cert.issuer().to_string();
        info.not_before = rfc3339(cert.validity().not_before.timestamp());
        info.not_after = rfc3339(cert.validity().not_after.timestamp());
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                match name {
                    x509_parser::extensions::GeneralName::DNSName(dns) => info.names.push((*dns).to_owned()),
                    x509_parser::extensions::GeneralName::IPAddress(ip) => {
                        let ip = match ip.len() {
                            4 => <[u8; 4]>::try_from(*ip).ok().map(|b| std::net::IpAddr::from(b).to_string()),
                            16 => <[u8; 16]>::try_from(*ip).ok().map(|b| std::net::IpAddr::from(b).to_string()),
                            _ => None,
                        };
                        info.names.extend(ip);
                    }
                    _ => {}
                }
            }
        }
    }
    info
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// What a failed handshake means, from the error rustls reported and the first bytes the server sent.
pub(crate) fn classify_handshake_error(error: &std::io::Error, first_bytes: &[u8]) -> DiagnosisCode {
    if looks_like_smtp_reply(first_bytes) {
        return DiagnosisCode::TlsUnexpectedPlaintext;
    }
    match error.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::InvalidCertificate(certificate)) => match certificate {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                DiagnosisCode::TlsCertificateHostnameMismatch
            }
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => DiagnosisCode::TlsCertificateExpired,
            CertificateError::UnknownIssuer | CertificateError::BadSignature => DiagnosisCode::TlsCertificateUntrusted,
            // Unusable whoever signed it (the verifier looks at these before it looks for the issuer): not for
            // servers (e.g. extendedKeyUsage=clientAuth only), an extension this client must understand and does
            // not, or revoked.
            CertificateError::Revoked
            | CertificateError::InvalidPurpose
            | CertificateError::InvalidPurposeContext { .. }
            | CertificateError::UnhandledCriticalExtension => DiagnosisCode::TlsCertificateInvalid,
            CertificateError::Other(other)
                if other.0.downcast_ref::<webpki::Error>() == Some(&webpki::Error::CaUsedAsEndEntity) =>
            {
                DiagnosisCode::TlsCertificateIsCa
            }
            _ => DiagnosisCode::TlsHandshakeFailed,
        },
        _ => DiagnosisCode::TlsHandshakeFailed,
    }
}

/// Whether the handshake failed because no trusted certificate signed the server's.
pub(crate) fn unknown_issuer(error: &std::io::Error) -> bool {
    matches!(
        error.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()),
        Some(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer))
    )
}

/// `220 …`, `554-…`: a plaintext SMTP reply where a TLS record was expected.
pub(crate) fn looks_like_smtp_reply(bytes: &[u8]) -> bool {
    bytes.len() >= 4 && bytes[..3].iter().all(u8::is_ascii_digit) && matches!(bytes[3], b' ' | b'-' | b'\r')
}

/// The first line of what the server sent, for the report.
pub(crate) fn first_line(bytes: &[u8]) -> String {
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(line).trim_end().to_owned()
}

/// A short description of the negotiated protocol, e.g. `TLSv1.3, TLS13_AES_256_GCM_SHA384`.
pub(crate) fn describe(connection: &rustls::ClientConnection) -> String {
    let version = connection.protocol_version().map(|v| format!("{v:?}")).unwrap_or_default();
    let suite = connection.negotiated_cipher_suite().map(|s| format!("{:?}", s.suite())).unwrap_or_default();
    format!("{}, {suite}", version.replace("TLSv1_", "TLSv1."))
}

/// How many network round trips the handshake took (TLS 1.3: one, TLS 1.2: two).
pub(crate) fn handshake_round_trips(connection: &rustls::ClientConnection) -> u32 {
    match connection.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One row per certificate error: what rustls reported becomes the code whose words are true of it.
    #[test]
    fn a_refused_certificate_is_told_by_what_was_wrong_with_it() {
        use rustls::{ExtendedKeyPurpose, OtherError};
        let rows = [
            (CertificateError::UnknownIssuer, DiagnosisCode::TlsCertificateUntrusted),
            (CertificateError::BadSignature, DiagnosisCode::TlsCertificateUntrusted),
            (CertificateError::Expired, DiagnosisCode::TlsCertificateExpired),
            (CertificateError::NotValidForName, DiagnosisCode::TlsCertificateHostnameMismatch),
            (CertificateError::Revoked, DiagnosisCode::TlsCertificateInvalid),
            (CertificateError::InvalidPurpose, DiagnosisCode::TlsCertificateInvalid),
            (
                CertificateError::InvalidPurposeContext {
                    required: ExtendedKeyPurpose::ServerAuth,
                    presented: vec![ExtendedKeyPurpose::ClientAuth],
                },
                DiagnosisCode::TlsCertificateInvalid,
            ),
            (CertificateError::UnhandledCriticalExtension, DiagnosisCode::TlsCertificateInvalid),
            (
                CertificateError::Other(OtherError(Arc::new(webpki::Error::CaUsedAsEndEntity))),
                DiagnosisCode::TlsCertificateIsCa,
            ),
        ];
        for (certificate, code) in rows {
            let shown = format!("{certificate:?}");
            let error =
                std::io::Error::new(std::io::ErrorKind::InvalidData, rustls::Error::InvalidCertificate(certificate));
            assert_eq!(classify_handshake_error(&error, &[]), code, "{shown}");
            assert_eq!(
                unknown_issuer(&error),
                code == DiagnosisCode::TlsCertificateUntrusted && shown == "UnknownIssuer"
            );
        }
    }
}
