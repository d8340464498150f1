"""A summary card to share in a chat app: the decision on one phone-width image.

``render_card_html`` gives the card as a self-contained page (inline CSS, no script, nothing
fetched); ``render_png`` photographs it in headless Chromium (Debian's ``chromium``, the browser
the tests already use) at 390 CSS px and 2x scale, and trims the empty space below it. Every
agreement-derived string is escaped, as in the HTML report.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..browser import NO_NETWORK, find_browser, last_error_line, run_browser
from ..errors import StateError, UsageError
from .highlight import _e
from .view import ReportView, build_view, unquoted

if TYPE_CHECKING:
    from ..model import Report

CARD_WIDTH = 390       # CSS px: a phone
CARD_SCALE = 2         # device pixels per CSS px: sharp on a phone screen
CARD_MAX_HEIGHT = 4000  # CSS px photographed; the empty rest is trimmed
CARD_REASONS = 4
CARD_QUESTIONS = 3
BROWSER_TIMEOUT = 60   # seconds

_CSS = """
*{box-sizing:border-box}
html,body{margin:0;background:#f4f4f4}
body{font:15px/1.45 "Noto Sans CJK SC","Noto Sans SC","WenQuanYi Micro Hei","PingFang SC","Microsoft YaHei",sans-serif;color:#1a1a1a}
.card{width:390px;padding:14px 16px 12px;background:#fff;overflow-wrap:anywhere;word-break:break-word}
h1{font-size:15px;margin:0 0 10px;color:#555;font-weight:600}
.top{display:flex;gap:12px;align-items:flex-start}
.grade{flex:none;width:52px;height:52px;border-radius:10px;font:700 32px/52px sans-serif;text-align:center;color:#fff;background:#777}
.grade-A{background:#1b7f3b}.grade-B{background:#5a9e2f}.grade-C{background:#c99a00}.grade-D{background:#d2452b}.grade-E{background:#8e1414}
.line{font-weight:700;font-size:16px}
h2{font-size:14px;margin:12px 0 4px;color:#333;border-top:1px solid #e5e5e5;padding-top:8px}
ul{margin:4px 0 0 0;padding-left:18px}li{margin:2px 0}
table{width:100%;border-collapse:collapse}td{padding:2px 0;vertical-align:top}td.num{text-align:right;font-weight:700;white-space:nowrap;padding-left:8px}
.dim{color:#666}.bad{color:#b3261e;font-weight:600}
footer{margin-top:10px;font-size:11px;color:#888}
"""


def render_card_html(report: Report, lang: str | None = None) -> str:
    """The summary card as one self-contained page (the same words as the reports)."""
    v = build_view(report, lang)
    e = _e
    body = [f"<h1>{e(v.title)}</h1>"]
    if v.verdict is None or not report.findings:
        body.append(f"<p>{e(v.s('no_findings'))}</p>")
    else:
        vd = v.verdict
        grade = e(vd.grade) if vd.assessed and vd.grade else "–"
        cls = f"grade-{e(vd.grade)}" if vd.assessed and vd.grade else ""
        reasons = "".join(f"<li>{e(r.text)}</li>" for r in vd.reasons[:CARD_REASONS])
        body.append(f'<div class="top"><div class="grade {cls}">{grade}</div>'
                    f'<div><div class="line">{e(vd.line)}</div></div></div>'
                    + (f"<ul>{reasons}</ul>" if reasons else ""))
        body.extend(_exit_cost_html(v))
        body.extend(_contradictions_html(v))
        if v.questions:
            items = "".join(f"<li>{e(q.ask or q.text)}</li>" for q in v.questions[:CARD_QUESTIONS])
            body.append(f"<h2>{e(v.s('card_ask'))}</h2><ol>{items}</ol>")
    body.append(f"<footer>{e(v.s('card_footer'))}</footer>")
    return (f'<!DOCTYPE html>\n<html lang="{e(v.lang)}"><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'
            f'<meta name="viewport" content="width={CARD_WIDTH}"><title>{e(v.title)}</title>'
            f"<style>{_CSS}</style></head>\n<body><div class=\"card\">" + "".join(body) + "</div></body></html>\n")


def _exit_cost_html(v: ReportView) -> list[str]:
    if v.exit_cost is None:
        return []
    rows = "".join(f"<tr><td>{_e(r.label)}</td><td class=\"num\">{_e(r.cost)}</td></tr>" for r in v.exit_cost.rows)
    return [f"<h2>{_e(v.s('card_exit'))}</h2><table>{rows}</table>"]


def _contradictions_html(v: ReportView) -> list[str]:
    bad = [c for c in (v.offer.claims if v.offer is not None else ()) if c.status == "contradicted"]
    if not bad:
        return []
    items = "".join(f'<li><span class="bad">{_e(c.status_word)}</span> {_e(unquoted(c.explanation))}</li>' for c in bad)
    return [f"<h2>{_e(v.s('card_advert'))}</h2><ul>{items}</ul>"]


def render_png(report: Report, lang: str | None = None, browser: str | None = None) -> bytes:
    """The summary card as PNG bytes (780 px wide). Needs headless Chromium; nothing is fetched."""
    browser = browser or find_browser()
    if browser is None:
        raise UsageError("--format png needs Chromium to draw the card (Debian: apt-get install chromium, "
                         "or set TERMS_SCAN_CHROMIUM); --format html makes a page you can open and share")
    with tempfile.TemporaryDirectory(prefix="terms-scan-card-") as tmp:
        page = Path(tmp) / "card.html"
        page.write_text(render_card_html(report, lang), encoding="utf-8")
        shot = Path(tmp) / "card.png"
        _photograph(browser, page, shot)
        return _trim(shot.read_bytes())


def _photograph(browser: str, page: Path, shot: Path) -> None:
    done = run_browser(browser, [NO_NETWORK, f"--force-device-scale-factor={CARD_SCALE}",
                                 f"--window-size={CARD_WIDTH},{CARD_MAX_HEIGHT}", f"--screenshot={shot}",
                                 page.as_uri()], BROWSER_TIMEOUT, "draw the card")
    if done.returncode != 0 or not shot.is_file():
        raise StateError(f"Chromium could not draw the card (exit {done.returncode}): {last_error_line(done)}")


def _trim(png: bytes) -> bytes:
    """Cut the page background below the card (the window is taller than any card)."""
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    card_w = min(img.width, CARD_WIDTH * CARD_SCALE)
    # the card is white on a grey page: its last row is the last with white at the left edge
    px = img.load()
    assert px is not None  # an image made by convert() is loaded
    bottom = img.height
    while bottom > 1 and px[2, bottom - 1] != (255, 255, 255):
        bottom -= 1
    out = io.BytesIO()
    img.crop((0, 0, card_w, max(bottom, 1))).save(out, format="PNG", optimize=True)
    return out.getvalue()
