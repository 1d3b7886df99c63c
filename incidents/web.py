"""Web helpers shared by every app's views: one way to call a service and report what it did."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError


def attach_service_errors(form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form, per field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def call_service(
    request,
    call: Callable[..., Any],
    *,
    form=None,
    success: str | Callable[[Any], str] | None = None,
) -> bool:
    """Run one service call and report it to the user; return whether it succeeded.

    With a form, the form is validated first and `call(form.cleaned_data)` runs only when it is
    valid; without one, `call()` runs. The one error policy for every app: a ValidationError
    (bad input, an illegal move) and a PermissionDenied raised by the service (a refusal such as
    "verify your second factor first") are both shown to the user, on the form when there is
    one and as an error message otherwise, and nothing is saved (the service's transaction rolled
    back). Refusals a view decides before calling a service (role, visibility) stay 403/404.
    On success, `success` (a string, or a function of the service's result) becomes a message.
    """
    if form is not None and not form.is_valid():
        return False
    try:
        result = call(form.cleaned_data) if form is not None else call()
    except ValidationError as exc:
        if form is not None:
            attach_service_errors(form, exc)
        else:
            messages.error(request, " ".join(exc.messages))
        return False
    except PermissionDenied as exc:
        reason = str(exc) or "You may not do that."
        if form is not None:
            form.add_error(None, reason)
        else:
            messages.error(request, reason)
        return False
    if success is not None:
        messages.success(request, success(result) if callable(success) else success)
    return True
