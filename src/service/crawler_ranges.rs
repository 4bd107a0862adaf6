//! The AI crawler range lists: [`update_crawler_ranges`] fetches each list from its operator's
//! URL (or a mirror's), checks it and stores it; [`crawler_ranges_in_use`] says which list is
//! in use, from the shipped copy or the database, and of what date. A list that fails (an
//! unreachable server, an HTTP error, a body too large, a document that does not parse) is
//! reported and keeps its previous ranges; the others are stored all the same.

use std::time::Duration;

use serde::Serialize;

use super::{App, ServiceError};
use crate::crawler_ranges::{CrawlerRanges, LISTS, ListInfo, Origin, RangeDocument};
use crate::day::now_unix;
use crate::store::StoredRangeList;

/// Longest a list's request may take, from connecting to the end of its body.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest list body read (Google's largest list is about 70 KiB).
pub const MAX_LIST_BYTES: usize = 4 * 1024 * 1024;

/// What `update` did with one list.
#[derive(Debug, Clone, Serialize)]
pub struct ListUpdate {
    pub list: String,
    pub operator: String,
    pub url: String,
    /// Prefixes in the stored list (None when the fetch failed).
    pub prefixes: Option<usize>,
    /// The operator's creation time of the fetched list.
    pub creation_time: Option<String>,
    /// `updated`, or `failed: …` (the previous ranges stay in use).
    pub status: String,
}

impl ListUpdate {
    /// Whether the list was fetched and stored.
    pub fn ok(&self) -> bool {
        self.status == "updated"
    }
}

/// One list in use.
#[derive(Debug, Clone, Serialize)]
pub struct ListInUseRow {
    pub list: String,
    pub operator: String,
    /// The agents it verifies, comma-separated.
    pub agents: String,
    pub prefixes: usize,
    pub creation_time: Option<String>,
    /// `snapshot` (shipped with aivis) or `database` (stored by `update`).
    pub source: String,
    /// When `update` fetched it (Unix seconds), for a list from the database.
    pub fetched_at: Option<i64>,
    pub url: String,
}

/// Fetches every known list from `base_url` + its file name (the operators' own URLs when
/// None), stores each one that parses, and reports each. Errors only when the database
/// fails; a failed list is a row whose status says why.
pub async fn update_crawler_ranges(
    app: &App,
    base_url: Option<&str>,
) -> Result<Vec<ListUpdate>, ServiceError> {
    if let Some(base) = base_url
        && !(base.starts_with("http://") || base.starts_with("https://"))
    {
        return Err(ServiceError::Usage(format!(
            "the crawler ranges base URL {base:?} is not an http:// or https:// URL"
        )));
    }
    let http = app.http()?;
    let mut out = Vec::with_capacity(LISTS.len());
    for info in LISTS {
        let url = match base_url {
            Some(base) => format!("{}/{}", base.trim_end_matches('/'), info.file_name()),
            None => info.url.to_string(),
        };
        let row = match fetch_list(http, &url).await {
            Ok(document) => {
                let stored = StoredRangeList {
                    list: info.name.to_string(),
                    operator: info.operator.to_string(),
                    source_url: url.clone(),
                    fetched_at: now_unix(),
                    creation_time: document.creation_time.clone(),
                    prefixes: document.prefixes.len() as i64,
                    document: document.to_json(),
                };
                app.store().save_crawler_range_list(&stored).await?;
                ListUpdate {
                    prefixes: Some(document.prefixes.len()),
                    creation_time: document.creation_time,
                    status: "updated".into(),
                    ..row_of(info, url)
                }
            }
            Err(reason) => ListUpdate {
                status: format!("failed: {reason}"),
                ..row_of(info, url)
            },
        };
        out.push(row);
    }
    Ok(out)
}

fn row_of(info: &ListInfo, url: String) -> ListUpdate {
    ListUpdate {
        list: info.name.to_string(),
        operator: info.operator.to_string(),
        url,
        prefixes: None,
        creation_time: None,
        status: String::new(),
    }
}

/// One list's document, or why not (in words, without anything the server sent but a
/// parse error's position).
async fn fetch_list(http: &reqwest::Client, url: &str) -> Result<RangeDocument, String> {
    let response = http
        .get(url)
        .timeout(FETCH_TIMEOUT)
        .send()
        .await
        .map_err(|err| transport_error(&err))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP {}", status.as_u16()));
    }
    let body = read_capped(response).await?;
    RangeDocument::parse(&body).map_err(|err| err.to_string())
}

async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_LIST_BYTES as u64)
    {
        return Err(format!("the list is larger than {MAX_LIST_BYTES} bytes"));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| transport_error(&err))?
    {
        if body.len() + chunk.len() > MAX_LIST_BYTES {
            return Err(format!("the list is larger than {MAX_LIST_BYTES} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn transport_error(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        format!("timed out after {} s", FETCH_TIMEOUT.as_secs())
    } else if err.is_connect() {
        "could not connect".into()
    } else {
        "the connection failed while reading the list".into()
    }
}

/// The lists in use: the stored one where `update` stored one (and it parses), else the
/// shipped copy.
pub async fn crawler_ranges_in_use(app: &App) -> Result<Vec<ListInUseRow>, ServiceError> {
    let stored = app.store().crawler_range_lists().await?;
    let (ranges, _) =
        CrawlerRanges::with_stored(stored.iter().map(StoredRangeList::to_stored_list).collect());
    Ok(ranges
        .lists()
        .iter()
        .map(|list| {
            let fetched_at = match list.origin {
                Origin::Fetched { at } => Some(at),
                Origin::Snapshot => None,
            };
            let url = stored
                .iter()
                .find(|s| s.list == list.info.name && fetched_at.is_some())
                .map_or(list.info.url.to_string(), |s| s.source_url.clone());
            ListInUseRow {
                list: list.info.name.to_string(),
                operator: list.info.operator.to_string(),
                agents: list.info.agents.join(", "),
                prefixes: list.document.prefixes.len(),
                creation_time: list.document.creation_time.clone(),
                source: if fetched_at.is_some() {
                    "database".into()
                } else {
                    "snapshot".into()
                },
                fetched_at,
                url,
            }
        })
        .collect())
}
