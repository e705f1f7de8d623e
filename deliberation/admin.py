"""Back office for consultation topics and the communities' settings, through the same policy as the
rest of the admin (``people.admin.ScopedAdmin``): open to whoever ``policy.can_use_admin`` lets in,
rows cut to the community staff's and sub-district administrators' scope, changes checked again on
save and audited.

A topic moves only through its actions (raise, endorse, decide, advance), which write its steps,
recount its households and tell the people concerned; so here the procedure is read-only and staff may
only correct the wording of a title or description. Only the edited fields are written
(``update_fields``), so a step taken meanwhile on the site is never undone by the values the form was
loaded with. Steps are append-only and read-only. Endorsements are not shown: households are counted,
the back office needs no list of who endorsed what. A community's settings are saved through
``actions.configure_deliberation``.
"""

from django.contrib import admin

from people.admin import LookUpAdmin, ReadOnlyInline, ScopedAdmin, WordingAdmin

from . import access, actions
from .models import DeliberationSettings, Topic, TopicParticipant, TopicStep


class TopicStepInline(ReadOnlyInline):
    model = TopicStep
    fields = ["at", "actor", "from_status", "to_status", "note"]


class TopicParticipantInline(ReadOnlyInline):
    model = TopicParticipant
    fields = ["role", "organisation", "person"]


@admin.register(Topic)
class TopicAdmin(WordingAdmin):
    list_display = ["title", "community", "source", "status", "endorsed_households", "created_at", "decided_at"]
    list_filter = ["status", "source", "format"]
    search_fields = ["title", "description"]
    list_select_related = ["community"]
    date_hierarchy = "created_at"
    fields = [
        "community",
        "title",
        "description",
        "source",
        "case",
        "proposer",
        "status",
        "endorsed_households",
        "threshold_reached_at",
        "format",
        "planned_for",
        "decided_at",
        "decided_by",
        "decision_reason",
        "outcome",
        "outcome_published_at",
        "comments_until",
        "feedback",
        "created_at",
        "updated_at",
        "closed_at",
    ]
    editable_fields = ("title", "description")
    inlines = [TopicParticipantInline, TopicStepInline]


@admin.register(TopicStep)
class TopicStepAdmin(LookUpAdmin):
    """The append-only path of every topic: to look up, never to change."""

    path_field = "topic__path"
    list_display = ["topic", "at", "actor", "from_status", "to_status"]
    list_filter = ["to_status"]
    search_fields = ["topic__title", "note"]
    list_select_related = ["topic", "actor"]
    date_hierarchy = "at"

    def scope_path(self, obj) -> str:
        return obj.topic.path


@admin.register(DeliberationSettings)
class DeliberationSettingsAdmin(ScopedAdmin):
    """When a proposal goes on a community's decision list, and how long an outcome stays published."""

    path_field = "community__path"
    list_display = ["community", "threshold_households", "threshold_per_mille", "outcome_notice_days", "updated_at"]
    list_select_related = ["community"]
    search_fields = ["community__name"]
    raw_id_fields = ["community"]
    fields = ["community", "threshold_households", "threshold_per_mille", "outcome_notice_days"]

    def scope_path(self, obj) -> str:
        return obj.community.path if obj.community_id else ""

    new_scope_path = scope_path

    def get_readonly_fields(self, request, obj=None):
        return ["community"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        """Through the action, which checks the community is the user's and audits the change. A
        superuser without a role over the community saves it directly (audited by ``ScopedAdmin``)."""
        if request.user.is_superuser and not access.can_manage_community(request.user, obj.community):
            super().save_model(request, obj, form, change)
            return
        saved = actions.configure_deliberation(
            actor=request.user,
            community=obj.community,
            threshold_households=obj.threshold_households,
            threshold_per_mille=obj.threshold_per_mille,
            outcome_notice_days=obj.outcome_notice_days,
        )
        obj.pk, obj.updated_at = saved.pk, saved.updated_at
