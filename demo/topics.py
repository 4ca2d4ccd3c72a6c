"""Topical text of the demo web: what its pages say, and the words around their links.

The pages of a site read like its topics: their paragraphs are made of the
phrases of its themes and life events (``demo/topic_words.py``), with a few of
the administrative sentences every page shares; a site without theme or life
event speaks of its own missions, and the hub of every theme. A content link to
another seed site is introduced by a few words about the *target's* topic
("Pour en savoir plus sur le bail de location :"), as editors write them.

A planted *off-topic* link (``demo/offtopic.py``) is the same link (same URL,
same place, so the site graph does not change) whose anchor and introduction
speak of the *source's* topic, not the target's.
"""

from __future__ import annotations

import html
import random
import zlib
from functools import lru_cache
from typing import TYPE_CHECKING

from demo.topic_words import GENERIC_TOPIC, TOPIC_PHRASES
from demo.vocab import sentences

if TYPE_CHECKING:
    from demo.pages import Link, SiteSpec, WebSpec

__all__ = ["lead_in", "off_topic_anchor", "paragraphs", "topic_keys"]

_VERBS = (
    "dépend de", "est précisé par", "concerne aussi", "ouvre droit à", "est lié à",
    "peut être demandé avec", "s'accompagne de", "est examiné en même temps que", "renvoie à",
    "se prépare avant",
)  # fmt: skip


def topic_keys(spec: WebSpec, site: SiteSpec) -> tuple[str, ...]:
    """The topics a site's pages speak of: its themes and life events; every theme for the hub."""
    if site.index == spec.hub:
        return tuple(k for k in TOPIC_PHRASES if k.startswith("N"))
    return tuple(k for k in (*site.themes, *site.life_events) if k in TOPIC_PHRASES)


@lru_cache(maxsize=256)
def _phrases(keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p for k in keys for p in TOPIC_PHRASES[k]) or GENERIC_TOPIC


@lru_cache(maxsize=256)
def _pool(keys: tuple[str, ...], seed: int) -> tuple[str, ...]:
    """48 HTML-escaped paragraphs about ``keys``: topical sentences and one shared one."""
    phrases = _phrases(keys)
    rng = random.Random(f"{seed}/{'|'.join(keys)}")
    pool = []
    for k in range(48):
        said = []
        for _ in range(3 + k % 3):
            subject, obj = rng.sample(phrases, 2)
            said.append(f"{subject[0].upper()}{subject[1:]} {rng.choice(_VERBS)} {obj}.")
        said.insert(rng.randrange(len(said) + 1), sentences(1, seed * 1000 + k * 13)[0])
        pool.append(html.escape(" ".join(said), quote=False))
    return tuple(pool)


def paragraphs(spec: WebSpec, site: SiteSpec) -> tuple[str, ...]:
    """The paragraphs a site's pages draw their text from (HTML-escaped)."""
    return _pool(topic_keys(spec, site), spec.seed)


def _pick(options: tuple[str, ...], key: str) -> str:
    """A stable choice: the same key gives the same phrase, without drawing from the page's rng."""
    return options[zlib.crc32(key.encode("utf-8")) % len(options)]


def off_topic_anchor(spec: WebSpec, source: SiteSpec, url: str) -> str:
    """The anchor of a planted off-topic link: a phrase of the source's topics."""
    phrase = _pick(_phrases(topic_keys(spec, source)), url)
    return phrase[0].upper() + phrase[1:]


def lead_in(spec: WebSpec, site: SiteSpec, link: Link) -> str:
    """HTML before a content link to another seed site: words about the target's topic ('' else).

    About the source's topic when the link is planted off-topic.
    """
    if link.target < 0 or link.region != "main":
        return ""
    about = site if link.off_topic else spec.sites[link.target]
    phrase = _pick(_phrases(topic_keys(spec, about)), link.url + link.text)
    return html.escape(f"Pour en savoir plus sur {phrase} : ", quote=False)
