"""API routes under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from api import views
from api.imports import ImportView

router = DefaultRouter()
router.register("posts", views.PostViewSet, basename="post")
router.register("tags", views.TagViewSet, basename="tag")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("authors", views.AuthorViewSet, basename="author")
router.register("locations", views.LocationViewSet, basename="location")

urlpatterns = [
    path("imports/", ImportView.as_view(), name="import-list"),
    *router.urls,
]
