"""Report ingestion: files -> cleaned text -> passages with offsets -> embeddings -> the store."""
from .pipeline import IngestSummary, Ingestor, PreparedReport, discover, prepare_report
from .questions import QuestionGenerator, store_questions
from .readers import ParsedReport, ReportError, read_report

__all__ = [
    "IngestSummary", "Ingestor", "ParsedReport", "PreparedReport", "QuestionGenerator", "ReportError",
    "discover", "prepare_report", "read_report", "store_questions",
]
