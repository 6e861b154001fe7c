"""What a run did wrong, in a few clear lines: failed steps (root cause), failed checks.

Dagster's summary of a failed step is "Error occurred while executing op ...", which hides
the cause (a lock timeout, a full disk, a 503). :func:`root_cause` walks the error chain to
the exception that started it. A check that fails with ERROR severity makes the run a
failure for the CLI (exit code 1), naming the check and its first rows; WARN-severity
failures are listed but do not change the exit code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dagster import AssetCheckSeverity

_MAX_ROWS_SHOWN = 10


def root_cause(error) -> str:
    """``Class: first line`` of the error that user code raised, under Dagster's wrappers.

    Dagster wraps a step's exception in "Error occurred while executing op ..."; the first
    error in the chain that is not Dagster's own is the one that says what went wrong.
    """
    chain = [error]
    while chain[-1].cause is not None:
        chain.append(chain[-1].cause)
    own = [e for e in chain if not (e.cls_name or "").startswith("Dagster")]
    error = own[0] if own else chain[-1]
    message = error.message.strip()
    first = message.splitlines()[0] if message else ""
    head, _, rest = first.partition(": ")
    if rest and head.endswith(f".{error.cls_name}"):  # "pkg.module.Class: ..." (not a builtin)
        first = f"{error.cls_name}: {rest}"
    if first.startswith(f"{error.cls_name}:") or not error.cls_name:
        return first
    return f"{error.cls_name}: {first}"


def _step_failure_line(event) -> str:
    data = event.step_failure_data
    cause = root_cause(data.error) if data.error else "unknown error"
    user = data.user_failure_data
    if user is not None and user.description and user.description not in cause:
        cause = user.description.strip().splitlines()[0]
    return f"step {event.step_key} failed: {cause}"


def _rows_preview(metadata) -> list[str]:
    rows = metadata.get("rows")
    text = getattr(rows, "value", None) or getattr(rows, "md_str", None) or ""
    lines = [line for line in str(text).splitlines() if line.strip()]
    return [f"    {line}" for line in lines[: _MAX_ROWS_SHOWN + 2]]


def _failing_count(metadata) -> str:
    value = metadata.get("failing_rows")
    return f"{getattr(value, 'value', value)} failing row(s)" if value is not None else "failed"


_INTERRUPTED = "DagsterExecutionInterruptedError"


@dataclass
class RunReport:
    """Problems found in one run's events."""

    step_failures: list[str] = field(default_factory=list)
    check_errors: list[str] = field(default_factory=list)
    check_warnings: list[str] = field(default_factory=list)
    interrupted: bool = False  # a step was stopped by Ctrl-C or SIGTERM

    @property
    def failed(self) -> bool:
        """True when a step failed or an ERROR-severity check failed."""
        return bool(self.step_failures or self.check_errors)

    def lines(self) -> list[str]:
        """Everything to print, errors first."""
        return [*self.step_failures, *self.check_errors, *self.check_warnings]


def report_run(result) -> RunReport:
    """Collect step failures and failed checks of an ``execute_in_process`` result."""
    report = RunReport()
    for event in result.all_events:
        if event.is_step_failure:
            report.step_failures.append(_step_failure_line(event))
            error = event.step_failure_data.error
            while error is not None:
                report.interrupted |= error.cls_name == _INTERRUPTED
                error = error.cause
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            continue
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        metadata = dict(evaluation.metadata)
        if evaluation.severity == AssetCheckSeverity.ERROR:
            line = f"check {name} FAILED (error): {_failing_count(metadata)}"
            report.check_errors.append("\n".join([line, *_rows_preview(metadata)]))
        else:
            report.check_warnings.append(f"check {name} warning: {_failing_count(metadata)}")
    return report
