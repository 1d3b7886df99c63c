"""incidents' and communications' migrations as they were at commit 696cd96 (before the squash).

Frozen history, copied verbatim: test_migrate.py builds an old install's database with them.
"""
