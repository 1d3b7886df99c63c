"""Word-level redlines between two versions of a document body.

The diff runs in two passes so that long documents stay fast: lines are matched first, and only
the runs of lines that changed are compared word by word. Tokens carry their leading whitespace and
punctuation stands alone, so joining the tokens of either side gives back that side exactly.
"""

import html
import re
from difflib import SequenceMatcher
from typing import Literal

RedlineOp = Literal["equal", "insert", "delete"]

_TOKEN = re.compile(r"\s*\w+|\s*[^\w\s]|\s+")


def redline_tokens(text: str) -> list[str]:
    """Return text split into word, punctuation and trailing-whitespace tokens."""
    return _TOKEN.findall(text)


def _diff(old: list[str], new: list[str]):
    """Yield (op, old_slice, new_slice) for two token lists; replace is split in two."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "delete", "replace") and i1 < i2:
            yield ("equal" if tag == "equal" else "delete"), old[i1:i2]
        if tag in ("insert", "replace") and j1 < j2:
            yield "insert", new[j1:j2]


def redline(old: str, new: str) -> list[tuple[RedlineOp, str]]:
    """Return the word-level changes from old to new as (op, text) runs.

    Between two unchanged runs, the deleted text comes first and the inserted text second.
    """
    runs: list[tuple[RedlineOp, str]] = []
    pending: dict[RedlineOp, list[str]] = {"delete": [], "insert": []}

    def flush() -> None:
        for op in ("delete", "insert"):
            if text := "".join(pending[op]):
                runs.append((op, text))
            pending[op] = []

    def add(op: RedlineOp, parts: list[str]) -> None:
        if op != "equal":
            pending[op].extend(parts)
            return
        flush()
        if runs and runs[-1][0] == "equal":
            runs[-1] = ("equal", runs[-1][1] + "".join(parts))
        else:
            runs.append(("equal", "".join(parts)))

    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "replace":
            old_part, new_part = old_lines[i1:i2], new_lines[j1:j2]
            old_tokens, new_tokens = (
                redline_tokens("".join(old_part)),
                redline_tokens("".join(new_part)),
            )
            for op, parts in _diff(old_tokens, new_tokens):
                add(op, parts)
        else:
            for op, parts in _diff(old_lines[i1:i2], new_lines[j1:j2]):
                add(op, parts)
    flush()
    return runs


def _html_lines(text: str) -> str:
    return html.escape(text).replace("\n", "<br>\n")


def redline_html(old: str, new: str) -> str:
    """Return the redline from old to new as safe HTML with <del> and <ins> marks."""
    markup = {"equal": "{}", "insert": "<ins>{}</ins>", "delete": "<del>{}</del>"}
    return "".join(markup[op].format(_html_lines(text)) for op, text in redline(old, new))
