//! `cargo bench -p smtp-endpoint --bench validate`: one full `validate` of a typical endpoint, of the longest
//! input every limit still accepts (asserted valid before it is timed), and of adversarial inputs of 10, 25 and 50 kB per field: text far over the
//! limits (bounded: lengths are checked first) and a valid endpoint padded with white space (linear: trimming
//! reads it all; criterion's throughput per byte stays flat).

// criterion is a native dev-dependency; on wasm32 (`cargo clippy --all-targets --target wasm32-…`) this is empty.
#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
    use smtp_endpoint::{EndpointInput, Locale, validate};
    use std::hint::black_box;

    fn input(uri: String, username: String, password: String, from: String) -> EndpointInput {
        EndpointInput {
            uri: Some(uri),
            username: Some(username),
            password: Some(password),
            default_from_address: Some(from),
            custom_ca_pem: None,
            password_set: false,
            locale: Locale::En,
        }
    }

    fn typical() -> EndpointInput {
        input(
            "smtps://email-smtp.us-east-1.amazonaws.com".into(),
            "AKIAIOSFODNN7EXAMPLE".into(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            "Notifications <notifications@example.com>".into(),
        )
    }

    /// Every field as long as its limit allows, so every rule runs to its end: a 253-character host of
    /// 63-character labels (the URI's own 2048 cannot be reached by a valid one), the longest username and
    /// password, and a 512-character from address whose local part is 64 characters.
    fn longest_accepted() -> EndpointInput {
        let label = "a".repeat(63);
        let host = format!("{label}.{label}.{label}.{}", "a".repeat(61));
        let address = format!("{}@example.com", "l".repeat(64));
        let name = "N".repeat(512 - address.len() - " <>".len());
        input(
            format!("smtp://{host}:587?tls=required"),
            "u".repeat(256),
            "p".repeat(1024),
            format!("{name} <{address}>"),
        )
    }

    /// `bytes` in every field, with nothing the checks stop at early: no control character, multi-byte text,
    /// and the shape of a real value around it.
    fn adversarial(bytes: usize) -> EndpointInput {
        let filler = |n: usize| "ü".repeat(n / 2);
        input(
            format!("smtps://mail.{}.example.com", filler(bytes)),
            filler(bytes),
            filler(bytes),
            format!("{} <app@{}.example.com>", filler(bytes / 2), filler(bytes / 2)),
        )
    }

    /// A valid endpoint inside `bytes` of white space per field (the password, never trimmed, is not padded):
    /// trimming is the one step that reads a value beyond its limit, so this is where time grows with size.
    fn padded(bytes: usize) -> EndpointInput {
        let pad = " ".repeat(bytes / 2);
        input(
            format!("{pad}smtps://mail.example.com{pad}"),
            format!("{pad}app{pad}"),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            format!("{pad}Notifications <notifications@example.com>{pad}"),
        )
    }

    fn bench(c: &mut Criterion) {
        c.bench_function("validate/typical", |b| {
            let input = typical();
            b.iter(|| validate(black_box(&input)))
        });
        c.bench_function("validate/longest_accepted", |b| {
            let input = longest_accepted();
            let report = validate(&input);
            assert!(report.valid && report.warnings.is_empty(), "not accepted as it is: {report:?}");
            b.iter(|| validate(black_box(&input)))
        });

        let mut group = c.benchmark_group("validate/adversarial");
        for kb in [10, 25, 50] {
            let input = adversarial(kb * 1000);
            group.throughput(Throughput::Bytes((kb * 1000 * 4) as u64));
            group.bench_with_input(BenchmarkId::from_parameter(format!("{kb}kB")), &input, |b, input| {
                b.iter(|| validate(black_box(input)))
            });
        }
        group.finish();

        let mut group = c.benchmark_group("validate/padded");
        for kb in [10, 25, 50] {
            let input = padded(kb * 1000);
            group.throughput(Throughput::Bytes((kb * 1000 * 3) as u64));
            group.bench_with_input(BenchmarkId::from_parameter(format!("{kb}kB")), &input, |b, input| {
                b.iter(|| validate(black_box(input)))
            });
        }
        group.finish();
    }

    criterion_group!(benches, bench);
}
