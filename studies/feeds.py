"""The Atom feed of newly published studies: `/studies/feed/`."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from studies.authors import natural_name
from studies.models import Study

FEED_LENGTH = 20


class MultiAuthorAtom1Feed(Atom1Feed):
    """Atom with one `<author>` per study author (Django writes at most one)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name in item.get("authors", ()):
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")


class LatestStudiesFeed(Feed):
    feed_type = MultiAuthorAtom1Feed
    title = "LDN evidence: newly published studies"
    subtitle = (
        "Studies of low dose naltrexone (LDN) as they are added to the site, "
        "with their key finding."
    )
    # Atom needs an author for entries that name none (a study without authors).
    author_name = "LDN evidence"

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # Django dates the feed by its newest entry, which moves backwards when a
        # study is archived: a reader revalidating with If-Modified-Since would
        # keep the withdrawn study. The body's ETag tells every change instead.
        del response["Last-Modified"]
        return response

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        # Each entry's id is the study's short address (`/studies/<id>/`, which
        # redirects to the current slug), so it survives a new slug or title.
        for item in feed.items:
            path = reverse("studies:detail-short", kwargs={"pk": item.pop("study_pk")})
            item["unique_id"] = request.build_absolute_uri(path)
        return feed

    def link(self):
        return reverse("studies:list")

    def feed_url(self):
        return reverse("studies-feed")

    def items(self):
        return Study.objects.published().order_by("-published_at", "-pk")[:FEED_LENGTH]

    def item_title(self, item: Study) -> str:
        return str(item)

    def item_description(self, item: Study) -> str:
        # Atom's summary is `type="html"`: the plain-text key finding is escaped.
        return escape(item.key_finding or item.title)

    def item_pubdate(self, item: Study):
        return item.published_at

    def item_updateddate(self, item: Study):
        return max(item.updated_at, item.published_at)

    def item_extra_kwargs(self, item: Study) -> dict:
        return {
            "authors": [natural_name(person) for person in item.authors],
            "study_pk": item.pk,
        }
