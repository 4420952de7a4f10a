"""What changed between two versions of a map, typed, with a Markdown and a plain-text rendering.

Pure. Items and stages are matched by id; evidence by (source, start, end), so re-ordering quotes
is no change. Support counts and stage valence are derived values and not reported.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.editing.operations import LANE_NAMES, STATUS_NAMES
from assistant.model import Evidence, Item, ItemStatus, JourneyMap, Lane, MomentOfTruth, Stage

_ITEM_FIELDS = ("lane", "text", "status", "valence", "cites", "confidence")


class _Diff(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldChange(_Diff):
    field: str
    before: Any = None
    after: Any = None


class StageRef(_Diff):
    id: str
    name: str


class ItemRef(_Diff):
    id: str
    stage_id: str
    lane: Lane
    text: str


class ItemChange(_Diff):
    """An item present in both maps. `stage_id` and `text` are its latest; `changes` lists the
    fields that differ ("stage" when it moved)."""

    id: str
    stage_id: str
    text: str
    changes: list[FieldChange] = Field(default_factory=list)
    evidence_attached: list[Evidence] = Field(default_factory=list)
    evidence_detached: list[Evidence] = Field(default_factory=list)


class MomentChange(_Diff):
    stage_id: str
    moment: MomentOfTruth


class MapDiff(_Diff):
    map_id: str
    from_revision: int
    to_revision: int
    title: FieldChange | None = None
    persona: FieldChange | None = None
    stages_added: list[StageRef] = Field(default_factory=list)
    stages_removed: list[StageRef] = Field(default_factory=list)
    stages_renamed: list[FieldChange] = Field(default_factory=list, description="field = id")
    stage_order: FieldChange | None = None
    items_added: list[ItemRef] = Field(default_factory=list)
    items_removed: list[ItemRef] = Field(default_factory=list)
    items_changed: list[ItemChange] = Field(default_factory=list)
    moments_added: list[MomentChange] = Field(default_factory=list)
    moments_removed: list[MomentChange] = Field(default_factory=list)
    sources_added: list[str] = Field(default_factory=list)
    sources_removed: list[str] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.lines()

    def lines(self, language: str = "en") -> list[str]:
        """One line per change, in `language` ("en" or "fr")."""
        return _render(self, _LABELS["fr" if language == "fr" else "en"])

    def to_text(self, language: str = "en") -> str:
        words = _LABELS["fr" if language == "fr" else "en"]
        head = words["head"].format(self.map_id, self.from_revision, self.to_revision)
        body = self.lines(language) or [words["none"]]
        return "\n".join([head, *(f"  {line}" for line in body)])

    def to_markdown(self, language: str = "en") -> str:
        words = _LABELS["fr" if language == "fr" else "en"]
        head = words["head"].format(self.map_id, self.from_revision, self.to_revision)
        body = self.lines(language) or [words["none"]]
        return "\n".join([f"**{head}**", "", *(f"- {line}" for line in body)]) + "\n"


def diff(before: JourneyMap, after: JourneyMap) -> MapDiff:
    """The changes that turn `before` into `after`."""
    result = MapDiff(map_id=after.id, from_revision=before.revision, to_revision=after.revision)
    if before.title != after.title:
        result.title = FieldChange(field="title", before=before.title, after=after.title)
    if before.persona != after.persona:
        result.persona = FieldChange(field="persona", before=before.persona, after=after.persona)
    _diff_stages(before.stages, after.stages, result)
    _diff_items(before, after, result)
    old_sources = [ref.id for ref in before.sources]
    new_sources = [ref.id for ref in after.sources]
    result.sources_added = [s for s in new_sources if s not in old_sources]
    result.sources_removed = [s for s in old_sources if s not in new_sources]
    return result


def _diff_stages(before: list[Stage], after: list[Stage], result: MapDiff) -> None:
    old = {stage.id: stage for stage in before}
    new = {stage.id: stage for stage in after}
    result.stages_added = [StageRef(id=s.id, name=s.name) for s in after if s.id not in old]
    result.stages_removed = [StageRef(id=s.id, name=s.name) for s in before if s.id not in new]
    for stage in after:
        previous = old.get(stage.id)
        if previous is None:
            continue
        if previous.name != stage.name:
            result.stages_renamed.append(
                FieldChange(field=stage.id, before=previous.name, after=stage.name)
            )
        gone = [m for m in previous.moments_of_truth if m not in stage.moments_of_truth]
        came = [m for m in stage.moments_of_truth if m not in previous.moments_of_truth]
        result.moments_removed += [MomentChange(stage_id=stage.id, moment=m) for m in gone]
        result.moments_added += [MomentChange(stage_id=stage.id, moment=m) for m in came]
    for stage in before:
        if stage.id not in new:
            result.moments_removed += [
                MomentChange(stage_id=stage.id, moment=m) for m in stage.moments_of_truth
            ]
    for stage in after:
        if stage.id not in old:
            result.moments_added += [
                MomentChange(stage_id=stage.id, moment=m) for m in stage.moments_of_truth
            ]
    kept_before = [s.id for s in before if s.id in new]
    kept_after = [s.id for s in after if s.id in old]
    if kept_before != kept_after:
        result.stage_order = FieldChange(
            field="stages", before=[s.id for s in before], after=[s.id for s in after]
        )


def _diff_items(before: JourneyMap, after: JourneyMap, result: MapDiff) -> None:
    old = {item.id: (stage.id, item) for stage, item in before.items()}
    new = {item.id: (stage.id, item) for stage, item in after.items()}
    result.items_added = [_ref(stage_id, item) for item_id, (stage_id, item) in new.items()
                          if item_id not in old]  # fmt: skip
    result.items_removed = [_ref(stage_id, item) for item_id, (stage_id, item) in old.items()
                            if item_id not in new]  # fmt: skip
    for item_id, (stage_id, item) in new.items():
        if item_id not in old:
            continue
        old_stage, previous = old[item_id]
        change = ItemChange(id=item_id, stage_id=stage_id, text=item.text)
        if old_stage != stage_id:
            change.changes.append(FieldChange(field="stage", before=old_stage, after=stage_id))
        for name in _ITEM_FIELDS:
            was, now = getattr(previous, name), getattr(item, name)
            if was != now:
                change.changes.append(FieldChange(field=name, before=was, after=now))
        spans = {_span(e) for e in previous.evidence}
        new_spans = {_span(e) for e in item.evidence}
        change.evidence_attached = [e for e in item.evidence if _span(e) not in spans]
        change.evidence_detached = [e for e in previous.evidence if _span(e) not in new_spans]
        if change.changes or change.evidence_attached or change.evidence_detached:
            result.items_changed.append(change)


def _ref(stage_id: str, item: Item) -> ItemRef:
    return ItemRef(id=item.id, stage_id=stage_id, lane=item.lane, text=item.text)


def _span(evidence: Evidence) -> tuple[str, int, int]:
    return evidence.source_id, evidence.start, evidence.end


# -- rendering -----------------------------------------------------------------------------------
_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "head": "Map {0}: revision {1} → {2}",
        "none": "No changes.",
        "title": "title",
        "persona": "persona",
        "stage": "stage",
        "renamed": "renamed",
        "order": "stage order",
        "quote": "quote from",
        "source": "source",
        "on": "on",
        "sep": ": ",
        "stage_field": "stage",
        "lane": "lane",
        "text": "text",
        "status": "status",
        "valence": "valence",
        "cites": "cites",
        "confidence": "confidence",
    },
    "fr": {
        "head": "Carte {0} : révision {1} → {2}",
        "none": "Aucun changement.",
        "title": "titre",
        "persona": "persona",
        "stage": "étape",
        "renamed": "renommée",
        "order": "ordre des étapes",
        "quote": "citation de",
        "source": "source",
        "on": "sur",
        "sep": " : ",
        "stage_field": "étape",
        "lane": "ligne",
        "text": "texte",
        "status": "statut",
        "valence": "valence",
        "cites": "cite",
        "confidence": "confiance",
    },
}


def _q(text: str, lang: str) -> str:
    return f"« {text} »" if lang == "fr" else f"“{text}”"


def _value(value: Any, lang: str, quoted: bool = False) -> str:
    if value is None:
        return "∅"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "∅"
    if isinstance(value, Lane):
        return LANE_NAMES[lang][value]
    if isinstance(value, ItemStatus):
        return STATUS_NAMES[lang][value.value]
    if isinstance(value, str):
        return _q(value, lang) if quoted else value
    return str(value)


def _field_line(change: FieldChange, w: dict[str, str], lang: str) -> str:
    label = w["stage_field" if change.field == "stage" else change.field]
    quoted = change.field == "text"
    return f"{label} {_value(change.before, lang, quoted)} → {_value(change.after, lang, quoted)}"


def _render(d: MapDiff, w: dict[str, str]) -> list[str]:
    lang = "fr" if w is _LABELS["fr"] else "en"
    lanes = LANE_NAMES[lang]
    sep = w["sep"]
    out: list[str] = []
    for field in (d.title, d.persona):
        if field is not None:
            was, now = _value(field.before, lang, True), _value(field.after, lang, True)
            out.append(f"{w[field.field]}{sep}{was} → {now}")
    out += [f"+ {w['stage']} {s.id} ({_q(s.name, lang)})" for s in d.stages_added]
    out += [f"− {w['stage']} {s.id} ({_q(s.name, lang)})" for s in d.stages_removed]
    out += [
        f"{w['stage']} {r.field} {w['renamed']}{sep}{_q(r.before, lang)} → {_q(r.after, lang)}"
        for r in d.stages_renamed
    ]
    if d.stage_order is not None:
        before, after = d.stage_order.before, d.stage_order.after
        out.append(f"{w['order']}{sep}{' → '.join(before)} ⇒ {' → '.join(after)}")
    for ref, sign in [(r, "+") for r in d.items_added] + [(r, "−") for r in d.items_removed]:
        out.append(f"{sign} {ref.id} [{lanes[ref.lane]}, {ref.stage_id}] {_q(ref.text, lang)}")
    for change in d.items_changed:
        parts = [_field_line(c, w, lang) for c in change.changes]
        parts += [
            f"+ {w['quote']} {e.source_id} {_q(e.quote, lang)}" for e in change.evidence_attached
        ]
        parts += [
            f"− {w['quote']} {e.source_id} {_q(e.quote, lang)}" for e in change.evidence_detached
        ]
        out.append(f"~ {change.id} {_q(change.text, lang)}{sep}" + "; ".join(parts))
    for moments, sign in ((d.moments_added, "+"), (d.moments_removed, "−")):
        for m in moments:
            item = f" ({m.moment.item_id})" if m.moment.item_id else ""
            note = f" — {m.moment.note}" if m.moment.note else ""
            out.append(f"{sign} {m.moment.kind.value} {w['on']} {m.stage_id}{item}{note}")
    out += [f"+ {w['source']} {s}" for s in d.sources_added]
    out += [f"− {w['source']} {s}" for s in d.sources_removed]
    return out
