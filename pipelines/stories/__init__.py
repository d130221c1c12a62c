"""Stories and their alerts: the stories file (file.py), scoring articles against it (score.py), and
queueing and delivering the alerts dbt derives (alerts.py)."""
