//! The landing side of a session start: the campaign parameters (`utm_*`) and click ids in
//! the query of the first request target (`/path?query` or an absolute URL).

use super::Utm;
use super::sources::{ClickId, SOURCES};
use super::text::clean_value;

/// Longest utm value kept (bytes).
const MAX_UTM_BYTES: usize = 200;
/// Only this much of a request target is read (bytes); the rest is ignored.
const MAX_TARGET_BYTES: usize = 16 * 1024;
/// No click-id parameter name is longer than this.
const MAX_CLICK_ID_NAME: usize = 16;

/// What the landing URL says about where the visit came from.
#[derive(Debug, Default)]
pub(super) struct Landing {
    pub utm: Utm,
    /// The first click id that marks a paid click.
    pub paid_click: Option<ClickId>,
    /// The first click id that only names a source (`fbclid`).
    pub organic_click: Option<ClickId>,
}

impl Landing {
    /// Reads the query of a request target. The first non-empty value of each parameter wins;
    /// parameter names match case-insensitively.
    pub fn parse(target: &str) -> Landing {
        let mut landing = Landing::default();
        let Some(query) = query_of(target) else {
            return landing;
        };
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            if let Some(slot) = landing.utm_slot(&key) {
                if slot.is_none() {
                    *slot = clean_value(value, MAX_UTM_BYTES);
                }
            } else if !value.trim().is_empty() {
                landing.note_click_id(&key);
            }
        }
        landing
    }

    /// The field of a `utm_*` parameter name.
    fn utm_slot(&mut self, key: &str) -> Option<&mut Option<String>> {
        let prefix = key.get(..4).filter(|p| p.eq_ignore_ascii_case("utm_"))?;
        let name = &key[prefix.len()..];
        let utm = &mut self.utm;
        [
            ("source", &mut utm.source),
            ("medium", &mut utm.medium),
            ("campaign", &mut utm.campaign),
            ("term", &mut utm.term),
            ("content", &mut utm.content),
        ]
        .into_iter()
        .find(|(field, _)| name.eq_ignore_ascii_case(field))
        .map(|(_, slot)| slot)
    }

    fn note_click_id(&mut self, key: &str) {
        if key.len() > MAX_CLICK_ID_NAME {
            return;
        }
        let Some(click) = SOURCES.click_id(&key.to_ascii_lowercase()) else {
            return;
        };
        let slot = if click.paid {
            &mut self.paid_click
        } else {
            &mut self.organic_click
        };
        slot.get_or_insert(click);
    }
}

/// The query of a request target: after the first `?`, before any `#`.
fn query_of(target: &str) -> Option<&str> {
    let target = super::text::cap(target, MAX_TARGET_BYTES);
    let before_fragment = match memchr::memchr(b'#', target.as_bytes()) {
        Some(fragment) => &target[..fragment],
        None => target,
    };
    memchr::memchr(b'?', before_fragment.as_bytes()).map(|q| &before_fragment[q + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utm_values_are_decoded_trimmed_and_capped() {
        let landing = Landing::parse(
            "/p?utm_source=News%20Letter&UTM_MEDIUM=e+mail&utm_campaign=%20&utm_term=a%FFb\
             &utm_content=x#utm_source=fragment",
        );
        let utm = landing.utm;
        assert_eq!(utm.source.as_deref(), Some("News Letter"));
        assert_eq!(utm.medium.as_deref(), Some("e mail"));
        assert_eq!(utm.campaign, None);
        assert_eq!(utm.term.as_deref(), Some("a\u{FFFD}b"));
        assert_eq!(utm.content.as_deref(), Some("x"));
        let long = Landing::parse(&format!("/?utm_source={}", "é".repeat(300)));
        assert_eq!(long.utm.source.unwrap().len(), 200);
    }

    #[test]
    fn first_non_empty_value_wins() {
        let utm = Landing::parse("/?utm_source=&utm_source=a&utm_source=b").utm;
        assert_eq!(utm.source.as_deref(), Some("a"));
    }

    #[test]
    fn absolute_targets_and_fragments() {
        let utm = Landing::parse("https://acme.test/p?utm_source=x").utm;
        assert_eq!(utm.source.as_deref(), Some("x"));
        assert_eq!(Landing::parse("/p#top?utm_source=x").utm, Utm::default());
        assert_eq!(Landing::parse("/p").utm, Utm::default());
    }

    #[test]
    fn click_ids_by_marker() {
        let landing = Landing::parse("/?fbclid=a&GCLID=b&msclkid=c");
        assert_eq!(landing.paid_click.and_then(|c| c.slug), Some("google"));
        assert_eq!(landing.organic_click.and_then(|c| c.slug), Some("facebook"));
        assert!(Landing::parse("/?gclid=").paid_click.is_none());
        assert!(Landing::parse("/?aid=7").paid_click.is_none());
    }
}
