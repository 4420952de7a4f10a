"""Extractors: sources → claims (stage, lane, text, cited quote). Grounding happens after."""
