"""The starter templates that ship with Beacon: Markdown files with TOML front matter.

A file opens with a front matter block between two `+++` lines:

    +++
    title = "Holding statement: ransomware"
    kind = "holding_statement"
    incident_types = ["ransomware"]
    language = "en"
    california = false
    description = "First public statement while systems are down."
    +++
    # Markdown body with {{ placeholders }}
"""

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from communications.documents.keyfacts import KEY_FACTS_BY_KEY
from communications.documents.kinds import DocumentKind
from communications.documents.templating import placeholders_in, validate_template

STARTER_TEMPLATE_DIR = Path(__file__).resolve().parent / "starter_templates"

# The incident types a starter template may be offered for.
STARTER_INCIDENT_TYPES = (
    "ransomware",
    "data_exfiltration",
    "system_outage",
    "lost_device",
    "insider_misuse",
    "vendor_breach",
    "other",
)

_FENCE = "+++"
_LANGUAGE = re.compile(r"[a-z]{2}(?:-[A-Z]{2})?")
_FIELDS = ("title", "kind", "incident_types", "language", "california", "description")


@dataclass(frozen=True)
class StarterTemplate:
    """One starter template, ready to copy into a new document."""

    slug: str
    title: str
    kind: str
    incident_types: tuple[str, ...]
    language: str
    california: bool
    description: str
    body: str
    placeholders: tuple[str, ...]


class StarterTemplateError(ValueError):
    """A starter template file that cannot be loaded, naming the file and the field."""

    def __init__(self, filename: str, field: str, problem: str):
        self.filename = filename
        self.field = field
        super().__init__(f"{filename}: {field}: {problem}")


def _split_front_matter(filename: str, source: str) -> tuple[str, str]:
    lines = source.splitlines(keepends=True)
    if not lines or lines[0].strip() != _FENCE:
        raise StarterTemplateError(filename, "front matter", "the file must start with '+++'.")
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == _FENCE:
            return "".join(lines[1:index]), "".join(lines[index + 1 :]).lstrip("\n")
    raise StarterTemplateError(filename, "front matter", "no closing '+++' line.")


def _check_fields(filename: str, meta: dict) -> None:
    def fail(field: str, problem: str) -> StarterTemplateError:
        return StarterTemplateError(filename, field, problem)

    unknown = sorted(set(meta) - set(_FIELDS))
    if unknown:
        raise fail(unknown[0], f"unknown field (expected {', '.join(_FIELDS)}).")
    for field in _FIELDS:
        if field not in meta:
            raise fail(field, "missing.")
    for field in ("title", "description", "kind", "language"):
        if not isinstance(meta[field], str) or not meta[field].strip():
            raise fail(field, "must be non-empty text.")
    if meta["kind"] not in DocumentKind.values:
        raise fail("kind", f"{meta['kind']!r} is not a document kind.")
    types = meta["incident_types"]
    if not isinstance(types, list) or not types:
        raise fail("incident_types", "must be a non-empty list.")
    for value in types:
        if value not in STARTER_INCIDENT_TYPES:
            raise fail("incident_types", f"{value!r} is not an incident type.")
    if not _LANGUAGE.fullmatch(meta["language"]):
        raise fail("language", f"{meta['language']!r} is not a language code like 'en' or 'es'.")
    if not isinstance(meta["california"], bool):
        raise fail("california", "must be true or false.")


def parse_starter_template(filename: str, source: str) -> StarterTemplate:
    """Return the starter template in source, or raise StarterTemplateError."""
    front, body = _split_front_matter(filename, source)
    try:
        meta = tomllib.loads(front)
    except tomllib.TOMLDecodeError as exc:
        raise StarterTemplateError(filename, "front matter", f"invalid TOML ({exc}).") from None
    _check_fields(filename, meta)
    if not body.strip():
        raise StarterTemplateError(filename, "body", "empty.")
    errors = validate_template(body)
    if errors:
        raise StarterTemplateError(filename, "body", errors[0])
    placeholders = placeholders_in(body)
    unknown = [key for key in placeholders if key not in KEY_FACTS_BY_KEY]
    if unknown:
        raise StarterTemplateError(
            filename, "body", f"placeholders that are not key facts: {', '.join(unknown)}."
        )
    return StarterTemplate(
        slug=Path(filename).stem,
        title=meta["title"].strip(),
        kind=meta["kind"],
        incident_types=tuple(meta["incident_types"]),
        language=meta["language"],
        california=meta["california"],
        description=meta["description"].strip(),
        body=body,
        placeholders=tuple(placeholders),
    )


def load_starter_templates(directory: Path | str | None = None) -> tuple[StarterTemplate, ...]:
    """Return every starter template in directory (the shipped set by default), by file name."""
    folder = Path(directory) if directory is not None else STARTER_TEMPLATE_DIR
    return tuple(
        parse_starter_template(path.name, path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.md"))
    )
