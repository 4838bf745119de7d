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


def test_a_cleared_label_is_gone_and_disagreements_are_found(run_dir):
    from factory.inspect import audit
    from factory.inspect.reader import open_run

    path = run_dir / "audit.jsonl"
    con = open_run(run_dir).con()
    acc = con.execute("SELECT id FROM rows WHERE side = 'accepted' ORDER BY id LIMIT 2").fetchall()
    rej = con.execute("SELECT id FROM rows WHERE side = 'rejected' ORDER BY id LIMIT 1").fetchone()[0]
    audit.append(path, acc[0][0], "reject", "", "a")
    audit.append(path, acc[1][0], "accept", "", "a")
    audit.append(path, rej, "accept", "", "a")
    audit.append(path, acc[1][0], "clear", "", "a")
    labels = audit.load(path)
    assert set(labels) == {acc[0][0], rej} and audit.summary(labels)["accept"] == 1
    assert audit.disagreements(con, labels) == {"accepted_by_people": [rej], "rejected_by_people": [acc[0][0]]}
