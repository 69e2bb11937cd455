"""The editorial layer every public model shares.

- `policy`: the workflow's states, what the public may see, who may publish.
- `models`: the status, publication and review fields, and their querysets.
- `admin`: the admin mixins (roles, workflow actions, review).
- `api`: the API's base serializer and viewset.
- `filters`: the filter forms and filter sets pages and the API share.
"""
