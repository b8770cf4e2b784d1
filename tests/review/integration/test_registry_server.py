"""Finding 9 of issue 12 (flaky under load): a mock registry server's port is its own from the moment the
server is made, so nothing — another process on the machine, or another server of the same stack —
can take it before the server starts (before, the port was chosen free, released, and bound again only
at start; under load the window was long enough for a stack to fail to start)."""

from __future__ import annotations

import errno
import socket

import httpx
import pytest

from services.review.mock_registries.app import create_registry_app
from tests.review.support import RegistryServer

pytestmark = pytest.mark.integration


async def test_the_port_of_a_registry_server_is_held_from_creation_to_stop() -> None:
    servers = [RegistryServer(create_registry_app("tax", [])) for _ in range(6)]
    assert len({s.port for s in servers}) == 6  # a stack's servers never share a port
    for s in servers:  # someone else trying the port before the server starts is refused
        intruder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            with pytest.raises(OSError) as e:
                intruder.bind(("127.0.0.1", s.port))
            assert e.value.errno == errno.EADDRINUSE
        finally:
            intruder.close()
    try:
        for s in servers:
            await s.start()
        async with httpx.AsyncClient() as c:
            for s in servers:
                assert (await c.get(f"{s.url}/healthz")).status_code == 200
    finally:
        for s in servers:
            await s.stop()
    # stopped (or never started): the port is released
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind(("127.0.0.1", servers[0].port))
    finally:
        probe.close()
