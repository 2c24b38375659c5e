//! The floor under the page's transfer size: Leptos's counter, plus one input judged by the core crate on every
//! keystroke with its messages listed (English, no suggestions, no effective connection, no server). Any page that
//! runs the rules in the browser carries at least this.

use leptos::prelude::*;
use smtp_endpoint::{EndpointInput, Locale, validate};

fn main() {
    mount_to_body(|| {
        let (uri, set_uri) = signal(String::new());
        let messages = move || {
            let report = validate(&EndpointInput {
                uri: Some(uri.get()),
                username: None,
                password: None,
                default_from_address: None,
                custom_ca_pem: None,
                password_set: false,
                locale: Locale::En,
            });
            report
                .errors
                .into_iter()
                .chain(report.warnings)
                .map(|issue| view! { <li>{issue.message}</li> })
                .collect_view()
        };
        view! {
            <input on:input=move |ev| set_uri.set(event_target_value(&ev)) />
            <ul>{messages}</ul>
        }
    });
}
