"""seed_demo prints one line per step, and finishes the job when rerun after Ctrl-C."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Q

from experience.models import SurveyResponse
from xmo.choices import JobStatus
from xmo.jobs import ordered_jobs
from xmo.models import JobRun, Organisation

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def small_demo(settings, monkeypatch):
    """No operational metric samples: their year of rollups takes a minute on SQLite, and
    these tests are about the steps and the restart, which the responses show as well."""
    from demo.loader import Demo

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(Demo, "ensure_metric_samples", lambda self: None)


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def seed_stopped_by_ctrl_c(*args) -> str:
    """seed_demo interrupted: it exits with 130 and a hint on stderr, not a traceback."""
    err = io.StringIO()
    with pytest.raises(SystemExit) as stopped:
        call_command("seed_demo", *args, stdout=io.StringIO(), stderr=err)
    assert stopped.value.code == 130
    return err.getvalue()


def succeeded_jobs(org) -> list[str]:
    return list(
        # Installation-wide jobs (response partitions) run without an organisation.
        JobRun.objects.filter(
            Q(organisation=org) | Q(organisation__isnull=True), status=JobStatus.SUCCEEDED
        )
        .order_by("pk")
        .values_list("name", flat=True)
    )


def test_seed_prints_one_progress_line_per_step_and_per_job():
    out = seed("--responses", "400")
    lines = out.splitlines()
    names = [j.name for j in ordered_jobs()]
    for step in ("users", "services", "XLAs", "metric samples"):
        assert any(line.startswith(f"demo: {step}: ") and line.endswith(" s)") for line in lines)
    assert any(line.startswith("demo: responses: 400 survey responses, ") for line in lines)
    job_lines = [line for line in lines if line.startswith("job ")]
    assert [line.split()[2].rstrip(":") for line in job_lines] == names
    rollups = names.index("rollups")
    assert job_lines[rollups].startswith(f"job {rollups + 1}/{len(names)} rollups: ")
    assert "(responses 400, samples 0)" in job_lines[rollups]
    assert any(line.startswith("demo: ready in ") for line in lines)


def test_ctrl_c_while_loading_data_leaves_nothing_and_a_rerun_loads_everything(monkeypatch):
    from demo.loader import Demo

    def interrupted(self):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(Demo, "ensure_responses", interrupted)
        err = seed_stopped_by_ctrl_c("--responses", "300", "--no-jobs")
    assert "interrupted while loading the data; nothing was kept" in err
    assert "Run it again (or `make run`) to finish loading the demo." in err
    assert not Organisation.objects.filter(slug="demo").exists()

    out = seed("--responses", "300")
    org = Organisation.objects.get(slug="demo")
    assert SurveyResponse.objects.filter(organisation=org).count() == 300
    assert "Demo organisation 'demo' (Demo IT) loaded" in out
    assert succeeded_jobs(org) == [j.name for j in ordered_jobs()]


def test_ctrl_c_during_the_first_jobs_and_a_rerun_runs_the_rest(monkeypatch):
    import demo.loader as loader

    names = [j.name for j in ordered_jobs()]
    stop_at = names[3]
    real_run_job = loader.run_job

    def run_job_until_ctrl_c(name, org_id):
        if name == stop_at:
            raise KeyboardInterrupt
        return real_run_job(name, org_id)

    with monkeypatch.context() as patch:
        patch.setattr(loader, "run_job", run_job_until_ctrl_c)
        err = seed_stopped_by_ctrl_c("--responses", "300")
    assert f"interrupted during job {stop_at}; the data is loaded" in err
    org = Organisation.objects.get(slug="demo")
    assert succeeded_jobs(org) == names[:3]

    out = seed("--responses", "300")
    assert "already loaded: nothing added" in out
    job_lines = [line for line in out.splitlines() if line.startswith("job ")]
    assert job_lines[0].startswith(f"job 1/{len(names) - 3} {stop_at}: ")
    assert succeeded_jobs(org) == names  # each job once: the first three were not run again
    assert SurveyResponse.objects.filter(organisation=org).count() == 300

    third = seed("--responses", "300")
    assert not [line for line in third.splitlines() if line.startswith("job ")]
    assert succeeded_jobs(org) == names
