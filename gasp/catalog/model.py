"""The shape of a module catalogue, validated field by field (DESIGN.md section 5)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DataType = Literal["ratds", "ntuple", "soc", "other_ratds", "other_ntuple"]
EventMode = Literal["time", "number", "run", "run_number"]
Level = Literal["sub_run", "run", "run_zdab", "run_root"]

_MODULE_NAME = r"^[A-Za-z][A-Za-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _check_other_suffix(outputs: list[str], other_suffix: str | None) -> None:
    uses_other = any(o.startswith("other_") for o in outputs)
    if uses_other and not other_suffix:
        raise ValueError("other_ratds/other_ntuple outputs need an other_suffix")
    if other_suffix and not uses_other:
        raise ValueError("other_suffix is set but no other_* output is listed")


class ProductionModule(_Strict):
    """How to run one production module."""

    event_mode: EventMode
    path: str = Field(min_length=1)
    outputs: list[DataType] = Field(min_length=1)
    template: list[str] = []
    other_suffix: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]+$")

    @model_validator(mode="after")
    def _consistent(self) -> ProductionModule:
        _check_other_suffix(list(self.outputs), self.other_suffix)
        if len(set(self.template)) != len(self.template):
            raise ValueError("a template field is listed twice")
        return self


class ProcessingModule(_Strict):
    """How to run one processing module on detector data."""

    type: Literal["macro", "script"]
    level: Level
    path: str = Field(min_length=1)
    outputs: list[DataType] = []
    prerequisites: list[str] = []
    raw_processor: bool
    other_suffix: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]+$")
    db_outputs: list[str] = []

    @model_validator(mode="after")
    def _consistent(self) -> ProcessingModule:
        _check_other_suffix(list(self.outputs), self.other_suffix)
        if not self.outputs and not self.db_outputs:
            raise ValueError("a processing module needs outputs or db_outputs")
        return self


class ProductionCatalogue(_Strict):
    kind: Literal["production"] = "production"
    rat_version: str = Field(min_length=1)
    modules: dict[str, ProductionModule] = Field(min_length=1)

    @model_validator(mode="after")
    def _names(self) -> ProductionCatalogue:
        _check_names(self.modules)
        return self


class ProcessingCatalogue(_Strict):
    kind: Literal["processing"] = "processing"
    rat_version: str = Field(min_length=1)
    modules: dict[str, ProcessingModule] = Field(min_length=1)
    modules_for_run_type: dict[str, list[str]] = {}

    @model_validator(mode="after")
    def _references(self) -> ProcessingCatalogue:
        _check_names(self.modules)
        for name, module in self.modules.items():
            for prerequisite in module.prerequisites:
                if prerequisite not in self.modules:
                    raise ValueError(f"{name}: unknown prerequisite module {prerequisite!r}")
        for run_type, names in self.modules_for_run_type.items():
            for name in names:
                if name not in self.modules:
                    raise ValueError(f"modules_for_run_type.{run_type}: unknown module {name!r}")
        return self


Catalogue = ProductionCatalogue | ProcessingCatalogue


def _check_names(modules: Mapping[str, object]) -> None:
    for name in modules:
        if not re.match(_MODULE_NAME, name):
            raise ValueError(f"module name {name!r} must be letters, digits and _")
