"""Printed 집계: PDF reports (reportlab), their Excel twins (openpyxl) and 미납 안내문 letters.

`model` holds the report as data (columns, sections, totals) so the PDF and the .xlsx of one
aggregate are built from the same rows and cannot disagree; `layouts` turns each aggregate's service
result into that model; `pdf` and `xlsx` write it; `fonts` finds a Korean font to embed.
"""
