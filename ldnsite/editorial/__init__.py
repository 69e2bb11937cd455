"""The editorial layer every public model shares.

- `policy`: the workflow's states, what the public may see, who may publish.
- `models`: the status, publication and review fields, and their querysets.
- `admin`: the admin mixins (roles, workflow actions, review).
- `api`: the API's base serializer and viewset.
- `filters`: the filter forms and filter sets pages and the API share.
- `pending`: changes to published items that wait for review (model, service).
- `review`: the admin side of review: pending changes on the change form, the
  queue on the admin index, the side-by-side review page.
- `pending_api`: writes held for review answer 202; `/api/v1/pending-changes/`.
"""
