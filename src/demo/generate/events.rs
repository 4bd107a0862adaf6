//! Generation: the events of one day (pageviews, assets, bots, errors, malformed lines)
//! built from the model, in timestamp order, with the ground truth kept alongside.

use super::*;

/// One line of the log, placed in time.
pub(super) struct Event {
    pub(super) ts: i64,
    pub(super) millis: u16,
    pub(super) line: Line,
}

pub(super) enum Line {
    Request(Request),
    Malformed(Junk),
}

/// What the pipeline must make of a well-formed line.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Verdict {
    Pageview,
    Bot,
    Asset,
    NonPage,
}

/// Who sent a request.
#[derive(Clone, Copy)]
pub(super) enum Client {
    /// The n-th human visitor of the whole log.
    Visitor(u64),
    /// A machine in a /24 network.
    Network { prefix: &'static str, host: u8 },
}

pub(super) struct Request {
    pub(super) verdict: Verdict,
    pub(super) client: Client,
    pub(super) host: &'static str,
    pub(super) method: &'static str,
    pub(super) target: Cow<'static, str>,
    pub(super) status: u16,
    pub(super) bytes: u32,
    pub(super) referrer: Option<Cow<'static, str>>,
    pub(super) agent: &'static str,
}

impl Request {
    pub(super) fn referred_by(self, url: &str) -> Request {
        Request {
            referrer: Some(Cow::Owned(url.to_string())),
            ..self
        }
    }
}

/// Lines no log format accepts.
#[derive(Clone, Copy, Debug)]
pub(super) enum Junk {
    /// A TLS handshake sent to the plain-HTTP port (invalid UTF-8).
    TlsHandshake,
    /// A bare request line, as a misconfigured proxy writes it.
    BareRequest,
    Greeting,
    /// A JSON object cut off mid-write.
    BrokenJson,
    /// A well-formed line made longer than any parser accepts.
    OverLong,
}

pub(super) const SHORT_JUNK: [Junk; 4] = [
    Junk::TlsHandshake,
    Junk::BareRequest,
    Junk::Greeting,
    Junk::BrokenJson,
];

// ---------------------------------------------------------------------------------------------
// Generation

/// A human visitor of one day: its own address and one browser.
pub(super) struct Visitor {
    pub(super) id: u64,
    pub(super) agent: &'static str,
    pub(super) sessions: u8,
}

/// The visitors of one day, and which of them may come back (and when).
#[derive(Default)]
pub(super) struct VisitorPool {
    pub(super) visitors: Vec<Visitor>,
    /// (earliest next session start, visitor index), soonest first.
    pub(super) returning: BinaryHeap<Reverse<(i64, usize)>>,
}

impl VisitorPool {
    /// A returning visitor free before `start` (sometimes) or a new one; returns its index.
    pub(super) fn assign(&mut self, start: i64, rng: &mut Rng, next_id: &mut u64) -> usize {
        if rng.per_mille(RETURNING_PER_MILLE)
            && let Some(&Reverse((free_from, index))) = self.returning.peek()
            && free_from < start
        {
            self.returning.pop();
            return index;
        }
        let agent = HUMAN_AGENTS[rng.weighted(&HUMAN_AGENT_WEIGHTS)];
        self.visitors.push(Visitor {
            id: *next_id,
            agent,
            sessions: 0,
        });
        *next_id += 1;
        self.visitors.len() - 1
    }

    /// Records a finished session ending with a pageview at `last_pageview`.
    pub(super) fn finish(&mut self, index: usize, last_pageview: i64) {
        let visitor = &mut self.visitors[index];
        visitor.sessions += 1;
        if visitor.sessions < MAX_SESSIONS_PER_VISITOR {
            self.returning
                .push(Reverse((last_pageview + MIN_RETURN_GAP, index)));
        }
    }
}

/// The generator's state across days.
pub(super) struct Traffic {
    pub(super) rng: Rng,
    pub(super) noise: bool,
    pub(super) days: u32,
    pub(super) story: Story,
    pub(super) next_visitor: u64,
    pub(super) next_order: u64,
}

/// The day being generated.
pub(super) struct Today {
    /// The day, as days since 1970-01-01.
    pub(super) day: i64,
    pub(super) midnight: i64,
    pub(super) kind_weights: Vec<u32>,
    pub(super) visitors: VisitorPool,
    pub(super) events: Vec<Event>,
}

/// What one session's lines are built from.
pub(super) struct SessionContext<'a> {
    pub(super) kind: &'a VisitKind,
    pub(super) visitor: &'a Visitor,
    pub(super) returning: bool,
    pub(super) start: i64,
}

impl Traffic {
    pub(super) fn new(spec: &TrafficSpec) -> Traffic {
        Traffic {
            rng: Rng::new(spec.seed),
            noise: spec.noise,
            days: spec.days,
            story: spec.story,
            next_visitor: 0,
            next_order: 10_000,
        }
    }

    /// All lines of one day, in no particular order; records its sessions in `truth`.
    pub(super) fn day(
        &mut self,
        day: i64,
        index: u32,
        sessions: u64,
        truth: &mut GroundTruth,
    ) -> Vec<Event> {
        let mut today = Today {
            day,
            midnight: day * SECONDS_PER_DAY,
            kind_weights: kind_weights(index, self.days, self.story == Story::AiGrowth),
            visitors: VisitorPool::default(),
            events: Vec::new(),
        };
        let mut starts: Vec<u32> = (0..sessions).map(|_| self.session_start()).collect();
        starts.sort_unstable();
        for start in starts {
            self.session(&mut today, start, truth);
        }
        if self.noise {
            self.bots(today.midnight, sessions, &mut today.events);
            self.junk(today.midnight, &mut today.events);
        }
        today.events
    }

    /// Second of the day a session would start at, following the hourly pattern.
    pub(super) fn session_start(&mut self) -> u32 {
        let hour = self.rng.weighted(&HOUR_WEIGHTS) as u32;
        hour * 3600 + self.rng.between(0, 3599)
    }

    /// One session starting near `nominal_start` (earlier if it would run past midnight).
    pub(super) fn session(
        &mut self,
        today: &mut Today,
        nominal_start: u32,
        truth: &mut GroundTruth,
    ) {
        let kind = &VISIT_KINDS[self.rng.weighted(&today.kind_weights)];
        let plan = self.plan_session(kind, self.story.purchase_per_mille(kind, today.day));
        let latest_start =
            (SECONDS_PER_DAY as u32 - 1 - EXTRA_SPAN).saturating_sub(plan.duration());
        let start = today.midnight + i64::from(nominal_start.min(latest_start));
        let visitors = &mut today.visitors;
        let index = visitors.assign(start, &mut self.rng, &mut self.next_visitor);
        let context = SessionContext {
            kind,
            visitor: &visitors.visitors[index],
            returning: visitors.visitors[index].sessions > 0,
            start,
        };
        self.emit_session(&context, &plan, &mut today.events);
        visitors.finish(index, start + i64::from(plan.duration()));
        record_session(truth, kind, &plan, today.day);
    }

    /// The pageviews of a session: a landing page, some browsing, and the goal pages.
    /// `purchase_per_mille`: the chance it buys (the kind's, or the story's on this day).
    pub(super) fn plan_session(
        &mut self,
        kind: &VisitKind,
        purchase_per_mille: u32,
    ) -> SessionPlan {
        let mut plan = SessionPlan {
            views: Vec::new(),
            purchase: self.rng.per_mille(purchase_per_mille),
            newsletter: self.rng.per_mille(kind.newsletter_per_mille),
        };
        let landing = self.landing_target(kind);
        plan.push(0, "GET", landing, 200);
        let browsed = self.browsed_page_count();
        let newsletter_after = self.rng.below(u64::from(browsed) + 1) as u32;
        for page in 0..=browsed {
            if plan.newsletter && page == newsletter_after {
                self.plan_newsletter(&mut plan);
            }
            if page < browsed {
                let gap = self.reading_gap();
                let target = self.page(&BROWSE_SECTIONS);
                let status = if self.rng.per_mille(30) { 304 } else { 200 };
                plan.push(gap, "GET", target, status);
            }
        }
        if plan.purchase {
            self.plan_purchase(&mut plan);
        }
        plan
    }

    pub(super) fn landing_target(&mut self, kind: &VisitKind) -> Cow<'static, str> {
        let path = self.page(&landing_sections(kind.channel));
        match kind.query {
            Some(query) => Cow::Owned(format!("{path}?{}", fill(query, &mut self.rng))),
            None => path,
        }
    }

    /// Pages browsed after landing: about 45% bounce, the rest read a few pages.
    pub(super) fn browsed_page_count(&mut self) -> u32 {
        let mut pages = 0;
        while pages < MAX_BROWSED_PAGES && self.rng.per_mille(if pages == 0 { 550 } else { 600 }) {
            pages += 1;
        }
        pages
    }

    /// Seconds spent on a page: mostly short, sometimes long, never over 20 minutes.
    pub(super) fn reading_gap(&mut self) -> u32 {
        match self.rng.below(20) {
            0 => self.rng.between(600, MAX_READING_GAP),
            1..=5 => self.rng.between(180, 600),
            _ => self.rng.between(5, 180),
        }
    }

    pub(super) fn page(&mut self, section_weights: &[u32; 7]) -> Cow<'static, str> {
        let path = match SECTIONS[self.rng.weighted(section_weights)] {
            Section::Home => "/",
            Section::Pricing => "/pricing",
            Section::Features => self.rng.pick(FEATURE_PAGES),
            Section::Blog => self.rng.pick(BLOG_PAGES),
            Section::Docs => self.rng.pick(DOC_PAGES),
            Section::Company => self.rng.pick(COMPANY_PAGES),
            Section::Products => {
                return Cow::Owned(format!("/products/{}", 1 + self.rng.below(PRODUCT_COUNT)));
            }
        };
        Cow::Borrowed(path)
    }

    /// Subscribing: a POST of the form, then the thank-you page (the micro goal).
    pub(super) fn plan_newsletter(&mut self, plan: &mut SessionPlan) {
        let gap = self.reading_gap();
        plan.push(gap, "POST", Cow::Borrowed("/newsletter/subscribe"), 200);
        let redirect_gap = self.rng.between(1, 2);
        plan.push(
            redirect_gap,
            "GET",
            Cow::Borrowed("/newsletter/thanks"),
            200,
        );
    }

    /// Buying: a product, the checkout, and the completed order (the macro goal).
    pub(super) fn plan_purchase(&mut self, plan: &mut SessionPlan) {
        let product = format!("/products/{}", 1 + self.rng.below(PRODUCT_COUNT));
        let gap = self.reading_gap();
        plan.push(gap, "GET", Cow::Owned(product), 200);
        let gap = self.rng.between(20, 300);
        plan.push(gap, "GET", Cow::Borrowed("/checkout"), 200);
        self.next_order += 1;
        let complete = format!("/checkout/complete?order={}", self.next_order);
        let gap = self.rng.between(60, 600);
        plan.push(gap, "GET", Cow::Owned(complete), 200);
    }

    /// Writes a session's pageviews (and, with noise, their assets and errors) as events.
    pub(super) fn emit_session(
        &mut self,
        context: &SessionContext<'_>,
        plan: &SessionPlan,
        events: &mut Vec<Event>,
    ) {
        let mut previous_path: Option<&str> = None;
        for view in &plan.views {
            let ts = context.start + i64::from(view.offset);
            let referrer = match previous_path {
                None => context.kind.referrer.map(|r| fill(r, &mut self.rng)),
                Some(path) => self.internal_referrer(path),
            };
            let page = self.human_request(
                context,
                Verdict::Pageview,
                view.method,
                view.target.clone(),
                view.status,
            );
            let page = Request { referrer, ..page };
            let millis = self.rng.below(500) as u16;
            push_request(events, ts, millis, page);
            if self.noise && view.method == "GET" {
                self.page_extras(context, ts, &view.target, previous_path.is_none(), events);
            }
            previous_path = Some(path_of(&view.target));
        }
    }

    /// Usually the previous page of the site; sometimes none (privacy settings).
    pub(super) fn internal_referrer(&mut self, previous_path: &str) -> Option<Cow<'static, str>> {
        self.rng
            .per_mille(880)
            .then(|| Cow::Owned(format!("https://{}{previous_path}", SITE_HOSTS[0])))
    }

    /// A request of a human visitor (no referrer yet).
    pub(super) fn human_request(
        &mut self,
        context: &SessionContext<'_>,
        verdict: Verdict,
        method: &'static str,
        target: Cow<'static, str>,
        status: u16,
    ) -> Request {
        let bytes = match (verdict, status) {
            (_, 304) | (_, 301) => 0,
            (Verdict::Pageview, _) => self.rng.between(6_000, 48_000),
            (Verdict::Asset, _) => self.rng.between(900, 180_000),
            _ => self.rng.between(150, 2_000),
        };
        Request {
            verdict,
            client: Client::Visitor(context.visitor.id),
            host: SITE_HOSTS[0],
            method,
            target,
            status,
            bytes,
            referrer: None,
            agent: context.visitor.agent,
        }
    }

    /// Static files and the odd error a page brings along, within two seconds of it.
    pub(super) fn page_extras(
        &mut self,
        context: &SessionContext<'_>,
        ts: i64,
        target: &str,
        landing: bool,
        events: &mut Vec<Event>,
    ) {
        let page_url = format!("https://{}{}", SITE_HOSTS[0], path_of(target));
        let asset_status = if context.returning { 304 } else { 200 };
        for asset in self.assets_for(landing) {
            let target = Cow::Borrowed(asset);
            let request = self.human_request(context, Verdict::Asset, "GET", target, asset_status);
            self.push_extra(events, ts, request.referred_by(&page_url));
        }
        if self.rng.per_mille(NON_PAGE_PER_MILLE) {
            let (method, target, status) = self.rng.pick(HUMAN_NON_PAGES);
            let target = Cow::Borrowed(target);
            let request = self.human_request(context, Verdict::NonPage, method, target, status);
            self.push_extra(events, ts, request.referred_by(&page_url));
        }
    }

    /// The assets a page loads: the landing page most of the site's shared files, later pages
    /// now and then an image (the rest is cached).
    pub(super) fn assets_for(&mut self, landing: bool) -> Vec<&'static str> {
        let mut assets = Vec::new();
        if landing {
            let shared = self.rng.between(1, 4) as usize;
            assets.extend_from_slice(&PAGE_ASSETS[..shared]);
        }
        if self.rng.per_mille(if landing { 350 } else { 250 }) {
            assets.push(self.rng.pick(CONTENT_ASSETS));
        }
        assets
    }

    pub(super) fn push_extra(&mut self, events: &mut Vec<Event>, page_ts: i64, request: Request) {
        let ts = page_ts + i64::from(self.rng.between(0, EXTRA_SPAN));
        let millis = 500 + self.rng.below(500) as u16;
        push_request(events, ts, millis, request);
    }

    /// Crawlers, AI agents and scripts: short bursts of requests over the whole day.
    pub(super) fn bots(&mut self, midnight: i64, sessions: u64, events: &mut Vec<Event>) {
        let weights: Vec<u32> = BOTS.iter().map(|bot| bot.weight).collect();
        let rounding = self.rng.below(10);
        let mut remaining = sessions
            .saturating_mul(BOT_LINES_PER_10_SESSIONS)
            .saturating_add(rounding)
            / 10;
        while remaining > 0 {
            let bot = &BOTS[self.rng.weighted(&weights)];
            let burst = (1 + self.rng.below(6)).min(remaining);
            remaining -= burst;
            self.bot_burst(bot, midnight, burst, events);
        }
    }

    pub(super) fn bot_burst(
        &mut self,
        bot: &'static Bot,
        midnight: i64,
        lines: u64,
        events: &mut Vec<Event>,
    ) {
        let (first, count) = bot.hosts;
        let client = Client::Network {
            prefix: bot.network,
            host: first + (self.rng.between(2, 254) - 2) as u8 % count,
        };
        let mut second = self.rng.between(0, SECONDS_PER_DAY as u32 - 1);
        // An assistant fetching for a user reads the page it was asked about.
        let user_fetch = bot.ai.is_some_and(|(_, purpose)| purpose == "user_fetch");
        for _ in 0..lines {
            let (target, status) = if user_fetch {
                (self.page(&BROWSE_SECTIONS), 200)
            } else {
                self.bot_target()
            };
            let request = Request {
                verdict: Verdict::Bot,
                client,
                host: SITE_HOSTS[usize::from(self.rng.per_mille(200))],
                method: "GET",
                target,
                status,
                bytes: if status == 200 {
                    self.rng.between(400, 40_000)
                } else {
                    150
                },
                referrer: None,
                agent: bot.agent,
            };
            let millis = self.rng.below(1000) as u16;
            push_request(events, midnight + i64::from(second), millis, request);
            second = (second + self.rng.between(1, 15)).min(SECONDS_PER_DAY as u32 - 1);
        }
    }

    pub(super) fn bot_target(&mut self) -> (Cow<'static, str>, u16) {
        if self.rng.per_mille(700) {
            return (self.page(&BROWSE_SECTIONS), 200);
        }
        let (target, status) = self.rng.pick(BOT_EXTRAS);
        (Cow::Borrowed(target), status)
    }

    /// About one line in 500 that no parser accepts, and now and then one far too long.
    pub(super) fn junk(&mut self, midnight: i64, events: &mut Vec<Event>) {
        let lines = events.len() as u64;
        let count = (lines + self.rng.below(LINES_PER_MALFORMED)) / LINES_PER_MALFORMED;
        for _ in 0..count {
            let junk = self.rng.pick(&SHORT_JUNK);
            self.push_junk(midnight, junk, events);
        }
        if lines > 0 && self.rng.per_mille(OVERLONG_PER_MILLE) {
            self.push_junk(midnight, Junk::OverLong, events);
        }
    }

    pub(super) fn push_junk(&mut self, midnight: i64, junk: Junk, events: &mut Vec<Event>) {
        let second = self.rng.between(0, SECONDS_PER_DAY as u32 - 1);
        events.push(Event {
            ts: midnight + i64::from(second),
            millis: self.rng.below(1000) as u16,
            line: Line::Malformed(junk),
        });
    }
}

pub(super) fn push_request(events: &mut Vec<Event>, ts: i64, millis: u16, request: Request) {
    events.push(Event {
        ts,
        millis,
        line: Line::Request(request),
    });
}

/// Indices of `events` by time, ties in order of creation (sorting small keys, not events).
pub(super) fn time_order(events: &[Event]) -> Vec<usize> {
    let mut keys: Vec<(i64, u16, usize)> = events
        .iter()
        .enumerate()
        .map(|(index, event)| (event.ts, event.millis, index))
        .collect();
    keys.sort_unstable();
    keys.into_iter().map(|(_, _, index)| index).collect()
}

pub(super) fn path_of(target: &str) -> &str {
    target.split_once('?').map_or(target, |(path, _)| path)
}

/// Adds a finished session to the truth.
pub(super) fn record_session(
    truth: &mut GroundTruth,
    kind: &VisitKind,
    plan: &SessionPlan,
    day: i64,
) {
    if let Some(shift) = truth.ai_shift.as_mut()
        && kind.channel == AI
    {
        let purchase = u64::from(plan.purchase);
        if day >= shift.from_day {
            shift.sessions_after += 1;
            shift.conversions_after += purchase;
        } else {
            shift.sessions_before += 1;
            shift.conversions_before += purchase;
        }
    }
    let pageviews = plan.views.len() as u64;
    let key = (kind.channel.to_string(), kind.source.to_string());
    let source = truth.by_source.entry(key).or_default();
    source.sessions += 1;
    source.pageviews += pageviews;
    source.conversions += u64::from(plan.purchase);
    source.micro_conversions += u64::from(plan.newsletter);
    truth.sessions += 1;
    truth.conversions += u64::from(plan.purchase);
    truth.micro_conversions += u64::from(plan.newsletter);
}
