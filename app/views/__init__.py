"""Qt only: windows, dialogs, table models. Views call services and hold no SQL and no rules."""
