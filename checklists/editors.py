"""The "Editor" role: staff who keep the guidance and the exchange catalogue current and
see nothing else in the admin (no users, no one's exchange accounts or walkthroughs)."""

from django.contrib.auth.models import Group, Permission

EDITOR_GROUP = "Editor"
# (app label, model): the actions editors may take on it.
EDITOR_PERMISSIONS = {
    ("checklists", "guide"): ("add", "change", "delete", "view"),
    ("checklists", "step"): ("add", "change", "delete", "view"),
    ("checklists", "exchangenote"): ("add", "change", "delete", "view"),
    # Translations are edited on their English source's page; listed read-only.
    ("checklists", "guidetranslation"): ("view",),
    ("checklists", "steptranslation"): ("view",),
    ("checklists", "exchangenotetranslation"): ("view",),
    ("accounts", "exchange"): ("add", "change", "delete", "view"),
    ("accounts", "exchangefact"): ("add", "change", "delete", "view"),
    ("accounts", "exchangefacttranslation"): ("view",),
}


def editor_permissions() -> list[Permission]:
    codenames = {
        (app, f"{action}_{model}")
        for (app, model), actions in EDITOR_PERMISSIONS.items() for action in actions
    }
    permissions = [
        permission
        for permission in Permission.objects.select_related("content_type")
        .filter(content_type__app_label__in={app for app, _ in codenames})
        if (permission.content_type.app_label, permission.codename) in codenames
    ]
    if len(permissions) != len(codenames):
        raise LookupError("Some editor permissions don't exist yet: run `migrate` first.")
    return permissions


def ensure_editor_group() -> Group:
    """Create the group, or reset its permissions to exactly the list above."""
    group, _created = Group.objects.get_or_create(name=EDITOR_GROUP)
    group.permissions.set(editor_permissions())
    return group
