"""Published results: the facts read once (``facts``), the tables (``tables``), their PDFs
(``pdf``) and the JSON, CSV and PDF exports (``exports``)."""
