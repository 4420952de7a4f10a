"""One module per format family; each parser is a pure function of the file's bytes or text.

    text         .txt .md .markdown   usual transcript shapes, Zoom / Teams / Otter text exports,
                                      `[Name]` lines, f4 time marks
    line_numbered                     line-numbered QDA / PDF exports: numbers, page furniture out
    rows                              speaker / time / text rows: .txt tab tables, .docx tables
    word         .docx                paragraphs and tables (python-docx)
    pdf          .pdf                 text layer (pypdf), page numbers and running headers out
    subtitles    .vtt .srt            cues, voice tags, "Name: text" (webvtt-py, pysrt)
    transcriber  .trs                 Transcriber XML (defusedxml)
    tei          .xml .tei.xml        TEI speech: <u who>, <annotationBlock> (defusedxml)
    json_transcripts .json            WhisperX, AssemblyAI, Deepgram, Rev.ai, meeting tools
    tables       .csv .tsv .xlsx .json  rows of reviews or survey answers (csv, openpyxl, json)
    registry                          which parser reads which extension

Transcript parsers return a `ParsedText` (text, turns as spans of that text, metadata); table
readers return `Table`s. `ingest.loaders` turns both into sources. See `base` for the contract.
"""

from ingest.formats.base import FormatError, ParsedText, Table

__all__ = ["FormatError", "ParsedText", "Table"]
