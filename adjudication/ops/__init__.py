"""Operations on whole competitions: backups and restores (``backups``, the file format in
``backup_format``), the data checks (``verification``) and the seeded simulation of a day
(``simulation``)."""
