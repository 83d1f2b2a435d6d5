"""/api/v1/idcard/…"""

from ninja import Router

router = Router(tags=["idcards"])
