"""prefect.yaml: parsed by Prefect itself and applied to a temporary server; the CLI's fast failures."""

from __future__ import annotations

import fnmatch
import inspect
import os
import subprocess
import sys
from pathlib import Path

import yaml
from typer.testing import CliRunner

from genoflow.batch_cli import app

REPO = Path(__file__).resolve().parents[2]


def _deployment(name: str = "nightly-inbox") -> dict:
    (deployment,) = [d for d in yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]
                     if d["name"] == name]
    return deployment


def test_prefect_yaml_matches_the_inbox_flow_and_its_event():
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.events import DeploymentEventTrigger

    from genoflow.flows.inbox import BATCH_ARRIVED, batch_resource, inbox

    deployment = _deployment()
    path, _, name = deployment["entrypoint"].partition(":")
    assert (REPO / path).is_file() and name == inbox.fn.__name__
    assert set(deployment["parameters"]) <= set(inspect.signature(inbox.fn).parameters)
    schedule = CronSchedule(**{k: v for k, v in deployment["schedules"][0].items() if k != "active"})
    assert schedule.cron == "0 2 * * *" and schedule.timezone == "Europe/London"
    assert deployment["concurrency_limit"] == 1
    trigger = DeploymentEventTrigger.model_validate(deployment["triggers"][0])
    assert trigger.expect == {BATCH_ARRIVED}
    (pattern,) = trigger.match.root["prefect.resource.id"] if isinstance(
        trigger.match.root["prefect.resource.id"], list) else [trigger.match.root["prefect.resource.id"]]
    assert fnmatch.fnmatch(batch_resource(Path("inbox/B7"))["prefect.resource.id"], pattern)


def test_prefect_deploy_applies_schedule_trigger_and_limit(prefect_server, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.settings import PREFECT_API_URL

    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name=_deployment()["work_pool"]["name"], type="process"),
                                overwrite=True)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "GENOFLOW_PROJECT_DIR": str(REPO),
           "GENOFLOW_INBOX": str(tmp_path / "inbox"), "GENOFLOW_RESULTS": str(tmp_path / "results"),
           "GENOFLOW_STORE": str(tmp_path / "store")}
    done = subprocess.run([sys.executable, "-m", "prefect", "deploy", "--all", "--no-prompt"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("genoflow-inbox/nightly-inbox")
        triggers = client.read_automations_by_name("batch-arrived")
        weekly = client.read_deployment_by_name("surveillance/weekly-surveillance")
    (schedule,) = deployment.schedules
    assert schedule.schedule.cron == "0 2 * * *" and schedule.schedule.timezone == "Europe/London" and schedule.active
    assert deployment.global_concurrency_limit.limit == 1
    assert deployment.parameters == {"inbox_dir": str(tmp_path / "inbox"), "results_dir": str(tmp_path / "results"),
                                     "runner": "threads"}
    assert deployment.pull_steps[0]["prefect.deployments.steps.set_working_directory"]["directory"] == str(REPO)
    assert triggers and triggers[0].trigger.expect == {"genoflow.batch.arrived"}
    (weekly_schedule,) = weekly.schedules
    assert weekly_schedule.schedule.cron == "0 6 * * 1" and weekly_schedule.active
    assert weekly.parameters == {"store": str(tmp_path / "store"), "threshold": 12}


def test_batch_command_rejects_a_bad_sheet_before_starting_prefect(tmp_path):
    sheet = tmp_path / "samplesheet.csv"
    sheet.write_text("sample_id,r1\nS/1,missing.fq.gz\n")
    result = CliRunner().invoke(app, ["batch", str(sheet), "--outdir", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "row 2, column 'sample_id'" in result.output and "row 2, column 'r1': file not found" in result.output
    assert not (tmp_path / "out").exists()


def test_batch_command_rejects_an_unknown_runner(tmp_path):
    (tmp_path / "r1.fq").write_text("@r\nACGT\n+\nIIII\n")
    (tmp_path / "samplesheet.csv").write_text("sample_id,r1\nS1,r1.fq\n")
    result = CliRunner().invoke(app, ["batch", str(tmp_path / "samplesheet.csv"), "--outdir", str(tmp_path / "o"),
                                      "--runner", "ray"])
    assert result.exit_code == 2 and "unknown runner 'ray'" in result.output
