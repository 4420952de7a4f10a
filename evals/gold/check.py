"""Check the Parcours gold set: sources, items.jsonl and split.json.

Run:  /work/main/.venv/bin/python evals/gold/check.py
Exit code 0 when every check passes, 1 otherwise. Standard library only.

Checks
- every source file parses (interviews: YAML-ish front matter with `participant:`;
  CSV: a text column);
- item ids unique (g001…), source known, stage and lane valid, text non-empty;
- every quote is an exact substring of the source text — for interviews, of one *participant* turn
  (never interviewer speech); for CSV rows, of that row's review text;
- valence: an integer in −2..2 for emotions, null for every other lane;
- split.json: every source in exactly one half, no unknown ids;
- coverage: all 7 lanes and all 5 stages present in each language;
- themes (optional `theme`, GUIDE.md "Themes: the same finding across sources"): a lowercase
  ascii-with-dashes slug shared by at least two items, all in one stage, one lane and one domain
  (brand), each from a different source.
Then prints counts per lane, stage, language, domain, kind and split, and the theme counts.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

GOLD = Path(__file__).resolve().parent
SOURCES = GOLD / "sources"
STAGES = ("awareness", "consideration", "purchase", "retention", "advocacy")
LANES = ("action", "motivation", "question", "obstacle", "touchpoint", "emotion", "expectation")
INTERVIEWER_LABELS = {
    "q",
    "interviewer",
    "interviewer·euse",
    "enquêteur",
    "enquêtrice",
    "enquêteur·rice",
    "modérateur",
    "modératrice",
    "moderator",
    "intervieweur",
    "intervieweuse",
}
TURN = re.compile(
    r"^(?:\[(?P<ts>\d{1,2}:\d{2}(?::\d{2})?)\]\s*)?(?P<label>[^:\[\]\n]{1,40}?)\s*:\s(?P<body>.*)$"
)
TEXT_COLUMNS = ("avis", "review", "text", "commentaire")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Source:
    def __init__(
        self,
        sid: str,
        kind: str,
        language: str,
        domain: str,
        text: str,
        participant_spans: list[str],
        meta: dict[str, str],
    ) -> None:
        self.id, self.kind, self.language, self.domain = sid, kind, language, domain
        self.text, self.participant_spans, self.meta = text, participant_spans, meta


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n"))


def load_interview(path: Path, errors: list[str]) -> Source:
    text = nfc(path.read_text(encoding="utf-8"))
    meta: dict[str, str] = {}
    body = text
    if text.startswith("---\n"):
        end = text.index("\n---\n", 4)
        for line in text[4:end].splitlines():
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
        body = text[end + 5 :]
    participant = meta.get("participant", "")
    if not participant:
        errors.append(f"{path.name}: no `participant:` in front matter")
    if "persona" not in meta:
        errors.append(f"{path.name}: no `persona:` in front matter")
    turns: list[tuple[str, str]] = []
    for line in body.splitlines():
        match = TURN.match(line)
        if match:
            turns.append((match["label"].strip(), match["body"]))
        elif line.strip() and turns:
            label, previous = turns[-1]
            turns[-1] = (label, previous + "\n" + line)
    spans = []
    for label, speech in turns:
        low = label.lower()
        if low in INTERVIEWER_LABELS:
            continue
        if low != participant.lower():
            errors.append(f"{path.name}: unexpected speaker label {label!r}")
        spans.append(speech)
    if not spans:
        errors.append(f"{path.name}: no participant turns found")
    language = meta.get("langue") or meta.get("language") or ""
    domain = path.stem.split("-")[0]
    return Source(path.stem, "interview", language, domain, text, spans, meta)


def load_table(path: Path, errors: list[str]) -> list[Source]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        errors.append(f"{path.name}: empty table")
        return []
    column = next((c for c in TEXT_COLUMNS if c in rows[0]), None)
    if column is None:
        errors.append(f"{path.name}: no text column among {TEXT_COLUMNS}")
        return []
    language = "fr" if column == "avis" else "en"
    if f"-{language}" not in path.stem:
        errors.append(f"{path.name}: header language {language} does not match the file name")
    out = []
    for number, row in enumerate(rows, start=1):
        review = nfc(row[column]).strip()
        if not review:
            errors.append(f"{path.name}: row {number} is empty")
            continue
        sid = f"{path.stem}-{number:03d}"
        out.append(
            Source(sid, "review", language, path.stem.split("-")[0], review, [review], dict(row))
        )
    return out


def load_sources(errors: list[str]) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for path in sorted(SOURCES.iterdir()):
        if path.suffix == ".md":
            loaded = [load_interview(path, errors)]
        elif path.suffix == ".csv":
            loaded = load_table(path, errors)
        else:
            errors.append(f"{path.name}: unexpected file in sources/")
            continue
        for source in loaded:
            if not ID_RE.match(source.id):
                errors.append(f"{source.id}: id is not lowercase-ascii-with-dashes")
            if source.language not in ("fr", "en"):
                errors.append(f"{source.id}: language {source.language!r} is not fr/en")
            if source.domain not in ("fashion", "banking"):
                errors.append(f"{source.id}: domain {source.domain!r} is not fashion/banking")
            if source.id in sources:
                errors.append(f"{source.id}: duplicate source id")
            sources[source.id] = source
    return sources


def check_items(sources: dict[str, Source], errors: list[str]) -> list[dict[str, Any]]:
    items = []
    seen: set[str] = set()
    for number, line in enumerate(
        (GOLD / "items.jsonl").read_text(encoding="utf-8").splitlines(), 1
    ):
        if not line.strip():
            continue
        where = f"items.jsonl line {number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: invalid JSON ({exc})")
            continue
        keys = {"id", "source", "stage", "lane", "text", "quotes", "valence"}
        if not keys <= set(item) <= keys | {"theme"}:
            errors.append(f"{where}: keys {sorted(item)} != {sorted(keys)} (+ optional theme)")
            continue
        iid = item["id"]
        where = f"{iid} ({where})"
        if not re.fullmatch(r"g\d{3,}", iid) or iid in seen:
            errors.append(f"{where}: id missing, malformed or duplicate")
        seen.add(iid)
        source = sources.get(item["source"])
        if source is None:
            errors.append(f"{where}: unknown source {item['source']!r}")
            continue
        if item["stage"] not in STAGES:
            errors.append(f"{where}: invalid stage {item['stage']!r}")
        if item["lane"] not in LANES:
            errors.append(f"{where}: invalid lane {item['lane']!r}")
        if not isinstance(item["text"], str) or not item["text"].strip():
            errors.append(f"{where}: empty text")
        if not isinstance(item["quotes"], list) or not item["quotes"]:
            errors.append(f"{where}: quotes must be a non-empty list")
            continue
        for quote in item["quotes"]:
            if not isinstance(quote, str) or len(quote.strip()) < 3:
                errors.append(f"{where}: empty or tiny quote {quote!r}")
                continue
            if nfc(quote) != quote:
                errors.append(f"{where}: quote is not NFC: {quote!r}")
            if quote not in source.text:
                errors.append(f"{where}: quote not found verbatim in {source.id}: {quote!r}")
            elif not any(quote in span for span in source.participant_spans):
                errors.append(f"{where}: quote is not inside one participant turn: {quote!r}")
        valence = item["valence"]
        if item["lane"] == "emotion":
            if not isinstance(valence, int) or isinstance(valence, bool) or not -2 <= valence <= 2:
                errors.append(
                    f"{where}: emotion needs an integer valence in -2..2, got {valence!r}"
                )
        elif valence is not None:
            errors.append(f"{where}: valence must be null outside the emotion lane")
        theme = item.get("theme")
        if "theme" in item and (
            not isinstance(theme, str) or len(theme) > 60 or not ID_RE.match(theme)
        ):
            errors.append(f"{where}: theme must be a lowercase-ascii-with-dashes slug: {theme!r}")
        items.append(item)
    return items


def check_split(sources: dict[str, Source], errors: list[str]) -> dict[str, str]:
    split = json.loads((GOLD / "split.json").read_text(encoding="utf-8"))
    if set(split) != {"dev", "test"}:
        errors.append(f"split.json: keys must be dev and test, got {sorted(split)}")
    half_of: dict[str, str] = {}
    for half in ("dev", "test"):
        for sid in split.get(half, []):
            if sid not in sources:
                errors.append(f"split.json: unknown source {sid!r} in {half}")
            if sid in half_of:
                errors.append(f"split.json: {sid} listed twice ({half_of[sid]}, {half})")
            half_of[sid] = half
    for sid in sources:
        if sid not in half_of:
            errors.append(f"split.json: {sid} is in neither half")
    return half_of


def check_themes(
    items: list[dict[str, Any]], sources: dict[str, Source], errors: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Items by theme; a theme is one finding of one stage x lane, said by several sources."""
    themes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        if isinstance(item.get("theme"), str):
            themes[item["theme"]].append(item)
    for theme, members in sorted(themes.items()):
        ids = ", ".join(m["id"] for m in members)
        if len(members) < 2:
            errors.append(f"theme {theme}: one item only ({ids}); leave `theme` out instead")
        for key in ("stage", "lane"):
            if len({m[key] for m in members}) > 1:
                errors.append(f"theme {theme}: items in different {key}s ({ids})")
        if len({sources[m["source"]].domain for m in members}) > 1:
            errors.append(f"theme {theme}: items of both brands (domains) ({ids})")
        by_source = Counter(m["source"] for m in members)
        for sid, n in by_source.items():
            if n > 1:
                errors.append(f"theme {theme}: {n} items of {sid}; a theme joins sources")
    return dict(themes)


def theme_stats(themes: dict[str, list[dict[str, Any]]], half_of: dict[str, str]) -> None:
    """Themes with >= 2 sources and their items, in all and inside each half."""
    print("\nthemes (the same finding in >= 2 sources; pairs = same-theme item pairs)")
    print("".ljust(10) + "".join(c.rjust(14) for c in ("themes", "items", "pairs")))
    for half in ("all", "dev", "test"):
        counts = [
            len(kept)
            for members in themes.values()
            if len(kept := [m for m in members if half in ("all", half_of.get(m["source"]))]) >= 2
        ]
        row = (len(counts), sum(counts), sum(n * (n - 1) // 2 for n in counts))
        print(half.ljust(10) + "".join(str(v).rjust(14) for v in row))
    spanning = sum(len({half_of.get(m["source"]) for m in ms}) > 1 for ms in themes.values())
    print(f"themes with items in both halves: {spanning}")


def table(title: str, rows: dict[str, Counter[str]], columns: list[str]) -> None:
    width = max(len(r) for r in rows) + 2
    print(f"\n{title}")
    print("".ljust(width) + "".join(c.rjust(14) for c in columns))
    for name, counts in rows.items():
        print(name.ljust(width) + "".join(str(counts.get(c, 0)).rjust(14) for c in columns))


def main() -> int:
    errors: list[str] = []
    warnings: list[str] = []
    sources = load_sources(errors)
    items = check_items(sources, errors)
    half_of = check_split(sources, errors)
    themes = check_themes(items, sources, errors)

    per_source = Counter(item["source"] for item in items)
    for sid, source in sources.items():
        n = per_source.get(sid, 0)
        low, high = (6, 20) if source.kind == "interview" else (1, 3)
        if not low <= n <= high:
            warnings.append(f"{sid}: {n} items (expected {low}-{high} for a {source.kind})")
    for language in ("fr", "en"):
        got_lanes = {i["lane"] for i in items if sources[i["source"]].language == language}
        got_stages = {i["stage"] for i in items if sources[i["source"]].language == language}
        for missing in sorted(set(LANES) - got_lanes) + sorted(set(STAGES) - got_stages):
            errors.append(f"coverage: {missing} has no gold item in {language}")

    def source_of(item: dict[str, Any]) -> Source:
        return sources[item["source"]]

    groups: dict[str, Callable[[dict[str, Any]], str]] = {
        "language": lambda i: source_of(i).language,
        "domain": lambda i: source_of(i).domain,
        "kind": lambda i: source_of(i).kind,
        "split": lambda i: half_of.get(i["source"], "?"),
    }
    print(
        f"sources: {len(sources)}   items: {len(items)}   "
        f"quotes: {sum(len(i['quotes']) for i in items)}"
    )
    src_rows: dict[str, Counter[str]] = defaultdict(Counter)
    for source in sources.values():
        for key, value in (
            ("language", source.language),
            ("domain", source.domain),
            ("kind", source.kind),
            ("split", half_of.get(source.id, "?")),
        ):
            src_rows[f"{key}={value}"]["sources"] += 1
            src_rows[f"{key}={value}"]["items"] += per_source.get(source.id, 0)
    table("sources and items per group", dict(sorted(src_rows.items())), ["sources", "items"])

    split_cells: dict[str, Counter[str]] = defaultdict(Counter)
    for source in sources.values():
        split_cells[f"{source.domain}/{source.language}/{source.kind}"][
            half_of.get(source.id, "?")
        ] += 1
    table(
        "sources per split (domain/language/kind)",
        dict(sorted(split_cells.items())),
        ["dev", "test"],
    )

    for name in ("lane", "stage"):
        order = LANES if name == "lane" else STAGES
        rows: dict[str, Counter[str]] = {}
        for value in order:
            rows[value] = Counter()
            for item in items:
                if item[name] == value:
                    rows[value]["all"] += 1
                    for group, group_key in groups.items():
                        if group in ("language", "domain", "split"):
                            rows[value][group_key(item)] += 1
        table(f"items per {name}", rows, ["all", "fr", "en", "fashion", "banking", "dev", "test"])

    matrix: dict[str, Counter[str]] = {
        s: Counter(i["lane"] for i in items if i["stage"] == s) for s in STAGES
    }
    table("stage x lane", matrix, list(LANES))
    valences = Counter(i["valence"] for i in items if i["lane"] == "emotion")
    print("\nemotion valences: " + "  ".join(f"{v:+d}: {valences[v]}" for v in range(-2, 3)))
    theme_stats(themes, half_of)

    for warning in warnings:
        print(f"WARNING {warning}")
    for error in errors:
        print(f"ERROR {error}")
    print(f"\n{'FAILED' if errors else 'OK'}: {len(errors)} error(s), {len(warnings)} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
