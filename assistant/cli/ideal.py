"""`parcours ideal` and `parcours gap`: the ideal journey drafted from a map, and the work plan
between the two (rich tables in the map's language, or JSON)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from assistant.cli.common import MapOption, WorkspaceOption, err, out, project_for, reports_errors
from assistant.errors import ConfigError
from assistant.exports.gap_labels import gap_words, priority_head, score_text
from assistant.exports.labels import colon, quote_marks
from assistant.mapping.build import OVERALL_MAP_ID
from assistant.mapping.gap import Gap, gap_json
from assistant.model import JourneyMap, Lane
from assistant.providers import PROVIDERS

PRIORITIES_SHOWN = 10


@reports_errors
def ideal(
    workspace: WorkspaceOption = None,
    map_id: MapOption = OVERALL_MAP_ID,
    provider: Annotated[
        str, typer.Option(help=f"Who words the target experiences: {', '.join(PROVIDERS)}")
    ] = "offline",
    model: Annotated[
        str | None, typer.Option(help="Chat model (openai provider) [or PARCOURS_MODEL]")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible server [or PARCOURS_BASE_URL]")
    ] = None,
    redraft: Annotated[
        bool, typer.Option("--redraft", help="Draft it again as a new revision (undo restores)")
    ] = False,
) -> None:
    """Draft the ideal journey of a map (`<id>-ideal`): per stage the customer's goals and
    expectations, with their quotes, and a target experience for the team to write."""
    if provider not in PROVIDERS:
        raise ConfigError(f"unknown provider {provider!r}", f"use one of: {', '.join(PROVIDERS)}")
    project = project_for(workspace, model=model, base_url=base_url)
    result = project.ideal(map_id, provider=provider, redraft=redraft)
    journey_map = result.map
    w = gap_words(journey_map.language)
    _print_ideal(journey_map)
    for note in result.notes:
        err.print(
            f"[yellow]{escape(w['notes'])}{colon(journey_map.language)}[/yellow]{escape(note)}"
        )
    facts = {"id": journey_map.id, "revision": journey_map.revision}
    if result.created:
        actual = journey_map.actual_map_id or map_id
        out.print(escape(w["drafted"].format(**facts, actual=actual, path=result.path)))
        out.print(escape(w["next"].format(actual=actual)))
    else:
        out.print(escape(w["exists"].format(**facts)))


def _print_ideal(journey_map: JourneyMap) -> None:
    w = gap_words(journey_map.language)
    table = Table(title=f"{escape(journey_map.title)} — revision {journey_map.revision}")
    for column in (w["stage"], w["goals"], w["expectations"], w["target"], w["target_valence"]):
        table.add_column(column)
    for stage in journey_map.stages:
        cells = []
        for lane in (Lane.MOTIVATION, Lane.EXPECTATION):
            items = [item for item in stage.items if item.lane == lane]
            quotes = sum(len(item.evidence) for item in items)
            head = [f"{item.id} {escape(item.text[:60])}" for item in items[:3]]
            more = [f"… +{len(items) - 3}"] if len(items) > 3 else []
            cells.append("\n".join([*head, *more, f"[dim]({len(items)} · {quotes} q)[/dim]"]))
        targets = [escape(i.text) for i in stage.items if i.lane == Lane.OPPORTUNITY]
        valence = "" if stage.target_valence is None else f"{stage.target_valence:+.1f}"
        table.add_row(escape(stage.name), *cells, "\n".join(targets), valence)
    out.print(table)


@reports_errors
def gap(
    workspace: WorkspaceOption = None,
    map_id: MapOption = OVERALL_MAP_ID,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of tables")] = False,
    top: Annotated[int, typer.Option(help="Priorities shown (JSON: all)")] = PRIORITIES_SHOWN,
) -> None:
    """The gap between a map and its ideal journey: the expectations broken per stage, the
    emotion curve against its target, the ranked priorities with their evidence, KPIs."""
    result = project_for(workspace).gap(map_id)
    if as_json:
        sys.stdout.write(gap_json(result) + "\n")
        return
    print_gap(result, top)


def print_gap(result: Gap, top: int = PRIORITIES_SHOWN) -> None:
    w = gap_words(result.language)
    title = w["gap_of"].format(
        actual=result.actual.id,
        actual_rev=result.actual.revision,
        ideal=result.ideal.id,
        ideal_rev=result.ideal.revision,
    )
    summary = Table(title=escape(title))
    for column in (w["stage"], w["today"], w["target_valence"], w["delta"]):
        summary.add_column(column, justify="left" if column == w["stage"] else "right")
    for column in (w["broken"], w["pain_points"], "KPI"):
        summary.add_column(column, justify="right")

    def signed(value: float | None) -> str:
        return "—" if value is None else f"{value:+.2f}"

    for stage in result.stages:
        moments = f" [dim]{' '.join(m.value for m in stage.moments)}[/dim]" if stage.moments else ""
        summary.add_row(
            escape(stage.name) + moments,
            signed(stage.actual_valence),
            signed(stage.target_valence),
            signed(stage.valence_gap),
            str(len(stage.broken)),
            str(len(stage.pain_points)),
            str(len(stage.kpis)),
        )
    out.print(summary)
    out.print(f"[bold]{escape(w['priorities'])}[/bold]")
    if not result.priorities:
        out.print(escape(w["no_priority"]))
    opening, closing = quote_marks(result.language)
    for priority in result.priorities[:top]:
        out.print(
            f"{priority.rank}. [bold]{escape(priority.text)}[/bold] "
            f"[dim]({escape(priority_head(priority, result.language))})[/dim]"
        )
        out.print(
            f"   {escape(score_text(priority, result.language))}; "
            f"{w['evidence']}{colon(result.language)}{', '.join(priority.item_ids)}"
        )
        for quote in priority.quotes:
            who = ", ".join(p for p in (quote.source_id, quote.speaker) if p)
            text = f"{opening}{quote.quote}{closing}"
            out.print(f"   [dim]{quote.item_id}[/dim] {escape(text)} — {escape(who)}")
    if len(result.priorities) > top:
        out.print(f"[dim]… +{len(result.priorities) - top} (--top N, or --json)[/dim]")
    out.print(f"[bold]{escape(w['kpis'])}[/bold]")
    sep = colon(result.language)
    for stage in result.stages:
        for kpi in stage.kpis:
            cites = ", ".join(kpi.cites)
            out.print(f"- {escape(stage.name)}{sep}{escape(kpi.text)} [dim]({cites})[/dim]")
        if stage.note:
            out.print(f"- {escape(stage.name)}{sep}[yellow]{escape(stage.note)}[/yellow]")
    out.print(f"[dim]{escape(w['method'].format(method=result.method))}[/dim]")
