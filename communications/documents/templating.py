"""Fill `{{ key }}` placeholders in a Markdown body from the incident's key facts, and nothing else.

The renderer is a single regular-expression pass, not a template engine: a placeholder names one
fact and can read nothing but the mapping it is given. There are no attributes, indexes, filters,
tags, includes or comments; any of those inside `{{ }}`, `{% %}` or `{# #}` is a TemplateError.

Fact values are inserted as text, never as markup. Before insertion a value is made inert:
- runs of whitespace (line breaks included) become one space, so a value stays inside its line and
  cannot start a heading, list, quote or code block; control characters are dropped;
- `&`, `<` and `>` become `&amp;`, `&lt;` and `&gt;`, so no HTML tag, entity or autolink forms;
- the Markdown punctuation ``\\ ` * _ { } [ ] ( ) # ! |`` gets a backslash, so no emphasis, code,
  link, image, heading marker, table cell or placeholder forms;
- a leading `-` or `+` or a leading "12." also gets a backslash, so a value that begins a line
  (or a list item) cannot open a list.
Every character that could start a link, image, tag or entity is escaped on its own, so values
placed side by side cannot combine into one either.
The result is Markdown whose rendering (communications.documents.markup.body_to_html) shows the
value's characters exactly as typed.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

KEY_PATTERN = re.compile(r"[a-z_][a-z0-9_]*")
# Longest alternatives first; placeholders never span lines.
_TOKEN = re.compile(
    r"\{\{(?P<inner>[^\n]*?)\}\}"
    r"|(?P<open>\{\{)"
    r"|(?P<close>\}\})"
    r"|(?P<tag>\{%[^\n]*?%\}|\{%)"
    r"|(?P<comment>\{#[^\n]*?#\}|\{#)"
)
_PLACEHOLDER_INNER = re.compile(r"[ \t]*([a-z_][a-z0-9_]*)[ \t]*")
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#!|])")
_LINE_START_MARKER = re.compile(r"([-+])|(\d+)\.")


def missing_marker(key: str) -> str:
    """Return the visible marker that stands in for an unset fact."""
    return f"[[missing: {key}]]"


class TemplateError(ValueError):
    """A placeholder the sandbox refuses, with the line it is on."""

    def __init__(self, placeholder: str, line: int, reason: str):
        self.placeholder = placeholder
        self.line = line
        self.reason = reason
        super().__init__(f"Line {line}: {placeholder!r} {reason}")


@dataclass(frozen=True)
class RenderResult:
    """A rendered body and the facts it used or lacked, each in order of first use."""

    text: str
    used: tuple[str, ...]
    missing: tuple[str, ...]


def _scan(text: str):
    """Yield (match, key, error) for every brace construct in text; key is None on error."""
    for match in _TOKEN.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        found = match.group(0)
        if match.group("inner") is not None:
            inner = _PLACEHOLDER_INNER.fullmatch(match.group("inner"))
            if inner:
                yield match, inner.group(1), None
                continue
            reason = (
                "is empty; name a fact, like {{ hotline }}."
                if not match.group("inner").strip()
                else "is not a fact name: use {{ name }} with lowercase letters, digits and "
                "underscores only (no dots, brackets, filters or calls)."
            )
        elif match.group("open"):
            reason = "is not closed with '}}' on the same line."
        elif match.group("close"):
            reason = "closes a placeholder that was never opened with '{{'."
        elif match.group("tag"):
            reason = "is a template tag; only {{ fact }} placeholders are allowed."
        else:
            reason = "is a template comment; only {{ fact }} placeholders are allowed."
        yield match, None, TemplateError(found, line, reason)


def template_errors(text: str) -> list[TemplateError]:
    """Return every placeholder in text that the sandbox refuses."""
    return [error for _, _, error in _scan(text) if error is not None]


def validate_template(text: str) -> list[str]:
    """Return the error messages of every refused placeholder in text."""
    return [str(error) for error in template_errors(text)]


def placeholders_in(text: str) -> list[str]:
    """Return the fact keys text uses, in order of first use, skipping refused placeholders."""
    keys = (key for _, key, _ in _scan(text) if key is not None)
    return list(dict.fromkeys(keys))


def escape_fact(value: str) -> str:
    """Return value as Markdown that renders as exactly its characters (see module docstring)."""
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cc" or ch.isspace())
    value = " ".join(value.split())
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _MARKDOWN_PUNCTUATION.sub(r"\\\1", value)
    marker = _LINE_START_MARKER.match(value)
    if marker and marker.group(1):
        value = "\\" + value
    elif marker:
        value = f"{marker.group(2)}\\.{value[marker.end() :]}"
    return value


def render_placeholders(text: str, facts: Mapping[str, str]) -> RenderResult:
    """Return text with each placeholder replaced by its escaped fact, or a marker when unset.

    A fact is unset when it is absent from facts or blank. Raise TemplateError on the first
    refused placeholder.
    """
    scanned = list(_scan(text))
    # Refuse a broken template before reading any fact.
    for _, _, error in scanned:
        if error is not None:
            raise error
    pieces: list[str] = []
    used: dict[str, None] = {}
    missing: dict[str, None] = {}
    position = 0
    for match, key, _ in scanned:
        pieces.append(text[position : match.start()])
        position = match.end()
        value = facts.get(key)
        if value is not None and not isinstance(value, str):
            raise TypeError(f"Fact {key!r} must be text, not {type(value).__name__}.")
        if value is None or not value.strip():
            missing[key] = None
            pieces.append(missing_marker(key))
        else:
            used[key] = None
            pieces.append(escape_fact(value))
    pieces.append(text[position:])
    return RenderResult("".join(pieces), tuple(used), tuple(missing))
