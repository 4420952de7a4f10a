"""`parcours ingest`, `remove` and `reindex`: the sources of a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from assistant.cli.common import (
    ChromaOption,
    WorkspaceOption,
    err,
    out,
    project_for,
    reports_errors,
)
from ingest.pipeline import IngestReport, discover


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
    project = project_for(workspace, chroma_url, **({} if redact else {"redact": False}))
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


@reports_errors
def remove(
    source: Annotated[str, typer.Argument(help="A source id, or the path of an ingested file")],
    workspace: WorkspaceOption = None,
    chroma_url: ChromaOption = None,
) -> None:
    """Remove a source (or every source of a file) from the workspace and the vector store."""
    removed = project_for(workspace, chroma_url).remove(source)
    out.print(f"removed {len(removed)} source(s): {', '.join(removed)}")


@reports_errors
def reindex(workspace: WorkspaceOption = None, chroma_url: ChromaOption = None) -> None:
    """Re-embed every source with the embedder the settings name (PARCOURS_EMBEDDER…)."""
    project = project_for(workspace, chroma_url)
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
