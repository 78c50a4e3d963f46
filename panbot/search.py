"""Text search shared by the menu and the FAQ: topic words, PostgreSQL candidates, a per-process memo.

On PostgreSQL a lookup asks the database for candidates with index-backed full-text search
(`unaccent`-folded, prefix matching) and trigram word similarity (pg_trgm), then ranks those
few in Python with the same fuzzy scoring the embedded SQLite default applies to every row.
The SQLite fallback keeps its rows in a per-process memo keyed by the business's
`knowledge_version`, so it reads the database once per change, not once per turn.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from rapidfuzz import fuzz, process

from panbot.text import fold

T = TypeVar("T")

# Words that carry no topic in what callers ask (English and Italian). Without them "do you
# have parking" matches on "do you have", not on "parking".
_STOPWORD_TEXT = """
    a an the is are am be been do does did you your yours we our us i me my to of in on for at by and or with
    have has had can could would should will shall may might there here it its this that these those what when
    where how which who whom whose any some much many please tell know want like get just also
    il lo la i gli le un una uno di da del della dei delle in con su per tra fra e ed o che chi come quando dove
    avete avere ha ho hai ci si se sono siete posso potete può puo vorrei voi noi mi ti vi al allo alla ai
    agli alle nel nella nei sul sulla qual quale quali cosa col coi venire vengo andare fare puoi
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_TOKEN = re.compile(r"[a-z0-9]+")
# Trigram word similarity a candidate needs (pg_trgm's default, 0.6, misses "margarita" for
# "Margherita"); the Python ranking that follows is the real judge.
TRIGRAM_THRESHOLD = 0.4
# Letters of a word used as a full-text prefix: "marg:*" finds "margherita" however the rest is misheard.
PREFIX_LETTERS = 4
# Full-text candidates read per lookup (ranked in Python); a category asked for can bring more.
CANDIDATES_MAX = 300
# Below this many full-text candidates, trigram similarity is asked too, for this many more.
FEW = 3
TRIGRAM_MAX = 40


def words(text: str) -> list[str]:
    """Lower-cased, accent-free words of `text`."""
    return _TOKEN.findall(fold(text))


def topic_words(text: str, extra_stopwords: frozenset[str] = frozenset()) -> list[str]:
    """Words of `text` without stopwords (the words a fuzzy search should weigh)."""
    return [w for w in words(text) if w not in STOPWORDS and w not in extra_stopwords and len(w) > 1]


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


# fuzz.ratio below this is a coincidence of letters, not a slip of speech-to-text.
WORD_MATCH_MIN = 75.0


def best_ratio(word: str, candidates: list[str]) -> float:
    """`word`'s best fuzz.ratio against `candidates`, or 0 when even that is a coincidence."""
    if not candidates:
        return 0.0
    score = float(process.extractOne(word, candidates, scorer=fuzz.ratio)[1])
    return score if score >= WORD_MATCH_MIN else 0.0


def candidates(
    queryset: QuerySet[Any], document: str, query_words: list[str], *, or_in: tuple[str, list[int]] | None = None
) -> list[tuple[Any, ...]]:
    """Rows of `queryset` whose `document` may match `query_words`, found with the indexes, as values.

    First full-text search: a word prefix ("marg:*" finds "margherita" however the rest was
    misheard), on a GIN index that needs no recheck, so a turn costs one cheap query. Only
    when that finds fewer than FEW rows, trigram word similarity (pg_trgm `%>`, GIN, with a
    recheck per row) looks for slips in the first letters too ("berata" for "burrata").
    `document` is one of the indexed expressions (see the search migrations). Query words are
    [a-z0-9]+ only (see `words`), safe inside a tsquery; every value is a query parameter.
    `or_in` = (column, ids) also admits rows whose column is among ids (a category asked for).
    `queryset` must end in .values_list(...) with the id first.
    """
    prefixes = sorted({w[:PREFIX_LETTERS] for w in query_words})
    clause = f"to_tsvector('simple'::regconfig, {document}) @@ to_tsquery('simple'::regconfig, %s)"
    params: list[object] = [" | ".join(f"{p}:*" for p in prefixes)]
    if or_in is not None:
        clause = f"({clause} OR {or_in[0]} = ANY(%s))"
        params.append(list(or_in[1]))
    hit = RawSQL(clause, params, output_field=BooleanField())  # noqa: S611 - the SQL text is ours
    queryset = queryset.order_by()  # no default ordering: it may join the tenant's table
    rows = list(queryset.alias(_search_hit=hit).filter(_search_hit=True)[:CANDIDATES_MAX])
    if len(rows) >= FEW:
        return rows
    seen = {row[0] for row in rows}
    sounds = " OR ".join(f"{document} %%> %s" for _ in query_words)
    near = RawSQL(f"({sounds})", list(query_words), output_field=BooleanField())  # noqa: S611 - as above
    closeness = RawSQL(f"word_similarity(%s, {document})", [" ".join(query_words)])  # noqa: S611 - as above
    more = queryset.alias(_search_near=near).filter(_search_near=True).order_by(closeness.desc())
    return rows + [row for row in more[:TRIGRAM_MAX] if row[0] not in seen]


def set_trigram_threshold(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    """connection_created receiver: pg_trgm's `%>` threshold for this session (TRIGRAM_THRESHOLD).

    A session setting, not SET LOCAL per query: a lookup then costs no extra round trip. The
    setting is a placeholder until pg_trgm loads in the session, which adopts it.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(TRIGRAM_THRESHOLD)])


class ProcessMemo:
    """A small least-recently-used memo for values derived from one version of a business's data.

    Keys carry the business's `knowledge_version`, so a change (committed anywhere, by any
    process) makes the old entry unreachable; it ages out of the memo.
    """

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]  # type: ignore[return-value]
        value = build()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
