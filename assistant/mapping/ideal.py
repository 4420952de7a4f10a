"""Draft the ideal journey from an actual map (pure): per stage, the customer's goals, their
expectations, and the target experience the team writes.

The lightest model change that keeps every edit operation, the chat and the revisions working
on an ideal map: an ideal map is an ordinary `JourneyMap` of kind "ideal", whose lanes say

- **motivation** — the customer's goals at the stage: the actual map's motivation findings,
  copied with their ids and quotes (what the customer wants to achieve, in their words);
- **expectation** — what they expect: the actual map's expectation findings, ids and quotes kept;
- **opportunity** — the target experience, one analyst item per stage (ids `T1`, `T2`…) that
  needs no quote and cites the goals and expectations it answers: the draft proposes a sentence,
  the team rewrites it (`update_item`), as it writes any opportunity;
- `Stage.target_valence` — the emotion the team aims for (+1 by default, never below what
  customers already feel): the target curve the gap and the UI draw against the actual one.

Finding ids are kept, so `I12` in the ideal map is the finding `I12` of the actual map, and the gap
cites the actual evidence. A stage with no motivation finding takes its goals from its actions
(what customers do says what they try to achieve), one with no expectation finding its
expectations from its questions (what they wonder is what they expect to be told); both are real
findings with their quotes, never reworded obstacles. A stage with neither is left without and
the draft says so ("no expectation heard at this stage"), for the reviewer to fill or accept.

Moments of truth are copied from the actual map; a default stage the actual map leaves unmarked
gets the moment DOMAIN.md places there (consideration: ZMOT, purchase: FMOT, retention: SMOT,
advocacy: TMOT), noted as proposed by the draft: the gap ranks those stages' priorities first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from assistant import __version__
from assistant.errors import MapError
from assistant.extract.targets import TargetRequest
from assistant.mapping.synthesis import rank_key
from assistant.model import (
    Item,
    ItemStatus,
    JourneyMap,
    Lane,
    MomentKind,
    MomentOfTruth,
    Provenance,
    Stage,
)

IDEAL_SUFFIX = "-ideal"
DEFAULT_TARGET_VALENCE = 1.0
DEFAULT_MOMENTS: Mapping[str, MomentKind] = {
    "consideration": MomentKind.ZMOT,
    "purchase": MomentKind.FMOT,
    "retention": MomentKind.SMOT,
    "advocacy": MomentKind.TMOT,
}
TARGET_PREFIX = "T"
TEXT_SHOWN = 80
TARGET_CITES = 4

_WORDS = {
    "fr": {
        "target": "Expérience cible (à écrire par l'équipe) : le client atteint son but ({goal}) "
        "et trouve ce qu'il attend ({expectation})",
        "target_goal": "Expérience cible (à écrire par l'équipe) : le client atteint son but "
        "({goal})",
        "target_expectation": "Expérience cible (à écrire par l'équipe) : le client trouve ce "
        "qu'il attend ({expectation})",
        "quote": "« {text} »",
        "moment_note": "proposé par le brouillon du parcours idéal",
        "goals_from_actions": "{stage} : aucune motivation entendue, buts tirés des actions",
        "expectations_from_questions": "{stage} : aucune attente entendue, attentes tirées des "
        "questions",
        "no_goal": "{stage} : aucun but entendu à cette étape",
        "no_expectation": "{stage} : aucune attente entendue à cette étape",
        "title": "{title} — parcours idéal",
    },
    "en": {
        "target": "Target experience (for the team to write): the customer reaches their goal "
        "({goal}) and finds what they expect ({expectation})",
        "target_goal": "Target experience (for the team to write): the customer reaches their "
        "goal ({goal})",
        "target_expectation": "Target experience (for the team to write): the customer finds "
        "what they expect ({expectation})",
        "quote": "“{text}”",
        "moment_note": "proposed by the ideal journey draft",
        "goals_from_actions": "{stage}: no motivation heard, goals drafted from the actions",
        "expectations_from_questions": "{stage}: no expectation heard, expectations drafted "
        "from the questions",
        "no_goal": "{stage}: no goal heard at this stage",
        "no_expectation": "{stage}: no expectation heard at this stage",
        "title": "{title} — ideal journey",
    },
}


def words(language: str) -> dict[str, str]:
    return _WORDS["fr" if language == "fr" else "en"]


def ideal_map_id(actual_id: str) -> str:
    """`overall` → `overall-ideal`."""
    return f"{actual_id}{IDEAL_SUFFIX}"


@dataclass
class IdealDraft:
    """The drafted ideal map, and what the reviewer should know about it (fallbacks, gaps)."""

    map: JourneyMap
    notes: list[str] = field(default_factory=list)


def _kept(items: Sequence[Item], lane: Lane) -> list[Item]:
    return sorted(
        (item for item in items if item.lane == lane and item.status != ItemStatus.REJECTED),
        key=rank_key,
    )


def _as_lane(items: Sequence[Item], lane: Lane) -> list[Item]:
    return [item.model_copy(update={"lane": lane, "valence": None}, deep=True) for item in items]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_SHOWN else text[: TEXT_SHOWN - 1].rstrip() + "…"


def target_text(goals: Sequence[Item], expectations: Sequence[Item], language: str) -> str:
    """The offline wording of a stage's target experience, from its top goal and expectation."""
    w = words(language)
    goal = w["quote"].format(text=_short(goals[0].text)) if goals else ""
    expectation = w["quote"].format(text=_short(expectations[0].text)) if expectations else ""
    if goal and expectation:
        return w["target"].format(goal=goal, expectation=expectation)
    if goal:
        return w["target_goal"].format(goal=goal)
    return w["target_expectation"].format(expectation=expectation)


def _goals_and_expectations(stage: Stage, notes: list[str], language: str) -> list[Item]:
    w = words(language)
    goals = _kept(stage.items, Lane.MOTIVATION)
    if not goals:
        goals = _as_lane(_kept(stage.items, Lane.ACTION), Lane.MOTIVATION)
        notes.append(w["goals_from_actions" if goals else "no_goal"].format(stage=stage.name))
    expectations = _kept(stage.items, Lane.EXPECTATION)
    if not expectations:
        expectations = _as_lane(_kept(stage.items, Lane.QUESTION), Lane.EXPECTATION)
        key = "expectations_from_questions" if expectations else "no_expectation"
        notes.append(w[key].format(stage=stage.name))
    return [item.model_copy(deep=True) for item in goals + expectations]


def _moments(stage: Stage, language: str) -> list[MomentOfTruth]:
    if stage.moments_of_truth:
        return [moment.model_copy() for moment in stage.moments_of_truth]
    kind = DEFAULT_MOMENTS.get(stage.id)
    return [MomentOfTruth(kind=kind, note=words(language)["moment_note"])] if kind else []


def stage_briefs(actual: JourneyMap) -> list[TargetRequest]:
    """Per stage, the texts a wording model may see: the goals, expectations and obstacles the
    draft is made of (the actual map's findings only)."""
    briefs = []
    for stage in sorted(actual.stages, key=lambda s: s.order):
        kept = _goals_and_expectations(stage, [], actual.language)
        briefs.append(
            TargetRequest(
                stage.id,
                stage.name,
                [i.text for i in kept if i.lane == Lane.MOTIVATION],
                [i.text for i in kept if i.lane == Lane.EXPECTATION],
                [i.text for i in _kept(stage.items, Lane.OBSTACLE)],
            )
        )
    return briefs


def draft_ideal(
    actual: JourneyMap,
    *,
    revision: int = 1,
    targets: Mapping[str, str] | None = None,
    model: str | None = None,
) -> IdealDraft:
    """The ideal map of `actual` (id `<actual id>-ideal`, kind "ideal", numbered `revision`).

    `targets` (stage id → sentence) words the target experiences, e.g. from a chat model that
    saw `stage_briefs(actual)`; stages it leaves out get the offline wording. `model` names that
    model in the provenance.
    """
    if actual.kind == "ideal":
        raise MapError(
            f"map {actual.id} is already an ideal journey",
            f"draft the ideal journey from its actual map ({actual.actual_map_id or 'its id'})",
        )
    language = actual.language
    notes: list[str] = []
    stages = []
    for order, stage in enumerate(sorted(actual.stages, key=lambda s: s.order)):
        items = _goals_and_expectations(stage, notes, language)
        goals = [item for item in items if item.lane == Lane.MOTIVATION]
        expectations = [item for item in items if item.lane == Lane.EXPECTATION]
        if items:
            cited = (expectations[:2] + goals[:2] + expectations[2:])[:TARGET_CITES]
            text = (targets or {}).get(stage.id) or target_text(goals, expectations, language)
            items.append(
                Item(
                    id=f"{TARGET_PREFIX}{order + 1}",
                    lane=Lane.OPPORTUNITY,
                    text=text,
                    cites=[item.id for item in cited],
                )
            )
        floor = stage.valence if stage.valence is not None else DEFAULT_TARGET_VALENCE
        stages.append(
            Stage(
                id=stage.id,
                name=stage.name,
                order=order,
                items=items,
                moments_of_truth=_moments(stage, language),
                target_valence=round(max(DEFAULT_TARGET_VALENCE, floor), 2),
            )
        )
    cited_sources = {e.source_id for stage in stages for item in stage.items for e in item.evidence}
    ideal = JourneyMap(
        id=ideal_map_id(actual.id),
        kind="ideal",
        actual_map_id=actual.id,
        title=words(language)["title"].format(title=actual.title),
        language=language,
        persona=actual.persona,
        revision=revision,
        stages=stages,
        sources=[ref.model_copy() for ref in actual.sources if ref.id in cited_sources],
        provenance=Provenance(
            tool_version=__version__,
            extractor="ideal-draft" if model is None else "ideal-draft+llm",
            model=model,
            embedder=actual.provenance.embedder,
            parameters={
                "actual_revision": actual.revision,
                "default_target_valence": DEFAULT_TARGET_VALENCE,
                "worded_targets": len(targets or {}),
            },
        ),
    )
    return IdealDraft(ideal, notes)
