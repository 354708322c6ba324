"""The Commissioner's quarterly extract: a job for any quarter, and a schedule for the quarter just ended."""

import datetime as dt

import dagster as dg
from pydantic import Field

from orchestration.lib.lifecycle import writing
from orchestration.lib.quarters import quarter_just_ended
from orchestration.lib.settings import DataPaths

OP_NAME = "commissioner_extract"
DEFAULT_RECIPIENT = "niccy"
# 07:00 on the 10th day of the month after each calendar quarter ends (January, April, July, October).
EXTRACT_CRON = "0 7 10 1,4,7,10 *"


class ExtractConfig(dg.Config):
    quarter: str = Field(default="", description="The calendar quarter, YYYY-Qn; empty for the one just ended.")
    recipient: str = Field(default=DEFAULT_RECIPIENT, description="The outbox folder of the recipient.")


@dg.op(name=OP_NAME, description="Build a quarter's extract from the published database, under disclosure "
                                 "control, into the recipient's outbox, and record it in the audit log.")
def commissioner_extract(context: dg.OpExecutionContext, config: ExtractConfig) -> dg.Output:
    from orchestration.lib.extract import deliver  # numerical libraries: kept out of definitions loading

    quarter = config.quarter or quarter_just_ended(dt.date.today())
    paths = DataPaths.from_env().ensure()
    with writing(paths, context.log.warning):
        result = deliver(paths, quarter, config.recipient, context.run_id)
    context.log.info(f"extract for {config.recipient} {quarter}: {result.rows} values ({result.suppressed} "
                     f"suppressed) in {result.directory}")
    return dg.Output(str(result.directory), metadata={
        "directory": dg.MetadataValue.path(str(result.directory)),
        "files": dg.MetadataValue.json(result.files),
        "values": result.rows,
        "suppressed": result.suppressed,
    })


@dg.job(description="The Commissioner's extract for one quarter (config: quarter, recipient).")
def commissioner_extract_job() -> None:
    commissioner_extract()


def extract_run_config(quarter: str, recipient: str = DEFAULT_RECIPIENT) -> dict:
    return {"ops": {OP_NAME: {"config": {"quarter": quarter, "recipient": recipient}}}}


@dg.schedule(job=commissioner_extract_job, cron_schedule=EXTRACT_CRON, execution_timezone="Europe/London",
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="The Commissioner's extract for the quarter just ended, on the 10th day after it.")
def commissioner_extract_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    quarter = quarter_just_ended(context.scheduled_execution_time.date())
    return dg.RunRequest(run_key=f"{DEFAULT_RECIPIENT}-{quarter}", run_config=extract_run_config(quarter),
                         tags={"quarter": quarter, "recipient": DEFAULT_RECIPIENT})
