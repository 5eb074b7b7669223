"""통장입금대사: the office's bank statement read, its deposits matched to what is unpaid, and applied as 계좌입금.

`model` holds the values the parts pass each other; `reader` reads a statement file (.xlsx, .xls,
.csv of the major banks, or any with the clerk's column mapping); `matching` proposes, for each
deposit, the charges it pays and why; `applying` writes the clerk's confirmed decisions in one
transaction and keeps every other deposit for later.
"""
