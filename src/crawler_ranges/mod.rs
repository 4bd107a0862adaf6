//! Verified AI crawlers (pure): the IP ranges AI operators publish for their crawlers, and the
//! verdict on one request that claims to be one of them.
//!
//! Anyone can send `GPTBot` as a user agent. OpenAI, Perplexity and Google publish the
//! addresses their crawlers use, each list a JSON document of the shape
//! `{"creationTime": "…", "prefixes": [{"ipv4Prefix": "a.b.c.d/n"}, {"ipv6Prefix": "…"}]}`.
//! [`LISTS`] names each list, its operator, its documented URL and the agents (by the bot
//! classifier's names) it covers; a dated copy of each ships in `data/` (see its README for
//! where each copy came from), and `aivis crawler-ranges update` stores fresher ones in the
//! database, which the ingest then uses instead ([`CrawlerRanges::with_stored`]).
//!
//! A request's [`Verification`]: `verified` when its client address is in a range of a list
//! covering its agent, `spoofed` when the agent's lists exist and a usable address is outside
//! all of them, `unverifiable` when no list covers the agent or the log gives no usable
//! address ([`cidr::client_ip`]: `-`, a host name, a private address…). Never `spoofed`
//! without a published list and a real address to compare.

pub mod cidr;

use std::sync::{Arc, LazyLock};

use serde::Deserialize;

use cidr::{IpRanges, PrefixError, client_ip, parse_prefix};

/// Most prefixes one list may hold (Google's largest has about a thousand).
pub const MAX_PREFIXES: usize = 100_000;
/// Longest `creationTime` kept.
const MAX_CREATION_TIME: usize = 64;

/// One published list of crawler addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListInfo {
    /// Our name for the list (`openai-gptbot`): the database key and the snapshot file.
    pub name: &'static str,
    pub operator: &'static str,
    /// Where the operator publishes it.
    pub url: &'static str,
    /// The agents whose requests come from these addresses, as the bot classifier names them.
    pub agents: &'static [&'static str],
    /// The shipped copy (`data/<name>.json`).
    snapshot: &'static str,
}

impl ListInfo {
    /// The last path segment of [`ListInfo::url`] (`gptbot.json`): the file name a test
    /// server or mirror serves the list under.
    pub fn file_name(&self) -> &'static str {
        self.url.rsplit('/').next().unwrap_or(self.url)
    }
}

/// The lists aivis knows, each with the agents it covers. Agents of an operator not named here
/// (ClaudeBot, Google-NotebookLM, …) are `unverifiable`: see the README of `data/` for why.
pub const LISTS: &[ListInfo] = &[
    ListInfo {
        name: "openai-gptbot",
        operator: "OpenAI",
        url: "https://openai.com/gptbot.json",
        agents: &["GPTBot"],
        snapshot: include_str!("data/openai-gptbot.json"),
    },
    ListInfo {
        name: "openai-searchbot",
        operator: "OpenAI",
        url: "https://openai.com/searchbot.json",
        agents: &["OAI-SearchBot"],
        snapshot: include_str!("data/openai-searchbot.json"),
    },
    ListInfo {
        name: "openai-chatgpt-user",
        operator: "OpenAI",
        url: "https://openai.com/chatgpt-user.json",
        agents: &["ChatGPT-User"],
        snapshot: include_str!("data/openai-chatgpt-user.json"),
    },
    ListInfo {
        name: "perplexity-perplexitybot",
        operator: "Perplexity",
        url: "https://www.perplexity.ai/perplexitybot.json",
        agents: &["PerplexityBot"],
        snapshot: include_str!("data/perplexity-perplexitybot.json"),
    },
    ListInfo {
        name: "perplexity-user",
        operator: "Perplexity",
        url: "https://www.perplexity.ai/perplexity-user.json",
        agents: &["Perplexity-User"],
        snapshot: include_str!("data/perplexity-user.json"),
    },
    ListInfo {
        name: "google-common-crawlers",
        operator: "Google",
        url: "https://developers.google.com/static/crawling/ipranges/common-crawlers.json",
        agents: &[
            "GoogleOther",
            "GoogleOther-Image",
            "GoogleOther-Video",
            "Google-CloudVertexBot",
        ],
        snapshot: include_str!("data/google-common-crawlers.json"),
    },
];

/// The list named `name`.
pub fn list_info(name: &str) -> Option<&'static ListInfo> {
    LISTS.iter().find(|l| l.name == name)
}

/// What a request's client address says about the agent its user agent claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verification {
    /// The address is in the published ranges of the claimed agent.
    Verified,
    /// The claimed agent's operator publishes its ranges, and the address is outside them.
    Spoofed,
    /// No published ranges for the agent, or no usable client address in the log.
    Unverifiable,
}

impl Verification {
    /// `verified`, `spoofed` or `unverifiable`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Verification::Verified => "verified",
            Verification::Spoofed => "spoofed",
            Verification::Unverifiable => "unverifiable",
        }
    }
}

/// Why a list document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("not a JSON object with a prefixes array: {0}")]
    Json(String),
    #[error("the list holds no prefix")]
    Empty,
    #[error("the list holds more than {MAX_PREFIXES} prefixes")]
    TooMany,
    #[error("prefix {index}: an entry with neither ipv4Prefix nor ipv6Prefix")]
    NoPrefix { index: usize },
    #[error("prefix {index}: {reason}")]
    Prefix { index: usize, reason: PrefixError },
}

/// A parsed list: its creation time as the operator wrote it, its prefixes (as text, in the
/// document's order) and their union.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeDocument {
    pub creation_time: Option<String>,
    pub prefixes: Vec<String>,
    ranges: IpRanges,
}

#[derive(Deserialize)]
struct RawDocument {
    #[serde(rename = "creationTime", default)]
    creation_time: Option<serde_json::Value>,
    prefixes: Vec<RawPrefix>,
}

#[derive(Deserialize)]
struct RawPrefix {
    #[serde(rename = "ipv4Prefix", default)]
    ipv4: Option<String>,
    #[serde(rename = "ipv6Prefix", default)]
    ipv6: Option<String>,
}

impl RangeDocument {
    /// Parses a published list. Refused whole when it is not the published shape, holds no
    /// prefix or too many, or any prefix is bad or broader than a crawler's range could be
    /// (see [`parse_prefix`]): a list that half parses is not trusted.
    pub fn parse(body: &[u8]) -> Result<RangeDocument, DocumentError> {
        let raw: RawDocument = serde_json::from_slice(body).map_err(|err| {
            let text = err.to_string();
            DocumentError::Json(crate::classify::cap(&text, 200).to_string())
        })?;
        if raw.prefixes.is_empty() {
            return Err(DocumentError::Empty);
        }
        if raw.prefixes.len() > MAX_PREFIXES {
            return Err(DocumentError::TooMany);
        }
        let mut prefixes = Vec::with_capacity(raw.prefixes.len());
        let mut intervals = Vec::with_capacity(raw.prefixes.len());
        for (index, entry) in raw.prefixes.into_iter().enumerate() {
            let fields = [(entry.ipv4, 4u8), (entry.ipv6, 6u8)];
            let mut any = false;
            for (text, family) in fields {
                let Some(text) = text else { continue };
                any = true;
                let interval = parse_prefix(&text)
                    .map_err(|reason| DocumentError::Prefix { index, reason })?;
                let actual = match interval {
                    cidr::Interval::V4(..) => 4,
                    cidr::Interval::V6(..) => 6,
                };
                if actual != family {
                    let shown = crate::classify::cap(&text, 64).to_string();
                    return Err(DocumentError::Prefix {
                        index,
                        reason: PrefixError::Family(shown, actual, family),
                    });
                }
                prefixes.push(text.trim().to_string());
                intervals.push(interval);
            }
            if !any {
                return Err(DocumentError::NoPrefix { index });
            }
        }
        let creation_time = match raw.creation_time {
            Some(serde_json::Value::String(text)) if !text.trim().is_empty() => {
                Some(crate::classify::cap(text.trim(), MAX_CREATION_TIME).to_string())
            }
            _ => None,
        };
        Ok(RangeDocument {
            creation_time,
            prefixes,
            ranges: IpRanges::new(intervals),
        })
    }

    /// The document in the published shape, holding only what was parsed (the form stored in
    /// the database).
    pub fn to_json(&self) -> String {
        let prefixes: Vec<serde_json::Value> = self
            .prefixes
            .iter()
            .map(|p| {
                let key = if p.contains(':') {
                    "ipv6Prefix"
                } else {
                    "ipv4Prefix"
                };
                serde_json::json!({ key: p })
            })
            .collect();
        serde_json::json!({ "creationTime": self.creation_time, "prefixes": prefixes }).to_string()
    }

    /// Whether `ip` is in the list's ranges.
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        self.ranges.contains(ip)
    }
}

/// Where the ranges of a list in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The copy shipped with aivis.
    Snapshot,
    /// Fetched by `aivis crawler-ranges update` at this time (Unix seconds).
    Fetched { at: i64 },
}

/// A list as it is used: its description, its ranges and where they came from.
#[derive(Debug, Clone)]
pub struct ListInUse {
    pub info: &'static ListInfo,
    pub document: RangeDocument,
    pub origin: Origin,
}

/// A list stored in the database (by `aivis crawler-ranges update`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredList {
    pub name: String,
    pub fetched_at: i64,
    /// The list as [`RangeDocument::to_json`] wrote it.
    pub document: String,
}

/// The ranges of every known list, one [`ListInUse`] per [`LISTS`] entry.
#[derive(Debug, Clone)]
pub struct CrawlerRanges {
    lists: Vec<ListInUse>,
}

static SNAPSHOT: LazyLock<Arc<CrawlerRanges>> = LazyLock::new(|| {
    let lists = LISTS
        .iter()
        .map(|info| ListInUse {
            info,
            document: RangeDocument::parse(info.snapshot.as_bytes())
                .unwrap_or_else(|err| panic!("shipped list {} is bad: {err}", info.name)),
            origin: Origin::Snapshot,
        })
        .collect();
    Arc::new(CrawlerRanges { lists })
});

impl CrawlerRanges {
    /// The shipped copies (parsed once per process).
    pub fn snapshot() -> Arc<CrawlerRanges> {
        Arc::clone(&SNAPSHOT)
    }

    /// The shipped copies, each replaced by the stored list of the same name when there is
    /// one. A stored list that no longer parses (or whose name aivis no longer knows) is
    /// skipped and named in the second value; its shipped copy stays in use.
    pub fn with_stored(stored: Vec<StoredList>) -> (CrawlerRanges, Vec<String>) {
        let mut ranges = (*CrawlerRanges::snapshot()).clone();
        let mut problems = Vec::new();
        for list in stored {
            let Some(slot) = ranges.lists.iter_mut().find(|l| l.info.name == list.name) else {
                problems.push(format!(
                    "stored list {:?} is not one aivis knows",
                    list.name
                ));
                continue;
            };
            match RangeDocument::parse(list.document.as_bytes()) {
                Ok(document) => {
                    slot.document = document;
                    slot.origin = Origin::Fetched {
                        at: list.fetched_at,
                    };
                }
                Err(err) => problems.push(format!(
                    "stored list {} is unreadable ({err}); the shipped copy is used",
                    list.name
                )),
            }
        }
        (ranges, problems)
    }

    /// The lists in use, in [`LISTS`] order.
    pub fn lists(&self) -> &[ListInUse] {
        &self.lists
    }

    /// The verdict on a request of `agent` (the classifier's name) from the log's client
    /// address field `ip`.
    pub fn verify(&self, agent: &str, ip: &str) -> Verification {
        let mut covering = self
            .lists
            .iter()
            .filter(|l| l.info.agents.iter().any(|a| a.eq_ignore_ascii_case(agent)))
            .peekable();
        if covering.peek().is_none() {
            return Verification::Unverifiable;
        }
        let Some(address) = client_ip(ip) else {
            return Verification::Unverifiable;
        };
        if covering.any(|l| l.document.contains(address)) {
            Verification::Verified
        } else {
            Verification::Spoofed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_list_parses_and_covers_distinct_agents() {
        let snapshot = CrawlerRanges::snapshot();
        assert_eq!(snapshot.lists().len(), LISTS.len());
        let mut agents: Vec<&str> = LISTS
            .iter()
            .flat_map(|l| l.agents.iter().copied())
            .collect();
        let count = agents.len();
        agents.sort_unstable();
        agents.dedup();
        assert_eq!(agents.len(), count, "an agent is named by two lists");
        for list in snapshot.lists() {
            assert!(!list.document.prefixes.is_empty(), "{}", list.info.name);
            assert_eq!(list.origin, Origin::Snapshot);
            assert!(list.info.file_name().ends_with(".json"));
        }
        let mut files: Vec<&str> = LISTS.iter().map(|l| l.file_name()).collect();
        files.sort_unstable();
        files.dedup();
        assert_eq!(files.len(), LISTS.len(), "two lists share a file name");
    }

    #[test]
    fn every_listed_agent_is_one_the_classifier_names() {
        for list in LISTS {
            for agent in list.agents {
                let found = crate::classify::bot(agent).map(|b| b.name);
                assert_eq!(found, Some(*agent), "{} in {}", agent, list.name);
            }
        }
    }

    #[test]
    fn verdicts() {
        let ranges = CrawlerRanges::snapshot();
        // 20.171.206.0/24 is in OpenAI's GPTBot list (and not in its ChatGPT-User list).
        let cases = [
            ("GPTBot", "20.171.206.9", Verification::Verified),
            ("gptbot", "20.171.206.9", Verification::Verified),
            ("GPTBot", "::ffff:20.171.206.9", Verification::Verified),
            ("ChatGPT-User", "20.171.206.9", Verification::Spoofed),
            ("GPTBot", "203.0.113.9", Verification::Spoofed),
            ("GPTBot", "-", Verification::Unverifiable),
            ("GPTBot", "", Verification::Unverifiable),
            ("GPTBot", "10.0.0.7", Verification::Unverifiable),
            ("GPTBot", "proxy.example.net", Verification::Unverifiable),
            // No published list for ClaudeBot: never spoofed.
            ("ClaudeBot", "203.0.113.9", Verification::Unverifiable),
            // Google's common crawlers, IPv6.
            (
                "GoogleOther",
                "2001:4860:4801:10::1",
                Verification::Verified,
            ),
        ];
        for (agent, address, verdict) in cases {
            assert_eq!(
                ranges.verify(agent, address),
                verdict,
                "{agent} from {address}"
            );
        }
    }

    #[test]
    fn documents_parse_in_the_published_shape_only() {
        let doc = RangeDocument::parse(
            br#"{"creationTime": "2026-01-02T11:00:00.000000", "prefixes": [
                {"ipv4Prefix": "20.171.206.0/24"}, {"ipv6Prefix": "2001:db8::/32"},
                {"ipv4Prefix": "1.2.3.0/24", "ipv6Prefix": "2001:db9::/32"}], "extra": 1}"#,
        )
        .unwrap();
        assert_eq!(
            doc.creation_time.as_deref(),
            Some("2026-01-02T11:00:00.000000")
        );
        assert_eq!(doc.prefixes.len(), 4);
        let again = RangeDocument::parse(doc.to_json().as_bytes()).unwrap();
        assert_eq!(again, doc);
        let untimed = RangeDocument::parse(br#"{"prefixes": [{"ipv4Prefix": "1.2.3.0/24"}]}"#);
        assert_eq!(untimed.unwrap().creation_time, None);

        let cases: &[(&[u8], &str)] = &[
            (b"<html>oops</html>", "not a JSON"),
            (b"{}", "not a JSON"),
            (b"{\"prefixes\": {}}", "not a JSON"),
            (b"{\"prefixes\": []}", "no prefix"),
            (b"{\"prefixes\": [{}]}", "neither"),
            (b"{\"prefixes\": [{\"ipv4Prefix\": 42}]}", "not a JSON"),
            (
                b"{\"prefixes\": [{\"ipv4Prefix\": \"0.0.0.0/0\"}]}",
                "broader",
            ),
            (
                b"{\"prefixes\": [{\"ipv4Prefix\": \"2001:db8::/32\"}]}",
                "IPv6 prefix in an IPv4",
            ),
            (
                b"{\"prefixes\": [{\"ipv4Prefix\": \"1.2.3.0/24\"}, {\"ipv4Prefix\": \"x\"}]}",
                "prefix 1",
            ),
        ];
        for (body, want) in cases {
            let err = RangeDocument::parse(body).unwrap_err().to_string();
            assert!(err.contains(want), "{err} lacks {want}");
        }
    }

    #[test]
    fn stored_lists_replace_shipped_copies_and_bad_ones_are_named() {
        let fresh = RangeDocument::parse(
            br#"{"creationTime": "2030-01-01", "prefixes": [{"ipv4Prefix": "198.18.0.0/24"}]}"#,
        )
        .unwrap()
        .to_json();
        let (ranges, problems) = CrawlerRanges::with_stored(vec![
            StoredList {
                name: "openai-gptbot".into(),
                fetched_at: 1_800_000_000,
                document: fresh,
            },
            StoredList {
                name: "openai-searchbot".into(),
                fetched_at: 1,
                document: "{broken".into(),
            },
            StoredList {
                name: "someone-else".into(),
                fetched_at: 1,
                document: "{}".into(),
            },
        ]);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(
            ranges.verify("GPTBot", "198.18.0.7"),
            Verification::Verified
        );
        assert_eq!(
            ranges.verify("GPTBot", "20.171.206.9"),
            Verification::Spoofed
        );
        let gptbot = &ranges.lists()[0];
        assert_eq!(gptbot.origin, Origin::Fetched { at: 1_800_000_000 });
        assert_eq!(gptbot.document.creation_time.as_deref(), Some("2030-01-01"));
        // The unreadable stored list left the shipped copy in use.
        assert_eq!(ranges.lists()[1].origin, Origin::Snapshot);
    }
}
