"""Reading a competition's description from a YAML or JSON file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml


class LoadError(Exception):
    """The description cannot be loaded; ``problems`` lists each fault with its path."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def read_description(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LoadError([f"{path}: no such file."]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError([f"{path}: cannot be read ({exc})."]) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except RecursionError:
        raise LoadError([f"{path}: nested too deeply to read."]) from None
    # ValueError: JSON's errors, and an integer too long to read (over 4,300 digits).
    except (ValueError, yaml.YAMLError) as exc:
        raise LoadError([f"{path}: not valid {path.suffix.lstrip('.').upper()}: {exc}"]) from None
    if not isinstance(data, dict):
        raise LoadError([f"{path}: the top level must be a mapping with a “competition” key."])
    return data
