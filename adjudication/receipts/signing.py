"""What a receipt's digest is taken over and with which key: canonical JSON (sorted keys,
no spaces, numbers of marks as strings), HMAC-SHA256, and the short code people type."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any

from django.conf import settings

# Keeps the development key apart from every other value derived from SECRET_KEY.
KEY_SALT = b"podium.adjudication.receipts.key"
CODE_BYTES = 10  # 80 bits: 16 base32 characters
_CODE_CHARACTERS = re.compile(r"^[A-Z2-7]{16}$")
# Characters people mistype for base32's own (which has no 0, 1 or 8).
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def receipt_key() -> bytes:
    """``PODIUM_RECEIPT_KEY``, or (development) a key derived from SECRET_KEY."""
    if settings.PODIUM_RECEIPT_KEY:
        return settings.PODIUM_RECEIPT_KEY.encode()
    return hmac.new(KEY_SALT, settings.SECRET_KEY.encode(), hashlib.sha256).digest()


def key_id(key: bytes | None = None) -> str:
    """A short name of the key, kept in each receipt: a rotated key is told apart from
    a forged receipt."""
    return hashlib.sha256(b"podium receipt key id:" + (key or receipt_key())).hexdigest()[:12]


def canonical(content: Any) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_of(content: Any) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def digest_of(payload: dict[str, Any]) -> str:
    return hmac.new(receipt_key(), canonical(payload), hashlib.sha256).hexdigest()


def code_of(digest: str) -> str:
    """The first 80 bits of the digest in base32, grouped ``XXXX-XXXX-XXXX-XXXX``."""
    text = base64.b32encode(bytes.fromhex(digest)[:CODE_BYTES]).decode()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def code_normalize(typed: str) -> str | None:
    """A typed code in its printed form (case, spaces, dashes and look-alike digits
    forgiven), or None when it cannot be a receipt's code."""
    text = re.sub(r"[\s\-]", "", typed or "").upper().translate(_LOOKALIKES)
    if not _CODE_CHARACTERS.match(text):
        return None
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))
