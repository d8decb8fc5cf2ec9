"""Entry script of the frozen app (PyInstaller runs this as __main__).

``SUPPORTDESK_BUNDLE_CHECK=1 supportdesk`` runs packaging/bundle_check.py instead of the app:
it checks, inside the bundle, what hooks tend to lose (keyring backends, psycopg's binary
libpq, matplotlib backends, migrations as source files…). An environment variable rather than
an option so the app's command line stays exactly app.cli's.
"""

import os

if os.environ.get("SUPPORTDESK_BUNDLE_CHECK") == "1":
    from bundle_check import main as check

    raise SystemExit(check())

from app.cli import main

raise SystemExit(main())
