"""One module per format family; each parser is a pure function of the file's bytes or text.

    text         .txt .md .markdown   usual transcript shapes, Zoom / Teams / Otter text exports
    word         .docx                paragraphs and tables (python-docx)
    pdf          .pdf                 text layer (pypdf)
    subtitles    .vtt .srt            cues, voice tags, "Name: text" (webvtt-py, pysrt)
    transcriber  .trs                 Transcriber XML (defusedxml)
    tables       .csv .tsv .xlsx .json  rows of reviews or survey answers (csv, openpyxl, json)

Transcript parsers return a `ParsedText` (text, turns as spans of that text, metadata); table
readers return `Table`s. `ingest.loaders` turns both into sources. See `base` for the contract.
"""

from ingest.formats.base import FormatError, ParsedText, Table

__all__ = ["FormatError", "ParsedText", "Table"]
