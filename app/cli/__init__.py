"""`python -m app <command>`: the program without a screen, one module per group of commands."""
