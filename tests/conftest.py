"""Test-session settings shared by every test module."""

from __future__ import annotations

import os
import tempfile

import matplotlib

matplotlib.use("Agg")

# Token caches written by tests go to a throw-away folder, never the user's ~/.cache.
os.environ["TEXTMINE_CACHE_DIR"] = tempfile.mkdtemp(prefix="textmine-test-cache-")
