//! One classification request and its answer as plain data, for `aivis classify` (a single
//! request from flags, or NDJSON lines in batch): referrer, landing URL and user agent in;
//! channel, source, search term and bot out. Every field of a request may be missing.

use std::borrow::Cow;

use serde::de::{Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use super::{BotAgent, BotCache, Classifier};

/// What to classify; a batch line is this as a JSON object (other keys are ignored).
#[derive(Debug, Default, Deserialize)]
pub struct Request<'a> {
    /// The `Referer` header of the session's first hit.
    #[serde(borrow, default, deserialize_with = "optional_text")]
    pub referrer: Option<Cow<'a, str>>,
    /// The landing URL, absolute or as a request target (`/path?query`).
    #[serde(borrow, default, deserialize_with = "optional_text")]
    pub url: Option<Cow<'a, str>>,
    /// The `User-Agent` header.
    #[serde(borrow, default, deserialize_with = "optional_text")]
    pub ua: Option<Cow<'a, str>>,
}

impl<'a> Request<'a> {
    /// Reads one JSON object. The common shape (string or null values without escapes) is
    /// read by hand, four times faster than serde_json; anything else (escapes, other value
    /// types, malformed input) goes to serde_json, which gives the same result or the error.
    /// Anything but an object is an error (serde would read an array's items as the fields
    /// in order).
    pub fn from_json(line: &'a str) -> Result<Request<'a>, serde_json::Error> {
        if let Some(request) = Request::from_plain_json(line) {
            return Ok(request);
        }
        if !skip_space(line).starts_with('{') {
            return Err(serde::de::Error::custom("not a JSON object"));
        }
        serde_json::from_str(line)
    }

    fn from_plain_json(line: &'a str) -> Option<Request<'a>> {
        let mut rest = skip_space(skip_space(line).strip_prefix('{')?);
        let mut request = Request::default();
        if let Some(after) = rest.strip_prefix('}') {
            return skip_space(after).is_empty().then_some(request);
        }
        loop {
            let (key, after_key) = plain_string(rest)?;
            rest = skip_space(skip_space(after_key).strip_prefix(':')?);
            let value = if let Some(after_null) = rest.strip_prefix("null") {
                rest = after_null;
                None
            } else {
                let (text, after_text) = plain_string(rest)?;
                rest = after_text;
                Some(Cow::Borrowed(text))
            };
            let slot = match key {
                "referrer" => Some(&mut request.referrer),
                "url" => Some(&mut request.url),
                "ua" => Some(&mut request.ua),
                _ => None,
            };
            if let Some(slot) = slot {
                if slot.is_some() {
                    return None; // a duplicate key: serde_json's error
                }
                *slot = value;
            }
            rest = skip_space(rest);
            if let Some(after) = rest.strip_prefix('}') {
                return skip_space(after).is_empty().then_some(request);
            }
            rest = skip_space(rest.strip_prefix(',')?);
        }
    }
}

/// A JSON string without escapes or control characters at the start of `text`, and what
/// follows it.
fn plain_string(text: &str) -> Option<(&str, &str)> {
    let body = text.strip_prefix('"')?;
    let end = memchr::memchr2(b'"', b'\\', body.as_bytes())?;
    let (content, after) = body.split_at(end);
    let plain = after.starts_with('"') && !has_control(content);
    plain.then(|| (content, &after[1..]))
}

/// JSON whitespace skipped.
fn skip_space(text: &str) -> &str {
    let start = text
        .bytes()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .unwrap_or(text.len());
    &text[start..]
}

/// Any byte below 0x20 (no early exit, so the loop vectorises).
fn has_control(text: &str) -> bool {
    text.bytes().fold(false, |found, b| found | (b < 0x20))
}

/// A string or null, borrowed from the input when it has no escapes (serde's own
/// `Option<Cow<str>>` always copies).
fn optional_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Cow<'de, str>>, D::Error> {
    struct Text;
    impl<'de> Visitor<'de> for Text {
        type Value = Option<Cow<'de, str>>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(Text)
        }
        fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(text)))
        }
        fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(text.to_string())))
        }
    }
    deserializer.deserialize_option(Text)
}

/// The answer to one [`Request`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub channel: &'static str,
    pub source: String,
    /// The search term, for search channels whose referrer carries one.
    pub term: Option<String>,
    /// Set when the user agent is a bot's (its hits never make sessions); None for a
    /// browser or when no user agent was given.
    pub bot: Option<BotAnswer>,
}

/// The bot of an [`Answer`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BotAnswer {
    /// The lists' name of an AI agent, else the bot's product token in the user agent.
    pub name: Cow<'static, str>,
    pub operator: Option<&'static str>,
    /// `training`, `search_index` or `user_fetch` for AI crawlers and agents; None for
    /// other bots.
    pub purpose: Option<&'static str>,
}

impl Answer {
    /// Appends the answer as one JSON object (what serde_json writes, without its
    /// per-field dispatch).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"channel\":");
        json_string(out, self.channel);
        out.extend_from_slice(b",\"source\":");
        json_string(out, &self.source);
        out.extend_from_slice(b",\"term\":");
        json_optional(out, self.term.as_deref());
        out.extend_from_slice(b",\"bot\":");
        match &self.bot {
            None => out.extend_from_slice(b"null"),
            Some(bot) => {
                out.extend_from_slice(b"{\"name\":");
                json_string(out, &bot.name);
                out.extend_from_slice(b",\"operator\":");
                json_optional(out, bot.operator);
                out.extend_from_slice(b",\"purpose\":");
                json_optional(out, bot.purpose);
                out.push(b'}');
            }
        }
        out.push(b'}');
    }
}

fn json_optional(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => json_string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

fn json_string(out: &mut Vec<u8>, text: &str) {
    let needs_escape = text.bytes().fold(false, |found, b| {
        found | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if needs_escape {
        // Rare: let serde_json escape it (writing to a Vec cannot fail).
        let _ = serde_json::to_writer(&mut *out, text);
    } else {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    }
}

impl BotAnswer {
    /// The answer for `agent`, found in `user_agent`.
    pub fn new(agent: BotAgent, user_agent: &str) -> BotAnswer {
        let name = if agent.name.is_empty() {
            Cow::Owned(agent.name_in(user_agent).to_string())
        } else {
            Cow::Borrowed(agent.name)
        };
        BotAnswer {
            name,
            operator: agent.operator,
            purpose: agent.purpose.map(|p| p.as_str()),
        }
    }
}

/// Answers requests one after another, remembering recent user agents' verdicts.
pub struct RequestClassifier {
    classifier: Classifier,
    bots: BotCache,
}

impl RequestClassifier {
    pub fn new(classifier: Classifier) -> RequestClassifier {
        RequestClassifier {
            classifier,
            bots: BotCache::default(),
        }
    }

    pub fn answer(&mut self, request: &Request<'_>) -> Answer {
        let referrer = request.referrer.as_deref().filter(|r| !r.trim().is_empty());
        let target = request.url.as_deref().unwrap_or("/");
        let c = self.classifier.classify(referrer, target);
        let bot = request
            .ua
            .as_deref()
            .and_then(|ua| Some(BotAnswer::new(self.bots.bot(ua)?, ua)));
        Answer {
            channel: c.channel.as_str(),
            source: c.source,
            term: c.term,
            bot,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(json: &str) -> Answer {
        let request: Request = serde_json::from_str(json).expect(json);
        RequestClassifier::new(Classifier::new(&["www.acme.test".to_string()])).answer(&request)
    }

    #[test]
    fn every_field_may_be_missing() {
        let a = answer("{}");
        assert_eq!(
            (a.channel, a.source.as_str(), a.bot),
            ("direct", "(direct)", None)
        );
        let a = answer(r#"{"url": "/?utm_source=perplexity"}"#);
        assert_eq!(
            (a.channel, a.source.as_str()),
            ("ai_assistant", "perplexity")
        );
        let a = answer(r#"{"referrer": "", "url": null, "ua": null}"#);
        assert_eq!(a.channel, "direct");
    }

    #[test]
    fn strings_without_escapes_are_borrowed_and_others_rejected() {
        let request: Request =
            serde_json::from_str(r#"{"referrer": "https://a.test/", "url": "/\u00e9"}"#).unwrap();
        assert!(matches!(
            request.referrer,
            Some(Cow::Borrowed("https://a.test/"))
        ));
        assert!(matches!(request.url, Some(Cow::Owned(ref url)) if url == "/é"));
        assert!(serde_json::from_str::<Request>(r#"{"ua": 5}"#).is_err());
        assert!(serde_json::from_str::<Request>(r#"{"ua": ["x"]}"#).is_err());
    }

    /// The hand-written reader agrees with serde_json on every line it reads, and leaves
    /// the rest to it.
    #[test]
    fn plain_json_reader_agrees_with_serde() {
        let lines = [
            r#"{}"#,
            r#"  { }  "#,
            r#"{"referrer":"https://chatgpt.com/","url":"/p?a=1","ua":"Mozilla/5.0"}"#,
            r#"{ "ua" : null , "url" : "/x" , "extra" : "kept out" }"#,
            r#"{"referrer": null}"#,
            r#"{"url": "/caf\u00e9"}"#,
            r#"{"url": "/a\"b"}"#,
            r#"{"url": "/a", "url": "/b"}"#,
            r#"{"url": "/a",}"#,
            r#"{"url": 5}"#,
            r#"{"extra": 5, "url": "/a"}"#,
            r#"{"extra": {"nested": true}, "url": "/a"}"#,
            r#"{"url": "/a"} trailing"#,
            r#"{"url": "/a""#,
            "{\"url\": \"/a\tb\"}",
            r#"["url"]"#,
            r#"{"url": nul}"#,
        ];
        let mut plain_answers = 0;
        for line in lines {
            let fast = Request::from_plain_json(line);
            let serde = serde_json::from_str::<Request>(line);
            if let Some(fast) = &fast {
                plain_answers += 1;
                let serde = serde.as_ref().expect(line);
                assert_eq!(
                    (&fast.referrer, &fast.url, &fast.ua),
                    (&serde.referrer, &serde.url, &serde.ua),
                    "{line}"
                );
            }
            let both = Request::from_json(line);
            let object = line.trim_start().starts_with('{');
            assert_eq!(both.is_ok(), serde.is_ok() && object, "{line}");
        }
        assert_eq!(plain_answers, 5);
    }

    /// serde reads an array's items as the fields in order; a request line must be an object.
    #[test]
    fn only_an_object_is_a_request() {
        for line in [
            r#"["https://chatgpt.com/"]"#,
            "[]",
            " [null, \"/x\"]",
            "null",
            "\"x\"",
        ] {
            let err = Request::from_json(line).expect_err(line);
            assert!(
                err.to_string().contains("not a JSON object"),
                "{line}: {err}"
            );
        }
        assert!(serde_json::from_str::<Request>(r#"["https://chatgpt.com/"]"#).is_ok());
        assert!(Request::from_json(" \n{\"url\": \"/\\u0078\"}").is_ok());
    }

    #[test]
    fn hand_written_answers_are_serde_json() {
        let mut classifier = RequestClassifier::new(Classifier::new(&[]));
        let requests = [
            r#"{"referrer": "https://www.bing.com/search?q=%22acme%22+%5C+x%0A"}"#,
            r#"{"ua": "GPTBot/1.2"}"#,
            r#"{"ua": "curl/8.0", "url": "/?utm_source=a%22b&utm_medium=affiliate"}"#,
            r#"{}"#,
        ];
        for line in requests {
            let answer = classifier.answer(&Request::from_json(line).unwrap());
            let mut ours = Vec::new();
            answer.write_json(&mut ours);
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&answer).unwrap(),
                "{line}"
            );
        }
    }

    #[test]
    fn search_terms_and_escaped_json_strings() {
        let a = answer(r#"{"referrer": "https:\/\/www.bing.com\/search?q=acme+\u00e9t\u00e9"}"#);
        assert_eq!((a.channel, a.source.as_str()), ("organic_search", "bing"));
        assert_eq!(a.term.as_deref(), Some("acme été"));
    }

    #[test]
    fn bots_carry_operator_and_purpose() {
        let a = answer(
            r#"{"ua": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot"}"#,
        );
        let bot = a.bot.expect("a bot");
        assert_eq!(bot.name, "ChatGPT-User");
        assert_eq!(bot.purpose, Some("user_fetch"));
        assert!(bot.operator.is_some());
        let a = answer(r#"{"ua": "curl/8.5.0"}"#);
        assert_eq!(a.bot.map(|b| b.purpose), Some(None));
        let a = answer(r#"{"ua": ""}"#);
        assert_eq!(
            a.bot.map(|b| b.name.into_owned()).as_deref(),
            Some("(no user agent)")
        );
        let a = answer(
            r#"{"ua": "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"}"#,
        );
        assert_eq!(a.bot, None);
    }

    #[test]
    fn answers_serialise_with_the_documented_keys() {
        let a = answer(r#"{"referrer": "https://chatgpt.com/", "ua": "GPTBot/1.2"}"#);
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["channel"], "ai_assistant");
        assert_eq!(json["source"], "chatgpt");
        assert!(json["term"].is_null());
        assert_eq!(json["bot"]["name"], "GPTBot");
        assert_eq!(json["bot"]["purpose"], "training");
    }
}
