"""`parcours build`, `export`, `verify`, `compare` and `schema`: maps from sources, and out."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from assistant.cli.common import (
    ChromaOption,
    MapOption,
    WorkspaceOption,
    err,
    out,
    project_for,
    reports_errors,
)
from assistant.errors import ConfigError
from assistant.export_files import verify_export
from assistant.exports import EXPORT_FORMATS
from assistant.mapping.build import OVERALL_MAP_ID, BuildResult
from assistant.mapping.compare import comparison_json, render_comparison
from assistant.mapping.ideal import ideal_map_id
from assistant.model import JourneyMap, Lane, journey_map_json_schema
from assistant.providers import PROVIDERS
from assistant.settings import Settings
from assistant.workspace import Workspace, atomic_write


@reports_errors
def build(
    workspace: WorkspaceOption = None,
    provider: Annotated[str, typer.Option(help=f"Extractor: {', '.join(PROVIDERS)}")] = "offline",
    model: Annotated[
        str | None, typer.Option(help="Chat model (openai provider) [or PARCOURS_MODEL]")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            help="OpenAI-compatible server, e.g. http://localhost:11434/v1 [or PARCOURS_BASE_URL]"
        ),
    ] = None,
    persona: Annotated[str | None, typer.Option(help="Build the map of one persona only")] = None,
    all_personas: Annotated[
        bool, typer.Option("--all-personas", help="Build the overall map and one map per persona")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Estimate the tokens a build would send, and stop")
    ] = False,
    fresh: Annotated[
        bool,
        typer.Option("--fresh", help="Build from the sources only: do not replay the map's edits"),
    ] = False,
    chroma_url: ChromaOption = None,
) -> None:
    """Build the journey map (a new revision) and print its stages × lanes counts.

    A rebuild replays the edits in effect (statuses, texts, moves, merges, splits, stages,
    opportunities…) onto the new extraction and lists those it cannot replay; `parcours undo`
    brings back the map from before it."""
    if provider not in PROVIDERS:
        raise ConfigError(f"unknown provider {provider!r}", f"use one of: {', '.join(PROVIDERS)}")
    project = project_for(workspace, chroma_url, model=model, base_url=base_url)
    if dry_run:
        estimate = project.estimate(provider=provider, persona=persona)
        out.print(
            f"{estimate['chunks']} calls ({estimate['cached_chunks']} answered from the "
            f"cache): about {estimate['input_tokens']:,} input tokens for "
            f"{estimate['source_tokens']:,} tokens of sources (estimate: 4 characters "
            "per token)"
        )
        return
    personas = project.personas() if all_personas else []
    for target in [persona, *personas] if not all_personas else [None, *personas]:
        result = project.build(provider=provider, persona=target, fresh=fresh)
        _print_build(result)
        _note_ideal(project.workspace, result.map)


def _note_ideal(workspace: Workspace, journey_map: JourneyMap) -> None:
    """The ideal journey drafted from an earlier revision of this map: say so (it is the
    team's, so a rebuild never redrafts it)."""
    ideal_id = ideal_map_id(journey_map.id)
    if ideal_id not in workspace.map_ids():
        return
    drafted = workspace.load_map(ideal_id).provenance.parameters.get("actual_revision")
    err.print(
        f"[yellow]note:[/yellow] the ideal journey {ideal_id} was drafted from revision "
        f"{drafted} of {journey_map.id}: `parcours gap` now measures this revision against it; "
        f"`parcours ideal --map {journey_map.id} --redraft` drafts it again from this one (its "
        "edits stay in its history)"
    )


def _print_build(result: BuildResult) -> None:
    journey_map = result.map
    table = Table(title=f"{journey_map.title} — revision {journey_map.revision}")
    table.add_column("stage")
    lanes = [lane for lane in Lane if lane.customer_side]
    for lane in lanes:
        table.add_column(lane.value, justify="right")
    table.add_column("valence", justify="right")
    counts = journey_map.lane_counts()
    for stage in journey_map.stages:
        valence = "" if stage.valence is None else f"{stage.valence:+.1f}"
        table.add_row(stage.name, *(str(counts[stage.id][lane.value]) for lane in lanes), valence)
    out.print(table)
    evidence = sum(len(item.evidence) for _, item in journey_map.items())
    out.print(
        f"{len(journey_map.items())} items, {evidence} quotes from "
        f"{len(journey_map.sources)} sources; {len(journey_map.ungrounded)} ungrounded claims"
    )
    if evidence == 0:
        who = journey_map.provenance.model or journey_map.provenance.extractor
        err.print(
            f"[red]nothing could be grounded:[/red] {who} made {len(journey_map.ungrounded)} "
            "claims and none of their quotes was found in the sources — this map is empty "
            "because of the model, not the corpus: try a stronger model, or the offline extractor"
        )
    usage = journey_map.provenance.token_usage
    if usage is not None:
        out.print(
            f"tokens: {usage.input_tokens:,} in, {usage.output_tokens:,} out "
            f"({journey_map.provenance.parameters.get('cached_chunks', 0)} chunks cached)"
        )
    if journey_map.provenance.sources_changed:
        err.print(f"[yellow]note:[/yellow] {journey_map.provenance.sources_changed}")
    for source_id, reason in journey_map.provenance.failures.items():
        err.print(f"[red]partial map:[/red] {source_id} was left out: {reason}")
    out.print(f"map {journey_map.id} revision {journey_map.revision}: {result.path}")
    if result.replayed or result.conflicts:
        out.print(
            f"{result.replayed} edit(s) replayed onto the new extraction; "
            f"{len(result.conflicts)} could not be (`parcours undo` gives back the map before "
            "this build)"
        )
    for conflict in result.conflicts:
        err.print(
            f"[yellow]conflict[/yellow] (edit of revision {conflict.revision}): "
            f"{escape(conflict.reason)} — {escape(conflict.hint)}"
        )


@reports_errors
def export(
    workspace: WorkspaceOption = None,
    map_id: MapOption = OVERALL_MAP_ID,
    format: Annotated[
        str, typer.Option("--format", "-f", help=f"Export format: {', '.join(EXPORT_FORMATS)}")
    ] = "json",
    with_sources: Annotated[
        bool,
        typer.Option(help="json: embed each source's text and segments so anyone can verify"),
    ] = False,
    delimiter: Annotated[
        str | None, typer.Option(help="csv: the delimiter, ',' (default), ';' or 'tab'")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File to write (default: standard output; for qdpx: WORKSPACE/exports/MAP.qdpx)",
        ),
    ] = None,
) -> None:
    """Export a map: json (the public contract, see `parcours schema`), markdown, csv, html,
    qdpx (REFI-QDA, for QDA software) or mermaid."""
    project = project_for(workspace)
    options: dict[str, Any] = {}
    if delimiter is not None:
        options["delimiter"] = "\t" if delimiter in ("tab", "\\t") else delimiter
    exported = project.export(map_id, format=format, with_sources=with_sources, **options)
    if output is None and exported.is_text:
        sys.stdout.write(exported.text)
        return
    if output is None:
        output = project.workspace.root / "exports" / exported.file_name(map_id)
        err.print(f"the {format} export is binary: writing it to a file (choose one with -o)")
    atomic_write(output, exported.content)
    err.print(f"wrote {output}")


@reports_errors
def import_command(
    file: Annotated[
        Path, typer.Argument(help="A map exported as JSON", exists=True, dir_okay=False)
    ],
    workspace: WorkspaceOption = None,
    map_id: Annotated[
        str | None, typer.Option("--map-id", help="Save it as this map (default: its own id)")
    ] = None,
) -> None:
    """Import a JSON export as the next revision of its map (revision 1 if the map is new).

    Its quotes must match the workspace's sources, or the sources the file embeds
    (`export --with-sources`): those the workspace lacks are added to it."""
    result = project_for(workspace).import_map(file, map_id=map_id)
    journey_map = result.revision.map
    if result.added_sources:
        out.print(f"added {len(result.added_sources)} source(s) from {file}")
    out.print(
        f"{file}: imported as map {journey_map.id} revision {result.revision.number} "
        f"({len(journey_map.items())} items, {len(journey_map.ungrounded)} ungrounded claims)"
    )


@reports_errors
def verify(
    file: Annotated[
        Path, typer.Argument(help="An exported map (JSON)", exists=True, dir_okay=False)
    ],
    workspace: WorkspaceOption = None,
) -> None:
    """Re-check every quote of an exported map against its sources; exit 1 on any mismatch."""
    root = workspace or Settings().workspace
    report = verify_export(file, Workspace(root))
    for problem in report.problems:
        err.print(f"[red]mismatch:[/red] {problem}")
    if report.ok and report.checked == 0:
        out.print(
            f"{file}: the map holds no quote to verify — nothing in it could be grounded in "
            "its sources (see its `ungrounded` list): an empty map, not a verified one"
        )
        raise typer.Exit(1)
    if report.ok:
        out.print(
            f"{file}: {report.checked}/{report.checked} quotes verified "
            "(text, offsets, speaker, timestamp)"
        )
        return
    out.print(f"{file}: {len(report.problems)} problems in {report.checked} quotes")
    raise typer.Exit(1)


@reports_errors
def compare(
    first: Annotated[str, typer.Argument(help="Map id (a persona, or overall)")],
    second: Annotated[str, typer.Argument(help="Map id")],
    workspace: WorkspaceOption = None,
    threshold: Annotated[
        float | None, typer.Option(help="Similarity for 'shared' items (default: the embedder's)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of tables")] = False,
) -> None:
    """Two maps side by side: per stage, shared and distinct items, and valence."""
    comparison = project_for(workspace).compare(first, second, threshold=threshold)
    if as_json:
        sys.stdout.write(comparison_json(comparison) + "\n")
        return
    for table in render_comparison(comparison):
        out.print(table)


@reports_errors
def schema() -> None:
    """Print the JSON Schema of an exported map."""
    sys.stdout.write(json.dumps(journey_map_json_schema(), indent=2, ensure_ascii=False) + "\n")
