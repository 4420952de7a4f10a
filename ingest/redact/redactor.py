"""The redactor: structured kinds and names found, overlaps resolved, placeholders written.

Placeholders: ``[PERSONNE_1]`` … in a French source, ``[PERSON_1]`` … in an English one. The
*label language follows the source*, because the redacted text is read in that language; the
*number* belongs to the workspace's vault, so Léa is ``[PERSONNE_1]`` in a French interview and
``[PERSON_1]`` in an English review.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from ingest.redact.names import PersonFinder
from ingest.redact.rules import find_structured
from ingest.redact.spans import Detection, Redaction, apply
from ingest.redact.vault import PiiKind, PlaceholderVault

# Overlaps: the more specific pattern wins (an IBAN contains card-like and phone-like digits; an
# address may contain a name, « 12 rue Victor Hugo »).
_PRIORITY = {
    PiiKind.IBAN: 0,
    PiiKind.CARD: 1,
    PiiKind.EMAIL: 2,
    PiiKind.PHONE: 3,
    PiiKind.ADDRESS: 4,
    PiiKind.PERSON: 5,
}


class Redactor(PersonFinder):
    """Finds PII and replaces it with workspace-consistent placeholders: the name detectors of
    `PersonFinder` (its options: `ner`, `use_ner`, `ner_languages`, `allow_terms`,
    `use_gazetteer`, `use_patterns`) plus the structured kinds of `rules`. A workspace's own keep
    list goes in `allow_terms`: ``Redactor(allow_terms=read_keep_names(workspace_root))``."""

    def redact(
        self,
        text: str,
        language: str,
        vault: PlaceholderVault,
        known_names: Iterable[str] = (),
    ) -> Redaction:
        return apply(text, self.detect(text, language, known_names), vault, language)

    def detect(self, text: str, language: str, known_names: Iterable[str] = ()) -> list[Detection]:
        """Non-overlapping detections, sorted by start."""
        lang = "fr" if language == "fr" else "en"
        return _resolve(find_structured(text), self.find(text, lang, known_names))


def _resolve(found: list[Detection], people: list[Detection]) -> list[Detection]:
    """Structured kinds by priority then length; names merged, dropped where they overlap."""
    chosen: list[Detection] = []
    for d in sorted(found, key=lambda d: (_PRIORITY[d.kind], -(d.end - d.start), d.start)):
        if all(d.end <= c.start or d.start >= c.end for c in chosen):
            chosen.append(d)
    merged: list[Detection] = []
    for d in sorted(people, key=lambda d: (d.start, -d.end)):
        if merged and d.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Detection(last.start, max(last.end, d.end), last.kind, last.source)
        else:
            merged.append(d)
    for d in merged:
        if all(d.end <= c.start or d.start >= c.end for c in chosen):
            chosen.append(d)
    return sorted(chosen, key=lambda d: d.start)


VaultSession = Callable[[], AbstractContextManager[PlaceholderVault]]
"""Opens the workspace's vault for one numbering: the vault as it is now, saved afterwards."""


@dataclass
class WorkspaceRedaction:
    """A redactor bound to a workspace's vault: what ingestion calls, file after file.

    Detection (spaCy's NER, the slow part) runs outside the vault session; numbering the
    placeholders runs inside it. With a session that locks the workspace and reads the vault
    from disk (`ingest.commit.vault_session`), processes ingesting at once share one numbering:
    the same person keeps one placeholder, two people never share one."""

    redactor: Redactor
    open_vault: VaultSession

    @classmethod
    def in_memory(cls, redactor: Redactor, vault: PlaceholderVault) -> WorkspaceRedaction:
        """Bound to a vault held in memory (one process, tests)."""
        return cls(redactor, lambda: nullcontext(vault))

    def redact(
        self, text: str, language: str, people: Iterable[str] = ()
    ) -> tuple[Redaction, dict[str, str]]:
        """The redacted text, and the placeholder of each of `people` (speaker labels, authors:
        always redacted, in the text too)."""
        people = list(people)
        detections = self.redactor.detect(text, language, people)
        with self.open_vault() as vault:
            result = apply(text, detections, vault, language)
            names = {name: vault.placeholder(PiiKind.PERSON, name, language) for name in people}
        return result, names
