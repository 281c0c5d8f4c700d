package org.leaderboard.demo;

import reactor.core.scheduler.Scheduler;

/**
 * The scheduler demo mode's time runs on: its steps and the time its script is given. Without
 * a bean of this type, Reactor's parallel scheduler (real time); a test declares one on virtual time.
 */
record DemoClock(Scheduler scheduler) {
}
