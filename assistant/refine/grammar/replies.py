"""What the offline assistant says, in English and French: help, refusals, and the read-only
answers (search results, an item explained, the map, its stages and items). Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from assistant.editing.operations import LANE_NAMES, STATUS_NAMES
from assistant.model import Evidence, Item, JourneyMap, Lane, Source, SourceKind, Stage
from assistant.refine.turns import Citation, EvidenceHit

EXAMPLES = {
    "en": [
        "move I12 to purchase · move I12 to obstacle lane",
        'merge I3 and I7 as "Hidden fees" · split I4 into "Price" (1) | "Delay" (2, 3)',
        'delete I5 · accept I3, I4 · reject I3 · rename I3 "New text"',
        'attach "exact words" from SOURCE to I3 · detach quote 2 from I3',
        'add obstacle to purchase: "Hidden fees" quote "the fees were hidden" from SOURCE',
        'add opportunity to purchase: "Show fees in the cart" for I3, I7 · add kpi … for I3',
        'add a stage onboarding after purchase · rename stage purchase to "Checkout"',
        "delete stage X and move its items to Y · reorder stages a, b, c · move stage a after b",
        'set persona "Léa" · mark I3 as FMOT · mark purchase as ZMOT · unmark FMOT on purchase',
        "target purchase +1.5 (an ideal map's target emotion)",
        "search delivery delay [in stage X | in the obstacle lane | persona P | in reviews]",
        "explain I3 · show map · list stages · list items in purchase · undo · redo · help",
    ],
    "fr": [
        "déplace I12 vers achat · déplace I12 dans les freins",
        "fusionne I3 et I7 en « Frais cachés » · scinde I4 en « Prix » (1) | « Délai » (2, 3)",
        "supprime I5 · valide I3, I4 · rejette I3 · renomme I3 « Nouveau texte »",
        "rattache « mots exacts » de SOURCE à I3 · retire la citation 2 de I3",
        "ajoute un frein à achat : « Frais cachés » citation « les frais étaient cachés » "
        "de SOURCE",
        "ajoute une opportunité à achat : « Frais dès le panier » pour I3, I7 · ajoute un kpi …",
        "ajoute une étape onboarding après achat · renomme l'étape achat en « Paiement »",
        "supprime l'étape X et déplace ses éléments vers Y · réordonne les étapes a, b, c",
        "persona : « Léa » · marque I3 comme FMOT · marque achat comme ZMOT · "
        "retire le FMOT de achat",
        "cible achat +1,5 (l’émotion visée d’une carte idéale)",
        "cherche retard de livraison [dans l'étape X | dans les freins | persona P | "
        "dans les avis]",
        "explique I3 · montre la carte · liste les étapes · liste les éléments de achat · annule · "
        "rétablis · aide",
    ],
}

KIND_NAMES = {
    "en": {
        SourceKind.REVIEW: "reviews",
        SourceKind.INTERVIEW: "interviews",
        SourceKind.SURVEY: "surveys",
    },
    "fr": {
        SourceKind.REVIEW: "avis",
        SourceKind.INTERVIEW: "entretiens",
        SourceKind.SURVEY: "enquêtes",
    },
}

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "help": "Commands I understand (ids like I12, or the start of an item's text in quotes):",
        "unknown": "I did not understand “{message}”. Try one of these:",
        "free_question": "That is not a command I know, so I searched the evidence for it "
        "(these are participants' words, not an answer):",
        "refused": "I cannot propose that: {error}",
        "proposal": "Proposed on revision {revision} — nothing is applied until you approve:",
        "undo": "Undo the last change.",
        "redo": "Redo the change the last undo took back.",
        "mixed": "One thing at a time: send searches and questions apart from edits.",
        "bulk": "I only change the items you name: give their ids (e.g. “delete I3, I7”).",
        "no_item": "Name at least one item (an id like I12).",
        "merge_two": "Name at least two items to merge (e.g. “merge I3 and I7”).",
        "split_syntax": "Give two parts or more in quotes: "
        'split {item} into "first" (1) | "second" (2).',
        "split_quotes": "{item} has {count} quotes: say which each part keeps, "
        'e.g. split {item} into "first" (1) | "second" (2, 3) (numbers from “explain {item}”).',
        "quote_number": "Quotes are numbered from 1 (see “explain {item}”).",
        "add_syntax": "I could not read that item: "
        'add obstacle to purchase: "text" quote "exact words" from SOURCE [valence -1].',
        "add_customer": "A customer item needs at least one quote: "
        '… "text" quote "exact words" from SOURCE.',
        "add_analyst": "Opportunities and KPIs cite the items they answer: "
        '… "text" for I3, I7 (no quotes).',
        "update_syntax": 'Say what changes: update {item} text "…" | valence -1 | cites I3, I7.',
        "stage_itself": "A stage cannot move relative to itself.",
        "persona_unknown": "No source has the persona “{persona}” (known: {known}).",
        "no_hits": "No participant passage matches “{query}”{filters}.",
        "hits": "{count} passage(s) for “{query}”{filters}:",
        "cited_by": "cited by",
        "item": "{id} · {lane} · {stage} · {status}{valence}",
        "quotes": "{count} quote(s):",
        "cites": "Answers: {cites}",
        "map": "{title} — revision {revision}{persona}, {items} items",
        "stage_line": "{order}. {name} ({id}): {count} items{lanes}{moments}",
        "no_items": "No item here.",
    },
    "fr": {
        "help": "Les commandes que je comprends (identifiants comme I12, ou le début du texte d’un "
        "élément entre guillemets) :",
        "unknown": "Je n’ai pas compris « {message} ». Essayez par exemple :",
        "free_question": "Ce n’est pas une commande que je connais : j’ai donc cherché dans les "
        "preuves (ce sont les mots des participants, pas une réponse) :",
        "refused": "Je ne peux pas proposer cela : {error}",
        "proposal": "Proposition sur la révision {revision} — rien n’est appliqué avant votre "
        "validation :",
        "undo": "J’annule la dernière modification.",
        "redo": "Je rétablis la modification annulée.",
        "mixed": "Une chose à la fois : envoyez les recherches et questions à part des "
        "modifications.",
        "bulk": "Je ne modifie que les éléments que vous nommez : donnez leurs identifiants "
        "(par ex. « supprime I3, I7 »).",
        "no_item": "Nommez au moins un élément (un identifiant comme I12).",
        "merge_two": "Nommez au moins deux éléments à fusionner (par ex. « fusionne I3 et I7 »).",
        "split_syntax": "Donnez au moins deux parties entre guillemets : "
        "scinde {item} en « première » (1) | « seconde » (2).",
        "split_quotes": "{item} a {count} citations : dites lesquelles chaque partie garde, "
        "par ex. "
        "scinde {item} en « première » (1) | « seconde » (2, 3) (numéros de « explique {item} »).",
        "quote_number": "Les citations sont numérotées à partir de 1 (voir « explique {item} »).",
        "add_syntax": "Je n’ai pas pu lire cet élément : ajoute un frein à achat : « texte » "
        "citation « mots exacts » de SOURCE [valence -1].",
        "add_customer": "Un élément client a besoin d’au moins une citation : "
        "… « texte » citation « mots exacts » de SOURCE.",
        "add_analyst": "Une opportunité ou un KPI cite les éléments auxquels il répond : "
        "… « texte » pour I3, I7 (sans citation).",
        "update_syntax": "Dites ce qui change : "
        "modifie {item} texte « … » | valence -1 | cite I3, I7.",
        "stage_itself": "Une étape ne peut pas se placer par rapport à elle-même.",
        "persona_unknown": "Aucune source n’a le persona « {persona} » (connus : {known}).",
        "no_hits": "Aucun passage de participant ne correspond à « {query} »{filters}.",
        "hits": "{count} passage(s) pour « {query} »{filters} :",
        "cited_by": "cité par",
        "item": "{id} · {lane} · {stage} · {status}{valence}",
        "quotes": "{count} citation(s) :",
        "cites": "Répond à : {cites}",
        "map": "{title} — révision {revision}{persona}, {items} éléments",
        "stage_line": "{order}. {name} ({id}) : {count} éléments{lanes}{moments}",
        "no_items": "Aucun élément ici.",
    },
}


def say(language: str, key: str, **fields: object) -> str:
    return MESSAGES["fr" if language == "fr" else "en"][key].format(**fields)


def quoted(text: str, language: str, limit: int | None = None) -> str:
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"« {text} »" if language == "fr" else f"“{text}”"


def help_text(language: str, lead: str | None = None) -> str:
    lines = [lead or say(language, "help")]
    lines += [f"  {example}" for example in EXAMPLES["fr" if language == "fr" else "en"]]
    return "\n".join(lines)


def search_reply(query: str, filters: str, hits: Sequence[EvidenceHit], language: str) -> str:
    if not hits:
        return say(language, "no_hits", query=query, filters=filters)
    lines = [say(language, "hits", count=len(hits), query=query, filters=filters)]
    for number, hit in enumerate(hits, 1):
        line = f"{number}. {hit.citation.label()} {quoted(hit.citation.quote, language)}"
        if hit.item_ids:
            line += f" — {say(language, 'cited_by')} {', '.join(hit.item_ids)}"
        lines.append(line)
    return "\n".join(lines)


def evidence_citation(evidence: Evidence, sources: Mapping[str, Source]) -> Citation:
    """The quote as a citation; speaker and time from its segment when the evidence lacks them."""
    return Citation.of_evidence(evidence, sources.get(evidence.source_id))


def explain_reply(item: Item, stage: Stage, citations: Sequence[Citation], language: str) -> str:
    lang = "fr" if language == "fr" else "en"
    valence = f" · valence {item.valence:+d}" if item.valence is not None else ""
    lines = [
        say(lang, "item", id=item.id, lane=LANE_NAMES[lang][item.lane], stage=stage.name,
            status=STATUS_NAMES[lang][item.status.value], valence=valence),
        quoted(item.text, lang),
    ]  # fmt: skip
    if item.cites:
        lines.append(say(lang, "cites", cites=", ".join(item.cites)))
    if citations:
        lines.append(say(lang, "quotes", count=len(citations)))
        lines += [f"  {n}. {c.label()} {quoted(c.quote, lang)}" for n, c in enumerate(citations, 1)]
    return "\n".join(lines)


def map_reply(journey_map: JourneyMap, language: str) -> str:
    lang = "fr" if language == "fr" else "en"
    persona = f", persona {quoted(journey_map.persona, lang)}" if journey_map.persona else ""
    lines = [
        say(lang, "map", title=journey_map.title, revision=journey_map.revision, persona=persona,
            items=len(journey_map.items()))
    ]  # fmt: skip
    for stage in journey_map.stages:
        counts = [
            f"{sum(item.lane == lane for item in stage.items)} {LANE_NAMES[lang][lane]}"
            for lane in Lane
            if any(item.lane == lane for item in stage.items)
        ]
        moments = [
            m.kind.value + (f" ({m.item_id})" if m.item_id else "") for m in stage.moments_of_truth
        ]
        lines.append(
            say(lang, "stage_line", order=stage.order + 1, name=stage.name, id=stage.id,
                count=len(stage.items), lanes=f" — {', '.join(counts)}" if counts else "",
                moments=f" [{', '.join(moments)}]" if moments else "")
        )  # fmt: skip
    return "\n".join(lines)


def stages_reply(journey_map: JourneyMap, language: str) -> str:
    return "\n".join(
        f"{stage.order + 1}. {stage.id} — {stage.name} ({len(stage.items)})"
        for stage in journey_map.stages
    )


def items_reply(stages: Sequence[Stage], language: str) -> str:
    lang = "fr" if language == "fr" else "en"
    lines = []
    for stage in stages:
        for item in stage.items:
            support = f"{len(item.evidence)}q" if item.evidence else "→ " + ",".join(item.cites)
            lines.append(
                f"{item.id} [{LANE_NAMES[lang][item.lane]}, {stage.id}, "
                f"{STATUS_NAMES[lang][item.status.value]}, {support}] {quoted(item.text, lang, 80)}"
            )
    return "\n".join(lines) or say(lang, "no_items")
