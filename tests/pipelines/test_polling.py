"""Per-feed schedules on the run's clock: intervals, server hints, backoff with jitter, parking."""

from datetime import datetime, timedelta

import pytest

from pipelines.fetch.polling import FetchPolicy, after_failure, after_success, is_due, jitter, max_age_s, retry_after_s

AS_OF = datetime(2022, 1, 10, 12)
POLICY = FetchPolicy(poll_interval_s=900, max_poll_interval_s=6 * 3600, max_backoff_s=12 * 3600, park_after=4)


def test_success_polls_again_after_the_interval():
    schedule = after_success(POLICY, AS_OF, {})
    assert schedule == after_success(POLICY, AS_OF, {"cache-control": "max-age=60"})  # shorter: ignored
    assert schedule.next_poll_at == AS_OF + timedelta(minutes=15) and schedule.reason == "interval"
    assert schedule.consecutive_failures == 0 and schedule.parked_reason is None


@pytest.mark.parametrize("headers, seconds, reason", [
    ({"cache-control": "public, max-age=3600"}, 3600, "max-age"),
    ({"cache-control": "max-age=604800"}, 6 * 3600, "max-age"),  # capped at max_poll_interval
    ({"cache-control": "no-cache, max-age=3600"}, 900, "interval"),
    ({"expires": "Mon, 10 Jan 2022 14:00:00 GMT", "date": "Mon, 10 Jan 2022 12:00:00 GMT"}, 7200, "max-age"),
    ({"retry-after": "7200"}, 7200, "retry-after"),
])
def test_success_honours_the_servers_freshness_hints(headers, seconds, reason):
    schedule = after_success(POLICY, AS_OF, headers)
    assert (schedule.next_poll_at - AS_OF).total_seconds() == seconds and schedule.reason == reason


def test_retry_after_as_a_date_is_measured_from_the_responses_own_date():
    # a replay: the run's clock is in 2022, the server's Date says when it answered
    headers = {"retry-after": "Wed, 21 Oct 2026 07:30:00 GMT", "date": "Wed, 21 Oct 2026 07:28:00 GMT"}
    assert retry_after_s(headers, AS_OF) == 120
    assert retry_after_s({"retry-after": "soon"}, AS_OF) is None
    assert max_age_s({"cache-control": "no-store"}, AS_OF) == 0


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    delays = []
    for failures_before in range(8):
        s = after_failure(POLICY, AS_OF, "kyiv-wire", failures_before, 500, {}, "HTTP 500")
        backoff = min(900 * 2 ** failures_before, POLICY.max_backoff_s)
        delay = (s.next_poll_at - AS_OF).total_seconds()
        assert backoff / 2 <= delay <= backoff and s.reason == "backoff"
        assert s.consecutive_failures == failures_before + 1
        delays.append(delay)
    assert delays[3] > delays[0] * 3  # it grows
    assert max(delays) <= POLICY.max_backoff_s


def test_jitter_is_reproducible_and_spreads_feeds():
    assert jitter("kyiv-wire", 2, AS_OF) == jitter("kyiv-wire", 2, AS_OF)
    spread = {round(jitter(f"feed-{i}", 2, AS_OF), 3) for i in range(20)}
    assert len(spread) == 20 and all(0 <= j < 1 for j in spread)


def test_retry_after_on_a_failure_wins_over_a_shorter_backoff():
    s = after_failure(POLICY, AS_OF, "f", 0, 429, {"retry-after": "3600"}, "HTTP 429")
    assert s.next_poll_at == AS_OF + timedelta(hours=1) and s.reason == "retry-after"
    huge = after_failure(POLICY, AS_OF, "f", 0, 503, {"retry-after": "99999999"}, "HTTP 503")
    assert huge.next_poll_at == AS_OF + timedelta(seconds=POLICY.max_backoff_s)


def test_parking_after_n_failures_and_at_once_on_410():
    assert after_failure(POLICY, AS_OF, "f", 2, 500, {}, "HTTP 500").parked_reason is None
    parked = after_failure(POLICY, AS_OF, "f", 3, 500, {}, "HTTP 500")
    assert parked.parked_reason == "4 consecutive failures, the last: HTTP 500"
    gone = after_failure(POLICY, AS_OF, "f", 0, 410, {}, "HTTP 410 Gone")
    assert gone.parked_reason.startswith("HTTP 410")


def test_is_due_on_the_runs_clock():
    later = AS_OF + timedelta(minutes=15)
    kwargs = dict(next_poll_at=later, last_attempt_at=AS_OF, parked=False, force=False)
    assert not is_due(as_of=AS_OF, **kwargs)
    assert is_due(as_of=later, **kwargs)
    assert is_due(as_of=AS_OF, **{**kwargs, "force": True})
    assert not is_due(as_of=later, **{**kwargs, "parked": True, "force": True})
    assert is_due(as_of=AS_OF, next_poll_at=None, last_attempt_at=None, parked=False, force=False)
    # a replay of an earlier instant than the last attempt: the later schedule does not apply
    assert is_due(as_of=AS_OF - timedelta(days=30), **kwargs)


def test_policy_from_the_environment():
    policy = FetchPolicy.from_env({"EVENTWATCH_PARK_AFTER": "3", "EVENTWATCH_READ_TIMEOUT_S": "2.5"})
    assert policy.park_after == 3 and policy.read_timeout_s == 2.5 and policy.per_host == FetchPolicy().per_host
    with pytest.raises(ValueError, match="EVENTWATCH_PER_HOST='many' is not a number"):
        FetchPolicy.from_env({"EVENTWATCH_PER_HOST": "many"})
