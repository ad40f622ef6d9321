"""openapi.yaml is generated from the app; a test fails when the file is out of date."""

from __future__ import annotations

import yaml

from lookup_api.app import create_app
from shared_data.settings import Settings


def render_openapi() -> str:
    """The app's OpenAPI document as YAML (stable key order, UTF-8)."""
    app = create_app(Settings())
    return yaml.safe_dump(app.openapi(), sort_keys=False, allow_unicode=True, width=100)
