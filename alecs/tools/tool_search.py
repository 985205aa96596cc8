"""Ranking tools for a job described in an engineer's words ("block an IP range", "top URLs", "which property
serves www.example.com"): what search-tools answers.

A query is reduced to stems of the words that carry meaning; hostnames, IP addresses and Akamai ids in it stand
for what they are (`www.example.com` is a hostname, `192.0.2.0/24` an IP, `prp_1` a property). A tool scores by
its task phrases (`ToolSpec.intents`, declared beside the tool: the strongest signal), then by its name, title,
description and route.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from alecs.tools.spec import ToolSpec

STOP = frozenset({
    "a", "an", "the", "to", "of", "for", "in", "on", "my", "me", "i", "and", "or", "with", "by", "from", "is", "it",
    "which", "what", "how", "do", "does", "can", "want", "need", "please", "all", "that", "this", "be", "are",
    "there", "our", "we", "us", "at", "into", "some", "via", "using", "am", "should", "would", "let", "its",
})
# What an id's prefix, a hostname or an address in a query stands for.
ENTITIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bprp_\w+"), " property "), (re.compile(r"\bctr_[\w-]+"), " contract "),
    (re.compile(r"\bgrp_\w+"), " group "), (re.compile(r"\behn_\w+"), " edge hostname "),
    (re.compile(r"\bcpc_\w+"), " cpcode "), (re.compile(r"\batv_\w+"), " activation "),
    (re.compile(r"\binc_\w+"), " include "),
    (re.compile(r"\b\d{1,3}(\.\d{1,3}){3}(/\d{1,2})?\b"), " ip "),
    (re.compile(r"\b[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}(/\d{1,3})?\b"), " ip "),
    (re.compile(r"\bhttps?://\S+"), " url "),
    (re.compile(r"\b[a-z0-9-]+(\.[a-z0-9-]+)+\.?(?=\s|$)"), " hostname "),
)
# A query word and the words of tools it also means.
SYNONYMS: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in {
    "add": {"create", "append"}, "new": {"create"}, "make": {"create"},
    "remove": {"delete"}, "drop": {"delete"}, "unblock": {"remove", "delete"},
    "show": {"get", "list"}, "view": {"get", "list"}, "see": {"get", "list"}, "read": {"get"},
    "find": {"search", "list"}, "lookup": {"search", "get"},
    "change": {"update", "patch"}, "edit": {"update", "patch"}, "modify": {"update", "patch"},
    "set": {"update"}, "deploy": {"activate"}, "push": {"activate"}, "publish": {"activate"},
    "cert": {"certificate"}, "certificate": {"enrollment"}, "tls": {"certificate"}, "ssl": {"certificate"},
    "clear": {"purge", "invalidate"}, "flush": {"purge"}, "refresh": {"purge", "invalidate"},
    "waf": {"appsec", "security"}, "block": {"deny", "firewall"}, "ban": {"block", "deny"},
    "blacklist": {"block"}, "blocklist": {"block"}, "allowlist": {"allow"}, "whitelist": {"allow"},
    "revert": {"rollback", "roll", "back"}, "undo": {"rollback", "roll", "back"}, "rollback": {"roll", "back"},
    "range": {"cidr"}, "cidr": {"range", "ip"}, "country": {"geo"},
    "expire": {"expiring", "expiry"}, "expiry": {"expiring"}, "renew": {"expiring"},
    "url": {"urls"}, "traffic": {"report"}, "hits": {"report"}, "bandwidth": {"report"},
    "config": {"configuration"}, "domain": {"hostname", "zone"}, "site": {"hostname", "property"},
}.items()}


def stem(word: str) -> str:
    """A light stem, the same for a word's usual forms: properties → property, expiring/expires → expir."""
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("s", ""), ("e", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not (suffix == "s" and word.endswith("ss")):
            word = word[: len(word) - len(suffix)] + keep
    return word


def words(text: str) -> list[str]:
    """The stems of the words of `text` that carry meaning, with hostnames, addresses and ids as what they are."""
    text = text.lower()
    for pattern, meaning in ENTITIES:
        text = pattern.sub(meaning, text)
    return [stem(w) for w in re.findall(r"[a-z][a-z0-9]*", text) if w not in STOP]


def expanded(query: Iterable[str]) -> set[str]:
    """The query's stems with the stems of their synonyms."""
    out: set[str] = set()
    for term in query:
        out.add(term)
        for key, values in SYNONYMS.items():
            if stem(key) == term:
                out.update(stem(v) for v in values)
    return out


@cache
def _fields(spec: ToolSpec) -> tuple[tuple[frozenset[str], float], ...]:
    return ((frozenset(words(spec.name)), 3.0), (frozenset(words(spec.title)), 2.0),
            (frozenset(words(spec.description)), 1.0),
            (frozenset(words(f"{spec.toolset.name} {spec.api} {spec.path}")), 1.0))


@cache
def _phrases(spec: ToolSpec) -> tuple[frozenset[str], ...]:
    return tuple(frozenset(words(p)) for p in spec.intents if words(p))


def intent_match(spec: ToolSpec, query: set[str], wide: set[str]) -> float:
    """How well the query says one of the tool's task phrases: the share of the phrase it says times the share
    of the query the phrase explains (1.0 for the phrase itself)."""
    best = 0.0
    for phrase in _phrases(spec):
        said = len(phrase & wide)
        if said:
            explained = len({q for q in query if q in phrase or expanded([q]) & phrase})
            best = max(best, (said / len(phrase)) * (explained / len(query)))
    return best


def score(spec: ToolSpec, query: list[str]) -> float:
    """How well a tool matches the query's stems: its task phrases count most, then its name, title,
    description and route."""
    if not query:
        return 0.0
    terms = set(query)
    total = 10.0 * intent_match(spec, terms, expanded(terms))
    for term in terms:
        variants = expanded([term])
        best = 0.0
        for tokens, weight in _fields(spec):
            if variants & tokens:
                best = max(best, weight)
            elif any(len(v) > 3 and t.startswith(v) for v in variants for t in tokens):
                best = max(best, weight * 0.5)
        total += best / len(terms) * 3
    return total


def rank(specs: Iterable[ToolSpec], text: str) -> list[tuple[float, ToolSpec]]:
    """The tools that match `text` at all, best first (catalogue order among equals)."""
    query = words(text)
    scored = [(score(s, query), s) for s in specs]
    return sorted(((sc, s) for sc, s in scored if sc > 0), key=lambda x: -x[0])
