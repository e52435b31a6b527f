"""CSS selectors answered from one index of a page's elements, not one tree walk per query.

libxml2 spends about 0.3 µs per element of the page on every XPath class test, so each of a
profile's selectors cost as much as a walk of the whole page. ``ElementIndex`` lists the
elements by tag and by class token once; a selector's compounds then take their candidates
from those lists, left to right, each kept when one the compound before it matched is its
ancestor (or, for ``>``, its parent). Selectors outside that subset (pseudo-classes, sibling
combinators, namespaces) are left to the XPath that parsel's HTML translation of cssselect
gives them, which also defines what the subset must match.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import cssselect
from cssselect.parser import Attrib, Class, CombinedSelector, Element, Hash
from lxml import etree
from lxml.etree import _Element
from parsel.csstranslator import HTMLTranslator

_XPATH_SPACE = re.compile(r"[ \t\r\n]+")
"""The separators of XPath's ``normalize-space``, by which the translation splits a class."""
_NOT_A_TOKEN = re.compile(r"[ \t\r\n\f]")
"""A ``~=`` or class value holding one of these matches nothing (cssselect's rule)."""


def attribute_tokens(value: str) -> list[str]:
    """The space-separated tokens of an attribute (``class``, ``rel``), as XPath splits them."""
    if value.isascii() and value.isprintable():
        return value.split()
    return [token for token in _XPATH_SPACE.split(value) if token]


def _has_token(value: str, token: str) -> bool:
    return token in attribute_tokens(value)


_ATTRIBUTE_TESTS: dict[str, Callable[[str, str], bool]] = {
    "=": str.__eq__,
    "~=": _has_token,
    "*=": str.__contains__,
    "^=": str.startswith,
    "$=": str.endswith,
    "|=": lambda value, wanted: value == wanted or value.startswith(wanted + "-"),
}
_NONEMPTY_OPERATORS = frozenset({"~=", "*=", "^=", "$="})
"""Operators whose empty value matches nothing."""


_CLASS_ATTRIBUTES = etree.XPath("//@class")


class ElementIndex:
    """The elements of a tree in document order, by tag and by class token, each list made
    when a selector first needs it."""

    def __init__(self, root: _Element) -> None:
        self.root = root
        self._tags: dict[str, list[_Element]] = {}
        self._classes: dict[str, list[_Element]] | None = None
        self._elements: list[_Element] | None = None
        self._positions: dict[_Element, int] | None = None
        self._selected: dict[str, list[_Element]] = {}

    @property
    def elements(self) -> list[_Element]:
        """Every element, the root first."""
        if self._elements is None:
            self._elements = list(self.root.iter(etree.Element))
        return self._elements

    def by_tag(self, tag: str) -> list[_Element]:
        if tag not in self._tags:
            self._tags[tag] = list(self.root.iter(tag))
        return self._tags[tag]

    def by_class(self, token: str) -> list[_Element]:
        if self._classes is None:
            self._classes = {}
            for value in _CLASS_ATTRIBUTES(self.root):
                element = value.getparent()
                for name in dict.fromkeys(attribute_tokens(value)):
                    self._classes.setdefault(name, []).append(element)
        return self._classes.get(token, [])

    def select(self, css: str) -> list[_Element]:
        """The elements ``css`` selects, in document order, as parsel's translation selects
        them; a selector asked again gets the same list (not to be changed)."""
        if css not in self._selected:
            self._selected[css] = self._select(compiled_query(css))
        return self._selected[css]

    def _select(self, query: tuple[Chain, ...] | etree.XPath) -> list[_Element]:
        if isinstance(query, etree.XPath):
            return query(self.root)
        if len(query) == 1:
            return query[0].select(self)
        found = {element for chain in query for element in chain.select(self)}
        return sorted(found, key=self._position)

    def _position(self, element: _Element) -> int:
        if self._positions is None:
            self._positions = {element: n for n, element in enumerate(self.elements)}
        return self._positions[element]


@dataclass(frozen=True)
class Compound:
    """One compound selector: a tag, classes, ids and attribute tests, all to hold."""

    tag: str | None
    classes: tuple[str, ...]
    ids: tuple[str, ...]
    attributes: tuple[tuple[str, str, str | None], ...]
    """(name, operator, value); operator ``exists`` has no value."""
    satisfiable: bool = True
    """False when a class or attribute test can match nothing (an empty or spaced value)."""

    def select(self, index: ElementIndex) -> list[_Element]:
        """The elements of the index this compound matches, in document order."""
        if not self.satisfiable:
            return []
        if self.classes:
            found = index.by_class(self.classes[0])
            if self.tag is not None:
                found = [element for element in found if element.tag == self.tag]
            if len(self.classes) > 1:
                found = [element for element in found if self._has_classes(element)]
        elif self.tag is not None:
            found = index.by_tag(self.tag)
        else:
            found = index.elements
        if self.ids or self.attributes:
            found = [element for element in found if self._has_attributes(element)]
        return found

    def _has_classes(self, element: _Element) -> bool:
        tokens = attribute_tokens(element.get("class") or "")
        return all(name in tokens for name in self.classes[1:])

    def _has_attributes(self, element: _Element) -> bool:
        if any(element.get("id") != name for name in self.ids):
            return False
        for name, operator, value in self.attributes:
            actual = element.get(name)
            if actual is None:
                return False
            if value is not None and not _ATTRIBUTE_TESTS[operator](actual, value):
                return False
        return True


@dataclass(frozen=True)
class Chain:
    """Compounds joined by descendant (`` ``) or child (``>``) combinators, left to right."""

    compounds: tuple[Compound, ...]
    combinators: tuple[str, ...]

    def select(self, index: ElementIndex) -> list[_Element]:
        """Left to right: the elements each compound matches that lie under (or, for ``>``,
        right under) one that the chain before it matches."""
        found = self.compounds[0].select(index)
        for combinator, compound in zip(self.combinators, self.compounds[1:], strict=True):
            if not found:
                return []
            above = set(found)
            if combinator == ">":
                found = [e for e in compound.select(index) if e.getparent() in above]
            else:
                found = [
                    element
                    for element in compound.select(index)
                    if any(ancestor in above for ancestor in element.iterancestors())
                ]
        return found


class _Unsupported(Exception):
    pass


@lru_cache(maxsize=512)
def compiled_query(css: str) -> tuple[Chain, ...] | etree.XPath:
    """``css`` as chains the index answers, or compiled to XPath when it leaves the subset."""
    try:
        return tuple(_chain(selector) for selector in cssselect.parse(css))
    except _Unsupported:
        return compiled_css(css)


@lru_cache(maxsize=512)
def compiled_css(css: str) -> etree.XPath:
    """A CSS selector translated as parsel does for HTML and compiled once (lxml compiles
    the query of every ``xpath()`` call anew)."""
    return etree.XPath(HTMLTranslator().css_to_xpath(css))


def _chain(selector: cssselect.Selector) -> Chain:
    if selector.pseudo_element is not None:
        raise _Unsupported
    compounds: list[Compound] = []
    combinators: list[str] = []
    tree = selector.parsed_tree
    while isinstance(tree, CombinedSelector):
        if tree.combinator not in (" ", ">"):
            raise _Unsupported
        compounds.append(_compound(tree.subselector))
        combinators.append(tree.combinator)
        tree = tree.selector
    compounds.append(_compound(tree))
    return Chain(tuple(reversed(compounds)), tuple(reversed(combinators)))


def _compound(tree: object) -> Compound:
    classes: list[str] = []
    ids: list[str] = []
    attributes: list[tuple[str, str, str | None]] = []
    satisfiable = True
    while not isinstance(tree, Element):
        if isinstance(tree, Class):
            satisfiable &= _is_token(tree.class_name)
            classes.append(tree.class_name)
            tree = tree.selector
        elif isinstance(tree, Hash):
            ids.append(tree.id)
            tree = tree.selector
        elif isinstance(tree, Attrib) and tree.namespace is None:
            value = None if tree.value is None else tree.value.value
            if tree.operator not in ("exists", *_ATTRIBUTE_TESTS):
                raise _Unsupported
            if tree.operator in _NONEMPTY_OPERATORS and not value:
                satisfiable = False
            if tree.operator == "~=" and value:
                satisfiable &= _is_token(value)
            attributes.append((tree.attrib.lower(), tree.operator, value))
            tree = tree.selector
        else:
            raise _Unsupported
    if tree.namespace is not None:
        raise _Unsupported
    tag = None if tree.element in (None, "*") else tree.element.lower()
    return Compound(tag, tuple(classes), tuple(ids), tuple(attributes), satisfiable)


def _is_token(value: str) -> bool:
    return bool(value) and _NOT_A_TOKEN.search(value) is None
