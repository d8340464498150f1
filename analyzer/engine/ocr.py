"""Text from images (screenshots, photos of paper, scanned PDF pages), offline, Chinese and
English: RapidOCR 3 on onnxruntime, whose wheel carries its default models (PP-OCRv6 detection
and recognition). Installed with ``pip install 'terms-scan[ocr]'``; without it an image gets a
one-line error naming that extra, and a text-only scan never imports any of this.

Chosen over Debian's tesseract (chi_sim) after measuring both on our own rendered agreements
(issue 12): RapidOCR kept every finding of 28 phone screenshots and of two photo-like pages
(rotated 3°, JPEG quality 60), tesseract 98.9% with a 10x higher Chinese character error rate and
page confidences as low as 0.70 on clean pages; RapidOCR costs ~6 CPU s and ~1 GB a page.

A page's text is one paragraph a line: the recognizer's boxes become rows (a tilted photo's boxes
are rotated back by the page angle), rows join into paragraphs (CJK without a space, Latin with
one, "ex-\\nample" de-hyphenated) and a paragraph ends at a large gap, a clause number
(第X条, 1.2, （一）, (a), bullets), a sentence that ends short of the margin, or an indent.

Only the bundled default models may be used: any other model choice makes RapidOCR download at
start-up, which must never happen here (tests run it with the network refused)."""
from __future__ import annotations

import functools
import io
import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError

OCR_EXTRA = "pip install 'terms-scan[ocr]'"
MAX_PIXELS = 60_000_000  # a 60-megapixel image is a photo of a wall, not an agreement
MAX_SIDE = 2000          # the detector's longest side (RapidOCR's default; 4096 measured the same)


def available() -> bool:
    try:
        import onnxruntime  # noqa: F401
        import rapidocr  # noqa: F401
    except ImportError:
        return False
    return True


def require(source: str, what: str) -> None:
    if not available():
        raise InputError(f"{source}: {what}; reading it needs OCR, which is not installed: {OCR_EXTRA}")


@dataclass
class Line:
    text: str
    conf: float
    x0: float  # in the page's deskewed coordinates
    y0: float
    x1: float
    y1: float

    @property
    def h(self) -> float:
        return self.y1 - self.y0


def load_image(data: bytes, source: str) -> Any:
    """An RGB PIL image (EXIF orientation applied: phone photos), or InputError."""
    import warnings

    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():  # "Corrupt EXIF data": Pillow's warning, our one line below
            warnings.simplefilter("ignore")
            im: Image.Image = Image.open(io.BytesIO(data))
            im.load()
            im = ImageOps.exif_transpose(im)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as err:
        raise InputError(f"{source}: a damaged or unsupported image ({one_line(str(err))[:120]})") from err
    if im.mode in ("RGBA", "LA", "P"):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, im)
    return im.convert("RGB")


def one_line(s: str) -> str:
    return " ".join(s.split())


@functools.cache
def _engine() -> Any:
    import logging

    from rapidocr import RapidOCR

    # its log lines ("The text detection result is empty") are not for our users: a page
    # without text is reported by us, in one line
    logging.getLogger("RapidOCR").setLevel(logging.CRITICAL)
    return RapidOCR(params={
        "Global.log_level": "critical",
        "Global.max_side_len": MAX_SIDE,
        # one thread a process: two intra-op threads on two cores cost 30% more CPU for nothing;
        # pages go to parallel processes instead
        "EngineConfig.onnxruntime.intra_op_num_threads": 1,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    })


def ocr_page(image: Any) -> tuple[str, float]:
    """OCR one page (a PIL image): its text, one paragraph a line, and the recognizer's
    confidence averaged over its characters (0..1; 0 for a page without text)."""
    import numpy as np

    arr = np.asarray(image)[:, :, ::-1].copy()  # RGB -> BGR, as the engine expects
    out = _engine()(arr)
    items = [] if out.boxes is None else [
        (np.asarray(b, dtype=float), str(t), float(s)) for b, t, s in zip(out.boxes, out.txts, out.scores, strict=False)]
    lines = _rows(_deskewed(items))
    if not lines:
        return "", 0.0
    n = sum(len(x.text) for x in lines)
    conf = sum(x.conf * len(x.text) for x in lines) / max(1, n)
    return "\n".join(merge_paragraphs(lines)), conf


def _deskewed(items: list[tuple[Any, str, float]]) -> list[tuple[float, float, float, float, str, float]]:
    """The boxes as (x0, y0, x1, y1, text, score) with the page's tilt (the median slope of the
    long boxes' top edges) rotated away, so that rows are horizontal."""
    angles = []
    for b, _t, _s in items:
        dx, dy = b[1][0] - b[0][0], b[1][1] - b[0][1]
        w, h = math.hypot(dx, dy), math.hypot(b[3][0] - b[0][0], b[3][1] - b[0][1])
        if w > 3 * h and w > 0:
            angles.append(math.atan2(dy, dx))
    a = statistics.median(angles) if angles else 0.0
    ca, sa = math.cos(-a), math.sin(-a)
    boxes = []
    for b, t, s in items:
        xs = b[:, 0] * ca - b[:, 1] * sa
        ys = b[:, 0] * sa + b[:, 1] * ca
        boxes.append((float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()), t, s))
    return boxes


_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_END = re.compile(f"[{_CJK}]$")
_CJK_START = re.compile(f"^[{_CJK}]")


def join_pieces(a: str, b: str) -> str:
    """Two pieces of a line or a paragraph: no space beside CJK, one between Latin words; a
    hyphen at a line end joins the word when the next piece starts in lower case."""
    if not a or not b:
        return a or b
    if _CJK_END.search(a) or _CJK_START.search(b):
        return a + b
    if re.search(r"[A-Za-z]-$", a) and re.match(r"[a-z]", b):
        return a[:-1] + b
    return a + " " + b


def _rows(boxes: list[tuple[float, float, float, float, str, float]]) -> list[Line]:
    """Boxes into lines: one row when their vertical extents overlap by more than half the
    smaller height."""
    boxes = sorted(boxes, key=lambda b: (b[1] + b[3]) / 2)
    rows: list[list[tuple[float, float, float, float, str, float]]] = []
    for b in boxes:
        h = b[3] - b[1]
        for row in reversed(rows[-3:]):
            ry0 = statistics.median(r[1] for r in row)
            ry1 = statistics.median(r[3] for r in row)
            if min(ry1, b[3]) - max(ry0, b[1]) > 0.5 * min(h, ry1 - ry0):
                row.append(b)
                break
        else:
            rows.append([b])
    lines = []
    for row in rows:
        row.sort(key=lambda r: r[0])
        text = ""
        for r in row:
            text = join_pieces(text, r[4].strip())
        n = sum(max(1, len(r[4])) for r in row)
        conf = sum(r[5] * max(1, len(r[4])) for r in row) / n
        lines.append(Line(text, conf, min(r[0] for r in row), min(r[1] for r in row),
                          max(r[2] for r in row), max(r[3] for r in row)))
    lines.sort(key=lambda x: x.y0)
    return [x for x in lines if x.text.strip()]


CLAUSE_START = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇两\d]+[条章节款部分篇]"
    r"|[一二三四五六七八九十百]+[、.．]"
    r"|[（(]\s*[一二三四五六七八九十\d]+\s*[)）]"
    r"|\d+(?:\.\d+)*\s*[、.．)）](?!\d)"
    r"|\d+(?:\.\d+)+\s"
    r"|[a-zA-Z][.)]\s|\([a-zA-Z]\)"
    r"|[•·▪●○◦■□\-–—*]\s?"
    r"|(?:Section|Article|Clause|SECTION|ARTICLE)\s+\d"
    r"|[①②③④⑤⑥⑦⑧⑨⑩])")
_SENT_END = re.compile(r"[。！？；：.!?;:」』”\"）)]$")


def merge_paragraphs(lines: Sequence[Line]) -> list[str]:
    """Lines (top to bottom) into paragraphs."""
    if not lines:
        return []
    heights = [x.h for x in lines if x.h > 0]
    h = statistics.median(heights) if heights else 1.0
    gaps = [b.y0 - a.y1 for a, b in zip(lines, lines[1:], strict=False) if b.y0 - a.y1 > -0.5 * h]
    small = sorted(gaps)[: max(1, len(gaps) // 2)] if gaps else [0.0]
    g = statistics.median(small)  # the usual gap between two lines of one paragraph
    xs0, xs1 = sorted(x.x0 for x in lines), sorted(x.x1 for x in lines)
    left, right = xs0[len(xs0) // 10], xs1[min(len(xs1) - 1, len(xs1) * 9 // 10)]
    paras: list[str] = []
    cur = ""
    prev: Line | None = None
    for x in lines:
        if prev is not None and _new_paragraph(prev, x, g, h, left, right) and cur:
            paras.append(cur)
            cur = ""
        cur = join_pieces(cur, x.text.strip())
        prev = x
    if cur:
        paras.append(cur)
    return paras


def _new_paragraph(prev: Line, x: Line, g: float, h: float, left: float, right: float) -> bool:
    if x.y0 - prev.y1 > g + max(0.45 * h, 0.6 * g):
        return True  # a blank between paragraphs
    if CLAUSE_START.match(x.text):
        return True
    if prev.x1 < right - 2.5 * h and _SENT_END.search(prev.text):
        return True  # the previous line ended a sentence well short of the margin
    return x.x0 > left + 1.5 * h and prev.x0 <= left + 0.5 * h  # a first-line indent


def ocr_image_bytes(data: bytes, source: str) -> tuple[str, float]:
    """One image file: (text, confidence)."""
    return ocr_page(load_image(data, source))


def ocr_job(job: tuple[bytes, str]) -> tuple[str, float]:
    """A worker's job (top level, so that a process pool can run it)."""
    return ocr_image_bytes(*job)
