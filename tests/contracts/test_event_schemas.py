"""Event contracts: the committed JSON Schemas and AsyncAPI document match the models, and a
schema never changes without a version decision."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest

import shared.events.contracts  # noqa: F401
from shared.events import schemagen
from shared.events.envelope import Envelope
from shared.events.registry import REGISTRY, EventData, EventRegistry, InvalidEventData, UnknownEventType

GENERATED = schemagen.event_schemas()


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_committed_schema_matches_the_model(name: str) -> None:
    path = schemagen.SCHEMA_DIR / name
    assert path.exists(), f"{name} is not committed: run `make schemas`"
    committed = json.loads(path.read_text())
    assert committed == GENERATED[name], (
        f"{name} differs from its model. An additive optional field: run `make schemas`. "
        "Anything else: register a new version with an upcaster (a version decision)."
    )


def test_no_committed_schema_lacks_a_model() -> None:
    committed = {p.name for p in schemagen.SCHEMA_DIR.glob("*.schema.json")}
    assert committed == set(GENERATED), "a schema file has no model any more: keep the old version registered"


def test_asyncapi_document_is_up_to_date() -> None:
    assert json.loads(schemagen.ASYNCAPI_PATH.read_text()) == json.loads(
        schemagen.dumps(schemagen.asyncapi())
    )


def test_every_event_of_the_catalogue_is_registered() -> None:
    expected = {
        "round.phase_changed",
        "application.submitted",
        "verification.completed",
        "score.computed",
        "ranking.finalized",
        "application.ranked",
        "publicity.outcome",
        "publicity.closed",
        "letter.issued",
        "letter.revoked",
        "qualification.lapsed",
        "conduct.recorded",
    }
    assert expected <= REGISTRY.known_types()


def test_removing_or_changing_a_field_is_not_an_additive_change() -> None:
    old = {"properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a"]}
    assert schemagen.additive_change_problems(old, old) == []
    added_optional = {"properties": {**old["properties"], "c": {"type": "string"}}, "required": ["a"]}
    assert schemagen.additive_change_problems(old, added_optional) == []
    assert schemagen.additive_change_problems(
        old, {"properties": {"a": {"type": "string"}}, "required": ["a"]}
    )
    changed = {"properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a"]}
    assert schemagen.additive_change_problems(old, changed)
    newly_required = {"properties": old["properties"], "required": ["a", "b"]}
    assert schemagen.additive_change_problems(old, newly_required)


def test_consumers_accept_the_previous_version_through_its_upcaster() -> None:
    reg = EventRegistry()

    @reg.register(
        "thing.done",
        1,
        producer="intake",
        consumers=("review",),
        upcast_to_next=lambda d: {**d, "name": d["title"], "title": None} | {"title": None},
    )
    class V1(EventData):
        title: str

    @reg.register("thing.done", 2, producer="intake", consumers=("review",), upcast_to_next=lambda d: d)
    class V2(EventData):
        name: str
        title: None = None

    @reg.register("thing.done", 3, producer="intake", consumers=("review",))
    class V3(EventData):
        name: str
        title: None = None

    assert reg.decode("thing.done", 2, {"name": "x"}) == V3(name="x")
    with pytest.raises(UnknownEventType):
        reg.decode("thing.done", 1, {"title": "x"})  # older than latest - 1
    with pytest.raises(InvalidEventData):
        reg.decode("thing.done", 3, {"nom": "x"})
    with pytest.raises(UnknownEventType):
        reg.decode("thing.done", 4, {"name": "x"})


@pytest.mark.parametrize("spec", list(REGISTRY.specs.values()), ids=lambda s: f"{s.type}.v{s.version}")
def test_every_event_has_a_docstring_and_round_trips_through_the_envelope(spec) -> None:  # type: ignore[no-untyped-def]
    assert spec.model.__doc__ and "Emitted" in spec.model.__doc__
    schema = GENERATED[schemagen.schema_filename(spec.type, spec.version)]
    assert schema["x-producer"] == spec.producer
    env = Envelope(
        id=uuid4(),
        type=spec.type,
        version=spec.version,
        source="/t",
        time=datetime.now(tz=UTC),
        subject="A-1",
        correlation_id="c",
        data={},
    )
    assert Envelope.from_json_bytes(env.to_json_bytes()) == env


def test_envelope_rejects_naive_time_and_unknown_attributes() -> None:
    with pytest.raises(ValueError):
        Envelope.model_validate(
            {
                "id": str(uuid4()),
                "type": "x",
                "version": 1,
                "source": "s",
                "time": "2026-01-01T00:00:00",
                "subject": "a",
                "correlation_id": "c",
                "data": {},
            }
        )
    with pytest.raises(ValueError):
        Envelope.model_validate(
            {
                "id": str(uuid4()),
                "type": "x",
                "version": 1,
                "source": "s",
                "time": "2026-01-01T00:00:00+08:00",
                "subject": "a",
                "correlation_id": "c",
                "data": {},
                "extra": 1,
            }
        )


def test_a_v1_event_invalid_under_the_v2_contract_is_invalid_data_and_names_no_values() -> None:
    """application.submitted v1 carried the facts as any object; upcast to v2 they must be PointsFacts. A v1
    event whose facts are not is refused as invalid data (dead-lettered), and the reason names the fields,
    never their values (they may be personal data)."""
    data = {
        "application_id": "A-1",
        "revision": 1,
        "round_id": "R-2026",
        "program": "points",
        "name": "张三",
        "birth_year_month": "1990-01",
        "employer_name": "某公司",
        "employer_credit_code": "91110000600037341L",
        "id_number": {"key_id": "k1", "nonce": "bm9uY2U=", "ciphertext": "Y2lwaGVy"},
        "declared_facts": {"application_year": "13800138000"},
    }
    with pytest.raises(InvalidEventData) as e:
        REGISTRY.decode("application.submitted", 1, data)
    assert "declared_facts.application_year" in str(e.value)
    assert "13800138000" not in str(e.value) and "13800138000" not in repr(e.value.errors)


def test_a_consumer_ignores_a_field_a_newer_producer_added() -> None:
    """The versioning rule allows additive optional fields without a new version, so an event from a producer
    deployed before its consumers must decode, not be dead-lettered (tolerant reader)."""
    data = {
        "round_id": "R-2026",
        "program": "points",
        "year": 2026,
        "phase": "review",
        "phases": [],
        "added_by_a_newer_producer": {"anything": 1},
    }
    decoded = REGISTRY.decode("round.phase_changed", 1, data)
    assert decoded.model_dump()["phase"] == "review"
    assert "added_by_a_newer_producer" not in decoded.model_dump()


def test_opening_a_closed_schema_is_an_additive_change() -> None:
    old = {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "string"}}}
    new = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert schemagen.additive_change_problems(old, new) == []
    assert schemagen.additive_change_problems(new, {"type": "object", "properties": {}}) == [
        "field 'a' removed"
    ]
