//! Encryption of the SMTP password at rest: AES-256-GCM with a random 96-bit nonce per encryption.
//!
//! The master key comes from `SMTP_ENDPOINT_MASTER_KEY` (32 bytes, base64 or hex) or from `master.key` in the
//! data directory, created with mode 0600 on first start. A stored check value detects a wrong key at start-up,
//! before anything could be decrypted into garbage or re-encrypted under the wrong key.

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::path::{Path, PathBuf};
use zeroize::{Zeroize, Zeroizing};

/// Ciphertext layout version, the first byte of every blob.
const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 12;
/// Associated data binding a ciphertext to its purpose, so one blob cannot stand in for another.
pub const PASSWORD_AAD: &[u8] = b"smtp-endpoint/v1/endpoint/smtp/password";
const KEY_CHECK_AAD: &[u8] = b"smtp-endpoint/v1/key-check";
const KEY_CHECK_PLAINTEXT: &[u8] = b"this data directory's master key";
/// The key file's name in the data directory.
pub const KEY_FILE: &str = "master.key";

/// The 256-bit master key. It cannot be printed and is wiped from memory when dropped.
#[derive(Clone)]
pub struct MasterKey(Key<Aes256Gcm>);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        self.0.as_mut_slice().zeroize();
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the master key in {from} is not a 32-byte key in base64 or hex: restore the one the data was encrypted \
         with (a new, empty data directory can take a new one: `openssl rand -base64 32`)"
    )]
    Malformed { from: String },
    #[error("cannot read or create the master key file {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
    #[error(
        "the data in {data_dir} is encrypted, but neither SMTP_ENDPOINT_MASTER_KEY is set nor {KEY_FILE} is there; \
         start with the master key it was created with"
    )]
    Missing { data_dir: PathBuf },
    #[error(
        "the master key does not match the one the data in {data_dir} was encrypted with; \
         start with the original SMTP_ENDPOINT_MASTER_KEY or {KEY_FILE}"
    )]
    Mismatch { data_dir: PathBuf },
}

/// A blob that failed authentication: wrong key, or tampered data.
#[derive(Debug, thiserror::Error)]
#[error("the stored secret cannot be decrypted with this master key")]
pub struct DecryptError;

impl MasterKey {
    /// Reads a key written as base64 (standard or URL-safe) or as 64 hex digits.
    pub fn parse(encoded: &str) -> Option<MasterKey> {
        let encoded = encoded.trim();
        let bytes = Zeroizing::new(
            STANDARD
                .decode(encoded)
                .or_else(|_| URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')))
                .ok()
                .filter(|bytes| bytes.len() == 32)
                .or_else(|| decode_hex(encoded))?,
        );
        (bytes.len() == 32).then(|| MasterKey(*Key::<Aes256Gcm>::from_slice(&bytes)))
    }

    pub fn generate() -> MasterKey {
        MasterKey(Aes256Gcm::generate_key(OsRng))
    }

    /// The key from the environment's value when given, else from the key file in `data_dir`, created (mode
    /// 0600) when missing and `may_create` (a data directory that holds no encrypted data yet).
    pub fn load_or_create(
        data_dir: &Path,
        from_env: Option<&SecretString>,
        may_create: bool,
    ) -> Result<MasterKey, KeyError> {
        if let Some(value) = from_env {
            let from = "SMTP_ENDPOINT_MASTER_KEY".to_owned();
            return MasterKey::parse(value.expose_secret()).ok_or(KeyError::Malformed { from });
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                keep_private(&path);
                MasterKey::parse(&Zeroizing::new(text)).ok_or(KeyError::Malformed { from: path.display().to_string() })
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && !may_create => {
                Err(KeyError::Missing { data_dir: data_dir.to_owned() })
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = MasterKey::generate();
                let encoded = Zeroizing::new(format!("{}\n", STANDARD.encode(key.0.as_slice())));
                tracing::info!(path = %path.display(), "creating a new master key file");
                write_private_file(&path, encoded.as_bytes()).map_err(|source| KeyError::File { path, source })?;
                Ok(key)
            }
            Err(source) => Err(KeyError::File { path, source }),
        }
    }

    /// Encrypts `plaintext` for `aad`: `[1][nonce: 12][ciphertext + tag]`.
    pub fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let cipher = Aes256Gcm::new(&self.0);
        // AES-GCM fails only for plaintexts beyond 64 GiB; our inputs are bounded far below.
        let sealed = cipher.encrypt(&nonce, Payload { msg: plaintext, aad }).unwrap_or_default();
        let mut blob = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        blob.push(FORMAT_V1);
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&sealed);
        blob
    }

    pub fn decrypt(&self, blob: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
        let [FORMAT_V1, rest @ ..] = blob else { return Err(DecryptError) };
        if rest.len() < NONCE_LEN {
            return Err(DecryptError);
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let cipher = Aes256Gcm::new(&self.0);
        cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad })
            .map(Zeroizing::new)
            .map_err(|_| DecryptError)
    }

    pub fn encrypt_password(&self, password: &SecretString) -> Vec<u8> {
        self.encrypt(password.expose_secret().as_bytes(), PASSWORD_AAD)
    }

    pub fn decrypt_password(&self, blob: &[u8]) -> Result<SecretString, DecryptError> {
        let plaintext = self.decrypt(blob, PASSWORD_AAD)?;
        let text = std::str::from_utf8(&plaintext).map_err(|_| DecryptError)?;
        Ok(SecretString::from(text))
    }

    /// A value that only this key decrypts, stored once per data directory.
    pub fn key_check(&self) -> Vec<u8> {
        self.encrypt(KEY_CHECK_PLAINTEXT, KEY_CHECK_AAD)
    }

    pub fn verify_key_check(&self, blob: &[u8]) -> bool {
        self.decrypt(blob, KEY_CHECK_AAD).is_ok_and(|plain| plain.as_slice() == KEY_CHECK_PLAINTEXT)
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

/// A key file readable by others is narrowed to its owner (0600), or said in the log when it cannot be.
fn keep_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(metadata) = std::fs::metadata(path) else { return };
        if metadata.permissions().mode() & 0o077 != 0
            && let Err(error) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        {
            tracing::warn!(path = %path.display(), %error, "the master key file is readable by others; make it 0600");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Writes a new file readable only by its owner; fails if it exists.
pub fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_key() {
        let key = MasterKey::generate();
        let blob = key.encrypt_password(&SecretString::from("s3cret"));
        assert!(!blob.windows(6).any(|w| w == b"s3cret"));
        assert_eq!(key.decrypt_password(&blob).map(|p| p.expose_secret().to_owned()).ok().as_deref(), Some("s3cret"));
        assert!(MasterKey::generate().decrypt_password(&blob).is_err());
        assert!(key.decrypt(&blob, KEY_CHECK_AAD).is_err(), "the purpose is bound to the ciphertext");
    }

    #[test]
    fn parses_base64_and_hex_and_refuses_other_lengths() {
        let hex = "00".repeat(32);
        assert!(MasterKey::parse(&hex).is_some());
        assert!(MasterKey::parse(&STANDARD.encode([7u8; 32])).is_some());
        assert!(MasterKey::parse(&URL_SAFE_NO_PAD.encode([7u8; 32])).is_some());
        assert!(MasterKey::parse(&STANDARD.encode([7u8; 16])).is_none());
        assert!(MasterKey::parse("not a key").is_none());
    }
}
