"""French words for text similarity: tokens, stop words, stems.

What relevance (``graphs/relevance.py``) compares is the *stems* of the content
words of two texts: "logements" and "logement" are one term, "le", "de", "vous"
are none. Tokens are runs of two or more Latin letters, lower-cased (digits and
elided articles such as the ``l`` of ``l'aide`` dropped); stop words are the
Snowball French list (BSD licence) with the other elisions and a few words every
administrative page uses ("cliquez", "ici", "savoir", "plus"); stems are those of
the Snowball French stemmer (the ``snowballstemmer`` package: pure Python, no
model or data to download). Stems are cached per word: a crawl's pages share a
vocabulary of a few tens of thousands of words, and stemming, not tokenizing,
is the cost (~30 µs a word, ~0.2 µs from the cache).
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["STOP_WORDS", "Stemmer", "stems"]

# Snowball's French stop words (snowballstem.org, BSD), the verb forms it lists
# included, plus the other elisions and navigation words.
_STOP_TEXT = """
au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me même mes
moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un
une vos votre vous c d j l à m n s t y été étée étées étés étant étante étants étantes suis es est
sommes êtes sont serai seras sera serons serez seront serais serait serions seriez seraient étais
était étions étiez étaient fus fut fûmes fûtes furent sois soit soyons soyez soient fusse fusses fût
fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus ai as avons avez ont aurai auras
aura aurons aurez auront aurais aurait aurions auriez auraient avais avait avions aviez avaient eut
eûmes eûtes eurent aie aies ait ayons ayez aient eusse eusses eût eussions eussiez eussent
ceci cela celà cet cette ici ils les leurs quel quels quelle quelles sans soi lorsque puis si tout
tous toute toutes plus moins très aussi ainsi alors comme donc dont où car ni or selon sous vers
chez entre depuis pendant avant après contre cliquez savoir voir lire page accueil
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

# Latin letters, those of French included: twice as fast as the Unicode class [^\W\d_],
# and the same words on French pages (other scripts are not words here).
_WORD = re.compile(r"[a-zà-öø-ÿœæ]{2,}")

Stemmer = Callable[[str], str]


def _snowball() -> Stemmer:
    import snowballstemmer

    return snowballstemmer.stemmer("french").stemWord  # type: ignore[no-any-return]


class _Stems(dict[str, str]):
    """Word -> stem ('' for a stop word), filled on first sight of each word."""

    def __init__(self, stemmer: Stemmer | None = None) -> None:
        super().__init__()
        self.stem = stemmer or _snowball()

    def __missing__(self, word: str) -> str:
        stem = "" if word in STOP_WORDS else self.stem(word)
        self[word] = stem
        return stem


_CACHE: _Stems | None = None


def stems(text: str) -> list[str]:
    """The stems of the content words of ``text``, in order (repeats kept).

    >>> stems("Les aides au logement : l'APL et le logement social, cliquez ici")
    ['aid', 'log', 'apl', 'log', 'social']
    """
    global _CACHE
    if _CACHE is None:
        _CACHE = _Stems()
    return [s for s in map(_CACHE.__getitem__, _WORD.findall(text.lower())) if s]
