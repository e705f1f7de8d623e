"""PDF documents in Chinese (and English) with fpdf2: a subset of a CJK font, and line breaking.

Written on A4 with page numbers, the Chinese set in a subset of Noto Sans CJK embedded in the file
(``font_path``, ``CJKFont``), so it shows the same in every viewer and can be searched and copied.
Labels come through gettext in the current language; names, titles and text go in as given.

A document is first written as a script (``Script``: headings, label–value blocks, tables,
paragraphs), which tells which characters it needs; then the font is cut to those characters and
the script is set on the pages (``Document``)::

    script = Script(kind, title, subject=subtitle, author=issuer)  # footer: "kind · title"
    script.heading(kind, title, subtitle)
    script.fields([(_("Time"), datetime_text(at)), ...])
    script.section(_("Results"))
    script.table(rows, shares=(0.3, 0.7), headings=(...))
    script.paragraph(text)
    return pdf_response(script.render(), "result.pdf")

Chinese has no spaces between words, so text is broken into lines here (``Document.wrap``): between
any two Chinese characters, at spaces in Latin text, never before closing or after opening
punctuation (避头尾), and inside a word only when it is longer than a whole line.

Knows nothing of any app: what a document says comes in as plain strings.
"""

import importlib.util
import io
import re
import tempfile
import threading
import unicodedata
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

__all__ = [
    "ALERT",
    "BLACK",
    "BODY_PT",
    "EMPTY",
    "FONT",
    "GREY",
    "HEADING_FILL",
    "LABEL_SHARE",
    "LINE",
    "MARGIN",
    "RULE_GREY",
    "SMALL_PT",
    "CJKFont",
    "Document",
    "Script",
    "cjk_font",
    "datetime_text",
    "font_path",
    "pdf_response",
]

FONT_PACKAGE = "cvttf_NotoSansCJK_Regular"
FONT_FILE = "NotoSansCJKtc-Regular.otf"
FONT = "cjk"

# Sizes in points, lengths in millimetres.
BODY_PT = 10.5
SMALL_PT = 8.5
LINE = 5.6
MARGIN = 20
LABEL_SHARE = 0.27
BLACK = (0, 0, 0)
GREY = (90, 90, 90)
RULE_GREY = (170, 170, 170)
HEADING_FILL = (236, 236, 236)
ALERT = (170, 20, 20)
EMPTY = "—"


def font_path() -> str:
    """The CJK font to embed: ``settings.PDF_FONT_PATH`` if set, else the OpenType file shipped in the
    ``cvttf-NotoSansCJK-Regular`` package. Raises ``ImproperlyConfigured`` when there is none."""
    override = getattr(settings, "PDF_FONT_PATH", "")
    if override:
        path = Path(override)
    else:
        spec = importlib.util.find_spec(FONT_PACKAGE)
        if spec is None or not spec.origin:
            raise ImproperlyConfigured(f"Install {FONT_PACKAGE.replace('_', '-')} or set PDF_FONT_PATH to a CJK font.")
        path = Path(spec.origin).parent / FONT_FILE
    if not path.is_file():
        raise ImproperlyConfigured(f"The PDF font {path} does not exist.")
    return str(path)


# --- the font ----------------------------------------------------------------------------------


# Characters every document may need besides its own text: ASCII, the page numbers, common punctuation.
BASE_CHARACTERS = frozenset(chr(c) for c in range(0x20, 0x7F)) | frozenset("—–·…“”‘’，。：；、！？（）《》【】「」\u3000")


class CJKFont:
    """The CJK font, read once per process, from which each document gets a small TrueType font holding
    just the characters it uses.

    Why not give fpdf2 the OpenType file itself: fpdf2 embeds a CID-keyed CFF font with its own
    encoding CMap, which some readers cannot map back to text (pypdf, for one, reads it as one byte
    a character, and from the 256th distinct character on returns the wrong ones), and it parses and
    subsets the 16 MB file again for every document (about 0.45 s). A TrueType subset is embedded as
    ``Identity-H`` with a ``/FontFile2``, which every reader understands, and takes some tens of
    milliseconds once the outlines of its characters have been converted (cubic to quadratic
    curves within 1/1000 em, once per character and process). Reading the font costs about 0.3 s
    and 60 MB once per process.

    The file is Noto Sans CJK TC, whose default glyphs for many shared code points are the
    Taiwanese forms (道, 通, 情, the centred full-width ，。). The documents are for the mainland,
    so every character uses the font's own Simplified Chinese form where it has one (the ``locl``
    feature for the language ZHS of the Han script).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.source = TTFont(path, lazy=True)
        substitutes = _simplified_substitutes(self.source)
        cmap = self.source.getBestCmap()
        self.cmap: dict[int, str] = {code: substitutes.get(name, name) for code, name in cmap.items()}
        self.substituted = frozenset(code for code, name in cmap.items() if name in substitutes)
        for tag in ("cmap", "GSUB"):  # read once, not needed again
            if tag in self.source:
                del self.source[tag]
        self.metrics = self.source["hmtx"].metrics
        self.glyphs = self.source.getGlyphSet()
        self.outlines: dict[str, object] = {}
        self.units = self.source["head"].unitsPerEm
        hhea, os2, post = self.source["hhea"], self.source["OS/2"], self.source["post"]
        self.hhea = {"ascent": hhea.ascent, "descent": hhea.descent, "lineGap": hhea.lineGap}
        self.os2 = {
            name: getattr(os2, name)
            for name in (
                "sTypoAscender",
                "sTypoDescender",
                "sTypoLineGap",
                "usWinAscent",
                "usWinDescent",
                "sCapHeight",
                "sxHeight",
                "yStrikeoutPosition",
                "yStrikeoutSize",
                "usWeightClass",
            )
            if hasattr(os2, name)
        }
        self.post = {"underlinePosition": post.underlinePosition, "underlineThickness": post.underlineThickness}
        names = self.source["name"]
        self.notices = {
            key: text
            for key, name_id in (("copyright", 0), ("trademark", 7), ("licenseDescription", 13), ("licenseInfoURL", 14))
            if (text := names.getDebugName(name_id))
        }

    def _outline(self, name: str):
        outline = self.outlines.get(name)
        if outline is None:
            pen = TTGlyphPen(None)
            self.glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
            outline = self.outlines[name] = pen.glyph()
        return outline

    def subset(self, characters) -> bytes:
        """A TrueType font with the glyphs of ``characters`` (those the font has) and BASE_CHARACTERS.
        One at a time: fontTools objects are not safe to share between threads."""
        with self.lock:
            cmap = {ord(c): self.cmap[ord(c)] for c in {*characters, *BASE_CHARACTERS} if ord(c) in self.cmap}
            order = [".notdef", *sorted(set(cmap.values()) - {".notdef"})]
            outlines = {name: self._outline(name) for name in order}
            builder = FontBuilder(self.units, isTTF=True)
            builder.setupGlyphOrder(order)
            builder.setupCharacterMap(cmap)
            builder.setupGlyf(outlines)
            advances = {name: (self.metrics[name][0], getattr(outlines[name], "xMin", 0)) for name in order}
            builder.setupHorizontalMetrics(advances)
            builder.setupHorizontalHeader(**self.hhea)
            builder.setupNameTable(
                {
                    "familyName": "Linli CJK",
                    "styleName": "Regular",
                    "fullName": "Linli CJK Regular",
                    "psName": "LinliCJK-Regular",
                    "description": "A subset of Noto Sans CJK with Simplified Chinese forms, outlines as TrueType",
                    **self.notices,
                },
                mac=False,
            )
            builder.setupOS2(**self.os2)
            builder.setupPost(keepGlyphNames=False, **self.post)
            out = io.BytesIO()
            builder.save(out)
        return out.getvalue()


def _simplified_substitutes(font: TTFont) -> dict[str, str]:
    """Default glyph name → Simplified Chinese glyph name: the single substitutions of the ``locl``
    feature for the language ZHS of the Han script. Empty for a font without them."""
    if "GSUB" not in font:
        return {}
    gsub = font["GSUB"].table
    lookups: set[int] = set()
    for script in gsub.ScriptList.ScriptRecord:
        if script.ScriptTag != "hani":
            continue
        for lang in script.Script.LangSysRecord:
            if lang.LangSysTag.strip() == "ZHS":
                for index in lang.LangSys.FeatureIndex:
                    record = gsub.FeatureList.FeatureRecord[index]
                    if record.FeatureTag == "locl":
                        lookups.update(record.Feature.LookupListIndex)
    substitutes: dict[str, str] = {}
    for index in sorted(lookups):
        lookup = gsub.LookupList.Lookup[index]
        for table in lookup.SubTable:
            if lookup.LookupType == 7:  # an extension lookup wraps the real one
                table = table.ExtSubTable
            mapping = getattr(table, "mapping", None)  # single substitutions only
            if isinstance(mapping, dict):
                substitutes.update(mapping)
    return substitutes


_fonts: dict[str, CJKFont] = {}
_fonts_lock = threading.Lock()


def cjk_font() -> CJKFont:
    """The process's ``CJKFont`` for ``font_path()`` (read on first use, about 0.8 s)."""
    path = font_path()
    with _fonts_lock:
        font = _fonts.get(path)
        if font is None:
            font = _fonts[path] = CJKFont(path)
    return font


# --- line breaking -------------------------------------------------------------------------------

_WIDE = (
    "\u1100-\u11ff\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3200-\u9fff\uac00-\ud7af"
    "\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff"
)
_TOKEN = re.compile(rf"[ \t]+|[{_WIDE}]|[^ \t{_WIDE}]+")
# 避头尾: these never start a line (closing punctuation) / never end one (opening punctuation).
_NO_START = frozenset("，。、；：？！）》」』】〕〉〗”’…‥—～·%,.;:?!)]}")
_NO_END = frozenset("（《「『【〔〈〖“‘([{")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _clean(text) -> str:
    text = "" if text is None else str(text)
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    "))


# --- the script and the document ----------------------------------------------------------------


class Script:
    """What a document says, in order: calls of ``Document``'s writing methods (``STEPS``), recorded
    so that the characters are known before the font is made. Everything the methods write comes in
    their arguments, except the footer (``kind`` · ``title`` and the page number). ``subject`` and
    ``author`` go into the file's properties only."""

    STEPS = frozenset({"heading", "section", "fields", "table", "paragraph", "keep_together", "gap"})

    def __init__(self, kind: str, title: str, *, subject: str = "", author: str = "") -> None:
        self.kind = kind
        self.title = title
        self.subject = subject
        self.author = author
        self.steps: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, name: str):
        if name not in self.STEPS:
            raise AttributeError(name)
        return lambda *args, **kwargs: self.steps.append((name, args, kwargs))

    def characters(self) -> set[str]:
        found: set[str] = set()

        def walk(value) -> None:
            if isinstance(value, str | Promise | int):
                found.update(str(value))
            elif isinstance(value, list | tuple):
                for part in value:
                    walk(part)
            elif isinstance(value, dict):
                walk(list(value.values()))

        walk([self.kind, self.title, _("Page %(page)s of %(pages)s")])
        for _name, args, kwargs in self.steps:
            walk([args, kwargs])
        return found

    def render(self) -> bytes:
        """The PDF: the font cut to the script's characters, then every recorded step set on the pages."""
        font = cjk_font().subset(self.characters())
        with tempfile.TemporaryDirectory(prefix="linli-pdf-") as folder:
            path = Path(folder) / "cjk.ttf"
            path.write_bytes(font)
            pdf = Document(kind=self.kind, title=self.title, subject=self.subject, author=self.author, font=str(path))
            for name, args, kwargs in self.steps:
                getattr(pdf, name)(*args, **kwargs)
            return bytes(pdf.output())


class Document(FPDF):
    """An A4 page with the CJK font (``font``: the path of a TrueType file, e.g. a ``CJKFont.subset``),
    a footer with the document's name (``kind`` · ``title``) and the page number, and the writing
    methods a ``Script`` records: headings, label–value blocks, tables, wrapped paragraphs."""

    def __init__(self, *, kind: str, title: str, font: str, subject: str = "", author: str = "") -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.kind = kind
        self.document_name = f"{kind} · {title}"  # fpdf2's own ``title`` is the file's property, set below
        self.add_font(FONT, fname=font)
        self.set_margins(MARGIN, 18, MARGIN)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages(align=Align.R)
        language = translation.get_language() or settings.LANGUAGE_CODE
        self.set_lang("en" if language.startswith("en") else "zh-CN")
        self.set_title(self.document_name)
        self.set_subject(subject)
        self.set_author(author)
        self.set_creator("Linli")
        self.set_creation_date(timezone.now())
        self.add_page()
        self.set_font(FONT, size=BODY_PT)

    # Line breaking ----------------------------------------------------------------------------------

    def wrap(self, text, width: float) -> str:
        """``text`` broken into lines no wider than ``width`` in the current font (see the module)."""
        lines: list[str] = []
        for paragraph in _clean(text).split("\n"):
            lines.extend(self._wrap_paragraph(paragraph, width))
        return "\n".join(lines)

    def _wrap_paragraph(self, paragraph: str, width: float) -> list[str]:
        tokens: list[str] = []
        for token in _TOKEN.findall(paragraph):
            if token[0] not in " \t" and self.get_string_width(token) > width:
                tokens.extend(token)  # a word longer than a line: break it anywhere
            else:
                tokens.append(token)
        lines: list[str] = []
        line: list[str] = []
        used = 0.0
        for token in tokens:
            size = self.get_string_width(token)
            if not line or used + size <= width:
                if line or not token.isspace() or not lines:
                    line.append(token)
                    used += size
                continue
            if token.isspace():  # break at the space, which disappears
                lines.append("".join(line).rstrip())
                line, used = [], 0.0
                continue
            carry: list[str] = []
            if token[0] in _NO_START and len(line) > 1:
                carry.append(line.pop())
            while len(line) > 1 and line[-1][-1] in _NO_END:
                carry.insert(0, line.pop())
            lines.append("".join(line).rstrip())
            line = [*carry, token]
            used = sum(self.get_string_width(t) for t in line)
        lines.append("".join(line).rstrip())
        return lines

    # Writing methods (recorded by Script) --------------------------------------------------------------

    def paragraph(self, text, *, size: float = BODY_PT, align: str = "L", line: float = LINE, colour: tuple = BLACK) -> None:
        self.set_font(FONT, size=size)
        self.set_text_color(*colour)
        self.multi_cell(
            self.epw,
            line,
            self.wrap(text, self.epw - 2 * self.c_margin - 0.05),
            align=align,
            wrapmode=WrapMode.CHAR,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_text_color(*BLACK)

    def gap(self, height: float) -> None:
        self.ln(height)

    def keep_together(self, height: float) -> None:
        """Start a new page unless ``height`` millimetres still fit on this one."""
        if self.will_page_break(height):
            self.add_page()

    def heading(self, text: str, title: str, subtitle: str, note: str = "") -> None:
        self.paragraph(text, size=20, align="C", line=10)
        self.ln(1)
        self.paragraph(title, size=14, align="C", line=7)
        self.paragraph(subtitle, align="C", colour=GREY)
        if note:
            self.ln(2)
            self.paragraph(note, size=11, align="C", line=6, colour=ALERT)
        self.ln(3)

    def section(self, text: str) -> None:
        self.keep_together(LINE * 4)
        self.ln(3)
        self.paragraph(text, size=13, line=7)
        self.set_draw_color(*RULE_GREY)
        self.set_line_width(0.3)
        self.line(self.l_margin, self.get_y() + 0.5, self.w - self.r_margin, self.get_y() + 0.5)
        self.set_draw_color(*BLACK)
        self.ln(2.5)

    def fields(self, rows: list[tuple[str, object]]) -> None:
        """Label–value pairs, the labels grey in a narrow column; empty values show as a dash. A long value
        runs on over the page break (an fpdf2 table row cannot)."""
        self.set_font(FONT, size=BODY_PT)
        label_width = self.epw * LABEL_SHARE
        value_width = self.epw - label_width
        for label, value in rows:
            value = EMPTY if value is None or value == "" else value
            label_text = self.wrap(label, label_width - 2 * self.c_margin - 0.05)
            self.keep_together(LINE * (label_text.count("\n") + 1))
            page, label_bottom = self.page, self.get_y() + LINE * (label_text.count("\n") + 1)
            self.set_text_color(*GREY)
            self.multi_cell(label_width, LINE, label_text, wrapmode=WrapMode.CHAR, new_x=XPos.RIGHT, new_y=YPos.TOP)
            self.set_text_color(*BLACK)
            self.multi_cell(
                value_width,
                LINE,
                self.wrap(value, value_width - 2 * self.c_margin - 0.05),
                wrapmode=WrapMode.CHAR,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            if self.page == page and self.get_y() < label_bottom:
                self.set_y(label_bottom)
            self.ln(0.8)
        self.ln(1)

    def table(
        self,
        rows: list[tuple],
        *,
        shares: tuple[float, ...],
        headings: tuple[str, ...] | None = None,
        align: tuple[str, ...] = (),
    ) -> None:
        """A table over the full text width (``shares`` of it per column), each cell wrapped like a
        paragraph. With ``headings``: ruled, with a shaded heading row repeated on every page. For short
        cells only: fpdf2 cannot break a row over two pages."""
        self.set_font(FONT, size=BODY_PT)
        padding = 1.5
        widths = [self.epw * share / sum(shares) for share in shares]
        ruled = headings is not None
        with super().table(
            col_widths=widths,
            width=self.epw,
            first_row_as_headings=ruled,
            headings_style=FontFace(emphasis="", fill_color=HEADING_FILL),
            borders_layout=TableBordersLayout.ALL if ruled else TableBordersLayout.NONE,
            line_height=LINE,
            padding=padding,
            text_align="LEFT",
            v_align="TOP",
            wrapmode=WrapMode.CHAR,
        ) as table:
            for values in [headings] * ruled + list(rows):
                row = table.row()
                for n, (value, width) in enumerate(zip(values, widths, strict=True)):
                    text = self.wrap(value, width - 2 * padding - 0.5)
                    row.cell(text, align=align[n] if n < len(align) else None)
        self.ln(1)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=SMALL_PT)
        self.set_text_color(*GREY)
        first, *more = self.wrap(self.document_name, self.epw * 0.7 - 2 * self.c_margin - self.get_string_width("…")).split("\n")
        self.cell(self.epw * 0.7, 5, f"{first}…" if more else first, align=Align.L)
        pages = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": self.str_alias_nb_pages}
        self.cell(0, 5, pages, align=Align.R)
        self.set_text_color(*BLACK)


# --- values --------------------------------------------------------------------------------------


def datetime_text(value: datetime | None) -> str:
    """``value`` as "2026-05-08 14:30" in local time; ``EMPTY`` for none."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else EMPTY


# --- the response --------------------------------------------------------------------------------


def _ascii_filename(filename: str) -> str:
    """A plain ASCII stand-in for the ``filename`` parameter: accents dropped, anything else that is
    not a letter, digit, dot, dash or underscore becomes "_"; "document" if nothing is left."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    plain = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", plain).strip("._-") or "document"
    extension = re.sub(r"[^A-Za-z0-9]+", "", extension)
    return f"{plain}.{extension}" if extension else plain


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    """``data`` as a PDF shown in the browser, saved as ``filename``: an ASCII ``filename`` for old
    clients and the full (e.g. Chinese) name as RFC 5987 ``filename*``. Not stored by shared caches."""
    response = HttpResponse(data, content_type="application/pdf")
    filename = _clean(filename).replace("\n", " ").strip() or "document.pdf"
    ascii_name = _ascii_filename(filename)
    response["Content-Disposition"] = f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
    response["Cache-Control"] = "private"
    return response
