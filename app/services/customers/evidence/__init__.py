"""출금동의 증빙: consent evidence kept sealed, fitted to the agency's limit, attached in bulk, gathered for a dispute."""
