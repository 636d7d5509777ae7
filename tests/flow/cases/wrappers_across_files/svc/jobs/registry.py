"""The process-wide job runner."""

from svc.jobs.runner import Runner

runner = Runner(workdir="/srv/jobs")
