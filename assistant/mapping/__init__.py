"""Mapping: grounded claims → findings → a journey map.

`synthesis` groups claims into items (pure), `build` runs the chain on a workspace and saves the
map as a revision, `personas` assigns sources to personas (a mapping file) and
`persona_proposals` asks a model to propose them, `compare` sets two maps side by side.
"""
