"""All configuration in one place, read from ``PRODOPS_*`` environment variables (or a ``.env`` file).

One settings class keeps every knob discoverable: the CLI, the API and the ingestion jobs all read the same
values through :func:`get_settings`, so a deployment is described by its environment alone.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import ConfigError


class ApiKey(BaseModel):
    """One API key: who holds it and which teams' documents it may read.

    Store ``key_sha256`` (hex SHA-256 of the key, e.g. ``printf %s KEY | sha256sum``) rather than ``key``.
    """

    name: str
    team: str
    role: str = "member"  # "admin" reads every team's documents
    key_sha256: str | None = None
    key: str | None = None


class Settings(BaseSettings):
    """prodops settings; every field maps to ``PRODOPS_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="PRODOPS_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path(".prodops"),
        description="Local state: the embedded Chroma store, the lexical index, metric rows, conversations.",
    )
    workspace: Path = Field(
        default=Path("examples/workspace"),
        description="The workspace folder whose cadences/ holds check-in cadence definitions (YAML).",
    )
    chroma_url: str | None = Field(
        default=None,
        description="URL of a Chroma server (`chroma run`), e.g. http://127.0.0.1:8000. Unset: embedded store.",
    )
    collection: str = Field(default="prodops", description="Name prefix of the Chroma collections.")
    serve_threads: int = Field(
        default=0, ge=0, le=256,
        description="Inference threads per request in `prodops serve` (0: one per core, torch's default). One "
                    "thread can be faster when the host is overloaded by other work; measure with "
                    "benchmarks/load.py --threads. Ingestion always uses every core.",
    )
    sentence_cache_rows: int = Field(
        default=100_000, ge=0,
        description="Sentence vectors kept in the data dir for every server process and restart (about 3 KB "
                    "each; past this many the oldest half is dropped). 0: each process keeps its own only.",
    )
    serve_workers: int = Field(
        default=1, ge=0, le=64,
        description="Server processes `prodops serve` runs on its port (0: one per core). One process answers "
                    "one request's Python work at a time; more use more cores, each loading the model (~0.6 GB). "
                    "They share the data dir as two servers would (upload jobs run once, in the process that "
                    "accepted them).",
    )
    serve_work_slots: int = Field(
        default=0, ge=0, le=256,
        description="Requests whose search and offline answer run at once in one process, once their question is "
                    "embedded (0: the cores + 1). The rest wait their turn: with every request's Python work "
                    "sharing one interpreter lock, a request in a crowd of 16 took 16 times its own work, and a "
                    "compound question twice the median; taking turns gives a shorter tail at the same throughput. "
                    "Questions are embedded before a slot is taken, so they still share passes.",
    )
    serve_keepalive_requests: int = Field(
        default=25, ge=0,
        description="With several server processes, requests one kept-alive connection gets before the reply asks "
                    "the client to reconnect (0: never), so long-lived clients that connected together spread over "
                    "the processes instead of staying on the one that accepted them.",
    )
    hnsw_ef_search: int = Field(
        default=200, ge=10, le=2000,
        description="HNSW candidates examined per query: high enough that the top 40 equal exact search, so the "
                    "same question gets the same passages in every process (existing collections are raised to it).",
    )
    hnsw_ef_construction: int = Field(default=200, ge=10, le=2000, description="HNSW build breadth (new collections).")
    embedding_batch_size: int = Field(default=64, ge=1, le=4096)
    embedding_device: str = Field(default="cpu")
    embedding_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        default="torch", description="torch (default), or ONNX Runtime exported locally from the same model."
    )
    model_cache_dir: Path | None = Field(
        default=None,
        description="Where the ONNX export of the model is kept, once per machine and shared by every data dir "
                    "(default: $XDG_CACHE_HOME/prodops/models, else ~/.cache/prodops/models).",
    )
    max_file_bytes: int = Field(default=20_000_000, ge=1, description="Files larger than this are refused.")
    max_json_bytes: int = Field(default=5_000_000, ge=1, description="JSON files larger than this are refused.")
    max_json_depth: int = Field(default=64, ge=2, le=900, description="Deeper-nested JSON is refused.")
    max_unzipped_bytes: int = Field(
        default=100_000_000, ge=1, description="DOCX (zip) archives whose entries add up to more are refused."
    )
    max_zip_ratio: int = Field(
        default=200, ge=2, description="A DOCX entry over 1 MB that expands more than this many times is refused."
    )
    max_zip_entries: int = Field(default=5000, ge=1, description="DOCX archives with more entries are refused.")
    parse_timeout_seconds: float = Field(
        default=60.0, gt=0, description="Parsing one file may take this long before it is stopped and reported."
    )
    parse_memory_mb: int = Field(
        default=2048, ge=0, description="Address-space limit of the parser process, in MB (0: no limit)."
    )
    parse_isolation: bool = Field(
        default=True, description="Parse files in a separate worker process (time and memory limits enforced)."
    )
    max_job_chunks: int = Field(
        default=2000, ge=1, description="Chunks one upload job may embed; files past the budget are reported."
    )
    chunk_size: int = Field(default=1200, ge=200, description="Target chunk size in characters.")
    chunk_overlap: int = Field(default=150, ge=0)
    company_name: str = Field(default="your company", description="Used in prompts and reports.")
    fiscal_year_start_month: int = Field(
        default=1, ge=1, le=12, description="First month of the fiscal year, for questions naming FY24 or Q2 FY24."
    )
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint; unset: offline.")
    llm_model: str | None = None
    llm_api_key: str | None = None
    # Every model call is bounded: a token limit per task, a timeout, a prompt that fits the context window.
    llm_timeout: float = Field(default=60.0, gt=0, le=3600, description="Seconds one model call may take (also "
                               "the longest wait for the next streamed token); then the offline answer is shown.")
    llm_connect_timeout: float = Field(default=5.0, gt=0, le=120, description="Seconds to reach the model server.")
    llm_retries: int = Field(default=1, ge=0, le=5, description="Retries of a failed call (connection errors, "
                             "timeouts, 5xx) before falling back to the offline result.")
    llm_retry_after: float = Field(default=30.0, ge=0, description="After a model failure, seconds during which "
                                   "calls go straight to the offline result instead of waiting again.")
    llm_temperature: float = Field(default=0.0, ge=0, le=2)
    llm_context_tokens: int = Field(default=8192, ge=256, description="The model's context window: prompts are "
                                    "trimmed (lowest-ranked sources first) to fit it with the reply's max tokens.")
    llm_max_tokens_answer: int = Field(default=400, ge=16, description="Reply limit for a chat answer.")
    llm_max_tokens_condense: int = Field(default=64, ge=8, description="Reply limit for a condensed follow-up.")
    llm_max_tokens_section: int = Field(default=350, ge=16, description="Reply limit for one strategy section.")
    llm_max_tokens_label: int = Field(default=24, ge=4, description="Reply limit for a theme label.")
    llm_max_tokens_narrative: int = Field(default=250, ge=16, description="Reply limit for a check-in narrative.")
    llm_max_tokens_plan: int = Field(default=1500, ge=64, description="Reply limit for reading one plan-like "
                                     "document the offline reader could not (structured output).")
    llm_min_supported: float = Field(default=0.66, ge=0, le=1, description="Share of a model's sentences that must "
                                     "be supported by and cite the sources for its text to be shown; below it the "
                                     "offline result is shown with a notice.")

    api_keys: list[ApiKey] = Field(
        default_factory=list,
        description='JSON list, e.g. [{"name": "ana", "team": "growth", "key_sha256": "..."}]. Empty: open, '
        "loopback only.",
    )
    max_upload_files: int = Field(default=20, ge=1, description="Files per upload request.")
    max_question_chars: int = Field(default=2000, ge=10)
    contact_rest_days: int = Field(
        default=30, ge=0, description="Warn before contacting a customer person or company interviewed this many "
        "days ago or less (research-ops rest period)."
    )
    contact_max_per_quarter: int = Field(
        default=2, ge=1, description="Warn when a planned contact would make a company's interviews in one "
        "calendar quarter exceed this number."
    )
    plan_model_fallback: bool = Field(
        default=True, description="With a language model configured, documents that look like plans but that the "
        "offline reader found nothing in are read by the model; every text it returns must be verbatim."
    )
    plan_model_max_chars: int = Field(
        default=24_000, ge=1000, description="At most this many characters of a document go to the model."
    )

    @field_validator("chroma_url")
    @classmethod
    def _blank_url_is_none(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("PRODOPS_CHROMA_URL must start with http:// or https://, e.g. http://127.0.0.1:8000")
        return value.rstrip("/")

    @field_validator("llm_base_url")
    @classmethod
    def _llm_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("PRODOPS_LLM_BASE_URL must start with http:// or https://, e.g. http://127.0.0.1:8080/v1")
        return value.rstrip("/")

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_smaller_than_chunk(cls, value: int, info: ValidationInfo) -> int:
        size = info.data.get("chunk_size", 1200)
        if value >= size:
            raise ValueError("PRODOPS_CHUNK_OVERLAP must be smaller than PRODOPS_CHUNK_SIZE")
        return value

    @field_validator("api_keys")
    @classmethod
    def _keys_are_usable(cls, keys: list[ApiKey]) -> list[ApiKey]:
        names = [entry.name for entry in keys]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"PRODOPS_API_KEYS names must be unique, but {', '.join(map(repr, twice))} is used by "
                             "more than one key; give every key its own name (e.g. 'ana-growth', 'ana-enterprise')")
        digests = [(e.key_sha256 or hashlib.sha256((e.key or "").encode()).hexdigest()).lower() for e in keys]
        if len(set(digests)) != len(digests):
            raise ValueError("PRODOPS_API_KEYS lists the same key twice; each entry needs its own key")
        for entry in keys:
            if not entry.key_sha256 and not entry.key:
                raise ValueError(f"PRODOPS_API_KEYS entry {entry.name!r} needs key_sha256 (preferred) or key")
            if entry.key_sha256 and len(entry.key_sha256) != 64:
                raise ValueError(f"PRODOPS_API_KEYS entry {entry.name!r}: key_sha256 must be 64 hex characters")
        return keys

    def anchored(self, base: Path) -> Settings:
        """These settings with relative paths made absolute: the rule that keeps them independent of the cwd.

        A relative ``data_dir`` or ``workspace`` from the ``.env`` file (or a default) is taken relative to
        ``base``, the folder of that ``.env`` file; a relative value from an environment variable is taken
        relative to the current directory, as a shell user expects. Either way it is resolved once, here.
        """
        updates: dict[str, Path] = {}
        for name in _PATH_FIELDS:
            value: Path = getattr(self, name)
            if not value.is_absolute():
                origin = Path.cwd() if f"PRODOPS_{name.upper()}" in os.environ else base
                updates[name] = (origin / value).resolve()
        return self.model_copy(update=updates)

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lexical_path(self) -> Path:
        return self.data_dir / "lexical.sqlite3"

    @property
    def metrics_path(self) -> Path:
        return self.data_dir / "metrics.sqlite3"

    @property
    def conversations_path(self) -> Path:
        return self.data_dir / "conversations.sqlite3"

    @property
    def sentence_vectors_path(self) -> Path:
        return self.data_dir / "sentence-vectors.sqlite3"


_PATH_FIELDS = ("data_dir", "workspace")


def find_env_file(start: Path | None = None) -> Path | None:
    """The nearest ``.env`` file in ``start`` (default: the current directory) or its parents, as git finds .git.

    So any command run from inside a project reads the project's settings, and the paths in them mean the same.
    """
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / ".env"
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once; relative paths anchored by :meth:`Settings.anchored`. Invalid
    values are a :class:`ConfigError` naming the variable, the value and the fix."""
    env_file = find_env_file()
    try:
        settings = Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigError(describe_invalid_settings(exc)) from None
    return settings.anchored(env_file.parent if env_file else Path.cwd())


def describe_invalid_settings(exc: ValidationError) -> str:
    """One sentence naming the PRODOPS_* variable(s) that are wrong, the value and the fix."""
    parts = []
    for error in exc.errors():
        loc = [str(p) for p in error["loc"]]
        name = f"PRODOPS_{loc[0].upper()}" if loc else "a PRODOPS_* setting"
        where = f" (entry {'.'.join(loc[1:])})" if len(loc) > 1 else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        value = error.get("input")
        shown = f"={value!r}" if isinstance(value, str | int | float) and len(loc) == 1 else ""
        parts.append(message if message.startswith(name) else f"{name}{shown}{where}: {message}")
    return "; ".join(parts) + " (fix it in the environment or the .env file, or unset it for the default)"
