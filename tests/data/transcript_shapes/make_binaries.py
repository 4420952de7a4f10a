"""Writes this corpus's .docx and .pdf files from the text below (python-docx, pypdf).

Run from the repository root: `.venv/bin/python tests/data/transcript_shapes/make_binaries.py`.
The files are committed; this script says exactly what is in them.
"""

from __future__ import annotations

import io
from pathlib import Path

import docx
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

HERE = Path(__file__).resolve().parent

TABLE_FR = [
    ["N°", "Intervenant", "Temps", "Texte"],
    ["1", "Modératrice", "00:00:05", "Comment avez-vous trouvé votre assurance habitation ?"],
    [
        "2",
        "Karim",
        "00:00:09",
        "Ma banque me l'a proposée quand j'ai signé le prêt. Je n'ai pas comparé.",
    ],
    ["3", "Modératrice", "00:00:21", "Vous l'avez déjà utilisée ?"],
    [
        "4",
        "Karim",
        "00:00:24",
        "Pour un dégât des eaux. L'expert est venu au bout de six semaines.",
    ],
    ["5", "", "00:00:40", "Depuis, je cherche une autre assurance."],
]
TABS_EN = [
    "Usability session 2 – coffee machine app",
    "Moderator\t0:00:03\tWhat were you trying to do just now?",
    "Lena\t0:00:07\tPair the machine with my phone. The button in the app did nothing.",
    "Moderator\t0:00:15\tWhat did you expect to happen?",
    "Lena\t0:00:19\tA code, like with my speaker. In the end I read the manual on the website.",
]
HEADER = "Étude mobilité – entretien 5 (Sophie)"
PAGES_FR = [
    [
        HEADER,
        "",
        "1    Enquêteur : Comment venez-vous au travail en ce",
        "2    moment ?",
        "3    Sophie : En trottinette en libre-service, depuis que la",
        "4    ligne de bus a été supprimée. Je paie à la minute.",
        "5    Enquêteur : Et ça vous coûte combien par mois ?",
        "6    Sophie : Trop. Presque soixante euros, alors que le",
        "",
        "Page 1 sur 2",
    ],
    [
        HEADER,
        "",
        "7    pass bus coûtait vingt euros.",
        "8    Enquêteur : Vous avez pensé à acheter un vélo ?",
        "9    Sophie : Oui, mais je n'ai nulle part où le garer au bureau.",
        "",
        "Page 2 sur 2",
    ],
]


def write_docx() -> None:
    document = docx.Document()
    document.add_paragraph("Entretien 9 – assurance habitation (transcription Sonal)")
    table = document.add_table(rows=len(TABLE_FR), cols=len(TABLE_FR[0]))
    for row, values in zip(table.rows, TABLE_FR, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.save(str(HERE / "table_fr.docx"))
    document = docx.Document()
    for line in TABS_EN:
        document.add_paragraph(line)
    document.save(str(HERE / "tabs_en.docx"))


def write_pdf() -> None:
    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    for lines in PAGES_FR:
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
        operators = ["BT", "/F1 11 Tf", "14 TL", "72 720 Td"]
        for line in lines:
            raw = line.encode("cp1252").replace(b"\\", b"\\\\")
            raw = raw.replace(b"(", b"\\(").replace(b")", b"\\)")
            operators.append(f"({raw.decode('latin-1')}) Tj T*")
        operators.append("ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(operators).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    (HERE / "numbered_fr.pdf").write_bytes(buffer.getvalue())


if __name__ == "__main__":
    write_docx()
    write_pdf()
