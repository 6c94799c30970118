"""The web application: the pages, the JSON API, the static files and the API documentation.

:func:`create_app` is the factory uvicorn imports in every worker process
(``res_rules.web:create_app``); :func:`serve` is what ``res-rules serve`` runs.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

import attrs
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._facts import Case, Project, Solution, spec_of
from .._schema import case_schema
from .._version import __version__
from . import api, pages
from .security import LimitBody, SecurityHeaders

STATIC = Path(str(importlib.resources.files("res_rules.web") / "static"))
DESCRIPTION = """Decision support for the escalation procedure (opschaalprocedure) of the
Regionale Energiestrategie U16. Send a case in format 1 (the same as a case file, see
`GET /api/schema`) and get the advice as `Advice.to_dict()` gives it. Nothing is stored: every
request is answered from what it carries. Bodies over 1 MiB are refused (413)."""


def _swagger_assets() -> Path | None:
    """Swagger UI's script and style sheet, from the fastapi-offline wheel (no CDN)."""
    try:
        path = Path(str(importlib.resources.files("fastapi_offline") / "static"))
    except ModuleNotFoundError:
        return None
    return path if (path / "swagger-ui-bundle.js").is_file() else None


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The framework's OpenAPI document, with the case schema among its components."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(title=app.title, version=app.version, description=app.description,
                           routes=app.routes)
    schema = case_schema()
    components = document.setdefault("components", {}).setdefault("schemas", {})
    project_cls = spec_of(attrs.fields(Case).projects).item or Project
    for name, part in [("Case", {k: v for k, v in schema.items()
                                 if k not in ("$schema", "$id", "$defs", "title")}),
                       *schema["$defs"].items()]:
        components[name] = _rebase(part)
    for cls in (Solution, project_cls):
        components.setdefault(cls.__name__, {})
    app.openapi_schema = document
    return document


def _rebase(node: Any) -> Any:
    """``#/$defs/X`` references as OpenAPI components (``#/components/schemas/X``)."""
    if isinstance(node, dict):
        return {k: (v.replace("#/$defs/", "#/components/schemas/") if k == "$ref"
                    and isinstance(v, str) else _rebase(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


def create_app() -> FastAPI:
    """The whole application: pages, API, static files, limits and security headers."""
    app = FastAPI(title="res-rules", version=__version__, description=DESCRIPTION,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]

    app.include_router(api.router)
    app.include_router(pages.router)
    swagger = _swagger_assets()
    if swagger is not None:  # before /static, which would take these paths too
        app.mount("/static/swagger", StaticFiles(directory=swagger), name="swagger")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        """Swagger UI on the framework's OpenAPI document, every asset from this server."""
        html = pages.templates().get_template("docs.html.j2").render(
            title=f"{app.title} {app.version}: API", available=swagger is not None)
        return HTMLResponse(html)

    @app.exception_handler(api.ApiError)
    def api_error(request: Request, exc: api.ApiError) -> JSONResponse:
        return api.api_error_response(exc)

    @app.exception_handler(pages.Refused)
    def refused(request: Request, exc: pages.Refused) -> HTMLResponse:
        return pages.refused_page(request)

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = api.request_lang(request)
        problems = [api.query_problem(e, lang) for e in exc.errors()]
        return JSONResponse({"errors": problems}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or exc.status_code != 404:
            return JSONResponse({"errors": [{"path": "", "message": str(exc.detail)}]},
                                status_code=exc.status_code, headers=exc.headers)
        return pages.not_found_page(request)

    app.add_middleware(SecurityHeaders)
    app.add_middleware(LimitBody)
    return app


def serve(*, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the application under uvicorn; several workers each import the factory."""
    import click
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    click.echo(f"res-rules {__version__}: http://{shown}:{port}/ "
               f"({workers} worker{'s' if workers != 1 else ''}; Ctrl+C stops)")
    uvicorn.run("res_rules.web:create_app", factory=True, host=host, port=port,
                workers=workers, server_header=False, proxy_headers=False,
                log_level="info", access_log=False)
