"""Issue 13: each attack on the desk (at rest, at the command line, by bad input) reproduced and refused."""
