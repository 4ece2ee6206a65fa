"""`ladder sweep --slurm` against a real Slurm: a one-node cluster started on this machine by
tests/slurm/start.sh (munged with a fresh key, slurmctld, slurmd), stopped after the tests.
Skipped, saying why, where Debian's slurm-wlm and munge are not installed or not as root."""

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LADDER = os.environ.get("LADDER_BIN", str(ROOT / "target" / "debug" / "ladder"))
POINT = ROOT / "tests" / "sweep" / "point.ipynb"
DAEMONS = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo"]


@pytest.fixture(scope="module")
def cluster():
    missing = [d for d in DAEMONS if shutil.which(d) is None]
    if missing:
        pytest.skip(f"Slurm is not installed ({', '.join(missing)} missing): "
                    "apt-get install slurm-wlm munge")
    if os.geteuid() != 0:
        pytest.skip("starting munged and slurmd needs root")
    # Not under pytest's private tmp: munged runs as the munge user and must reach its key.
    root = Path(tempfile.mkdtemp(prefix="ladder-slurm-"))
    root.chmod(0o755)
    env = dict(os.environ, SLURM_CONF=str(root / "slurm.conf"),
               LADDER_RUNS=str(root / "user-runs.sqlite"))
    try:
        subprocess.run([ROOT / "tests" / "slurm" / "start.sh", root], check=True, timeout=60)
        yield root, env
    finally:
        subprocess.run([ROOT / "tests" / "slurm" / "stop.sh", root], timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def ladder(env, *args):
    return subprocess.run([LADDER, "sweep", *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=120)


def wait_until_done(env, out, points):
    """Poll `--status` until every point is done (the deadline only guards a stuck cluster)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status = ladder(env, "--status", out)
        assert status.returncode == 0, status.stderr
        if f"{points} done" in status.stdout:
            return status.stdout
        time.sleep(1)
    raise AssertionError(f"the Slurm sweep did not finish:\n{status.stdout}")


def test_a_four_point_sweep_runs_as_one_array_job_and_is_collected(cluster):
    root, env = cluster
    out = root / "sweep"
    submitted = ladder(env, POINT, "-p", "seed=0..2", "-p", "loss=xent,logconf", "--slurm",
                       "--time", "10", "-o", out)
    assert submitted.returncode == 0, submitted.stderr
    job = submitted.stdout.strip()
    assert job.isdigit(), submitted.stdout
    assert "#SBATCH --array=0-3" in (out / "sweep.sbatch").read_text()
    assert json.loads((out / "sweep.json").read_text())["slurm_jobs"] == [job]

    status = wait_until_done(env, out, 4)
    assert "4 points, 4 done, 0 failed" in status

    collected = ladder(env, "--collect", out)
    assert collected.returncode == 0, collected.stderr

    names = ["000_seed=0_loss=xent", "001_seed=0_loss=logconf", "002_seed=1_loss=xent",
             "003_seed=1_loss=logconf"]
    for name, score in zip(names, [4, 7, 14, 17]):
        nb = json.loads((out / "notebooks" / f"{name}.ipynb").read_text())
        outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
        assert not [o for o in outputs if o["output_type"] == "error"], name
        assert f"score {score}" in "".join(o.get("text", "") for o in outputs), name
        assert (out / "reports" / f"{name}.html").exists()
    with open(out / "summary.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["point"] for r in rows] == names
    assert {r["run"] for r in rows} == {"ok"}
    assert [r["score"] for r in rows] == ["4", "7", "14", "17"]
    assert "4 new records merged" in collected.stderr

    # The four records reached the user's store, each tagged with its sweep and point.
    db = sqlite3.connect(env["LADDER_RUNS"])
    records = [json.loads(r) for (r,) in db.execute("SELECT record FROM runs")]
    db.close()
    assert sorted(r["tags"]["point_name"] for r in records) == names
    assert sorted((r["tags"]["point"]["seed"], r["tags"]["point"]["loss"]) for r in records) == [
        (0, "logconf"), (0, "xent"), (1, "logconf"), (1, "xent")]
    sweep_name = json.loads((out / "sweep.json").read_text())["name"]
    assert {r["tags"]["sweep"] for r in records} == {sweep_name}

    # Collecting again adds nothing.
    again = ladder(env, "--collect", out)
    assert "0 new records merged" in again.stderr


def test_the_weak_to_strong_grid_runs_on_slurm(cluster):
    """notebooks/w2s_point.ipynb over 3 weak sizes × 2 losses × 3 seeds, as the README shows."""
    root, env = cluster
    out = root / "w2s"
    submitted = ladder(env, ROOT / "notebooks" / "w2s_point.ipynb", "-p", "weak_size=1,2,4",
                       "-p", "loss=xent,logconf", "-p", "seed=0..3", "--slurm", "-o", out)
    assert submitted.returncode == 0, submitted.stderr
    assert "#SBATCH --array=0-17" in (out / "sweep.sbatch").read_text()
    wait_until_done(env, out, 18)
    collected = ladder(env, "--collect", out)
    assert collected.returncode == 0, collected.stderr
    with open(out / "summary.csv") as f:
        rows = list(csv.DictReader(f))
    # One weak_to_strong record per point, with its PGR.
    assert len(rows) == 18 and len({r["point"] for r in rows}) == 18
    assert {r["run"] for r in rows} == {"ok"}
    assert {r["record"] for r in rows} == {"weak_to_strong"}
    assert all(r["pgr"] for r in rows)
    assert len(list((out / "notebooks").glob("*.ipynb"))) == 18


def test_a_refused_submission_shows_what_sbatch_said(cluster):
    root, env = cluster
    refused = ladder(env, POINT, "-p", "seed=0..2", "--slurm", "--partition", "nowhere",
                     "-o", root / "refused")
    assert refused.returncode != 0
    assert "sbatch refused the job" in refused.stderr
    assert "invalid partition" in refused.stderr.lower()
