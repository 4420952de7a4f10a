"""Ingest at scale: generated transcripts, one scenario per process (so peak RSS is its own).

    python -m evals.bench_ingest --transcripts 200 --embedder auto     # prints one JSON line

Transcripts are generated from the bundled samples' turns (seeded), 12 turns each, with
timestamps, alternating French and English; every file differs (no duplicate skipping).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from pathlib import Path

from assistant.project import Project
from ingest.embedders import Embedder, get_embedder
from ingest.redact import PlaceholderVault
from ingest.segment import SpacySegmenter

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "interviews"


def _turns(language: str) -> tuple[list[str], list[str]]:
    questions: list[str] = []
    answers: list[str] = []
    for path in sorted(SAMPLES.glob(f"{language}-*")):
        for line in path.read_text(encoding="utf-8").splitlines():
            label, sep, speech = line.partition(":")
            if not sep or not speech.strip() or len(label) > 40:
                continue
            speech = speech.strip()
            (questions if speech.endswith("?") else answers).append(speech)
    return questions, answers


def generate(folder: Path, count: int, turns: int = 12, seed: int = 11) -> list[Path]:
    rng = random.Random(seed)
    pools = {language: _turns(language) for language in ("fr", "en")}
    labels = {"fr": ("Enquêtrice", "Participant"), "en": ("Interviewer", "Participant")}
    paths = []
    for number in range(count):
        language = "fr" if number % 2 == 0 else "en"
        questions, answers = pools[language]
        interviewer, participant = labels[language]
        seconds = 0
        lines = [f"Persona : {'impulsive' if number % 3 else 'deliberate'}", ""]
        for turn in range(turns):
            speaker, pool = (interviewer, questions) if turn % 2 == 0 else (participant, answers)
            speech = rng.choice(pool)
            stamp = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
            lines.append(f"[{stamp}] {speaker} : {speech}")
            seconds += 5 + len(speech) // 12
        lines.append(f"[{stamp}] {interviewer} : Merci, entretien {number}.")
        path = folder / f"generated-{number:05d}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def run(transcripts: int, embedder_name: str) -> dict[str, float | str]:
    segmenter = SpacySegmenter()
    segmenter.split(["Bonjour."], "fr")
    segmenter.split(["Hello."], "en")
    embedder = get_embedder(embedder_name)
    embedder.embed_documents(["warm-up"])
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "corpus"
        corpus.mkdir()
        generate(corpus, transcripts)
        project = Project(Path(folder) / "ws", embedder=embedder, segmenter=segmenter)
        project.store.count()
        if project.redactor is not None:  # load the PII NER once, outside the timing
            project.redactor.redact("Bonjour Léa.", "fr", PlaceholderVault())
        start = time.perf_counter()
        report = project.ingest([corpus])
        seconds = time.perf_counter() - start
        if report.exit_code:
            raise SystemExit(f"generated corpus failed to ingest: {report.by_status('failed')[:3]}")
        sources = project.workspace.load_sources()
        texts = [s.text[seg.start : seg.end] for s in sources for seg in s.segments]
        embed_seconds = _embed_seconds(embedder, texts)
    return {
        "transcripts": transcripts,
        "segments": len(texts),
        "seconds": seconds,
        "embed_seconds": embed_seconds,
        "segments_per_s": len(texts) / seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "embedder": embedder.name,
    }


def _embed_seconds(embedder: Embedder, texts: list[str]) -> float:
    """Embedding the same segments alone, once, like the ingest it is compared with."""
    start = time.perf_counter()
    embedder.embed_documents(texts)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transcripts", type=int, default=200)
    parser.add_argument("--embedder", default="auto")
    arguments = parser.parse_args()
    print(json.dumps(run(arguments.transcripts, arguments.embedder)))


if __name__ == "__main__":
    main()
