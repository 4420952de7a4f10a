"""The words of the ideal journey and the gap, in the map's language (French or English), shared
by the CLI, the Markdown and HTML exports and the UI."""

from __future__ import annotations

from assistant.exports.labels import colon, valence_text
from assistant.mapping.gap import Gap, Priority, StageGap

GAP_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "ideal": "Ideal journey",
        "gap": "Gap between the actual and the ideal journey",
        "gap_of": "Gap: {actual} (revision {actual_rev}) → {ideal} (revision {ideal_rev})",
        "stage": "Stage",
        "goals": "Goals",
        "expectations": "Expectations",
        "target": "Target experience",
        "today": "Today",
        "target_valence": "Target",
        "delta": "Gap",
        "broken": "Broken expectations",
        "broken_by": "broken by",
        "pain_points": "Other pain points",
        "priorities": "Priorities: where the brand must be flawless",
        "no_priority": "No priority: nothing in the actual journey contradicts the ideal one.",
        "kpis": "KPIs to track the gap",
        "kind_broken_expectation": "broken expectation",
        "kind_pain_point": "pain point",
        "score": "{participants} participant(s) hurt × severity {severity:g} = {score:g}",
        "evidence": "evidence",
        "method": "Matching: {method}",
        "notes": "To review",
        "drafted": "map {id} revision {revision} drafted from {actual}: {path}",
        "exists": "map {id} exists (revision {revision}): refine it with `parcours edit --map "
        "{id}` or `parcours chat --map {id}`, or draft it again with --redraft",
        "next": "next: parcours gap --map {actual}",
        "curve": "Emotion curve: today vs target",
    },
    "fr": {
        "ideal": "Parcours idéal",
        "gap": "Écart entre le parcours vécu et le parcours idéal",
        "gap_of": "Écart : {actual} (révision {actual_rev}) → {ideal} (révision {ideal_rev})",
        "stage": "Étape",
        "goals": "Buts",
        "expectations": "Attentes",
        "target": "Expérience cible",
        "today": "Aujourd’hui",
        "target_valence": "Cible",
        "delta": "Écart",
        "broken": "Attentes non tenues",
        "broken_by": "contredite par",
        "pain_points": "Autres irritants",
        "priorities": "Priorités : là où la marque doit être irréprochable",
        "no_priority": "Aucune priorité : rien dans le parcours vécu ne contredit l’idéal.",
        "kpis": "KPI pour suivre l’écart",
        "kind_broken_expectation": "attente non tenue",
        "kind_pain_point": "irritant",
        "score": "{participants} participant(s) touché(s) × gravité {severity:g} = {score:g}",
        "evidence": "preuves",
        "method": "Appariement : {method}",
        "notes": "À revoir",
        "drafted": "carte {id} révision {revision} esquissée depuis {actual} : {path}",
        "exists": "la carte {id} existe (révision {revision}) : affinez-la avec `parcours edit "
        "--map {id}` ou `parcours chat --map {id}`, ou esquissez-la de nouveau avec --redraft",
        "next": "ensuite : parcours gap --map {actual}",
        "curve": "Courbe des émotions : aujourd’hui et cible",
    },
}


def gap_words(language: str) -> dict[str, str]:
    return GAP_WORDS["fr" if language == "fr" else "en"]


def priority_head(priority: Priority, language: str) -> str:
    """'Rétention · SMOT · attente non tenue'."""
    w = gap_words(language)
    parts = [priority.stage_name]
    if priority.moment is not None:
        parts.append(priority.moment.value)
    parts.append(w[f"kind_{priority.kind}"])
    return " · ".join(parts)


def score_text(priority: Priority, language: str) -> str:
    return gap_words(language)["score"].format(
        participants=priority.participants, severity=priority.severity, score=priority.score
    )


def gap_title(gap: Gap) -> str:
    return gap_words(gap.language)["gap_of"].format(
        actual=gap.actual.id,
        actual_rev=gap.actual.revision,
        ideal=gap.ideal.id,
        ideal_rev=gap.ideal.revision,
    )


def curve_fact(stage: StageGap, language: str) -> str:
    w = gap_words(language)
    today = valence_text(stage.actual_valence) or "—"
    facts = [
        f"{w['today']}{colon(language)}{today}",
        f"{w['target_valence']}{colon(language)}{valence_text(stage.target_valence)}",
    ]
    if stage.valence_gap is not None:
        facts.append(f"{w['delta']}{colon(language)}{valence_text(stage.valence_gap)}")
    facts += [moment.value for moment in stage.moments]
    return " · ".join(facts)
