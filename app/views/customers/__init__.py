"""고객관리 screens: the customer list and its dialogs, 이체정보, 일괄등록 and consent evidence."""
