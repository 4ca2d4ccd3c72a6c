"""The crawl's heartbeat (crawler/heartbeat.py) on both backends, on a test clock."""

from __future__ import annotations

import threading
import time
from typing import Any

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


def test_the_closing_process_beats_while_it_closes_the_crawl(db_target: str, monkeypatch: Any) -> None:
    """Once the workers have ended no one else beats, and closing a large crawl can outlast
    STALE_AFTER: on PostgreSQL the closing process beats on a connection of its own, not
    held behind finish_crawl's transaction (which writes the crawl's row last). Read from
    a third connection half-way through a slow close. On SQLite it does not beat (the pid
    tells a live process, and only this machine reads the file)."""
    from crawler.run import closing_beat
    from crawler.store import lifecycle

    with Store.open(db_target, create=True) as store:
        crawl_id = new_crawl(store)
        store._conn.execute("UPDATE crawls SET heartbeat_at = 0 WHERE id = ?", (crawl_id,))
    summarise = lifecycle.summarise_site_links

    def slow_summary(conn: Any, crawl: int) -> None:  # a long close: its site-pair aggregates
        summarise(conn, crawl)
        time.sleep(2.0)

    monkeypatch.setattr(lifecycle, "summarise_site_links", slow_summary)
    seen: list[tuple[str, float | None]] = []

    def look() -> None:
        time.sleep(0.5)
        with Store.open(db_target) as other:
            info = other.crawl(crawl_id)
            seen.append((info.status, info.heartbeat_at))

    reader = threading.Thread(target=look)
    with Store.open(db_target) as store, closing_beat(db_target, crawl_id, interval=0.1):
        reader.start()
        info = store.finish_crawl(crawl_id, status="finished")
    reader.join()
    assert info.status == "finished" and len(seen) == 1
    status, beat = seen[0]
    assert status == "running"  # the close is not committed yet
    if db_target.startswith("postgresql"):
        assert beat is not None and beat > 0
    else:
        assert beat == 0
