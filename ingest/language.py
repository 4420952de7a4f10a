"""Language of a source: French or English, from function words. Pure and deterministic.

A deliberately small detector: our users' sources are French or English, and function words
separate the two reliably from a dozen words on. Shorter texts, or texts with neither, are 'und'
(undetermined) and take the workspace's majority language downstream.
"""

from __future__ import annotations

import re

_FRENCH = frozenset(
    "le la les un une des du de et est je j tu il elle on nous vous ils elles ce c ça cette "
    "qui que qu pas ne n pour avec sur dans mais très au aux en y a ai été était mon ma mes "
    "son sa ses leur plus moi me m se s l d bien aussi donc alors parce comme quand super "
    "produit livraison commande rapide vraiment jamais toujours merci je recommande service "
    "client magasin site".split()
)
_ENGLISH = frozenset(
    "the a an and is are was were i you he she it we they this that these those which who not "
    "no for with on in but very at to of my me his her their more so because when what have "
    "has had do did don t it's i'm just really also then there great good bad would again "
    "fast slow delivery order ordered customer store website love loved never recommend "
    "arrived product quality".split()
)
_WORD = re.compile(r"[a-zàâäçéèêëîïôöùûüÿœæ]+(?:'[a-z]+)?")


def detect_language(text: str, minimum_words: int = 4) -> str:
    """'fr', 'en', or 'und' when the text is too short or has too few function words."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    french: float = sum(word in _FRENCH or word.split("'")[0] in _FRENCH for word in words)
    french += sum(0.5 for word in words if not word.isascii())
    english = sum(word in _ENGLISH for word in words)
    if max(french, english) < minimum_words and len(words) > minimum_words * 3:
        return "und"
    if french == english:
        return "und"
    return "fr" if french > english else "en"
