"""Every file in dags/ imports cleanly and wires the stages as the design says, operably."""

import ast
from datetime import timedelta

import pytest

from tests.dags.conftest import REPO

DAG_IDS = ["ingest", "maintenance", "transform"]


@pytest.fixture(scope="module")
def bag(airflow_home):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags"))


def test_every_dag_file_imports_without_error(bag):
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == DAG_IDS
    files = {dag.fileloc for dag in bag.dags.values()}
    assert files == {str(p) for p in (REPO / "dags").glob("*.py")}


def test_ingest_fans_out_per_feed_and_updates_the_asset(bag):
    dag = bag.get_dag("ingest")
    assert dag.doc_md and "ingest" in dag.doc_md
    assert [t.task_id for t in dag.topological_sort()] == ["plan", "fetch_feed", "load", "recheck_pages", "gate"]
    fetch = dag.get_task("fetch_feed")
    assert type(fetch).__name__.endswith("MappedOperator")
    assert "feed_id" in fetch.map_index_template  # the grid names each mapped fetch by its feed
    assert [a.uri for a in dag.get_task("gate").outlets] == ["eventwatch://raw/entries"]
    writers = {t.task_id for t in dag.tasks if t.pool == "eventwatch_duckdb"}
    assert writers == {"plan", "load", "recheck_pages", "gate"}  # fetch touches no database


def test_transform_is_scheduled_on_the_asset_and_every_task_is_a_writer(bag):
    dag = bag.get_dag("transform")
    assert "eventwatch://raw/entries" in str(dag.timetable.asset_condition)
    assert [t.task_id for t in dag.topological_sort()] == ["extract", "gate_extractions", "dbt_build", "gate_marts", "publish",
                                                             "alerts"]
    assert all(t.pool == "eventwatch_duckdb" for t in dag.tasks)


def test_publish_updates_the_published_asset(bag):
    outlets = bag.get_dag("transform").get_task("publish").outlets
    assert [(a.name, a.uri) for a in outlets] == [("eventwatch_published", "eventwatch://published/snapshot")]


@pytest.mark.parametrize("dag_id, params", [("ingest", {"as_of": None, "feeds": None, "force": False}),
                                            ("transform", {"full_refresh": False, "as_of": None})])
def test_params_are_declared_for_the_trigger_form(bag, dag_id, params):
    from airflow.sdk import Param

    dag = bag.get_dag(dag_id)
    assert dict(dag.params) == params
    for name in params:
        param = dag.params.get_param(name)
        assert isinstance(param, Param) and param.description and param.schema.get("type")


def test_params_validate_what_a_trigger_sends(bag):
    from airflow.sdk.definitions.param import ParamsDict

    params = ParamsDict(bag.get_dag("transform").params)
    params.update({"full_refresh": True})
    assert params.validate()["full_refresh"] is True
    with pytest.raises(Exception, match="full_refresh"):
        bad = ParamsDict(bag.get_dag("transform").params)
        bad.update({"full_refresh": "yes please"})
        bad.validate()


@pytest.mark.parametrize("dag_id", DAG_IDS)
def test_every_task_has_an_owner_retries_with_backoff_and_a_timeout(bag, dag_id):
    for task in bag.get_dag(dag_id).tasks:
        assert task.owner == "eventwatch", task.task_id
        assert task.retries >= 1 and task.retry_exponential_backoff, task.task_id
        assert task.max_retry_delay is not None, task.task_id
        # a hung writer must not hold the one-slot pool forever
        assert task.execution_timeout is not None and task.execution_timeout <= timedelta(hours=1), task.task_id


def test_gates_fail_without_retrying():
    from airflow.sdk.exceptions import AirflowFailException

    from pipelines.gates import GateFailed
    from pipelines.orchestration import gate_fails_fast

    with pytest.raises(AirflowFailException, match="blocked"), gate_fails_fast():
        raise GateFailed("marts blocked")
    with pytest.raises(OSError), gate_fails_fast():  # anything else stays retryable
        raise OSError("disk busy")


def test_maintenance_is_daily_and_all_its_jobs_are_writers(bag):
    dag = bag.get_dag("maintenance")
    assert dag.doc_md and "orphan" in dag.doc_md and "CHECKPOINT" in dag.doc_md
    assert dag.schedule == "@daily"
    assert [t.task_id for t in dag.topological_sort()] == ["archive", "checkpoint", "feed_health"]
    assert all(t.pool == "eventwatch_duckdb" for t in dag.tasks)


def _task_bodies(path):
    """(task name, its imports, the statements of its body without them) for every @task in a DAG file."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any("task" in ast.unparse(d) for d in node.decorator_list):
            imports = [s for s in node.body if isinstance(s, (ast.Import, ast.ImportFrom))]
            yield node.name, imports, [s for s in node.body if s not in imports]


@pytest.mark.parametrize("path", sorted((REPO / "dags").glob("*.py")), ids=lambda p: p.name)
def test_dag_files_are_wiring_only(path):
    """Each task is one statement calling a pipelines.stages function, importing only stages and orchestration
    (no internals of a stage); heavy imports wait for the task to run."""
    tree = ast.parse(path.read_text())
    top_imports = {alias.name.split(".")[0] for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
                   for alias in ([ast.alias(node.module)] if isinstance(node, ast.ImportFrom) else node.names)}
    assert top_imports <= {"__future__", "os", "pendulum", "airflow", "pipelines"}
    bodies = {name: (imports, body) for name, imports, body in _task_bodies(path)}
    assert bodies
    for name, (imports, body) in bodies.items():
        assert len(body) == 1, f"{path.name}:{name} holds logic; move it to pipelines/"
        assert "stages." in ast.unparse(body[0]), f"{path.name}:{name} calls no stage"
        assert all(ast.unparse(i) == "from pipelines import orchestration as o, stages" for i in imports), \
            f"{path.name}:{name} reaches into a stage's internals; call pipelines.stages"
