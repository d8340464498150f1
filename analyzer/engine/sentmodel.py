"""The sentence model: a linear classifier over character n-grams that reads each sentence of a
document and says which clause categories it states, beside the pattern library.

Why: the patterns find 94-98% of the clauses in agreements they were written from and 61-68%
in agreements they were not (session 10's three rounds of new real documents). A model that
weighs every character n-gram of a sentence knows wording families no pattern spells out, and
where it is sure it adds the clause the patterns missed.

What it is: TF-IDF of the sentence's character n-grams (2-4 long in the shipped model; the file
says which; lower case, digits read as 0, sublinear term frequency, L2 norm) and one logistic
regression per category, trained by
``scripts/train_sentences.py`` on annotated real agreements and the pattern library's own
examples. The model file holds the n-grams, their IDF and the non-negligible weights; this
module reads it and scores sentences in pure Python (no numpy or scikit-learn at run time).
Nothing in the file is executed; a missing or damaged file turns the model off with a warning,
never fails a scan.

By default it vetoes the patterns' unlikely findings and adds its own in a few categories of
Chinese agreements (``modeldetect``: what was measured to help on agreements it had not seen);
``terms-scan --model`` (``analyzer.scan(..., model=True)``) adds its findings in every category:
more clauses found and as many more false alarms, and lower CLAUDETTE precision, whose
annotators count only unfair clauses; ``--no-model`` (``model=False``) is the patterns alone.
More annotated agreements are where it will pay off (retrain: ``scripts/train_sentences.py``).
``TERMS_SCAN_MODEL=PATH`` reads another model file (training experiments).
"""
from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import re
import sys
import threading
from array import array
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from typing import Any

MODEL_FILE = "sentences.bin.gz"
SEEN_MAX = 10_000  # sentences whose probabilities a loaded model keeps (~8 MB at most)
MAGIC = b"terms-scan sentence model\n"
FORMAT = 1
_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s+")


def prepare(text: str) -> str:
    """The form of a sentence the n-grams are taken from: lower case, every digit as 0 (a term
    is the same term at 12 or 24 months), runs of white space as one space."""
    return _SPACE.sub(" ", _DIGIT.sub("0", text.lower())).strip()


def _positions(text: str) -> list[int]:
    """For each character of ``prepare(text)``, its index in ``text`` (to quote a cue as the
    sentence writes it); empty when lower-casing changed the length (then no cues are quoted)."""
    pos: list[int] = []
    space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            space = True
            continue
        if space and pos:
            pos.append(i - 1)
        space = False
        if len(ch.lower()) != 1:
            return []
        pos.append(i)
    return pos


def ngrams(text: str, lo: int = 1, hi: int = 4) -> list[str]:
    """The character n-grams of a prepared sentence, lo..hi long."""
    n = len(text)
    return [text[i:i + k] for k in range(lo, hi + 1) for i in range(n - k + 1)]


_WORD = re.compile(r"[a-z0]+(?:'[a-z]+)?")


def features(text: str, lo: int = 1, hi: int = 4, words: bool = False) -> list[str]:
    """What the model counts in a prepared sentence: its character n-grams, and with ``words``
    its Latin words and word pairs ("w:termination", "w:early termination"), which carry an
    English term whole where four characters cannot."""
    out = ngrams(text, lo, hi)
    if words:
        toks = _WORD.findall(text)
        out += ["w:" + t for t in toks]
        out += ["w:" + a + " " + b for a, b in zip(toks, toks[1:], strict=False)]
    return out


@dataclass(frozen=True)
class Guess:
    """A category the model reads in a sentence: its probability and the words that weighed
    most for it (the sentence's own words, strongest first, with their spans in the sentence)."""

    category: str
    probability: float
    cues: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]


class SentenceModel:
    """The model file, loaded: n-gram -> index, and per index its IDF and its weights (the few
    classes it weighs for: a sparse row)."""

    def __init__(self, header: dict[str, Any], vocab: list[str], idf: array[float], offsets: array[int],
                 classes: array[int], weights: array[int]) -> None:
        self.classes: tuple[str, ...] = tuple(header["classes"])
        self.bias: tuple[float, ...] = tuple(float(b) for b in header["bias"])
        self.lo, self.hi = (int(x) for x in header["ngram"])
        self.words = bool(header.get("words", False))
        self.threshold: float = float(header["threshold"])
        self.note: str = str(header.get("note", ""))
        self.version: str = str(header.get("version", ""))
        self.scale = float(header["scale"])
        n = len(vocab)
        if not (len(idf) == n and len(offsets) == n + 1 and len(classes) == len(weights) == offsets[-1]) \
                or len(self.bias) != len(self.classes) or any(k >= len(self.classes) for k in set(classes)):
            raise ValueError("the model's arrays do not agree in length")
        self.vocab = vocab
        self.index = dict(zip(vocab, range(n), strict=True))
        self.idf = idf.tolist()
        self._offsets, self._cls, self._w = offsets, classes, weights
        # a row as (class, weight) pairs, made the first time its n-gram is seen: a document
        # repeats its n-grams, and a cold start does not build 100,000 rows it never reads
        self._rows: dict[int, tuple[tuple[int, float], ...]] = {}
        # the probabilities of sentences already read: a notebook scanning an agreement again, a
        # weekly watch reading its next version (most sentences unchanged), the veto and the
        # model's findings reading one sentence twice. Bounded: emptied when full.
        self._seen: dict[str, tuple[float, ...]] = {}

    def row(self, i: int) -> tuple[tuple[int, float], ...]:
        got = self._rows.get(i)
        if got is None:
            a, b = self._offsets[i], self._offsets[i + 1]
            scale = self.scale
            got = self._rows[i] = tuple((self._cls[j], self._w[j] * scale) for j in range(a, b))
        return got

    @classmethod
    def from_bytes(cls, raw: bytes) -> SentenceModel:
        """Read the model file (see ``to_bytes``); ValueError when it is not one."""
        data = gzip.decompress(raw)
        if not data.startswith(MAGIC):
            raise ValueError("not a terms-scan sentence model")
        pos = len(MAGIC)
        parts = []
        for _ in range(6):
            if pos + 8 > len(data):
                raise ValueError("the model file is cut short")
            size = int.from_bytes(data[pos:pos + 8], "little")
            parts.append(data[pos + 8:pos + 8 + size])
            pos += 8 + size
            if len(parts[-1]) != size:
                raise ValueError("the model file is cut short")
        header = json.loads(parts[0])
        if header.get("format") != FORMAT:
            raise ValueError(f"model format {header.get('format')!r}, expected {FORMAT}")
        vocab = parts[1].decode("utf-8").split("\0") if parts[1] else []
        arrays: list[Any] = []
        for code, blob in zip("fIBh", parts[2:], strict=True):
            arr = array(code)
            if len(blob) % arr.itemsize:
                raise ValueError("a model array has a partial item")
            arr.frombytes(blob)
            if sys.byteorder != "little":  # pragma: no cover - the file is little-endian
                arr.byteswap()
            arrays.append(arr)
        return cls(header, vocab, *arrays)

    def scores(self, sentence: str) -> tuple[float, ...]:
        """The probability of each class (in ``classes`` order) for one sentence."""
        got = self._seen.get(sentence)
        if got is None:
            got = tuple(self._score(sentence)[0])
            if len(self._seen) >= SEEN_MAX:
                self._seen.clear()
            self._seen[sentence] = got
        return got

    def _score(self, sentence: str) -> tuple[list[float], list[tuple[int, float]]]:
        counts = Counter(features(prepare(sentence), self.lo, self.hi, self.words))
        idf, rows, row = self.idf, self._rows, self.row
        acc = [0.0] * len(self.classes)
        present: list[tuple[int, float]] = []
        sq = 0.0
        log = math.log
        # the lookups in C (map), the arithmetic only for the n-grams the model knows
        for i, c in zip(map(self.index.get, counts), counts.values(), strict=True):
            if i is None:
                continue
            v = idf[i] if c == 1 else (1.0 + log(c)) * idf[i]
            sq += v * v
            ws = rows.get(i)
            if ws is None:
                ws = row(i)
            if ws:
                present.append((i, v))
                for k, w in ws:
                    acc[k] += w * v
        norm = math.sqrt(sq) or 1.0
        probs = []
        for k, total in enumerate(acc):
            z = total / norm + self.bias[k]
            probs.append(1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0)
        return probs, [(i, v / norm) for i, v in present]

    def guesses(self, sentence: str, threshold: float | None = None) -> list[Guess]:
        """The categories read in ``sentence`` at or above ``threshold`` (the model's own by
        default), each with the words that weighed most for it."""
        cut = self.threshold if threshold is None else threshold
        probs, present = self._score(sentence)
        found = []
        for k, p in enumerate(probs):
            if p >= cut:
                terms = [(w * v, self.vocab[i]) for i, v in present for c, w in self.row(i) if c == k and w > 0]
                spans = _cue_spans(sentence, terms)
                found.append(Guess(self.classes[k], p, tuple(sentence[a:b] for a, b in spans), spans))
        return found


def to_bytes(header: dict[str, Any], vocab: list[str], idf: list[float], rows: list[list[tuple[int, int]]]) -> bytes:
    """The model file: a magic line, then six length-prefixed parts (little-endian): the JSON
    header, the n-grams joined by NUL, their IDF (float32), row offsets (uint32), and per weight
    its class (uint8) and value (int16, times ``header['scale']``); ``rows`` holds, per n-gram,
    its (class, weight) pairs. Gzipped, reproducibly."""
    if len(rows) != len(vocab) or len(idf) != len(vocab):
        raise ValueError("one IDF and one row of weights per n-gram")
    offsets, classes, weights = array("I", [0]), array("B"), array("h")
    for row in rows:
        for k, q in row:
            classes.append(k)
            weights.append(q)
        offsets.append(len(classes))
    parts = [json.dumps({**header, "format": FORMAT}, ensure_ascii=False).encode("utf-8"),
             "\0".join(vocab).encode("utf-8"), array("f", idf).tobytes(), offsets.tobytes(),
             classes.tobytes(), weights.tobytes()]
    if sys.byteorder != "little":  # pragma: no cover
        raise ValueError("the model file is little-endian: write it on a little-endian machine")
    body = MAGIC + b"".join(len(p).to_bytes(8, "little") + p for p in parts)
    return gzip.compress(body, compresslevel=9, mtime=0)


def _cue_spans(sentence: str, terms: list[tuple[float, str]], most: int = 4) -> tuple[tuple[int, int], ...]:
    """Where the strongest positive n-grams sit in the sentence, merged where they overlap,
    strongest first: spans of ``sentence`` ("违约金", "early termination")."""
    text = prepare(sentence)
    pos = _positions(sentence)
    if len(pos) != len(text):
        return ()
    spans: list[list[float]] = []
    for weight, g in sorted(terms, reverse=True)[:24]:
        if len(g.strip()) < 2:
            continue
        if g.startswith("w:"):  # a word or word pair: find it as a word
            g = g[2:]
        core = g.strip()
        lead = len(g) - len(g.lstrip())
        i, seen = text.find(g), 0
        while i >= 0 and seen < 8:  # every place it occurs ("zq" in "zqzq" twice)
            spans.append([i + lead, i + lead + len(core), weight])
            i, seen = text.find(g, i + 1), seen + 1
    spans.sort()
    merged: list[list[float]] = []
    for a, b, w in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
            merged[-1][2] += w
        else:
            merged.append([a, b, w])
    best = sorted(merged, key=lambda m: -m[2])[:most]
    return tuple((pos[int(a)], pos[int(b) - 1] + 1) for a, b, _ in best if b > a)


_loaded: SentenceModel | None = None
_failed: str | None = None
_lock = threading.Lock()


def model_bytes() -> bytes | None:
    """The model file's bytes: the packaged one, or ``TERMS_SCAN_MODEL`` (a path; for training
    experiments, see scripts/train_sentences.py)."""
    try:
        other = os.environ.get("TERMS_SCAN_MODEL")
        if other:
            with open(other, "rb") as f:
                return f.read()
        return resources.files("analyzer.engine").joinpath("data", MODEL_FILE).read_bytes()
    except OSError:
        return None


def load() -> SentenceModel | None:
    """The packaged model, loaded once (None: missing or unreadable; ``problem()`` says why)."""
    global _loaded, _failed
    with _lock:
        if _loaded is not None or _failed is not None:
            return _loaded
        raw = model_bytes()
        if raw is None:
            _failed = f"the sentence model ({MODEL_FILE}) is not installed: clauses are found by the patterns alone"
            return None
        try:
            _loaded = SentenceModel.from_bytes(raw)
            _loaded.version = _loaded.version or hashlib.sha256(raw).hexdigest()[:12]
        except (OSError, ValueError, KeyError, TypeError, EOFError) as e:
            _failed = f"the sentence model could not be read ({e}): clauses are found by the patterns alone"
        return _loaded


def problem() -> str | None:
    """Why the model is not in use, when it should be (a damaged or missing file)."""
    return _failed
