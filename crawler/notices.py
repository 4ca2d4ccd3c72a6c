"""Count what a user must hear about but not line by line: invalid certificates and
govlinks' own unexpected errors.

Scrapy does not verify certificates (a crawl surveys links, it sends nothing
secret) but logs a warning for each connection to a host whose certificate is not
valid for its name: hundreds of lines on a real crawl. They stay in the log file;
here they are counted per host (``govlinks/tls/invalid_hosts``) for the end
summary. An exception raised while parsing a page or storing an item is a bug of
govlinks: its traceback goes to the log file, the console gets one line the first
time, and the summary counts them (``govlinks/unexpected_errors``).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals

from crawler.console import CONSOLE

__all__ = ["TLS_LOGGER", "Notices"]

TLS_LOGGER = "scrapy.core.downloader.tls"


class _CertificateCounter(logging.Filter):
    def __init__(self, stats: Any) -> None:
        super().__init__()
        self.stats = stats
        self.hosts: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if "certificate" in str(record.msg).lower():
            self.stats.inc_value("govlinks/tls/certificate_warnings")
            host = str(record.args[0]) if isinstance(record.args, tuple) and record.args else ""
            if host not in self.hosts:
                self.hosts.add(host)
                self.stats.set_value("govlinks/tls/invalid_hosts", len(self.hosts))
        return True  # still written to the log file


class Notices:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.certificates = _CertificateCounter(crawler.stats)
        self.log_file = crawler.settings.get("GOVLINKS_LOG_FILE")

    @classmethod
    def from_crawler(cls, crawler: Any) -> Notices:
        ext = cls(crawler)
        logging.getLogger(TLS_LOGGER).addFilter(ext.certificates)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def _unexpected(self, what: str, failure: Any) -> None:
        stats = self.crawler.stats
        stats.inc_value("govlinks/unexpected_errors")
        if stats.get_value("govlinks/unexpected_errors") == 1:
            where = f"details in {self.log_file}" if self.log_file else "run with --log-file for details"
            error = failure.value if hasattr(failure, "value") else failure
            CONSOLE.error("unexpected error %s (%s: %s); %s", what, type(error).__name__, error, where)

    def spider_error(self, failure: Any, response: Any, spider: Any) -> None:
        self._unexpected(f"while parsing {response.url}", failure)

    def item_error(self, item: Any, response: Any, spider: Any, failure: Any) -> None:
        self._unexpected(f"while storing the page {getattr(item, 'url', '')}", failure)

    def spider_closed(self, spider: Any) -> None:
        logging.getLogger(TLS_LOGGER).removeFilter(self.certificates)
