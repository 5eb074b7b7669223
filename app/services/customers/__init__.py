"""고객관리: customers, their debit agreements, their consent evidence, exports and 일괄등록."""
