"""Entry point of the bundled desktop program (kscms.exe): the same `app.gui.main` as `python -m app.gui`.

PyInstaller runs its entry script as `__main__`; a separate two-line script keeps `app.gui` an
ordinary imported module, so its imports are analysed the same way as in the source tree.
"""

from app.gui import main

raise SystemExit(main())
