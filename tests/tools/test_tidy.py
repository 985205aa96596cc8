"""Akamai's answers made direct: ids from links, PAPI's one-item envelope opened, the bulk left out and named."""

from __future__ import annotations

from alecs.tools.tidy import ids_from_links, ids_in_link, single, trim


def test_a_link_becomes_the_ids_it_names_and_goes_when_they_say_it_all() -> None:
    answer = {"versionLink": "/papi/v1/properties/prp_1/versions/2?contractId=ctr_C-1&groupId=grp_2"}
    assert ids_from_links(answer) == {"propertyId": "prp_1", "propertyVersion": 2, "contractId": "ctr_C-1",
                                      "groupId": "grp_2"}
    cps = ids_from_links({"enrollment": "/cps/v2/enrollments/7", "changeLink": "/cps/v2/enrollments/7/changes/9"})
    assert cps["enrollmentId"] == 7 and cps["changeId"] == 9 and "changeLink" not in cps


def test_a_link_of_another_shape_keeps_its_url_and_names_its_last_segment_after_itself() -> None:
    out = ids_from_links({"bulkActivationLink": "/papi/v1/bulk/activations/5"})
    assert out == {"bulkActivationLink": "/papi/v1/bulk/activations/5", "bulkActivationId": "5"}
    assert ids_in_link("/papi/v1/properties/prp_1/activations/atv_9?contractId=c&extra=1") == (
        {"propertyId": "prp_1", "activationId": "atv_9", "contractId": "c"}, False)


def test_an_id_the_answer_already_has_is_not_replaced() -> None:
    out = ids_from_links({"activationId": "atv_1", "activationLink": "/papi/v1/properties/prp_1/activations/atv_2"})
    assert out["activationId"] == "atv_1"


def test_papis_one_item_envelope_is_the_object_with_its_context() -> None:
    answer = {"accountId": "act_1", "propertyId": "prp_1", "versions": {"items": [{"propertyVersion": 3}]}}
    assert single(answer) == {"accountId": "act_1", "propertyId": "prp_1", "propertyVersion": 3}
    two = {"versions": {"items": [{"propertyVersion": 3}, {"propertyVersion": 4}]}}
    assert single(two) == two


def test_links_pem_bodies_and_contacts_are_left_out_and_named_with_the_way_back() -> None:
    answer = {"id": 1, "links": {"self": {"href": "/x"}}, "adminContact": {"email": "a@example.com"},
              "items": [{"certificate": "-----BEGIN CERTIFICATE-----\nMII…", "expiry": "2027-01-01"},
                        {"certificate": "-----BEGIN CERTIFICATE-----\nMII…", "links": [{"rel": "self"}]}]}
    out = trim(answer)
    assert out.data == {"id": 1, "items": [{"expiry": "2027-01-01"}, {}]}
    assert out.note() == ("Left out: HATEOAS links (2); contact blocks (adminContact); PEM bodies (certificate ×2). "
                          "Call again with full=true to include them.")
    assert trim({"id": 1}).note() == ""
