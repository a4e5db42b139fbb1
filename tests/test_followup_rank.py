"""The trained follow-up ranker (qa/followup_rank.py), with its shipped weights: candidates of the
tests' own, ordered as the service passes them after a follow-up's search."""
import json

from qa.followup_rank import FEATURES, TOP, WEIGHTS_FILE, load_followup_ranker
from qa.types import Candidate

FLOOR = 0.59
LAST = ("Where do the North Korean welders at the Gannet yard live?",
        "They sleep in a converted warehouse beside the Gannet yard, about 60 men to a floor [1].")
QUESTION = "How long are their contracts?"


def candidate(n: int, text: str, answerability: float, doc: str = "d1", kind: str = "body") -> Candidate:
    return Candidate(sentence_id=f"s{n}", doc_id=doc, chunk_id=f"c{n}", index=n, start=0, end=len(text), text=text,
                     answerability=answerability, score=answerability + 0.3, relevance=1.0, kind=kind)


QUOTED = candidate(1, "They sleep in a converted warehouse beside the Gannet yard, about 60 men to a floor.", 0.86)
CONTRACTS = candidate(2, "Contracts at the Gannet yard run for three years, with no home leave.", 0.84)
PAY = candidate(3, "The welders are paid about 700 dollars a month, most of it to their company.", 0.70)
# the rest of an own-words search of 30: sentences of other reports
OTHERS = [candidate(40 + i, f"Another report's sentence number {i}.", 0.2, doc="d9") for i in range(28)]


def test_the_weights_are_for_these_features_and_say_where_they_come_from():
    data = json.loads(WEIGHTS_FILE.read_text())
    assert tuple(data["features"]) == FEATURES and len(data["weights"]) == len(FEATURES)
    assert data["trained_by"].startswith("python -m bench.train_followup_rank")
    from bench.labelled import NEVER

    assert set(NEVER) <= set(data["never_read"]) and not set(NEVER) & set(data["sets"])
    assert all(set(v) >= {"rows", "evidence, ranked"} for v in data["held_out"].values())
    assert str(data["l2"]) in data["l2_tried"]


def test_the_sentence_the_question_itself_finds_leads_one_found_only_through_the_last_exchange():
    """The carried words ("Gannet welders live") rank the last answer's sentence first; the
    question's own words find the contracts sentence first and the warehouse one not at all."""
    own = [CONTRACTS, PAY, *OTHERS]
    ranked = load_followup_ranker().rerank(QUESTION, LAST, [QUOTED, CONTRACTS, PAY], own, frozenset({"d1"}), FLOOR)
    assert ranked[0] is CONTRACTS and sorted(c.sentence_id for c in ranked) == ["s1", "s2", "s3"]


def test_when_both_searches_agree_the_first_stays_first():
    own = [QUOTED, CONTRACTS, PAY, *OTHERS[:27]]
    ranked = load_followup_ranker().rerank(QUESTION, LAST, [QUOTED, CONTRACTS, PAY], own, frozenset({"d1"}), FLOOR)
    assert ranked[0] is QUOTED


def test_it_only_picks_among_what_answers_so_refusing_stays_the_answerers_call():
    ranker = load_followup_ranker()
    weak_first = [candidate(4, "The yard declined to comment.", 0.40), CONTRACTS]
    assert ranker.rerank(QUESTION, LAST, weak_first, [CONTRACTS], frozenset(), FLOOR) == weak_first
    weak = candidate(5, "Contracts are a matter for the company, the yard said.", 0.30)
    ranked = ranker.rerank(QUESTION, LAST, [QUOTED, weak, CONTRACTS], [CONTRACTS, weak, *OTHERS], frozenset(), FLOOR)
    assert ranked == [CONTRACTS, QUOTED, weak], "the pick leads, the others keep the search's order"


SIGNED = ("How long do the North Korean welders at the Gannet yard sign on for?",
          "They sign on for 30 months [1].")


def test_what_follows_the_sentence_the_last_exchange_was_about_answers_before_what_precedes_it():
    """A follow-up carries on from the sentence the last answer came from (its anchor): on the
    labelled sets the answer is that sentence or one after it far more often than one before it."""
    anchor = candidate(5, "The men at the Gannet yard sign on for 30 months.", 0.5)
    before = candidate(4, "Welders at the Gannet yard may stay on for a second tour, the manager said.", 0.80)
    after = candidate(6, "Nobody stays on longer: the company books their flights home in advance.", 0.78)
    question = "Can they stay on longer if they want?"
    listed, own = [before, after, anchor], [before, after, anchor, *OTHERS[:27]]
    ranker = load_followup_ranker()
    assert ranker.rerank(question, SIGNED, listed, own, frozenset({"d1"}), FLOOR, anchor)[0] is after
    assert ranker.rerank(question, SIGNED, listed, own, frozenset({"d1"}), FLOOR)[0] is before, "no anchor: no step"


def test_a_caption_or_a_candidate_past_the_top_never_leads():
    ranker = load_followup_ranker()
    caption = candidate(6, "Welders at the Gannet yard, whose contracts run three years.", 0.9, kind="caption")
    rest = [candidate(10 + i, f"Filler sentence number {i} about the yard.", 0.8) for i in range(TOP)]
    late = candidate(99, "Contracts at the Gannet yard run for three years.", 0.95)
    listed = [QUOTED, caption, *rest, late]
    ranked = ranker.rerank(QUESTION, LAST, listed, [late, caption], frozenset(), FLOOR)
    assert ranked[0] not in (caption, late) and len(ranked) == len(listed) and ranked[-1] is late


def test_the_setting_turns_it_off_and_a_followup_is_still_answered(tmp_path, embedder):
    """REPORTQA_FOLLOWUP_RANK reaches the service; on (the default) a follow-up over real reports
    is answered from the report the conversation is about."""
    from ingest import Ingestor
    from qa import build_service
    from settings import Settings
    from vectorstore import ReportStore

    from .test_dialogue import FIXTURE, exchange

    path = tmp_path / "store"
    Ingestor(ReportStore(embedder, path=path)).ingest_paths([FIXTURE])
    off = build_service(Settings.from_env(store=path, followup_rank=False), ReportStore(embedder, path=path))
    assert off.followup_ranker is None
    on = build_service(Settings.from_env(store=path), ReportStore(embedder, path=path))
    assert on.followup_ranker is load_followup_ranker()
    history = exchange("Which North Korean restaurant in Tarvik did the Fixture Gazette visit?",
                       "Pine Hall, on a quiet street near the harbour [1].")
    answer = on.ask("Who keeps their passports?", history)
    assert answer.found and "keep the women's passports" in answer.answer, answer.answer
