"""Question answering over the stored reports: retrieval, ranking and cited answers."""
from .chain import QAService, build_embedder, build_service, build_store
from .types import Answer, Candidate, Citation, Turn

__all__ = ["Answer", "Candidate", "Citation", "QAService", "Turn", "build_embedder", "build_service", "build_store"]
