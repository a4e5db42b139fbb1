from pathlib import Path

from ingest.chunking import chunk_sentences, split_sentences
from ingest.clean import clean_body
from ingest.header import parse_header

from .conftest import SAMPLE_ONE as SAMPLE_REPORTS


def sample_text() -> str:
    path = next(Path(SAMPLE_REPORTS).glob("*.txt"))
    return clean_body(parse_header(path.read_text()).body)


def test_sentence_spans_are_exact_and_cover_text():
    text = "Mr. Kim left on Jan. 5. He went to Russia! Did he return? Yes.\n\nA new paragraph “quoted.” Then more."
    spans = split_sentences(text)
    sentences = [text[s:e] for s, e in spans]
    assert sentences == ["Mr. Kim left on Jan. 5.", "He went to Russia!", "Did he return?", "Yes.",
                         "A new paragraph “quoted.”", "Then more."]


def test_chunk_offsets_slice_to_passage_and_sizes_are_bounded():
    text = sample_text()
    spans = split_sentences(text)
    chunks = chunk_sentences(text, spans)
    assert len(chunks) >= 3
    owned = [i for c in chunks for i in c.owned]
    assert owned == list(range(len(spans))), "every sentence has exactly one home passage"
    for c in chunks:
        passage = text[c.start : c.end]
        assert passage == passage.strip()
        assert text[spans[c.sentences[0]][0] : spans[c.sentences[-1]][1]] == passage
        assert len(passage) <= 900
    assert sum(1 for c in chunks if 250 <= c.end - c.start <= 750) >= len(chunks) - 1


def test_overlap_is_small():
    text = " ".join(f"Sentence number {i} talks about laborers sent abroad to work." for i in range(40))
    chunks = chunk_sentences(text, split_sentences(text))
    for a, b in zip(chunks, chunks[1:]):
        assert b.start >= a.start
        assert max(0, a.end - b.start) <= 200


def test_boilerplate_removed_from_sample():
    text = sample_text()
    for junk in ("Translated by", "Please direct", "Read in Korean", "can be reached"):
        assert junk not in text
    assert "External Construction Bureau" in text
    # The image caption (twice, worded differently) is kept as a caption, not deleted: issue 10.
    assert text.count("Ussuriysk") == 2
