"""Writes to 职工之家, by topic: homes.py (homes, facilities, photos, usage, facility types, standards) and
levels.py (level applications through their four steps, awards)."""
