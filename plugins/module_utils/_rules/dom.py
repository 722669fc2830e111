# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Domain XML read the way CloudStack's KVM agent reads it (a Java DOM), not the way libvirt means it.

CloudStack's ``LibvirtDomainXMLParser`` builds a DOM with the JDK's default factory
(``ParserUtils.getSaferDocumentBuilderFactory``: DOCTYPE forbidden, *not* namespace-aware) and
reads it through two helpers. We mirror their semantics, because the agent's drops hinge on them:

- ``first(tag)``: the first element named ``tag`` among *all descendants*, at any depth, in
  document order (``getElementsByTagName(tag).item(0)``). Names are qualified names as written:
  ``<libosinfo:os>`` is named ``libosinfo:os``; a default-namespace ``<os xmlns="urn:x">`` is ``os``.
- ``Element.attribute(name)``: ``""`` when the attribute is absent (``Element.getAttribute``).
- ``attr_value(scope, tag, attr)``: None when there is no such element, else its attribute (possibly
  ``""``) — ``LibvirtDomainXMLParser.getAttrValue``.
- ``tag_value(scope, tag)``: the value of the first *child node* of the first such element — text,
  CDATA or comment; None for an element child or no element — ``LibvirtDomainXMLParser.getTagValue``.
  An element without child nodes is None (4.19.1+) or a NullPointerException (4.19.0), which
  ``EMPTY_ELEMENT`` signals so the caller can apply the version's rule.

Java number parsing and enum lookups are mirrored too (``java_int``, ``enum_name``). Pure: parsing a
string, no I/O. expat without namespace processing gives exactly the qualified names we need.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import InputError

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1


@dataclass
class TextNode:
    """A text, CDATA or comment node: Java's ``getNodeValue()`` is its data."""

    data: str
    kind: str = "text"  # text | cdata | comment


@dataclass
class Element:
    name: str
    attributes: dict[str, str] = field(default_factory=dict)
    children: list[Element | TextNode] = field(default_factory=list)

    def attribute(self, name: str) -> str:
        """``Element.getAttribute``: ``""`` when absent."""
        return self.attributes.get(name, "")

    def has_attribute(self, name: str) -> bool:
        return name in self.attributes

    def descendants(self) -> Iterator[Element]:
        """Every element below this one, in document order (not this one)."""
        stack = [child for child in reversed(self.children) if isinstance(child, Element)]
        while stack:
            element = stack.pop()
            yield element
            stack.extend(child for child in reversed(element.children) if isinstance(child, Element))

    def all(self, tag: str) -> list[Element]:
        """``getElementsByTagName(tag)``."""
        return [element for element in self.descendants() if element.name == tag]

    def first(self, tag: str) -> Element | None:
        """``getElementsByTagName(tag).item(0)``."""
        return next((element for element in self.descendants() if element.name == tag), None)

    def child_elements(self, tag: str | None = None) -> list[Element]:
        return [c for c in self.children if isinstance(c, Element) and (tag is None or c.name == tag)]

    def text_content(self) -> str:
        """``Node.getTextContent``: all text and CDATA below, comments excluded."""
        parts: list[str] = []
        for child in self.children:
            if isinstance(child, Element):
                parts.append(child.text_content())
            elif child.kind != "comment":
                parts.append(child.data)
        return "".join(parts)


class _EmptyElement:
    """Marker: the element exists but has no child node (NPE in 4.19.0's getTagValue)."""

    def __repr__(self) -> str:
        return "EMPTY_ELEMENT"


EMPTY_ELEMENT = _EmptyElement()


def attr_value(scope: Element | None, tag: str, attr: str) -> str | None:
    """``LibvirtDomainXMLParser.getAttrValue``: None without the element, ``""`` without the attribute."""
    if scope is None:
        return None
    found = scope.first(tag)
    return None if found is None else found.attribute(attr)


def tag_value(scope: Element | None, tag: str) -> str | None | _EmptyElement:
    """``LibvirtDomainXMLParser.getTagValue``: value of the first child node of the first ``tag``."""
    if scope is None:
        return None
    found = scope.first(tag)
    if found is None:
        return None
    if not found.children:
        return EMPTY_ELEMENT
    first = found.children[0]
    return None if isinstance(first, Element) else first.data


# --- Java semantics -------------------------------------------------------------------------------


_NOT_JAVA_WHITESPACE = frozenset("\u00a0\u2007\u202f")  # no-break spaces: isspace() in Python, not in Java


def java_is_blank(value: str | None) -> bool:
    """``StringUtils.isBlank``: None, empty or only whitespace (Java's Character.isWhitespace)."""
    return value is None or all(ch.isspace() and ch not in _NOT_JAVA_WHITESPACE for ch in value)


def java_upper(value: str) -> str:
    """``String.toUpperCase()`` in an English locale."""
    return value.upper()


def enum_name(value: str, constants: tuple[str, ...]) -> str | None:
    """``Enum.valueOf(value.toUpperCase())``: the constant, or None (IllegalArgumentException)."""
    upper = java_upper(value)
    return upper if upper in constants else None


def _java_digits(text: str, radix: int) -> int | None:
    """``Character.digit`` per character: any Unicode decimal digit, plus a-f for radix 16."""
    if not text:
        return None
    value = 0
    for ch in text:
        if ch.isdecimal():
            digit = int(ch)
        elif radix == 16 and ch.lower() in "abcdef":
            digit = int(ch, 16)
        else:
            return None
        value = value * radix + digit
    return value


def java_number(text: str | None, low: int, high: int, radix: int = 10) -> int | None:
    """``Integer.parseInt``/``Long.parseLong``: optional sign, digits only, in range; else None (NFE)."""
    if text is None:
        return None
    sign = 1
    body = text
    if body[:1] in ("+", "-"):
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    digits = _java_digits(body, radix)
    if digits is None:
        return None
    value = sign * digits
    return value if low <= value <= high else None


def java_int(text: str | None, radix: int = 10) -> int | None:
    return java_number(text, INT_MIN, INT_MAX, radix)


def java_long(text: str | None) -> int | None:
    return java_number(text, LONG_MIN, LONG_MAX)


# --- parsing --------------------------------------------------------------------------------------


class _Builder:
    def __init__(self) -> None:
        self.root: Element | None = None
        self.stack: list[Element] = []
        self.in_cdata = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        element = Element(name, dict(attributes))
        if self.stack:
            self.stack[-1].children.append(element)
        elif self.root is None:
            self.root = element
        self.stack.append(element)

    def end(self, _name: str) -> None:
        self.stack.pop()

    def text(self, data: str) -> None:
        if not self.stack:
            return
        children = self.stack[-1].children
        last = children[-1] if children else None
        # The DOM keeps one node per run of character data (expat may split it), and one per CDATA section.
        if isinstance(last, TextNode) and last.kind == ("cdata" if self.in_cdata else "text"):
            last.data += data
        else:
            children.append(TextNode(data, "cdata" if self.in_cdata else "text"))

    def start_cdata(self) -> None:
        self.in_cdata = True
        if self.stack:
            self.stack[-1].children.append(TextNode("", "cdata"))

    def end_cdata(self) -> None:
        self.in_cdata = False  # text after the section is a "text" node, so it never merges into it

    def comment(self, data: str) -> None:
        if self.stack:
            self.stack[-1].children.append(TextNode(data, "comment"))


def _refuse_doctype(*_args: object) -> None:
    raise ValueError("a DOCTYPE declaration (CloudStack's parser refuses DOCTYPEs; libvirt never writes one)")


def parse(xml: str | bytes, what: str = "domain XML") -> Element:
    """The document element, read without namespace processing; one InputError if the XML is not well formed."""
    builder = _Builder()
    parser = expat.ParserCreate()  # no namespace_separator: names stay as written ("libosinfo:os")
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.text
    parser.StartCdataSectionHandler = builder.start_cdata
    parser.EndCdataSectionHandler = builder.end_cdata
    parser.CommentHandler = builder.comment
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.buffer_text = False
    try:
        parser.Parse(xml.encode("utf-8") if isinstance(xml, str) else xml, True)
    except (expat.ExpatError, ValueError) as exc:
        raise InputError(
            what,
            f"is not domain XML CloudStack's agent can read ({exc})",
            "pass the document exactly as 'virsh dumpxml <domain>' prints it",
        ) from None
    if builder.root is None:
        raise InputError(what, "is empty", "pass the output of 'virsh dumpxml <domain>'")
    return builder.root
