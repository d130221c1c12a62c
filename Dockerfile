# The eventwatch image for docker-compose.yml: Airflow 3 with the pinned stack and the project.
FROM python:3.11-slim-bookworm

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    GX_ANALYTICS_ENABLED=false \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/eventwatch/dags \
    EVENTWATCH_DATA_DIR=/data \
    EVENTWATCH_FEEDS=/opt/eventwatch/seeds/feeds.yml

WORKDIR /opt/eventwatch
COPY requirements.txt constraints.txt pyproject.toml README.md ./
RUN pip install --no-cache-dir --only-binary=:all: -r requirements.txt -c constraints.txt psycopg2-binary
COPY pipelines pipelines
COPY expectations expectations
COPY dags dags
COPY dbt_project dbt_project
COPY seeds seeds
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e .

RUN useradd --create-home --uid 50000 eventwatch && mkdir -p /data /opt/airflow && chown -R eventwatch /data /opt/airflow
USER eventwatch
