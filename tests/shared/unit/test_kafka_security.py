"""Kafka clients in production: SASL_SSL with the service's own principal (issue 14)."""

from __future__ import annotations

import ssl

import pytest
from pydantic import ValidationError

from shared.messaging.kafka import connection_options
from shared.settings import ServiceSettings


def test_the_local_broker_is_plaintext_without_credentials() -> None:
    assert connection_options(ServiceSettings()) == {"security_protocol": "PLAINTEXT"}


def test_sasl_ssl_carries_the_principal_and_a_verifying_tls_context() -> None:
    settings = ServiceSettings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="svc-scoring",
        kafka_sasl_password="s3cret-from-a-file",
    )
    options = connection_options(settings)
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "svc-scoring"
    assert options["sasl_plain_password"] == "s3cret-from-a-file"
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_sasl_without_credentials_is_refused_at_start_up_without_echoing_secrets() -> None:
    with pytest.raises(ValidationError) as e:
        ServiceSettings(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_username="svc-intake")
    assert "kafka_sasl_password" in str(e.value)


def test_replication_factor_of_created_topics_is_a_setting() -> None:
    assert ServiceSettings().kafka_replication_factor == 1
    assert ServiceSettings(kafka_replication_factor=3).kafka_replication_factor == 3
