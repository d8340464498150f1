"""Terminal text that wraps Chinese between characters (not only at spaces), keeps closing
punctuation off the start of a line, and hangs wrapped lines under their bullet; every string
stays a ``rich.text.Text`` (never markup)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, JustifyMethod, OverflowMethod
    from rich.containers import Lines
    from rich.measure import Measurement


def hang(text: Any, indent: int, width: int) -> Any:
    """Wrap ``text`` to ``width`` cells with a hanging indent: its first ``indent`` characters
    (spaces, a bullet) stay on the first line and the wrapped lines line up under the rest."""
    from rich.cells import cell_len

    prefix, body = text[:indent], text[indent:]
    room = width - max(indent, cell_len(prefix.plain))
    if room < 10:
        return wtext(text)
    out = wtext(prefix)
    for i, line in enumerate(_wrap_plain(body, room)):
        if i:
            out.append("\n" + " " * indent)
        out.append_text(line)
    return out


_CLOSING = set("，。、；：？！）》」』】〕〉”’…—%,.;:!?)]}·～")
_OPENING = set("（《「『【〔〈“‘([{")


def _wide(c: str) -> bool:
    import unicodedata

    return unicodedata.east_asian_width(c) in ("W", "F")


def _can_break(s: str, i: int) -> bool:
    """May a line start at s[i]? After a run of spaces, or beside a wide (CJK) character
    unless that would put closing punctuation first or leave opening punctuation last."""
    a, b = s[i - 1], s[i]
    if b.isspace():
        return False
    if a.isspace():
        return True
    if b in _CLOSING or a in _OPENING:
        return False
    return _wide(a) or _wide(b)


def _wrap_offsets(s: str, width: int) -> list[int]:
    """Where to cut one line of text so that no piece is wider than ``width`` cells."""
    from rich.cells import cell_len

    offsets: list[int] = []
    start, cells, last, i, n = 0, 0, 0, 0, len(s)
    while i < n:
        c = s[i]
        if i > start and _can_break(s, i):
            last = i
        w = cell_len(c)
        if cells + w > width and i > start and not c.isspace():
            cut = last if last > start else i
            offsets.append(cut)
            start, last = cut, cut
            cells = cell_len(s[start:i])
            continue
        cells += w
        i += 1
    return offsets


def _wrap_plain(text: Any, width: int) -> list[Any]:
    out = []
    for line in text.split("\n", allow_blank=True):
        for part in line.divide(_wrap_offsets(line.plain, width)):
            part.rstrip()
            out.append(part)
    return out


def safe_output(rendered: str, no_color: bool) -> str:
    """The last line of defence: no control character from the agreement reaches the terminal
    (rich's own colour codes are the only escapes kept)."""
    from ..safetext import ansi_only_sgr, visible

    return visible(rendered) if no_color else ansi_only_sgr(rendered)


def wtext(text: Any = "", style: str = "") -> Any:
    """A rich Text (never markup) that wraps Chinese between characters, not only at spaces."""
    t = _WText(style=style) if isinstance(text, str) else _WText(style=text.style)
    if isinstance(text, str):
        t.append(text)
    else:
        t.append_text(text)
    return t


def _make_wtext_class() -> type:
    from rich.containers import Lines
    from rich.measure import Measurement

    from ..safetext import SafeText

    class WText(SafeText):
        def wrap(self, console: Console, width: int, *, justify: JustifyMethod | None = None,
                 overflow: OverflowMethod | None = None, tab_size: int = 8, no_wrap: bool | None = None) -> Lines:
            if no_wrap or (no_wrap is None and self.no_wrap):
                return super().wrap(console, width, justify=justify, overflow=overflow, tab_size=tab_size,
                                    no_wrap=no_wrap)
            lines = Lines(_wrap_plain(self, max(1, width)))
            lines.justify(console, width, justify=justify or self.justify or "default",
                          overflow=overflow or self.overflow or "fold")
            return lines

        def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
            from rich.cells import cell_len

            plain = self.plain
            widest = max((cell_len(x) for x in plain.splitlines()), default=0)
            tokens = [t for t in _TOKENS.findall(plain) if t.strip()]
            return Measurement(min(widest, max((cell_len(t) for t in tokens), default=0)), widest)

    return WText


_TOKENS = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef][，。、；：？！）》」』】”’]*|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+")
_WText: Any = _make_wtext_class()
