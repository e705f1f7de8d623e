"""The result notice of an owners' vote (表决结果公告) as PDF, in the current language, set with
``core.pdf``: the matter, the procedure's dates, the tally by area and headcount with each of the
four tests in plain words, the silent-consent tally beside it where the covenant allows it, turnout
per building (choices per building only for an open ballot), the log head the count was taken from,
and the one-year window to ask a court to revoke the decision (Civil Code Art 280)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from core.pdf import ALERT, EMPTY, GREY, Script, datetime_text

from .models import Item, Matter
from .queries import tally_or_result, turnout_by_building
from .rules import CENT, Tally, explain


def _area(value) -> str:
    return f"{value.quantize(CENT):,}"


def _tally_rows(tally: Tally) -> list[tuple[str, str, str]]:
    return [
        (_("All owners"), _area(tally.total.area), str(tally.total.heads)),
        (_("Took part"), _area(tally.participating.area), str(tally.participating.heads)),
        (_("Agree"), _area(tally.yes.area), str(tally.yes.heads)),
        (_("Disagree"), _area(tally.no.area), str(tally.no.heads)),
        (_("Abstain"), _area(tally.abstain.area), str(tally.abstain.heads)),
    ]


def result_pdf(matter: Matter) -> bytes:
    """The result notice; a draft note on it while the result is not yet published."""
    tally, deemed = tally_or_result(matter)
    scope = matter.compound.name if matter.scope_id == matter.compound_id else f"{matter.compound.name} {matter.scope.name}"
    script = Script(_("Result of the owners' vote"), matter.title, subject=scope, author=matter.compound.name)
    note = "" if matter.published_at else _("Draft: the result has not been published.")
    script.heading(_("Result of the owners' vote"), matter.title, scope, note)
    script.fields(
        [
            (
                _("Matter"),
                _("Civil Code Art. 278(1) item %(n)d: %(item)s") % {"n": matter.item_number, "item": Item(matter.item).label},
            ),
            (_("Owners of"), scope),
            (_("Ballot"), _("secret") if matter.secret else _("open")),
            (_("Notice published"), datetime_text(matter.notice_sent_at)),
            (_("Voting"), f"{datetime_text(matter.opens_at)} – {datetime_text(matter.closes_at)}"),
            (_("Result published"), datetime_text(matter.published_at) if matter.published_at else EMPTY),
        ]
    )

    script.section(_("Tally"))
    script.table(
        _tally_rows(tally),
        shares=(0.4, 0.35, 0.25),
        headings=(_("Owners"), _("Area (m²)"), _("Headcount")),
        align=("L", "R", "R"),
    )
    for line in explain(tally):
        script.paragraph(line)
    verdict = _("The matter is approved.") if tally.approved else _("The matter is not approved.")
    script.paragraph(verdict, colour=(0, 0, 0) if tally.approved else ALERT)

    if deemed is not None:
        script.section(_("Second tally: owners who did not vote deemed to agree"))
        script.paragraph(
            _(
                "The management covenant of this compound says: “%(clause)s”. Courts may not accept such a clause; "
                "the tally of actual ballots above is the one the Civil Code describes. "
                "Deemed votes never count towards participation."
            )
            % {"clause": matter.silent_consent_clause.rstrip("。. ")},
            colour=GREY,
        )
        for line in explain(deemed):
            script.paragraph(line)
        script.paragraph(_("With deemed votes: approved.") if deemed.approved else _("With deemed votes: not approved."))

    script.section(_("Turnout per building"))
    rows = []
    for b in turnout_by_building(matter):
        row = [b.name, f"{b.voted_units}/{b.units}", f"{_area(b.voted_area)}/{_area(b.area)}", b.share]
        if not matter.secret:
            row += [_area(b.yes), _area(b.no), _area(b.abstain)]
        rows.append(tuple(row))
    if matter.secret:
        script.table(
            rows,
            shares=(0.3, 0.2, 0.32, 0.18),
            headings=(_("Building"), _("Units voted"), _("Area voted (m²)"), _("Share")),
            align=("L", "R", "R", "R"),
        )
        script.paragraph(_("Secret ballot: choices are not shown per building."), colour=GREY)
    else:
        script.table(
            rows,
            shares=(0.16, 0.12, 0.2, 0.12, 0.14, 0.13, 0.13),
            headings=(_("Building"), _("Units"), _("Area voted"), _("Share"), _("Agree"), _("Disagree"), _("Abstain")),
            align=("L", "R", "R", "R", "R", "R", "R"),
        )

    script.section(_("Checking and challenging"))
    script.paragraph(
        _(
            "Every ballot is kept in a log chained by hashes. The count was taken from %(n)d log entries ending in %(head)s; "
            "anyone holding the log can recount it."
        )
        % {
            "n": (matter.result or {}).get("log_length", matter.log_length),
            "head": (matter.result or {}).get("log_head", matter.log_head) or EMPTY,
        }
    )
    if matter.revocable_until:
        script.paragraph(
            _(
                "Civil Code Art. "
                "280: an owner whose lawful rights this decision infringes may ask the people's court to revoke it within "
                "one year, that is until %(day)s."
            )
            % {"day": matter.revocable_until.isoformat()}
        )
    script.gap(2)
    script.paragraph(
        _("%(body)s, %(day)s")
        % {"body": matter.compound.name, "day": timezone.localdate(matter.published_at or timezone.now()).isoformat()},
        align="R",
    )
    return script.render()
