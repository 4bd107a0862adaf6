//! Writing events as lines of the four log formats.

use super::*;

/// Streams events as lines of one format and counts every line into the truth.
pub(super) struct LogWriter<'o> {
    pub(super) out: &'o mut dyn Write,
    pub(super) format: OutputFormat,
    pub(super) line: Vec<u8>,
    pub(super) stamp: DayStamp,
    pub(super) valid_lines: u64,
    /// Malformed lines waiting until the head of the log is written.
    pub(super) held_back: Vec<(i64, u16, Junk)>,
}

impl<'o> LogWriter<'o> {
    pub(super) fn new(out: &'o mut dyn Write, format: OutputFormat) -> LogWriter<'o> {
        LogWriter {
            out,
            format,
            line: Vec::with_capacity(1024),
            stamp: DayStamp::new(0),
            valid_lines: 0,
            held_back: Vec::new(),
        }
    }

    /// Writes `events` in the order of the indices in `order`.
    pub(super) fn write_events(
        &mut self,
        events: &[Event],
        order: &[usize],
        truth: &mut GroundTruth,
    ) -> io::Result<()> {
        for event in order.iter().filter_map(|&index| events.get(index)) {
            match &event.line {
                Line::Request(request) => {
                    self.write_request(event.ts, event.millis, request, truth)?;
                    if self.valid_lines >= CLEAN_HEAD_LINES && !self.held_back.is_empty() {
                        self.release_held_back(truth)?;
                    }
                }
                Line::Malformed(junk) if self.valid_lines < CLEAN_HEAD_LINES => {
                    self.held_back.push((event.ts, event.millis, *junk));
                }
                Line::Malformed(junk) => self.write_junk(event.ts, event.millis, *junk, truth)?,
            }
        }
        Ok(())
    }

    pub(super) fn write_request(
        &mut self,
        ts: i64,
        millis: u16,
        request: &Request,
        truth: &mut GroundTruth,
    ) -> io::Result<()> {
        self.render(ts, millis, request)?;
        self.emit(truth)?;
        self.valid_lines += 1;
        match request.verdict {
            Verdict::Pageview => truth.pageviews += 1,
            Verdict::Bot => {
                truth.bot_lines += 1;
                count_ai_crawler(request, truth);
            }
            Verdict::Asset => truth.asset_lines += 1,
            Verdict::NonPage => truth.non_page_lines += 1,
        }
        Ok(())
    }

    pub(super) fn release_held_back(&mut self, truth: &mut GroundTruth) -> io::Result<()> {
        for (ts, millis, junk) in std::mem::take(&mut self.held_back) {
            self.write_junk(ts, millis, junk, truth)?;
        }
        Ok(())
    }

    pub(super) fn write_junk(
        &mut self,
        ts: i64,
        millis: u16,
        junk: Junk,
        truth: &mut GroundTruth,
    ) -> io::Result<()> {
        self.line.clear();
        match junk {
            Junk::TlsHandshake => self
                .line
                .extend_from_slice(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\xa7\x5b\xe1"),
            Junk::BareRequest => self.line.extend_from_slice(b"GET / HTTP/1.1"),
            Junk::Greeting => self.line.extend_from_slice(b"hello world"),
            Junk::BrokenJson => self.line.extend_from_slice(b"{\"broken\": "),
            Junk::OverLong => self.render_overlong(ts, millis)?,
        }
        self.emit(truth)?;
        truth.malformed_lines += 1;
        Ok(())
    }

    /// A request with a huge query, padded to [`OVERLONG_BYTES`]: well-formed but too long.
    pub(super) fn render_overlong(&mut self, ts: i64, millis: u16) -> io::Result<()> {
        const MARKER: &[u8] = b"/search?q=";
        let request = Request {
            verdict: Verdict::NonPage,
            client: Client::Network {
                prefix: "192.0.2",
                host: 10 + (millis % 200) as u8,
            },
            host: SITE_HOSTS[0],
            method: "GET",
            target: Cow::Borrowed("/search?q="),
            status: 414,
            bytes: 0,
            referrer: None,
            agent: HUMAN_AGENTS[0],
        };
        self.render(ts, millis, &request)?;
        let padding = OVERLONG_BYTES.saturating_sub(self.line.len());
        if let Some(at) = self.line.windows(MARKER.len()).position(|w| w == MARKER) {
            let at = at + MARKER.len();
            self.line.splice(at..at, std::iter::repeat_n(b'A', padding));
        }
        Ok(())
    }

    pub(super) fn render(&mut self, ts: i64, millis: u16, request: &Request) -> io::Result<()> {
        let day = ts.div_euclid(SECONDS_PER_DAY);
        if self.stamp.day != day {
            self.stamp = DayStamp::new(day);
        }
        self.line.clear();
        let line = &mut self.line;
        match self.format {
            OutputFormat::Combined => write_combined(line, &self.stamp, ts, request),
            OutputFormat::VhostCombined => {
                write!(line, "{}:443 ", request.host)?;
                write_combined(line, &self.stamp, ts, request)
            }
            OutputFormat::NginxJson => write_nginx_json(line, &self.stamp, ts, request),
            OutputFormat::CaddyJson => write_caddy_json(line, ts, millis, request),
        }
    }

    pub(super) fn emit(&mut self, truth: &mut GroundTruth) -> io::Result<()> {
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        truth.lines += 1;
        Ok(())
    }
}

/// `IP - - [24/Nov/2026:10:00:00 +0000] "GET /p HTTP/1.1" 200 5123 "referrer" "agent"`
pub(super) fn write_combined(
    line: &mut Vec<u8>,
    stamp: &DayStamp,
    ts: i64,
    r: &Request,
) -> io::Result<()> {
    let (hour, minute, second) = clock(ts);
    write!(
        line,
        "{} - - [{}:{hour:02}:{minute:02}:{second:02} +0000] \"{} {} HTTP/1.1\" {} {} \"{}\" \"{}\"",
        r.client,
        stamp.clf,
        r.method,
        r.target,
        r.status,
        r.bytes,
        r.referrer.as_deref().unwrap_or("-"),
        r.agent
    )
}

/// nginx `log_format … escape=json` with the usual variable names.
pub(super) fn write_nginx_json(
    line: &mut Vec<u8>,
    stamp: &DayStamp,
    ts: i64,
    r: &Request,
) -> io::Result<()> {
    let (hour, minute, second) = clock(ts);
    write!(
        line,
        "{{\"time_iso8601\":\"{}T{hour:02}:{minute:02}:{second:02}+00:00\",\"remote_addr\":\"{}\",\"request\":\"",
        stamp.iso, r.client
    )?;
    push_json_escaped(line, r.method);
    line.push(b' ');
    push_json_escaped(line, &r.target);
    write!(
        line,
        " HTTP/1.1\",\"status\":{},\"body_bytes_sent\":{},\"http_referer\":\"",
        r.status, r.bytes
    )?;
    push_json_escaped(line, r.referrer.as_deref().unwrap_or(""));
    line.extend_from_slice(b"\",\"http_user_agent\":\"");
    push_json_escaped(line, r.agent);
    write!(line, "\",\"host\":\"{}\"}}", r.host)
}

/// Caddy's `http.log.access` entry (the Referer header only when there is one).
pub(super) fn write_caddy_json(
    line: &mut Vec<u8>,
    ts: i64,
    millis: u16,
    r: &Request,
) -> io::Result<()> {
    let total_millis = ts * 1000 + i64::from(millis);
    let sign = if total_millis < 0 { "-" } else { "" };
    let (whole, fraction) = (total_millis.abs() / 1000, total_millis.abs() % 1000);
    let proto = match r.client {
        Client::Visitor(_) => "HTTP/2.0",
        Client::Network { .. } => "HTTP/1.1",
    };
    let port = 32_768 + (u64::from(r.bytes) * 31 + u64::from(millis)) % 28_000;
    write!(
        line,
        "{{\"level\":\"info\",\"ts\":{sign}{whole}.{fraction:03},\"logger\":\"http.log.access\",\
         \"msg\":\"handled request\",\"request\":{{\"remote_ip\":\"{ip}\",\"remote_port\":\"{port}\",\
         \"client_ip\":\"{ip}\",\"proto\":\"{proto}\",\"method\":\"",
        ip = r.client
    )?;
    push_json_escaped(line, r.method);
    write!(line, "\",\"host\":\"{}\",\"uri\":\"", r.host)?;
    push_json_escaped(line, &r.target);
    line.extend_from_slice(b"\",\"headers\":{\"User-Agent\":[\"");
    push_json_escaped(line, r.agent);
    line.extend_from_slice(b"\"]");
    if let Some(referrer) = &r.referrer {
        line.extend_from_slice(b",\"Referer\":[\"");
        push_json_escaped(line, referrer);
        line.extend_from_slice(b"\"]");
    }
    let bytes_read = if r.method == "POST" { 64 } else { 0 };
    write!(
        line,
        "}}}},\"bytes_read\":{bytes_read},\"duration\":0.{:06},\"size\":{},\"status\":{}}}",
        200 + r.bytes % 9_000,
        r.bytes,
        r.status
    )
}

/// Appends `text` escaped for a JSON string (quotes, backslashes, control characters).
pub(super) fn push_json_escaped(line: &mut Vec<u8>, text: &str) {
    for &byte in text.as_bytes() {
        match byte {
            b'"' => line.extend_from_slice(b"\\\""),
            b'\\' => line.extend_from_slice(b"\\\\"),
            0..=0x1f => {
                line.extend_from_slice(b"\\u00");
                line.push(HEX[usize::from(byte >> 4)]);
                line.push(HEX[usize::from(byte & 0xf)]);
            }
            _ => line.push(byte),
        }
    }
}

/// /8 networks of human visitors' IPv4 addresses (none is a bot's).
pub(super) const VISITOR_NETWORKS: [u64; 16] = [
    31, 37, 46, 77, 81, 86, 89, 92, 94, 95, 109, 176, 178, 185, 188, 212,
];

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Client::Network { prefix, host } => write!(f, "{prefix}.{host}"),
            Client::Visitor(n) => write_visitor_address(f, n),
        }
    }
}

/// A unique address per visitor: every tenth one (and all beyond the IPv4 pool) IPv6, the
/// others IPv4 in [`VISITOR_NETWORKS`]. Both scramble the visitor number with a bijection
/// (multiplying by an odd number modulo 2^28; the SplitMix64 finaliser), so addresses look
/// random yet never repeat.
pub(super) fn write_visitor_address(f: &mut fmt::Formatter<'_>, n: u64) -> fmt::Result {
    const IPV4_POOL: u64 = (VISITOR_NETWORKS.len() as u64) << 24;
    if n % 10 == 9 || n >= IPV4_POOL {
        let m = mix64(n);
        return write!(
            f,
            "2001:db8:{:x}:{:x}:{:x}:{:x}::",
            m >> 48,
            (m >> 32) & 0xFFFF,
            (m >> 16) & 0xFFFF,
            m & 0xFFFF
        );
    }
    let m = n.wrapping_mul(0x9E3_779B) % IPV4_POOL;
    let network = VISITOR_NETWORKS[(m >> 24) as usize];
    write!(
        f,
        "{network}.{}.{}.{}",
        (m >> 16) & 0xFF,
        (m >> 8) & 0xFF,
        m & 0xFF
    )
}

/// Counts a bot's request under its AI agent name and purpose, when it is an AI agent.
fn count_ai_crawler(request: &Request, truth: &mut GroundTruth) {
    let Some((name, purpose)) = BOTS
        .iter()
        .find(|bot| bot.agent == request.agent)
        .and_then(|bot| bot.ai)
    else {
        return;
    };
    let counts = truth
        .ai_crawlers
        .entry((name.to_string(), purpose.to_string()))
        .or_default();
    counts.hits += 1;
    match request.status {
        200..=299 => counts.status_2xx += 1,
        400..=499 => counts.status_4xx += 1,
        _ => {}
    }
}
