"""A pymesos 0.3.15 framework, as in the golden s3-v1-scheduler-json run:
it subscribes to the master given as argv[1] (host:port or zk://...),
launches one `echo hello` task (cpus 0.1, mem 32) on its first offer,
declines the offers after it, and stops (TEARDOWN) once the task is
terminal.

Prints one JSON object per line for each thing the scheduler is told, for
the test to check: {"event": "registered" | "offer" | "update" | "error" |
"stopped", ...}.
"""

import json
import logging
import sys

from pymesos import MesosSchedulerDriver, Scheduler

TERMINAL = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST",
            "TASK_ERROR", "TASK_DROPPED", "TASK_GONE"}


def emit(**fields):
    print(json.dumps(fields, sort_keys=True), flush=True)


class EchoScheduler(Scheduler):
    def __init__(self):
        self.launched = False

    def registered(self, driver, framework_id, master_info):
        emit(event="registered", framework_id=framework_id["value"],
             master_info=master_info)

    def resourceOffers(self, driver, offers):
        for offer in offers:
            emit(event="offer", offer_id=offer["id"]["value"],
                 agent_id=offer["agent_id"]["value"],
                 hostname=offer["hostname"], resources=offer["resources"])
            if self.launched:
                driver.declineOffer(offer["id"])
                continue
            self.launched = True
            task = {
                "task_id": {"value": "pymesos-echo-1"},
                "agent_id": offer["agent_id"],
                "name": "echo-hello",
                "command": {"value": "echo hello", "shell": True},
                "resources": [
                    {"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
                    {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}},
                ],
            }
            driver.launchTasks(offer["id"], [task], {"refuse_seconds": 5})

    def statusUpdate(self, driver, update):
        emit(event="update", task_id=update["task_id"]["value"],
             state=update["state"], agent_id=update["agent_id"]["value"],
             source=update.get("source"), message=update.get("message"))
        if update["state"] in TERMINAL:
            driver.stop()

    def error(self, driver, message):
        emit(event="error", message=message)
        driver.abort()


def main():
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    framework = {"user": "root", "name": "pymesos-echo"}
    driver = MesosSchedulerDriver(EchoScheduler(), framework, sys.argv[1])
    status = driver.run()
    emit(event="stopped", status=status)


if __name__ == "__main__":
    main()
