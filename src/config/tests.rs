//! Config tests: parsing, validation naming the key, environment overrides, size limit.
use super::*;
use crate::checks::mentions::{MatchMode, Role};
use crate::config::{DigestPeriod, TlsMode, TransportKind};

fn parse_str(text: &str) -> Result<Settings, ConfigError> {
    parse(text, Path::new("test.toml"))
}

#[test]
fn example_config_parses() {
    let settings = parse_str(EXAMPLE_CONFIG).unwrap();
    assert_eq!(settings.sites.len(), 1);
    let site = &settings.sites[0];
    assert_eq!(site.goals.len(), 2);
    assert_eq!(site.goals[0].kind, GoalKind::Macro);
    assert_eq!(site.session_timeout_minutes, 30);
}

#[test]
fn unknown_key_is_named_with_its_line() {
    let err = parse_str("[[sites]]\nname = \"a\"\nsesion_timeout_minutes = 5\n").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("sesion_timeout_minutes"), "{text}");
    assert!(text.contains("line 3"), "{text}");
    assert!(text.contains("test.toml"), "{text}");
}

#[test]
fn bad_goal_regex_names_the_key() {
    let err = parse_str(
        "[[sites]]\nname = \"a\"\n[[sites.goals]]\nname = \"g\"\npath = \"(\"\nkind = \"macro\"\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("sites[0].goals[0].path"), "{err}");
}

#[test]
fn bad_goal_kind_is_an_error() {
    let err = parse_str(
        "[[sites]]\nname = \"a\"\n[[sites.goals]]\nname = \"g\"\npath = \"x\"\nkind = \"huge\"\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("huge"), "{err}");
}

#[test]
fn duplicate_site_is_an_error() {
    let err = parse_str("[[sites]]\nname = \"a\"\n[[sites]]\nname = \"a\"\n").unwrap_err();
    assert!(err.to_string().contains("defined twice"), "{err}");
}

#[test]
fn env_overrides_database_url() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "database_url = \"sqlite://x.db\"\n").unwrap();
    let env = |k: &str| (k == "AIVIS_DATABASE_URL").then(|| "sqlite://y.db".to_string());
    let settings = load(Some(&path), &env).unwrap();
    assert_eq!(settings.database_url, "sqlite://y.db");
}

#[test]
fn a_bad_database_url_in_the_environment_names_the_variable() {
    let env = |k: &str| (k == "AIVIS_DATABASE_URL").then(|| "garbage".to_string());
    let err = load(None, &env).unwrap_err();
    assert!(matches!(err, ConfigError::EnvDatabaseUrl(_)), "{err}");
    assert_eq!(
        err.to_string(),
        "environment variable AIVIS_DATABASE_URL: \"garbage\" must start with sqlite:, \
         postgres:// or postgresql://"
    );
    assert_eq!(err.kind(), ErrorKind::Usage);
}

#[test]
fn a_bad_database_url_in_the_file_names_the_file_and_key_and_hides_the_password() {
    let err = parse_str("database_url = \"mysql://bob:s3cret@db/x\"\n").unwrap_err();
    assert!(matches!(err, ConfigError::DatabaseUrl { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(": database_url: \"mysql://bob:***@db/x\" must start with"),
        "{text}"
    );
    assert!(!text.contains("s3cret"), "{text}");
}

#[test]
fn choosing_a_site_is_usage_unless_the_named_one_is_missing() {
    let none = Settings::default();
    let err = none.site(None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage);
    assert_eq!(
        err.to_string(),
        "(no config file): no [[sites]] configured; run `aivis init` to write an example config"
    );
    let two = parse_str("[[sites]]\nname = \"acme\"\n[[sites]]\nname = \"globex\"\n").unwrap();
    assert_eq!(two.site(Some("globex")).unwrap().name, "globex");
    let several = two.site(None).unwrap_err();
    assert_eq!(several.kind(), ErrorKind::Usage);
    assert!(
        several
            .to_string()
            .ends_with("several sites are configured; choose one with --site")
    );
    let unknown = two.site(Some("acmee")).unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);
    assert!(
        unknown
            .to_string()
            .ends_with(": no site named \"acmee\" (configured: acme, globex)"),
        "{unknown}"
    );
}

#[test]
fn salt_retention_is_checked() {
    assert_eq!(parse_str("").unwrap().salt_retention_days, 2);
    assert_eq!(
        parse_str("salt_retention_days = 7\n")
            .unwrap()
            .salt_retention_days,
        7
    );
    let err = parse_str("salt_retention_days = 0\n").unwrap_err();
    assert!(err.to_string().contains("salt_retention_days"), "{err}");
}

#[test]
fn config_files_over_one_mebibyte_are_refused_unparsed() {
    let dir = tempfile::tempdir().unwrap();
    let env = |_: &str| None;
    // Exactly at the limit: read and parsed (a comment padded to 1 MiB).
    let at_limit = dir.path().join("at.toml");
    let mut text = "database_url = \"sqlite://x.db\"\n#".to_string();
    text.push_str(&"x".repeat(MAX_CONFIG_BYTES as usize - text.len()));
    std::fs::write(&at_limit, &text).unwrap();
    assert_eq!(
        load(Some(&at_limit), &env).unwrap().database_url,
        "sqlite://x.db"
    );
    // One byte more: refused naming the file and the limit, whatever follows.
    let over = dir.path().join("over.toml");
    std::fs::write(&over, format!("{text}x = [")).unwrap();
    let err = load(Some(&over), &env).unwrap_err();
    assert!(matches!(err, ConfigError::TooLarge { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("over.toml") && message.contains("1048576 bytes (1 MiB)"),
        "{message}"
    );
    // Not UTF-8: a read error naming the file, as before.
    let binary = dir.path().join("bin.toml");
    std::fs::write(&binary, b"\xff\xfe").unwrap();
    let err = load(Some(&binary), &env).unwrap_err();
    assert!(
        matches!(err, ConfigError::Read { .. }) && err.to_string().contains("bin.toml"),
        "{err}"
    );
}

#[test]
fn debug_redacts_password() {
    let settings = Settings {
        database_url: "postgres://bob:s3cret@db:5432/x".into(),
        ..Settings::default()
    };
    let text = format!("{settings:?}");
    assert!(!text.contains("s3cret"), "{text}");
    assert!(text.contains("bob:***@db:5432/x"), "{text}");
}

#[test]
fn source_rules_and_internal_hosts_reach_the_classifier() {
    let settings = parse_str(
        "[[sites]]\nname = \"a\"\nhosts = [\"a.test\"]\ninternal_hosts = [\"pay.example\"]\n\
         [[sites.source_rules]]\nhost = \"chat.newai.example\"\nchannel = \"ai_assistant\"\nsource = \"newai\"\n\
         [[sites.source_rules]]\nutm_source = \"newai\"\nchannel = \"ai_assistant\"\nsource = \"newai\"\n",
    )
    .unwrap();
    let classifier = settings.sites[0].classifier().unwrap();
    let ai = classifier.classify(Some("https://chat.newai.example/"), "/");
    assert_eq!(
        (ai.channel.as_str(), ai.source.as_str()),
        ("ai_assistant", "newai")
    );
    let tagged = classifier.classify(None, "/?utm_source=NewAI");
    assert_eq!(tagged.source, "newai");
    assert!(classifier.is_internal_referrer("https://pay.example/back"));
    assert!(classifier.is_internal_referrer("https://a.test/"));
}

#[test]
fn bad_source_rules_name_the_key() {
    let site = "[[sites]]\nname = \"a\"\n[[sites.source_rules]]\n";
    let error = |rule: &str| parse_str(&format!("{site}{rule}")).unwrap_err().to_string();
    let both =
        error("host = \"x.example\"\nutm_source = \"x\"\nchannel = \"email\"\nsource = \"x\"\n");
    assert!(
        both.contains("sites[0].source_rules[0]: give exactly one"),
        "{both}"
    );
    let channel = error("host = \"x.example\"\nchannel = \"ai\"\nsource = \"x\"\n");
    assert!(
        channel.contains("sites[0].source_rules[0].channel"),
        "{channel}"
    );
    assert!(
        channel.contains("ai_assistant, organic_search"),
        "{channel}"
    );
    let paid = error("host = \"x.example\"\nchannel = \"paid_search\"\nsource = \"x\"\n");
    assert!(paid.contains("source_rules[0].channel"), "{paid}");
    let source = error("utm_source = \"x\"\nchannel = \"email\"\nsource = \"\"\n");
    assert!(source.contains("source_rules[0].source"), "{source}");
    let unknown = error("host = \"x.example\"\nchanel = \"email\"\nsource = \"x\"\n");
    assert!(unknown.contains("chanel"), "{unknown}");
    let twice = parse_str(&format!(
        "{site}host = \"x.example\"\nchannel = \"email\"\nsource = \"x\"\n\
         [[sites.source_rules]]\nhost = \"X.example\"\nchannel = \"email\"\nsource = \"y\"\n"
    ))
    .unwrap_err()
    .to_string();
    assert!(
        twice.contains("source_rules[1].host") && twice.contains("already"),
        "{twice}"
    );
}

#[test]
fn engines_are_validated_naming_the_key() {
    let error = |engine: &str| {
        parse_str(&format!("[[engines]]\n{engine}"))
            .unwrap_err()
            .to_string()
    };
    let err = error("name = \"gpt\"\nkind = \"openai_chat\"\n");
    assert!(err.contains("engines[0].model"), "{err}");
    let err = error(
        "name = \"gpt\"\nkind = \"openai_chat\"\nmodel = \"m\"\napi_key_env = \"sk-live-123\"\n",
    );
    assert!(
        err.contains("engines[0].api_key_env") && err.contains("not hold the key"),
        "{err}"
    );
    let err = error("name = \"s\"\nkind = \"html\"\nurl_template = \"https://s.test/?q=x\"\n");
    assert!(err.contains("engines[0].url_template"), "{err}");
    let err = error(
        "name = \"s\"\nkind = \"html\"\nurl_template = \"https://s.test/?q={query}\"\nlink_selector = \"a[\"\n",
    );
    assert!(err.contains("engines[0].link_selector"), "{err}");
    let err = error("name = \"r\"\nkind = \"replay\"\n");
    assert!(err.contains("engines[0].path"), "{err}");
    let err = error("name = \"g\"\nkind = \"gemini\"\nmodel = \"m\"\nsamples = 0\n");
    assert!(err.contains("engines[0].samples"), "{err}");
    let err = error("name = \"g\"\nkind = \"bard\"\nmodel = \"m\"\n");
    assert!(err.contains("bard"), "{err}");
    let twice = "[[engines]]\nname = \"g\"\nkind = \"replay\"\npath = \"a\"\n";
    let err = parse_str(&format!("{twice}{twice}"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("engines[1].name") && err.contains("twice"),
        "{err}"
    );
    let ok = parse_str("[[engines]]\nname = \"local\"\nkind = \"openai_chat\"\nmodel = \"llama3\"\nbase_url = \"http://127.0.0.1:11434/v1/\"\n").unwrap();
    let spec = ok.engines[0].spec(None);
    assert_eq!(spec.base_url, "http://127.0.0.1:11434/v1");
    assert_eq!(ok.engines[0].samples, 3);
    let default =
        parse_str("[[engines]]\nname = \"c\"\nkind = \"anthropic\"\nmodel = \"m\"\n").unwrap();
    assert_eq!(
        default.engines[0].spec(None).base_url,
        "https://api.anthropic.com/v1"
    );
}

#[test]
fn a_new_engine_has_the_config_file_defaults() {
    let parsed = parse_str("[[engines]]\nname = \"r\"\nkind = \"replay\"\npath = \"a\"\n").unwrap();
    let built = EngineConfig {
        path: Some("a".into()),
        ..EngineConfig::new("r", crate::checks::engines::EngineKind::Replay)
    };
    assert_eq!(format!("{built:?}"), format!("{:?}", parsed.engines[0]));
}

#[test]
fn brand_and_competitors_become_tracked_entities() {
    let settings = parse_str(EXAMPLE_CONFIG).unwrap();
    let entities = settings.sites[0].entities();
    assert_eq!(entities[0].name, "Acme");
    assert_eq!(entities[0].role, Role::Brand);
    assert_eq!(entities[1].role, Role::Competitor);
    let err = parse_str("[[sites]]\nname = \"a\"\n[sites.brand]\nname = \"Acme\"\n[[sites.competitors]]\nname = \"acme\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("sites[0].competitors[0].name"), "{err}");
}

#[test]
fn goals_match_as_bits() {
    let settings = parse_str(EXAMPLE_CONFIG).unwrap();
    let goals = CompiledGoals::new(&settings.sites[0].goals).unwrap();
    assert_eq!(goals.matches("/checkout/complete?o=1"), 0b01);
    assert_eq!(goals.matches("/newsletter/thanks"), 0b10);
    assert_eq!(goals.matches("/pricing"), 0);
    assert_eq!(goals.macro_mask(), 0b01);
}

#[test]
fn alert_thresholds_are_global_and_per_site() {
    let settings = parse_str(
        "[alerts]\nalpha = 0.05\nmin_sessions = 500\n\
         [[sites]]\nname = \"a\"\n[sites.alerts]\nmin_sessions = 50\ndisabled = [\"mention_rate\"]\n\
         [[sites]]\nname = \"b\"\n",
    )
    .unwrap();
    let a = settings.alert_settings("a");
    assert_eq!((a.alpha, a.min_sessions), (0.05, 50));
    assert!(!a.is_enabled("mention_rate"));
    let b = settings.alert_settings("b");
    assert_eq!((b.alpha, b.min_sessions, b.window_days), (0.05, 500, 7));
    let err = parse_str("[[sites]]\nname = \"a\"\n[sites.alerts]\nalpha = 2\n").unwrap_err();
    assert!(err.to_string().contains("sites[0].alerts.alpha"), "{err}");
    let err = parse_str("[alerts]\nwindow = 7\n").unwrap_err();
    assert!(err.to_string().contains("window"), "{err}");
}

#[test]
fn email_defaults_to_eml_files_and_smtp_settings_are_checked_naming_the_key() {
    let settings = parse_str("").unwrap();
    assert_eq!(settings.email.transport, TransportKind::File);
    assert_eq!(settings.email.dir, std::path::PathBuf::from("outbox"));
    let smtp = parse_str(
        "[email]\nfrom = \"Acme Insights <insights@acme.test>\"\ntransport = \"smtp\"\n\
         host = \"smtp.example.com\"\nusername_env = \"SMTP_USER\"\npassword_env = \"SMTP_PASSWORD\"\n",
    )
    .unwrap();
    assert_eq!(smtp.email.tls, TlsMode::Starttls);
    assert_eq!(smtp.email.smtp_port(), 587);
    let error = |text: &str| parse_str(text).unwrap_err().to_string();
    assert!(
        error("[email]\ntransport = \"smtp\"\n")
            .contains("email.host: required when transport = \"smtp\"")
    );
    assert!(
        error("[email]\nfrom = \"not an address\"\n").contains("email.from: \"not an address\"")
    );
    assert!(
        error("[email]\npassword_env = \"hunter2 pw\"\nusername_env = \"U\"\n")
            .contains("email.password_env: \"hunter2 pw\" is not an environment variable name")
    );
    assert!(error("[email]\nusername_env = \"U\"\n").contains("give both or neither"));
    assert!(error("[email]\ntls = \"ssl\"\n").contains("line 2"));
    assert!(error("[email]\nmax_attempts = 0\n").contains("email.max_attempts"));
}

#[test]
fn recipients_are_validated_at_load_naming_the_entry() {
    let site = "[[sites]]\nname = \"a\"\n";
    let ok = parse_str(&format!(
        "{site}digest_to = [\"Brand Team <team@acme.test>\"]\nalerts_to = [\"seo@acme.test\"]\n\
         digest_period = \"day\"\n"
    ))
    .unwrap();
    assert_eq!(ok.sites[0].digest_period, DigestPeriod::Day);
    let err = parse_str(&format!(
        "{site}digest_to = [\"team@acme.test\", \"bob at acme\"]\n"
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("sites[0].digest_to[1]: \"bob at acme\" is not an email address"),
        "{err}"
    );
    let err = parse_str(&format!(
        "{site}alerts_to = [\"x@acme.test\\r\\nBcc: y@evil.test\"]\n"
    ))
    .unwrap_err()
    .to_string();
    assert!(err.contains("sites[0].alerts_to[0]"), "{err}");
}

#[test]
fn the_production_example_parses() {
    let text = include_str!("../../examples/config/production.toml");
    let settings = parse_str(text).unwrap();
    assert_eq!(settings.sites[0].logs[0].path, "/var/log/nginx/access.log*");
    assert_eq!(settings.schedule.timezone, "Europe/Amsterdam");
    assert_eq!(settings.retention_days, Some(400));
    assert_eq!(settings.email.transport, TransportKind::Smtp);
}

#[test]
fn log_sources_and_retention_are_checked_naming_the_key() {
    let site = "[[sites]]\nname = \"a\"\n";
    let error = |text: &str| parse_str(text).unwrap_err().to_string();
    assert!(
        error(&format!(
            "{site}[[sites.logs]]\npath = \"/var/log/x.log\"\nformat = \"apache\"\n"
        ))
        .contains("sites[0].logs[0].format: \"apache\" is not auto or one of")
    );
    assert!(
        error(&format!(
            "{site}[[sites.logs]]\npath = \"/var/log/[x.log\"\n"
        ))
        .contains("sites[0].logs[0].path")
    );
    assert!(error("retention_days = 1\n").contains("retention_days: must be between"));
}

#[test]
fn entity_match_rules_are_read_and_applied() {
    let settings = parse_str(
        "[[sites]]\nname = \"a\"\n\
         [sites.brand]\nname = \"Notion\"\ndomains = [\"notion.so\"]\n\
         [[sites.competitors]]\nname = \"Monday\"\nnot_before = [\"every\", \"on\"]\n\
         [[sites.competitors]]\nname = \"Apple\"\nmatch = \"any_case\"\nnot_after = [\"pie\"]\nexclude = [\"big apple\"]\n\
         [[sites.competitors]]\nname = \"Zoom\"\nmatch = \"exact_case\"\n",
    )
    .unwrap();
    let entities = settings.sites[0].entities();
    let modes: Vec<MatchMode> = entities.iter().map(|e| e.rules.mode).collect();
    assert_eq!(
        modes,
        [
            MatchMode::Auto,
            MatchMode::Auto,
            MatchMode::AnyCase,
            MatchMode::ExactCase
        ]
    );
    assert_eq!(entities[1].rules.not_before, ["every", "on"]);
    assert_eq!(entities[2].rules.not_after, ["pie"]);
    assert_eq!(entities[2].rules.exclude, ["big apple"]);
    let matcher = crate::checks::mentions::Matcher::new(entities);
    let out = matcher.extract(
        "The notion of Notion: every Monday, apple pie, the big apple, apple, zoom, Zoom",
        &[],
    );
    let counts: Vec<u32> = out.mentions.iter().map(|m| m.count).collect();
    assert_eq!(counts, [1, 0, 1, 1]);
}

#[test]
fn bad_entity_match_rules_name_the_key() {
    let error = |entity: &str| {
        parse_str(&format!(
            "[[sites]]\nname = \"a\"\n[sites.brand]\nname = \"Acme\"\n[[sites.competitors]]\nname = \"Notion\"\n{entity}"
        ))
        .unwrap_err()
        .to_string()
    };
    let err = error("match = \"fuzzy\"\n");
    assert!(
        err.contains(
            "sites[0].competitors[0].match: \"fuzzy\" is not auto, exact_case or any_case"
        ),
        "{err}"
    );
    let err = error("match = \"\"\n");
    assert!(err.contains("competitors[0].match"), "{err}");
    let err = error("not_before = [\"every\", \"\"]\n");
    assert!(
        err.contains("sites[0].competitors[0].not_before") && err.contains("empty"),
        "{err}"
    );
    let err = error("not_after = [\"apple pie\"]\n");
    assert!(
        err.contains("competitors[0].not_after") && err.contains("use exclude for phrases"),
        "{err}"
    );
    let err = error("exclude = [\" \"]\n");
    assert!(err.contains("competitors[0].exclude"), "{err}");
    let long = "x".repeat(201);
    let err = error(&format!("exclude = [\"{long}\"]\n"));
    assert!(err.contains("competitors[0].exclude"), "{err}");
    // Unknown keys are still refused, with their line.
    let err = error("not_befor = [\"every\"]\n");
    assert!(err.contains("not_befor") && err.contains("line 7"), "{err}");
    let err = parse_str(
        "[[sites]]\nname = \"a\"\n[sites.brand]\nname = \"Acme\"\nmatch = \"ANY_CASE\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("sites[0].brand.match"), "{err}");
}
