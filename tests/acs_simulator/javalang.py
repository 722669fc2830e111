"""Java semantics the KVM agent's parser depends on, re-stated in Python.

CloudStack's agent reads domain XML with the JDK's DOM (not namespace-aware), upper-cases values for
``Enum.valueOf``, and parses numbers with ``Integer.parseInt`` / ``Long.parseLong``. Each of those has
edges where Python's obvious equivalent differs (``int(" 5")`` works, ``parseInt(" 5")`` throws; ElementTree
resolves namespaces, the JDK DOM matches the qualified name). This module gives the Java behaviour.
"""

from __future__ import annotations

import unicodedata
from xml.dom import Node, expatbuilder
from xml.dom.minidom import Document, Element
from xml.parsers.expat import ExpatError


class JavaException(Exception):
    """An exception the Java code would throw; ``kind`` is the Java class, str() its getMessage()."""

    kind = "java.lang.RuntimeException"

    def describe(self) -> str:
        return f"{self.kind}: {self}"


class NullPointer(JavaException):
    kind = "java.lang.NullPointerException"


class IllegalArgument(JavaException):
    kind = "java.lang.IllegalArgumentException"


class NumberFormat(IllegalArgument):
    kind = "java.lang.NumberFormatException"


class Arithmetic(JavaException):
    kind = "java.lang.ArithmeticException"


class IndexOutOfBounds(JavaException):
    kind = "java.lang.StringIndexOutOfBoundsException"


# --- java.lang.Character / commons-lang3 StringUtils --------------------------------------------------
_JAVA_SPACE_EXTRA = {"\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f"}
_NO_BREAK = {"\u00a0", "\u2007", "\u202f"}


def is_java_whitespace(ch: str) -> bool:
    """Character.isWhitespace: space separators except the no-break ones, plus a few controls."""
    if ch in _JAVA_SPACE_EXTRA:
        return True
    return unicodedata.category(ch) in ("Zs", "Zl", "Zp") and ch not in _NO_BREAK


def is_blank(s: str | None) -> bool:
    """StringUtils.isBlank: null, empty, or only Character.isWhitespace characters."""
    return s is None or all(is_java_whitespace(c) for c in s)


def is_empty(s: str | None) -> bool:
    """StringUtils.isEmpty: null or length 0."""
    return s is None or s == ""


def utf16_length(s: str) -> int:
    """String.length(): UTF-16 code units (a character outside the BMP counts twice)."""
    return sum(2 if ord(c) > 0xFFFF else 1 for c in s)


def _simple_upper(c: str) -> str:
    u = c.upper()
    return u if len(u) == 1 else c


def _simple_lower(c: str) -> str:
    lo = c.lower()
    return lo if len(lo) == 1 else c


def equals_ignore_case(a: str | None, b: str) -> bool:
    """String.equalsIgnoreCase: same length, each char pair equal after Character.toUpperCase or toLowerCase."""
    if a is None or len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if x == y:
            continue
        ux, uy = _simple_upper(x), _simple_upper(y)
        if ux != uy and _simple_lower(ux) != _simple_lower(uy):
            return False
    return True


def to_upper(s: str | None) -> str:
    """String.toUpperCase() (full case mapping, root locale); null → NullPointerException."""
    if s is None:
        raise NullPointer('Cannot invoke "String.toUpperCase()" because the value is null')
    return s.upper()


def enum_value(enum_class: str, constants: frozenset[str] | set[str], raw: str | None) -> str:
    """``Enum.valueOf(raw.toUpperCase())``: the constant name, or the JDK's exception."""
    name = to_upper(raw)
    if name not in constants:
        raise IllegalArgument(f"No enum constant {enum_class}.{name}")
    return name


# --- java.lang.Integer / Long --------------------------------------------------------------------------
_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)


def _parse(s: str | None, bits: tuple[int, int], radix: int = 10) -> int:
    if s is None:
        raise NumberFormat("Cannot parse null string: null")
    suffix = "" if radix == 10 else f" under radix {radix}"
    bad = NumberFormat(f'For input string: "{s}"{suffix}')
    body, sign = s, 1
    if body[:1] in ("+", "-"):
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if not body:
        raise bad
    value = 0
    for ch in body:
        digit = _digit(ch, radix)
        if digit is None:
            raise bad
        value = value * radix + digit
    value *= sign
    if not bits[0] <= value <= bits[1]:
        raise bad
    return value


def _digit(ch: str, radix: int) -> int | None:
    """Character.digit for the radixes the agent uses (10, 16): Unicode decimal digits count too."""
    dec = unicodedata.decimal(ch, None)
    if dec is not None:
        return dec
    if radix == 16 and ch.lower() in "abcdef" and ch.isascii():
        return 10 + "abcdef".index(ch.lower())
    return None


def parse_int(s: str | None, radix: int = 10) -> int:
    """Integer.parseInt / Integer.valueOf."""
    return _parse(s, _INT_RANGE, radix)


def parse_long(s: str | None) -> int:
    """Long.parseLong."""
    return _parse(s, _LONG_RANGE)


def int_cast(value: int) -> int:
    """A Java (int) cast of a long: keep the low 32 bits, signed."""
    value &= 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


def int_divide(a: int, b: int) -> int:
    """Java integer division (truncates toward zero); / by zero throws ArithmeticException."""
    if b == 0:
        raise Arithmetic("/ by zero")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


# --- org.w3c.dom, as a non-namespace-aware DocumentBuilder builds it -----------------------------------
class XmlUnreadable(Exception):
    """DocumentBuilder.parse failed (SAXException): CloudStack's parser logs it and returns false."""


def parse_document(xml: str) -> Document:
    """Parse like ParserUtils.getSaferDocumentBuilderFactory(): names kept qualified, DOCTYPE refused."""
    try:
        doc = expatbuilder.parseString(xml, namespaces=False)
    except ExpatError as exc:
        raise XmlUnreadable(str(exc)) from None
    if doc.doctype is not None:
        raise XmlUnreadable("DOCTYPE is disallowed when the feature disallow-doctype-decl is set")
    return doc


def elements_by_tag(scope: Element | Document, tag: str) -> list[Element]:
    """getElementsByTagName: every descendant element whose qualified name is ``tag``, document order."""
    return list(scope.getElementsByTagName(tag))


def first_by_tag(scope: Element | Document | None, tag: str) -> Element | None:
    if scope is None:
        return None
    for el in _iter_descendants(scope):
        if el.tagName == tag:
            return el
    return None


def _iter_descendants(node: Element | Document):  # type: ignore[no-untyped-def]
    for child in node.childNodes:
        if child.nodeType == Node.ELEMENT_NODE:
            yield child
            yield from _iter_descendants(child)


def get_attribute(el: Element, name: str) -> str:
    """Element.getAttribute: "" when the attribute is absent."""
    return el.getAttribute(name)


def attr_of_first(scope: Element | None, tag: str, attr: str) -> str | None:
    """LibvirtDomainXMLParser.getAttrValue: attribute of the first descendant named ``tag``; null if none."""
    el = first_by_tag(scope, tag)
    return None if el is None else el.getAttribute(attr)


class EmptyElement(NullPointer):
    """getTagValue on an element without child nodes, before the 4.19.1 null guard."""


def tag_value(scope: Element | None, tag: str, guarded: bool) -> str | None:
    """LibvirtDomainXMLParser.getTagValue: node value of the first child of the first ``tag`` descendant.

    ``guarded`` is the 4.19.1+ behaviour (null for an element with no child nodes); 4.19.0 threw NPE.
    The first child may be a comment (its text) or an element (null), exactly as in the JDK DOM.
    """
    if scope is None:
        return None
    el = first_by_tag(scope, tag)
    if el is None:
        return None
    if not el.childNodes:
        if guarded:
            return None
        raise EmptyElement(f'Cannot invoke "org.w3c.dom.Node.getNodeValue()" because "nValue" is null (<{tag}/>)')
    first = el.firstChild
    if first.nodeType in (Node.TEXT_NODE, Node.CDATA_SECTION_NODE, Node.COMMENT_NODE):
        return str(first.data)
    if first.nodeType == Node.PROCESSING_INSTRUCTION_NODE:
        return str(first.data)
    return None


def text_content(el: Element) -> str:
    """Node.getTextContent: all descendant text (comments and processing instructions excluded)."""
    out: list[str] = []
    for child in el.childNodes:
        if child.nodeType in (Node.TEXT_NODE, Node.CDATA_SECTION_NODE):
            out.append(child.data)
        elif child.nodeType == Node.ELEMENT_NODE:
            out.append(text_content(child))
    return "".join(out)
