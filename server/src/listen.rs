//! The accept loop: each connection served as HTTP/1.1 by hyper, with a limit on how long a request's headers may
//! take to arrive (axum's `serve` sets none, so a client could hold a connection open for ever by sending half a
//! request; the body's limit is [`BODY_READ_TIMEOUT`]), a cap on the connections one client holds open
//! ([`PerClient`]), and a graceful stop: no new connections, idle ones closed, running requests finished.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// How long a request's headers may take to arrive before the connection is closed.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a JSON body may take to arrive once its headers have (`ApiJson`): then 408 and the connection is
/// closed. At most 128 KiB, so even a slow link sends it well within this.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The connections one client address may hold open at once. A browser opens six; a client that opens
/// hundreds and sends nothing would otherwise take every file descriptor the server has, and with them everyone
/// else's requests.
pub const CONNECTIONS_PER_CLIENT: u32 = 256;

/// Counts the connections open per client address (an IPv6 client by its /64, as the login throttle does) and
/// refuses those over the limit. A trusted proxy's address, which all its clients share, is not limited.
#[derive(Debug)]
pub struct PerClient {
    limit: u32,
    trusted_proxies: Vec<IpAddr>,
    /// Per client key: connections open, and whether a refusal was logged since it last held under half the limit.
    open: Mutex<HashMap<IpAddr, (u32, bool)>>,
}

impl PerClient {
    pub fn new(limit: u32, trusted_proxies: &[IpAddr]) -> Arc<PerClient> {
        Arc::new(PerClient { limit, trusted_proxies: trusted_proxies.to_vec(), open: Mutex::default() })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, (u32, bool)>> {
        self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A place for a connection from `ip`, held until dropped; `Err(first)` when the client holds the limit
    /// already, `first` for its first refusal since it last held under half the limit (said once per wave, not
    /// once per refused connection).
    fn admit(self: &Arc<PerClient>, ip: IpAddr) -> Result<Slot, bool> {
        if crate::client::is_trusted_proxy(ip, &self.trusted_proxies) {
            return Ok(Slot { count: Arc::clone(self), key: None });
        }
        let key = crate::client::counted_as(ip);
        let mut open = self.lock();
        let (count, refused) = open.entry(key).or_insert((0, false));
        if *count >= self.limit {
            return Err(!std::mem::replace(refused, true));
        }
        *count += 1;
        Ok(Slot { count: Arc::clone(self), key: Some(key) })
    }
}

/// One connection's place in [`PerClient`].
#[derive(Debug)]
struct Slot {
    count: Arc<PerClient>,
    key: Option<IpAddr>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let mut open = self.count.lock();
        if let Some((count, refused)) = open.get_mut(&key) {
            *count -= 1;
            *refused &= *count >= self.count.limit / 2;
            if *count == 0 {
                open.remove(&key);
            }
        }
    }
}

/// Serves `app` on `listener` until `stop` completes, then lets the running requests finish.
pub async fn serve(listener: TcpListener, app: Router, per_client: Arc<PerClient>, stop: impl Future<Output = ()>) {
    let (closing, closed) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(stop);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors or a connection reset before it was taken: the next one may work.
                Err(error) => {
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
            // Reap finished connections as they end, so the set does not grow with every one ever served.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        let slot = match per_client.admit(remote.ip()) {
            Ok(slot) => slot,
            // Closed at once, unread: all it costs is the accept.
            Err(first) => {
                if first {
                    tracing::warn!(
                        client = %remote.ip(),
                        limit = per_client.limit,
                        "refusing connections over the limit one client may hold open (said again once it held \
                         under half); a proxy in front whose clients all come from its address: name it with \
                         --trusted-proxy"
                    );
                }
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(remote));
            app.clone().oneshot(request.map(axum::body::Body::new))
        });
        let mut closed = closed.clone();
        connections.spawn(async move {
            let _slot = slot;
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = async { let _ = closed.wait_for(|&closed| closed).await; } => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    drop(listener);
    let _ = closing.send(true);
    while connections.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpSocket, TcpStream};

    async fn connect(from: [u8; 4], to: std::net::SocketAddr) -> TcpStream {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.bind((IpAddr::from(from), 0).into()).expect("bind");
        socket.connect(to).await.expect("connect")
    }

    /// What a `GET /` on a new connection from `from` is answered with: empty when the server closed it unread.
    async fn get(from: [u8; 4], to: std::net::SocketAddr) -> String {
        let mut stream = connect(from, to).await;
        let _ = stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "neither answered nor closed");
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// A refusal is logged once per wave: again only after the client held under half its limit.
    #[test]
    fn a_refusal_is_said_once_a_wave() {
        let per_client = PerClient::new(4, &[]);
        let ip = IpAddr::from([192, 0, 2, 1]);
        let mut held: Vec<Slot> = (0..4).map(|_| per_client.admit(ip).expect("under the limit")).collect();
        assert_eq!(per_client.admit(ip).err(), Some(true), "the first refusal is said");
        assert_eq!(per_client.admit(ip).err(), Some(false));
        held.pop();
        held.push(per_client.admit(ip).expect("a place came back"));
        assert_eq!(per_client.admit(ip).err(), Some(false), "still the same wave");
        held.truncate(1);
        held.extend((0..3).map(|_| per_client.admit(ip).expect("under the limit")));
        assert_eq!(per_client.admit(ip).err(), Some(true), "a new wave");
        let v6 = |last: u16| IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, last]);
        let other: Vec<Slot> = (0..4).map(|n| per_client.admit(v6(n)).expect("under the limit")).collect();
        assert!(per_client.admit(v6(999)).is_err(), "an IPv6 client counts by its /64");
        drop((held, other));
        assert!(per_client.open.lock().expect("lock").is_empty());
    }

    #[tokio::test]
    async fn one_client_holds_at_most_its_limit_of_connections() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let at = listener.local_addr().expect("address");
        let app = Router::new().route("/", axum::routing::get(|| async { "ok" }));
        let per_client = PerClient::new(2, &[IpAddr::from([127, 0, 0, 3])]);
        let counted = Arc::clone(&per_client);
        tokio::spawn(serve(listener, app, per_client, std::future::pending()));

        let idle = [connect([127, 0, 0, 1], at).await, connect([127, 0, 0, 1], at).await];
        // Both taken once the server counted them (it accepts in order, so a third is seen after them).
        assert_eq!(get([127, 0, 0, 1], at).await, "", "over the limit: closed unread");
        assert!(get([127, 0, 0, 2], at).await.starts_with("HTTP/1.1 200"), "another client is served");
        let proxy = [connect([127, 0, 0, 3], at).await, connect([127, 0, 0, 3], at).await];
        assert!(get([127, 0, 0, 3], at).await.starts_with("HTTP/1.1 200"), "a trusted proxy has no limit");
        drop((idle, proxy));
        // The places come back as the server sees the connections close, and nothing stays counted.
        let all_closed = || async {
            for _ in 0..250 {
                if counted.open.lock().expect("lock").is_empty() {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            false
        };
        assert!(all_closed().await, "{:?}", counted.open.lock().expect("lock"));
        assert!(get([127, 0, 0, 1], at).await.starts_with("HTTP/1.1 200"), "served again");
        assert!(all_closed().await, "{:?}", counted.open.lock().expect("lock"));
    }
}
