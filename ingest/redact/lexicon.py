"""What tells a person's name from a brand, a place or a common word: patterns and word lists.

Known first names come from Faker's person providers (MIT, a PyPI package: data only, nothing
generated) and from the bundled gazetteer ``data/person_names.json`` (INSEE's and the US Census'
first names and surnames, built by `build_names`); brands and channels (`DEFAULT_ALLOW`, most of it
from `keep`'s data file) and English loanwords (`LOANWORDS`) are evidence, never names. Also the
patterns of the cues (`names`, `cues`).
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ingest.redact.keep import bundled_brands, bundled_loanwords
from ingest.redact.rules import _L, _U
from ingest.redact.vault import fold

_NAME_WORD = rf"[{_U}](?:[{_L}]+(?:[{_U}][{_L}]+)?|['’][{_U}][{_L}]+)(?:-[{_U}][{_L}]+)*"
_NAME_WORD_RE = re.compile(_NAME_WORD)
_INITIAL = rf"[{_U}]\.(?!\w)"
_PARTICLE = (
    r"(?:de la|de La|De La|de|De|du|Du|des|d['’]|D['’]|van der|van den|van|Van|von|der|le|Le|"
    r"la|La|di|Di|da|Da|dos|del|Del|ben|Ben|bin|el|El|al-|Al-|St\.?|Saint)"
)

_HONORIFICS_FR = (
    r"M\.|Mme|Mlle|Mmes|Madame|Monsieur|Mademoiselle|Dr\.?|Docteur|Docteure|Pr\.?|Professeur|"
    r"Maître|Me"
)
_HONORIFICS_EN = (
    r"Mr\.?|Mrs\.?|Ms\.?|Miss|Mx\.?|Dr\.?|Prof\.?|Sir|Dame|Lady|Lord|Doctor|Professor|Mister"
)

# People named by their tie or their job: « ma sœur Claire », "the sales assistant, Priya".
_ROLES_FR = (
    r"(?:sœur|soeur|frère|frere|mère|mere|maman|père|pere|papa|mari|femme|épouse|époux|copine|copain|"
    r"amie|ami|pote|cousine|cousin|fille|fils|collègue|collegue|voisine|voisin|compagne|compagnon|"
    r"conjointe|conjoint|belle-sœur|belle-soeur|beau-frère|belle-mère|beau-père|tante|oncle|nièce|"
    r"neveu|grand-mère|grand-père|mamie|papi|patronne|patron|cheffe|chef|manager|responsable|"
    r"conseillère|conseiller|vendeuse|vendeur|caissière|caissier|livreuse|livreur|gérante|gérant|"
    r"technicienne|technicien|hôtesse|standardiste|opératrice|opérateur|agente|agent|coiffeuse|"
    r"coiffeur|serveuse|serveur|pharmacienne|pharmacien|infirmière|infirmier|kiné|dentiste|"
    r"stagiaire|directrice|directeur|interlocutrice|interlocuteur|esthéticienne|fiancée|fiancé|"
    r"coloc|colocataire|filleule|filleul|marraine|parrain|nounou|prof|professeure|médecin)"
)
_REL_FR = (
    r"(?:ma|mon|notre|nos|sa|son|leur|ta|ton|une|un|la|le|l['’]|cette|ce|votre|avec|chez)\s+"
    r"(?:petite\s+|grande\s+|meilleure\s+|meilleur\s+)?"
    rf"{_ROLES_FR}"
    r"(?:\s+(?:du|de la|de l['’]|des)\s+(?:magasin|boutique|service client|SAV|agence|banque))?"
    r",?\s+"
)
_ROLES_EN = (
    r"(?:(?:delivery|customer service|customer support|sales|store|shop|support|service|floor|"
    r"duty|account|branch|returns|repairs|billing|night|bank)\s+)?"
    r"(?:sister|brother|mother|mum|mom|dad|father|husband|wife|partner|boyfriend|girlfriend|"
    r"friend|mate|colleague|coworker|co-worker|neighbour|neighbor|cousin|daughter|son|aunt|uncle|"
    r"niece|nephew|boss|manager|flatmate|roommate|grandma|grandmother|grandpa|grandfather|nan|"
    r"fiancée|fiancé|fiance|salesperson|saleswoman|salesman|sales assistant|shop assistant|"
    r"assistant|cashier|driver|courier|delivery guy|agent|advisor|adviser|rep|representative|"
    r"clerk|technician|engineer|stylist|hairdresser|waiter|waitress|nurse|doctor|pharmacist|"
    r"receptionist|host|consultant|designer|owner|supervisor|intern|coach|teacher|tutor|"
    r"babysitter|nanny|landlord|landlady|contact)"
)
_REL_EN = (
    r"(?:my|our|his|her|their|your|a|the|this|with)\s+"
    r"(?:little\s+|big\s+|older\s+|younger\s+|best\s+|new\s+|lovely\s+|other\s+)?"
    rf"{_ROLES_EN}"
    r"(?:\s+(?:at the|at|from the|from)\s+(?:shop|store|bank|agency|helpdesk|help desk|support))?"
    r",?\s+"
)

# Cues that introduce a person by name: « un certain Fabrice », "someone called Raj".
_NAMED_FR = (
    r"(?:un\s+certain|une\s+certaine|qui\s+s['’]appel(?:le|ait)|(?:pré)?nommée?|"
    r"[sm]['’]appel(?:le|ait|ais)|moi,?\s+c['’]est|demandez|demander)\s+"
)
_NAMED_EN = (
    r"(?:called|named|name\s+is|name\s+was|name['’]s|ask(?:ed)?\s+for|asking\s+for|shout-?out\s+to|"
    r"(?:spoke|speak|spoken|talked|chatted)\s+(?:to|with))\s+"
)
# Cues that mention a person, or a shop, or a thing: « c'est X qui », « merci à X », "thanks to
# X", "according to X". They vouch only for a known first name or surname (`cues`).
_MENTION_FR = (
    r"(?:(?:un\s+grand\s+)?merci(?:\s+beaucoup)?\s+à|grâce\s+à|d['’]après|selon|j['’]ai\s+eu|"
    r"(?:parlé|discuté|échangé|affaire)\s+(?:à|avec)|tombée?\s+sur|de\s+la\s+part\s+de|"
    r"(?:demandé|écrit|téléphoné)\s+à|avec)\s+"
)
_MENTION_EN = (
    r"(?:thanks|thank\s+you|cheers|kudos|shout\s+out)(?:\s+(?:so\s+much|again))?(?:\s+to)?|"
    r"(?:dealt|dealing)\s+with|(?:served|helped|assisted|looked\s+after)\s+by|according\s+to|"
    r"(?:told|asked|emailed|messaged|phoned|rang|thanked)"
)
_MENTION_EN = rf"(?:{_MENTION_EN})\s+"
# « c'est Rodrigue qui m'a répondu », "it was Kowalski who sorted it".
_WHO_FR = r"c['’](?:est|était)\s+(?:(?:finalement|toujours|encore|enfin)\s+)?"
_WHO_FR_AFTER = r"\s+qui\b"
_WHO_EN = (
    r"(?:it\s+was|it\s+is|it['’]s|that\s+was|that['’]s)\s+"
    r"(?:(?:finally|always|actually)\s+)?"
)
_WHO_EN_AFTER = r"\s+who\b"
# A role after the name: « Sophie, du SAV », « Guillon, le livreur », "Fitzgerald from support",
# "Rhiannon, the store manager".
_ROLE_AFTER_FR = (
    r"(?:,?\s+(?:du|de\s+la|de\s+l['’]|des)\s+(?:SAV|service\s+(?:client|clients|après-vente|"
    r"consommateurs?)|accueil|standard|hotline|support)\b|"
    rf",\s+(?:la|le|l['’]|notre|ma|mon|une|un|leur|votre)\s+{_ROLES_FR}\b)"
)
_ROLE_AFTER_EN = (
    r"(?:\s+(?:from|at|on)\s+(?:the\s+)?(?:customer\s+(?:service|services|support|care)|"
    r"(?:tech\s+)?support|help\s?desk|front\s+desk|returns\s+desk|reception|billing|"
    r"complaints|the\s+till|the\s+counter)\b|"
    rf",\s+(?:the|our|my|a|an|their|your)\s+(?:(?:lovely|new|friendly|duty)\s+)?{_ROLES_EN}\b)"
)
# What people do after their name, not shops: « Moreau m'a rappelée », "Kowalski called me".
_ACTS_FR = (
    r"[ \u00a0](?:m['’]a(?:vait)?|nous\s+a(?:vait)?|l['’]a|lui\s+a|m['’]|"
    r"(?:a|avait)\s+(?:dit|répondu|rappelé|appelé|expliqué|proposé|conseillé|promis|assuré|"
    r"confirmé|refusé|accepté|pris|validé|géré|réglé|trouvé)|"
    r"est\s+(?:venue?|passée?|arrivée?|revenue?|restée?)|"
    r"(?:était|est)\s+(?:super|très|vraiment|adorable|sympa|gentille?|aimable|désagréable))(?!\w)"
)
_ACTS_EN = (
    r"[ \u00a0](?:told|said|called|rang|phoned|emailed|texted|messaged|explained|helped|sorted|"
    r"fixed|replied|answered|offered|suggested|recommended|promised|apologi[sz]ed|refunded|"
    r"came|(?:was|is|has\s+been)\s+(?:very|really|super|so|lovely|great|brilliant|rude|helpful|"
    r"kind|amazing|patient|fantastic|unhelpful))(?!\w)"
)

# French fillers that open English names: "Ben" is a name in English.
_FRENCH_FILLERS = frozenset({"ben", "bah", "bon", "euh", "hum", "genre"})

# Capitalised words that are never names on their own (sentence starters, months, days…).
_COMMON_CAPS = {
    fold(w)
    for w in (
        "I Je J Il Elle On Nous Vous Ils Elles Le La Les Un Une Des Et Mais Ou Donc Or Ni Car Ce "
        "Cette Ces Mon Ma Mes Son Sa Ses Quand Puis Alors Bref Enfin Oui Non Bonjour Merci Ok "
        "Voilà Franchement Honnêtement Sinon Après Avant Avec Sans Pour Chez Dans Sur Par En Au "
        "Aux Du De Tout Tous Toute Rien Très Trop Bien Super Genre Bon Ah Oh Euh Hum Ben Bah "
        "The A An And But Or So Then When If My Our Your His Her Their We You He She They It "
        "This That These Those Yes No Hi Hello Thanks Thank Well Oh Ah Um Uh Honestly Also Just "
        "Really Very Great Good Not Now Later First Next Last After Before With Without For From "
        "In On At To Of By As Overall Anyway Still Sure Maybe Actually Basically Q R A Interviewer "
        "Participant Intervieweur Enquêteur Enquêtrice Modérateur Modératrice Moderator Speaker "
        "January February March April May June July August September October November December "
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Janvier Février Mars Avril Mai "
        "Juin Juillet Août Septembre Octobre Novembre Décembre Lundi Mardi Mercredi Jeudi "
        "Vendredi Samedi Dimanche Noël Christmas Easter Pâques God Dieu Christian Chrétien "
        "Will Can Could Should Would Must Shall Might Hope Grant Mark Bill Sue Pat Art Guy Joy "
        "Faith Dawn Summer Chase Hunter Page Rich Amber Crystal Ruby Pearl Jade Sky Storm "
        "Monsieur Madame Mademoiselle Mme Mlle Mr Mrs Ms Miss Dr Prof Sir Lady Lord"
    ).split()
}
# Greetings and thanks the NER glues to the name that follows (« Bonjour Léa », "Hi Emma").
_GREETINGS = {
    fold(w)
    for w in (
        "Bonjour Bonsoir Salut Coucou Merci Re Allô Allo Bienvenue Bravo Cher Chère Chers Chères "
        "Hello Hi Hey Dear Thanks Thank Welcome Morning Evening Afternoon Good Bye Goodbye Ciao "
        "Yo Okay Ok Oui Non Yes No Alors Voilà Bon Ben Bah Euh"
    ).split()
}
# Words that are ambiguous only at the start of a sentence ("Will you…", "Rose gold…"): kept as
# names mid-sentence when capitalised, where they are nearly always names.
_SENTENCE_INITIAL_ONLY = {
    fold(w)
    for w in (
        "Will Hope Grant Mark Bill Sue Pat Art Guy Joy Faith Dawn Summer Chase Hunter Page Rich "
        "Amber Crystal Ruby Pearl Jade Sky Storm Rose Olive Grace Iris Violet Lily Daisy "
        "Pierre Ginger Holly Heather Basil Sage Frank Victor Jack Max Justin Gene Dean Major Ray "
        "Rob Don Jean Eve Prudence Constance Patience Honor Clement Marine"
    ).split()
}
# Names of places that are also first names: a person only with other evidence.
_PLACES = {
    fold(w)
    for w in (
        "Paris Lyon Nice Florence Victoria Lourdes Sydney Austin Orlando Charlotte Georgia "
        "Virginia Adelaide Chelsea Savannah Madison Phoenix Dallas Houston Denver Jackson "
        "Lincoln Brooklyn Camden Kensington Orléans Valence Vienne Alexandrie Sienne Jersey "
        "Devon Kent Troy Tours Laval Angers Nancy Montana Dakota Carolina Regina Lorraine "
        "Normandie Bretagne Provence Albi Agen Rennes Nantes Lille Caen Rouen Brest Reims "
        "France Jordan Chad Israel India Kenya Sierra Siena Dakota Savoie Maurice Lorient "
        "London Londres Manchester Bristol Dublin Boston Chicago Seattle Toronto Montréal Québec "
        "Kingston Preston Milton Washington Liban Montserrat"
    ).split()
}
# Brands and services common in journey research: never a name (extend per workspace with
# allow_terms=…, read from <workspace>/keep-names.txt). « Atelier Brun » stays, « Sophie » does
# not. The bulk of the list is data: `keep.bundled_brands()` (data/keep_names.json).
_LEGACY_ALLOW = (
    "Instagram",
    "Facebook",
    "TikTok",
    "YouTube",
    "Pinterest",
    "WhatsApp",
    "Messenger",
    "Snapchat",
    "LinkedIn",
    "Twitter",
    "Google",
    "Gmail",
    "Amazon",
    "Vinted",
    "Leboncoin",
    "Cdiscount",
    "Fnac",
    "Darty",
    "Ikea",
    "Zara",
    "Sephora",
    "Decathlon",
    "Etsy",
    "eBay",
    "PayPal",
    "Lydia",
    "Klarna",
    "Alma",
    "Visa",
    "Mastercard",
    "Apple",
    "Apple Pay",
    "Google Pay",
    "Colissimo",
    "Chronopost",
    "Mondial Relay",
    "La Poste",
    "DHL",
    "UPS",
    "FedEx",
    "Royal Mail",
    "Trustpilot",
    "Shopify",
    "Slack",
    "Zoom",
    "Teams",
    "Doctolib",
    "Uber",
    "Deliveroo",
    "Netflix",
    "Spotify",
    "Siri",
    "Alexa",
)
DEFAULT_ALLOW = tuple(dict.fromkeys((*_LEGACY_ALLOW, *bundled_brands())))
LOANWORDS = bundled_loanwords()
# First words of organisation names (« Atelier Brun », "Maison Rose"): the name is not a person.
_ORG_HEADS = {
    fold(w)
    for w in (
        "Atelier Maison Boutique Studio Café Cafe Librairie Pharmacie Garage Hôtel Hotel "
        "Restaurant Chez Galerie Société Groupe Banque Bank Agence Cabinet Clinique Institut "
        "Laboratoire Fondation Association Club Éditions Editions Les Le La Store Shop Company "
        "Co Ltd Inc Brothers Bros Saint Sainte St Rue Avenue Boulevard Place Lycée Collège "
        "École Ecole Université University College Hôpital Hospital Mairie Marché Market Bistro "
        "Brasserie Salon Spa Domaine Château Chateau Villa Hub Lab Labs Collective Collectif "
        "Opaline Lumen"
    ).split()
}
# Colours opening a product's name (« Bleu Océan », "Forest Green"): with a second word, not a
# person; alone, « Mme Blanc » stays a name.
_COLOUR_HEADS = {
    fold(w)
    for w in (
        "Bleu Vert Rouge Noir Blanc Gris Jaune Beige Marron Orange Ocre Bordeaux Kaki Turquoise "
        "Blue Green Red Black White Grey Gray Yellow Brown Navy Ocean Forest Sand Stone Midnight"
    ).split()
}
_ORG_TAILS = {
    fold(w)
    for w in (
        "SA SAS SARL Ltd Inc LLC GmbH Co Company Group Groupe Store Shop Studio Lab Labs Café "
        "Cafe Bistro Home Design Paris London Bank Banque Market Pharma Express Box Club"
    ).split()
}


@dataclass(frozen=True, slots=True)
class PersonNames:
    """The bundled gazetteer (``data/person_names.json``, built by `build_names` from INSEE's and
    the US Census' name files), folded: first names, first names that are also words, surnames
    that are not words."""

    first: frozenset[str]
    ambiguous: frozenset[str]
    surnames: frozenset[str]


@lru_cache(maxsize=1)
def person_names() -> PersonNames:
    raw = resources.files("ingest.redact").joinpath("data/person_names.json").read_text("utf-8")
    data = json.loads(raw)
    return PersonNames(
        frozenset(data["first_names"]),
        frozenset(data["ambiguous_first_names"]),
        frozenset(data["surnames"]),
    )


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Known first names: Faker's person providers (MIT: English, French and neighbours), and
    the bundled gazetteer's (INSEE, US Census), folded."""
    bundled = person_names()
    return (_faker_first_names() | bundled.first | bundled.ambiguous) - _NOT_NAMES


@lru_cache(maxsize=1)
def ambiguous_first_names() -> frozenset[str]:
    """First names of the bundled gazetteer that are also words (« Blanche », "Ginger"): names
    mid-sentence, not alone at the start of a sentence. Faker's names are left to the curated
    lists (`_SENTENCE_INITIAL_ONLY`, `_COMMON_CAPS`)."""
    return person_names().ambiguous - _faker_first_names()


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    """Surnames that are not words (« Moreau », "Kowalski"; not « Petit », "Brown"), folded."""
    return person_names().surnames - _faker_first_names() - _NOT_NAMES


@lru_cache(maxsize=1)
def _faker_first_names() -> frozenset[str]:
    names: set[str] = set()
    for locale in (
        "en_US",
        "en_GB",
        "en_IE",
        "en_NZ",
        "en_IN",
        "fr_FR",
        "fr_CA",
        "fr_CH",
        "fr_BE",
        "nl_BE",
        "de_DE",
        "de_AT",
        "es_ES",
        "it_IT",
        "pt_PT",
        "nl_NL",
        "pl_PL",
        "ar_AA",
        "tr_TR",
        # the names of the people British, Irish and French shops serve (Latin script only)
        "fr_QC",
        "ga_IE",
        "en_KE",
        "en_NG",
        "en_PK",
        "yo_NG",
        "ig_NG",
        "ha_NG",
        "tw_GH",
        "zu_ZA",
        "sw",
        "pt_BR",
        "es_MX",
        "ro_RO",
        "cs_CZ",
        "sk_SK",
        "hr_HR",
        "hu_HU",
        "da_DK",
        "sv_SE",
        "no_NO",
        "fi_FI",
    ):
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:  # a locale Faker dropped
            continue
        for attribute in ("first_names", "first_names_male", "first_names_female"):
            names.update(str(n) for n in getattr(provider, attribute, ()))
    names.update(_DIMINUTIVES)
    latin = re.compile(r"[A-ZÀ-ÖØ-Þ][A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’-]+")
    return frozenset(fold(n) for n in names if latin.fullmatch(n))


# Short forms the Faker lists lack.
_DIMINUTIVES = (
    "Will Bill Bob Rob Ben Tom Sam Matt Dan Nick Pat Sue Kate Liz Beth Meg Jen Jess Becky Abby "
    "Tony Andy Chris Mike Steve Joe Jim Jimmy Ted Ed Al Alex Max Charlie Freddie Harry Ollie Alfie "
    "Jo Jon Rick Ricky Vicky Nat Ron Greg Phil Ray Gabi Lulu Mimi Nico Manu Seb Flo Caro Steph "
    "Alex Fred Jojo Bea Zoé Théo Léo Timothée Maxime Nolwenn Gwen Yanis Ilyes Inaya Aya Lina "
    # romanised names the Faker lists write in their own script (Greek, Cyrillic, Devanagari…)
    "Priyanka Raj Rajesh Ravi Anil Sunil Deepak Pooja Neha Anjali Arjun Rahul Vikram Sanjay "
    "Nkechi Ngozi Chioma Ife Femi Tunde Giorgos Yannis Nikos Dimitris Eleni Katerina Oksana "
    "Olena Iryna Svitlana Dmytro Oleksandr Mykola Natalia Olga Sergei Dmitri Anastasia Mei Wei "
    "Ling Hiroshi Yuki Haruto Minh Thao Bartosz Kasia Gosia"
).split()
# Capitalised words some Faker locale lists as a first name, never a name in our sources.
_NOT_NAMES = frozenset(
    fold(w)
    for w in (
        "Pacific Atlantic Euro Mercy Blessing Comfort Charity Patience Precious Gift Goodness "
        "Favour Favor Happiness Peace Prosperity Lucky Trust Wisdom Promise Treasure Royal "
        "Sunday Monday Friday Saturday Jumbo Kindle"
    ).split()
)


@lru_cache(maxsize=1)
def lower_case_names() -> frozenset[str]:
    """First names that are no word in any case, so that a cue may vouch for them written in
    lower case (« ma conseillère nathalie », "a guy called marcus"): not « rose », "will"."""
    unsafe = person_names().ambiguous | _COMMON_CAPS | _SENTENCE_INITIAL_ONLY | _PLACES
    return frozenset(n for n in first_names() - unsafe if len(n) > 2)
