"""Database side of places: fill the Location table from pycountry's ISO lists (posts.places)."""

from posts.places import iter_places


def sync_locations(location_model) -> int:
    """Create missing locations and refresh names of existing ones; returns how many were added.

    Takes the model class so the data migration can pass its historical model. Names an
    editor changed are kept: only empty names are filled in.
    """
    existing = {row.code: row for row in location_model.objects.all()}
    places = sorted(iter_places(), key=lambda place: (place.parent_code is not None, place.code))
    added = 0
    for place in places:
        row = existing.get(place.code)
        if row is None:
            row = location_model(code=place.code)
            added += 1
        row.kind = "subdivision" if place.parent_code else "country"
        row.parent = existing.get(place.parent_code) if place.parent_code else None
        row.name_zh_hans = row.name_zh_hans or place.name_zh_hans
        row.name_en = row.name_en or place.name_en
        row.timezone = row.timezone or (place.timezone or "")
        row.save()
        existing[place.code] = row
    return added
