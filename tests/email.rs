//! Email end to end against a real SMTP server on loopback (aiosmtpd, see `common::smtp`):
//! `aivis alerts notify` queues one alert mail, `aivis outbox deliver` sends it once, with the
//! right envelope and header recipients and MIME structure, on both backends; STARTTLS with
//! AUTH from the environment; a server that is down, refuses for now (4xx) or for good (5xx);
//! a delivering process killed mid-attempt; idempotent queuing.

mod common;

use std::path::Path;
use std::time::Duration;

use aivis::day::now_unix;
use aivis::notify::compose::RenderedMail;
use aivis::notify::deliver::{DeliveryPolicy, DeliveryReport, deliver_due};
use aivis::notify::transport::Transport;
use aivis::service::{self, App, MailToQueue};
use common::smtp::{SmtpOptions, SmtpServer};
use common::{
    FIRST_DAY, TestDb, aivis, aivis_command, aivis_ok, day_lines, number, stderr, stdout,
};
use mailparse::MailHeaderMap;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(10);

/// `dir/aivis.toml`: site acme (alerts to two people) on `database_url`, with `[email]` as
/// `email` says.
fn write_config(dir: &Path, database_url: &str, email: &str) -> String {
    let config = format!(
        "database_url = \"{database_url}\"\n{email}\n\
         [[sites]]\nname = \"acme\"\nhosts = [\"www.acme.test\", \"acme.test\"]\n\
         alerts_to = [\"Brand Team <team@acme.test>\", \"cmo@acme.test\"]\n\
         [sites.brand]\nname = \"Acme\"\n\
         [[sites.goals]]\nname = \"purchase\"\npath = \"^/checkout/complete\"\nkind = \"macro\"\n"
    );
    std::fs::write(dir.join("aivis.toml"), &config).unwrap();
    config
}

fn smtp_email(port: u16, extra: &str) -> String {
    format!(
        "[email]\nfrom = \"aivis <aivis@acme.test>\"\ntransport = \"smtp\"\nhost = \"127.0.0.1\"\n\
         port = {port}\ntls = \"none\"\n{extra}\n"
    )
}

/// AI visitors convert at 10% for four weeks, then at 2.5% for a week: an alert is due as of
/// day 34.
fn ingest_ai_fall(dir: &Path) {
    let mut log = String::new();
    for day in 0..28 {
        day_lines(day, 40, 4, &mut log);
    }
    for day in 28..35 {
        day_lines(day, 40, 1, &mut log);
    }
    let path = dir.join("access.log");
    std::fs::write(&path, &log).unwrap();
    let out = aivis(dir, &["ingest", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn as_of_fall() -> String {
    aivis::day::day_text((FIRST_DAY + 34) * 86_400)
}

/// The MIME content types of a message and its parts, depth first.
fn content_types(mail: &mailparse::ParsedMail<'_>) -> Vec<String> {
    let mut types = vec![mail.ctype.mimetype.clone()];
    for part in &mail.subparts {
        types.extend(content_types(part));
    }
    types
}

#[tokio::test]
async fn an_alert_mail_reaches_a_real_smtp_server_once_on_both_backends() {
    for db in TestDb::both().await {
        let server = SmtpServer::start(SmtpOptions::default());
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), &db.url, &smtp_email(server.port(), ""));
        ingest_ai_fall(dir.path());

        let notified = aivis_ok(dir.path(), &["alerts", "notify", "--as-of", &as_of_fall()]);
        assert!(notified.contains("acme: queued alerts:acme:"), "{notified}");
        let delivered = aivis_ok(dir.path(), &["outbox", "deliver"]);
        assert!(
            delivered.starts_with("1 sent, 0 to retry, 0 failed"),
            "{delivered}"
        );

        let mail = &server.wait_for_messages(1, WAIT)[0];
        assert_eq!(mail.mail_from, "aivis@acme.test");
        assert_eq!(mail.rcpt_tos, ["team@acme.test", "cmo@acme.test"]);
        let to = mail.header("To").unwrap();
        assert!(
            to.contains("team@acme.test") && to.contains("cmo@acme.test"),
            "{to}"
        );
        let parsed = mailparse::parse_mail(&mail.data).unwrap();
        let subject = parsed.headers.get_first_value("Subject").unwrap();
        assert!(
            subject.starts_with("AI visitors convert 75% less than in the four weeks before")
                && subject.ends_with(" — acme"),
            "{}: {subject}",
            db.name
        );
        assert_eq!(
            content_types(&parsed),
            [
                "multipart/alternative",
                "text/plain",
                "multipart/related",
                "text/html"
            ]
        );
        let text = parsed.subparts[0].get_body().unwrap();
        assert!(text.contains("converted 10.0% ("), "{text}");
        assert_eq!(
            number(&db.url, "SELECT COUNT(*) FROM alerts WHERE status = 'open'").await,
            0,
            "every alert told is marked notified ({})",
            db.name
        );

        // Running both again tells nothing new and sends nothing.
        let again = aivis_ok(dir.path(), &["alerts", "notify", "--as-of", &as_of_fall()]);
        assert!(again.contains("acme: nothing new to tell"), "{again}");
        let delivered = aivis_ok(dir.path(), &["outbox", "deliver"]);
        assert!(delivered.starts_with("0 sent"), "{delivered}");
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(server.messages().len(), 1, "{}", db.name);

        let listed = aivis_ok(dir.path(), &["outbox", "list", "--format", "json"]);
        let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
        assert_eq!(listed[0]["status"], "sent");
        assert_eq!(listed[0]["attempts"], 1);
        db.drop_db().await;
    }
}

#[tokio::test]
async fn starttls_with_credentials_from_the_environment() {
    let server = SmtpServer::start(SmtpOptions::starttls().with_auth("mailer", "s3cr3t-pw"));
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, server.certificate_pem()).unwrap();
    let email = format!(
        "[email]\nfrom = \"aivis@acme.test\"\ntransport = \"smtp\"\nhost = \"localhost\"\n\
         port = {}\ntls = \"starttls\"\nca_file = \"{}\"\nusername_env = \"TEST_SMTP_USER\"\n\
         password_env = \"TEST_SMTP_PASSWORD\"\n",
        server.port(),
        ca.display()
    );
    write_config(dir.path(), &db.url, &email);
    ingest_ai_fall(dir.path());
    aivis_ok(dir.path(), &["alerts", "notify", "--as-of", &as_of_fall()]);

    // Without the variables, delivery is refused naming the missing one.
    let out = aivis(dir.path(), &["outbox", "deliver"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("environment variable TEST_SMTP_USER is not set"),
        "{}",
        stderr(&out)
    );

    let out = aivis_command(dir.path(), &["outbox", "deliver"])
        .env("TEST_SMTP_USER", "mailer")
        .env("TEST_SMTP_PASSWORD", "s3cr3t-pw")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(!stdout(&out).contains("s3cr3t") && !stderr(&out).contains("s3cr3t"));
    let mail = &server.wait_for_messages(1, WAIT)[0];
    assert!(mail.tls, "sent over STARTTLS");
    assert_eq!(mail.auth_user.as_deref(), Some("mailer"));
    assert_eq!(
        number(
            &db.url,
            "SELECT COUNT(*) FROM outbox WHERE message LIKE '%s3cr3t%' OR last_error LIKE '%s3cr3t%'"
        )
        .await,
        0
    );
}

/// An app on `db` whose `[email]` sends to 127.0.0.1:`port`, with one mail queued.
async fn app_with_one_mail(db: &TestDb, port: u16, extra: &str) -> App {
    let dir = tempfile::tempdir().unwrap();
    let text = write_config(dir.path(), &db.url, &smtp_email(port, extra));
    let settings = aivis::config::parse(&text, Path::new("aivis.toml")).unwrap();
    let app = App::open(settings).await.unwrap();
    let recipients = ["team@acme.test".to_string()];
    let queued = service::queue_mail(&app, mail_to_queue("digest:acme:2026-W47", &recipients))
        .await
        .unwrap();
    assert!(queued);
    app
}

fn mail_to_queue<'a>(key: &str, recipients: &'a [String]) -> MailToQueue<'a> {
    MailToQueue {
        key: key.into(),
        site: "acme",
        kind: "digest",
        recipients,
        mail: RenderedMail {
            subject: "Weekly digest — acme".into(),
            text: "Numbers.".into(),
            html: "<p>Numbers.</p>".into(),
            images: Vec::new(),
        },
    }
}

/// One delivery run as the clock reads `now`.
async fn deliver_at(app: &App, now: i64) -> DeliveryReport {
    let email = &app.settings().email;
    let transport = Transport::from_config(email, &|_| None).unwrap();
    let policy = DeliveryPolicy::new(email.max_attempts, Duration::from_secs(2));
    deliver_due(
        app.store(),
        &transport,
        policy,
        &move || now,
        &CancellationToken::new(),
    )
    .await
    .unwrap()
}

async fn outbox_row(app: &App) -> aivis::store::OutboxEntry {
    app.store().outbox(None, None, 10).await.unwrap().remove(0)
}

#[tokio::test]
async fn a_server_that_is_down_gets_the_message_once_it_is_back() {
    let db = TestDb::sqlite().await;
    let mut server = SmtpServer::start(SmtpOptions::default());
    let app = app_with_one_mail(&db, server.port(), "").await;
    server.stop();
    let now = now_unix();

    let report = deliver_at(&app, now).await;
    assert_eq!((report.sent, report.retrying, report.failed), (0, 1, 0));
    let row = outbox_row(&app).await;
    assert_eq!((row.status.as_str(), row.attempts), ("queued", 1));
    assert!(row.next_attempt_at > now && row.next_attempt_at <= now + 30);
    assert!(row.last_error.is_some());

    // Not due yet: nothing is tried.
    let report = deliver_at(&app, now + 1).await;
    assert_eq!(report, DeliveryReport::default());

    server.restart();
    let report = deliver_at(&app, now + 31).await;
    assert_eq!(report.sent, 1);
    let report = deliver_at(&app, now + 3600).await;
    assert_eq!(report, DeliveryReport::default());
    assert_eq!(server.wait_for_messages(1, WAIT).len(), 1);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.messages().len(), 1, "delivered exactly once");
    let row = outbox_row(&app).await;
    assert_eq!((row.status.as_str(), row.attempts), ("sent", 2));
    app.close().await;
}

#[tokio::test]
async fn a_4xx_reply_is_retried_and_a_5xx_reply_is_not() {
    let db = TestDb::sqlite().await;
    let server = SmtpServer::start(SmtpOptions {
        temp_fail: 1,
        ..SmtpOptions::default()
    });
    let app = app_with_one_mail(&db, server.port(), "").await;
    let now = now_unix();
    let report = deliver_at(&app, now).await;
    assert_eq!(report.retrying, 1);
    assert!(outbox_row(&app).await.last_error.unwrap().contains("451"));
    assert_eq!(deliver_at(&app, now + 40).await.sent, 1);
    assert_eq!(server.wait_for_messages(1, WAIT).len(), 1);
    app.close().await;

    let db = TestDb::sqlite().await;
    let server = SmtpServer::start(SmtpOptions {
        reject: true,
        ..SmtpOptions::default()
    });
    let app = app_with_one_mail(&db, server.port(), "").await;
    let now = now_unix();
    let report = deliver_at(&app, now).await;
    assert_eq!((report.sent, report.retrying, report.failed), (0, 0, 1));
    let row = outbox_row(&app).await;
    assert_eq!(row.status, "failed");
    let error = row.last_error.unwrap();
    assert!(
        error.contains("550") && error.contains("rejected by test policy"),
        "{error}"
    );
    assert_eq!(
        deliver_at(&app, now + 86_400).await,
        DeliveryReport::default()
    );
    assert_eq!(outbox_row(&app).await.attempts, 1, "never tried again");
    app.close().await;
}

#[tokio::test]
async fn transient_failures_give_up_after_max_attempts() {
    let db = TestDb::sqlite().await;
    let mut server = SmtpServer::start(SmtpOptions::default());
    let app = app_with_one_mail(&db, server.port(), "max_attempts = 3").await;
    server.stop();
    let now = now_unix();
    for (i, expected) in [(0, (0, 1, 0)), (1, (0, 1, 0)), (2, (0, 0, 1))] {
        let report = deliver_at(&app, now + i * 7200).await;
        assert_eq!((report.sent, report.retrying, report.failed), expected);
    }
    let row = outbox_row(&app).await;
    assert_eq!((row.status.as_str(), row.attempts), ("failed", 3));

    // `outbox retry` makes it due again with a fresh count.
    assert_eq!(service::retry_outbox(&app, None).await.unwrap(), 1);
    server.restart();
    assert_eq!(deliver_at(&app, now_unix()).await.sent, 1);
    app.close().await;
}

#[tokio::test]
async fn a_delivering_process_killed_mid_attempt_loses_nothing_and_sends_once() {
    let db = TestDb::sqlite().await;
    // A server that accepts connections and never says a word: the attempt hangs.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &db.url,
        &smtp_email(silent_port, "timeout_seconds = 60"),
    );
    let app = {
        let text = std::fs::read_to_string(dir.path().join("aivis.toml")).unwrap();
        let settings = aivis::config::parse(&text, Path::new("aivis.toml")).unwrap();
        App::open(settings).await.unwrap()
    };
    let recipients = ["team@acme.test".to_string()];
    service::queue_mail(&app, mail_to_queue("alerts:acme:1", &recipients))
        .await
        .unwrap();

    let mut child = aivis_command(dir.path(), &["outbox", "deliver"])
        .spawn()
        .unwrap();
    let _connection = silent.accept().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    let row = outbox_row(&app).await;
    assert_eq!(
        (row.status.as_str(), row.attempts),
        ("sending", 1),
        "claimed, not lost"
    );

    // Another run while the claim holds leaves it alone; once it expires the message is sent
    // to the server that works, once.
    let server = SmtpServer::start(SmtpOptions::default());
    let text = write_config(dir.path(), &db.url, &smtp_email(server.port(), ""));
    let settings = aivis::config::parse(&text, Path::new("aivis.toml")).unwrap();
    let working = App::open(settings).await.unwrap();
    assert_eq!(
        deliver_at(&working, now_unix()).await,
        DeliveryReport::default()
    );
    assert_eq!(deliver_at(&working, now_unix() + 3600).await.sent, 1);
    assert_eq!(
        deliver_at(&working, now_unix() + 7200).await,
        DeliveryReport::default()
    );
    assert_eq!(server.wait_for_messages(1, WAIT).len(), 1);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.messages().len(), 1);
    app.close().await;
    working.close().await;
}

#[tokio::test]
async fn queuing_a_key_twice_stores_one_message_on_both_backends() {
    for db in TestDb::both().await {
        let app = app_with_one_mail(&db, 25, "").await;
        let recipients = ["team@acme.test".to_string()];
        let again = service::queue_mail(&app, mail_to_queue("digest:acme:2026-W47", &recipients))
            .await
            .unwrap();
        assert!(!again, "{}", db.name);
        assert_eq!(number(&db.url, "SELECT COUNT(*) FROM outbox").await, 1);
        app.close().await;
        db.drop_db().await;
    }
}

#[tokio::test]
async fn a_resolution_is_mailed_once() {
    let db = TestDb::sqlite().await;
    let server = SmtpServer::start(SmtpOptions::default());
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &db.url, &smtp_email(server.port(), ""));
    let mut log = String::new();
    for day in 0..42 {
        let converting = if (28..35).contains(&day) { 1 } else { 4 };
        day_lines(day, 40, converting, &mut log);
    }
    let path = dir.path().join("access.log");
    std::fs::write(&path, &log).unwrap();
    aivis_ok(dir.path(), &["ingest", path.to_str().unwrap()]);

    aivis_ok(dir.path(), &["alerts", "notify", "--as-of", &as_of_fall()]);
    let recovered = aivis::day::day_text((FIRST_DAY + 41) * 86_400);
    let told = aivis_ok(dir.path(), &["alerts", "notify", "--as-of", &recovered]);
    assert!(told.contains("resolution(s)"), "{told}");
    let again = aivis_ok(dir.path(), &["alerts", "notify", "--as-of", &recovered]);
    assert!(again.contains("nothing new to tell"), "{again}");
    aivis_ok(dir.path(), &["outbox", "deliver"]);

    let mails = server.wait_for_messages(2, WAIT);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.messages().len(), 2);
    let subject = |i: usize| {
        mailparse::parse_mail(&mails[i].data)
            .unwrap()
            .headers
            .get_first_value("Subject")
            .unwrap()
    };
    assert!(
        subject(0).starts_with("AI visitors convert 75% less"),
        "{}",
        subject(0)
    );
    assert!(
        subject(1).starts_with("Resolved: AI visitors convert 75% less"),
        "{}",
        subject(1)
    );
    let body = mailparse::parse_mail(&mails[1].data).unwrap().subparts[0]
        .get_body()
        .unwrap();
    assert!(body.contains("back within the usual range since"), "{body}");
}
