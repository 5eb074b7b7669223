"""`python -m app <command>`: the program without a screen."""

from app.cli import main

raise SystemExit(main())
