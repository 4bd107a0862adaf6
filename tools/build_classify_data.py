#!/usr/bin/env python3
"""Builds aivis's classification data files (src/classify/data/) from the public lists in
../shared/data. Run from the repository root:  python3 tools/build_classify_data.py

The output is deterministic (sorted) and checked in; aivis embeds it at compile time and never
reads ../shared at run time. Hand-curated additions (webmail, AI utm_source values, Android
app packages, click ids the lists miss) are marked as such below.
"""

import csv
import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "src" / "classify" / "data"

MATOMO = "matomo-org/searchengine-and-social-list @ 3b3a82dc83cd146abe17aafe31254de1c25f7844 (CC0-1.0)"
GA4 = "Velir/dbt-ga4 ga4_source_categories.csv @ 2d7b1f1c5224b6e2f3c6284f416dd5fd3ce94360 (MIT, Copyright (c) 2022 Adam Ribaudo)"
UMAMI = "umami-software/umami src/lib/constants.ts @ c0ea3aefbee7a3429ee2f824b06dc4a9dbe0b7e1 (MIT)"
ROBOTS = "ai-robots-txt/ai.robots.txt robots.json @ 738c80df2169027ce0e07c9976fd3f2f57dd8f7b (MIT, Copyright (c) 2024 ai.robots.txt)"
CRAWLERS = "monperrus/crawler-user-agents @ 7c7f9f254f16fcbc7d0fcb60d0a188897c00b050 (MIT, Copyright (c) 2017 Martin Monperrus)"

# Product slugs where slugifying the list's display name would not give the usual name.
SLUG_OVERRIDES = {
    "Yahoo!": "yahoo",
    "Le Chat": "mistral",
    "Microsoft Copilot": "copilot",
    "Bing": "bing",
    "Google": "google",
    "DuckDuckGo": "duckduckgo",
}

# Hand-curated: webmail hosts and mail apps (the lists have no email category with hosts).
EMAIL_HOSTS = {
    "mail.google.com": "gmail",
    "inbox.google.com": "gmail",
    "com.google.android.gm": "gmail",
    "outlook.live.com": "outlook",
    "outlook.office.com": "outlook",
    "outlook.office365.com": "outlook",
    "com.microsoft.office.outlook": "outlook",
    "mail.yahoo.com": "yahoo-mail",
    "mail.yahoo.co.jp": "yahoo-mail",
    "mail.aol.com": "aol-mail",
    "mail.proton.me": "proton-mail",
    "mail.protonmail.com": "proton-mail",
    "mail.zoho.com": "zoho-mail",
    "mail.yandex.ru": "yandex-mail",
    "e.mail.ru": "mail-ru",
    "webmail.gmx.net": "gmx",
    "navigator.gmx.net": "gmx",
    "fastmail.com": "fastmail",
    "app.fastmail.com": "fastmail",
    "icloud.com/mail": "icloud-mail",
}

# Hand-curated: AI assistants the lists miss, and Android app referrers
# (android-app://<package>/ is reported with the package as the host).
EXTRA_AI_HOSTS = {
    "com.openai.chatgpt": "chatgpt",
    "com.anthropic.claude": "claude",
    "ai.perplexity.app.android": "perplexity",
    "com.google.android.apps.bard": "gemini",
    "com.microsoft.copilot": "copilot",
    "copilot.com": "copilot",
    "m365copilot.com": "copilot",
    "chat.mistral.ai": "mistral",
    "perplexity.com": "perplexity",
    "chat.deepseek.com": "deepseek",
    "kimi.com": "kimi",
    "kimi.moonshot.cn": "kimi",
    "phind.com": "phind",
    "poe.com": "poe",
    "huggingface.co/chat": "huggingchat",
}
EXTRA_SEARCH_HOSTS = {
    "com.google.android.googlequicksearchbox": ("google", ""),
    "com.google.android.gm.lite": None,
}
EXTRA_SOCIAL_HOSTS = {
    "com.linkedin.android": "linkedin",
    "com.facebook.katana": "facebook",
    "com.instagram.android": "instagram",
    "com.twitter.android": "twitter",
    "com.reddit.frontpage": "reddit",
    "old.reddit.com": "reddit",
    "reddit.com": "reddit",
    "out.reddit.com": "reddit",
    "threads.net": "threads",
    "bsky.app": "bluesky",
}

# Hand-curated: utm_source values that name an AI assistant without being a host.
AI_UTM_SOURCES = {
    "chatgpt": "chatgpt",
    "chatgpt.com": "chatgpt",
    "openai": "chatgpt",
    "perplexity": "perplexity",
    "perplexity.ai": "perplexity",
    "claude": "claude",
    "claude.ai": "claude",
    "anthropic": "claude",
    "gemini": "gemini",
    "bard": "gemini",
    "copilot": "copilot",
    "copilot.com": "copilot",
    "bing-chat": "copilot",
    "mistral": "mistral",
    "le-chat": "mistral",
    "deepseek": "deepseek",
    "grok": "grok",
    "meta-ai": "meta-ai",
    "you.com": "you",
    "phind": "phind",
}

# Paid click ids: source slug and the channel family of that source. fbclid is not paid
# (Facebook adds it to organic links too), so it is left out on purpose.
CLICK_IDS = {
    "gclid": ("google", "search"),
    "gbraid": ("google", "search"),
    "wbraid": ("google", "search"),
    "gclsrc": ("google", "search"),
    "dclid": ("google", "search"),
    "msclkid": ("bing", "search"),
    "yclid": ("yandex", "search"),
    "ttclid": ("tiktok", "social"),
    "li_fat_id": ("linkedin", "social"),
    "twclid": ("twitter", "social"),
    "rdt_cid": ("reddit", "social"),
    "scid": ("snapchat", "social"),
    "sccid": ("snapchat", "social"),
    "epik": ("pinterest", "social"),
    "ob_click_id": ("outbrain", "other"),
    "obclid": ("outbrain", "other"),
}

# Hand-curated generic automation markers (lowercase substrings of user agents).
GENERIC_BOT_TOKENS = [
    "bot", "crawl", "spider", "slurp", "scrape", "curl/", "wget/", "python-requests",
    "python-urllib", "python-httpx", "aiohttp", "go-http-client", "java/", "okhttp",
    "libwww-perl", "httpclient", "headlesschrome", "phantomjs", "facebookexternalhit",
    "node-fetch", "axios/", "guzzle", "postmanruntime", "insomnia", "httpie", "monitor",
    "uptime", "pingdom", "lighthouse", "preview", "feedfetcher", "feed-reader", "archiver",
    "scrapy", "nutch", "mediapartners-google", "adsbot-google", "apis-google",
    "google-inspectiontool", "google-extended", "googleother", "storebot-google",
]

# Tokens from the lists too generic to mark a bot (they occur in ordinary software names).
NOT_BOT_TOKENS = {"code", "cursor", "curl"}
# Browser tokens that contain a bot marker (phone makers): matched as "browser", which wins
# over the shorter "bot" inside them.
BROWSER_TOKENS = ["cubot", "abbott"]

ROBOTS_PURPOSE = [
    (re.compile(r"search|assistant", re.I), "search_index"),
    (re.compile(r"user|agent", re.I), "user_fetch"),
]

USER_FETCH_NAMES = {
    "chatgpt-user", "perplexity-user", "claude-user", "mistralai-user", "claude-web",
    "gemini-deep-research", "google-notebooklm", "duckassistbot", "meta-externalfetcher",
    "novellum", "manus-user", "devin",
}
SEARCH_INDEX_NAMES = {
    "oai-searchbot", "perplexitybot", "claude-searchbot", "applebot", "youbot",
    "amazonbot", "bravebot", "duckassistbot",
}


def slugify(name):
    if name in SLUG_OVERRIDES:
        return SLUG_OVERRIDES[name]
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def host_slug(host):
    """A slug for a bare host: its main label (www.43things.com -> 43things)."""
    labels = [l for l in host.split(".") if l not in ("www", "m", "l", "lm", "mobile")]
    return labels[0] if labels else host


def header(kind, sources, columns):
    lines = [f"# aivis classification data: {kind}. Generated by tools/build_classify_data.py;"]
    lines.append("# edit the script (or its sources), not this file.")
    for source in sources:
        lines.append(f"# Built from {source}")
    lines.append(f"# Columns (tab-separated): {columns}")
    return lines


def add_host(table, pattern, category, slug, params=""):
    pattern = pattern.strip().lower().rstrip("/")
    pattern = pattern.replace("{}.", "")  # '{}.bing.com': subdomains match anyway
    if not pattern or pattern in table:
        return
    table[pattern] = (category, slug, params)


def covered(table, host, families):
    """True when `host` or a parent domain already has an entry of one of `families`."""
    labels = host.split(".")
    for i in range(len(labels) - 1):
        entry = table.get(".".join(labels[i:]))
        if entry and entry[0] in families:
            return True
    return False


def build_hosts():
    table = {}
    # Order matters: email, AI assistants and social networks own their domains, so a
    # search-engine entry inside one of them (Matomo lists www.facebook.com and
    # www.perplexity.ai as search engines) is left out; the first category given for a
    # pattern is kept.
    for host, slug in sorted(EMAIL_HOSTS.items()):
        add_host(table, host, "email", slug)
    matomo = SHARED / "matomo-searchengine-and-social-list"
    ai = yaml.safe_load((matomo / "AIAssistants.yml").read_text())
    for name, hosts in sorted(ai.items()):
        for host in hosts:
            add_host(table, host, "ai", slugify(name))
    for host, slug in sorted(EXTRA_AI_HOSTS.items()):
        add_host(table, host, "ai", slug)
    socials = yaml.safe_load((matomo / "Socials.yml").read_text())
    for name, hosts in sorted(socials.items()):
        for host in hosts:
            if not covered(table, host.lower(), {"ai", "email"}):
                add_host(table, host, "social", slugify(name))
    for host, slug in sorted(EXTRA_SOCIAL_HOSTS.items()):
        add_host(table, host, "social", slug)
    engines = yaml.safe_load((matomo / "SearchEngines.yml").read_text())
    for name, entries in sorted(engines.items()):
        for entry in entries:
            params = [p for p in entry.get("params", []) if not p.startswith("/")]
            charset = (entry.get("charsets") or [""])[0].lower()
            column = ",".join(params) + (f";{charset}" if charset and charset != "utf-8" else "")
            for url in entry.get("urls", []):
                if not covered(table, url.lower(), {"ai", "social", "email"}):
                    add_host(table, url, "search", slugify(name), column)
    for host, value in sorted(EXTRA_SEARCH_HOSTS.items()):
        if value:
            add_host(table, host, "search", value[0], value[1])
    # GA4's list adds hosts the others miss; a host inside a known domain is covered already.
    with open(SHARED / "ga4-source-categories" / "ga4_source_categories.csv") as f:
        for row in csv.DictReader(f):
            source, category = row["source"].strip().lower(), row["source_category"]
            family = {"SOURCE_CATEGORY_SEARCH": "search", "SOURCE_CATEGORY_SOCIAL": "social",
                      "SOURCE_CATEGORY_VIDEO": "social"}.get(category)
            if family and "." in source and " " not in source:
                if not covered(table, source, {"ai", "social", "email", "search"}):
                    add_host(table, source, family, host_slug(source))
    lines = header("referrer hosts", [MATOMO, GA4, "hand-curated additions (see the script)"],
                   "host-or-pattern  category(ai|search|social|email)  source-slug  "
                   "search-params[;charset]. 'name.{}' matches name.<any public suffix>; "
                   "'host/path' matches that path prefix.")
    for pattern in sorted(table):
        category, slug, params = table[pattern]
        lines.append(f"{pattern}\t{category}\t{slug}\t{params}")
    return lines


def build_utm_sources(hosts_lines):
    table = {}
    for value, slug in AI_UTM_SOURCES.items():
        table[value] = ("ai", slug)
    for line in hosts_lines:
        if line.startswith("#"):
            continue
        pattern, category, slug, _ = line.split("\t")
        table.setdefault(slug, (category, slug))
    with open(SHARED / "ga4-source-categories" / "ga4_source_categories.csv") as f:
        for row in csv.DictReader(f):
            source, category = row["source"].strip().lower(), row["source_category"]
            family = {"SOURCE_CATEGORY_SEARCH": "search", "SOURCE_CATEGORY_SOCIAL": "social",
                      "SOURCE_CATEGORY_VIDEO": "social"}.get(category)
            if family and "." not in source:
                slug = {"fb": "facebook", "ig": "instagram", "yt": "youtube"}.get(source, slugify(source))
                table.setdefault(source, (family, slug))
    for value in ["email", "newsletter", "gmail", "outlook", "mailchimp", "klaviyo", "sendgrid", "brevo"]:
        table.setdefault(value, ("email", value))
    lines = header("utm_source names", [GA4, MATOMO, "hand-curated AI values (see the script)"],
                   "utm_source (lowercase)  category(ai|search|social|email)  source-slug. "
                   "Host-like values are also looked up in hosts.tsv.")
    for value in sorted(table):
        category, slug = table[value]
        lines.append(f"{value}\t{category}\t{slug}")
    return lines


def build_click_ids():
    umami = json.loads((SHARED / "umami" / "channel-domains.json").read_text())
    listed = {p.rstrip("=") for p in umami["PAID_AD_PARAMS"] if not p.startswith("utm_")}
    lines = header("paid click-id parameters", [UMAMI, "hand-curated additions (see the script)"],
                   "parameter  source-slug  family(search|social|other)")
    names = sorted((listed | set(CLICK_IDS)) - {"fbclid", "ad_id", "aid", "pc_id"})
    for name in names:
        slug, family = CLICK_IDS.get(name, ("(not set)", "other"))
        lines.append(f"{name}\t{slug}\t{family}")
    return lines


def literal_of(pattern):
    """The literal text of a simple crawler regex, or None when it needs a real regex."""
    text = pattern.replace("\\/", "/").replace("\\.", ".").replace("\\-", "-").replace("\\ ", " ")
    text = text.lstrip("^")
    if re.search(r"[\\\[\]()|*+?{}$^]", text):
        return None
    return text.lower()


def ai_purpose(name, function):
    lowered = name.lower()
    if lowered in USER_FETCH_NAMES or lowered.endswith("-user"):
        return "user_fetch"
    if lowered in SEARCH_INDEX_NAMES:
        return "search_index"
    for regex, purpose in ROBOTS_PURPOSE:
        if regex.search(function or ""):
            return purpose
    return "training"


def build_bots():
    tokens = {}
    robots = json.loads((SHARED / "ai-robots-txt" / "robots.json").read_text())
    for name, info in sorted(robots.items()):
        operator = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", info.get("operator", "")).strip()
        if operator.lower().startswith("unclear"):
            operator = ""
        purpose = ai_purpose(name, info.get("function", ""))
        if name.lower() not in NOT_BOT_TOKENS:
            tokens[name.lower()] = (name, operator.replace("\t", " "), purpose)
    crawlers = json.loads((SHARED / "crawler-user-agents" / "crawler-user-agents.json").read_text())
    for entry in crawlers:
        literal = literal_of(entry["pattern"])
        if literal and len(literal) >= 3 and literal not in NOT_BOT_TOKENS:
            tokens.setdefault(literal, (literal, "", "bot"))
    for token in GENERIC_BOT_TOKENS:
        tokens.setdefault(token, (token, "", "bot"))
    for token in BROWSER_TOKENS:
        tokens[token] = (token, "", "browser")
    lines = header("bot user agents", [ROBOTS, CRAWLERS, "hand-curated generic markers"],
                   "lowercase substring  name  operator  kind: training|search_index|user_fetch "
                   "(AI agents), bot (other automation), browser (a browser token that contains "
                   "a bot marker; the longest match wins)")
    for token in sorted(tokens):
        name, operator, purpose = tokens[token]
        lines.append(f"{token}\t{name}\t{operator}\t{purpose}")
    return lines


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    hosts = build_hosts()
    files = {
        "hosts.tsv": hosts,
        "utm_sources.tsv": build_utm_sources(hosts),
        "click_ids.tsv": build_click_ids(),
        "bots.tsv": build_bots(),
    }
    for name, lines in files.items():
        (OUT / name).write_text("\n".join(lines) + "\n")
        print(f"{name}: {sum(1 for l in lines if not l.startswith('#'))} entries")


if __name__ == "__main__":
    main()
