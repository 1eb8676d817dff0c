"""Production's security settings, the headers on responses, and templates free of
inline script, style and event handlers (the CSP would block them)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from tests.factories.accounts import UserFactory

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


def test_production_settings_turn_the_protections_on(tmp_path):
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='scoring_site.settings.base';"
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS, 'csp.middleware.CSPMiddleware' in s.MIDDLEWARE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "PODIUM_DATA_DIR": str(tmp_path),
            "PODIUM_ENV": "production",
            "SECRET_KEY": "k" * 60,
            "PODIUM_RECEIPT_KEY": "r" * 40,
            "ALLOWED_HOSTS": "podium.example.org",
        },
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "31536000", "True"]


@pytest.mark.django_db
@override_settings(
    SECURE_HSTS_SECONDS=31536000, SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True
)
def test_responses_carry_the_headers_and_secure_cookies():
    UserFactory(username="someone", roles=["organizer"])
    client = Client()

    response = client.get("/tablet/", secure=True)
    signed_in = client.post(
        "/admin/login/",
        {"username": "someone", "password": "correct horse battery staple"},
        secure=True,
    )

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    # The directives' order is django-csp's, not ours: compare the script-src one whole.
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Frame-Options"] == "DENY"
    assert response.cookies["csrftoken"]["secure"] is True
    assert signed_in.cookies["sessionid"]["secure"] is True
    assert signed_in.cookies["sessionid"]["httponly"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("preload", [False, True])
def test_hsts_carries_preload_only_when_the_setting_asks(settings, preload):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_PRELOAD = preload

    response = Client().get("/tablet/", secure=True)

    assert ("preload" in response["Strict-Transport-Security"]) is preload


@pytest.mark.django_db
def test_a_staff_session_lasts_twelve_hours_not_two_weeks(client):
    UserFactory(username="someone", roles=["organizer"])

    signed_in = client.post(
        "/admin/login/", {"username": "someone", "password": "correct horse battery staple"}
    )

    assert signed_in.cookies["sessionid"]["max-age"] == 12 * 3600
    assert client.session.get_expiry_age() == 12 * 3600


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_no_inline_script_style_or_handlers(path):
    text = path.read_text()

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text) == []
    assert "<style" not in text
    assert re.findall(r"\sstyle=", text) == []
    assert re.findall(r"\son[a-z]+=", text) == []
    assert "javascript:" not in text


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_post_form_carries_the_csrf_token(path):
    text = path.read_text()
    for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", text, re.S | re.I):
        assert "{% csrf_token %}" in form
