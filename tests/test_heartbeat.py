"""The crawl's heartbeat (crawler/heartbeat.py) on both backends, on a test clock."""

from __future__ import annotations

import pytest
import scrapy
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler
from twisted.internet.task import Clock

from crawler.heartbeat import Heartbeat
from crawler.store import Store
from tests.test_store import new_crawl


def test_the_heartbeat_renews_the_crawl_row_until_the_spider_closes(db_target: str) -> None:
    with Store.open(db_target, create=True) as store:
        crawl_id = new_crawl(store)
        store._conn.execute("UPDATE crawls SET heartbeat_at = 0 WHERE id = ?", (crawl_id,))
    crawler = get_crawler(scrapy.Spider, {"GOVLINKS_DB": db_target, "GOVLINKS_CRAWL_ID": crawl_id,
                                          "GOVLINKS_HEARTBEAT_SECONDS": 5})  # fmt: skip
    ext = Heartbeat.from_crawler(crawler)
    ext.clock = Clock()
    ext.spider_opened(None)  # beats at once
    with Store.open(db_target) as store:
        first = store.crawl(crawl_id).heartbeat_at
        assert first > 0 and store.crawl(crawl_id).state == "running"
    ext.clock.advance(5)
    ext.clock.advance(5)
    assert crawler.stats.get_value("govlinks/heartbeat/beats") == 3
    with Store.open(db_target) as store:
        assert store.crawl(crawl_id).heartbeat_at >= first
    ext.spider_closed(None)
    assert not ext.loop.running


def test_workers_of_a_joined_crawl_do_not_beat_for_it(db_target: str) -> None:
    """crawl --join: the heartbeat says the crawl's own machine lives, which joined workers watch."""
    crawler = get_crawler(scrapy.Spider, {"GOVLINKS_DB": db_target, "GOVLINKS_CRAWL_ID": 1,
                                          "GOVLINKS_JOINED": True})  # fmt: skip
    with pytest.raises(NotConfigured, match="a worker of crawl --join"):
        Heartbeat.from_crawler(crawler)
