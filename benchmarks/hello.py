"""The reference of `make bench`: a bare Django view answering "hello".

A new project's settings (`django-admin startproject`'s middleware and apps,
DEBUG off) with one view, served by gunicorn like the site, so that a page's
requests per second can be given as a share of what Django itself reaches on
this machine in the same run:

    gunicorn --chdir benchmarks hello:application

With `HELLO_DATABASE_URL` (a bench database), it also serves the issue's two
other references over the same `studies_study` table, written as the Django
tutorial would: `/plain/<id>/`, a generic DetailView of one study, and
`/plain/`, a generic ListView of 50 studies, each with a small template
extending a base (one query each, plus the list's count); and, as Django REST
framework's tutorial would, `/plain-api/`: a `ListAPIView` of 50 studies
through a `ModelSerializer` of ten fields with page-number pagination (a
count and one query), beside which the API's own lists can be judged.
"""

from __future__ import annotations

import os

import dj_database_url
import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

DATABASE_URL = os.environ.get("HELLO_DATABASE_URL")

# The plain pages' templates: a base, a detail and a list, as in the tutorial.
TEMPLATES = {
    "base.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{% block title %}{% endblock %}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><header><a href="/plain/">Studies</a></header>
<main>{% block content %}{% endblock %}</main><footer>Not medical advice.</footer>
</body></html>""",
    "study_detail.html": """{% extends "base.html" %}
{% block title %}{{ study.title }}{% endblock %}
{% block content %}<article><h1>{{ study.title }}</h1>
<p>{{ study.authors_text }}. <cite>{{ study.journal }}</cite>. {{ study.year }}.</p>
<dl><dt>Design</dt><dd>{{ study.design }}</dd>
<dt>Participants</dt><dd>{{ study.sample_size|default:"not stated" }}</dd>
<dt>Dose</dt><dd>{{ study.dose }}</dd>
<dt>Duration</dt><dd>{{ study.duration }}</dd></dl>
<p>{{ study.summary }}</p><p><strong>Key finding:</strong> {{ study.key_finding }}</p>
</article>{% endblock %}""",
    "study_list.html": """{% extends "base.html" %}
{% block title %}Studies{% endblock %}
{% block content %}<h1>Studies</h1><p>{{ paginator.count }} studies.</p><ol>
{% for study in study_list %}<li><a href="/plain/{{ study.pk }}/">{{ study.title }}</a>
<p>{{ study.authors_text }}. <cite>{{ study.journal }}</cite>. {{ study.year }}.</p>
<p>{{ study.design }}, {{ study.sample_size|default:"not stated" }} people</p></li>
{% endfor %}</ol>{% endblock %}""",
}

settings.configure(
    DEBUG=False,
    SECRET_KEY="hello-" + "k" * 50,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        *(["hello", "rest_framework"] if DATABASE_URL else []),
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django.contrib.staticfiles",
    ],
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
    DATABASES=(
        {"default": {**dj_database_url.parse(DATABASE_URL), "CONN_MAX_AGE": 60}}
        if DATABASE_URL
        else {}
    ),
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "django.template.loaders.cached.Loader",
                        [("django.template.loaders.locmem.Loader", TEMPLATES)],
                    )
                ]
            },
        }
    ],
    USE_TZ=True,
    # As REST framework's tutorial sets it: pagination, defaults otherwise.
    REST_FRAMEWORK={
        "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
        "PAGE_SIZE": 50,
    },
)
django.setup()


def hello(request):
    return HttpResponse("hello", content_type="text/plain")


urlpatterns = [path("hello", hello)]

if DATABASE_URL:
    from django.db import models
    from django.views.generic import DetailView, ListView

    class Study(models.Model):
        """The bench database's studies, read as they are."""

        title = models.CharField(max_length=500)
        authors_text = models.TextField()
        journal = models.CharField(max_length=300)
        year = models.PositiveSmallIntegerField(null=True)
        design = models.CharField(max_length=20)
        sample_size = models.PositiveIntegerField(null=True)
        dose = models.CharField(max_length=100)
        duration = models.CharField(max_length=100)
        summary = models.TextField()
        key_finding = models.TextField()

        class Meta:
            app_label = "hello"
            managed = False
            db_table = "studies_study"

        def __str__(self):
            return self.title

    from rest_framework import generics, serializers

    class StudySerializer(serializers.ModelSerializer):
        class Meta:
            model = Study
            fields = [
                "id",
                "title",
                "authors_text",
                "journal",
                "year",
                "design",
                "sample_size",
                "dose",
                "duration",
                "key_finding",
            ]

    urlpatterns += [
        path(
            "plain-api/",
            generics.ListAPIView.as_view(
                queryset=Study.objects.order_by("-id"),
                serializer_class=StudySerializer,
            ),
        ),
        path(
            "plain/<int:pk>/",
            DetailView.as_view(
                model=Study,
                template_name="study_detail.html",
                context_object_name="study",
            ),
        ),
        path(
            "plain/",
            ListView.as_view(
                queryset=Study.objects.order_by("-id"),
                template_name="study_list.html",
                paginate_by=50,
            ),
        ),
    ]
application = get_wsgi_application()
