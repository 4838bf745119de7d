"""`factory swe synth` and `factory swe check`: make and validate SWE instances without a teacher.
Registered under the entry-point group `trajectory_factory.commands`; imports stay inside the
commands so `factory --help` loads nothing heavy."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="SWE instances: synthesise and validate.")


def _sandbox(backend: str):
    from pipelines.swe.tasks import swe_sandbox

    return swe_sandbox().model_copy(update={"backend": backend})


@app.command("synth")
def synth_cmd(profile: str = typer.Option(..., "--profile", help="a shipped profile (toolz, six, markupsafe, "
                                                                  "itsdangerous, boltons) or a profile YAML file"),
              limit: int = typer.Option(10, "--limit", min=1, help="valid instances wanted"),
              out: Path = typer.Option(..., "--out", help="instances.jsonl to write"),
              seed: int = typer.Option(0, "--seed"),
              max_candidates: int = typer.Option(200, "--max-candidates", min=1),
              backend: str = typer.Option("auto", "--backend", help="sandbox backend: auto | docker | bwrap")) -> None:
    """Inject bugs with libcst into the profile's modules; keep those the sandbox validates."""
    import asyncio

    from pipelines.swe import instances, profiles, sources, synth
    from pipelines.swe.workspace import prepare_image
    from sandboxes.pool import SandboxPool

    prof = _load_profile(profile) if profile.endswith((".yaml", ".yml", ".json")) else profiles.get(profile)
    tree = sources.materialize(prof.source, sha256=prof.sha256)
    pool = SandboxPool(prepare_image(_sandbox(backend), tree, prof.name, prof.debian))
    try:
        found, stats = asyncio.run(synth.synthesize(pool, prof, tree, seed=seed, limit=limit,
                                                    max_candidates=max_candidates))
    finally:
        pool.close()
    if found:
        instances.dump(found, out)
    per = stats.seconds / stats.candidates if stats.candidates else 0.0
    print(f"{prof.name}: {stats.valid} valid of {stats.candidates} candidates ({per:.1f}s per candidate, "
          f"{stats.clean_tests} clean tests, {stats.unstable_tests} unstable); rejected: {stats.rejected or 'none'}"
          + (f"; wrote {out}" if found else "; nothing written"))
    if not found:
        raise typer.Exit(1)


@app.command("check")
def check_cmd(file: Path = typer.Argument(..., help="instances .jsonl or .parquet"),
              repos_dir: Path | None = typer.Option(None, "--repos-dir", help="local clones owner__name/"),
              backend: str = typer.Option("auto", "--backend")) -> None:
    """Validate instances with no teacher: the gold patch resolves each, an empty patch does not.
    Exit 1 when any instance is invalid."""
    import asyncio

    from factory.errors import UserError
    from pipelines.swe import instances
    from pipelines.swe.grading import grade
    from pipelines.swe.tasks import image_for
    from sandboxes.pool import SandboxPool

    bad = 0
    for inst in instances.load(file, repos_dir):
        try:
            pool = SandboxPool(image_for(inst, _sandbox(backend)))
        except UserError as e:  # its repository cannot be had: say which row of which file
            raise UserError(f"{file}: instance {inst.instance_id}: {e}") from None
        try:
            gold = asyncio.run(grade(inst, inst.patch, pool))
            empty = asyncio.run(grade(inst, "", pool, allow_empty=True))
        finally:
            pool.close()
        ok = gold.resolved and not empty.resolved
        bad += not ok
        why = "valid" if ok else (f"gold patch: {gold.reason}" if not gold.resolved else "an empty patch resolves it")
        print(f"{inst.instance_id}\t{'ok' if ok else 'INVALID'}\t{why}\t{gold.seconds:.1f}s")
    if bad:
        raise typer.Exit(1)


def _load_profile(path: str):
    import yaml
    from pydantic import ValidationError

    from factory.config import describe_validation_error
    from factory.errors import UserError
    from pipelines.swe.profiles import RepoProfile

    try:
        return RepoProfile.model_validate(yaml.safe_load(Path(path).read_text()))
    except OSError as e:
        raise UserError(f"{path}: {e.strerror}") from None
    except ValidationError as e:
        raise UserError(describe_validation_error(e, path)) from None
