"""The client address behind trusted proxies: X-Forwarded-For is believed only as far as our proxies wrote it."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from shared.api.clients import client_address, parse_networks
from shared.settings import ServiceSettings


def request(peer: str | None, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": headers,
        "client": (peer, 51234) if peer is not None else None,
    }
    return Request(scope)


PROXIES = parse_networks("10.0.0.0/8, 192.168.1.5, fd00::/8")


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address(request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_a_header_from_an_untrusted_peer_is_ignored() -> None:
    assert client_address(request("203.0.113.7", "198.51.100.1"), PROXIES) == "203.0.113.7"


def test_behind_one_trusted_proxy_the_entry_it_appended_is_the_client() -> None:
    assert client_address(request("10.1.2.3", "198.51.100.1"), PROXIES) == "198.51.100.1"


def test_a_client_cannot_choose_its_address_by_sending_the_header_itself() -> None:
    # The client sent "1.2.3.4"; our proxy appended the address it really saw.
    forged = request("10.1.2.3", "1.2.3.4, 198.51.100.1")
    assert client_address(forged, PROXIES) == "198.51.100.1"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right() -> None:
    chain = request("10.0.0.1", "1.2.3.4, 198.51.100.1, 192.168.1.5, 10.9.9.9")
    assert client_address(chain, PROXIES) == "198.51.100.1"


def test_several_header_lines_count_as_one_list() -> None:
    assert client_address(request("10.0.0.1", "1.2.3.4", "198.51.100.1"), PROXIES) == "198.51.100.1"


def test_garbage_stops_the_walk_at_the_last_trusted_hop() -> None:
    assert client_address(request("10.0.0.1", "not-an-ip"), PROXIES) == "10.0.0.1"
    assert client_address(request("10.0.0.1", "<script>, 10.2.2.2"), PROXIES) == "10.2.2.2"


def test_ipv6_and_ports() -> None:
    assert client_address(request("fd00::1", "[2001:db8::7]:443"), PROXIES) == "2001:db8::7"
    assert client_address(request("10.0.0.1", "203.0.113.9:8080"), PROXIES) == "203.0.113.9"


def test_no_peer_is_unknown() -> None:
    assert client_address(request(None, "198.51.100.1"), PROXIES) == "unknown"


def test_only_proxies_in_the_header_gives_the_leftmost_proxy() -> None:
    assert client_address(request("10.0.0.1", "10.0.0.2, 10.0.0.3"), PROXIES) == "10.0.0.2"


@given(st.lists(st.ip_addresses(v=4).map(str), min_size=0, max_size=5), st.ip_addresses(v=4).map(str))
def test_whatever_a_client_sends_the_result_is_what_our_proxy_saw(sent: list[str], seen: str) -> None:
    if any(ipaddress.ip_address(seen) in net for net in PROXIES if net.version == 4):
        return  # the client is itself inside our proxy network: nothing to distinguish
    forwarded = ", ".join([*sent, seen])
    assert client_address(request("10.0.0.1", forwarded), PROXIES) == seen


def test_settings_reject_a_bad_proxy_entry_naming_it() -> None:
    with pytest.raises(ValueError, match=r"10\.0\.0\.300"):
        ServiceSettings(trusted_proxies="10.0.0.0/8, 10.0.0.300")
    assert ServiceSettings(trusted_proxies="10.0.0.0/8").trusted_proxy_networks == parse_networks(
        "10.0.0.0/8"
    )
