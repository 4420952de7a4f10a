"""Refine: a conversation about a map that proposes edits and applies them only on approval.

`turns` is the contract every assistant speaks (messages, proposals, evidence hits), `session`
the service the CLI, the UI and the MCP server share, `conversation` its log on disk, `search`
the evidence search, `grammar/` the offline FR/EN command assistant, `llm_assistant` and `tools`
the chat-model assistant and its tools.
"""
