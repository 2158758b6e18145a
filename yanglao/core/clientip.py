"""The real client address behind the reverse proxy: one function for the login log, the throttles and
the audit trail.

`X-Forwarded-For` is believed only when the immediate peer (`REMOTE_ADDR`) is one of the configured
`YANGLAO_TRUSTED_PROXIES` (addresses or CIDR networks). Then the header is read from the right: each
address appended by a trusted proxy is skipped, and the first one that is not trusted is the client.
Anything left of it was written by the client itself and is ignored. Without trusted proxies the header
is never read, so a client cannot choose the address its limits are counted against.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def trusted_proxies() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def _address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request: Any) -> str | None:
    """The address to log, audit and count limits against (None when the request has none)."""
    meta = getattr(request, "META", {})
    peer = _address(meta.get("REMOTE_ADDR"))
    if peer is None:
        return None
    networks = trusted_proxies()
    if not networks or not _trusted(peer, networks):
        return str(peer)
    client = peer
    for hop in reversed(meta.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break  # a malformed entry can only come from beyond the trusted chain: stop at the last trusted hop
        client = address
        if not _trusted(address, networks):
            break
    return str(client)
