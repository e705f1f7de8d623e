"""The template workbook offered for download on the upload page and by the API."""

import io

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from people import spreadsheets  # the limits, looked up when used: see spreadsheets/__init__.py

from .vocabulary import CHOICES_OF, EXAMPLES, ORDER, SHEETS

# --- the template workbook -------------------------------------------------------------------


def template_workbook() -> bytes:
    """Five sheets with Chinese headers, an English second header row, one example row each,
    drop-down lists for the choice columns, and text format where Excel would mangle numbers."""
    wb = openpyxl.Workbook()
    guide = wb.active
    guide.title = "说明"
    for line in (
        "邻里 Linli · 名册导入模板 / roster import template",
        "按顺序填写：楼栋 → 房屋 → 人员 → 住户 → 角色；不需要的工作表可以删除。",
        "Fill in order: buildings → units → people → households → roles; delete sheets you do not need.",
        "第2行是英文表头，可保留；第3行是示例，导入前请删除。",
        "Row 2 is the English header (may stay); row 3 is an example: delete it before importing.",
        "楼栋也可写成路径：社区/小区/楼栋。面积单位为平方米，最多两位小数；有面积时必须填写面积来源。",
        "A building may also be written as a path: community/compound/building. Area in m², at most 2 decimals, with its source.",
        "没有手机号和身份证号的人员（如儿童）须同时列在住户表中，以姓名和房号识别。",
        "People without mobile or ID number (e.g. children) must also be listed in the households sheet, by name and unit.",
        "身份证号只用于核对和加密保存，导出时不会包含。",
        "ID numbers are checked and stored encrypted; exports never contain them.",
    ):
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    header_font, hint_font = Font(bold=True), Font(italic=True, color="777777")
    text_columns = {"mobile", "id_number", "label", "building"}
    for kind in ORDER:
        spec = SHEETS[kind]
        ws = wb.create_sheet(spec.zh)
        ws.append([c.zh + ("*" if c.required else "") for c in spec.columns])
        ws.append([c.en for c in spec.columns])
        ws.append([EXAMPLES[kind].get(c.key, "") for c in spec.columns])
        ws.freeze_panes = "A3"
        for i, col in enumerate(spec.columns, start=1):
            letter = get_column_letter(i)
            ws.cell(1, i).font, ws.cell(2, i).font = header_font, hint_font
            ws.column_dimensions[letter].width = max(10, len(col.en) + 4)
            if col.key in text_columns:  # or Excel turns 0101 into 101 and ID numbers into 1.1E+17
                ws.cell(3, i).number_format = "@"
                ws.column_dimensions[letter].number_format = "@"
            if col.key in CHOICES_OF:
                table, _c = CHOICES_OF[col.key]
                options = ",".join(zh for zh, _a in table.values())
                dv = DataValidation(type="list", formula1=f'"{options}"', allow_blank=not col.required)
                dv.error = _("Choose a value from the list.")
                dv.add(f"{letter}3:{letter}{spreadsheets.MAX_ROWS + 2}")
                ws.add_data_validation(dv)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
