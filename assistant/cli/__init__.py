"""`parcours` command line: a thin shell over `assistant.project` and `assistant.refine`.

`app` assembles the commands; `common` holds what they share; `sources`, `maps`, `personas`,
`evals` and `refine` hold the commands themselves.
"""

from assistant.cli.app import app, main

__all__ = ["app", "main"]
