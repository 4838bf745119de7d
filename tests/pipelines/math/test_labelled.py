"""The answer verifier measured on labelled rows a strong model would write — right answers in the
forms such models use (units, %, °, brace-less fractions, exact decimals) and wrong ones (unreduced,
unevaluated, hedged, rounded where exact is asked) — with the same calibration the CLI reports."""

import json
from pathlib import Path

from factory.inspect.calibrate import calibrate
from factory.trajectory import Message, Trajectory
from pipelines.math.verifiers import AnswerVerifier

LABELLED = Path(__file__).with_name("labelled.jsonl")


def test_answer_verifier_agrees_with_every_label():
    rows, labels = [], {}
    v = AnswerVerifier()
    for i, line in enumerate(LABELLED.read_text().splitlines()):
        x = json.loads(line)
        t = Trajectory(pipeline="math", task_id=str(i), messages=[Message(role="user", content=x["question"]),
                                                                 Message(role="assistant", content=x["reply"])],
                       meta={"answer": x["answer"]})
        verdict = v.verify(t)
        rows.append({"id": str(i), "side": "accepted" if verdict.passed else "rejected",
                     "verdicts": [verdict.model_dump()]})
        labels[str(i)] = {"label": x["label"], "note": x["reply"]}
    c = calibrate(rows, labels)
    assert c.labelled >= 30 and {"accept", "reject"} == {x["label"] for x in labels.values()}
    assert c.disagreements == [], c.disagreements
    assert c.verifiers["answer"].precision == 1.0 and c.verifiers["answer"].recall == 1.0
