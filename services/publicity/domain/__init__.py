"""Pure rules of the publicity service: the period, the outcome of an entry, the objection workflow,
the rate limit and attachment types. No I/O; the calendar is ``shared.calendar`` (pure, data-driven)."""
