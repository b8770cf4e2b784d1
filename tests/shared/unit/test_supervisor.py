"""The local stack's supervisor: who is restarted, when, and what the log says (fake processes, fake time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from shared.devstack.supervisor import Backoff, Child, Supervisor, describe_exit


def test_backoff_doubles_to_ten_seconds_and_resets_after_thirty_seconds_up() -> None:
    b = Backoff()
    assert [b.delay(1.0) for _ in range(8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert b.delay(30.0) == 0.5, "a process that stayed up 30 s starts again from the first delay"
    assert b.delay(29.9) == 1.0


def test_exit_descriptions_name_the_signal() -> None:
    assert describe_exit(-9) == "signal SIGKILL"
    assert describe_exit(1) == "exit status 1"
    assert describe_exit(-200) == "signal 200"


@dataclass
class FakeProcess:
    pid: int
    code: int | None = None

    def poll(self) -> int | None:
        return self.code


@dataclass
class World:
    now: float = 0.0
    said: list[str] = field(default_factory=list)
    started: list[FakeProcess] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    def start(self) -> FakeProcess:
        p = FakeProcess(pid=100 + len(self.started))
        self.started.append(p)
        self.events.append("start")
        return p


def supervised(
    w: World, before: Callable[[], None] | None = None, after: Callable[[], None] | None = None
) -> tuple[Supervisor, Child]:
    sup = Supervisor(w.said.append, clock=lambda: w.now)
    child = Child(
        "intake-worker",
        w.start,
        before_restart=before,
        after_restart=after,
        log_path="var/logs/intake-worker.log",
    )
    return sup, sup.add(child)


def test_a_crashed_process_is_restarted_after_its_delay_and_the_log_says_so() -> None:
    w = World()
    sup, child = supervised(w)
    sup.tick()
    assert len(w.started) == 1 and w.said == []

    w.now = 5.0
    w.started[0].code = -9
    sup.tick()
    assert w.said == [
        "intake-worker (pid 100) died: signal SIGKILL after 5.0s; restarting in 0.5s; "
        "see var/logs/intake-worker.log"
    ]
    assert len(w.started) == 1 and sup.processes() == []

    w.now = 5.4
    sup.tick()
    assert len(w.started) == 1, "not before its delay"
    w.now = 5.5
    sup.tick()
    assert len(w.started) == 2 and child.restarts == 1
    assert w.said[-1] == "intake-worker restarted (pid 101, restart 1)"
    assert sup.processes() == [("intake-worker", w.started[1])]


def test_a_process_that_keeps_crashing_waits_longer_each_time_until_it_stays_up() -> None:
    w = World()
    sup, child = supervised(w)
    delays = []
    for _ in range(7):
        w.started[-1].code = 1  # dies at once
        sup.tick()
        assert child.restart_at is not None
        delays.append(child.restart_at - w.now)
        w.now = child.restart_at
        sup.tick()
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    w.now += 31.0  # up long enough
    w.started[-1].code = 1
    sup.tick()
    assert child.restart_at == w.now + 0.5
    assert "exit status 1 after 31.0s" in w.said[-1]


def test_hooks_run_around_a_restart_and_a_failed_start_is_tried_again() -> None:
    w = World()
    fail = {"before": True}

    def before() -> None:
        w.events.append("before")
        if fail["before"]:
            fail["before"] = False
            raise RuntimeError("database down")

    def after() -> None:
        w.events.append("after")

    sup, child = supervised(w, before, after)
    w.started[0].code = -9
    sup.tick()
    w.now = 0.5
    sup.tick()
    assert w.events == ["start", "before"], "the first restart failed in its hook: nothing started"
    assert "could not be started again (RuntimeError('database down'))" in w.said[-1]
    assert child.restart_at == 1.5  # the next delay
    w.now = 1.5
    sup.tick()
    assert w.events == ["start", "before", "before", "start", "after"]
    assert child.restarts == 1 and w.said[-1] == "intake-worker restarted (pid 101, restart 1)"
