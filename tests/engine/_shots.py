"""Phone screenshots of an agreement for the OCR tests: the text drawn by headless Chromium at
390 CSS px and 2x scale in a CJK font, cut into pages at blank rows, like a buyer's screenshots
of an app's agreement page. Also a photo-like copy (rotated, JPEG) and an image-only PDF."""
from __future__ import annotations

import html
import io
import shutil
import subprocess
from pathlib import Path

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser")) if p), None)
PAGE_PX = 3600  # device pixels a screenshot page (1800 CSS px)


def has_cjk_font() -> bool:
    fc = shutil.which("fc-list")
    if fc is None:
        return False
    out = subprocess.run([fc, ":lang=zh"], capture_output=True, text=True, timeout=30).stdout
    return bool(out.strip())


def screenshots(text: str, tmp: Path, name: str = "shot") -> list[Path]:
    """The text as phone screenshots (PNG), in reading order."""
    from PIL import Image

    page = tmp / f"{name}.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><style>html{width:390px;background:#fff}'
        'body{margin:14px;font:15px/1.6 "Noto Sans CJK SC","Noto Sans SC",sans-serif;white-space:pre-wrap;'
        f'color:#111}}</style></head><body>{html.escape(text)}</body></html>', encoding="utf-8")
    full = tmp / f"{name}-full.png"
    height = 200 + 40 * len(text) // 20  # generous: trimmed below
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--hide-scrollbars", f"--user-data-dir={tmp / 'chromium-profile'}",
                    "--force-device-scale-factor=2", f"--window-size=390,{min(height, 16000)}",
                    f"--screenshot={full}", page.as_uri()], capture_output=True, timeout=180, check=True)
    img = Image.open(full).convert("L")
    px = img.load()
    rows = [all(px[x, y] > 245 for x in range(0, img.width, 4)) for y in range(img.height)]
    bottom = max((y for y, blank in enumerate(rows) if not blank), default=0) + 24
    pages, top = [], 0
    while top < bottom:
        cut = min(top + PAGE_PX, bottom)
        if cut < bottom:  # cut at a blank row, not through a line of text
            cut = next((y for y in range(cut, top + PAGE_PX // 2, -1) if rows[y]), cut)
        out = tmp / f"{name}-{len(pages) + 1}.png"
        Image.open(full).convert("RGB").crop((0, top, img.width, cut)).save(out)
        pages.append(out)
        top = cut
    return pages


def photo_like(png: Path, out: Path) -> Path:
    """A photo of a screen or of paper: rotated 3 degrees, JPEG quality 60."""
    from PIL import Image

    img = Image.open(png).convert("RGB").rotate(3, expand=True, fillcolor=(235, 235, 230))
    img.save(out, format="JPEG", quality=60)
    return out


def image_pdf(pngs: list[Path], out: Path) -> Path:
    """An image-only PDF (no text layer), one page an image: a scanned agreement."""
    from PIL import Image

    imgs = [Image.open(p).convert("RGB") for p in pngs]
    buf = io.BytesIO()
    imgs[0].save(buf, format="PDF", save_all=True, append_images=imgs[1:], resolution=144)
    out.write_bytes(buf.getvalue())
    return out
