"""The JSON API v1 (`/api/v1`): its blueprint and its OpenAPI document."""

from .views import bp

__all__ = ["bp"]
