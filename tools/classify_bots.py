"""The bot half of tools/build_classify_data.py: user-agent lists for src/classify/data/.

  bots.tsv   user-agent substrings -> bot|ai|browser, anchor, name, operator, purpose
             (AI agents from ai.robots.txt with operator and purpose from
             tools/data/ai_agents.tsv; crawler-user-agents literals; curated tokens)
  isbot.tsv  isbot's regular-expression fragments, look-around split into literal checks

It also rewrites the README's table of AI agents (between the ai-agents markers) from
tools/data/ai_agents.tsv. Called by build_classify_data.py, the one way lists are rebuilt.
"""

import json
import sys
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
AI_AGENTS_TSV = ROOT / "tools" / "data" / "ai_agents.tsv"
README = ROOT / "README.md"

ROBOTS = ("ai-robots-txt/ai.robots.txt @ 738c80df2169027ce0e07c9976fd3f2f57dd8f7b: robots.json "
          "(MIT, Copyright (c) 2024 ai.robots.txt)")
AI_AGENTS = ("tools/data/ai_agents.tsv: operator and purpose of every robots.json entry, "
             "hand-curated from each operator's documentation (linked per row)")
CRAWLERS = ("monperrus/crawler-user-agents @ 7c7f9f254f16fcbc7d0fcb60d0a188897c00b050: "
            "crawler-user-agents.json (MIT, Copyright (c) 2017 Martin Monperrus)")
ADOBE = ("AdobeDocs/analytics-platform.en @ 0556a1adf6751fedeace9f8e3ad3e9701a04b98f: "
         "help/use-cases/ai-traffic.md (licence not verified; only facts used: crawler names)")
ISBOT = ("omrilotan/isbot 5.2.3 (npm package isbot): the `list` export of pattern fragments "
         "(The Unlicense, public domain)")
CURATED = "hand-curated entries in tools/classify_bots.py (CURATED_* tables)"

# User-agent substrings of generic automation (HTTP libraries, headless browsers, monitors,
# link previews). Matched case-insensitively anywhere in the user agent. "java/" is not one
# (feature phones send "Java/ASVM"; isbot's `java(?!;)` catches Java's own client). A bare "bot" is not
# one: isbot's `bots?\b` (not after " cu", for the phone maker Cubot) is the better rule,
# since "bot" also turns up inside base64 blobs that old toolbars appended to browsers.
CURATED_BOT_TOKENS = [
    "crawl", "spider", "slurp", "scrape", "curl/", "wget/", "python-requests",
    "python-urllib", "python-httpx", "python/", "aiohttp", "go-http-client", "okhttp",
    "libwww-perl", "httpclient", "http_request", "headlesschrome", "headless", "phantomjs",
    "selenium", "puppeteer", "playwright", "facebookexternalhit", "node-fetch", "undici",
    "axios/", "guzzlehttp", "postmanruntime", "insomnia/", "httpie/", "preview", "monitor",
    "uptime", "lighthouse", "pagespeed", "gtmetrix", "validator", "feedfetcher", "fetcher",
    "archiver", "zgrab", "masscan", "nmap", "nuclei", "sqlmap", "nikto", "probe", "monit/",
    "prometheus/", "synthetics", "googleweblight", "linkchecker", "link checker", "wappalyzer", "imageproxy",
    "feedparser", "feed parser", "grpc-", "rest-client", "restsharp", "go-resty",
    "http-kit", "winhttp", "php/",
]

# Browser tokens containing a bot marker (phone makers, browsers). Matched like bot tokens,
# but a match means "not a bot here"; the longest match at a position wins, so "cubot" hides
# the "bot" inside it.
CURATED_BROWSER_TOKENS = ["cubot", "abbott", "fubotv", "caboto"]

# Crawler-list literals that also match people's browsers, so they are left out: in-app and
# editor browsers (Viber, Fluid, Facebook's MetaIAB, Yahoo's YLT, VS Code's Code/1., Trae/),
# an Android build id, and short words found inside browser tokens (Sonic, NING/ in
# Thunderbird's Lightning/, HTC's Butterfly phone). Checked against isbot's browser fixtures (omrilotan/isbot).
NOT_BOT_LITERALS = {
    "viber", "fluid", "metaiab facebook", "ylt chrome", "tsm-turingos", "code/1.",
    "ap3a.240617.008", "sonic", "ning/", "trae/", "butterfly",
}
# Some of those bots are still recognisable by a narrower literal (same columns as literals_of).
# (A bare `Viber`, the link-preview fetcher, is left to isbot's rule for a lone product name:
# `Viber/12.8 CFNetwork/…` is the Viber app.)
NARROWED_BOT_LITERALS = [("ranksonic", "any"), ("ning/", "start"), ("butterfly/", "any")]

# robots.json tokens that are ordinary words or product names also seen in human traffic
# (editors' built-in browsers): matching them as substrings would flag real people.
# Trae is also an editor whose built-in browser sends "Trae/1.x".
NOT_AI_TOKENS = {"code", "cursor", "operator", "spider", "lcc", "trae"}
# robots.json tokens too short to be safe substrings: matched with their version slash.
AI_TOKENS_WITH_SLASH = {"yak", "devin", "useai"}
# robots.json lists facebookexternalhit on suspicion; it is Meta's link-preview fetcher and is
# kept as an ordinary bot.
NOT_AI_AGENTS = {"facebookexternalhit"}


# ---- bots -----------------------------------------------------------------------------------


def literals_of(pattern):
    """Literal case-insensitive substrings equivalent to a crawler-user-agents regex, each with
    an anchor (any|start|end); [] when the regex is more than literals, escapes, [xX] classes,
    one group of alternatives and "match anything" gaps (a gap keeps the longest piece)."""
    anchor = "any"
    if pattern.startswith("^"):
        pattern, anchor = pattern[1:], "start"
    elif pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern, anchor = pattern[:-1], "end"
    pattern = pattern.removeprefix("(^| )")
    # Escaped punctuation becomes private placeholders so that parentheses are unambiguous.
    escaped = {}

    def hide(match):
        escaped[chr(0xE000 + len(escaped))] = match.group(1)
        return chr(0xE000 + len(escaped) - 1)

    pattern = re.sub(r"\\([^a-zA-Z0-9])", hide, pattern)
    pattern = re.sub(r"\[([a-zA-Z])([a-zA-Z])\]",
                     lambda m: m.group(1) if m.group(1).lower() == m.group(2).lower() else m.group(0),
                     pattern)
    alternatives = expand_alternatives(pattern)
    if alternatives is None:
        return []
    literals = []
    for text in alternatives:
        if "[\\s\\S]*" in text:
            text = max(text.split("[\\s\\S]*"), key=len)
            anchor = "any"
        if re.search(r"[\\\[\]()|*+?{}$^]", text):
            return []
        for placeholder, char in escaped.items():
            text = text.replace(placeholder, char)
        literals.append((text.lower(), anchor))
    return literals


def expand_alternatives(pattern):
    """`Ahrefs(Bot|SiteAudit)` -> [AhrefsBot, AhrefsSiteAudit]; `a|b` -> [a, b]; one group."""
    group = re.fullmatch(r"([^()|]*)\(([^()]*)\)([^()|]*)", pattern)
    if group:
        head, inner, tail = group.groups()
        return [head + alt + tail for alt in inner.split("|")]
    if "(" in pattern or ")" in pattern:
        return None
    return pattern.split("|")


def robots_tokens(agents):
    """AI agents of robots.json (and the curated table's additions) that are matched as
    substrings: lowercase token -> (name, operator, purpose)."""
    tokens = {}
    for name, (operator, purpose, _doc) in sorted(agents.items(), key=lambda item: item[0].lower()):
        name = re.sub(r"[/ ]\d+(\.\d+)*$", "", name)  # "iaskspider/2.0" -> "iaskspider"
        token = name.lower()
        if token in NOT_AI_TOKENS or token in NOT_AI_AGENTS:
            continue
        if token in AI_TOKENS_WITH_SLASH:
            token += "/"
        tokens.setdefault(token, (name, operator, purpose))
    return tokens


def load_ai_agents():
    """tools/data/ai_agents.tsv: name -> (operator, purpose, documentation). Fails when an
    entry of robots.json has no row, so every AI agent aivis knows has both."""
    agents = {}
    for line in AI_AGENTS_TSV.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, operator, purpose, doc = line.split("\t")
        if purpose not in ("training", "search_index", "user_fetch"):
            raise SystemExit(f"ai_agents.tsv: {name}: unknown purpose {purpose!r}")
        agents[name] = (operator, purpose, doc)
    robots = json.loads((SHARED / "ai-robots-txt" / "robots.json").read_text())
    missing = sorted(set(robots) - set(agents))
    if missing:
        raise SystemExit(f"ai_agents.tsv: no operator and purpose for {missing}")
    return agents


def how_matched(name):
    """How the classifier recognises an AI agent (for the README table)."""
    token = re.sub(r"[/ ]\d+(\.\d+)*$", "", name).lower()
    if token in NOT_AI_AGENTS:
        return "as an ordinary bot (link previews)"
    if token in NOT_AI_TOKENS:
        return "not by name (an ordinary word or an editor's own browser)"
    if token in AI_TOKENS_WITH_SLASH:
        return f"`{token}/`"
    return f"`{token}`"


def readme_table(agents):
    """The README's table of AI agents, one row per name (case variants folded)."""
    rows, seen = [], set()
    for name, (operator, purpose, doc) in sorted(agents.items(), key=lambda item: item[0].lower()):
        key = name.lower()
        if key in seen:
            continue
        seen.add(key)
        rows.append(f"| [{name}]({doc}) | {operator} | `{purpose}` | {how_matched(name)} |")
    return ["| Agent | Operator | Purpose | Recognised by |", "|---|---|---|---|"] + rows


def build_bots(header, agents):
    rows = {}  # token -> (kind, anchor, name, operator, purpose)
    for token, (name, operator, purpose) in robots_tokens(agents).items():
        rows[token] = ("ai", "any", name, operator, purpose)
    crawlers = json.loads((SHARED / "crawler-user-agents" / "crawler-user-agents.json").read_text())
    skipped = []
    literals = []
    for entry in crawlers:
        found = literals_of(entry["pattern"])
        if not found:
            skipped.append(entry["pattern"])
        literals += [(text, anchor) for text, anchor in found
                     if len(text.strip()) >= 3 and text not in NOT_BOT_LITERALS]
    for literal, anchor in literals + NARROWED_BOT_LITERALS:
        known = rows.get(literal)
        if known is None:
            rows[literal] = ("bot", anchor, "-", "-", "-")
        elif known[0] == "bot" and known[1] != anchor:
            rows[literal] = ("bot", "any", "-", "-", "-")  # listed anchored and not
    for token in CURATED_BOT_TOKENS:
        rows.setdefault(token, ("bot", "any", "-", "-", "-"))
    for token in CURATED_BROWSER_TOKENS:
        rows[token] = ("browser", "any", "-", "-", "-")
    if skipped:
        print(f"bots.tsv: {len(skipped)} crawler regexes are not literals, left to the generic "
              f"tokens: {skipped}", file=sys.stderr)
    check_adobe_agents(rows)
    lines = header("bot user agents", [ROBOTS, AI_AGENTS, CRAWLERS, ADOBE, CURATED], [
        "Columns (tab-separated): substring, kind, anchor, name, operator, purpose.",
        "substring: lowercase; matched ASCII-case-insensitively in the user agent.",
        "kind: ai (AI crawler or agent) | bot (other automation) | browser (a browser token that",
        "  contains a bot marker, e.g. the phone maker Cubot; the longest match wins).",
        "anchor: any | start | end (the substring must begin or end the user agent).",
        "name: the AI agent's name (`-` for other bots: they are named by the product token",
        "  of the user agent they are found in).",
        "operator: who runs it, `-` when unknown. purpose (ai only): training | search_index |",
        "  user_fetch (fetching a page for a user's question right now); `-` otherwise.",
    ])
    return lines + ["\t".join((token, *rows[token])) for token in sorted(rows)]


def check_adobe_agents(rows):
    """Every AI user agent of Adobe's list must be recognised (a build-time sanity check)."""
    adobe = json.loads((SHARED / "adobe-cja-ai-traffic" / "ai-traffic-signatures.json").read_text())
    for agent in adobe["user_agents"]:
        ua = agent["ua"].lower()
        if not any(token in ua for token, row in rows.items() if row[0] != "browser"):
            raise SystemExit(f"bots.tsv: Adobe's {agent['name']} user agent is not recognised")




def isbot_row(fragment):
    """One isbot fragment as (regex without look-around, not_preceded_by, not_followed_by):
    a leading `(?<!a|b)` and a trailing `(?!c)` / `(?!(?:c|d))` become lists of literals the
    classifier checks around each match (the `regex` crate has no look-around)."""
    original = fragment
    before = after = "-"
    found = re.match(r"\(\?<!([^()]*)\)", fragment)
    if found:
        before, fragment = found.group(1), fragment[found.end():]
    found = re.search(r"\(\?!(?:\(\?:([^()]*)\)|([^()]*))\)$", fragment)
    if found:
        after, fragment = found.group(1) or found.group(2), fragment[:found.start()]
    if re.search(r"\(\?<?[!=]", fragment):
        raise SystemExit(f"isbot.tsv: look-around left in {fragment!r}")
    if joined(fragment, before, after) != original:
        raise SystemExit(f"isbot.tsv: {original!r} does not split back into itself")
    if "\t" in original:
        raise SystemExit(f"isbot.tsv: tab in {original!r}")
    # JavaScript reads `-` after a class escape inside brackets as a literal; Rust wants it escaped.
    fragment = re.sub(r"(\\[wdsWDS])-(?=[^\]])", r"\1\\-", fragment)
    return fragment, before, after


def joined(fragment, before, after):
    """The isbot fragment a split fragment stands for, as isbot writes it."""
    if before != "-":
        fragment = f"(?<!{before}){fragment}"
    if after != "-":
        fragment += f"(?!(?:{after}))" if "|" in after else f"(?!{after})"
    return fragment


def build_isbot(header):
    patterns = json.loads((SHARED / "isbot" / "patterns.json").read_text())
    lines = header("isbot's bot patterns", [ISBOT], [
        "Columns (tab-separated): fragment, not_preceded_by, not_followed_by.",
        "fragment: a regular expression matched ASCII-case-insensitively anywhere in the user",
        "  agent (\\w, \\d, \\s and \\b are ASCII, as in JavaScript).",
        "not_preceded_by / not_followed_by: `|`-separated literals that must not sit right",
        "  before / after a match (isbot's look-behind and look-ahead), `-` for none.",
    ])
    return lines + ["\t".join(isbot_row(fragment)) for fragment in patterns]


def write_readme_table(agents):
    """Replaces the README's AI-agent table (between its markers) with one made from the data."""
    start, end = "<!-- ai-agents:start -->", "<!-- ai-agents:end -->"
    text = README.read_text(encoding="utf-8")
    if start not in text or end not in text:
        raise SystemExit(f"README.md: markers {start} … {end} not found")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    table = "\n".join(readme_table(agents))
    README.write_text(f"{head}{start}\n{table}\n{end}{tail}", encoding="utf-8")


def build(header):
    """The user-agent files, by name; rewrites the README's AI-agent table as a side effect."""
    agents = load_ai_agents()
    write_readme_table(agents)
    return {"bots.tsv": build_bots(header, agents), "isbot.tsv": build_isbot(header)}
