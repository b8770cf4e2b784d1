"""SIGTERM as an exception, for the local tools whose main thread blocks in plain calls (the local stack
while it starts, ``python -m demo``): the handler raises :class:`Terminated` wherever the main thread is,
so the tool's ``finally`` stops what it started, and the tool ends with status 143 (128 + SIGTERM).

It is deliberately not a ``KeyboardInterrupt``. CPython remembers a ``KeyboardInterrupt`` that left code
run by ``exec()`` or ``eval()`` of a string (``dataclasses`` and ``collections.namedtuple`` build their
methods that way, so a lazy import at the wrong moment is enough) even when the program catches it later,
and then ends the process with SIGINT in place of the status it exits with: the demo, stopped by SIGTERM
while it was importing, cleaned up and still died of "signal 2". ``tests/shared/unit/test_termination.py``
shows both.
"""

from __future__ import annotations

import signal
from types import FrameType

EXIT_STATUS = 128 + signal.SIGTERM


class Terminated(BaseException):
    """SIGTERM reached the main thread (a ``BaseException``: no ``except Exception`` swallows it)."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def raise_on_sigterm() -> None:
    """From now on SIGTERM raises :class:`Terminated` in the main thread (call it from the main thread)."""
    signal.signal(signal.SIGTERM, _raise_terminated)
