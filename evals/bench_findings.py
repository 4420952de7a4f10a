"""Synthesis at scale: time(1,000 interviews' claims) ÷ time(100) (part of `make bench`; goal ≤ 12).

The claims of the bundled interviews (offline extractor, hashing embedder: what is timed is the
grouping, not a model) are repeated as the claims of N interviews: interview i says what bundled
interview i mod 7 says, its vectors moved by a little noise, as new participants repeat the
findings of earlier ones with their own words. Each size is timed best of 3 in the same run.

    python -m evals.bench_findings      # prints one JSON line
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.evidence.claims import GroundedClaim, ground_claims
from assistant.mapping.build import _extract_offline, majority_language
from assistant.mapping.findings import grouping_params
from assistant.mapping.synthesis import Vector, synthesize
from assistant.model import SourceKind, default_stages
from assistant.project import Project
from assistant.settings import Settings

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "interviews"
NOISE = 0.02


def interview_claims() -> tuple[dict[str, list[tuple[GroundedClaim, Vector]]], str]:
    """The bundled interviews' grounded claims with their vectors, by source."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "ws"
        project = Project(root, settings=Settings(workspace=root, embedder="hashing", redact=False))
        project.ingest([SAMPLES])
        sources = [s for s in project.workspace.load_sources() if s.kind == SourceKind.INTERVIEW]
        language = majority_language(sources)
        extracted = _extract_offline(
            project.workspace, project.embedder, project.store, sources, language
        )
    grounded, _ = ground_claims(extracted.claims, {s.id: s for s in sources})
    index = {id(claim): n for n, claim in enumerate(extracted.claims)}
    by_source: dict[str, list[tuple[GroundedClaim, Vector]]] = {}
    for member in grounded:
        vector = extracted.vectors.get(index[id(member.claim)])
        if vector is not None:
            by_source.setdefault(member.claim.source_id, []).append((member, vector))
    return by_source, language


def corpus(
    pool: dict[str, list[tuple[GroundedClaim, Vector]]], interviews: int, seed: int = 0
) -> tuple[list[GroundedClaim], dict[int, Vector]]:
    rng = np.random.default_rng(seed)
    templates = sorted(pool)
    claims: list[GroundedClaim] = []
    vectors: dict[int, Vector] = {}
    for n in range(interviews):
        source_id = f"interview-{n:04d}"
        for member, vector in pool[templates[n % len(templates)]]:
            claim = replace(member.claim, source_id=source_id)
            evidence = member.evidence.model_copy(update={"source_id": source_id})
            noise = np.asarray(rng.normal(0, NOISE, vector.shape), np.float32)
            moved = vector + noise
            vectors[len(claims)] = (moved / np.linalg.norm(moved)).astype(np.float32)
            claims.append(GroundedClaim(claim, evidence))
    return claims, vectors


def best_time(claims: list[GroundedClaim], vectors: dict[int, Vector], language: str) -> float:
    params = grouping_params("hashing", 0.6)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        synthesize(default_stages(language), claims, vectors, params)
        best = min(best, time.perf_counter() - start)
    return best


def run(small: int = 100, large: int = 1000) -> dict[str, Any]:
    pool, language = interview_claims()
    sizes: dict[str, Any] = {}
    for interviews in (small, large):
        claims, vectors = corpus(pool, interviews)
        seconds = best_time(claims, vectors, language)
        sizes[str(interviews)] = {"claims": len(claims), "seconds": seconds}
    return {
        "sizes": sizes,
        "ratio": sizes[str(large)]["seconds"] / sizes[str(small)]["seconds"],
        "claims_ratio": sizes[str(large)]["claims"] / sizes[str(small)]["claims"],
    }


if __name__ == "__main__":
    print(json.dumps(run()))
