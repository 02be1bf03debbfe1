"""`lms worker` (a consumer of the job queue) and `lms run` with a consumer thread for the embedded default."""

from __future__ import annotations

import os

import click
from flask.cli import ScriptInfo, run_command


@click.command("worker")
@click.option("--workers", "-w", default=2, show_default=True, help="Worker threads in this process.")
@click.option("--no-periodic", is_flag=True, help="Do not run the periodic jobs here (another worker runs them).")
def worker_command(workers: int, no_periodic: bool) -> None:
    """Run a consumer of the job queue: e-mail, reminders, bulk issuance and the periodic jobs (closing expired
    attempts and ended sessions). Start one or more on any host that shares LMS_REDIS_URL and the database;
    without LMS_REDIS_URL the queue is a SQLite file in the instance folder (one host)."""
    from lms.jobs import huey

    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    if huey.immediate:
        raise click.ClickException("Jobs run immediately in this configuration (JOBS_IMMEDIATE): nothing to consume.")
    where = app.config["REDIS_URL"] and "Redis" or huey.storage_kwargs.get("filename")
    click.echo(f"Lentera worker: {workers} thread(s), queue {huey.name!r} in {where}; Ctrl+C stops.")
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=not no_periodic)
    consumer.run()


@click.command(
    "run", params=list(run_command.params), help=run_command.help, context_settings=run_command.context_settings
)
@click.pass_context
def run_with_jobs_command(ctx: click.Context, **options) -> None:
    """Flask's `run`, with a consumer thread when the queue is the embedded SQLite one (`make run`)."""
    from lms.jobs import huey, start_embedded_consumer

    app = ctx.ensure_object(ScriptInfo).load_app()
    reloading = options.get("reload")
    in_serving_process = not reloading or os.environ.get("WERKZEUG_RUN_MAIN") == "true"
    wanted = app.config.get("JOBS_CONSUMER_IN_RUN")
    if wanted is None:
        wanted = not app.config.get("REDIS_URL")
    if wanted and in_serving_process and not huey.immediate:
        start_embedded_consumer(app, workers=2)
        click.echo("Jobs: a consumer thread runs inside this server (the embedded SQLite queue).")
    ctx.invoke(run_command, **options)
