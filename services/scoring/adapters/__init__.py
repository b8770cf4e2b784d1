"""I/O of the scoring service: tables and repositories (all SQL lives here), clients."""
