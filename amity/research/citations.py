"""A study's publications as the three files reference managers import: BibTeX, RIS and
CSL-JSON. A pure module: it reads plain objects with the attributes ``title``,
``authors``, ``journal``, ``year``, ``volume``, ``issue``, ``pages``, ``doi`` and ``url``
(a ``Publication`` or anything shaped like one) and returns text.

Authors are stored as one text, ``"Surname GN; Surname GN"`` (Vancouver order). Each part
becomes a name:

* ``Fu JF`` → family ``Fu``, given ``J. F.`` (upper-case initials get their full stops);
* ``Shu Qiang`` → family ``Shu``, given ``Qiang`` (the last word is the given name);
* ``van der Berg, Anna`` → with a comma, family before it and given after it;
* ``傅君芬`` (a name written in Chinese, no space) → one name kept whole: family and given
  names are not split, since neither the writer nor a program can tell a compound family
  name (欧阳, 司马) from a one-character one;
* ``et al.`` → "and others" in BibTeX; left out of RIS and CSL-JSON, which have no word
  for it.

Formats, as the readers expect them:

* BibTeX: ``@article`` (``@misc`` without a journal), UTF-8 kept as it is (biber and
  bibtexparser read it); ``# $ % & ~ _ ^ \\ { }`` escaped in text fields; a title's
  words with inner capitals (``COVID-19``, ``SARS-CoV-2``) braced so styles keep their
  case; a Chinese name braced so it stays one name; page ranges with ``--``. ``doi`` and
  ``url`` are verbatim fields: not escaped (braces percent-encoded).
* RIS: ``TY  - JOUR`` … ``ER  - ``, one tag per line (``XX  - value``), lines ending in
  CR LF, ``AU`` once per author as ``Family, Given``, ``T2`` the journal, ``SP``/``EP``
  the first and last page.
* CSL-JSON: a JSON array of items (``type`` ``article-journal``, ``author`` as
  ``family``/``given`` or ``literal``, ``issued`` as ``date-parts``, ``container-title``,
  ``DOI``, ``URL``), as citeproc-js, citeproc-py, Zotero and pandoc read it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Name", "parse_authors", "to_bibtex", "to_csl_json", "to_ris"]

BIBTEX_TYPE = "application/x-bibtex; charset=utf-8"
RIS_TYPE = "application/x-research-info-systems; charset=utf-8"
CSL_JSON_TYPE = "application/vnd.citationstyles.csl+json; charset=utf-8"

_INITIALS = re.compile(r"[A-Z]{1,4}")
_ET_AL = re.compile(r"^(et\.?\s*al\.?|others|等|等人)$", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_PAGE_RANGE = re.compile(r"^\s*([^\s\-–—]+)\s*(?:-+|–|—)\s*([^\s\-–—]+)\s*$")


@dataclass(frozen=True)
class Name:
    """One author: ``family`` and ``given``, or a ``literal`` name kept whole."""

    family: str = ""
    given: str = ""
    literal: str = ""

    @property
    def display(self) -> str:
        if self.literal:
            return self.literal
        return f"{self.family}, {self.given}" if self.given else self.family


def _given(text: str) -> str:
    """Initials written together (``JF``) as ``J. F.``; a given name as it is."""
    if _INITIALS.fullmatch(text):
        return " ".join(f"{letter}." for letter in text)
    return text


def parse_authors(authors: str) -> tuple[list[Name], bool]:
    """The names in an authors text, and whether it ended with "et al."."""
    names, more = [], False
    for part in re.split(r"[;；\n]", authors or ""):
        part = " ".join(part.split())
        if not part:
            continue
        if _ET_AL.match(part):
            more = True
            continue
        if "," in part or "，" in part:
            family, given = re.split(r"[,，]", part, maxsplit=1)
            names.append(Name(family=family.strip(), given=_given(given.strip())))
        elif _CJK.search(part) and " " not in part:
            names.append(Name(literal=part))
        elif " " in part:
            family, given = part.rsplit(" ", 1)
            names.append(Name(family=family, given=_given(given)))
        else:
            names.append(Name(family=part))
    return names, more


def _pages(pages: str) -> tuple[str, str]:
    """(first, last) page; last is empty for a single page or an article number."""
    text = (pages or "").strip()
    if match := _PAGE_RANGE.match(text):
        return match[1], match[2]
    return text, ""


def _one_line(value: object) -> str:
    return " ".join(str(value or "").split())


# --- BibTeX --------------------------------------------------------------------------------

_BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _BIBTEX_SPECIALS))


def bibtex_escape(text: str) -> str:
    """``text`` safe inside a braced BibTeX field: the ten LaTeX specials escaped, other
    characters (Chinese, accents) left as UTF-8."""
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_SPECIALS[m[0]], _one_line(text))


def _protect_case(escaped: str) -> str:
    """Brace each word with a capital after its first letter (COVID-19, SARS-CoV-2,
    mRNA), so that a style that lower-cases titles keeps it."""
    return " ".join(
        f"{{{word}}}" if any(ch.isupper() for ch in word[1:]) else word
        for word in escaped.split(" ")
    )


def _bibtex_name(name: Name) -> str:
    if name.literal:
        return "{" + bibtex_escape(name.literal) + "}"
    # "van der Berg, Anna": BibTeX reads "van der" as the von part, as it should.
    family = bibtex_escape(name.family)
    return f"{family}, {bibtex_escape(name.given)}" if name.given else family


def _verbatim(text: str) -> str:
    return _one_line(text).replace("{", "%7B").replace("}", "%7D")


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded if ch.isalnum())


_KEY_SKIP = {"a", "an", "the", "of", "on", "in", "and", "for", "to"}


def _key(pub, taken: set[str]) -> str:
    """``Fu2020Multicentre``: first author's family name, year, first title word; ASCII
    only (keys are typed in LaTeX sources); a, b, … when taken."""
    names, _more = parse_authors(pub.authors)
    family = _ascii_word(names[0].family or names[0].literal) if names else ""
    word = next(
        (
            w
            for w in (_ascii_word(w) for w in str(pub.title or "").split())
            if w and w.lower() not in _KEY_SKIP
        ),
        "",
    )
    base = f"{family or 'ref'}{pub.year or ''}{word.capitalize()}"
    key, n = base, 0
    while key in taken:
        key = base + chr(ord("a") + n % 26) * (n // 26 + 1)
        n += 1
    taken.add(key)
    return key


def to_bibtex(pubs: Iterable) -> str:
    """A BibTeX file (text) with one entry per publication."""
    entries, taken = [], set()
    for pub in pubs:
        names, more = parse_authors(pub.authors)
        authors = [_bibtex_name(n) for n in names] + (["others"] if more else [])
        first, last = _pages(pub.pages)
        fields = [
            ("author", " and ".join(authors)),
            ("title", _protect_case(bibtex_escape(pub.title))),
            ("journal", bibtex_escape(pub.journal)),
            ("year", str(pub.year or "")),
            ("volume", bibtex_escape(pub.volume)),
            ("number", bibtex_escape(pub.issue)),
            ("pages", bibtex_escape(f"{first}--{last}" if last else first)),
            ("doi", _verbatim(pub.doi)),
            ("url", _verbatim(pub.url)),
        ]
        kind = "article" if pub.journal else "misc"
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
        entries.append(f"@{kind}{{{_key(pub, taken)},\n{body}\n}}\n")
    return "\n".join(entries)


# --- RIS -----------------------------------------------------------------------------------


def to_ris(pubs: Iterable) -> str:
    """An RIS file (text): ``TY`` … ``ER`` per publication, CR LF line ends."""
    lines: list[str] = []
    for pub in pubs:
        names, _more = parse_authors(pub.authors)
        first, last = _pages(pub.pages)
        tags = [("TY", "JOUR" if pub.journal else "GEN")]
        tags += [("AU", name.display) for name in names]
        tags += [
            ("TI", pub.title),
            ("T2", pub.journal),
            ("PY", pub.year),
            ("VL", pub.volume),
            ("IS", pub.issue),
            ("SP", first),
            ("EP", last),
            ("DO", pub.doi),
            ("UR", pub.url),
        ]
        lines += [f"{tag}  - {_one_line(value)}" for tag, value in tags if _one_line(value)]
        lines += ["ER  - ", ""]
    return "\r\n".join(lines)


# --- CSL-JSON ------------------------------------------------------------------------------


def _csl_name(name: Name) -> dict[str, str]:
    if name.literal:
        return {"literal": name.literal}
    return {"family": name.family, "given": name.given} if name.given else {"family": name.family}


def csl_items(pubs: Iterable) -> list[dict]:
    """The CSL-JSON items (dicts) of the publications, ids as in the BibTeX file."""
    items, taken = [], set()
    for pub in pubs:
        names, _more = parse_authors(pub.authors)
        first, last = _pages(pub.pages)
        item: dict = {
            "id": _key(pub, taken),
            "type": "article-journal" if pub.journal else "article",
            "title": _one_line(pub.title),
            "author": [_csl_name(n) for n in names],
        }
        optional = {
            "container-title": _one_line(pub.journal),
            "volume": _one_line(pub.volume),
            "issue": _one_line(pub.issue),
            "page": f"{first}-{last}" if last else first,
            "DOI": _one_line(pub.doi),
            "URL": _one_line(pub.url),
        }
        item.update({k: v for k, v in optional.items() if v})
        if pub.year:
            item["issued"] = {"date-parts": [[int(pub.year)]]}
        items.append(item)
    return items


def to_csl_json(pubs: Iterable) -> str:
    """A CSL-JSON file (text, UTF-8 characters unescaped)."""
    return json.dumps(csl_items(pubs), ensure_ascii=False, indent=2) + "\n"
