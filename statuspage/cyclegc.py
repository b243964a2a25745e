"""The cycle collector during a run: less often, as a run makes little cyclic garbage."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: While a build or check runs, the cycle collector waits for this many new objects, not
#: 700. A run keeps hundreds of thousands of objects alive (the model, the state, the pages)
#: and makes little cyclic garbage; at the default, a sixth of its time went to collections
#: that walk everything alive and free next to nothing.
GC_THRESHOLD = 50_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cycle collector less often for the duration; the thresholds are restored."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], GC_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
