"""What met an obligation, when it is a thing another app owns: a registry of obligation links.

Legal records an obligation as met with a reason, a filing reference, or a link to the thing that
met it. That thing lives in an app above incidents (a release of a document, in communications,
which owns the `ReleaseObligation` row linking the two), so the app registers an
`ObligationLink` in its `AppConfig.ready()`: the decide form offers its choices under
`field`, `obligation_decide(..., <field>=thing)` records the link, a reopen forgets it, and the
Deadlines tab says what met each obligation. incidents never imports the app.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class ObligationLink:
    """One kind of thing that can meet an obligation."""

    field: str  # the decide form's field and obligation_decide's keyword, e.g. "release"
    label: str  # the form field's label: "Satisfied by release"
    choices: Callable[..., Any]  # incident -> queryset of what may be chosen for its obligations
    record: Callable[
        ..., None
    ]  # (obligation, thing, actor) -> link them (in the caller's transaction)
    forget: Callable[..., None]  # obligation -> drop its link (it is reopened or decided again)
    describe: Callable[[Any], str]  # thing -> "release of 'Holding statement'" (the log's words)
    met_by: Callable[[list[int]], dict[int, str]]  # obligation ids -> what met each (one query)


_links: dict[str, ObligationLink] = {}


def register_obligation_link(link: ObligationLink) -> None:
    """Register a kind of thing that can meet an obligation (registering it again is a no-op)."""
    known = _links.get(link.field)
    if known is not None and known != link:
        raise ImproperlyConfigured(f"Two obligation links are named {link.field!r}.")
    _links[link.field] = link


def obligation_links() -> list[ObligationLink]:
    """Return the registered links, in the order they were registered."""
    return list(_links.values())


def met_by(obligation_ids: Iterable[int]) -> dict[int, str]:
    """Return, for each obligation met by a linked thing, what met it (one query per link)."""
    ids = list(obligation_ids)
    found: dict[int, str] = {}
    for link in _links.values():
        found.update(link.met_by(ids))
    return found
