"""SIGTERM to a local tool ends it with status 143 after its cleanup, wherever its main thread was.

The program below is a tool in miniature: it stops itself with SIGTERM while its main thread runs code
made by ``exec()`` of a string (as ``dataclasses`` does on import), catches the exception, cleans up and
exits with a status. With :func:`raise_on_sigterm` the status is what the tool chose; with a handler that
raises ``KeyboardInterrupt`` (what the demo and the local stack had), CPython ends the process with SIGINT
after the cleanup anyway (the demo's SIGTERM test saw ``-2`` in CI).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

TOOL = """
import os, signal, sys, threading
{setup}
threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()
try:
    exec("while True:\\n    pass")
except {caught}:
    print("cleaned up", flush=True)
    sys.exit({status})
"""


def _run(tmp: Path, setup: str, caught: str, status: str) -> subprocess.CompletedProcess[str]:
    # Run as ``python -m``, like the tools: with ``-c`` CPython exits from inside its error printing and
    # never looks at what it remembered.
    (tmp / "tool.py").write_text(textwrap.dedent(TOOL).format(setup=setup, caught=caught, status=status))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "tool"], cwd=tmp, env=env, capture_output=True, text=True, timeout=60
    )


def test_sigterm_inside_exec_code_ends_the_tool_with_143_after_its_cleanup(tmp_path: Path) -> None:
    done = _run(
        tmp_path,
        "from shared.devstack.termination import EXIT_STATUS, Terminated, raise_on_sigterm\n"
        "raise_on_sigterm()",
        caught="Terminated",
        status="EXIT_STATUS",
    )
    assert done.stdout == "cleaned up\n", done.stderr
    assert done.returncode == 143, done.stderr


def test_a_keyboardinterrupt_from_a_sigterm_handler_would_end_the_tool_by_sigint_despite_the_cleanup(
    tmp_path: Path,
) -> None:
    # Why Terminated is not a KeyboardInterrupt: this is CPython's behaviour, pinned so the reason stays true.
    done = _run(
        tmp_path,
        "def _raise(*_):\n    raise KeyboardInterrupt\nsignal.signal(signal.SIGTERM, _raise)",
        caught="KeyboardInterrupt",
        status="130",
    )
    assert done.stdout == "cleaned up\n", done.stderr
    assert done.returncode == -2, done.stderr
