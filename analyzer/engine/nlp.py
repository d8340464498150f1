"""Token-level helpers: jieba for Chinese (with a user dictionary of telecom and contract
terms), a blank spaCy pipeline for English. Loaded lazily, once per process.

Detection does not use tokens (jieba splits "十二个|月" and "提前|60|天" unpredictably, so
patterns match normalized characters); tokens serve the clause keywords in reports
(``terms-scan --keywords``), notebooks and analysis.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import UsageError

USER_DICT = Path(__file__).parent / "data" / "userdict.txt"

_ZH_STOP = set(["的", "了", "和", "与", "及", "或", "在", "是", "为", "对", "将", "由", "按", "向", "从", "于", "其", "并", "等", "该", "本", "此", "之", "以", "被", "把", "也", "都", "而", "如", "若", "时", "后", "前", "中", "内", "上", "下", "甲方", "乙方", "用户", "客户", "我们", "您", "你", "公司", "协议", "规定", "约定", "相关", "进行", "应当", "可以", "需要", "有权", "应", "须", "如果", "因", "个"])
_DOMAIN_EN = {"fee", "fees", "term", "contract", "minimum", "cancel", "cancellation", "terminate", "termination",
              "refund", "renew", "renews", "renewal", "promotional", "credit", "credits", "arbitration",
              "deposit", "activation", "charge", "charges", "penalty", "months", "commitment", "throttle",
              "unlimited", "data", "liable", "liability", "waive", "auto-renew", "non-refundable"}


@lru_cache(maxsize=1)
def jieba_tokenizer() -> Any:
    """A jieba tokenizer with the project's user dictionary (dictionary cache in the user cache dir)."""
    try:
        import jieba
    except ImportError as err:  # pragma: no cover - a core dependency
        raise UsageError("Chinese tokens need jieba: pip install jieba") from err
    jieba.setLogLevel(60)
    tok = jieba.Tokenizer()
    cache_dir = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "terms-scan"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tok.tmp_dir = str(cache_dir)
    except OSError:
        pass  # fall back to jieba's default temp dir
    tok.load_userdict(str(USER_DICT))
    return tok


@lru_cache(maxsize=1)
def english_nlp() -> Any:
    """A blank English spaCy pipeline (tokenizer and sentencizer; no model download)."""
    try:
        import spacy
    except ImportError as err:  # pragma: no cover - a core dependency
        raise UsageError("English tokens need spaCy: pip install spacy") from err
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


@lru_cache(maxsize=1)
def _domain_zh() -> frozenset[str]:
    return frozenset(line.split()[0] for line in USER_DICT.read_text(encoding="utf-8").splitlines() if line.strip())


def tokens(text: str, lang: str) -> list[str]:
    """Word tokens of ``text`` (no spaces or punctuation)."""
    if lang == "zh":
        return [t for t in jieba_tokenizer().lcut(text) if t.strip() and any(c.isalnum() for c in t)]
    return [t.text for t in english_nlp().make_doc(text) if not t.is_space and not t.is_punct]


def keywords(text: str, lang: str, top: int = 6) -> list[str]:
    """The clause's telling words: domain terms first, then the longest other words, in order of appearance."""
    if lang == "zh":
        toks = tokens(text, "zh")
        domain = _domain_zh()
        cands = [t for t in toks if len(t) >= 2 and t not in _ZH_STOP and not t.replace(".", "").isdigit()]
        ranked = sorted(dict.fromkeys(cands), key=lambda t: (t not in domain, -len(t)))
    else:
        doc = english_nlp().make_doc(text)
        cands = [t.lower_ for t in doc if t.is_alpha and not t.is_stop and len(t) > 2]
        ranked = sorted(dict.fromkeys(cands), key=lambda t: (t not in _DOMAIN_EN, -len(t)))
    keep = set(ranked[:top])
    seen: list[str] = []
    for t in cands:
        if t in keep and t not in seen:
            seen.append(t)
    return seen
