"""`python -m assistant.cli`: the same as `parcours`."""

from assistant.cli import main

main()
