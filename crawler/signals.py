"""The crawl's own Scrapy signals, apart from the components that send and receive them.

A Scrapy signal is any unique object, sent with ``crawler.signals.send_catch_log``
and received by handlers connected with ``crawler.signals.connect``. Kept in their
own module so that the spider (which sends) and the pipeline (which receives) do
not import each other.
"""

from __future__ import annotations

__all__ = ["crawl_stop", "store_flush", "store_record"]

# Sent by the spider when it needs every buffered item in the store, before it
# reads the store (the answer of a page fetched a while ago); the pipeline writes its batch.
store_flush = object()

# Sent to stop the crawl before its work is done, with ``reason`` (``signal``,
# ``max_time``, ``proxy``) and an optional ``message`` for the user; received by
# crawler.stopper.Stopper, which stops within GOVLINKS_STOP_GRACE seconds.
crawl_stop = object()

# Sent with ``item`` (a Page, a LinkCheck or a SiteDone) by what records outside a
# spider callback (``crawler/shared.py``: answers read from the store, a site done);
# received by the pipeline, as if the spider had yielded it.
store_record = object()
