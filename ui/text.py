"""Source text shown as Markdown: quotes and labels are untrusted data, so every character
Markdown (or Streamlit's `:color[…]` and `$…$` directives) would act on is escaped; a quote never
becomes a link, an image, a heading or a badge."""

from __future__ import annotations

import html
import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^])")


def plain(text: str) -> str:
    """`text` escaped for st.markdown, line breaks kept."""
    return _MARKDOWN.sub(r"\\\1", text).replace("\n", "  \n")


def html_text(text: str) -> str:
    """`text` escaped for an HTML fragment."""
    return html.escape(text, quote=True)
