//! `aivis rescore` applies the match rules for brands named like ordinary words to answers
//! already stored, on SQLite and PostgreSQL: answers checked while every name matched in any
//! case are scored again after the config gains `match`, `not_before`, `not_after` and
//! `exclude`, through the command line a user runs.

mod common;

use std::path::Path;

use common::{TestDb, aivis_ok, rows};

/// Three recorded answers to one prompt: the word senses of Notion, Monday and Square beside
/// real mentions of the products.
const ANSWERS: &str = concat!(
    r#"{"prompt": "Best tool for team wikis?", "text": "I like the notion of a single workspace. Team meetings every Monday keep it current, in a twenty square meter office.", "citations": [], "model": "m"}"#,
    "\n",
    r#"{"prompt": "Best tool for team wikis?", "text": "Notion beats Monday for docs; Square is for payments. See [notion](https://www.notion.so/templates).", "citations": [], "model": "m"}"#,
    "\n",
    r#"{"prompt": "Best tool for team wikis?", "text": "On Monday, try Notion and monday.com side by side; skip the Square Meter calculator.", "citations": [], "model": "m"}"#,
    "\n",
);

fn write_config(dir: &Path, database_url: &str, entities: &str) {
    let answers = dir.join("answers.ndjson");
    std::fs::write(&answers, ANSWERS).unwrap();
    let config = format!(
        "database_url = \"{database_url}\"\n\
         [[sites]]\nname = \"wiki\"\n{entities}\n\
         [[engines]]\nname = \"recorded\"\nkind = \"replay\"\npath = {:?}\nsamples = 3\n",
        answers.display().to_string()
    );
    std::fs::write(dir.join("aivis.toml"), config).unwrap();
}

/// Before: every name in any case, as aivis matched before `match` existed.
const ANY_CASE: &str = "[sites.brand]\nname = \"Notion\"\ndomains = [\"notion.so\"]\nmatch = \"any_case\"\n\
    [[sites.competitors]]\nname = \"Monday\"\naliases = [\"monday.com\"]\nmatch = \"any_case\"\n\
    [[sites.competitors]]\nname = \"Square\"\nmatch = \"any_case\"\n";

/// After: Notion in `auto` (the default), Monday with its own `not_before`, Square with an
/// `exclude` phrase and a `not_after` word.
const RULED: &str = "[sites.brand]\nname = \"Notion\"\ndomains = [\"notion.so\"]\n\
    [[sites.competitors]]\nname = \"Monday\"\naliases = [\"monday.com\"]\nnot_before = [\"every\", \"on\"]\n\
    [[sites.competitors]]\nname = \"Square\"\nexclude = [\"square meter\"]\nnot_after = [\"feet\"]\n";

/// (sample, entity, mentioned, mention_count) of every stored mention row.
async fn stored(url: &str) -> Vec<(String, String, String, String)> {
    rows(
        url,
        "SELECT CAST(a.sample AS TEXT), m.entity, CAST(m.mentioned AS TEXT), \
         CAST(m.mention_count AS TEXT) \
         FROM mentions m JOIN answers a ON a.id = m.answer_id ORDER BY a.sample, m.entity",
    )
    .await
    .into_iter()
    .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
    .collect()
}

fn expected(counts: [[u32; 3]; 3]) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for (sample, per_entity) in counts.iter().enumerate() {
        for (entity, count) in ["Monday", "Notion", "Square"].iter().zip(per_entity) {
            out.push((
                (sample + 1).to_string(),
                entity.to_string(),
                u32::from(*count > 0).to_string(),
                count.to_string(),
            ));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn rescore_applies_new_match_rules_to_stored_answers() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), &db.url, ANY_CASE);
        aivis_ok(dir.path(), &["prompts", "add", "Best tool for team wikis?"]);
        aivis_ok(dir.path(), &["check", "--engine", "recorded"]);
        // Per sample: Monday, Notion, Square (in any case, URLs never count).
        assert_eq!(
            stored(&db.url).await,
            expected([[1, 1, 1], [1, 2, 1], [2, 1, 1]]),
            "{}",
            db.name
        );

        write_config(dir.path(), &db.url, RULED);
        let said = aivis_ok(dir.path(), &["rescore"]);
        assert!(said.contains("re-scored 3 answers"), "{said}");
        // Sample 1 names none of them; sample 2 names Notion twice (the capitalised name and
        // the link to notion.so, whose lowercase text is not a name), Monday and Square once;
        // sample 3: "On Monday" is a day, monday.com the product, Square Meter excluded.
        assert_eq!(
            stored(&db.url).await,
            expected([[0, 0, 0], [1, 2, 1], [1, 1, 0]]),
            "{}",
            db.name
        );
        db.drop_db().await;
    }
}
