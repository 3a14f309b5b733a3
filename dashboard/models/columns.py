"""Columns' sizes, read from the models: a limit is never repeated as a literal."""

from __future__ import annotations

from django.db import models


def column_max(model: type[models.Model], field: str) -> int:
    """A column's size, read from the model: a limit is never repeated as a literal."""
    return model._meta.get_field(field).max_length
