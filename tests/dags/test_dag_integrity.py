"""Every file in dags/ imports cleanly and wires the stages as the design says."""

from tests.dags.conftest import REPO


def _dagbag(airflow_home):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags"))


def test_every_dag_file_imports_without_error(airflow_home):
    bag = _dagbag(airflow_home)
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == ["ingest", "transform"]
    files = {dag.fileloc for dag in bag.dags.values()}
    assert files == {str(p) for p in (REPO / "dags").glob("*.py")}


def test_ingest_fans_out_per_feed_and_updates_the_asset(airflow_home):
    dag = _dagbag(airflow_home).get_dag("ingest")
    assert dag.doc_md and "ingest" in dag.doc_md
    assert [t.task_id for t in dag.topological_sort()] == ["plan", "fetch_feed", "load", "gate"]
    assert type(dag.get_task("fetch_feed")).__name__.endswith("MappedOperator")
    assert [a.uri for a in dag.get_task("gate").outlets] == ["eventwatch://raw/entries"]
    writers = {t.task_id for t in dag.tasks if t.pool == "eventwatch_duckdb"}
    assert writers == {"plan", "load", "gate"}  # fetch touches no database


def test_transform_is_scheduled_on_the_asset_and_every_task_is_a_writer(airflow_home):
    dag = _dagbag(airflow_home).get_dag("transform")
    assert "eventwatch://raw/entries" in str(dag.timetable.asset_condition)
    assert [t.task_id for t in dag.topological_sort()] == ["extract", "gate_extractions", "dbt_build", "gate_marts", "publish",
                                                             "alerts"]
    assert all(t.pool == "eventwatch_duckdb" for t in dag.tasks)
