//! Proxies as curl honours them: `HTTPS_PROXY` (through a CONNECT tunnel)
//! unless `NO_PROXY` names the host; `HTTP_PROXY` is not for the HTTPS
//! API; `ALL_PROXY` is.

use super::OK;
use crate::testenv::{self, assert_exit, closed_port, provision_args_without_wp, Reply, TestEnv};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// A minimal HTTP CONNECT proxy on loopback that records its targets.
fn connect_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    connect_proxy_to(None)
}

/// The same, connecting every tunnel to `upstream` when given, whatever
/// its target (a host name that resolves nowhere reaches the fake API).
pub(super) fn connect_proxy_to(upstream: Option<String>) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let log = Arc::clone(&log);
            let upstream = upstream.clone();
            thread::spawn(move || {
                let mut reader = BufReader::new(match client.try_clone() {
                    Ok(c) => c,
                    Err(_) => return,
                });
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
                loop {
                    let mut h = String::new();
                    match reader.read_line(&mut h) {
                        Ok(0) | Err(_) => return,
                        Ok(_) if h == "\r\n" => break,
                        Ok(_) => {}
                    }
                }
                if let Ok(mut l) = log.lock() {
                    l.push(target.clone());
                }
                let Ok(upstream) = TcpStream::connect(upstream.as_deref().unwrap_or(&target))
                else {
                    let mut c = client;
                    let _ = c.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                    return;
                };
                let mut c = client;
                if c.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .is_err()
                {
                    return;
                }
                let (mut up_r, mut up_w) = match upstream.try_clone() {
                    Ok(u) => (u, upstream),
                    Err(_) => return,
                };
                let mut c_w = match c.try_clone() {
                    Ok(x) => x,
                    Err(_) => return,
                };
                let t = thread::spawn(move || {
                    let _ = std::io::copy(&mut up_r, &mut c_w);
                });
                // Anything the BufReader already buffered belongs upstream.
                let buffered = reader.buffer().to_vec();
                let _ = up_w.write_all(&buffered);
                let mut rest = reader.into_inner();
                let mut buf = [0u8; 16384];
                loop {
                    match rest.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if up_w.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                    }
                }
                let _ = up_w.shutdown(std::net::Shutdown::Write);
                let _ = t.join();
            });
        }
    });
    (port, seen)
}

#[test]
fn https_proxy_is_used_and_no_proxy_bypasses_it() {
    let (proxy_port, seen) = connect_proxy();
    let env = TestEnv::new_tls();
    env.api.reply(
        "POST",
        "/oauth2/token",
        Reply::json(200, r#"{"access_token":"tok-1234567"}"#),
    );
    env.api
        .reply("POST", "/rest/v1.3/jpphp/provision", Reply::json(200, OK));
    let run = |no_proxy: Option<&str>| {
        let mut cmd = env.cmd_without_wp();
        cmd.env("JETPACK_START_API_HOST", env.api.host())
            .env("SSL_CERT_FILE", testenv::cert_path("ca.pem"))
            .env("HTTPS_PROXY", format!("http://127.0.0.1:{proxy_port}"))
            .args(provision_args_without_wp(&[]));
        if let Some(n) = no_proxy {
            cmd.env("NO_PROXY", n);
        }
        cmd.output().expect("run")
    };
    let out = run(None);
    assert_exit(&out, 0);
    let targets = seen.lock().map(|v| v.clone()).unwrap_or_default();
    assert!(!targets.is_empty(), "the proxy saw no CONNECT");
    assert!(targets.iter().all(|t| *t == env.api.host()), "{targets:?}");
    assert_eq!(env.api.requests().len(), 2);

    let before = targets.len();
    let out = run(Some("127.0.0.1"));
    assert_exit(&out, 0);
    let after = seen.lock().map(|v| v.len()).unwrap_or(0);
    assert_eq!(after, before, "NO_PROXY must bypass the proxy");
    assert_eq!(env.api.requests().len(), 4);
}

#[test]
fn http_proxy_is_not_used_for_the_https_api() {
    // As with curl: HTTP_PROXY is for http URLs (and only in lower case).
    let dead = closed_port();
    let env = TestEnv::new_tls();
    env.api.token_ok("tok-1234567");
    env.api
        .reply("POST", "/rest/v1.3/jpphp/provision", Reply::json(200, OK));
    let out = env
        .cmd_without_wp()
        .env("JETPACK_START_API_HOST", env.api.host())
        .env("SSL_CERT_FILE", testenv::cert_path("ca.pem"))
        .env("HTTP_PROXY", format!("http://127.0.0.1:{dead}"))
        .env("http_proxy", format!("http://127.0.0.1:{dead}"))
        .args(provision_args_without_wp(&[]))
        .output()
        .expect("run");
    testenv::assert_success(&out, OK);

    // ALL_PROXY is: a dead one is a network_error that names it.
    let out = env
        .cmd_without_wp()
        .env("JETPACK_START_API_HOST", env.api.host())
        .env("SSL_CERT_FILE", testenv::cert_path("ca.pem"))
        .env("ALL_PROXY", format!("http://127.0.0.1:{dead}"))
        .args(provision_args_without_wp(&[]))
        .output()
        .expect("run");
    let err = testenv::assert_failure(&out, "network_error");
    assert!(
        err["error_message"]
            .as_str()
            .unwrap_or("")
            .contains("ALL_PROXY"),
        "{err}"
    );
}
