"""The day as it really happens: absent, retired and disqualified couples
(``couples``), redances (``redance``), seeded couples (``seeding``), replacement
judges (``judges``); each a service in one transaction that writes its row and an
``Incident`` in the day's trail (``trail``), and announces itself after commit."""
