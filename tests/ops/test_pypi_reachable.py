"""The CI step that gates pip-audit: it runs only where PyPI's per-release JSON answers
with vulnerability data, and says why when it does not (PyPI itself is outside, so its
answers are stood in for)."""

import importlib.util
import io
import json
import urllib.error
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "pypi_reachable.py"


@pytest.fixture
def probe():
    spec = importlib.util.spec_from_file_location("pypi_reachable", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def requirements(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("# pinned\n-r base.txt\n\nDjango==5.2.19  # the framework\nredis==8.1.0\n")
    return path


def _answer(monkeypatch, probe, *, body=None, error=None):
    asked = []

    def urlopen(url, timeout):
        asked.append(url)
        if error:
            raise error
        return io.BytesIO(json.dumps(body).encode())

    monkeypatch.setattr(probe.urllib.request, "urlopen", urlopen)
    return asked


def test_the_first_pin_is_asked_for_and_vulnerability_data_lets_pip_audit_run(
    probe, requirements, monkeypatch
):
    asked = _answer(monkeypatch, probe, body={"info": {}, "vulnerabilities": []})

    assert probe.main(str(requirements)) == 0
    assert asked == ["https://pypi.org/pypi/Django/5.2.19/json"]


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ({"error": urllib.error.URLError("Name or service not known")}, "not reachable"),
        ({"body": {"info": {}}}, "without vulnerability data"),
    ],
    ids=["unreachable", "no-data"],
)
def test_without_vulnerability_data_the_step_is_skipped_saying_why(
    probe, requirements, monkeypatch, capsys, answer, said
):
    _answer(monkeypatch, probe, **answer)

    assert probe.main(str(requirements)) == 1
    assert "pip-audit skipped" in capsys.readouterr().out
    probe.main(str(requirements))
    assert said in capsys.readouterr().out


def test_a_file_without_pins_is_refused(probe, tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("django>=5\n")

    with pytest.raises(SystemExit, match="no pinned requirement"):
        probe.main(str(path))
