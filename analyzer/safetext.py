"""Untrusted text stays text: control and bidi characters made visible in every human output.

An agreement (or a source id, a URL, a file name, an advert) can carry terminal escape
sequences (``ESC[2J`` clears the screen, ``ESC[8m`` hides text, OSC sequences set titles or
links), C1 controls that some terminals obey, and bidirectional overrides that make a clause
read differently from what it says. None of them may reach a person's screen as a control:

- :func:`visible` turns each into a visible escape (``\\x1b``, ``\\u202e``), keeping newlines
  and tabs, and replaces lone surrogates (which cannot be encoded) the same way;
- :class:`SafeText` and :class:`SafeConsole` apply it to every string that enters a rich
  renderable, so the terminal report and digest cannot be bypassed by a table cell or a plain
  ``console.print(str)``;
- :func:`ansi_only_sgr` is the last line of defence on a coloured terminal output: only the
  colour sequences rich itself writes (``ESC[…m``) survive, any other control is made visible.

Markdown, plain-text and HTML outputs pass whole through :func:`visible` (they contain no
legitimate control characters).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the classes that __getattr__ makes on first use, as a type checker sees them
    from rich.console import Console
    from rich.text import Text

    class SafeText(Text): ...

    class SafeConsole(Console): ...

# C0 except tab and newline, DEL, C1, the bidi embeddings/overrides/isolates and marks,
# the line/paragraph separators (they break lines where the reader does not expect it),
# and lone surrogates.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff]"
)
_UNSAFE_LINE = re.compile(_UNSAFE.pattern[:-1] + "\t\n]")


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def visible(text: Any, *, one_line: bool = False) -> str:
    """``text`` with every control, bidi and surrogate character shown as an escape
    (``\\x1b``). Newlines and tabs are kept unless ``one_line``."""
    s = text if isinstance(text, str) else str(text)
    return (_UNSAFE_LINE if one_line else _UNSAFE).sub(_escape, s)


def json_dumps(obj: Any, indent: int | None = 2) -> str:
    """JSON with non-ASCII text readable, but every control, bidi and surrogate character as a
    ``\\uXXXX`` escape: the same data for a parser, nothing a terminal obeys for ``cat``."""
    import json

    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(obj, ensure_ascii=False, indent=indent))


def has_unsafe(text: str) -> bool:
    return _UNSAFE.search(text) is not None


# The colour sequences rich writes: CSI parameters then 'm'. Anything else starting with ESC
# (or any other control) in a coloured output did not come from rich.
_SGR_OR_UNSAFE = re.compile("(\x1b\\[[0-9;]*m)|" + _UNSAFE.pattern)


def ansi_only_sgr(rendered: str) -> str:
    """A coloured terminal output with every control except rich's SGR colour codes made visible."""
    return _SGR_OR_UNSAFE.sub(lambda m: m.group(1) or _escape(m), rendered)


def _make_classes() -> tuple[type, type]:
    from rich.console import Console
    from rich.text import Text

    class SafeText(Text):
        """A rich Text whose plain strings never carry a control character."""

        def __init__(self, text: str = "", *args: Any, **kwargs: Any) -> None:
            super().__init__(visible(text), *args, **kwargs)

        def append(self, text: Any, style: Any = None) -> Text:
            if isinstance(text, str):
                text = visible(text)
            return super().append(text, style)

    class SafeConsole(Console):
        """A Console that makes the strings it turns into renderables safe (table cells, print)."""

        def render_str(self, text: str, *args: Any, **kwargs: Any) -> Any:
            return super().render_str(visible(text), *args, **kwargs)

    return SafeText, SafeConsole


_CLASSES: tuple[type, type] | None = None


def __getattr__(name: str) -> Any:  # rich is imported only when a terminal output is made
    global _CLASSES
    if name in ("SafeText", "SafeConsole"):
        if _CLASSES is None:
            _CLASSES = _make_classes()
        return _CLASSES[0] if name == "SafeText" else _CLASSES[1]
    raise AttributeError(name)
