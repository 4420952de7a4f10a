"""KPIs suggested per stage to track the gap, templated in the map's language (French or
English): each cites the items it tracks, as an analyst KPI item of the map would."""

from __future__ import annotations

from assistant.mapping.gap_model import Kpi, StageGap
from assistant.model import Lane

_KPI_BASE = {
    "fr": {
        "awareness": "Part des nouveaux clients qui trouvent l'information cherchée avant le "
        "premier contact",
        "consideration": "Taux de passage fiche produit → panier, et part des questions "
        "restées sans réponse",
        "purchase": "Taux d'abandon de panier, et écart entre le prix affiché et le prix payé",
        "retention": "Livraisons à la date annoncée (%), et délai de première réponse du service "
        "client",
        "advocacy": "Net Promoter Score, et part des avis de 4 étoiles ou plus",
    },
    "en": {
        "awareness": "Share of new customers who find the information they look for before "
        "first contact",
        "consideration": "Product page → basket rate, and share of questions left unanswered",
        "purchase": "Cart abandonment rate, and gap between the price shown and the price paid",
        "retention": "Deliveries on the announced date (%), and customer service first response "
        "time",
        "advocacy": "Net Promoter Score, and share of reviews of 4 stars or more",
    },
}
_KPI_WORDS = {
    "fr": {
        "generic": "Satisfaction à l'étape « {stage} » (enquête à chaud)",
        "holds": "Part des clients pour qui « {text} » est tenu (enquête à chaud)",
        "complaints": "Nombre de retours (avis, service client) citant « {text} »",
        "valence": "Émotion moyenne à l'étape « {stage} » : {actual} aujourd'hui, cible {target}",
        "no_expectation": "aucune attente entendue à cette étape",
    },
    "en": {
        "generic": "Satisfaction at the “{stage}” stage (post-stage survey)",
        "holds": "Share of customers for whom “{text}” holds (post-stage survey)",
        "complaints": "Feedback (reviews, support) mentioning “{text}”",
        "valence": "Mean emotion at the “{stage}” stage: {actual} today, target {target}",
        "no_expectation": "no expectation heard at this stage",
    },
}
KPI_TEXT = 70


def kpi_words(language: str) -> dict[str, str]:
    return _KPI_WORDS["fr" if language == "fr" else "en"]


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= KPI_TEXT else text[: KPI_TEXT - 1].rstrip() + "…"


def suggest_kpis(stage: StageGap, language: str) -> list[Kpi]:
    """A few indicators for the stage, each citing the items it tracks: the stage's usual one
    (DOMAIN.md's default stages; a satisfaction survey otherwise), one per broken expectation
    (top two), one for the most shared pain point, and the emotion when it is below target."""
    lang = "fr" if language == "fr" else "en"
    w = kpi_words(lang)
    obstacles = [c for c in stage.pain_points if c.item.lane == Lane.OBSTACLE]
    cites = [b.expectation.id for b in stage.broken[:2]] + [c.item.id for c in obstacles[:2]]
    cites = cites or [i.id for i in stage.expectations[:2]] or [i.id for i in stage.goals[:2]]
    kpis = []
    if cites:
        base = _KPI_BASE[lang].get(stage.id) or w["generic"].format(stage=stage.name)
        kpis.append(Kpi(stage_id=stage.id, text=base, cites=cites))
    for broken in stage.broken[:2]:
        text = w["holds"].format(text=_clip(broken.expectation.text))
        ids = [broken.expectation.id] + [c.item.id for c in broken.broken_by]
        kpis.append(Kpi(stage_id=stage.id, text=text, cites=ids))
    if obstacles:
        top = max(obstacles, key=lambda c: (c.item.support.participants, c.item.support.quotes))
        text = w["complaints"].format(text=_clip(top.item.text))
        kpis.append(Kpi(stage_id=stage.id, text=text, cites=[top.item.id]))
    felt = [c.item.id for b in stage.broken for c in b.broken_by if c.item.lane == Lane.EMOTION]
    felt += [c.item.id for c in stage.pain_points if c.item.lane == Lane.EMOTION]
    if stage.valence_gap is not None and stage.valence_gap > 0 and felt:
        text = w["valence"].format(
            stage=stage.name,
            actual=f"{stage.actual_valence:+.1f}",
            target=f"{stage.target_valence:+.1f}",
        )
        kpis.append(Kpi(stage_id=stage.id, text=text, cites=felt))
    return kpis
