"""일괄등록: the clerk's workbook read, checked row by row and written whole."""
