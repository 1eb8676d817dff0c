"""Python's cyclic garbage collector, tuned for a server holding thousands of websockets.

Measured with `bench/bench_live.py` (docs/benchmarks.md, "Garbage collection"): with
1,500 viewers per worker, a full (generation 2) collection walked every object of
every connection and of Django itself and stopped the worker's event loop for 150 to
550 ms: about once a minute while the hall sat still, several times a second while
the phones connected. A sheet, or a push to the hall, that arrived meanwhile waited
for all of it: those pauses were the slowest sheets of the runs.

Two changes, made once per server process after start-up (``settle``):

* ``gc.freeze()``: the objects alive after start-up (modules, classes, settings, the
  URLconf: about 160,000, 70 ms of every full collection on the test machine) go to
  the permanent generation, which no collection walks again. They live as long as the
  process anyway.
* A larger young-generation threshold (``PODIUM_GC_THRESHOLD``, 10,000 instead of
  Python's 700). A request allocates thousands of short-lived objects; with 700, young
  collections ran several times per request and promoted its temporaries, still alive
  at that moment, to the older generations, where only a full collection frees them
  and where they count towards the next one. At 10,000 they die young. 50,000 was
  tried and is too many: each young collection then had tens of thousands of objects
  to walk and took up to 130 ms itself.

After both, the benchmark saw no full collection after start-up and no pause over
60 ms while 3,000 viewers were connected. ``PODIUM_GC_THRESHOLD=0`` leaves Python's
defaults (and freezes nothing).
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
