"""Search over shared documents in English and Chinese, on any database.

Chinese is written without spaces, so words cannot be split on blanks, and ``icontains``
would scan every row. Instead each document's title, topics, summary and file text are cut
into *terms*, kept in ``DocumentTerm`` (document, term, weight) with a B-tree index on
the term; a query is cut the same way and asks for documents holding *all* its terms. The
table and the query are plain SQL, identical on SQLite and PostgreSQL.

How text becomes terms (the same for documents and queries):

- NFKC normalisation (full-width letters and digits become ASCII), lower case;
- apostrophes (straight ', curly ’ or ‘, modifier ʼ) never split a word: a possessive
  "'s" is dropped ("Kawasaki's" is "kawasaki", "children’s" is "children") and any other
  apostrophe inside a word is left out ("O'Brien" is "obrien"); apostrophes around a
  word are only punctuation;
- Latin-script words and numbers: runs of letters and digits, accents removed, a light
  English stemmer for plural endings ("protocols" → "protocol"), minus a few stop words;
- CJK (Chinese, also Japanese kana and Korean): every character and every pair of
  neighbouring characters (overlapping bigrams). A query of two or more CJK characters
  asks for each of its bigrams, so 儿童心脏 needs 儿童, 童心 and 心脏 — close to a phrase
  match without a dictionary; a one-character query asks for that character.

Ranking: the sum of the weights of the matched terms, where a term found in a title
weighs 8, in a topic 4, in a summary 2 and in the file's text 1 (added up when it occurs
in several places); then the most recently updated first.
"""

import re
import unicodedata
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum

TITLE, TOPIC, SUMMARY, TEXT = 8, 4, 2, 1
TERM_MAX_LENGTH = 40  # DocumentTerm.term
MAX_QUERY_TERMS = 24  # a pasted paragraph must not turn into a huge query

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")
# Apostrophes inside a word (after NFKC, a full-width one is '): a possessive "'s" first,
# then any other.
_APOSTROPHES = "'\u2018\u2019\u02bc"
_POSSESSIVE = re.compile(rf"(?<=\w)[{_APOSTROPHES}]s\b")
_INNER_APOSTROPHE = re.compile(rf"(?<=\w)[{_APOSTROPHES}](?=\w)")
STOP_WORDS = frozenset("a an and are as at by for from in is it of on or the to with".split())  # noqa: SIM905


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return _INNER_APOSTROPHE.sub("", _POSSESSIVE.sub("", text))


def _word(token: str) -> str | None:
    """A Latin-script (or other alphabetic) word as a term: accents removed, plural
    endings taken off, stop words dropped."""
    if not token.isascii():
        token = "".join(
            ch for ch in unicodedata.normalize("NFKD", token) if not unicodedata.combining(ch)
        )
    if token in STOP_WORDS:
        return None
    if len(token) > 3 and token.isalpha():
        if token.endswith("ies"):
            token = token[:-3] + "y"
        elif token.endswith(("sses", "xes", "ches", "shes")):
            token = token[:-2]
        elif token.endswith("s") and not token.endswith(("ss", "us", "is")):
            token = token[:-1]
    return token[:TERM_MAX_LENGTH]


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_terms(text: str) -> set[str]:
    """The terms a piece of a document contributes to the index."""
    terms: set[str] = set()
    for cjk, word in _TOKEN.findall(_normalise(text)):
        if cjk:
            terms.update(cjk)
            terms.update(_bigrams(cjk))
        elif term := _word(word):
            terms.add(term)
    return terms


def query_terms(query: str) -> list[str]:
    """The terms a query asks for, each once, in the order typed."""
    terms: dict[str, None] = {}
    for cjk, word in _TOKEN.findall(_normalise(query)):
        if cjk:
            terms.update(dict.fromkeys([cjk] if len(cjk) == 1 else _bigrams(cjk)))
        elif term := _word(word):
            terms[term] = None
    return list(terms)[:MAX_QUERY_TERMS]


def weighted_terms(
    *,
    titles: Iterable[str],
    topics: Iterable[str],
    summaries: Iterable[str],
    text: str,
) -> dict[str, int]:
    """Each term of a document with its weight: the sum of the places it occurs in."""
    weights: dict[str, int] = {}
    for weight, parts in ((TITLE, titles), (TOPIC, topics), (SUMMARY, summaries), (TEXT, [text])):
        found: set[str] = set()
        for part in parts:
            found |= index_terms(part)
        for term in found:
            weights[term] = weights.get(term, 0) + weight
    return weights


def index_document(document, *, term_model=None) -> int:
    """Rebuild the index rows of one document from its fields, topics and current
    version's text. Returns how many terms it now has. Call inside the writing
    transaction (the services do). ``term_model`` is for migrations, which pass their
    historical ``DocumentTerm``."""
    if term_model is None:
        from amity.sharing.models import DocumentTerm as term_model

    version = document.current_version
    weights = weighted_terms(
        titles=[document.title, document.title_local],
        topics=[name for tag in document.tags.all() for name in (tag.name, tag.name_local)],
        summaries=[document.summary, document.summary_local],
        text=version.text if version is not None else "",
    )
    term_model.objects.filter(document=document).delete()
    term_model.objects.bulk_create(
        [term_model(document=document, term=term, weight=w) for term, w in weights.items()],
        batch_size=2000,
    )
    return len(weights)


def rebuild_index(documents: QuerySet, *, term_model=None) -> int:
    """Rebuild the index rows of every document in ``documents``, one transaction each,
    so that indexes stored before a change of how text becomes terms agree with queries
    again. Returns how many documents were indexed. Safe to run twice."""
    count = 0
    ids = list(documents.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 200):
        batch = documents.filter(pk__in=ids[start : start + 200]).order_by("pk")
        for document in batch.select_related("current_version").prefetch_related("tags"):
            with transaction.atomic():
                index_document(document, term_model=term_model)
            count += 1
    return count


def search(documents: QuerySet, query: str) -> QuerySet:
    """``documents`` narrowed to those holding every term of ``query``, best first, each
    annotated with its ``score``. A query without any term (only punctuation or stop
    words) finds nothing."""
    from amity.sharing.models import DocumentTerm

    terms = query_terms(query)
    if not terms:
        return documents.none()
    hits = DocumentTerm.objects.filter(term__in=terms)
    matching = (
        hits.values("document_id")
        .annotate(found=Count("term"))
        .filter(found=len(terms))
        .values("document_id")
    )
    score = (
        hits.filter(document=OuterRef("pk"))
        .values("document_id")
        .annotate(total=Sum("weight"))
        .values("total")
    )
    return (
        documents.filter(pk__in=matching)
        .annotate(score=Subquery(score))
        .order_by("-score", "-updated_at", "-pk")
    )
