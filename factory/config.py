"""Run configuration: pydantic models (extra="forbid"); YAML is only their serialisation. The
resolved config (defaults filled in) is written beside the outputs as `config.yaml`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, PrivateAttr, ValidationError, model_validator

from factory.errors import UserError
from tf_common import Strict


class SamplingConfig(Strict):
    temperature: float = Field(0.7, ge=0.0)
    top_p: float = Field(0.95, gt=0.0, le=1.0)
    max_tokens: int = Field(512, ge=1)
    stop: list[str] = Field(default_factory=list)
    ignore_eos: bool = False
    min_tokens: int = Field(0, ge=0, description="vLLM: the end-of-sequence token is held back until this many tokens "
                            "(a small model that ends its turn at once; counted with the thinking)")


class TeacherConfig(Strict):
    backend: Literal["embedded", "vllm", "openai"] = "embedded"
    model: str | None = Field(None, description="vllm: local path or hub name; openai: served model name")
    base_url: str | None = Field(None, description="openai: e.g. http://127.0.0.1:8000/v1")
    api_key_env: str = Field("OPENAI_API_KEY", description="environment variable holding the API key")
    replicas: int = Field(1, ge=1, description="vllm: engine actors (one per GPU group)")
    tensor_parallel_size: int = Field(1, ge=1)
    gpu_memory_utilization: float = Field(0.9, gt=0.0, le=1.0)
    max_model_len: int = Field(4096, ge=128)
    max_num_seqs: int = Field(64, ge=1)
    cpu_kv_cache_gib: float = Field(2.0, gt=0.0, description="vllm on CPU: KV cache size")
    cpu_memory_utilization: float = Field(0.3, gt=0.0, le=1.0, description="vllm on CPU: share of a NUMA "
                                          "node's memory the engine may claim (several engines can share a box)")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        "auto", description="vllm weights/activations; auto: the model's own on GPU, on CPU float32 unless the "
        "CPU computes bfloat16 natively (without AVX512-BF16/AMX, bfloat16 matmuls run ~50x slower)")
    enforce_eager: bool | None = Field(None, description="skip torch.compile; default: on for CPU (a small "
                                       "model gains little from it and its warm-up takes minutes)")
    request_timeout_s: float = Field(600.0, gt=0.0, description="deadline of one teacher call")
    max_retries: int = Field(4, ge=0, description="retries of transient failures (429, 5xx, timeouts)")
    watchdog_s: float = Field(300.0, gt=0.0, description="fail the run when no tokens come back this long")
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)
    family: str | None = Field(None, description="model family preset (docs/teachers.md: qwen3, hermes, deepseek_r1, "
                               "llama3, mistral, gpt_oss …) giving the parsers and thinking budget below; default: "
                               "guessed from the model name")
    tool_format: Literal["auto", "native", "text"] = Field(
        "auto", description="native: tools sent in the request, calls read from `tool_calls`; text: tools in the system "
        "prompt, calls written inline as Hermes <tool_call> blocks (servers without a tool parser); auto: native when "
        "the endpoint (openai) or the chat template and tool parser (vllm) support it")
    tool_parser: str | None = Field(None, description="vllm/embedded: vLLM tool parser name (hermes, llama3_json, "
                                    "mistral …); default: the family's")
    reasoning_parser: str | None = Field(None, description="vllm/embedded: vLLM reasoning parser name (qwen3, "
                                         "deepseek_r1 …); default: the family's")
    thinking_budget: int | None = Field(None, ge=0, description="tokens added to every request's max_tokens for the "
                                        "teacher's thinking (pipelines' per-turn budgets are the answer's); "
                                        "default: the family's (0 for a model that does not think)")
    enforce_thinking_budget: bool = Field(
        False, description="send vLLM's thinking_token_budget (= thinking_budget): the engine closes the thinking "
        "there, so the answer and a guided part always come (vllm serve needs --reasoning-parser and "
        "--reasoning-config '{}'; in-process engines set both)")
    tool_choice: Literal["auto", "required", "none"] | None = Field(
        None, description="native tools: sent with every agent turn that offers tools (required: a call each turn, "
        "which keeps a small model's calls well-formed; the turn budget then ends the trajectory); none: the server's "
        "default")
    chat_template: str | None = Field(None, description="vllm/embedded: a .jinja chat template to use instead of the "
                                      "model's own (as `vllm serve --chat-template`)")
    chat_template_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="passed to the chat template (vLLM), e.g. {enable_thinking: false} for "
        "Qwen3's non-thinking mode, {reasoning_effort: high} for gpt-oss")


class RunnerConfig(Strict):
    executor: Literal["ray", "inline"] = Field(
        "ray", description="ray: workers are Ray actors; inline: one process, for debugging")
    address: str | None = Field(None, description="existing Ray cluster: 'auto' or ray://host:port")
    workers: int = Field(1, ge=1)
    chunk_size: int = Field(8, ge=1, description="tasks per chunk: the unit of scheduling and commit")
    trajectories_in_flight: int = Field(64, ge=1, description="concurrent trajectories per worker")
    chunks_in_flight: int = Field(4, ge=1, description="chunks queued on each worker")
    worker_resources: dict[str, float] = Field(
        default_factory=dict, description="Ray custom resources each worker actor needs (place workers on "
        "the nodes that declare them, e.g. {cpu_pool: 1})")
    worker_restarts: int = Field(
        8, ge=0, description="workers replaced after a lost node or a crashed actor before the run fails; their "
        "chunks are re-queued (uncommitted work is safe to redo)")
    ship_code: bool = Field(
        True, description="with `address`: send this checkout's packages to the cluster (py_modules); off when the "
        "cluster already has them (a Ray job's working_dir, an image with the project installed)")


class DedupConfig(Strict):
    exact: bool = True
    near: bool = True
    threshold: float = Field(0.85, gt=0.0, le=1.0, description="estimated Jaccard for a near-duplicate")
    num_perm: int = Field(128, ge=16)
    shingle_size: int = Field(5, ge=1, description="word n-gram length")
    against: list[str] = Field(default_factory=list, description="earlier run dirs to dedup against")
    roles: list[Literal["system", "user", "assistant", "tool"]] = Field(
        default_factory=lambda: ["user", "assistant", "tool"],
        description="messages compared: what varies between rows, not the shared system prompt")
    decontaminate: list[str] = Field(
        default_factory=list, description="benchmark files (.jsonl/.parquet with a question field): rows whose "
        "task text shares an n-gram with one of their questions are rejected as contaminated:<file>")
    contamination_ngram: int = Field(13, ge=3, description="words in the n-gram decontamination looks for")
    index: Literal["memory", "partitioned"] = Field(
        "memory", description="where the near-duplicate index lives: the driver's memory, or Ray actors (one per "
        "group of LSH bands) for runs whose index outgrows it; both give the same answers")
    partitions: int = Field(4, ge=1, description="partitioned: band-group actors")
    partition_resources: dict[str, float] = Field(
        default_factory=dict, description="partitioned: Ray resources per band-group actor (to place them on "
        "memory-rich nodes)")


class ShardConfig(Strict):
    rows_per_shard: int = Field(2000, ge=1, description="flush a shard once this many rows are buffered")
    flush_seconds: float = Field(60.0, gt=0.0, description="...or once the oldest buffered chunk is this old")
    row_group_rows: int = Field(1000, ge=1)
    compression: Literal["zstd", "snappy", "gzip", "none"] = "zstd"


class GenericVerifyConfig(Strict):
    min_chars: int = Field(1, ge=0)
    max_chars: int = Field(200_000, ge=1)
    max_repetition: float = Field(0.5, ge=0.0, le=1.0, description="max share of repeated word 4-grams")


_CRON_FIELD = re.compile(r"^[0-9A-Za-z*?]+([,/-][0-9A-Za-z*?]+)*$")


class SecretEnv(Strict):
    secret: str = Field(pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", description="a Kubernetes Secret's name")
    key: str = Field(min_length=1, description="the key inside it")


class PodGroup(Strict):
    """Where one group's pods go and what extra they ask for (KubeRay: the head or the workers)."""
    node_selector: dict[str, str] = Field(default_factory=dict, description="nodeSelector labels")
    tolerations: list[dict[str, Any]] = Field(default_factory=list, description="Kubernetes tolerations, as written "
                                              "in a pod spec (checked against Kubernetes' schema when rendered)")
    resources: dict[str, str] = Field(default_factory=dict, description="extra limits (= requests), e.g. "
                                      "{ephemeral-storage: 200Gi}; cpu/memory/GPUs come from the fields above")


class DeployConfig(Strict):
    """How `factory deploy` renders this run as a scheduled job (KubeRay, Kubernetes, Slurm). Not part of
    what a task produces: changing it never makes a different run."""
    image: str | None = Field(None, description="container image with this project and its deps installed")
    namespace: str = Field("default", pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    pvc: str | None = Field(None, description="PersistentVolumeClaim holding output_dir, mounted on every pod")
    schedule: str = Field("0 2 * * *", description="cron schedule (five fields) of the nightly top-up")
    time_zone: str = Field("Etc/UTC", min_length=1, description="IANA time zone of the schedule")
    add: int | None = Field(None, ge=1, description="tasks each tick adds to the run (`--add`); none: run to "
                            "the config's size, resuming what is left")
    head_cpus: int = Field(4, ge=1, description="the head pod runs the driver, committer and dedup")
    head_memory_gib: int = Field(16, ge=1)
    worker_cpus: int = Field(8, ge=1, description="per teacher replica node")
    worker_memory_gib: int = Field(64, ge=1)
    deadline_s: int | None = Field(None, ge=60, description="stop a night's job after this long (the next "
                                   "tick resumes it)")
    head: PodGroup = Field(default_factory=PodGroup)
    workers: PodGroup = Field(default_factory=PodGroup)
    image_pull_secrets: list[str] = Field(default_factory=list, description="Secrets to pull `image` with")
    service_account: str | None = Field(None, description="the ServiceAccount the Ray pods run as")
    secret_env: dict[str, SecretEnv] = Field(
        default_factory=dict, description="environment variables every Ray pod reads from a Secret, e.g. "
        "{OPENAI_API_KEY: {secret: teacher-api, key: token}} for the openai teacher's teacher.api_key_env")
    kubectl_image: str = Field("registry.k8s.io/kubectl:v1.33.0",
                               description="image of the fallback CronJob's pod that creates a RayJob per tick")
    slurm_partition: str | None = None
    slurm_account: str | None = None
    slurm_time: str = Field("12:00:00", pattern=r"^(\d+-)?\d{1,2}:\d{2}:\d{2}$", description="sbatch --time")
    ray_port: int = Field(6379, ge=1, le=65535, description="the Slurm head node's GCS port")

    @model_validator(mode="after")
    def _cron(self) -> "DeployConfig":
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        fields = self.schedule.split()
        if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
            raise ValueError(f"schedule {self.schedule[:80]!r}: expected five cron fields (minute hour day month "
                             "weekday: digits, * , - /, names), e.g. '0 2 * * *'")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"time_zone {self.time_zone[:80]!r}: not an IANA time zone (e.g. Etc/UTC, "
                             "Europe/Berlin)") from None
        return self


class RunConfig(Strict):
    # The file the config came from, so that errors found later (a pipeline's options) can name it.
    _source: str | None = PrivateAttr(None)

    @property
    def source(self) -> str | None:
        """The YAML file this config was read from (None: flags or code only)."""
        return self._source
    pipeline: str
    name: str | None = Field(None, description="run directory name; defaults to the pipeline name")
    output_dir: str = "runs"
    seed: int = 0
    limit: int | None = Field(None, ge=1, description="run only the first N tasks")
    teacher: TeacherConfig = Field(default_factory=TeacherConfig)
    runner: RunnerConfig = Field(default_factory=RunnerConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    shards: ShardConfig = Field(default_factory=ShardConfig)
    verify: GenericVerifyConfig = Field(default_factory=GenericVerifyConfig)
    pipeline_options: dict[str, Any] = Field(default_factory=dict, description="validated by the pipeline")
    deploy: DeployConfig = Field(default_factory=DeployConfig)

    @model_validator(mode="after")
    def _openai_needs_url(self) -> "RunConfig":
        if self.teacher.backend == "openai" and not self.teacher.base_url:
            raise ValueError("teacher.base_url is required with backend 'openai' (e.g. http://127.0.0.1:8000/v1)")
        if self.dedup.index == "partitioned" and self.runner.executor != "ray":
            raise ValueError("dedup.index 'partitioned' keeps its index in Ray actors: it needs runner.executor ray")
        if self.teacher.backend == "vllm" and not self.teacher.model:
            raise ValueError("teacher.model is required with backend 'vllm' (a local path or model name)")
        return self

    @property
    def run_name(self) -> str:
        return self.name or self.pipeline

    @property
    def run_dir(self) -> Path:
        return Path(self.output_dir) / self.run_name


def validation_problems(err: ValidationError) -> list[str]:
    """Each problem as `dotted.field: what was expected` (all of them: a user fixing one at a time
    would rerun once per field)."""
    out = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling; see docs/configuration.md)"
        elif "input" in e and e["type"] not in ("missing", "value_error"):
            msg = f"{msg} (got {e['input']!r})"
        out.append(f"{loc}: {msg}")
    return out


def describe_validation_error(err: ValidationError, source: str) -> str:
    """One line: where (file and dotted field) and what was expected, for every field."""
    return f"{source}: " + "; ".join(validation_problems(err))


def read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise UserError(f"{path}: config file not found; pass an existing YAML file to --config")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        line = path.read_bytes()[: e.start].count(b"\n") + 1
        raise UserError(f"{path} line {line}: not UTF-8 text (byte {e.start}); write the config as UTF-8") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise UserError(f"{path}:{where} is not valid YAML: {getattr(e, 'problem', e)}") from None
    except RecursionError:
        raise UserError(f"{path}: nested too deeply to be a config") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of config fields at the top level, got {type(data).__name__}")
    return data


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in override.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def load_config(path: Path | None, overrides: dict[str, Any]) -> RunConfig:
    data = read_yaml(path) if path else {}
    data = deep_merge(data, overrides)
    try:
        cfg = RunConfig.model_validate(data)
    except ValidationError as e:
        raise UserError(describe_validation_error(e, str(path) if path else "command line")) from None
    cfg._source = str(path) if path else None
    return cfg


def dump_config(cfg: RunConfig) -> str:
    return yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False)
