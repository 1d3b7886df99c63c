"""One status move for every status table: allowed moves are data, refusals name both states."""

from collections.abc import Collection, Mapping

from django.core.exceptions import ValidationError
from django.db.models import TextChoices


def transition(
    obj,
    to: str,
    *,
    table: Mapping[str, Collection[str]],
    choices: type[TextChoices],
    subject: str,
    field: str = "status",
) -> bool:
    """Set `obj.<field>` to `to` if `table` allows the move; return False if nothing changes.

    Refuse an unknown state or an illegal move with a ValidationError that names the subject,
    where it is, where it was asked to go and where it may go. The caller saves and logs.
    """
    if to not in choices.values:
        raise ValidationError(f"Unknown status {to!r} for {subject.lower()}.")
    current = getattr(obj, field)
    if current == to:
        return False
    allowed = table.get(current, ())
    if to not in allowed:
        names = ", ".join(choices(s).label.lower() for s in sorted(allowed)) or "none"
        raise ValidationError(
            f"{subject} is {choices(current).label.lower()}; it cannot become "
            f"{choices(to).label.lower()} (allowed: {names})."
        )
    setattr(obj, field, to)
    return True
