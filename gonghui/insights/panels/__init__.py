"""Dashboard panels: one module each, listed in registry.py."""
