"""An offline government web: a generator of synthetic sites and a local server for them.

``demo.server`` answers HTTP (and HTTPS through ``CONNECT``) as a forward proxy on
127.0.0.1, routing by host name, so that crawlers reach real-looking URLs with
``http_proxy``/``https_proxy`` set and never touch the network. ``demo.generate``
writes a synthetic web (its spec, a seed list and the ground truth the crawl and
the report must find); ``demo.web`` renders it on request.
"""
