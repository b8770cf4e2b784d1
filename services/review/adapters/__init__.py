"""I/O of the review service: tables and repositories (all SQL lives here), clients."""
