//! The channel precedence (ARCHITECTURE.md), first match wins:
//! paid markers → AI assistant → email → search → social → other campaign → referral →
//! direct. Each step looks at the [`Signals`] of a session start and either decides the
//! channel and source or passes.

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
    /// The known source utm_source names.
    pub utm_known: Option<KnownSource<'a>>,
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
            .or_else(|| self.search())
            .or_else(|| self.social())
            .or_else(|| self.campaign())
            .unwrap_or_else(|| self.referral_or_direct())
    }

    /// Paid markers: a paid click id or a paid-like utm_medium. The source is the click id's
    /// network, else the referrer's or utm_source's known source (whose family picks the
    /// channel), else the campaign source; paid traffic from an unknown network is other.
    fn paid(&self) -> Option<Verdict> {
        let paid_medium = self.utm_medium.is_some_and(is_paid_medium);
        if self.paid_click.is_none() && !paid_medium {
            return None;
        }
        let (family, slug) = match self.paid_click {
            Some(ClickId {
                family,
                slug: Some(slug),
                ..
            }) => (family, slug.to_string()),
            _ => match self.known_referrer().or(self.utm_known) {
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

    /// A search engine's referrer, or utm_medium=organic with a search engine's utm_source.
    fn search(&self) -> Option<Verdict> {
        let organic_tagged = || {
            self.utm_medium
                .is_some_and(|m| m == "organic")
                .then(|| self.utm_of(Family::Search))
                .flatten()
        };
        self.referrer_of(Family::Search)
            .or_else(organic_tagged)
            .map(|slug| (Channel::OrganicSearch, slug))
    }

    /// A social network's referrer or utm_source, else a social click id (`fbclid`).
    fn social(&self) -> Option<Verdict> {
        let clicked = || {
            self.organic_click
                .filter(|click| click.family == Some(Family::Social))
                .and_then(|click| click.slug)
                .map(str::to_string)
        };
        self.known_of(Family::Social)
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

    fn referrer_of(&self, family: Family) -> Option<String> {
        self.referrer_source
            .filter(|k| k.family == family)
            .map(|k| k.slug.to_string())
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
    /// else the referrer's domain, else `(not set)`.
    fn campaign_source(&self) -> String {
        if let Some(known) = self.utm_known {
            return known.slug.to_string();
        }
        if let Some(value) = self.utm_source {
            return cap(value, MAX_UTM_SOURCE_BYTES).to_string();
        }
        match self.referrer {
            Some(referrer) => referrer.registrable_domain().to_string(),
            None => NOT_SET_SOURCE.to_string(),
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
    fn email_words() {
        for word in ["email", "e-mail", "e_mail", "e mail", "newsletter"] {
            assert!(is_email_word(word));
        }
        assert!(!is_email_word("mailchimp"));
    }
}
