"""The search engine: a folded word index that answers each keystroke in milliseconds.

Brute-force fuzzy matching over every record costs ~100-600 ms at 100k
records, so we index instead.  At load time every record's text is folded
(see `folding`) and split into words in three tiers — its title, its short
fields (role, organisation, city, phones, aliases) and its long text
(descriptions, article bodies).  The index is a sorted vocabulary with, per
tier, the record numbers of each word as one contiguous numpy array.

A query word matches vocabulary words exactly, by prefix (a bisect: prefixes
are contiguous in a sorted vocabulary), inside a word (infix) or, for typos,
by `rapidfuzz` similarity against words of similar length.  Each record
scores the best match per query word, weighted by tier; every query word must
match.  The top few hundred are re-ranked with the full title (exact and
prefix titles first, shorter titles win ties).  Score vectors per query word
are cached, so typing one more letter recomputes only the last word.

This module knows nothing of SQLite or the screen: the store feeds it the
entries and serves the titles it asks for.
"""

from __future__ import annotations

import bisect
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np

from .folding import WORD, fold, fold_with_map

TIER_WEIGHTS = (1.0, 0.7, 0.35)   # title, short fields, long text
EXACT, PREFIX, INFIX = 1.0, 0.8, 0.45
FUZZY_WEIGHT = 0.55               # times rapidfuzz ratio / 100
FUZZY_CUTOFF = 75
FUZZY_MIN_LENGTH = 4
INFIX_MIN_LENGTH = 3
RERANK = 300
MAX_QUERY_TERMS = 12
MAX_TERM_LENGTH = 64


@dataclass
class Entry:
    """One searchable record, as the loader hands it to the index builder."""

    kind: str
    id: str
    title: str
    subtitle: str
    fields: str   # short fields, joined
    text: str     # long text


@dataclass
class Hit:
    """One search result, ready to display."""

    kind: str
    id: str
    title: str
    subtitle: str
    score: float
    title_spans: list[tuple[int, int]] = field(default_factory=list)
    subtitle_spans: list[tuple[int, int]] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"kind": self.kind, "id": self.id, "title": self.title,
                "subtitle": self.subtitle, "score": self.score,
                "title_spans": [list(s) for s in self.title_spans]}


# --- building -------------------------------------------------------------------


def build_index(entries: Sequence[Entry], kind_codes: dict[str, int]) -> dict[str, bytes]:
    """Build the index blobs stored in the database beside the records."""
    vocab_ids: dict[str, int] = {}
    tier_pairs: list[tuple[list[int], list[int]]] = [([], []) for _ in TIER_WEIGHTS]
    for number, entry in enumerate(entries):
        for tier, text in enumerate((entry.title, entry.fields, entry.text)):
            word_list, record_list = tier_pairs[tier]
            for word in set(WORD.findall(fold(text))):
                if len(word) > MAX_TERM_LENGTH:
                    continue
                word_list.append(vocab_ids.setdefault(word, len(vocab_ids)))
                record_list.append(number)
    vocab = sorted(vocab_ids)
    rank = np.empty(len(vocab_ids), dtype=np.int64)
    for position, word in enumerate(vocab):
        rank[vocab_ids[word]] = position
    blobs: dict[str, bytes] = {"vocab": "\n".join(vocab).encode("utf-8")}
    for tier, (word_list, record_list) in enumerate(tier_pairs):
        words = rank[np.asarray(word_list, dtype=np.int64)] if word_list else np.zeros(0, np.int64)
        records = np.asarray(record_list, dtype=np.int32)
        order = np.lexsort((records, words))
        counts = np.bincount(words, minlength=len(vocab))
        offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        blobs[f"offsets{tier}"] = offsets.tobytes()
        blobs[f"postings{tier}"] = records[order].tobytes()
    blobs["kinds"] = np.asarray([kind_codes[e.kind] for e in entries], dtype=np.uint8).tobytes()
    blobs["title_lengths"] = np.asarray([min(len(e.title), 65535) for e in entries],
                                        dtype=np.uint16).tobytes()
    return blobs


# --- querying -------------------------------------------------------------------


@dataclass
class _TermMatch:
    """How one query word matched the vocabulary (kept for highlighting)."""

    term: str
    fuzzy_words: set[str]
    scores: np.ndarray


class SearchIndex:
    """The loaded index; `search` answers one query."""

    def __init__(self, blobs: dict[str, bytes], kind_codes: dict[str, int],
                 fetch: Callable[[list[int]], list[tuple[str, str, str, str]]]):
        """`fetch(numbers)` returns (kind, id, title, subtitle) for entry numbers."""
        self.vocab: list[str] = blobs["vocab"].decode("utf-8").split("\n") if blobs["vocab"] else []
        self._joined = "\n" + "\n".join(self.vocab) + "\n"
        lengths = np.fromiter((len(w) + 1 for w in self.vocab), dtype=np.int64, count=len(self.vocab))
        self._word_starts = np.concatenate(([1], 1 + np.cumsum(lengths)[:-1])) if len(lengths) else lengths
        self._word_lengths = lengths - 1
        self._tiers = [
            (np.frombuffer(blobs[f"offsets{t}"], dtype=np.int64),
             np.frombuffer(blobs[f"postings{t}"], dtype=np.int32))
            for t in range(len(TIER_WEIGHTS))
        ]
        self.kinds = np.frombuffer(blobs["kinds"], dtype=np.uint8)
        self.title_lengths = np.frombuffer(blobs["title_lengths"], dtype=np.uint16)
        self.size = len(self.kinds)
        self.kind_codes = kind_codes
        self._fetch = fetch
        self._buckets: dict[int, tuple[np.ndarray, list[str]]] = {}
        self._cache: OrderedDict[str, _TermMatch] = OrderedDict()

    # -- public

    def search(self, query: str, kind: str | None = None, limit: int = 50) -> list[Hit]:
        """Ranked hits for `query` (every word must match); an empty query lists entries."""
        terms = query_terms(query)
        if limit <= 0 or self.size == 0:
            return []
        if kind is not None and kind not in self.kind_codes:
            return []
        if not terms:
            return self._browse(kind, limit)
        matches = [self._match_term(t) for t in terms]
        total = matches[0].scores.copy()
        mask = total > 0
        for match in matches[1:]:
            total += match.scores
            mask &= match.scores > 0
        if kind is not None:
            mask &= self.kinds == self.kind_codes[kind]
        candidates = np.flatnonzero(mask)
        if len(candidates) == 0:
            return []
        rough = total[candidates] - self.title_lengths[candidates] * 1e-4
        if len(candidates) > RERANK:
            keep = np.argpartition(-rough, RERANK)[:RERANK]
            candidates, rough = candidates[keep], rough[keep]
        return self._rerank(candidates, rough, terms, matches, limit)

    # -- matching

    def _match_term(self, term: str) -> _TermMatch:
        cached = self._cache.get(term)
        if cached is not None:
            self._cache.move_to_end(term)
            return cached
        groups, fuzzy_words = self._vocabulary_matches(term)
        scores = np.zeros(self.size, dtype=np.float32)
        for tier, weight in enumerate(TIER_WEIGHTS):
            offsets, postings = self._tiers[tier]
            tier_scores = np.zeros(self.size, dtype=np.float32)
            for word_ids, quality in groups:  # ascending quality: later groups win
                records = _gather(offsets, postings, word_ids)
                if len(records):
                    tier_scores[records] = np.maximum(tier_scores[records], quality)
            np.maximum(scores, tier_scores * weight, out=scores)
        match = _TermMatch(term, fuzzy_words, scores)
        self._cache[term] = match
        if len(self._cache) > 64:
            self._cache.popitem(last=False)
        return match

    def _vocabulary_matches(self, term: str) -> tuple[list[tuple[np.ndarray, float]], set[str]]:
        """Vocabulary word ids matched by `term`, grouped by quality, lowest first."""
        lo = bisect.bisect_left(self.vocab, term)
        hi = bisect.bisect_left(self.vocab, term + "\uffff", lo)
        exact = lo < len(self.vocab) and self.vocab[lo] == term
        groups: list[tuple[np.ndarray, float]] = []
        fuzzy_words: set[str] = set()
        if len(term) >= FUZZY_MIN_LENGTH and not exact:
            for word_id, word, score in self._fuzzy(term):
                groups.append((np.array([word_id]), FUZZY_WEIGHT * score / 100))
                fuzzy_words.add(word)
            groups.sort(key=lambda g: g[1])
        if len(term) >= INFIX_MIN_LENGTH:
            infix = self._infix(term)
            if len(infix):
                groups.append((infix, INFIX))
        prefix_start = lo + 1 if exact else lo
        if hi > prefix_start:
            groups.append((np.arange(prefix_start, hi), PREFIX))
        if exact:
            groups.append((np.array([lo]), EXACT))
        return groups, fuzzy_words

    def _infix(self, term: str) -> np.ndarray:
        positions = np.fromiter((m.start() for m in re.finditer(re.escape(term), self._joined)),
                                dtype=np.int64)
        if not len(positions):
            return positions
        word_ids = np.searchsorted(self._word_starts, positions, side="right") - 1
        inside = positions != self._word_starts[word_ids]
        return np.unique(word_ids[inside])

    def _fuzzy(self, term: str) -> Iterable[tuple[int, str, float]]:
        from rapidfuzz import fuzz, process

        for length in range(len(term) - 2, len(term) + 3):
            word_ids, words = self._bucket(length)
            if not words:
                continue
            for word, score, position in process.extract(
                    term, words, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=25):
                yield int(word_ids[position]), word, score

    def _bucket(self, length: int) -> tuple[np.ndarray, list[str]]:
        if length not in self._buckets:
            word_ids = np.flatnonzero(self._word_lengths == length)
            self._buckets[length] = (word_ids, [self.vocab[i] for i in word_ids])
        return self._buckets[length]

    # -- ranking

    def _rerank(self, candidates: np.ndarray, rough: np.ndarray, terms: list[str],
                matches: list[_TermMatch], limit: int) -> list[Hit]:
        rows = self._fetch([int(c) for c in candidates])
        phrase = " ".join(terms)
        scored = []
        for number, base, (kind, item_id, title, subtitle) in zip(candidates, rough, rows):
            folded = " ".join(WORD.findall(fold(title)))
            bonus = 0.0
            if folded == phrase:
                bonus = 0.6
            elif folded.startswith(phrase):
                bonus = 0.3
            scored.append((float(base) + bonus, int(number), kind, item_id, title, subtitle))
        scored.sort(key=lambda row: (-row[0], row[1]))
        hits = []
        for score, _, kind, item_id, title, subtitle in scored[:limit]:
            hits.append(Hit(kind, item_id, title, subtitle, round(score, 4),
                            highlight(title, matches), highlight(subtitle, matches)))
        return hits

    def _browse(self, kind: str | None, limit: int) -> list[Hit]:
        numbers = np.arange(self.size)
        if kind is not None:
            numbers = numbers[self.kinds == self.kind_codes[kind]]
        rows = self._fetch([int(n) for n in numbers[:limit]])
        return [Hit(k, i, t, s, 0.0) for k, i, t, s in rows]


def query_terms(query: str) -> list[str]:
    """Folded query words, bounded so a pasted novel cannot stall the search."""
    return [w[:MAX_TERM_LENGTH] for w in WORD.findall(fold(query[:2000]))][:MAX_QUERY_TERMS]


def highlight(text: str, matches: Sequence[_TermMatch]) -> list[tuple[int, int]]:
    """Spans of `text` (original characters) that the query words matched."""
    if not text:
        return []
    folded, origin = fold_with_map(text)
    spans: list[tuple[int, int]] = []
    for word in WORD.finditer(folded):
        value = word.group()
        for match in matches:
            term = match.term
            if value.startswith(term):
                spans.append((word.start(), word.start() + len(term)))
            elif value in match.fuzzy_words:
                spans.append((word.start(), word.end()))
            elif len(term) >= INFIX_MIN_LENGTH and term in value:
                start = word.start() + value.index(term)
                spans.append((start, start + len(term)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted((origin[s], origin[e - 1] + 1) for s, e in spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _gather(offsets: np.ndarray, postings: np.ndarray, word_ids: np.ndarray) -> np.ndarray:
    """The postings of several words, concatenated without a Python loop."""
    if len(word_ids) == 0:
        return postings[:0]
    if len(word_ids) > 1 and word_ids[-1] - word_ids[0] == len(word_ids) - 1:
        return postings[offsets[word_ids[0]]:offsets[word_ids[-1] + 1]]  # a contiguous range
    starts = offsets[word_ids]
    lengths = offsets[word_ids + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return postings[:0]
    shifts = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return postings[shifts + np.arange(total)]
