"""What every API app shares: errors, parsing, input serializers, pagination, the schema and the /api/v1/ root.

It imports no app: each app's `api/` package (serializers, views, urls) builds on it, and
`panbot/api/urls.py` mounts them.
"""
