"""/api/v1/establishment/…"""

from ninja import Router

router = Router(tags=["establishment"])
