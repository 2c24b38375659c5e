//! Real SMTP servers for the tests: `peer.py` (aiosmtpd) started per test, and a fresh test PKI per run.
#![allow(dead_code)]

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

/// A certificate authority made for one test run.
pub struct Pki {
    pub ca_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A server certificate and its key, in PEM.
#[derive(Clone)]
pub struct ServerCert {
    pub chain_pem: String,
    pub key_pem: String,
}

impl Pki {
    pub fn new(name: &str) -> Pki {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.distinguished_name.push(DnType::OrganizationName, "SMTP endpoint tests");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let cert = params.self_signed(&key).expect("CA certificate");
        Pki { ca_pem: cert.pem(), issuer: Issuer::new(params, key) }
    }

    /// A certificate for `names` made for TLS clients only (extendedKeyUsage=clientAuth), as a server would
    /// present by mistake.
    pub fn client_only_cert(&self, names: &[&str]) -> ServerCert {
        let key = KeyPair::generate().expect("key");
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names.clone()).expect("params");
        params.distinguished_name.push(DnType::CommonName, names.first().cloned().unwrap_or_default());
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &self.issuer).expect("certificate");
        ServerCert { chain_pem: cert.pem(), key_pem: key.serialize_pem() }
    }

    /// A server certificate for `names`, valid now (or expired yesterday).
    pub fn server_cert(&self, names: &[&str], expired: bool) -> ServerCert {
        let key = KeyPair::generate().expect("server key");
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names.clone()).expect("server params");
        params.distinguished_name.push(DnType::CommonName, names.first().cloned().unwrap_or_default());
        let now = time::OffsetDateTime::now_utc();
        if expired {
            params.not_before = now - time::Duration::days(30);
            params.not_after = now - time::Duration::days(1);
        } else {
            params.not_before = now - time::Duration::days(1);
            params.not_after = now + time::Duration::days(30);
        }
        let cert = params.signed_by(&key, &self.issuer).expect("server certificate");
        ServerCert { chain_pem: cert.pem(), key_pem: key.serialize_pem() }
    }
}

/// A self-signed server certificate marked as a CA (CA:TRUE), as a plain `openssl req -x509` makes one: its PEM
/// is both the chain to serve and what an admin would paste as the custom CA.
pub fn self_signed_ca_as_server(names: &[&str]) -> ServerCert {
    let key = KeyPair::generate().expect("key");
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mut params = CertificateParams::new(names.clone()).expect("params");
    params.distinguished_name.push(DnType::CommonName, names.first().cloned().unwrap_or_default());
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).expect("certificate");
    ServerCert { chain_pem: cert.pem(), key_pem: key.serialize_pem() }
}

/// One running `peer.py`. Killed when dropped; it also exits by itself when its standard input closes.
pub struct Peer {
    child: Child,
    _stdin: ChildStdin,
    pub port: u16,
    pub spool: tempfile::TempDir,
}

impl Peer {
    /// Starts `peer.py --mode <mode> [flags]`, waiting for its `PORT <n>` line.
    pub fn start(mode: &str, cert: Option<&ServerCert>, flags: &[&str]) -> Peer {
        let spool = tempfile::tempdir().expect("spool dir");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_peers/peer.py");
        let mut command = Command::new("python3");
        command.arg(script).args(["--mode", mode, "--spool"]).arg(spool.path()).args(flags);
        if let Some(cert) = cert {
            let chain = spool.path().join("server.crt");
            let key = spool.path().join("server.key");
            std::fs::write(&chain, &cert.chain_pem).expect("write certificate");
            std::fs::write(&key, &cert.key_pem).expect("write key");
            command.arg("--cert").arg(chain).arg("--key").arg(key);
        }
        let errors = spool.path().join("peer.stderr");
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&errors).expect("the peer's stderr file"))
            .spawn()
            .expect("python3 runs (scripts/setup.sh installs aiosmtpd)");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("read the peer's first line");
        let port = line.trim().strip_prefix("PORT ").and_then(|p| p.parse().ok()).unwrap_or_else(|| {
            let errors = std::fs::read_to_string(&errors).unwrap_or_default();
            panic!("peer.py did not start (is aiosmtpd installed?): {line:?}\n{errors}")
        });
        Peer { child, _stdin: stdin, port, spool }
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// The messages received so far, each with its envelope lines first.
    pub fn messages(&self) -> Vec<String> {
        let mut paths: Vec<_> = std::fs::read_dir(self.spool.path())
            .expect("spool")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        paths.sort();
        paths.iter().map(|p| std::fs::read_to_string(p).expect("message")).collect()
    }

    /// Waits for `count` messages (the server may still be writing one after its reply), for at most 30 s: a slow
    /// machine is not a failed delivery. Fewer after that are returned as they are, for the caller's assertion.
    pub fn wait_for_messages(&self, count: usize) -> Vec<String> {
        let started = std::time::Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= count || started.elapsed() > Duration::from_secs(30) {
                return messages;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The AUTH commands the server saw, and their results.
    pub fn events(&self) -> String {
        std::fs::read_to_string(self.spool.path().join("events.log")).unwrap_or_default()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of a header in a received message.
pub fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// What a test searches for to prove a password leaked nowhere: the password in clear and in hex, and its base64
/// at each of the three byte offsets it can have in a longer encoded text (only the characters that depend on
/// the password alone), alone and inside AUTH PLAIN's `\0username\0password`.
pub fn secret_forms(username: &str, password: &str) -> Vec<String> {
    let hex: String = password.bytes().map(|b| format!("{b:02x}")).collect();
    let mut forms = vec![password.to_owned(), hex];
    for offset in 0..3 {
        let mut bytes = vec![0u8; offset];
        bytes.extend_from_slice(password.as_bytes());
        let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &bytes);
        forms.push(encoded[(offset * 8).div_ceil(6)..bytes.len() * 8 / 6].to_owned());
    }
    let plain = format!("\0{username}\0{password}");
    forms.push(
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, plain).trim_end_matches('=').to_owned(),
    );
    assert!(forms.iter().all(|form| form.len() >= 8), "a canary long enough to search for");
    forms
}
