"""The web page for advisors and the JSON API (``res-rules serve``).

FastAPI on uvicorn; server-rendered HTML from Jinja2 templates (the advice shares its template
with the reports); every script and style sheet ships in the wheel. Nothing a client sends is
stored.
"""

from .app import create_app, serve
from .forms import field_help, problem_message

__all__ = ["create_app", "field_help", "problem_message", "serve"]
