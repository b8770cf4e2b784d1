"""A worker's heartbeat: proof for a liveness probe that its loops still turn.

A worker whose process is up but whose event loop hangs, or one of whose consumers is stuck in an await that
never returns, does not die by itself, and checking that the database and the broker answer does not notice it.
With ``<P>HEARTBEAT_FILE`` set, the worker writes that file every ``<P>HEARTBEAT_INTERVAL_S`` seconds: the
time, and when each of its loops (the outbox relay, every consumer) last made progress — a poll, a published
batch, or a deliberate wait for a dependency that is down. The probe (``deploy/entrypoint.py probe <service>
worker``) reads it with :func:`check_heartbeat`: missing, stale, or a loop silent for longer than the allowed
age means the process should be restarted.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path


def write_heartbeat(path: Path, loops: Mapping[str, float], now: float | None = None) -> None:
    """Write the heartbeat atomically (a reader never sees half a file)."""
    doc = {"at": time.time() if now is None else now, "loops": dict(loops)}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc))
    tmp.replace(path)


def check_heartbeat(path: Path, max_age_s: float, now: float | None = None) -> str | None:
    """None when the heartbeat is fresh and every loop made progress within ``max_age_s``; otherwise why not."""
    now = time.time() if now is None else now
    try:
        doc = json.loads(path.read_text())
        at = float(doc["at"])
        loops = {str(k): float(v) for k, v in dict(doc.get("loops", {})).items()}
    except FileNotFoundError:
        return f"no heartbeat at {path}: the worker has not started its loops"
    except (OSError, ValueError, KeyError, TypeError) as e:
        return f"unreadable heartbeat at {path}: {type(e).__name__}"
    if now - at > max_age_s:
        return f"heartbeat {now - at:.0f} s old (allowed {max_age_s:.0f} s): the worker's event loop is stuck"
    silent = sorted(name for name, seen in loops.items() if now - seen > max_age_s)
    if silent:
        return f"no progress for over {max_age_s:.0f} s in: {', '.join(silent)}"
    return None
