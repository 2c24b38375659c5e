// `scripts/bench-js.sh`: validateEndpoint (WebAssembly) against the JS peer (js/peer.mjs: WHATWG URL +
// validator's isEmail), in this one process, on the same inputs, interleaved in rounds; prints the median time
// per call of each and the ratio WASM / JS. `--json` prints the figures as JSON too.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { validateEndpointPeer } from "./peer.mjs";

const require = createRequire(import.meta.url);
const { validateEndpoint } = require("../pkg/smtp_endpoint.js");
const golden = JSON.parse(readFileSync(new URL("../tests/golden/check.json", import.meta.url), "utf8"));

const typical = {
  uri: "smtps://email-smtp.us-east-1.amazonaws.com",
  username: "AKIAIOSFODNN7EXAMPLE",
  password: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  default_from_address: "Notifications <notifications@example.com>",
};

// The criterion bench's adversarial input: `bytes` of multi-byte text in every field.
function adversarial(bytes) {
  const filler = (n) => "ü".repeat(n / 2);
  return {
    uri: `smtps://mail.${filler(bytes)}.example.com`,
    username: filler(bytes),
    password: filler(bytes),
    default_from_address: `${filler(bytes / 2)} <app@${filler(bytes / 2)}.example.com>`,
  };
}

// The criterion bench's padded input: a valid endpoint inside `bytes` of white space per field.
function padded(bytes) {
  const pad = " ".repeat(bytes / 2);
  return {
    uri: `${pad}smtps://mail.example.com${pad}`,
    username: `${pad}app${pad}`,
    password: typical.password,
    default_from_address: `${pad}Notifications <notifications@example.com>${pad}`,
  };
}

const workloads = [
  { name: "typical endpoint", inputs: [typical] },
  { name: `golden table (${golden.length} mixed inputs)`, inputs: golden.map((row) => row.input) },
  { name: "adversarial 10 kB per field", inputs: [adversarial(10_000)] },
  { name: "adversarial 50 kB per field", inputs: [adversarial(50_000)] },
  { name: "padded 10 kB per field", inputs: [padded(10_000)] },
  { name: "padded 50 kB per field", inputs: [padded(50_000)] },
];

const codes = (report) => [...report.errors, ...report.warnings].map((issue) => issue.code).join(",");

// Both sides must reach the same verdict, or the comparison measures different work.
for (const { inputs } of workloads) {
  for (const input of inputs) {
    const [wasm, peer] = [validateEndpoint(input), validateEndpointPeer(input)];
    if (codes(wasm) !== codes(peer) || wasm.effective?.uri !== peer.effective?.uri || wasm.from?.address !== peer.from?.address) {
      throw new Error(`the peer disagrees on ${JSON.stringify(input).slice(0, 200)}: ${codes(wasm)} vs ${codes(peer)}`);
    }
  }
}

function timePerCall(fn, inputs, budgetMs) {
  let calls = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(budgetMs * 1e6);
  let now = start;
  while (now < deadline) {
    for (const input of inputs) sink += fn(input).errors.length;
    calls += inputs.length;
    now = process.hrtime.bigint();
  }
  if (sink < 0) throw new Error("unreachable");
  return Number(now - start) / calls;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rounds = 7;
const budgetMs = 150;
const results = [];
for (const { name, inputs } of workloads) {
  timePerCall(validateEndpoint, inputs, 200);
  timePerCall(validateEndpointPeer, inputs, 200);
  const wasm = [];
  const js = [];
  for (let round = 0; round < rounds; round++) {
    wasm.push(timePerCall(validateEndpoint, inputs, budgetMs));
    js.push(timePerCall(validateEndpointPeer, inputs, budgetMs));
  }
  results.push({ workload: name, wasm_ns: median(wasm), js_ns: median(js), ratio: median(wasm) / median(js) });
}

const us = (ns) => (ns / 1000).toFixed(ns < 10_000 ? 2 : 1).padStart(9);
console.log(`node ${process.version}; median of ${rounds} interleaved rounds of ${budgetMs} ms each; time per call`);
console.log(`${"workload".padEnd(40)} ${"WASM µs".padStart(9)} ${"JS µs".padStart(9)}  WASM/JS`);
for (const r of results) console.log(`${r.workload.padEnd(40)} ${us(r.wasm_ns)} ${us(r.js_ns)}  ${r.ratio.toFixed(2)}×`);
if (process.argv.includes("--json")) console.log(JSON.stringify(results));
