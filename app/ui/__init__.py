"""The browser UI, mounted on the FastAPI app at /."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse


def mount(app: FastAPI, runner, settings) -> FastAPI:
    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return "<!doctype html><title>Agent Playground</title><h1>Agent Playground</h1><p>The JSON API is at /api.</p>"

    return app
