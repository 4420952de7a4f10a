"""Recall and precision of the PII redactor on evals/pii/{fr,en}.jsonl, per kind and language.

`python -m evals.pii_recall` prints the table, the name-detection alternatives measured for each
language (English has no official spaCy model on PyPI) and the speed on 50 KB of French.

Two sets per language: `fr.jsonl`/`en.jsonl` (the development set the rules were tuned on) and
`fr_holdout.jsonl`/`en_holdout.jsonl` (written before looking at the redactor's output on them, and
not tuned on since): the holdout numbers are the honest ones.

A gold span is found when redactions of its kind cover all of its characters; a redaction is
correct when it overlaps a gold span of its kind. Goals: e-mails and phones recall ≥ 0.98,
names recall ≥ 0.9.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ingest.redact import Detection, PiiKind, PlaceholderVault, Redactor, load_ner

DATA = Path(__file__).resolve().parent / "pii"
LANGUAGES = ("fr", "en")
SETS = ("fr", "en", "fr_holdout", "en_holdout")
GOALS = {PiiKind.EMAIL: 0.98, PiiKind.PHONE: 0.98, PiiKind.PERSON: 0.9}


@dataclass(frozen=True)
class Record:
    text: str
    spans: tuple[tuple[int, int, PiiKind], ...]
    known_names: tuple[str, ...]


@dataclass
class Score:
    gold: int = 0
    found: int = 0
    predicted: int = 0
    correct: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0


Detector = Callable[[Record, str], Sequence[Detection]]


def language_of(name: str) -> str:
    return name.split("_")[0]


def load(name: str) -> list[Record]:
    records = []
    for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        spans = tuple((s["start"], s["end"], PiiKind(s["kind"])) for s in raw["spans"])
        records.append(Record(raw["text"], spans, tuple(raw.get("known_names", ()))))
    return records


def score(
    records: Iterable[Record], language: str, detect: Detector, kinds: Iterable[PiiKind] = PiiKind
) -> dict[PiiKind, Score]:
    scores = {kind: Score() for kind in kinds}
    for record in records:
        detections = detect(record, language)
        for kind, s in scores.items():
            mine = [d for d in detections if d.kind == kind]
            covered = {i for d in mine for i in range(d.start, d.end)}
            gold = [(a, b) for a, b, k in record.spans if k == kind]
            s.gold += len(gold)
            s.found += sum(all(i in covered for i in range(a, b)) for a, b in gold)
            s.predicted += len(mine)
            s.correct += sum(any(d.start < b and a < d.end for a, b in gold) for d in mine)
    return scores


def redactor_detector(redactor: Redactor, use_known: bool = True) -> Detector:
    def detect(record: Record, language: str) -> Sequence[Detection]:
        known = record.known_names if use_known else ()
        return redactor.detect(record.text, language, known)

    return detect


def raw_ner_detector(nlp: Any) -> Detector:
    """The French model's PER entities as they come, no filtering."""

    def detect(record: Record, language: str) -> Sequence[Detection]:
        doc = nlp(record.text)
        return [
            Detection(e.start_char, e.end_char, PiiKind.PERSON, "ner")
            for e in doc.ents
            if e.label_ == "PER"
        ]

    return detect


def known_only(record: Record, language: str) -> Sequence[Detection]:
    return Redactor(use_ner=False, use_gazetteer=False, use_patterns=False).detect(
        record.text, language, record.known_names
    )


def evaluate(nlp: Any | None = None, sets: Sequence[str] = SETS) -> dict[str, dict[PiiKind, Score]]:
    """The chosen configuration, per set."""
    redactor = Redactor(nlp or load_ner())
    return {
        name: score(load(name), language_of(name), redactor_detector(redactor)) for name in sets
    }


def alternatives(nlp: Any) -> dict[str, dict[str, Score]]:
    """Person recall/precision of each name strategy, per language."""
    person = [PiiKind.PERSON]
    options: dict[str, Detector] = {
        "fr_core_news_sm NER, raw PER": raw_ner_detector(nlp),
        "NER, filtered (orgs, brands, gazetteer on EN)": redactor_detector(
            Redactor(nlp, use_gazetteer=False, use_patterns=False), use_known=False
        ),
        "honorific + relational patterns": redactor_detector(
            Redactor(use_ner=False, use_gazetteer=False), use_known=False
        ),
        "first-name gazetteer (Faker) + surname": redactor_detector(
            Redactor(use_ner=False, use_patterns=False), use_known=False
        ),
        "known names only": known_only,
        "patterns + gazetteer + known (no NER)": redactor_detector(Redactor(use_ner=False)),
        "all (chosen)": redactor_detector(Redactor(nlp)),
    }
    out: dict[str, dict[str, Score]] = {}
    for name, detect in options.items():
        out[name] = {
            s: score(load(s), language_of(s), detect, person)[PiiKind.PERSON] for s in SETS
        }
    return out


def speed(nlp: Any, size: int = 50_000) -> tuple[float, float]:
    """chars/s on `size` characters of French, with and without NER (model already loaded)."""
    lines = [r.text for r in load("fr")]
    text = ""
    while len(text) < size:
        text += "\n".join(lines) + "\n"
    text = text[:size]
    rates = []
    for redactor in (Redactor(nlp), Redactor(use_ner=False)):
        started = time.perf_counter()
        redactor.redact(text, "fr", PlaceholderVault())
        rates.append(size / (time.perf_counter() - started))
    return rates[0], rates[1]


def main() -> None:
    console = Console()
    started = time.perf_counter()
    nlp = load_ner()
    console.print(f"spaCy NER load: {time.perf_counter() - started:.1f} s")

    table = Table(title="PII redaction — chosen configuration")
    for column in ("set", "kind", "gold", "recall", "predicted", "precision", "goal"):
        table.add_column(column, justify="left" if column in ("set", "kind") else "right")
    for lang, scores in evaluate(nlp).items():
        for kind, s in scores.items():
            goal = GOALS.get(kind)
            verdict = "" if goal is None else ("ok" if s.recall >= goal else f"< {goal}")
            table.add_row(
                lang,
                kind.value,
                str(s.gold),
                f"{s.recall:.2f}",
                str(s.predicted),
                f"{s.precision:.2f}",
                verdict,
            )
    console.print(table)

    alt = Table(title="Person names — alternatives measured")
    alt.add_column("strategy (recall / precision)")
    for name in SETS:
        alt.add_column(name, justify="right")
    for name, per_lang in alternatives(nlp).items():
        cells = [f"{s.recall:.2f} / {s.precision:.2f}" for s in per_lang.values()]
        alt.add_row(name, *cells)
    console.print(alt)

    with_ner, without = speed(nlp)
    console.print(
        f"speed on 50 KB of French: {with_ner:,.0f} chars/s with NER, {without:,.0f} without"
    )


if __name__ == "__main__":
    main()
