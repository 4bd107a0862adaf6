//! The operations' checks, run against an `App` on a fresh SQLite file: what each refuses,
//! with which kind, and that a checked request runs.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use super::*;
use crate::report::{ConversionsBy, Filters, MentionsBy};

const CONFIG: &str = "[[sites]]\nname = \"acme\"\nhosts = [\"www.acme.test\"]\n\
    [[sites.goals]]\nname = \"purchase\"\npath = \"^/buy\"\nkind = \"macro\"\n\
    [[sites]]\nname = \"globex\"\n\
    [[engines]]\nname = \"gpt\"\nkind = \"openai_chat\"\nmodel = \"m\"\napi_key_env = \"X_KEY\"\n";

/// An `App` on a new SQLite file in `dir`, with the sites and engine of `config`.
async fn app_with(dir: &Path, config: &str) -> App {
    let mut settings = crate::config::parse(config, Path::new("aivis.toml")).unwrap();
    settings.source = Some("aivis.toml".into());
    settings.database_url = format!("sqlite://{}", dir.join("aivis.db").display());
    App::open(settings).await.unwrap()
}

fn request(kind: ReportKind, filters: Filters) -> ReportRequest {
    ReportRequest { kind, filters }
}

fn site(name: &str) -> Filters {
    Filters {
        site: Some(name.into()),
        ..Filters::default()
    }
}

#[tokio::test]
async fn reports_refuse_unknown_sites_and_goals_as_not_found_naming_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(dir.path(), CONFIG).await;
    let conversions = ReportKind::Conversions(ConversionsBy::Channel);

    let err = report(&app, request(conversions, site("acmee")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        matches!(&err, ServiceError::Name(UnknownName::Site { configured, .. })
            if configured == &["acme", "globex"]),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "no site named \"acmee\"; sites: acme, globex"
    );

    let goal = Filters {
        goal: Some("purchse".into()),
        ..site("acme")
    };
    let err = report(&app, request(conversions, goal)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.to_string(),
        "no goal named \"purchse\" for site acme; goals: purchase"
    );
    app.close().await;
}

#[tokio::test]
async fn reports_refuse_bad_days_limits_and_misplaced_goals_as_usage() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(dir.path(), CONFIG).await;
    let mentions = ReportKind::Mentions(MentionsBy::Engine);

    let bad_day = Filters {
        to: Some("2026-02-30".into()),
        ..Filters::default()
    };
    let err = report(&app, request(mentions, bad_day)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage);
    assert_eq!(
        err.to_string(),
        "--to \"2026-02-30\" is not a date in the form YYYY-MM-DD"
    );

    let no_rows = Filters {
        limit: Some(0),
        ..Filters::default()
    };
    let err = report(&app, request(ReportKind::AiPages, no_rows))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage, "{err}");

    let goal = Filters {
        goal: Some("purchase".into()),
        ..Filters::default()
    };
    let err = report(&app, request(mentions, goal)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage, "{err}");
    app.close().await;
}

#[tokio::test]
async fn a_site_known_only_from_the_stored_history_can_be_reported_on() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(dir.path(), CONFIG).await;
    let added = add_prompt(
        &app,
        AddPrompt {
            site: Some("globex".into()),
            text: "Best CRM?".into(),
            ..AddPrompt::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(added.site, "globex");
    app.close().await;

    // globex is no longer configured, but its prompt is stored.
    let only_acme = CONFIG
        .split("[[sites]]\nname = \"globex\"\n")
        .collect::<String>();
    let app = app_with(dir.path(), &only_acme).await;
    let visibility = ReportKind::Visibility;
    let table = report(&app, request(visibility, site("globex")))
        .await
        .unwrap();
    assert!(table.column("prompt").is_some(), "{:?}", table.columns);
    let err = report(&app, request(visibility, site("acmee")))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no site named \"acmee\"; sites: acme; only in the stored history: globex"
    );
    let listed = list_prompts(&app, Some("globex"), false).await.unwrap();
    assert_eq!(listed.len(), 1);
    app.close().await;
}

#[tokio::test]
async fn queries_are_checked_before_they_run() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(dir.path(), CONFIG).await;
    let library = |name: &str, params: &[(&str, &str)]| QueryRequest {
        source: QuerySource::Library(name.into()),
        params: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        timeout: Duration::from_secs(5),
    };

    let err = query(&app, library("conversion_by_channel", &[]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let text = err.to_string();
    assert!(
        text.starts_with("no library query named \"conversion_by_channel\"; library: ")
            && text.contains("conversions_by_channel"),
        "{text}"
    );

    let err = query(
        &app,
        library("conversions_by_channel", &[("site", "acmee")]),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("sites: acme, globex"), "{err}");

    let err = query(
        &app,
        library("conversions_by_channel", &[("sight", "acme")]),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage, "{err}");

    let forever = QueryRequest {
        timeout: Duration::ZERO,
        ..library("conversions_by_channel", &[])
    };
    assert_eq!(
        query(&app, forever).await.unwrap_err().kind(),
        ErrorKind::Usage
    );

    let sql = |text: &str, params: BTreeMap<String, String>| QueryRequest {
        source: QuerySource::Sql {
            name: "mine".into(),
            text: text.into(),
        },
        params,
        timeout: Duration::from_secs(5),
    };
    let err = query(&app, sql("DELETE FROM sessions", BTreeMap::new()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage, "{err}");
    // An analyst's own parameters are not checked against the known names.
    let params = BTreeMap::from([("site".to_string(), "acmee".to_string())]);
    let table = query(&app, sql("-- params: site\nSELECT :site AS site\n", params))
        .await
        .unwrap();
    assert_eq!(table.rows.len(), 1);
    app.close().await;
}

#[tokio::test]
async fn prompts_are_checked_against_the_configured_sites_engines_and_stored_ids() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(dir.path(), CONFIG).await;
    let prompt = |site: Option<&str>, engines: &[&str]| AddPrompt {
        site: site.map(str::to_string),
        text: "Best CRM for startups?".into(),
        tags: vec![],
        engines: engines.iter().map(|e| e.to_string()).collect(),
    };

    // Two sites are configured: one must be named.
    let err = add_prompt(&app, prompt(None, &[])).await.unwrap_err();
    assert!(matches!(err, ServiceError::Site(SiteError::Several { .. })));
    assert_eq!(err.kind(), ErrorKind::Usage);
    let err = add_prompt(&app, prompt(Some("acmee"), &[]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        err.to_string().contains("configured: acme, globex"),
        "{err}"
    );
    let err = add_prompt(&app, prompt(Some("acme"), &["gtp"]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.to_string(), "no engine named \"gtp\"; engines: gpt");

    let added = add_prompt(&app, prompt(Some("acme"), &["gpt"]))
        .await
        .unwrap();
    assert!(!added.reactivated);
    let err = add_prompt(&app, prompt(Some("acme"), &[]))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::DuplicatePrompt { id, .. } if id == added.id));
    assert_eq!(err.kind(), ErrorKind::Usage);

    let err = remove_prompt(&app, added.id + 1).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.to_string(),
        format!(
            "no active prompt {}; active prompts: {}",
            added.id + 1,
            added.id
        )
    );
    remove_prompt(&app, added.id).await.unwrap();
    let again = add_prompt(&app, prompt(Some("acme"), &[])).await.unwrap();
    assert_eq!((again.id, again.reactivated), (added.id, true));

    let err = list_prompts(&app, Some("acmee"), true).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = rescore(&app, Some("acmee")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert_eq!(rescore(&app, Some("acme")).await.unwrap(), 0);
    app.close().await;
}

#[tokio::test]
async fn an_import_file_is_checked_whole_before_anything_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(dir.path(), CONFIG).await;
    let bad = b"text,tags,engines\nBest CRM?,,gpt\nCheapest CRM?,,gtp\n";
    let err = import_prompts(&app, Some("acme"), bad).await.unwrap_err();
    assert!(matches!(err, ServiceError::Import(_)), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Usage);
    assert!(err.to_string().starts_with("line 3: "), "{err}");
    assert!(list_prompts(&app, None, true).await.unwrap().is_empty());

    let good = b"text\nBest CRM?\nCheapest CRM?\nbest crm\n";
    let imported = import_prompts(&app, Some("acme"), good).await.unwrap();
    assert_eq!(
        imported,
        Imported {
            added: 2,
            reactivated: 0,
            duplicates: 1
        }
    );
    let err = import_prompts(&app, Some("nope"), good).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    app.close().await;
}

#[tokio::test]
async fn ingest_and_forget_name_unknown_sites_as_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(dir.path(), CONFIG).await;
    let ingest_request = IngestRequest {
        site: Some("acmee".into()),
        inputs: vec![Input::from_arg("access.log")],
        options: IngestOptions::default(),
    };
    let err = ingest(&app, ingest_request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = forget(&app, Some("acmee"), "2026-01-01").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = forget(&app, None, "January").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage);
    app.close().await;
}
