#!/usr/bin/env python3
"""Builds aivis's classification data (src/classify/data/*.tsv) from the public lists in
../shared/data. Run from the repository root:

    python3 tools/build_classify_data.py

Output is deterministic (sorted rows, fixed headers) and checked in: aivis embeds the files
with include_str! and never reads ../shared at run time. Every file names its sources,
their commits and licences in its `#` header. Hand-curated additions live in the CURATED_*
tables below, each with the reason it exists.

Files written:
  hosts.tsv        referrer hosts -> family (ai|search|social|email|referral), slug, term params,
                   legacy term charsets
  utm_sources.tsv  utm_source names (not hosts) -> family, slug
  click_ids.tsv    landing-URL click-id parameters -> paid|organic, family, slug
  bots.tsv         user-agent substrings -> bot|ai|browser, anchor, name, operator, purpose
  isbot.tsv        isbot's bot pattern fragments (look-around split out)
The user-agent lists are built by tools/classify_bots.py, which this script runs; it also
rewrites the README's table of AI agents from tools/data/ai_agents.tsv.
"""

import csv
import json
import re
import sys
from pathlib import Path

import yaml

import classify_bots

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "src" / "classify" / "data"

# Attribution lines (repository @ commit, file, licence), from each folder's SOURCES.md.
MATOMO = ("matomo-org/searchengine-and-social-list @ 3b3a82dc83cd146abe17aafe31254de1c25f7844: "
          "SearchEngines.yml, Socials.yml, AIAssistants.yml (CC0-1.0)")
GA4 = ("Velir/dbt-ga4 @ 2d7b1f1c5224b6e2f3c6284f416dd5fd3ce94360: seeds/ga4_source_categories.csv "
       "(MIT, Copyright (c) 2022 Adam Ribaudo)")
UMAMI = ("umami-software/umami @ c0ea3aefbee7a3429ee2f824b06dc4a9dbe0b7e1: src/lib/constants.ts "
         "PAID_AD_PARAMS (MIT)")
ADOBE = ("AdobeDocs/analytics-platform.en @ 0556a1adf6751fedeace9f8e3ad3e9701a04b98f: "
         "help/use-cases/ai-traffic.md (licence not verified; only facts used: host names, "
         "crawler names and purposes)")
CURATED = "hand-curated entries in tools/build_classify_data.py (CURATED_* tables)"

# --------------------------------------------------------------------------------------------
# Hand-curated data. Each table says why the public lists are not enough.
# --------------------------------------------------------------------------------------------

# Slugs where slugifying the list's display name would not give the product's usual slug.
SLUG_OVERRIDES = {
    "Google%2B": "google-plus",  # Matomo's name is URL-encoded; "google" would collide
    "Microsoft Copilot": "copilot",  # Adobe's name for copilot.microsoft.com
    "Google Gemini": "gemini",  # Adobe
    "Perplexity AI": "perplexity",  # Adobe
    "Chat+": "chat-plus",  # "chat" would say nothing
}

# Referrer hosts that are plain websites although a list (or a parent domain's entry) says
# otherwise: they are classified as referrals.
CURATED_REFERRAL_HOSTS = [
    # Hacker News is a link site; the project counts it as a referral (ycombinator.com), not
    # social, although Matomo and GA4 list it as social.
    "news.ycombinator.com",
    # A news site that Matomo lists as a Google-powered search engine.
    "www.cnn.com",
    # Google products that are not search, under the google.{} search entry.
    "accounts.google.com", "ads.google.com", "analytics.google.com", "calendar.google.com",
    "classroom.google.com", "cloud.google.com", "developers.google.com", "docs.google.com",
    "drive.google.com", "groups.google.com", "meet.google.com", "myaccount.google.com",
    "sites.google.com", "support.google.com",
    # Google Reader (closed 2013) lived under google.com/reader: a feed reader, not a search.
    "google.com/reader", "google.{}/reader",
]

# Webmail hosts, webmail link redirectors and mail apps: no public list has an email category
# with hosts. Each entry is a host name as the provider publishes or serves it (its webmail
# address, or the redirector its web mail sends clicked links through). Android referrers
# (android-app://<package>/) are looked up by their package name.
# Pattern forms beyond plain hosts (see the hosts.tsv header): `name.{}` (any public suffix),
# `prefix*.domain` (a label starting with prefix, right under domain) and `label.*` (any host
# whose first label is `label`, below a registrable domain).
CURATED_EMAIL_HOSTS = {
    # Google: Gmail's web client (and the closed Inbox), the Gmail app.
    "mail.google.com": "gmail",
    "inbox.google.com": "gmail",
    "com.google.android.gm": "gmail",
    # Microsoft: Outlook on the web (consumer and Microsoft 365), the older Hotmail/Outlook.com
    # hosts (<server>.mail.live.com), the Outlook app, and Defender Safe Links, which rewrites
    # links in Microsoft 365 mail through <region>.safelinks.protection.outlook.com.
    "outlook.live.com": "outlook",
    "outlook.office.com": "outlook",
    "outlook.office365.com": "outlook",
    "outlook.cloud.microsoft": "outlook",
    "mail.live.com": "outlook",
    "safelinks.protection.outlook.com": "outlook",
    "com.microsoft.office.outlook": "outlook",
    # Yahoo: Yahoo Mail (mail.yahoo.com and its regional <server>.mail.yahoo.com hosts, the
    # older mail.yahoo.<tld>), the mail apps' hosts under mail.yahoo.net, the Android app.
    "mail.yahoo.com": "yahoo-mail",
    "mail.yahoo.{}": "yahoo-mail",
    "*.mail.yahoo.net": "yahoo-mail",
    "com.yahoo.mobile.client.android.mail": "yahoo-mail",
    "mail.aol.com": "aol-mail",
    "mail.proton.me": "proton-mail",
    "mail.protonmail.com": "proton-mail",
    "ch.protonmail.android": "proton-mail",
    "mail.zoho.com": "zoho-mail",
    "mail.zoho.eu": "zoho-mail",
    "mail.zoho.in": "zoho-mail",
    "mail.yandex.ru": "yandex-mail",
    "mail.yandex.com": "yandex-mail",
    "mail.yandex.com.tr": "yandex-mail",
    "e.mail.ru": "mail-ru",
    "mail.rambler.ru": "rambler-mail",
    "email.seznam.cz": "seznam-email",
    "app.fastmail.com": "fastmail",
    "www.icloud.com/mail": "icloud-mail",
    "app.tuta.com": "tuta",
    "mail.tutanota.com": "tuta",
    # United Internet (GMX, WEB.DE, 1&1, mail.com): the web mailers (webmail., navigator.,
    # lightmailer-<site>. hosts) and the dereferrers their mail sends clicked links through
    # (deref-gmx.net, deref-web-02.de, ...), one per brand and country.
    "webmail.gmx.net": "gmx",
    "navigator.gmx.net": "gmx",
    "lightmailer*.gmx.{}": "gmx",
    "deref-gmx.{}": "gmx",
    "lightmailer*.web.de": "web-de-mail",
    "navigator.web.de": "web-de-mail",
    "deref-web.{}": "web-de-mail",
    "deref-web-02.{}": "web-de-mail",
    "deref-1und1.{}": "1und1",
    "deref-1und1-02.{}": "1und1",
    "deref-mail.{}": "mail-com",
    "deref-mail-02.{}": "mail-com",
    "de.gmx.mobile.android.mail": "gmx",
    "de.web.mobile.android.mail": "web-de-mail",
    # ISPs' web mail.
    "webmail.bluewin.ch": "bluewin-mail",
    "mail*.orange.fr": "orange-mail",
    "messagerie.orange.fr": "orange-mail",
    "email.t-online.de": "t-online-mail",
    "email.bt.com": "bt-mail",
    "mail.qq.com": "qq-mail",
    "mail.163.com": "netease-mail",
    "mail.126.com": "netease-mail",
    "mail.naver.com": "naver-mail",
    # Other mail apps.
    "com.samsung.android.email.provider": "samsung-email",
    "com.fsck.k9": "k9-mail",
    # Any web mailer called webmail.<domain> (an ISP's, a university's, a company's): the
    # source is its registrable domain (slug `-`).
    "webmail.*": "-",
}

# Search engines the lists miss, with their term parameters, from the engines' own result
# URLs: PriceRunner (price comparison search, like Toppreise in Matomo's list), Huawei's
# Petal Search, Ghostery Private Search and Mullvad Leta.
CURATED_SEARCH_HOSTS = {
    "pricerunner.{}": ("pricerunner", "q"),
    "petalsearch.com": ("petal-search", "query"),
    "ghosterysearch.com": ("ghostery", "q"),
    "leta.mullvad.net": ("mullvad-leta", "q"),
}

# Extra term sources per engine (Matomo name), tried after the list's own parameters.
# `@name`: the parameter holds a URL-encoded path and query (Google Images' `prev=/search?q=…`)
# whose own query carries the term under the engine's plain parameters.
CURATED_TERM_PARAMS = {
    "Google Images": ["@prev"],
}

# AI assistants the lists miss, and the assistants' Android apps.
CURATED_AI_HOSTS = {
    "com.openai.chatgpt": "chatgpt",
    "com.anthropic.claude": "claude",
    "ai.perplexity.app.android": "perplexity",
    "com.google.android.apps.bard": "gemini",
    "com.microsoft.copilot": "copilot",
    "copilot.com": "copilot",
    "copilot.cloud.microsoft": "copilot",
    "bing.com/chat": "copilot",  # Copilot's old home (Bing Chat), inside bing.com search
    "kimi.com": "kimi",
    "kimi.moonshot.cn": "kimi",
    "poe.com": "poe",
    "phind.com": "phind",
    "huggingface.co/chat": "huggingchat",
}

# Social apps (Android package names) the lists miss.
CURATED_SOCIAL_HOSTS = {
    "com.facebook.katana": "facebook",
    "com.instagram.android": "instagram",
    "com.linkedin.android": "linkedin",
    "com.twitter.android": "twitter",
    "com.google.android.youtube": "youtube",
    "com.zhiliaoapp.musically": "tiktok",
}

# utm_source values that name a product without being one of its hosts or list names.
CURATED_UTM_SOURCES = {
    "openai": "chatgpt",
    "chat-gpt": "chatgpt",
    "anthropic": "claude",
    "bard": "gemini",
    "google-gemini": "gemini",
    "bing-chat": "copilot",
    "microsoft-copilot": "copilot",
    "perplexity-ai": "perplexity",
    "mistral": "le-chat",
    "fb": "facebook",
    "ig": "instagram",
    "yt": "youtube",
    "x": "twitter",
    "li": "linkedin",
    "adwords": "google",  # Google's ad product's old name, a common paid utm_source
    "aolsearch": "aol",
}

# Click-id parameters: which marker they are and the network that sets them.
# Umami's PAID_AD_PARAMS gives the paid ones; the network of each comes from the ad
# platforms' documentation. "paid" ids make a session paid; "organic" ids only name a social
# source (Facebook adds fbclid to ordinary, unpaid outbound links).
CURATED_CLICK_IDS = {
    "gclid": ("paid", "search", "google"),
    "gbraid": ("paid", "search", "google"),
    "wbraid": ("paid", "search", "google"),
    "dclid": ("paid", "search", "google"),
    "gclsrc": ("paid", "search", "google"),
    "msclkid": ("paid", "search", "bing"),
    "yclid": ("paid", "search", "yandex"),
    "ttclid": ("paid", "social", "tiktok"),
    "li_fat_id": ("paid", "social", "linkedin"),
    "twclid": ("paid", "social", "twitter"),
    "rdt_cid": ("paid", "social", "reddit"),
    "scid": ("paid", "social", "snapchat"),
    "sccid": ("paid", "social", "snapchat"),
    "epik": ("paid", "social", "pinterest"),
    "ob_click_id": ("paid", "-", "outbrain"),
    "fbclid": ("organic", "social", "facebook"),
}
# Umami lists "aid", which sites use for article or affiliate ids: too generic to mean paid.
NOT_CLICK_IDS = {"aid"}

# --------------------------------------------------------------------------------------------


def slugify(name):
    """Lowercase, runs of non-alphanumerics to '-', trimmed."""
    if name in SLUG_OVERRIDES:
        return SLUG_OVERRIDES[name]
    return re.sub(r"[\W_]+", "-", name.lower()).strip("-")


def header(title, sources, columns):
    lines = [f"# aivis classification data: {title}.",
             "# Generated by tools/build_classify_data.py; edit the script, not this file."]
    lines += [f"# Source: {source}" for source in sources]
    lines += [f"# {line}" for line in columns]
    return lines


def load_yaml(name):
    return yaml.safe_load((SHARED / "matomo-searchengine-and-social-list" / name).read_text())


def ga4_rows(shopping=False):
    """(source, family) of GA4's list. aivis has no video channel: video sites are social.
    Shopping sources (family `shopping`) only name utm_source values (`shopping=True`); as
    referrers they are websites (referrals), and some are checkout pages a buyer returns from."""
    families = {"SOURCE_CATEGORY_SEARCH": "search", "SOURCE_CATEGORY_SOCIAL": "social",
                "SOURCE_CATEGORY_VIDEO": "social"}
    if shopping:
        families["SOURCE_CATEGORY_SHOPPING"] = "shopping"
    with open(SHARED / "ga4-source-categories" / "ga4_source_categories.csv") as f:
        for row in csv.DictReader(f):
            family = families.get(row["source_category"])
            if family:
                yield row["source"].strip(), family


# ---- hosts ----------------------------------------------------------------------------------


def normalise_pattern(pattern):
    """A list pattern in our form: lowercase, no trailing '/', '{}' only as `name.{}`.

    `{}.bing.com` becomes `bing.com` (subdomains match anyway); `images.{}.ask.com` becomes
    `ask.com`. Returns None for patterns that are not host names (Matomo's `android-app//…`).
    """
    pattern = pattern.strip().lower().rstrip("/")
    if "//" in pattern or not pattern:
        return None
    host, slash, path = pattern.partition("/")
    if "{}." in host:
        host = host.rsplit("{}.", 1)[1]
    if host.startswith("*."):
        host = host[2:]  # `*.mail.yahoo.net`: subdomains match anyway
    if "{}" in host and not host.endswith(".{}"):
        return None
    if "*" in host and not star_form(host):
        return None
    return host + slash + path


def star_form(host):
    """`*` only as `prefix*.domain` (a label starting with prefix) or `label.*` (a first label)."""
    first, _, rest = host.partition(".")
    label_prefix = first.endswith("*") and first.count("*") == 1 and rest and "*" not in rest
    first_label = host.endswith(".*") and host.count("*") == 1 and "." not in host[:-2]
    return bool(label_prefix or first_label)


def host_of(pattern):
    return pattern.split("/", 1)[0]


def parents(host):
    """`a.b.c` -> [`a.b.c`, `b.c`, `c`]."""
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


class HostTable:
    """Host entries added in priority order; the first entry for a pattern is kept."""

    def __init__(self):
        self.entries = {}  # pattern -> (family, slug, params, charsets)
        self.rank = {}  # pattern -> priority group that added it

    def owner(self, host):
        """The entry owning `host` (itself or a parent domain, or a `name.{}` wildcard)."""
        for parent in parents(host):
            if parent in self.entries:
                return self.entries[parent], self.rank[parent]
            for wildcard, entry in self.wildcards():
                if wildcard_matches(wildcard, parent):
                    return entry, self.rank[wildcard]
        return None, None

    def wildcards(self):
        return [(p, e) for p, e in self.entries.items() if p.endswith(".{}")]

    def add(self, pattern, family, slug, params="", rank=0, fill_only=False, charsets=""):
        pattern = normalise_pattern(pattern)
        if pattern is None or pattern in self.entries:
            return
        owner, owner_rank = self.owner(host_of(pattern))
        if owner is not None and owner_rank < rank:
            # A higher-priority list owns the domain: keep sub-entries of the same family
            # (they are more specific), drop the rest; fill-ins only fill gaps.
            if fill_only or owner[0] != family:
                return
        self.entries[pattern] = (family, slug, params, charsets)
        self.rank[pattern] = rank

    def lines(self):
        for pattern in sorted(self.entries):
            family, slug, params, charsets = self.entries[pattern]
            yield f"{pattern}\t{family}\t{slug}\t{params or '-'}\t{charsets or '-'}"


def wildcard_matches(wildcard, host):
    """`google.{}` matches `google.de` and `google.co.uk` (one or two suffix labels)."""
    name = wildcard[: -len(".{}")]
    if not host.startswith(name + "."):
        return False
    return 1 <= host[len(name) + 1:].count(".") + 1 <= 2


def search_params(block, extra=()):
    """Where an engine's search term is, in the list's order: query parameter names, and
    Matomo's regular expressions (`'/…/'`) over the referrer's path, written `/…/` with `\\/`
    unescaped (a pattern that contains `\\?` is matched against the path and query); then
    `extra` (CURATED_TERM_PARAMS)."""
    seen, params = set(), []
    for param in [str(p) for p in block.get("params") or []] + list(extra):
        if len(param) > 2 and param.startswith("/") and param.endswith("/"):
            param = "/" + path_regex(param[1:-1]) + "/"
        if param.lower() in seen:
            continue
        seen.add(param.lower())
        params.append(param)
    return ",".join(params)


def path_regex(pattern):
    """A Matomo term regex made fit for the Rust regex crate and our column: `\\/` becomes
    `/`; it must compile, capture the term in group 1 and use no look-around, comma or tab."""
    pattern = pattern.replace("\\/", "/")
    if any(bad in pattern for bad in ("(?=", "(?!", "(?<", ",", "\t")):
        raise SystemExit(f"hosts.tsv: term regex {pattern!r} cannot be used")
    if re.compile(pattern).groups < 1:
        raise SystemExit(f"hosts.tsv: term regex {pattern!r} captures nothing")
    return pattern


def legacy_charsets(block):
    """The non-UTF-8 encodings Matomo lists for an engine's search terms, in its order."""
    charsets = []
    for charset in block.get("charsets") or []:
        charset = str(charset).lower()
        if charset not in ("utf-8", "utf8") and charset not in charsets:
            charsets.append(charset)
    return ",".join(charsets)


def build_hosts():
    table = HostTable()
    # Priority groups, highest first: hand-curated referral overrides and webmail, then AI
    # assistants, social networks, search engines, and GA4's list to fill gaps.
    for host in CURATED_REFERRAL_HOSTS:
        table.add(host, "referral", "-", rank=0)
    for host, slug in sorted(CURATED_EMAIL_HOSTS.items()):
        table.add(host, "email", slug, rank=0)
    for name, hosts in sorted(load_yaml("AIAssistants.yml").items()):
        for host in hosts:
            table.add(host, "ai", slugify(name), rank=1)
    adobe = json.loads((SHARED / "adobe-cja-ai-traffic" / "ai-traffic-signatures.json").read_text())
    for referrer in adobe["referrers"]:
        table.add(referrer["referrer"], "ai", slugify(referrer["source"]), rank=1)
    for host, slug in sorted(CURATED_AI_HOSTS.items()):
        table.add(host, "ai", slug, rank=1)
    for name, hosts in sorted(load_yaml("Socials.yml").items()):
        for host in hosts:
            table.add(host, "social", slugify(name), rank=2)
    for host, slug in sorted(CURATED_SOCIAL_HOSTS.items()):
        table.add(host, "social", slug, rank=2)
    for name, blocks in sorted(load_yaml("SearchEngines.yml").items()):
        for block in blocks:
            params = search_params(block, CURATED_TERM_PARAMS.get(name, ()))
            for url in block.get("urls") or []:
                table.add(url, "search", slugify(name), params, rank=3,
                          charsets=legacy_charsets(block))
    for host, (slug, params) in sorted(CURATED_SEARCH_HOSTS.items()):
        table.add(host, "search", slug, params, rank=3)
    ga4_names = {source.lower() for source, _ in ga4_rows() if "." not in source}
    for source, family in sorted(ga4_rows()):
        if "." in source and " " not in source:
            table.add(source, family, ga4_slug(source.lower(), ga4_names), rank=4,
                      fill_only=True)
    lines = header("referrer hosts", [MATOMO, ADOBE, GA4, CURATED], [
        "Columns (tab-separated): pattern, family, slug, term-params, charsets.",
        "pattern: `host` (matches the host and its subdomains), `host/path` (only under that",
        "  path), `name.{}` (name.<any ICANN public suffix>, e.g. google.co.uk),",
        "  `prefix*.domain` (a host whose label right under domain starts with prefix, e.g.",
        "  lightmailer-bs.gmx.net for lightmailer*.gmx.{}; domain may be `name.{}`), `label.*`",
        "  (a host whose first label is `label`, below a registrable domain: webmail.example.org).",
        "  The most specific entry wins. Android app referrers (android-app://<package>) are",
        "  looked up by package name, exactly.",
        "family: ai | search | social | email | referral (a plain website inside a listed",
        "  domain). slug: the source's slug; `-` for the referrer's registrable domain.",
        "term-params: comma-separated, tried in order, `-` when none: a query parameter (also",
        "  read from the URL fragment, which wins: google.com/#q=...); `/regex/` over the path",
        "  (over path and query when it contains `\\?`), group 1 is the term; `@name`: the",
        "  parameter holds a URL-encoded path?query whose query carries the term under the",
        "  engine's parameters (Google Images' prev=).",
        "charsets: legacy encodings (WHATWG labels) a term may be in when it is not UTF-8,",
        "  tried in order; `-` when none.",
    ])
    return lines + list(table.lines()), table


def ga4_slug(host, ga4_names):
    """GA4 has no display names: use its short name for the site if it lists one (43things for
    43things.com), else the host without a leading www./m."""
    bare = re.sub(r"^(www|m|mobile)\.", "", host)
    label = bare.split(".")[0]
    return slugify(label) if label in ga4_names else bare


# ---- utm_source names -----------------------------------------------------------------------


def build_utm_sources(hosts):
    """Names a utm_source may use for a known source: slugs, lowercase list names, GA4 short
    names and curated aliases. Host-like values are looked up in hosts.tsv at run time."""
    families = {}
    for family, slug, _, _ in hosts.entries.values():
        if family != "referral" and slug != "-":
            families.setdefault(slug, family)
    table = {}

    def add(value, slug, family=None):
        value = value.strip().lower()
        family = family or families.get(slug)
        if value and family and "\t" not in value and value not in table:
            table[value] = (family, slug)

    for slug, family in sorted(families.items()):
        add(slug, slug, family)
    for name in sorted(load_yaml("AIAssistants.yml")):
        add(name, slugify(name))
    for name in sorted(load_yaml("Socials.yml")):
        add(name, slugify(name))
    for name in sorted(load_yaml("SearchEngines.yml")):
        add(name, slugify(name))
    for value, slug in sorted(CURATED_UTM_SOURCES.items()):
        add(value, slug)
    ga4_names = {source.lower() for source, _ in ga4_rows(shopping=True) if "." not in source}
    for source, family in sorted(ga4_rows(shopping=True)):
        if "." not in source:
            add(source, slugify(source), family)
        elif family == "shopping":
            add(source, ga4_slug(source.lower(), ga4_names), family)
    lines = header("utm_source names", [MATOMO, GA4, CURATED], [
        "Columns (tab-separated): value (lowercase utm_source), family, slug.",
        "family: ai | search | social | email | shopping (GA4's shopping sources: aivis has no",
        "  shopping channel, see rules.rs).",
        "Other host-like utm_source values (chatgpt.com) are looked up in hosts.tsv.",
    ])
    return lines + [f"{value}\t{family}\t{slug}" for value, (family, slug) in sorted(table.items())]


# ---- click ids ------------------------------------------------------------------------------


def build_click_ids():
    umami = json.loads((SHARED / "umami" / "channel-domains.json").read_text())
    listed = {p.split("=")[0] for p in umami["PAID_AD_PARAMS"] if not p.startswith("utm_")}
    rows = dict(CURATED_CLICK_IDS)
    for name in sorted(listed - NOT_CLICK_IDS):
        rows.setdefault(name, ("paid", "-", "-"))
    lines = header("click-id parameters", [UMAMI, CURATED], [
        "Columns (tab-separated): parameter (lowercase), marker, family, slug.",
        "marker: paid (the session is paid) | organic (only names the source).",
        "family: search | social | - (unknown network); slug: the network, `-` when unknown.",
    ])
    return lines + ["\t".join((name, *rows[name])) for name in sorted(rows)]


# ---- main -----------------------------------------------------------------------------------


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    host_lines, hosts = build_hosts()
    files = {
        "hosts.tsv": host_lines,
        "utm_sources.tsv": build_utm_sources(hosts),
        "click_ids.tsv": build_click_ids(),
        **classify_bots.build(header),
    }
    for name, lines in files.items():
        text = "\n".join(lines) + "\n"
        if any(ch in text for ch in "\r"):
            raise SystemExit(f"{name}: carriage return in output")
        (OUT / name).write_text(text, encoding="utf-8")
        rows = sum(1 for line in lines if not line.startswith("#"))
        print(f"{name}: {rows} rows")


if __name__ == "__main__":
    main()
