//! Generator tests: determinism, the ground truth's invariants, every format.

use super::*;
use std::collections::{HashMap, HashSet};

fn small(format: OutputFormat) -> TrafficSpec {
    TrafficSpec {
        sessions: 1500,
        days: 6,
        format,
        ..TrafficSpec::demo()
    }
}

fn run(spec: &TrafficSpec) -> (Vec<u8>, GroundTruth) {
    let mut out = Vec::new();
    let truth = generate(spec, &mut out).expect("writing to a Vec works");
    (out, truth)
}

fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes
        .split_inclusive(|b| *b == b'\n')
        .map(|l| &l[..l.len() - 1])
        .collect()
}

const FORMATS: [OutputFormat; 4] = [
    OutputFormat::Combined,
    OutputFormat::VhostCombined,
    OutputFormat::NginxJson,
    OutputFormat::CaddyJson,
];

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    for format in FORMATS {
        let spec = small(format);
        assert_eq!(run(&spec), run(&spec), "{format:?}");
        let other = TrafficSpec {
            seed: 8,
            ..spec.clone()
        };
        assert_ne!(run(&spec).0, run(&other).0, "{format:?}");
    }
}

#[test]
fn totals_add_up() {
    let spec = small(OutputFormat::Combined);
    let (out, truth) = run(&spec);
    let newlines = out.iter().filter(|b| **b == b'\n').count() as u64;
    assert_eq!(truth.lines, newlines);
    let sum = |field: fn(&SourceTruth) -> u64| truth.by_source.values().map(field).sum::<u64>();
    assert_eq!(sum(|s| s.sessions), spec.sessions);
    assert_eq!(truth.sessions, spec.sessions);
    assert_eq!(sum(|s| s.pageviews), truth.pageviews);
    assert_eq!(sum(|s| s.conversions), truth.conversions);
    assert_eq!(sum(|s| s.micro_conversions), truth.micro_conversions);
    let skipped =
        truth.bot_lines + truth.asset_lines + truth.non_page_lines + truth.malformed_lines;
    assert_eq!(truth.lines, truth.pageviews + skipped);
    assert!(truth.by_source.values().all(|s| s.sessions > 0));
    assert!(truth.bot_lines > 0 && truth.asset_lines > 0 && truth.non_page_lines > 0);
    assert!(truth.malformed_lines > 0 && truth.conversions > 0 && truth.micro_conversions > 0);
}

#[test]
fn without_noise_every_line_is_a_pageview() {
    for format in FORMATS {
        let spec = TrafficSpec {
            noise: false,
            ..small(format)
        };
        let (_, truth) = run(&spec);
        let noise = (
            truth.bot_lines,
            truth.asset_lines,
            truth.non_page_lines,
            truth.malformed_lines,
        );
        assert_eq!(noise, (0, 0, 0, 0), "{format:?}");
        assert_eq!(truth.lines, truth.pageviews);
        assert_eq!(truth.sessions, spec.sessions);
    }
}

#[test]
fn empty_specs_give_empty_logs() {
    let empty = [
        TrafficSpec {
            days: 0,
            ..TrafficSpec::demo()
        },
        TrafficSpec {
            sessions: 0,
            ..TrafficSpec::demo()
        },
        TrafficSpec {
            sessions: 0,
            days: u32::MAX,
            start_day: i64::MAX,
            ..TrafficSpec::demo()
        },
    ];
    for spec in empty {
        let (out, truth) = run(&spec);
        assert_eq!(truth, GroundTruth::default(), "{spec:?}");
        assert!(out.is_empty());
    }
}

#[test]
fn odd_specs_neither_panic_nor_lose_sessions() {
    let odd = [
        TrafficSpec {
            sessions: 1,
            days: 1,
            ..TrafficSpec::demo()
        },
        TrafficSpec {
            sessions: 3,
            days: 400,
            ..TrafficSpec::demo()
        },
        TrafficSpec {
            sessions: 50,
            days: 2,
            start_day: -719_528,
            ..TrafficSpec::demo()
        },
        TrafficSpec {
            sessions: 50,
            days: 1,
            start_day: 2_932_896,
            ..TrafficSpec::demo()
        },
    ];
    for spec in odd {
        let (out, truth) = run(&spec);
        assert_eq!(truth.sessions, spec.sessions, "{spec:?}");
        assert_eq!(
            truth.lines,
            out.iter().filter(|b| **b == b'\n').count() as u64
        );
    }
    for start_day in [i64::MIN, -719_529, 2_932_896, i64::MAX] {
        let spec = TrafficSpec {
            start_day,
            days: 2,
            ..TrafficSpec::demo()
        };
        let err = generate(&spec, &mut Vec::new()).expect_err("outside 0000-9999");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}

#[test]
fn days_share_the_sessions_exactly_and_weekends_are_quieter() {
    for (sessions, days) in [(6000, 28), (7, 10), (1_000_003, 365), (u64::MAX, 3)] {
        let spec = TrafficSpec {
            sessions,
            days,
            ..TrafficSpec::demo()
        };
        let per_day: Vec<u64> = DailySessions::new(&spec).collect();
        assert_eq!(per_day.len(), days as usize);
        assert_eq!(per_day.iter().sum::<u64>(), sessions);
    }
    let demo = TrafficSpec::demo();
    let per_day: Vec<u64> = DailySessions::new(&demo).collect();
    let (mut weekdays, mut weekends) = (0, 0);
    for (index, n) in per_day.iter().enumerate() {
        match weekday(demo.start_day + index as i64) {
            5 | 6 => weekends += n,
            _ => weekdays += n,
        }
    }
    // 8 weekend days against 20 weekdays: a weekend day has under 85% of the traffic.
    assert!(
        weekends * 5 < weekdays * 2 * 85 / 100,
        "{weekdays} {weekends}"
    );
}

#[test]
fn every_visit_kind_appears_in_the_demo() {
    let (out, truth) = run(&TrafficSpec::demo());
    for kind in VISIT_KINDS {
        let key = (kind.channel.to_string(), kind.source.to_string());
        assert!(truth.by_source.contains_key(&key), "{key:?} missing");
    }
    let sessions = simulate_pipeline(&out);
    let seen: HashSet<(Option<&str>, Option<&str>)> = sessions
        .iter()
        .map(|s| (s.kind.referrer, s.kind.query))
        .collect();
    assert_eq!(
        seen.len(),
        VISIT_KINDS.len(),
        "a visit kind never starts a session"
    );
}

#[test]
fn channel_mix_and_conversion_rates_tell_the_story() {
    let spec = TrafficSpec {
        sessions: 60_000,
        noise: false,
        ..TrafficSpec::demo()
    };
    let (_, truth) = run(&spec);
    let mut by_channel: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for ((channel, _), source) in &truth.by_source {
        let entry = by_channel.entry(channel.as_str()).or_default();
        entry.0 += source.sessions;
        entry.1 += source.conversions;
    }
    let share = |c: &str| by_channel[c].0 * 1000 / truth.sessions;
    let rate = |c: &str| by_channel[c].1 * 1000 / by_channel[c].0;
    assert!((100..=140).contains(&share(AI)), "AI share {}", share(AI));
    assert!((320..=380).contains(&share(ORGANIC_SEARCH)));
    assert!((130..=170).contains(&share(DIRECT)));
    assert!((50..=75).contains(&rate(AI)), "AI rate {}", rate(AI));
    assert!((22..=38).contains(&rate(ORGANIC_SEARCH)));
    assert!(rate(ORGANIC_SOCIAL) < 20);
}

// A stand-in for the ingest pipeline, reading combined lines by hand: it must find the
// very truth the generator returned, with every session inside one UTC day.

struct Parsed<'a> {
    ip: &'a str,
    ts: i64,
    method: &'a str,
    target: &'a str,
    status: u16,
    referrer: Option<&'a str>,
    agent: &'a str,
}

fn parse_combined(line: &[u8]) -> Option<Parsed<'_>> {
    if line.len() > 16 * 1024 {
        return None;
    }
    let text = std::str::from_utf8(line).ok()?;
    let parts: Vec<&str> = text.split('"').collect();
    let [prefix, request, status, referrer, " ", agent, ""] = parts[..] else {
        return None;
    };
    let ip = prefix.split(' ').next()?;
    let ts = clf_seconds(prefix.split_once('[')?.1.split_once(']')?.0)?;
    let mut request = request.split(' ');
    let (method, target) = (request.next()?, request.next()?);
    let status = status.split_whitespace().next()?.parse().ok()?;
    let referrer = (referrer != "-").then_some(referrer);
    Some(Parsed {
        ip,
        ts,
        method,
        target,
        status,
        referrer,
        agent,
    })
}

/// `24/Nov/2026:10:00:00 +0000` as Unix seconds.
fn clf_seconds(stamp: &str) -> Option<i64> {
    let day: u32 = stamp.get(0..2)?.parse().ok()?;
    let month = MONTHS.iter().position(|m| Some(*m) == stamp.get(3..6))? as u32 + 1;
    let year: i64 = stamp.get(7..11)?.parse().ok()?;
    let clock: Vec<i64> = stamp
        .get(12..20)?
        .split(':')
        .filter_map(|p| p.parse().ok())
        .collect();
    let [hour, minute, second] = clock[..] else {
        return None;
    };
    Some(days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second)
}

fn is_asset_path(target: &str) -> bool {
    let path = path_of(target);
    let file = path.rsplit('/').next().unwrap_or(path);
    file.rsplit_once('.').is_some_and(|(_, ext)| {
        [
            "css", "js", "png", "jpg", "svg", "webp", "woff2", "ico", "txt", "xml",
        ]
        .contains(&ext)
    })
}

/// Whether `text` fits `template`, each `{…}` standing for any non-empty text.
fn fits(template: &str, text: &str) -> bool {
    let Some(open) = template.find('{') else {
        return template == text;
    };
    let close = template.find('}').unwrap_or(template.len() - 1);
    let (head, tail) = (&template[..open], &template[close + 1..]);
    text.len() > head.len() + tail.len() && text.starts_with(head) && text.ends_with(tail)
}

fn kind_of(referrer: Option<&str>, target: &str) -> &'static VisitKind {
    let query = target.split_once('?').map(|(_, q)| q);
    let matches = |pattern: Option<&str>, value: Option<&str>| match (pattern, value) {
        (None, None) => true,
        (Some(p), Some(v)) => fits(p, v),
        _ => false,
    };
    let found: Vec<&VisitKind> = VISIT_KINDS
        .iter()
        .filter(|k| matches(k.referrer, referrer) && matches(k.query, query))
        .collect();
    assert_eq!(found.len(), 1, "landing {referrer:?} {target}");
    found[0]
}

struct SeenSession {
    kind: &'static VisitKind,
    day: i64,
    last: i64,
    pageviews: u64,
    purchase: bool,
    newsletter: bool,
}

#[derive(Default, Debug, PartialEq)]
struct LineCounts {
    malformed: u64,
    bot: u64,
    asset: u64,
    non_page: u64,
    pageviews: u64,
}

fn simulate_pipeline(out: &[u8]) -> Vec<SeenSession> {
    simulate(out).0
}

fn simulate(out: &[u8]) -> (Vec<SeenSession>, LineCounts) {
    let mut counts = LineCounts::default();
    let mut open: HashMap<(String, String), SeenSession> = HashMap::new();
    let mut done = Vec::new();
    for line in lines(out) {
        let Some(hit) = parse_combined(line) else {
            counts.malformed += 1;
            continue;
        };
        if !HUMAN_AGENTS.contains(&hit.agent) {
            counts.bot += 1;
        } else if is_asset_path(hit.target) {
            counts.asset += 1;
        } else if !(matches!(hit.status, 200..=299 | 304) && matches!(hit.method, "GET" | "POST")) {
            counts.non_page += 1;
        } else {
            counts.pageviews += 1;
            pageview(&mut open, &mut done, &hit);
        }
    }
    done.extend(open.into_values());
    (done, counts)
}

/// Sessionizes by IP and user agent only (no day), so a session crossing midnight shows.
fn pageview(
    open: &mut HashMap<(String, String), SeenSession>,
    done: &mut Vec<SeenSession>,
    hit: &Parsed<'_>,
) {
    let key = (hit.ip.to_string(), hit.agent.to_string());
    let continues = open.get(&key).is_some_and(|s| hit.ts - s.last <= 30 * 60);
    if continues {
        let session = open.get_mut(&key).expect("checked");
        assert!(hit.ts - session.last <= i64::from(MAX_READING_GAP));
        assert_eq!(
            session.day,
            hit.ts.div_euclid(SECONDS_PER_DAY),
            "crosses midnight"
        );
        session.last = hit.ts;
        session.pageviews += 1;
        session.purchase |= hit.target.starts_with("/checkout/complete");
        session.newsletter |= hit.target.starts_with("/newsletter/thanks");
        return;
    }
    if let Some(previous) = open.remove(&key) {
        assert!(hit.ts - previous.last > 40 * 60, "returning too soon");
        done.push(previous);
    }
    assert!(hit.referrer.is_none_or(|r| !r.contains("acme.test")));
    let session = SeenSession {
        kind: kind_of(hit.referrer, hit.target),
        day: hit.ts.div_euclid(SECONDS_PER_DAY),
        last: hit.ts,
        pageviews: 1,
        purchase: false,
        newsletter: false,
    };
    open.insert(key, session);
}

#[test]
fn a_hand_made_pipeline_finds_exactly_the_truth() {
    let (out, truth) = run(&small(OutputFormat::Combined));
    let (sessions, counts) = simulate(&out);
    let expected = LineCounts {
        malformed: truth.malformed_lines,
        bot: truth.bot_lines,
        asset: truth.asset_lines,
        non_page: truth.non_page_lines,
        pageviews: truth.pageviews,
    };
    assert_eq!(counts, expected);
    let mut by_source: BTreeMap<(String, String), SourceTruth> = BTreeMap::new();
    for session in &sessions {
        let key = (
            session.kind.channel.to_string(),
            session.kind.source.to_string(),
        );
        let entry = by_source.entry(key).or_default();
        entry.sessions += 1;
        entry.pageviews += session.pageviews;
        entry.conversions += u64::from(session.purchase);
        entry.micro_conversions += u64::from(session.newsletter);
    }
    assert_eq!(by_source, truth.by_source);
}

#[test]
fn some_visitors_come_back_the_same_day() {
    let (out, truth) = run(&small(OutputFormat::Combined));
    let visitors: HashSet<(&str, &str)> = lines(&out)
        .into_iter()
        .filter_map(parse_combined)
        .filter(|hit| HUMAN_AGENTS.contains(&hit.agent))
        .map(|hit| (hit.ip, hit.agent))
        .collect();
    let returns = truth.sessions - visitors.len() as u64;
    assert!(returns * 100 > truth.sessions * 8, "{returns} returns");
}

#[test]
fn the_head_is_clean_and_no_line_is_empty() {
    for spec in [small(OutputFormat::Combined), TrafficSpec::demo()] {
        let (out, truth) = run(&spec);
        assert_eq!(out.last(), Some(&b'\n'));
        let all = lines(&out);
        assert_eq!(all.len() as u64, truth.lines);
        assert!(all.iter().all(|line| !line.is_empty()));
        assert!(all[..20].iter().all(|line| parse_combined(line).is_some()));
    }
    // A tiny log with junk in its first second: the junk waits for 20 good lines.
    let tiny = TrafficSpec {
        sessions: 2,
        days: 1,
        seed: 3,
        ..TrafficSpec::demo()
    };
    let (out, truth) = run(&tiny);
    let all = lines(&out);
    let first_bad = all.iter().position(|line| parse_combined(line).is_none());
    assert!(
        first_bad.is_none_or(|i| i >= 20),
        "{first_bad:?} of {}",
        truth.lines
    );
}

#[test]
fn overlong_lines_are_twenty_thousand_bytes() {
    for format in FORMATS {
        let (out, truth) = run(&TrafficSpec {
            format,
            ..TrafficSpec::demo()
        });
        let long: Vec<usize> = lines(&out)
            .iter()
            .map(|l| l.len())
            .filter(|n| *n > 16 * 1024)
            .collect();
        assert!(!long.is_empty() && (long.len() as u64) < truth.malformed_lines);
        assert!(
            long.iter().all(|n| *n == OVERLONG_BYTES),
            "{format:?}: {long:?}"
        );
    }
}

#[test]
fn combined_lines_are_in_time_order() {
    let spec = TrafficSpec {
        start_day: days_from_civil(2026, 12, 30),
        ..small(OutputFormat::Combined)
    };
    let (out, _) = run(&spec);
    let times: Vec<i64> = lines(&out)
        .into_iter()
        .filter_map(parse_combined)
        .map(|h| h.ts)
        .collect();
    assert!(times.len() > 10_000);
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(times[0].div_euclid(SECONDS_PER_DAY), spec.start_day);
}

#[test]
fn vhost_lines_are_combined_lines_behind_a_host() {
    let (out, truth) = run(&small(OutputFormat::VhostCombined));
    let mut valid = 0;
    for line in lines(&out) {
        // Over-long lines are malformed whatever they start with.
        if line.len() >= OVERLONG_BYTES {
            continue;
        }
        let Some(rest) = [b"www.acme.test:443 ".as_slice(), b"acme.test:443 "]
            .iter()
            .find_map(|host| line.strip_prefix(*host))
        else {
            continue;
        };
        assert!(parse_combined(rest).is_some());
        valid += 1;
    }
    assert_eq!(valid, truth.lines - truth.malformed_lines);
}

#[test]
fn json_lines_are_valid_json_in_time_order() {
    for (format, time_key) in [
        (OutputFormat::NginxJson, "\"time_iso8601\":\""),
        (OutputFormat::CaddyJson, "\"ts\":"),
    ] {
        let (out, truth) = run(&small(format));
        let mut times = Vec::new();
        for line in lines(&out) {
            let json = std::str::from_utf8(line).ok().filter(|t| is_json_object(t));
            let Some(text) = json.filter(|_| line.len() <= 16 * 1024) else {
                continue;
            };
            let time = text.split_once(time_key).expect("has a time").1;
            times.push(time[..time.find([',', '"']).unwrap_or(0)].to_string());
        }
        // Every line but the malformed ones is a JSON object.
        assert_eq!(
            times.len() as u64,
            truth.lines - truth.malformed_lines,
            "{format:?}"
        );
        // Same-width times (ISO text, or Unix seconds with milliseconds) sort as text.
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{format:?}");
    }
}

#[test]
fn json_text_is_escaped() {
    let mut line = Vec::new();
    push_json_escaped(&mut line, "a\"b\\c\u{1}\né");
    assert_eq!(
        String::from_utf8(line).unwrap(),
        "a\\\"b\\\\c\\u0001\\u000aé"
    );
    assert!(is_json_object(
        "{\"a\":[1,-2.5e3,true,null,\"x\\\"\"],\"b\":{}}"
    ));
    assert!(!is_json_object("{\"broken\": "));
    assert!(!is_json_object("{\"a\":1}x"));
}

/// A small JSON checker: is `text` exactly one JSON object?
fn is_json_object(text: &str) -> bool {
    let mut json = Json {
        bytes: text.as_bytes(),
        pos: 0,
    };
    json.bytes.first() == Some(&b'{') && json.value() && json.pos == json.bytes.len()
}

struct Json<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Json<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let matched = self.peek() == Some(byte);
        self.pos += usize::from(matched);
        matched
    }

    fn value(&mut self) -> bool {
        match self.peek() {
            Some(b'{') => self.sequence(b'}', |j| j.string() && j.eat(b':') && j.value()),
            Some(b'[') => self.sequence(b']', Json::value),
            Some(b'"') => self.string(),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            _ => self.number(),
        }
    }

    fn sequence(&mut self, close: u8, mut item: impl FnMut(&mut Self) -> bool) -> bool {
        self.pos += 1;
        if self.eat(close) {
            return true;
        }
        loop {
            if !item(self) {
                return false;
            }
            if self.eat(close) {
                return true;
            }
            if !self.eat(b',') {
                return false;
            }
        }
    }

    fn string(&mut self) -> bool {
        if !self.eat(b'"') {
            return false;
        }
        while let Some(byte) = self.peek() {
            self.pos += 1;
            match byte {
                b'"' => return true,
                b'\\' => self.pos += 1,
                0..=0x1f => return false,
                _ => {}
            }
        }
        false
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        let matched = self.bytes[self.pos..].starts_with(word);
        self.pos += if matched { word.len() } else { 0 };
        matched
    }

    fn number(&mut self) -> bool {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        {
            self.pos += 1;
        }
        std::str::from_utf8(&self.bytes[start..self.pos]).is_ok_and(|n| n.parse::<f64>().is_ok())
    }
}

#[test]
fn calendar_arithmetic() {
    assert_eq!(TrafficSpec::demo().start_day, 20_752);
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(civil_from_days(20_752), (2026, 10, 26));
    assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    assert_eq!(civil_from_days(-1), (1969, 12, 31));
    assert_eq!(weekday(20_752), 0, "2026-10-26 is a Monday");
    for day in (-800_000..3_000_000).step_by(997) {
        let (y, m, d) = civil_from_days(day);
        assert_eq!(days_from_civil(y, m, d), day);
    }
    let stamp = DayStamp::new(days_from_civil(2026, 11, 24));
    assert_eq!(
        (stamp.clf.as_str(), stamp.iso.as_str()),
        ("24/Nov/2026", "2026-11-24")
    );
    assert_eq!(
        clf_seconds("24/Nov/2026:10:00:00 +0000"),
        Some(1_795_514_400)
    );
}

#[test]
fn caddy_times_carry_milliseconds() {
    let request = Request {
        verdict: Verdict::Pageview,
        client: Client::Visitor(0),
        host: SITE_HOSTS[0],
        method: "GET",
        target: Cow::Borrowed("/"),
        status: 200,
        bytes: 10,
        referrer: None,
        agent: HUMAN_AGENTS[0],
    };
    let mut line = Vec::new();
    write_caddy_json(&mut line, 1_764_000_000, 7, &request).unwrap();
    let text = String::from_utf8(line).unwrap();
    assert!(text.contains("\"ts\":1764000000.007,"), "{text}");
    assert!(!text.contains("Referer"));
    let mut line = Vec::new();
    write_caddy_json(&mut line, -2, 250, &request).unwrap();
    assert!(String::from_utf8(line).unwrap().contains("\"ts\":-1.750,"));
}

#[test]
fn visitor_addresses_are_unique() {
    let pool = (VISITOR_NETWORKS.len() as u64) << 24;
    let numbers = (0..200_000u64).chain(pool - 50_000..pool + 50_000);
    let addresses: HashSet<String> = numbers.map(|n| Client::Visitor(n).to_string()).collect();
    assert_eq!(addresses.len(), 300_000);
    let bot_networks: Vec<&str> = BOTS.iter().map(|b| b.network).collect();
    assert!(
        addresses
            .iter()
            .all(|a| !bot_networks.iter().any(|n| a.starts_with(n)))
    );
}

#[test]
fn bots_are_labelled_as_the_classifier_names_them() {
    for bot in BOTS {
        let agent = crate::classify::bot(bot.agent).expect(bot.agent);
        let labelled = agent.purpose.map(|purpose| (agent.name, purpose.as_str()));
        assert_eq!(labelled, bot.ai, "{}", bot.agent);
    }
}

mod stories {
    use super::*;

    fn month(story: Story) -> GroundTruth {
        let spec = TrafficSpec {
            seed: 3,
            sessions: 20_000,
            noise: false,
            story,
            ..TrafficSpec::demo()
        };
        generate(&spec, &mut std::io::sink()).unwrap()
    }

    fn ai(truth: &GroundTruth) -> (u64, u64) {
        truth
            .by_source
            .iter()
            .filter(|((channel, _), _)| channel == "ai_assistant")
            .fold((0, 0), |(s, c), (_, t)| (s + t.sessions, c + t.conversions))
    }

    #[test]
    fn a_conversion_shift_is_in_the_truth_and_only_for_ai() {
        let from_day = TrafficSpec::demo().start_day + 21;
        let shifted = month(Story::AiConversionShift {
            from_day,
            per_mille: 333,
        });
        let stable = month(Story::Stable);
        let shift = shifted.ai_shift.expect("the shift's truth");
        assert_eq!(shift.from_day, from_day);
        // The truth splits AI's sessions at the shift and adds up to them.
        assert_eq!(
            (
                shift.sessions_before + shift.sessions_after,
                shift.conversions_before + shift.conversions_after
            ),
            ai(&shifted)
        );
        let before = shift.conversions_before as f64 / shift.sessions_before as f64;
        let after = shift.conversions_after as f64 / shift.sessions_after as f64;
        assert!(after < before / 2.0, "{before} -> {after}");
        // As many sessions a day either way; a stable month has no shift.
        assert_eq!(shifted.sessions, stable.sessions);
        assert_eq!(stable.ai_shift, None);
    }
}
