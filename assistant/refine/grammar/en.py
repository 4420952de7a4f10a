"""The English command table of the offline assistant: (intent, pattern), first match wins.

Patterns are written without accents and matched whole, case-insensitively (see
`assistant.refine.grammar.matching`); `ITEM` is an item id (I12) or the start of its text in quotes.
"""

from __future__ import annotations

import re

from assistant.refine.grammar.matching import compile_rules

_NOTE = r"(?:\s*(?:[:,-]|note|with note|because)\s*(?P<note>.+))?"
_STAGE = r"(?:the\s+)?(?:stage\s+)?"

RULES = compile_rules(
    [
        ("help", r"help|\?|commands|examples|what can (?:you|i) do\??"),
        ("undo", r"undo(?: (?:that|it|(?:the )?last (?:change|edit)))?"),
        ("redo", r"redo(?: (?:that|it))?"),
        ("show_map", r"(?:show|display|view|print|summari[sz]e)(?: me)?(?: the)? (?:journey )?map"),
        ("list_stages", r"(?:list|show)(?: me)?(?: the| all)? stages"),
        (
            "list_items",
            r"(?:list|show)(?: me)?(?: the| all)? items(?: (?:in|of|for|at) "
            + _STAGE
            + r"(?P<where>.+))?",
        ),
        (
            "search",
            r"(?:search(?: for)?|find|look (?:for|up)|(?:quotes?|evidence) (?:about|on|for|of))"
            r"\s+(?P<query>.+)",
        ),
        ("explain", r"(?:explain|show|describe|why|details? (?:of|for))\s+(?P<item>ITEM)"),
        # stages
        (
            "add_stage",
            r"(?:add|insert|create)(?: a| an| the)?(?: new)? stage(?: called| named)?\s+"
            r'(?P<name>"[^"]+"|.+?)(?:\s+(?P<where>after|before)\s+' + _STAGE + r"(?P<ref>.+)"
            r"|\s+(?P<edge>at the (?:start|beginning|end)|first|last))?",
        ),
        ("rename_stage", r"rename(?: the)? stage\s+(?P<stage>.+?)\s+(?:to|as|into)\s+(?P<name>.+)"),
        (
            "delete_stage",
            r"(?:delete|remove|drop)(?: the)? stage\s+(?P<stage>.+?)(?:(?:\s*,\s*|\s+and\s+|\s+)"
            r"(?:(?:move|moving|send|sending|put|putting)(?: all)?(?: of)?(?: its| the)? items\s+"
            r"(?:to|into|in)\s+" + _STAGE + r"(?P<to>.+)"
            r"|(?P<with>(?:with|and|deleting|delete)(?: all)?(?: of)?(?: its| the)? items)))?",
        ),
        (
            "move_stage",
            r"(?:move|put)(?: the)? stage\s+(?P<stage>.+?)\s+(?:(?P<where>after|before)\s+"
            + _STAGE
            + r"(?P<ref>.+)|(?P<edge>(?:to |at )?the (?:start|beginning|end)|first|last))",
        ),
        (
            "reorder_stages",
            r"(?:re-?order|order|sort|rearrange)(?: the)? stages?(?:\s+(?:as|to|like))?\s*:?\s*"
            r"(?P<stages>.+)",
        ),
        # the map
        ("clear_persona", r"(?:clear|remove|unset|delete)(?: the)? persona"),
        (
            "set_persona",
            r"(?:set|change|make)(?: the)? persona(?:\s+(?:to|as|=))?\s*:?\s*(?P<persona>.+)",
        ),
        ("set_persona", r"persona\s*[:=]\s*(?P<persona>.+)"),
        (
            "set_target",
            r"(?:target|aim)(?: emotion| valence)?(?: (?:of|for|at|on))?(?: the)?(?: stage)?\s+"
            r"(?P<stage>.+?)\s*(?:[:=]|to|at)?\s*(?P<valence>[+-]?\d+(?:[.,]\d+)?)",
        ),
        (
            "unmark",
            r"unmark\s+(?P<kind>[zfst]mot)\s+(?:on|from|of)\s+" + _STAGE + r"(?P<target>.+)",
        ),
        ("unmark", r"unmark\s+(?P<target>.+?)\s+as\s+(?:an?\s+|the\s+)?(?P<kind>[zfst]mot)"),
        (
            "mark",
            r"mark\s+(?P<target>.+?)\s+as\s+(?:an?\s+|the\s+)?"
            r"(?P<kind>[zfst]mot|accepted|rejected|proposed)" + _NOTE,
        ),
        (
            "mark",
            r"mark\s+(?:an?\s+|the\s+)?(?P<kind>[zfst]mot)\s+(?:on|at|for)\s+"
            + _STAGE
            + r"(?P<target>.+?)"
            + _NOTE,
        ),
        # items
        (
            "set_status",
            r"(?P<verb>accept|approve|validate|confirm|keep|reject|refuse|dismiss|reopen|unaccept"
            r"|unreject|reset)\s+(?P<items>ITEMS)",
        ),
        (
            "merge",
            r"(?:merge|combine|join)\s+(?P<items>ITEMS)"
            r'(?:\s+(?:as|into|with text|:)\s*"(?P<text>[^"]+)")?',
        ),
        ("split", r"split\s+(?P<item>ITEM)\s+(?:into|in|as)\s*:?\s*(?P<parts>.+)"),
        (
            "detach",
            r"(?:detach|remove|delete|drop|unlink)(?: the)? (?:quote|citation|evidence)\s+"
            r'(?:#\s*|number\s+)?(?P<which>\d+|"[^"]+")\s+(?:from|of)\s+(?P<item>ITEM)',
        ),
        ("detach", r'(?:detach|unlink)\s+(?P<which>"[^"]+")\s+from\s+(?P<item>ITEM)'),
        (
            "attach",
            r"(?:attach|add|link)(?: the| a| this)?(?: quote| citation| evidence)?\s+"
            r'(?P<quote>"[^"]+")(?:\s+(?:from|in|of)\s+(?P<source>.+?))?\s+(?:to|on)\s+'
            r"(?P<item>ITEM)",
        ),
        (
            "add_item",
            r"add\s+(?:an?\s+|the\s+|new\s+)*(?P<lane>.+?)\s+(?:to|in|at|for|on)\s+"
            + _STAGE
            + r"(?P<stage>.+?)\s*:\s*(?P<rest>.+)",
        ),
        (
            "update_item",
            r"(?:set|change)(?: the)? valence of\s+(?P<item>ITEM)\s+to\s+(?P<valence>[+-]?\d|none)",
        ),
        ("move", r"(?:move|put|send)\s+(?P<items>ITEMS)\s+(?:to|into|in|under)\s+(?P<target>.+)"),
        ("delete", r"(?:delete|remove|drop|discard)\s+(?P<items>ITEMS)"),
        (
            "rename_item",
            r"(?:rename|reword|rephrase|retitle)\s+(?P<item>ITEM)\s*(?:to|as|into|:)?\s*"
            r'(?P<text>"[^"]+")',
        ),
        ("rename_item", r"rename\s+(?P<item>ITEM)\s+(?:to|as|into)\s+(?P<text>.+)"),
        ("update_item", r"(?:update|edit|change|set)\s+(?P<item>ITEM)\s*:?\s+(?P<fields>.+)"),
    ]
)

# Filters at the end of a search: "… in stage purchase", "… in the obstacle lane", "… in reviews",
# "… persona Léa"; "in X" alone is tried as a lane, a stage, then a kind of source.
SEARCH_TAILS = tuple(
    (name, re.compile(r"(?P<rest>.*\S)" + pattern, re.IGNORECASE))
    for name, pattern in [
        ("kind", r"\s+(?:in|from|among)(?: the)? (?P<value>reviews?|interviews?|surveys?)"),
        ("stage", r"\s+(?:in|at|for)(?: the)? stage (?P<value>.+)"),
        ("lane", r"\s+(?:in|for)(?: the)? lane (?P<value>.+)"),
        ("lane", r"\s+(?:in|for)(?: the)? (?P<value>.+?) (?:lane|row)"),
        ("stage", r"\s+(?:in|at|for)(?: the)? (?P<value>.+?) stage"),
        ("persona", r"\s+(?:for|of|by|from)? ?(?:the )?persona:? (?P<value>.+)"),
        ("any", r"\s+(?:in|at|during|among)(?: the)? (?P<value>.+)"),
    ]
)
