"""Explanations worded on demand.

A rule decides its points at once but stores how to word its explanation: either the
text itself, or ``(wording, context reference, *arguments)`` naming a registered wording
function, the round context it needs, and atomic arguments (numbers, strings, dates,
decimals and tuples of them). The words are produced by :func:`render` when someone
reads them: a batch that needs only points (an event carries no explanations) never pays
for formatting, and a stored result stays small. Because a stored ``Text`` holds only
atomic values, results are invisible to the cyclic garbage collector (large in-memory
batches stay fast) and can be pickled to another process, which finds the same context
again from the reference ``(policy version code, round)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar

Text: TypeAlias = "str | tuple[Any, ...]"
"""An explanation: the text, or ``(wording name, context reference, *arguments)``."""

ContextRef: TypeAlias = tuple[str, int]
"""``(policy version code, round)``; process-local codes (``code#n``) for unregistered versions."""

_F = TypeVar("_F", bound=Callable[..., str])

_WORDINGS: dict[str, Callable[..., str]] = {}
_CONTEXTS: dict[ContextRef, Any] = {}
_RESOLVER: list[Callable[[ContextRef], Any]] = []


def wording(name: str) -> Callable[[_F], _F]:
    """Register a function ``(context, *arguments) -> str`` under ``name``."""

    def register(function: _F) -> _F:
        if name in _WORDINGS:
            raise ValueError(f"wording {name!r} registered twice")
        _WORDINGS[name] = function
        return function

    return register


def register_context(ref: ContextRef, context: Any) -> None:
    """Keep ``context`` (for the process lifetime) as the one ``ref`` names."""
    _CONTEXTS[ref] = context


def set_context_resolver(resolve: Callable[[ContextRef], Any]) -> None:
    """How to build a context that this process has not registered yet."""
    _RESOLVER[:] = [resolve]


def render(text: Text) -> str:
    """The words of an explanation."""
    if isinstance(text, str):
        return text
    ref = text[1]
    context = _CONTEXTS.get(ref)
    if context is None:
        context = _RESOLVER[0](ref)
    words: str = _WORDINGS[text[0]](context, *text[2:])
    return words
