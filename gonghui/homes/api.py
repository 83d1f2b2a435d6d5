"""/api/v1/homes/…"""

from ninja import Router

router = Router(tags=["homes"])
