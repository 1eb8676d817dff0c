"""Says whether pip-audit can read vulnerability data from here.

pip-audit's PyPI service reads https://pypi.org/pypi/NAME/VERSION/json for every pin.
Some build machines reach only the package index, where every package would come back
"not found, could not be audited". This asks for the first pin of a requirements file:
exit 0 when PyPI answers with vulnerability data, 1 (saying why) when it does not.

    python .ci/pypi_reachable.py requirements.txt
"""

import json
import re
import sys
import urllib.request

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def first_pin(path: str) -> tuple[str, str]:
    with open(path, encoding="utf-8") as requirements:
        for line in requirements:
            match = PIN.match(line.strip())
            if match:
                return match.group(1), match.group(2)
    raise SystemExit(f"{path}: no pinned requirement (NAME==VERSION) found")


def main(path: str) -> int:
    name, version = first_pin(path)
    url = f"https://pypi.org/pypi/{name}/{version}/json"
    try:
        with urllib.request.urlopen(url, timeout=15) as answer:  # nosec B310: fixed https URL
            data = json.load(answer)
    except (OSError, ValueError) as error:
        print(f"pip-audit skipped: PyPI's vulnerability data is not reachable ({url}: {error})")
        return 1
    if "vulnerabilities" not in data:
        print(f"pip-audit skipped: {url} answers without vulnerability data")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "requirements.txt"))
