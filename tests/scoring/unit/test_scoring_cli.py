"""The score CLI: one output line per input line, errors in place, exit status 0."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

from services.scoring.cli import score_main
from services.scoring.contract import parse_facts, result_to_dict
from services.scoring.domain import score
from tests.scoring.unit.scoring_factories import facts_doc, home


def _score_cli(repo_root: Path, stdin: bytes) -> tuple[int, list[dict[str, Any]]]:
    done = subprocess.run(
        [sys.executable, "-m", "services.scoring", "score"],
        input=stdin,
        capture_output=True,
        cwd=repo_root,
        timeout=120,
        check=False,
    )
    return done.returncode, [orjson.loads(line) for line in done.stdout.splitlines()]


def test_bad_lines_yield_error_objects_in_place_and_the_run_continues(repo_root: Path) -> None:
    good = orjson.dumps(facts_doc())
    bad_facts = orjson.dumps(facts_doc(criminal_record="no"))
    stdin = b"\n".join([good, b"{not json", bad_facts, b"", b"[]", good]) + b"\n"
    status, out = _score_cli(repo_root, stdin)
    assert status == 0
    assert len(out) == 6
    assert out[0] == result_to_dict(score(parse_facts(facts_doc())))
    assert out[1] == {"line": 2, "error": out[1]["error"]} and out[1]["error"]["code"] == "invalid_json"
    assert out[2]["line"] == 3 and out[2]["error"]["code"] == "invalid_facts"
    assert out[2]["error"]["details"] == [
        {"field": "criminal_record", "code": "type", "message": "must be a boolean, got string"}
    ]
    assert out[3]["line"] == 4 and out[3]["error"]["code"] == "invalid_json"
    assert out[4]["line"] == 5 and out[4]["error"]["message"]
    assert out[5] == out[0]


def test_a_last_line_without_newline_and_a_byte_order_mark_are_read(repo_root: Path) -> None:
    status, out = _score_cli(
        repo_root, b"\xef\xbb\xbf" + orjson.dumps(facts_doc()) + b"\n" + orjson.dumps(facts_doc())
    )
    assert status == 0
    assert [line["total"] for line in out] == ["59.50", "59.50"]


def test_empty_input_gives_empty_output(repo_root: Path) -> None:
    assert _score_cli(repo_root, b"") == (0, [])


def test_score_main_works_on_text_streams() -> None:
    stdout = io.StringIO()
    assert score_main(io.StringIO(orjson.dumps(facts_doc()).decode() + "\n"), stdout) == 0
    assert orjson.loads(stdout.getvalue())["policy_version"] == "bj-points-2020"


def test_parallel_scoring_writes_the_same_lines_in_the_same_order() -> None:
    docs = [
        facts_doc(application_id=f"P-{i}", housing=[home("owned", f"{2000 + i % 20}-01", "2021-12")])
        for i in range(4500)
    ]
    docs[1234] = {"broken": True}
    stdin = b"".join(orjson.dumps(d) + b"\n" for d in docs)
    sequential, parallel = io.BytesIO(), io.BytesIO()
    # Text streams over binary buffers, like sys.stdout (kept alive: closing one closes its buffer).
    sequential_out = io.TextIOWrapper(sequential, encoding="utf-8")
    parallel_out = io.TextIOWrapper(parallel, encoding="utf-8")
    assert score_main(io.BytesIO(stdin), sequential_out, workers=1) == 0
    assert score_main(io.BytesIO(stdin), parallel_out, workers=2) == 0
    written = parallel.getvalue()
    assert written == sequential.getvalue()
    lines = written.splitlines()
    assert len(lines) == 4500
    assert orjson.loads(lines[1234])["line"] == 1235
    assert orjson.loads(lines[4499])["application_id"] == "P-4499"


def test_a_lone_surrogate_is_invalid_json_and_the_run_goes_on() -> None:
    stdin = io.StringIO(
        '{"application_id": "\\ud800"}\n' + orjson.dumps(facts_doc(application_id="ok")).decode()
    )
    stdout = io.StringIO()
    assert score_main(stdin, stdout) == 0
    first, second = (orjson.loads(line) for line in stdout.getvalue().splitlines())
    assert first["line"] == 1 and first["error"]["code"] == "invalid_json"
    assert second["application_id"] == "ok"
