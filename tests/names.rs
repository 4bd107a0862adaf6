//! A mistyped name never gives silent zeros: every flag that names a site, goal, engine or
//! prompt (and a library query's `site`/`goal` parameters) refuses an unknown name with exit
//! code 2 and a message naming the known ones. Known sites and goals are the configured ones
//! plus those in the stored history: a site removed from the config can still be reported on.
//! Run through the `aivis` binary on SQLite and PostgreSQL.

mod common;

use common::{TestDb, stderr};
use std::path::Path;
use std::process::Output;

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0";

fn aivis(dir: &Path, args: &[&str]) -> Output {
    common::aivis_command(dir, args)
        .env_remove("AIVIS_TEST_UNSET_KEY")
        .output()
        .expect("run aivis")
}

/// Runs `args` and expects success.
fn ok(dir: &Path, args: &[&str]) -> Output {
    let out = aivis(dir, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    out
}

/// Runs `args` and expects exit code 2 with every one of `needles` in the message.
fn refused(backend: &str, dir: &Path, args: &[&str], needles: &[&str]) {
    let out = aivis(dir, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{backend} {args:?}: {err}");
    for needle in needles {
        assert!(
            err.contains(needle),
            "{backend} {args:?}: {needle:?} not in {err}"
        );
    }
}

const ACME: &str = "[[sites]]\nname = \"acme\"\nhosts = [\"www.acme.test\"]\n\
    [[sites.goals]]\nname = \"purchase\"\npath = \"^/checkout/complete\"\nkind = \"macro\"\n\
    [[sites.goals]]\nname = \"newsletter\"\npath = \"^/newsletter/thanks\"\nkind = \"micro\"\n";
const OLDSHOP: &str = "[[sites]]\nname = \"oldshop\"\n\
    [[sites.goals]]\nname = \"signup\"\npath = \"^/signup\"\nkind = \"macro\"\n";

/// Writes `aivis.toml` with `sites` and two engines (a replay engine and one never asked).
fn write_config(dir: &Path, database_url: &str, sites: &str) {
    let answers = dir.join("answers.ndjson");
    std::fs::write(&answers, aivis::demo::checks::REPLAY_ANSWERS).unwrap();
    let config = format!(
        "database_url = \"{database_url}\"\n{sites}\
         [[engines]]\nname = \"recorded\"\nkind = \"replay\"\npath = {:?}\nsamples = 1\n\
         [[engines]]\nname = \"claude\"\nkind = \"anthropic\"\nmodel = \"m\"\n\
         api_key_env = \"AIVIS_TEST_UNSET_KEY\"\n",
        answers.display().to_string()
    );
    std::fs::write(dir.join("aivis.toml"), config).unwrap();
}

/// A visit from ChatGPT that reaches `goal_path`, as one combined log.
fn visit_log(dir: &Path, name: &str, goal_path: &str) {
    let line = |time: &str, path: &str, referrer: &str| {
        format!(
            "203.0.113.9 - - [10/Nov/2026:10:{time} +0000] \"GET {path} HTTP/1.1\" 200 512 \
             \"{referrer}\" \"{BROWSER}\"\n"
        )
    };
    let log = line("00:00", "/pricing", "https://chatgpt.com/") + &line("01:00", goal_path, "-");
    std::fs::write(dir.join(name), log).unwrap();
}

fn scenario(db: &TestDb) {
    let name = db.name;
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();

    // Nothing configured and nothing stored: said so.
    write_config(dir, &db.url, "");
    refused(
        name,
        dir,
        &["report", "conversions", "--site", "acme"],
        &[
            "no site named \"acme\": no [[sites]] are configured in aivis.toml and the database has no data yet",
        ],
    );

    // History for acme and for oldshop, which is then removed from the config.
    write_config(dir, &db.url, &format!("{ACME}{OLDSHOP}"));
    visit_log(dir, "acme.log", "/checkout/complete");
    visit_log(dir, "old.log", "/signup");
    ok(dir, &["ingest", "--site", "acme", "acme.log"]);
    ok(dir, &["ingest", "--site", "oldshop", "old.log"]);
    ok(
        dir,
        &[
            "prompts",
            "add",
            "--site",
            "acme",
            "Acme vs Globex for an online shop",
        ],
    );
    ok(
        dir,
        &[
            "prompts",
            "add",
            "--site",
            "acme",
            "Is Acme GDPR compliant?",
        ],
    );
    write_config(dir, &db.url, ACME);

    // A site or goal only in the stored history is known: reported, not refused.
    let out = ok(
        dir,
        &[
            "report",
            "conversions",
            "--site",
            "oldshop",
            "--goal",
            "signup",
            "--format",
            "json",
        ],
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 1, "{name}: {rows:?}");
    assert_eq!(
        (&rows[0]["sessions"], &rows[0]["conversions"]),
        (&1.into(), &1.into()),
        "{name}"
    );
    ok(dir, &["prompts", "list", "--site", "oldshop"]);
    ok(
        dir,
        &[
            "query",
            "conversions_by_channel",
            "--param",
            "site=oldshop",
            "--param",
            "goal=signup",
        ],
    );

    let sites = "no site named \"acmee\"; sites: acme; only in the stored history: oldshop";
    for report in [
        "conversions",
        "crawlers",
        "ai-pages",
        "referrers",
        "mentions",
        "citations",
        "visibility",
    ] {
        refused(name, dir, &["report", report, "--site", "acmee"], &[sites]);
    }
    refused(
        name,
        dir,
        &["report", "conversions", "--goal", "purchse"],
        &[
            "no goal named \"purchse\"; goals: purchase, newsletter; only in the stored history: signup",
        ],
    );
    refused(
        name,
        dir,
        &[
            "report",
            "conversions",
            "--site",
            "acme",
            "--goal",
            "purchse",
        ],
        &["no goal named \"purchse\" for site acme; goals: purchase, newsletter"],
    );
    refused(name, dir, &["prompts", "list", "--site", "acmee"], &[sites]);
    refused(
        name,
        dir,
        &["query", "conversions_by_source", "--param", "site=acmee"],
        &[sites],
    );
    refused(
        name,
        dir,
        &[
            "query",
            "conversions_by_channel",
            "--param",
            "site=acme",
            "--param",
            "goal=purchse",
        ],
        &["no goal named \"purchse\" for site acme; goals: purchase, newsletter"],
    );
    // An analyst's own SQL file means what it likes by its parameters.
    std::fs::write(
        dir.join("mine.sql"),
        "-- params: site\nSELECT :site AS site\n",
    )
    .unwrap();
    ok(dir, &["query", "mine.sql", "--param", "site=acmee"]);

    // Commands that need the site's config name the configured sites.
    std::fs::write(dir.join("p.csv"), "text\nBest CRM?\n").unwrap();
    for args in [
        &["prompts", "add", "--site", "acmee", "Best CRM?"][..],
        &["prompts", "import", "--site", "acmee", "p.csv"],
        &["check", "--site", "acmee"],
        &["rescore", "--site", "acmee"],
        &["ingest", "--site", "acmee", "acme.log"],
    ] {
        refused(
            name,
            dir,
            args,
            &["no site named \"acmee\"", "configured: acme"],
        );
    }

    let engines = "no engine named \"gtp\"; engines: recorded, claude";
    refused(name, dir, &["check", "--engine", "gtp"], &[engines]);
    refused(
        name,
        dir,
        &["prompts", "add", "--engine", "gtp", "Best CRM?"],
        &[engines],
    );

    let prompts = "no active prompt 99; active prompts: 1, 2";
    // Named before the missing key of `claude`: the typo is what to fix first.
    refused(name, dir, &["check", "--prompt", "99"], &[prompts]);
    refused(name, dir, &["prompts", "remove", "99"], &[prompts]);
    ok(dir, &["prompts", "remove", "2"]);
    refused(
        name,
        dir,
        &["prompts", "remove", "2"],
        &["no active prompt 2; active prompts: 1"],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_names_exit_2_naming_the_known_ones_on_both_backends() {
    for db in TestDb::both().await {
        scenario(&db);
        db.drop_db().await;
    }
}
