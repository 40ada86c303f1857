"""Tracing: the Step record, the recorder that stores steps as they happen, redaction, trace documents."""

from app.tracing.steps import Step, emit, emit_step, step

__all__ = ["Step", "emit", "emit_step", "step"]
