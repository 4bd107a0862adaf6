//! An API key echoed back never reaches the database, the terminal or a program reading
//! `--json`. Loopback servers play a provider or proxy that echoes every request header
//! (`Authorization: Bearer` for openai_chat, `x-api-key` for anthropic, `x-goog-api-key` for
//! gemini) in a JSON error message, in a JSON error body, in a 500 that is retried, in a plain
//! text error and in a 200 answer's text. The real `aivis check` binary runs against them with
//! its table and `--json` output; then stdout, stderr and everything stored (the SQLite file
//! with its `-wal`/`-shm` files byte by byte; every PostgreSQL table's rows as text) are
//! searched for the key, and `[redacted]` must stand where the echo was. Both backends.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use aivis::report::library::prepare;
use aivis::report::table::Value;
use aivis::store::Store;
use common::TestDb;
use sqlx::{Connection, Row};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "sk-test-SECRET-7f3a9c";
/// Pieces of the key that must not appear anywhere either (a key cut short is still a leak).
const KEY_PIECES: [&str; 3] = [KEY, "SECRET", "7f3a9c"];
const KEY_VAR: &str = "AIVIS_REDACTION_TEST_KEY";
const MODEL: &str = "test-model";
const PROMPT: &str = "Which project management tool suits a small team?";

/// An engine kind: its API root and route below the engine's prefix, and how it sends the key.
struct Kind {
    name: &'static str,
    root: &'static str,
    route: &'static str,
    header: &'static str,
    /// What precedes the key in the header's value.
    scheme: &'static str,
}

const KINDS: [Kind; 3] = [
    Kind {
        name: "openai_chat",
        root: "/v1",
        route: "/chat/completions",
        header: "authorization",
        scheme: "Bearer ",
    },
    Kind {
        name: "anthropic",
        root: "/v1",
        route: "/messages",
        header: "x-api-key",
        scheme: "",
    },
    Kind {
        name: "gemini",
        root: "/v1beta",
        route: "/models/test-model:generateContent",
        header: "x-goog-api-key",
        scheme: "",
    },
];

/// How the server echoes the request's headers; the engine is named `<kind>-<echo>`.
#[derive(Clone, Copy, PartialEq)]
enum Echo {
    /// 401 with `{"error": {"message": "… authorization: Bearer …"}}`.
    JsonMessage,
    /// 403 with `{"error": "forbidden", "request_headers": {…}}` (no message: the body is kept).
    JsonBody,
    /// 500 every time (with `Retry-After: 0`), so every attempt is used and the last kept.
    Retried,
    /// 400 with the headers as plain text lines.
    Text,
    /// A 200 in the kind's documented shape whose answer text holds the headers.
    Answer,
}

impl Echo {
    const ALL: [Echo; 5] = [
        Echo::JsonMessage,
        Echo::JsonBody,
        Echo::Retried,
        Echo::Text,
        Echo::Answer,
    ];

    fn name(self) -> &'static str {
        match self {
            Echo::JsonMessage => "json_message",
            Echo::JsonBody => "json_body",
            Echo::Retried => "retried",
            Echo::Text => "text",
            Echo::Answer => "answer",
        }
    }

    fn from_name(name: &str) -> Echo {
        *Echo::ALL.iter().find(|e| e.name() == name).unwrap()
    }

    /// What must stand where the key's header was echoed.
    fn marker(self, kind: &Kind) -> String {
        match self {
            // Masked after the header's name, whoever the value belongs to.
            Echo::JsonMessage | Echo::Retried | Echo::Text => {
                format!("{}: {}[redacted]", kind.header, kind.scheme)
            }
            Echo::JsonBody => format!("\"{}\":\"[redacted]\"", kind.header),
            // The header's whole value (scheme and key) is one of aivis's secrets.
            Echo::Answer => format!("{}: [redacted]", kind.header),
        }
    }
}

fn kind_named(name: &str) -> &'static Kind {
    KINDS.iter().find(|k| k.name == name).unwrap()
}

/// Every request header as (name, value), the kind's key header first.
fn headers(request: &Request, kind: &Kind) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_string(), value)
        })
        .collect();
    headers.sort_by_key(|(name, _)| (name != kind.header, name.clone()));
    headers
}

/// The server's answer to any request: an echo chosen by the engine named in the path.
fn respond(request: &Request) -> ResponseTemplate {
    let engine = request.url.path().split('/').nth(1).unwrap_or_default();
    let (kind, echo) = engine.split_once('-').unwrap();
    let (kind, echo) = (kind_named(kind), Echo::from_name(echo));
    let headers = headers(request, kind);
    let lines = |separator: &str| {
        headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}"))
            .collect::<Vec<_>>()
            .join(separator)
    };
    let json = |status: u16, body: String| {
        ResponseTemplate::new(status).set_body_raw(body, "application/json")
    };
    let message = |text: String| serde_json::json!({"error": {"message": text}}).to_string();
    match echo {
        Echo::JsonMessage => json(
            401,
            message(format!(
                "invalid credentials; request headers: {}",
                lines("; ")
            )),
        ),
        Echo::JsonBody => {
            let object: Vec<String> = headers
                .iter()
                .map(|(name, value)| format!("{}:{}", quoted(name), quoted(value)))
                .collect();
            json(
                403,
                format!(
                    "{{\"error\":\"forbidden\",\"request_headers\":{{{}}}}}",
                    object.join(",")
                ),
            )
        }
        Echo::Retried => json(
            500,
            message(format!("upstream failed; request headers: {}", lines("; "))),
        )
        .insert_header("retry-after", "0"),
        Echo::Text => ResponseTemplate::new(400)
            .set_body_raw(format!("Bad Request\n{}\n", lines("\n")), "text/plain"),
        Echo::Answer => json(
            200,
            answer_body(kind, &format!("Acme fits. Debug echo: {}", lines("\n"))),
        ),
    }
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// A successful response of `kind` (its documented shape) answering `text`.
fn answer_body(kind: &Kind, text: &str) -> String {
    let body = match kind.name {
        "openai_chat" => serde_json::json!({
            "model": MODEL,
            "choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant", "content": text,
                "annotations": [{"type": "url_citation", "url_citation": {
                    "url": format!("https://proxy.example/echo?key={KEY}")}}]}}]
        }),
        "anthropic" => serde_json::json!({
            "type": "message", "role": "assistant", "model": MODEL,
            "content": [{"type": "text", "text": text}], "stop_reason": "end_turn"
        }),
        _ => serde_json::json!({
            "candidates": [{"content": {"parts": [{"text": text}], "role": "model"},
                            "finishReason": "STOP"}],
            "modelVersion": MODEL
        }),
    };
    body.to_string()
}

fn write_config(dir: &Path, database_url: &str, server: &str) {
    let mut config = format!(
        "database_url = \"{database_url}\"\n\
         [[sites]]\nname = \"acme\"\n[sites.brand]\nname = \"Acme\"\ndomains = [\"acme.test\"]\n"
    );
    for kind in &KINDS {
        for echo in Echo::ALL {
            let name = format!("{}-{}", kind.name, echo.name());
            config.push_str(&format!(
                "[[engines]]\nname = \"{name}\"\nkind = \"{}\"\nmodel = \"{MODEL}\"\n\
                 base_url = \"{server}/{name}{}\"\napi_key_env = \"{KEY_VAR}\"\nsamples = 1\n\
                 requests_per_minute = 6000\ntimeout_seconds = 10\n",
                kind.name, kind.root
            ));
        }
    }
    std::fs::write(dir.join("aivis.toml"), config).unwrap();
}

/// Runs the binary in `dir` with the key in its environment (off the async runtime).
async fn aivis(dir: &Path, args: &[&str]) -> Output {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_aivis"))
            .args(&args)
            .current_dir(&dir)
            .env_remove("AIVIS_CONFIG")
            .env_remove("AIVIS_DATABASE_URL")
            .env(KEY_VAR, KEY)
            .stdin(Stdio::null())
            .output()
            .expect("run aivis")
    })
    .await
    .unwrap()
}

fn assert_no_key(what: &str, text: &str) {
    for piece in KEY_PIECES {
        assert!(!text.contains(piece), "{what} holds {piece:?}: {text}");
    }
}

/// Runs `aivis check` (with `extra` flags) and checks what it printed; returns stdout.
async fn check(dir: &Path, backend: &str, extra: &[&str]) -> String {
    let mut args = vec!["check"];
    args.extend_from_slice(extra);
    let out = aivis(dir, &args).await;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    );
    let at = format!("{backend} check {extra:?}");
    // The failing engines answered nothing: exit 1, after the run is stored and summarised.
    assert_eq!(out.status.code(), Some(1), "{at}: {stderr}");
    assert!(stderr.contains("no answer from"), "{at}: {stderr}");
    assert_no_key(&format!("{at} stdout"), &stdout);
    assert_no_key(&format!("{at} stderr"), &stderr);
    assert!(stdout.contains("[redacted]"), "{at}: {stdout}");
    stdout
}

/// Every stored answer: (engine, status, attempts, error, text, model), two runs' worth.
async fn stored_answers(url: &str) -> Vec<Vec<Value>> {
    let store = Store::connect(url).await.unwrap();
    let sql = "SELECT engine, status, attempts, error, text, model FROM answers \
               ORDER BY engine, run_id";
    let table = store.run_own_sql(&prepare(sql), &[]).await.unwrap();
    store.close().await;
    table.rows
}

/// Everything the database holds, as text: the SQLite file and its WAL and shared-memory
/// files byte by byte, or every PostgreSQL table's rows.
async fn everything_stored(db: &TestDb) -> String {
    if let Some(path) = db.url.strip_prefix("sqlite://") {
        let mut bytes = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            if let Ok(file) = std::fs::read(format!("{path}{suffix}")) {
                bytes.extend(file);
            }
        }
        assert!(!bytes.is_empty(), "no SQLite file at {path}");
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(tables.iter().any(|t| t == "answers"), "{tables:?}");
    let mut text = String::new();
    for table in tables {
        let sql = format!("SELECT t::text FROM \"{table}\" t");
        for row in sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut conn)
            .await
            .unwrap()
        {
            text.push_str(&row.get::<String, _>(0));
            text.push('\n');
        }
    }
    conn.close().await.unwrap();
    text
}

async fn check_backend(db: TestDb) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(respond)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &db.url, &server.uri());
    let add = aivis(dir.path(), &["prompts", "add", PROMPT]).await;
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );

    check(dir.path(), db.name, &[]).await;
    let json = check(dir.path(), db.name, &["--json"]).await;
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    let failures = summary["failures"].as_array().unwrap();
    assert!(!failures.is_empty(), "{summary}");
    for failure in failures {
        assert!(
            failure.as_str().unwrap().contains("[redacted]"),
            "{}: {failure}",
            db.name
        );
    }

    // Every request carried the key, so every echo held it.
    let requests = server.received_requests().await.unwrap();
    // Per run and kind: 4 engines asked once, the 500 one 4 times (the default attempts).
    assert_eq!(requests.len(), 2 * KINDS.len() * (4 + 4), "{}", db.name);
    for request in &requests {
        let engine = request.url.path().split('/').nth(1).unwrap();
        let kind = kind_named(engine.split_once('-').unwrap().0);
        let documented = format!("/{engine}{}{}", kind.root, kind.route);
        assert_eq!(request.url.path(), documented);
        let sent = request.headers.get(kind.header).unwrap().to_str().unwrap();
        assert_eq!(sent, format!("{}{KEY}", kind.scheme), "{engine}");
    }

    let answers = stored_answers(&db.url).await;
    assert_eq!(
        answers.len(),
        2 * KINDS.len() * Echo::ALL.len(),
        "{}",
        db.name
    );
    for row in &answers {
        let engine = row[0].as_str().unwrap();
        let (kind, echo) = engine.split_once('-').unwrap();
        let (kind, echo) = (kind_named(kind), Echo::from_name(echo));
        let at = format!("{} {engine}: {row:?}", db.name);
        let (status, attempts) = (row[1].as_str().unwrap(), row[2].as_i64().unwrap());
        let echoed = if echo == Echo::Answer {
            assert_eq!((status, attempts), ("ok", 1), "{at}");
            assert_eq!(row[5].as_str(), Some(MODEL), "{at}");
            row[4].as_str().unwrap()
        } else {
            let expected = if echo == Echo::Retried { 4 } else { 1 };
            assert_eq!((status, attempts), ("failed", expected), "{at}");
            row[3].as_str().unwrap()
        };
        assert!(echoed.contains(&echo.marker(kind)), "{at}");
    }

    let stored = everything_stored(&db).await;
    assert_no_key(&format!("{} database", db.name), &stored);
    assert!(stored.contains("[redacted]"), "{}", db.name);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_echoed_api_key_is_never_stored_or_printed_on_both_backends() {
    let [sqlite, postgres]: [TestDb; 2] = TestDb::both().await.try_into().ok().unwrap();
    tokio::join!(check_backend(sqlite), check_backend(postgres));
}
