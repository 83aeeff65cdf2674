"""Query parameters shared by the notifications routes."""

from typing import Annotated

from litestar.params import QueryParameter

Limit = Annotated[int, QueryParameter(ge=1, le=200)]
