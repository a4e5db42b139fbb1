"""Flask blueprints and HTTP plumbing used by ``server.py``."""
