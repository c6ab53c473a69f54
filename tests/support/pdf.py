"""What a PDF says and draws, read back the way a PDF reader does (pypdf)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypdf import PdfReader
from pypdf.generic import ArrayObject, ContentStream, DictionaryObject

if TYPE_CHECKING:
    from pathlib import Path


def pdf_pages(path: Path) -> list[str]:
    """Each page's text, runs of white space as one space: table cells read as "Remove 4 10.8%"."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def pdf_text(path: Path) -> str:
    """The text of every page, in order."""
    return " ".join(pdf_pages(path))


def embedded_fonts(path: Path) -> set[str]:
    """The names of the fonts whose TrueType program is inside the file (subsets: "ABCDEF+Name")."""
    found: set[str] = set()
    for page in PdfReader(path).pages:
        resources = page["/Resources"].get_object()
        assert isinstance(resources, DictionaryObject)
        fonts = resources["/Font"].get_object()
        assert isinstance(fonts, DictionaryObject)
        for reference in fonts.values():
            font = reference.get_object()
            assert isinstance(font, DictionaryObject)
            descendants = font.get("/DescendantFonts")
            if not isinstance(descendants, ArrayObject):
                continue  # a standard font (Courier): every reader has it
            descendant = descendants[0].get_object()
            assert isinstance(descendant, DictionaryObject)
            descriptor = descendant["/FontDescriptor"].get_object()
            assert isinstance(descriptor, DictionaryObject)
            if "/FontFile2" in descriptor:
                found.add(str(font["/BaseFont"]))
    return found


def filled_rectangles(path: Path, page: int, colour: str) -> list[tuple[float, float, float, float]]:
    """The rectangles (x, y, width, height in points, y up) page ``page`` fills in ``colour`` ("#rrggbb")."""
    wanted = tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    reader = PdfReader(path)
    operations = ContentStream(reader.pages[page].get_contents(), reader).operations
    fill: tuple[float, ...] = (0.0, 0.0, 0.0)
    saved: list[tuple[float, ...]] = []
    pending: list[tuple[float, float, float, float]] = []
    found: list[tuple[float, float, float, float]] = []
    for operands, operator in operations:
        if operator == b"q":
            saved.append(fill)
        elif operator == b"Q":
            fill = saved.pop()
        elif operator == b"rg":
            fill = tuple(float(value) for value in operands)
        elif operator == b"re":
            x, y, width, height = (float(value) for value in operands)
            pending.append((x, y, width, height))
        elif operator in (b"f", b"F", b"f*", b"B", b"b"):
            if all(abs(a - b) < 0.003 for a, b in zip(fill, wanted, strict=True)):
                found.extend(pending)
            pending = []
        elif operator in (b"S", b"n"):
            pending = []
    return found
