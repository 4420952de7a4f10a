"""`parcours personas propose` and `personas apply`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.cli.common import WorkspaceOption, err, out, project_for, reports_errors
from assistant.mapping.personas import mapping_csv
from assistant.workspace import atomic_write


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
    project = project_for(workspace, model=model, base_url=base_url)
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
    plan, unused = project_for(workspace).apply_personas(mapping)
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
