"""The full-round demo: a points round driven through the five services' HTTP APIs, as their users would."""
