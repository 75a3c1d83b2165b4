"""The search engine: a folded word index that answers each keystroke in milliseconds.

Brute-force fuzzy matching over every record costs ~100-600 ms at 100k
records, so we index instead.  At load time every record's text is folded
(see `folding`) and split into words in three tiers — its title, its short
fields (role, organisation, city, phones, aliases) and its long text
(descriptions, article bodies).  The index is a sorted vocabulary with, per
word, the record numbers holding it (one contiguous numpy array) and the best
tier the word has in each of them.  It is built with a handful of vectorised
numpy passes and stored in the database as blobs, so opening a directory only
maps them (no Python object per word or per record).

A query word matches vocabulary words exactly, by prefix (a binary search:
prefixes are contiguous in a sorted vocabulary), inside a word (infix) or, for
typos, by `rapidfuzz` similarity against letter words of similar length.
Each record scores the best match per query word, weighted by tier; every
query word must match.  The top few hundred are re-ranked with the folded
title kept in the index (exact and prefix titles first, shorter titles win
ties) and only the rows displayed are fetched from SQLite.

Typing narrows: score vectors are cached per query word (typing one more
letter recomputes only the last word), and a word that extends a cached one
looks for infix matches only among the words the shorter one contained.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from typing import TYPE_CHECKING

from ..lazy import LazyModule
from .folding import WORD, fold, fold_with_map

if TYPE_CHECKING:
    import numpy as np
else:  # numpy, imported on first use (~150 ms): listing entries, `Hit` and `Entry` need
    # none of it, so the app shows its first results before numpy is loaded
    np = LazyModule("numpy", globals(), "np")

INDEX_FORMAT = b"2"
TIER_WEIGHTS = (1.0, 0.7, 0.35)   # title, short fields, long text
EXACT, PREFIX, INFIX = 1.0, 0.8, 0.45
FUZZY_WEIGHT = 0.44               # times rapidfuzz ratio / 100: a typo ranks below an infix
FUZZY_CUTOFF = 75
FUZZY_MIN_LENGTH = 4
FUZZY_PER_LENGTH = 25
INFIX_MIN_LENGTH = 3
RERANK = 300
MAX_QUERY_TERMS = 12
MAX_TERM_LENGTH = 64
CACHE_SCORES = 16_000_000         # cached score-vector entries (4 bytes each)
NARROW_LIMIT = 3_000              # words: below this, a longer term rescans only these

# What a vocabulary word is made of (decides which searches consider it).
DIGITS, LETTERS, MIXED = 0, 1, 2

_TOKEN = re.compile(r"[^\W_]+|\n")
_HAS_DIGIT = re.compile(r"\d")
_HAS_LETTER = re.compile(r"[^\W\d_]")


@dataclass(slots=True)
class Entry:
    """One searchable record, as the loader hands it to the index builder."""

    kind: str
    id: str
    title: str
    fields: str   # short fields, joined
    text: str     # long text
    shared: tuple[str, ...] = ()  # more short fields, texts many records share (a city, a role)


@dataclass
class Hit:
    """One search result, ready to display.

    The matched parts of its title and subtitle (`title_spans`, `subtitle_spans`)
    are found when first asked for: the app asks only for the rows it draws, and
    highlighting all 100 results was ~40% of a keystroke's search.
    """

    kind: str
    id: str
    title: str
    subtitle: str
    score: float
    highlighter: Highlighter | None = field(default=None, repr=False, compare=False)

    @cached_property
    def title_spans(self) -> list[tuple[int, int]]:
        return self.highlighter.spans(self.title) if self.highlighter else []

    @cached_property
    def subtitle_spans(self) -> list[tuple[int, int]]:
        return self.highlighter.spans(self.subtitle) if self.highlighter else []

    def as_json(self) -> dict:
        return {"kind": self.kind, "id": self.id, "title": self.title,
                "subtitle": self.subtitle, "score": self.score,
                "title_spans": [list(s) for s in self.title_spans]}


# --- building -------------------------------------------------------------------


class _IndexFoldTable(dict):
    """Folds a non-ASCII character for indexing: `fold_char`, then anything that is
    not a word character becomes a space (so `bytes.split` can tokenise)."""

    def __missing__(self, code: int) -> str:
        folded = "".join(c if WORD.fullmatch(c) else " " for c in fold(chr(code)))
        self[code] = folded
        return folded


_INDEX_TABLE = _IndexFoldTable()
# Bytes of folded ASCII text: letters lower-cased, digits kept, newline → \x01 (the
# record marker), every other ASCII byte a space; the UTF-8 bytes of anything else
# kept as they are (folded later, once per distinct token: see `_fold_token`).
_BYTE_TABLE = bytes(
    b if chr(b).isalnum() and b < 128 and not chr(b).isupper() else
    ord(chr(b).lower()) if b < 128 and chr(b).isalpha() else
    1 if b == 10 else
    b if b >= 128 else 32
    for b in range(256))
_RECORD = b"\x01"


def _raw_tokens(texts: list[str]) -> list[bytes]:
    """The tokens of all texts as UTF-8 bytes, with a record marker between texts.

    One encode, one translate and one split of all texts at C speed.  ASCII is
    folded already; a token with other characters still needs `_fold_token`,
    which may make it one word, several (a "·" inside) or none.
    """
    joined = "\n".join(texts)
    if joined.count("\n") != max(len(texts) - 1, 0):
        joined = "\n".join(t.replace("\n", " ") for t in texts)
    return joined.encode("utf-8").translate(_BYTE_TABLE).replace(_RECORD, b" \x01 ").split()


def _fold_token(raw: bytes) -> list[bytes]:
    """The folded words of a raw token (see `_raw_tokens`)."""
    if raw.isascii():
        return [raw]
    return raw.decode("utf-8").translate(_INDEX_TABLE).encode("utf-8").split()


def _word_ids(texts: list[str], vocab: dict[bytes, int]) -> np.ndarray:
    """The vocabulary number of every folded word of `texts` in order (0: the record
    marker between texts), adding new words to `vocab`.

    Each distinct raw token is folded and looked up once.  One C loop over the
    tokens finds, for each, the position of its first occurrence (`setdefault`
    with the position: a dict pass fewer than numbering the distinct tokens
    first, about a fifth of this function's time at 100k contacts); numpy turns
    those into numbers, and the rare token that folds to several words or none is
    expanded with numpy too.
    """
    tokens = _raw_tokens(texts)
    local: dict[bytes, int] = {}  # distinct token → the position where it first occurs
    firsts = np.fromiter(map(local.setdefault, tokens, itertools.count()), dtype=np.int64,
                         count=len(tokens))
    number_at = np.empty(len(tokens), dtype=np.int64)
    number_at[np.fromiter(local.values(), dtype=np.int64, count=len(local))] = \
        np.arange(len(local))
    numbers = number_at[firsts]  # each token's distinct token, in order of first occurrence
    del tokens, firsts, number_at
    single: list[int] = []
    spread: dict[int, list[int]] = {}  # local number → its words, when not exactly one
    add = vocab.setdefault
    for number, raw in enumerate(local):
        if raw.isascii():
            single.append(add(raw, len(vocab)))
            continue
        ids = [add(word, len(vocab)) for word in _fold_token(raw)]
        if len(ids) == 1:
            single.append(ids[0])
        else:
            single.append(-1)
            spread[number] = ids
    ids = np.asarray(single, dtype=np.int64)[numbers]
    if not spread:
        return ids
    counts = np.ones(len(single), dtype=np.int64)
    counts[list(spread)] = [len(words) for words in spread.values()]
    flat = np.asarray(single, dtype=np.int64)
    words_at = np.zeros(len(single) + 1, dtype=np.int64)
    np.cumsum(counts, out=words_at[1:])
    flat = np.repeat(flat, counts)
    for number, words in spread.items():
        flat[words_at[number]:words_at[number + 1]] = words
    return _gather(flat, words_at, numbers)[0]


def _gather(flat: np.ndarray, starts: np.ndarray, groups: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """`flat[starts[g]:starts[g + 1]]` for each g in `groups`, concatenated, and each
    group's length: a gather per group without a Python loop."""
    counts = (starts[1:] - starts[:-1])[groups]
    ends = np.cumsum(counts)
    total = int(ends[-1]) if len(ends) else 0
    return flat[np.repeat(starts[groups] - (ends - counts), counts) + np.arange(total)], counts


def _shared_keys(entries: Sequence[Entry], vocab: dict[bytes, int], size: int,
                 shift: int) -> np.ndarray:
    """The short-field keys of the texts that many records share (a contact's city,
    role and organisation): each distinct text is tokenised once and its words given
    to every record that shares it, instead of being split and looked up again per
    record.  (Numbering the texts and pairing them with records are C loops.)"""
    sharing = list(map(attrgetter("shared"), entries))
    texts = list(itertools.chain.from_iterable(sharing))
    if not texts:
        return np.zeros(0, dtype=np.int64)
    number_of = dict.fromkeys(texts)
    number_of = dict(zip(number_of, range(len(number_of))))
    shared = np.fromiter(map(number_of.__getitem__, texts), dtype=np.int64, count=len(texts))
    records = np.repeat(np.arange(size, dtype=np.int64),
                        np.fromiter(map(len, sharing), dtype=np.int64, count=size))
    del sharing, texts
    ids = _word_ids(list(number_of), vocab)
    marker = ids == 0
    words = ids[~marker]
    starts = np.zeros(len(number_of) + 1, dtype=np.int64)
    np.cumsum(np.bincount(np.cumsum(marker)[~marker], minlength=len(number_of)),
              out=starts[1:])
    word_ids, counts = _gather(words, starts, shared)
    record_ids = np.repeat(records, counts)
    return _keys(word_ids, record_ids, 1, shift)


def _keys(word_ids: np.ndarray, records: np.ndarray, tier: int, shift: int) -> np.ndarray:
    """(word, record, tier) packed into one int64 that sorts by word, then record, then
    tier: the record in `shift` bits, the tier in 2 (shifts and masks, not
    multiplications: numpy's 64-bit division, to unpack them, was ~10% of the build)."""
    return (word_ids << (shift + 2)) | (records << 2) | tier


def _makeup(joined: str, starts: np.ndarray) -> np.ndarray:
    r"""LETTERS, DIGITS or MIXED per word (decimal digits as in regex \d), from the words
    each followed by one separator and their start offsets (numpy over the code points)."""
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    digit = (points >= 48) & (points <= 57)
    wide = np.unique(points[points > 127])
    other_digits = [code for code in wide.tolist() if chr(code).isdecimal()]
    if other_digits:
        digit |= np.isin(points, other_digits)
    counts = np.zeros(len(points) + 1, dtype=np.int64)
    np.cumsum(digit, out=counts[1:])
    ends = starts[1:] - 1                       # each word's end (before its separator)
    digits = counts[ends] - counts[starts[:-1]]
    lengths = ends - starts[:-1]
    return np.where(digits == 0, LETTERS, np.where(digits == lengths, DIGITS, MIXED)).astype(np.uint8)


TOKENISE_RECORDS = 25_000
"""Records tokenised at a time: a bounded list of token objects (~35 per contact:
1.5 GB at once for 1M contacts), and small dicts that stay in the CPU's caches."""


def build_index(entries: Sequence[Entry], kind_codes: dict[str, int]) -> dict[str, bytes]:
    """Build the index blobs stored in the database beside the records.

    Each tier's texts are folded and tokenised as one string (a marker token
    separates records), words get numbers through one dict, and pairing words
    with records, de-duplicating and sorting are numpy passes.
    """
    size = len(entries)
    shift = max(size, 1).bit_length()  # bits of a record number in a key (see `_keys`)
    vocab: dict[bytes, int] = {_RECORD: 0}
    keys: list[np.ndarray] = []
    titles_folded: list[str] = []
    for tier, attribute in enumerate(("title", "fields", "text")):
        for first in range(0, size, TOKENISE_RECORDS):
            texts = list(map(attrgetter(attribute), entries[first:first + TOKENISE_RECORDS]))
            ids = _word_ids(texts, vocab)
            if tier == 0:
                lines = b" ".join(map(list(vocab).__getitem__, ids.tolist())).decode("utf-8")
                lines = lines.replace(" \x01", "\x01")
                titles_folded += lines.replace("\x01 ", "\x01").split("\x01")
            marker = ids == 0
            records = np.cumsum(marker) + first
            words = ~marker
            keys.append(_keys(ids[words], records[words], tier, shift))
        if tier == 1:
            keys.append(_shared_keys(entries, vocab, size, shift))
    words_by_id = b"\n".join(vocab).decode("utf-8").split("\n")  # (no word holds a newline)
    del vocab
    too_long = np.fromiter(map(len, words_by_id), dtype=np.int64,
                           count=len(words_by_id)) > MAX_TERM_LENGTH
    too_long[0] = True  # the record marker is no word
    positions = sorted(np.flatnonzero(~too_long).tolist(), key=words_by_id.__getitem__)
    order = [words_by_id[i] for i in positions]
    rank = np.full(len(words_by_id), -1, dtype=np.int64)
    rank[np.asarray(positions, dtype=np.int64)] = np.arange(len(order))

    # (word, record, tier) → one posting per (word, record) with its best (lowest) tier
    combined = np.concatenate(keys) if keys else np.zeros(0, np.int64)
    del keys
    combined = combined[rank[combined >> (shift + 2)] >= 0]  # (words too long to be searched)
    # each word's number replaced by its rank in the sorted vocabulary
    combined = (rank[combined >> (shift + 2)] << (shift + 2)) | (combined & ((4 << shift) - 1))
    combined.sort()
    pair = combined >> 2
    first = np.ones(len(pair), dtype=bool)
    first[1:] = pair[1:] != pair[:-1]
    combined = combined[first]
    pair = pair[first]
    word_rank = pair >> shift
    postings = (pair & ((1 << shift) - 1)).astype(np.int32)
    tiers = (combined & 3).astype(np.uint8)
    offsets = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(np.bincount(word_rank, minlength=len(order)), out=offsets[1:])

    lengths = np.fromiter(map(len, order), dtype=np.int64, count=len(order)) + 1
    starts = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    vocab_text = "\n".join(order)
    makeup = _makeup(vocab_text + "\n", starts)
    title_lengths = np.fromiter(map(len, titles_folded), dtype=np.int64,
                                count=len(titles_folded)) + 1
    title_starts = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(title_lengths, out=title_starts[1:])
    return {
        "format": INDEX_FORMAT,
        "vocab": vocab_text.encode("utf-8"),
        "word_starts": starts.tobytes(),
        "word_makeup": makeup.tobytes(),
        "offsets": offsets.tobytes(),
        "postings": postings.tobytes(),
        "tiers": tiers.tobytes(),
        "titles": "\n".join(titles_folded).encode("utf-8"),
        "title_starts": title_starts.tobytes(),
        "kinds": np.fromiter(map(kind_codes.__getitem__, map(attrgetter("kind"), entries)),
                             dtype=np.uint8, count=size).tobytes(),
        "title_lengths": np.minimum(np.fromiter(map(len, map(attrgetter("title"), entries)),
                                                dtype=np.int64, count=size),
                                    65535).astype(np.uint16).tobytes(),
    }


# --- querying -------------------------------------------------------------------


@dataclass
class _TermMatch:
    """How one query word matched the vocabulary (kept for highlighting and narrowing)."""

    term: str
    fuzzy_words: set[str]
    scores: np.ndarray
    containing: np.ndarray | None = None   # ids of words containing the term (None: not kept)


class SearchIndex:
    """The loaded index; `search` answers one query."""

    def __init__(self, blobs: dict[str, bytes], kind_codes: dict[str, int],
                 fetch: Callable[[list[int]], list[tuple[str, str, str, str]]]):
        """`fetch(numbers)` returns (kind, id, title, subtitle) for entry numbers."""
        if blobs.get("format") != INDEX_FORMAT:
            raise KeyError("format")  # an index from another version: the store says rebuild
        self._vocab = blobs["vocab"].decode("utf-8")
        self._starts = np.frombuffer(blobs["word_starts"], dtype=np.int64)
        self.vocab_size = len(self._starts) - 1
        self._makeup = np.frombuffer(blobs["word_makeup"], dtype=np.uint8)
        self._offsets = np.frombuffer(blobs["offsets"], dtype=np.int64)
        self._postings = np.frombuffer(blobs["postings"], dtype=np.int32)
        self._tier_of = np.frombuffer(blobs["tiers"], dtype=np.uint8)
        self._titles = blobs["titles"].decode("utf-8")
        self._title_starts = np.frombuffer(blobs["title_starts"], dtype=np.int64)
        self.kinds = np.frombuffer(blobs["kinds"], dtype=np.uint8)
        self.title_lengths = np.frombuffer(blobs["title_lengths"], dtype=np.uint16)
        self.size = len(self.kinds)
        if not (len(self._makeup) == self.vocab_size == len(self._offsets) - 1
                and len(self._postings) == len(self._tier_of) == self._offsets[-1]
                and len(self._title_starts) == self.size + 1 == len(self.title_lengths) + 1):
            raise ValueError("index arrays of inconsistent sizes")
        self._weights = np.asarray(TIER_WEIGHTS, dtype=np.float32)
        self.kind_codes = kind_codes
        self._fetch = fetch
        self._buckets: dict[int, tuple[np.ndarray, list[str]]] = {}
        self._letter_words: tuple[np.ndarray, np.ndarray, str] | None = None
        self._lengths: np.ndarray | None = None   # of letter-only words, -1 for the others
        self._cache: OrderedDict[str, _TermMatch] = OrderedDict()
        # one float32 score per record per cached word: ~64 MB at most (16 words at 1M records)
        self._cache_size = max(8, min(64, CACHE_SCORES // max(self.size, 1)))
        self._lock = threading.Lock()   # the app searches from worker threads

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
        with self._lock:
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
        rough = total[candidates] - self.title_lengths[candidates] * np.float32(1e-4)
        if len(candidates) > RERANK:
            keep = np.argpartition(-rough, RERANK)[:RERANK]
            candidates, rough = candidates[keep], rough[keep]
        return self._rerank(candidates, rough, terms, matches, limit)

    def clear_cache(self) -> None:
        """Forget cached query words (the benchmark types each query afresh)."""
        with self._lock:
            self._cache.clear()

    def word(self, word_id: int) -> str:
        return self._vocab[self._starts[word_id]:self._starts[word_id + 1] - 1]

    # -- matching

    def _match_term(self, term: str) -> _TermMatch:
        cached = self._cache.get(term)
        if cached is not None:
            self._cache.move_to_end(term)
            return cached
        groups, fuzzy_words, containing = self._vocabulary_matches(term)
        scores = np.zeros(self.size, dtype=np.float32)
        for word_ids, quality in groups:
            records, tiers = self._gather(word_ids)
            if len(records):
                np.maximum.at(scores, records, quality * self._weights[tiers])
        match = _TermMatch(term, fuzzy_words, scores, containing)
        self._cache[term] = match
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return match

    def _lower_bound(self, text: str, lo: int = 0) -> int:
        """The first vocabulary position whose word is >= text (a binary search)."""
        hi = self.vocab_size
        vocab, starts = self._vocab, self._starts
        while lo < hi:
            mid = (lo + hi) // 2
            if vocab[starts[mid]:starts[mid + 1] - 1] < text:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _vocabulary_matches(self, term: str
                            ) -> tuple[list[tuple[np.ndarray, float]], set[str], np.ndarray | None]:
        """Vocabulary word ids matched by `term`, grouped by quality."""
        lo = self._lower_bound(term)
        hi = self._lower_bound(term + "\U0010ffff", lo)
        exact = lo < self.vocab_size and self.word(lo) == term
        groups: list[tuple[np.ndarray, float]] = []
        fuzzy_words: set[str] = set()
        if len(term) >= FUZZY_MIN_LENGTH and not exact:
            for word_id, word, score in self._fuzzy(term):
                groups.append((np.array([word_id]), FUZZY_WEIGHT * score / 100))
                fuzzy_words.add(word)
        containing = None
        if len(term) >= INFIX_MIN_LENGTH:
            infix, containing = self._infix(term, lo, hi)
            if len(infix):
                groups.append((infix, INFIX))
        prefix_start = lo + 1 if exact else lo
        if hi > prefix_start:
            groups.append((np.arange(prefix_start, hi), PREFIX))
        if exact:
            groups.append((np.array([lo]), EXACT))
        return groups, fuzzy_words, containing

    def _infix(self, term: str, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Words containing `term` not at their start; and all words containing it.

        A term of letters is looked for only among words with letters (numbers,
        most of the vocabulary, cannot contain it).  When the term extends a
        cached shorter one, only the words that contained the shorter one are
        scanned.
        """
        previous = self._cache.get(term[:-1])
        if previous is not None and previous.containing is not None \
                and len(previous.containing) <= NARROW_LIMIT:
            pool = previous.containing
            pool_starts, text = _joined([self.word(int(i)) for i in pool])
        elif _HAS_DIGIT.search(term) is None:
            pool, pool_starts, text = self._letters()
        else:
            pool, pool_starts, text = None, self._starts[:-1] + 1, "\n" + self._vocab + "\n"
        positions = np.fromiter((m.start() for m in re.finditer(re.escape(term), text)),
                                dtype=np.int64)
        if not len(positions):
            empty = np.zeros(0, np.int64)
            return empty, np.arange(lo, hi)
        local = np.searchsorted(pool_starts, positions, side="right") - 1
        inside = positions != pool_starts[local]
        ids = local if pool is None else pool[local]
        containing = _unique(np.concatenate((ids, np.arange(lo, hi))))
        return _unique(ids[inside]), containing

    def _letters(self) -> tuple[np.ndarray, np.ndarray, str]:
        """The words with letters in them, joined for regex scans (built on first use)."""
        if self._letter_words is None:
            ids = np.flatnonzero(self._makeup != DIGITS)
            self._letter_words = (ids, *_joined([self.word(int(i)) for i in ids]))
        return self._letter_words

    def _fuzzy(self, term: str) -> Iterable[tuple[int, str, float]]:
        from rapidfuzz import fuzz, process

        if _HAS_DIGIT.search(term):
            return  # numbers are not misspelt words
        for length in range(len(term) - 2, len(term) + 3):
            word_ids, words = self._bucket(length)
            if not words:
                continue
            for word, score, position in process.extract(
                    term, words, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF,
                    limit=FUZZY_PER_LENGTH):
                yield int(word_ids[position]), word, score

    def _bucket(self, length: int) -> tuple[np.ndarray, list[str]]:
        """Letter-only words of one length (the candidates for typo matching)."""
        if length not in self._buckets:
            if self._lengths is None:
                self._lengths = np.diff(self._starts) - 1
                self._lengths[self._makeup != LETTERS] = -1
            word_ids = np.flatnonzero(self._lengths == length)
            self._buckets[length] = (word_ids, [self.word(int(i)) for i in word_ids])
        return self._buckets[length]

    def _gather(self, word_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The postings (records and tiers) of several words, without a Python loop."""
        offsets = self._offsets
        if len(word_ids) == 0:
            return self._postings[:0], self._tier_of[:0]
        if len(word_ids) == 1 or word_ids[-1] - word_ids[0] == len(word_ids) - 1:
            start, end = offsets[word_ids[0]], offsets[word_ids[-1] + 1]  # a contiguous range
            return self._postings[start:end], self._tier_of[start:end]
        starts = offsets[word_ids]
        lengths = offsets[word_ids + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return self._postings[:0], self._tier_of[:0]
        index = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(total)
        return self._postings[index], self._tier_of[index]

    # -- ranking

    def _rerank(self, candidates: np.ndarray, rough: np.ndarray, terms: list[str],
                matches: list[_TermMatch], limit: int) -> list[Hit]:
        """Exact and prefix titles first; fetch only the rows that will be shown."""
        phrase = " ".join(terms)
        titles, starts = self._titles, self._title_starts
        scored = []
        for number, base in zip(candidates.tolist(), rough.tolist()):
            folded = titles[starts[number]:starts[number + 1] - 1]
            bonus = 0.6 if folded == phrase else 0.3 if folded.startswith(phrase) else 0.0
            scored.append((-(base + bonus), number))
        scored.sort()
        top = scored[:limit]
        rows = self._fetch([number for _, number in top])
        highlighter = Highlighter(matches)
        return [Hit(kind, item_id, title, subtitle, round(-negative, 4), highlighter)
                for (negative, _), (kind, item_id, title, subtitle) in zip(top, rows)]

    def _browse(self, kind: str | None, limit: int) -> list[Hit]:
        if kind is None:
            numbers = list(range(min(limit, self.size)))
        else:
            numbers = np.flatnonzero(self.kinds == self.kind_codes[kind])[:limit].tolist()
        rows = self._fetch(numbers)
        return [Hit(k, i, t, s, 0.0) for k, i, t, s in rows]


def _joined(words: list[str]) -> tuple[np.ndarray, str]:
    """`words` as one newline-separated text for regex scans, and where each word starts."""
    lengths = np.fromiter((len(w) + 1 for w in words), dtype=np.int64, count=len(words))
    starts = np.concatenate(([1], 1 + np.cumsum(lengths)[:-1])) if len(words) \
        else np.zeros(0, np.int64)
    return starts, "\n" + "\n".join(words) + "\n"


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique's first call costs ~25 ms of lazy imports)."""
    if len(values) < 2:
        return values
    values = np.sort(values)
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def query_terms(query: str) -> list[str]:
    """Folded query words, bounded so a pasted novel cannot stall the search."""
    return [w[:MAX_TERM_LENGTH] for w in WORD.findall(fold(query[:2000]))][:MAX_QUERY_TERMS]


class Highlighter:
    """Finds, in a displayed text, the parts the query words matched.

    A word starting with a query word is marked for the query word's length,
    a typo match for the whole word, and an infix match where it occurs.  One
    regular expression per query, so a hundred results cost well under a
    millisecond.
    """

    def __init__(self, matches: Sequence[_TermMatch]):
        terms = sorted({m.term for m in matches}, key=len, reverse=True)
        fuzzy = sorted({w for m in matches for w in m.fuzzy_words}, key=len, reverse=True)
        starts = "|".join(re.escape(t) for t in terms)
        inner = "|".join(re.escape(t) for t in terms if len(t) >= INFIX_MIN_LENGTH)
        whole = "|".join(re.escape(w) for w in fuzzy)
        parts = []   # the first alternative that matches at a place wins: prefixes first
        if starts:
            parts.append(rf"(?<![^\W_])(?:{starts})")
        if whole:
            parts.append(rf"(?<![^\W_])(?:{whole})(?![^\W_])")
        if inner:
            parts.append(rf"(?:{inner})")
        self._pattern = re.compile("|".join(parts)) if parts else None
        self._seen: dict[str, list[tuple[int, int]]] = {}

    def spans(self, text: str) -> list[tuple[int, int]]:
        if not text or self._pattern is None:
            return []
        known = self._seen.get(text)
        if known is not None:
            return list(known)   # subtitles repeat a lot within one result list
        folded, origin = fold_with_map(text)
        merged: list[tuple[int, int]] = []
        for found in self._pattern.finditer(folded):
            start, end = origin[found.start()], origin[found.end() - 1] + 1
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        self._seen[text] = merged
        return list(merged)
