"""The public's room for receipts: ``/verify/`` (pages) and ``/api/v1/verify/`` (api)
tell anyone holding a judge's receipt whether it matches what Podium holds now."""
