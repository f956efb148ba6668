"""Inference threads for serving: one per request, because requests are the parallelism.

torch uses every core for each forward pass by default. That is right for ingestion (one big batch at a
time) and wrong for a server: concurrent requests each ask for all cores, the threads contend, and when the
machine is busy a 35 ms query embedding was measured taking 700 ms. With one thread per pass, concurrent
requests run side by side on the cores instead (torch releases the GIL during the pass).
"""

from __future__ import annotations

import os

_CHOSEN = 0  # what set_inference_threads was last given in this process (0: never called, or one per core)


def set_inference_threads(threads: int) -> int:
    """Use ``threads`` intra-op threads in this process (0: one per core); returns the number now in use.
    torch takes it at once; an ONNX Runtime session created afterwards reads it (:func:`inference_threads`)."""
    global _CHOSEN
    count = threads if threads > 0 else (os.cpu_count() or 1)
    import torch

    torch.set_num_threads(count)
    _CHOSEN = threads
    return int(torch.get_num_threads())


def inference_threads() -> int:
    """The thread count chosen for this process by :func:`set_inference_threads` (0: every core)."""
    return _CHOSEN
