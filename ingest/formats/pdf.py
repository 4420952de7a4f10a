"""PDF documents (pypdf): the text layer, page after page, read like a .txt transcript (see
`ingest.formats.text`). Scans without a text layer are refused (no OCR), so are PDFs that need
a password to open. PDFs protected by an owner password only (printing or copying restricted)
open with the empty user password, as in any viewer.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PyPdfError

from ingest.formats.base import FormatError, ParsedText, clean_text
from ingest.formats.text import parse_text

NO_TEXT_LAYER = "no text layer: OCR is not supported, export the transcript as text"
HINT = "export the transcript from the tool that made the PDF as .txt or .docx, then ingest it"


def parse_pdf(data: bytes) -> ParsedText:
    if not data.lstrip()[:1024].startswith(b"%PDF") and b"%PDF" not in data[:1024]:
        raise FormatError("this is not a PDF document (no %PDF header)", HINT)
    pypdf_logger = logging.getLogger("pypdf")
    level = pypdf_logger.level
    pypdf_logger.setLevel(logging.ERROR)  # damaged files log a warning per repaired object
    try:
        pages = _page_texts(data)
    finally:
        pypdf_logger.setLevel(level)
    text = clean_text("\n".join(page.rstrip() for page in pages))
    if not any(char.isalnum() for char in text):
        raise FormatError(NO_TEXT_LAYER, HINT)
    parsed = parse_text(text.strip("\n"))
    shape = parsed.metadata.get("format")
    kind = f"pdf ({shape})" if shape else "pdf"
    return ParsedText(
        parsed.text, parsed.turns, parsed.metadata | {"format": kind, "pages": str(len(pages))}
    )


def _page_texts(data: bytes) -> list[str]:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Opening tries the empty user password; a real one is needed when that fails.
            _ = len(reader.pages)
        return [page.extract_text() or "" for page in reader.pages]
    except FileNotDecryptedError:
        raise FormatError(
            "the PDF is encrypted and needs a password to open",
            "open it with its password and save or print it as a PDF without protection, or "
            "export the transcript as .txt, then ingest it",
        ) from None
    except DependencyError as error:
        raise FormatError(f"the PDF's encryption is not supported ({error})", HINT) from None
    except (PdfReadError, PyPdfError) as error:
        raise FormatError(f"damaged PDF ({error})", HINT) from None
    except Exception as error:  # pypdf on arbitrary bytes: struct, zlib, key, recursion errors
        raise FormatError(f"damaged PDF ({type(error).__name__}: {error})", HINT) from None
