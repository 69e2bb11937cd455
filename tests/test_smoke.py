from tests.factories import make_condition, make_finding, make_study


def test_factories_build_a_rated_condition(db):
    condition = make_condition()
    make_finding(condition=condition, study=make_study(sample_size=250))
    make_finding(condition=condition, study=make_study(sample_size=250))
    assert condition.headline.certainty == "high"
