"""Shared by the browser tests of the report and of the summary card."""
from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser")) if p), None)


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's headless Chromium; skipped without it unless TERMS_SCAN_REQUIRE_BROWSER=1 (.ci/run)."""
    if CHROMIUM is None:
        if os.environ.get("TERMS_SCAN_REQUIRE_BROWSER"):
            pytest.fail("TERMS_SCAN_REQUIRE_BROWSER is set but no chromium binary was found")
        pytest.skip("no chromium binary found (Debian: apt-get install chromium; .ci/run installs it)")
    return CHROMIUM
