"""What the export formats share: labels in the map's language, source names, support ranking.

Labels exist in French and English; any other language falls back to English.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from assistant.model import Evidence, Item, ItemStatus, JourneyMap, Lane, MomentKind, Source

LANE_LABELS: dict[str, dict[Lane, str]] = {
    "en": {
        Lane.ACTION: "Actions",
        Lane.MOTIVATION: "Motivations",
        Lane.QUESTION: "Questions",
        Lane.OBSTACLE: "Obstacles",
        Lane.TOUCHPOINT: "Touchpoints",
        Lane.EMOTION: "Emotions",
        Lane.EXPECTATION: "Expectations",
        Lane.OPPORTUNITY: "Opportunities",
        Lane.KPI: "KPIs",
    },
    "fr": {
        Lane.ACTION: "Actions",
        Lane.MOTIVATION: "Motivations",
        Lane.QUESTION: "Questions",
        Lane.OBSTACLE: "Obstacles",
        Lane.TOUCHPOINT: "Points de contact",
        Lane.EMOTION: "Émotions",
        Lane.EXPECTATION: "Attentes",
        Lane.OPPORTUNITY: "Opportunités",
        Lane.KPI: "KPI",
    },
}

LANE_HINTS: dict[str, dict[Lane, str]] = {
    "en": {
        Lane.ACTION: "what the customer does",
        Lane.MOTIVATION: "why they move on, or what holds them back",
        Lane.QUESTION: "what they wonder and struggle to answer",
        Lane.OBSTACLE: "what blocks them or could make them give up",
        Lane.TOUCHPOINT: "where they meet the brand",
        Lane.EMOTION: "what they feel, from −2 to +2",
        Lane.EXPECTATION: "what they expect",
        Lane.OPPORTUNITY: "analyst: improvements, citing customer items",
        Lane.KPI: "analyst: indicators to watch, citing customer items",
    },
    "fr": {
        Lane.ACTION: "ce que fait le client",
        Lane.MOTIVATION: "ce qui le fait avancer, ou le retient",
        Lane.QUESTION: "ce qu’il se demande",
        Lane.OBSTACLE: "ce qui le bloque ou pourrait le faire renoncer",
        Lane.TOUCHPOINT: "où il rencontre la marque",
        Lane.EMOTION: "ce qu’il ressent, de −2 à +2",
        Lane.EXPECTATION: "ce qu’il attend",
        Lane.OPPORTUNITY: "analyste : améliorations, citant des éléments clients",
        Lane.KPI: "analyste : indicateurs à suivre, citant des éléments clients",
    },
}

STATUS_LABELS: dict[str, dict[ItemStatus, str]] = {
    "en": {
        ItemStatus.PROPOSED: "proposed",
        ItemStatus.ACCEPTED: "accepted",
        ItemStatus.REJECTED: "rejected",
    },
    "fr": {
        ItemStatus.PROPOSED: "proposé",
        ItemStatus.ACCEPTED: "accepté",
        ItemStatus.REJECTED: "rejeté",
    },
}

MOMENT_LABELS: dict[str, dict[MomentKind, str]] = {
    "en": {
        MomentKind.ZMOT: "ZMOT (information search)",
        MomentKind.FMOT: "FMOT (purchase decision)",
        MomentKind.SMOT: "SMOT (first use)",
        MomentKind.TMOT: "TMOT (sharing the experience)",
    },
    "fr": {
        MomentKind.ZMOT: "ZMOT (recherche d’information)",
        MomentKind.FMOT: "FMOT (décision d’achat)",
        MomentKind.SMOT: "SMOT (première utilisation)",
        MomentKind.TMOT: "TMOT (partage de l’expérience)",
    },
}

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "persona": "Persona",
        "all_participants": "all participants",
        "revision": "Revision",
        "stage": "Stage",
        "lane": "Lane",
        "status": "Status",
        "support": "Support",
        "quotes_word": "quotes",
        "quote_n": "{n} quotes",
        "quote_one": "1 quote",
        "participant_n": "{n} participants",
        "participant_one": "1 participant",
        "source_n": "{n} sources",
        "source_one": "1 source",
        "item_n": "{n} items",
        "item_one": "1 item",
        "support_short": "{quotes} · {participants} pers. · {sources} src",
        "support_legend": "Support: quotes · participants (pers.) · sources (src); "
        "click it for the quotes",
        "valence": "Valence",
        "stage_valence": "Stage valence",
        "moments": "Moments of truth",
        "cites": "Answers",
        "ungrounded": "Ungrounded claims",
        "ungrounded_intro": "Claimed by the extractor but not found verbatim in any source: "
        "check them before using them.",
        "reason": "reason",
        "claim": "Claim",
        "no_items": "no items",
        "no_ungrounded": "None: every claim was found in its source.",
        "provenance": "Extracted by {extractor} (model {model}, prompt {prompt}) on {date}, "
        "Parcours {tool}",
        "items": "items",
        "stages": "stages",
        "more": "+{n} more",
        "emotion_curve": "Emotion curve",
        "no_valence": "no emotion",
        "legend": "Lanes",
        "customers": "customers",
        "partial": "Partial map: {sources} could not be used",
    },
    "fr": {
        "persona": "Persona",
        "all_participants": "tous les participants",
        "revision": "Révision",
        "stage": "Étape",
        "lane": "Couloir",
        "status": "Statut",
        "support": "Appui",
        "quotes_word": "citations",
        "quote_n": "{n} citations",
        "quote_one": "1 citation",
        "participant_n": "{n} participants",
        "participant_one": "1 participant",
        "source_n": "{n} sources",
        "source_one": "1 source",
        "item_n": "{n} éléments",
        "item_one": "1 élément",
        "support_short": "{quotes} · {participants} pers. · {sources} src",
        "support_legend": "Appui : citations · participants (pers.) · sources (src) ; "
        "cliquer pour lire les citations",
        "valence": "Valence",
        "stage_valence": "Valence de l’étape",
        "moments": "Moments de vérité",
        "cites": "Répond à",
        "ungrounded": "Affirmations non sourcées",
        "ungrounded_intro": "Proposées par l’extracteur mais introuvables telles quelles dans les "
        "sources : à vérifier avant de s’en servir.",
        "reason": "raison",
        "claim": "Affirmation",
        "no_items": "aucun élément",
        "no_ungrounded": "Aucune : chaque affirmation a été retrouvée dans sa source.",
        "provenance": "Extrait par {extractor} (modèle {model}, prompt {prompt}) le {date}, "
        "Parcours {tool}",
        "items": "éléments",
        "stages": "étapes",
        "more": "+{n} de plus",
        "emotion_curve": "Courbe des émotions",
        "no_valence": "pas d’émotion",
        "legend": "Couloirs",
        "customers": "clients",
        "partial": "Carte partielle : {sources} n’ont pas pu être utilisées",
    },
}


def words(language: str) -> dict[str, str]:
    """The phrases of `language` (English when unknown)."""
    return WORDS.get(language, WORDS["en"])


def lane_label(lane: Lane, language: str) -> str:
    return LANE_LABELS.get(language, LANE_LABELS["en"])[lane]


def lane_hint(lane: Lane, language: str) -> str:
    return LANE_HINTS.get(language, LANE_HINTS["en"])[lane]


def status_label(status: ItemStatus, language: str) -> str:
    return STATUS_LABELS.get(language, STATUS_LABELS["en"])[status]


def moment_label(kind: MomentKind, language: str) -> str:
    return MOMENT_LABELS.get(language, MOMENT_LABELS["en"])[kind]


def count_phrase(count: int, noun: str, language: str) -> str:
    """'3 quotes', '1 participant' (`noun`: quote, participant, source or item)."""
    table = words(language)
    return table[f"{noun}_one"] if count == 1 else table[f"{noun}_n"].format(n=count)


def support_phrase(item: Item, language: str) -> str:
    """'3 quotes · 2 participants · 2 sources'."""
    support = item.support
    return " · ".join(
        count_phrase(value, noun, language)
        for value, noun in (
            (support.quotes, "quote"),
            (support.participants, "participant"),
            (support.sources, "source"),
        )
    )


def short_support(item: Item, language: str) -> str:
    """'3 quotes · 2 pers. · 2 src' (for small cards; `support_phrase` in full)."""
    support = item.support
    return words(language)["support_short"].format(
        quotes=count_phrase(support.quotes, "quote", language),
        participants=support.participants,
        sources=support.sources,
    )


def valence_text(valence: float | None) -> str:
    """'+1', '−2', '+0.3', '' (a real minus sign)."""
    if valence is None:
        return ""
    if valence == 0:
        return "0"
    text = f"{int(valence):+d}" if valence == int(valence) else f"{valence:+.1f}"
    return text.replace("-", "−")


def colon(language: str) -> str:
    """' : ' in French (a space before the colon), ': ' otherwise."""
    return "\u00a0: " if language == "fr" else ": "


def quote_marks(language: str) -> tuple[str, str]:
    """French guillemets with their non-breaking spaces, or English double quotes."""
    return ("«\u00a0", "\u00a0»") if language == "fr" else ("“", "”")


def source_names(journey_map: JourneyMap, sources: Sequence[Source] = ()) -> dict[str, str]:
    """Source id → name, from the map's references, then from `sources`."""
    names = {source.id: source.name for source in sources}
    names.update({ref.id: ref.name for ref in journey_map.sources})
    return names


def citation_parts(evidence: Evidence, names: dict[str, str]) -> list[str]:
    """Source name, speaker and timestamp of a quote, the ones known."""
    parts = [names.get(evidence.source_id, evidence.source_id)]
    parts += [part for part in (evidence.speaker, evidence.timestamp) if part]
    return parts


def support_key(item: Item) -> tuple[int, int, int, int]:
    """Sort key, best supported first; rejected items last."""
    support = item.support
    rejected = 1 if item.status == ItemStatus.REJECTED else 0
    return (rejected, -support.participants, -support.quotes, -support.sources)


def ranked(items: Iterable[Item]) -> list[Item]:
    """Items by support (stable: equal support keeps the map's order)."""
    return sorted(items, key=support_key)


def provenance_line(journey_map: JourneyMap) -> str:
    """Who extracted the map, with what, and when."""
    provenance = journey_map.provenance
    return words(journey_map.language)["provenance"].format(
        extractor=provenance.extractor,
        model=provenance.model or "—",
        prompt=provenance.prompt_version or "—",
        date=provenance.created_at.strftime("%Y-%m-%d %H:%M %Z").strip(),
        tool=provenance.tool_version,
    )


def persona_text(journey_map: JourneyMap) -> str:
    return journey_map.persona or words(journey_map.language)["all_participants"]
