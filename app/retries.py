"""Where a retry goes on from: a failed run's last checkpoint (a model that gave up, a stop, a server killed
mid-run). The steps the run finished are kept and not run again; a step whose result that checkpoint lacks (the
process died after the step was stored, before its superstep was checkpointed) will run again, so it is marked
as not saved instead of being shown done twice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.errors import TurnError
from storage import repo
from storage.engine import Database
from storage.models import SessionRow

if TYPE_CHECKING:
    from app.graphs import Graphs
    from app.retrieval import ToolRetrieval

UNSAVED = "not saved: the server stopped before this step's result was checkpointed, so the retry ran it again"


def retry_point(db: Database, graphs: "Graphs", retrieval: "ToolRetrieval", session: SessionRow) -> str:
    """The run a retry goes on with (the session's last, if it failed), its unsaved steps marked."""
    last = repo.latest_run(db, session.id)
    if last is None or last.status != "error":
        raise TurnError("nothing to retry: the session's last run did not fail")
    thread = {"configurable": {"thread_id": session.id}}
    state = graphs.graph_for(session, retrieval.offered_in_run(session.id, last.id)).get_state(thread)
    if not state.tasks:  # (a task whose result was saved before its superstep's checkpoint is not in `next`)
        raise TurnError("this run failed before its agent started, so there is no checkpoint to go on from; "
                        "send the message again")
    at = state.config["configurable"]["checkpoint_id"]
    done = {t.name for t in state.tasks if t.result is not None}  # their results are applied, not run again
    lost = {c for c in repo.step_checkpoints(db, last.id) - {at}  # never written: the process died first
            if graphs.checkpointer.get_tuple({"configurable": {**thread["configurable"], "checkpoint_ns": "",
                                                               "checkpoint_id": c}}) is None}
    repo.discard_unsaved_steps(db, last.id, at, done, lost, UNSAVED)
    return last.id
