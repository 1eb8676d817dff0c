"""Marks and sheets live here (built by the adjudication issue)."""
