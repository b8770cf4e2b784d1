"""Registry of event types and versions: ``(type, version) -> pydantic model``.

Additive optional fields keep the version; anything else is a new version registered with
an upcaster from the one before. Producers emit the latest version; consumers accept the
latest and the one before (upcast on read).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

#: Topic of each producing service. Consumers subscribe to the producers they need.
PRODUCER_TOPICS = {
    "intake": "intake.events",
    "review": "review.events",
    "scoring": "scoring.events",
    "publicity": "publicity.events",
    "settlement": "settlement.events",
}


def dead_letter_topic(service: str) -> str:
    return f"{service}.deadletter"


ALL_TOPICS = tuple(PRODUCER_TOPICS.values()) + tuple(dead_letter_topic(s) for s in PRODUCER_TOPICS)


class EventData(BaseModel):
    """Base of every event payload model.

    Unknown fields are ignored, not refused (a tolerant reader): the versioning rule lets a producer add an
    optional field without a new version, so a consumer deployed before its producer must take such events.
    The fixed facts contracts nested in events (PointsFacts, GraduateFacts) stay closed.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)


E = TypeVar("E", bound=type[EventData])
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


EventModel = type[EventData]


@dataclass(frozen=True)
class EventSpec:
    type: str
    version: int
    model: EventModel
    producer: str
    consumers: tuple[str, ...]
    subject: str  # what the Kafka key is: "application id" or "round id"
    upcast_to_next: Upcaster | None = None  # from this version to version + 1

    @property
    def topic(self) -> str:
        return PRODUCER_TOPICS[self.producer]

    @property
    def summary(self) -> str:
        return (self.model.__doc__ or self.type).strip().splitlines()[0]


class UnknownEventType(LookupError):
    pass


def describe_validation_error(error: ValidationError, limit: int = 10) -> str:
    """What is wrong, field by field, without the input values (they may be personal data: a dead
    letter's reason and the logs must never carry an ID or phone number)."""
    parts = []
    for e in error.errors(include_url=False, include_input=False)[:limit]:
        loc = ".".join(str(x) for x in e.get("loc", ())) or "(document)"
        parts.append(f"{loc}: {e.get('type', 'invalid')}")
    more = error.error_count() - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


class InvalidEventData(ValueError):
    def __init__(self, event_type: str, version: int, error: ValidationError) -> None:
        super().__init__(f"{event_type} v{version}: {describe_validation_error(error)}")
        self.errors = error.errors(include_url=False, include_input=False)


@dataclass
class EventRegistry:
    specs: dict[tuple[str, int], EventSpec] = field(default_factory=dict)

    def register(
        self,
        type_: str,
        version: int,
        *,
        producer: str,
        consumers: tuple[str, ...],
        subject: str = "application id",
        upcast_to_next: Upcaster | None = None,
    ) -> Callable[[E], E]:
        def deco(model: E) -> E:
            key = (type_, version)
            if key in self.specs:
                raise ValueError(f"event {type_} v{version} registered twice")
            if producer not in PRODUCER_TOPICS:
                raise ValueError(f"unknown producer {producer}")
            self.specs[key] = EventSpec(type_, version, model, producer, consumers, subject, upcast_to_next)
            model.event_type = type_  # type: ignore[attr-defined]
            model.event_version = version  # type: ignore[attr-defined]
            return model

        return deco

    def latest(self, type_: str) -> EventSpec:
        versions = [s for (t, _), s in self.specs.items() if t == type_]
        if not versions:
            raise UnknownEventType(type_)
        return max(versions, key=lambda s: s.version)

    def spec_for(self, model: type[EventData]) -> EventSpec:
        t = model.event_type  # type: ignore[attr-defined]
        v = model.event_version  # type: ignore[attr-defined]
        return self.specs[(t, v)]

    def known_types(self) -> set[str]:
        return {t for t, _ in self.specs}

    def decode(self, type_: str, version: int, data: dict[str, Any]) -> EventData:
        """Validate ``data`` and upcast it to the latest version of ``type_``.

        Accepts the latest version and the one before it.
        """
        if (type_, version) not in self.specs:
            if type_ in self.known_types():
                raise UnknownEventType(f"{type_} v{version} (known versions: {self.versions(type_)})")
            raise UnknownEventType(type_)
        latest = self.latest(type_)
        if version < latest.version - 1:
            raise UnknownEventType(f"{type_} v{version} is too old; consumers accept v{latest.version - 1}+")
        spec = self.specs[(type_, version)]
        try:
            payload = spec.model.model_validate(data)
        except ValidationError as e:
            raise InvalidEventData(type_, version, e) from e
        while spec.version < latest.version:
            assert spec.upcast_to_next is not None, f"{spec.type} v{spec.version} has no upcaster"
            raw = spec.upcast_to_next(payload.model_dump(mode="json"))
            spec = self.specs[(type_, spec.version + 1)]
            try:
                payload = spec.model.model_validate(raw)
            except ValidationError as e:  # valid as sent, but not under the newer contract
                raise InvalidEventData(type_, spec.version, e) from e
        return payload

    def versions(self, type_: str) -> list[int]:
        return sorted(v for t, v in self.specs if t == type_)


REGISTRY = EventRegistry()
