"""The integrity checks against replies that game the rules, and the reply a strong model writes."""

from factory.trajectory import Message, Trajectory
from pipelines.instruct.tasks import InstructTask
from pipelines.instruct.verifiers import InstructionsVerifier, IntegrityVerifier

TASK = InstructTask(topic="keeping bees in a city", request="Write a short blog post about keeping bees in a city.",
                    constraints=[{"kind": "keywords", "words": ["season", "community"]},
                                 {"kind": "end_phrase", "phrase": "Let me know if you have additional questions."},
                                 {"kind": "words_max", "n": 80}])
GOOD = ("City beekeeping starts with one hive on a roof and a patient community of neighbours. Each season "
        "brings its own work: spring inspections, summer honey and quiet winters. Let me know if you have "
        "additional questions.")


def row(reply: str, task: InstructTask = TASK) -> Trajectory:
    return Trajectory(pipeline="instruct", task_id="t", messages=[Message(role="user", content=task.prompt()),
                                                                  Message(role="assistant", content=reply)],
                      meta={"topic": task.topic, "constraints": task.constraints})


def verdicts(reply: str):
    t = row(reply)
    return InstructionsVerifier().verify(t), IntegrityVerifier().verify(t)


def test_a_good_reply_passes_both():
    ins, integ = verdicts(GOOD)
    assert ins.passed and ins.score == 1.0 and integ.passed, (ins, integ)


def test_partial_credit_names_each_miss():
    ins, _ = verdicts(GOOD.replace("season", "time").replace(" Let me know if you have additional questions.", ""))
    assert not ins.passed and ins.score == round(1 / 3, 4)
    assert ins.reason == "keywords:missing:season;end_phrase:ends_otherwise"


def test_copying_the_instructions_back_is_refused():
    _, integ = verdicts(TASK.prompt())
    assert not integ.passed and integ.reason == "copies_instructions"


def test_the_required_phrase_itself_is_not_a_copy():
    # eight words of the prompt, but the prompt told the reply to write them
    _, integ = verdicts(GOOD)
    assert integ.passed


def test_keyword_stuffing_is_refused():
    _, integ = verdicts("Bees season community season community season community bees in the city "
                        "season community. Let me know if you have additional questions.")
    assert not integ.passed and integ.reason == "keyword_stuffing"


def test_a_reply_about_something_else_is_refused():
    _, integ = verdicts("Our community garden had a great season of tomatoes and beans this year with many "
                        "visitors. Let me know if you have additional questions.")
    assert not integ.passed and integ.reason == "off_topic"


def test_a_reply_too_short_to_answer_is_refused():
    _, integ = verdicts("Bees: season, community. Let me know if you have additional questions.")
    assert not integ.passed and integ.reason in ("too_short", "keyword_stuffing")
    _, integ = verdicts("Bees. Let me know.")
    assert integ.reason == "too_short"


def test_another_language_may_name_the_topic_in_its_own_words():
    task = InstructTask(topic="keeping bees in a city", request="Write about keeping bees in a city.",
                        constraints=[{"kind": "language", "lang": "de"}])
    t = row("Stadtimkerei beginnt mit einem Volk auf dem Dach und geduldigen Nachbarn, die jede Jahreszeit "
            "mit ihren eigenen Aufgaben erleben.", task)
    assert InstructionsVerifier().verify(t).passed and IntegrityVerifier().verify(t).passed


def test_a_row_without_constraints_is_not_data():
    t = row(GOOD).model_copy(update={"meta": {}})
    assert InstructionsVerifier().verify(t).reason == "no_constraints_in_meta"
