"""Command-line contract of the scoring service (``contracts/README.md``).

``python -m services.scoring score``: PointsFacts as JSON Lines on standard input →
one PointsResult per line on standard output, same order. A line that is not valid
facts yields ``{"line": N, "error": {"code", "message", "details"}}`` (N counts from 1)
and the run continues; exit status 0 once all input was read.

``python -m services.scoring graduates``: GraduateFacts as JSON Lines on standard input →
one GraduateResult per line on standard output, same order (the bytes ``POST
/v1/graduates/eligibility`` answers for the same document); a bad line yields ``{"line": N,
"error": {"code", "message", "details"}}`` (``invalid_json``, or ``invalid_facts`` with one detail per
offending field) and the run continues; exit status 0 once all input was read.

``python -m services.scoring rank --quota Q`` (or ``--score-line S``): JSON Lines
``{"application_id", "total"}`` of qualified applicants → one JSON object
``{"cutoff", "admitted_count", "input_digest", "ranks": [{"application_id", "rank",
"admitted"}, …]}`` with ranks in display order. Invalid input or arguments: an
``{"error": {…}}`` object and exit status 1 (2 for usage errors).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import sys
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import islice
from multiprocessing.pool import AsyncResult, Pool
from typing import IO, Any

import orjson

from .contract import FactsValidationError, parse_facts, result_to_dict
from .domain import DomainError, RankEntry, Ranking, rank_by_quota, rank_by_score_line, score
from .graduates_contract import GraduateFactsInvalid, assess_document

_BOM = b"\xef\xbb\xbf"
_FLUSH_EVERY = 512
_CHUNK_LINES = 2000


def _line_reader(stdin: IO[Any]) -> Iterable[bytes | str]:
    """Lines of standard input, as bytes when a binary buffer is available."""
    return getattr(stdin, "buffer", stdin)


def _writer(stdout: IO[Any]) -> Callable[[list[bytes]], None]:
    """A function writing encoded JSON lines to a text or binary stream."""
    target = getattr(stdout, "buffer", None)
    if target is not None:
        stdout.flush()

        def write_binary(chunks: list[bytes]) -> None:
            target.write(b"".join(chunks))

        return write_binary

    def write_text(chunks: list[bytes]) -> None:
        stdout.write(b"".join(chunks).decode("utf-8"))

    return write_text


def _dump_line(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_APPEND_NEWLINE)


def _error_line(number: int, code: str, message: str, details: list[dict[str, str]] | None = None) -> bytes:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return _dump_line({"line": number, "error": error})


def score_line(number: int, raw: bytes | str) -> bytes:
    """The output line (with newline) for input line ``number``: a PointsResult or an error."""
    if number == 1 and isinstance(raw, bytes) and raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        blank = raw.strip() == (b"" if isinstance(raw, bytes) else "")
        message = "empty line" if blank else f"not valid JSON: {exc}"
        return _error_line(number, "invalid_json", message)
    try:
        return _dump_line(result_to_dict(score(parse_facts(doc))))
    except FactsValidationError as exc:
        return _error_line(number, exc.code, exc.message, exc.details)
    except DomainError as exc:
        return _error_line(number, exc.code, exc.message)
    except Exception as exc:
        # The contract says the run goes on after a bad line; a bug must not lose the
        # rest of the batch, so it is reported on its line and on standard error.
        traceback.print_exc(file=sys.stderr)
        return _error_line(number, "internal_error", f"{type(exc).__name__}: {exc}")


def _score_chunk(task: tuple[int, list[bytes | str]]) -> bytes:
    """Output lines for consecutive input lines, the first numbered ``task[0]``."""
    start, lines = task
    return b"".join(score_line(number, raw) for number, raw in enumerate(lines, start=start))


def _default_workers() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    configured = os.environ.get("SCORING_CLI_WORKERS", "")
    return int(configured) if configured.isdigit() else min(cpus, 8)


def score_main(stdin: IO[Any], stdout: IO[Any], workers: int | None = None) -> int:
    """Score JSON Lines of PointsFacts from ``stdin`` to ``stdout``; returns the exit status.

    Input larger than one chunk is scored by ``workers`` processes (default: the usable
    CPUs, or ``SCORING_CLI_WORKERS``); output order always follows input order.
    """
    write = _writer(stdout)
    lines = iter(_line_reader(stdin))
    workers = _default_workers() if workers is None else workers
    first = list(islice(lines, _CHUNK_LINES))
    if workers > 1 and len(first) == _CHUNK_LINES:
        # "spawn", never "fork": the caller may hold threads (an event loop's executor,
        # a logging handler) whose locks a forked child would inherit held and deadlock on.
        try:
            pool = multiprocessing.get_context("spawn").Pool(workers)
        except (OSError, ValueError):  # pragma: no cover - no process support: score here
            pool = None
        if pool is not None:
            try:
                _score_in_pool(pool, workers, first, lines, write)
            except BaseException:
                pool.terminate()
                pool.join()
                raise
            pool.close()
            pool.join()  # every worker has exited before we return: no process outlives the run
            stdout.flush()
            return 0
    write([_score_chunk((1, first))])
    number = len(first)
    pending: list[bytes] = []
    for raw in lines:
        number += 1
        pending.append(score_line(number, raw))
        if len(pending) >= _FLUSH_EVERY:
            write(pending)
            pending.clear()
    if pending:
        write(pending)
    stdout.flush()
    return 0


def _score_in_pool(
    pool: Pool,
    workers: int,
    first: list[bytes | str],
    lines: Iterator[bytes | str],
    write: Callable[[list[bytes]], None],
) -> None:
    # At most 2 chunks per worker in flight: bounded memory, in-order output.
    in_flight: deque[AsyncResult[bytes]] = deque()
    start = 1
    chunk = first
    while chunk:
        in_flight.append(pool.apply_async(_score_chunk, ((start, chunk),)))
        start += len(chunk)
        if len(in_flight) >= 2 * workers:
            write([in_flight.popleft().get()])
        chunk = list(islice(lines, _CHUNK_LINES))
    while in_flight:
        write([in_flight.popleft().get()])


# --------------------------------------------------------------------------- graduates


def graduate_line(number: int, raw: bytes | str) -> bytes:
    """The output line (with newline) for input line ``number``: a GraduateResult or an error."""
    if number == 1 and isinstance(raw, bytes) and raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        blank = raw.strip() == (b"" if isinstance(raw, bytes) else "")
        return _error_line(number, "invalid_json", "empty line" if blank else f"not valid JSON: {exc}")
    try:
        return _dump_line(assess_document(doc))
    except GraduateFactsInvalid as exc:
        return _error_line(number, exc.code, exc.message, exc.details)
    except Exception as exc:
        # As for score: a bug must not lose the rest of the run.
        traceback.print_exc(file=sys.stderr)
        return _error_line(number, "internal_error", f"{type(exc).__name__}: {exc}")


def graduates_main(stdin: IO[Any], stdout: IO[Any]) -> int:
    """Assess JSON Lines of GraduateFacts from ``stdin`` to ``stdout``; returns the exit status (0)."""
    write = _writer(stdout)
    pending: list[bytes] = []
    for number, raw in enumerate(_line_reader(stdin), start=1):
        pending.append(graduate_line(number, raw))
        if len(pending) >= _FLUSH_EVERY:
            write(pending)
            pending.clear()
    if pending:
        write(pending)
    stdout.flush()
    return 0


# --------------------------------------------------------------------------- rank

_TOTAL_RE = re.compile(r"-?[0-9]{1,12}(?:\.[0-9]{1,2})?")


class _RankInputError(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _decimal_total(value: object) -> Decimal | None:
    """A total with at most two decimals from a JSON string or number, else ``None``."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool) or not isinstance(value, int | float):
        return None
    else:
        text = repr(value)  # 105.42 → "105.42"; 1e+20 is refused by the pattern
    return Decimal(text) if _TOTAL_RE.fullmatch(text) else None


def _score_line_arg(text: str) -> Decimal:
    total = _decimal_total(text.strip())
    if total is None:
        raise argparse.ArgumentTypeError(f"not a score with at most two decimals: {text!r}")
    return total


def _quota_arg(text: str) -> int:
    try:
        quota = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if quota < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {quota}")
    return quota


def _read_rank_entries(stdin: IO[Any]) -> list[RankEntry]:
    entries: list[RankEntry] = []
    for number, raw in enumerate(_line_reader(stdin), start=1):
        if number == 1 and isinstance(raw, bytes) and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        if not raw.strip():
            continue  # blank lines carry nothing to rank
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise _RankInputError(number, f"not valid JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise _RankInputError(number, "must be an object with application_id and total")
        if doc.get("qualified") is False:
            continue  # only qualified applicants are ranked (tolerates piped PointsResults)
        app_id = doc.get("application_id")
        if not isinstance(app_id, str):
            raise _RankInputError(number, "application_id must be a string")
        total = _decimal_total(doc.get("total"))
        if total is None:
            raise _RankInputError(number, 'total must be a decimal with at most two places, e.g. "105.42"')
        entries.append(RankEntry(app_id, total))
    return entries


def ranking_to_dict(ranking: Ranking) -> dict[str, Any]:
    """The rank CLI document for a ranking."""
    return {
        "cutoff": None if ranking.cutoff is None else f"{ranking.cutoff:.2f}",
        "admitted_count": ranking.admitted_count,
        "input_digest": ranking.input_digest,
        "ranks": [
            {"application_id": r.application_id, "rank": r.rank, "admitted": r.admitted}
            for r in ranking.ranks
        ],
    }


def rank_main(argv: Sequence[str], stdin: IO[Any], stdout: IO[Any]) -> int:
    """Rank JSON Lines of ``{"application_id", "total"}``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m services.scoring rank",
        description="Rank qualified applicants by total and select those admitted.",
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--quota", type=_quota_arg, help="headcount quota Q (bj-points-2020)")
    group.add_argument("--score-line", type=_score_line_arg, help="yearly score line S (bj-points-2018)")
    args = parser.parse_args(list(argv))
    write = _writer(stdout)
    try:
        entries = _read_rank_entries(stdin)
        if args.quota is not None:
            ranking = rank_by_quota(entries, args.quota)
        else:
            ranking = rank_by_score_line(entries, args.score_line)
    except _RankInputError as exc:
        error = {"code": "invalid_ranking_input", "message": exc.message, "line": exc.line}
        write([orjson.dumps({"error": error}, option=orjson.OPT_APPEND_NEWLINE)])
        stdout.flush()
        return 1
    except DomainError as exc:
        write(
            [
                orjson.dumps(
                    {"error": {"code": exc.code, "message": exc.message}}, option=orjson.OPT_APPEND_NEWLINE
                )
            ]
        )
        stdout.flush()
        return 1
    write([orjson.dumps(ranking_to_dict(ranking), option=orjson.OPT_APPEND_NEWLINE)])
    stdout.flush()
    return 0
