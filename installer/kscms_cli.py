"""Entry point of the bundled command line (kscms-cli.exe): the same `app.cli.main.main` as `python -m app`.

A console executable beside the windowed one, so an administrator on a PC without Python can run
`kscms-cli backup`, `kscms-cli restore FILE --yes`, `kscms-cli migrate` and the other commands.
"""

from app.cli.main import main

raise SystemExit(main())
