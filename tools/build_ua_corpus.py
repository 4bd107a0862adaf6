#!/usr/bin/env python3
"""Builds tests/data/labelled_user_agents.tsv, the labelled user-agent corpus the accuracy test
runs, from public test suites with permissive licences. Run from the repository root with
local clones of the two suites (any recent commit; the header records the ones used):

    python3 tools/build_ua_corpus.py ISBOT_REPO UAP_CORE_REPO

Sources, each line naming its own:
  - isbot (omrilotan/isbot, The Unlicense): fixtures/crawlers.yml (all: bots) and
    fixtures/browsers.yml (all: browsers, except the few isbot itself files under "ZZZ
    Insignificat bots" or "Glitches" that are bots, relabelled below with the reason);
  - uap-core (ua-parser/uap-core, Apache-2.0): tests/test_device.yaml, user agents that
    uap-core assigns a real device (not Spider, Other or Generic) and that open with a
    browser engine (Mozilla/, Opera/): a deterministic sample of browsers of phones,
    tablets, TVs, consoles and desktops;
  - crawler-user-agents (monperrus/crawler-user-agents, MIT; ../shared/data): example
    instances, a few per tag (SEO, monitoring, feed readers, link previews, scanners, HTTP
    libraries, archivers, …) as bots, and every instance of an AI crawler as that AI agent
    with the operator's purpose from tools/data/ai_agents.tsv; the in-app and editor
    browsers it lists are labelled browsers (isbot lists the same strings as browsers);
  - the hand-labelled rows kept from the first corpus (formats as vendors publish them).
The AI agents' names come from src/classify/data/bots.tsv (the lists' canonical names).
"""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "labelled_user_agents.tsv"
SHARED = ROOT.parent / "shared" / "data"
CRAWLERS_COMMIT = "7c7f9f254f16fcbc7d0fcb60d0a188897c00b050"
UAP_SAMPLE = 700
PER_TAG = 12

# isbot files these under browsers; they are bots (isbot's own section titles say "bots" or
# "glitches"), so the corpus labels them bots, with the reason.
RELABELLED = {
    "amazon-kendra-customer-id-<AccountID>": ("amazon-kendra", "Amazon Kendra's crawler (ai.robots.txt)"),
    "Mozilla/5.0 (compatible; Yahoo! Slurp)": ("bot", "Yahoo's crawler"),
    "pinterest/0.": ("bot", "Pinterest's fetcher"),
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/117.0.0.0 Safari/537.36 GTmetrix": ("bot", "GTmetrix's page-speed test"),
    "MyLib/1.11 (vert.x/4.11.2; GraalVM/21; Java; custom-client)": ("bot", "an HTTP client library"),
    "Mozilla/5.0 (Laravel Reaver .env Presence)": ("bot", "a scanner probing for .env files"),
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3122.113 Safari/537.36 Assetnote/1.0.0": ("bot", "Assetnote's attack-surface scanner"),
    "Mozilla/5.0 (compatible; Lucidworks-Anda/2.0/0.10; +; )": ("bot", "Lucidworks' Anda web crawler"),
    "LWPrCa2l') OR 941=(SELECT 941 FROM PG_SLEEP(15))--": ("bot", "an SQL-injection probe"),
    "Mozilliqa\"<?=print(9347655345-4954366);?>\"": ("bot", "a PHP-injection probe"),
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Amzn-User/0.1) Chrome/119.0.6045.214 Safari/537.36": ("Amzn-User", "Amazon's AI fetcher (ai.robots.txt)"),
    "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; WOW64; Trident/5.0; Banca Caboto s.p.a.)": ("browser", "Internet Explorer 9 as an Italian bank customised it for its staff"),
    "Mozilla/5.0 (X11; Linux x86_64) Miniature.io/6.0 AppleWebKit/537.36 (KHTML, like Gecko) QtWebEngine/5.12.4 Chrome/69.0.3497.128 Safari/537.36": ("bot", "Miniature.io's website-screenshot service"),
}

# Patterns of crawler-user-agents whose instances are people's browsers (in-app and editor
# browsers, an Android build id): isbot lists the same strings among browsers.
BROWSER_PATTERNS = {"AP3A\\.240617\\.008", "Code\\/1\\.", "MetaIAB Facebook", "Trae\\/", "Fluid",
                    "TSM-turingos", "YLT Chrome"}


def git_show(repo, path):
    return subprocess.run(["git", "-C", repo, "show", f"HEAD:{path}"], check=True,
                          capture_output=True, text=True).stdout


def git_head(repo):
    return subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()


def ai_names():
    """lowercase token -> canonical name, from the generated bots.tsv; purposes by name."""
    names = {}
    for line in (ROOT / "src" / "classify" / "data" / "bots.tsv").read_text().splitlines():
        if line.startswith("#"):
            continue
        token, kind, _anchor, name, _operator, purpose = line.split("\t")
        if kind == "ai":
            names[token.rstrip("/")] = (name, purpose)
    return names


def clean(ua):
    return isinstance(ua, str) and ua.strip() and "\t" not in ua and "\n" not in ua


def main(isbot_repo, uap_repo):
    isbot_commit, uap_commit = git_head(isbot_repo)[:7], git_head(uap_repo)[:7]
    rows = []  # (ua, expected, purpose, source)
    names = ai_names()

    kept = [line.split("\t") for line in OUT.read_text().splitlines()
            if line and not line.startswith("#")]
    for columns in kept:
        if len(columns) >= 4 and not columns[3].startswith("aivis hand-labelled"):
            continue  # a row this script added: rebuilt below
        ua, expected, purpose = columns[:3]
        rows.append((ua, expected, purpose, "aivis hand-labelled (format as the vendor publishes it)"))

    crawlers = yaml.safe_load(git_show(isbot_repo, "fixtures/crawlers.yml"))
    for category, agents in crawlers.items():
        for ua in agents:
            if clean(ua):
                rows.append((ua, "bot", "-", f"isbot {isbot_commit} fixtures/crawlers.yml (Unlicense): {category}"))
    browsers = yaml.safe_load(git_show(isbot_repo, "fixtures/browsers.yml"))
    for category, agents in browsers.items():
        source = f"isbot {isbot_commit} fixtures/browsers.yml (Unlicense): {str(category).split(' - ')[0]}"
        for ua in agents:
            if not clean(ua):
                continue
            if ua in RELABELLED:
                expected, why = RELABELLED[ua]
                purpose = names.get(expected.lower(), (None, "-"))[1]
                rows.append((ua, expected, purpose, f"{source}; relabelled: {why}"))
            else:
                rows.append((ua, "browser", "-", source))

    entries = json.loads((SHARED / "crawler-user-agents" / "crawler-user-agents.json").read_text())
    per_tag = {}
    for entry in entries:
        tags = entry.get("tags") or ["untagged"]
        source = (f"crawler-user-agents {CRAWLERS_COMMIT[:7]} crawler-user-agents.json (MIT): "
                  f"{entry['pattern']} [{', '.join(tags)}]")
        for ua in entry.get("instances") or []:
            if not clean(ua):
                continue
            if entry["pattern"] in BROWSER_PATTERNS:
                rows.append((ua, "browser", "-", source + "; relabelled: a person's in-app or editor browser"))
                continue
            token = entry["pattern"].replace("\\", "").rstrip("/").lower()
            if "ai-crawler" in tags and token in names:
                name, purpose = names[token]
                rows.append((ua, name, purpose, source))
            elif "ai-crawler" not in tags and per_tag.get(tags[0], 0) < PER_TAG:
                per_tag[tags[0]] = per_tag.get(tags[0], 0) + 1
                rows.append((ua, "bot", "-", source))

    devices = yaml.safe_load(git_show(uap_repo, "tests/test_device.yaml"))["test_cases"]
    sample = {}
    for case in devices:
        ua, family = case["user_agent_string"], case.get("family")
        if (clean(ua) and family not in (None, "Other", "Spider") and not family.startswith("Generic")
                and ua.startswith(("Mozilla/", "Opera/"))):
            sample.setdefault(ua, f"{case.get('brand') or ''} {case.get('model') or family}".strip())
    ordered = sorted(sample, key=lambda ua: hashlib.sha1(ua.encode()).hexdigest())[:UAP_SAMPLE]
    for ua in ordered:
        rows.append((ua, "browser", "-", f"uap-core {uap_commit} tests/test_device.yaml (Apache-2.0): {sample[ua]}"))

    seen, out = set(), []
    for row in rows:
        if row[0] in seen:
            continue
        seen.add(row[0])
        out.append(row)
    header = [
        "# Labelled user agents: the corpus tests/accuracy_user_agents.rs scores the bot detection",
        "# on. Built by tools/build_ua_corpus.py from public test suites (each line names its",
        f"# source, commit and licence): isbot {isbot_commit} (Unlicense), uap-core {uap_commit}",
        f"# (Apache-2.0), crawler-user-agents {CRAWLERS_COMMIT[:7]} (MIT); plus hand-labelled rows.",
        "# Columns (tab-separated): user agent, expected (`browser`, `bot`, or an AI agent's name),",
        "# purpose (the AI agent's, `-` otherwise), source.",
    ]
    OUT.write_text("\n".join(header + ["\t".join(row) for row in out]) + "\n", encoding="utf-8")
    counts = {}
    for row in out:
        kind = row[1] if row[1] in ("browser", "bot") else "ai"
        counts[kind] = counts.get(kind, 0) + 1
    print(f"{OUT.relative_to(ROOT)}: {len(out)} user agents {counts}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
