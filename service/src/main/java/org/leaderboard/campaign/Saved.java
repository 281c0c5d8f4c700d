package org.leaderboard.campaign;

/** The result of an idempotent PUT: the stored resource and whether this request created it. */
record Saved<T>(T value, boolean created) {
}
