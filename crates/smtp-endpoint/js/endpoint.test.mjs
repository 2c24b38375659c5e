// The JavaScript package as a client uses it: build it with `scripts/build-js.sh`, then
// `node --test crates/smtp-endpoint/js/`.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";

const require = createRequire(import.meta.url);
const { validateEndpoint } = require("../pkg/smtp_endpoint.js");
const golden = JSON.parse(readFileSync(new URL("../tests/golden/check.json", import.meta.url), "utf8"));

const valid = {
  uri: "smtps://mail.example.com",
  username: "app",
  password: "correct horse battery staple",
  default_from_address: "app@example.com",
};

const codes = (issues) => issues.map((issue) => issue.code);

test("the package gives exactly the golden reports (the same JSON as Rust's serde_json)", () => {
  assert.ok(golden.length >= 20);
  for (const { input, report } of golden) {
    assert.deepStrictEqual(validateEndpoint(input), report, JSON.stringify(input));
  }
});

test("the seed's own examples are valid", () => {
  const smtp = validateEndpoint({ ...valid, uri: "smtp://mail.example.com" });
  assert.equal(smtp.valid, true);
  assert.deepEqual(
    { uri: smtp.effective.uri, port: smtp.effective.port, tls: smtp.effective.tls, auth: smtp.effective.auth },
    { uri: "smtp://mail.example.com", port: 25, tls: "starttls_opportunistic", auth: true },
  );
  const ses = validateEndpoint({ ...valid, uri: "smtps://email-smtp.us-east-1.amazonaws.com" });
  assert.equal(ses.valid, true);
  assert.equal(ses.effective.tls, "implicit");
  assert.equal(ses.effective.port, 465);
});

test("a bare host with port 465 is told to use smtps://", () => {
  const report = validateEndpoint({ ...valid, uri: "mail.example.com:465" });
  assert.equal(report.valid, false);
  assert.deepEqual(codes(report.errors), ["uri.missing_scheme"]);
  assert.equal(report.errors[0].field, "uri");
  assert.equal(report.errors[0].suggestion, "smtps://mail.example.com");
  assert.match(report.errors[0].message, /Use smtps:\/\/mail\.example\.com/);
  assert.equal("effective" in report, false, "no effective connection when the URI did not parse");
});

test("smtp:// on port 465 is valid, with a warning", () => {
  const report = validateEndpoint({ ...valid, uri: "smtp://mail.example.com:465" });
  assert.equal(report.valid, true);
  assert.deepEqual(codes(report.warnings), ["uri.port_expects_implicit_tls"]);
  assert.equal(report.warnings[0].message, "Port 465 expects TLS from the first byte: use smtps://mail.example.com");
});

test("TLS options in lettre's and MailKit's spelling", () => {
  assert.equal(validateEndpoint({ ...valid, uri: "smtp://mail.example.com?tls=required" }).effective.tls, "starttls_required");
  assert.equal(validateEndpoint({ ...valid, uri: "smtp://mail.example.com?starttls=always" }).effective.tls, "starttls_required");
  const plaintext = validateEndpoint({ ...valid, uri: "smtp://mail.example.com?starttls=never" });
  assert.deepEqual(codes(plaintext.errors), ["uri.plaintext_auth"]);
  assert.equal(validateEndpoint({ ...valid, uri: "smtp://[::1]:1025?tls=none" }).valid, true);
});

test("credentials in the URI are refused and the password is never repeated", () => {
  const password = "pa?ss:word";
  const report = validateEndpoint({ ...valid, uri: `smtp://app:${password}@mail.example.com`, password });
  assert.deepEqual(codes(report.errors), ["uri.credentials_in_uri"]);
  assert.equal(JSON.stringify(report).includes(password), false);
});

test("username and password go together; a stored password counts", () => {
  assert.deepEqual(codes(validateEndpoint({ ...valid, password: "" }).errors), ["password.required"]);
  assert.deepEqual(codes(validateEndpoint({ ...valid, password: "", password_set: true }).errors), []);
  assert.deepEqual(codes(validateEndpoint({ ...valid, username: "" }).errors), ["username.required"]);
});

test("the from address: display name, punycode, and what is wrong", () => {
  const named = validateEndpoint({ ...valid, default_from_address: "Bücherei <info@bücher.example>" });
  assert.deepEqual(named.from, { address: "info@xn--bcher-kva.example", display_name: "Bücherei" });
  const bare = validateEndpoint(valid);
  assert.deepEqual(bare.from, { address: "app@example.com", display_name: null });
  const noAt = validateEndpoint({ ...valid, default_from_address: "app.example.com", locale: "de" });
  assert.deepEqual(codes(noAt.errors), ["from.invalid"]);
  assert.match(noAt.errors[0].message, /fehlt das „@“/);
});

test("a custom CA is judged from its text: a private key is refused on its own field", () => {
  const key = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----";
  const report = validateEndpoint({ ...valid, custom_ca_pem: key });
  assert.deepEqual(report.errors.map((e) => [e.field, e.code]), [["custom_ca_pem", "custom_ca.invalid"]]);
  assert.match(report.errors[0].message, /private key/);
  assert.equal(validateEndpoint({ ...valid, custom_ca_pem: "  " }).valid, true);
});

test("missing input and nulls are empty fields; a wrong type is an error", () => {
  for (const input of [undefined, null, {}, { uri: null, username: null, password: null, locale: null }]) {
    assert.deepEqual(codes(validateEndpoint(input).errors), ["uri.required", "from.required"]);
  }
  assert.throws(() => validateEndpoint({ uri: 42 }), /invalid input/);
});

test("the report is plain JSON data", () => {
  const report = validateEndpoint(valid);
  assert.equal(Object.getPrototypeOf(report), Object.prototype);
  assert.deepStrictEqual(JSON.parse(JSON.stringify(report)), report);
});
