"""Use cases of the review service, one module per area: ``async def do_x(tx: Tx, cmd: DoX) -> Result``.

- :mod:`.intake_events`: ``application.submitted`` and ``round.phase_changed`` (consumers);
- :mod:`.verification`: where verifications stand, evidence, retries, and the verification job's steps;
- :mod:`.onsite`: 现场审核 tasks and their decisions;
- :mod:`.requests`: 复查 rechecks and 申诉 appeals;
- :mod:`.departments`: partner departments' pushes and the submissions job's steps;
- :mod:`.rounds`: the rounds known from ``round.phase_changed``;
- :mod:`.common`: :func:`~.common.settle` (recompute, open on-site tasks, emit) and the ID number;
- :mod:`.values`: the values staff enter, as parts of the points facts.

Handlers run in the transaction their caller gives them (``ctx.run`` for an endpoint, ``ctx.tx_for``
for a consumer, ``ctx.transaction`` for a job) and raise the error family of ``shared.api.errors``.
"""
