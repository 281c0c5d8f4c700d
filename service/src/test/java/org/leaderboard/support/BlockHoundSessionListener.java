package org.leaderboard.support;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

import reactor.blockhound.BlockHound;

/**
 * Installs BlockHound once for the whole test run, before any test starts, so that every
 * integration test fails if a blocking call runs on a Netty, Lettuce or Reactor non-blocking thread.
 */
public class BlockHoundSessionListener implements LauncherSessionListener {

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        BlockHound.install();
    }
}
