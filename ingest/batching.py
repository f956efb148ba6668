"""Model batches for ingestion: longest texts first, batches sized by attention memory, vectors in input order.

Why this exists (measured on the Sourcegraph handbook, 611 chunks, all-MiniLM-L6-v2 on CPU, see
``benchmarks/ingestion.py``):

* Padding. The pipeline called the model once per batch of ``embedding_batch_size`` chunks in file order, so
  sentence-transformers' own length sort (which works within one ``encode`` call) had nothing to sort: every
  batch was padded to its longest chunk. Sorting a flush group by length before cutting it into batches puts
  chunks of similar length together, as one ``encode`` over all texts does.
* Peak memory. The forward pass holds activations in proportion to the batch's padded tokens (batch x longest
  text: hidden states, the feed-forward layer's 4x-wide intermediate) and attention matrices in proportion to
  batch x tokens², and the CPU attention path materialises them more than once. Batches of 64 chunks of 180-256
  tokens took 450-700 MiB above the loaded model: that was the gap in peak RSS to the LangChain tutorial
  pipeline, whose embedder encodes 32 at a time. Batches are therefore capped at :data:`TOKEN_BUDGET` padded
  tokens (16 full-length chunks, which also bounds the attention term) as well as at ``embedding_batch_size``:
  long chunks go 16 at a time, short ones still fill a batch. A budget of 32 full-length chunks still peaked
  at 978 MiB (the allocator keeps what it has freed, so peaks ratchet up batch after batch); at 16 the
  matrix products are still thousands of rows tall, so the model does the same work per token as fast.

Token counts are estimated from characters (no tokenizer is needed, so any embedder works); the estimate only
shapes batches, it never changes what is embedded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

MAX_TOKENS = 256  # all-MiniLM-L6-v2 truncates longer inputs, so longer texts cost no more than this
CHARS_PER_TOKEN = 3  # handbook Markdown: median 4.2 characters per WordPiece, a quarter under 3.5 (links, code)
TOKEN_BUDGET = 16 * MAX_TOKENS  # padded tokens per batch: 16 full-length chunks at a time

Embed = Callable[[list[str]], list[list[float]]]


def estimated_tokens(text: str) -> int:
    """A cheap, tokenizer-free token count, capped at what the model reads (plus [CLS] and [SEP])."""
    return min(MAX_TOKENS, len(text) // CHARS_PER_TOKEN + 2)


def length_batches(texts: Sequence[str], max_batch: int, budget: int = TOKEN_BUDGET) -> list[list[int]]:
    """Indices of ``texts`` cut into model batches: longest first (so the peak comes early and the progress
    estimate is pessimistic rather than optimistic), each batch at most ``max_batch`` long and within
    ``budget`` padded tokens (batch size x its longest text's tokens). Ties keep input order, so batches
    are deterministic."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    batches: list[list[int]] = []
    start = 0
    while start < len(order):
        longest = estimated_tokens(texts[order[start]])
        size = max(1, min(max_batch, budget // longest))
        batches.append(order[start : start + size])
        start += size
    return batches


def embed_sorted(embed: Embed, texts: Sequence[str], max_batch: int,
                 tick: Callable[[int], None] = lambda n: None) -> list[list[float]]:
    """Vectors for ``texts`` in their order, computed in :func:`length_batches`; ``tick(n)`` after each batch
    so progress moves while a large group embeds."""
    vectors: list[list[float] | None] = [None] * len(texts)
    for batch in length_batches(texts, max_batch):
        for index, vector in zip(batch, embed([texts[i] for i in batch]), strict=True):
            vectors[index] = vector
        tick(len(batch))
    return [v for v in vectors if v is not None]
