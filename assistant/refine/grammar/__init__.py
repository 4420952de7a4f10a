"""The offline assistant: French and English commands parsed by tables, no model.

`assistant` answers a message, `matching` holds the grammar's patterns, `fr` and `en` their
words, `references` resolves items, stages and quotes a command names, `operations` builds the
edit operations, `replies` writes the answers.
"""
