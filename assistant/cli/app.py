"""The `parcours` typer app, assembled here from the command modules: one list, no side effects.

Each module of `assistant.cli` defines plain functions; this is the only place that turns them
into commands, so reading it gives the whole command line at a glance.
"""

from __future__ import annotations

import typer

from assistant.cli import evals, ideal, maps, mcp, personas, refine, sources, ui

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Customer journey maps from interviews and reviews, every item backed by verbatim quotes.",
)

# Sources and maps.
app.command()(sources.ingest)
app.command()(sources.remove)
app.command()(sources.reindex)
app.command()(maps.build)
app.command()(maps.export)
app.command("import")(maps.import_command)
app.command()(maps.verify)
app.command()(maps.compare)
app.command()(maps.schema)

# The ideal journey and the gap to it.
app.command()(ideal.ideal)
app.command()(ideal.gap)

personas_app = typer.Typer(help="Personas: propose them from the corpus, or apply a mapping.")
personas_app.command("propose")(personas.personas_propose)
personas_app.command("apply")(personas.personas_apply)
app.add_typer(personas_app, name="personas")

eval_app = typer.Typer(
    invoke_without_command=True,
    help="Measure extraction quality on the gold set (evals/gold): F1 per lane and language.",
)
eval_app.callback()(evals.eval_run)
eval_app.command("compare")(evals.eval_compare)
app.add_typer(eval_app, name="eval")

# Refining a map.
app.command()(refine.edit)
app.command()(refine.apply)
app.command("history")(refine.history_command)
app.command("diff")(refine.diff_command)
app.command("undo")(refine.undo_command)
app.command("redo")(refine.redo_command)
app.command("restore")(refine.restore_command)
app.command()(refine.chat)

# The chat-assistant plugin.
app.command("mcp")(mcp.mcp)

# The review UI.
app.command("ui")(ui.ui)


def main() -> None:
    app()
