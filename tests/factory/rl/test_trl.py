"""The README's GRPO snippet, run as written (its two `factory tasks` lines, then its Python) with the
embedded model: finite losses, each pipeline's reward logged. And the reward function's contract."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

from factory.rl.trl import reward_function
from tests.fakes.servers import ROOT


def _section() -> str:
    text = (ROOT / "README.md").read_text()
    return text.split("## RL environments from the same verifiers", 1)[1].split("\n## ", 1)[0]


def test_the_readme_grpo_snippet_runs_as_written(tmp_path):
    sec = _section()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    for line in sec.split("```bash\n", 1)[1].split("```", 1)[0].splitlines():
        argv = line.split("#", 1)[0].split()
        r = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    code = sec.split("```python\n", 1)[1].split("```", 1)[0]
    code = code.replace("GRPOTrainer(model=policy, reward_funcs=rewards, args=args, train_dataset=train).train()",
                        "trainer = GRPOTrainer(model=policy, reward_funcs=rewards, args=args, train_dataset=train)\n"
                        "trainer.train()")
    assert "trainer.train()" in code  # the README's last line, named so the log can be read
    code += "\nimport json\nprint('LOG=' + json.dumps(trainer.state.log_history))\n"
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    log = json.loads(next(ln for ln in r.stdout.splitlines() if ln.startswith("LOG="))[4:])
    steps = [h for h in log if "loss" in h]
    assert len(steps) == 2 and all(math.isfinite(h["loss"]) for h in steps)
    for name in ("math_reward", "instruct_reward"):
        assert all(f"rewards/{name}/mean" in h for h in steps)


def test_the_reward_function_scores_its_own_rows_and_logs_why(instruct_scorer):
    reward = reward_function(scorer=instruct_scorer)
    task = instruct_scorer.pipeline.tasks()[0].model_dump_json()
    extra, metrics = {}, {}
    got = reward(prompts=[[], [], []], completions=["too short", [{"role": "assistant", "content": "hi"}], "x"],
                 task=[task, task, task], data_source=["instruct", "instruct", "math"],
                 log_extra=extra.__setitem__, log_metric=metrics.__setitem__, trainer_state=None)
    assert got == [0.0, 0.0, None] and reward.__name__ == "instruct_reward"
    assert extra == {"instruct_reason": ["integrity:too_short", "integrity:too_short", ""]}
    assert metrics == {"instruct/accepted": 0.0}


def test_verl_compute_score_is_the_scorers_reward(math_task):
    from factory.rl import verl

    try:
        right = verl.compute_score("math", f"\\boxed{{{math_task.payload['answer']}}}", math_task.model_dump_json())
        wrong = verl.compute_score("math", "\\boxed{0}", math_task.model_dump_json(), {"index": 0})
    finally:
        verl.close_all()
    assert right == {"score": 1.0, "accepted": 0.0, "reason": ""}
    assert wrong["score"] == 0.0 and wrong["reason"] == "answer:wrong_answer" and not verl.SCORERS


def test_the_environment_class_exposes_the_tasks_tools_and_runs_them(math_scorer, math_task):
    from transformers.utils import get_json_schema

    from factory.rl.trl import environment_factory

    tools = math_scorer.pipeline.rl_episode(math_task).tools()
    env = environment_factory(math_scorer, tools)()
    for t in tools:
        got = get_json_schema(getattr(env, t["function"]["name"]))["function"]
        want = t["function"]["parameters"]
        assert got["name"] == t["function"]["name"] and set(got["parameters"]["properties"]) == set(want["properties"])
        assert got["parameters"]["required"] == want["required"]
    env.reset(task=math_task.model_dump_json(), prompt=[{"role": "user", "content": "q"}])
    assert env.evaluate(expression="93/2").startswith("93/2")
    assert env.python(code="print(6*7)").strip() == "42"


def test_grpo_with_the_environment_as_trls_environment_factory(math_scorer, tmp_path):
    """One GRPO step where TRL's tool loop can call the math tools in our sandbox (Qwen3's template, which
    renders tools, on the embedded model)."""
    from pathlib import Path

    import trl
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    from factory.rl import dataset
    from factory.rl.trl import environment_factory
    from factory.teacher.embedded import ensure_embedded_model

    rows, _ = dataset.rows_for(math_scorer.pipeline, math_scorer.pipeline.tasks()[:4])
    train = Dataset.from_list(rows)
    tools = json.loads(rows[0]["tools"])
    folder = str(ensure_embedded_model())
    tok = AutoTokenizer.from_pretrained(folder)
    tok.chat_template = (Path(trl.__file__).parent / "chat_templates" / "qwen3.jinja").read_text()
    args = GRPOConfig(output_dir=str(tmp_path), max_steps=1, per_device_train_batch_size=4, num_generations=4,
                      max_completion_length=48, logging_steps=1, report_to=[], use_cpu=True, save_strategy="no")
    trainer = GRPOTrainer(model=folder, processing_class=tok, reward_funcs=[reward_function(scorer=math_scorer)],
                          args=args, train_dataset=train, environment_factory=environment_factory(math_scorer, tools))
    trainer.train()
    step = next(h for h in trainer.state.log_history if "loss" in h)
    assert math.isfinite(step["loss"]) and "tools/call_frequency" in step and "rewards/math_reward/mean" in step
