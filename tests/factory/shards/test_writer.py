import pyarrow.parquet as pq

from factory.records import SCHEMA, from_row, to_table
from factory.shards.writer import sha256_file, write_shard
from factory.trajectory import Message, ToolCall, Trajectory, Verdict


def sample(i: int) -> Trajectory:
    return Trajectory(pipeline="p", task_id=f"t{i}", meta={"ability": "x", "n": i},
                      verdicts=[Verdict(verifier="v", passed=True, score=1.0)],
                      messages=[Message(role="user", content="q"),
                                Message(role="assistant", content="c", tool_calls=[ToolCall(id="1", name="f", arguments="{}")]),
                                Message(role="tool", content="r", tool_call_id="1", name="f")]).with_content_id()


def test_roundtrip_keeps_every_field(tmp_path):
    rows = [sample(i) for i in range(3)]
    w = write_shard(to_table(rows), tmp_path, "accepted/part-00000.parquet", row_group_rows=2, compression="zstd")
    f = tmp_path / w.path
    assert w.rows == 3 and w.sha256 == sha256_file(f)
    table = pq.read_table(f)
    assert table.schema.equals(SCHEMA, check_metadata=False)
    assert pq.ParquetFile(f).metadata.num_row_groups == 2
    back = [from_row(r) for r in table.to_pylist()]
    assert back == rows
    assert not list((tmp_path / "staging").iterdir())


def test_content_id_is_stable_and_content_sensitive():
    a, b = sample(1), sample(1)
    assert a.id == b.id and len(a.id) == 32
    c = a.model_copy(update={"messages": a.messages[:1]}).with_content_id()
    assert c.id != a.id
