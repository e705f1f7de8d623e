"""State changes on people, households, roles, consent and sign-in. Each action runs in a
transaction, re-checks its preconditions, and writes an audit entry naming the actor."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.tasks import deliver_sms
from places.models import Place, Unit

from . import policy
from .models import (
    ApiToken,
    ConsentRecord,
    HouseholdMember,
    JoinRequest,
    OneTimeCode,
    Person,
    Role,
    RoleAssignment,
    SensitiveTag,
)
from .validators import normalise_mobile

ANONYMISED_NAME = "已注销用户"


# --- consent ---------------------------------------------------------------------------------


def record_consent(*, person: Person, purpose: str, channel: str = ConsentRecord.Channel.ONLINE) -> ConsentRecord:
    """Grant consent under the current notice version; an earlier active grant is closed first."""
    with transaction.atomic():
        now = timezone.now()
        ConsentRecord.objects.filter(person=person, purpose=purpose, withdrawn_at__isnull=True).update(withdrawn_at=now)
        consent = ConsentRecord.objects.create(
            person=person, purpose=purpose, channel=channel, notice_version=settings.PRIVACY_NOTICE_VERSION, granted_at=now
        )
        audit.record(actor=person, action="consent.granted", obj=consent, subject_id=person.pk, purpose=purpose)
    return consent


def withdraw_consent(*, person: Person, purpose: str) -> None:
    """PIPL Art 15: withdrawal is always possible and does not undo earlier lawful processing.
    Withdrawing the separate consent for care information removes the tags that rested on it."""
    with transaction.atomic():
        changed = ConsentRecord.objects.filter(person=person, purpose=purpose, withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now()
        )
        if purpose == ConsentRecord.Purpose.SENSITIVE:
            SensitiveTag.objects.filter(person=person, basis=SensitiveTag.Basis.CONSENT).delete()
        if changed:
            audit.record(actor=person, action="consent.withdrawn", obj=person, subject_id=person.pk, purpose=purpose)


def has_consent(person: Person, purpose: str) -> bool:
    return ConsentRecord.objects.filter(person=person, purpose=purpose, withdrawn_at__isnull=True).exists()


# --- registration and sign-in ----------------------------------------------------------------


def register_resident(*, name: str, mobile: str, password: str) -> Person:
    """Create an account; the registry consent is recorded at the same time (PIPL Art 14)."""
    mobile = normalise_mobile(mobile)
    taken = ValidationError({"mobile": _("This mobile number is already registered.")})
    try:
        with transaction.atomic():
            if Person.objects.filter(mobile=mobile).exists():
                raise taken
            person = Person.objects.create_user(mobile=mobile, password=password, name=name.strip())
            record_consent(person=person, purpose=ConsentRecord.Purpose.REGISTRY)
            audit.record(actor=person, action="person.registered", obj=person, subject_id=person.pk)
    except IntegrityError as exc:  # the same number registered at the same instant: the constraint decides
        raise taken from exc
    return person


def _code_hash(mobile: str, code: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{mobile}:{code}".encode()).hexdigest()


def send_sign_in_code(*, mobile: str) -> bool:
    """Send a 6-digit code to a registered, active mobile number. Returns False (and sends
    nothing) for unknown numbers, without saying so to the caller's page (no account probing)."""
    mobile = normalise_mobile(mobile)
    # The throttle and the stored (hashed) code apply to unknown numbers too: a second request within
    # a minute must look the same whether or not the number is registered.
    recent = OneTimeCode.objects.filter(mobile=mobile, created_at__gte=timezone.now() - timedelta(seconds=60))
    if recent.exists():
        raise ValidationError(_("A code was sent less than a minute ago. Please wait before asking again."))
    known = Person.objects.filter(mobile=mobile, is_active=True).exists()
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        OneTimeCode.objects.filter(mobile=mobile, used_at__isnull=True).update(used_at=timezone.now())
        OneTimeCode.objects.create(
            mobile=mobile,
            code_hash=_code_hash(mobile, code),
            expires_at=timezone.now() + timedelta(seconds=settings.ONE_TIME_CODE_TTL_SECONDS),
        )
        if known:
            text = _("Your Linli sign-in code is %(code)s. It expires in 5 minutes.") % {"code": code}
            transaction.on_commit(lambda: deliver_sms.delay(mobile, text))
    return known


def check_sign_in_code(*, mobile: str, code: str) -> Person | None:
    """Use a code once. Each wrong guess counts; after the maximum the code is void."""
    mobile = normalise_mobile(mobile)
    now = timezone.now()
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(mobile=mobile, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if otp is None:
            return None
        if not secrets.compare_digest(otp.code_hash, _code_hash(mobile, code.strip())):
            otp.attempts += 1
            if otp.attempts >= settings.ONE_TIME_CODE_MAX_ATTEMPTS:
                otp.used_at = now
            otp.save(update_fields=["attempts", "used_at"])
            return None
        otp.used_at = now
        otp.save(update_fields=["used_at"])
    return Person.objects.filter(mobile=mobile, is_active=True).first()


def create_api_token(*, person: Person, name: str) -> str:
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(person=person, name=name, key_hash=hashlib.sha256(key.encode()).hexdigest())
    audit.record(actor=person, action="api_token.created", obj=person, subject_id=person.pk, name=name)
    return key


# --- join requests ---------------------------------------------------------------------------


def request_to_join(*, person: Person, unit: Unit, relation: str, message: str = "") -> JoinRequest:
    """A resident asks to join a unit. Until approved they have no household rights."""
    if relation not in HouseholdMember.Relation.values:  # the API passes it unchecked
        raise ValidationError({"relation": _("Unknown relation.")})
    pending = ValidationError(_("You have already asked to join this unit; the request is waiting for approval."))
    try:
        with transaction.atomic():
            if HouseholdMember.objects.filter(unit=unit, person=person).exists():
                raise ValidationError(_("You are already a member of this household."))
            if JoinRequest.objects.filter(unit=unit, person=person, status=JoinRequest.Status.PENDING).exists():
                raise pending
            jr = JoinRequest.objects.create(
                person=person, unit=unit, building=unit.building, relation=relation, message=message, path=unit.path
            )
            audit.record(actor=person, action="join_request.created", obj=jr, subject_id=person.pk)
    except IntegrityError as exc:  # a double submit: the one-pending-request constraint decides
        raise pending from exc
    return jr


def decide_join_request(*, actor: Person, request: JoinRequest, approve: bool, reason: str = "") -> JoinRequest:
    """The building's leader or community staff approve or reject. Compare-and-set on status, so two
    deciders acting at once cannot both win; the loser gets a clear message."""
    if not policy.can_decide_join(actor, request):
        raise PermissionDenied
    if not approve and not reason.strip():
        raise ValidationError({"reason": _("Please give a reason for the rejection.")})
    new_status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.REJECTED
    with transaction.atomic():
        updated = JoinRequest.objects.filter(pk=request.pk, status=JoinRequest.Status.PENDING).update(
            status=new_status, decided_by=actor, decided_at=timezone.now(), reason=reason.strip()
        )
        if not updated:
            raise ValidationError(_("This request has already been decided by someone else."))
        if approve:
            HouseholdMember.objects.get_or_create(
                unit=request.unit,
                person=request.person,
                defaults={"relation": request.relation, "path": request.unit.path},
            )
        audit.record(actor=actor, action=f"join_request.{new_status}", obj=request, subject_id=request.person_id, reason=reason)
    request.refresh_from_db()
    text = (
        _("Your request to join %(unit)s was approved.")
        if approve
        else _("Your request to join %(unit)s was not approved: %(reason)s")
    ) % {"unit": str(request.unit), "reason": reason}
    if request.person.mobile:
        mobile = request.person.mobile
        transaction.on_commit(lambda: deliver_sms.delay(mobile, text))
    return request


def withdraw_join_request(*, person: Person, request: JoinRequest) -> None:
    if request.person_id != person.pk:
        raise PermissionDenied
    with transaction.atomic():
        withdrawn = JoinRequest.objects.filter(pk=request.pk, status=JoinRequest.Status.PENDING).update(
            status=JoinRequest.Status.WITHDRAWN, decided_at=timezone.now()
        )
        if withdrawn:
            audit.record(actor=person, action="join_request.withdrawn", obj=request, subject_id=person.pk)


# --- roles -----------------------------------------------------------------------------------


def assign_role(*, actor: Person, person: Person, role: str, place: Place, organisation=None) -> RoleAssignment:
    if not policy.can_grant(actor, role, place):
        raise PermissionDenied
    if role == Role.PROPERTY_STAFF and organisation is None:
        raise ValidationError(_("Property staff must belong to a property company."))
    with transaction.atomic():
        existing = RoleAssignment.objects.active().filter(person=person, role=role, place=place).first()
        if existing:
            return existing
        ra = RoleAssignment.objects.create(person=person, role=role, place=place, organisation=organisation, granted_by=actor)
        audit.record(actor=actor, action="role.assigned", obj=ra, subject_id=person.pk, role=role, place=place.pk)
    return ra


def end_role(*, actor: Person, assignment: RoleAssignment) -> None:
    if not policy.can_grant(actor, assignment.role, assignment.place):
        raise PermissionDenied
    with transaction.atomic():
        RoleAssignment.objects.filter(pk=assignment.pk, ended_at__isnull=True).update(ended_at=timezone.now())
        audit.record(actor=actor, action="role.ended", obj=assignment, subject_id=assignment.person_id)


# --- personal data ---------------------------------------------------------------------------


def add_sensitive_tag(
    *, actor: Person, person: Person, unit: Unit, kind: str, note: str = "", basis: str = SensitiveTag.Basis.CONSENT
) -> SensitiveTag:
    """Only caring roles over the building may record care information, and a consent-based tag
    needs the person's separate consent (PIPL Art 29)."""
    if not policy.can_view_sensitive(actor, unit.path):
        raise PermissionDenied
    if not HouseholdMember.objects.filter(person=person, unit=unit).exists():
        raise ValidationError(_("This person does not live in that unit."))
    if basis == SensitiveTag.Basis.CONSENT and not has_consent(person, ConsentRecord.Purpose.SENSITIVE):
        raise ValidationError(_("This person has not given separate consent for care information."))
    with transaction.atomic():
        tag, _created = SensitiveTag.objects.update_or_create(
            person=person,
            unit=unit,
            kind=kind,
            defaults={"note": note, "basis": basis, "created_by": actor, "path": unit.path},
        )
        audit.record(actor=actor, action="sensitive_tag.saved", obj=tag, subject_id=person.pk, kind=kind)
    return tag


def reveal(*, actor: Person, person: Person, field: str, reason: str) -> str:
    """Show a full mobile or ID number to staff who need it. Always audited, with the reason."""
    if field not in {"mobile", "id_number"}:
        raise ValidationError(_("Unknown field."))
    if not reason.strip():
        raise ValidationError({"reason": _("Please say why you need the full number.")})
    if actor.pk != person.pk and not policy.can_reveal(actor, person, field):
        raise PermissionDenied
    audit.record(actor=actor, action=f"reveal.{field}", obj=person, subject_id=person.pk, reason=reason.strip())
    return (person.mobile or "") if field == "mobile" else person.id_number


def export_personal_data(*, person: Person) -> dict:
    """Everything Linli holds about a person (PIPL Art 45: right to access and copy)."""
    from core.models import AuditEntry

    def rows(qs, fields):
        return [{f: (str(v) if v is not None else None) for f, v in zip(fields, r, strict=True)} for r in qs.values_list(*fields)]

    audit.record(actor=person, action="personal_data.exported", obj=person, subject_id=person.pk)
    return {
        "person": {
            "id": person.pk,
            "name": person.name,
            "mobile": person.mobile,
            "email": person.email,
            "id_number": person.id_number,
            "birth_year": person.birth_year,
            "migratory": person.migratory,
            "date_joined": person.date_joined.isoformat(),
            "language": person.preferred_language,
        },
        "households": rows(
            person.households.select_related("unit"), ["unit__building__name", "unit__label", "relation", "since"]
        ),
        "ownerships": rows(person.ownerships, ["unit__building__name", "unit__label", "share", "status"]),
        "consents": rows(person.consents, ["purpose", "notice_version", "channel", "granted_at", "withdrawn_at"]),
        "sensitive_tags": rows(person.sensitive_tags, ["kind", "note", "basis", "created_at"]),
        "memberships": rows(person.memberships, ["organisation__name", "position", "since"]),
        "roles": rows(person.roles, ["role", "place__name", "granted_at", "ended_at"]),
        "join_requests": rows(person.join_requests, ["unit__label", "status", "created_at", "decided_at", "reason"]),
        "access_log": rows(
            AuditEntry.objects.filter(subject_id=person.pk).exclude(actor=person), ["at", "action", "actor__name"]
        ),
        "messages": rows(person.notifications, ["created_at", "subject", "body", "read_at"]),
        **{key: value for module in _personal_data_modules() for key, value in module.export(person).items()},
    }


def _personal_data_modules():
    """Apps above ``people`` (problem reports, later votes and events) hold personal data too. Each may
    have a ``personal_data`` module with ``export(person) -> dict`` and ``erase(person)``; ``people`` finds
    them without importing those apps (imports only go down)."""
    from importlib import import_module

    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    return [
        import_module(f"{config.name}.personal_data")
        for config in apps.get_app_configs()
        if config.name != "people" and module_has_submodule(config.module, "personal_data")
    ]


def erase_person(*, person: Person, actor: Person | None = None) -> None:
    """PIPL Art 47: on request, delete. What a law or a pending owners' decision needs is kept but
    anonymised (ownership of units, consent history, the audit log); everything else is removed."""
    actor = actor or person
    with transaction.atomic():
        person.households.all().delete()
        person.sensitive_tags.all().delete()
        person.memberships.all().delete()
        person.join_requests.all().delete()
        person.api_tokens.all().delete()
        person.notifications.all().delete()
        for module in _personal_data_modules():
            module.erase(person)
        person.roles.filter(ended_at__isnull=True).update(ended_at=timezone.now())
        OneTimeCode.objects.filter(mobile=person.mobile or "").delete()
        ConsentRecord.objects.filter(person=person, withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
        person.name = ANONYMISED_NAME
        person.mobile = None
        person.email = ""
        person.set_id_number(None)
        person.birth_year = None
        person.set_unusable_password()
        person.is_active = False
        person.is_staff = False
        person.anonymised_at = timezone.now()
        person.save()
        audit.record(actor=actor if actor.pk != person.pk else None, action="person.erased", obj=person, subject_id=person.pk)
