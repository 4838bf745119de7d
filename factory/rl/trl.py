"""Rewards for TRL's GRPOTrainer: `reward_funcs=[reward_function("math")]` on a dataset from
`factory tasks` or `factory export --format rl`. TRL calls the function with the prompts, the
completions and every dataset column; the `task` column rebuilds each episode, so no reference is
read from the prompt. Rows of another pipeline (`data_source`) get None (TRL skips them), so one
trainer can mix pipelines with one function each. Why a completion lost its reward goes to TRL's
completions table (`log_extra`), the share `factory verify` would accept to its metrics."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

from factory.config import RunConfig
from factory.rl.scorer import Scorer, as_task
from factory.trajectory import ToolCall


def reward_function(pipeline: str | None = None, *, config: Path | str | RunConfig | None = None,
                    concurrency: int = 4, timeout_s: float = 600.0, scorer: Scorer | None = None) -> Any:
    """A TRL reward function for one pipeline; `.scorer` holds its runtimes (`.scorer.close()` at the end)."""
    scorer = scorer or Scorer(pipeline, config=config, concurrency=concurrency, timeout_s=timeout_s)
    name = scorer.pipeline.name

    def reward(prompts: list[Any], completions: list[Any], task: list[str], data_source: list[str] | None = None,
               log_extra: Any = None, log_metric: Any = None, **_: Any) -> list[float | None]:
        mine = [i for i in range(len(task)) if data_source is None or data_source[i] == name]
        got = scorer.score_batch([task[i] for i in mine], [completions[i] for i in mine])
        out: list[float | None] = [None] * len(task)
        reasons = [""] * len(task)
        for i, r in zip(mine, got, strict=True):
            out[i], reasons[i] = r.value, r.reason
        if log_extra is not None:
            log_extra(f"{name}_reason", reasons)
        if log_metric is not None and got:
            log_metric(f"{name}/accepted", sum(r.accepted for r in got) / len(got))
        return out

    reward.__name__ = f"{name}_reward"
    reward.scorer = scorer  # type: ignore[attr-defined]
    return reward


_PY = {"string": str, "integer": int, "number": float, "boolean": bool, "array": list, "object": dict}


def _method(name: str, fn: dict[str, Any]) -> Any:
    """A method named after the tool whose signature, type hints and Google-style docstring say what its
    schema says: TRL exposes an environment's public methods as tools and builds their schemas from
    exactly these (transformers' `get_json_schema`)."""
    params = fn.get("parameters") or {}
    props: dict[str, Any] = params.get("properties") or {}
    required = set(params.get("required") or [])

    def tool(self: Any, **kwargs: Any) -> str:
        return self._call(name, kwargs)

    sig = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    hints: dict[str, Any] = {}
    for key, spec in props.items():
        kind = spec.get("type") if isinstance(spec.get("type"), str) else "string"
        hints[key] = _PY.get(kind, str)
        sig.append(inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, annotation=hints[key],
                                     default=inspect.Parameter.empty if key in required else None))
    tool.__name__ = tool.__qualname__ = name
    tool.__signature__ = inspect.Signature(sig, return_annotation=str)  # type: ignore[attr-defined]
    tool.__annotations__ = {**hints, "return": str}
    args = "\n".join(f"    {k}: {' '.join(str(v.get('description') or k).split())}" for k, v in props.items())
    tool.__doc__ = (" ".join(str(fn.get("description") or name).split()) + ("\n\nArgs:\n" + args if args else "")
                    + "\n\nReturns:\n    The tool's output.")
    return tool


def environment_factory(scorer: Scorer, tools: list[dict[str, Any]]) -> Any:
    """For TRL's `environment_factory`: a class whose methods are `tools` (OpenAI schemas, e.g. the union
    of a dataset's `tools` column) run for real in the episode of the row being rolled out; `reset`
    takes the row (its `task` column). Score the rollouts with `reward_function(scorer=scorer)`: it
    replays the completion's calls, so a result the model wrote itself still scores 0."""
    methods = {}
    for t in tools:
        fn = t.get("function") or {}
        if fn.get("name") and fn["name"].isidentifier() and fn["name"] not in ("reset", "get_reward"):
            methods[fn["name"]] = _method(fn["name"], fn)

    def _init(self: Any) -> None:
        self._episode = None

    def reset(self: Any, task: str | dict[str, Any] | None = None, **_: Any) -> None:
        if self._episode is not None:
            scorer.loop.run(self._episode.close())
        if task is None:
            raise ValueError("the dataset row has no `task` column (write it with `factory tasks`)")
        self._episode = scorer.pipeline.rl_episode(as_task(task))
        scorer.loop.run(self._episode.open())

    def _call(self: Any, name: str, args: dict[str, Any]) -> str:
        if self._episode is None:
            raise RuntimeError("reset(task=…) first")
        call = ToolCall(id=f"trl_{name}", name=name,
                        arguments=json.dumps({k: v for k, v in args.items() if v is not None}))
        return scorer.loop.run(self._episode.call(call)).content

    return type(f"{scorer.pipeline.name.title()}Environment", (), {
        "__init__": _init, "reset": reset, "_call": _call, **methods})
