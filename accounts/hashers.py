"""Argon2id with OWASP's first recommended setting, sized for a login storm on a small server."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class BeaconArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, 46 MiB, one pass, one lane (OWASP Password Storage Cheat Sheet, option 1).

    Django's default (100 MiB, two passes, eight lanes) costs about four times the CPU for a
    comparable memory-hard guessing cost; when the whole incident team logs in at the start of a
    bridge call on a two-core server, that difference is the queue in front of the login page.
    The algorithm name stays "argon2", so hashes made with either setting verify and are upgraded
    at the next login.
    """

    time_cost = 1
    memory_cost = 47104
    parallelism = 1
