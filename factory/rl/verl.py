"""verl's reward hook: point `custom_reward_function.path` at this file and `name` at `compute_score`.
verl calls it per response with the row's `data_source` (the pipeline), the decoded response and
`reward_model.ground_truth` (the task, as `factory tasks` writes it). It returns verl's dict form:
`score` plus `accepted` and `reason`, which verl logs beside the score.

verl imports this function by path and calls it with no handle to keep, so the scorer of each
(pipeline, config) is kept in `SCORERS` for the life of the reward worker: opening a pipeline's
sandboxes or servers per response would cost more than the rollout. `close_all()` releases them.
Set `custom_reward_function.reward_kwargs.config` to a run's config.yaml to use its tool sources,
corpus and verifier settings."""

from __future__ import annotations

from typing import Any

from factory.rl.scorer import Scorer

SCORERS: dict[tuple[str, str], Scorer] = {}


def scorer_for(data_source: str, config: str | None = None) -> Scorer:
    key = (data_source, config or "")
    if key not in SCORERS:
        SCORERS[key] = Scorer(None if config else data_source, config=config)
    return SCORERS[key]


def compute_score(data_source: str, solution_str: str, ground_truth: str, extra_info: dict[str, Any] | None = None,
                  config: str | None = None, **_: Any) -> dict[str, Any]:
    r = scorer_for(data_source, config).score(ground_truth, solution_str)
    return {"score": r.value, "accepted": float(r.accepted), "reason": r.reason}


def close_all() -> None:
    while SCORERS:
        SCORERS.popitem()[1].close()
