"""Every write of the benefit: plans (plans.py), the settlement feed (feed.py), manual claims (manual.py)."""
