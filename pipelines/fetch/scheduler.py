"""Fetch and archive: one conditional fetch per plan, its body stored content-addressed before anything
parses it, many at once with a per-host limit. Touches no database."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from urllib.parse import urlparse

from pipelines.fetch.client import fetch
from pipelines.fetch.plan import ArchivedFetch, FetchPlan
from pipelines.settings import Settings
from pipelines.store import archive
from pipelines.store.archive import ArchiveError


def fetch_and_archive(plan: FetchPlan, settings: Settings) -> ArchivedFetch:
    """Fetch one feed and archive its body; touches no database, so many run at once."""
    result = fetch(plan.url, etag=plan.etag, last_modified=plan.last_modified, policy=settings.fetch_policy,
                   listed_url=plan.configured_url or plan.url)  # the feeds file's URL is the trusted one
    digest, error = None, result.error
    if result.body is not None:
        try:
            digest = archive.store(settings.archive_dir, result.body)
        except OSError as exc:  # our disk, not the feed: stop the run rather than blame the feed
            raise ArchiveError(f"cannot archive the body of feed {plan.feed_id}: {exc}") from exc
    return ArchivedFetch(plan.feed_id, plan.url, result.http_status, result.headers, error, result.duration_ms,
                         digest, len(result.body) if result.body is not None else None, result.final_url,
                         result.redirects, result.permanent_url, result.not_modified, plan.configured_url,
                         plan.forced)


def _host(url: str) -> str | None:
    """The politeness key of a URL: its host name (None for local files, which need no limit)."""
    parsed = urlparse(url)
    return (parsed.hostname or "").lower() if parsed.scheme in ("http", "https") else None


def fetch_concurrently(plans: list[FetchPlan], settings: Settings) -> Iterator[ArchivedFetch]:
    """Fetch and archive every plan, at most `per_host` at once per host, yielding each as it completes."""
    policy = settings.fetch_policy
    queues: dict[str | None, deque] = {}
    for plan in plans:
        queues.setdefault(_host(plan.url), deque()).append(plan)
    running: Counter = Counter()
    with ThreadPoolExecutor(max_workers=max(1, policy.max_parallel)) as pool:
        futures: dict = {}

        def fill() -> None:
            # round robin over hosts, so one slow host's backlog never holds a thread another host needs
            progress = True
            while progress and len(futures) < policy.max_parallel:
                progress = False
                for host, queue in queues.items():
                    limit = policy.max_parallel if host is None else max(1, policy.per_host)
                    if queue and running[host] < limit and len(futures) < policy.max_parallel:
                        plan = queue.popleft()
                        running[host] += 1
                        futures[pool.submit(fetch_and_archive, plan, settings)] = host
                        progress = True

        fill()
        while futures:
            done, _ = wait(futures, return_when=FIRST_COMPLETED)
            for future in done:
                running[futures.pop(future)] -= 1
                yield future.result()
            fill()
