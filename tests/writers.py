"""Helpers for the many-writers tests: a corpus whose files share people, workspace snapshots.

Every group of files has its own participant (interviewed twice: a first interview and a
follow-up) and mentions the same third parties, e-mail and phone, so processes ingesting
different groups at once must agree on one placeholder per person. Fewer than ten people of each
kind: placeholders keep one digit, so two maps differ by their numbering only, never by offsets.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings

from assistant.model import WorkspaceManifest

PARTICIPANTS_FR = ("Léa Martin", "Nadia Benali", "Marc Petit")
PARTICIPANTS_EN = ("Jess Walker", "Daniel Hughes", "Priya Shah")

_FR = """---
participant: {who}
language: fr
---
Enquêtrice : Merci d'être là. Comment avez-vous découvert la marque ?
{first} : Par Instagram, une publicité pour un canapé. Ma sœur Sophie l'avait déjà acheté.
Enquêtrice : Qu'est-ce qui vous a fait hésiter ?
{first} : Les frais de livraison affichés à la dernière étape, franchement ça m'a énervée.
Enquêtrice : Et le service client ?
{first} : J'ai écrit à sophie.bernard@example.fr puis appelé le 06 12 34 56 78, personne n'a répondu.
Enquêtrice : Et la livraison ?
{first} : Le suivi est resté bloqué en préparation pendant dix jours, Mme Dupont du magasin m'a rappelée.
Enquêtrice : Vous la recommanderiez ?
{first} : Oui, à mon collègue Tom Baker, mais pas pour le service après-vente. {note}
"""

_EN = """---
participant: {who}
language: en
---
Interviewer: Thanks for joining. How did you first hear about the brand?
{first}: Through an Instagram ad. My colleague Tom Baker had bought the same sofa.
Interviewer: What made you hesitate?
{first}: The delivery fees only showed up at the very last step, which honestly annoyed me.
Interviewer: And customer service?
{first}: I emailed tom.baker@example.com and called 020 7946 0958, nobody picked up.
Interviewer: And the delivery?
{first}: Tracking was stuck on preparing for ten days, then Mrs Dupont from the shop called me back.
Interviewer: Would you recommend them?
{first}: Yes, to my sister Sophie, but not for the after-sales service. {note}
"""

_NOTES = (
    "",
    "Et la deuxième fois, c'était pareil.",
    "The second time it was the same.",
)


def write_group(folder: Path, index: int, english: bool | None = None) -> list[Path]:
    """Two interviews (first and follow-up) of participant `index` (0-5), in their language."""
    english = index >= 3 if english is None else english
    who = (PARTICIPANTS_EN if english else PARTICIPANTS_FR)[index % 3]
    template = _EN if english else _FR
    first = who.split()[0]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for visit in (1, 2):
        note = _NOTES[0] if visit == 1 else _NOTES[2 if english else 1]
        path = folder / f"{'en' if english else 'fr'}-{index}-{visit}-{first.lower()}.md"
        path.write_text(template.format(who=who, first=first, note=note), encoding="utf-8")
        paths.append(path)
    return paths


def environment(**extra: str) -> dict[str, str]:
    """The environment of a `parcours` child process: offline, the fast lexical embedder."""
    env = dict(os.environ)
    env.update(
        {
            "PARCOURS_EMBEDDER": "hashing",
            "HF_HUB_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            "PYTHONHASHSEED": "0",
        }
    )
    env.update(extra)
    return env


def parcours(*args: str | Path) -> list[str]:
    """The command line of `parcours ARGS` in this interpreter."""
    return [sys.executable, "-m", "assistant.cli", *map(str, args)]


def run(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        parcours(*args), env=environment(), capture_output=True, text=True, timeout=timeout
    )


def snapshot(root: Path) -> dict[str, Any]:
    """What must be equal between two workspaces ingested from the same files: which files, with
    which sources; the people in the vault (as sets of identities, numbering aside); segments."""
    manifest = WorkspaceManifest.model_validate_json((root / "workspace.json").read_bytes())
    files = {
        Path(key).name: (record.sha256, tuple(record.source_ids))
        for key, record in manifest.files.items()
    }
    vault = json.loads((root / "pii-vault.json").read_text(encoding="utf-8"))
    people = sorted((entry["kind"], tuple(sorted(entry["keys"]))) for entry in vault["entries"])
    segments = {}
    for path in sorted((root / "sources").glob("*.json")):
        source = json.loads(path.read_text(encoding="utf-8"))
        segments[source["id"]] = len(source["segments"])
    return {
        "files": files,
        "people": people,
        "segments": segments,
        "store": store_ids(root, manifest.id),
    }


def store_ids(root: Path, workspace_id: str) -> list[str]:
    """Every segment id in the workspace's local Chroma store (duplicates kept: there must be
    none)."""
    client: Any = chromadb.PersistentClient(
        path=str(root / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    try:
        collection = client.get_collection(f"parcours-{workspace_id}")
        ids = list(collection.get(include=[])["ids"])
        assert collection.count() == len(ids)
        return sorted(ids)
    finally:
        client.close()


def placeholders_named(root: Path) -> dict[str, set[str]]:
    """Placeholder → the vault entries it names (each must name exactly one)."""
    vault = json.loads((root / "pii-vault.json").read_text(encoding="utf-8"))
    named: dict[str, set[str]] = {}
    for entry in vault["entries"]:
        named.setdefault(f"{entry['kind']}:{entry['number']}", set()).add(entry["first_seen"])
    return named


def without_numbering(document: str) -> str:
    """A map's JSON with placeholder numbers and creation times blanked out."""
    document = re.sub(r"(\[[A-Z]+_)\d+\]", r"\1#]", document)
    return re.sub(r'"created_at": "[^"]*"', '"created_at": ""', document)
