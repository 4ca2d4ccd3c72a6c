"""Are links about the right topics? The relevance of content links between seed sites.

A link carries its reader along a journey when what the linking page says around
it is about what the target page is about. For each link from the content of a
page to another seed site (template links of headers, menus and footers are left
out: the same on every page, they say nothing about one page), govlinks compares

- the *source context*: the link's own words (anchor and the text of its
  paragraph, list item or cell, ``links.context``), and the text profile of the
  linking page, weighted :data:`PAGE_WEIGHT`;
- the *target profile*: the text profile of the target page when the crawl
  fetched it, else that of the target site's homepage;

as TF-IDF vectors of French word stems (:mod:`graphs.french`; the words of a
profile's title count three times, of its description and headings twice:
:data:`FIELD_WEIGHTS`; sublinear term frequency, smoothed inverse document
frequency over the crawl's page profiles, each part L2-normalised). Their
cosine, from 0 (no content word in common) to 1, is the link's *similarity*; a
link is *relevant* when it reaches the threshold
(``FindingsConfig.relevance_threshold``). Links whose target site has no profile
at all (not crawled) are not scored. Per pair of sites and per site, the share of
scored links that are relevant, outbound and inbound.

Why TF-IDF: it needs no model to download, scores the 650,000 content links of
a 650-site crawl in about half a minute (bench/RESULTS.md), and its figures can be
explained to an analyst (which words two texts share). What was measured on the
demo webs of seeds 1 to 3 (the worst of precision and recall over the three, at
the best threshold of each variant):
plain profiles 0.91; fields weighted as above 0.97; the linking page at weight 0,
0.25, 0.5, 1: 0.97, 0.97, 0.96, 0.92; inverse document frequency without its +1
(words on every page weigh nothing) 0.88. At 0.5 and 0.10, precision and recall
stay >= 0.92 on each of the webs of seeds 1 to 8 (README, *Relevance of links*;
``tests/test_relevance.py``).

:func:`score_links` is pure (frames in, :class:`Relevance` out); :func:`load_relevance`
is the one function that reads a store.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals
from scipy import sparse

from graphs.french import stems
from graphs.i18n import _

if TYPE_CHECKING:
    from crawler.store import Store

__all__ = [
    "FIELD_WEIGHTS",
    "PAGE_WEIGHT",
    "RELEVANCE_COLUMNS",
    "RELEVANCE_FLOATS",
    "Relevance",
    "load_relevance",
    "relevance_dict",
    "relevance_line",
    "score_links",
    "similarities",
    "site_figures",
]

PAGE_WEIGHT = 0.5  # weight of the linking page's profile beside the link's own words
# Per-site figures, columns of Analysis.sites and of the report's metrics.
RELEVANCE_COLUMNS = (
    "out_scored", "out_relevant", "out_relevant_share", "in_scored", "in_relevant", "in_relevant_share",
)  # fmt: skip
RELEVANCE_FLOATS = frozenset({"out_relevant_share", "in_relevant_share"})
_LINK_COLUMNS = ["source_site", "source_norm", "target_site", "target_norm", "target_url", "anchor"]
# Text columns of the links kept as categoricals: each value is repeated on many links.
_TEXT_COLUMNS = (*_LINK_COLUMNS, "context")
_EXAMPLES = 3  # off-topic links shown per site
_CHUNK = 20_000  # links scored at once: the rows gathered for them stay a few tens of MB


@dataclass
class Relevance:
    """The relevance of a crawl's content links between seed sites.

    ``links``: one row per scored link (``source_site``, ``source_norm``,
    ``target_site``, ``target_norm``, ``target_url``, ``anchor``, ``similarity``,
    ``relevant``). ``edges``: per linked pair (``source``, ``target``, ``scored``,
    ``relevant``, ``similarity``: the mean). ``sites``: per site, index = site id,
    :data:`RELEVANCE_COLUMNS` and ``examples`` (a few off-topic links, in words).
    ``unscored``: content links whose target site has no text profile.
    """

    links: pd.DataFrame
    edges: pd.DataFrame
    sites: pd.DataFrame
    threshold: float
    unscored: int = 0

    def summary(self) -> dict[str, Any]:
        scored = len(self.links)
        relevant = int(self.links["relevant"].sum()) if scored else 0
        return {
            "threshold": self.threshold,
            "page_weight": PAGE_WEIGHT,
            "scored": scored,
            "relevant": relevant,
            "relevant_share": relevant / scored if scored else None,
            "unscored": self.unscored,
        }


# How many times the words of each line of a profile count: title, description,
# headings, then the main text. What a page is about is said first in its title and
# headings, and an anchor usually names the title of the page it points to.
FIELD_WEIGHTS = (3, 2, 2, 1)


def _profile_terms(text: str) -> Counter[str]:
    """Stem counts of a profile (crawler/profile.py: one line per field), fields weighted."""
    lines = text.split("\n", 3)
    counts: Counter[str] = Counter(stems(lines[-1])) if len(lines) == 4 else Counter()
    for k, line in enumerate(lines[:3]):
        weight = FIELD_WEIGHTS[k]
        for term in stems(line):
            counts[term] += weight
    return counts


class _Rows:
    """Term counts of texts, one row each, as the arrays of a sparse matrix.

    Arrays, not a dict per text: 65,000 profiles of ~150 terms weigh ~80 MB as dicts
    of Python ints, ~8 MB here.
    """

    def __init__(self) -> None:
        self.indices = array("l")
        self.counts = array("l")
        self.indptr = array("l", [0])

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def append(self, counts: dict[int, int]) -> int:
        self.indices.extend(counts)
        self.counts.extend(counts.values())
        self.indptr.append(len(self.indices))
        return len(self) - 1

    def matrix(self, idf: np.ndarray) -> sparse.csr_matrix:
        """TF-IDF rows (1 + log tf), each of unit length (zero rows stay zero), plus one zero row."""
        indptr = np.append(np.frombuffer(self.indptr, dtype=np.int64), len(self.indices))
        indices = np.frombuffer(self.indices, dtype=np.int64).astype(np.int32)
        data = (1.0 + np.log(np.frombuffer(self.counts, dtype=np.int64))) * idf[indices]
        lengths = np.diff(indptr)
        norms = np.sqrt(np.bincount(np.repeat(np.arange(len(lengths)), lengths), data * data, len(lengths)))
        norms[norms == 0] = 1.0
        data /= np.repeat(norms, lengths)  # in place: no second copy of the matrix
        return sparse.csr_matrix((data, indices, indptr.astype(np.int32)), shape=(len(lengths), len(idf)))


class _Corpus:
    """Term ids and document frequencies of the page profiles, and the counts of the pages kept."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.df: list[int] = []
        self.docs = 0
        self.rows = _Rows()  # term counts of the pages kept, in row order

    def add(self, text: str, keep: bool) -> int:
        """Count a page profile in; return its row (-1 when not kept)."""
        counts: dict[int, int] = {}
        vocab, df = self.vocab, self.df
        for term, n in _profile_terms(text).items():
            j = vocab.get(term)
            if j is None:
                j = vocab[term] = len(df)
                df.append(0)
            df[j] += 1
            counts[j] = n
        self.docs += 1
        return self.rows.append(counts) if keep else -1

    def counts(self, text: str) -> dict[int, int]:
        """Term counts of a text outside the corpus (words the profiles never use are dropped)."""
        vocab = self.vocab
        found = Counter(vocab[t] for t in stems(text) if t in vocab)
        return dict(found)

    def idf(self) -> np.ndarray:
        df = np.asarray(self.df, dtype=np.float64)
        return np.log((1.0 + self.docs) / (1.0 + df)) + 1.0


def _rowdot(a: sparse.csr_matrix, b: sparse.csr_matrix) -> np.ndarray:
    return np.asarray(a.multiply(b).sum(axis=1)).ravel()


def similarities(
    link_vectors: sparse.csr_matrix,
    source_vectors: sparse.csr_matrix,
    target_vectors: sparse.csr_matrix,
    page_weight: float = PAGE_WEIGHT,
) -> np.ndarray:
    """Cosine of (link words + ``page_weight`` × linking page) with the target, row by row.

    Every input row is of unit length or zero. The combined source vector is
    normalised from the dot products, without being built.
    """
    w = page_weight
    lt, st, ls = (_rowdot(link_vectors, target_vectors), _rowdot(source_vectors, target_vectors),
                  _rowdot(link_vectors, source_vectors))  # fmt: skip
    ll, ss = _rowdot(link_vectors, link_vectors), _rowdot(source_vectors, source_vectors)
    norm = np.sqrt(np.maximum(ll + w * w * ss + 2 * w * ls, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.where(norm > 0, (lt + w * st) / norm, 0.0)
    return np.clip(sim, 0.0, 1.0)


def _compact(links: pd.DataFrame | Iterable[pd.DataFrame]) -> pd.DataFrame:
    """One frame of links whose text columns are categoricals (650,000 links: 46 MB, not 290)."""
    frames = [links] if isinstance(links, pd.DataFrame) else links
    parts = [f.astype({c: "category" for c in _TEXT_COLUMNS}) for f in frames]
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="category") for c in _TEXT_COLUMNS}).assign(source_page=0)
    columns: dict[str, Any] = {}
    for c in parts[0].columns:
        if c in _TEXT_COLUMNS:
            columns[c] = union_categoricals(
                [p[c].astype(object).astype("category") for p in parts], sort_categories=True
            )  # sorted, as one frame's categories are: groups and ties in the same order
        else:
            columns[c] = np.concatenate([p[c].to_numpy() for p in parts])
    return pd.DataFrame(columns)


def score_links(
    links: pd.DataFrame | Iterable[pd.DataFrame],
    profiles: pd.DataFrame | Iterable[pd.DataFrame],
    *,
    threshold: float,
    page_weight: float = PAGE_WEIGHT,
) -> Relevance:
    """Score content links against page profiles (pure: frames in, :class:`Relevance` out).

    Parameters
    ----------
    links : DataFrame or iterable of DataFrames
        ``Reads.text_links``: source_page, source_norm, source_site, target_site,
        target_norm, target_url, anchor, context.
    profiles : DataFrame or iterable of DataFrames
        ``Reads.page_profiles``: page_id, site, kind, norm, final_norm, depth, profile.
        Every profile counts in the document frequencies; the vectors of the pages
        the links need are kept. A site's homepage is its page of kind ``page`` at depth 0.
    threshold : float
        Similarity from which a link is relevant.

    Examples
    --------
    >>> profiles = pd.DataFrame({"page_id": [1, 2, 3], "site": ["a", "b", "c"], "kind": "page",
    ...     "norm": ["a/", "b/", "c/"], "final_norm": ["a/", "b/", "c/"], "depth": 0, "profile": [
    ...     "Emploi : offres d'emploi et contrats de travail", "Logement : bail et loyer du logement",
    ...     "Pêche : la carte de pêche en rivière"]})
    >>> links = pd.DataFrame({"source_page": [1, 2], "source_norm": ["a/", "b/"],
    ...     "source_site": ["a", "b"], "target_site": ["b", "c"], "target_norm": ["b/", "b/x"],
    ...     "target_url": ["https://b/", "https://c/x"], "anchor": ["Le bail du logement", "Le loyer"],
    ...     "context": [None, "Pour payer votre loyer"]})
    >>> r = score_links(links, profiles, threshold=0.1)
    >>> r.links[["source_site", "target_site", "relevant"]].values.tolist()
    [['a', 'b', True], ['b', 'c', False]]
    >>> [int(r.sites.at["b", c]) for c in ("in_scored", "in_relevant", "out_scored", "out_relevant")]
    [1, 1, 1, 0]
    """
    links = _compact(links)
    frames = [profiles] if isinstance(profiles, pd.DataFrame) else profiles
    sources = set(links["source_page"])
    wanted_norms = set(links["target_norm"])
    corpus = _Corpus()
    row_of: dict[int, int] = {}
    by_norm: dict[str, int] = {}
    by_final: dict[str, int] = {}
    home: dict[str, int] = {}
    for frame in frames:
        columns = ("page_id", "site", "kind", "norm", "final_norm", "depth", "profile")
        for page_id, site, kind, norm, final_norm, depth, text in zip(
            *(frame[c].tolist() for c in columns), strict=True
        ):  # lists, not the frame's rows: ~10x faster over Arrow-backed strings
            is_home = kind == "page" and depth == 0
            in_targets = norm in wanted_norms or final_norm in wanted_norms
            row = corpus.add(text or "", keep=page_id in sources or in_targets or is_home)
            if row < 0:
                continue
            row_of[page_id] = row
            if norm in wanted_norms:
                by_norm.setdefault(norm, row)
            if final_norm in wanted_norms:
                by_final.setdefault(final_norm, row)
            if is_home:
                home.setdefault(site, row)

    zero = len(corpus.rows)  # the zero row of the page matrix
    targets = np.asarray(
        [
            by_norm.get(n, by_final.get(n, home.get(s, -1)))
            for n, s in zip(links["target_norm"].tolist(), links["target_site"].tolist(), strict=True)
        ],
        dtype=np.int64,
    )
    scored = targets >= 0
    kept = links if scored.all() else links[scored].reset_index(drop=True)
    idf = corpus.idf()
    pages = corpus.rows.matrix(idf)
    # One vector per distinct (anchor, context) pair, not per link; code 0 is "no text".
    anchors, contexts = kept["anchor"].array, kept["context"].array
    anchor_text = np.concatenate([[""], anchors.categories.to_numpy(dtype=object)])
    context_text = np.concatenate([[""], contexts.categories.to_numpy(dtype=object)])
    n = len(context_text)
    pairs = (anchors.codes.astype(np.int64) + 1) * n + contexts.codes + 1
    codes, unique_pairs = pd.factorize(pairs)
    texts = [f"{anchor_text[p // n]} {context_text[p % n]}" for p in unique_pairs.tolist()]
    link_rows = _Rows()
    for text in texts:
        link_rows.append(corpus.counts(text))
    link_matrix = link_rows.matrix(idf)
    source_rows = np.asarray([row_of.get(p, zero) for p in kept["source_page"].tolist()], dtype=np.int64)
    target_rows = targets[scored]
    sim = np.empty(len(kept))
    for start in range(0, len(kept), _CHUNK):  # one chunk of rows at a time: bounded memory
        part = slice(start, start + _CHUNK)
        sim[part] = similarities(
            link_matrix[codes[part]], pages[source_rows[part]], pages[target_rows[part]], page_weight
        )
    out = kept[_LINK_COLUMNS].assign(similarity=sim, relevant=sim >= threshold)
    return Relevance(
        links=out,
        edges=_edges(out),
        sites=_sites(out),
        threshold=threshold,
        unscored=int((~scored).sum()),
    )


def _edges(links: pd.DataFrame) -> pd.DataFrame:
    if not len(links):
        return pd.DataFrame(columns=["source", "target", "scored", "relevant", "similarity"])
    grouped = links.groupby(["source_site", "target_site"], sort=True, observed=True)
    edges = grouped.agg(
        scored=("relevant", "size"), relevant=("relevant", "sum"), similarity=("similarity", "mean")
    ).reset_index()
    edges = edges.rename(columns={"source_site": "source", "target_site": "target"})
    edges["source"], edges["target"] = edges["source"].astype(str), edges["target"].astype(str)
    edges["relevant"] = edges["relevant"].astype(int)
    return edges


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    return (part / whole.where(whole > 0)).astype(float)


def _sites(links: pd.DataFrame) -> pd.DataFrame:
    """Per-site figures (RELEVANCE_COLUMNS) and a few off-topic examples per linking site."""
    out = links.groupby("source_site", observed=True)["relevant"].agg(["size", "sum"])
    inn = links.groupby("target_site", observed=True)["relevant"].agg(["size", "sum"])
    out.index, inn.index = out.index.astype(str), inn.index.astype(str)
    index = sorted(set(out.index) | set(inn.index))
    sites = pd.DataFrame(index=pd.Index(index, name="site"))
    sites["out_scored"] = out["size"].reindex(index).fillna(0).astype(int)
    sites["out_relevant"] = out["sum"].reindex(index).fillna(0).astype(int)
    sites["out_relevant_share"] = _share(sites["out_relevant"], sites["out_scored"])
    sites["in_scored"] = inn["size"].reindex(index).fillna(0).astype(int)
    sites["in_relevant"] = inn["sum"].reindex(index).fillna(0).astype(int)
    sites["in_relevant_share"] = _share(sites["in_relevant"], sites["in_scored"])
    examples: dict[str, list[str]] = {}
    off = links[~links["relevant"]].sort_values(["source_site", "similarity", "target_url"])
    for site, rows in off.groupby("source_site", sort=True, observed=True):
        shown = rows.drop_duplicates("anchor").head(_EXAMPLES)
        examples[str(site)] = [
            f"«{r.anchor}» → {r.target_url} ({r.similarity:.2f})" for r in shown.itertuples(index=False)
        ]
    sites["examples"] = pd.Series({s: examples.get(s, []) for s in index}, dtype=object)
    return sites


def site_figures(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Per-site figures from counts (``site``, ``out_scored``, ``out_relevant``, ``in_scored``,
    ``in_relevant``), shares added: the form of :attr:`Relevance.sites` (the demo's truth)."""
    sites = pd.DataFrame(list(rows)).set_index("site")
    sites["out_relevant_share"] = _share(sites["out_relevant"], sites["out_scored"])
    sites["in_relevant_share"] = _share(sites["in_relevant"], sites["in_scored"])
    return sites[list(RELEVANCE_COLUMNS)]


def load_relevance(store: Store, crawl_id: int, *, threshold: float) -> Relevance | None:
    """The relevance of one crawl's content links; None when it kept no text (``--no-text``)."""
    if not store.reads.has_text(crawl_id):
        return None
    return score_links(
        store.reads.text_links(crawl_id, chunksize=20_000),
        store.reads.page_profiles(crawl_id),
        threshold=threshold,
    )


# -- what reports say of it ------------------------------------------------------------


def relevance_line(r: Relevance | None) -> str:
    """One sentence on the relevance of a crawl's links, for the terminal and the HTML report."""
    if r is None:
        return _("Relevance of links: not assessed (the crawl kept no page text).")
    s = r.summary()
    if not s["scored"]:
        return _("Relevance of links: no content link between seed sites could be scored.")
    return _(
        "Relevance of links: {scored:,} content links between seed sites scored, {share:.0%} relevant "
        "(similarity at least {threshold:g})."
    ).format(scored=s["scored"], share=s["relevant_share"], threshold=s["threshold"])


def relevance_dict(r: Relevance | None) -> dict[str, Any] | None:
    """The ``relevance`` key of the JSON report: method, totals and one row per linked pair."""
    if r is None:
        return None
    edges = [
        {"source": str(e.source), "target": str(e.target), "scored": int(e.scored),
         "relevant": int(e.relevant), "similarity": round(float(e.similarity), 4)}
        for e in r.edges.itertuples(index=False)
    ]  # fmt: skip
    summary = {k: (None if isinstance(v, float) and v != v else v) for k, v in r.summary().items()}
    return {"method": "tfidf-cosine-fr", **summary, "edges": edges}
