//! The built page as the server sends it (`dist/`, from `trunk build --release`): every asset the server caches
//! for a year (`static_files::content_hash`) is named by its own bytes, so such a name always means the same
//! file, and index.html's integrity hashes are those of the files it names (the post-build hook rewrites both
//! after minifying).

use base64::Engine;
use sha2::{Digest, Sha256, Sha384};
use smtp_endpoint_e2e::dist_dir;
use smtp_endpoint_server::static_files::content_hash;
use std::fs;

/// The value of `attribute="…"` in one tag.
fn attribute<'a>(tag: &'a str, attribute: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {attribute}=\""))? + attribute.len() + 3;
    tag[start..].split('"').next()
}

#[test]
fn hashed_assets_are_named_by_their_bytes_and_integrity_hashes_match() {
    let dist = dist_dir();
    let mut named = Vec::new();
    for entry in fs::read_dir(&dist).expect("dist") {
        let name = entry.expect("entry").file_name().into_string().expect("utf-8 name");
        if name.ends_with(".br") || name.ends_with(".gz") || name == "index.html" {
            continue;
        }
        // Every other file is cached for a year, so each must be named by its bytes (a name Trunk gave it, whose
        // hash can be shorter, would be revalidated on every load instead).
        let hash = content_hash(&name).unwrap_or_else(|| panic!("{name} is not named by a hash of its bytes"));
        let bytes = fs::read(dist.join(&name)).expect("asset");
        let digest: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hash, &digest[..16], "{name} is not named by its bytes");
        named.push(name);
    }
    for kind in ["_bg.wasm", ".js", ".css", ".svg"] {
        assert!(named.iter().any(|n| n.ends_with(kind)), "no hashed {kind} in {named:?}");
    }
    assert!(named.iter().any(|n| n.starts_with("init-")), "the start-up script: {named:?}");

    let sri = |file: &str| {
        let bytes = fs::read(dist.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        format!("sha384-{}", base64::engine::general_purpose::STANDARD.encode(Sha384::digest(&bytes)))
    };
    let html = fs::read_to_string(dist.join("index.html")).expect("index.html");
    let mut checked = Vec::new();
    for tag in html.split('<').filter(|tag| tag.contains(" integrity=")) {
        let url = attribute(tag, "href").or_else(|| attribute(tag, "src")).expect(tag);
        let file = url.strip_prefix('/').expect(url);
        assert_eq!(attribute(tag, "integrity"), Some(sri(file).as_str()), "{file}");
        checked.push(file);
    }
    for kind in ["init-", "smtp-endpoint-web-"] {
        assert!(checked.iter().any(|f| f.starts_with(kind) && f.ends_with(".js")), "{kind}*.js: {checked:?}");
    }
    let wasm = *checked.iter().find(|f| f.ends_with("_bg.wasm")).unwrap_or_else(|| panic!("{checked:?}"));

    // The start-up script fetches the wasm with the preload's integrity hash: so the preloaded response is used
    // (a fetch without it is another request) and the bytes that run are the ones named.
    let init = checked.iter().find(|f| f.starts_with("init-")).expect("init");
    let init = fs::read_to_string(dist.join(init)).expect("init.js");
    let fetch = format!("new Request(\"/{wasm}\",{{integrity:\"{}\"}})", sri(wasm));
    assert!(init.contains(&fetch), "{fetch} in {init}");
}
