//! `aivis digest` end to end: queued once per site and period on both backends, delivered to
//! a real SMTP server with its charts as inline PNGs (decoded here), its text and HTML parts
//! telling the same numbers; a preview whose hostile landing paths are escaped renders in
//! headless Chromium at 375 and 800 px without a console message or a broken image.

mod common;

use std::path::Path;
use std::time::Duration;

use common::smtp::{SmtpOptions, SmtpServer};
use common::{
    BROWSER, FIRST_DAY, TestDb, aivis, aivis_ok, combined_line, day_lines, stderr, stdout,
};
use mailparse::{MailHeaderMap, ParsedMail};

/// `dir/aivis.toml`: site acme with a digest for two people, mail to 127.0.0.1:`port`.
fn write_config(dir: &Path, database_url: &str, port: u16) {
    let config = format!(
        "database_url = \"{database_url}\"\n\
         [email]\nfrom = \"aivis <aivis@acme.test>\"\ntransport = \"smtp\"\nhost = \"127.0.0.1\"\n\
         port = {port}\ntls = \"none\"\n\
         [[sites]]\nname = \"acme\"\nhosts = [\"www.acme.test\", \"acme.test\"]\n\
         digest_to = [\"team@acme.test\", \"Ana Lyst <ana@acme.test>\"]\n\
         [[sites.goals]]\nname = \"purchase\"\npath = \"^/checkout/complete\"\nkind = \"macro\"\n"
    );
    std::fs::write(dir.join("aivis.toml"), config).unwrap();
}

/// Five weeks of AI and search traffic, and a few AI visits to hostile landing paths.
fn ingest(dir: &Path) {
    let mut log = String::new();
    for day in 0..35 {
        day_lines(day, 40, if day < 28 { 4 } else { 1 }, &mut log);
    }
    let ts = (FIRST_DAY + 33) * 86_400 + 80_000;
    for (i, path) in [
        "/<script>alert(1)</script>",
        "/\"><img src=x onerror=alert(2)>",
        "/\u{202E}gnp.exe",
    ]
    .iter()
    .enumerate()
    {
        let ip = format!("12.0.0.{i}");
        log.push_str(&combined_line(
            &ip,
            ts + i as i64,
            path,
            "https://chatgpt.com/",
            BROWSER,
        ));
    }
    let file = dir.join("access.log");
    std::fs::write(&file, log).unwrap();
    let out = aivis(dir, &["ingest", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A Tuesday: the digest covers the full week before it (days 27 to 33).
fn as_of() -> String {
    aivis::day::day_text((FIRST_DAY + 35) * 86_400)
}

fn find_part<'a>(mail: &'a ParsedMail<'a>, mimetype: &str) -> Vec<&'a ParsedMail<'a>> {
    let mut found = Vec::new();
    if mail.ctype.mimetype == mimetype {
        found.push(mail);
    }
    for part in &mail.subparts {
        found.extend(find_part(part, mimetype));
    }
    found
}

/// `6.9% (4.3–11.1%)`-style figures in a text.
fn rates(text: &str) -> Vec<String> {
    let re = regex::Regex::new(r"\d+\.\d% \(\d+\.\d–\d+\.\d%\)").unwrap();
    re.find_iter(text).map(|m| m.as_str().to_string()).collect()
}

#[tokio::test]
async fn a_digest_is_queued_once_and_arrives_with_its_charts_on_both_backends() {
    for db in TestDb::both().await {
        let server = SmtpServer::start(SmtpOptions::default());
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), &db.url, server.port());
        ingest(dir.path());

        let first = aivis_ok(
            dir.path(),
            &["digest", "--queue", "--as-of", &as_of(), "--format", "json"],
        );
        let first: serde_json::Value = serde_json::from_str(&first).unwrap();
        let week = aivis::analysis::windows::iso_week(FIRST_DAY + 28).1;
        assert_eq!(
            first[0]["key"],
            format!("digest:acme:{week}"),
            "{}",
            db.name
        );
        assert_eq!(first[0]["queued"], true);
        let again = aivis_ok(dir.path(), &["digest", "--queue", "--as-of", &as_of()]);
        assert!(
            again.contains("was queued before: nothing new queued"),
            "{again}"
        );
        assert_eq!(
            common::number(&db.url, "SELECT COUNT(*) FROM outbox").await,
            1
        );

        aivis_ok(dir.path(), &["outbox", "deliver"]);
        let received = &server.wait_for_messages(1, Duration::from_secs(10))[0];
        assert_eq!(received.rcpt_tos, ["team@acme.test", "ana@acme.test"]);
        let mail = mailparse::parse_mail(&received.data).unwrap();
        let subject = mail.headers.get_first_value("Subject").unwrap();
        assert!(
            subject.starts_with("AI visitors converted")
                && subject.ends_with(&format!("— acme, {week}")),
            "{}: {subject}",
            db.name
        );
        assert_eq!(mail.ctype.mimetype, "multipart/alternative");
        assert_eq!(mail.subparts[0].ctype.mimetype, "text/plain");
        assert_eq!(mail.subparts[1].ctype.mimetype, "multipart/related");
        let html = find_part(&mail, "text/html")[0].get_body().unwrap();
        let text = mail.subparts[0].get_body().unwrap();

        let images = find_part(&mail, "image/png");
        assert_eq!(
            images.len(),
            1,
            "the conversion chart (no prompt checks: no mention chart)"
        );
        let image = images[0];
        let cid = image.headers.get_first_value("Content-ID").unwrap();
        let cid = cid.trim_matches(|c| c == '<' || c == '>');
        assert!(html.contains(&format!("src=\"cid:{cid}\"")), "{html}");
        let png = image.get_body_raw().unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().expect("the chart decodes as PNG");
        assert_eq!((reader.info().width, reader.info().height), (600, 300));
        assert!(html.contains("alt=\"Conversion rate per week, 12 weeks"));

        // Both parts tell the same rates, in the same order, and the same visits.
        let (text_rates, html_rates) = (rates(&text), rates(&html));
        assert!(text_rates.len() >= 4, "{text}");
        assert_eq!(text_rates, html_rates, "{}", db.name);
        // 40 AI visits a day and two hostile ones (the path with spaces breaks its request
        // line and is skipped as malformed), against 40 a day the week before.
        assert!(
            text.contains("AI assistants: 282 (280 before) visits"),
            "{text}"
        );
        assert!(html.contains("282 (280 before)"), "{html}");
        assert!(
            !text.contains('\u{202E}'),
            "no bidi override reaches the mail"
        );
        db.drop_db().await;
    }
}

#[tokio::test]
async fn a_preview_escapes_hostile_paths_and_renders_in_chromium() {
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &db.url, 25);
    ingest(dir.path());
    let preview = dir.path().join("digest.html");
    let out = aivis_ok(
        dir.path(),
        &[
            "digest",
            "--preview",
            preview.to_str().unwrap(),
            "--as-of",
            &as_of(),
        ],
    );
    for file in ["digest.html", "digest-conversion.png", "digest.eml"] {
        assert!(out.contains(file), "{out}");
        assert!(dir.path().join(file).exists(), "{file}");
    }
    let html = std::fs::read_to_string(&preview).unwrap();
    assert!(
        !html.contains("<script>alert"),
        "escaped: no script from a log"
    );
    assert!(!html.contains("<img src=x"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;"),
        "the path is shown as text"
    );

    let shots = dir.path().join("shots");
    let run = std::process::Command::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tools/digest_screenshot.sh"
    ))
    .args([preview.to_str().unwrap(), shots.to_str().unwrap()])
    .output()
    .expect("run tools/digest_screenshot.sh");
    assert!(
        run.status.success(),
        "chromium (apt-get install chromium): {}{}",
        stdout(&run),
        stderr(&run)
    );
    for width in [375, 800] {
        let png = std::fs::read(shots.join(format!("digest-{width}.png"))).unwrap();
        let reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        assert_eq!(reader.info().width, width);
    }
}

#[test]
fn a_digest_shows_brand_visibility_from_prompt_checks() {
    // The demo asks its prompts today: a digest of today shows what the engines said.
    let dir = tempfile::tempdir().unwrap();
    let demo = aivis(dir.path(), &["demo", "--db", "demo.db"]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    let config = "database_url = \"sqlite://demo.db\"\n\
         [[sites]]\nname = \"acme\"\nhosts = [\"www.acme.test\", \"acme.test\"]\n\
         [sites.brand]\nname = \"Acme\"\ndomains = [\"acme.test\"]\n\
         [[sites.competitors]]\nname = \"Globex\"\ndomains = [\"globex.test\"]\n";
    std::fs::write(dir.path().join("aivis.toml"), config).unwrap();
    let today = aivis::day::day_text(aivis::day::now_unix());
    let out = aivis_ok(
        dir.path(),
        &[
            "digest",
            "--period",
            "day",
            "--as-of",
            &today,
            "--preview",
            "today.html",
        ],
    );
    assert!(out.contains("wrote today-mentions.png"), "{out}");
    let html = std::fs::read_to_string(dir.path().join("today.html")).unwrap();
    for section in [
        "Answers naming the brand",
        "Answers citing your site",
        "Share of voice",
        "Most cited domains",
    ] {
        assert!(html.contains(section), "{section}");
    }
    assert!(html.contains("alt=\"Answers naming Acme, per engine and week"));
    assert!(html.contains("replay-demo"));
}
