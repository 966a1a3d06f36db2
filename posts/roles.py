"""The editorial groups (created by a migration) and what their members may change."""

EDITORS = "Editors"
AUTHORS = "Authors"


def can_see_drafts(user) -> bool:
    """Staff and authenticated users who may view posts (Editors, Authors, read-only tokens of
    such users) see drafts and scheduled posts; anonymous readers never do.
    """
    return bool(
        user and user.is_authenticated and (user.is_staff or user.has_perm("posts.view_post"))
    )


def can_change_any_post(user) -> bool:
    """Superusers and Editors change any post; members of Authors (not also Editors) only
    their own. Other users holding the model permission change any post, as Django's admin lets
    them.
    """
    if user.is_superuser:
        return True
    names = set(user.groups.filter(name__in=[EDITORS, AUTHORS]).values_list("name", flat=True))
    return EDITORS in names or AUTHORS not in names
