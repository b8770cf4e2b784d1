"""I/O of the publicity service: tables and repositories (all SQL lives here), clients."""
