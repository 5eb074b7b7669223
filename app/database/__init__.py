"""The database itself: the engine and session, the schema's migrations, backups, and which server this PC uses."""
