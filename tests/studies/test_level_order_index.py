"""PostgreSQL reads a condition's findings in their page's order from an index.

The order (evidence level, newest study first with undated ones last, title)
starts with `LevelOfDesign`, an expression: the index `study_level_order`
(migration 0012) holds that expression as written when it was made, and serves
a query only while `LevelOfDesign` still compiles to it.
"""

import pytest
from django.db import connection

from studies.condition_evidence import public_findings
from tests.factories import make_condition, make_finding, make_study

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the level order is indexed on PostgreSQL only (NULLS LAST)",
    ),
]


def test_the_planner_can_read_a_conditions_findings_in_level_order_from_the_index():
    """Fails when `DESIGN_LEVEL` changes without a migration recreating the index."""
    condition = make_condition()
    for design in ("rct", "case_report", "meta_analysis"):
        make_finding(condition=condition, study=make_study(design=design))
    page = public_findings(condition).for_condition_page()[:30]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    assert "study_level_order" in page.explain()
    designs = [finding.study.design for finding in page]
    assert designs == ["meta_analysis", "rct", "case_report"]
