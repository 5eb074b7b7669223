"""What every screen shares: the page base, context, theme, tables' fitting, date pickers, report preview."""
