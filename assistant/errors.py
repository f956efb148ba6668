"""Domain errors. Raised anywhere in the core; translated to HTTP or CLI messages only at the edges."""


class ProdopsError(Exception):
    """Base class: the message is written for the person who has to act on it."""


class ConfigError(ProdopsError):
    """A setting is missing or wrong; the message names the PRODOPS_* variable to fix."""


class StoreUnavailable(ProdopsError):
    """The Chroma store cannot be opened or reached."""


class SourceError(ProdopsError):
    """A file cannot be ingested. Carries the workspace-relative path and an actionable reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class NotFound(ProdopsError):
    """A source, chunk or conversation id that does not exist (or is outside the caller's scope)."""


class ModelUnavailable(ProdopsError):
    """The language model could not give a usable reply (unreachable, too slow, an error, nothing usable).

    ``reason`` is a short code (``unreachable``, ``timeout``, ``disconnected``, ``error``, ``too_long``) kept in
    JSON output;
    ``partial`` is whatever text arrived before the failure. Callers fall back to their offline result.
    """

    def __init__(self, reason: str, message: str, partial: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.partial = partial
