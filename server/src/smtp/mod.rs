//! Real SMTP work through the stored endpoint (issue 4): the staged probe, test emails and their CLI commands.
//!
//! - [`probe`] and [`send_test`] run the conversation ([`engine`]) on a plain [`SmtpTarget`] and return a report
//!   with a step list, a diagnosis (the core crate's [`smtp_endpoint::DiagnosisCode`]), the certificate, the
//!   server's capabilities and a transcript without credentials.
//! - [`routes`] are the HTTP face (admin-only, rate-limited); [`cli`] prints the same steps on a terminal.
//! - [`custom_ca`] judges the endpoint's optional custom CA before it is saved or used.
//!
//! The rest of the server calls only [`routes`], [`cli`], [`custom_ca::given`] and [`custom_ca::parse`] (and the
//! benchmarks [`probe`] and [`send_test`]).

mod api;
pub mod cli;
mod conn;
pub mod custom_ca;
mod engine;
mod message;
pub(crate) mod redact;
pub(crate) mod report;
mod sasl;
mod tls;

pub use api::{PROBES_PER_MINUTE, ProbeRequest, TEST_EMAILS_PER_MINUTE, TestEmailRequest, routes};
pub use engine::{ProbeOptions, SmtpTarget, Timeouts, probe, send_test};
pub use message::TestEmail;
pub use report::{Capabilities, Diagnosis, ProbeReport, SendReport, StepReport, StepStatus};
pub use tls::{CertificateInfo, load_trust_store};
