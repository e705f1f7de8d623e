"""The meeting's documents: the notice and the minutes as PDF (Chinese text embedded and extractable),
and the iCalendar invitation, feed and feed tokens. The PDF machinery itself (font, line breaking,
response) is tested in test_pdf.py."""

import io
import logging
import re
from datetime import timedelta

import pypdf
import pytest
from django.utils import timezone, translation
from icalendar import Calendar

from core.models import OutboxMessage
from deliberation.models import Stakeholder
from deliberation.rules import ResidentsMeetingKind
from meetings import actions, calendar, documents
from meetings.actions import Invitee
from meetings.models import Kind, Meeting, Minutes, Status
from people.models import Membership, Organisation

TITLE = "1栋水管更换联席会议"
PLACE = "灯湖社区党群服务中心二楼会议室"
AGENDA = ("更换1栋地下供水主管", "维修费用分摊方案")
DISCUSSION = "物业说明了水管老化情况，业主代表要求在三天内完成更换并公布费用明细。"
DECISION = "物业三天内更换水管，费用由专项维修资金列支。"
SUMMARY = "会议就1栋水管更换达成一致。"
AMENDMENT = "更正：费用明细由业委会张贴于1栋大堂。"


def pdf_text(data: bytes) -> str:
    """All text of a PDF with whitespace removed (pypdf may space out CJK characters)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def embedded_fonts(data: bytes) -> list[str]:
    """The /FontFile, /FontFile2 or /FontFile3 entries of every font descriptor (embedded font programs)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    found = []
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                found += [key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor]
    return found


@pytest.fixture
def meeting_world(world):
    """The property company's chair (周物业, with an e-mail address) and an owners' committee invited too."""
    Membership.objects.create(person=world.property_staff, organisation=world.company, position=Membership.Position.CHAIR)
    world.property_staff.email = "zhou@example.com"
    world.property_staff.save(update_fields=["email"])
    world.owners = Organisation.objects.create(
        kind=Organisation.Kind.OWNERS_COMMITTEE, name="水岸公馆业委会", place=world.compound
    )
    Membership.objects.create(person=world.resident, organisation=world.owners, position=Membership.Position.CHAIR)
    return world


def draft_meeting(w, *, title=TITLE, days=5) -> Meeting:
    now = timezone.now().replace(second=0, microsecond=0)  # a form gives minutes; iCalendar keeps seconds
    meeting = actions.create_meeting(
        actor=w.community_staff,
        community=w.community,
        kind=Kind.JOINT,
        title=title,
        purpose="商定1栋水管更换的时间与费用。",
        starts_at=now + timedelta(days=days),
        ends_at=now + timedelta(days=days, hours=2),
        location=PLACE,
        speech_seconds=90,
        speeches_per_motion=3,
        invitees=[
            Invitee(role=Stakeholder.PROPERTY_COMPANY, organisation=w.company),
            Invitee(role=Stakeholder.OWNERS_COMMITTEE, organisation=w.owners),
            Invitee(role=Stakeholder.RESIDENT, person=w.neighbour),
        ],
    )
    for title in AGENDA:
        actions.add_agenda_item(actor=w.community_staff, meeting=meeting, title=title)
    return meeting


@pytest.fixture
def notified(meeting_world) -> Meeting:
    meeting = draft_meeting(meeting_world)
    return actions.send_notice(actor=meeting_world.community_staff, meeting=meeting)


@pytest.fixture
def published(meeting_world, notified) -> Meeting:
    """The meeting held: two signed in, the first item minuted and voted on, minutes published and amended."""
    w, meeting = meeting_world, notified
    at = meeting.starts_at + timedelta(minutes=5)
    actions.start_meeting(actor=w.community_staff, meeting=meeting, now=at)
    actions.sign_in(actor=w.property_staff, meeting=meeting, now=at)
    actions.sign_in(actor=w.resident, meeting=meeting, now=at)
    first, second = meeting.agenda.order_by("position")
    actions.record_minute(actor=w.community_staff, item=first, discussion=DISCUSSION, decision=DECISION)
    with translation.override("zh-hans"):  # recorded in Chinese, whatever the machine's language
        actions.record_vote(actor=w.community_staff, item=first, votes_for=2, votes_against=0, votes_abstain=0)
    actions.record_minute(actor=w.community_staff, item=second, discussion="费用分摊意见不一。")
    actions.record_summary(actor=w.community_staff, meeting=meeting, summary=SUMMARY)
    actions.end_meeting(actor=w.community_staff, meeting=meeting, now=at + timedelta(hours=2))
    meeting.refresh_from_db()
    actions.approve_minutes(actor=w.community_staff, meeting=meeting)
    actions.publish_minutes(actor=w.community_staff, meeting=meeting)
    actions.amend_minutes(actor=w.community_staff, meeting=meeting, text=AMENDMENT)
    return meeting


# --- the notice ----------------------------------------------------------------------------------


def test_notice_pdf_has_the_meeting_in_chinese_with_the_font_embedded(notified, caplog):
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        data = documents.notice_pdf(notified)
    assert "missing" not in caplog.text  # every character drawn is in the font subset
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for expected in (
        TITLE,
        "灯湖社区",
        PLACE,
        *AGENDA,
        "中铁建物业",
        "水岸公馆业委会",
        "王邻居",
        "商定1栋水管更换的时间与费用。",
    ):
        assert squeeze(expected) in text, expected
    assert squeeze(str(Stakeholder.PROPERTY_COMPANY.label)) in text
    assert squeeze(translation.gettext("Meeting notice")) in text
    # 90 seconds, 3 speeches, the sent date in local time.
    assert squeeze(translation.gettext("%(minutes)d min %(seconds)d s") % {"minutes": 1, "seconds": 30}) in text
    assert timezone.localtime(notified.notice_sent_at).strftime("%Y-%m-%d") in text
    assert embedded_fonts(data), "the CJK font must be embedded, not referenced"
    metadata = pypdf.PdfReader(io.BytesIO(data)).metadata
    assert TITLE in metadata.title and metadata.creation_date is not None


def test_notice_in_english_has_english_headings(notified):
    with translation.override("en"):
        text = pdf_text(documents.notice_pdf(notified))
    for heading in ("Meeting notice", "Invited", "Agenda", "Rules of procedure", "Page 1 of 1", "1 min 30 s"):
        assert squeeze(heading) in text, heading
    assert squeeze(TITLE) in text and "灯湖社区" in text


def test_notice_of_a_cancelled_meeting_says_so(meeting_world, notified):
    actions.cancel_meeting(actor=meeting_world.community_staff, meeting=notified, reason="台风预警，改期另行通知")
    with translation.override("en"):
        text = pdf_text(documents.notice_pdf(notified))
    assert squeeze("This meeting has been cancelled") in text and "台风预警，改期另行通知" in text


def test_a_draft_notice_says_it_was_not_sent(meeting_world):
    meeting = draft_meeting(meeting_world)
    with translation.override("en"):
        text = pdf_text(documents.notice_pdf(meeting))
    assert squeeze("this notice has not been sent") in text


def test_notice_of_a_residents_meeting(meeting_world):
    now = timezone.now().replace(second=0, microsecond=0)
    meeting = actions.create_meeting(
        actor=meeting_world.community_staff,
        community=meeting_world.community,
        kind=Kind.RESIDENTS_MEETING,
        title="灯湖社区居民会议",
        starts_at=now + timedelta(days=10),
        ends_at=now + timedelta(days=10, hours=2),
        location=PLACE,
        residents_meeting_kind=ResidentsMeetingKind.HOUSEHOLD_REPRESENTATIVES,
        eligible=240,
    )
    actions.add_agenda_item(actor=meeting_world.community_staff, meeting=meeting, title="增补居民小组长")
    with translation.override("en"):
        text = pdf_text(documents.notice_pdf(meeting))
    for expected in ("The residents of the community.", "One representative per household", "240", "增补居民小组长"):
        assert squeeze(expected) in text, expected
    assert squeeze("More than half of those present") in text  # the rule 组织法 Art 9 imposes


def test_long_chinese_text_wraps_onto_many_pages_and_keeps_every_character(meeting_world):
    meeting = draft_meeting(meeting_world)
    long_purpose = "为解决1栋地下供水主管老化、频繁爆管的问题，" * 120
    Meeting.objects.filter(pk=meeting.pk).update(purpose=long_purpose)
    data = documents.notice_pdf(meeting)
    pages = [squeeze(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]
    assert len(pages) >= 3
    # Each page ends with its footer; without the footers the purpose reads on unbroken.
    footer = squeeze(f"{translation.gettext('Meeting notice')} · {TITLE}")
    assert all(footer in page for page in pages)
    assert squeeze(long_purpose) in "".join(page[: page.rindex(footer)] for page in pages)
    last = translation.gettext("Page %(page)s of %(pages)s") % {"page": len(pages), "pages": len(pages)}
    assert pages[-1].endswith(squeeze(last))


def test_hundreds_of_distinct_characters_read_back(meeting_world):
    """Past 255 distinct glyphs a one-byte reading of the text would go wrong (see ``CJKFont``)."""
    meeting = draft_meeting(meeting_world)
    characters = "".join(chr(0x4E00 + 7 * n) for n in range(600))
    Meeting.objects.filter(pk=meeting.pk).update(purpose=characters)
    data = documents.notice_pdf(meeting)
    pages = [squeeze(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]
    footer = squeeze(f"{translation.gettext('Meeting notice')} · {TITLE}")
    assert characters in "".join(page[: page.rindex(footer)] for page in pages)
    assert "/FontFile2" in embedded_fonts(data)


def test_notice_queries_do_not_grow_with_invitations_and_agenda(meeting_world, django_assert_num_queries):
    meeting = draft_meeting(meeting_world)
    with django_assert_num_queries(3):
        documents.notice_pdf(meeting)
    for n in range(8):
        actions.add_agenda_item(actor=meeting_world.community_staff, meeting=meeting, title=f"其他事项{n}")
    with django_assert_num_queries(3):
        documents.notice_pdf(meeting)


# --- the minutes ---------------------------------------------------------------------------------


def test_minutes_pdf_has_items_votes_summary_and_amendments_after_the_text(published):
    with translation.override("zh-hans"):
        data = documents.minutes_pdf(published)
    assert data.startswith(b"%PDF-") and embedded_fonts(data)
    text = pdf_text(data)
    item = published.agenda.get(position=1)
    assert item.carried is True and item.result
    for expected in (
        TITLE,
        "灯湖社区",
        PLACE,
        *AGENDA,
        DISCUSSION,
        DECISION,
        item.result,
        SUMMARY,
        AMENDMENT,
        "周物业",
        "李居民",
    ):
        assert squeeze(expected) in text, expected
    counts = translation.gettext(
        "%(for)d for, %(against)d against, %(abstain)d abstaining; %(present)d present and entitled to vote"
    ) % {"for": 2, "against": 0, "abstain": 0, "present": 2}
    assert squeeze(counts) in text
    # The amendment comes after the original text and under its own heading.
    later = squeeze(translation.gettext("Later amendments"))
    assert text.index(SUMMARY) < text.index(later) < text.index(squeeze(AMENDMENT))
    minutes = Minutes.objects.get(meeting=published)
    assert timezone.localtime(minutes.published_at).strftime("%Y-%m-%d") in text


def test_minutes_in_english(published, caplog):
    with translation.override("en"), caplog.at_level(logging.WARNING, logger="fpdf"):
        data = documents.minutes_pdf(published)
    assert "missing" not in caplog.text
    text = pdf_text(data)
    item = published.agenda.get(position=1)
    for heading in (
        "Meeting minutes",
        "Attendance",
        "2 people signed in, 2 of them entitled to vote.",
        "Agenda items and decisions",
        "Discussion",
        "Decision",
        "2 for, 0 against, 0 abstaining; 2 present and entitled to vote",
        "Carried",
        "Summary",
        "Status of the minutes",
        "published",
        "Later amendments",
    ):
        assert squeeze(heading) in text, heading
    # The result is explained in the reader's language, whatever the recorder's was.
    assert squeeze("Carried. 2 for, 0 against") in text
    assert squeeze(item.result) not in text
    assert squeeze("No vote taken.") in text  # the second item


def test_draft_minutes_are_marked_as_draft(meeting_world, notified):
    w = meeting_world
    actions.start_meeting(actor=w.community_staff, meeting=notified, now=notified.starts_at)
    with translation.override("en"):
        text = pdf_text(documents.minutes_pdf(notified))
    assert squeeze("Draft minutes: not yet approved.") in text
    assert squeeze("0 people signed in") in text


def test_no_minutes_before_the_meeting_opens(notified):
    with pytest.raises(Minutes.DoesNotExist):
        documents.minutes_pdf(notified)


def test_minutes_queries_are_constant(published, django_assert_num_queries):
    with django_assert_num_queries(4):
        documents.minutes_pdf(published)


# --- iCalendar -----------------------------------------------------------------------------------


def only_event(ics: str):
    cal = Calendar.from_ical(ics)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    return cal, events[0]


def test_invitation_is_a_request_with_the_meeting(notified):
    cal, event = only_event(calendar.meeting_invitation(notified))
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(event["UID"]) == notified.uid
    assert str(event["SUMMARY"]) == TITLE
    assert str(event["LOCATION"]) == PLACE
    assert event.decoded("DTSTART") == notified.starts_at
    assert event.decoded("DTEND") == notified.ends_at
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == notified.sequence


def test_cancelling_sends_a_cancel_with_a_higher_sequence(meeting_world, notified):
    _cal, before = only_event(calendar.meeting_invitation(notified))
    actions.cancel_meeting(actor=meeting_world.community_staff, meeting=notified, reason="台风")
    meeting = Meeting.objects.get(pk=notified.pk)
    assert meeting.status == Status.CANCELLED
    cal, event = only_event(calendar.meeting_invitation(meeting))
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(before["UID"])
    assert int(event["SEQUENCE"]) > int(before["SEQUENCE"])
    # Those who had the notice by e-mail get the cancellation as an attachment too.
    mail = OutboxMessage.objects.filter(channel="email", address="zhou@example.com").order_by("-id").first()
    _cal, attached = only_event(mail.attachment)
    assert str(attached["STATUS"]) == "CANCELLED"


def test_feed_carries_several_meetings(meeting_world, notified):
    other = draft_meeting(meeting_world, title="2栋电梯维修议事会", days=9)
    cal = Calendar.from_ical(calendar.feed([notified, other], "灯湖社区会议"))
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == "灯湖社区会议"
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {notified.uid, other.uid}
    assert str(events[other.uid]["SUMMARY"]) == "2栋电梯维修议事会"
    assert events[other.uid].decoded("DTSTART") == other.starts_at


def test_feed_token_round_trip_and_tampering(meeting_world):
    token = calendar.feed_token(meeting_world.resident)
    assert calendar.person_from_token(token) == meeting_world.resident.pk
    assert calendar.feed_token(meeting_world.neighbour) != token
    head, signature = token.rsplit(":", 1)
    tampered = f"{head}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"
    assert calendar.person_from_token(tampered) is None
    assert calendar.person_from_token("garbage") is None
    assert calendar.person_from_token("") is None


def test_notice_email_carries_a_parsable_invitation(notified):
    mail = OutboxMessage.objects.get(channel="email", address="zhou@example.com")
    assert mail.attachment_name == "invite.ics"
    assert mail.attachment_type.startswith("text/calendar")
    cal, event = only_event(mail.attachment)
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(event["UID"]) == notified.uid
    assert event.decoded("DTSTART") == notified.starts_at
