//! What the server is started with (from flags and `SMTP_ENDPOINT_*` variables, see [`crate::cli`]).

use secrecy::SecretString;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    /// Holds the SQLite file and, unless the key comes from the environment, `master.key`.
    pub data_dir: PathBuf,
    /// The built page (Trunk's `dist/`), served for every path the API does not own.
    pub static_dir: Option<PathBuf>,
    /// `SMTP_ENDPOINT_MASTER_KEY`: 32 bytes in base64 or hex. Without it, the data dir's key file is used.
    pub master_key: Option<SecretString>,
    /// The origin browsers use, e.g. `https://settings.example.com`, when the server sits behind a proxy.
    /// Used for the same-origin check; an `https` origin also marks the session cookie `Secure`.
    pub public_origin: Option<String>,
    /// Host names the server answers to besides IP addresses, `localhost` and the public origin's host (lowercase,
    /// no port; `*` for any). A request for another name is refused: see [`crate::api::guard::known_host`].
    pub allowed_hosts: Vec<String>,
    /// Proxies whose `X-Forwarded-For` names the client (for the login throttle); others' is ignored.
    pub trusted_proxies: Vec<IpAddr>,
    /// How long a login lasts.
    pub session_ttl: Duration,
}

impl Config {
    pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(8 * 60 * 60);

    /// Defaults for everything but the data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            static_dir: None,
            master_key: None,
            public_origin: None,
            allowed_hosts: Vec::new(),
            trusted_proxies: Vec::new(),
            session_ttl: Config::DEFAULT_SESSION_TTL,
        }
    }

    /// Whether cookies must be `Secure` whatever the request says (the public origin is `https`).
    pub fn behind_tls(&self) -> bool {
        self.public_origin.as_deref().is_some_and(|origin| origin.starts_with("https://"))
    }
}
