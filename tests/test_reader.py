"""The trained reader (qa/reader.py): the committed int8 model, its inputs, the gate and the blend.

Every test runs the real model through onnxruntime; the questions and sentences are invented
here (none comes from an evaluation set).
"""
from __future__ import annotations

import copy
import json
import subprocess
import sys

import numpy as np
import pytest

from qa import build_service
from qa.reader import CONFIG_FILE, READER_DIR, Reader, pair_text
from qa.types import Candidate
from settings import PROJECT_DIR, Settings
from vectorstore import ReportStore


def cand(text: str, score: float = 1.0, answerability: float = 0.5, **kw) -> Candidate:
    return Candidate(sentence_id=text, doc_id="d", chunk_id="c", index=0, start=0, end=len(text), text=text,
                     score=score, answerability=answerability, **kw)


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(gate=None)


def test_committed_model_is_small_and_documented():
    cfg = json.loads(CONFIG_FILE.read_text())
    model = READER_DIR / cfg["model"]
    assert model.stat().st_size <= 15 * 1024 * 1024  # the word-embedding table comes from the package
    assert cfg["command"].startswith("python -m bench.train_reader")
    assert "bench/gen/questions.jsonl" in cfg["data"]  # the data versions it was trained on
    assert cfg["data"]["squad2_dev_half/dev-v2.0.json"]["questions"] > 1000
    assert cfg["training"]["seed"] is not None
    for key in ("top_n", "max_len", "rank_weight", "answer_weight"):
        assert key in cfg
    from bench.labelled import NEVER
    from bench.train_reader import VALIDATION

    judges = {*VALIDATION, *NEVER}  # the sets its blend is chosen on and the blind one: never trained on
    assert not [k for k in cfg["data"] if k.split("/")[:2] in [["bench", n] for n in judges]]
    assert set(cfg["calibration"]["sets"]) == set(VALIDATION)


def test_pair_text_puts_the_sentence_first_and_skips_what_is_missing():
    c = cand("They are paid $300 a month.", title="Welders in Gdynia", heading="Pay", previous="The welders came in 2015.")
    assert pair_text(c) == "They are paid $300 a month. | Pay | Welders in Gdynia | The welders came in 2015."
    assert pair_text(cand("Plain sentence.")) == "Plain sentence."
    item = cand("housing", lead_in="Workers said they lacked:", heading="Conditions")
    assert pair_text(item) == "housing | Workers said they lacked: | Conditions"


def test_reads_the_answer_above_a_near_topic_sentence(reader):
    question = "How much are the welders at the Gdynia yard paid each month?"
    right = cand("Each welder receives about 300 dollars a month, the rest goes to the company in Pyongyang.",
                 title="North Korean welders at a Polish shipyard", heading="Pay")
    wrong = cand("The yard in Gdynia builds ferries and fishing boats for Scandinavian owners.",
                 title="North Korean welders at a Polish shipyard", heading="The yard")
    z = reader.logits(question, [wrong, right])
    assert z.shape == (2,) and z[1] > z[0]


def test_logits_do_not_depend_on_the_batch(reader):
    q = "Who holds the workers' passports?"
    a = cand("Their passports are kept by the site manager.", previous="The men live in a compound.")
    b = cand("A long sentence about something else entirely, the weather on the coast of the Yellow Sea in winter.")
    alone = reader.logits(q, [a])[0]
    together = reader.logits(q, [b, a])[1]
    # Padding is masked; what is left is int8 dynamic quantisation, whose activation scale is
    # taken over the whole batch (about 0.1 in logit here; the blend weights are a few tenths).
    assert abs(float(alone) - float(together)) < 0.25
    assert float(reader.logits(q, [a, a])[0]) == pytest.approx(float(alone), abs=1e-4)  # same batch, same value


def test_rerank_blends_and_sorts_only_the_head(reader):
    q = "Who holds the workers' passports?"
    head = [cand("The compound has a canteen and a small library.", score=1.2, answerability=0.6, relevance=0.5),
            cand("Their passports are kept by the site manager.", score=1.1, answerability=0.6, relevance=0.5)]
    head += [cand(f"Filler sentence {i} on the canteen menu.", score=0.5) for i in range(reader.top_n - 2)]
    tail = [cand(f"Tail sentence number {i} about the weather.", score=0.1) for i in range(3)]
    before = [copy.copy(c) for c in head + tail]
    out = reader.rerank(q, before)
    assert [c.sentence_id for c in out[reader.top_n:]] == [c.sentence_id for c in tail]  # not read, order kept
    z = reader.logits(q, head)
    for c, zi in zip(head, z):  # head: the candidates as they were before reading
        p = 1 / (1 + np.exp(-zi))
        odds = np.log(c.answerability / (1 - c.answerability)) + reader.answer_weight * (zi - reader.answer_offset)
        a = 1 / (1 + np.exp(-odds))
        got = next(o for o in out if o.sentence_id == c.sentence_id)
        assert got.reader == pytest.approx(p, abs=1e-5)
        assert got.answerability == pytest.approx(a, abs=1e-5)
        assert got.score == pytest.approx(c.score + a - c.answerability + reader.rank_weight * zi, abs=1e-4)
    scores = [c.score for c in out[: reader.top_n]]
    assert scores == sorted(scores, reverse=True)


def test_gate_skips_reading_when_the_first_stage_is_sure():
    r = Reader(gate={"answerability": 0.9, "margin": 0.2})
    sure = [cand("A.", score=2.0, answerability=0.95), cand("B.", score=1.5, answerability=0.5)]
    assert r.sure(sure)
    out = r.rerank("Q?", [copy.copy(c) for c in sure])
    assert all(c.reader is None for c in out)
    close = [cand("A.", score=2.0, answerability=0.95), cand("B.", score=1.9, answerability=0.5)]
    assert not r.sure(close)
    assert all(c.reader is not None for c in r.rerank("Q?", [copy.copy(c) for c in close]))
    assert Reader(gate=None).sure([]) and not Reader(gate=None).sure(close)


def test_reader_setting_wires_the_reader_into_the_service(sample_store_dir, embedder):
    service = build_service(Settings.from_env(store=sample_store_dir, reader=True),
                            ReportStore(embedder, path=sample_store_dir))
    assert isinstance(service.retriever.reranker, Reader)
    service.retriever.reranker.gate = None  # read every time
    cands = service.retriever.candidates("Which agency sends the recruits abroad?")
    n = service.retriever.reranker.top_n
    assert cands and all(c.reader is not None for c in cands[:n]) and all(c.reader is None for c in cands[n:])
    answer = service.ask("Which agency sends the recruits abroad?")
    assert answer.citations or not answer.found
    off = build_service(Settings.from_env(store=sample_store_dir, reader=False), ReportStore(embedder, path=sample_store_dir))
    assert not isinstance(off.retriever.reranker, Reader)


def test_a_question_longer_than_the_reader_reads_is_cut_not_an_error(reader):
    """Truncation cuts only the sentence side, as in training; a pasted paragraph as the question
    (up to REPORTQA_MAX_QUESTION_CHARS) is cut to half the reader's length first."""
    long = "How much are the welders paid " + "at the yard on the Baltic coast near the old port " * 20 + "?"
    z = reader.logits(long, [cand("Each welder receives about 300 dollars a month.")])
    assert z.shape == (1,) and np.isfinite(z).all()
    assert reader.within_budget("Who pays the welders?") == "Who pays the welders?", "usual questions are read whole"
    cut = reader.within_budget(long)
    assert long.startswith(cut) and len(reader.question_tokenizer.encode(cut).ids) <= reader.max_len // 2 + 2


def test_a_followup_after_a_long_answer_is_answered_with_the_reader_on(sample_store_dir, embedder):
    """The report a follow-up continues is found from the last question and its whole answer
    (hundreds of characters); the reader is not asked to read that text."""
    from qa.types import Turn

    service = build_service(Settings.from_env(store=sample_store_dir, reader=True),
                            ReportStore(embedder, path=sample_store_dir))
    first = service.ask("Which agency sends the recruits abroad?")
    long_answer = (first.answer + " ") * 3
    history = [Turn("user", "Which agency sends the recruits abroad?"), Turn("assistant", long_answer)]
    answer = service.ask("And who pays them?", history)
    assert answer.answer and (answer.citations or not answer.found)


def test_serving_the_reader_never_imports_torch():
    code = ("import sys; from qa.reader import Reader; from qa.types import Candidate; r = Reader(gate=None); "
            "r.logits('Who pays?', [Candidate('s','d','c',0,0,3,'The company pays.')]); "
            "assert 'torch' not in sys.modules, 'torch imported'; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-500:]


def test_training_labels_follow_the_generated_sentence_and_the_gold_evidence():
    from bench.train_reader import _is_answer

    gen = {"source": "gen", "sentence": "The welders are paid 300 dollars\na month.", "span": "300 dollars"}
    assert _is_answer(gen, "The welders are paid 300 dollars a month.", "")  # wrapped the same
    assert not _is_answer(gen, "The cooks are paid 300 dollars a month.", "")  # another sentence
    assert not _is_answer({**gen, "span": "400 dollars"}, "The welders are paid 300 dollars a month.", "")
    human = {"source": "sample", "gold": ["married men aged 35 to 50"]}
    assert _is_answer(human, "The bureau wants married men aged 35 to 50 with families.", "")
    assert not _is_answer(human, "The bureau wants young women.", "")


def test_vague_generated_negatives_are_left_out_of_training():
    from bench.train_reader import usable

    assert not usable({"kind": "unanswerable", "question": "What is the name of the bureau?"})
    assert usable({"kind": "unanswerable", "question": "Which agency recruited the welders sent to Gdynia?"})
    assert usable({"kind": "answerable", "question": "Who pays them?"})  # its sentence says who


def test_squad_lists_label_the_answer_sentence_and_leave_unanswerable_questions_without_one():
    from bench.train_reader import squad_lists
    from bench.train_retriever import DATA, HELD_OUT

    if not (DATA / "squad2_dev_half").exists():
        pytest.skip("../shared/qa-data is not beside the project")
    train, held = squad_lists(DATA, 300, 6, seed=1)
    assert len(train) == 300 and held and {r["report"] for r in held} <= set(HELD_OUT)
    assert not {r["report"] for r in train} & set(HELD_OUT)
    for r in train:
        labels = [c["label"] for c in r["candidates"]]
        assert len(labels) <= 6
        assert sum(labels) == (1 if r["answerable"] else 0)
    assert any(not r["answerable"] for r in train) and any(r["answerable"] for r in train)


def test_labelled_rows_become_lists_of_what_the_reader_reads_in_serving(sample_service):
    """A labelled row is asked of the real service as a user asks it: a follow-up gives the query
    the service resolves from its history (and its own words), each list labelled by the gold."""
    from bench.train_reader import row_lists

    rows = [
        {"question": "Which bureau recruits the laborers?", "answerable": True,
         "gold_evidence": ["recruited by the country’s External Construction Bureau"], "history": []},
        {"question": "How old are they?", "answerable": True,
         "gold_evidence": ["men in their 30s and 40s"],
         "history": [{"role": "user", "content": "Which bureau recruits the laborers?"},
                     {"role": "assistant", "content": "The External Construction Bureau."}]},
        {"question": "How many laborers went to Iran in 2019?", "answerable": False, "gold_evidence": [],
         "history": []},
    ]
    before = sample_service.retriever.reranker
    lists = row_lists(sample_service, rows, "mine", top_n=4)
    fact, *followup, unanswerable = lists
    assert fact["question"] == rows[0]["question"] and not fact["followup"]
    assert sum(c["label"] for c in fact["candidates"]) >= 1 and len(fact["candidates"]) <= 5
    assert followup and all(f["followup"] for f in followup)
    assert any(f["question"] != "How old are they?" and "How old are they?" in f["question"] for f in followup), \
        "the resolved query, as the reader reads it in serving"
    assert all(any(c["label"] for c in f["candidates"]) for f in followup)
    assert not unanswerable["answerable"] and not any(c["label"] for c in unanswerable["candidates"])
    assert sample_service.retriever.reranker is before, "the service is left as it was"


def test_the_reader_is_never_trained_on_the_sets_that_judge_it():
    from bench.labelled import NEVER
    from bench.train_reader import labelled_lists

    for judged in ([NEVER[0]], ["blind"], ["val5", "train"]):
        with pytest.raises(ValueError, match="never trained on"):
            labelled_lists(judged, 4)
