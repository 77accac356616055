"""Service catalog: the 16 LA 311 service types, their attributes and GeoReport v2 rendering.

The catalog lives in ``catalog.yml`` next to this module and is loaded once (:func:`get_catalog`).
Service codes and attribute codes are fixed; texts exist in the default language (English) and
any other language pack's language (``{en: …, es: …}``); a language without a text falls back to
the default language's.

Example:
    >>> catalog = get_catalog()
    >>> catalog.service("pothole").service_name.get("es")
    'Bache - reparación menor de asfalto'
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.languages import codes, default_language
from bot.text import supported_code

__all__ = [
    "CATALOG_PATH",
    "AttributeDef",
    "AttributeValue",
    "Catalog",
    "Datatype",
    "Locale",
    "LocalizedText",
    "ServiceDef",
    "get_catalog",
    "load_catalog",
    "normalize_locale",
]

CATALOG_PATH = Path(__file__).with_name("catalog.yml")

Locale = str
"""A language pack's code."""
Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
LIST_DATATYPES: frozenset[str] = frozenset({"singlevaluelist", "multivaluelist"})


def normalize_locale(value: str | None) -> Locale:
    """Map a locale or language tag (``"es"``, ``"es-MX"``, ``"EN_us"``) to a pack's language.

    Args:
        value: Locale or language tag; ``None`` or an unsupported language gives the default
            language.

    Returns:
        The tag's language when a language pack speaks it, otherwise the default language.
    """
    return supported_code(value, codes(), default_language())


def _check_languages(languages: Any, what: str) -> None:
    unknown = sorted(set(languages) - set(codes()))
    if unknown:
        raise ValueError(f"{what}: {', '.join(map(str, unknown))} is not a language pack")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LocalizedText(_Frozen):
    """A plain-text string per language: ``{en: …, es: …}``, one key per language pack.

    The default language's text is required; another language's may be left out, and reads as
    the default language's. Each text is an attribute named by its language (``text.es``).
    """

    model_config = ConfigDict(frozen=True, extra="allow")

    @model_validator(mode="before")
    @classmethod
    def _one_text_per_language(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("a text must be a mapping of language code to text")
        _check_languages(data, "text")
        if default_language() not in data:
            raise ValueError(f"a text needs its {default_language()!r} version")
        for language, text in data.items():
            if not isinstance(text, str) or not text:
                raise ValueError(f"the {language!r} text must be a non-empty string")
        return data

    @property
    def texts(self) -> dict[str, str]:
        """Every language's text."""
        return {str(k): str(v) for k, v in (self.__pydantic_extra__ or {}).items()}

    def get(self, locale: str | None = None) -> str:
        """Return the text for ``locale`` (the default language's when it has none)."""
        texts = self.texts
        return texts.get(normalize_locale(locale)) or texts[default_language()]


class AttributeValue(_Frozen):
    """One choice of a list attribute: a stable ``key`` and a localized ``name``."""

    key: str = Field(min_length=1)
    name: LocalizedText


class AttributeDef(_Frozen):
    """A service attribute (one question of the chat form).

    Attributes:
        code: Fixed attribute code, sent as ``attribute[code]``.
        datatype: GeoReport v2 datatype.
        required: Whether a request without it is refused.
        order: Position in the form, starting at 1.
        description: The question asked.
        datatype_description: What kind of answer is expected.
        label: A short name for the answer, shown in the chat's summary ("Vehicle").
        values: Choices of a list attribute (empty for other datatypes).
        variable: Always true here: the value comes from the resident.
        integer: Numbers must be whole (non-standard, server-side validation).
        minimum: Smallest accepted number (non-standard, server-side validation).
    """

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    datatype: Datatype
    required: bool
    order: int = Field(ge=1)
    description: LocalizedText
    datatype_description: LocalizedText
    label: LocalizedText | None = None
    values: tuple[AttributeValue, ...] = ()
    variable: bool = True
    integer: bool = False
    minimum: float | None = None

    @model_validator(mode="after")
    def _values_match_datatype(self) -> AttributeDef:
        if (self.datatype in LIST_DATATYPES) != bool(self.values):
            raise ValueError(f"attribute {self.code}: values are required exactly for list types")
        return self

    @property
    def value_keys(self) -> frozenset[str]:
        """Keys accepted by a list attribute."""
        return frozenset(value.key for value in self.values)

    def render(self, locale: str | None = None) -> dict[str, Any]:
        """Render as one item of a GeoReport v2 service definition's ``attributes``."""
        return {
            "variable": self.variable,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": self.datatype_description.get(locale),
            "order": self.order,
            "description": self.description.get(locale),
            "values": [{"key": value.key, "name": value.name.get(locale)} for value in self.values],
        }


class ServiceDef(_Frozen):
    """A service type of the catalog.

    Attributes:
        service_code: Fixed code, e.g. ``"bulky-items"``.
        service_name: Display name.
        description: One plain sentence.
        group: Category used to group services in lists.
        agency: Department responsible (``agency_responsible`` of new requests).
        keywords: Search words per locale.
        type: GeoReport v2 type; always ``"realtime"`` here.
        metadata: Whether the service has a definition with attributes.
        attributes: The questions to ask, in ``order``.
    """

    service_code: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    service_name: LocalizedText
    description: LocalizedText
    group: str
    agency: str
    keywords: dict[Locale, tuple[str, ...]]

    @field_validator("keywords")
    @classmethod
    def _keyword_languages(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        _check_languages(value, "keywords")
        return value
    type: Literal["realtime", "batch", "blackbox"] = "realtime"
    metadata: bool
    attributes: tuple[AttributeDef, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> ServiceDef:
        if self.metadata != bool(self.attributes):
            raise ValueError(f"{self.service_code}: metadata must be true exactly with attributes")
        codes = [attribute.code for attribute in self.attributes]
        if len(codes) != len(set(codes)):
            raise ValueError(f"{self.service_code}: duplicate attribute code")
        return self

    def attribute(self, code: str) -> AttributeDef | None:
        """Return the attribute with ``code``, or ``None``."""
        return next((a for a in self.attributes if a.code == code), None)

    def render(self, locale: str | None = None) -> dict[str, Any]:
        """Render as one item of GeoReport v2 ``services.json``."""
        return {
            "service_code": self.service_code,
            "service_name": self.service_name.get(locale),
            "description": self.description.get(locale),
            "metadata": self.metadata,
            "type": self.type,
            "keywords": ",".join(
                self.keywords.get(normalize_locale(locale))
                or self.keywords.get(default_language(), ())
            ),
            "group": self.group,
        }

    def render_definition(self, locale: str | None = None) -> dict[str, Any]:
        """Render as a GeoReport v2 service definition (``services/{code}.json``)."""
        ordered = sorted(self.attributes, key=lambda attribute: attribute.order)
        return {
            "service_code": self.service_code,
            "attributes": [attribute.render(locale) for attribute in ordered],
        }


class Catalog(_Frozen):
    """The whole catalog.

    Attributes:
        changeset: When the catalog last changed (ISO 8601), shown in discovery.
        service_notice: Notice returned with every new request.
        services: The service types, in display order.
    """

    changeset: str
    service_notice: LocalizedText
    services: tuple[ServiceDef, ...]

    @model_validator(mode="after")
    def _unique_codes(self) -> Catalog:
        codes = [service.service_code for service in self.services]
        if len(codes) != len(set(codes)):
            raise ValueError("duplicate service_code in catalog")
        return self

    @property
    def codes(self) -> tuple[str, ...]:
        """All service codes, in display order."""
        return tuple(service.service_code for service in self.services)

    def service(self, code: str) -> ServiceDef | None:
        """Return the service with ``code``, or ``None``."""
        return next((s for s in self.services if s.service_code == code), None)

    def render_services(self, locale: str | None = None) -> list[dict[str, Any]]:
        """Render GeoReport v2 ``services.json`` for ``locale``."""
        return [service.render(locale) for service in self.services]

    def render_definition(self, code: str, locale: str | None = None) -> dict[str, Any] | None:
        """Render the service definition of ``code``, or ``None`` when the code is unknown."""
        service = self.service(code)
        return None if service is None else service.render_definition(locale)


def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """Read and validate a catalog YAML file.

    Args:
        path: The YAML file.

    Returns:
        The validated catalog.

    Raises:
        pydantic.ValidationError: The file does not describe a valid catalog.
        OSError: The file cannot be read.
    """
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return Catalog.model_validate(raw)


@lru_cache(maxsize=1)
def get_catalog() -> Catalog:
    """Return the packaged catalog, loaded on first use and cached."""
    return load_catalog()
