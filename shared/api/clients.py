"""Who is calling: the client address behind trusted reverse proxies.

Rate limits and audit logs key on the client's address. Behind a load balancer every request
arrives from the balancer, so the real client is in ``X-Forwarded-For`` — but that header is
whatever the client sent, plus one entry appended by each proxy on the way. Only entries added by
proxies we trust can be believed, so the list is read from the right: skip every address that is
one of our proxies; the first one that is not is the client as our outermost proxy saw it.
Without configured proxies the header is ignored entirely and the TCP peer is the client
(the same rule as nginx's ``real_ip_recursive`` and Rails' ``remote_ip``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import HTTPConnection

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """Comma-separated addresses or CIDR blocks (``10.0.0.0/8, 127.0.0.1``); ``ValueError`` names a bad one."""
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or CIDR block: {part!r}") from None
    return tuple(networks)


def _address(text: str) -> IPAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: IPAddress, proxies: Sequence[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address(conn: HTTPConnection, trusted_proxies: Sequence[IPNetwork] = ()) -> str:
    """The calling client's IP address, as text; ``"unknown"`` when the server cannot tell."""
    peer_text = conn.client.host if conn.client else ""
    peer = _address(peer_text)
    if peer is None:
        return peer_text[:100] or "unknown"
    if not trusted_proxies or not _trusted(peer, trusted_proxies):
        return str(peer)
    hops = [h for value in conn.headers.getlist("x-forwarded-for") for h in value.split(",")]
    client = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # Not written by one of our proxies (they write addresses): stop at the last one we trust.
            break
        client = address
        if not _trusted(address, trusted_proxies):
            break
    return str(client)
