"""core.pdf on its own: a script with Chinese text rendered with a font subset, the font, line breaking,
and the HTTP response. The meetings' notice and minutes are tested in test_meeting_documents.py."""

import ast
import io
import logging
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import pypdf
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from core import pdf

TITLE = "2026年第一次业主大会表决结果"
INTRO = "本次业主大会采用书面投票方式，表决结果公告如下。业主如有异议，可在七日内向业委会书面提出。"
ROWS = [("1", "续聘物业服务企业", "同意"), ("2", "使用专项维修资金更换电梯", "不同意")]


def pdf_text(data: bytes) -> str:
    """All text of a PDF with whitespace removed (pypdf may space out CJK characters)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))


def font_programs(data: bytes) -> list[tuple[str, bytes]]:
    """(base font name, embedded font program) for each embedded font of the PDF."""
    found = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for ref in page["/Resources"].get_object().get("/Font", {}).values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor is not None else {}
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in descriptor:
                        found.append((str(descendant.get_object()["/BaseFont"]), descriptor[key].get_object().get_data()))
    return found


def test_a_script_renders_chinese_text_with_a_font_subset(caplog):
    script = pdf.Script("表决结果公告", TITLE, subject="水岸公馆业主大会", author="水岸公馆业委会")
    script.heading("表决结果公告", TITLE, "水岸公馆")
    script.fields([("投票时间", pdf.datetime_text(datetime(2026, 5, 8, 6, 30, tzinfo=UTC))), ("备注", "")])
    script.section("表决事项")
    script.table(ROWS, shares=(0.1, 0.6, 0.3), headings=("序号", "事项", "结果"), align=("C", "L", "C"))
    script.paragraph(INTRO, colour=pdf.GREY)
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        data = script.render()
    assert "missing" not in caplog.text  # every character drawn is in the subset

    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for expected in (TITLE, "表决结果公告", "投票时间", "2026-05-08", pdf.EMPTY, "续聘物业服务企业", "不同意", INTRO):
        assert expected in text, expected
    assert f"表决结果公告·{TITLE}" in text  # the footer
    metadata = pypdf.PdfReader(io.BytesIO(data)).metadata
    assert metadata.title == f"表决结果公告 · {TITLE}"
    assert metadata.subject == "水岸公馆业主大会" and metadata.author == "水岸公馆业委会"

    # One embedded TrueType font, a subset (a tag before its name) of some tens of kilobytes, where the
    # whole Noto Sans CJK file is 16 MB.
    (name, program), *others = font_programs(data)
    assert not others
    assert re.fullmatch(r"/[A-Z]{6}\+\S+", name), name
    assert len(program) < 200_000
    assert len(data) < 1_000_000
    assert Path(pdf.font_path()).stat().st_size > 10_000_000


def test_datetime_text_is_local_time_or_empty():
    at = datetime(2026, 5, 8, 6, 30, tzinfo=UTC)
    assert pdf.datetime_text(at) == timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
    assert pdf.datetime_text(None) == pdf.EMPTY


def test_core_pdf_imports_no_app_of_the_project():
    """core is the bottom layer: other apps build their documents on it, not the other way round."""
    tree = ast.parse(Path(pdf.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    apps = {"meetings", "deliberation", "people", "places", "cases", "stats", "votes", "config"}
    assert not {name for name in imported if name.split(".")[0] in apps}


# --- the font -----------------------------------------------------------------------------------


def test_font_path_finds_the_packaged_font_and_honours_the_setting(settings, tmp_path):
    assert pdf.font_path().endswith("NotoSansCJKtc-Regular.otf")
    settings.PDF_FONT_PATH = str(tmp_path / "missing.otf")
    with pytest.raises(ImproperlyConfigured):
        pdf.font_path()


def test_simplified_forms_replace_the_taiwanese_defaults():
    font = pdf.cjk_font()
    # 道, 情 and the full-width comma have their own mainland forms in Noto Sans CJK; 水 has one form.
    assert {ord("道"), ord("情"), ord("，")} <= font.substituted
    assert ord("水") not in font.substituted
    assert pdf.cjk_font() is font  # read once per process


# --- line breaking ------------------------------------------------------------------------------


def wrapping_document() -> pdf.Document:
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/cjk.ttf"
        with open(path, "wb") as f:
            f.write(pdf.cjk_font().subset(set("一二三四五六七八九十再来说明水")))
        document = pdf.Document(kind="t", title="t", font=path)
        document.set_font(pdf.FONT, size=pdf.BODY_PT)
        return document


def test_line_breaking_keeps_words_and_punctuation_rules():
    document = wrapping_document()
    width = document.get_string_width("水" * 10)
    assert document.wrap("一二三四五六七八九十，再来。", width + 0.01).split("\n") == ["一二三四五六七八九", "十，再来。"]
    english = document.wrap("The property company replaces the pipe", document.get_string_width("The property ") + 0.01).split(
        "\n"
    )
    assert english == ["The property", "company", "replaces the", "pipe"]
    brackets = document.wrap("（说明）" * 30, width).split("\n")
    assert "".join(brackets) == "（说明）" * 30
    assert not any(line.endswith("（") or line.startswith("）") for line in brackets)
    assert document.wrap("x" * 200, width).replace("\n", "") == "x" * 200  # an overlong word is cut


# --- the response -------------------------------------------------------------------------------


def test_pdf_response_is_inline_with_an_ascii_and_a_utf8_name():
    response = pdf.pdf_response(b"%PDF-1.6 test", "会议通知-12 水管.pdf")
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('inline; filename="12.pdf"; ')
    assert disposition.isascii()
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "会议通知-12 水管.pdf"
    assert response.content == b"%PDF-1.6 test"
    assert response["Cache-Control"] == "private"
    # Quotes and line breaks cannot escape the header.
    evil = pdf.pdf_response(b"", 'a"b\r\nSet-Cookie: x.pdf')
    assert "\n" not in evil["Content-Disposition"] and 'filename="a_b_Set-Cookie_x.pdf"' in evil["Content-Disposition"]
    assert pdf.pdf_response(b"", "纪要.pdf")["Content-Disposition"].startswith('inline; filename="document.pdf"')
