"""The shape of a module catalogue, validated field by field (the README's "Catalogue rule").

A catalogue is read from a user's file and again from the database by every submitter and
client, so the model holds every rule a catalogue must keep to be usable: names that can
become document ids and file names, macro paths that stay inside the release, data types
gasp knows, and (for processing) references that resolve without a cycle.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from gasp.catalog.references import Problem, reference_problems
from gasp.model.documents import DataType, EventMode  # the documents' own, re-exported
from gasp.values import MAX_NAME, Name, RelativePath

Level = Literal["sub_run", "run", "run_zdab", "run_root"]

IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
"""A template field: what ``${...}`` may name in a macro (and a request's template keys)."""

_MODULE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_SUFFIX = r"^[A-Za-z0-9_]+$"


def check_module_name(name: str) -> str:
    """A module name: a letter, then letters, digits and ``_``; at most ``MAX_NAME`` long.

    Module names become parts of job and data document ids and of output file names.
    """
    if len(name) > MAX_NAME or not _MODULE_NAME.fullmatch(name):
        raise ValueError(
            f"{name[:MAX_NAME]!r} is not a module name: a letter, then letters, digits and _, "
            f"at most {MAX_NAME} characters"
        )
    return name


ModuleName = Annotated[str, AfterValidator(check_module_name)]
TemplateField = Annotated[str, Field(pattern=f"^{IDENTIFIER}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _check_outputs(outputs: list[DataType], other_suffix: str | None) -> None:
    uses_other = any(o.startswith("other_") for o in outputs)
    if uses_other and not other_suffix:
        raise ValueError("other_ratds/other_ntuple outputs need an other_suffix")
    if other_suffix and not uses_other:
        raise ValueError("other_suffix is set but no other_* output is listed")
    if len(set(outputs)) != len(outputs):
        raise ValueError("an output data type is listed twice (both would write one file)")


class ProductionModule(_Strict):
    """How to run one production module."""

    event_mode: EventMode
    path: RelativePath
    outputs: list[DataType] = Field(min_length=1)
    template: list[TemplateField] = []
    other_suffix: str | None = Field(default=None, pattern=_SUFFIX)

    @model_validator(mode="after")
    def _consistent(self) -> ProductionModule:
        _check_outputs(list(self.outputs), self.other_suffix)
        if len(set(self.template)) != len(self.template):
            raise ValueError("a template field is listed twice")
        return self


class ProcessingModule(_Strict):
    """How to run one processing module on detector data."""

    type: Literal["macro", "script"]
    level: Level
    path: RelativePath
    outputs: list[DataType] = []
    prerequisites: list[str] = []
    raw_processor: bool
    other_suffix: str | None = Field(default=None, pattern=_SUFFIX)
    db_outputs: list[DataType] = []

    @model_validator(mode="after")
    def _consistent(self) -> ProcessingModule:
        _check_outputs(list(self.outputs), self.other_suffix)
        if not self.outputs and not self.db_outputs:
            raise ValueError("a processing module needs outputs or db_outputs")
        return self


class ProductionCatalogue(_Strict):
    kind: Literal["production"] = "production"
    rat_version: Name
    modules: dict[ModuleName, ProductionModule] = Field(min_length=1)


class ProcessingCatalogue(_Strict):
    kind: Literal["processing"] = "processing"
    rat_version: Name
    modules: dict[ModuleName, ProcessingModule] = Field(min_length=1)
    modules_for_run_type: dict[str, list[str]] = {}

    @model_validator(mode="after")
    def _references(self) -> ProcessingCatalogue:
        prerequisites = {name: module.prerequisites for name, module in self.modules.items()}
        _refuse(type(self).__name__, reference_problems(prerequisites, self.modules_for_run_type))
        return self


Catalogue = ProductionCatalogue | ProcessingCatalogue


def _refuse(title: str, problems: list[Problem]) -> None:
    """Raise every problem at once, each at its own field path.

    A ``ValueError`` from a validator is one error at the top level; a ``ValidationError``
    built from the list keeps each problem's location, so a report names every field.
    """
    if problems:
        raise ValidationError.from_exception_data(
            title,
            [
                InitErrorDetails(
                    type=PydanticCustomError("catalogue", "{problem}", {"problem": message}),
                    loc=location,
                    input=None,
                )
                for location, message in problems
            ],
        )


__all__ = [
    "IDENTIFIER",
    "Catalogue",
    "DataType",
    "EventMode",
    "Level",
    "ModuleName",
    "ProcessingCatalogue",
    "ProcessingModule",
    "ProductionCatalogue",
    "ProductionModule",
    "TemplateField",
    "check_module_name",
]
