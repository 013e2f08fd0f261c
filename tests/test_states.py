"""Every named state has one home (rules/): a column holding a state is typed as its enum, reads back
as the member, refuses a text that names no state and has a check constraint made from that enum;
the templates compare with the enums and state sets that create_app gives them, never with a state's
text spelled again."""
from pathlib import Path

import pytest
import sqlalchemy as sa
from jinja2 import nodes

from petition_app.config import PROJECT_ROOT
from petition_app.campaigns.models import Campaign
from petition_app.columns import EnumText
from petition_app.extensions import db
from petition_app.rules import CampaignStatus, check_in
from petition_app.rules.states import STATE_ENUMS, TEMPLATE_STATES

TEMPLATES = PROJECT_ROOT / "templates"
STATE_TEXTS: dict[str, str] = {}  # a state's text: the members that spell it ("closed": CampaignStatus.CLOSED or ...)
for _enum in STATE_ENUMS:
    for _member in _enum:
        STATE_TEXTS[_member.value] = " or ".join(filter(None, [STATE_TEXTS.get(_member.value), f"{_enum.__name__}.{_member.name}"]))
# Comparisons whose text merely looks like a state: (template, the variable compared), each with why.
NOT_STATES = {
    ("signing/link_problem.html", "problem"),  # why a link failed ("expired", "closed"), set by the view
}
# Columns whose name sounds like a state but that hold free text.
FREE_TEXT = {
    ("mail_bounces", "status"),  # the DSN's status code, e.g. "5.1.1"
    ("paper_entries", "place"),  # where paper signatures were collected, as the organizers typed it
}
STATE_COLUMN_NAMES = {"status", "kind", "role", "action", "type", "about", "publication", "place", "contact_method",
                      "review_flag", "suspect_reason"}


def compared_texts(node: nodes.Compare) -> tuple[list[str], list[nodes.Node]]:
    """The string constants in a comparison (also inside a tuple or list) and the other operands."""
    texts, others = [], []
    for operand in [node.expr, *(op.expr for op in node.ops)]:
        items = operand.items if isinstance(operand, (nodes.Tuple, nodes.List)) else [operand]
        for item in items:
            if isinstance(item, nodes.Const) and isinstance(item.value, str):
                texts.append(item.value)
            else:
                others.append(item)
    return texts, others


def state_literals(app, folder: Path = TEMPLATES) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(folder).as_posix()
        tree = app.jinja_env.parse(path.read_text(encoding="utf-8"), name, str(path))
        for compare in tree.find_all(nodes.Compare):
            texts, others = compared_texts(compare)
            if any(isinstance(o, nodes.Name) and (name, o.name) in NOT_STATES for o in others):
                continue
            found += [f"{name}:{compare.lineno}: {text!r} (use {STATE_TEXTS[text]})" for text in texts if text in STATE_TEXTS]
    return found


def test_no_template_spells_a_state(app):
    assert state_literals(app) == []


def test_the_template_check_finds_a_state_spelled_out(app, tmp_path):
    """The check above can fail: a template comparing with "closed" is found, one using the enum is not."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "spelled.html").write_text('{% if campaign.status in ("open", "closed") %}x{% endif %}', encoding="utf-8")
    (folder / "named.html").write_text("{% if campaign.status in PUBLIC_STATUSES %}x{% endif %}", encoding="utf-8")
    found = state_literals(app, folder)
    assert len(found) == 2 and all(f.startswith("spelled.html:1:") for f in found)
    assert "CampaignStatus.CLOSED" in found[1]


def test_templates_see_every_state_set_and_enum(app):
    with app.test_request_context():
        render = app.jinja_env.from_string(
            "{{ CampaignStatus.OPEN in PUBLIC_STATUSES }} {{ SubmissionStatus.FILED in COUNTED_STATUSES }} "
            "{{ 'draft' in EDITABLE_STATUSES }} {{ DeliveryKind.MILESTONE }}"
        ).render
        assert render() == "True True True milestone"
    assert set(TEMPLATE_STATES) >= {enum.__name__ for enum in STATE_ENUMS}


def test_every_state_column_is_typed_as_its_enum_and_checked_by_it():
    import petition_app.models  # noqa: F401  (every table)

    for table in db.metadata.sorted_tables:
        checks = {str(c.sqltext) for c in table.constraints if isinstance(c, sa.CheckConstraint)}
        for column in table.columns:
            if isinstance(column.type, EnumText):
                assert check_in(column.name, column.type.enum) in checks, f"{table.name}.{column.name} has no check constraint"
            elif column.name in STATE_COLUMN_NAMES and (table.name, column.name) not in FREE_TEXT:
                pytest.fail(f"{table.name}.{column.name} holds a state but is not typed as its enum (columns.EnumText)")


def test_a_state_reads_back_as_its_member_and_a_typo_never_reaches_the_database(app, campaign):
    with app.app_context():
        row = db.session.scalars(sa.select(Campaign).where(Campaign.slug == campaign)).one()
        assert row.status is CampaignStatus.OPEN
        row.status = "closd"  # type: ignore[assignment]  # what mypy refuses, refused at run time too
        with pytest.raises(sa.exc.StatementError, match="'closd' is not a valid CampaignStatus"):
            db.session.flush()
        db.session.rollback()
        stored = db.session.execute(sa.text("SELECT status FROM campaigns WHERE slug = :slug"), {"slug": campaign}).scalar_one()
        assert stored == "open"
