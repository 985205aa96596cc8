"""Finds operations for a few words ("list image policies", "purge by cache tag", "site shield maps").

Each operation is described by the words of its summary, operationId, path, API title and tags; a query's words
(singular forms, a few Akamai synonyms, adjacent words joined so "cp code" also finds `cpcodes`) score by where
they occur, weighted by how rare the word is across all operations. Ties go to the operation whose API the
words name and to the shorter path.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from alecs.openapi.index import Index, Operation

STOP = frozenset("a an the to of for in on my me i and or with by from is are all any our your this that it its "
                 "how do can what which please".split())
# A word of the query -> words Akamai's definitions use for the same thing.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "purge": ("invalidate", "ccu", "delete"), "flush": ("invalidate", "ccu"), "clear": ("invalidate", "ccu"),
    "image": ("imaging",), "video": ("imaging",), "ivm": ("imaging",),
    "cert": ("certificate", "enrollment", "cps"), "certificate": ("enrollment", "cps"), "tls": ("certificate",),
    "ssl": ("certificate",), "waf": ("appsec", "security"), "firewall": ("appsec",), "dns": ("zone", "config"),
    "record": ("recordset",), "user": ("identity",), "ticket": ("case", "support"), "open": ("create",),
    "add": ("create", "append", "post"), "new": ("create",), "make": ("create",), "register": ("create",),
    "remove": ("delete",), "drop": ("delete",), "change": ("update", "modify"), "edit": ("update", "modify"),
    "modify": ("update",), "set": ("update",), "show": ("get", "list"), "view": ("get", "list"),
    "find": ("search", "list"), "deploy": ("activate", "activation"), "push": ("activate",),
    "activate": ("activation",), "log": ("stream", "datastream"), "invoice": ("invoicing",),
    "billing": ("invoicing", "invoice"), "edgeworker": ("edgeworkers",), "worker": ("edgeworkers",),
    "kv": ("edgekv",), "gtm": ("traffic",), "cpcode": ("cpcodes",), "map": ("maps",),
}
VERBS: dict[str, str] = {"list": "GET", "get": "GET", "show": "GET", "view": "GET", "create": "POST", "add": "POST",
                         "new": "POST", "update": "PUT", "change": "PUT", "edit": "PUT", "modify": "PUT",
                         "delete": "DELETE", "remove": "DELETE"}
# Where a query word counts, and how much: its best field decides. A word that names the operation's API
# ("image" for Image & Video Manager, "dns" for Edge DNS) counts at the API's weight, plus only a small share
# (ALSO) where the operation's own text repeats it: inside one API such a word tells its operations apart less
# than the other words of the query do.
FIELDS = (("summary", 3.0), ("id", 2.0), ("path", 1.5), ("tags", 1.0), ("params", 1.0), ("description", 0.5),
          ("about", 1.0))
API_WEIGHT = 2.0
ALSO = 0.2
EXTRA_WORD = 0.05
NEWEST_BONUS = 1.02  # among versions of one API (identity-management v1/v2/v3), the newest wins ties


def singular(word: str) -> str:
    """A crude English singular, applied to both sides alike: policies -> policy, addresses -> address."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


SUFFIXES = ("ations", "ation", "ating", "ated", "ates", "ate", "ings", "ing", "ed")


SAME = {"configuration": "config", "configurations": "config", "identities": "identity", "ip": "ip",
        "cp": "cp", "purge": "purge"}


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Singular, then a light suffix cut so activate, activation and activated meet (never below 3 letters)."""
    if word in SAME:
        return SAME[word]
    word = singular(word)
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    """Lower-case stemmed words, camelCase split, stop words dropped."""
    return list(_words(text))


@functools.lru_cache(maxsize=8192)
def _words(text: str) -> tuple[str, ...]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return tuple(stem(w) for w in re.findall(r"[a-z0-9]+", spaced.lower()) if w not in STOP)


@dataclass(frozen=True)
class Hit:
    """One ranked operation."""

    op: Operation
    score: float


class Searcher:
    """Ranks every operation of an index for a query (an inverted index: word -> operations and weights)."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.ops = list(index)
        newest: dict[str, str] = {}
        for api_id in index.apis:
            family, _, version = api_id.rpartition("/")
            if family not in newest or _version(version) > _version(newest[family].rpartition("/")[2]):
                newest[family] = api_id
        self.newest = frozenset(newest.values())
        self.postings: dict[str, dict[int, float]] = {}  # words
        self.joined: dict[str, dict[int, float]] = {}  # adjacent words joined: "site shield" -> siteshield
        self.summaries: list[set[str]] = []
        for n, op in enumerate(self.ops):
            api = index.apis[op.api]
            texts = {
                "summary": op.summary, "id": op.id, "path": re.sub(r"{[^}]*}", " ", op.path),
                "tags": " ".join(op.tags), "params": " ".join(p.name for p in op.params),
                "description": op.description, "about": api.description,
            }
            own: dict[str, float] = {}
            pairs: dict[str, float] = {}
            for name, weight in FIELDS:
                found = words(texts[name])
                for word in found:
                    own[word] = max(own.get(word, 0.0), weight)
                for word in _joins(found):
                    pairs[word] = max(pairs.get(word, 0.0), weight)
            found = words(f"{api.title} {op.api.replace('-', ' ')} {op.api}")
            for word in found:
                own[word] = API_WEIGHT + ALSO * own.get(word, 0.0)
            for word in _joins(found):
                pairs[word] = API_WEIGHT + ALSO * pairs.get(word, 0.0)
            for word, weight in own.items():
                self.postings.setdefault(word, {})[n] = weight
            for word, weight in pairs.items():
                self.joined.setdefault(word, {})[n] = weight
            self.summaries.append(set(words(op.summary)))
        total = len(self.ops)
        self.idf = {w: math.log(1 + total / len(docs)) for w, docs in self.postings.items()}
        self.idf |= {w: math.log(1 + total / len(docs)) for w, docs in self.joined.items() if w not in self.idf}

    def search(self, query: str, api: str | None = None, limit: int = 10) -> list[Hit]:
        """The best `limit` operations for `query`, optionally within APIs whose id or title contains `api`."""
        single = words(query)
        pairs = [a + b for a, b in zip(single, single[1:], strict=False)]
        verb = next((VERBS[w] for w in single if w in VERBS), None)
        scores: dict[int, float] = {}
        for term, is_pair in [(t, False) for t in single] + [(t, True) for t in pairs]:
            best: dict[int, float] = {}
            for variant, strength in [(term, 1.0)] + [(stem(s), 0.7) for s in SYNONYMS.get(term, ())]:
                idf = self.idf.get(variant, 0.0) * strength
                # A single word also matches joined pairs ("siteshield" finds "Site Shield"); a pair of the
                # query's words only matches a single word ("cp code" finds "cpcodes"), never the same pair again.
                sources = (self.postings,) if is_pair else (self.postings, self.joined)
                for postings in sources:
                    for n, weight in postings.get(variant, {}).items():
                        best[n] = max(best.get(n, 0.0), weight * idf)
            for n, value in best.items():
                scores[n] = scores.get(n, 0.0) + value
        wanted = set(single)
        hits: list[Hit] = []
        for n, score in scores.items():
            op = self.ops[n]
            if api and not _api_matches(self.index, op, api):
                continue
            if verb and (op.method == verb or (verb == "PUT" and op.method == "PATCH")):
                score *= 1.15
            if op.api in self.newest:
                score *= NEWEST_BONUS
            # Of two equal matches, the one whose summary says less besides is the more precise answer.
            score -= EXTRA_WORD * len(self.summaries[n] - wanted) + len(op.path) / 10_000
            hits.append(Hit(op, score))
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]


def _version(text: str) -> int:
    return int(text[1:]) if text[1:].isdigit() else 0


def _joins(seq: list[str]) -> set[str]:
    """Each adjacent pair of words joined (`Site Shield` also as `siteshield`)."""
    return {a + b for a, b in zip(seq, seq[1:], strict=False)}


def _api_matches(index: Index, op: Operation, wanted: str) -> bool:
    wanted = wanted.lower().strip().strip("/")
    title = index.apis[op.api].title.lower()
    return op.api == wanted or op.api.startswith(wanted + "/") or op.api.split("/")[0] == wanted or wanted in title


@functools.cache
def searcher() -> Searcher:
    """The searcher over the shipped index, built on first use."""
    from alecs.openapi.index import load

    return Searcher(load())
