"""Persons (the sign-in account), households, ownership, consent, sensitive tags, organisations,
roles, join requests and sign-in codes.

A person is the user model: residents sign in with their mobile number. Many persons (children,
relatives without phones) never sign in and have no usable password.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from pypinyin import Style, lazy_pinyin

from core import crypto
from places.models import Place, Unit

from .validators import normalise_id_number, normalise_mobile, validate_mobile


def pinyin_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials, so 张三 is found by "zhangsan" or "zs"."""
    full = "".join(lazy_pinyin(name)).lower()
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()
    return full[:100], initials[:20]


class PersonManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, mobile: str | None = None, password: str | None = None, **extra):
        person = self.model(mobile=normalise_mobile(mobile) if mobile else None, **extra)
        person.set_password(password) if password else person.set_unusable_password()
        person.save(using=self._db)
        return person

    def create_superuser(self, mobile: str, password: str, **extra):
        extra.setdefault("name", "admin")
        return self.create_user(mobile, password, is_staff=True, is_superuser=True, **extra)


class Person(AbstractBaseUser, PermissionsMixin):
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    name_pinyin = models.CharField(max_length=100, blank=True, editable=False, db_index=True)
    name_initials = models.CharField(max_length=20, blank=True, editable=False, db_index=True)
    mobile = models.CharField(_("mobile number"), max_length=11, unique=True, null=True, blank=True, validators=[validate_mobile])
    email = models.EmailField(_("e-mail"), blank=True, help_text=_("Optional: for notifications by e-mail."))
    # The ID number is never stored in clear: an encrypted token, and a keyed hash for look-up.
    id_number_token = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    migratory = models.BooleanField(
        _("migratory resident (候鸟)"), default=False, help_text=_("Lives here part of the week, e.g. works in Guangzhou.")
    )
    is_staff = models.BooleanField(_("back-office access"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    preferred_language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)

    objects = PersonManager()

    USERNAME_FIELD = "mobile"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name_pinyin", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_pinyin, self.name_initials = pinyin_keys(self.name)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.mobile:
            self.mobile = normalise_mobile(self.mobile)

    # The ID number (PIPL Art 28 sensitive data).
    def set_id_number(self, number: str | None) -> None:
        if not number:
            self.id_number_token, self.id_number_hash = "", None
            return
        number = normalise_id_number(number)
        self.id_number_token = crypto.encrypt(number)
        self.id_number_hash = crypto.lookup_hash(number)

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_token) if self.id_number_token else ""


class ConsentRecord(models.Model):
    """What a person agreed to, when, through which channel and under which notice version (PIPL Arts 14–17)."""

    class Purpose(models.TextChoices):
        REGISTRY = "registry", _("resident registry and community services")
        SENSITIVE = "sensitive", _("care information (sensitive, separate consent)")
        SMS = "sms", _("text messages")
        CONTACT_PUBLIC = "contact_public", _("show my contact to residents I serve")

    class Channel(models.TextChoices):
        ONLINE = "online", _("online")
        PAPER = "paper", _("paper form")
        IMPORT = "import", _("imported roster")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    notice_version = models.CharField(_("notice version"), max_length=20)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"], condition=models.Q(withdrawn_at__isnull=True), name="consent_one_active_per_purpose"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_purpose_display()} · {self.notice_version}"


class HouseholdMember(models.Model):
    """A person living in a unit. The unit's current members form its household."""

    class Relation(models.TextChoices):
        OWNER = "owner", _("owner")
        CO_OWNER = "co_owner", _("co-owner")
        TENANT = "tenant", _("tenant")
        FAMILY = "family", _("family member")

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="households")
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    # The unit's building path, copied so scope checks need no join (kept in step by the actions).
    path = models.CharField(max_length=255, editable=False)
    since = models.DateField(_("since"), default=timezone.localdate)

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        constraints = [models.UniqueConstraint(fields=["unit", "person"], name="household_member_unique")]
        indexes = [
            models.Index(fields=["path", "person"], name="hhm_path_person_idx", opclasses=["varchar_pattern_ops", ""]),
            models.Index(fields=["person", "path"], name="hhm_person_path_idx", opclasses=["", "varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.unit}"

    def save(self, *args, **kwargs) -> None:
        if not self.path:
            self.path = self.unit.path
        super().save(*args, **kwargs)


class Ownership(models.Model):
    """Who owns a unit, with what share, registered or not (SPC interpretation Art 1)."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("registered owner")
        OCCUPIED_UNREGISTERED = "occupied_unregistered", _("bought and occupied, not yet registered")

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="ownerships")
    person = models.ForeignKey(Person, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="ownerships")
    share = models.DecimalField(
        _("share"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("1"))],
    )
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.REGISTERED)
    # The unit's building path, copied so that staff over the building find owners who live elsewhere.
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        indexes = [models.Index(fields=["person", "path"], name="own_person_path_idx", opclasses=["", "varchar_pattern_ops"])]
        constraints = [
            models.UniqueConstraint(fields=["unit", "person"], name="ownership_unique"),
            models.CheckConstraint(condition=models.Q(share__gt=0, share__lte=1), name="ownership_share_range"),
        ]

    def __str__(self) -> str:
        return f"{self.person} owns {self.share} of {self.unit}"

    def save(self, *args, **kwargs) -> None:
        if not self.path:
            self.path = self.unit.path
        super().save(*args, **kwargs)


class SensitiveTag(models.Model):
    """Care information about a person in a household (PIPL Art 28): seen only by the roles that care
    for that building, every staff view audited."""

    class Kind(models.TextChoices):
        ELDERLY_ALONE = "elderly_alone", _("elderly, living alone")
        DISABILITY = "disability", _("disability")
        HEALTH = "health", _("health condition")
        HARDSHIP = "hardship", _("family in difficulty")

    class Basis(models.TextChoices):
        CONSENT = "consent", _("separate consent")
        STATUTORY = "statutory", _("statutory duty")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="sensitive_tags")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="sensitive_tags")
    path = models.CharField(max_length=255, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    basis = models.CharField(_("legal basis"), max_length=10, choices=Basis.choices, default=Basis.CONSENT)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("sensitive tag")
        verbose_name_plural = _("sensitive tags")
        constraints = [models.UniqueConstraint(fields=["person", "unit", "kind"], name="sensitive_tag_unique")]
        indexes = [models.Index(fields=["path"], name="sensitive_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}"

    def save(self, *args, **kwargs) -> None:
        if not self.path:
            self.path = self.unit.path
        super().save(*args, **kwargs)


class Organisation(models.Model):
    class Kind(models.TextChoices):
        SUBDISTRICT_OFFICE = "subdistrict_office", _("sub-district office")
        PARTY_COMMITTEE = "party_committee", _("community party committee")
        PARTY_BRANCH = "party_branch", _("party branch")
        PARTY_GROUP = "party_group", _("party group")
        RESIDENTS_COMMITTEE = "residents_committee", _("residents' committee")
        OWNERS_COMMITTEE = "owners_committee", _("owners' committee")
        PROPERTY_COMPANY = "property_company", _("property company")
        MUTUAL_AID = "mutual_aid", _("neighbourhood volunteer mutual-aid association")
        SELF_GOVERNING = "self_governing", _("self-governing group")
        CULTURAL = "cultural", _("cultural association")
        SELF_ORGANISATION = "self_organisation", _("community self-organisation")
        MEDIATION = "mediation", _("people's mediation committee")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=120)
    # The place the organisation belongs to; property companies also list every compound they serve.
    place = models.ForeignKey(Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="organisations")
    path = models.CharField(max_length=255, editable=False)
    served_places = models.ManyToManyField(Place, verbose_name=_("serves"), blank=True, related_name="serving_organisations")
    parent = models.ForeignKey(
        "self", verbose_name=_("parent organisation"), null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    description = models.TextField(_("description"), blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["path", "kind"], name="org_path_kind_idx", opclasses=["varchar_pattern_ops", ""])]
        constraints = [models.UniqueConstraint(fields=["place", "kind", "name"], name="org_unique_name")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.path = self.place.path
        super().save(*args, **kwargs)


class Membership(models.Model):
    class Position(models.TextChoices):
        CHAIR = "chair", _("chair")
        SECRETARY = "secretary", _("secretary")
        BACKBONE = "backbone", _("backbone member")
        MEMBER = "member", _("member")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    position = models.CharField(_("position"), max_length=10, choices=Position.choices, default=Position.MEMBER)
    since = models.DateField(_("since"), default=timezone.localdate)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["organisation", "person"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.person} · {self.organisation} · {self.get_position_display()}"


class PartyGroupLiaison(models.Model):
    """A party group (户联系党小组) looks after these households."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="liaisons", limit_choices_to={"kind": Organisation.Kind.PARTY_GROUP}
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="party_liaisons")

    class Meta:
        verbose_name = _("household liaison")
        verbose_name_plural = _("household liaisons")
        constraints = [models.UniqueConstraint(fields=["organisation", "unit"], name="liaison_unique")]


class Role(models.TextChoices):
    BUILDING_LEADER = "building_leader", _("building leader")
    LANE_LEADER = "lane_leader", _("lane leader")
    STREET_LEADER = "street_leader", _("street leader")
    COMMUNITY_STAFF = "community_staff", _("community staff")
    SUBDISTRICT_ADMIN = "subdistrict_admin", _("sub-district administrator")
    PROPERTY_STAFF = "property_staff", _("property staff")
    OWNERS_COMMITTEE = "owners_committee", _("owners' committee member")
    MEDIATOR = "mediator", _("mediator")
    VOLUNTEER = "volunteer", _("volunteer")


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class RoleAssignment(models.Model):
    """A role held over a place subtree. Property staff act for their company, over the compounds it serves."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    place = models.ForeignKey(Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="role_assignments")
    path = models.CharField(max_length=255, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role", "place"], condition=models.Q(ended_at__isnull=True), name="role_unique_active"
            )
        ]
        indexes = [
            models.Index(fields=["role", "path"], name="role_role_path_idx", opclasses=["", "varchar_pattern_ops"]),
            models.Index(fields=["place", "role"], name="role_place_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} · {self.place}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        is_company = self.organisation_id is not None and self.organisation.kind == Organisation.Kind.PROPERTY_COMPANY
        if self.role == Role.PROPERTY_STAFF and not is_company:
            raise ValidationError({"organisation": _("Property staff must belong to a property company.")})

    def save(self, *args, **kwargs) -> None:
        self.path = self.place.path
        super().save(*args, **kwargs)


class JoinRequest(models.Model):
    """A resident asks to join a unit of a building (after scanning its QR code)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    TRANSITIONS = {
        Status.PENDING: {Status.APPROVED, Status.REJECTED, Status.WITHDRAWN},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
        Status.WITHDRAWN: set(),
    }

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="join_requests")
    building = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="join_requests")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="join_requests")
    relation = models.CharField(_("relation"), max_length=10, choices=HouseholdMember.Relation.choices)
    path = models.CharField(max_length=255, editable=False)
    message = models.CharField(_("message"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "unit"], condition=models.Q(status="pending"), name="join_request_one_pending"
            )
        ]
        indexes = [models.Index(fields=["status", "path"], name="join_status_path_idx", opclasses=["", "varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.person} → {self.unit}"

    def save(self, *args, **kwargs) -> None:
        if not self.path:
            self.path = self.building.path
        super().save(*args, **kwargs)


class OneTimeCode(models.Model):
    """A sign-in code sent by SMS. Only a hash is kept; it expires and allows a few attempts."""

    mobile = models.CharField(max_length=11, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")


class ApiToken(models.Model):
    """A personal API token. Only its hash is stored; the token is shown once when created."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return self.name
