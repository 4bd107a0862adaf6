//! An entity's own domains and links to them as mentions: a name that is part of a host under
//! one of the entity's domains (`notion.so`, `www.notion.so/templates`, `team@notion.so`) is
//! never dropped by context words or exclude phrases, and in `auto` (for a name that is an
//! ordinary word or a day or month name) counts in any case. For such an entity, `auto` also
//! counts each of its domains written in the text (`squareup.com`) and each link to them, once,
//! unless the domain is part of a name already counted or the link's markdown text already
//! holds a mention of the entity.

use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};

use super::citations::{OwnedDomain, host_in_domain, owning_domain, parse_http_url};
use super::names::inside_url;

/// Longest host name, in bytes (RFC 1035).
const MAX_HOST: usize = 253;
/// Longest markdown link text looked through for the link's `[`, in bytes.
const MAX_LINK_TEXT: usize = 500;

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}

/// True when the occurrence at `span` is part of a host name under one of the domains that
/// entity `owner` owns (and not the bare name itself).
pub(super) fn in_own_domain(
    text: &str,
    span: &Range<usize>,
    owner: usize,
    domains: &[OwnedDomain],
) -> bool {
    if !domains.iter().any(|d| d.index == owner) {
        return false;
    }
    let bytes = text.as_bytes();
    let mut start = span.start;
    while start > 0
        && span.start - start < MAX_HOST
        && bytes.get(start - 1).is_some_and(|&b| is_host_byte(b))
    {
        start -= 1;
    }
    let mut end = span.end;
    while end - span.end < MAX_HOST && bytes.get(end).is_some_and(|&b| is_host_byte(b)) {
        end += 1;
    }
    // Host bytes are ASCII, so both ends are char boundaries.
    let Some(token) = text.get(start..end) else {
        return false;
    };
    let token = token.trim_matches(['.', '-']);
    if !token.contains('.') || token.len() > MAX_HOST {
        return false;
    }
    let host = token.to_ascii_lowercase();
    domains
        .iter()
        .filter(|d| d.index == owner)
        .any(|d| host_in_domain(&host, &d.domain))
}

/// Where the markdown link whose URL starts at `url_start` opens (its `[`), when the URL is a
/// link target `[text](url)` on one line.
fn link_text_start(text: &str, url_start: usize) -> Option<usize> {
    let close = url_start.checked_sub(2)?;
    if text.get(close..url_start)? != "](" {
        return None;
    }
    let mut from = close.saturating_sub(MAX_LINK_TEXT);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let inside = text.get(from..close)?;
    let open = inside.rfind('[')?;
    (!inside.get(open..)?.contains('\n')).then_some(from + open)
}

/// The links in the text to domains of entities whose `links` flag is set, as (byte offset,
/// entity index): a markdown link at its `[`, unless its text already holds one of
/// `accepted` (name matches, sorted by start) of that entity; any other URL where it starts.
pub(super) fn link_mentions(
    text: &str,
    urls: &[Range<usize>],
    domains: &[OwnedDomain],
    links: &[bool],
    accepted: &[(Range<usize>, usize)],
) -> Vec<(usize, usize)> {
    if !links.iter().any(|&on| on) {
        return Vec::new();
    }
    let mut found = Vec::new();
    for url in urls {
        let Some((_, host)) = text.get(url.clone()).and_then(parse_http_url) else {
            continue;
        };
        let Some(owner) = owning_domain(&host, domains).map(|d| d.index) else {
            continue;
        };
        if !links.get(owner).copied().unwrap_or(false) {
            continue;
        }
        match link_text_start(text, url.start) {
            Some(open) => {
                let from = accepted.partition_point(|(s, _)| s.start < open);
                let named = accepted
                    .get(from..)
                    .unwrap_or(&[])
                    .iter()
                    .take_while(|(s, _)| s.start < url.start)
                    .any(|(_, o)| *o == owner);
                if !named {
                    found.push((open, owner));
                }
            }
            None => found.push((url.start, owner)),
        }
    }
    found
}

/// The configured domains of the entities whose links count, compiled to find them written
/// in running text (any case).
#[derive(Debug, Clone)]
pub(super) struct DomainFinder {
    automaton: Option<AhoCorasick>,
    owners: Vec<usize>,
}

impl DomainFinder {
    pub(super) fn new(domains: &[OwnedDomain], links: &[bool]) -> DomainFinder {
        let chosen: Vec<&OwnedDomain> = domains
            .iter()
            .filter(|d| links.get(d.index).copied().unwrap_or(false) && d.domain.contains('.'))
            .collect();
        let automaton = if chosen.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .build(chosen.iter().map(|d| d.domain.as_str()))
                .ok()
        };
        DomainFinder {
            automaton,
            owners: chosen.iter().map(|d| d.index).collect(),
        }
    }

    /// The hosts under those domains written outside URLs (`squareup.com`,
    /// `dashboard.stripe.com`, `team@notion.so`), as (host span, entity index).
    pub(super) fn find(&self, text: &str, urls: &[Range<usize>]) -> Vec<(Range<usize>, usize)> {
        let Some(ac) = &self.automaton else {
            return Vec::new();
        };
        let bytes = text.as_bytes();
        let host_at = |i: usize| bytes.get(i).is_some_and(|&b| is_host_byte(b));
        let mut found = Vec::new();
        for m in ac.find_iter(text) {
            let (start, end) = (m.start(), m.end());
            // The host ends here: nothing of a longer host follows (a final dot ends a sentence).
            let continues = match bytes.get(end) {
                Some(b'.') => host_at(end + 1) && bytes.get(end + 1) != Some(&b'.'),
                Some(_) => host_at(end),
                None => false,
            };
            if continues {
                continue;
            }
            // Only whole labels: a subdomain's dot or no host char before.
            let mut host_start = start;
            if start > 0 && host_at(start - 1) {
                if bytes.get(start - 1) != Some(&b'.') {
                    continue;
                }
                while host_start > 0 && end - host_start < MAX_HOST && host_at(host_start - 1) {
                    host_start -= 1;
                }
            }
            let span = host_start..end;
            if inside_url(urls, &span) {
                continue;
            }
            if let Some(&owner) = self.owners.get(m.pattern().as_usize()) {
                found.push((span, owner));
            }
        }
        found
    }
}
