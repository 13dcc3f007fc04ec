"""PDF documents: an fpdf2 page with the bundled DejaVu Sans font (Vietnamese glyphs), headings, key-value
tables and wrapped text. Names no domain: callers hand it words and numbers already formatted."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

#: the bundled fonts (DejaVu Sans, Bitstream Vera licence: ``fonts/LICENSE-DejaVu.txt``)
FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"


class Document:
    """One A4 portrait document built top to bottom; :meth:`output` gives its bytes."""

    def __init__(self, title: str, *, author: str = "", footer: str = "", created_at: datetime | None = None) -> None:
        self._footer = footer
        pdf = _Page(footer)
        pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        pdf.set_title(title)
        if author:
            pdf.set_author(author)
        if created_at is not None:  # the same content and date give the same bytes
            pdf.set_creation_date(created_at)
        pdf.set_auto_page_break(True, margin=15)
        pdf.add_page()
        self.pdf = pdf
        self.heading(title, size=16)

    def heading(self, text: str, size: int = 12) -> None:
        """A bold heading on its own line."""
        self.pdf.set_font(FAMILY, "B", size)
        self.pdf.multi_cell(0, size * 0.6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1.5)

    def text(self, text: str, size: int = 10) -> None:
        """A paragraph, wrapped to the page width."""
        self.pdf.set_font(FAMILY, "", size)
        self.pdf.multi_cell(0, 5, text or "-", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1)

    def pairs(self, rows: list[tuple[str, str]], label_width: float = 55) -> None:
        """Label / value rows (the value wraps)."""
        width = self.pdf.epw - label_width
        for label, value in rows:
            self.pdf.set_font(FAMILY, "B", 9)
            y = self.pdf.get_y()
            self.pdf.multi_cell(label_width, 5, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
            self.pdf.set_font(FAMILY, "", 9)
            self.pdf.multi_cell(width, 5, value or "-", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.pdf.set_y(max(self.pdf.get_y(), y + 5))
        self.pdf.ln(2)

    def table(self, header: list[str], rows: list[list[str]], widths: list[float] | None = None,
              size: int = 8) -> None:
        """A table with a bold header row; cells wrap."""
        self.pdf.set_font(FAMILY, "", size)
        col_widths = widths or [self.pdf.epw / len(header)] * len(header)
        with self.pdf.table(col_widths=col_widths, text_align="LEFT", line_height=size * 0.55,
                            headings_style=_headings(size)) as table:
            for cells in [header, *rows]:
                row = table.row()
                for cell in cells:
                    row.cell(str(cell) if cell not in (None, "") else "-")
        self.pdf.ln(2)

    def output(self) -> bytes:
        """The finished document's bytes."""
        return bytes(self.pdf.output())


def _headings(size: int) -> FontFace:
    return FontFace(family=FAMILY, emphasis="BOLD", size_pt=size)


class _Page(FPDF):
    """A page with a small footer line and page numbers."""

    def __init__(self, footer: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer_text = footer

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 7)
        self.cell(0, 5, f"{self._footer_text}  {self.page_no()}/{{nb}}".strip(), align="C")
