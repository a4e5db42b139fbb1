"""Per-process, lazily created backends (model, Chroma client, QA service, ingestor).

Created on first use in the process that serves, never at import time: forked gunicorn
workers deadlock on a Chroma client or a torch model created before the fork.
"""
from __future__ import annotations

import threading

from flask import Flask, current_app

from ingest import Ingestor, QuestionGenerator
from qa import QAService, build_service, build_store
from settings import Settings


class Services:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._qa: QAService | None = None
        self._ingestor: Ingestor | None = None

    @property
    def qa(self) -> QAService:
        if self._qa is None:
            with self._lock:
                if self._qa is None:
                    self._qa = build_service(self.settings, build_store(self.settings))
        return self._qa

    @property
    def ingestor(self) -> Ingestor:
        if self._ingestor is None:
            qa = self.qa
            with self._lock:
                if self._ingestor is None:
                    self._ingestor = Ingestor(qa.store, questions=QuestionGenerator.from_settings(self.settings))
        return self._ingestor

    def warm_up(self) -> None:
        self.qa.warm_up()


def init_services(app: Flask, settings: Settings) -> Services:
    services = Services(settings)
    app.extensions["reportqa"] = services
    return services


def services() -> Services:
    return current_app.extensions["reportqa"]
