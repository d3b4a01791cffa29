"""Importing decisions from an XLSX file, off the request path.

POST /import stores the upload (at most `max_upload_mb`, else 413) and queues a job; one worker
thread per app runs the jobs one after another (an import is seconds of CPU; two at once would
only halve each other's speed), so the server keeps answering while a 30,000-row file is read,
checked and applied. GET /import/{job} shows the stage and progress and, when done, the result
or the first problems; GET /import/{job}/problems.csv downloads every problem kept (at most
spreadsheets.MAX_PROBLEMS, with the total). Jobs live in memory for `KEEP_SECONDS` and belong to
the reviewer who started them (admins may look at any).
"""
from __future__ import annotations

import csv
import io
import logging
import queue as stdlib_queue
import secrets
import threading
import time
from dataclasses import dataclass, field

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from review_queue import queue, spreadsheets
from review_queue.web.auth import current_user, page_form
from review_queue.web.base import NotFound, Reviewer, Workspace, render, workspace
from review_queue.web.review import moved_on
from terms.messages import message
from terms.text import neutralise_cell

router = APIRouter()
log = logging.getLogger(__name__)
KEEP_SECONDS = 3600
MAX_JOBS = 50


@dataclass
class ImportJob:
    id: str
    owner: str
    filename: str
    data: bytes | None
    state: str = "waiting"  # waiting | read | check | apply | done | refused | failed
    done: int = 0
    total: int = 0
    applied: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    problems_total: int = 0
    flagged: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    finished: float | None = None

    @property
    def running(self) -> bool:
        return self.state not in ("done", "refused", "failed")


class ImportJobs:
    """The app's import jobs and the one thread that runs them."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.jobs: dict[str, ImportJob] = {}
        self.lock = threading.Lock()
        self.todo: stdlib_queue.Queue[ImportJob] = stdlib_queue.Queue()
        self.thread: threading.Thread | None = None

    def submit(self, owner: str, filename: str, data: bytes) -> ImportJob:
        job = ImportJob(id=secrets.token_urlsafe(12), owner=owner, filename=filename[:200], data=data)
        with self.lock:
            now = time.time()
            for key in [k for k, j in self.jobs.items() if j.finished and now - j.finished > KEEP_SECONDS]:
                del self.jobs[key]
            while len(self.jobs) >= MAX_JOBS:
                oldest = min((j for j in self.jobs.values() if not j.running), key=lambda j: j.created, default=None)
                if oldest is None:
                    break
                del self.jobs[oldest.id]
            self.jobs[job.id] = job
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._work, daemon=True, name="helder-import")
                self.thread.start()
        self.todo.put(job)
        return job

    def get(self, job_id: str, who: Reviewer) -> ImportJob:
        with self.lock:
            job = self.jobs.get(job_id)
        if job is None or (job.owner != who.username and not who.is_admin):
            raise NotFound("import_not_found")
        return job

    def _work(self) -> None:
        while True:
            job = self.todo.get()
            try:
                self._run(job)
            except Exception:  # a bug, not a bad file: say so on the page, keep the worker alive
                log.exception("import %s failed", job.id)
                job.state, job.problems = "failed", [message("review.import.failed")]
                job.problems_total = 1
            finally:
                job.data, job.finished = None, time.time()

    def _run(self, job: ImportJob) -> None:
        def progress(stage: str, done: int, total: int) -> None:
            job.state, job.done, job.total = stage, done, total

        job.state = "read"
        try:
            with self.ws.factory() as s, s.begin():
                result = spreadsheets.import_xlsx(s, job.data or b"", job.owner, self.ws.policy,
                                                  recheck=self.ws.recheck, progress=progress)
        except spreadsheets.ImportRefused as exc:
            job.state, job.problems, job.problems_total = "refused", exc.problems, exc.total
            return
        queue.invalidate_counts()
        tm_changed = getattr(self.ws.recheck, "tm_changed", None)
        if tm_changed is not None and result.applied:
            tm_changed()
        job.state, job.applied, job.skipped, job.flagged = "done", result.applied, result.skipped, result.flagged


@router.get("/import")
def import_form(request: Request, who: Reviewer = Depends(current_user)):
    ws = workspace(request)
    moved_on(ws, who)
    return render(request, "import.html", who, job=None, max_mb=ws.settings.max_upload_mb)


@router.post("/import")
async def import_post(request: Request, form: dict = Depends(page_form), who: Reviewer = Depends(current_user)):
    ws = workspace(request)
    upload = form.get("file")
    if upload is None or not hasattr(upload, "read"):
        return render(request, "import.html", who, status=422, job=None, max_mb=ws.settings.max_upload_mb,
                      error=message("review.import.choose_file"))
    data = await upload.read()
    job = ws.jobs.submit(who.username, getattr(upload, "filename", "") or "", data)
    # A small file is usually done in a moment: wait briefly so its result shows at once.
    for _ in range(20):
        if not job.running:
            break
        await _sleep(0.1)
    return RedirectResponse(f"/import/{job.id}", status_code=303)


async def _sleep(seconds: float) -> None:
    import anyio

    await anyio.sleep(seconds)


@router.get("/import/{job_id}")
def import_status(request: Request, job_id: str, who: Reviewer = Depends(current_user)):
    ws = workspace(request)
    job = ws.jobs.get(job_id, who)
    status = 422 if job.state == "refused" else 200
    return render(request, "import.html", who, status=status, job=job, max_mb=ws.settings.max_upload_mb,
                  shown=job.problems[:50])


@router.get("/import/{job_id}/problems.csv")
def import_problems(request: Request, job_id: str, who: Reviewer = Depends(current_user)):
    """Every problem kept, one per line (UTF-8 with BOM so spreadsheet programs read the accents)."""
    ws = workspace(request)
    job = ws.jobs.get(job_id, who)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([message("review.import.csv_header")])
    for line in job.problems:
        writer.writerow([neutralise_cell(line)])
    if job.problems_total > len(job.problems):
        writer.writerow([message("review.import.more", n=job.problems_total - len(job.problems))])
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="helder-import-problemen.csv"'})
