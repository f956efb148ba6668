"""Questions embedded through a TorchScript trace of the same model: one call that runs without the GIL.

Why: a server's request threads hold the interpreter lock most of the time, and a sentence-transformers forward
pass is about a hundred Python-level module calls, each of which must win the lock back. Measured on this
2-core machine, one question took 14 ms alone and 590 ms beside a single busy Python thread; through the trace,
which runs the whole pass (mean pooling and normalisation included) as one call that lets go of the lock,
9 ms and 34 ms. Under 16 clients that convoy, not the arithmetic, was what bounded the served rate.

Same weights, same pooling, same normalisation: the trace is checked against the model's own output when it is
built (padded batches and a truncated text) and is not used unless it agrees to :data:`TOLERANCE`. Any model
that is not exactly Transformer → mean Pooling → Normalize, and any trace error, keeps the sentence-transformers
path. Documents (ingest, big batches, where Python overhead is a small share) always take that path.
"""

from __future__ import annotations

import copy
import logging
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

log = logging.getLogger("prodops.embeddings")
TOLERANCE = 1e-5  # largest difference allowed from the model's own vectors (measured: 3e-8)
# Probe texts the trace must reproduce: different lengths in one batch (so padding and the attention mask are
# exercised), and one longer than the model's window (so truncation is).
_PROBES = ("a short question", "a somewhat longer question about which team owns the objective and when it ships",
           "word " * 600)


def _pooled_module(auto_model: Any) -> Any:
    import torch

    class Pooled(torch.nn.Module):
        """The transformer, mean pooling over real tokens, then unit length: what the three modules do."""

        def __init__(self) -> None:
            super().__init__()
            self.model = auto_model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    return Pooled().eval()


class TracedQueryEncoder:
    """Encodes short texts with a frozen trace of a loaded SentenceTransformer; build with :meth:`build`."""

    def __init__(self, traced: Any, tokenizer: Any, max_length: int) -> None:
        self._traced = traced
        self._tokenizer = tokenizer  # a copy: a fast tokenizer is not safe to share with a thread using the model
        self._max_length = max_length

    @classmethod
    def build(cls, model: Any) -> TracedQueryEncoder | None:
        """The trace of ``model``, or None (logged) when the model's shape is not the one traced or it disagrees."""
        import torch

        kinds = [type(module).__name__ for module in model]
        pooling = model[1].get_config_dict() if len(kinds) > 1 else {}
        if kinds != ["Transformer", "Pooling", "Normalize"] or pooling.get("pooling_mode") != "mean":
            log.info("query trace not used: the model is %s with pooling %s", kinds, pooling)
            return None
        tokenizer = copy.deepcopy(model.tokenizer)
        max_length = int(model.max_seq_length)
        try:
            example = tokenizer(list(_PROBES[:2]), padding=True, truncation=True, max_length=max_length,
                                return_tensors="pt")
            with warnings.catch_warnings(), torch.inference_mode():
                warnings.simplefilter("ignore")  # the tracer's notes on Python-level branches it records once
                traced = torch.jit.trace(_pooled_module(model[0].auto_model),
                                         (example["input_ids"], example["attention_mask"]),
                                         strict=False, check_trace=False)
            encoder = cls(torch.jit.freeze(traced.eval()), tokenizer, max_length)
            expected = model.encode(list(_PROBES), normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=False)
            difference = float(np.abs(np.asarray(encoder.encode(_PROBES)) - expected).max())
        except Exception as exc:  # noqa: BLE001 - any failure keeps the sentence-transformers path
            log.warning("query trace not used: tracing the model failed (%s: %s)", type(exc).__name__, exc)
            return None
        if difference > TOLERANCE:
            log.warning("query trace not used: it differs from the model by %.2g (allowed %.0g)", difference,
                        TOLERANCE)
            return None
        return encoder

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        import torch

        batch = self._tokenizer(list(texts), padding=True, truncation=True, max_length=self._max_length,
                                return_tensors="pt")
        with torch.inference_mode():
            vectors = self._traced(batch["input_ids"], batch["attention_mask"])
        return [row.tolist() for row in vectors.numpy()]
