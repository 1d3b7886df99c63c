"""System checks for the account safeguards (`manage.py check`, `check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from .client_address import trusted_networks


@register(Tags.security)
def trusted_proxies_valid(app_configs, **kwargs):
    """Refuse a BEACON_TRUSTED_PROXIES entry that is not an address or network."""
    try:
        trusted_networks(tuple(settings.BEACON_TRUSTED_PROXIES))
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="beacon.E001")]
    return []


@register(Tags.security, deploy=True)
def trusted_proxies_set_behind_tls_proxy(app_configs, **kwargs):
    """Warn when Beacon sits behind a TLS proxy but trusts no proxy's X-Forwarded-For."""
    if settings.SECURE_PROXY_SSL_HEADER and not settings.BEACON_TRUSTED_PROXIES:
        return [
            Warning(
                "BEACON_TRUSTED_PROXIES is empty although BEACON_HTTPS=1 puts Beacon behind a "
                "TLS proxy: every login would seem to come from the proxy's address, so five "
                "wrong passwords from anywhere would lock the account for everyone.",
                hint="Set BEACON_TRUSTED_PROXIES to your reverse proxies' addresses, for "
                "example 127.0.0.1 (docs/OPERATIONS.md).",
                id="beacon.W001",
            )
        ]
    return []
