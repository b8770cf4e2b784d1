"""Use cases of the scoring service, by area: ``async def do_x(tx: Tx, cmd: DoX) -> Result``.

- :mod:`.calculator`: the public calculator (pure; no database);
- :mod:`.scores`: scoring verified facts (``verification.completed`` → ``score.computed``), history;
- :mod:`.rounds`: the round read model (``round.phase_changed``);
- :mod:`.rankings`: run, read and finalize the ranking of a round;
- :mod:`.graduates`: the graduate eligibility calculator (pure), ``graduate.verified`` →
  ``graduate.assessed``, a declaration's assessment for staff.
"""
