"""Superset's configuration for `make bi` (loaded by Superset through SUPERSET_CONFIG_PATH).

Superset imports this module itself, so it reads its two settings from the environment
that bi/superset_setup.py gives the Superset processes:

- ``OMNIREPORT_BI_HOME``: the git-ignored folder holding Superset's metadata database
  (``superset.db``, SQLite) and its secret key (``secret_key``, made once by the setup);
- ``SUPERSET_SECRET_KEY``: the key itself (the setup reads it from that file).

Everything else is a fixed choice for a local, single-user BI server on 127.0.0.1.
"""

import os

_home = os.environ["OMNIREPORT_BI_HOME"]

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = f"sqlite:///{os.path.join(_home, 'superset.db')}?check_same_thread=false"
DATA_DIR = _home

# No call home, no example data, no cache: every chart reads the snapshot as it is now.
SCARF_ANALYTICS = False
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
FEATURE_FLAGS = {"DASHBOARD_NATIVE_FILTERS": True, "ALERT_REPORTS": False}

# Superset's default content security policy, less every outside host (map tiles, the
# Scarf pixel that the 6.1 menu always draws): the page loads nothing from outside.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
