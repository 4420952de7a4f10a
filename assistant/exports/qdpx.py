"""The REFI-QDA project export (.qdpx): the map as a coded project for QualCoder, MAXQDA, ATLAS.ti.

A .qdpx is a zip of `project.qde` (XML, namespace ``urn:QDA-XML:project:1.0``, element order
of Project-mrt2019.xsd) and `sources/<guid>.txt`, one UTF-8 plain text per cited source.

Code system. Each stage is a category (``isCodable="false"``) holding one category per lane
that has items ("Achat · obstacles"), holding one code per item (name: its text, shortened;
description: full text, status, support, id). Every evidence quote is one PlainTextSelection
coded with its item's code, so the researcher sees exactly which quotes back which claim and can
still merge items (merging is easy in a QDA tool, splitting a lane-wide code is not). Analyst
items (opportunities, KPIs) have no quotes: they are codes without codings, in their stage and
lane, whose description says what they answer — they stay in the grid where a reader looks for
them, and every tool imports code descriptions as memos (QualCoder turns Notes into journals).
Claims that could not be grounded are no data: they go to one Note ("unverified claims", a
journal in QualCoder) and are never coded.

Offsets. The XSD only says ``startPosition``/``endPosition`` are integers into the plain text.
QualCoder (src/qualcoder/refi.py @c3204641, `load_text_source`, l. 1540-1541) reads the file with
``open(path, encoding="utf-8").read()`` and cuts the coded text with
``source["fulltext"][pos0:pos1]`` (`load_codings_for_text`, line 1692): positions are Python
string indices, i.e. Unicode code points — an emoji counts 1, not 2 as in UTF-16. Parcours
offsets are the same Python indices into the same text, so they are written unchanged. The text
file has no BOM (QualCoder would count it as a character) and no carriage return (text mode
turns "\\r\\n" into one character, and refi.py then pads line ends), which ingest guarantees.

GUIDs are uuid5 of the map (id, revision, creation time: every workspace's map is "overall", and
two projects imported side by side must not share GUIDs) and of what they name; timestamps come
from the map's provenance and zip entries carry a fixed date: one map, always the same bytes.
"""

from __future__ import annotations

import io
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from assistant.errors import MapError, VerificationError
from assistant.model import Evidence, Item, ItemStatus, JourneyMap, Lane, Source, Stage

__all__ = ["QDA_NAMESPACE", "export_qdpx"]

QDA_NAMESPACE = "urn:QDA-XML:project:1.0"
_GUIDS = uuid.uuid5(uuid.NAMESPACE_URL, "https://parcours.dev/exports/qdpx")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_NAME_LIMIT = 70
# Characters XML 1.0 cannot carry, even escaped: dropped from names and descriptions.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_COLORS = "#4E79A7 #59A14F #EDC948 #E15759 #76B7B2 #B07AA1 #F28E2B #9C755F #BAB0AC"
_LANE_COLORS = dict(zip(Lane, _COLORS.split(), strict=True))
# key | English | French. Lane keys are lane values; the rest are the labels of descriptions.
_TABLE = """
action | actions | actions
motivation | motivations | motivations
question | questions | questions
obstacle | obstacles | obstacles
touchpoint | touchpoints | points de contact
emotion | emotions | émotions
expectation | expectations | attentes
opportunity | opportunities | opportunités
kpi | KPIs | KPI
stage | Stage | Étape
lane | Lane | Rangée
status | Status | Statut
proposed | proposed | proposé
accepted | accepted | accepté
rejected | rejected | rejeté
support | Support | Appui
counts | {quotes} quote(s), {sources} source(s), {participants} participant(s) | \
{quotes} citation(s), {sources} source(s), {participants} participant(s)
valence | Valence | Valence
confidence | Confidence | Confiance
answers | Answers | Répond à
speaker | Speaker | Locuteur
time | Time | Horodatage
alignment | Alignment | Alignement
moments | Moments of truth | Moments de vérité
order | Stage {n} of the journey | Étape {n} du parcours
note | Parcours — unverified claims | Parcours — affirmations non vérifiées
note_about | Claims the extractor made but could not tie to a verbatim quote. Not coded. | \
Affirmations de l'extracteur qu'aucune citation exacte n'appuie. Non codées.
quote | Proposed quote | Citation proposée
reason | Reason | Raison
about | Customer journey map exported by Parcours. Categories are stages, then stage × lane; \
each code is one item of the map and each coded segment one verbatim quote backing it. \
Opportunities and KPIs are analyst codes without segments. | \
Carte du parcours client exportée par Parcours. Les catégories sont les étapes, puis étape × \
rangée ; chaque code est un élément de la carte et chaque segment codé une citation exacte \
qui l'appuie. Opportunités et KPI sont des codes d'analyste sans segment.
"""
_ROWS = [row.split(" | ") for row in _TABLE.strip().splitlines()]
_WORDS = {language: {row[0]: row[n] for row in _ROWS} for n, language in ((1, "en"), (2, "fr"))}


def export_qdpx(journey_map: JourneyMap, sources: Sequence[Source]) -> bytes:
    """The map as a REFI-QDA project file. `sources` must hold every source the map quotes;
    a quote that is not its source's text at its offsets is refused, not exported shifted."""
    return _Export(journey_map, sources).build()


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _shorten(text: str, limit: int = _NAME_LIMIT) -> str:
    text = " ".join(_clean(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _timestamp(moment: datetime) -> str:
    """xsd:dateTime in UTC, the "…T…Z" form QualCoder's importer expects."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: _clean(value) for key, value in attrs.items()})
    if text is not None:
        element.text = _clean(text)
    return element


class _Export:
    """One export: the map, its sources by id, the GUIDs and names handed out so far."""

    def __init__(self, journey_map: JourneyMap, sources: Sequence[Source]) -> None:
        self.map = journey_map
        self.language = journey_map.language if journey_map.language in _WORDS else "en"
        self.words = _WORDS[self.language]
        self.sources = _ordered_sources(journey_map, sources)
        self.when = _timestamp(journey_map.provenance.created_at)
        self.user = self.guid("user")
        self.audit = {"creatingUser": self.user, "creationDateTime": self.when}
        self.item_codes: dict[str, str] = {}
        self.code_names: set[str] = set()
        self.files: dict[str, bytes] = {}
        _check_evidence(journey_map, self.sources)

    def label(self, key: str, value: str) -> str:
        """French puts a space before the colon: "Statut : accepté", "Status: accepted"."""
        return f"{self.words[key]}{' : ' if self.language == 'fr' else ': '}{value}"

    def guid(self, *parts: object) -> str:
        seed = (self.map.id, self.map.revision, self.when, *parts)
        return str(uuid.uuid5(_GUIDS, "/".join(str(part) for part in seed)))

    def build(self) -> bytes:
        root = ET.Element(
            "Project",
            {  # Tags are written unqualified under this default namespace (ElementTree refuses
                # a default_namespace with unqualified attributes, and REFI attributes are).
                "xmlns": QDA_NAMESPACE,
                "name": _clean(self.map.title),
                "origin": f"Parcours {self.map.provenance.tool_version}",
                "creatingUserGUID": self.user,
                "creationDateTime": self.when,
            },
        )
        _add(_add(root, "Users"), "User", guid=self.user, name="Parcours")
        self.codebook(root)
        self.variables(root)
        if self.sources:  # SourcesType needs at least one source
            sources = _add(root, "Sources")
            for source in self.sources.values():
                self.text_source(sources, source)
        note = self.ungrounded_note(root)
        _add(root, "Description", self.description())
        if note is not None:
            _add(root, "NoteRef", targetGUID=note)
        ET.indent(root)
        project = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return _zip({"project.qde": project, **dict(sorted(self.files.items()))})

    # -- code book ------------------------------------------------------------------------------
    def codebook(self, root: ET.Element) -> None:
        stages = sorted(self.map.stages, key=lambda stage: stage.order)
        if not stages:
            return  # CodesType needs at least one Code
        codes = _add(_add(root, "CodeBook"), "Codes")
        stage_names = self.unique_names(stage.name for stage in stages)
        for stage, name in zip(stages, stage_names, strict=True):
            guid = self.guid("stage", stage.id)
            category = _add(codes, "Code", guid=guid, name=name, isCodable="false")
            _add(category, "Description", self.stage_description(stage))
            for lane in Lane:
                items = [item for item in stage.items if item.lane == lane]
                if items:
                    self.lane_codes(category, stage, name, lane, items)

    def lane_codes(
        self, parent: ET.Element, stage: Stage, stage_name: str, lane: Lane, items: list[Item]
    ) -> None:
        lane_name = self.words[lane.value]
        category = _add(
            parent,
            "Code",
            guid=self.guid("lane", stage.id, lane.value),
            name=f"{stage_name} · {lane_name}",
            isCodable="false",
        )
        for item in items:
            code = self.guid("item", item.id)
            self.item_codes[item.id] = code
            name, color = self.item_name(item), _LANE_COLORS[lane]
            element = _add(category, "Code", guid=code, name=name, isCodable="true", color=color)
            _add(element, "Description", self.item_description(stage_name, lane_name, item))

    @staticmethod
    def unique_names(names: Iterable[str]) -> list[str]:
        """QualCoder merges categories (and codes) that share a name: keep names distinct."""
        unique: list[str] = []
        for number, name in enumerate(names, start=1):
            short = _shorten(name)
            unique.append(f"{short} ({number})" if short in unique else short)
        return unique

    def item_name(self, item: Item) -> str:
        name = _shorten(item.text)
        if item.status == ItemStatus.REJECTED:
            name = f"{name} ({self.words['rejected']})"
        if name in self.code_names:
            name = f"{name} [{item.id}]"
        self.code_names.add(name)
        return name

    def stage_description(self, stage: Stage) -> str:
        lines = [f"{self.words['order'].format(n=stage.order + 1)} ({stage.id})"]
        if stage.valence is not None:
            lines.append(self.label("valence", f"{stage.valence:+.1f}"))
        for moment in stage.moments_of_truth:
            detail = " ".join(part for part in (moment.item_id, moment.note) if part)
            lines.append(self.label("moments", f"{moment.kind.value} {detail}".rstrip()))
        return "\n".join(lines)

    def item_description(self, stage_name: str, lane_name: str, item: Item) -> str:
        words = self.words
        lines = [
            item.text,
            "",
            f"{self.label('stage', stage_name)} · {self.label('lane', lane_name)}",
            self.label("status", words[item.status.value]),
        ]
        if item.lane.customer_side:
            counts = words["counts"].format(**item.support.model_dump())
            lines.append(self.label("support", counts))
        if item.valence is not None:
            lines.append(self.label("valence", f"{item.valence:+d}"))
        if item.confidence is not None:
            lines.append(self.label("confidence", f"{item.confidence:.2f}"))
        if item.cites:
            texts = {other.id: other.text for _, other in self.map.items()}
            cited = "; ".join(f"{i} {_shorten(texts.get(i, ''), 50)}".rstrip() for i in item.cites)
            lines.append(self.label("answers", cited))
        lines.append(f"Parcours: {item.id}")
        return "\n".join(lines)

    # -- variables and sources ------------------------------------------------------------------
    def variables(self, root: ET.Element) -> None:
        """Source kind, language and persona as text variables: researchers filter by them."""
        if not self.sources:
            return
        variables = _add(root, "Variables")
        for name in ("kind", "language", "persona"):
            guid = self.guid("variable", name)
            _add(variables, "Variable", guid=guid, name=name, typeOfVariable="Text")

    def text_source(self, parent: ET.Element, source: Source) -> None:
        guid = self.guid("source", source.id)
        self.files[f"sources/{guid}.txt"] = source.text.encode("utf-8")
        path = f"internal://{guid}.txt"
        element = _add(
            parent, "TextSource", guid=guid, name=source.name, plainTextPath=path, **self.audit
        )
        _add(element, "Description", f"Parcours: {source.id} · sha256 {source.sha256}")
        for item, evidence in self.evidence_in(source.id):
            self.selection(element, item, evidence)
        values = {"kind": source.kind.value, "language": source.language, "persona": source.persona}
        for name, value in values.items():
            if value:
                variable = _add(element, "VariableValue")
                _add(variable, "VariableRef", targetGUID=self.guid("variable", name))
                _add(variable, "TextValue", value)

    def evidence_in(self, source_id: str) -> list[tuple[Item, Evidence]]:
        """The quotes of `source_id` in text order, once per item and span (QualCoder refuses
        a repeat)."""
        found: dict[tuple[int, int, str], tuple[Item, Evidence]] = {}
        for _, item in self.map.items():
            for evidence in item.evidence:
                if evidence.source_id == source_id:
                    found.setdefault((evidence.start, evidence.end, item.id), (item, evidence))
        return [found[key] for key in sorted(found)]

    def selection(self, parent: ET.Element, item: Item, evidence: Evidence) -> None:
        span = (item.id, evidence.source_id, evidence.start, evidence.end)
        element = _add(
            parent,
            "PlainTextSelection",
            guid=self.guid("selection", *span),
            name=_shorten(evidence.quote),
            startPosition=str(evidence.start),
            endPosition=str(evidence.end),
            **self.audit,
        )
        details = [
            self.label("speaker", evidence.speaker) if evidence.speaker else "",
            self.label("time", evidence.timestamp) if evidence.timestamp else "",
            self.label("alignment", evidence.alignment.value),
        ]
        _add(element, "Description", " · ".join(part for part in details if part))
        coding = _add(element, "Coding", guid=self.guid("coding", *span), **self.audit)
        _add(coding, "CodeRef", targetGUID=self.item_codes[item.id])

    # -- notes and description ------------------------------------------------------------------
    def ungrounded_note(self, root: ET.Element) -> str | None:
        """The unverified claims as one Note with its text in the zip, like QualCoder journals."""
        if not self.map.ungrounded:
            return None
        guid = self.guid("note", "ungrounded")
        blocks = []
        for claim in self.map.ungrounded:
            lines = [f"- {claim.claim}"]
            if claim.quote:
                source = self.sources.get(claim.source_id or "")
                where = f" ({source.name})" if source else ""
                lines.append("  " + self.label("quote", f"“{claim.quote}”{where}"))
            place = " · ".join(
                part for part in (claim.stage_id, claim.lane and claim.lane.value) if part
            )
            if place:
                lines.append("  " + self.label("stage", place))
            lines.append("  " + self.label("reason", claim.reason))
            blocks.append("\n".join(lines))
        self.files[f"sources/{guid}.txt"] = "\n\n".join(blocks).encode("utf-8")
        path, name = f"internal://{guid}.txt", self.words["note"]
        notes = _add(root, "Notes")
        note = _add(notes, "Note", guid=guid, name=name, plainTextPath=path, **self.audit)
        _add(note, "Description", self.words["note_about"])
        return guid

    def description(self) -> str:
        provenance = self.map.provenance
        lines = [self.map.title, "", self.words["about"], ""]
        lines.append(f"map {self.map.id} · revision {self.map.revision} · {self.map.language}")
        if self.map.persona:
            lines.append(f"persona: {self.map.persona}")
        model = f" ({provenance.model})" if provenance.model else ""
        lines.append(f"extractor: {provenance.extractor}{model}")
        lines.append(f"created: {self.when} · Parcours {provenance.tool_version}")
        return "\n".join(lines)


def _ordered_sources(journey_map: JourneyMap, sources: Sequence[Source]) -> dict[str, Source]:
    """Sources by id, in the map's order then by id, so input order never changes the bytes."""
    by_id = {source.id: source for source in sources}
    rank = {ref.id: n for n, ref in enumerate(journey_map.sources)}
    ordered = sorted(by_id, key=lambda sid: (rank.get(sid, len(rank)), sid))
    return {sid: by_id[sid] for sid in ordered}


def _check_evidence(journey_map: JourneyMap, sources: dict[str, Source]) -> None:
    """Refuse what would import as shifted or missing codings."""
    for source in sources.values():
        if "\r" in source.text:
            raise MapError(
                f"source {source.id} contains carriage returns: QDA tools would shift its offsets",
                "re-ingest it (ingest normalises line endings)",
            )
    for _, item in journey_map.items():
        for evidence in item.evidence:
            cited = sources.get(evidence.source_id)
            if cited is None:
                raise MapError(
                    f"item {item.id} quotes source {evidence.source_id}, not given to the export",
                    "pass the map's cited sources (Project.cited_sources)",
                )
            if cited.text[evidence.start : evidence.end] != evidence.quote:
                raise VerificationError(
                    f"item {item.id}: the quote at {evidence.start}-{evidence.end} is not the text "
                    f"of source {cited.id} there",
                    "run `parcours verify` and rebuild the map from the current sources",
                )


def _zip(files: dict[str, bytes]) -> bytes:
    """A zip with fixed dates, permissions and host system: same files, same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        folder = zipfile.ZipInfo("sources/", date_time=_ZIP_DATE)
        folder.create_system, folder.external_attr = 3, (0o40755 << 16) | 0x10
        archive.writestr(folder, b"")
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.create_system, info.external_attr = 3, 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
