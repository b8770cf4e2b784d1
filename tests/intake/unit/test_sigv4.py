"""SigV4 signing of S3 requests: AWS's published example, and botocore's signer as a second opinion."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import botocore.auth
import botocore.credentials
import pytest
from botocore.awsrequest import AWSRequest
from botocore.utils import percent_encode

from services.intake.adapters.sigv4 import (
    EMPTY_SHA256,
    Credentials,
    canonical_headers,
    canonical_query,
    encode_path,
    sign_request,
)

# "Example: GET Object" of the S3 API reference, "Signature Calculations for the Authorization Header:
# Transferring Payload in a Single Chunk (AWS Signature Version 4)".
AWS_EXAMPLE_CREDENTIALS = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
AWS_EXAMPLE_TIME = datetime(2013, 5, 24, 0, 0, 0, tzinfo=UTC)


def test_the_published_aws_get_object_example_signs_to_its_published_signature() -> None:
    headers = sign_request(
        "GET",
        "/test.txt",
        {"Host": "examplebucket.s3.amazonaws.com", "Range": "bytes=0-9"},
        payload_sha256=EMPTY_SHA256,
        credentials=AWS_EXAMPLE_CREDENTIALS,
        region="us-east-1",
        at=AWS_EXAMPLE_TIME,
    )
    assert headers["authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
    assert headers["x-amz-date"] == "20130524T000000Z"
    assert headers["x-amz-content-sha256"] == EMPTY_SHA256
    assert headers["Range"] == "bytes=0-9"


def test_the_signing_time_is_taken_in_utc_and_must_be_aware() -> None:
    beijing = datetime.fromisoformat("2013-05-24T08:00:00+08:00")
    a = sign_request(
        "GET",
        "/test.txt",
        {"host": "examplebucket.s3.amazonaws.com", "range": "bytes=0-9"},
        payload_sha256=EMPTY_SHA256,
        credentials=AWS_EXAMPLE_CREDENTIALS,
        region="us-east-1",
        at=beijing,
    )
    assert a["authorization"].endswith("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    with pytest.raises(ValueError, match="timezone-aware"):
        sign_request(
            "GET",
            "/x",
            {"host": "h"},
            payload_sha256=EMPTY_SHA256,
            credentials=AWS_EXAMPLE_CREDENTIALS,
            region="us-east-1",
            at=datetime(2013, 5, 24),  # noqa: DTZ001 — the naive time is the point of the test
        )


def test_the_host_header_must_be_signed() -> None:
    with pytest.raises(ValueError, match="host"):
        sign_request(
            "GET",
            "/x",
            {},
            payload_sha256=EMPTY_SHA256,
            credentials=AWS_EXAMPLE_CREDENTIALS,
            region="us-east-1",
            at=AWS_EXAMPLE_TIME,
        )


def test_paths_are_encoded_once_keeping_only_unreserved_characters_and_slashes() -> None:
    assert encode_path("/bucket/a b+c/学位证书(1).pdf") == (
        "/bucket/a%20b%2Bc/%E5%AD%A6%E4%BD%8D%E8%AF%81%E4%B9%A6%281%29.pdf"
    )
    assert encode_path("/b/A-Z_a.z~0/%41") == "/b/A-Z_a.z~0/%2541"
    assert canonical_query([("prefix", "a b/"), ("list-type", "2"), ("a", "")]) == (
        "a=&list-type=2&prefix=a%20b%2F"
    )
    block, signed = canonical_headers({"X-Amz-Meta-Note": "  two   spaces ", "Host": "h"})
    assert block == "host:h\nx-amz-meta-note:two spaces\n" and signed == "host;x-amz-meta-note"


def _botocore_authorization(
    method: str, url: str, headers: dict[str, str], body: bytes, at: datetime, params: dict[str, str]
) -> str:
    request = AWSRequest(method=method, url=url, data=body, headers=headers, params=params)
    creds = botocore.credentials.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    botocore.auth.S3SigV4Auth(creds, "s3", "cn-north-1").add_auth(request)
    auth: str = request.headers["Authorization"]
    return auth


@pytest.mark.parametrize(
    ("endpoint", "host"),
    [("http://127.0.0.1:9000", "127.0.0.1:9000"), ("https://minio.example.test", "minio.example.test")],
)
def test_a_put_with_a_body_and_an_awkward_key_signs_as_botocore_does(
    monkeypatch: pytest.MonkeyPatch, endpoint: str, host: str
) -> None:
    at = datetime(2024, 5, 10, 1, 2, 3, tzinfo=UTC)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: at)
    key = "hukou materials/申请 2024/a+b (1)&c=d~e!*'$@;:,.pdf"
    body = b"%PDF-1.4\n" + bytes(range(256)) * 4
    payload = hashlib.sha256(body).hexdigest()
    # botocore's REST serializer renders a greedy {Key+} label with percent_encode(key, safe="/~").
    url = f"{endpoint}/bucket-1/{percent_encode(key, safe='/~')}"
    expected = _botocore_authorization(
        "PUT", url, {"Content-Type": "application/octet-stream"}, body, at, params={}
    )

    ours = sign_request(
        "PUT",
        encode_path(f"/bucket-1/{key}"),
        {"host": host, "content-type": "application/octet-stream"},
        payload_sha256=payload,
        credentials=Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region="cn-north-1",
        at=at,
    )
    assert encode_path(f"/bucket-1/{key}") == f"/bucket-1/{percent_encode(key, safe='/~')}"
    assert ours["authorization"] == expected


def test_a_get_with_a_query_signs_as_botocore_does(monkeypatch: pytest.MonkeyPatch) -> None:
    at = datetime(2024, 5, 10, 1, 2, 3, tzinfo=UTC)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: at)
    params = {"list-type": "2", "prefix": "ab/cd e", "max-keys": "10"}
    expected = _botocore_authorization("GET", "http://127.0.0.1:9000/bucket-1", {}, b"", at, params)
    ours = sign_request(
        "GET",
        "/bucket-1",
        {"host": "127.0.0.1:9000"},
        payload_sha256=EMPTY_SHA256,
        credentials=Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region="cn-north-1",
        at=at,
        query=params.items(),
    )
    assert ours["authorization"] == expected


def test_credentials_never_show_the_secret_in_their_repr() -> None:
    assert "EXAMPLEKEY" not in repr(AWS_EXAMPLE_CREDENTIALS)
