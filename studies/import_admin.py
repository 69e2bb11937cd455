"""Admin pages for the study list: "Import citations" and "Possible duplicates".

The import page reads an uploaded file, pasted text or identifiers looked up in
Crossref and PubMed, shows the preview of `studies.imports.citations_preview()`
with a checkbox per record, and imports the ticked records with
`citations_import()`.

From preview to confirmation the page carries the citation text itself, signed
(`django.core.signing`, compressed) so it cannot be altered, and expiring after
`PREVIEW_MAX_AGE`; the confirmation reads it and previews it again against the
database as it is then. The only other things the browser sends back are the
ticked positions. No record data from the browser is trusted.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.forms import Textarea
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from studies.citation_formats import (
    FORMATS,
    MAX_FILE_BYTES,
    CitationFileError,
    check_text,
    decode_upload,
)
from studies.duplicates import possible_duplicates
from studies.imports import (
    DUPLICATE,
    CitationDocument,
    CitationImportError,
    citations_import,
    citations_preview,
)
from studies.lookup import LookupFailed, citations_lookup, lookup_enabled
from studies.models import Study

PREVIEW_SALT = "studies.import_admin.preview"
PREVIEW_MAX_AGE = 6 * 60 * 60  # seconds


class CitationUploadForm(forms.Form):
    file = forms.FileField(
        required=False,
        help_text=(
            "RIS, BibTeX, PubMed .nbib (“Cite → Download .nbib” or “Send to → "
            f"Citation manager”), CSL-JSON or this site's CSV; up to "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB, UTF-8."
        ),
    )
    text = forms.CharField(
        required=False,
        strip=False,
        label="or paste the citations",
        widget=Textarea(attrs={"rows": 8, "cols": 80}),
    )
    format = forms.ChoiceField(
        required=False,
        choices=[("", "Detect from the content"), *FORMATS.items()],
    )

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("file"), cleaned.get("text") or ""
        if bool(upload) == bool(text.strip()):
            raise forms.ValidationError("Upload a file or paste text (one of them).")
        try:
            if upload:
                if upload.size > MAX_FILE_BYTES:
                    raise CitationFileError(
                        f"{upload.name} is larger than "
                        f"{MAX_FILE_BYTES // 1024 // 1024} MB."
                    )
                text = decode_upload(upload.read(), name=upload.name)
            else:
                text = check_text(text)
        except CitationFileError as exc:
            raise forms.ValidationError(str(exc)) from None
        cleaned["document"] = CitationDocument(
            text=text,
            format=cleaned.get("format") or None,
            name=upload.name if upload else "pasted text",
        )
        return cleaned


class IdentifierLookupForm(forms.Form):
    identifiers = forms.CharField(
        label="DOIs or PubMed IDs",
        max_length=5000,
        widget=Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=(
            "One or more, separated by spaces, commas or lines: 10.1007/s10067-014-"
            "2517-2, https://doi.org/…, 24526250, PMID: 24526250."
        ),
    )


def sign_documents(documents: list[CitationDocument]) -> str:
    payload = [[d.text, d.format, d.name] for d in documents]
    return signing.dumps(payload, salt=PREVIEW_SALT, compress=True)


def unsign_documents(token: str) -> list[CitationDocument]:
    """The documents a preview showed; `signing.BadSignature` if altered or old."""
    payload = signing.loads(token, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    return [CitationDocument(text=t, format=f, name=n) for t, f, n in payload]


class CitationImportAdminMixin:
    """Adds the import and possible-duplicates pages to the study admin."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "import/",
                view(self.import_citations_view),
                name="studies_study_import",
            ),
            path(
                "possible-duplicates/",
                view(self.possible_duplicates_view),
                name="studies_study_duplicates",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "has_view_permission": self.has_view_permission(request),
            **extra,
        }

    # --- import -----------------------------------------------------------------

    def import_citations_view(self, request):
        if not self.has_add_permission(request):
            return self._denied(request)
        may_fill = self.has_change_permission(request)
        upload_form = CitationUploadForm()
        lookup_form = IdentifierLookupForm()
        step = request.POST.get("step") if request.method == "POST" else None
        documents = None
        if step == "preview":
            upload_form = CitationUploadForm(request.POST, request.FILES)
            if upload_form.is_valid():
                documents = [upload_form.cleaned_data["document"]]
        elif step == "lookup":
            lookup_form = IdentifierLookupForm(request.POST)
            if not lookup_enabled():
                messages.error(request, "Look-ups are switched off here.")
            elif lookup_form.is_valid():
                try:
                    found = citations_lookup(
                        text=lookup_form.cleaned_data["identifiers"]
                    )
                except LookupFailed as exc:
                    lookup_form.add_error("identifiers", str(exc))
                else:
                    for problem in found.problems:
                        messages.warning(request, problem)
                    documents = found.documents
                    if not documents:
                        lookup_form.add_error(
                            "identifiers", "Nothing was found; nothing was imported."
                        )
        elif step == "confirm":
            return self._confirm(request, may_fill)
        if documents:
            try:
                report = citations_preview(documents=documents)
            except CitationFileError as exc:
                upload_form.add_error(None, str(exc))
            else:
                return self._render_preview(request, report, documents, may_fill)
        return TemplateResponse(
            request,
            "admin/studies/study/import.html",
            self._context(
                request,
                title="Import citations",
                upload_form=upload_form,
                lookup_form=lookup_form,
                lookup_enabled=lookup_enabled(),
            ),
        )

    def _render_preview(self, request, report, documents, may_fill):
        return TemplateResponse(
            request,
            "admin/studies/study/import_preview.html",
            self._context(
                request,
                title="Import citations: preview",
                report=report,
                rows=[
                    {
                        "record": r,
                        "selectable": r.status == "new"
                        or (r.status == DUPLICATE and may_fill and bool(r.fillable)),
                        "checked": r.selected_by_default
                        and (r.status == "new" or may_fill),
                    }
                    for r in report.records
                ],
                token=sign_documents(documents),
                may_fill=may_fill,
            ),
        )

    def _confirm(self, request, may_fill):
        try:
            documents = unsign_documents(request.POST.get("token", ""))
        except signing.BadSignature:
            messages.error(
                request,
                "This preview has expired or was altered: upload the file again. "
                "Nothing was imported.",
            )
            return self._back(request)
        try:
            positions = [int(p) for p in request.POST.getlist("records")]
        except ValueError:
            positions = None
        if not positions:
            messages.warning(request, "No record was ticked; nothing was imported.")
            return self._back(request)
        try:
            report = citations_import(
                documents=documents,
                user=request.user,
                records=positions,
                fill_duplicates=may_fill,
            )
        except (CitationFileError, CitationImportError) as exc:
            messages.error(request, f"{exc}")
            return self._back(request)
        return TemplateResponse(
            request,
            "admin/studies/study/import_done.html",
            self._context(request, title="Import citations: done", report=report),
        )

    def _back(self, request):
        return redirect(reverse("admin:studies_study_import"))

    def _denied(self, request):
        raise PermissionDenied

    # --- possible duplicates ----------------------------------------------------

    def possible_duplicates_view(self, request):
        if not self.has_view_permission(request):
            return self._denied(request)
        pairs = possible_duplicates(Study.objects.all())
        studies: dict[int, Study] = {}
        if pairs:
            ids = {p.first for p in pairs} | {p.second for p in pairs}
            studies = Study.objects.only(
                "pk", "title", "year", "authors_text", "doi", "pmid", "status"
            ).in_bulk(ids)
        rows = [
            {"studies": (studies[p.first], studies[p.second]), "pair": p} for p in pairs
        ]
        return TemplateResponse(
            request,
            "admin/studies/study/possible_duplicates.html",
            self._context(request, title="Possible duplicates", rows=rows),
        )
