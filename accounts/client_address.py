"""The client's address behind reverse proxies, for login lockouts (django-axes).

`X-Forwarded-For` is a list anyone can start: a client may send its own, and an appending proxy
(nginx `$proxy_add_x_forwarded_for`) adds the address it saw at the end, while an overwriting
proxy (`X-Forwarded-For $remote_addr`) replaces it. Only entries added by our own proxies can be
believed. So the header is read only when the direct peer (REMOTE_ADDR) is one of
BEACON_TRUSTED_PROXIES, and then from the right: the first address that is not a trusted proxy
is the client. Entries left of it were written by the client and are ignored. This is the rule
of RFC 7239 section 7.4 and of most web frameworks' "trusted proxies" settings; counting hops
from the left, as ipware's proxy count does, let a client choose its own address or made it
None for every request.
"""

import functools
import ipaddress
import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """Return BEACON_TRUSTED_PROXIES entries (addresses or CIDR networks) as networks."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"BEACON_TRUSTED_PROXIES: {entry!r} is not an IP address or network ({exc})"
            ) from None
    return tuple(networks)


def parse_address(value: str | None) -> Address | None:
    """Return an address from a header value ("[::1]" and IPv4-mapped IPv6 included), or None."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_address(request) -> str | None:
    """Return the address of the client that sent the request (AXES_CLIENT_IP_CALLABLE)."""
    remote_addr = request.META.get("REMOTE_ADDR")
    peer = parse_address(remote_addr)
    if peer is None:
        return remote_addr or None
    networks = trusted_networks(tuple(settings.BEACON_TRUSTED_PROXIES))
    if not _is_trusted(peer, networks):
        return str(peer)  # not through our proxy: whatever it says in headers is its own claim
    client = peer
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            if hop.strip():
                logger.warning("unreadable X-Forwarded-For entry from a trusted proxy")
            break
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)
