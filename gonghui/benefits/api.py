"""/api/v1/benefits/…"""

from ninja import Router

router = Router(tags=["benefits"])
