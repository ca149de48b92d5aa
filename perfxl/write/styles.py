"""The look of the standard workbook: fonts, fills, borders (openpyxl objects)."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

BODY_FONT = "宋体"
TITLE_FONT = "黑体"

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
NO_BORDER = Border()

TITLE = Font(name=TITLE_FONT, size=16, bold=True)
LABEL = Font(name=BODY_FONT, size=10.5, bold=True)
BODY = Font(name=BODY_FONT, size=10.5)
SMALL = Font(name=BODY_FONT, size=9, color="595959")
LINK = Font(name=BODY_FONT, size=10.5, color="0563C1", underline="single")

INPUT_FILL = PatternFill("solid", fgColor="FFF8E1")  # light: input cells
LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
DERIVED_FILL = PatternFill("solid", fgColor="EAF1FB")  # computed cells
NO_FILL = PatternFill(fill_type=None)  # a text beside the table (单位：万元), not a label

CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
LEFT_NOWRAP = Alignment(horizontal="left", vertical="center", wrap_text=False)
LEFT_TOP = Alignment(horizontal="left", vertical="top", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")

UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)

AMOUNT_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.00%"
TEXT_FORMAT = "@"
