"""API routes under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from api import views
from api.imports import ImportView
from api.revisions import urlpatterns as revision_urls

router = DefaultRouter()
router.register("posts", views.PostViewSet, basename="post")
router.register("tags", views.TagViewSet, basename="tag")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("authors", views.AuthorViewSet, basename="author")
router.register("locations", views.LocationViewSet, basename="location")

urlpatterns = [
    path("imports/", ImportView.as_view(), name="import-list"),
    *revision_urls,  # before the router, whose post detail route would match first
    *router.urls,
]
