import logging

from scoring_site.logging import RedactSecretsFilter, redact


def test_registration_secrets_are_redacted():
    assert redact("Conflict: /api/v1/registration/AbC-123_xyz987654/") == (
        "Conflict: /api/v1/registration/[redacted]/"
    )
    assert redact("GET /registration/s3cretReference99/") == "GET /registration/[redacted]/"
    assert redact("GET /c/demo/") == "GET /c/demo/"


def test_the_filter_rewrites_the_record():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        "",
        0,
        "Conflict: %s",
        ("/register/tok3n-tok3n-tok3n/",),
        None,
    )

    RedactSecretsFilter().filter(record)

    assert record.getMessage() == "Conflict: /register/[redacted]/"
