//! Classification (pure): where a session came from, from its first hit's referrer and landing
//! URL, per the channel taxonomy of DESIGN.md; and which user agents are bots.
//!
//! The precedence is implemented once, in [`Classifier::classify`], first match wins:
//! paid markers → AI assistant → email → search → social → other campaign → referral → direct.
//! The facts it works from (hosts, utm_source names, click ids, bots) are data in
//! `data/*.tsv`, embedded at compile time ([`tables`], [`agents`]). Referrers from the site's
//! own hosts are internal and count as no referrer. Untrusted text is capped in length and
//! decoded lossily; nothing here panics on any input.

pub mod agents;
pub mod tables;

use std::borrow::Cow;

pub use agents::{AiPurpose, BotAgent, bot_agent, is_asset, is_bot};
use tables::{Family, KnownSource, TABLES};

/// The channel of a session (the taxonomy reports and tests rely on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    AiAssistant,
    OrganicSearch,
    PaidSearch,
    OrganicSocial,
    PaidSocial,
    Email,
    Referral,
    Direct,
    Other,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::AiAssistant => "ai_assistant",
            Channel::OrganicSearch => "organic_search",
            Channel::PaidSearch => "paid_search",
            Channel::OrganicSocial => "organic_social",
            Channel::PaidSocial => "paid_social",
            Channel::Email => "email",
            Channel::Referral => "referral",
            Channel::Direct => "direct",
            Channel::Other => "other",
        }
    }
}

/// Campaign parameters of the landing URL (decoded, trimmed, capped; case kept).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Utm {
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub term: Option<String>,
    pub content: Option<String>,
}

impl Utm {
    fn is_empty(&self) -> bool {
        self.source.is_none() && self.medium.is_none() && self.campaign.is_none()
    }
}

/// Where a session came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub channel: Channel,
    /// Lowercase slug: the product (`chatgpt`, `google`), else the referrer's registrable
    /// domain, the utm_source, `(direct)` or `(not set)`.
    pub source: String,
    /// The search term, when a search engine's referrer carries it.
    pub term: Option<String>,
    /// Host of an external referrer.
    pub referrer_host: Option<String>,
    pub utm: Utm,
}

/// Longest utm value, search term or referrer host kept (bytes).
const MAX_VALUE_BYTES: usize = 200;
const MAX_HOST_BYTES: usize = 253;
const MAX_SOURCE_BYTES: usize = 64;
/// Referrers are cut to this length before parsing.
const MAX_REFERRER_BYTES: usize = 4096;
/// Direct traffic's source.
pub const DIRECT_SOURCE: &str = "(direct)";
/// Source of campaign traffic without utm_source.
pub const NOT_SET_SOURCE: &str = "(not set)";

/// Classifies sessions for one site.
#[derive(Debug, Clone)]
pub struct Classifier {
    internal_hosts: Vec<String>,
}

/// The external referrer of a hit, parsed.
struct Referrer {
    host: String,
    path: String,
    query: Option<String>,
    /// `android-app://package/`: the host is an app's package name.
    app: bool,
}

/// What the landing URL carries.
#[derive(Default)]
struct Landing {
    utm: Utm,
    /// The first paid click id present (lowercase name).
    click_id: Option<String>,
}

impl Classifier {
    /// `internal_hosts`: the site's own hosts (referrers from them, or their subdomains, are
    /// internal).
    pub fn new(internal_hosts: &[String]) -> Classifier {
        Classifier {
            internal_hosts: internal_hosts
                .iter()
                .map(|h| normalise_host(h))
                .filter(|h| !h.is_empty())
                .collect(),
        }
    }

    /// True when `referrer` points at one of the site's own hosts.
    pub fn is_internal_referrer(&self, referrer: &str) -> bool {
        parse_referrer(referrer).is_some_and(|r| self.is_internal_host(&r.host))
    }

    fn is_internal_host(&self, host: &str) -> bool {
        self.internal_hosts.iter().any(|own| host_within(host, own))
    }

    /// Classifies a session by its first hit's referrer and request target.
    pub fn classify(&self, referrer: Option<&str>, target: &str) -> Classification {
        let landing = parse_landing(target);
        let referrer = referrer
            .and_then(parse_referrer)
            .filter(|r| !self.is_internal_host(&r.host));
        let from_referrer = referrer
            .as_ref()
            .and_then(|r| TABLES.host(&r.host, &r.path));
        let utm_source = landing.utm.source.as_deref().map(str::to_ascii_lowercase);
        let from_utm = utm_source.as_deref().and_then(|s| TABLES.utm_source(s));
        let facts = Facts {
            referrer: referrer.as_ref(),
            from_referrer,
            utm_source: utm_source.as_deref(),
            from_utm,
            medium: landing.utm.medium.as_deref().map(str::to_ascii_lowercase),
            click_id: landing.click_id.as_deref(),
            campaign_tagged: !landing.utm.is_empty(),
        };
        let (channel, source) = facts.decide();
        let term = match channel {
            Channel::OrganicSearch | Channel::PaidSearch => facts.search_term(),
            _ => None,
        };
        Classification {
            channel,
            source: cap(&source, MAX_SOURCE_BYTES).to_string(),
            term,
            referrer_host: referrer.map(|r| cap(&r.host, MAX_HOST_BYTES).to_string()),
            utm: landing.utm,
        }
    }
}

/// Everything the precedence rules look at.
struct Facts<'a> {
    referrer: Option<&'a Referrer>,
    from_referrer: Option<&'a KnownSource>,
    utm_source: Option<&'a str>,
    from_utm: Option<&'a KnownSource>,
    medium: Option<String>,
    click_id: Option<&'a str>,
    /// Any of utm_source, utm_medium, utm_campaign present.
    campaign_tagged: bool,
}

impl Facts<'_> {
    /// The precedence of DESIGN.md, first match wins.
    fn decide(&self) -> (Channel, String) {
        if let Some(paid) = self.paid() {
            return paid;
        }
        if let Some(source) = self.known(Family::Ai) {
            return (Channel::AiAssistant, source);
        }
        if let Some(source) = self.email() {
            return (Channel::Email, source);
        }
        if let Some(source) = self
            .known(Family::Search)
            .or_else(|| self.medium_says(is_organic_medium))
        {
            return (Channel::OrganicSearch, source);
        }
        if let Some(source) = self
            .known(Family::Social)
            .or_else(|| self.medium_says(is_social_medium))
        {
            return (Channel::OrganicSocial, source);
        }
        if self.campaign_tagged {
            return (Channel::Other, self.campaign_source());
        }
        match self.referrer {
            Some(referrer) => (Channel::Referral, referral_source(referrer)),
            None => (Channel::Direct, DIRECT_SOURCE.to_string()),
        }
    }

    /// The slug of a known source of `family`, from the referrer first, else the utm_source.
    fn known(&self, family: Family) -> Option<String> {
        [self.from_referrer, self.from_utm]
            .into_iter()
            .flatten()
            .find(|k| k.family == family)
            .map(|k| k.slug.clone())
    }

    /// Paid markers: a click id, or a paid-like utm_medium.
    fn paid(&self) -> Option<(Channel, String)> {
        let by_click = self.click_id.and_then(|id| TABLES.click_id(id));
        let paid_medium = self.medium.as_deref().is_some_and(is_paid_medium);
        if by_click.is_none() && !paid_medium {
            return None;
        }
        let known = by_click
            .filter(|k| k.family != Family::Other)
            .or(self.from_referrer)
            .or(self.from_utm);
        let source = by_click
            .map(|k| k.slug.clone())
            .or_else(|| known.map(|k| k.slug.clone()))
            .unwrap_or_else(|| self.campaign_source());
        let channel = match known.map(|k| k.family) {
            Some(Family::Search | Family::Ai) => Channel::PaidSearch,
            Some(Family::Social) => Channel::PaidSocial,
            _ => Channel::Other,
        };
        Some((channel, source))
    }

    fn email(&self) -> Option<String> {
        if let Some(source) = self.known(Family::Email) {
            return Some(source);
        }
        self.medium_says(is_email_medium)
    }

    /// The campaign source when the utm_medium alone decides the channel.
    fn medium_says(&self, test: fn(&str) -> bool) -> Option<String> {
        self.medium
            .as_deref()
            .is_some_and(test)
            .then(|| self.campaign_source())
    }

    /// A known slug for the utm_source, else the utm_source itself, else `(not set)`.
    fn campaign_source(&self) -> String {
        match (self.from_utm, self.utm_source) {
            (Some(known), _) => known.slug.clone(),
            (None, Some(value)) => value.to_string(),
            (None, None) => NOT_SET_SOURCE.to_string(),
        }
    }

    /// The search term from the referrer's query, by the engine's parameter names.
    fn search_term(&self) -> Option<String> {
        let known = self.from_referrer.filter(|k| k.family == Family::Search)?;
        let query = self.referrer?.query.as_deref()?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, value)| {
                !value.trim().is_empty()
                    && known
                        .term_params
                        .iter()
                        .any(|p| p.eq_ignore_ascii_case(key))
            })
            .map(|(_, value)| cap(value.trim(), MAX_VALUE_BYTES).to_string())
    }
}

/// GA4's paid rule: `^(.*cp.*|ppc|retargeting|paid.*)$`.
fn is_paid_medium(medium: &str) -> bool {
    medium.contains("cp")
        || medium == "ppc"
        || medium == "retargeting"
        || medium.starts_with("paid")
}

fn is_email_medium(medium: &str) -> bool {
    matches!(
        medium,
        "email" | "e-mail" | "e_mail" | "e mail" | "newsletter" | "mail"
    )
}

fn is_organic_medium(medium: &str) -> bool {
    medium == "organic"
}

fn is_social_medium(medium: &str) -> bool {
    matches!(
        medium,
        "social" | "social-network" | "social-media" | "sm" | "social network" | "social media"
    )
}

/// A referral's source: the registrable domain of its host (an address stays as it is).
fn referral_source(referrer: &Referrer) -> String {
    if referrer.app || referrer.host.parse::<std::net::IpAddr>().is_ok() {
        return referrer.host.clone();
    }
    psl::domain_str(&referrer.host)
        .unwrap_or(&referrer.host)
        .to_string()
}

/// The parts of a referrer URL, or None when it has no usable host.
fn parse_referrer(raw: &str) -> Option<Referrer> {
    let raw = cap(raw.trim(), MAX_REFERRER_BYTES);
    let url = url::Url::parse(raw).ok()?;
    let host = normalise_host(url.host_str()?);
    if host.is_empty() {
        return None;
    }
    Some(Referrer {
        app: url.scheme().eq_ignore_ascii_case("android-app"),
        host,
        path: url.path().to_string(),
        query: url.query().map(str::to_string),
    })
}

/// Lowercase, without a trailing dot, IPv6 brackets or port.
fn normalise_host(host: &str) -> String {
    let host = host.trim().trim_end_matches('.');
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let host = match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    };
    host.to_ascii_lowercase()
}

/// True when `host` is `own` or one of its subdomains.
fn host_within(host: &str, own: &str) -> bool {
    host == own
        || host
            .strip_suffix(own)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

/// Reads utm parameters and the first paid click id from a request target.
fn parse_landing(target: &str) -> Landing {
    let mut landing = Landing::default();
    let Some((_, query)) = target.split_once('?') else {
        return landing;
    };
    let query = query.split('#').next().unwrap_or("");
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let key = key.to_ascii_lowercase();
        let slot = match key.as_str() {
            "utm_source" => &mut landing.utm.source,
            "utm_medium" => &mut landing.utm.medium,
            "utm_campaign" => &mut landing.utm.campaign,
            "utm_term" => &mut landing.utm.term,
            "utm_content" => &mut landing.utm.content,
            _ => {
                if landing.click_id.is_none()
                    && TABLES.click_id(&key).is_some()
                    && !value.is_empty()
                {
                    landing.click_id = Some(key);
                }
                continue;
            }
        };
        if slot.is_none() {
            *slot = clean_value(value);
        }
    }
    landing
}

/// Trimmed and capped; empty is None.
fn clean_value(value: Cow<'_, str>) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| cap(value, MAX_VALUE_BYTES).to_string())
}

/// `text` cut to at most `max` bytes on a char boundary.
fn cap(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests;
