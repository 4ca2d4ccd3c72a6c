"""Every request the crawl asks again is named in its log (tests/conftest.py credits those lines)."""

from __future__ import annotations

import logging

import pytest
from scrapy.http import Request
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionLost, DNSLookupError

from crawler.backoff import BackoffMiddleware
from tests.conftest import asked_again


@pytest.mark.parametrize(
    ("exception", "why"),
    [(ConnectionLost(), "connection lost"), (DNSLookupError(), "host name not found")],
)
def test_a_retried_failure_is_named_in_the_log(
    caplog: pytest.LogCaptureFixture, exception: Exception, why: str
) -> None:
    middleware = BackoffMiddleware(get_crawler(settings_dict={"RETRY_TIMES": 2}))
    url = "http://emploi-demo.gouv.fr/offres/1"
    with caplog.at_level(logging.INFO, logger="crawler.backoff"):
        middleware.process_exception(Request(url), exception)
        # the last try: Scrapy gives up, nothing is asked again
        middleware.process_exception(Request(url, meta={"retry_times": 2}), exception)
        middleware.process_exception(Request(url, meta={"dont_retry": True}), exception)
    said = [r.getMessage() for r in caplog.records if r.name == "crawler.backoff"]
    assert said == [f"GET {url}: {why}, asking again"]
    line = f"2026-12-02 08:00:00,000 [crawler.backoff] INFO: {said[0]}"
    assert asked_again(line) == {("GET", url): 1}
