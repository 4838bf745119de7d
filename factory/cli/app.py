"""`factory` command line. One module per command; this file wires them and turns expected
failures into one line on stderr."""

from __future__ import annotations

import sys

import typer

from factory import logs
from factory.cli import (
    calibrate_cmd,
    dedup_cmd,
    deploy_cmd,
    export_cmd,
    fsck_cmd,
    inspect_cmd,
    jobs_cmd,
    migrate_cmd,
    mix_cmd,
    pipelines_cmd,
    plugins_cmd,
    report_cmd,
    review_cmd,
    run_cmd,
    sandbox_cmd,
    setup_cmd,
    stats_cmd,
    tasks_cmd,
    verify_cmd,
)
from factory.errors import explain

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Manufacture verified agentic trajectories with a teacher model.")


@app.callback()
def _options(verbose: int = typer.Option(0, "-v", "--verbose", count=True,
                                         help="log more on stderr: -v info, -vv debug (run.log keeps info anyway)"),
             quiet: bool = typer.Option(False, "-q", "--quiet", help="log only errors on stderr")) -> None:
    logs.setup_cli(verbose, quiet)


app.command("run")(run_cmd.run)
app.command("submit")(jobs_cmd.submit)
app.add_typer(jobs_cmd.app, name="jobs")
app.add_typer(deploy_cmd.app, name="deploy")
app.command("pipelines")(pipelines_cmd.pipelines)
app.command("stats")(stats_cmd.stats)
app.command("verify")(verify_cmd.verify)
app.command("dedup")(dedup_cmd.dedup)
app.command("inspect")(inspect_cmd.inspect)
app.command("review")(review_cmd.review)
app.command("calibrate")(calibrate_cmd.calibrate_cmd)
app.command("export")(export_cmd.export)
app.command("mix")(mix_cmd.mix)
app.command("tasks")(tasks_cmd.tasks)
app.command("report")(report_cmd.report)
app.command("migrate")(migrate_cmd.migrate)
app.command("fsck")(fsck_cmd.fsck)
app.command("setup-model")(setup_cmd.setup_model)
app.command("setup-templates")(setup_cmd.setup_templates)
app.add_typer(sandbox_cmd.app, name="sandbox")
plugins_cmd.add_plugin_commands(app)


def main() -> None:
    try:
        app()
    except (Exception, KeyboardInterrupt) as e:
        known = explain(e)
        if known is None:
            raise
        code, line = known
        print(line if code == 130 else f"error: {line}", file=sys.stderr)
        sys.exit(code)


if __name__ == "__main__":
    main()
