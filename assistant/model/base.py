"""The base of every domain record: strict pydantic models (unknown fields are refused)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

LanguageCode = Annotated[
    str, Field(pattern=r"^[a-z]{2,3}$", description="ISO 639 code; 'und' when undetermined")
]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False, use_enum_values=False)
