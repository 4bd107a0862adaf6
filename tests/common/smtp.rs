//! A real SMTP server on loopback for tests: `tests/support/smtp_server.py` (aiosmtpd) run as a
//! child process, one per [`SmtpServer`], each with its own port and spool.
//!
//! ```ignore
//! let server = SmtpServer::start(SmtpOptions::starttls().with_auth("aivis", "secret"));
//! // ... point the code under test at 127.0.0.1:server.port(), trusting server.certificate_pem()
//! let mail = &server.wait_for_messages(1, Duration::from_secs(5))[0];
//! assert_eq!(mail.header("Subject").as_deref(), Some("Weekly digest"));
//! ```
//!
//! The server listens on 127.0.0.1 only. With TLS its certificate is for `localhost` and
//! `127.0.0.1`: connect to 127.0.0.1 and verify the name `localhost`.
//!
//! Everything here is synchronous (`std::process`), so it works from `#[test]` and
//! `#[tokio::test]` alike; `start`/`restart` block for the interpreter's start-up (~0.3 s).
//!
//! The interpreter is `/usr/bin/python3` (Debian's, which sees `python3-aiosmtpd`; a pyenv
//! `python3` on PATH does not), or `AIVIS_TEST_PYTHON`. A missing interpreter, aiosmtpd or
//! `openssl` fails the test loudly: nothing is skipped.

use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// The interpreter used unless `AIVIS_TEST_PYTHON` names another.
pub const DEFAULT_PYTHON: &str = "/usr/bin/python3";
/// How long `start`/`restart` wait for the server's `READY <port>` line.
pub const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// The host the server listens on.
pub const HOST: &str = "127.0.0.1";
/// The name its throwaway certificate is issued for (and `127.0.0.1` as an IP SAN).
pub const TLS_NAME: &str = "localhost";

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_server.py");
const INSTALL_HINT: &str = "install Debian's python3-aiosmtpd (apt-get install -y \
     python3-aiosmtpd) or set AIVIS_TEST_PYTHON to an interpreter that can import aiosmtpd";

/// How the server behaves. `SmtpOptions::default()` is plain SMTP without AUTH, accepting all.
#[derive(Debug, Default)]
pub struct SmtpOptions {
    /// `None`: a free port chosen by the OS (kept across [`SmtpServer::restart`]).
    pub port: Option<u16>,
    /// A certificate: STARTTLS is offered (or, with `implicit_tls`, TLS from the first byte).
    pub tls: Option<TestCertificate>,
    /// Refuse MAIL (and AUTH) before STARTTLS with `530`. Needs `tls`.
    pub require_starttls: bool,
    /// SMTPS (port 465 style): TLS from the first byte, no STARTTLS. Needs `tls`.
    pub implicit_tls: bool,
    /// Require AUTH PLAIN or LOGIN with this user and password (`530` on MAIL without it,
    /// `535` for wrong credentials). With `tls` and without `implicit_tls`, AUTH is only
    /// offered after STARTTLS.
    pub auth: Option<(String, String)>,
    /// The first `temp_fail` messages (counted from each start) get
    /// `451 4.3.0 try again later` at the end of DATA and are not spooled.
    pub temp_fail: u32,
    /// Every message gets `550 5.7.1 rejected by test policy` and is not spooled.
    pub reject: bool,
}

impl SmtpOptions {
    /// STARTTLS required before MAIL, with a fresh throwaway certificate.
    pub fn starttls() -> SmtpOptions {
        SmtpOptions {
            tls: Some(throwaway_certificate()),
            require_starttls: true,
            ..SmtpOptions::default()
        }
    }

    /// Implicit TLS (SMTPS) with a fresh throwaway certificate.
    pub fn implicit_tls() -> SmtpOptions {
        SmtpOptions {
            tls: Some(throwaway_certificate()),
            implicit_tls: true,
            ..SmtpOptions::default()
        }
    }

    /// The same options, requiring AUTH with `user` and `password`.
    pub fn with_auth(mut self, user: &str, password: &str) -> SmtpOptions {
        self.auth = Some((user.to_string(), password.to_string()));
        self
    }
}

/// A throwaway self-signed certificate for `CN=localhost` (SAN `DNS:localhost`,
/// `IP:127.0.0.1`), valid two days, deleted with `dir`.
#[derive(Debug)]
pub struct TestCertificate {
    pub cert_pem_path: PathBuf,
    pub key_pem_path: PathBuf,
    pub dir: tempfile::TempDir,
}

impl TestCertificate {
    /// The certificate in PEM: what a client adds as its trusted root.
    pub fn cert_pem(&self) -> Vec<u8> {
        fs::read(&self.cert_pem_path).expect("read the test certificate")
    }
}

/// Makes a fresh certificate with the `openssl` CLI. It is a leaf (`CA:FALSE`, EKU
/// `serverAuth`), not openssl's default `CA:TRUE`: webpki (rustls) refuses a CA certificate
/// as a server's own certificate even when it is the trusted root.
pub fn throwaway_certificate() -> TestCertificate {
    let dir = tempfile::tempdir().expect("temp dir for the test certificate");
    let cert_pem_path = dir.path().join("cert.pem");
    let key_pem_path = dir.path().join("key.pem");
    let output = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .args(["-addext", "extendedKeyUsage=serverAuth"])
        .arg("-keyout")
        .arg(&key_pem_path)
        .arg("-out")
        .arg(&cert_pem_path)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `openssl` ({e}): install it (apt-get install -y openssl)")
        });
    assert!(
        output.status.success(),
        "openssl could not make a test certificate ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    TestCertificate {
        cert_pem_path,
        key_pem_path,
        dir,
    }
}

/// A port that was free a moment ago (for "nothing listens here" tests; racy by nature).
pub fn free_port() -> u16 {
    TcpListener::bind((HOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// A running test SMTP server. Dropping it kills the server; its spool goes with it.
#[derive(Debug)]
pub struct SmtpServer {
    options: SmtpOptions,
    port: u16,
    child: Mutex<Option<Child>>,
    /// `spool/` (the messages) and `server.log` (the server's stderr, across restarts).
    dir: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts a server and waits until it listens. Panics, with the server's stderr, when it
    /// cannot start (no interpreter, no aiosmtpd, port taken, ...).
    pub fn start(options: SmtpOptions) -> SmtpServer {
        assert!(
            options.tls.is_some() || !(options.require_starttls || options.implicit_tls),
            "require_starttls and implicit_tls need a certificate in SmtpOptions::tls"
        );
        assert!(
            !(options.require_starttls && options.implicit_tls),
            "require_starttls and implicit_tls exclude each other"
        );
        let dir = tempfile::tempdir().expect("temp dir for the SMTP server");
        fs::create_dir(dir.path().join("spool")).expect("create the spool");
        let (child, port) = spawn(&options, options.port.unwrap_or(0), dir.path());
        SmtpServer {
            options,
            port,
            child: Mutex::new(Some(child)),
            dir,
        }
    }

    /// The port it listens on at 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1`.
    pub fn host(&self) -> &'static str {
        HOST
    }

    /// The options it runs with.
    pub fn options(&self) -> &SmtpOptions {
        &self.options
    }

    /// The PEM of its certificate, for the client's trusted roots. Panics without TLS.
    pub fn certificate_pem(&self) -> Vec<u8> {
        self.options
            .tls
            .as_ref()
            .expect("this SmtpServer runs without TLS")
            .cert_pem()
    }

    /// The directory holding one `<seq>.json` per accepted message.
    pub fn spool_dir(&self) -> PathBuf {
        self.dir.path().join("spool")
    }

    /// What the server wrote to stderr so far (all runs).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The messages accepted so far, in the order they were accepted.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        read_spool(&self.spool_dir())
    }

    /// Waits until at least `n` messages were accepted and returns all of them. Panics after
    /// `timeout`, or as soon as the server has died, with what arrived and the server's log.
    pub fn wait_for_messages(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            let ended = self.ended();
            if ended.is_some() || Instant::now() >= deadline {
                let why = ended.unwrap_or_else(|| format!("none more within {timeout:?}"));
                panic!(
                    "expected {n} message(s) on the test SMTP server, got {}: {why}\n\
                     received: {:#?}\nserver log:\n{}",
                    messages.len(),
                    messages,
                    self.log()
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server and waits for it: its port refuses connections until `restart`.
    /// The spool is kept. Stopping a stopped server does nothing.
    pub fn stop(&mut self) {
        if let Some(mut child) = self
            .child
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server if it runs and starts it again: same port, same spool (numbering
    /// continues), same options (`temp_fail` counts again from zero).
    pub fn restart(&mut self) {
        self.stop();
        let (child, port) = spawn(&self.options, self.port, self.dir.path());
        assert_eq!(port, self.port, "restarted on another port");
        *self.child.get_mut().unwrap_or_else(|e| e.into_inner()) = Some(child);
    }

    /// Why the server is not running, if it is not.
    fn ended(&self) -> Option<String> {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        match child.as_mut() {
            None => Some("the server is stopped".to_string()),
            Some(child) => match child.try_wait() {
                Ok(Some(status)) => Some(format!("the server exited ({status})")),
                _ => None,
            },
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs the server script and waits for `READY <port>`.
fn spawn(options: &SmtpOptions, port: u16, dir: &Path) -> (Child, u16) {
    let python = std::env::var("AIVIS_TEST_PYTHON").unwrap_or_else(|_| DEFAULT_PYTHON.to_string());
    let log_path = dir.join("server.log");
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .expect("open the SMTP server's log");

    let mut command = Command::new(&python);
    command
        .arg(SCRIPT)
        .arg("--port")
        .arg(port.to_string())
        .arg("--spool")
        .arg(dir.join("spool"))
        // The server also ends when this process dies without running Drop.
        .arg("--exit-on-stdin-eof");
    if let Some(cert) = &options.tls {
        command
            .arg("--tls-cert")
            .arg(&cert.cert_pem_path)
            .arg("--tls-key")
            .arg(&cert.key_pem_path);
    }
    if options.require_starttls {
        command.arg("--require-starttls");
    }
    if options.implicit_tls {
        command.arg("--implicit-tls");
    }
    if let Some((user, password)) = &options.auth {
        command.arg("--auth").arg(format!("{user}:{password}"));
    }
    if options.temp_fail > 0 {
        command
            .arg("--temp-fail")
            .arg(options.temp_fail.to_string());
    }
    if options.reject {
        command.arg("--reject");
    }
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log));

    let mut child = command.spawn().unwrap_or_else(|e| {
        panic!("cannot run {python} for the test SMTP server ({e}): {INSTALL_HINT}")
    });

    // The READY line, read on a thread so that a server that hangs cannot hang the test.
    let stdout = child.stdout.take().expect("piped stdout");
    let (lines, ready) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });

    let deadline = Instant::now() + READY_TIMEOUT;
    let failure = loop {
        match ready.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => {
                if let Some(port) = line
                    .strip_prefix("READY ")
                    .and_then(|p| p.trim().parse().ok())
                {
                    return (child, port);
                }
            }
            Err(RecvTimeoutError::Disconnected) => break "exited before it was ready",
            Err(RecvTimeoutError::Timeout) => break "was not ready in time",
        }
    };
    let _ = child.kill();
    let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
    let log = fs::read_to_string(&log_path).unwrap_or_default();
    let hint = if log.contains("aiosmtpd") {
        INSTALL_HINT
    } else {
        "see its stderr above"
    };
    panic!(
        "the test SMTP server ({python} {SCRIPT}) {failure} ({status}).\n\
         --- its stderr ---\n{log}------------------\n{hint}"
    );
}

/// One message as the server accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// Its number in the spool: 1, 2, ... in the order the server accepted them.
    pub seq: u64,
    /// The envelope sender (`MAIL FROM`), without the angle brackets.
    pub mail_from: String,
    /// The envelope recipients (`RCPT TO`), in order.
    pub rcpt_tos: Vec<String>,
    /// The message exactly as transmitted after DATA (dot-unstuffed, CRLF line ends).
    pub data: Vec<u8>,
    /// The user who authenticated on the session, if any.
    pub auth_user: Option<String>,
    /// Whether the session was encrypted (STARTTLS or implicit TLS).
    pub tls: bool,
}

impl ReceivedMail {
    /// The message as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }

    /// All header fields in order, as `(name, value)`: raw (encoded words are not decoded),
    /// unfolded, the value trimmed.
    pub fn headers(&self) -> Vec<(String, String)> {
        let text = self.text();
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in text.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = headers.last_mut() {
                    value.push_str(line);
                }
            } else if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_string(), value.to_string()));
            }
        }
        headers
            .into_iter()
            .map(|(name, value)| (name, value.trim().to_string()))
            .collect()
    }

    /// The first header field called `name` (case-insensitive): raw, unfolded, trimmed.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers()
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }

    /// Everything after the header section, as text (lossy UTF-8; still transfer-encoded).
    pub fn body(&self) -> String {
        let text = self.text();
        let start = [("\r\n\r\n", 4), ("\n\n", 2)]
            .iter()
            .filter_map(|(separator, len)| text.find(separator).map(|at| at + len))
            .min();
        start.map(|at| text[at..].to_string()).unwrap_or_default()
    }
}

fn read_spool(spool: &Path) -> Vec<ReceivedMail> {
    let mut files: Vec<(u64, PathBuf)> = fs::read_dir(spool)
        .unwrap_or_else(|e| panic!("read the spool {}: {e}", spool.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let seq = path
                .file_name()?
                .to_str()?
                .strip_suffix(".json")?
                .parse()
                .ok()?;
            Some((seq, path))
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|(_, path)| parse_mail(&path))
        .collect()
}

fn parse_mail(path: &Path) -> ReceivedMail {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let json: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
    let field = |name: &str| {
        json.get(name)
            .unwrap_or_else(|| panic!("{} has no {name:?}", path.display()))
    };
    let string = |name: &str| {
        field(name)
            .as_str()
            .unwrap_or_else(|| panic!("{}: {name:?} is not a string", path.display()))
            .to_string()
    };
    assert_eq!(string("data_encoding"), "latin-1", "{}", path.display());
    let data = string("data")
        .chars()
        .map(|c| {
            u8::try_from(c).unwrap_or_else(|_| panic!("{}: data is not latin-1", path.display()))
        })
        .collect();
    ReceivedMail {
        seq: field("seq").as_u64().expect("seq is a number"),
        mail_from: string("mail_from"),
        rcpt_tos: field("rcpt_tos")
            .as_array()
            .expect("rcpt_tos is an array")
            .iter()
            .map(|r| r.as_str().expect("a recipient is a string").to_string())
            .collect(),
        data,
        auth_user: field("auth_user").as_str().map(str::to_string),
        tls: field("tls").as_bool().expect("tls is a boolean"),
    }
}
