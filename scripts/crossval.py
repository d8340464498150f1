"""Leave one round out: how the sentence model's veto and its own findings do on annotated
agreements it was not trained on, per category and language (how modeldetect.DEFAULT_CATEGORIES
and VETO_FLOOR were chosen; run it again when rounds are added).

    pip install -e '.[train]'
    python scripts/crossval.py --base ../shared/corpora/agreements --base DIR \
        --round R4 --round R5 --round R6 [--lang zh] [--keep-models DIR [--reuse]]

Each --round DIR (documents + gold.jsonl) is left out in turn: a model is trained by
scripts/train_sentences.py on every --base and the other rounds (with the shipped options),
and the round is scored three ways, in-process: the patterns alone, the default (the veto, and
the model's findings in DEFAULT_CATEGORIES of the document's language) and --model (its
findings in every category). The table gives each category's F1 per round and way; ``gain``
marks a category whose F1 with the model's findings in every category is above the default's
in every round (a candidate for DEFAULT_CATEGORIES), ``loss`` one where it is below in every
round. --lang keeps one language's documents. Never give it ../shared/corpora/test.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from score_dev import clauses  # noqa: E402

from analyzer.engine.pipeline import Scanner  # noqa: E402
from analyzer.engine.sentmodel import SentenceModel  # noqa: E402

TRAIN_OPTIONS = ["--examples", "--ngram", "2,4", "--prune", "0.03", "--threshold", "0.9", "--keep", "40000"]
WAYS = ("patterns", "default", "all")


def one_language(src: Path, lang: str, into: Path) -> Path:
    """A folder holding the documents of ``src`` in ``lang`` (by the name's prefix) and their gold."""
    into.mkdir(parents=True, exist_ok=True)
    gold = [json.loads(x) for x in (src / "gold.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    keep = [g for g in gold if g["doc"].startswith(f"{lang}-")]
    for name in {g["doc"] for g in keep}:
        (into / name).symlink_to((src / name).resolve())
    (into / "gold.jsonl").write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in keep), encoding="utf-8")
    return into


def train(base: list[Path], rounds: list[Path], out: Path, reuse: bool = False) -> SentenceModel:
    if reuse and out.exists():  # a model this script trained before on the same rounds
        return SentenceModel.from_bytes(out.read_bytes())
    cmd = [sys.executable, str(ROOT / "scripts" / "train_sentences.py")]
    for d in [*base, *rounds]:
        cmd += ["--gold", str(d)]
    subprocess.run([*cmd, *TRAIN_OPTIONS, "--out", str(out)], check=True, capture_output=True)
    return SentenceModel.from_bytes(out.read_bytes())


def score(root: Path, model: SentenceModel, way: str) -> dict:
    scanner = Scanner(model=False)
    if way != "patterns":
        scanner.model, scanner.every_category = model, way == "all"
    with contextlib.redirect_stdout(io.StringIO()):
        return clauses(root, scanner)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", action="append", type=Path, default=[], help="always in the training data")
    ap.add_argument("--round", action="append", type=Path, default=[], dest="rounds", help="left out in turn")
    ap.add_argument("--lang", choices=("zh", "en"))
    ap.add_argument("--keep-models", type=Path, help="keep the trained models here")
    ap.add_argument("--try", dest="try_cats", action="append", default=[], metavar="LANG=CAT,CAT",
                    help="score the default with these categories of the model's findings for LANG instead of "
                         "modeldetect.DEFAULT_CATEGORIES (an empty list: LANG=)")
    ap.add_argument("--reuse", action="store_true",
                    help="use the models already kept in --keep-models (same --base and --round list) instead of training")
    a = ap.parse_args()
    from analyzer.engine import modeldetect

    for t in a.try_cats:
        lang, _, cats = t.partition("=")
        modeldetect.DEFAULT_CATEGORIES = {**modeldetect.DEFAULT_CATEGORIES,
                                          lang: frozenset(c for c in cats.split(",") if c)}
    if len(a.rounds) < 2:
        raise SystemExit("give two or more --round folders")
    if any(p.resolve().name == "test" or "/corpora/test" in str(p.resolve()) for p in [*a.base, *a.rounds]):
        raise SystemExit("the test split is for measurement only")
    tmp = Path(tempfile.mkdtemp(prefix="terms-scan-cv-"))
    models = a.keep_models or tmp
    models.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, dict]] = {}
    for i, r in enumerate(a.rounds):
        others = [x for j, x in enumerate(a.rounds) if j != i]
        model = train(a.base, others, models / f"without-{i}-{r.parent.name}-{r.name}.bin.gz", a.reuse and a.keep_models is not None)
        root = one_language(r, a.lang, tmp / f"round-{i}") if a.lang else r
        key = f"{i}:{r.parent.name}/{r.name}"
        results[key] = {way: score(root, model, way) for way in WAYS}
        micro = "  ".join(f"{w} {results[key][w]['micro']['f1']:.3f}" for w in WAYS)
        print(f"{key}: micro-F1 {micro}", flush=True)
    cats = sorted({c for per in results.values() for w in per.values() for c in w["categories"]})
    print(f"\nF1 per round: patterns / default / all{' (' + a.lang + ' documents)' if a.lang else ''}")
    for c in cats:
        cells, signs = [], []
        for per in results.values():
            f = [per[w]["categories"].get(c, {}).get("f1") for w in WAYS]
            gold = per["patterns"]["categories"].get(c, {})
            if not gold or gold["tp"] + gold["fn"] == 0:
                cells.append("   -/   -/   -")
                continue
            cells.append("/".join(f"{x:4.2f}" for x in f))
            signs.append((f[2] or 0) - (f[1] or 0))
        mark = "gain" if signs and all(s > 0 for s in signs) else "loss" if signs and all(s < 0 for s in signs) else ""
        print(f"{c:24} {'  '.join(cells)}  {mark}")


if __name__ == "__main__":
    main()
