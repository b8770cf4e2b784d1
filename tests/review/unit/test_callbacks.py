"""Department callbacks: the signature a department verifies, and the hosts a callback may go to."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from services.review.domain.callbacks import callback_url_problem, signature, verify_signature

SECRET = "tax-callback-secret-0123456789abcdef"
BODY = b'{"submission_id":"6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f","status":"applied"}'
TS = 1_709_600_000


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body_as_documented() -> None:
    expected = hmac.new(SECRET.encode(), b"1709600000." + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, TS, BODY) == f"sha256={expected}"


def test_a_department_verifies_the_body_it_received_and_nothing_else() -> None:
    sig = signature(SECRET, TS, BODY)
    assert verify_signature(SECRET, str(TS), BODY, sig, now=TS + 10)
    assert not verify_signature(SECRET, str(TS), BODY.replace(b"applied", b"rejected"), sig)
    assert not verify_signature(SECRET, str(TS), BODY + b" ", sig)
    assert not verify_signature(SECRET, str(TS + 1), BODY, sig)
    assert not verify_signature("another-secret-0123456789abcdef", str(TS), BODY, sig)
    assert not verify_signature(SECRET, str(TS), BODY, sig, now=TS + 301)  # too old: a replay
    assert not verify_signature(SECRET, "-1", BODY, sig)
    assert not verify_signature(SECRET, str(TS), BODY, sig.removeprefix("sha256="))


ALLOWED = ["cb.tax.example.gov.cn", "127.0.0.1", "localhost", "::1"]


@pytest.mark.parametrize(
    "url",
    [
        "https://cb.tax.example.gov.cn/cb",
        "https://CB.Tax.Example.gov.cn:8443/hooks/review?x=1",
        "http://127.0.0.1:8080/cb",
        "http://localhost/cb",
        "http://[::1]:9000/cb",
    ],
)
def test_allowed_callback_urls(url: str) -> None:
    assert callback_url_problem(url, ALLOWED) is None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://evil.example.com/cb", "allow-list"),
        ("https://cb.tax.example.gov.cn.evil.example.com/cb", "allow-list"),
        ("https://tax.example.gov.cn/cb", "allow-list"),
        ("https://10.0.0.5/cb", "allow-list"),
        ("http://cb.tax.example.gov.cn/cb", "https"),
        ("ftp://cb.tax.example.gov.cn/cb", "https"),
        ("https://user:pw@cb.tax.example.gov.cn/cb", "credentials"),
        ("https://cb.tax.example.gov.cn:99999/cb", "valid"),
        ("https:///cb", "host"),
        ("https://cb.tax.example.gov.cn/" + "a" * 500, "longer"),
    ],
)
def test_refused_callback_urls(url: str, why: str) -> None:
    problem = callback_url_problem(url, ALLOWED)
    assert problem is not None and why in problem


def test_no_allow_list_allows_nothing() -> None:
    assert callback_url_problem("http://127.0.0.1/cb", []) is not None
