"""A meeting's documents as PDF: the notice (会议通知) and the minutes (会议纪要).

Written with ``core.pdf`` (the CJK font subset, line breaking, headings, label–value blocks and
tables) in the current language: labels through gettext; names, titles and minutes as entered.
Each document reads the meeting with a fixed number of queries.
"""

from datetime import datetime

from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from core.pdf import ALERT, EMPTY, GREY, LINE, Script, datetime_text
from deliberation.models import Stakeholder
from deliberation.rules import MajorityRule

from .models import AgendaItem, Attendance, Invitation, Kind, Meeting, Minutes, Status

# --- values --------------------------------------------------------------------------------------


def _when(meeting: Meeting) -> str:
    """ "2026-05-08 星期五 14:30–16:30" in local time, the weekday in the current language."""
    start, end = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
    weekday = formats.date_format(start, "l")
    if start.date() == end.date():
        return f"{start:%Y-%m-%d} {weekday} {start:%H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d} {weekday} {start:%H:%M} – {end:%Y-%m-%d %H:%M}"


def _speaking_time(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if not rest:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    if not minutes:
        return ngettext("%(n)d second", "%(n)d seconds", rest) % {"n": rest}
    return _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": rest}


def _majority(rule: str, abstentions_count: bool) -> str:
    label = str(MajorityRule(rule).label)
    if rule != MajorityRule.ABSOLUTE_OF_PRESENT:
        abstentions = _("abstentions count in the base") if abstentions_count else _("abstentions not counted")
        label = _("%(rule)s; %(abstentions)s") % {"rule": label, "abstentions": abstentions}
    return label


def _subtitle(meeting: Meeting) -> str:
    return f"{meeting.community.name} · {meeting.get_kind_display()}"


def _convening_body(meeting: Meeting) -> str:
    return meeting.organising_organisation.name if meeting.organising_organisation else meeting.community.name


def _script(kind: str, meeting: Meeting) -> Script:
    """A document about ``meeting``: its title in the footer, its community and kind as the file's
    subject, the convening body as its author."""
    return Script(kind, meeting.title, subject=_subtitle(meeting), author=_convening_body(meeting))


def _facts(meeting: Meeting) -> list[tuple[str, object]]:
    """Who convenes the meeting, when and where (the community and kind are in the heading)."""
    rows = [
        (_("Convened by"), _convening_body(meeting)),
        (_("Organiser"), meeting.organiser.name if meeting.organiser else ""),
        (_("Time"), _when(meeting)),
        (pgettext("meeting", "Place"), meeting.where),
    ]
    if meeting.kind == Kind.RESIDENTS_MEETING:
        rows += [
            (_("Attended by"), meeting.get_residents_meeting_kind_display()),
            (_("Entitled to attend"), meeting.eligible),
        ]
    return rows


def _cancelled_note(meeting: Meeting) -> str:
    if meeting.status != Status.CANCELLED:
        return ""
    return _("This meeting has been cancelled. Reason: %(reason)s") % {"reason": meeting.cancel_reason or EMPTY}


def _sign_off(script: Script, meeting: Meeting, when: datetime | None) -> None:
    """The convening body and the date at the bottom right, as a Chinese notice ends (落款)."""
    script.keep_together(LINE * 3)
    script.gap(6)
    lines = [_convening_body(meeting)]
    if when:
        lines.append(formats.date_format(timezone.localtime(when), "DATE_FORMAT"))
    script.paragraph("\n".join(lines), align="R")


# --- the notice ----------------------------------------------------------------------------------


def _meeting_for_notice(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_related("community", "organiser", "organising_organisation", "room__venue")
        .prefetch_related(
            Prefetch("invitations", queryset=Invitation.objects.select_related("organisation", "person").order_by("id")),
            Prefetch("agenda", queryset=AgendaItem.objects.order_by("position", "id")),
        )
        .get(pk=meeting.pk)
    )


def notice_pdf(meeting: Meeting) -> bytes:
    """The meeting notice (会议通知) as PDF, in the current language: the meeting, who is invited and as
    what, the agenda, the rules of procedure, and when the notice went out. Three queries."""
    meeting = _meeting_for_notice(meeting)
    script = _script(_("Meeting notice"), meeting)
    script.heading(_("Meeting notice"), meeting.title, _subtitle(meeting), _cancelled_note(meeting))
    script.fields([*_facts(meeting), (_("Purpose"), meeting.purpose)])

    script.section(_("Invited"))
    invitations = list(meeting.invitations.all())
    if invitations:
        script.table(
            [
                (
                    i.organisation.name if i.organisation else i.person.name,
                    _("organisation") if i.organisation else pgettext("invited", "in person"),
                    Stakeholder(i.role).label,
                )
                for i in invitations
            ],
            shares=(0.45, 0.17, 0.38),
            headings=(_("Invitee"), _("Invited as"), _("Taking part as")),
        )
    else:
        script.paragraph(_("The residents of the community.") if meeting.kind == Kind.RESIDENTS_MEETING else EMPTY)

    script.section(_("Agenda"))
    agenda = list(meeting.agenda.all())
    if agenda:
        script.table(
            [(str(item.position), item.title) for item in agenda],
            shares=(0.08, 0.92),
            headings=(_("No."), _("Item")),
            align=("C", "L"),
        )
    else:
        script.paragraph(EMPTY)

    script.section(_("Rules of procedure"))
    script.fields(
        [
            (_("Speaking time"), _("at most %(time)s per speech") % {"time": _speaking_time(meeting.speech_seconds)}),
            (_("Speeches per motion"), _("at most %(n)d per person") % {"n": meeting.speeches_per_motion}),
            (_("Majority rule"), _majority(meeting.majority, meeting.abstentions_count)),
        ]
    )

    script.gap(2)
    if meeting.notice_sent_at:
        script.paragraph(_("Notice sent on %(date)s.") % {"date": datetime_text(meeting.notice_sent_at)}, colour=GREY)
    else:
        script.paragraph(_("Draft: this notice has not been sent."), colour=ALERT)
    _sign_off(script, meeting, meeting.notice_sent_at)
    return script.render()


# --- the minutes ---------------------------------------------------------------------------------


def _meeting_for_minutes(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_related("community", "organiser", "organising_organisation", "room__venue", "minutes")
        .prefetch_related(
            Prefetch("agenda", queryset=AgendaItem.objects.order_by("position", "id")),
            Prefetch(
                "attendances",
                queryset=Attendance.objects.select_related("person", "organisation").order_by("signed_in_at", "id"),
            ),
            "minutes__amendments",
        )
        .get(pk=meeting.pk)
    )


def _item_rows(item: AgendaItem) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [
        (_("Discussion"), item.discussion or _("Not recorded.")),
        (_("Decision"), item.decision or _("Not recorded.")),
    ]
    if not item.voted:
        return [*rows, (_("Vote"), _("No vote taken."))]
    counts = _("%(for)d for, %(against)d against, %(abstain)d abstaining; %(present)d present and entitled to vote") % {
        "for": item.votes_for or 0,
        "against": item.votes_against or 0,
        "abstain": item.votes_abstain or 0,
        "present": item.votes_present or 0,
    }
    return [
        *rows,
        (_("Vote"), counts),
        (_("Majority rule"), MajorityRule(item.majority).label if item.majority else EMPTY),
        (_("Outcome"), _("Carried") if item.carried else _("Not carried")),
        (_("Result"), item.result_text),
    ]


def minutes_pdf(meeting: Meeting) -> bytes:
    """The minutes (会议纪要) as PDF, in the current language: the meeting, who attended, each agenda item
    with its discussion, decision and vote, the summary, the state of the minutes, and after the
    original text every later amendment. Draft minutes say so at the top. Four queries. Raises
    ``Minutes.DoesNotExist`` for a meeting that was never opened (it has no minutes)."""
    meeting = _meeting_for_minutes(meeting)
    minutes = meeting.minutes  # raises Minutes.DoesNotExist
    script = _script(_("Meeting minutes"), meeting)
    note = _("Draft minutes: not yet approved.") if minutes.status == Minutes.Status.DRAFT else _cancelled_note(meeting)
    script.heading(_("Meeting minutes"), meeting.title, _subtitle(meeting), note)
    script.fields(_facts(meeting))

    script.section(_("Attendance"))
    attendances = list(meeting.attendances.all())
    entitled = sum(1 for a in attendances if a.entitled_to_vote)
    counts = ngettext(
        "%(n)d person signed in, %(entitled)d of them entitled to vote.",
        "%(n)d people signed in, %(entitled)d of them entitled to vote.",
        len(attendances),
    ) % {"n": len(attendances), "entitled": entitled}
    if meeting.kind == Kind.RESIDENTS_MEETING and meeting.eligible:
        quorum = _("%(eligible)d are entitled to attend; more than half must attend for a quorum.")
        counts = f"{counts} {quorum % {'eligible': meeting.eligible}}"
    script.paragraph(counts)
    script.gap(1)
    if attendances:
        script.table(
            [
                (
                    a.person.name,
                    a.organisation.name if a.organisation else EMPTY,
                    _("yes") if a.entitled_to_vote else _("no"),
                    timezone.localtime(a.signed_in_at).strftime("%H:%M"),
                )
                for a in attendances
            ],
            shares=(0.28, 0.40, 0.16, 0.16),
            headings=(pgettext("person", "Name"), _("Representing"), _("Votes"), _("Signed in")),
            align=("L", "L", "C", "C"),
        )

    script.section(_("Agenda items and decisions"))
    for item in meeting.agenda.all():
        script.keep_together(LINE * 5)
        script.paragraph(f"{item.position}. {item.title}", size=11.5, line=6.5)
        script.fields(_item_rows(item))
        script.gap(1)

    script.section(_("Summary"))
    script.paragraph(minutes.summary or EMPTY)

    script.section(_("Status of the minutes"))
    script.fields(
        [
            (_("Status"), minutes.get_status_display()),
            (_("Approved on"), datetime_text(minutes.approved_at)),
            (_("Published on"), datetime_text(minutes.published_at)),
        ]
    )

    amendments = list(minutes.amendments.all())
    if amendments:
        script.section(_("Later amendments"))
        script.paragraph(_("Added after the minutes were fixed; the text above is unchanged."), colour=GREY)
        script.gap(1)
        script.fields([(f"{n}. {datetime_text(a.at)}", a.text) for n, a in enumerate(amendments, 1)])
    _sign_off(script, meeting, minutes.published_at or minutes.approved_at)
    return script.render()
