// The benchmark's JavaScript peer: the same rules as the crate, written the way a JS developer would, on
// WHATWG `URL` (host parsing, IDNA to punycode, IPv4/IPv6) and npm validator's `isEmail`. It builds the same
// report shape with English messages. It exists only to be measured against (js/bench.mjs); the crate is the
// one source of truth.
import { createRequire } from "node:module";

const require = createRequire(new URL("../../../.tools/package.json", import.meta.url));
const isEmail = require("validator/lib/isEmail");

const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
// White space and zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM) around a value are not part of it.
const AROUND = /^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$/gu;
const trimValue = (value) => value.replace(AROUND, "");
// Characters that cannot be seen; never meant in an address's local part.
const INVISIBLE = /[\u0000-\u001f\u007f-\u00a0\u00ad\u061c\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2066-\u206f\u3000\ufeff\ufff9-\ufffb]/u;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const TLS = {
  "tls=required": "starttls_required",
  "starttls=always": "starttls_required",
  "tls=opportunistic": "starttls_opportunistic",
  "tls=none": "none",
  "starttls=never": "none",
};

class Problem {
  constructor(code, message, suggestion) {
    this.code = code;
    this.message = message;
    this.suggestion = suggestion;
  }
}

function codePoints(value, max) {
  if (value.length <= max) return value.length;
  let n = 0;
  for (const _ of value) if (++n > max) break;
  return n;
}

function textDefect(value, max, what) {
  if (codePoints(value, max) > max) return `The ${what} is longer than ${max} characters; shorten it.`;
  if (FORBIDDEN.test(value)) return `The ${what} contains a line break or another control character; retype it on one line without them.`;
  return null;
}

function parseHost(host) {
  if (host === "") return null;
  if (host.startsWith("[")) {
    try {
      const parsed = new URL(`http://${host}`).hostname;
      return { display: parsed, connect: parsed.slice(1, -1), loopback: parsed === "[::1]" };
    } catch {
      return null;
    }
  }
  let ascii;
  try {
    ascii = new URL(`http://${host}`).hostname;
  } catch {
    return null;
  }
  if (/^[\d.]+$/.test(ascii)) {
    if (!DOTTED_QUAD.test(host) || ascii !== host) return null;
    return { display: ascii, connect: ascii, loopback: ascii.startsWith("127.") };
  }
  const name = ascii.endsWith(".") ? ascii.slice(0, -1) : ascii;
  if (name.length === 0 || name.length > 253 || !name.split(".").every((label) => LABEL.test(label))) return null;
  return { display: name, connect: name, loopback: name === "localhost" };
}

function format(uri) {
  const port = uri.port === (uri.scheme === "smtps" ? 465 : 25) ? "" : `:${uri.port}`;
  const query = uri.tls === "starttls_required" ? "?tls=required" : uri.tls === "none" ? "?tls=none" : "";
  return `${uri.scheme}://${uri.host.display}${port}${query}`;
}

function suggestFor(authority) {
  const colon = authority.lastIndexOf(":");
  const candidate =
    colon >= 0 && authority.slice(colon + 1) === "465" ? `smtps://${authority.slice(0, colon)}` : `smtp://${authority}`;
  const parsed = parseUri(candidate);
  return parsed instanceof Problem ? undefined : format(parsed);
}

function missingScheme(raw) {
  const colon = raw.indexOf(":");
  if (colon > 0) {
    const prefix = raw.slice(0, colon);
    const rest = raw.slice(colon + 1);
    if (/^[a-z][a-z0-9+-]*$/i.test(prefix) && !/^\d+$/.test(rest)) {
      const lower = prefix.toLowerCase();
      if (lower === "smtp" || lower === "smtps") {
        const parsed = parseUri(`${lower}://${rest.replace(/^\/+/, "")}`);
        const suggestion = parsed instanceof Problem ? undefined : format(parsed);
        return new Problem("uri.missing_scheme", `The URI needs a scheme: smtp:// or smtps://. Use ${suggestion}`, suggestion);
      }
      return new Problem("uri.unknown_scheme", `"${prefix}" is not a scheme for mail: start the URI with smtp:// or smtps://.`);
    }
  }
  const suggestion = suggestFor(raw);
  return new Problem("uri.missing_scheme", `The URI needs a scheme: smtp:// or smtps://. Use ${suggestion}`, suggestion);
}

function parseUri(raw) {
  const defect = textDefect(raw, 2048, "URI");
  if (defect) return new Problem("uri.invalid", defect);
  if (raw === "") return new Problem("uri.required", "Enter the SMTP server's URI, for example smtp://mail.example.com.");
  if (raw.includes("@")) {
    const mailto = /^mailto:(?!\/\/)/i.test(raw);
    if (mailto) return new Problem("uri.unknown_scheme", `"${raw.slice(0, 6)}" is not a scheme for mail: start the URI with smtp:// or smtps://.`);
    return new Problem("uri.credentials_in_uri", "Remove the user name and password from the URI and type them into the fields.");
  }
  const sep = raw.indexOf("://");
  if (sep < 0) return missingScheme(raw);
  const scheme = raw.slice(0, sep).toLowerCase();
  const rest = raw.slice(sep + 3);
  if (scheme === "") return new Problem("uri.missing_scheme", "The URI needs a scheme.", suggestFor(rest));
  if (scheme !== "smtp" && scheme !== "smtps") {
    return new Problem("uri.unknown_scheme", `"${scheme}" is not a scheme for mail: start the URI with smtp:// or smtps://.`);
  }
  const hash = rest.indexOf("#");
  if (hash >= 0) return new Problem("uri.unsupported_component", "Remove the part after \"#\".");
  const [beforeQuery, query = ""] = rest.split(/\?(.*)/s);
  const slash = beforeQuery.indexOf("/");
  const authority = slash >= 0 ? beforeQuery.slice(0, slash) : beforeQuery;
  if (slash >= 0 && slash < beforeQuery.length - 1) return new Problem("uri.unsupported_component", "Remove the path after the host.");
  const close = authority.startsWith("[") ? authority.indexOf("]") : -1;
  const colon = authority.indexOf(":", close + 1);
  const host = parseHost(colon >= 0 ? authority.slice(0, colon) : authority);
  if (!host) return new Problem("uri.invalid_host", "The host is not valid. Type a host name such as mail.example.com.");
  let port = scheme === "smtps" ? 465 : 25;
  if (colon >= 0) {
    const text = authority.slice(colon + 1);
    port = /^\d+$/.test(text) ? Number(text) : 0;
    if (!(port >= 1 && port <= 65535)) return new Problem("uri.invalid_port", `"${text}" is not a port: type a number from 1 to 65535.`);
  }
  let tls = scheme === "smtps" ? "implicit" : "starttls_opportunistic";
  let chosen;
  for (const pair of new URLSearchParams(query)) {
    const mode = TLS[`${pair[0].toLowerCase()}=${pair[1].toLowerCase()}`];
    if (!mode || scheme === "smtps" || (chosen && chosen !== mode)) {
      return new Problem("uri.unsupported_component", "Only ?tls=required|opportunistic|none may follow the host.");
    }
    chosen = mode;
  }
  return { scheme, host, port, tls: chosen ?? tls };
}

function parseFrom(raw) {
  if (raw === "") return new Problem("from.required", "Enter the default from address, for example notifications@example.com.");
  const tail = " Type an address such as notifications@example.com.";
  const defect = textDefect(raw, 512, "address");
  if (defect) return new Problem("from.invalid", defect + tail);
  const open = raw.indexOf("<");
  if (open >= 0 && raw.indexOf("<", open + 1) >= 0) return new Problem("from.invalid", "Only one address is possible here." + tail);
  let name = null;
  let address = raw;
  if (open >= 0) {
    if (!raw.endsWith(">")) return new Problem("from.invalid", "The angle brackets do not match." + tail);
    let quoted = raw.slice(0, open).trim();
    if (quoted.startsWith('"') && quoted.endsWith('"') && quoted.length > 1) quoted = quoted.slice(1, -1);
    if (/["\\<>]/.test(quoted)) return new Problem("from.invalid", "The name contains a quote, backslash or angle bracket (\", \\, < or >); remove it." + tail);
    name = quoted.split(/\s+/).filter(Boolean).join(" ") || null;
    address = raw.slice(open + 1, -1).trim();
  }
  if (/[,;]/.test(address)) return new Problem("from.invalid", "Only one address is possible here." + tail);
  const at = address.lastIndexOf("@");
  if (at < 0) return new Problem("from.invalid", 'The address has no "@".' + tail);
  const local = address.slice(0, at);
  if (local === "") return new Problem("from.invalid", 'The address has nothing before the "@".' + tail);
  if (INVISIBLE.test(local)) return new Problem("from.invalid", 'The part before the "@" contains characters an address cannot have.' + tail);
  if (local.length > 64) return new Problem("from.invalid", 'The part before the "@" is too long.' + tail);
  if (at === address.length - 1) return new Problem("from.invalid", 'The address has no domain after the "@".' + tail);
  const host = parseHost(address.slice(at + 1));
  if (!host || host.display.startsWith("[") || DOTTED_QUAD.test(host.display)) {
    return new Problem("from.invalid", 'The domain after the "@" is not valid.' + tail);
  }
  const ascii = `${local}@${host.display}`;
  if (!isEmail(ascii, { allow_utf8_local_part: true, require_tld: false, allow_ip_domain: false })) {
    return new Problem("from.invalid", "The address is not valid." + tail);
  }
  return { address: ascii, display_name: name };
}

function issue(field, problem) {
  const out = { field, code: problem.code, message: problem.message };
  if (problem.suggestion !== undefined) out.suggestion = problem.suggestion;
  return out;
}

export function validateEndpointPeer(input) {
  const { uri = "", username = "", password = "", default_from_address = "", password_set = false } = input ?? {};
  const errors = [];
  const warnings = [];
  const user = trimValue(username ?? "");
  const pass = password ?? "";
  const hasUser = user !== "";
  const hasPassword = pass !== "" || password_set === true;

  const parsed = parseUri(trimValue(uri ?? ""));
  if (parsed instanceof Problem) {
    errors.push(issue("uri", parsed));
  } else {
    if (parsed.scheme === "smtp" && parsed.port === 465) {
      const suggestion = `smtps://${parsed.host.display}`;
      warnings.push(issue("uri", new Problem("uri.port_expects_implicit_tls", `Port 465 expects TLS from the first byte: use ${suggestion}`, suggestion)));
    } else if (parsed.scheme === "smtps" && (parsed.port === 25 || parsed.port === 587)) {
      const suggestion = format({ ...parsed, scheme: "smtp", tls: "starttls_opportunistic" });
      warnings.push(issue("uri", new Problem("uri.port_expects_starttls", `Port ${parsed.port} expects STARTTLS: use ${suggestion}`, suggestion)));
    }
    if (parsed.tls === "none" && (hasUser || hasPassword) && !parsed.host.loopback) {
      const suggestion = format({ ...parsed, tls: "starttls_opportunistic" });
      errors.push(issue("uri", new Problem("uri.plaintext_auth", `With ?tls=none or ?starttls=never the password would go unencrypted to a remote server. Use ${suggestion}, which logs in only over TLS.`, suggestion)));
    }
  }

  const userDefect = textDefect(user, 256, "username");
  if (userDefect) errors.push(issue("username", new Problem("username.invalid", userDefect)));
  else if (hasPassword && !hasUser) errors.push(issue("username", new Problem("username.required", "Enter the username that goes with the password, or remove the password to send without logging in.")));
  const passDefect = textDefect(pass, 1024, "password");
  if (passDefect) errors.push(issue("password", new Problem("password.invalid", passDefect)));
  else if (hasUser && !hasPassword) errors.push(issue("password", new Problem("password.required", "Enter the password for this username.")));

  const from = parseFrom(trimValue(default_from_address ?? ""));
  if (from instanceof Problem) errors.push(issue("default_from_address", from));

  const report = { valid: errors.length === 0, errors, warnings };
  if (!(parsed instanceof Problem)) {
    const login = hasUser && !userDefect ? user : null;
    report.effective = {
      uri: format(parsed),
      scheme: parsed.scheme,
      host: parsed.host.connect,
      port: parsed.port,
      tls: parsed.tls,
      auth: login !== null,
      summary: `Connection to ${parsed.host.display}, port ${parsed.port}; ${login ? `logs in as ${login}` : "does not log in"}.`,
    };
  }
  if (!(from instanceof Problem)) report.from = from;
  return report;
}
