//! How a client is told apart, for the login throttle and the connection limit: by its address as counted, and
//! whether that address is a trusted proxy's (`--trusted-proxy`), which its clients share.

use std::net::IpAddr;

/// The address a client is counted by: an IPv4 address (also when written IPv4-mapped, as a dual-stack listener
/// gives it), or an IPv6 /64 — one host has that many addresses to draw from.
pub fn counted_as(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        v4 => v4,
    }
}

/// Whether `ip` is one of the trusted proxies, addresses compared in their canonical form.
pub fn is_trusted_proxy(ip: IpAddr, trusted: &[IpAddr]) -> bool {
    let ip = ip.to_canonical();
    trusted.iter().any(|proxy| proxy.to_canonical() == ip)
}
