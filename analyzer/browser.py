"""Headless Chromium, the one browser terms-scan drives: it photographs the summary card
(``--format png``) and builds JavaScript-written pages for the weekly watch (``render: browser``).

Debian's ``chromium`` is the browser the tests install; ``$TERMS_SCAN_CHROMIUM`` names another
binary. Every run gets a throw-away profile, no extensions, no sync, no background networking,
and a wall-clock limit; a browser that fails is one line (``StateError``)."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import StateError

# flags for every run: a clean, quiet, throw-away browser (root in a container needs --no-sandbox)
BASE_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-extensions", "--disable-default-apps", "--no-pings", "--hide-scrollbars",
              "--mute-audio", "--disable-notifications")
NO_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND"  # for pages that must fetch nothing
SCRIPT_BUDGET_MS = 8000   # virtual time the page's scripts and timers get before the DOM is read


def find_browser() -> str | None:
    """Headless Chromium: $TERMS_SCAN_CHROMIUM, else chromium / chromium-browser / google-chrome on PATH."""
    env = os.environ.get("TERMS_SCAN_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)


def run_browser(browser: str, args: list[str], timeout: float, what: str) -> subprocess.CompletedProcess[bytes]:
    """Run Chromium with the base flags, a fresh profile and ``args``; ``what`` names the job in
    errors ("draw the card", "build the page …"). Raises StateError on a timeout or a failed start."""
    with tempfile.TemporaryDirectory(prefix="terms-scan-chromium-") as profile:
        cmd = [browser, *BASE_FLAGS, f"--user-data-dir={profile}", *args]
        try:
            return subprocess.run(cmd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as err:
            raise StateError(f"Chromium did not {what} within {timeout:g} s") from err
        except OSError as err:
            raise StateError(f"cannot start Chromium ({browser}): {err.strerror or err}") from err


def last_error_line(done: subprocess.CompletedProcess[bytes]) -> str:
    tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
    return tail[0][:200]


def dump_dom(url: str, timeout: float = 60.0, max_bytes: int = 20_000_000, browser: str | None = None) -> bytes:
    """The page at ``url`` (http(s) or file) as HTML after its scripts ran: the DOM Chromium
    built, serialized. Raises StateError when there is no browser, it fails, times out, or the
    page is larger than ``max_bytes``."""
    browser = browser or find_browser()
    if browser is None:
        raise StateError("render: browser needs Chromium (Debian: apt-get install chromium, or set "
                         "TERMS_SCAN_CHROMIUM)")
    done = run_browser(browser, [f"--virtual-time-budget={SCRIPT_BUDGET_MS}", "--dump-dom", url], timeout,
                       f"build the page {url}")
    if done.returncode != 0 or not done.stdout.strip():
        raise StateError(f"Chromium could not build the page {url} (exit {done.returncode}): {last_error_line(done)}")
    if len(done.stdout) > max_bytes:
        raise StateError(f"the page built by Chromium is larger than {max_bytes / 1_000_000:g} MB ({url})")
    return done.stdout
