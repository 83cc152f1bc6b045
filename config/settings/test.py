"""Test settings: a throwaway data directory, fast hashing, immediate task execution."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("PELANGGAN_HOME", tempfile.mkdtemp(prefix="pelanggan-test-"))

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Tests use a fixed key set so runs are reproducible; never valid outside tests.
PELANGGAN_DATA_KEYS = (
    '{"active": "t1", "keys": {"t1": "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0="},'
    ' "index_key": "aW5kZXgta2V5LWluZGV4LWtleS1pbmRleC1rZXktaTA="}'
)
