"""Independent reference implementation of the points rules and differential tests against it."""
