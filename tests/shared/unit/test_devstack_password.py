"""The local stack's generated administrator password always satisfies intake's password rule.

(`secrets.token_urlsafe` did not: about one in fifteen had no digit, and `make run` failed to start.)"""

from __future__ import annotations

from pydantic import TypeAdapter

from services.intake.schemas import Password
from shared.devstack.__main__ import generate_password


def test_every_generated_password_is_accepted_by_the_account_rules() -> None:
    check = TypeAdapter(Password)
    passwords = {generate_password() for _ in range(3000)}
    assert len(passwords) == 3000  # random, not a constant
    for password in passwords:
        assert check.validate_python(password) == password
        assert len(password) == 16 and password.isalnum()
