"""수납관리: charges and the ledger, account registrations, debit requests, results, cash and discounts."""
