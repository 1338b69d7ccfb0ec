public import Scheduler
import TestSupport

extension ManualClock: SchedulerClock {}
