"""What the scripted server's fake model answers: extractions that cite numbered segments,
repairs of the items a repair request shows, names of findings.

It reads the request as a model would: the `<source-…>` blocks of the user messages, each
segment behind its number `[n]` (`assistant.extract.chunks.render_part`), speaker labels at the
start of a turn's first line. Its fault knobs (`FaultKnobs`) make a share of a first
answer's claims wrong:

    ScriptedOpenAIServer(misquote=0.2, unknown_ids=0.05, interviewer=0.05)

- `misquote`: the quote is no longer copied from its segment — paraphrased, truncated (cut, with
  "…") or stripped of its accents, in turn (the next form when one would leave it unchanged);
- `unknown_ids`: the claim cites a segment number the request did not show;
- `interviewer`: the claim quotes an interviewer's sentence of the same source (those carry no
  number: it cites none); a source without an interviewer, such as a review, gets an unknown
  number instead.
Only first answers are touched (repairs and later turns of a conversation are answered right).
In each answer, round(share × claims) claims are faulted, at evenly spread positions, the kinds
interleaved by their shares: deterministic whatever the order of the requests.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from assistant.evidence.grounding import fold
from assistant.model import STAGE_IDS

BLOCK = re.compile(
    r'<source-(?P<nonce>[0-9a-f]+)(?: id="(?P<id>[^"]+)")?(?P<attrs>[^>]*)>\n(?P<body>.*?)\n'
    r"</source-(?P=nonce)>",
    re.S,
)
_NUMBERED = re.compile(r"^\[(?P<n>\d+)\] (?P<rest>.*)$")
_MARK = re.compile(r"\[(\d+)\] ")
_TURN = re.compile(r"^(?:\[[\d:]+\]\s*)?(?P<label>[^:\n]{1,40}?)\s*:\s*$")
_SPOKEN = re.compile(r"^(?:\[[\d:]+\]\s*)?(?P<label>[^:\n]{1,40}?)\s*:\s*(?P<speech>.+)$")
_ITEMS = re.compile(r'items="\d+-\d+"')
_ITEM_LINE = re.compile(r"^(?P<n>\d+)\. (?:quote|claim): (?P<said>.*)$")
_INTERVIEWERS = ("enquêt", "interview", "q", "modérat", "moderat")
_LANES = ("action", "obstacle", "emotion", "motivation", "touchpoint", "question", "expectation")
FIX_SIMILARITY = 75
"""A repair fixes an item when a shown segment is at least this similar to its quote."""


@dataclass(frozen=True)
class Shown:
    """A numbered segment as the request shows it."""

    number: int | None
    """None for the interviewer's words, which carry no number."""
    text: str
    interviewer: bool


def user_text(request: dict[str, Any]) -> str:
    return "\n".join(
        m.get("content") or "" for m in request.get("messages", []) if m.get("role") == "user"
    )


def is_repair(request: dict[str, Any]) -> bool:
    return any(block["attrs"] and _ITEMS.search(block["attrs"]) for block in blocks(request))


def is_first(request: dict[str, Any]) -> bool:
    """A first extraction: no earlier answer in the conversation, not a repair."""
    roles = {m.get("role") for m in request.get("messages", [])}
    return "assistant" not in roles and not is_repair(request)


def blocks(request: dict[str, Any]) -> list[re.Match[str]]:
    return list(BLOCK.finditer(user_text(request)))


def _is_interviewer(label: str) -> bool:
    return label.strip("*_ ").lower().startswith(_INTERVIEWERS)


def shown_segments(body: str) -> list[Shown]:
    """The segments of a block: the numbered ones (participants'), and the sentences of the
    interviewer's lines, which carry no number. A line is a turn, its speaker label (if any)
    before its first number."""
    shown = []
    for line in body.splitlines():
        pieces = _MARK.split(line)
        label = _TURN.match(pieces[0].strip().strip("*").strip())
        if len(pieces) >= 3:
            interviewer = label is not None and _is_interviewer(label["label"])
            for number, text in zip(pieces[1::2], pieces[2::2], strict=True):
                shown.append(Shown(int(number), text.strip(), interviewer))
            continue
        spoken = _SPOKEN.match(line)
        if spoken and _is_interviewer(spoken["label"]):
            sentences = re.split(r"(?<=[.!?…])\s+", spoken["speech"].strip())
            shown += [Shown(None, sentence, True) for sentence in sentences if sentence]
    return shown


def _stage_ids(request: dict[str, Any]) -> list[str]:
    text = json.dumps(request.get("response_format") or request.get("tools") or {})
    found = re.search(r'"stage"[^}]*?"enum": \[([^\]]*)\]', text)
    if found:
        return [s.strip().strip('"') for s in found.group(1).split(",")]
    return list(STAGE_IDS)


def read_sources(request: dict[str, Any], per_source: int = 6) -> list[dict[str, Any]]:
    """A plausible answer: to a repair, the fixes (`fix_items`); to an extraction, participant
    segments quoted verbatim with their numbers, spread over the stages."""
    if is_repair(request):
        return fix_items(request)
    stages = _stage_ids(request)
    items: list[dict[str, Any]] = []
    for block in blocks(request):
        voices = [s for s in shown_segments(block["body"]) if s.number is not None]
        sentences = [s for s in voices if len(s.text.split()) >= 5]
        step = max(1, len(sentences) // per_source)
        for n, segment in enumerate(sentences[::step][:per_source]):
            position = (n * step) / max(1, len(sentences))
            lane = _LANES[n % len(_LANES)]
            items.append(
                {
                    "segments": [segment.number],
                    "stage": stages[min(len(stages) - 1, int(position * len(stages)))],
                    "lane": lane,
                    "text": segment.text[:80],
                    "quote": segment.text,
                    "valence": (1 if n % 2 else -1) if lane == "emotion" else None,
                }
            )
    return items


def fix_items(request: dict[str, Any]) -> list[dict[str, Any]]:
    """A repair's answer: each item whose quote is close to one of its shown segments gets that
    segment (quoted whole); an item like none of them (an invented quote) is left out."""
    fixes = []
    for block in blocks(request):
        if not _ITEMS.search(block["attrs"] or ""):
            continue
        for number, quote, shown in _repair_items(block["body"]):
            scored = [(fuzz.partial_ratio(quote, fold(s.text)), s) for s in shown if quote]
            if not scored:
                continue
            score, best = max(scored, key=lambda entry: entry[0])
            if score >= FIX_SIMILARITY:
                fixes.append({"item": number, "segments": [best.number], "quote": best.text})
    return fixes


def _repair_items(body: str) -> list[tuple[int, str, list[Shown]]]:
    """(number, folded quote, segments) of each item of a repair block."""
    items: list[tuple[int, str, list[Shown]]] = []
    for line in body.splitlines():
        head = _ITEM_LINE.match(line)
        segment = _NUMBERED.match(line)
        if head:
            items.append((int(head["n"]), fold(str(json.loads(head["said"]))), []))
        elif segment and items:
            items[-1][2].append(Shown(int(segment["n"]), segment["rest"], False))
    return items


_FINDINGS = re.compile(r"<findings>\s*(?P<body>\{.*\})\s*</findings>", re.DOTALL)


def name_findings(request: dict[str, Any]) -> list[dict[str, Any]] | None:
    """A naming call's answer (None for any other request): each finding named after the
    common words of its claims, else its first claim, in at most 60 characters."""
    match = _FINDINGS.search(user_text(request))
    if match is None:
        return None
    findings = json.loads(match.group("body")).get("findings", [])
    labels = []
    for finding in findings:
        claims = [str(c) for c in finding.get("claims", [])] or ["?"]
        common = [w for w in claims[0].split() if all(w in c.split() for c in claims[1:])]
        text = " ".join(common) if len(common) >= 3 else claims[0]
        labels.append({"finding": finding["finding"], "label": text[:60].strip() or "?"})
    return labels


_STAGES = re.compile(r"<stages>\s*(?P<body>\{.*\})\s*</stages>", re.DOTALL)


def word_targets(request: dict[str, Any]) -> list[dict[str, Any]] | None:
    """A target-experience call's answer (None for any other request): per stage, its first
    expectation (else its first goal) turned into a promise, in at most 200 characters."""
    match = _STAGES.search(user_text(request))
    if match is None:
        return None
    answers = []
    for stage in json.loads(match.group("body")).get("stages", []):
        wanted = (stage.get("expectations") or stage.get("goals") or ["?"])[0]
        answers.append({"stage": stage["stage"], "target": f"Target: {wanted}"[:200]})
    return answers


# -- fault knobs -------------------------------------------------------------------------------
KINDS = ("misquote", "unknown_ids", "interviewer")


def paraphrased(quote: str) -> str:
    words = quote.split()
    return "En gros, " + " ".join(words[:-1] if len(words) > 2 else words)


def truncated(quote: str) -> str:
    words = quote.split()
    return " ".join(words[: max(1, len(words) // 2)]).rstrip(",;:.!?") + "…"


def unaccented(quote: str) -> str:
    decomposed = unicodedata.normalize("NFD", quote)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


MISQUOTES: tuple[Callable[[str], str], ...] = (paraphrased, truncated, unaccented)


@dataclass
class FaultKnobs:
    misquote: float = 0.0
    unknown_ids: float = 0.0
    interviewer: float = 0.0
    counts: Counter[str] = field(default_factory=Counter)
    """Claims faulted so far, by kind (and "claims": every first-answer claim seen)."""

    @property
    def total(self) -> float:
        return min(1.0, self.misquote + self.unknown_ids + self.interviewer)

    def positions(self, size: int) -> list[int]:
        """round(total × size) positions, evenly spread."""
        share = self.total
        return [
            i
            for i in range(size)
            if math.floor((i + 1) * share + 0.5) > math.floor(i * share + 0.5)
        ]

    def kinds(self, count: int) -> list[str]:
        """`count` kinds interleaved by their shares (the largest deficit goes next)."""
        shares = {kind: getattr(self, kind) for kind in KINDS}
        assigned: Counter[str] = Counter()
        chosen = []
        for j in range(count):
            # the largest deficit; on a tie the rarer kind (later in KINDS) goes first
            kind = max(
                reversed(KINDS), key=lambda k: shares[k] * (j + 1) / self.total - assigned[k]
            )
            assigned[kind] += 1
            chosen.append(kind)
        return chosen

    def apply(self, items: list[dict[str, Any]], request: dict[str, Any]) -> list[dict[str, Any]]:
        """The answer with its share of claims made wrong (a new list; items are copied)."""
        self.counts["claims"] += len(items)
        if not items or self.total <= 0:
            return items
        shown = [shown_segments(block["body"]) for block in blocks(request)]
        out = [dict(item) for item in items]
        positions = self.positions(len(out))
        for n, (position, kind) in enumerate(
            zip(positions, self.kinds(len(positions)), strict=True)
        ):
            item = out[position]
            cited = set(item.get("segments") or [])
            segments = next((b for b in shown if cited & {s.number for s in b}), [])
            done = _FAULTS[kind](item, segments, n)
            self.counts[done] += 1
        return out


def _misquote(item: dict[str, Any], segments: list[Shown], n: int) -> str:
    quote = str(item.get("quote") or "")
    cited = [s.text for s in segments if s.number in item.get("segments", [])]
    within = fold(" ".join(cited) or quote)
    for step in range(len(MISQUOTES)):
        wrong = MISQUOTES[(n + step) % len(MISQUOTES)](quote)
        if fold(wrong) not in within:
            item["quote"] = wrong
            return "misquote"
    item["quote"] = "En gros, " + quote  # pragma: no cover - every form left it unchanged
    return "misquote"


def _unknown(item: dict[str, Any], segments: list[Shown], n: int) -> str:
    highest = max((s.number for s in segments if s.number is not None), default=0)
    item["segments"] = [highest + 1000 + n]
    return "unknown_ids"


def _interviewer(item: dict[str, Any], segments: list[Shown], n: int) -> str:
    voices = [s for s in segments if s.interviewer and s.text]
    if not voices:
        return _unknown(item, segments, n)
    chosen = voices[n % len(voices)]
    item["segments"] = []
    item["quote"] = chosen.text
    return "interviewer"


_FAULTS: dict[str, Callable[[dict[str, Any], list[Shown], int], str]] = {
    "misquote": _misquote,
    "unknown_ids": _unknown,
    "interviewer": _interviewer,
}
