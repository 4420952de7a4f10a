"""`parcours eval` and `eval compare`: extraction quality on the gold set (evals/gold)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from assistant.cli.common import err, out, reports_errors
from assistant.providers import PROVIDERS
from assistant.settings import Settings
from assistant.workspace import atomic_write


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
    from evals.runner import f1_table, grouping_table, markdown_report, run_eval

    flags: dict[str, Any] = {"model": model, "base_url": base_url}
    settings = Settings(**{key: value for key, value in flags.items() if value is not None})
    results = run_eval(provider=provider, runs=runs, settings=settings)
    table = Table(title=f"eval — {provider}: evidence validity {results['evidence_validity']:.1%}")
    for column in ("F1", "dev", "test", "all"):
        table.add_column(column, justify="right" if column != "F1" else "left")
    for row in f1_table(results):
        table.add_row(*row)
    out.print(table)
    grouping_rows = grouping_table(results)
    if grouping_rows:
        grouping = Table(title="findings: grouping (P / R / F1) beside its floors")
        for column in ("grouping", "dev", "test", "all"):
            grouping.add_column(column, justify="right" if column != "grouping" else "left")
        for row in grouping_rows:
            grouping.add_row(*row)
        out.print(grouping)
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
