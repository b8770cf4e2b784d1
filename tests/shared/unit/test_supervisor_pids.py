"""The supervisor keeps a pid file per child (for tools that act on a running stack, e.g. demo.chaos)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shared.devstack.supervisor import Child, Supervisor


@dataclass
class FakeProcess:
    pid: int
    code: int | None = None

    def poll(self) -> int | None:
        return self.code


def test_pid_files_follow_the_running_process_of_each_child(tmp_path: Path) -> None:
    now = {"t": 0.0}
    started: list[FakeProcess] = []

    def start() -> FakeProcess:
        started.append(FakeProcess(pid=4000 + len(started)))
        return started[-1]

    pids = tmp_path / "pids"
    sup = Supervisor(lambda _: None, clock=lambda: now["t"], pid_dir=pids)
    sup.add(Child("scoring-worker", start))
    sup.add(Child("broker", start))
    assert (pids / "scoring-worker.pid").read_text() == "4000\n"
    assert (pids / "broker.pid").read_text() == "4001\n"

    started[0].code = -9
    sup.tick()
    assert not (pids / "scoring-worker.pid").exists(), "no pid file while the child is down"
    assert (pids / "broker.pid").read_text() == "4001\n"

    now["t"] = 0.5
    sup.tick()
    assert (pids / "scoring-worker.pid").read_text() == "4002\n", "the restarted process's pid"
    assert sorted(p.name for p in pids.iterdir()) == ["broker.pid", "scoring-worker.pid"]


def test_without_a_pid_dir_nothing_is_written(tmp_path: Path) -> None:
    sup = Supervisor(lambda _: None, clock=lambda: 0.0)
    sup.add(Child("intake-api", lambda: FakeProcess(pid=1)))
    assert sup.pid_file("intake-api") is None
    assert list(tmp_path.iterdir()) == []
