//! Bot detection from the user agent, first verdict wins:
//!
//! 1. a missing user agent (`""`, `-`): browsers always send one;
//! 2. the named lists (`lists`): AI crawlers and agents with operator and purpose, the
//!    crawler list, generic automation tokens; a browser token such as the phone maker
//!    `Cubot` hides the marker inside it;
//! 3. a device browser's signature (feature phones, TVs, consoles: `traits`): such user
//!    agents carry tokens the generic rules below mistake for automation, so only a contact
//!    URL or email, or a bot word (`bot`, `crawl`, `spider`, …), makes them bots;
//! 4. isbot's patterns (`isbot`), look-around included;
//! 5. general traits of automation (`traits`): a URL or email address, a versioned product
//!    with no browser or platform.
//!
//! AI agents keep the lists' name; every other bot is named by its own product token in the
//! user agent (`name`), never by the marker that caught it. Logs repeat a few thousand user
//! agents millions of times, so callers on a hot path keep a [`BotCache`].

mod isbot;
mod lists;
mod name;
mod traits;

use rustc_hash::FxHashMap;

use lists::{Kind, LISTS};

/// Why an AI crawler or agent fetches pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AiPurpose {
    /// Collecting training data (GPTBot, ClaudeBot, CCBot…).
    Training,
    /// Building the index of an AI answer engine (OAI-SearchBot, PerplexityBot…).
    SearchIndex,
    /// Reading a page right now to answer someone (ChatGPT-User, Perplexity-User…).
    UserFetch,
}

impl AiPurpose {
    /// The purpose as stored: `training`, `search_index` or `user_fetch`.
    pub fn as_str(self) -> &'static str {
        match self {
            AiPurpose::Training => "training",
            AiPurpose::SearchIndex => "search_index",
            AiPurpose::UserFetch => "user_fetch",
        }
    }

    fn parse(text: &str) -> Option<AiPurpose> {
        match text {
            "training" => Some(AiPurpose::Training),
            "search_index" => Some(AiPurpose::SearchIndex),
            "user_fetch" => Some(AiPurpose::UserFetch),
            _ => None,
        }
    }
}

/// The bot a user agent belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BotAgent {
    /// The lists' name of an AI agent (`GPTBot`), or [`NO_USER_AGENT`]'s; empty for other
    /// bots, which are named by their product token: see [`BotAgent::name_in`].
    pub name: &'static str,
    /// Who runs it, when the lists say.
    pub operator: Option<&'static str>,
    /// Set for AI crawlers and agents.
    pub purpose: Option<AiPurpose>,
    /// Byte range of the product token naming an unlisted bot in its (trimmed) user agent.
    product: (u32, u32),
}

impl BotAgent {
    /// The bot's name: the lists' name, else its product token in `user_agent` (the user
    /// agent it was found in: `SemrushBot`, `collectd`).
    pub fn name_in<'a>(&self, user_agent: &'a str) -> &'a str {
        if !self.name.is_empty() {
            return self.name;
        }
        let (from, to) = self.product;
        user_agent
            .trim()
            .get(from as usize..to as usize)
            .filter(|name| !name.is_empty())
            .unwrap_or(UNNAMED)
    }

    fn listed(listed: lists::Listed) -> BotAgent {
        BotAgent {
            name: listed.name,
            operator: listed.operator,
            purpose: listed.purpose,
            product: (0, 0),
        }
    }

    fn unlisted((from, to): (usize, usize)) -> BotAgent {
        BotAgent {
            name: "",
            operator: None,
            purpose: None,
            product: (from as u32, to as u32),
        }
    }
}

/// The name of a bot whose product token is empty.
const UNNAMED: &str = "(unnamed bot)";

/// True when the user agent is a bot, or missing (`""` or `-`): browsers always send one.
pub fn is_bot(user_agent: &str) -> bool {
    bot(user_agent).is_some()
}

/// The bot behind a user agent: [`NO_USER_AGENT`] when it is missing (`""`, `-`), else
/// [`bot_agent`]; None for a browser. `bot(ua).is_some() == is_bot(ua)`.
pub fn bot(user_agent: &str) -> Option<BotAgent> {
    let user_agent = user_agent.trim();
    if user_agent.is_empty() || user_agent == "-" {
        return Some(NO_USER_AGENT);
    }
    bot_agent(user_agent)
}

/// The bot a user agent belongs to: the first AI crawler or agent named in it, else the first
/// other bot of the lists, else a bot by isbot's patterns or by the traits of automation. None
/// for browsers (and for a missing user agent, which names no bot).
pub fn bot_agent(user_agent: &str) -> Option<BotAgent> {
    let user_agent = user_agent.trim();
    if user_agent.len() > u32::MAX as usize {
        return None;
    }
    let mut first_bot = None;
    for found in LISTS.bots_in(user_agent) {
        if let (Kind::Ai, Some(listed)) = (found.pattern.kind, found.pattern.listed) {
            return Some(BotAgent::listed(listed));
        }
        first_bot.get_or_insert((found.start, found.end));
    }
    if let Some((start, end)) = first_bot {
        return Some(BotAgent::unlisted(name::bot_name_at(
            user_agent, start, end,
        )));
    }
    if traits::device_browser(user_agent) {
        if traits::carries_contact(user_agent) {
            return Some(BotAgent::unlisted(name::bot_name(user_agent)));
        }
        let (start, end) = traits::bot_word(user_agent)?;
        return Some(BotAgent::unlisted(name::bot_name_at(
            user_agent, start, end,
        )));
    }
    if let Some((start, end)) = isbot::ISBOT.find(user_agent) {
        return Some(BotAgent::unlisted(name::bot_name_at(
            user_agent, start, end,
        )));
    }
    traits::looks_automated(user_agent).then(|| BotAgent::unlisted(name::bot_name(user_agent)))
}

/// What a user agent is, remembered for recent user agents: a hash lookup is far cheaper
/// than the scan.
#[derive(Default)]
pub struct BotCache {
    verdicts: FxHashMap<Box<str>, Option<BotAgent>>,
}

/// The bot of a user agent that [`is_bot`] calls a bot but that names none (`""`, `-`).
pub const NO_USER_AGENT: BotAgent = BotAgent {
    name: "(no user agent)",
    operator: None,
    purpose: None,
    product: (0, 0),
};

impl BotCache {
    /// Distinct user agents remembered before the cache starts over (bounds memory).
    const CAPACITY: usize = 8192;

    /// The bot `user_agent` belongs to ([`NO_USER_AGENT`] when it is missing), or None for
    /// a browser.
    pub fn bot(&mut self, user_agent: &str) -> Option<BotAgent> {
        if let Some(verdict) = self.verdicts.get(user_agent) {
            return *verdict;
        }
        if self.verdicts.len() >= Self::CAPACITY {
            self.verdicts.clear();
        }
        let verdict = bot(user_agent);
        self.verdicts.insert(user_agent.into(), verdict);
        verdict
    }

    /// True when the user agent is a bot's (or missing).
    pub fn is_bot(&mut self, user_agent: &str) -> bool {
        self.bot(user_agent).is_some()
    }
}

#[cfg(test)]
mod tests;
