"""A plain, non-editable install carries the data the code needs and runs the demo from outside the checkout.

The wheel is built from a copy of the working tree (so no stale build/ of the checkout leaks into it) and
installed with `pip install --target` into a bare directory; its dependencies come from this venv. Every
command runs in a directory that holds no seeds/ gazetteer and no dbt project.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

_USER_FILES = {"feeds.yml", "stories.yml"}  # user-facing seeds: their defaults are relative to the cwd
_NOT_SOURCE = {".git", ".venv", "data", "build", "__pycache__", ".pytest_cache", "target", "logs"}


def _tracked(folder: str) -> set[str]:
    """The files of a checkout folder a wheel must carry, relative to the checkout."""
    root = REPO / folder
    return {p.relative_to(REPO).as_posix() for p in root.rglob("*") if p.is_file()
            and not any(part in _NOT_SOURCE or part.startswith(".") for part in p.relative_to(root).parts)}


def _copy_ignore(folder: str, names: list[str]) -> set[str]:
    """What copytree leaves out: generated and environment folders, anywhere."""
    return {n for n in names if n in _NOT_SOURCE or n.endswith(".egg-info")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    """The project built as a wheel and installed into a bare directory, and a working directory elsewhere."""
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"
    shutil.copytree(REPO, source, symlinks=True, ignore=_copy_ignore)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(work / "dist"), str(source)],
                   check=True, capture_output=True, timeout=300)
    wheel = next((work / "dist").glob("eventwatch-*.whl"))
    site = work / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    cwd = work / "elsewhere"
    cwd.mkdir()
    return {"wheel": wheel, "site": site, "cwd": cwd}


def _env(site: Path) -> dict[str, str]:
    """The installed copy first on the path; the venv's site-packages give the dependencies."""
    return {**os.environ, "PYTHONPATH": str(site), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "GX_ANALYTICS_ENABLED": "false"}


def test_the_wheel_carries_the_gazetteer_the_gold_sets_and_the_dbt_project_but_no_user_files(installed):
    with zipfile.ZipFile(installed["wheel"]) as wheel:
        bundled = {name.removeprefix("pipelines/bundled-data/") for name in wheel.namelist()
                   if name.startswith("pipelines/bundled-data/")}
    seeds = {name for name in _tracked("seeds") if not name.startswith("seeds/corpus/")
             and name.removeprefix("seeds/") not in _USER_FILES}
    assert {"seeds/actors.csv", "seeds/gold/passages.yml", "dbt_project/dbt_project.yml"} <= seeds | bundled
    assert bundled == seeds | _tracked("dbt_project")


def test_the_installed_package_finds_its_data_from_any_directory(installed):
    script = (
        "import pipelines, pipelines.transform as t\n"
        "from pipelines import resources\n"
        "from pipelines.extract import load_gazetteer\n"
        "from pipelines.extract.evaluate import load_gold\n"
        "print(pipelines.__file__)\n"
        "print(t.PROJECT_DIR)\n"
        "print(resources.seed('actors.csv'))\n"
        "print(len(load_gazetteer().actors), len(load_gold()))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=installed["cwd"], env=_env(installed["site"]),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    module, project, actors_csv, counts = out.stdout.splitlines()
    site = str(installed["site"].resolve())
    assert module.startswith(site) and project.startswith(site) and actors_csv.startswith(site)
    assert (Path(project) / "dbt_project.yml").is_file() and not Path(project).is_symlink()
    actors, passages = map(int, counts.split())
    assert actors > 50 and passages > 50


def test_the_installed_console_script_runs_the_demo_outside_the_checkout(installed):
    cwd, env = installed["cwd"], _env(installed["site"])
    # the user's files only: a feeds file with the sample corpus beside it, and the stories file
    (cwd / "seeds").mkdir()
    for name in _USER_FILES:
        shutil.copy(REPO / "seeds" / name, cwd / "seeds" / name)
    shutil.copytree(REPO / "seeds" / "corpus", cwd / "seeds" / "corpus")
    eventwatch = str(installed["site"] / "bin" / "eventwatch")
    assert subprocess.run([eventwatch, "--help"], cwd=cwd, env=env, capture_output=True, timeout=120).returncode == 0
    run = subprocess.run([eventwatch, "run", "--as-of", "2022-02-23T12:00:00Z"], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "gates:" in run.stdout and "0 failed" in run.stdout
    with closing(duckdb.connect(str(cwd / "data" / "published" / "eventwatch.duckdb"), read_only=True)) as con:
        talks = con.execute("select status from marts.fct_deadlines where location = 'Geneva' "
                            "and due_start = '2022-01-10'").fetchall()
        actors = con.execute("select count(*) from marts.dim_actors").fetchone()[0]
    assert talks == [("passed",)] and actors > 50
