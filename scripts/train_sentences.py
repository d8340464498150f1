"""Train the sentence model (analyzer/engine/data/sentences.json.gz) from annotated agreements.

    pip install scikit-learn            # training only; the scanner reads the model in pure Python
    python scripts/train_sentences.py --gold ../shared/corpora/agreements --gold DIR2 ... \
        [--examples] [--hold DOC,...] [--out analyzer/engine/data/sentences.json.gz]

Each --gold DIR holds documents and a gold.jsonl (../shared/corpora/ANNOTATION.md). Every
sentence the scanner's segmenter makes of a document (headings and fragments under 6 letters
left out) is one training row, labelled with the categories of the gold quotes it overlaps
(matched as ../shared/tools/score.py matches: letters and digits, NFKC, lower case).
--examples adds the pattern library's own invented examples ("finding" = its category,
"none"/"protection" = no category). --hold leaves documents out (to measure on them).

The model file holds n-grams, IDF and weights, not sentences; weights below --prune (relative
to the largest) are dropped, which keeps the file small and the pure-Python scoring fast.
Never train on ../shared/corpora/test: it is for measurement only.
"""
from __future__ import annotations

import argparse
import bisect
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent / "shared" / "tools"))

from analyzer.engine import sentmodel  # noqa: E402
from analyzer.engine.extract import extract_path  # noqa: E402
from analyzer.engine.modeldetect import MIN_LETTERS  # noqa: E402  (the detector's own floor for a sentence)
from analyzer.engine.normalize import normalize  # noqa: E402
from analyzer.engine.segment import split_sentences  # noqa: E402
from analyzer.engine.taxonomy import CATEGORIES  # noqa: E402

FEATURES: tuple[int, int, bool] = (1, 4, False)  # n-gram lengths and words (set by --ngram / --words)


def usable(s) -> bool:  # noqa: ANN001
    return not s.heading and sum(c.isalnum() for c in s.text) >= MIN_LETTERS


def doc_rows(path: Path, gold: list[dict]) -> list[tuple[str, set[str]]]:
    import score  # ../shared/tools/score.py

    original = extract_path(path).text
    norm = normalize(original)
    hay, where = score.norm(original)
    spans = []
    for g in gold:
        for a, b in score.locate(score.norm(g["quote"])[0], hay):
            spans.append((a, b, g["category"]))
    rows = []
    for s in split_sentences(norm.text):
        if not usable(s):
            continue
        oa, ob = norm.to_orig(s.start, s.end)
        na, nb = bisect.bisect_left(where, oa), bisect.bisect_left(where, ob)
        labels = {c for a, b, c in spans if a < nb and na < b}
        rows.append((s.text, labels))
    return rows


def gold_rows(root: Path, hold: set[str]) -> list[tuple[str, set[str]]]:
    by_doc: dict[str, list[dict]] = {}
    for line in (root / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            g = json.loads(line)
            by_doc.setdefault(g["doc"], []).append(g)
    rows = []
    for doc in sorted(p.name for p in root.iterdir() if p.suffix in (".txt", ".md", ".html")):
        if doc in hold:
            continue
        rows += doc_rows(root / doc, by_doc.get(doc, []))
    return rows


def example_rows() -> list[tuple[str, set[str]]]:
    from analyzer.engine.patterns import library

    rows = []
    for p in library():
        for ex in p.examples:
            rows.append((ex.text, {p.category} if ex.expect == "finding" else set()))
    return rows


def train(rows: list[tuple[str, set[str]]], c: float, max_features: int, min_df: int, keep: int = 0,
          l1: bool = False) -> tuple:
    """Fit the vectorizer and one logistic regression per category. With ``keep``, fit twice:
    the second time on the ``keep`` n-grams that weighed most in the first (a smaller model
    that the scanner reads faster, exact because the sentence norm is taken over the same
    n-grams)."""
    import numpy as np

    vec, clf, classes = _fit(rows, c, max_features, min_df, None, l1)
    if keep and keep < len(vec.vocabulary_):
        coef = np.vstack([e.coef_[0] for e in clf.estimators_])
        best = np.argsort(-np.abs(coef).max(axis=0))[:keep]
        names = vec.get_feature_names_out()
        vec, clf, classes = _fit(rows, c, max_features, min_df, sorted(str(names[j]) for j in best), l1)
    return vec, clf, classes


def _fit(rows: list[tuple[str, set[str]]], c: float, max_features: int, min_df: int,
         vocabulary: list[str] | None, l1: bool = False) -> tuple:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    classes = sorted(CATEGORIES)
    vec = TfidfVectorizer(analyzer=lambda t: sentmodel.features(sentmodel.prepare(t), *FEATURES), min_df=min_df,
                          sublinear_tf=True, max_features=None if vocabulary else max_features,
                          vocabulary=vocabulary)
    x = vec.fit_transform([t for t, _ in rows])
    y = MultiLabelBinarizer(classes=classes).fit_transform([sorted(ls) for _, ls in rows])
    keep = [k for k in range(len(classes)) if y[:, k].sum() >= 2]
    lr = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, **({"solver": "liblinear", "l1_ratio": 1.0} if l1 else {}))
    clf = OneVsRestClassifier(lr)
    clf.fit(x, y[:, keep])
    return vec, clf, [classes[k] for k in keep]


def export(vec, clf, classes: list[str], threshold: float, prune: float, note: str) -> bytes:  # noqa: ANN001
    import numpy as np

    vocab = vec.get_feature_names_out()
    coef = np.vstack([e.coef_[0] for e in clf.estimators_])  # classes x features
    bias = [round(float(e.intercept_[0]), 5) for e in clf.estimators_]
    top = float(np.abs(coef).max())
    scale = top / 32000.0  # weights stored as int16: w = q * scale
    q = np.round(coef / scale).astype(np.int64)
    q[np.abs(coef) < prune * top] = 0  # negligible weights dropped: a smaller file, a faster scan
    rows = [[(int(k), int(q[k, j])) for k in np.nonzero(q[:, j])[0]] for j in range(len(vocab))]
    # every n-gram keeps its IDF, also one with no weight left: a sentence's L2 norm counts them all
    header = {"classes": classes, "bias": bias, "ngram": list(FEATURES[:2]), "words": FEATURES[2], "threshold": threshold,
              "scale": scale, "note": note}
    return sentmodel.to_bytes(header, [str(g) for g in vocab], [float(x) for x in vec.idf_], rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", action="append", default=[], type=Path)
    ap.add_argument("--examples", action="store_true")
    ap.add_argument("--hold", default="", help="comma-separated document names to leave out")
    ap.add_argument("--c", type=float, default=8.0)
    ap.add_argument("--max-features", type=int, default=150000)
    ap.add_argument("--min-df", type=int, default=2)
    ap.add_argument("--prune", type=float, default=0.01)
    ap.add_argument("--ngram", default="1,4", help="character n-gram lengths, lo,hi")
    ap.add_argument("--words", action="store_true", help="also Latin words and word pairs")
    ap.add_argument("--l1", action="store_true", help="L1 penalty: fewer, larger weights")
    ap.add_argument("--keep", type=int, default=0, help="refit on the N n-grams that weigh most (0: all)")
    ap.add_argument("--threshold", type=float, default=0.85)
    ap.add_argument("--out", type=Path, default=ROOT / "analyzer" / "engine" / "data" / sentmodel.MODEL_FILE)
    a = ap.parse_args()
    global FEATURES
    lo, hi = (int(x) for x in a.ngram.split(","))
    FEATURES = (lo, hi, a.words)
    if any("corpora/test" in str(g.resolve()) for g in a.gold):
        raise SystemExit("the test split is for measurement only: never train on it")
    hold = {h for h in a.hold.split(",") if h}
    rows = []
    for g in a.gold:
        rows += gold_rows(g, hold)
    docs_n = len(rows)
    if a.examples:
        rows += example_rows()
    counts = Counter(c for _, ls in rows for c in ls)
    print(f"{len(rows)} rows ({docs_n} from documents), labels: {dict(sorted(counts.items()))}", file=sys.stderr)
    vec, clf, classes = train(rows, a.c, a.max_features, a.min_df, a.keep, a.l1)
    note = (f"trained on {docs_n} document sentences from {len(a.gold)} annotated folder(s)"
            + (f" and {len(rows) - docs_n} pattern examples" if a.examples else "")
            + f"; C={a.c}, max_features={a.max_features}, min_df={a.min_df}, keep={a.keep}, prune={a.prune}")
    a.out.write_bytes(export(vec, clf, classes, a.threshold, a.prune, note))
    m = sentmodel.SentenceModel.from_bytes(a.out.read_bytes())
    nonzero = len(m._w)
    print(f"wrote {a.out} ({a.out.stat().st_size / 1e6:.2f} MB): {len(m.index)} n-grams, "
          f"{nonzero} weights, {len(classes)} classes", file=sys.stderr)


if __name__ == "__main__":
    main()
