"""Use cases of the intake service: load, apply the rules, write state and events in one transaction."""
