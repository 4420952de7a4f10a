"""PDF documents (pypdf): the text layer, page after page, read like a .txt transcript (see
`ingest.formats.text`). Scans without a text layer are refused (no OCR), so are PDFs that need
a password to open. PDFs protected by an owner password only (printing or copying restricted)
open with the empty user password, as in any viewer.

Page furniture goes before the text is read: a page number (`3`, `- 3 -`, `Page 3 of 12`) as
the first or last line of its page, and a first or last line that comes back on most pages
(a running header or footer, whatever page number it carries). Line-numbered exports are then
recognised by `ingest.formats.line_numbered`.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PyPdfError

from ingest.formats.base import FormatError, ParsedText, clean_text
from ingest.formats.line_numbered import PAGE_MARK as _PAGE_MARK
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
    pages, dropped = drop_page_furniture([clean_text(page) for page in pages])
    text = clean_text("\n".join(page.rstrip() for page in pages))
    if not any(char.isalnum() for char in text):
        raise FormatError(NO_TEXT_LAYER, HINT)
    parsed = parse_text(text.strip("\n"))
    shape = parsed.metadata.get("format")
    kind = f"pdf ({shape})" if shape else "pdf"
    metadata = parsed.metadata | {"format": kind, "pages": str(len(pages))}
    if dropped:
        metadata["page_furniture"] = f"{dropped} page number, header or footer lines removed"
    return ParsedText(parsed.text, parsed.turns, metadata, parsed.roles)


def drop_page_furniture(pages: list[str]) -> tuple[list[str], int]:
    """Pages without their page numbers and running headers / footers; how many lines went."""
    split = [page.split("\n") for page in pages]
    edges: list[list[int]] = []  # per page: indexes of its first and last non-blank lines
    for lines in split:
        filled = [i for i, line in enumerate(lines) if line.strip()]
        edges.append(sorted({*filled[:1], *filled[-1:]}))
    forms = Counter(_form(split[p][i]) for p, indexes in enumerate(edges) for i in set(indexes))
    repeated = {
        form
        for form, count in forms.items()
        if len(pages) >= 2 and len(form) >= 4 and (count >= 3 or count >= len(pages))
    }
    dropped = 0
    for number, (lines, indexes) in enumerate(zip(split, edges, strict=True), start=1):
        for i in indexes:
            line = lines[i].strip()
            bare = line.isdigit() and int(line) == number
            if bare or _PAGE_MARK.match(line) or _form(line) in repeated:
                lines[i] = ""
                dropped += 1
    return ["\n".join(lines) for lines in split], dropped


def _form(line: str) -> str:
    return " ".join(re.sub(r"\d+", "#", line).casefold().split())


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
