"""The people an import names: person records, authors and reviewers by name, owners by username.

Used by the importer, in its transaction.
"""

import re

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from articles.content_file.exporter import person_record
from articles.content_file.schema import BATCH, ContentFileError, Problem, canonical
from articles.models import Person
from images.models import Image
from pagecache import cache as pagecache


def user_ids(usernames):
    User = get_user_model()
    name = User.USERNAME_FIELD
    found = {}
    usernames = list(usernames)
    for start in range(0, len(usernames), BATCH):
        found.update(User.objects.filter(**{f"{name}__in": usernames[start : start + BATCH]}).values_list(name, "pk"))
    return found


def owner_link(owner, users):
    """Return (created_by_id, owner_username) for an article owned by the username `owner`."""
    if owner in users:
        return users[owner], ""
    return None, owner


def ensure_people(names, *, reviewers):
    """Return name -> id for the people articles name, creating the missing ones.

    A name given as `reviewed_by` is a reviewer's: a person made for it is
    marked as one, and so is a person already on the site.
    """
    names = names | reviewers
    people = dict(Person.objects.filter(name__in=names).values_list("name", "id"))
    missing = sorted(names - set(people))
    if missing:
        taken = set(Person.objects.values_list("slug", flat=True))
        new = []
        for name in missing:
            base = re.sub(r"[^a-z0-9]+", "-", slugify(name)).strip("-")[:190].strip("-") or "person"
            slug, n = base, 2
            while slug in taken:
                slug, n = f"{base}-{n}", n + 1
            taken.add(slug)
            new.append(Person(name=name, slug=slug, is_reviewer=name in reviewers))
        Person.objects.bulk_create(new)
        people.update(Person.objects.filter(name__in=missing).values_list("name", "id"))
    if Person.objects.filter(name__in=reviewers, is_reviewer=False).update(is_reviewer=True):
        pagecache.content_changed()  # an update() sends no signal
    return people


def write_people(people, result):
    """Create or update the file's people, matched by slug; a name is one person's."""
    stored = {p.slug: p for p in Person.objects.select_related("photo").filter(slug__in=list(people))}
    photos = dict(Image.objects.filter(slug__in={r["photo"] for _line, r in people.values()}).values_list("slug", "id"))
    holders = dict(
        Person.objects.filter(name__in=[r["name"] for _line, r in people.values()]).values_list("name", "slug")
    )
    problems = [
        Problem(line, "name", f"{record['name']!r} is the name of another person on the site (/authors/{holder}/)")
        for slug, (line, record) in people.items()
        if (holder := holders.get(record["name"])) not in (None, slug) and holder not in people
    ]
    if problems:
        raise ContentFileError(problems)
    for slug, (_line, record) in sorted(people.items(), key=lambda item: item[1][0]):
        person = stored.get(slug)
        if person is not None and person.photo and not record["photo"]:
            record = dict(record, photo=person.photo.slug)  # a record without a photo keeps the site's
        if person is not None and person_record(person) == canonical(record, "person"):
            result.unchanged["person"] += 1
            continue
        if person is None:
            person = Person(slug=slug)
            result.created["person"] += 1
        else:
            result.updated["person"] += 1
        licence = record["license"] or {}
        person.name = record["name"]
        person.credentials, person.job_title, person.bio = record["credentials"], record["job_title"], record["bio"]
        person.links, person.is_reviewer = record["links"], record["reviewer"]
        person.photo_id = photos.get(record["photo"])
        person.licence_type = licence.get("type", "")
        person.licence_jurisdiction = licence.get("jurisdiction", "")
        person.licence_number = licence.get("number", "")
        person.licence_verified_at = licence.get("verified_at")
        person.save()  # renders the bio; the page cache's receiver follows
