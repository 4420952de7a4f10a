"""Citations by segment number: evidence, refusals, and problems a repair can fix (pure)."""

from __future__ import annotations

from assistant.evidence.citations import Citation, check_citation
from assistant.evidence.grounding import SourceText
from assistant.extract.chunks import Chunk, ChunkPart, numbering, render_chunk
from assistant.model import Alignment, Role, Source
from ingest.loaders import load_file
from ingest.segment import SpacySegmenter

TEXT = (
    "Enquêtrice : Comment avez-vous connu la marque ? Racontez-moi.\n"
    "Léa : C’est Instagram, une story. J’ai cliqué tout de suite. Le prix m’a fait hésiter.\n"
)


def source(segmenter: SpacySegmenter) -> Source:
    [loaded] = load_file("lea.md", TEXT.encode(), segmenter)
    return loaded


def citation(src: Source, numbers: tuple[int, ...], quote: str | None) -> Citation:
    chunk = Chunk((ChunkPart(src.id, 0, len(src.text)),))
    by_id = numbering(chunk, {src.id: src})
    offered = {n: s for s in src.segments for sid, n in by_id.items() if sid == s.id}
    return Citation(src, SourceText(src.text), offered, numbers, quote)


def test_only_the_participants_segments_are_numbered(segmenter: SpacySegmenter) -> None:
    src = source(segmenter)
    data, nonce = render_chunk(Chunk((ChunkPart(src.id, 0, len(src.text)),)), {src.id: src})
    assert data.splitlines() == [
        f'<source-{nonce} id="{src.id}">',
        "Enquêtrice : Comment avez-vous connu la marque ? Racontez-moi.",
        "Léa : [1] C’est Instagram, une story. [2] J’ai cliqué tout de suite. "
        "[3] Le prix m’a fait hésiter.",
        f"</source-{nonce}>",
    ]
    roles = [s.role for s in src.segments]
    assert roles[:2] == [Role.INTERVIEWER, Role.INTERVIEWER]


def test_a_quote_copied_from_its_segment_is_evidence(segmenter: SpacySegmenter) -> None:
    src = source(segmenter)
    checked = check_citation(citation(src, (2,), "j'ai cliqué tout de suite"))
    assert checked.evidence is not None
    assert checked.evidence.quote == "J’ai cliqué tout de suite"  # the source's own characters
    assert checked.evidence.alignment == Alignment.NORMALIZED  # apostrophe and case only
    assert checked.evidence.segment_id == f"{src.id}:3"


def test_no_quote_means_the_whole_segment_and_consecutive_ones_join(
    segmenter: SpacySegmenter,
) -> None:
    src = source(segmenter)
    one = check_citation(citation(src, (3,), None)).evidence
    assert one is not None and one.quote == "Le prix m’a fait hésiter."
    two = check_citation(citation(src, (1, 2), None)).evidence
    assert two is not None and two.quote == "C’est Instagram, une story. J’ai cliqué tout de suite."
    apart = check_citation(citation(src, (1, 3), None))
    assert apart.problem is not None and "consecutive" in apart.problem


def test_unknown_numbers_and_the_interviewers_words_are_refused(
    segmenter: SpacySegmenter,
) -> None:
    src = source(segmenter)
    unknown = check_citation(citation(src, (9,), "C’est Instagram"))
    assert (
        unknown.refused == f"segment 9 is not one of {src.id}'s numbered segments in this request"
    )
    voice = check_citation(citation(src, (1,), "Comment avez-vous connu la marque ?"))
    assert voice.refused is not None and "interviewer's words (Enquêtrice)" in voice.refused
    unnumbered = check_citation(citation(src, (), "Racontez-moi."))
    assert unnumbered.refused is not None and "interviewer's words" in unnumbered.refused


def test_a_quote_not_copied_is_a_problem_with_the_segments_to_show(
    segmenter: SpacySegmenter,
) -> None:
    src = source(segmenter)
    by_number = citation(src, (), None).offered
    for wrong in ("En gros, c’est Instagram", "C’est Insta…", "Cest Instagram, une story"):
        checked = check_citation(citation(src, (1,), wrong))
        assert checked.problem is not None and f"not copied from {src.id}:2" in checked.problem
        assert checked.context[0] == by_number[1]
    accents = check_citation(citation(src, (3,), "Le prix m’a fait hesiter."))
    assert accents.problem is not None and accents.context == (by_number[3],)
    elsewhere = check_citation(citation(src, (1,), "Le prix m’a fait hésiter"))
    assert elsewhere.problem is not None and f"(closest: {src.id}:4)" in elsewhere.problem
    assert elsewhere.context == (by_number[1], by_number[3])  # cited, then where it is
