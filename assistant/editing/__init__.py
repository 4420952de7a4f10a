"""Editing: typed operations on a map, applied by pure functions, kept as a revision history.

`operations` checks and applies each kind of operation, `state` is the mutable working copy they
act on, `edits` applies a batch (all or nothing) and parses operations from JSON, `diff` says
what changed between two maps, `revisions` commits, undoes, redoes and restores (the only module
here that writes, through the workspace).
"""
