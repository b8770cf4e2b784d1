"""I/O of the intake service: tables and repositories (all SQL lives here), clients."""
