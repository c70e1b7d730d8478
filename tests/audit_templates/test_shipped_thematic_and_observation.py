"""The shipped peer observation, voice of the child and drift and delay frameworks.

Each framework is loaded from the file that ships, then answered in a few realistic ways.
Every expected score is worked out by hand in the comments, from the weights and scores in
the YAML, so a change to a framework or to the scoring rules shows up here.

Scores used:
- compliance: yes 1, partly 0.5, no 0, not_applicable left out; only yes meets the standard.
- ofsted4: outstanding 1, good 2/3, requires_improvement 1/3, inadequate 0; good or better meets.
- observation4 (peer_observation's own scale): strong 1, good 0.67 (meets, by `met: true`),
  developing 0.33, not_seen 0, not_applicable left out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from audit_templates.loader import load_template_file
from audit_templates.schema import Question, Template
from audit_templates.scoring import AuditScore, score

FRAMEWORKS = Path(__file__).parents[2] / "audit_templates" / "frameworks"


def load(name: str) -> Template:
    return load_template_file(FRAMEWORKS / f"{name}.yaml")


def questions(template: Template) -> list[Question]:
    return [q for section in template.sections for q in section.questions]


def hits(result: AuditScore) -> list[tuple[str, str, str]]:
    return [(h.question_id, h.answer, h.caps_grade_at) for h in result.limited_by]


# --------------------------------------------------------------------------------------------
# Every framework: the house rules for a shipped framework
# --------------------------------------------------------------------------------------------

ALL = ["peer_observation", "voice_of_the_child", "drift_and_delay"]
SHARED_THEMES = {
    "voice": "Voice of the child",
    "timeliness": "Timeliness",
    "care_planning": "Care planning and permanence",
    "challenge": "Management oversight and challenge",
    "identity": "Identity and equality",
    "health": "Health",
    "education": "Education",
    "family_time": "Family time and relationships",
    "recording": "Recording quality",
}


@pytest.mark.parametrize("name", ALL)
def test_every_scale_question_is_fully_described(name: str) -> None:
    template = load(name)
    assert template.id == name
    assert template.version == 1
    for q in questions(template):
        if q.type != "scale":
            assert q.limiting is None and q.target is None, q.id
            continue
        assert q.help and q.good_looks_like and q.guidance, q.id
        assert q.themes, q.id
        assert q.weight in (1, 2), q.id
        assert q.target is not None and 0.5 <= q.target <= 1, q.id
        if q.scale == "compliance":
            assert list(q.evidence_required_when) == ["no", "partly"], q.id


@pytest.mark.parametrize("name", ALL)
def test_themes_share_ids_and_titles_across_frameworks(name: str) -> None:
    template = load(name)
    declared = {t.id: t.title for t in template.themes}
    for theme_id, title in declared.items():
        if theme_id in SHARED_THEMES:
            assert title == SHARED_THEMES[theme_id]
    used = {theme for q in questions(template) for theme in q.themes}
    assert used == set(declared)  # every declared theme is used, and only declared ones


@pytest.mark.parametrize("name", ALL)
def test_grading_is_ofsted4_with_falling_thresholds(name: str) -> None:
    grading = load(name).grading
    assert grading.scale == "ofsted4"
    order = ["outstanding", "good", "requires_improvement", "inadequate"]
    values = [grading.thresholds[g] for g in order]
    assert values == sorted(values, reverse=True) and len(set(values)) == 4
    assert values[-1] == 0


# --------------------------------------------------------------------------------------------
# peer_observation: method sections, section weights preparation 1, participation 2,
# chairing 1, care_plan 2, outcomes 1; the feedback section holds no scored questions.
# --------------------------------------------------------------------------------------------

OBS_SCORED = {
    # section: [(question, weight)]
    "preparation": [
        ("prep_reports_read", 1),
        ("prep_child_pre_meeting", 2),
        ("prep_arrangements", 1),
    ],
    "participation": [
        ("child_participation", 2),
        ("child_views_considered", 2),
        ("rights_explained", 1),
    ],
    "chairing": [
        ("introductions_purpose", 1),
        ("plain_language", 1),
        ("parents_carers_heard", 1),
        ("time_management", 1),
    ],
    "care_plan": [
        ("care_plan_focus", 2),
        ("multi_agency_information", 1),
        ("family_time_identity", 1),
        ("appropriate_challenge", 2),
    ],
    "outcomes": [
        ("smart_decisions", 2),
        ("next_review_midpoint", 1),
        ("record_and_letter_agreed", 1),
        ("child_understood_outcome", 1),
    ],
}
OBS_FEEDBACK_DONE = {
    "review_type": "Second review",
    "meeting_format": "In person",
    "strengths_seen": "Warm, clear pre-meeting; the young person chose to chair the first item.",
    "areas_for_development": "Read decisions back with names and dates before closing.",
    "feedback_date": "2025-03-14",
    "feedback_method": "In person",
}


def observation(default: str, **overrides: str) -> dict[str, object]:
    answers: dict[str, object] = dict(OBS_FEEDBACK_DONE)
    for section in OBS_SCORED.values():
        for question_id, _ in section:
            answers[question_id] = default
    answers.update(overrides)
    return answers


def test_peer_observation_shape() -> None:
    template = load("peer_observation")
    assert template.kind == "observation"
    assert template.grading.method == "sections"
    all_q = questions(template)
    scored = [q for q in all_q if q.type == "scale"]
    assert len(all_q) == 26
    assert len(scored) == 18  # at least 15 criteria
    assert [s.id for s in template.sections] == [*OBS_SCORED, "feedback"]
    for section in template.sections:
        if section.id in OBS_SCORED:
            got = [(q.id, q.weight) for q in section.questions if q.type == "scale"]
            assert got == OBS_SCORED[section.id]
    assert all(q.scale == "observation4" for q in scored)
    assert {s.id: s.weight for s in template.sections if s.id in OBS_SCORED} == {
        "preparation": 1,
        "participation": 2,
        "chairing": 1,
        "care_plan": 2,
        "outcomes": 1,
    }
    by_id = {q.id: q for q in all_q}
    assert by_id["feedback_method"].type == "choice"
    assert by_id["feedback_method"].options == ["In person", "Video call", "Phone", "In writing"]
    assert by_id["feedback_date"].type == "date"
    for text_id in ("strengths_seen", "areas_for_development", "observed_iro_reflection"):
        assert by_id[text_id].type == "text" and by_id[text_id].scored is False
    assert by_id["observed_iro_reflection"].required is False
    assert [q.id for q in all_q if q.limiting] == ["child_views_considered"]


def test_peer_observation_all_strong_is_outstanding() -> None:
    result = score(load("peer_observation"), observation("strong"))
    # every criterion 1 -> every section 1 -> overall 1
    for section_id in OBS_SCORED:
        assert result.sections[section_id] == pytest.approx(1.0)
    assert result.sections["feedback"] is None  # nothing scored there
    assert result.overall == pytest.approx(1.0)
    assert result.computed_grade == result.grade == "outstanding"
    assert result.limited_by == []
    # the optional notes and the observed IRO's reflection may come later
    assert result.missing_required == []
    # chairing theme: 7 criteria, all strong
    assert (result.themes["chairing"].met, result.themes["chairing"].applicable) == (7, 7)


def test_peer_observation_realistic_mixed_is_good() -> None:
    answers = observation(
        "strong",
        prep_reports_read="good",
        prep_child_pre_meeting="strong",
        prep_arrangements="developing",
        child_participation="strong",
        child_views_considered="good",
        rights_explained="not_seen",
        introductions_purpose="strong",
        plain_language="good",
        parents_carers_heard="not_applicable",
        time_management="developing",
        care_plan_focus="good",
        multi_agency_information="strong",
        family_time_identity="developing",
        appropriate_challenge="not_applicable",
        smart_decisions="developing",
        next_review_midpoint="strong",
        record_and_letter_agreed="good",
        child_understood_outcome="good",
    )
    result = score(load("peer_observation"), answers)
    # preparation: weights 1,2,1; scores 0.67, 1, 0.33 -> (0.67 + 2 + 0.33)/4 = 3/4 = 0.75
    assert result.sections["preparation"] == pytest.approx(0.75)
    # participation: weights 2,2,1; scores 1, 0.67, 0 -> (2 + 1.34 + 0)/5 = 0.668
    assert result.sections["participation"] == pytest.approx(0.668)
    # chairing: 1, 0.67, N/A (left out), 0.33, all weight 1 -> (1 + 0.67 + 0.33)/3 = 2/3
    assert result.sections["chairing"] == pytest.approx(2 / 3)
    # care plan: weights 2,1,1 and N/A; scores 0.67, 1, 0.33 -> (1.34 + 1 + 0.33)/4 = 0.6675
    assert result.sections["care_plan"] == pytest.approx(0.6675)
    # outcomes: weights 2,1,1,1; scores 0.33, 1, 0.67, 0.67 -> (0.66 + 1 + 0.67 + 0.67)/5 = 0.6
    assert result.sections["outcomes"] == pytest.approx(0.6)
    # overall, by section, weights 1,2,1,2,1:
    # (0.75 + 2*0.668 + 2/3 + 2*0.6675 + 0.6)/7 = (0.75 + 1.336 + 0.666667 + 1.335 + 0.6)/7
    # = 4.687667/7 = 0.669667 (by answers it would be 14.01/21 = 0.667143)
    assert result.overall == pytest.approx(4.687667 / 7, abs=1e-6)
    # 0.65 <= 0.6697 < 0.85 -> good, with nothing limiting it
    assert result.computed_grade == result.grade == "good"
    assert result.limited_by == []
    # chairing theme: reports good, pre-meeting strong, arrangements developing, introductions
    # strong, plain language good, parents N/A (left out), time developing -> 4 met of 6
    assert (result.themes["chairing"].met, result.themes["chairing"].applicable) == (4, 6)
    assert result.themes["chairing"].compliance == pytest.approx(4 / 6)
    # voice theme: pre-meeting, participation, views, plain language, record, understood met;
    # rights not seen -> 6 of 7
    assert (result.themes["voice"].met, result.themes["voice"].applicable) == (6, 7)
    # challenge: the only question was N/A -> nothing applicable, no compliance figure
    assert result.themes["challenge"].applicable == 0
    assert result.themes["challenge"].compliance is None
    # family time: parents N/A, family time and identity developing -> 0 of 1
    assert result.themes["family_time"].compliance == pytest.approx(0.0)
    # health and education both come from multi-agency information (strong) -> 1 of 1
    assert result.themes["health"].compliance == pytest.approx(1.0)
    assert result.themes["education"].compliance == pytest.approx(1.0)
    assert result.questions["parents_carers_heard"].score is None
    assert result.questions["plain_language"].met is True  # good meets, by met: true


def test_peer_observation_child_voice_not_seen_caps_the_grade() -> None:
    answers = observation("strong", child_views_considered="not_seen")
    del answers["feedback_date"]
    del answers["feedback_method"]
    result = score(load("peer_observation"), answers)
    # participation: weights 2,2,1; scores 1, 0, 1 -> (2 + 0 + 1)/5 = 0.6
    assert result.sections["participation"] == pytest.approx(0.6)
    # overall: (1 + 2*0.6 + 1 + 2*1 + 1)/7 = 6.2/7 = 0.885714 -> outstanding before limiting
    assert result.overall == pytest.approx(6.2 / 7)
    assert result.computed_grade == "outstanding"
    # the child's views not seen caps the grade at requires improvement
    assert result.grade == "requires_improvement"
    assert hits(result) == [("child_views_considered", "not_seen", "requires_improvement")]
    # not_seen needs evidence; feedback date and method are required, the reflection is not
    assert "child_views_considered" in result.missing_evidence
    assert sorted(result.missing_required) == ["feedback_date", "feedback_method"]


@pytest.mark.parametrize(
    ("everywhere", "overall", "computed", "grade"),
    [
        # every criterion good: every section 0.67 -> overall 0.67 >= 0.65 -> good
        ("good", 0.67, "good", "good"),
        # every criterion developing: 0.33 >= 0.3 -> requires improvement
        ("developing", 0.33, "requires_improvement", "requires_improvement"),
        # every criterion not seen: 0 -> inadequate; the limit (requires improvement) never
        # raises a grade
        ("not_seen", 0.0, "inadequate", "inadequate"),
    ],
)
def test_peer_observation_thresholds_fit_the_four_point_scale(
    everywhere: str, overall: float, computed: str, grade: str
) -> None:
    result = score(load("peer_observation"), observation(everywhere))
    assert result.overall == pytest.approx(overall)
    assert result.computed_grade == computed
    assert result.grade == grade


# --------------------------------------------------------------------------------------------
# voice_of_the_child: method answers. Scored questions and weights:
#   before_review: iro_consulted_child 2 (limiting), preferred_way_recorded 1,
#                  advocacy_offered 1, communication_needs_met 2 (only if needs = Yes)
#   at_review: child_participated 2, views_in_own_words 2, views_shaped_plan 2 (ofsted4,
#              limiting), rights_explained 1, identity_understood 1
#   after_review: letter_to_child 2, letter_on_time 1, child_concerns_followed_up 1
# --------------------------------------------------------------------------------------------


def voice_all_best(needs: str = "Yes") -> dict[str, object]:
    return {
        "age_band": "11 to 15",
        "communication_needs": needs,
        "iro_consulted_child": "yes",
        "preferred_way_recorded": "yes",
        "advocacy_offered": "yes",
        "communication_needs_met": "yes",
        "child_participated": "yes",
        "views_in_own_words": "yes",
        "views_shaped_plan": "outstanding",
        "rights_explained": "yes",
        "identity_understood": "yes",
        "letter_to_child": "yes",
        "letter_on_time": "yes",
        "child_concerns_followed_up": "yes",
    }


def test_voice_of_the_child_shape() -> None:
    template = load("voice_of_the_child")
    assert template.kind == "thematic"
    all_q = questions(template)
    scored = [q for q in all_q if q.type == "scale"]
    assert len(all_q) == 14
    assert len(scored) == 12
    by_id = {q.id: q for q in all_q}
    for key in (
        "iro_consulted_child",
        "advocacy_offered",
        "communication_needs_met",
        "child_participated",
        "views_in_own_words",
        "views_shaped_plan",
        "letter_to_child",
        "identity_understood",
    ):
        assert key in by_id
    assert by_id["communication_needs"].type == "choice"
    assert by_id["communication_needs_met"].show_if is not None
    assert by_id["views_shaped_plan"].scale == "ofsted4"
    assert by_id["iro_consulted_child"].target == pytest.approx(0.9)
    assert sorted(q.id for q in all_q if q.limiting) == ["iro_consulted_child", "views_shaped_plan"]
    # the local standard is a setting, shown in the question text
    assert "15 working days" in template.text_of(by_id["letter_on_time"])


def test_voice_of_the_child_all_best_is_outstanding() -> None:
    result = score(load("voice_of_the_child"), voice_all_best())
    for section_id in ("before_review", "at_review", "after_review"):
        assert result.sections[section_id] == pytest.approx(1.0)
    assert result.sections["about_child"] is None
    assert result.overall == pytest.approx(1.0)
    assert result.grade == "outstanding"
    assert result.missing_required == [] and result.missing_evidence == []
    # voice: 11 scored questions carry it, all met
    assert (result.themes["voice"].met, result.themes["voice"].applicable) == (11, 11)


def test_voice_of_the_child_realistic_mixed() -> None:
    answers = voice_all_best(needs="No")
    answers.update(
        iro_consulted_child="yes",
        preferred_way_recorded="partly",
        advocacy_offered="no",
        # left over from an earlier draft; hidden because communication needs = No
        communication_needs_met="no",
        child_participated="yes",
        views_in_own_words="partly",
        views_shaped_plan="good",
        rights_explained="yes",
        identity_understood="no",
        letter_to_child="yes",
        letter_on_time="no",
        child_concerns_followed_up="not_applicable",
    )
    result = score(load("voice_of_the_child"), answers)
    # the hidden question is neither shown nor scored
    assert result.questions["communication_needs_met"].visible is False
    assert result.questions["communication_needs_met"].score is None
    # before: weights 2,1,1 (communication hidden); scores 1, 0.5, 0 -> 2.5/4 = 0.625
    assert result.sections["before_review"] == pytest.approx(0.625)
    # at: weights 2,2,2,1,1; scores 1, 0.5, 2/3, 1, 0 -> (2 + 1 + 4/3 + 1 + 0)/8 = (16/3)/8 = 2/3
    assert result.sections["at_review"] == pytest.approx(2 / 3)
    # after: weights 2,1 (concerns N/A); scores 1, 0 -> 2/3
    assert result.sections["after_review"] == pytest.approx(2 / 3)
    # overall: (2.5 + 16/3 + 2)/(4 + 8 + 3) = (59/6)/15 = 59/90 = 0.655556
    assert result.overall == pytest.approx(59 / 90)
    # 0.5 <= 0.6556 < 0.75 -> requires improvement; no limiting answer
    assert result.computed_grade == result.grade == "requires_improvement"
    assert result.limited_by == []
    # voice: 9 applicable (hidden and N/A left out); met: consulted, participated, shaped
    # (good), rights, letter = 5
    assert (result.themes["voice"].met, result.themes["voice"].applicable) == (5, 9)
    assert result.themes["voice"].compliance == pytest.approx(5 / 9)
    # timeliness: consulted yes, letter on time no -> 1/2
    assert result.themes["timeliness"].compliance == pytest.approx(0.5)
    # identity: communication hidden, identity understood no -> 0/1
    assert (result.themes["identity"].met, result.themes["identity"].applicable) == (0, 1)
    # recording: own words partly, letter yes, letter on time no -> 1/3
    assert result.themes["recording"].compliance == pytest.approx(1 / 3)
    # challenge: only the follow-up question, N/A -> none applicable
    assert result.themes["challenge"].compliance is None
    # evidence is needed for every No and Partly that is shown
    assert sorted(result.missing_evidence) == [
        "advocacy_offered",
        "identity_understood",
        "letter_on_time",
        "preferred_way_recorded",
        "views_in_own_words",
    ]


def test_voice_of_the_child_not_consulted_caps_a_good_file() -> None:
    answers = voice_all_best(needs="Yes")
    answers["iro_consulted_child"] = "no"
    result = score(load("voice_of_the_child"), answers)
    assert result.questions["communication_needs_met"].visible is True
    # before: weights 2,1,1,2; scores 0, 1, 1, 1 -> 4/6
    assert result.sections["before_review"] == pytest.approx(4 / 6)
    # overall: (4 + 8 + 4)/(6 + 8 + 4) = 16/18 = 0.888889 -> good (just under 0.9)
    assert result.overall == pytest.approx(16 / 18)
    assert result.computed_grade == "good"
    assert result.grade == "requires_improvement"
    assert hits(result) == [("iro_consulted_child", "no", "requires_improvement")]
    # identity: communication needs met yes, identity understood yes -> 2/2
    assert result.themes["identity"].compliance == pytest.approx(1.0)
    # timeliness: consulted no, letter on time yes -> 1/2
    assert result.themes["timeliness"].compliance == pytest.approx(0.5)


def test_voice_of_the_child_both_limits_are_reported() -> None:
    answers = voice_all_best(needs="Yes")
    answers.update(
        iro_consulted_child="no", communication_needs_met="partly", views_shaped_plan="inadequate"
    )
    result = score(load("voice_of_the_child"), answers)
    # before: weights 2,1,1,2; scores 0, 1, 1, 0.5 -> 3/6 = 0.5
    assert result.sections["before_review"] == pytest.approx(0.5)
    # at: weights 2,2,2,1,1; scores 1, 1, 0, 1, 1 -> 6/8 = 0.75
    assert result.sections["at_review"] == pytest.approx(0.75)
    # overall: (3 + 6 + 4)/18 = 13/18 = 0.722222 -> requires improvement
    assert result.overall == pytest.approx(13 / 18)
    assert result.computed_grade == result.grade == "requires_improvement"
    assert sorted(hits(result)) == [
        ("iro_consulted_child", "no", "requires_improvement"),
        ("views_shaped_plan", "inadequate", "requires_improvement"),
    ]


# --------------------------------------------------------------------------------------------
# drift_and_delay: method answers. Scored questions and weights:
#   permanence: permanence_plan_by_second_review 2 (limiting), plan_timescale_progressed 2,
#               parallel_planning 1, court_timescales 2 (only in care proceedings),
#               sibling_placement_considered 1 (only if a sibling is looked after),
#               life_story_work 1
#   oversight: reviews_on_time 1, midpoint_monitoring 1, drift_identified 2 (limiting; only if
#              drift found), informal_challenge 2 (only if drift found), escalation 2 (only if
#              informal challenge did not resolve it), cafcass_considered 1,
#              child_told_about_plan 1
# --------------------------------------------------------------------------------------------

IN_PROCEEDINGS = "Interim care order (in care proceedings)"
SIBLING_LOOKED_AFTER = "Yes, and at least one is also looked after"
NOT_RESOLVED = "Not resolved within the timescale"


def test_drift_and_delay_shape() -> None:
    template = load("drift_and_delay")
    assert template.kind == "thematic"
    all_q = questions(template)
    scored = [q for q in all_q if q.type == "scale"]
    assert len(all_q) == 18
    assert len(scored) == 13
    by_id = {q.id: q for q in all_q}
    assert IN_PROCEEDINGS in (by_id["legal_status"].options or [])
    assert NOT_RESOLVED in (by_id["informal_challenge_outcome"].options or [])
    for conditional in (
        "court_timescales",
        "sibling_placement_considered",
        "drift_identified",
        "informal_challenge",
        "informal_challenge_outcome",
        "escalation",
    ):
        assert by_id[conditional].show_if is not None, conditional
    assert sorted(q.id for q in all_q if q.limiting) == [
        "drift_identified",
        "permanence_plan_by_second_review",
    ]
    assert "26 weeks" in template.text_of(by_id["court_timescales"])
    assert all(q.target is not None for q in scored)


def test_drift_and_delay_no_drift_all_best_is_outstanding() -> None:
    answers: dict[str, object] = {
        "legal_status": "Care order",
        "permanence_plan_type": "Long-term fostering",
        "siblings": "No",
        "drift_found": "No",
        "permanence_plan_by_second_review": "yes",
        "plan_timescale_progressed": "yes",
        "parallel_planning": "not_applicable",
        "life_story_work": "yes",
        "reviews_on_time": "yes",
        "midpoint_monitoring": "yes",
        "cafcass_considered": "not_applicable",
        "child_told_about_plan": "yes",
    }
    result = score(load("drift_and_delay"), answers)
    # permanence: weights 2,2,1 (parallel N/A, court and siblings hidden) -> 5/5 = 1
    assert result.sections["permanence"] == pytest.approx(1.0)
    # oversight: weights 1,1,1 (challenge questions hidden, Cafcass N/A) -> 3/3 = 1
    assert result.sections["oversight"] == pytest.approx(1.0)
    assert result.sections["about_plan"] is None
    assert result.overall == pytest.approx(1.0)
    assert result.grade == "outstanding"
    for hidden in (
        "court_timescales",
        "sibling_placement_considered",
        "drift_identified",
        "informal_challenge",
        "informal_challenge_outcome",
        "escalation",
    ):
        assert result.questions[hidden].visible is False, hidden
    # hidden questions are not required
    assert result.missing_required == []
    # challenge: midpoint yes (Cafcass N/A, the rest hidden) -> 1/1
    assert (result.themes["challenge"].met, result.themes["challenge"].applicable) == (1, 1)


def test_drift_and_delay_in_proceedings_with_escalation() -> None:
    answers: dict[str, object] = {
        "legal_status": IN_PROCEEDINGS,
        "permanence_plan_type": "Family or friends care (including special guardianship)",
        "siblings": SIBLING_LOOKED_AFTER,
        "drift_found": "Yes",
        "permanence_plan_by_second_review": "yes",
        "plan_timescale_progressed": "partly",
        "parallel_planning": "yes",
        "court_timescales": "no",
        "sibling_placement_considered": "yes",
        "life_story_work": "no",
        "reviews_on_time": "yes",
        "midpoint_monitoring": "partly",
        "drift_identified": "yes",
        "informal_challenge": "partly",
        "informal_challenge_outcome": NOT_RESOLVED,
        "escalation": "yes",
        "cafcass_considered": "not_applicable",
        "child_told_about_plan": "partly",
    }
    result = score(load("drift_and_delay"), answers)
    assert result.questions["court_timescales"].visible is True
    assert result.questions["escalation"].visible is True
    # permanence: weights 2,2,1,2,1,1; scores 1, 0.5, 1, 0, 1, 0
    # -> (2 + 1 + 1 + 0 + 1 + 0)/9 = 5/9 = 0.555556
    assert result.sections["permanence"] == pytest.approx(5 / 9)
    # oversight: weights 1,1,2,2,2,1 (Cafcass N/A); scores 1, 0.5, 1, 0.5, 1, 0.5
    # -> (1 + 0.5 + 2 + 1 + 2 + 0.5)/9 = 7/9 = 0.777778
    assert result.sections["oversight"] == pytest.approx(7 / 9)
    # overall: (5 + 7)/(9 + 9) = 12/18 = 2/3 -> requires improvement (0.5 <= 0.667 < 0.75)
    assert result.overall == pytest.approx(2 / 3)
    assert result.computed_grade == result.grade == "requires_improvement"
    assert result.limited_by == []
    # challenge: midpoint partly, identified yes, informal partly, escalation yes, Cafcass N/A
    # -> 2 met of 4
    assert (result.themes["challenge"].met, result.themes["challenge"].applicable) == (2, 4)
    # timeliness: plan by 2nd review yes, timescale partly, court no, reviews yes, midpoint partly
    # -> 2/5
    assert result.themes["timeliness"].compliance == pytest.approx(0.4)
    # care planning: by 2nd review yes, timescale partly, parallel yes, court no, siblings yes,
    # child told partly -> 3/6
    assert result.themes["care_planning"].compliance == pytest.approx(0.5)
    # family time: siblings yes, life story no -> 1/2
    assert result.themes["family_time"].compliance == pytest.approx(0.5)
    # recording: midpoint partly, informal partly -> 0/2
    assert (result.themes["recording"].met, result.themes["recording"].applicable) == (0, 2)


def test_drift_and_delay_no_permanence_plan_caps_a_good_file() -> None:
    answers: dict[str, object] = {
        "legal_status": "Care order",
        "permanence_plan_type": "Adoption",
        "siblings": "Yes, none looked after",
        "drift_found": "Yes",
        "permanence_plan_by_second_review": "no",
        "plan_timescale_progressed": "yes",
        "parallel_planning": "yes",
        "life_story_work": "yes",
        "reviews_on_time": "yes",
        "midpoint_monitoring": "yes",
        "drift_identified": "yes",
        "informal_challenge": "yes",
        "informal_challenge_outcome": "Resolved within the timescale",
        # left over from an earlier draft: hidden, because the challenge worked
        "escalation": "no",
        "cafcass_considered": "yes",
        "child_told_about_plan": "yes",
    }
    result = score(load("drift_and_delay"), answers)
    assert result.questions["sibling_placement_considered"].visible is False
    assert result.questions["escalation"].visible is False
    assert result.questions["escalation"].score is None
    # permanence: weights 2,2,1,1; scores 0, 1, 1, 1 -> 4/6
    assert result.sections["permanence"] == pytest.approx(4 / 6)
    # oversight: weights 1,1,2,2,1,1; all yes -> 8/8
    assert result.sections["oversight"] == pytest.approx(1.0)
    # overall: (4 + 8)/(6 + 8) = 12/14 = 0.857143 -> good before limiting
    assert result.overall == pytest.approx(12 / 14)
    assert result.computed_grade == "good"
    assert result.grade == "requires_improvement"
    assert hits(result) == [("permanence_plan_by_second_review", "no", "requires_improvement")]
    assert result.missing_evidence == ["permanence_plan_by_second_review"]


def test_drift_and_delay_drift_missed_by_the_iro() -> None:
    answers: dict[str, object] = {
        "legal_status": "Accommodated by agreement (section 20)",
        "permanence_plan_type": "Return home",
        "siblings": "No",
        "drift_found": "Yes",
        # no second review yet: N/A, which never limits the grade
        "permanence_plan_by_second_review": "not_applicable",
        "plan_timescale_progressed": "yes",
        "parallel_planning": "yes",
        "life_story_work": "yes",
        "reviews_on_time": "yes",
        "midpoint_monitoring": "yes",
        "drift_identified": "no",
        "informal_challenge": "no",
        # stale answers below the challenge: hidden, since no informal challenge was made
        "informal_challenge_outcome": NOT_RESOLVED,
        "escalation": "no",
        "cafcass_considered": "not_applicable",
        "child_told_about_plan": "yes",
    }
    result = score(load("drift_and_delay"), answers)
    assert result.questions["informal_challenge_outcome"].visible is False
    assert result.questions["escalation"].visible is False
    # permanence: weights 2,1,1 (plan by 2nd review N/A); all yes -> 4/4
    assert result.sections["permanence"] == pytest.approx(1.0)
    # oversight: weights 1,1,2,2,1 (Cafcass N/A); scores 1, 1, 0, 0, 1 -> 3/7
    assert result.sections["oversight"] == pytest.approx(3 / 7)
    # overall: (4 + 3)/(4 + 7) = 7/11 = 0.636364 -> requires improvement
    assert result.overall == pytest.approx(7 / 11)
    assert result.computed_grade == result.grade == "requires_improvement"
    # only the missed drift limits; the N/A permanence answer does not
    assert hits(result) == [("drift_identified", "no", "requires_improvement")]
    # challenge: midpoint yes, identified no, informal no (Cafcass N/A) -> 1/3
    assert (result.themes["challenge"].met, result.themes["challenge"].applicable) == (1, 3)
    assert result.themes["challenge"].compliance == pytest.approx(1 / 3)
    assert sorted(result.missing_evidence) == ["drift_identified", "informal_challenge"]
