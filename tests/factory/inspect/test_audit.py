"""audit.jsonl survives a torn last line: the label appended after it is kept."""

from factory.inspect import audit


def test_append_after_a_torn_line_keeps_the_new_label(tmp_path):
    path = tmp_path / "audit.jsonl"
    audit.append(path, "r1", "accept", "", "me")
    with path.open("a", encoding="utf-8") as f:
        f.write('{"id": "r2", "label": "rej')  # a crash mid-append
    audit.append(path, "r3", "reject", "bad", "me")
    labels = audit.load(path)
    assert set(labels) == {"r1", "r3"} and labels["r3"]["label"] == "reject"
    audit.append(path, "r1", "skip", "", "me")  # the latest label of an id wins
    assert audit.load(path)["r1"]["label"] == "skip"
