"""Names kept in English and in Chinese, shown in the reader's language.

Departments, activities and documents store an English and a Chinese name; a page shows
the one in the interface language, and the other when only that one is stored.
"""

from django.utils.translation import get_language


def reads_chinese() -> bool:
    """Whether the current interface language is Chinese."""
    return (get_language() or "").lower().startswith("zh")


def in_reader_language(english: str, chinese: str) -> str:
    """The name in the interface language, falling back to the other language."""
    if reads_chinese():
        return chinese or english
    return english or chinese


def in_other_language(english: str, chinese: str) -> str:
    """The name in the language the page is not in, if both are stored and differ (shown
    beside the main one on a detail page); empty otherwise."""
    if not (english and chinese) or english == chinese:
        return ""
    return english if reads_chinese() else chinese


class BilingualTitle:
    """For a model with ``title`` and ``title_local``: its title in the reader's language
    and, beside it on its own page, the other one."""

    title: str
    title_local: str

    @property
    def display_title(self) -> str:
        """The title in the reader's language (the other one if only that is stored)."""
        return in_reader_language(self.title, self.title_local)

    @property
    def other_title(self) -> str:
        """The title in the other language, shown beside ``display_title``."""
        return in_other_language(self.title, self.title_local)


class BilingualName:
    """For a model with ``name`` and ``name_local`` (departments, aid items): its name in
    the reader's language and, beside it on its own page, the other one."""

    name: str
    name_local: str

    @property
    def display_name(self) -> str:
        """The name in the reader's language (the other one if only that is stored)."""
        return in_reader_language(self.name, self.name_local)

    @property
    def other_name(self) -> str:
        """The name in the other language, shown beside ``display_name`` on its page."""
        return in_other_language(self.name, self.name_local)
