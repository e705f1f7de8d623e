"""The place tree (sub-district → community/village → compound → street/lane → building), units
(exclusive parts with their floor area), and venues with rooms.

Subtree queries use a materialised path: every place stores the ids of its ancestors and itself as
fixed-width segments, so "everything under X" is ``path__startswith=X.path``: one indexed range scan.
Units carry their building's path for the same reason.
"""

import secrets
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

SEGMENT_WIDTH = 9


def path_segment(pk: int) -> str:
    return f"{pk:0{SEGMENT_WIDTH}d}."


def ancestor_paths(path: str) -> list[str]:
    """The paths of a place and of each of its ancestors, root first: a role granted on any of them covers it."""
    segments = [s for s in path.split(".") if s]
    return [".".join(segments[: i + 1]) + "." for i in range(len(segments))]


def under_paths_q(field: str, paths: list[str]) -> models.Q:
    """``field`` starts with one of ``paths``: the subtree filter every scope check is made of.
    No paths matches nothing."""
    q = models.Q(pk__in=[])
    for p in paths:
        q |= models.Q(**{f"{field}__startswith": p})
    return q


def new_join_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones
    return "".join(secrets.choice(alphabet) for _ in range(8))


class PlaceQuerySet(models.QuerySet):
    def under(self, place: "Place", *, include_self: bool = True) -> "PlaceQuerySet":
        qs = self.filter(path__startswith=place.path)
        return qs if include_self else qs.exclude(pk=place.pk)

    def under_any(self, paths: list[str]) -> "PlaceQuerySet":
        return self.filter(under_paths_q("path", paths))

    def communities(self) -> "PlaceQuerySet":
        return self.filter(kind__in=[Place.Kind.COMMUNITY, Place.Kind.VILLAGE])


class Place(models.Model):
    class Kind(models.TextChoices):
        SUBDISTRICT = "subdistrict", _("sub-district")
        COMMUNITY = "community", _("community")
        VILLAGE = "village", _("village")
        COMPOUND = "compound", _("compound")
        STREET = "street", _("street")
        LANE = "lane", _("lane")
        BUILDING = "building", _("building")

    class Management(models.TextChoices):
        PROPERTY_COMPANY = "property_company", _("property company")
        SELF_GOVERNING = "self_governing", _("self-governing group")
        NONE = "none", _("none")

    # Which kinds may sit under which (villages and old streets: street → lane → building).
    ALLOWED_PARENTS = {
        Kind.SUBDISTRICT: set(),
        Kind.COMMUNITY: {Kind.SUBDISTRICT},
        Kind.VILLAGE: {Kind.SUBDISTRICT},
        Kind.COMPOUND: {Kind.COMMUNITY, Kind.VILLAGE},
        Kind.STREET: {Kind.COMMUNITY, Kind.VILLAGE, Kind.COMPOUND},
        Kind.LANE: {Kind.STREET, Kind.COMMUNITY, Kind.VILLAGE, Kind.COMPOUND},
        Kind.BUILDING: {Kind.COMPOUND, Kind.STREET, Kind.LANE, Kind.COMMUNITY, Kind.VILLAGE},
    }

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("statistical code"), max_length=20, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("path"), max_length=255, blank=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # Compounds only: who manages it (property company, a self-governing group, or nobody).
    management = models.CharField(_("management"), max_length=20, choices=Management.choices, blank=True)
    # Buildings only: the code a resident scans (QR) or types to ask to join the building.
    join_code = models.CharField(_("join code"), max_length=12, unique=True, null=True, blank=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="place_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(
                fields=["kind", "path"], name="place_kind_path_idx", opclasses=["varchar_pattern_ops", "varchar_pattern_ops"]
            ),
            models.Index(fields=["parent", "name"], name="place_parent_name_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["parent", "kind", "name"], name="place_unique_name_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        allowed = self.ALLOWED_PARENTS.get(self.kind, set())
        parent_kind = self.parent.kind if self.parent_id else None
        if (parent_kind is None and allowed) or (parent_kind is not None and parent_kind not in allowed):
            raise ValidationError({"parent": _("A %(kind)s cannot be placed here.") % {"kind": self.get_kind_display()}})

    def save(self, *args, **kwargs) -> None:
        if self.kind == self.Kind.BUILDING and not self.join_code:
            self.join_code = new_join_code()
        super().save(*args, **kwargs)
        if not self.path:
            parent_path = self.parent.path if self.parent_id else ""
            self.path = parent_path + path_segment(self.pk)
            self.depth = self.path.count(".") - 1
            Place.objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(s) for s in self.path.split(".") if s]

    def ancestors(self) -> models.QuerySet["Place"]:
        return Place.objects.filter(pk__in=self.ancestor_ids[:-1]).order_by("depth")

    def community(self) -> "Place | None":
        return Place.objects.communities().filter(pk__in=self.ancestor_ids).first()

    def compound(self) -> "Place | None":
        """The compound (property-management area) this place is, or lies in."""
        if self.kind == self.Kind.COMPOUND:
            return self
        return Place.objects.filter(pk__in=self.ancestor_ids, kind=self.Kind.COMPOUND).first()


class Unit(models.Model):
    """An exclusive part (专有部分, SPC interpretation Art 2): a home, shop, parking space or storage room."""

    class Kind(models.TextChoices):
        HOME = "home", _("home")
        SHOP = "shop", _("shop")
        PARKING = "parking", _("parking space")
        STORAGE = "storage", _("storage room")

    class AreaSource(models.TextChoices):
        # SPC interpretation 法释〔2009〕7号 Art 8: register, else survey, else sale contract.
        REGISTER = "register", _("real-estate register")
        SURVEY = "survey", _("survey")
        CONTRACT = "contract", _("sale contract")

    class DeveloperHolding(models.TextChoices):
        # SPC interpretation Art 9: the developer's unsold and sold-but-undelivered parts count once together.
        NONE = "", _("not held by the developer")
        UNSOLD = "unsold", _("unsold (held by the developer)")
        UNDELIVERED = "undelivered", _("sold, not yet delivered")

    building = models.ForeignKey(
        Place,
        verbose_name=_("building"),
        on_delete=models.PROTECT,
        related_name="units",
        limit_choices_to={"kind": Place.Kind.BUILDING},
    )
    path = models.CharField(_("path"), max_length=255, editable=False, db_index=False)
    label = models.CharField(_("unit number"), max_length=40)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.HOME)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    area = models.DecimalField(
        _("exclusive floor area (m²)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    area_source = models.CharField(_("area source"), max_length=10, choices=AreaSource.choices, blank=True)
    developer_holding = models.CharField(
        _("developer holding"), max_length=12, choices=DeveloperHolding.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["building_id", "label"]
        indexes = [models.Index(fields=["path"], name="unit_path_idx", opclasses=["varchar_pattern_ops"])]
        constraints = [
            models.UniqueConstraint(fields=["building", "label"], name="unit_unique_label_in_building"),
            models.CheckConstraint(condition=models.Q(area__isnull=True) | models.Q(area__gt=0), name="unit_area_positive"),
            models.CheckConstraint(
                condition=models.Q(area__isnull=True) | ~models.Q(area_source=""), name="unit_area_has_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.building.name} {self.label}" if self.building_id else self.label

    def save(self, *args, **kwargs) -> None:
        if not self.path and self.building_id:
            self.path = self.building.path
        super().save(*args, **kwargs)


class Venue(models.Model):
    """A party-building position or "创熟" filling station (党建阵地 / 创熟加油站)."""

    class Function(models.TextChoices):
        PARTY_BUILDING = "party_building", _("party building")
        DELIBERATION_HALL = "deliberation_hall", _("residents' deliberation hall")
        YOUTH = "youth", _("youth self-organisation")
        NEIGHBOURHOOD_ASSOCIATION = "neighbourhood_association", _("neighbourhood association")
        BOOK_CORNER = "book_corner", _("shared book corner")
        ACTIVITY_ROOM = "activity_room", _("activity room")
        MEDIATION = "mediation", _("mediation studio")

    name = models.CharField(_("name"), max_length=100, unique=True)
    place = models.ForeignKey(Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="venues")
    location = models.CharField(_("location"), max_length=200, blank=True, help_text=_("e.g. building 4, floor 2"))
    floor_area = models.DecimalField(_("floor area (m²)"), max_digits=8, decimal_places=1, null=True, blank=True)
    opened_on = models.DateField(_("opening date"), null=True, blank=True)
    functions = models.JSONField(_("functions"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        unknown = set(self.functions or []) - set(self.Function.values)
        if unknown:
            raise ValidationError({"functions": _("Unknown function: %(f)s") % {"f": ", ".join(sorted(unknown))}})

    def function_labels(self) -> list[str]:
        labels = dict(self.Function.choices)
        return [str(labels.get(f, f)) for f in self.functions or []]


class Room(models.Model):
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("name"), max_length=60)
    function = models.CharField(_("function"), max_length=32, choices=Venue.Function.choices, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["venue", "name"]
        constraints = [models.UniqueConstraint(fields=["venue", "name"], name="room_unique_name_in_venue")]

    def __str__(self) -> str:
        return f"{self.venue.name} · {self.name}"
