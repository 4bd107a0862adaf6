//! Classification (pure): where a session came from, from its first hit's referrer and
//! landing URL, per the channel taxonomy in ARCHITECTURE.md; which user agents are bots; which
//! requests are static assets.
//!
//! - [`Classifier`] (this file) gathers the signals of a session start and returns a
//!   [`Classification`]; the precedence itself (paid markers → AI assistant → email →
//!   campaign tags that name a channel (GA4's rules) → search → social → other campaign →
//!   referral → direct) is in `rules`.
//! - `referrer` and `landing` parse the `Referer` header and the landing URL's query (utm
//!   parameters, click ids); `text` caps and cleans untrusted text.
//! - `sources` holds the known hosts, utm_source names and click ids; [`bots`] the bot
//!   user agents; [`assets`] the static-file extensions.
//!
//! The facts are data in `data/*.tsv`, built by `tools/build_classify_data.py` from public
//! lists (each file's header names its sources and licences) and embedded at compile time;
//! the lookup tables are built once per process. Referrers from the site's own hosts are
//! internal and count as no referrer. Untrusted text is capped and decoded lossily; nothing
//! here panics on any input.

pub mod assets;
pub mod bots;
mod landing;
mod overrides;
pub mod record;
mod referrer;
mod rules;
mod sources;
mod text;

pub use assets::is_asset;
pub use bots::{AiPurpose, BotAgent, BotCache, NO_USER_AGENT, bot, bot_agent, is_bot};
pub use overrides::{RuleError, RuleMatch, SourceRule};
pub use text::cap;

use landing::Landing;
use overrides::Overrides;
use referrer::{HostKind, Referrer};
use rules::Signals;
use sources::{Family, KnownSource, SOURCES};

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
    /// The channel as stored and reported: `ai_assistant`, `organic_search`, ….
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

    /// Every channel, in the taxonomy's order.
    pub const ALL: [Channel; 9] = [
        Channel::AiAssistant,
        Channel::OrganicSearch,
        Channel::PaidSearch,
        Channel::OrganicSocial,
        Channel::PaidSocial,
        Channel::Email,
        Channel::Referral,
        Channel::Direct,
        Channel::Other,
    ];

    /// The channel named `text` (as [`Channel::as_str`] writes it).
    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// Campaign parameters of the landing URL: percent-decoded, trimmed, capped at 200 bytes,
/// case kept; empty values are None.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Utm {
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub term: Option<String>,
    pub content: Option<String>,
}

impl Utm {
    /// Any of utm_source, utm_medium, utm_campaign present (utm_term and utm_content alone
    /// do not make campaign traffic).
    fn is_campaign_tagged(&self) -> bool {
        self.source.is_some() || self.medium.is_some() || self.campaign.is_some()
    }
}

/// Where a session came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub channel: Channel,
    /// Lowercase slug: the product (`chatgpt`, `google`), else the referrer's registrable
    /// domain (`g2.com`), the utm_source, `(direct)` or `(not set)`.
    pub source: String,
    /// The search term a search engine's referrer carries (search channels only).
    pub term: Option<String>,
    /// Lowercase host of an external referrer (an Android app's package name).
    pub referrer_host: Option<String>,
    pub utm: Utm,
}

/// Classifies the sessions of one site. Cheap to build: the built-in tables are shared.
#[derive(Debug, Clone)]
pub struct Classifier {
    /// The site's own hosts, normalised.
    internal_hosts: Vec<String>,
    /// The site's own source rules, tried before the built-in tables.
    overrides: Overrides,
}

impl Classifier {
    /// `internal_hosts`: the site's own hosts (referrers from them, or from their
    /// subdomains, are internal).
    pub fn new(internal_hosts: &[String]) -> Classifier {
        let internal_hosts = internal_hosts
            .iter()
            .map(|host| referrer::normalise_host(host))
            .filter(|host| !host.is_empty())
            .collect();
        Classifier {
            internal_hosts,
            overrides: Overrides::default(),
        }
    }

    /// A classifier with the site's own source `rules`, which win over the built-in lists.
    /// The error names the rule at fault by its index.
    pub fn with_rules(
        internal_hosts: &[String],
        rules: &[SourceRule],
    ) -> Result<Classifier, (usize, RuleError)> {
        Ok(Classifier {
            overrides: Overrides::new(rules)?,
            ..Classifier::new(internal_hosts)
        })
    }

    /// Classifies a session by its first hit. `referrer`: the `Referer` header (None when
    /// absent); `target`: the request target, `/path?query` or an absolute URL.
    pub fn classify(&self, referrer: Option<&str>, target: &str) -> Classification {
        let referrer = referrer
            .and_then(Referrer::parse)
            .filter(|r| !self.is_internal_host(&r.host));
        let landing = Landing::parse(target);
        let referrer_source = referrer.as_ref().and_then(|r| self.known_referrer(r));
        let utm_source = landing.utm.source.as_deref().map(str::to_lowercase);
        let utm_medium = landing.utm.medium.as_deref().map(str::to_lowercase);
        let named = utm_source.as_deref().and_then(|s| self.known_utm_source(s));
        let paid = utm_source
            .as_deref()
            .and_then(|s| rules::paid_utm_source(s, |word| self.known_utm_source(word)));
        let signals = Signals {
            referrer: referrer.as_ref(),
            referrer_source,
            utm_source: utm_source.as_deref(),
            utm_known: named.or(paid.flatten()),
            paid_source: paid.is_some(),
            utm_medium: utm_medium.as_deref(),
            campaign_tagged: landing.utm.is_campaign_tagged(),
            paid_click: landing.paid_click,
            organic_click: landing.organic_click,
        };
        let (channel, source) = signals.decide();
        Classification {
            channel,
            source,
            term: search_term(channel, referrer.as_ref(), referrer_source),
            referrer_host: referrer.map(|r| r.host.into_owned()),
            utm: landing.utm,
        }
    }

    /// True when `referrer` points at one of the site's own hosts (or their subdomains).
    pub fn is_internal_referrer(&self, referrer: &str) -> bool {
        Referrer::parse(referrer).is_some_and(|r| self.is_internal_host(&r.host))
    }

    /// True when `host`, a referrer host as stored (a domain or an Android app's package),
    /// is internal or named as a source by a site rule or the built-in lists. Plain websites
    /// (a referral the lists know only as a website) are not named.
    pub fn names_referrer_host(&self, host: &str) -> bool {
        let named = |known: Option<KnownSource<'_>>| {
            known.is_some_and(|k| !k.slug.is_empty() || k.family != Family::Referral)
        };
        self.is_internal_host(host)
            || named(
                self.overrides
                    .by_host(host, "/")
                    .or_else(|| SOURCES.by_host(host, "/")),
            )
            || named(self.overrides.by_app(host).or_else(|| SOURCES.by_app(host)))
    }

    fn is_internal_host(&self, host: &str) -> bool {
        self.internal_hosts
            .iter()
            .any(|own| referrer::is_within(host, own))
    }

    /// The referrer's entry: the site's rules first, then the source tables (by host, or by
    /// package for Android apps).
    fn known_referrer(&self, referrer: &Referrer<'_>) -> Option<KnownSource<'_>> {
        match referrer.kind {
            HostKind::Domain => self
                .overrides
                .by_host(&referrer.host, &referrer.path)
                .or_else(|| SOURCES.by_host(&referrer.host, &referrer.path)),
            HostKind::AndroidApp => self
                .overrides
                .by_app(&referrer.host)
                .or_else(|| SOURCES.by_app(&referrer.host)),
            HostKind::Ip => None,
        }
    }

    /// The source a utm_source value (lowercase) names: the site's rules first.
    fn known_utm_source(&self, value: &str) -> Option<KnownSource<'_>> {
        self.overrides
            .by_utm_source(value)
            .or_else(|| SOURCES.by_utm_source(value))
    }
}

/// The search term of a search channel's session, from a search engine's referrer.
fn search_term(
    channel: Channel,
    referrer: Option<&Referrer<'_>>,
    referrer_source: Option<KnownSource<'_>>,
) -> Option<String> {
    let searched = matches!(channel, Channel::OrganicSearch | Channel::PaidSearch);
    let engine = referrer_source.filter(|s| searched && s.family == Family::Search)?;
    referrer?.search_term(&engine)
}

#[cfg(test)]
mod tests;
