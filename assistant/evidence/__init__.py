"""Evidence: a quote becomes character offsets in its source, with a status; a map is re-checked.

Pure: no model, no store, no files. `grounding` aligns quotes (exact, then normalised, then fuzzy),
`claims` turns an extracted claim into grounded evidence or an ungrounded report, `verify`
re-checks every quote of a map against its sources.
"""
