"""I/O of the settlement service: tables and repositories (all SQL lives here), clients."""
