"""Judges' receipts: when a round's result is stored, every judge on its panel gets a
receipt of their own sheets (marks, when the desk received each sheet, the SHA-256 of
the round's stored result), signed by the site with HMAC-SHA256 under
``PODIUM_RECEIPT_KEY`` (``signing``). Reopening, an unlock, a paper correction or a
re-tabulation supersedes it with the reason (``issuing``); anyone holding a receipt asks
``/verify/`` whether it matches what Podium holds now (``checking``)."""
