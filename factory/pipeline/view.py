"""What a pipeline declares for the engine to show and count, as data. The run directory keeps a
copy (in manifest.json), so `stats`, `inspect`, `export` and `report` work on a run whose pipeline
package is not installed where the run is read."""

from __future__ import annotations

from pydantic import Field

from tf_common import Strict


class PipelineView(Strict):
    name: str
    description: str = ""
    stat_keys: list[str] = Field(default_factory=list, description="meta keys stats break down by")
    summary_keys: list[str] = Field(default_factory=list,
                                    description="breakdown keys the run summary shows (a subset of stat_keys)")
    attempt_key: str | None = Field(None, description="meta key numbering attempts of one task: turns on pass@k")
    inspect_keys: list[str] = Field(default_factory=list, description="meta keys the inspector shows first")
    highlight_tags: list[str] = Field(default_factory=list,
                                      description="<tag>…</tag> sections of assistant text the inspector sets off")
    card_keys: list[str] = Field(default_factory=list, description="meta keys the dataset card counts rows by")
