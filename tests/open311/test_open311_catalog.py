"""The fixed service catalog and its GeoReport v2 rendering."""

from __future__ import annotations

import pytest

from connectors.open311.catalog import get_catalog, normalize_locale

FIXED_SERVICES = {
    "bulky-items": "Bulky Items",
    "dead-animal-removal": "Dead Animal Removal",
    "electronic-waste": "Electronic Waste",
    "graffiti-removal": "Graffiti Removal",
    "homeless-encampment": "Homeless Encampment",
    "illegal-dumping": "Illegal Dumping Pickup",
    "metal-household-appliances": "Metal/Household Appliances",
    "single-streetlight": "Single Streetlight Issue",
    "multiple-streetlight": "Multiple Streetlight Issue",
    "water-waste": "Report Water Waste",
    "pothole": "Pothole - Small Asphalt Repair",
    "abandoned-vehicle": "Abandoned Vehicle",
    "sidewalk-repair": "Sidewalk Repair",
    "fallen-tree": "Fallen Tree / Tree Emergency",
    "feedback": "Feedback",
    "other": "Other",
}

# service_code -> [(attribute code, datatype, required, list keys)]
FIXED_ATTRIBUTES: dict[str, list[tuple[str, str, bool, list[str]]]] = {
    "bulky-items": [("item_description", "string", True, []), ("item_count", "number", True, [])],
    "electronic-waste": [
        ("item_description", "string", True, []),
        ("item_count", "number", True, []),
    ],
    "metal-household-appliances": [
        ("item_description", "string", True, []),
        ("item_count", "number", True, []),
    ],
    "illegal-dumping": [("item_description", "string", True, [])],
    "dead-animal-removal": [
        ("animal_type", "singlevaluelist", True, ["cat", "dog", "bird", "wildlife", "other"])
    ],
    "graffiti-removal": [
        (
            "graffiti_surface",
            "singlevaluelist",
            True,
            ["wall", "fence", "sign", "sidewalk", "pole", "other"],
        )
    ],
    "multiple-streetlight": [("lights_out_count", "number", True, [])],
    "fallen-tree": [("blocking_traffic", "singlevaluelist", True, ["yes", "no"])],
    "abandoned-vehicle": [("vehicle_description", "string", True, [])],
    "single-streetlight": [("pole_number", "string", False, [])],
}


def test_exactly_the_fixed_service_codes_and_english_names() -> None:
    catalog = get_catalog()
    assert {s.service_code: s.service_name.en for s in catalog.services} == FIXED_SERVICES


@pytest.mark.parametrize("code", sorted(FIXED_SERVICES))
def test_fixed_attribute_codes(code: str) -> None:
    definition = get_catalog().render_definition(code)
    assert definition is not None
    got = [
        (a["code"], a["datatype"], a["required"], [v["key"] for v in a["values"]])
        for a in definition["attributes"]
    ]
    assert got == FIXED_ATTRIBUTES.get(code, [])
    service = get_catalog().service(code)
    assert service is not None and service.metadata is bool(got)


def test_every_text_is_bilingual_plain_text() -> None:
    for service in get_catalog().services:
        texts = [service.service_name, service.description]
        for attribute in service.attributes:
            assert attribute.variable is True
            texts += [attribute.description, attribute.datatype_description]
            texts += [value.name for value in attribute.values]
        for text in texts:
            for value in (text.en, text.es):
                assert value.strip() and "\n" not in value and "<" not in value
        assert service.description.en.endswith(".") and service.description.es.endswith(".")
        assert service.description.en != service.description.es
        assert service.keywords["en"] and service.keywords["es"]
        assert service.type == "realtime"


def test_items_questions_in_both_languages() -> None:
    service = get_catalog().service("bulky-items")
    assert service is not None
    item_description = service.attribute("item_description")
    item_count = service.attribute("item_count")
    assert item_description is not None and item_count is not None
    assert (item_description.description.en, item_description.description.es) == (
        "What items?",
        "¿Qué artículos?",
    )
    assert item_count.description.en == "How many items?"


def test_services_list_shape_in_spanish() -> None:
    services = get_catalog().render_services("es")
    assert len(services) == 16
    pothole = next(s for s in services if s["service_code"] == "pothole")
    assert set(pothole) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert pothole["service_name"] == "Bache - reparación menor de asfalto"
    assert "bache" in pothole["keywords"].split(",")


def test_definition_values_are_localized_and_ordered() -> None:
    definition = get_catalog().render_definition("dead-animal-removal", "es")
    assert definition is not None
    attribute = definition["attributes"][0]
    assert set(attribute) == {
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    }
    assert {"key": "dog", "name": "Perro"} in attribute["values"]
    assert attribute["description"] == "¿Qué tipo de animal es?"
    items = get_catalog().render_definition("bulky-items")
    assert items is not None
    assert [a["order"] for a in items["attributes"]] == [1, 2]


def test_unknown_code_renders_nothing() -> None:
    assert get_catalog().render_definition("nope") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("es", "es"), ("es-MX", "es"), ("ES_us", "es"), ("en", "en"), ("fr", "en"), (None, "en")],
)
def test_normalize_locale(value: str | None, expected: str) -> None:
    assert normalize_locale(value) == expected
