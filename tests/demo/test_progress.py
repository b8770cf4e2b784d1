"""The demo's progress display: stage arithmetic and the plain-line output used when not on a terminal."""

from __future__ import annotations

import asyncio
import io
import time

from demo.progress import Progress


def test_rates_and_eta_follow_the_counts() -> None:
    p = Progress(stream=io.StringIO(), live=False)
    s = p.stage("declare", "points: declared", total=100).start()
    s.started = time.monotonic() - 10
    s.advance(25)
    assert abs(s.rate - 2.5) < 0.05
    assert s.eta_s is not None and abs(s.eta_s - 30) < 1
    s.finish("done")
    assert not s.running and s.eta_s is None


def test_errors_and_stage_ends_are_printed_at_once_as_plain_lines() -> None:
    out = io.StringIO()
    p = Progress(stream=out, live=False)
    s = p.stage("verify", "points: verified", total=3).start()
    s.error("POST /v1/x: 503, retrying")
    s.set_done(3)
    s.finish()
    text = out.getvalue()
    assert "! points: verified: POST /v1/x: 503, retrying" in text
    assert "✓ points: verified: 3 in" in text and "1 errors survived" in text
    assert s.errors == 1


def test_running_stages_get_a_periodic_line_without_a_terminal() -> None:
    out = io.StringIO()

    async def run() -> None:
        async with Progress(stream=out, live=False, every_s=0.05) as p:
            p.stage("score", "points: scored", total=10).start().advance(4)
            await asyncio.sleep(0.2)

    asyncio.run(run())
    assert "points: scored: 4/10" in out.getvalue()


def test_the_live_table_renders_every_stage() -> None:
    p = Progress(stream=io.StringIO(), live=False)
    p.stage("a", "first", total=2).start().advance()
    p.stage("b", "second")
    from rich.console import Console

    buf = io.StringIO()
    Console(file=buf, width=140).print(p.renderable())
    assert "first" in buf.getvalue() and "1/2" in buf.getvalue() and "second" in buf.getvalue()
