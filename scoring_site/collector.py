"""Python's cyclic garbage collector, tuned for a server holding thousands of websockets.

Once per server process after start-up (``settle``): ``gc.freeze()`` moves what start-up
built, which lives as long as the process, out of every later collection; a larger
young-generation threshold (``PODIUM_GC_THRESHOLD``) lets a request's temporaries die
young instead of piling into the oldest generation, whose full collections paused the
event loop. ``PODIUM_GC_THRESHOLD=0`` leaves Python's defaults and freezes nothing. The
measurements and the thresholds tried: docs/benchmarks.md, "Garbage collection".
"""

from __future__ import annotations

import gc

from django.conf import settings


def settle() -> None:
    """Freeze what start-up built and raise the young generation's threshold. Call once
    per process, after the application is loaded."""
    threshold = settings.PODIUM_GC_THRESHOLD
    if threshold:
        gc.collect()  # start-up's own garbage is not worth keeping forever
        gc.freeze()
        _, older, oldest = gc.get_threshold()
        gc.set_threshold(threshold, older, oldest)
