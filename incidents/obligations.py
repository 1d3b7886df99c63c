"""Obligations: the notification deadlines an incident owes (filled in by the clocks work)."""


def obligations_recompute(*, incident, actor, reason: str) -> None:
    """Recompute the incident's obligations in the caller's transaction."""
