from tests.factories import make_condition, make_finding, make_study


def test_factories_build_a_graded_condition(db):
    condition = make_condition()
    make_finding(condition=condition, study=make_study())
    make_finding(condition=condition, study=make_study())
    assert condition.evidence.grade == "A"
