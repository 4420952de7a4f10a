"""La table des commandes françaises de l'assistant hors ligne : (intention, motif), la première
qui correspond l'emporte.

Motifs écrits SANS accents, comparés en entier et sans tenir compte de la casse (voir
`matching`) : « déplace » et « deplace » correspondent tous deux à `deplace`.
`ITEM` est un identifiant d'élément (I12) ou le début de son texte entre guillemets.
"""

from __future__ import annotations

import re

from assistant.refine.grammar.matching import compile_rules

_NOTE = r"(?:\s*(?:[:,-]|note|avec la note|car|parce que)\s*(?P<note>.+))?"
_STAGE = r"(?:l'etape\s+|l'|la\s+|le\s+|les\s+)?"
_VERB = r"(?:r|z)?"  # « supprime », « supprimer », « supprimez »

RULES = compile_rules(
    [
        ("help", r"aide|\?|commandes|exemples|que (?:sais|peux)[- ]tu faire\s*\??"),
        (
            "undo",
            r"(?:annule|defais)" + _VERB + r"(?: (?:ca|cela|ce changement|la derniere "
            r"modification|le dernier changement))?",
        ),
        ("redo", r"(?:retablis|retablir|retablissez|refais|refaire|refaites)(?: (?:ca|cela))?"),
        ("show_map", r"(?:montre|affiche|voir|resume)" + _VERB + r"(?:[- ]moi)?(?: la)? carte"),
        (
            "list_stages",
            r"(?:liste|montre|affiche)" + _VERB + r"(?:[- ]moi)?(?: les| toutes les)? etapes",
        ),
        (
            "list_items",
            r"(?:liste|montre|affiche)" + _VERB + r"(?:[- ]moi)?(?: les| tous les)? elements"
            r"(?: (?:de|du|des|dans|pour|en|a)\s*" + _STAGE + r"(?P<where>.+))?",
        ),
        (
            "search",
            r"(?:cherche|recherche|trouve)" + _VERB + r"(?: des| les)?(?: citations?| passages?| "
            r"verbatims?)?(?: sur| a propos de| concernant| de| du| des)?\s+(?P<query>.+)",
        ),
        (
            "explain",
            r"(?:explique|detaille|decris|montre|affiche)"
            + _VERB
            + r"(?:[- ]moi)?\s+(?P<item>ITEM)",
        ),
        ("explain", r"pourquoi\s+(?P<item>ITEM)\s*\??"),
        # étapes
        (
            "add_stage",
            r"(?:ajoute|insere|cree)" + _VERB + r"(?: une| la| l')?(?: nouvelle)? ?etape"
            r'(?: appelee| nommee)?\s+(?P<name>"[^"]+"|.+?)(?:\s+(?P<where>apres|avant)\s+'
            + _STAGE
            + r"(?P<ref>.+)|\s+(?P<edge>au debut|a la fin|en premier|en dernier))?",
        ),
        (
            "rename_stage",
            r"renomme" + _VERB + r"\s+(?:l'|la\s+)?etape\s+(?P<stage>.+?)\s+(?:en|comme|par|:)\s+"
            r"(?P<name>.+)",
        ),
        (
            "delete_stage",
            r"(?:supprime|retire|efface|enleve)" + _VERB + r"\s+(?:l')?etape\s+(?P<stage>.+?)"
            r"(?:(?:\s*,\s*|\s+et\s+|\s+en\s+|\s+)(?:(?:deplace|deplacant|envoie|envoyant|mets|"
            r"mettant|bascule|basculant)\s+(?:tous\s+)?(?:ses|les)\s+elements\s+(?:vers|dans|a|en"
            r"|sur)\s+" + _STAGE + r"(?P<to>.+)"
            r"|(?P<with>(?:avec|et)\s+(?:tous\s+)?(?:ses|les)\s+elements)))?",
        ),
        (
            "move_stage",
            r"(?:deplace|mets|place)" + _VERB + r"\s+(?:l')?etape\s+(?P<stage>.+?)\s+(?:(?P<where>"
            r"apres|avant)\s+" + _STAGE + r"(?P<ref>.+)|(?P<edge>au debut|a la fin|en premier|"
            r"en dernier))",
        ),
        (
            "reorder_stages",
            r"(?:reordonne|ordonne|range|trie|reorganise)" + _VERB + r"(?: les)? etapes?"
            r"(?:\s+(?:ainsi|comme suit|dans cet ordre))?\s*:?\s*(?P<stages>.+)",
        ),
        # la carte
        ("clear_persona", r"(?:supprime|retire|efface|enleve)" + _VERB + r"\s+(?:le\s+)?persona"),
        (
            "set_persona",
            r"(?:definis|change|mets|fixe|choisis)" + _VERB + r"(?:\s+le)?\s+persona"
            r"(?:\s+(?:a|en|sur|pour|comme|=))?\s*:?\s*(?P<persona>.+)",
        ),
        ("set_persona", r"persona\s*[:=]\s*(?P<persona>.+)"),
        (
            "set_target",
            r"(?:cible|vise|emotion visee)(?:\s+(?:de|a|pour|sur|du))?(?:\s+l'?\s*etape)?\s+"
            + _STAGE
            + r"(?P<stage>.+?)\s*(?:[:=]|a)?\s*(?P<valence>[+-]?\d+(?:[.,]\d+)?)",
        ),
        (
            "unmark",
            r"(?:retire|enleve|supprime|demarque)"
            + _VERB
            + r"\s+(?:le\s+|la\s+)?(?P<kind>[zfst]mot)"
            r"\s+(?:de|du|sur|a)\s+" + _STAGE + r"(?P<target>.+)",
        ),
        (
            "unmark",
            r"demarque" + _VERB + r"\s+(?P<target>.+?)\s+(?:comme|en)\s+(?P<kind>[zfst]mot)",
        ),
        (
            "mark",
            r"marque" + _VERB + r"\s+(?P<target>.+?)\s+(?:comme|en)\s+(?:un\s+|une\s+|le\s+)?"
            r"(?P<kind>[zfst]mot|acceptee?|validee?|rejetee?|refusee?|proposee?)" + _NOTE,
        ),
        (
            "mark",
            r"marque"
            + _VERB
            + r"\s+(?:le\s+|un\s+)?(?P<kind>[zfst]mot)\s+(?:sur|a|pour)\s+"
            + _STAGE
            + r"(?P<target>.+?)"
            + _NOTE,
        ),
        # éléments
        (
            "set_status",
            r"(?P<verb>valide|accepte|approuve|garde|confirme|rejette|refuse|ecarte|rouvre|reouvre)"
            + _VERB
            + r"\s+(?P<items>ITEMS)",
        ),
        ("set_status", r"(?P<verb>remets)" + _VERB + r"\s+(?P<items>ITEMS)\s+en\s+propos[ee]s?"),
        (
            "merge",
            r"(?:fusionne|regroupe|combine|reunis)"
            + _VERB
            + r"\s+(?P<items>ITEMS)(?:\s+(?:en|sous|"
            r'comme|avec le texte|:)\s*"(?P<text>[^"]+)")?',
        ),
        (
            "split",
            r"(?:scinde|divise|separe|coupe|decoupe)" + _VERB + r"\s+(?P<item>ITEM)\s+en\s*:?\s*"
            r"(?P<parts>.+)",
        ),
        (
            "detach",
            r"(?:detache|retire|enleve|supprime)"
            + _VERB
            + r"\s+(?:la\s+)?citation\s+(?:n°\s*|no\s*"
            r'|#\s*)?(?P<which>\d+|"[^"]+")\s+(?:de|du|d\')\s*(?P<item>ITEM)',
        ),
        (
            "attach",
            r"(?:rattache|attache|ajoute|relie)"
            + _VERB
            + r"(?:\s+la|\s+une|\s+cette)?(?:\s+citation)?"
            r'\s+(?P<quote>"[^"]+")(?:\s+(?:de|du|des|depuis|dans|tiree de)\s+(?P<source>.+?))?\s+'
            r"(?:a|au|sur)\s+(?P<item>ITEM)",
        ),
        (
            "add_item",
            r"ajoute" + _VERB + r"\s+(?:une?\s+|l'|la\s+|le\s+|les\s+|des\s+|nouvel(?:le)?\s+)*"
            r"(?P<lane>.+?)\s+(?:a|au|dans|sur|pour|en)\s+"
            + _STAGE
            + r"(?P<stage>.+?)\s*:\s*(?P<rest>.+)",
        ),
        (
            "update_item",
            r"(?:mets|fixe|change)" + _VERB + r"\s+la\s+valence\s+(?:de|du|d')\s*(?P<item>ITEM)\s+"
            r"(?:a|en|sur)\s+(?P<valence>[+-]?\d|aucune)",
        ),
        (
            "move",
            r"(?:deplace|mets|bouge|range|place|envoie)"
            + _VERB
            + r"\s+(?P<items>ITEMS)\s+(?:vers|dans|"
            r"a|au|en|sous|sur)\s+(?P<target>.+)",
        ),
        ("delete", r"(?:supprime|efface|retire|enleve|jette)" + _VERB + r"\s+(?P<items>ITEMS)"),
        (
            "rename_item",
            r"(?:renomme|reformule|retitre|reecris)" + _VERB + r"\s+(?P<item>ITEM)\s*(?:en|:|par|"
            r'comme)?\s*(?P<text>"[^"]+")',
        ),
        ("rename_item", r"renomme" + _VERB + r"\s+(?P<item>ITEM)\s+en\s+(?P<text>.+)"),
        (
            "update_item",
            r"(?:modifie|change|mets a jour|corrige)" + _VERB + r"\s+(?P<item>ITEM)\s*:?\s+"
            r"(?P<fields>.+)",
        ),
    ]
)

# Filtres en fin de recherche : « … dans l'étape achat », « … dans les freins », « … dans les
# avis », « … persona Léa » ; « dans X » seul est essayé comme ligne, étape puis type de source.
SEARCH_TAILS = tuple(
    (name, re.compile(r"(?P<rest>.*\S)" + pattern, re.IGNORECASE))
    for name, pattern in [
        (
            "kind",
            r"\s+(?:dans|parmi)(?: les)? (?P<value>avis|entretiens?|enquetes?|questionnaires?)",
        ),
        ("stage", r"\s+(?:dans|a|pour|en)\s+(?:l'\s*|la\s+)?etape\s+(?P<value>.+)"),
        ("lane", r"\s+(?:dans|pour)(?: la)? ligne (?:des |de |du )?(?P<value>.+)"),
        ("persona", r"\s+(?:pour |du |de )?(?:le )?persona:? (?P<value>.+)"),
        ("any", r"\s+(?:dans|en|a|au|pendant|parmi)\s+(?:l'\s*|les\s+|la\s+|le\s+)?(?P<value>.+)"),
    ]
)
