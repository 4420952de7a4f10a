"""`parcours` command line: a thin shell over `assistant.project`.

Exit codes: 0 success; 1 something failed (a file, a check) and was reported; 2 usage error.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from assistant.build import OVERALL_MAP_ID, BuildResult
from assistant.compare import comparison_json, render_comparison
from assistant.errors import ConfigError, ParcoursError
from assistant.model import Lane, journey_map_json_schema
from assistant.personas import mapping_csv
from assistant.project import Project, verify_export
from assistant.providers import PROVIDERS
from assistant.settings import Settings
from assistant.workspace import Workspace, atomic_write
from ingest.pipeline import IngestReport, discover

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Customer journey maps from interviews and reviews, every item backed by verbatim quotes.",
)
# Wide enough for the stages × lanes table when output is not a terminal (logs, CI).
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder [default: ./parcours-workspace, or PARCOURS_WORKSPACE]",
    ),
]
MapOption = Annotated[str, typer.Option("--map", help="Map id (default: the overall map)")]


P = ParamSpec("P")


def reports_errors(command: Callable[P, None]) -> Callable[P, None]:
    """A ParcoursError becomes one red line and exit code 1 (2 for configuration errors)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except ParcoursError as error:
            err.print(f"[red]error:[/red] {error}")
            raise typer.Exit(2 if isinstance(error, ConfigError) else 1) from error

    return wrapper


ChromaOption = Annotated[
    str | None,
    typer.Option(
        "--chroma-url",
        help="Chroma server (http://host:port) instead of the store in "
        "the workspace [or PARCOURS_CHROMA_URL; remembered by the workspace]",
    ),
]


def _project(workspace: Path | None, chroma_url: str | None = None, **flags: Any) -> Project:
    overrides: dict[str, Any] = {key: value for key, value in flags.items() if value is not None}
    if chroma_url:
        overrides["chroma_url"] = chroma_url
    if workspace is not None:
        overrides["workspace"] = workspace
    settings = Settings(**overrides)
    return Project(settings.workspace, settings=settings)


@app.command()
@reports_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders to ingest")],
    workspace: WorkspaceOption = None,
    chroma_url: ChromaOption = None,
    interviewer: Annotated[
        list[str] | None,
        typer.Option(
            "--interviewer",
            "-i",
            help="Speaker name to treat as interviewer "
            "(repeatable); known role labels (Q, Enquêtrice…) need none",
        ),
    ] = None,
    redact: Annotated[
        bool,
        typer.Option(
            help="Replace names, e-mails, phones, addresses, IBAN and card numbers by "
            "placeholders before anything is embedded [or PARCOURS_REDACT]"
        ),
    ] = True,
    text_column: Annotated[
        str | None, typer.Option(help="Tables: the column holding the text (default: by name)")
    ] = None,
    rating_column: Annotated[str | None, typer.Option(help="Tables: rating column")] = None,
    date_column: Annotated[str | None, typer.Option(help="Tables: date column")] = None,
    author_column: Annotated[str | None, typer.Option(help="Tables: author column")] = None,
    channel_column: Annotated[str | None, typer.Option(help="Tables: channel column")] = None,
) -> None:
    """Read transcripts and review tables; redact, segment, embed and store them.

    Transcripts: .txt .md (Zoom, Teams, Otter exports too) .docx .pdf .vtt .srt .trs.
    Tables (one row = one review or survey answer): .csv .tsv .xlsx .json."""
    project = _project(workspace, chroma_url, **({} if redact else {"redact": False}))
    columns = {
        "text_column": text_column,
        "rating_column": rating_column,
        "date_column": date_column,
        "author_column": author_column,
        "channel_column": channel_column,
    }
    files, _ = discover(paths)
    with Progress(
        TextColumn("[bold]ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=len(files))

        def advance(path: Path) -> None:
            progress.update(task, advance=1, description=path.name)

        report = project.ingest(
            paths,
            interviewers=frozenset(interviewer or ()),
            load_options={key: value for key, value in columns.items() if value},
            on_file=advance,
        )
    _print_ingest_report(report)
    raise typer.Exit(report.exit_code)


@app.command()
@reports_errors
def remove(
    source: Annotated[str, typer.Argument(help="A source id, or the path of an ingested file")],
    workspace: WorkspaceOption = None,
    chroma_url: ChromaOption = None,
) -> None:
    """Remove a source (or every source of a file) from the workspace and the vector store."""
    removed = _project(workspace, chroma_url).remove(source)
    out.print(f"removed {len(removed)} source(s): {', '.join(removed)}")


@app.command()
@reports_errors
def reindex(workspace: WorkspaceOption = None, chroma_url: ChromaOption = None) -> None:
    """Re-embed every source with the embedder the settings name (PARCOURS_EMBEDDER…)."""
    project = _project(workspace, chroma_url)
    count = project.reindex()
    out.print(f"re-embedded {count} segments with {project.embedder.name}")


def _print_ingest_report(report: IngestReport) -> None:
    table = Table(title="Ingest", show_lines=False)
    for column in ("file", "status", "sources", "segments", "reason"):
        table.add_column(column, overflow="fold")
    styles = {"ingested": "green", "skipped": "yellow", "failed": "bold red"}
    for outcome in report.outcomes:
        table.add_row(
            outcome.path,
            f"[{styles[outcome.status]}]{outcome.status}",
            str(outcome.sources or ""),
            str(outcome.segments or ""),
            outcome.reason,
        )
    out.print(table)
    ingested, skipped, failed = (
        len(report.by_status(s)) for s in ("ingested", "skipped", "failed")
    )
    out.print(f"{ingested} ingested, {skipped} skipped, {failed} failed")
    for outcome in report.by_status("failed"):
        err.print(f"[red]failed:[/red] {outcome.path}: {outcome.reason}")


@app.command()
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
    chroma_url: ChromaOption = None,
) -> None:
    """Build the journey map (a new revision) and print its stages × lanes counts."""
    if provider not in PROVIDERS:
        raise ConfigError(f"unknown provider {provider!r}", f"use one of: {', '.join(PROVIDERS)}")
    project = _project(workspace, chroma_url, model=model, base_url=base_url)
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
        _print_build(project.build(provider=provider, persona=target))


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
    usage = journey_map.provenance.token_usage
    if usage is not None:
        out.print(
            f"tokens: {usage.input_tokens:,} in, {usage.output_tokens:,} out "
            f"({journey_map.provenance.parameters.get('cached_chunks', 0)} chunks cached)"
        )
    for source_id, reason in journey_map.provenance.failures.items():
        err.print(f"[red]partial map:[/red] {source_id} was left out: {reason}")
    out.print(f"map {journey_map.id} revision {journey_map.revision}: {result.path}")


@app.command()
@reports_errors
def export(
    workspace: WorkspaceOption = None,
    map_id: MapOption = OVERALL_MAP_ID,
    format: Annotated[str, typer.Option("--format", help="Export format: json")] = "json",
    with_sources: Annotated[
        bool,
        typer.Option(help="Embed each source's text and segments so anyone can verify the quotes"),
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: standard output)")
    ] = None,
) -> None:
    """Export a map as JSON (the public contract: see `parcours schema`)."""
    if format != "json":
        raise ConfigError(f"unknown export format {format!r}", "use --format json")
    document = _project(workspace).export(map_id, with_sources=with_sources)
    if output is None:
        sys.stdout.write(document)
        return
    atomic_write(output, document.encode())
    err.print(f"wrote {output}")


@app.command()
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
    if report.ok:
        out.print(
            f"{file}: {report.checked}/{report.checked} quotes verified "
            "(text, offsets, speaker, timestamp)"
        )
        return
    out.print(f"{file}: {len(report.problems)} problems in {report.checked} quotes")
    raise typer.Exit(1)


personas_app = typer.Typer(help="Personas: propose them from the corpus, or apply a mapping.")
app.add_typer(personas_app, name="personas")


@personas_app.command("propose")
@reports_errors
def personas_propose(
    workspace: WorkspaceOption = None,
    model: Annotated[str | None, typer.Option(help="Chat model [or PARCOURS_MODEL]")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server")] = None,
    max_personas: Annotated[int, typer.Option("--max", help="At most this many")] = 4,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the proposed source → persona mapping (CSV) to edit"
        ),
    ] = None,
) -> None:
    """Ask the model for personas, each justified by sources and verified quotes."""
    project = _project(workspace, model=model, base_url=base_url)
    result = project.propose_personas(max_personas=max_personas)
    for proposal in result.proposals:
        out.print(f"[bold]{proposal.name}[/bold] — {proposal.description}")
        out.print(f"  traits: {'; '.join(proposal.traits)}")
        out.print(f"  sources: {', '.join(proposal.source_ids)}")
        for evidence in proposal.evidence:
            out.print(f"  > {evidence.quote} [{evidence.source_id}, {evidence.speaker}]")
    for claim in result.ungrounded:
        err.print(f"[yellow]ungrounded:[/yellow] {claim.quote!r} — {claim.reason}")
    for dropped in result.dropped:
        err.print(f"[yellow]dropped:[/yellow] {dropped.name} — {dropped.reason}")
    if output is not None:
        atomic_write(output, mapping_csv(result.mapping()).encode())
        err.print(f"wrote {output}: edit it, then `parcours personas apply {output}`")


@personas_app.command("apply")
@reports_errors
def personas_apply(
    mapping: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="CSV or JSON: source id, file name or glob → persona"
        ),
    ],
    workspace: WorkspaceOption = None,
) -> None:
    """Set each source's persona from a mapping file (it overrides front matter, and says so)."""
    plan, unused = _project(workspace).apply_personas(mapping)
    table = Table(title="personas")
    for column in ("source", "persona", "from", "note"):
        table.add_column(column)
    for assignment in plan:
        table.add_row(
            assignment.source_id,
            assignment.persona,
            assignment.pattern,
            assignment.note if assignment.overrides else "",
        )
    out.print(table)
    for pattern in unused:
        err.print(f"[yellow]unused:[/yellow] {pattern!r} matches no source")


@app.command()
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
    comparison = _project(workspace).compare(first, second, threshold=threshold)
    if as_json:
        sys.stdout.write(comparison_json(comparison) + "\n")
        return
    for table in render_comparison(comparison):
        out.print(table)


eval_app = typer.Typer(
    invoke_without_command=True,
    help="Measure extraction quality on the gold set (evals/gold): F1 per lane and language.",
)
app.add_typer(eval_app, name="eval")


@eval_app.callback()
@reports_errors
def eval_run(
    ctx: typer.Context,
    provider: Annotated[str, typer.Option(help=f"Extractor: {', '.join(PROVIDERS)}")] = "offline",
    model: Annotated[str | None, typer.Option(help="Chat model (openai provider)")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server")] = None,
    runs: Annotated[int, typer.Option(help="Builds to run (agreement across runs)")] = 1,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Results JSON")] = None,
    report: Annotated[Path | None, typer.Option(help="Markdown report")] = None,
) -> None:
    """Build maps of the gold sources with a provider and score them (dev, test, all)."""
    if ctx.invoked_subcommand is not None:
        return
    from evals.runner import f1_table, markdown_report, run_eval

    flags: dict[str, Any] = {"model": model, "base_url": base_url}
    settings = Settings(**{key: value for key, value in flags.items() if value is not None})
    results = run_eval(provider=provider, runs=runs, settings=settings)
    table = Table(title=f"eval — {provider}: evidence validity {results['evidence_validity']:.1%}")
    for column in ("F1", "dev", "test", "all"):
        table.add_column(column, justify="right" if column != "F1" else "left")
    for row in f1_table(results):
        table.add_row(*row)
    out.print(table)
    out.print(
        f"stage accuracy {results['stage_accuracy']:.1%}, lane accuracy "
        f"{results['lane_accuracy']:.1%}, duplicates {results['duplicate_rate']:.1%}, "
        f"ungrounded {results['ungrounded_rate']:.1%}, valence sign "
        f"{results['valence_sign_accuracy']:.1%}"
        + (f", agreement {results['agreement']:.3f}" if results["agreement"] is not None else "")
    )
    if output is not None:
        atomic_write(output, (json.dumps(results, indent=2, ensure_ascii=False) + "\n").encode())
        err.print(f"wrote {output}")
    if report is not None:
        atomic_write(report, markdown_report(results).encode())
        err.print(f"wrote {report}")
    if results["evidence_validity"] < 1.0:
        raise typer.Exit(1)


@eval_app.command("compare")
@reports_errors
def eval_compare(
    first: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    second: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
) -> None:
    """Show what changed between two `parcours eval -o` results (B − A)."""
    from evals.runner import compare_rows

    a = json.loads(first.read_text(encoding="utf-8"))
    b = json.loads(second.read_text(encoding="utf-8"))
    table = Table(title=f"A = {first.name} ({a['provider']}), B = {second.name} ({b['provider']})")
    for column in ("metric", "A", "B", "B − A"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for metric, x, y, delta in compare_rows(a, b):
        style = (
            "green"
            if delta.startswith("+") and delta != "+0.000"
            else ("red" if delta.startswith("-") else "")
        )
        table.add_row(metric, x, y, f"[{style}]{delta}" if style else delta)
    out.print(table)


@app.command()
@reports_errors
def schema() -> None:
    """Print the JSON Schema of an exported map."""
    sys.stdout.write(json.dumps(journey_map_json_schema(), indent=2, ensure_ascii=False) + "\n")


# edit, apply, history, diff, undo, redo, restore and chat: assistant/cli_refine.py adds them
# to `app` when imported (here, so that `parcours` has them).
from assistant import cli_refine as _cli_refine  # noqa: E402, F401


def main() -> None:
    app()
