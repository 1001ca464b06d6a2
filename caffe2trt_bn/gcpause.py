"""Pausing Python's cyclic garbage collector while a model is loaded.

Loading a net creates tens of thousands of small objects (prototxt nodes, layers, blob
versions, stored layers) and no reference cycles, so the collector's passes over them
find nothing; while they run they cost a fifth of a load or more, the more so as the
parsed tree grows (a full pass visits every object alive).  Freeing a loaded net inside
the pause, too, keeps one of those passes from landing on it just before it goes.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Disables the cyclic collector for the ``with`` block (restoring it only if it was
    enabled, so blocks nest); reference counting frees objects as usual meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
