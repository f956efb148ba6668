"""PDF documents via pypdf: the text layer only, page by page.

There is no OCR here on purpose: a scanned PDF has no text layer, and indexing nothing (or guessing) would
be worse than telling the author to export the document as text.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader

from ingest.loaders import Body, LoaderError
from ingest.loaders.markdown import text_body

_HELP = "export it again from the source application, or save it as Markdown/text"


def load_pdf(data: bytes) -> Body:
    """The text of every page (blank-line separated); the PDF's Title property as a fallback title.

    Raises:
        LoaderError: encrypted, unreadable, or without extractable text.
    """
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf logs every recoverable glitch as a warning
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoaderError(f"encrypted PDF (password protected); {_HELP} without a password")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except LoaderError:
        raise
    except Exception as exc:  # pypdf raises many exception types on corrupt input; all mean "unreadable"
        raise LoaderError(f"unreadable PDF ({type(exc).__name__}: {exc}); {_HELP}") from exc
    text = "\n\n".join(p for p in pages if p)
    if not text.strip():
        raise LoaderError(
            "no extractable text in this PDF (probably scanned images); run OCR on it or export the document "
            "as text/Markdown"
        )
    return text_body(text, title=str(title).strip() if title and str(title).strip() else None)
