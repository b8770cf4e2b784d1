"""The OpenAPI document is the guide for applicants' and employers' frontends: every intake endpoint has a
bilingual summary, a description, and examples on the models it takes and returns."""

from __future__ import annotations

import re
from typing import Any

from services.intake.app import create_app
from services.intake.config import Settings

CJK = re.compile(r"[\u4e00-\u9fff]")


def spec() -> dict[str, Any]:
    app = create_app(
        Settings(database_url="postgresql+asyncpg://x@localhost/none", kafka_bootstrap_servers="x:1")
    )
    doc: dict[str, Any] = app.openapi()
    return doc


def _has_example(doc: dict[str, Any], schema: dict[str, Any]) -> bool:
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if schema.get("type") == "array":
        return _has_example(doc, schema["items"])
    if "examples" in schema or "example" in schema:
        return True
    props = schema.get("properties", {})
    return bool(props) and all(_has_example(doc, p) or "examples" in p for p in props.values())


def test_every_intake_endpoint_has_a_bilingual_summary_a_description_and_examples() -> None:
    doc = spec()
    problems = []
    for path, ops in doc["paths"].items():
        if path.startswith("/v1/ops") or path in ("/healthz", "/readyz"):
            continue
        for method, op in ops.items():
            name = f"{method.upper()} {path}"
            summary = op.get("summary", "")
            if not (CJK.search(summary) and re.search(r"[A-Za-z]{3}", summary)):
                problems.append(f"{name}: summary not in Chinese and English")
            if len(op.get("description", "")) < 30:
                problems.append(f"{name}: no description")
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body and not _has_example(doc, body["schema"]):
                problems.append(f"{name}: request without an example")
            for status, resp in op.get("responses", {}).items():
                content = resp.get("content", {}).get("application/json")
                if (
                    status.startswith("2")
                    and content
                    and content.get("schema")
                    and not _has_example(doc, content["schema"])
                ):
                    problems.append(f"{name}: {status} response without an example")
    assert not problems, "\n".join(problems)


def test_the_docs_offer_the_password_flow_login() -> None:
    schemes = spec()["components"]["securitySchemes"]
    assert schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == "/v1/auth/token"
