//! The rules for one SMTP endpoint: its URI, credentials, default from address and optional custom CA.
//!
//! This crate is pure: it does no I/O and knows nothing about HTTP, the DOM or sockets. The page (in
//! WebAssembly), the server and the command line all judge an endpoint with [`validate`], so they agree.
//!
//! Values are parsed, not merely checked: an [`SmtpUri`], a [`FromAddress`] or an [`Endpoint`] can only be
//! obtained from a successful parse, and every failure is a [`Problem`] with a stable [`Code`] and a message in
//! each [`Locale`] from one catalogue ([`messages`]).

#[macro_use]
mod stable_codes;

mod address;
mod code;
mod credentials;
mod custom_ca;
mod diagnosis;
mod endpoint;
mod host;
mod locale;
pub mod messages;
mod problem;
pub mod punycode;
mod report;
mod step_note;
mod uri;

#[cfg(all(feature = "wasm", target_arch = "wasm32"))]
mod wasm;

pub use address::{AddressDefect, AddressSlip, FromAddress, MAX_ADDRESS_LEN};
pub use code::{Code, Field};
pub use credentials::{MAX_PASSWORD_LEN, MAX_USERNAME_LEN, TextDefect, trim};
pub use custom_ca::{CustomCaDefect, MAX_CUSTOM_CA_LEN, check_custom_ca};
pub use diagnosis::{DiagnosisCode, EnhancedStatus, ReplyContext, ReplyStatus, Step, classify_reply};
pub use endpoint::{ConnectionIdentity, Endpoint, requires_password_reentry};
pub use host::{Host, HostDefect, set_idna_to_ascii};
pub use locale::Locale;
pub use problem::{Component, Problem};
pub use report::{Effective, EndpointInput, FromSummary, Issue, Report, validate};
pub use step_note::StepNote;
pub use uri::{MAX_URI_LEN, Scheme, SmtpUri, TlsMode};
