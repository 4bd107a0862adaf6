//! The SMTP test harness (`tests/common/smtp.rs`) against a real client, lettre's async
//! transport: each of the server's modes (plain, STARTTLS, implicit TLS, AUTH, temporary
//! failure, rejection, stop and restart) behaves as a mail server would.

mod common;

use std::error::Error as _;
use std::time::Duration;

use common::smtp::{HOST, SmtpOptions, SmtpServer, TLS_NAME};
use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

const WAIT: Duration = Duration::from_secs(5);

fn message(subject: &str) -> Message {
    Message::builder()
        .from("Aivis <aivis@example.test>".parse().unwrap())
        .to("Ops <ops@example.test>".parse().unwrap())
        .to("oncall@example.test".parse().unwrap())
        .subject(subject)
        .body(String::from("Traffic from AI crawlers doubled.\r\n"))
        .unwrap()
}

/// A transport to the server without TLS.
fn plain(server: &SmtpServer) -> lettre::transport::smtp::AsyncSmtpTransportBuilder {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(HOST)
        .port(server.port())
        .timeout(Some(WAIT))
}

/// TLS parameters trusting only the server's throwaway certificate, for the name `localhost`.
fn tls_parameters(server: &SmtpServer) -> TlsParameters {
    let root = Certificate::from_pem(&server.certificate_pem()).unwrap();
    TlsParameters::builder(TLS_NAME.into())
        .add_root_certificate(root)
        .build_rustls()
        .unwrap()
}

/// The SMTP reply code of an error from the server, e.g. `"535"`.
fn code(error: &SmtpError) -> Option<String> {
    error.status().map(|code| code.to_string())
}

fn connection_refused(error: &SmtpError) -> bool {
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::ConnectionRefused;
        }
        source = cause.source();
    }
    false
}

#[tokio::test]
async fn plain_smtp_delivers_envelope_and_headers() {
    let server = SmtpServer::start(SmtpOptions::default());
    plain(&server)
        .build()
        .send(message("Weekly digest"))
        .await
        .unwrap();

    let mails = server.wait_for_messages(1, WAIT);
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.seq, 1);
    assert_eq!(mail.mail_from, "aivis@example.test");
    assert_eq!(mail.rcpt_tos, ["ops@example.test", "oncall@example.test"]);
    assert_eq!(mail.header("subject").as_deref(), Some("Weekly digest"));
    assert_eq!(
        mail.header("From").as_deref(),
        Some("Aivis <aivis@example.test>")
    );
    assert!(
        mail.body().contains("AI crawlers doubled"),
        "{}",
        mail.text()
    );
    assert!(mail.data.ends_with(b"\r\n"));
    assert!(!mail.tls);
    assert_eq!(mail.auth_user, None);
}

#[tokio::test]
async fn starttls_with_auth_is_encrypted_and_records_the_user() {
    let server = SmtpServer::start(SmtpOptions::starttls().with_auth("aivis", "s3cret"));
    plain(&server)
        .tls(Tls::Required(tls_parameters(&server)))
        .credentials(Credentials::new("aivis".into(), "s3cret".into()))
        .build()
        .send(message("Over STARTTLS"))
        .await
        .unwrap();

    let mail = &server.wait_for_messages(1, WAIT)[0];
    assert!(mail.tls);
    assert_eq!(mail.auth_user.as_deref(), Some("aivis"));
    assert_eq!(mail.header("Subject").as_deref(), Some("Over STARTTLS"));

    // The certificate is really checked: a client trusting only the system's roots fails.
    let untrusted = TlsParameters::builder(TLS_NAME.into())
        .build_rustls()
        .unwrap();
    let error = plain(&server)
        .tls(Tls::Required(untrusted))
        .build()
        .send(message("Untrusted"))
        .await
        .unwrap_err();
    // lettre reports it as a connection error (not `is_tls()`) wrapping rustls's
    // InvalidCertificate in an io::Error.
    assert!(
        format!("{error:?}").contains("InvalidCertificate"),
        "{error:?}"
    );

    // Without STARTTLS the server refuses the mail: 530, a permanent error.
    let error = plain(&server)
        .build()
        .send(message("In clear"))
        .await
        .unwrap_err();
    assert!(error.is_permanent(), "{error:?}");
    assert_eq!(code(&error).as_deref(), Some("530"));
    assert_eq!(server.messages().len(), 1);
}

#[tokio::test]
async fn implicit_tls_with_auth_login() {
    let server = SmtpServer::start(SmtpOptions::implicit_tls().with_auth("aivis", "s3cret"));
    plain(&server)
        .tls(Tls::Wrapper(tls_parameters(&server)))
        .credentials(Credentials::new("aivis".into(), "s3cret".into()))
        .authentication(vec![Mechanism::Login])
        .build()
        .send(message("Over SMTPS"))
        .await
        .unwrap();

    let mail = &server.wait_for_messages(1, WAIT)[0];
    assert!(mail.tls);
    assert_eq!(mail.auth_user.as_deref(), Some("aivis"));
    assert_eq!(mail.rcpt_tos.len(), 2);
}

#[tokio::test]
async fn wrong_password_is_refused_permanently() {
    // Without a certificate the server takes AUTH in clear.
    let server = SmtpServer::start(SmtpOptions::default().with_auth("aivis", "s3cret"));
    let error = plain(&server)
        .credentials(Credentials::new("aivis".into(), "wrong".into()))
        .build()
        .send(message("Nope"))
        .await
        .unwrap_err();
    assert!(error.is_permanent(), "{error:?}");
    assert_eq!(code(&error).as_deref(), Some("535"));

    // No credentials at all: MAIL is refused (530).
    let error = plain(&server)
        .build()
        .send(message("Anonymous"))
        .await
        .unwrap_err();
    assert!(error.is_permanent(), "{error:?}");
    assert_eq!(code(&error).as_deref(), Some("530"));

    plain(&server)
        .credentials(Credentials::new("aivis".into(), "s3cret".into()))
        .build()
        .send(message("Right"))
        .await
        .unwrap();
    let mails = server.wait_for_messages(1, WAIT);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].header("Subject").as_deref(), Some("Right"));
    assert_eq!(mails[0].auth_user.as_deref(), Some("aivis"));
}

#[tokio::test]
async fn temporary_failure_then_success() {
    let server = SmtpServer::start(SmtpOptions {
        temp_fail: 1,
        ..SmtpOptions::default()
    });
    let transport = plain(&server).build();

    let error = transport.send(message("First try")).await.unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    assert_eq!(code(&error).as_deref(), Some("451"));
    assert!(server.messages().is_empty());

    transport.send(message("Second try")).await.unwrap();
    let mails = server.wait_for_messages(1, WAIT);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].header("Subject").as_deref(), Some("Second try"));
}

#[tokio::test]
async fn rejection_is_permanent() {
    let server = SmtpServer::start(SmtpOptions {
        reject: true,
        ..SmtpOptions::default()
    });
    let error = plain(&server)
        .build()
        .send(message("Unwanted"))
        .await
        .unwrap_err();
    assert!(error.is_permanent(), "{error:?}");
    assert_eq!(code(&error).as_deref(), Some("550"));
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn stopped_server_refuses_and_restarted_one_accepts_on_the_same_port() {
    let mut server = SmtpServer::start(SmtpOptions::default());
    let port = server.port();
    let transport = plain(&server).build();
    transport.send(message("Before")).await.unwrap();

    server.stop();
    let error = transport.send(message("While down")).await.unwrap_err();
    assert!(connection_refused(&error), "{error:?}");

    server.restart();
    assert_eq!(server.port(), port);
    transport.send(message("After")).await.unwrap();

    let mails = server.wait_for_messages(2, WAIT);
    let subjects: Vec<_> = mails
        .iter()
        .map(|mail| (mail.seq, mail.header("Subject").unwrap()))
        .collect();
    assert_eq!(
        subjects,
        [(1, "Before".to_string()), (2, "After".to_string())]
    );
}
