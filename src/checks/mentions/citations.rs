//! Cited URLs: provider citations first, then URLs in the text, deduplicated and capped, each
//! with its registrable domain and the tracked entity whose domains contain its host.

use std::collections::HashSet;
use std::ops::Range;

use url::{Host, Url};

use super::{Citation, Entity, Origin, Role};

/// Most citations kept for one answer.
pub(super) const MAX_CITATIONS: usize = 200;
/// Longest URL (in bytes) kept as a citation.
pub(super) const MAX_URL_LEN: usize = 2048;

/// A configured domain and the entity owning it (name and role, index among the entities).
#[derive(Debug, Clone)]
pub(super) struct OwnedDomain {
    pub(super) domain: String,
    owner: (String, Role),
    pub(super) index: usize,
}

/// Normalises a configured domain: lowercase host, no scheme, path, port or leading `www.`.
pub(super) fn normalise_domain(raw: &str) -> Option<String> {
    let s = raw.trim();
    let rest = s.find("://").map_or(s, |i| s.get(i + 3..).unwrap_or(""));
    let rest = rest.trim_start_matches('/');
    let host = Url::parse(&format!("http://{rest}"))
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| {
            let head = rest.split(['/', '?', '#', ':']).next().unwrap_or("");
            head.to_lowercase()
        });
    let host = host.trim_end_matches('.');
    let host = host.strip_prefix("www.").unwrap_or(host);
    (!host.is_empty()).then(|| host.to_owned())
}

pub(super) fn owned_domains(entities: &[Entity]) -> Vec<OwnedDomain> {
    entities
        .iter()
        .enumerate()
        .flat_map(|(index, entity)| {
            entity
                .domains
                .iter()
                .filter_map(|d| normalise_domain(d))
                .map(move |domain| OwnedDomain {
                    domain,
                    owner: (entity.name.clone(), entity.role),
                    index,
                })
        })
        .collect()
}

/// True when `host` is `domain` or one of its subdomains.
pub(super) fn host_in_domain(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

/// The configured domain `host` falls under; the most specific (longest) one wins.
pub(super) fn owning_domain<'a>(host: &str, owned: &'a [OwnedDomain]) -> Option<&'a OwnedDomain> {
    let mut best: Option<&OwnedDomain> = None;
    for candidate in owned.iter().filter(|o| host_in_domain(host, &o.domain)) {
        if best.is_none_or(|b| candidate.domain.len() > b.domain.len()) {
            best = Some(candidate);
        }
    }
    best
}

/// The entity owning `host`; the most specific (longest) configured domain wins.
pub(super) fn owner_of(host: &str, owned: &[OwnedDomain]) -> Option<(String, Role)> {
    owning_domain(host, owned).map(|o| o.owner.clone())
}

/// The parsed URL and its lowercase host without a trailing dot, for a valid http(s) URL
/// with a host of at most [`MAX_URL_LEN`] bytes; `None` otherwise.
pub(super) fn parse_http_url(url: &str) -> Option<(Url, String)> {
    if url.is_empty() || url.len() > MAX_URL_LEN {
        return None;
    }
    let parsed = Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let host = parsed
        .host_str()?
        .trim_end_matches('.')
        .to_ascii_lowercase();
    (!host.is_empty()).then_some((parsed, host))
}

/// Builds a citation for a valid http(s) URL with a host; `None` otherwise.
pub(super) fn make_citation(url: &str, origin: Origin, owned: &[OwnedDomain]) -> Option<Citation> {
    let (parsed, host) = parse_http_url(url)?;
    let domain = match parsed.host() {
        Some(Host::Domain(_)) => psl::domain_str(&host).unwrap_or(&host).to_owned(),
        _ => host.clone(),
    };
    Some(Citation {
        url: url.to_owned(),
        domain,
        owner: owner_of(&host, owned),
        origin,
    })
}

pub(super) fn collect_citations(
    text: &str,
    urls: &[Range<usize>],
    provider: &[String],
    owned: &[OwnedDomain],
) -> Vec<Citation> {
    let from_provider = provider.iter().map(|u| (u.trim(), Origin::Provider));
    let from_text = urls
        .iter()
        .filter_map(|span| text.get(span.clone()))
        .map(|u| (u, Origin::Text));
    let mut citations: Vec<Citation> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for (url, origin) in from_provider.chain(from_text) {
        if citations.len() >= MAX_CITATIONS {
            break;
        }
        if !seen.insert(url) {
            continue;
        }
        citations.extend(make_citation(url, origin, owned));
    }
    citations
}
