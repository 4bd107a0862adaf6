//! The channel precedence (ARCHITECTURE.md), first match wins:
//! paid markers → AI assistant → email → campaign tags that name a channel → search →
//! social → other campaign → referral → direct. Each step looks at the [`Signals`] of a
//! session start and either decides the channel and source or passes.
//!
//! Campaign tags follow GA4's default channel group where aivis has the channel: a paid
//! medium (`^(.*cp.*|ppc|retargeting|paid.*)$`) or a paid token in utm_source (`google_ads`)
//! is paid; a GA4 search source or `utm_medium=organic` is organic search; a GA4 social or
//! video source, a social medium or a medium containing `video` is organic social;
//! `referral`, `app` and `link` media are referrals; email words in source or medium are
//! email. Where aivis differs: an AI assistant comes before any campaign rule but paid
//! markers; email comes before the search and social source lists (the medium says what
//! the message was); GA4's shopping sources are referrals (paid: other); display, affiliate,
//! audio, SMS and push traffic is other. The tags beat a search or social referrer (as in
//! GA4, where they replace it); tags that name no channel leave the referrer to decide.

use super::Channel;
use super::referrer::Referrer;
use super::sources::{ClickId, Family, KnownSource};
use super::text::cap;

/// Direct traffic's source.
const DIRECT_SOURCE: &str = "(direct)";
/// Source of campaign traffic that names none.
const NOT_SET_SOURCE: &str = "(not set)";
/// Longest source kept when it comes from a utm_source (bytes).
const MAX_UTM_SOURCE_BYTES: usize = 64;

/// What a session start says about where it came from.
pub(super) struct Signals<'a> {
    /// An external referrer (internal ones are dropped before).
    pub referrer: Option<&'a Referrer<'a>>,
    /// The referrer's entry in the source tables.
    pub referrer_source: Option<KnownSource<'a>>,
    /// utm_source, lowercase.
    pub utm_source: Option<&'a str>,
    /// The known source utm_source names (for a paid utm_source such as `google_ads`, the
    /// known source among its other words).
    pub utm_known: Option<KnownSource<'a>>,
    /// utm_source marks an ad click ([`paid_utm_source`]).
    pub paid_source: bool,
    /// utm_medium, lowercase.
    pub utm_medium: Option<&'a str>,
    /// Any of utm_source, utm_medium, utm_campaign present.
    pub campaign_tagged: bool,
    /// The landing URL's first paid click id (`gclid`).
    pub paid_click: Option<ClickId>,
    /// The landing URL's first click id that only names a source (`fbclid`).
    pub organic_click: Option<ClickId>,
}

/// A decided channel and its source slug.
pub(super) type Verdict = (Channel, String);

impl Signals<'_> {
    /// The channel and source, by the first rule that matches.
    pub fn decide(&self) -> Verdict {
        self.paid()
            .or_else(|| self.ai_assistant())
            .or_else(|| self.email())
            .or_else(|| self.tagged())
            .or_else(|| self.search())
            .or_else(|| self.social())
            .or_else(|| self.campaign())
            .unwrap_or_else(|| self.referral_or_direct())
    }

    /// Paid markers: a paid click id, a paid utm_medium or a paid word in utm_source. The
    /// source is the click id's network, else utm_source's known source, else the
    /// referrer's (whose family picks the channel), else the campaign source; paid traffic
    /// from an unknown network (or a shopping site) is other.
    fn paid(&self) -> Option<Verdict> {
        let paid_medium = self.utm_medium.is_some_and(is_paid_medium);
        if self.paid_click.is_none() && !paid_medium && !self.paid_source {
            return None;
        }
        let (family, slug) = match self.paid_click {
            Some(ClickId {
                family,
                slug: Some(slug),
                ..
            }) => (family, slug.to_string()),
            _ => match self.utm_known.or(self.known_referrer()) {
                Some(known) => (Some(known.family), known.slug.to_string()),
                None => (None, self.campaign_source()),
            },
        };
        let channel = match family {
            Some(Family::Search | Family::Ai) => Channel::PaidSearch,
            Some(Family::Social) => Channel::PaidSocial,
            _ => Channel::Other,
        };
        Some((channel, slug))
    }

    /// An AI assistant's referrer, else an AI assistant's utm_source.
    fn ai_assistant(&self) -> Option<Verdict> {
        self.known_of(Family::Ai)
            .map(|slug| (Channel::AiAssistant, slug))
    }

    /// A webmail referrer or mail app; an email-like utm_medium or utm_source; a mail
    /// product as utm_source.
    fn email(&self) -> Option<Verdict> {
        if let Some(slug) = self.referrer_of(Family::Email) {
            return Some((Channel::Email, slug));
        }
        let tagged_email = self.utm_medium.is_some_and(is_email_word)
            || self.utm_source.is_some_and(is_email_word);
        if tagged_email {
            return Some((Channel::Email, self.campaign_source()));
        }
        self.utm_of(Family::Email)
            .map(|slug| (Channel::Email, slug))
    }

    /// Campaign tags that name a channel, in GA4's order: a display medium (other); a
    /// shopping source (referral); a social or video source or medium (organic social); a
    /// search source or `organic` medium (organic search); a referral medium; a medium or
    /// source of a channel aivis lacks (affiliate, audio, SMS, push: other).
    fn tagged(&self) -> Option<Verdict> {
        let medium = self.utm_medium.map(Medium::of);
        let source_family = self.utm_known.map(|k| k.family);
        let channel = if medium == Some(Medium::Display) {
            Channel::Other
        } else if source_family == Some(Family::Shopping) {
            Channel::Referral
        } else if source_family == Some(Family::Social)
            || matches!(medium, Some(Medium::Social | Medium::Video))
        {
            Channel::OrganicSocial
        } else if source_family == Some(Family::Search) || medium == Some(Medium::Organic) {
            Channel::OrganicSearch
        } else if medium == Some(Medium::Referral) {
            Channel::Referral
        } else if medium == Some(Medium::OtherChannel)
            || self
                .utm_source
                .is_some_and(|s| matches!(s, "sms" | "firebase"))
        {
            Channel::Other
        } else {
            return None;
        };
        Some((channel, self.campaign_source()))
    }

    /// A search engine's referrer.
    fn search(&self) -> Option<Verdict> {
        self.referrer_of(Family::Search)
            .map(|slug| (Channel::OrganicSearch, slug))
    }

    /// A social network's referrer, else a social click id (`fbclid`).
    fn social(&self) -> Option<Verdict> {
        let clicked = || {
            self.organic_click
                .filter(|click| click.family == Some(Family::Social))
                .and_then(|click| click.slug)
                .map(str::to_string)
        };
        self.referrer_of(Family::Social)
            .or_else(clicked)
            .map(|slug| (Channel::OrganicSocial, slug))
    }

    /// Campaign-tagged traffic that fits no channel above.
    fn campaign(&self) -> Option<Verdict> {
        self.campaign_tagged
            .then(|| (Channel::Other, self.campaign_source()))
    }

    /// A referral is named by the site rule's source when one names it, else by the
    /// referrer's registrable domain.
    fn referral_or_direct(&self) -> Verdict {
        let named = self
            .referrer_source
            .filter(|k| k.family == Family::Referral && !k.slug.is_empty());
        match (self.referrer, named) {
            (Some(_), Some(known)) => (Channel::Referral, known.slug.to_string()),
            (Some(referrer), None) => {
                (Channel::Referral, referrer.registrable_domain().to_string())
            }
            (None, _) => (Channel::Direct, DIRECT_SOURCE.to_string()),
        }
    }

    /// The referrer's known source, unless it is a plain website.
    fn known_referrer(&self) -> Option<KnownSource<'_>> {
        self.referrer_source
            .filter(|k| k.family != Family::Referral)
    }

    /// The slug of the referrer's `family` source; an entry without a slug (`webmail.*`)
    /// is named by the referrer's registrable domain.
    fn referrer_of(&self, family: Family) -> Option<String> {
        let known = self.referrer_source.filter(|k| k.family == family)?;
        match (known.slug, self.referrer) {
            ("", Some(referrer)) => Some(referrer.registrable_domain().to_string()),
            (slug, _) => Some(slug.to_string()),
        }
    }

    fn utm_of(&self, family: Family) -> Option<String> {
        self.utm_known
            .filter(|k| k.family == family)
            .map(|k| k.slug.to_string())
    }

    /// The slug of a `family` source, from the referrer first, else from utm_source.
    fn known_of(&self, family: Family) -> Option<String> {
        self.referrer_of(family).or_else(|| self.utm_of(family))
    }

    /// Source of campaign traffic: utm_source's known slug, else utm_source itself (capped),
    /// else the referrer's known slug or its domain, else `(not set)`.
    fn campaign_source(&self) -> String {
        if let Some(known) = self.utm_known {
            return known.slug.to_string();
        }
        if let Some(value) = self.utm_source {
            return cap(value, MAX_UTM_SOURCE_BYTES).to_string();
        }
        let known = self.known_referrer().filter(|k| !k.slug.is_empty());
        match (self.referrer, known) {
            (Some(_), Some(known)) => known.slug.to_string(),
            (Some(referrer), None) => referrer.registrable_domain().to_string(),
            (None, _) => NOT_SET_SOURCE.to_string(),
        }
    }
}

/// What a utm_medium says, by GA4's default channel group (lowercase medium).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Medium {
    /// `display`, `banner`, `expandable`, `interstitial` (GA4's Display; `cpm` is paid).
    Display,
    /// `social`, `social-network`, `social-media`, `sm`, `social network`, `social media`.
    Social,
    /// Contains `video` (GA4's Organic Video; aivis counts video sites as social).
    Video,
    /// `organic`.
    Organic,
    /// `referral`, `app`, `link`.
    Referral,
    /// A channel aivis has not: `affiliate`, `audio`, `sms`, push (`…push`, `mobile`,
    /// `notification`).
    OtherChannel,
    /// Anything else (paid and email media are decided before).
    Unnamed,
}

impl Medium {
    fn of(medium: &str) -> Medium {
        match medium {
            "display" | "banner" | "expandable" | "interstitial" => Medium::Display,
            "social" | "social-network" | "social-media" | "sm" | "social network"
            | "social media" => Medium::Social,
            "organic" => Medium::Organic,
            "referral" | "app" | "link" => Medium::Referral,
            "affiliate" | "audio" | "sms" => Medium::OtherChannel,
            m if m.contains("video") => Medium::Video,
            m if m.ends_with("push") || m.contains("mobile") || m.contains("notification") => {
                Medium::OtherChannel
            }
            _ => Medium::Unnamed,
        }
    }
}

/// GA4's paid-medium rule: `^(.*cp.*|ppc|retargeting|paid.*)$` (cpc, cpm, ppc, paid_social…).
fn is_paid_medium(medium: &str) -> bool {
    medium.contains("cp")
        || medium == "ppc"
        || medium == "retargeting"
        || medium.starts_with("paid")
}

/// Words of a utm_source that mark an ad click.
const PAID_WORDS: &[&str] = &["ads", "ad", "adwords", "paid", "ppc", "cpc", "cpm"];
/// utm_sources with more words than this are not read for paid words.
const MAX_SOURCE_WORDS: usize = 8;

/// Whether a utm_source (lowercase) marks an ad click, and the ad network it names, by
/// `known` (the source tables). Words are runs of letters and digits. A source is paid when
/// a word is a paid word (`google_ads`, `fb-ads`, `adwords`, `paid-social`): its network is
/// the first word with a known source (`adwords` names Google). It is paid too when a word
/// is a known search, social or AI source's name joined to `ads` (`googleads`, `fbads`).
/// None: not paid; `Some(None)`: paid, network unknown.
pub(super) fn paid_utm_source<'k>(
    source: &str,
    known: impl Fn(&str) -> Option<KnownSource<'k>>,
) -> Option<Option<KnownSource<'k>>> {
    let words = || {
        source
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
    };
    if words().nth(MAX_SOURCE_WORDS).is_some() {
        return None;
    }
    let network = |word: &str| known(word).filter(|k| k.family != Family::Referral);
    let joined = || {
        words()
            .filter(|w| w.len() > 3)
            .filter_map(|w| w.strip_suffix("ads"))
            .filter_map(network)
            .find(|k| matches!(k.family, Family::Search | Family::Social | Family::Ai))
    };
    if words().any(|w| PAID_WORDS.contains(&w)) {
        let named = words()
            .filter(|w| *w == "adwords" || !PAID_WORDS.contains(w))
            .find_map(network);
        return Some(named.or_else(joined));
    }
    joined().map(Some)
}

/// utm values that mean email (GA4's list, plus `newsletter`).
fn is_email_word(value: &str) -> bool {
    matches!(
        value,
        "email" | "e-mail" | "e_mail" | "e mail" | "newsletter"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paid_media_follow_ga4() {
        for medium in [
            "cpc",
            "cpm",
            "ppc",
            "paid",
            "paid_social",
            "paidsearch",
            "retargeting",
        ] {
            assert!(is_paid_medium(medium), "{medium}");
        }
        for medium in [
            "email",
            "organic",
            "social",
            "affiliate",
            "referral",
            "display",
        ] {
            assert!(!is_paid_medium(medium), "{medium}");
        }
    }

    #[test]
    fn media_by_ga4() {
        for (medium, kind) in [
            ("display", Medium::Display),
            ("banner", Medium::Display),
            ("interstitial", Medium::Display),
            ("social", Medium::Social),
            ("social network", Medium::Social),
            ("sm", Medium::Social),
            ("video", Medium::Video),
            ("paid_video_x", Medium::Video),
            ("organic", Medium::Organic),
            ("referral", Medium::Referral),
            ("app", Medium::Referral),
            ("link", Medium::Referral),
            ("affiliate", Medium::OtherChannel),
            ("sms", Medium::OtherChannel),
            ("web_push", Medium::OtherChannel),
            ("mobile-app", Medium::OtherChannel),
            ("notification", Medium::OtherChannel),
            ("review", Medium::Unnamed),
            ("organic-social", Medium::Unnamed),
            ("", Medium::Unnamed),
        ] {
            assert_eq!(Medium::of(medium), kind, "{medium}");
        }
    }

    #[test]
    fn paid_words_in_utm_source() {
        let google = KnownSource {
            family: Family::Search,
            slug: "google",
            term_params: "",
            charsets: "",
        };
        let known = |word: &str| matches!(word, "google" | "adwords").then_some(google);
        let paid = |source: &str| paid_utm_source(source, known).map(|n| n.map(|k| k.slug));
        assert_eq!(paid("google_ads"), Some(Some("google")));
        assert_eq!(paid("ads-google"), Some(Some("google")));
        assert_eq!(paid("adwords"), Some(Some("google")));
        assert_eq!(paid("googleads"), Some(Some("google")));
        assert_eq!(paid("google cpc"), Some(Some("google")));
        assert_eq!(paid("ads"), Some(None));
        assert_eq!(paid("partner-paid"), Some(None));
        assert_eq!(paid("google"), None);
        assert_eq!(paid("threads"), None);
        assert_eq!(paid("roads"), None);
        assert_eq!(paid("adsense"), None);
        assert_eq!(paid(""), None);
        // Many words are not read.
        assert_eq!(paid(&"x ".repeat(20).replace("x x", "ads x")), None);
    }

    #[test]
    fn email_words() {
        for word in ["email", "e-mail", "e_mail", "e mail", "newsletter"] {
            assert!(is_email_word(word));
        }
        assert!(!is_email_word("mailchimp"));
    }
}
