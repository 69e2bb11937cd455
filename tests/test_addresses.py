"""`ldnsite.addresses.address()` gives what `reverse()` gives, reversing once."""

from __future__ import annotations

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from ldnsite import addresses
from ldnsite.addresses import address
from tests.factories import make_condition, make_mechanism, make_study

CASES = [
    ("studies:detail", {"pk": 1, "slug": "younger-2013"}),
    ("studies:detail", {"pk": 2**40, "slug": "a_b-9"}),
    ("conditions:detail", {"slug": "fibromyalgia"}),
    ("conditions:mechanism-detail", {"slug": "glial-modulation"}),
    ("study-detail", {"pk": 7}),
    ("condition-detail", {"slug": "crps"}),
    ("finding-detail", {"pk": 918273640}),  # the marker itself
    ("conditions:faq", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), CASES)
def test_an_address_is_what_reverse_gives(name, kwargs):
    assert address(name, **kwargs) == reverse(name, kwargs=kwargs)


def test_the_pattern_is_reversed_once(monkeypatch):
    addresses._template.cache_clear()
    calls = []
    real = addresses.reverse

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(addresses, "reverse", counting)
    urls = {address("study-detail", pk=n) for n in range(50)}
    assert len(urls) == 50 and len(calls) == 1


@pytest.mark.parametrize("value", ["naïve", "a b", "a/b", "{x}", "", -1, True, 1.5])
def test_other_values_are_reversed_as_usual(value):
    try:
        expected = reverse("condition-detail", kwargs={"slug": value})
    except Exception as exc:  # noqa: BLE001 - reverse's own refusal
        with pytest.raises(type(exc)):
            address("condition-detail", slug=value)
    else:
        assert address("condition-detail", slug=value) == expected


def test_the_script_prefix_is_kept():
    try:
        set_script_prefix("/ldn/")
        assert address("studies:detail", pk=3, slug="s") == "/ldn/studies/3/s/"
    finally:
        clear_script_prefix()
    assert address("studies:detail", pk=3, slug="s") == "/studies/3/s/"


@pytest.mark.django_db
def test_pages_and_api_give_the_same_addresses(client):
    study = make_study(slug="younger-2013")
    condition = make_condition(slug="fibro")
    mechanism = make_mechanism(slug="glial")
    assert study.get_absolute_url() == reverse(
        "studies:detail", kwargs={"pk": study.pk, "slug": "younger-2013"}
    )
    assert condition.get_absolute_url() == reverse(
        "conditions:detail", kwargs={"slug": "fibro"}
    )
    assert mechanism.get_absolute_url() == reverse(
        "conditions:mechanism-detail", kwargs={"slug": "glial"}
    )
    row = client.get("/api/v1/studies/").json()["results"][0]
    assert row["url"] == "http://testserver" + reverse(
        "study-detail", kwargs={"pk": study.pk}
    )
    assert row["html_url"] == "http://testserver" + study.get_absolute_url()
    detail = client.get(row["url"] + "?format=json").json()
    assert detail["url"] == row["url"]
