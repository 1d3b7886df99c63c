"""Playbook tasks per incident type, shipped as data in playbooks.toml."""

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .models import CommandRole, IncidentType

PLAYBOOK_FILE = Path(__file__).with_name("playbooks.toml")


@dataclass(frozen=True)
class PlaybookStep:
    key: str
    title: str
    detail: str
    owner_role: str
    due_minutes: int | None
    types: frozenset[str] | None


@functools.cache
def playbook_steps() -> tuple[PlaybookStep, ...]:
    """Return every shipped playbook step, validated."""
    data = tomllib.loads(PLAYBOOK_FILE.read_text())
    steps = []
    for raw in data["task"]:
        types = frozenset(raw["types"]) if "types" in raw else None
        unknown = (types or frozenset()) - set(IncidentType.values)
        if unknown or raw.get("owner_role", "") not in {"", *CommandRole.values}:
            raise ValueError(
                f"playbooks.toml: task {raw.get('key')!r} names an unknown type or role"
            )
        steps.append(
            PlaybookStep(
                key=raw["key"],
                title=raw["title"],
                detail=raw.get("detail", ""),
                owner_role=raw.get("owner_role", ""),
                due_minutes=raw.get("due_minutes"),
                types=types,
            )
        )
    return tuple(steps)


def steps_for(incident_type: str) -> list[PlaybookStep]:
    """Return the playbook steps that apply to an incident type, in order."""
    return [s for s in playbook_steps() if s.types is None or incident_type in s.types]
