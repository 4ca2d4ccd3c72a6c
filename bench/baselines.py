"""Minimal Scrapy spiders, the baselines of bench/crawl.py.

Run with ``scrapy runspider bench/baselines.py -a mode=link|page|follow -a seeds=FILE``.
All follow links within the host of the page (like govlinks, which stays on
each seed site) and use Scrapy's stock link handling; they differ only in what
they yield:

- ``link``: one item per hyperlink (the naive way to record a link graph);
- ``page``: one item per page with its links, stored nowhere;
- ``follow``: no item at all, only the links it follows: Scrapy's own ceiling on
  one core, what ``bench/workers.py`` compares several govlinks workers with.
"""

from __future__ import annotations

import csv
from typing import Any
from urllib.parse import urlsplit

import scrapy


class Baseline(scrapy.Spider):
    name = "baseline"

    def __init__(self, mode: str = "page", seeds: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mode = mode
        with open(seeds, encoding="utf-8") as fh:
            self.start_urls = [row["url"] for row in csv.DictReader(fh)]

    def parse(self, response: scrapy.http.Response) -> Any:
        if not isinstance(response, scrapy.http.HtmlResponse):
            return
        host = urlsplit(response.url).hostname
        links = [response.urljoin(h) for h in response.css("a::attr(href)").getall()]
        if self.mode == "link":
            for link in links:
                yield {"from": response.url, "to": link}
        elif self.mode == "page":
            yield {"url": response.url, "links": links}
        for link in links:
            if urlsplit(link).hostname == host:
                yield scrapy.Request(link, callback=self.parse)
