"""Shared fixtures: run the real command line, make PDFs, find the shared corpora."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"

sys.path.insert(0, str(Path(__file__).resolve().parent))

# the suite runs on as many workers as cores: a scan's search split over a forked child
# (analyzer.engine.twocore) would only compete with the other workers; tests/engine/test_twocore.py
# sets it itself
os.environ.setdefault("TERMS_SCAN_SPLIT", "0")

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser")) if p), None)


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's headless Chromium; skipped without it unless TERMS_SCAN_REQUIRE_BROWSER=1 (.ci/run)."""
    if CHROMIUM is None:
        if os.environ.get("TERMS_SCAN_REQUIRE_BROWSER"):
            pytest.fail("TERMS_SCAN_REQUIRE_BROWSER is set but no chromium binary was found")
        pytest.skip("no chromium binary found (Debian: apt-get install chromium; .ci/run installs it)")
    return CHROMIUM


@pytest.fixture
def run_cli():
    """Run ``python -m analyzer.cli ARGS`` in a fresh interpreter; returns CompletedProcess (bytes)."""

    def run(*args: str, input: bytes | str | None = None, env: dict | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
        full_env = dict(os.environ)
        full_env.pop("NO_COLOR", None)
        full_env.pop("TERMS_SCAN_DEBUG", None)
        full_env.pop("TERMS_SCAN_PATTERNS", None)
        full_env.update(env or {})
        if isinstance(input, str):
            input = input.encode("utf-8")
        return subprocess.run([sys.executable, "-m", "analyzer.cli", *args], input=input,
                              capture_output=True, env=full_env, cwd=cwd, timeout=120)

    return run


@pytest.fixture
def pdf_maker(tmp_path):
    pytest.importorskip("reportlab", reason="reportlab (a dev dependency) makes the test PDFs")
    from _pdf import make_pdf

    def make(pages: list[str], name: str = "agreement.pdf") -> Path:
        return make_pdf(tmp_path / name, pages)

    return make


@pytest.fixture(scope="module")
def score():
    """../shared/tools/score.py, imported (its matching is the project's measure of accuracy)."""
    tools = SHARED / "tools"
    sys.path.insert(0, str(tools))
    try:
        import score as score_mod
    finally:
        sys.path.remove(str(tools))
    return score_mod


@pytest.fixture(scope="module")
def scanner():
    from analyzer.engine.pipeline import Scanner

    return Scanner()


@pytest.fixture(scope="session")
def scanned():
    """``scanned(path)``: the default scanner's report of a file, scanned once a session. Several
    modules check the same shared agreements (corpus floors, advice, example sets); each full
    pass costs seconds, so they share the reports (read them, do not change them)."""
    from analyzer.engine.pipeline import default_scanner

    cache: dict[Path, object] = {}

    def scan(path: Path):
        key = Path(path).resolve()
        if key not in cache:
            cache[key] = default_scanner().scan_path(key)
        return cache[key]

    return scan
