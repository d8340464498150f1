"""The pattern search on two cores (analyzer.engine.twocore, issue 12): a forked child searches
about half of the patterns; the report is the one a search in one process gives."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from analyzer.engine import twocore
from analyzer.engine.detect import BudgetExceeded
from analyzer.engine.extract import extract_path

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the split forks: Linux only")


def _report(scanner, doc, mode: str, monkeypatch, budget: float | None = None) -> str:
    monkeypatch.setenv(twocore.SPLIT_ENV, mode)
    return json.dumps(scanner.scan_document(doc, budget=budget).to_dict(), sort_keys=True, ensure_ascii=False)


def _agreements() -> list[Path]:
    from conftest import CORPORA

    folder = CORPORA / "agreements"
    if not folder.is_dir():
        return []
    picks = ("zh-telecom-ruwang-2020.txt", "zh-telecom-beijing-iphone-contract.txt", "zh-app-autorenew-service-agreement.txt",
             "en-xfinity-residential-agreement.md", "en-windstream-terms.md", "en-google-one-tos.md")
    return [folder / n for n in picks if (folder / n).is_file()]


@pytest.mark.parametrize("path", _agreements(), ids=lambda p: p.name)
def test_a_split_search_gives_the_report_of_one_process(path, scanner, monkeypatch):
    """Shared agreements, Chinese and English: every finding, protection, value, page and
    warning as in one process (the hits are put back together in the library's order)."""
    doc = extract_path(path)
    one = _report(scanner, doc, "0", monkeypatch)
    assert json.loads(one)["findings"], path.name
    assert _report(scanner, doc, "1", monkeypatch) == one


def _children() -> set[int]:
    """This process's child processes, zombies included (Linux: /proc)."""
    pid = os.getpid()
    kids: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids |= {int(k) for k in (task / "children").read_text().split()}
    return kids


def test_the_child_runs_its_share_in_another_process():
    share = [1, 3, 4]
    got = twocore.run(6, lambda i: (i, os.getpid()), share, pack=lambda r: r, unpack=lambda i, d: d)
    assert [i for i, _ in got] == list(range(6))
    assert {pid for i, pid in got if i in share} != {os.getpid()}
    assert all(pid == os.getpid() for i, pid in got if i not in share)


def test_a_child_that_dies_leaves_its_share_to_the_parent():
    parent = os.getpid()

    def job(i: int) -> int:
        if os.getpid() != parent:
            os._exit(3)  # the child dies before it answers
        return i * i

    before = _children()
    assert twocore.run(5, job, [0, 2], pack=lambda r: r, unpack=lambda i, d: d) == [0, 1, 4, 9, 16]
    assert _children() <= before  # no child left behind, not even a zombie


def test_a_budget_running_out_in_the_child_is_raised_here():
    parent = os.getpid()

    def job(i: int) -> int:
        if os.getpid() != parent:
            raise BudgetExceeded
        return i

    before = _children()
    with pytest.raises(BudgetExceeded):
        twocore.run(4, job, [1, 3], pack=lambda r: r, unpack=lambda i, d: d)
    assert _children() <= before


def test_an_error_in_the_parent_kills_and_reaps_the_child():
    import time

    parent = os.getpid()

    def job(i: int) -> int:
        if os.getpid() != parent:
            time.sleep(30)  # a child still at work when the parent gives up
            return i
        raise KeyError(i)

    before = _children()
    started = time.monotonic()
    with pytest.raises(KeyError):
        twocore.run(2, job, [1], pack=lambda r: r, unpack=lambda i, d: d)
    assert time.monotonic() - started < 10
    assert _children() <= before


def test_a_scan_out_of_budget_is_incomplete_either_way(scanner, monkeypatch):
    paths = _agreements()
    if not paths:
        pytest.skip("needs ../shared/corpora")
    doc = extract_path(paths[0])
    for mode in ("0", "1"):
        report = json.loads(_report(scanner, doc, mode, monkeypatch, budget=1e-6))
        assert report["complete"] is False, mode


def test_when_the_search_stays_in_one_process(monkeypatch):
    monkeypatch.delenv(twocore.SPLIT_ENV, raising=False)
    monkeypatch.setattr(twocore, "_cores", lambda: 2)
    monkeypatch.setattr(twocore, "_load", lambda: 0.3)
    costs = [9, 1, 5, 5, 3, 7]
    share = twocore.child_share(costs, 1_000_000)
    assert share and abs(sum(costs[i] for i in share) - sum(costs) / 2) <= max(costs)
    assert twocore.child_share(costs, 100) == []                 # too little text to pay for a fork
    monkeypatch.setenv(twocore.SPLIT_ENV, "1")
    assert twocore.child_share(costs, 100) == share              # forced (the tests)
    monkeypatch.setenv(twocore.SPLIT_ENV, "0")
    assert twocore.child_share(costs, 1_000_000) == []              # turned off
    monkeypatch.delenv(twocore.SPLIT_ENV)
    monkeypatch.setattr(twocore, "_load", lambda: 2.1)
    assert twocore.child_share(costs, 1_000_000) == []              # both cores busy
    monkeypatch.setattr(twocore, "_load", lambda: 1.6)
    assert twocore.child_share(costs, 1_000_000) == share           # one process at work beside us
    monkeypatch.setattr(twocore, "_load", lambda: 0.3)
    monkeypatch.setenv(twocore.SPLIT_ENV, "1")
    monkeypatch.setattr(twocore, "_cores", lambda: 1)
    assert twocore.child_share(costs, 1_000_000) == []              # one core
    monkeypatch.setattr(twocore, "_cores", lambda: 2)
    monkeypatch.setenv("TERMS_SCAN_IN_WORKER", "1")
    assert twocore.child_share(costs, 1_000_000) == []              # a pool's worker
    monkeypatch.delenv("TERMS_SCAN_IN_WORKER")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert twocore.child_share(costs, 1_000_000) == []          # another thread could hold a lock
    finally:
        stop.set()
        other.join()


def _cached_regexes(tmp_path: Path, mode: str, text: Path) -> int:
    env = {**os.environ, "TERMS_SCAN_CACHE_DIR": str(tmp_path / mode), twocore.SPLIT_ENV: mode}
    env.pop("TERMS_SCAN_NO_CACHE", None)
    env.pop("TERMS_SCAN_NO_REGEX_CACHE", None)
    out = subprocess.run([sys.executable, "-m", "analyzer.cli", str(text), "--format", "json"],
                         capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    code = ("import sys, marshal; from analyzer.engine import rxcache; p = rxcache.cache_path(); "
            "d = p.read_bytes(); print(len(marshal.loads(d[len(rxcache._MAGIC) + 32:])))")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert got.returncode == 0, got.stderr
    return int(got.stdout)


def test_the_regexes_the_child_compiled_are_kept_in_the_user_cache(tmp_path):
    """A forked child leaves without the exit handlers that write the regex cache: the
    parent keeps what it compiled, or its half of the library would be compiled on every run."""
    text = tmp_path / "agreement.txt"
    text.write_text("本套餐合约期为24个月，合约期内不得销户。提前解约的，须支付违约金300元。\n" * 40, encoding="utf-8")
    split, alone = _cached_regexes(tmp_path, "1", text), _cached_regexes(tmp_path, "0", text)
    assert split == alone > 100


def test_a_side_job_runs_beside_the_search_and_brings_back_its_result(scanner, monkeypatch):
    """The sentence model's scoring rides along with the pattern search (detect's ``side``): with
    the search split it may run in the child; its result comes back either way, the same."""
    import threading

    from analyzer.engine.detect import SideJob, detect
    from analyzer.engine.normalize import normalize
    from analyzer.engine.segment import split_sentences

    text = "本协议合约期为24个月，合约期内提前解约须支付违约金300元。\n" * 40
    from analyzer.engine.extract import extract_bytes

    doc = extract_bytes(text.encode("utf-8"), "side.txt", "text")
    norm = normalize(doc.text)
    sentences = split_sentences(norm.text)
    results = {}
    for mode in ("0", "1"):
        monkeypatch.setenv(twocore.SPLIT_ENV, mode)
        side = SideJob(lambda: (os.getpid(), len(sentences)), 300)
        if mode == "1":  # the side job is the child's (the last job of the list)
            monkeypatch.setattr(twocore, "child_share", lambda costs, n: [len(costs) - 1])
        found, _, _ = detect(doc, norm, sentences, scanner.patterns, side=side)
        results[mode] = (side.result, [(f.category, f.location.start) for f in found])
    assert results["0"][0] == (os.getpid(), len(sentences))
    assert results["1"][0][1] == len(sentences) and results["0"][1] == results["1"][1]
    if threading.active_count() == 1:  # the split forks only when no other thread runs
        assert results["1"][0][0] != os.getpid()
