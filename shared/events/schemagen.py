"""Generate the committed JSON Schema files and the AsyncAPI document from the registry.

``python -m shared.events.schemagen`` (``make schemas``) rewrites ``shared/events/schemas/``
and ``shared/events/asyncapi.json``. It refuses to rewrite the schema of an existing
``(type, version)`` unless the change is additive (new optional fields only): any other
change needs a version decision, i.e. a new version with an upcaster. The contract tests
fail when the committed files differ from the models.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import shared.events.contracts  # noqa: F401  (registers every event)
from shared.events.envelope import Envelope
from shared.events.registry import REGISTRY, EventRegistry, dead_letter_topic

SCHEMA_DIR = Path(__file__).parent / "schemas"
ASYNCAPI_PATH = Path(__file__).parent / "asyncapi.json"


def schema_filename(type_: str, version: int) -> str:
    return f"{type_}.v{version}.schema.json"


def event_schemas(registry: EventRegistry = REGISTRY) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for (type_, version), spec in sorted(registry.specs.items()):
        schema = spec.model.model_json_schema(mode="serialization")
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": schema_filename(type_, version),
            "x-event-type": type_,
            "x-event-version": version,
            "x-producer": spec.producer,
            "x-consumers": list(spec.consumers),
            "x-kafka-key": spec.subject,
            **schema,
        }
        out[schema_filename(type_, version)] = schema
    return out


def _open(node: Any) -> Any:
    """The schema with ``additionalProperties: false`` removed everywhere: opening an object to unknown
    fields (consumers ignore them) accepts everything the closed schema did, so it is not a change."""
    if isinstance(node, dict):
        return {k: _open(v) for k, v in node.items() if not (k == "additionalProperties" and v is False)}
    if isinstance(node, list):
        return [_open(v) for v in node]
    return node


def additive_change_problems(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Why ``new`` is not an additive (optional-fields-only) change of ``old``; empty if it is."""
    old, new = _open(old), _open(new)
    problems: list[str] = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, sub in old_props.items():
        if name not in new_props:
            problems.append(f"field {name!r} removed")
        elif new_props[name] != sub:
            problems.append(f"field {name!r} changed")
    for name in set(new.get("required", [])) - set(old.get("required", [])):
        problems.append(f"field {name!r} is newly required")
    if old.get("$defs", {}) != {k: v for k, v in new.get("$defs", {}).items() if k in old.get("$defs", {})}:
        problems.append("a nested definition changed")
    return problems


def asyncapi(registry: EventRegistry = REGISTRY) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for (type_, version), spec in sorted(registry.specs.items()):
        msg_name = f"{type_}.v{version}"
        messages[msg_name] = {
            "name": type_,
            "title": f"{type_} v{version}",
            "summary": spec.summary,
            "contentType": "application/cloudevents+json",
            "headers": {"type": "object"},
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/Envelope"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": type_},
                            "version": {"const": version},
                            "data": {"$ref": f"./schemas/{schema_filename(type_, version)}"},
                        },
                    },
                ]
            },
            "x-kafka-key": spec.subject,
            "x-consumers": list(spec.consumers),
        }
        ch = channels.setdefault(
            spec.topic,
            {
                "address": spec.topic,
                "description": f"Events produced by the {spec.producer} service.",
                "messages": {},
            },
        )
        ch["messages"][msg_name] = {"$ref": f"#/components/messages/{msg_name}"}
    for producer in sorted({s.producer for s in registry.specs.values()}):
        topic = next(s.topic for s in registry.specs.values() if s.producer == producer)
        operations[f"{producer}.publish"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{topic}"},
            "summary": f"The {producer} service publishes through its transactional outbox.",
        }
    for service in ("intake", "review", "scoring", "publicity", "settlement"):
        dlq = dead_letter_topic(service)
        channels[dlq] = {
            "address": dlq,
            "description": f"Events the {service} service could not process, with the reason.",
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Beijing hukou programmes: event catalogue",
            "version": "1.0.0",
            "description": "Every event of the five services. Records are keyed by application id "
            "(round-level events by round id); values are structured CloudEvents JSON.",
        },
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {"Envelope": Envelope.model_json_schema(mode="serialization")},
        },
    }


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    SCHEMA_DIR.mkdir(exist_ok=True)
    generated = event_schemas()
    refused = []
    for name, schema in generated.items():
        path = SCHEMA_DIR / name
        if path.exists():
            old = json.loads(path.read_text())
            problems = additive_change_problems(old, schema)
            if problems:
                refused.append(f"{name}: {'; '.join(problems)}")
                continue
        path.write_text(dumps(schema))
    for path in SCHEMA_DIR.glob("*.schema.json"):
        if path.name not in generated:
            refused.append(f"{path.name}: its model was removed; consumers accept the previous version")
    ASYNCAPI_PATH.write_text(dumps(asyncapi()))
    if refused:
        print("Refused (needs a version decision: register a new version with an upcaster):", file=sys.stderr)
        for r in refused:
            print("  " + r, file=sys.stderr)
        return 1
    print(f"wrote {len(generated)} schemas and {ASYNCAPI_PATH.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
