"""Feeds and article pages off the network into the raw archive: the HTTP/file client (client.py), the
feeds file (feeds.py), when to poll (polling.py, plan.py), the per-host scheduler (scheduler.py, hosts.py),
each feed's polling state (state.py), article pages (pages.py), and the whole stage in one process (stage.py)."""
