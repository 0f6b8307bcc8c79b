"""Text from outside (a partner's file name, segment, message) made safe to print.

Every layer shows such text (mapping findings, transport file names, the desk and the CLI),
so it sits at the top level, where no layer has to depend on another to use it.
"""

from __future__ import annotations

__all__ = ["shown"]


def shown(text: str, *, backslashes: bool = True) -> str:
    """``text`` as a terminal may print it: control and format characters (a newline, ESC,
    a right-to-left override) and backslashes written as Python escapes (``\\n``,
    ``\\x1b``, ``\\u202e``), so one name stays one field of one line. A message whose
    values are already ``repr``-escaped keeps its backslashes (``backslashes=False``)."""
    if text.isprintable() and not (backslashes and "\\" in text):
        return text
    return "".join(ch.encode("unicode_escape").decode("ascii")
                   if not ch.isprintable() or (backslashes and ch == "\\") else ch for ch in text)
