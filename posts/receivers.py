"""Signal receivers: keep search documents current and note post changes for webhooks.

Connected when the app is ready (PostsConfig.ready); bulk writers call the same code paths
themselves (update_search_documents, posts.webhooks.emit_post_events).
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from posts.models import Author, Category, Post, PostTranslation, Tag

# Keeping the stored search document current when what it is made of changes elsewhere.
CHANGED = {"post_add", "post_remove", "post_clear"}


@receiver(post_delete, sender=PostTranslation)
def update_search_after_translation_delete(sender, instance, using, **kwargs):
    Post.objects.using(using).filter(pk=instance.post_id).update_search_documents()


@receiver(m2m_changed, sender=Post.tags.through)
def update_search_after_tags_change(sender, instance, action, reverse, pk_set, using, **kwargs):
    if reverse and action == "pre_clear":  # tag.posts.clear(): note the posts before they go
        instance._search_post_ids = set(instance.posts.values_list("pk", flat=True))
    if action in CHANGED:
        post_ids = (
            {instance.pk}
            if not reverse
            else pk_set or instance.__dict__.pop("_search_post_ids", set())
        )
        Post.objects.using(using).filter(pk__in=post_ids).update_search_documents()


@receiver(m2m_changed, sender=PostTranslation.categories.through)
def update_search_after_categories_change(sender, instance, action, reverse, pk_set, using,
                                          **kwargs):  # fmt: skip
    translations = PostTranslation.objects.using(using)
    if reverse and action == "pre_clear":
        instance._search_post_ids = set(
            translations.filter(categories=instance).values_list("post_id", flat=True)
        )
    if action in CHANGED:
        if not reverse:
            post_ids = {instance.post_id}
        elif pk_set is not None:
            post_ids = set(translations.filter(pk__in=pk_set).values_list("post_id", flat=True))
        else:
            post_ids = instance.__dict__.pop("_search_post_ids", set())
        Post.objects.using(using).filter(pk__in=post_ids).update_search_documents()


@receiver(post_save, sender=Author)
@receiver(post_save, sender=Tag)
@receiver(post_save, sender=Category)
def update_search_after_rename(sender, instance, created, using, **kwargs):
    """A renamed author, tag or category changes the documents of the posts that use it."""
    if created:
        return
    posts = Post.objects.using(using)
    if sender is Author:
        posts = posts.filter(author=instance)
    elif sender is Tag:
        posts = posts.filter(tags=instance)
    else:
        posts = posts.filter(translations__categories=instance).distinct()
    posts.update_search_documents()


@receiver(pre_delete, sender=Author)
@receiver(pre_delete, sender=Tag)
@receiver(pre_delete, sender=Category)
def note_posts_before_name_delete(sender, instance, using, **kwargs):
    """Deleting an author, tag or category sends no m2m or save signal for its posts: note
    them here and refresh their search documents once the row is gone.
    """
    path = {Author: "author", Tag: "tags", Category: "translations__categories"}[sender]
    posts = Post.objects.using(using).filter(**{path: instance})
    instance._search_post_ids = set(posts.values_list("pk", flat=True))


@receiver(post_delete, sender=Author)
@receiver(post_delete, sender=Tag)
@receiver(post_delete, sender=Category)
def update_search_after_name_delete(sender, instance, using, **kwargs):
    post_ids = instance.__dict__.pop("_search_post_ids", set())
    if post_ids:
        Post.objects.using(using).filter(pk__in=post_ids).update_search_documents()


# Noting what each write does to posts, for webhook events (decided on commit).


@receiver(pre_save, sender=Post)
def note_post_state_for_webhooks(sender, instance, raw, using, **kwargs):
    if not raw:
        from posts import webhooks

        webhooks.note_post_saving(instance, using)


@receiver(post_save, sender=Post)
def note_post_saved_for_webhooks(sender, instance, created, raw, using, **kwargs):
    if not raw:
        from posts import webhooks

        webhooks.note_post_saved(instance, created, using)


@receiver(pre_delete, sender=Post)
def note_post_deleting_for_webhooks(sender, instance, using, **kwargs):
    from posts import webhooks

    webhooks.note_post_deleting(instance, using)


@receiver(post_save, sender=PostTranslation)
@receiver(post_delete, sender=PostTranslation)
def note_translation_change_for_webhooks(sender, instance, using, raw=False, **kwargs):
    if not raw:
        from posts import webhooks

        webhooks.note_posts_touched([instance.post_id], using)


@receiver(m2m_changed, sender=Post.tags.through)
@receiver(m2m_changed, sender=PostTranslation.categories.through)
def note_links_change_for_webhooks(sender, **kwargs):
    from posts import webhooks

    webhooks.note_links_changed(sender, **kwargs)
