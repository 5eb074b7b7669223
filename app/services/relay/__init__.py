"""Getting files to and from the relay: an SFTP transport and the built-in bank simulator."""
