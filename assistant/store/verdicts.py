"""Screen verdicts remembered per index version: whether a chunk passes a filter set and an access scope.

Every filtered search screens its dense window (hundreds of ids) in the lexical index's metadata table, and the
intent boosts screen it again under their own filters. A verdict depends only on the chunk's metadata, the
filters and the scope, never on the question, and the same few scopes (a team's) and filter sets come back on
every request; so each (filter set, scope) keeps the verdicts it has seen until the index changes (a write by
this process or a commit by another moves its version, which drops them all). Bounded in filter sets and in ids
per set, so a large store or many distinct filters cost memory in proportion to what is asked, not to the store.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from assistant.schemas import SearchFilters

MAX_SETS = 64  # (filter set, scope) pairs remembered, least recently used dropped first
MAX_IDS = 50_000  # verdicts kept per pair; past it, further ids are screened every time


def verdict_key(filters: SearchFilters, scope: Sequence[str] | None) -> str:
    """One (filter set, scope) pair as a key (scope order does not matter; None is unrestricted)."""
    scoped = "*" if scope is None else "\x1f".join(sorted(scope))
    return f"{filters.model_dump_json()}\x1e{scoped}"


class ScreenVerdicts:
    """Verdicts by id for each (filter set, scope) pair, valid for one index version. Not thread-safe: the
    lexical index calls it under its own lock."""

    def __init__(self, max_sets: int = MAX_SETS, max_ids: int = MAX_IDS) -> None:
        self._max_sets = max_sets
        self._max_ids = max_ids
        self._version: int | None = None
        self._sets: OrderedDict[str, dict[str, bool]] = OrderedDict()
        self._absent: set[str] = set()  # ids asked about that the index does not hold (at this version)

    def lookup(self, version: int, keys: Sequence[str], ids: Sequence[str]) -> tuple[dict[str, int], list[str]]:
        """Bit masks (bit ``n``: passes ``keys[n]``) of the ids known under every key, and the ids to screen.
        Ids the index did not hold stay out of both, as the screen leaves them out."""
        if version != self._version:
            self._version, self._absent = version, set()
            self._sets.clear()
        sets = []
        for key in keys:
            verdicts = self._sets.get(key)
            if verdicts is None:
                return {}, [i for i in dict.fromkeys(ids) if i not in self._absent]
            self._sets.move_to_end(key)
            sets.append(verdicts)
        masks: dict[str, int] = {}
        missing: list[str] = []
        for chunk_id in dict.fromkeys(ids):
            if chunk_id in self._absent:
                continue
            mask = 0
            for n, verdicts in enumerate(sets):
                passed = verdicts.get(chunk_id)
                if passed is None:
                    missing.append(chunk_id)
                    break
                mask |= passed << n
            else:
                masks[chunk_id] = mask
        return masks, missing

    def remember(self, version: int, keys: Sequence[str], asked: Sequence[str], found: dict[str, int]) -> None:
        """Keep what one screen of ``asked`` ids under ``keys`` found (ids it left out: not in the index)."""
        if version != self._version:
            return  # the index moved while the screen ran: its verdicts may be old already
        for n, key in enumerate(keys):
            verdicts = self._sets.setdefault(key, {})
            self._sets.move_to_end(key)
            room = self._max_ids - len(verdicts)
            for chunk_id, mask in found.items():
                if room <= 0:
                    break
                if chunk_id not in verdicts:
                    room -= 1
                verdicts[chunk_id] = bool(mask >> n & 1)
        while len(self._sets) > self._max_sets:
            self._sets.popitem(last=False)
        if len(self._absent) < self._max_ids:
            self._absent.update(i for i in asked if i not in found)
