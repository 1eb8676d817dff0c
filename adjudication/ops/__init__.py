"""Operations on whole competitions: backups and restores (``backups``), the data checks
(``verification``) and the seeded simulation of a day (``simulation``)."""
