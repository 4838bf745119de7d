"""Each instruction kind on labelled replies a strong model would write: right ones in the forms a
model picks (a fenced JSON block, `-` bullets, numbered sections in bold), wrong ones that look close."""

import json

import pytest

from factory.seeding import rng_for
from pipelines.instruct import constraints
from pipelines.instruct.constraints import KINDS, check, draw

PROSE = ("Bees in the city need flowers on balconies and in parks. A single hive can hold many thousand bees. "
         "Keepers check the hive every week in summer.")


def c(kind, **params):
    return {"kind": kind, **params}


RIGHT = [
    (c("words_min", n=20), PROSE),
    (c("words_max", n=40), PROSE),
    (c("sentences_max", n=3), PROSE),
    (c("sentences_max", n=1), "One sentence with no final stop"),
    (c("keywords", words=["hive", "summer"]), PROSE),
    (c("keywords", words=["balance"]), "Balance matters."),  # case does not matter
    (c("forbidden", words=["very"]), "Every hive is everywhere."),  # a word inside another is not the word
    (c("frequency", word="hive", n=2), PROSE),
    (c("bullets", n=3), "Notes:\n* one\n* two\n* three"),
    (c("bullets", n=2), "- first point\n- second point"),
    (c("bullets", n=2), "1. first point\n2. second point"),
    (c("paragraphs", n=2), "First part.\n\nSecond part."),
    (c("paragraphs", n=2), "First part.\n   \nSecond part.\n"),
    (c("sections", n=2, word="SECTION"), "SECTION 1\nBees.\nSECTION 2\nHives."),
    (c("sections", n=2, word="PART"), "**PART 1**\nBees.\n\n**PART 2**\nHives."),
    (c("json", shape="summary"), json.dumps({"title": "Bees", "points": ["a", "b"]})),
    (c("json", shape="summary"), "```json\n" + json.dumps({"title": "Bees", "points": []}, indent=2) + "\n```"),
    (c("json", shape="answer"), '{"answer": "yes", "confidence": 0.8}'),
    (c("language", lang="de"), "Bienen in der Stadt brauchen Blumen auf den Balkonen und in den Parks. "
                               "Ein einziger Bienenstock kann viele tausend Bienen beherbergen."),
    (c("language", lang="fr"), "Les abeilles en ville ont besoin de fleurs sur les balcons et dans les parcs. "
                               "Une seule ruche peut abriter des milliers d'abeilles."),
    (c("language", lang="es"), "Las abejas en la ciudad necesitan flores en los balcones y en los parques. "
                               "Una sola colmena puede albergar miles de abejas."),
    (c("lowercase"), "bees in the city need flowers. 42 hives!"),
    (c("uppercase"), "BEES IN THE CITY NEED FLOWERS."),
    (c("no_commas"), PROSE),
    (c("end_phrase", phrase="Any other questions?"), PROSE + " Any other questions?  \n"),
    (c("postscript", marker="P.S."), PROSE + "\n\nP.S. Bring gloves."),
    (c("quoted"), '"' + PROSE + '"'),
    (c("title"), "<<Bees in town>>\n" + PROSE),
    (c("placeholders", n=2), "Meet at [address] on [date]."),
    (c("highlight", n=2), "This is *one part* and *another part*."),
]

WRONG = [
    (c("words_min", n=50), PROSE, "27<50"),
    (c("words_max", n=10), PROSE, "27>10"),
    (c("sentences_max", n=2), PROSE, "3>2"),
    (c("keywords", words=["hive", "winter"]), PROSE, "missing:winter"),
    (c("keywords", words=["hive"]), "The hives are full.", "missing:hive"),  # a plural is another word
    (c("forbidden", words=["city"]), PROSE, "used:city"),
    (c("frequency", word="hive", n=3), PROSE, "hive:2<3"),
    (c("bullets", n=3), "* one\n* two", "2!=3"),
    (c("bullets", n=2), "*bold* and *bold*\n* one", "1!=2"),  # emphasis is not a bullet
    (c("paragraphs", n=3), "First.\n\nSecond.", "2!=3"),
    (c("sections", n=2, word="SECTION"), "SECTION 1\nBees.\nSECTION 3\nHives.", "marks:1,3"),
    (c("json", shape="summary"), "Here it is: " + json.dumps({"title": "Bees", "points": []}), "not_json"),
    (c("json", shape="summary"), json.dumps({"title": "Bees"}), "schema"),
    (c("json", shape="answer"), '{"answer": "yes", "confidence": 2}', "schema"),
    (c("language", lang="de"), PROSE, "en!=de"),
    (c("lowercase"), "bees in the City.", "1_upper"),
    (c("lowercase"), "12 34", "0_upper"),  # no letters at all is not a lowercase reply
    (c("uppercase"), "BEES IN THE city.", "4_lower"),
    (c("no_commas"), "Bees, hives.", "1_commas"),
    (c("end_phrase", phrase="Any other questions?"), "Any other questions? Bye.", "ends_otherwise"),
    (c("postscript", marker="P.S."), PROSE + " I also note P.S.", "no_postscript"),
    (c("quoted"), '"' + PROSE, "not_wrapped"),
    (c("title"), "<Bees>\n" + PROSE, "0<1"),
    (c("placeholders", n=2), "Meet at [address].", "1<2"),
    (c("highlight", n=1), "This is **bold** only.", "0<1"),
]


@pytest.mark.parametrize("constraint,reply", RIGHT, ids=[f"{r[0]['kind']}-{i}" for i, r in enumerate(RIGHT)])
def test_right_replies_pass(constraint, reply):
    assert check(constraint, reply) == ""


@pytest.mark.parametrize("constraint,reply,why", WRONG, ids=[f"{r[0]['kind']}-{i}" for i, r in enumerate(WRONG)])
def test_wrong_replies_fail_with_their_reason(constraint, reply, why):
    assert why in check(constraint, reply)


def test_every_kind_is_labelled_both_ways():
    assert {r[0]["kind"] for r in RIGHT} == set(KINDS) == {r[0]["kind"] for r in WRONG}


def test_drawn_constraints_never_compete_for_one_part_of_the_reply():
    for seed in range(400):
        drawn = draw(rng_for(seed, "t"), 6)
        kinds = [constraints.KINDS[x["kind"]] for x in drawn]
        assert len({k.group for k in kinds}) == len(kinds)
        names = {k.name for k in kinds} | {k.group for k in kinds}
        for k in kinds:
            banned = constraints.CONFLICTS.get(k.name, set()) | constraints.CONFLICTS.get(k.group, set())
            assert not banned & (names - {k.name, k.group}), (seed, drawn)


def test_draw_is_seeded_and_respects_the_allowed_kinds():
    a = draw(rng_for(3, "x"), 3, ["keywords", "bullets", "no_commas", "title"])
    assert a == draw(rng_for(3, "x"), 3, ["keywords", "bullets", "no_commas", "title"])
    assert {x["kind"] for x in a} <= {"keywords", "bullets", "no_commas", "title"} and len(a) == 3


def test_an_unknown_kind_is_a_reason_not_a_crash():
    assert check({"kind": "rhymes"}, "x") == "unknown_kind"
